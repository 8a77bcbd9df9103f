//! Persistence for the `accounts` schema. Functions take a connection and plain values;
//! business rules live in `commands`.

pub mod keys;
pub mod login_failures;
pub mod oidc_logins;
pub mod refresh_tokens;
pub mod rows;
pub mod schema;
pub mod sessions;
pub mod teams;
pub mod users;

pub use mediamagic_kit::db::is_unique_violation;
