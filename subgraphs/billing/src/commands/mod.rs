//! Billing operations. Each takes the acting account explicitly (or none, for the event
//! handler and the scheduled jobs) and the current time as an argument, so tests can run
//! any day of any month.

pub mod budgets;
pub mod invoices;
pub mod prices;
pub mod usage;
