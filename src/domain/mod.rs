//! The pure sales data model: no I/O, no clock. Everything the store loads and the engine reads,
//! and the plain types every layer shares about drafts (their kinds, ids and states) and weeks.

pub(crate) mod account;
pub(crate) mod activity;
pub(crate) mod deal;
pub(crate) mod draft;
pub(crate) mod ids;
pub(crate) mod money;
pub(crate) mod org;
pub(crate) mod period;
pub(crate) mod quota;
pub(crate) mod truth;
pub(crate) mod week;

pub use account::{normalise_domain, Account, Contact, Seniority};
pub use activity::{
    bounded_snippet, Activity, ActivityKind, ActivitySignal, DealLink, Direction, Participant, ParticipantRole, Party,
    SignalKind,
};
pub use deal::{
    default_stages, normalise_label, ContactRole, CreditSplit, Deal, DealContactRole, DealField, DealHistory,
    ForecastCategory, Product, RevenueType, Stage, StageCatalogue, StageStatus,
};
pub use draft::{draft_id, DeliveryState, DraftKind, DraftState, DraftStatus};
pub use ids::{AccountId, ActivityId, ContactId, DealId, HistoryId, IdError, PersonId, SourceName};
pub(crate) use money::{exponent_of, money_text, whole_units, MoneyStyle};
pub use money::{Currency, Money, MoneyError};
pub use org::{Hierarchy, Person, Role};
pub use period::{FiscalCalendar, Period, PeriodError};
pub use quota::Quota;
pub use week::IsoWeek;

use serde::{Deserialize, Serialize};

/// Everything known about one organisation's selling, as loaded from the store. The engine
/// takes this plus an explicit `as_of` and never looks anywhere else.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    pub stages: StageCatalogue,
    pub products: Vec<Product>,
    pub people: Vec<Person>,
    pub accounts: Vec<Account>,
    pub contacts: Vec<Contact>,
    pub deals: Vec<Deal>,
    pub history: Vec<DealHistory>,
    pub contact_roles: Vec<DealContactRole>,
    pub activities: Vec<Activity>,
    /// Keyword signals detected in activities at ingest.
    pub activity_signals: Vec<ActivitySignal>,
    pub quotas: Vec<Quota>,
}

impl Dataset {
    /// Row counts per entity, in a fixed order.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("people", self.people.len()),
            ("accounts", self.accounts.len()),
            ("contacts", self.contacts.len()),
            ("deals", self.deals.len()),
            ("deal_history", self.history.len()),
            ("deal_contact_roles", self.contact_roles.len()),
            ("activities", self.activities.len()),
            ("activity_signals", self.activity_signals.len()),
            ("quotas", self.quotas.len()),
        ]
    }
}
