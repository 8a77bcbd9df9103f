//! The `worker` Postgres schema: agents, workers and runs.

pub mod agents;
pub mod rows;
pub mod runs;
pub mod schema;
pub mod workers;
