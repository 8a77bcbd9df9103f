//! Persistence for the `media` schema. Functions take a connection and plain values; business
//! rules live in `commands`.

pub mod leases;
pub mod media;
pub mod quotas;
pub mod rows;
pub mod schema;
pub mod tags;
pub mod uploads;
