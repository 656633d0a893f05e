//! What a draft may state: the facts of the recipient's snapshot (deals, people, accounts,
//! numbers, dates, evidence ids) and, to tell "out of scope" from "made up", the directory of
//! everything that exists in the organisation.

use super::names::{NameEntry, NameIndex, NameKind};
use super::numbers::NumberPool;
use super::quoted::QuotedRuns;
use super::untrusted::overlap::SourceIndex;
use crate::coaching::drafts::DraftKind;
use crate::coaching::snapshot::Snapshot;
use crate::domain::{Dataset, Role};
use crate::engine::risk::EngineData;
use chrono::Datelike;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, OnceLock};

/// Every person, deal and account in the organisation, whatever the scope.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub people: BTreeMap<String, String>,
    pub deals: BTreeMap<String, String>,
    pub accounts: BTreeSet<String>,
    /// Ids of people, deals, accounts and contacts.
    pub ids: BTreeSet<String>,
    /// Activity and deal-history ids, as sorted 64-bit hashes: millions of evidence rows in a
    /// few megabytes. A collision could only name a made-up id "out of scope" instead of
    /// "unknown"; the draft is refused either way.
    evidence: Vec<u64>,
    /// The product catalogue's keys and names, for the check that no draft ties a product
    /// push to pay.
    pub products: Vec<String>,
    /// `deals`, `accounts` and `people` by leading word, and those of their names that hold a
    /// digit: built on first use, so the directory is not to change once it has validated a draft.
    names: OnceLock<NameIndex<NameEntry>>,
    digit_names: OnceLock<Vec<String>>,
}

impl Directory {
    pub fn from_dataset(data: &Dataset) -> Self {
        let evidence = data.activities.iter().map(|a| a.id.as_str()).chain(data.history.iter().map(|h| h.id.as_str()));
        Directory::from_parts(data, evidence)
    }

    /// The directory of the compact engine input: its small tables, and the ids of its
    /// activity and history columns.
    pub fn from_engine(engine: &EngineData) -> Self {
        Directory::from_parts(&engine.data, engine.activities.ids.iter().chain(engine.history.ids.iter()))
    }

    /// Whether `id` names anything in the organisation: a record or an evidence row.
    pub fn knows(&self, id: &str) -> bool {
        self.ids.contains(id) || self.evidence.binary_search(&evidence_hash(id)).is_ok()
    }

    fn from_parts<'d>(data: &Dataset, evidence: impl Iterator<Item = &'d str>) -> Self {
        let mut directory = Directory::default();
        for person in &data.people {
            directory.people.insert(person.id.to_string(), person.name.clone());
            directory.ids.insert(person.id.to_string());
        }
        for deal in &data.deals {
            directory.deals.insert(deal.id.to_string(), deal.name.clone());
            directory.ids.insert(deal.id.to_string());
        }
        for account in &data.accounts {
            directory.accounts.insert(account.name.clone());
            directory.ids.insert(account.id.to_string());
        }
        for product in &data.products {
            directory.products.push(product.key.clone());
            directory.products.push(product.name.clone());
        }
        directory.ids.extend(data.contacts.iter().map(|c| c.id.to_string()));
        directory.evidence = evidence.map(evidence_hash).collect();
        directory.evidence.sort_unstable();
        directory.evidence.dedup();
        // Built here, where a run builds its directory off the async threads, not by a draft.
        directory.names();
        directory.digit_names();
        directory
    }

    /// The deal, account and people names holding a digit, longest first (then in text order):
    /// they are blanked before a draft's numbers are read.
    pub fn digit_names(&self) -> &[String] {
        self.digit_names.get_or_init(|| {
            let mut names: BTreeSet<&String> = self.deals.values().collect();
            names.extend(self.accounts.iter());
            names.extend(self.people.values());
            let mut names: Vec<String> = names.into_iter().filter(|n| has_digit(n)).cloned().collect();
            names.sort_by_key(|n| std::cmp::Reverse(n.len()));
            names
        })
    }

    /// The names a draft could mention, indexed for [`NameIndex::candidates`].
    pub fn names(&self) -> &NameIndex<NameEntry> {
        self.names.get_or_init(|| {
            let deals = self.deals.iter().map(|(id, name)| NameEntry {
                kind: NameKind::Deal,
                id: id.clone(),
                name: name.clone(),
            });
            let accounts = self.accounts.iter().map(|name| NameEntry {
                kind: NameKind::Account,
                id: String::new(),
                name: name.clone(),
            });
            let people = self.people.iter().map(|(id, name)| NameEntry {
                kind: NameKind::Person,
                id: id.clone(),
                name: name.clone(),
            });
            NameIndex::new(deals.chain(accounts).chain(people).collect())
        })
    }
}

