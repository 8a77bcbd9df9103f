//! Job domain types: statuses, callback URLs (with the SSRF rule), Standard Webhooks signing
//! and its secrets sealed at rest, which callbacks a job is due, the fencing token of a job attempt.

pub mod callback;
pub mod callbacks;
pub mod lease;
pub mod secret_box;
pub mod signing;
pub mod status;

pub use callbacks::Callbacks;
pub use lease::Lease;
pub use status::JobStatus;
