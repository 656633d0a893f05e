//! Calendar arithmetic for the simulation: business hours, weekends, month and quarter ends,
//! and the random draws that turn a fraction of a cycle into a timestamp.

use crate::domain::FiscalCalendar;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc, Weekday};
use rand::Rng;
use rand_distr::StandardNormal;

/// A span of (possibly fractional) days.
pub(crate) fn days(d: f64) -> Duration {
    Duration::seconds((d * 86_400.0) as i64)
}

/// Days between two instants, as a float.
pub(crate) fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 86_400.0
}

/// Monday if `day` falls on a weekend: nobody in the simulated market works Saturdays.
pub(crate) fn weekday_on_or_after(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => day + Duration::days(2),
        Weekday::Sun => day + Duration::days(1),
        _ => day,
    }
}

/// A moment in local office hours (08:00–18:00) on a working day, expressed in UTC. Fixed
/// offsets are close enough here: only the rough time of day matters, not DST.
pub(crate) fn business_time(day: NaiveDate, utc_offset_h: i32, rng: &mut impl Rng) -> DateTime<Utc> {
    let day = weekday_on_or_after(day);
    let local_minutes = 8 * 60 + rng.gen_range(0..600i64);
    let midnight = day.and_time(chrono::NaiveTime::MIN).and_utc();
    midnight + Duration::minutes(local_minutes - i64::from(utc_offset_h) * 60)
}

/// The business-hours moment on the same working day as `at` (or the next one).
pub(crate) fn business_time_near(at: DateTime<Utc>, utc_offset_h: i32, rng: &mut impl Rng) -> DateTime<Utc> {
    let local_day = (at + Duration::hours(i64::from(utc_offset_h))).date_naive();
    business_time(local_day, utc_offset_h, rng)
}

pub(crate) fn month_end(day: NaiveDate) -> NaiveDate {
    let first = day.with_day(1).unwrap_or(day);
    first.checked_add_months(Months::new(1)).map(|next| next - Duration::days(1)).unwrap_or(day)
}

/// Last day of the fiscal quarter containing `day`.
pub(crate) fn quarter_end(calendar: &FiscalCalendar, day: NaiveDate) -> NaiveDate {
    calendar.end_exclusive(calendar.quarter_of(day)) - Duration::days(1)
}

pub(crate) fn uniform(rng: &mut impl Rng, low: f64, high: f64) -> f64 {
    if high > low {
        rng.gen_range(low..high)
    } else {
        low
    }
}

/// A log-normal factor around 1.0 with the given spread.
pub(crate) fn spread(rng: &mut impl Rng, sigma: f64) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    (sigma * z.clamp(-3.0, 3.0)).exp()
}

/// An exponential draw with the given mean, capped so one draw cannot swallow a deal.
pub(crate) fn exponential(rng: &mut impl Rng, mean: f64) -> f64 {
    let u: f64 = rng.gen_range(f64::EPSILON..1.0);
    (-u.ln() * mean).min(mean * 5.0)
}

pub(crate) fn chance(rng: &mut impl Rng, p: f64) -> bool {
    rng.gen::<f64>() < p
}

/// Picks an index with probability proportional to `weights`; the last index on rounding.
pub(crate) fn weighted(rng: &mut impl Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut pick = rng.gen::<f64>() * total;
    for (index, weight) in weights.iter().enumerate() {
        if pick < *weight {
            return index;
        }
        pick -= weight;
    }
    weights.len().saturating_sub(1)
}

/// Mixes the organisation seed with a per-record number, so each deal has its own stream and
/// can be generated independently (and in parallel) with identical results.
pub(crate) fn sub_seed(seed: u64, salt: u64, index: u64) -> u64 {
    let mut x = seed ^ salt.rotate_left(32) ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn business_time_is_on_a_weekday_in_office_hours() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let saturday = NaiveDate::from_ymd_opt(2026, 5, 16).unwrap();
        for _ in 0..50 {
            let at = business_time(saturday, -5, &mut rng);
            let local = at - Duration::hours(5);
            assert_eq!(local.date_naive().weekday(), Weekday::Mon);
            assert!((8..18).contains(&chrono::Timelike::hour(&local)));
        }
    }

    #[test]
    fn month_and_quarter_ends() {
        let day = NaiveDate::from_ymd_opt(2026, 2, 10).unwrap();
        assert_eq!(month_end(day), NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        let calendar = FiscalCalendar::new(4).unwrap();
        assert_eq!(quarter_end(&calendar, day), NaiveDate::from_ymd_opt(2026, 3, 31).unwrap());
        assert_ne!(sub_seed(1, 2, 3), sub_seed(1, 2, 4));
    }
}
