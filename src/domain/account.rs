//! Client accounts and buyer-side contacts, with seniority derived from job titles.

use super::ids::{AccountId, ContactId, SourceName};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub source: SourceName,
    pub external_id: String,
    pub name: String,
    /// Web domains, lowercase, without `www.`.
    pub domains: Vec<String>,
    pub segment: Option<String>,
    pub sector: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Seniority {
    CLevel,
    Vp,
    Director,
    Manager,
    Individual,
}

impl Seniority {
    pub fn as_str(&self) -> &'static str {
        match self {
            Seniority::CLevel => "c_level",
            Seniority::Vp => "vp",
            Seniority::Director => "director",
            Seniority::Manager => "manager",
            Seniority::Individual => "individual",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Seniority::CLevel, Seniority::Vp, Seniority::Director, Seniority::Manager, Seniority::Individual]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// Senior enough to sign or sponsor a mandate: C-level or VP.
    pub fn is_senior(&self) -> bool {
        matches!(self, Seniority::CLevel | Seniority::Vp)
    }

    /// Derives seniority from a free-text job title. Word-based, so "Vice President" and "VP"
    /// agree, and "Director of Operations" is a director while "Managing Director" (a
    /// financial-services executive title) is C-level.
    pub fn from_title(title: &str) -> Seniority {
        let lower = title.to_lowercase();
        let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
        let has = |w: &str| words.contains(&w);
        let phrase = |p: &str| lower.contains(p);
        let c_level_words = [
            "ceo",
            "cfo",
            "coo",
            "cio",
            "cto",
            "cro",
            "cmo",
            "ciso",
            "cco",
            "president",
            "chairman",
            "chairwoman",
            "chair",
            "founder",
            "owner",
            "partner",
        ];
        if c_level_words.iter().any(|w| has(w)) && !phrase("vice president")
            || phrase("chief ")
            || phrase("managing director")
            || phrase("managing partner")
            || phrase("general manager") && has("group")
        {
            return Seniority::CLevel;
        }
        if has("vp") || has("svp") || has("evp") || phrase("vice president") || phrase("head of") || has("head") {
            return Seniority::Vp;
        }
        if has("director") || has("principal") {
            return Seniority::Director;
        }
        if has("manager") || has("lead") || has("supervisor") || has("controller") || has("treasurer") {
            return Seniority::Manager;
        }
        Seniority::Individual
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub source: SourceName,
    pub external_id: String,
    pub account_id: Option<AccountId>,
    pub name: String,
    pub email: Option<String>,
    pub title: Option<String>,
    pub seniority: Seniority,
}

/// Lowercases a web domain and strips a scheme, `www.` and any path.
pub fn normalise_domain(text: &str) -> Option<String> {
    let lower = text.trim().to_ascii_lowercase();
    let without_scheme = lower.split("://").last().unwrap_or(&lower);
    let host = without_scheme.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.strip_prefix("www.").unwrap_or(host).trim_end_matches('.');
    let valid = host.contains('.')
        && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        && !host.starts_with('.');
    valid.then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seniority_from_titles() {
        assert_eq!(Seniority::from_title("Chief Investment Officer"), Seniority::CLevel);
        assert_eq!(Seniority::from_title("CFO"), Seniority::CLevel);
        assert_eq!(Seniority::from_title("Managing Director, Custody"), Seniority::CLevel);
        assert_eq!(Seniority::from_title("Senior Vice President"), Seniority::Vp);
        assert_eq!(Seniority::from_title("Head of Treasury"), Seniority::Vp);
        assert_eq!(Seniority::from_title("Director of Operations"), Seniority::Director);
        assert_eq!(Seniority::from_title("Operations Manager"), Seniority::Manager);
        assert_eq!(Seniority::from_title("Analyst"), Seniority::Individual);
        assert_eq!(Seniority::from_title(""), Seniority::Individual);
        assert_eq!(Seniority::parse("vp"), Some(Seniority::Vp));
    }

    #[test]
    fn domains_are_normalised() {
        assert_eq!(normalise_domain("https://www.Example.com/about").as_deref(), Some("example.com"));
        assert_eq!(normalise_domain("bank.co.uk").as_deref(), Some("bank.co.uk"));
        assert_eq!(normalise_domain("not a domain"), None);
        assert_eq!(normalise_domain(""), None);
    }
}
