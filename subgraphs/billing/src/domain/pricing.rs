//! Price items and charges. A price applies from its `effective_from` until the next price of
//! the same item, so a run across a price change is charged at each price for its share.

use chrono::{DateTime, Utc};
use std::fmt;

/// What a price is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PriceItem {
    /// A machine type, per machine-second (micro-units).
    Machine(String),
    /// Stored bytes, per GB-month (micro-units).
    Storage,
    /// Usage free in every period (minor units).
    FreeAllowance,
}

impl PriceItem {
    /// Parses the stored form (`machine:gpu`, `storage`, `free_allowance`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "storage" => Some(Self::Storage),
            "free_allowance" => Some(Self::FreeAllowance),
            other => {
                let machine = other.strip_prefix("machine:")?;
                valid_machine_type(machine).then(|| Self::Machine(machine.to_owned()))
            }
        }
    }
}

impl fmt::Display for PriceItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Machine(name) => write!(f, "machine:{name}"),
            Self::Storage => f.write_str("storage"),
            Self::FreeAllowance => f.write_str("free_allowance"),
        }
    }
}

/// Whether `name` can be a machine type (1 to 50 of `A-Za-z0-9_.-`).
pub fn valid_machine_type(name: &str) -> bool {
    (1..=50).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// One price of an item, from a point in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PricePoint {
    /// When it starts to apply.
    pub from: DateTime<Utc>,
    /// The amount, in the item's unit.
    pub amount: i64,
}

/// The price in force at `at` among `points` (sorted by `from`), if any.
pub fn price_at(points: &[PricePoint], at: DateTime<Utc>) -> Option<i64> {
    points
        .iter()
        .take_while(|p| p.from <= at)
        .last()
        .map(|p| p.amount)
}

/// Micro-units for `machines` machines running from `start` to `end`, at the machine prices
/// `points` (sorted by `from`; time before the first price is free), rounded half up.
pub fn machine_micros(
    points: &[PricePoint],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    machines: i32,
) -> i64 {
    // Sum of milliseconds × micro-units per second, exact; divided once at the end.
    let mut total: i128 = 0;
    for (i, point) in points.iter().enumerate() {
        let until = points.get(i + 1).map(|next| next.from);
        let from = point.from.max(start);
        let to = until.map_or(end, |u| u.min(end));
        if to > from {
            let ms = i128::from((to - from).num_milliseconds());
            total += ms * i128::from(point.amount);
        }
    }
    let total = total * i128::from(machines.max(0));
    i64::try_from((total + 500) / 1000).unwrap_or(i64::MAX)
}

/// Bytes in a GB, and hours in the month of a GB-month.
const GB: i128 = 1_000_000_000;
const HOURS_PER_MONTH: i128 = 730;

/// Micro-units for `byte_hours` stored at `per_gb_month` micro-units, rounded half up.
pub fn storage_micros(per_gb_month: i64, byte_hours: i64) -> i64 {
    let divisor = GB * HOURS_PER_MONTH;
    let exact = i128::from(byte_hours) * i128::from(per_gb_month);
    i64::try_from((exact + divisor / 2) / divisor).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, hour, minute, 0).unwrap()
    }

    #[test]
    fn a_run_is_charged_per_millisecond_and_machine() {
        let prices = [PricePoint {
            from: at(0, 0),
            amount: 2_000,
        }];
        // 90 s × 2 machines × 2,000 micro-units.
        assert_eq!(
            machine_micros(
                &prices,
                at(1, 0),
                at(1, 0) + chrono::Duration::seconds(90),
                2
            ),
            360_000
        );
        let short = at(1, 0) + chrono::Duration::milliseconds(1);
        assert_eq!(machine_micros(&prices, at(1, 0), short, 1), 2);
    }

    #[test]
    fn a_run_across_a_price_change_pays_each_price_for_its_share() {
        let prices = [
            PricePoint {
                from: at(0, 0),
                amount: 1_000,
            },
            PricePoint {
                from: at(2, 0),
                amount: 3_000,
            },
        ];
        // 30 min at 1,000 and 30 min at 3,000 per second.
        assert_eq!(
            machine_micros(&prices, at(1, 30), at(2, 30), 1),
            1_800 * 1_000 + 1_800 * 3_000
        );
    }

    #[test]
    fn time_before_the_first_price_is_free() {
        let prices = [PricePoint {
            from: at(2, 0),
            amount: 1_000,
        }];
        assert_eq!(machine_micros(&prices, at(1, 0), at(2, 0), 1), 0);
        assert_eq!(price_at(&prices, at(1, 59)), None);
        assert_eq!(price_at(&prices, at(2, 0)), Some(1_000));
    }

    #[test]
    fn a_gb_stored_for_a_month_costs_the_monthly_price() {
        assert_eq!(storage_micros(2_000_000, 1_000_000_000 * 730), 2_000_000);
        assert_eq!(storage_micros(2_000_000, 0), 0);
    }

    #[test]
    fn price_items_round_trip_and_bad_machine_types_are_refused() {
        for text in ["machine:gpu", "storage", "free_allowance"] {
            assert_eq!(PriceItem::parse(text).unwrap().to_string(), text);
        }
        assert!(PriceItem::parse("machine:").is_none());
        assert!(PriceItem::parse("machine:a b").is_none());
        assert!(PriceItem::parse("bandwidth").is_none());
    }
}
