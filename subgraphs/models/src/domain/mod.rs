//! Model domain types: argument schemas, command rendering, definitions, the catalogue.

pub mod args;
pub mod catalogue;
pub mod model;
pub mod render;
pub mod result;
pub mod sandbox;