/// SipHash with fixed keys: the same value for the same id within a build, which is all a
/// directory built and read by one process needs.
fn evidence_hash(id: &str) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::hash::DefaultHasher::new();
    id.hash(&mut hasher);
    hasher.finish()
}

#[derive(Debug, Clone, Default)]
pub struct DealFacts {
    pub name: String,
    pub owner_id: String,
    /// Flag signal ids and the ids of the activities and history rows behind them.
    pub evidence: BTreeSet<String>,
    pub has_flags: bool,
}

/// A deal the manager's team won this week, as the snapshot's wins section states it.
#[derive(Debug, Clone, Default)]
pub struct WinFacts {
    pub name: String,
    /// The team's reps credited with it.
    pub person_ids: BTreeSet<String>,
}

/// The forecast memo's typed figures, in whole currency units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForecastFigures {
    pub p10: i64,
    pub p50: i64,
    pub p90: i64,
    pub target: i64,
    pub commit: i64,
}

/// What a draft may state, for one recipient: whom it is for, and what their scope holds
/// ([`ScopeFacts`], read through `Deref`). The scope's part is shared, so recipients of one
/// scope (every leader sees the organisation) cost one copy between them.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub recipient_id: String,
    pub recipient_name: String,
    scope: Arc<ScopeFacts>,
}

impl Deref for Facts {
    type Target = ScopeFacts;

    fn deref(&self) -> &ScopeFacts {
        &self.scope
    }
}

impl DerefMut for Facts {
    /// Copies the scope's facts first if another recipient shares them.
    fn deref_mut(&mut self) -> &mut ScopeFacts {
        Arc::make_mut(&mut self.scope)
    }
}

/// Everything a draft may state that its scope decides.
#[derive(Debug, Clone, Default)]
pub struct ScopeFacts {
    pub role: Option<Role>,
    pub kind: Option<DraftKind>,
    pub period: String,
    pub currency: String,
    pub deals: BTreeMap<String, DealFacts>,
    pub people: BTreeMap<String, String>,
    /// Account and segment names in scope.
    pub accounts: BTreeSet<String>,
    /// Ids a draft may cite: in-scope deals and people, and their evidence rows.
    pub ids: BTreeSet<String>,
    /// Team ranks of the reps a manager may name.
    pub ranks: BTreeMap<String, u32>,
    /// The team's wins of the week by deal id (won deals, so never in `deals`).
    pub wins: BTreeMap<String, WinFacts>,
    pub forecast: Option<ForecastFigures>,
    pub concentration_keys: BTreeSet<String>,
    pub pool: NumberPool,
    /// Word sequences of the quoted source text the tools could show.
    pub quoted_words: Vec<Vec<String>>,
    /// Literal strings blanked before numbers are read (names and labels with digits).
    pub masks: Vec<String>,
    pub flagged_deals: usize,
    /// Built on first use from the fields above, which are not to change after it.
    in_scope_names: OnceLock<NameIndex<String>>,
    quoted_runs: OnceLock<QuotedRuns>,
    source_index: OnceLock<SourceIndex>,
}

fn has_digit(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit())
}

/// Lowercase words, for comparing text with quoted sources.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'').filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

