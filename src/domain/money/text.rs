//! Money as text: the one place an amount becomes words on a page. Every report, statement,
//! draft, page and command prints money through here, so one digit-grouping routine and three
//! styles serve them all and two screens never disagree about the same number.
//!
//! Amounts are untrusted (they come from imported records), so nothing here may panic on any
//! `i64`: magnitudes go through `unsigned_abs` and `u128`, never through floats.

use super::{Currency, Money};

/// How an amount is written. Pick by who reads it, not by where it is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MoneyStyle {
    /// Rounded to whole units, thousands separators, then the code: `1,234,568 USD`. What drafts
    /// state and what the validator grounds their numbers against, so it must never drift.
    Whole,
    /// Every decimal the currency has, separators, then the code: `12,345.60 USD`. What pay
    /// statements show and what `Display` prints; `Money::parse_major` reads it back.
    Exact,
    /// For reading at a glance, with a symbol and m/bn: `£1.2m`, `£45,300`, `−£800`, `CHF 2.5m`.
    Compact,
}

/// `minor` units of the currency `code` in `style`. Reports carry the currency as a string, so
/// an unknown code is not an error: it counts 2 decimals and is shown as given.
pub(crate) fn money_text(minor: i64, code: &str, style: MoneyStyle) -> String {
    let exponent = exponent_of(code);
    match style {
        MoneyStyle::Whole => whole(minor, code, exponent),
        MoneyStyle::Exact => exact(minor, code, exponent),
        MoneyStyle::Compact => compact(minor, code, exponent),
    }
}

impl Money {
    /// This amount in `style`.
    pub(crate) fn text(&self, style: MoneyStyle) -> String {
        let code = self.currency.as_str();
        let exponent = self.currency.exponent();
        match style {
            MoneyStyle::Whole => whole(self.minor, code, exponent),
            MoneyStyle::Exact => exact(self.minor, code, exponent),
            MoneyStyle::Compact => compact(self.minor, code, exponent),
        }
    }
}

/// Decimal places of the currency `code`; 2 when the code is not one.
pub(crate) fn exponent_of(code: &str) -> u32 {
    Currency::parse(code).map(|c| c.exponent()).unwrap_or(2)
}

/// `minor` units of `code` as whole units, rounded half away from zero, exactly as
/// [`MoneyStyle::Whole`] writes them (typed fields carry this number next to the text).
pub(crate) fn whole_units(minor: i64, code: &str) -> i64 {
    let rounded = rounded_whole(minor.unsigned_abs(), exponent_of(code));
    let signed = if minor < 0 { -(rounded as i128) } else { rounded as i128 };
    // Cannot miss (rounding never grows a magnitude past the input's), but stay total.
    i64::try_from(signed).unwrap_or(if minor < 0 { i64::MIN } else { i64::MAX })
}

/// `magnitude` minor units rounded half up to whole units.
fn rounded_whole(magnitude: u64, exponent: u32) -> u128 {
    let scale = scale(exponent);
    (u128::from(magnitude) + scale / 2) / scale
}

/// Minor units per whole unit. Exponents are at most 3 (ISO 4217), so this cannot overflow.
fn scale(exponent: u32) -> u128 {
    10u128.pow(exponent)
}

/// The digit-grouping routine: `1234567` → `1,234,567`.
fn grouped(whole: u128) -> String {
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn whole(minor: i64, code: &str, exponent: u32) -> String {
    let rounded = rounded_whole(minor.unsigned_abs(), exponent);
    // An amount that rounds to nothing is "0", never "-0".
    let sign = if minor < 0 && rounded > 0 { "-" } else { "" };
    format!("{sign}{} {code}", grouped(rounded))
}

fn exact(minor: i64, code: &str, exponent: u32) -> String {
    let scale = scale(exponent);
    let magnitude = u128::from(minor.unsigned_abs());
    let sign = if minor < 0 { "-" } else { "" };
    let units = grouped(magnitude / scale);
    if exponent == 0 {
        format!("{sign}{units} {code}")
    } else {
        format!("{sign}{units}.{:0width$} {code}", magnitude % scale, width = exponent as usize)
    }
}

fn compact(minor: i64, code: &str, exponent: u32) -> String {
    let scale = scale(exponent);
    let magnitude = u128::from(minor.unsigned_abs());
    let prefix = match symbol(code) {
        Some(sign) => sign.to_owned(),
        None => format!("{} ", clean_code(code)),
    };
    // A typographic minus: this style is for pages, not for parsing.
    let sign = if minor < 0 { "−" } else { "" };
    let whole = (magnitude + scale / 2) / scale;
    let text = if whole >= 1_000_000_000 {
        scaled(magnitude, scale * 1_000_000_000, "bn")
    } else if whole >= 1_000_000 {
        scaled(magnitude, scale * 1_000_000, "m")
    } else {
        grouped(whole)
    };
    format!("{sign}{prefix}{text}")
}

/// `magnitude / unit` with one decimal below 100 and none above, `.0` dropped.
fn scaled(magnitude: u128, unit: u128, suffix: &str) -> String {
    let tenths = (magnitude * 10 + unit / 2) / unit;
    if tenths >= 1_000 || tenths % 10 == 0 {
        format!("{}{suffix}", grouped((tenths + 5) / 10))
    } else {
        format!("{}.{}{suffix}", tenths / 10, tenths % 10)
    }
}

fn symbol(code: &str) -> Option<&'static str> {
    match code {
        "GBP" => Some("£"),
        "USD" => Some("$"),
        "EUR" => Some("€"),
        "JPY" => Some("¥"),
        _ => None,
    }
}

