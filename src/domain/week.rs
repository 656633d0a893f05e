//! ISO weeks (`2026-W47`), the period a weekly run covers.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    year: i32,
    week: u32,
}

impl IsoWeek {
    pub fn of(date: NaiveDate) -> IsoWeek {
        let iso = date.iso_week();
        IsoWeek { year: iso.year(), week: iso.week() }
    }

    pub fn monday(&self) -> NaiveDate {
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).unwrap_or_default()
    }

    /// Midnight UTC at the start of the week's Monday: the data date of an on-demand run, so
    /// every run of the same week reads the same snapshot.
    pub fn start(&self) -> DateTime<Utc> {
        self.monday().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    }
}

impl FromStr for IsoWeek {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{text:?} is not an ISO week like 2026-W47");
        let (year, week) = text
            .trim()
            .to_ascii_uppercase()
            .split_once("-W")
            .map(|(y, w)| (y.to_owned(), w.to_owned()))
            .ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let week: u32 = week.parse().map_err(|_| bad())?;
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).ok_or_else(bad)?;
        Ok(IsoWeek { year, week })
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn weeks_parse_print_and_start_on_monday() {
        let week: IsoWeek = "2026-W47".parse().unwrap();
        assert_eq!(week.to_string(), "2026-W47");
        assert_eq!(week.monday(), NaiveDate::from_ymd_opt(2026, 11, 16).unwrap());
        assert_eq!(IsoWeek::of(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()), week);
        assert_eq!(IsoWeek::of(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()).to_string(), "2026-W53");
        assert!("2026-W54".parse::<IsoWeek>().is_err());
        assert!("2026-47".parse::<IsoWeek>().is_err());
    }
}
