//! Accounts domain types: parsed once at the edge, valid by construction.

mod email;
mod password;
mod role;
mod text;

pub use email::Email;
pub use password::{Password, PasswordHash, decoy_hash};
pub use role::Role;
pub use text::{DisplayName, KeyName, TeamName};
