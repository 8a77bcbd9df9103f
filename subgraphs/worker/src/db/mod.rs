//! The `worker` Postgres schema: workers and runs.

pub mod rows;
pub mod runs;
pub mod schema;
pub mod workers;
