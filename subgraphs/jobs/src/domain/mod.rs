//! Job domain types: statuses, callback URLs (with the SSRF rule), Standard Webhooks signing.

pub mod callback;
pub mod signing;
pub mod status;

pub use status::JobStatus;