/// Codes come from stored records and the compact style lands in HTML: keep only what a code
/// can hold.
fn clean_code(code: &str) -> String {
    code.chars().filter(char::is_ascii_alphabetic).take(3).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn whole_rounds_to_units_with_separators() {
        assert_eq!(money_text(123_456_789, "USD", MoneyStyle::Whole), "1,234,568 USD");
        assert_eq!(money_text(50_000, "JPY", MoneyStyle::Whole), "50,000 JPY");
        assert_eq!(money_text(-40, "USD", MoneyStyle::Whole), "0 USD");
        assert_eq!(money_text(-150, "USD", MoneyStyle::Whole), "-2 USD");
        assert_eq!(money_text(1_234_567, "KWD", MoneyStyle::Whole), "1,235 KWD");
        assert_eq!(money_text(99_950, "XX", MoneyStyle::Whole), "1,000 XX");
        assert_eq!(money_text(i64::MIN, "USD", MoneyStyle::Whole), "-92,233,720,368,547,758 USD");
        assert_eq!(money_text(i64::MIN, "JPY", MoneyStyle::Whole), "-9,223,372,036,854,775,808 JPY");
        assert_eq!(whole_units(-150, "USD"), -2);
        assert_eq!(whole_units(i64::MIN, "JPY"), i64::MIN);
        assert_eq!(whole_units(123_456_789, "USD"), 1_234_568);
    }

    #[test]
    fn exact_keeps_every_decimal() {
        assert_eq!(Money::new(1_234_560, Currency::USD).to_string(), "12,345.60 USD");
        assert_eq!(money_text(83_333, "JPY", MoneyStyle::Exact), "83,333 JPY");
        assert_eq!(money_text(1_234_567, "KWD", MoneyStyle::Exact), "1,234.567 KWD");
        assert_eq!(money_text(-5, "EUR", MoneyStyle::Exact), "-0.05 EUR");
        assert_eq!(money_text(100, "??", MoneyStyle::Exact), "1.00 ??");
        assert_eq!(money_text(i64::MIN, "USD", MoneyStyle::Exact), "-92,233,720,368,547,758.08 USD");
    }

    #[test]
    fn compact_reads_like_a_person_writes_it() {
        let compact = |minor: i64, code: &str| money_text(minor, code, MoneyStyle::Compact);
        assert_eq!(compact(4_530_000, "GBP"), "£45,300");
        assert_eq!(compact(120_000_000, "GBP"), "£1.2m");
        assert_eq!(compact(200_000_000, "GBP"), "£2m");
        assert_eq!(compact(99_999_999, "USD"), "$1m");
        assert_eq!(compact(-80_000, "EUR"), "−€800");
        assert_eq!(compact(250_000_000, "CHF"), "CHF 2.5m");
        assert_eq!(compact(1_500, "JPY"), "¥1,500");
        assert_eq!(compact(0, "GBP"), "£0");
        assert_eq!(compact(345_000_000_000, "GBP"), "£3.5bn");
        assert_eq!(compact(i64::MIN, "<b>"), "−b 92,233,720bn");
        assert_eq!(compact(123_456_789_000, "GBP"), "£1.2bn");
        assert_eq!(compact(15_000_000_000, "GBP"), "£150m");
        assert_eq!(Money::new(250_000_000, Currency::CHF).text(MoneyStyle::Compact), "CHF 2.5m");
    }

    fn currencies() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["USD", "GBP", "JPY", "KWD", "CHF", "usd", "", "<b>", "ZZZZ"])
    }

    proptest! {
        #[test]
        fn no_style_panics(minor in any::<i64>(), code in currencies()) {
            for style in [MoneyStyle::Whole, MoneyStyle::Exact, MoneyStyle::Compact] {
                prop_assert!(!money_text(minor, code, style).is_empty());
            }
            let _ = whole_units(minor, code);
        }

        #[test]
        fn exact_round_trips(minor in 0i64..=i64::MAX, code in prop::sample::select(vec!["USD", "JPY", "KWD"])) {
            let currency = Currency::parse(code).unwrap();
            let money = Money::new(minor, currency);
            let text = money.text(MoneyStyle::Exact);
            let number = text.strip_suffix(&format!(" {code}")).unwrap();
            prop_assert_eq!(Money::parse_major(number, currency).unwrap(), money);
        }

        #[test]
        fn whole_round_trips_to_the_rounded_amount(
            minor in 0i64..=i64::MAX,
            code in prop::sample::select(vec!["USD", "JPY", "KWD"]),
        ) {
            let currency = Currency::parse(code).unwrap();
            let money = Money::new(minor, currency);
            let text = money.text(MoneyStyle::Whole);
            let number = text.strip_suffix(&format!(" {code}")).unwrap();
            let scale = 10i64.pow(currency.exponent());
            // Rounding up near i64::MAX can leave the range; then parsing must say so.
            match whole_units(minor, code).checked_mul(scale) {
                Some(rounded) => prop_assert_eq!(Money::parse_major(number, currency).unwrap().minor, rounded),
                None => prop_assert!(Money::parse_major(number, currency).is_err()),
            }
        }
    }
}
