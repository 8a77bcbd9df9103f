//! Model domain types.

pub mod args;
pub mod render;
