//! Job domain types: statuses, callback URLs (with the SSRF rule), Standard Webhooks signing
//! and its secrets sealed at rest.

pub mod callback;
pub mod secret_box;
pub mod signing;
pub mod status;

pub use status::JobStatus;
