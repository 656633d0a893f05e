//! Money: integer minor units plus an ISO 4217 currency. No floats ever hold an amount. How an
//! amount becomes text lives in `money/text.rs`, the only place in the crate that formats money.

mod text;

use serde::{Deserialize, Serialize};
use std::fmt;
pub(crate) use text::{exponent_of, money_text, whole_units, MoneyStyle};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("invalid currency code {0:?} (expected three letters, e.g. USD)")]
    Currency(String),
    #[error("invalid amount {0:?} (expected a decimal number such as 1250.50)")]
    Syntax(String),
    #[error("amount {0:?} is negative")]
    Negative(String),
    #[error("amount {0:?} has more decimal places than {1} allows")]
    Precision(String, Currency),
    #[error("amount {0:?} is too large")]
    Overflow(String),
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
}

/// An ISO 4217 code, three uppercase ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");
    pub const EUR: Currency = Currency(*b"EUR");
    pub const GBP: Currency = Currency(*b"GBP");
    pub const CHF: Currency = Currency(*b"CHF");

    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let upper = code.trim().to_ascii_uppercase();
        let bytes = upper.as_bytes();
        if bytes.len() == 3 && bytes.iter().all(u8::is_ascii_uppercase) {
            Ok(Self([bytes[0], bytes[1], bytes[2]]))
        } else {
            Err(MoneyError::Currency(code.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        // Constructed only from ASCII uppercase letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Decimal places of the minor unit (ISO 4217); 2 unless the currency is known otherwise.
    pub fn exponent(&self) -> u32 {
        match self.as_str() {
            "JPY" | "KRW" | "CLP" | "ISK" | "VND" | "XOF" | "XAF" | "UGX" | "PYG" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
            _ => 2,
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.as_str().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A non-negative amount in minor units (cents for USD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    /// Parses a decimal major-unit amount such as `1250`, `1250.5` or `1,250.50`. Rejects
    /// negative values, more decimals than the currency has, and anything that is not a number.
    pub fn parse_major(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let cleaned: String = text.trim().chars().filter(|c| *c != ',' && *c != '_').collect();
        if cleaned.starts_with('-') {
            return Err(MoneyError::Negative(text.to_owned()));
        }
        let cleaned = cleaned.strip_prefix('+').unwrap_or(&cleaned);
        let (whole, fraction) = match cleaned.split_once('.') {
            Some((w, f)) => (w, f),
            None => (cleaned, ""),
        };
        let digits_ok = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !digits_ok(whole) || !digits_ok(fraction) {
            return Err(MoneyError::Syntax(text.to_owned()));
        }
        let exponent = currency.exponent() as usize;
        let significant = fraction.trim_end_matches('0');
        if significant.len() > exponent {
            return Err(MoneyError::Precision(text.to_owned(), currency));
        }
        let overflow = || MoneyError::Overflow(text.to_owned());
        let scale = 10i64.checked_pow(exponent as u32).ok_or_else(overflow)?;
        let whole_value: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| overflow())? };
        let mut fraction_digits = significant.to_owned();
        while fraction_digits.len() < exponent {
            fraction_digits.push('0');
        }
        let fraction_value: i64 =
            if fraction_digits.is_empty() { 0 } else { fraction_digits.parse().map_err(|_| overflow())? };
        let minor = whole_value.checked_mul(scale).and_then(|v| v.checked_add(fraction_value)).ok_or_else(overflow)?;
        Ok(Self { minor, currency })
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        let minor =
            self.minor.checked_add(other.minor).ok_or_else(|| MoneyError::Overflow(format!("{self} + {other}")))?;
        Ok(Money { minor, currency: self.currency })
    }

    /// The amount in major units, for display and statistics only.
    pub fn major_f64(&self) -> f64 {
        self.minor as f64 / 10f64.powi(self.currency.exponent() as i32)
    }
}

/// The exact style (`12,345.60 USD`): every decimal, so `parse_major` reads it back.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(MoneyStyle::Exact))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_decimal_amounts() {
        assert_eq!(Money::parse_major("1,250.5", Currency::USD).unwrap().minor, 125_050);
        assert_eq!(Money::parse_major("4514", Currency::USD).unwrap().minor, 451_400);
        assert_eq!(Money::parse_major(".5", Currency::EUR).unwrap().minor, 50);
        assert_eq!(Money::parse_major("100", Currency::parse("jpy").unwrap()).unwrap().minor, 100);
        assert!(matches!(Money::parse_major("-3", Currency::USD), Err(MoneyError::Negative(_))));
        assert!(matches!(Money::parse_major("1.234", Currency::USD), Err(MoneyError::Precision(..))));
        assert!(matches!(Money::parse_major("abc", Currency::USD), Err(MoneyError::Syntax(_))));
        assert!(matches!(Money::parse_major("", Currency::USD), Err(MoneyError::Syntax(_))));
        assert!(matches!(Money::parse_major("99999999999999999999", Currency::USD), Err(MoneyError::Overflow(_))));
        assert!(Currency::parse("US").is_err());
    }

    proptest! {
        #[test]
        fn display_round_trips(minor in 0i64..1_000_000_000_000) {
            let money = Money::new(minor, Currency::GBP);
            let text = money.to_string();
            let number = text.trim_end_matches(" GBP");
            prop_assert_eq!(Money::parse_major(number, Currency::GBP).unwrap(), money);
        }

        #[test]
        fn never_panics(text in ".{0,40}") {
            let _ = Money::parse_major(&text, Currency::USD);
        }
    }
}
