//! HubSpot CRM v3: owners, deal pipelines, then companies, contacts, deals, meetings and emails
//! through the search API ordered by their modification date, each page committed before the
//! cursor moves past it. Deals are read again in batches with `propertiesWithHistory` for stage,
//! close date and amount, and with their company and contact associations. Deletions come from
//! the archived listings and from webhook notifications ([`webhook`]).

pub(crate) mod api;
pub(crate) mod mapping;
pub(crate) mod search;
pub mod webhook;

use super::records::{self, Problem};
use super::sync::SyncContext;
use super::ConnectorError;
use crate::domain::{ActivityKind, Currency, Dataset, StageCatalogue};
use crate::sources::ingest::Rejection;
use crate::store::SyncedKind;
use api::{Associated, HubspotApi};
use mapping::{Mapper, DEAL_PROPERTIES, HISTORY_PROPERTIES};
use search::Search;
use serde_json::Value;
use std::collections::HashMap;

const COMPANY_PROPERTIES: &[&str] = &["name", "domain", "industry", "type", "hs_lastmodifieddate"];
const CONTACT_PROPERTIES: &[&str] =
    &["email", "firstname", "lastname", "jobtitle", "associatedcompanyid", "lastmodifieddate"];
const MEETING_PROPERTIES: &[&str] = &[
    "hs_meeting_title",
    "hs_meeting_body",
    "hs_meeting_start_time",
    "hs_meeting_end_time",
    "hs_meeting_outcome",
    "hs_timestamp",
    "hubspot_owner_id",
    "hs_lastmodifieddate",
];
const EMAIL_PROPERTIES: &[&str] = &[
    "hs_email_subject",
    "hs_email_text",
    "hs_email_direction",
    "hs_email_from_email",
    "hs_email_to_email",
    "hs_email_cc_email",
    "hs_email_thread_id",
    "hs_timestamp",
    "hubspot_owner_id",
    "hs_lastmodifieddate",
];

/// Objects whose archived (deleted) records are removed, and what they are here.
const DELETABLE: &[(&str, SyncedKind)] = &[
    ("companies", SyncedKind::Account),
    ("contacts", SyncedKind::Contact),
    ("deals", SyncedKind::Deal),
    ("meetings", SyncedKind::Activity),
    ("emails", SyncedKind::Activity),
];

fn ids(results: &[Value]) -> Vec<String> {
    results.iter().filter_map(|r| records::text(r, "id")).collect()
}

fn rejections(ctx: &SyncContext<'_>, object: &str, problems: Vec<Problem>) -> Vec<Rejection> {
    problems.into_iter().map(|p| ctx.rejection(object, p.record.as_deref(), p.field.as_deref(), p.reason)).collect()
}

pub async fn sync(ctx: &mut SyncContext<'_>) -> Result<(), ConnectorError> {
    let config = &ctx.config.connectors.hubspot;
    let api = HubspotApi::new(config, &ctx.config.connectors.sync)?;
    ctx.track(&api.client);
    let currency = match config.currency.trim() {
        "" => ctx.config.currency(),
        code => Currency::parse(code)
            .map_err(|e| ConnectorError::NotConfigured { source_name: "hubspot", reason: format!("currency: {e}") })?,
    };
    let mapper = Mapper { config, source: ctx.source.clone(), currency, timezone: ctx.config.org.timezone.clone() };
    let pending = ctx.store.pending_webhook_events("hubspot").await?;
    apply_webhook_deletions(ctx, &pending).await?;
    let owners = sync_owners(ctx, &api, &mapper).await?;
    let pipelines = api.pipelines().await?;
    let stages = mapper.stages(&pipelines);
    let landed = stages.len() as u64;
    ctx.commit(
        "pipelines",
        Dataset { stages: StageCatalogue::new(stages), ..Dataset::default() },
        landed,
        landed,
        Vec::new(),
    )
    .await?;
    sync_companies_and_contacts(ctx, &api, &mapper).await?;
    sync_deals(ctx, &api, &mapper).await?;
    for (object, kind) in [("meetings", ActivityKind::Meeting), ("emails", ActivityKind::Email)] {
        sync_engagements(ctx, &api, &mapper, object, kind, &owners).await?;
    }
    for (object, kind) in DELETABLE {
        sync_archived(ctx, &api, object, *kind).await?;
    }
    let processed: Vec<String> = pending.into_iter().map(|e| e.event_id).collect();
    ctx.store.mark_webhook_events_processed(&processed, chrono::Utc::now()).await?;
    Ok(())
}

