//! The media service's HTTP entry points besides GraphQL: requests that carry files as HTTP
//! multipart bodies, and the worker's own routes. (Uploads in S3-style numbered parts, PUT
//! to presigned URLs, are `commands::parts`.)

pub mod graphql_multipart;
pub mod rest;
pub mod worker;
