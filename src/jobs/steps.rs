//! The two steps that reach outside the database: drafting a recipient's message (through the
//! [`super::Drafter`]) and delivering an approved one (through the [`crate::workflow::deliver::Deliverer`]).
//! Each does its outside work first, then commits the result, the review or delivery state, the
//! audit entry and the job's completion in one transaction, only while it still holds the lease.

use super::faults::{reached, HoldPoint};
use super::pipeline::Pipeline;
use super::start::StepPayload;
use super::JobError;
use crate::domain::{draft_id, DeliveryState, IsoWeek};
use crate::store::{ClaimedJob, DeliveryAttempt, JobOutcome};
use crate::workflow::deliver::{DeliverError, OutgoingMessage};
use crate::workflow::{self, NewDraft};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{Any, Transaction};

impl Pipeline {
    pub(super) async fn draft(&self, job: &ClaimedJob, owner: &str) -> Result<(), JobError> {
        let payload: StepPayload =
            serde_json::from_str(&job.payload).map_err(|e| JobError::Fatal(format!("bad draft payload: {e}")))?;
        let (Some(kind), Some(recipient_id)) = (payload.kind, payload.recipient_id.as_deref()) else {
            return Err(JobError::Fatal("a draft job names no kind or recipient".to_owned()));
        };
        let week: IsoWeek = payload.week.parse().map_err(JobError::Fatal)?;
        let draft_id = draft_id(week, kind, recipient_id);
        if self.store.draft(&draft_id).await?.is_some() {
            // Recorded by an earlier attempt whose completion was lost with its lease.
            return self.finish_plain(job, owner, "already drafted").await;
        }
        let snapshot = self.snapshots.get(&self.store, &self.config, payload.as_of).await?;
        let recipient = snapshot
            .dataset()
            .people
            .iter()
            .find(|p| p.id.as_str() == recipient_id)
            .cloned()
            .ok_or_else(|| JobError::Fatal(format!("recipient {recipient_id} is not in the organisation")))?;
        let outcome = self.drafting.draft_for(&snapshot, &recipient, &self.store).await?;
        reached(HoldPoint::Drafted).await;
        let now = Utc::now();
        let mut tx = self.store.begin().await?;
        let held = self.store.finish_job_in(&mut tx, job, owner, JobOutcome::Succeeded { result: None }, now).await?;
        if held {
            let new_draft = NewDraft {
                draft_id: &draft_id,
                run_id: &job.run_id,
                week: &payload.week,
                as_of: payload.as_of,
                recipient: &recipient,
                outcome: &outcome,
            };
            workflow::record_draft_in(&self.store, &mut tx, &self.config, &new_draft, now).await?;
        }
        Self::commit_if_held(tx, held).await?;
        reached(HoldPoint::DraftCommitted).await;
        Ok(())
    }

    pub(super) async fn finish_plain(&self, job: &ClaimedJob, owner: &str, result: &str) -> Result<(), JobError> {
        let result = json!({ "note": result }).to_string();
        let mut tx = self.store.begin().await?;
        let held = self
            .store
            .finish_job_in(&mut tx, job, owner, JobOutcome::Succeeded { result: Some(&result) }, Utc::now())
            .await?;
        Self::commit_if_held(tx, held).await
    }

    pub(super) async fn deliver(&self, job: &ClaimedJob, owner: &str) -> Result<(), JobError> {
        let (draft_id, channel) = job
            .scope
            .rsplit_once(':')
            .ok_or_else(|| JobError::Fatal(format!("a delivery job names no channel: {}", job.scope)))?;
        let draft = self.store.draft(draft_id).await?.ok_or_else(|| JobError::Fatal(format!("no draft {draft_id}")))?;
        let delivery = self.store.deliveries(draft_id).await?.into_iter().find(|d| d.channel == channel);
        if delivery.as_ref().is_some_and(|d| d.state == DeliveryState::Delivered) {
            return self.finish_plain(job, owner, "already delivered").await;
        }
        if !draft.state.may_send() {
            return self.finish_plain(job, owner, &format!("draft is {}, nothing to send", draft.state)).await;
        }
        let message = OutgoingMessage {
            draft_id: draft.id.clone(),
            kind: draft.kind,
            week: draft.week.clone(),
            subject: draft.subject.clone(),
            body: draft.body.clone(),
            recipient_name: draft.recipient_name.clone(),
            recipient_email: draft.recipient_email.clone(),
        };
        let sent = self.deliverer.send(channel, &message).await;
        reached(HoldPoint::Sent).await;
        let now = Utc::now();
        let receipt = match sent {
            Ok(receipt) => receipt,
            Err(error) => {
                let mut tx = self.store.begin().await?;
                let reason = error.to_string();
                let attempt = DeliveryAttempt {
                    state: DeliveryState::Queued,
                    attempts: job.attempt,
                    external_ref: None,
                    error: Some(&reason),
                };
                self.store.update_delivery_in(&mut tx, draft_id, channel, &attempt, now).await?;
                tx.commit().await?;
                return Err(match error {
                    DeliverError::Transient(reason) => JobError::Transient(reason),
                    DeliverError::RateLimited { after, reason } => JobError::RetryAfter { after, reason },
                    DeliverError::Permanent(reason) => JobError::Fatal(reason),
                });
            }
        };
        let mut tx = self.store.begin().await?;
        let result = json!({ "reference": receipt.reference }).to_string();
        let held =
            self.store.finish_job_in(&mut tx, job, owner, JobOutcome::Succeeded { result: Some(&result) }, now).await?;
        if held {
            let attempt = DeliveryAttempt {
                state: DeliveryState::Delivered,
                attempts: job.attempt,
                external_ref: Some(&receipt.reference),
                error: None,
            };
            self.store.update_delivery_in(&mut tx, draft_id, channel, &attempt, now).await?;
            workflow::settle_delivery_in(&self.store, &mut tx, draft_id, now).await?;
            let detail = json!({
                "channel": channel,
                "target": delivery.map(|d| d.target).unwrap_or_default(),
                "attempts": job.attempt,
                "reference": receipt.reference,
                "body_sha256": workflow::sha256_hex(&draft.body),
            });
            self.store
                .append_audit_in(&mut tx, &format!("delivery:{channel}"), "delivery.sent", draft_id, &detail, now)
                .await?;
        }
        Self::commit_if_held(tx, held).await?;
        // Only once the delivery is committed, and it cannot fail it: memory helps later drafts.
        self.remember_delivery(&draft).await;
        reached(HoldPoint::DeliveryCommitted).await;
        Ok(())
    }

    /// Marks a delivery failed for good, settles its draft and audits it, inside `tx`.
    pub(super) async fn record_failed_delivery_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        job: &ClaimedJob,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), JobError> {
        let Some((draft_id, channel)) = job.scope.rsplit_once(':') else { return Ok(()) };
        let attempt = DeliveryAttempt {
            state: DeliveryState::Failed,
            attempts: job.attempt,
            external_ref: None,
            error: Some(reason),
        };
        self.store.update_delivery_in(tx, draft_id, channel, &attempt, now).await?;
        workflow::settle_delivery_in(&self.store, tx, draft_id, now).await?;
        let detail = json!({ "channel": channel, "attempts": job.attempt, "error": reason });
        self.store
            .append_audit_in(tx, &format!("delivery:{channel}"), "delivery.failed", draft_id, &detail, now)
            .await?;
        Ok(())
    }
}
