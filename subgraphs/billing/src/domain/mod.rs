//! Billing's rules without I/O: money in integer units, monthly periods, price items and the
//! arithmetic that turns run time and stored bytes into charges.

pub mod money;
pub mod period;
pub mod pricing;

pub use money::{MICROS_PER_MINOR, Money};
pub use period::Period;
pub use pricing::{PriceItem, PricePoint};
