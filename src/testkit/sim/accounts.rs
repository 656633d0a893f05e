//! The simulated product catalogue and client book: accounts (asset managers, pension funds,
//! insurers, family offices, banks) and their buyer-side contacts.

use super::calendar::weighted;
use super::names::{email_local, slug, NameDraw, FIRM_WORDS, JUNIOR_TITLES, MIDDLE_TITLES, SENIOR_TITLES};
use crate::domain::{
    Account, AccountId, Contact, ContactId, Currency, Money, Product, RevenueType, Seniority, SourceName,
};
use rand::seq::SliceRandom;
use rand::Rng;
use std::collections::HashSet;

/// One product with what the simulation needs beyond the domain record.
pub(crate) struct ProductSpec {
    pub key: &'static str,
    pub name: &'static str,
    pub family: &'static str,
    /// Annual fee for recurring products, total fee for one-off mandates, in whole USD.
    pub list_price_usd: i64,
    pub revenue: RevenueType,
    /// Typical days from first qualification to signature.
    pub cycle_days: f64,
    /// Pays the seller a higher commission rate. The product-mix conduct pattern leans on
    /// these, and the conduct-risk indicators look for that skew.
    pub high_commission: bool,
}

const fn recurring(term_months: u16) -> RevenueType {
    RevenueType::Recurring { term_months }
}

#[rustfmt::skip]
pub(crate) const PRODUCTS: &[ProductSpec] = &[
    ProductSpec { key: "custody", name: "Global Custody", family: "asset_servicing", list_price_usd: 420_000, revenue: recurring(60), cycle_days: 115.0, high_commission: false },
    ProductSpec { key: "fund_admin", name: "Fund Administration", family: "asset_servicing", list_price_usd: 360_000, revenue: recurring(60), cycle_days: 105.0, high_commission: false },
    ProductSpec { key: "transfer_agency", name: "Transfer Agency", family: "asset_servicing", list_price_usd: 240_000, revenue: recurring(36), cycle_days: 95.0, high_commission: false },
    ProductSpec { key: "fx_overlay", name: "FX Overlay", family: "markets", list_price_usd: 190_000, revenue: recurring(36), cycle_days: 65.0, high_commission: true },
    ProductSpec { key: "securities_lending", name: "Securities Lending", family: "markets", list_price_usd: 260_000, revenue: recurring(36), cycle_days: 75.0, high_commission: true },
    ProductSpec { key: "managed_accounts", name: "Managed Accounts", family: "wealth", list_price_usd: 210_000, revenue: recurring(36), cycle_days: 85.0, high_commission: false },
    ProductSpec { key: "transition_management", name: "Transition Management", family: "markets", list_price_usd: 170_000, revenue: RevenueType::OneOff, cycle_days: 50.0, high_commission: true },
    ProductSpec { key: "risk_analytics", name: "Performance & Risk Analytics", family: "data", list_price_usd: 150_000, revenue: recurring(36), cycle_days: 60.0, high_commission: false },
    ProductSpec { key: "implementation", name: "Implementation Mandate", family: "services", list_price_usd: 130_000, revenue: RevenueType::OneOff, cycle_days: 55.0, high_commission: false },
    ProductSpec { key: "esg_reporting", name: "ESG Reporting Mandate", family: "data", list_price_usd: 110_000, revenue: RevenueType::OneOff, cycle_days: 55.0, high_commission: false },
];

/// Whether a product pays a higher commission rate (securities lending, FX overlay and
/// transition management in the simulated catalogue).
pub fn is_high_commission(product_key: &str) -> bool {
    PRODUCTS.iter().any(|p| p.key == product_key && p.high_commission)
}

pub(crate) fn product_catalogue() -> Vec<Product> {
    PRODUCTS
        .iter()
        .map(|p| Product {
            key: p.key.to_owned(),
            name: p.name.to_owned(),
            family: Some(p.family.to_owned()),
            list_price: Some(Money::new(p.list_price_usd * 100, Currency::USD)),
        })
        .collect()
}

pub(crate) struct SectorSpec {
    pub key: &'static str,
    pub share: f64,
    pub suffixes: &'static [&'static str],
    /// Relative appetite for each product in `PRODUCTS` order.
    pub product_weights: [f64; 10],
}

pub(crate) const SECTORS: &[SectorSpec] = &[
    SectorSpec {
        key: "asset_manager",
        share: 0.35,
        suffixes: &[
            "Asset Management",
            "Capital Management",
            "Investment Partners",
            "Global Investors",
            "Investment Management",
        ],
        product_weights: [3.0, 3.0, 2.5, 1.5, 1.0, 0.5, 0.5, 2.0, 1.0, 1.0],
    },
    SectorSpec {
        key: "pension_fund",
        share: 0.2,
        suffixes: &["Pension Fund", "Pension Scheme", "Retirement System", "Superannuation Fund", "Pensions Trust"],
        product_weights: [3.0, 1.0, 0.3, 2.0, 2.0, 0.5, 2.0, 1.5, 1.0, 1.5],
    },
    SectorSpec {
        key: "insurer",
        share: 0.15,
        suffixes: &["Insurance", "Life & Pensions", "Assurance", "Mutual Insurance"],
        product_weights: [3.0, 1.0, 0.5, 1.5, 1.5, 1.5, 1.0, 2.0, 1.0, 1.5],
    },
    SectorSpec {
        key: "family_office",
        share: 0.15,
        suffixes: &["Family Office", "Family Partners", "Private Office", "Family Investments"],
        product_weights: [1.5, 0.5, 0.2, 1.5, 0.5, 3.0, 0.5, 1.5, 1.0, 1.5],
    },
    SectorSpec {
        key: "bank",
        share: 0.15,
        suffixes: &["Bank", "Private Bank", "Bank & Trust", "Banking Group"],
        product_weights: [3.0, 1.0, 1.0, 2.0, 2.0, 1.5, 0.5, 1.0, 1.5, 0.5],
    },
];