async fn apply_webhook_deletions(
    ctx: &mut SyncContext<'_>,
    pending: &[crate::store::WebhookEventRecord],
) -> Result<(), ConnectorError> {
    for (object, kind, plural) in [
        ("deal", SyncedKind::Deal, "deals"),
        ("company", SyncedKind::Account, "companies"),
        ("contact", SyncedKind::Contact, "contacts"),
    ] {
        let deleted: Vec<String> = pending
            .iter()
            .filter(|e| e.object == object && e.change == "deletion")
            .map(|e| e.object_id.clone())
            .collect();
        ctx.delete(plural, kind, &deleted).await?;
    }
    Ok(())
}

/// Owners, read whole (there are few); returns owner id → email for engagements.
async fn sync_owners(
    ctx: &mut SyncContext<'_>,
    api: &HubspotApi,
    mapper: &Mapper<'_>,
) -> Result<HashMap<String, String>, ConnectorError> {
    let (results, _) = api.list_all("/crm/v3/owners", &[]).await?;
    let mut data = Dataset::default();
    let mut problems = Vec::new();
    let mut emails = HashMap::new();
    for record in &results {
        match mapper.owner(record) {
            Ok(person) => {
                if let Some(email) = person.primary_email() {
                    emails.insert(person.external_id.clone(), email.to_owned());
                }
                data.people.push(person);
            }
            Err(problem) => problems.push(problem),
        }
    }
    let landed = data.people.len() as u64;
    let problems = rejections(ctx, "owners", problems);
    ctx.commit("owners", data, results.len() as u64, landed, problems).await?;
    Ok(emails)
}

async fn sync_companies_and_contacts(
    ctx: &mut SyncContext<'_>,
    api: &HubspotApi,
    mapper: &Mapper<'_>,
) -> Result<(), ConnectorError> {
    for (object, stamp, properties) in
        [("companies", "hs_lastmodifieddate", COMPANY_PROPERTIES), ("contacts", "lastmodifieddate", CONTACT_PROPERTIES)]
    {
        let mut search = Search::start(ctx, object, stamp).await?;
        while let Some(page) = search.next(ctx, api, properties).await? {
            let mut data = Dataset::default();
            let mut problems = Vec::new();
            for record in &page.results {
                let mapped = if object == "companies" {
                    mapper.company(record).map(|a| data.accounts.push(a))
                } else {
                    mapper.contact(record).map(|c| data.contacts.push(c))
                };
                if let Err(problem) = mapped {
                    problems.push(problem);
                }
            }
            let landed = (data.accounts.len() + data.contacts.len()) as u64;
            let problems = rejections(ctx, object, problems);
            ctx.commit(object, data, page.results.len() as u64, landed, problems).await?;
            search.committed(ctx, &page).await?;
        }
    }
    Ok(())
}

async fn sync_deals(ctx: &mut SyncContext<'_>, api: &HubspotApi, mapper: &Mapper<'_>) -> Result<(), ConnectorError> {
    let mut search = Search::start(ctx, "deals", "hs_lastmodifieddate").await?;
    while let Some(page) = search.next(ctx, api, DEAL_PROPERTIES).await? {
        let deal_ids = ids(&page.results);
        let with_history = api.batch_read("deals", &deal_ids, DEAL_PROPERTIES, HISTORY_PROPERTIES).await?;
        let companies = api.associations("deals", "companies", &deal_ids).await?;
        let contacts = api.associations("deals", "contacts", &deal_ids).await?;
        let mut data = Dataset::default();
        let mut problems = Vec::new();
        let mut currencies: HashMap<String, Currency> = HashMap::new();
        for record in &page.results {
            let id = records::text(record, "id").unwrap_or_default();
            match mapper.deal(record, companies.get(&id), contacts.get(&id)) {
                Ok((deal, roles)) => {
                    currencies.insert(id, deal.amount.currency);
                    data.deals.push(deal);
                    data.contact_roles.extend(roles);
                }
                Err(problem) => problems.push(problem),
            }
        }
        for record in &with_history {
            let id = records::text(record, "id").unwrap_or_default();
            if let Some(currency) = currencies.get(&id) {
                data.history.extend(mapper.deal_history(record, *currency));
            }
        }
        let landed = data.deals.len() as u64;
        let problems = rejections(ctx, "deals", problems);
        ctx.commit("deals", data, page.results.len() as u64, landed, problems).await?;
        search.committed(ctx, &page).await?;
    }
    Ok(())
}

