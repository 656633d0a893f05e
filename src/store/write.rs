//! Writing a batch: every record of a [`Dataset`] (and, for the synthetic organisation, its
//! ground truth) in one transaction, idempotent by id. A failure rolls the whole batch back.

use super::bulk::{Upsert, Value};
use super::codec::{date, json, timestamp};
use super::{Store, StoreError};
use crate::domain::truth::GroundTruth;
use crate::domain::{Dataset, RevenueType};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Rows inserted or changed per table; unchanged rows are not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WriteCounts(pub BTreeMap<&'static str, u64>);

impl WriteCounts {
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }
}

/// Keeps the last row for each key, in first-seen order: a batch may mention a record twice
/// and Postgres will not update one row twice in a statement.
fn last_per_key(rows: Vec<(String, Vec<Value>)>) -> Vec<Vec<Value>> {
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut kept: Vec<Vec<Value>> = Vec::with_capacity(rows.len());
    for (key, row) in rows {
        match index.get(&key) {
            Some(&at) => kept[at] = row,
            None => {
                index.insert(key, kept.len());
                kept.push(row);
            }
        }
    }
    kept
}

impl Store {
    /// Upserts everything in `data` in one transaction.
    pub async fn save_dataset(&self, data: &Dataset) -> Result<WriteCounts, StoreError> {
        let mut tx = self.pool.begin().await?;
        let counts = self.write_dataset(&mut tx, data).await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// Upserts a synthetic organisation and its ground truth in one transaction.
    pub async fn save_sim<'a>(&self, org: impl Into<Synthetic<'a>>) -> Result<WriteCounts, StoreError> {
        let mut tx = self.pool.begin().await?;
        let counts = self.write_sim(&mut tx, &org.into()).await?;
        tx.commit().await?;
        Ok(counts)
    }

    async fn write_sim(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        org: &Synthetic<'_>,
    ) -> Result<WriteCounts, StoreError> {
        let mut counts = self.write_dataset(tx, org.dataset).await?;
        let truth_rows = org
            .truth
            .deals
            .iter()
            .map(|t| {
                (
                    t.deal_id.to_string(),
                    vec![
                        Value::from(t.deal_id.to_string()),
                        t.outcome.as_str().into(),
                        t.outcome_date.as_ref().map(date).into(),
                        t.final_amount_minor.into(),
                        t.detail.as_str().into(),
                    ],
                )
            })
            .collect();
        let written = Upsert {
            table: "sim_truth",
            columns: &["deal_id", "outcome", "outcome_date", "final_amount_minor", "detail"],
            key: &["deal_id"],
        }
        .run(tx, self.backend, &last_per_key(truth_rows))
        .await?;
        counts.0.insert("sim_truth", written);
        let meta = [
            ("params", json(&org.params)),
            ("as_of", json(&org.as_of)),
            ("conduct_reps", json(&org.truth.conduct_reps)),
        ];
        let meta_rows: Vec<Vec<Value>> =
            meta.iter().map(|(k, v)| vec![Value::from(*k), Value::from(v.clone())]).collect();
        Upsert { table: "sim_meta", columns: &["meta_key", "meta_value"], key: &["meta_key"] }
            .run(tx, self.backend, &meta_rows)
            .await?;
        Ok(counts)
    }