pub(crate) const SEGMENTS: [&str; 3] = ["enterprise", "mid_market", "emerging"];
const SEGMENT_SHARES: [f64; 3] = [0.2, 0.45, 0.35];
/// Deal size relative to list price, and cycle length relative to the product's typical cycle.
pub(crate) const SEGMENT_AMOUNT: [f64; 3] = [1.5, 1.0, 0.6];
pub(crate) const SEGMENT_CYCLE: [f64; 3] = [1.2, 1.0, 0.85];

/// What the simulation keeps about an account besides its domain record.
pub(crate) struct AccountInfo {
    pub sector: usize,
    pub segment: usize,
    /// Contacts of this account, as indices into the contact list, senior ones first.
    pub contacts: Vec<usize>,
}

/// What the simulation keeps about a contact besides its domain record.
pub(crate) struct ContactInfo {
    pub first: &'static str,
    pub senior: bool,
}

pub(crate) struct Book {
    pub accounts: Vec<Account>,
    pub contacts: Vec<Contact>,
    pub account_info: Vec<AccountInfo>,
    pub contact_info: Vec<ContactInfo>,
}

pub(crate) fn build_book(source: &SourceName, count: usize, rng: &mut impl Rng) -> Book {
    let mut book = Book {
        accounts: Vec::with_capacity(count),
        contacts: Vec::with_capacity(count * 6),
        account_info: Vec::with_capacity(count),
        contact_info: Vec::with_capacity(count * 6),
    };
    let mut used_names = HashSet::new();
    let mut used_domains = HashSet::new();
    let sector_shares: Vec<f64> = SECTORS.iter().map(|s| s.share).collect();
    for index in 0..count {
        let sector = weighted(rng, &sector_shares);
        let segment = weighted(rng, &SEGMENT_SHARES);
        let name = firm_name(rng, &SECTORS[sector], &mut used_names);
        let mut domain = format!("{}.example", slug(&name));
        let mut n = 2;
        while !used_domains.insert(domain.clone()) {
            domain = format!("{}{n}.example", slug(&name));
            n += 1;
        }
        let external_id = format!("acct-{index:06}");
        let id = match AccountId::from_source(source, &external_id) {
            Ok(id) => id,
            Err(_) => continue,
        };
        let contacts = build_contacts(source, &id, &domain, rng, &mut book);
        book.accounts.push(Account {
            id,
            source: source.clone(),
            external_id,
            name,
            domains: vec![domain],
            segment: Some(SEGMENTS[segment].to_owned()),
            sector: Some(SECTORS[sector].key.to_owned()),
        });
        book.account_info.push(AccountInfo { sector, segment, contacts });
    }
    book
}

fn firm_name(rng: &mut impl Rng, sector: &SectorSpec, used: &mut HashSet<String>) -> String {
    loop {
        let word = FIRM_WORDS.choose(rng).copied().unwrap_or("Harbour");
        let suffix = sector.suffixes.choose(rng).copied().unwrap_or("Capital");
        // Two-word stems keep names plentiful once single words run out.
        let stem = if rng.gen_bool(0.3) || used.len() > FIRM_WORDS.len() * 8 {
            let second = FIRM_WORDS.choose(rng).copied().unwrap_or("Bridge");
            if second == word {
                continue;
            }
            format!("{word} {second}")
        } else {
            word.to_owned()
        };
        let name = format!("{stem} {suffix}");
        if used.insert(name.clone()) {
            return name;
        }
    }
}

fn build_contacts(
    source: &SourceName,
    account_id: &AccountId,
    domain: &str,
    rng: &mut impl Rng,
    book: &mut Book,
) -> Vec<usize> {
    let seniors = rng.gen_range(1..=2usize);
    let middles = rng.gen_range(2..=3usize);
    let juniors = rng.gen_range(1..=3usize);
    let mut titles: Vec<&'static str> = Vec::with_capacity(8);
    titles.extend(SENIOR_TITLES.choose_multiple(rng, seniors).copied());
    titles.extend(MIDDLE_TITLES.choose_multiple(rng, middles).copied());
    titles.extend(JUNIOR_TITLES.choose_multiple(rng, juniors).copied());
    let mut names = NameDraw::new();
    let mut indices = Vec::with_capacity(titles.len());
    for title in titles {
        let (first, name) = names.draw(rng);
        let index = book.contacts.len();
        let external_id = format!("ct-{index:07}");
        let Ok(id) = ContactId::from_source(source, &external_id) else {
            continue;
        };
        let seniority = Seniority::from_title(title);
        book.contacts.push(Contact {
            id,
            source: source.clone(),
            external_id,
            account_id: Some(account_id.clone()),
            email: Some(format!("{}@{domain}", email_local(&name))),
            name,
            title: Some(title.to_owned()),
            seniority,
        });
        book.contact_info.push(ContactInfo { first, senior: seniority.is_senior() });
        indices.push(index);
    }
    indices
}
