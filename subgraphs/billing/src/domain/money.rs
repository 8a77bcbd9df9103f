//! Money: integer minor units (cents) for clients, integer micro-units (a millionth of a
//! minor unit) for usage lines, never floats.

/// Micro-units in one minor unit.
pub const MICROS_PER_MINOR: i64 = 1_000_000;

/// An amount in minor units of a currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Money {
    /// Minor units (cents for USD).
    pub minor: i64,
    /// ISO 4217 code.
    pub currency: String,
}

impl Money {
    /// `minor` units of `currency`.
    pub fn new(minor: i64, currency: &str) -> Self {
        Self {
            minor,
            currency: currency.to_owned(),
        }
    }

    /// Micro-units rounded half up to minor units.
    pub fn from_micros(micros: i64, currency: &str) -> Self {
        Self::new(round_micros(micros), currency)
    }

    /// `12.34 USD`: two decimals (every supported currency has them).
    pub fn formatted(&self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:02} {}", abs / 100, abs % 100, self.currency)
    }
}

/// Micro-units to minor units, half up (amounts are never negative).
pub fn round_micros(micros: i64) -> i64 {
    (micros + MICROS_PER_MINOR / 2).div_euclid(MICROS_PER_MINOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_round_half_up_to_minor_units() {
        assert_eq!(round_micros(0), 0);
        assert_eq!(round_micros(499_999), 0);
        assert_eq!(round_micros(500_000), 1);
        assert_eq!(round_micros(12_345_678), 12);
    }

    #[test]
    fn money_formats_with_two_decimals() {
        assert_eq!(Money::new(1234, "USD").formatted(), "12.34 USD");
        assert_eq!(Money::new(5, "EUR").formatted(), "0.05 EUR");
    }
}