async fn sync_engagements(
    ctx: &mut SyncContext<'_>,
    api: &HubspotApi,
    mapper: &Mapper<'_>,
    object: &str,
    kind: ActivityKind,
    owners: &HashMap<String, String>,
) -> Result<(), ConnectorError> {
    let properties = if kind == ActivityKind::Meeting { MEETING_PROPERTIES } else { EMAIL_PROPERTIES };
    let mut search = Search::start(ctx, object, "hs_lastmodifieddate").await?;
    while let Some(page) = search.next(ctx, api, properties).await? {
        let engagement_ids = ids(&page.results);
        let contacts = api.associations(object, "contacts", &engagement_ids).await?;
        let deals = api.associations(object, "deals", &engagement_ids).await?;
        let source = ctx.source.clone();
        let contact_emails: HashMap<String, String> = ctx
            .known()
            .await?
            .contacts
            .iter()
            .filter(|c| c.source == source)
            .filter_map(|c| Some((c.external_id.clone(), c.email.clone()?)))
            .collect();
        let mut records_out = Vec::new();
        let mut problems = Vec::new();
        let mut cancelled = Vec::new();
        let none: Vec<Associated> = Vec::new();
        for record in &page.results {
            let id = records::text(record, "id").unwrap_or_default();
            if records::text(record, "properties.hs_meeting_outcome").as_deref() == Some("CANCELED") {
                cancelled.push(id);
                continue;
            }
            let emails: Vec<String> =
                contacts.get(&id).unwrap_or(&none).iter().filter_map(|c| contact_emails.get(&c.id).cloned()).collect();
            match mapper.engagement(kind, record, owners, &emails, deals.get(&id).unwrap_or(&none)) {
                Ok(activity) => records_out.push(activity),
                Err(problem) => problems.push(problem),
            }
        }
        let built = ctx.build_activities(object, records_out).await?;
        let mut all = rejections(ctx, object, problems);
        all.extend(built.rejections);
        ctx.commit(object, built.data, page.results.len() as u64, built.landed, all).await?;
        ctx.delete(object, SyncedKind::Activity, &cancelled).await?;
        search.committed(ctx, &page).await?;
    }
    Ok(())
}

/// Removes what HubSpot archived since the last sync. The listing cannot be filtered, so it is
/// read whole and only records archived after the cursor are applied.
async fn sync_archived(
    ctx: &mut SyncContext<'_>,
    api: &HubspotApi,
    object: &str,
    kind: SyncedKind,
) -> Result<(), ConnectorError> {
    let key = format!("archived:{object}");
    let stored = ctx.store.sync_cursor(ctx.source.as_str(), &key).await?;
    let since = stored.as_deref().and_then(records::parse_timestamp);
    let (results, _) = api.list_all(&format!("/crm/v3/objects/{object}"), &[("archived", "true")]).await?;
    let mut newest = since.unwrap_or(ctx.now);
    let mut deleted = Vec::new();
    for record in &results {
        let archived_at = records::timestamp(record, "archivedAt");
        if let Some(at) = archived_at {
            newest = newest.max(at);
        }
        let fresh = match (since, archived_at) {
            (Some(since), Some(at)) => at >= since,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if let (true, Some(id)) = (fresh, records::text(record, "id")) {
            deleted.push(id);
        }
    }
    ctx.delete(object, kind, &deleted).await?;
    ctx.advance(&key, &records::millis(&newest)).await
}