    async fn write_dataset(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        data: &Dataset,
    ) -> Result<WriteCounts, StoreError> {
        let backend = self.backend;
        let mut counts = WriteCounts::default();

        let stages = data
            .stages
            .stages()
            .iter()
            .map(|s| {
                (
                    format!("{}\u{0}{}", s.pipeline, s.key),
                    vec![
                        Value::from(s.pipeline.as_str()),
                        s.key.as_str().into(),
                        s.label.as_str().into(),
                        s.order.into(),
                        i64::from(s.probability).into(),
                        s.status.as_str().into(),
                    ],
                )
            })
            .collect();
        let upsert = Upsert {
            table: "stages",
            columns: &["pipeline", "stage_key", "label", "sort_order", "probability", "status"],
            key: &["pipeline", "stage_key"],
        };
        counts.0.insert("stages", upsert.run(tx, backend, &last_per_key(stages)).await?);

        let products = data
            .products
            .iter()
            .map(|p| {
                (
                    p.key.clone(),
                    vec![
                        Value::from(p.key.as_str()),
                        p.name.as_str().into(),
                        p.family.clone().into(),
                        p.list_price.map(|m| m.minor).into(),
                        p.list_price.map(|m| m.currency.to_string()).into(),
                    ],
                )
            })
            .collect();
        let upsert = Upsert {
            table: "products",
            columns: &["product_key", "name", "family", "list_price_minor", "currency"],
            key: &["product_key"],
        };
        counts.0.insert("products", upsert.run(tx, backend, &last_per_key(products)).await?);

        let people = data
            .people
            .iter()
            .map(|p| {
                (
                    p.id.to_string(),
                    vec![
                        Value::from(p.id.to_string()),
                        p.source.as_str().into(),
                        p.external_id.as_str().into(),
                        p.name.as_str().into(),
                        json(&p.emails).into(),
                        p.role.as_str().into(),
                        p.manager_id.as_ref().map(|m| m.to_string()).into(),
                        p.timezone.as_str().into(),
                        p.team.clone().into(),
                        p.region.clone().into(),
                    ],
                )
            })
            .collect();
        let upsert = Upsert {
            table: "people",
            columns: &[
                "id",
                "source",
                "external_id",
                "name",
                "emails",
                "role",
                "manager_id",
                "timezone",
                "team",
                "region",
            ],
            key: &["id"],
        };
        counts.0.insert("people", upsert.run(tx, backend, &last_per_key(people)).await?);

        let accounts = data
            .accounts
            .iter()
            .map(|a| {
                (
                    a.id.to_string(),
                    vec![
                        Value::from(a.id.to_string()),
                        a.source.as_str().into(),
                        a.external_id.as_str().into(),
                        a.name.as_str().into(),
                        json(&a.domains).into(),
                        a.segment.clone().into(),
                        a.sector.clone().into(),
                    ],
                )
            })
            .collect();
        let upsert = Upsert {
            table: "accounts",
            columns: &["id", "source", "external_id", "name", "domains", "segment", "sector"],
            key: &["id"],
        };
        counts.0.insert("accounts", upsert.run(tx, backend, &last_per_key(accounts)).await?);

        let contacts = data
            .contacts
            .iter()
            .map(|c| {
                (
                    c.id.to_string(),
                    vec![
                        Value::from(c.id.to_string()),
                        c.source.as_str().into(),
                        c.external_id.as_str().into(),
                        c.account_id.as_ref().map(|a| a.to_string()).into(),
                        c.name.as_str().into(),
                        c.email.clone().into(),
                        c.title.clone().into(),
                        c.seniority.as_str().into(),
                    ],
                )
            })
            .collect();
        let upsert = Upsert {
            table: "contacts",
            columns: &["id", "source", "external_id", "account_id", "name", "email", "title", "seniority"],
            key: &["id"],
        };
        counts.0.insert("contacts", upsert.run(tx, backend, &last_per_key(contacts)).await?);

        let deals = data
            .deals
            .iter()
            .map(|d| {
                let (revenue_type, term) = match d.revenue {
                    RevenueType::OneOff => ("one_off", None),
                    RevenueType::Recurring { term_months } => ("recurring", Some(i64::from(term_months))),
                };
                (
                    d.id.to_string(),
                    vec![
                        Value::from(d.id.to_string()),
                        d.source.as_str().into(),
                        d.external_id.as_str().into(),
                        d.name.as_str().into(),
                        d.account_id.as_ref().map(|a| a.to_string()).into(),
                        d.owner_id.to_string().into(),
                        d.pipeline.as_str().into(),
                        d.stage.as_str().into(),
                        d.amount.minor.into(),
                        d.amount.currency.to_string().into(),
                        d.close_date.as_ref().map(date).into(),
                        d.forecast_category.as_str().into(),
                        d.next_step.clone().into(),
                        d.next_step_updated_at.as_ref().map(timestamp).into(),
                        json(&d.products).into(),
                        revenue_type.into(),
                        term.into(),
                        timestamp(&d.created_at).into(),
                        d.closed_at.as_ref().map(timestamp).into(),
                        json(&d.splits).into(),
                    ],
                )
            })
            .collect();
        let upsert = Upsert {
            table: "deals",
            columns: &[
                "id",
                "source",
                "external_id",
                "name",
                "account_id",
                "owner_id",
                "pipeline",
                "stage",
                "amount_minor",
                "currency",
                "close_date",
                "forecast_category",
                "next_step",
                "next_step_updated_at",
                "products",
                "revenue_type",
                "term_months",
                "created_at",
                "closed_at",
                "splits",
            ],
            key: &["id"],
        };
        counts.0.insert("deals", upsert.run(tx, backend, &last_per_key(deals)).await?);

        let history = data
            .history
            .iter()
            .map(|h| {
                (
                    h.id.to_string(),
                    vec![
                        Value::from(h.id.to_string()),
                        h.source.as_str().into(),
                        h.external_id.as_str().into(),
                        h.deal_id.to_string().into(),
                        h.field.as_str().into(),
                        h.old_value.clone().into(),
                        h.new_value.clone().into(),
                        timestamp(&h.changed_at).into(),
                    ],
                )
            })
            .collect();
        let upsert = Upsert {
            table: "deal_history",
            columns: &["id", "source", "external_id", "deal_id", "field", "old_value", "new_value", "changed_at"],
            key: &["id"],
        };
        counts.0.insert("deal_history", upsert.run(tx, backend, &last_per_key(history)).await?);

        let roles = data
            .contact_roles
            .iter()
            .map(|r| {
                (
                    format!("{}\u{0}{}\u{0}{}", r.deal_id, r.contact_id, r.role.as_str()),
                    vec![Value::from(r.deal_id.to_string()), r.contact_id.to_string().into(), r.role.as_str().into()],
                )
            })
            .collect();
        let upsert = Upsert {
            table: "deal_contact_roles",
            columns: &["deal_id", "contact_id", "role"],
            key: &["deal_id", "contact_id", "role"],
        };
        counts.0.insert("deal_contact_roles", upsert.run(tx, backend, &last_per_key(roles)).await?);

        let mut links = Vec::new();
        let activities = data
            .activities
            .iter()
            .map(|a| {
                for link in &a.deals {
                    links.push((
                        format!("{}\u{0}{}", a.id, link.deal_id),
                        vec![
                            Value::from(a.id.to_string()),
                            link.deal_id.to_string().into(),
                            link.rule.as_str().into(),
                            link.confidence.into(),
                        ],
                    ));
                }
                (
                    a.id.to_string(),
                    vec![
                        Value::from(a.id.to_string()),
                        a.source.as_str().into(),
                        a.external_id.as_str().into(),
                        a.kind.as_str().into(),
                        a.direction.as_str().into(),
                        timestamp(&a.occurred_at).into(),
                        a.duration_minutes.map(i64::from).into(),
                        a.subject.clone().into(),
                        a.snippet.clone().into(),
                        a.thread_id.clone().into(),
                        json(&a.participants).into(),
                    ],
                )
            })
            .collect();
        let upsert = Upsert {
            table: "activities",
            columns: &[
                "id",
                "source",
                "external_id",
                "kind",
                "direction",
                "occurred_at",
                "duration_minutes",
                "subject",
                "snippet",
                "thread_id",
                "participants",
            ],
            key: &["id"],
        };
        counts.0.insert("activities", upsert.run(tx, backend, &last_per_key(activities)).await?);
        let upsert = Upsert {
            table: "activity_deals",
            columns: &["activity_id", "deal_id", "rule", "confidence"],
            key: &["activity_id", "deal_id"],
        };
        counts.0.insert("activity_deals", upsert.run(tx, backend, &last_per_key(links)).await?);

        let signals = data
            .activity_signals
            .iter()
            .map(|s| {
                (
                    format!("{}\u{0}{}\u{0}{}", s.activity_id, s.kind.as_str(), s.detail),
                    vec![Value::from(s.activity_id.to_string()), s.kind.as_str().into(), s.detail.as_str().into()],
                )
            })
            .collect();
        let upsert = Upsert {
            table: "activity_signals",
            columns: &["activity_id", "kind", "detail"],
            key: &["activity_id", "kind", "detail"],
        };
        counts.0.insert("activity_signals", upsert.run(tx, backend, &last_per_key(signals)).await?);

        let quotas = data
            .quotas
            .iter()
            .map(|q| {
                (
                    format!("{}\u{0}{}", q.person_id, q.period),
                    vec![
                        Value::from(q.person_id.to_string()),
                        q.period.to_string().into(),
                        q.amount.minor.into(),
                        q.amount.currency.to_string().into(),
                    ],
                )
            })
            .collect();
        let upsert = Upsert {
            table: "quotas",
            columns: &["person_id", "period", "amount_minor", "currency"],
            key: &["person_id", "period"],
        };
        counts.0.insert("quotas", upsert.run(tx, backend, &last_per_key(quotas)).await?);
        Ok(counts)
    }
}

