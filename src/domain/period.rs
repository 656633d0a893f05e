//! Fiscal periods. A fiscal year is named after the calendar year in which it ends, so with a
//! fiscal year starting in April, FY2027 runs from 1 April 2026 to 31 March 2027.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("invalid period {0:?} (expected FY2026-Q3, FY2026 or 2026-Q3)")]
    Syntax(String),
    #[error("fiscal-year start month {0} is not between 1 and 12")]
    StartMonth(u32),
}

/// When the fiscal year starts. Month 1 (January) makes fiscal and calendar years the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiscalCalendar {
    start_month: u32,
}

impl Default for FiscalCalendar {
    fn default() -> Self {
        Self { start_month: 1 }
    }
}

/// A fiscal quarter or a whole fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    Quarter { fiscal_year: i32, quarter: u8 },
    Year { fiscal_year: i32 },
}

impl FiscalCalendar {
    pub fn new(start_month: u32) -> Result<Self, PeriodError> {
        if (1..=12).contains(&start_month) {
            Ok(Self { start_month })
        } else {
            Err(PeriodError::StartMonth(start_month))
        }
    }

    pub fn start_month(&self) -> u32 {
        self.start_month
    }

    /// The fiscal year `date` falls in.
    pub fn fiscal_year(&self, date: NaiveDate) -> i32 {
        if self.start_month == 1 || date.month() < self.start_month {
            date.year()
        } else {
            date.year() + 1
        }
    }

    /// The fiscal quarter containing `date`.
    pub fn quarter_of(&self, date: NaiveDate) -> Period {
        let months_into_year = (date.month() + 12 - self.start_month) % 12;
        Period::Quarter { fiscal_year: self.fiscal_year(date), quarter: (months_into_year / 3 + 1) as u8 }
    }

    /// First day of the period.
    pub fn start(&self, period: Period) -> NaiveDate {
        let (fiscal_year, quarter) = match period {
            Period::Quarter { fiscal_year, quarter } => (fiscal_year, quarter),
            Period::Year { fiscal_year } => (fiscal_year, 1),
        };
        let first_year = if self.start_month == 1 { fiscal_year } else { fiscal_year - 1 };
        let year_start = NaiveDate::from_ymd_opt(first_year, self.start_month, 1).unwrap_or(NaiveDate::MIN);
        year_start.checked_add_months(Months::new(3 * (u32::from(quarter).saturating_sub(1)))).unwrap_or(NaiveDate::MAX)
    }

    /// First day after the period (exclusive end).
    pub fn end_exclusive(&self, period: Period) -> NaiveDate {
        let months = match period {
            Period::Quarter { .. } => 3,
            Period::Year { .. } => 12,
        };
        self.start(period).checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
    }

    pub fn contains(&self, period: Period, date: NaiveDate) -> bool {
        date >= self.start(period) && date < self.end_exclusive(period)
    }
}

impl Period {
    /// The quarter after this one (or the year after a year).
    pub fn next(self) -> Period {
        match self {
            Period::Quarter { fiscal_year, quarter: 4 } => Period::Quarter { fiscal_year: fiscal_year + 1, quarter: 1 },
            Period::Quarter { fiscal_year, quarter } => Period::Quarter { fiscal_year, quarter: quarter + 1 },
            Period::Year { fiscal_year } => Period::Year { fiscal_year: fiscal_year + 1 },
        }
    }

    pub fn previous(self) -> Period {
        match self {
            Period::Quarter { fiscal_year, quarter: 1 } => Period::Quarter { fiscal_year: fiscal_year - 1, quarter: 4 },
            Period::Quarter { fiscal_year, quarter } => Period::Quarter { fiscal_year, quarter: quarter - 1 },
            Period::Year { fiscal_year } => Period::Year { fiscal_year: fiscal_year - 1 },
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || PeriodError::Syntax(text.to_owned());
        let upper = text.trim().to_ascii_uppercase();
        let body = upper.strip_prefix("FY").unwrap_or(&upper);
        let (year_text, quarter) = match body.split_once("-Q") {
            Some((year, quarter)) => {
                let quarter: u8 = quarter.parse().map_err(|_| err())?;
                if !(1..=4).contains(&quarter) {
                    return Err(err());
                }
                (year, Some(quarter))
            }
            None => (body, None),
        };
        if year_text.len() != 4 || !year_text.chars().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        let fiscal_year: i32 = year_text.parse().map_err(|_| err())?;
        Ok(match quarter {
            Some(quarter) => Period::Quarter { fiscal_year, quarter },
            None => Period::Year { fiscal_year },
        })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Quarter { fiscal_year, quarter } => write!(f, "FY{fiscal_year}-Q{quarter}"),
            Period::Year { fiscal_year } => write!(f, "FY{fiscal_year}"),
        }
    }
}

impl TryFrom<String> for Period {
    type Error = PeriodError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Period> for String {
    fn from(value: Period) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn april_fiscal_year() {
        let calendar = FiscalCalendar::new(4).unwrap();
        assert_eq!(calendar.quarter_of(date(2026, 4, 1)), "FY2027-Q1".parse().unwrap());
        assert_eq!(calendar.quarter_of(date(2027, 3, 31)), "FY2027-Q4".parse().unwrap());
        assert_eq!(calendar.start("FY2027-Q3".parse().unwrap()), date(2026, 10, 1));
        assert_eq!(calendar.end_exclusive("FY2027".parse().unwrap()), date(2027, 4, 1));
    }

    #[test]
    fn calendar_fiscal_year_and_parsing() {
        let calendar = FiscalCalendar::default();
        assert_eq!(calendar.quarter_of(date(2026, 11, 21)).to_string(), "FY2026-Q4");
        assert_eq!("2026-q2".parse::<Period>().unwrap().to_string(), "FY2026-Q2");
        assert!("FY2026-Q5".parse::<Period>().is_err());
        assert!("FY26".parse::<Period>().is_err());
        assert!(FiscalCalendar::new(13).is_err());
        assert_eq!(Period::Quarter { fiscal_year: 2026, quarter: 4 }.next().to_string(), "FY2027-Q1");
    }

    proptest! {
        #[test]
        fn every_date_is_inside_its_quarter(start in 1u32..=12, days in 0i64..20_000) {
            let calendar = FiscalCalendar::new(start).unwrap();
            let day = date(2000, 1, 1) + chrono::Duration::days(days);
            let quarter = calendar.quarter_of(day);
            prop_assert!(calendar.contains(quarter, day));
            prop_assert_eq!(calendar.end_exclusive(quarter), calendar.start(quarter.next()));
        }
    }
}