impl Facts {
    pub fn from_snapshot(snapshot: &Snapshot, directory: &Directory) -> Facts {
        let mut facts = Facts {
            recipient_id: snapshot.recipient.person_id.clone(),
            recipient_name: snapshot.recipient.name.clone(),
            scope: Arc::new(ScopeFacts {
                role: Some(snapshot.recipient.role),
                kind: Some(snapshot.kind),
                period: snapshot.period.clone(),
                currency: snapshot.currency.clone(),
                ..ScopeFacts::default()
            }),
        };
        for deal in snapshot.deals.iter() {
            let mut evidence = BTreeSet::new();
            for flag in &deal.flags {
                evidence.insert(flag.signal.as_str().to_owned());
                evidence.extend(flag.evidence.activity_ids.iter().cloned());
                evidence.extend(flag.evidence.history_ids.iter().cloned());
            }
            facts.ids.extend(evidence.iter().filter(|e| e.contains(':')).cloned());
            facts.ids.insert(deal.deal_id.clone());
            if let Some(account) = &deal.account {
                facts.accounts.insert(account.clone());
            }
            if let Some(segment) = &deal.segment {
                facts.accounts.insert(segment.clone());
            }
            facts.deals.insert(
                deal.deal_id.clone(),
                DealFacts {
                    name: deal.name.clone(),
                    owner_id: deal.owner_id.clone(),
                    evidence,
                    has_flags: !deal.flags.is_empty(),
                },
            );
        }
        facts.flagged_deals = snapshot.deals.iter().filter(|d| d.highest_severity.is_some()).count();
        for person in snapshot.people.iter() {
            facts.people.insert(person.person_id.clone(), person.name.clone());
            facts.ids.insert(person.person_id.clone());
        }
        facts.ids.extend(snapshot.activities.iter().map(|a| a.activity_id.clone()));
        for win in snapshot.wins.iter().flat_map(|w| &w.wins) {
            let entry = facts.wins.entry(win.deal_id.clone()).or_default();
            entry.name = win.deal_name.clone();
            entry.person_ids.insert(win.person_id.clone());
            facts.ids.insert(win.deal_id.clone());
        }
        if let Some(team) = &snapshot.team {
            facts.ranks = team.reps.iter().map(|r| (r.person_id.clone(), r.rank)).collect();
        }
        if let Some(forecast) = &snapshot.forecast {
            facts.forecast = Some(ForecastFigures {
                p10: snapshot.whole_units(forecast.p10_minor),
                p50: snapshot.whole_units(forecast.p50_minor),
                p90: snapshot.whole_units(forecast.p90_minor),
                target: snapshot.whole_units(forecast.target_minor),
                commit: snapshot.whole_units(forecast.commit_minor),
            });
            for row in forecast.by_account.iter().chain(&forecast.by_segment) {
                facts.concentration_keys.insert(row.key.clone());
                facts.accounts.insert(row.key.clone());
            }
        }
        for activity in snapshot.activities.iter() {
            for text in activity.subject.iter().chain(activity.snippet.iter()) {
                facts.quoted_words.push(words(text));
            }
        }
        for next_step in snapshot.next_steps.iter() {
            facts.quoted_words.push(words(&next_step.text));
        }
        facts.pool = number_pool(snapshot);
        // The directory's names with digits, and the ruleset version in its place among them:
        // longest first, then in text order.
        facts.masks = directory.digit_names().to_vec();
        let ruleset = &snapshot.ruleset_version;
        if has_digit(ruleset) {
            let order = |m: &String| (std::cmp::Reverse(m.len()), m.clone());
            if let Err(at) = facts.masks.binary_search_by_key(&order(ruleset), order) {
                facts.masks.insert(at, ruleset.clone());
            }
        }
        facts
    }

    /// These facts for another recipient of the same scope (a leader's snapshot differs from
    /// another leader's only in whom it is for), sharing the scope's part.
    pub fn for_recipient(&self, recipient: &crate::coaching::snapshot::PersonRef) -> Facts {
        Facts {
            recipient_id: recipient.person_id.clone(),
            recipient_name: recipient.name.clone(),
            scope: self.scope.clone(),
        }
    }
}

impl ScopeFacts {
    /// The in-scope deal, win, account and people names, longest first, for blanking before the
    /// directory's names are looked for.
    pub fn in_scope_names(&self) -> &NameIndex<String> {
        self.in_scope_names.get_or_init(|| {
            let mut names: Vec<String> = self.deals.values().map(|d| d.name.clone()).collect();
            names.extend(self.wins.values().map(|w| w.name.clone()));
            names.extend(self.accounts.iter().cloned());
            names.extend(self.people.values().cloned());
            names.sort_by_key(|n| std::cmp::Reverse(n.len()));
            NameIndex::new(names)
        })
    }

    /// The runs of `length` words in the quoted source text, fingerprinted once; `None` when
    /// they were taken for another length.
    pub fn quoted_runs(&self, length: usize) -> Option<&QuotedRuns> {
        let runs = self.quoted_runs.get_or_init(|| QuotedRuns::new(&self.quoted_words, length));
        (runs.length() == length).then_some(runs)
    }

    /// The quoted source text indexed by content bigrams and words, built once.
    pub(crate) fn source_index(&self) -> &SourceIndex {
        self.source_index.get_or_init(|| SourceIndex::new(&self.quoted_words))
    }
}

