//! The `mediamagic` binary's library: platform configuration and the wiring of services.
//!
//! [`config`] is the typed platform config; [`secrets`] keeps dev keys under the data dir;
//! [`stack`] starts subgraphs and the router (used by `dev`, `serve` and the end-to-end
//! tests, so they run exactly what production runs); [`dev`] is the all-in-one command.

pub mod admin_cli;
pub mod agents_cli;
pub mod backup;
pub mod backup_cli;
pub mod cli;
pub mod config;
pub mod dev;
pub mod doctor;
pub mod doctor_agent;
pub mod events_cli;
pub mod router_process;
pub mod secrets;
pub mod stack;
pub mod storage_cli;
