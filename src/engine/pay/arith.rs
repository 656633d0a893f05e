//! Integer arithmetic for pay: every amount is in minor units, every rate in basis points, and
//! every rounding happens here, by the rules in [`ROUNDING_RULES`]. Intermediates are `i128`
//! and checked, so an overflow is an error, never a wrong number.

use super::CompError;

/// Basis points in one whole (10,000 bp = 100% = a multiplier of 1.0).
pub(crate) const BP: i128 = 10_000;

/// The rounding rules, in words, printed on every statement.
pub(crate) const ROUNDING_RULES: [&str; 6] = [
    "Amounts are integers in the minor unit of the plan currency (cents for USD, yen for JPY); no step uses floating point.",
    "Each line is rounded once, to the minor unit, half away from zero; a total is the sum of the rounded lines shown.",
    "A credit split gives each person the floor of their share and hands the leftover minor units, one each, to the largest remainders (ties: order of the split), so the shares add up to the deal exactly.",
    "The period's target incentive is the annual target times the months in the period over 12, rounded; each measure's target incentive is that times its weight, rounded.",
    "Attainment is shown floored to the basis point; the payout uses the exact ratio of achieved to target.",
    "A deal's share of a measure's payout is the payout with the deal minus the payout without it, taking deals in close order; the shares add up to the measure's payout exactly.",
];

/// `a * b / d`, rounded half away from zero. `d` must be positive.
pub(crate) fn mul_div(a: i128, b: i128, d: i128) -> Result<i128, CompError> {
    if d <= 0 {
        return Err(CompError::Arithmetic("division by a non-positive number".to_owned()));
    }
    let product = a.checked_mul(b).ok_or_else(|| CompError::Arithmetic(format!("{a} × {b} overflows")))?;
    Ok(div_round(product, d))
}

/// `n / d` rounded half away from zero, for `d > 0`.
pub(crate) fn div_round(n: i128, d: i128) -> i128 {
    let quotient = n / d;
    let remainder = n % d;
    if remainder.abs() * 2 >= d {
        quotient + n.signum()
    } else {
        quotient
    }
}

/// `minor × bp / 10,000`, rounded half away from zero.
pub(crate) fn apply_bp(minor: i64, bp: i64) -> Result<i64, CompError> {
    narrow(mul_div(i128::from(minor), i128::from(bp), BP)?)
}

/// `value × numerator / denominator`, rounded half away from zero.
pub(crate) fn scale(value: i64, numerator: i64, denominator: i64) -> Result<i64, CompError> {
    narrow(mul_div(i128::from(value), i128::from(numerator), i128::from(denominator))?)
}

