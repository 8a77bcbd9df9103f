//! Worker domain types: the plan of a run, reading progress from output lines, and finding
//! declared outputs in a working directory.

pub mod outputs;
pub mod progress;
pub mod run;
