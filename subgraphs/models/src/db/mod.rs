//! Persistence for the `models` schema. Functions take a connection and plain values;
//! business rules live in `commands`.

pub mod models;
pub mod rows;
pub mod schema;
pub mod versions;

/// Whether `err` is a unique-constraint violation.
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
