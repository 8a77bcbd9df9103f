//! Persistence for the `models` schema. Functions take a connection and plain values;
//! business rules live in `commands`.

pub mod models;
pub mod rows;
pub mod schema;
pub mod versions;

pub use mediamagic_kit::db::is_unique_violation;
