//! Monthly billing periods in UTC, written `YYYY-MM`.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use std::fmt;

/// A calendar month in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    start: NaiveDate,
}

impl Period {
    /// The period containing `at`.
    pub fn containing(at: DateTime<Utc>) -> Self {
        let date = at.date_naive();
        Self::from_first_day(date.year(), date.month()).unwrap_or(Self { start: date })
    }

    /// Parses `YYYY-MM`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a period; write YYYY-MM, for example 2026-11");
        let (year, month) = text.trim().split_once('-').ok_or_else(bad)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let month: u32 = month.parse().map_err(|_| bad())?;
        Self::from_first_day(year, month).ok_or_else(bad)
    }

    /// The period that starts on `date` (which must be a first of the month).
    pub fn from_start(date: NaiveDate) -> Option<Self> {
        (date.day() == 1).then_some(Self { start: date })
    }

    fn from_first_day(year: i32, month: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|start| Self { start })
    }

    /// Its first day.
    pub fn start(self) -> NaiveDate {
        self.start
    }

    /// The first day of the next period.
    pub fn end(self) -> NaiveDate {
        self.next().start
    }

    /// The next period.
    pub fn next(self) -> Self {
        let (year, month) = match self.start.month() {
            12 => (self.start.year() + 1, 1),
            m => (self.start.year(), m + 1),
        };
        Self::from_first_day(year, month).unwrap_or(self)
    }

    /// Its first instant.
    pub fn starts_at(self) -> DateTime<Utc> {
        Utc.from_utc_datetime(&self.start.and_time(chrono::NaiveTime::MIN))
    }

    /// The first instant after it.
    pub fn ends_at(self) -> DateTime<Utc> {
        self.next().starts_at()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.start.format("%Y-%m"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_parses_and_prints_as_year_and_month() {
        let period = Period::parse("2026-12").unwrap();
        assert_eq!(period.to_string(), "2026-12");
        assert_eq!(period.next().to_string(), "2027-01");
        assert_eq!(period.ends_at().to_rfc3339(), "2027-01-01T00:00:00+00:00");
    }

    #[test]
    fn malformed_periods_are_refused() {
        for bad in ["2026-13", "2026-1", "26-01", "december", ""] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_period_of_an_instant_is_its_utc_month() {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 23, 59, 59).unwrap();
        assert_eq!(Period::containing(at).to_string(), "2026-11");
    }
}
