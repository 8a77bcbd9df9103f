//! Billing settings (section `[billing]` of the platform config): currency, the prices seeded
//! at first start, and when the scheduled jobs run.

use serde::Deserialize;
use std::collections::BTreeMap;

/// Settings of the billing subgraph.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillingConfig {
    /// ISO 4217 code of every amount (one currency per platform), with two decimals.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Prices written at start when an item has none yet (effective from the epoch);
    /// later changes go through the `setPrice` mutation.
    #[serde(default)]
    pub prices: SeedPrices,
    /// When storage is sampled (cron with seconds; hourly, since samples are GB-hours).
    #[serde(default = "default_sample_schedule")]
    pub sample_schedule: String,
    /// When ended periods are closed into invoices (cron with seconds; closing twice is
    /// harmless).
    #[serde(default = "default_close_schedule")]
    pub close_schedule: String,
    /// Run the scheduled jobs in this service (turn off on all but one instance if you like;
    /// they are idempotent either way).
    #[serde(default = "yes")]
    pub schedule: bool,
}

/// Prices seeded at start.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPrices {
    /// Micro-units (millionths of a minor unit) per machine-second, by machine type.
    #[serde(default = "default_machine_prices")]
    pub machine: BTreeMap<String, i64>,
    /// Micro-units per GB-month stored (10^9 bytes for 730 hours).
    #[serde(default = "default_storage_price")]
    pub storage: i64,
    /// Minor units of usage free in every monthly period.
    #[serde(default)]
    pub free_allowance: i64,
}

impl Default for SeedPrices {
    fn default() -> Self {
        Self {
            machine: default_machine_prices(),
            storage: default_storage_price(),
            free_allowance: 0,
        }
    }
}

impl Default for BillingConfig {
    fn default() -> Self {
        Self {
            currency: default_currency(),
            prices: SeedPrices::default(),
            sample_schedule: default_sample_schedule(),
            close_schedule: default_close_schedule(),
            schedule: true,
        }
    }
}

fn default_currency() -> String {
    "USD".into()
}
fn default_machine_prices() -> BTreeMap<String, i64> {
    // $0.072 per CPU-slot hour, $2.88 per GPU hour.
    [("cpu".to_owned(), 2_000), ("gpu".to_owned(), 80_000)].into()
}
fn default_storage_price() -> i64 {
    // $0.02 per GB-month.
    2_000_000
}
fn default_sample_schedule() -> String {
    "0 0 * * * *".into()
}
fn default_close_schedule() -> String {
    "0 10 * * * *".into()
}
fn yes() -> bool {
    true
}
