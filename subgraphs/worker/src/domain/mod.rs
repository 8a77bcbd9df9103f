//! Worker domain types: the plan of a run, reading progress from output lines, and finding
//! declared outputs and the structured result in a working directory, installed runtimes,
//! agent tokens and names.

pub mod agent_token;
pub mod outputs;
pub mod progress;
pub mod result;
pub mod run;
pub mod runtimes;