impl Store {
    /// Replaces any previous synthetic organisation with `org`, in one transaction, leaving
    /// imported data alone.
    pub async fn replace_sim<'a>(&self, org: impl Into<Synthetic<'a>>) -> Result<WriteCounts, StoreError> {
        let org = org.into();
        let source = "sim";
        let mut tx = self.pool.begin().await?;
        let deletes = [
            "DELETE FROM activity_deals WHERE activity_id IN (SELECT id FROM activities WHERE source = $1)",
            "DELETE FROM activity_signals WHERE activity_id IN (SELECT id FROM activities WHERE source = $1)",
            "DELETE FROM deal_contact_roles WHERE deal_id IN (SELECT id FROM deals WHERE source = $1)",
            "DELETE FROM activities WHERE source = $1",
            "DELETE FROM deal_history WHERE source = $1",
            "DELETE FROM quotas WHERE person_id IN (SELECT id FROM people WHERE source = $1)",
            "DELETE FROM deals WHERE source = $1",
            "DELETE FROM contacts WHERE source = $1",
            "DELETE FROM accounts WHERE source = $1",
            "DELETE FROM people WHERE source = $1",
        ];
        for sql in deletes {
            sqlx::query(sql).bind(source).execute(&mut *tx).await?;
        }
        sqlx::query("DELETE FROM sim_truth").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM sim_meta").execute(&mut *tx).await?;
        let counts = self.write_sim(&mut tx, &org).await?;
        tx.commit().await?;
        Ok(counts)
    }
}

/// A synthetic organisation as stored: its observable data, its hidden outcomes apart from
/// them, its "today" and the generator's parameters (kept as JSON, for the record).
#[derive(Debug, Clone)]
pub struct Synthetic<'a> {
    pub dataset: &'a crate::domain::Dataset,
    pub truth: &'a GroundTruth,
    pub as_of: DateTime<Utc>,
    pub params: serde_json::Value,
}
