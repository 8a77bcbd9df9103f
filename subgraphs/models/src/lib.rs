//! The models subgraph (in progress): for now the argument-schema library that the jobs
//! subgraph will use — parsing seed 000's `args` schemas, validating argument values with one
//! error per bad argument, and rendering a model's command for the `exec` and `http`
//! invocation kinds.

pub mod domain;