/// `part / whole` in basis points, floored; 0 when `whole` is not positive.
pub(crate) fn ratio_bp_floor(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    let value = i128::from(part) * BP / i128::from(whole);
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(crate) fn narrow(value: i128) -> Result<i64, CompError> {
    i64::try_from(value).map_err(|_| CompError::Arithmetic(format!("{value} does not fit in 64 bits")))
}

pub(crate) fn checked_sum<I: IntoIterator<Item = i64>>(values: I) -> Result<i64, CompError> {
    values
        .into_iter()
        .try_fold(0i64, |total, v| total.checked_add(v))
        .ok_or_else(|| CompError::Arithmetic("sum overflows".to_owned()))
}

/// Splits `value` by `shares_bp` (which add up to 10,000) so the parts add up to `value` exactly:
/// floors first, then one minor unit each to the largest remainders, ties in list order.
pub(crate) fn split_exact(value: i64, shares_bp: &[u16]) -> Result<Vec<i64>, CompError> {
    let mut parts = Vec::with_capacity(shares_bp.len());
    let mut remainders = Vec::with_capacity(shares_bp.len());
    for (index, share) in shares_bp.iter().enumerate() {
        let exact = i128::from(value) * i128::from(*share);
        parts.push(narrow(exact.div_euclid(BP))?);
        remainders.push((exact.rem_euclid(BP), index));
    }
    let assigned = checked_sum(parts.iter().copied())?;
    let mut leftover = value.checked_sub(assigned).ok_or_else(|| CompError::Arithmetic("split".to_owned()))?;
    // Largest remainder first; the stable sort keeps list order among equals.
    remainders.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (_, index) in remainders {
        if leftover <= 0 {
            break;
        }
        if let Some(part) = parts.get_mut(index) {
            *part += 1;
            leftover -= 1;
        }
    }
    Ok(parts)
}

/// Shares `total` out in proportion to `weights` (non-negative) so the parts add up to `total`
/// exactly: floors first, then one minor unit each to the largest remainders, ties in order.
/// All zero weights give all zero parts.
pub(crate) fn apportion(total: i64, weights: &[i64]) -> Result<Vec<i64>, CompError> {
    let whole = i128::from(checked_sum(weights.iter().map(|w| (*w).max(0)))?);
    if whole == 0 {
        return Ok(vec![0; weights.len()]);
    }
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (index, weight) in weights.iter().enumerate() {
        let exact = i128::from(total)
            .checked_mul(i128::from((*weight).max(0)))
            .ok_or_else(|| CompError::Arithmetic("apportion overflows".to_owned()))?;
        parts.push(narrow(exact.div_euclid(whole))?);
        remainders.push((exact.rem_euclid(whole), index));
    }
    let mut leftover = total - checked_sum(parts.iter().copied())?;
    remainders.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (_, index) in remainders {
        if leftover <= 0 {
            break;
        }
        if let Some(part) = parts.get_mut(index) {
            *part += 1;
            leftover -= 1;
        }
    }
    Ok(parts)
}

/// Parses a non-negative decimal such as `"62.5"` into an integer with `places` implied
/// decimals (`"62.5"` with 2 places → 6250). Refuses more decimals than `places`.
pub(crate) fn parse_fixed(text: &str, places: u32) -> Option<i64> {
    let text = text.trim().trim_end_matches('%').trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    let significant = fraction.trim_end_matches('0');
    if significant.len() > places as usize {
        return None;
    }
    let scale = 10i64.checked_pow(places)?;
    let whole_value: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let mut padded = significant.to_owned();
    while padded.len() < places as usize {
        padded.push('0');
    }
    let fraction_value: i64 = if padded.is_empty() { 0 } else { padded.parse().ok()? };
    whole_value.checked_mul(scale)?.checked_add(fraction_value)
}

/// Basis points as a percentage with up to two decimals: 15000 → `150%`, 6250 → `62.5%`.
pub(crate) fn bp_pct(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    let abs = bp.unsigned_abs();
    let (whole, fraction) = (abs / 100, abs % 100);
    match fraction {
        0 => format!("{sign}{whole}%"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}%", f / 10),
        f => format!("{sign}{whole}.{f:02}%"),
    }
}

/// Basis points as a multiplier: 15000 → `1.5×`, 10000 → `1×`.
pub(crate) fn bp_times(bp: i64) -> String {
    let whole = bp / 10_000;
    let fraction = (bp % 10_000).unsigned_abs();
    if fraction == 0 {
        format!("{whole}×")
    } else {
        let digits = format!("{fraction:04}");
        format!("{whole}.{}×", digits.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(-5, 2), -3);
        assert_eq!(div_round(4, 3), 1);
        assert_eq!(div_round(-4, 3), -1);
        assert_eq!(apply_bp(12_345, 5_000).unwrap(), 6_173); // 6,172.5 rounds up
        assert_eq!(apply_bp(1, 4_999).unwrap(), 0);
        assert_eq!(apply_bp(1, 5_000).unwrap(), 1);
        assert!(mul_div(i128::MAX, 2, 1).is_err());
        assert!(mul_div(1, 1, 0).is_err());
    }

    #[test]
    fn splits_add_up_exactly() {
        // 100.01 at 33.34% / 33.33% / 33.33%: 33.343334, 33.333333 and 33.333333 floor to 33.34,
        // 33.33 and 33.33 (99.99 + 0.01 short); the cent goes to the largest remainder, the first.
        assert_eq!(split_exact(10_001, &[3_334, 3_333, 3_333]).unwrap(), vec![3_335, 3_333, 3_333]);
        // Equal remainders: the leftover goes in list order.
        assert_eq!(split_exact(10_000, &[3_334, 3_333, 3_333]).unwrap(), vec![3_334, 3_333, 3_333]);
        assert_eq!(split_exact(2, &[3_333, 3_333, 3_334]).unwrap(), vec![1, 0, 1]);
        assert_eq!(split_exact(1, &[5_000, 5_000]).unwrap(), vec![1, 0]);
        assert_eq!(split_exact(999, &[10_000]).unwrap(), vec![999]);
        assert_eq!(apportion(100, &[1, 1, 1]).unwrap(), vec![34, 33, 33]);
        assert_eq!(apportion(7, &[0, 0]).unwrap(), vec![0, 0]);
        assert_eq!(apportion(1_000, &[250, 750]).unwrap(), vec![250, 750]);
    }

    #[test]
    fn parses_fixed_point() {
        assert_eq!(parse_fixed("62.5", 2), Some(6_250));
        assert_eq!(parse_fixed("150%", 2), Some(15_000));
        assert_eq!(parse_fixed("1.5", 4), Some(15_000));
        assert_eq!(parse_fixed("0.001", 2), None);
        assert_eq!(parse_fixed("-1", 2), None);
        assert_eq!(parse_fixed("", 2), None);
        assert_eq!(bp_pct(6_250), "62.5%");
        assert_eq!(bp_pct(15_000), "150%");
        assert_eq!(bp_pct(1), "0.01%");
        assert_eq!(bp_times(15_000), "1.5×");
        assert_eq!(bp_times(10_000), "1×");
        assert_eq!(bp_times(2_500), "0.25×");
    }

    proptest! {
        #[test]
        fn split_parts_always_sum_to_the_whole(value in 0i64..1_000_000_000_000, a in 0u16..=10_000) {
            let shares = [a, 10_000 - a];
            let parts = split_exact(value, &shares).unwrap();
            prop_assert_eq!(parts.iter().sum::<i64>(), value);
            for (part, share) in parts.iter().zip(shares) {
                let exact = value as f64 * f64::from(share) / 10_000.0;
                prop_assert!((*part as f64 - exact).abs() < 1.0 + 1e-6);
            }
        }
    }
}
