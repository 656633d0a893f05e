//! Quotas: what each person is expected to book in a fiscal period.

use super::ids::PersonId;
use super::money::Money;
use super::period::Period;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quota {
    pub person_id: PersonId,
    pub period: Period,
    pub amount: Money,
}
