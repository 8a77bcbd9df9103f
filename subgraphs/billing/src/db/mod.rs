//! The `billing` Postgres schema, plus read-only views of what billing meters: finished runs
//! (`worker.runs` with their job, deployment and model), stored bytes (`media.media`) and
//! team roles (`accounts.memberships`).
//! Every subgraph has its own schema in the one database; billing only reads the others.
//! Functions take a connection and do one query; the account is an explicit argument.

pub mod budgets;
pub mod invoices;
pub mod prices;
pub mod rows;
pub mod schema;
pub mod sources;
pub mod team_roles;
pub mod usage;

/// Advisory lock between recording usage (shared) and closing periods (exclusive), so no
/// line lands in a period while it is being invoiced.
pub const PERIOD_LOCK: i64 = 0x6d6d_6269_6c6c;