/// The snapshot's fields a number may be grounded in, serialised, but for `deals` (walked one
/// by one) and `activities`: source text can say anything and never grounds a number.
fn grounding_fields(snapshot: &Snapshot) -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::to_value;
    let fields = [
        ("recipient", to_value(&snapshot.recipient)),
        ("kind", to_value(snapshot.kind)),
        ("as_of", to_value(snapshot.as_of)),
        ("period", to_value(&snapshot.period)),
        ("currency", to_value(&snapshot.currency)),
        ("ruleset_version", to_value(&snapshot.ruleset_version)),
        ("scorecards", to_value(&snapshot.scorecards)),
        ("team", to_value(&snapshot.team)),
        ("forecast", to_value(&snapshot.forecast)),
        ("people", to_value(&snapshot.people)),
        ("wins", to_value(&snapshot.wins)),
        ("pay", to_value(&snapshot.pay)),
    ];
    fields.into_iter().map(|(key, value)| (key, value.unwrap_or_default())).collect()
}

/// Everything the snapshot states as a number or date, except quoted source text.
fn number_pool(snapshot: &Snapshot) -> NumberPool {
    let mut pool = NumberPool::default();
    let scale = 10f64.powi(snapshot.exponent() as i32);
    for (key, value) in grounding_fields(snapshot) {
        pool.add_json(&value, key, scale);
    }
    // One deal at a time: a leader's snapshot holds every open deal of the organisation.
    for deal in snapshot.deals.iter() {
        pool.add_json(&serde_json::to_value(deal).unwrap_or_default(), "deals", scale);
    }
    pool.add_date(snapshot.as_of);
    for activity in snapshot.activities.iter() {
        pool.add_date(activity.occurred_on);
    }
    if let Ok(period) = snapshot.period.parse::<crate::domain::Period>() {
        let year = match period {
            crate::domain::Period::Quarter { fiscal_year, .. } | crate::domain::Period::Year { fiscal_year } => {
                fiscal_year
            }
        };
        pool.add_plain(f64::from(year));
    }
    pool.add_plain(f64::from(snapshot.as_of.year()));
    let count = |n: usize| n as f64;
    pool.add_plain(count(snapshot.deals.len()));
    pool.add_plain(count(snapshot.people.len()));
    pool.add_plain(count(snapshot.scorecards.len()));
    pool.add_plain(count(snapshot.deals.iter().filter(|d| d.highest_severity.is_some()).count()));
    for severity in [crate::engine::risk::Severity::High, crate::engine::risk::Severity::Warn] {
        pool.add_plain(count(snapshot.deals.iter().filter(|d| d.highest_severity == Some(severity)).count()));
    }
    let open: i64 = snapshot.deals.iter().filter(|d| d.currency == snapshot.currency).map(|d| d.amount_minor).sum();
    pool.add_money(open as f64 / scale);
    for deal in snapshot.deals.iter() {
        pool.add_money(deal.amount_minor as f64 * (1.0 - deal.win_probability) / scale);
        pool.add_plain(count(deal.flags.len()));
        if let Some(added) = crate::coaching::tools::attainment_added(snapshot, deal) {
            pool.add_share(added);
        }
    }
    if let Some(team) = &snapshot.team {
        pool.add_plain(count(team.reps.len()));
        pool.add_share(crate::engine::risk::numbers::share(team.booked_minor as f64, team.quota_minor as f64));
        pool.add_money((team.quota_minor - team.booked_minor).max(0) as f64 / scale);
    }
    for card in snapshot.scorecards.iter() {
        pool.add_money((card.quota_minor - card.booked_minor).max(0) as f64 / scale);
    }
    pool
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// A field added to the snapshot must be named in `grounding_fields` (or be `deals`, or
    /// source text: `activities` and `next_steps`), or the numbers it states would never ground
    /// a draft. Source text never grounds one: a number a client wrote is not a fact.
    #[test]
    fn grounding_covers_every_snapshot_field_but_the_quoted_activities() {
        let snapshot = Snapshot::empty(DraftKind::RepNudge, Role::Rep, "Ana Silva");
        let all = serde_json::to_value(&snapshot).unwrap();
        let mut expected: Vec<&str> = all.as_object().unwrap().keys().map(String::as_str).collect();
        expected.retain(|k| !["activities", "next_steps", "deals"].contains(k));
        let mut named: Vec<&str> = grounding_fields(&snapshot).into_iter().map(|(k, _)| k).collect();
        expected.sort_unstable();
        named.sort_unstable();
        assert_eq!(named, expected);
    }
}
