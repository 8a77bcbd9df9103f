//! The `jobs` Postgres schema: one module per table group. Functions take a connection and
//! do one query; ownership filters are explicit arguments.

pub mod callbacks;
pub mod deployments;
pub mod finish;
pub mod jobs;
pub mod logs;
pub mod rows;
pub mod schema;
