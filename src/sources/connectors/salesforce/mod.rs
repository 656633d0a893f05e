//! Salesforce: OAuth 2.0 (JWT bearer or refresh token), SOQL paged through `nextRecordsUrl`,
//! incremental by `SystemModstamp` (history by `CreatedDate`), deletions through `getDeleted`.
//!
//! Objects are read in dependency order ([`objects::objects`]); each page is committed, then
//! its newest stamp becomes the object's cursor. Deletion windows have their own cursors
//! (`deleted:<Object>`), starting at the first sync: what the first sync reads is already only
//! the live records.

pub(crate) mod activities;
pub mod api;
pub(crate) mod history;
pub(crate) mod mapping;
pub(crate) mod objects;

use super::records::{self, Problem};
use super::sync::SyncContext;
use super::ConnectorError;
use crate::domain::{Currency, Dataset, DealId, StageCatalogue};
use activities::ActivityPage;
use api::{soql_datetime, QueryPage, SalesforceApi};
use chrono::Duration;
use history::StageTimeline;
use mapping::{decode_role, derive_roles, MappedPage, Mapper};
use objects::{ObjectKind, ObjectSpec, STAGES_SOQL};
use std::collections::HashMap;

/// `getDeleted` answers for the last 30 days only; a day of margin.
const DELETED_HORIZON_DAYS: i64 = 29;

pub async fn sync(ctx: &mut SyncContext<'_>) -> Result<(), ConnectorError> {
    let config = &ctx.config.connectors.salesforce;
    let api = SalesforceApi::new(config, &ctx.config.connectors.sync)?;
    ctx.track(&api.client);
    let currency = match config.currency.trim() {
        "" => ctx.config.currency(),
        code => Currency::parse(code).map_err(|e| ConnectorError::NotConfigured {
            source_name: "salesforce",
            reason: format!("currency: {e}"),
        })?,
    };
    let mapper = Mapper { config, source: ctx.source.clone(), currency, timezone: ctx.config.org.timezone.clone() };
    if config.stage_map.is_empty() {
        sync_stages(ctx, &api, &mapper).await?;
    }
    let specs = objects::objects(config);
    for spec in &specs {
        sync_object(ctx, &api, &mapper, spec).await?;
        if spec.kind == ObjectKind::Users {
            refresh_roles(ctx).await?;
        }
    }
    for spec in &specs {
        if spec.deletes.is_some() || spec.kind == ObjectKind::ContactRoles {
            sync_deletions(ctx, &api, spec).await?;
        }
    }
    Ok(())
}

async fn sync_stages(
    ctx: &mut SyncContext<'_>,
    api: &SalesforceApi,
    mapper: &Mapper<'_>,
) -> Result<(), ConnectorError> {
    let mut page = api.query(STAGES_SOQL).await?;
    let mut rows = std::mem::take(&mut page.records);
    while let (false, Some(next)) = (page.done, page.next_records_url.take()) {
        page = api.next(&next).await?;
        rows.append(&mut page.records);
    }
    let stages = mapper.stages(&rows);
    let landed = stages.len() as u64;
    let data = Dataset { stages: StageCatalogue::new(stages), ..Dataset::default() };
    ctx.commit("OpportunityStage", data, rows.len() as u64, landed, Vec::new()).await
}

fn rejections(ctx: &SyncContext<'_>, object: &str, problems: Vec<Problem>) -> Vec<crate::sources::ingest::Rejection> {
    problems.into_iter().map(|p| ctx.rejection(object, p.record.as_deref(), p.field.as_deref(), p.reason)).collect()
}

async fn sync_object(
    ctx: &mut SyncContext<'_>,
    api: &SalesforceApi,
    mapper: &Mapper<'_>,
    spec: &ObjectSpec,
) -> Result<(), ConnectorError> {
    let since = ctx.cursor(spec.name).await?.and_then(|c| records::parse_timestamp(&c));
    let mut timeline = match spec.kind {
        ObjectKind::StageHistory => Some(StageTimeline::new(ctx.known().await?)),
        _ => None,
    };
    let currencies: HashMap<DealId, Currency> = match spec.kind {
        ObjectKind::FieldHistory => {
            ctx.known().await?.deals.iter().map(|d| (d.id.clone(), d.amount.currency)).collect()
        }
        _ => HashMap::new(),
    };
    let mut page: QueryPage = api.query(&spec.soql(since.as_ref())).await?;
    loop {
        let fetched = page.records.len() as u64;
        let newest = page.records.iter().filter_map(|r| records::timestamp(r, spec.stamp)).max();
        let mut mapped = MappedPage::default();
        let mut problems = Vec::new();
        match spec.kind {
            ObjectKind::Users => mapper.users(&page.records, &mut mapped),
            ObjectKind::Accounts => mapper.accounts(&page.records, &mut mapped),
            ObjectKind::Contacts => mapper.contacts(&page.records, &mut mapped),
            ObjectKind::Opportunities => mapper.opportunities(&page.records, &mut mapped),
            ObjectKind::ContactRoles => mapper.contact_roles(&page.records, &mut mapped),
            ObjectKind::StageHistory => {
                if let Some(timeline) = timeline.as_mut() {
                    mapper.stage_history(&page.records, timeline, &mut mapped);
                }
            }
            ObjectKind::FieldHistory => mapper.field_history(&page.records, &currencies, &mut mapped),
            ObjectKind::Events | ObjectKind::Tasks => {
                let mut activities = ActivityPage::default();
                if spec.kind == ObjectKind::Events {
                    mapper.events(&page.records, &mut activities);
                } else {
                    mapper.tasks(&page.records, &mut activities);
                }
                if activities.skipped > 0 {
                    ctx.note("all-day Salesforce events are calendar blocks, not meetings, and are not imported");
                }
                mapped.problems = activities.problems;
                let built = ctx.build_activities(spec.name, activities.records).await?;
                mapped.data = built.data;
                mapped.landed = built.landed;
                problems = built.rejections;
            }
        }
        let mut all = rejections(ctx, spec.name, std::mem::take(&mut mapped.problems));
        all.append(&mut problems);
        ctx.commit(spec.name, std::mem::take(&mut mapped.data), fetched, mapped.landed, all).await?;
        ctx.store.link_items(ctx.source.as_str(), spec.name, &mapped.links).await?;
        if let Some(newest) = newest {
            ctx.advance(spec.name, &newest.to_rfc3339()).await?;
        }
        match (page.done, page.next_records_url.take()) {
            (false, Some(next)) => page = api.next(&next).await?,
            _ => break,
        }
    }
    Ok(())
}

/// Managers and leaders follow from the reporting lines of every synced user.
async fn refresh_roles(ctx: &mut SyncContext<'_>) -> Result<(), ConnectorError> {
    let source = ctx.source.clone();
    let people: Vec<_> = ctx.known().await?.people.iter().filter(|p| p.source == source).cloned().collect();
    let changed = derive_roles(&people);
    ctx.write(Dataset { people: changed, ..Dataset::default() }).await
}

async fn sync_deletions(
    ctx: &mut SyncContext<'_>,
    api: &SalesforceApi,
    spec: &ObjectSpec,
) -> Result<(), ConnectorError> {
    let key = format!("deleted:{}", spec.name);
    let end = ctx.now;
    // Not reset by a full sync: a full read finds no deleted record, it only stops seeing it.
    let stored = ctx.store.sync_cursor(ctx.source.as_str(), &key).await?;
    let Some(mut start) = stored.as_deref().and_then(records::parse_timestamp) else {
        return ctx.advance(&key, &soql_datetime(&end)).await;
    };
    let horizon = end - Duration::days(DELETED_HORIZON_DAYS);
    if start < horizon {
        ctx.note(format!(
            "Salesforce keeps deletions for 30 days; {} deletions before {} may be missed — run a full sync to reconcile",
            spec.name,
            horizon.date_naive()
        ));
        start = horizon;
    }
    if end <= start {
        return Ok(());
    }
    let window = api.deleted(spec.name, &start, &end).await?;
    let ids: Vec<String> = window.deleted_records.into_iter().map(|r| r.id).collect();
    match spec.deletes {
        Some(kind) => {
            ctx.delete(spec.name, kind, &ids).await?;
        }
        None if spec.kind == ObjectKind::ContactRoles => {
            let links = ctx.store.item_links(ctx.source.as_str(), spec.name, &ids).await?;
            let roles: Vec<_> = links.values().filter_map(|encoded| decode_role(encoded)).collect();
            let deleted = ctx.store.delete_contact_roles(&roles).await?;
            ctx.store.unlink_items(ctx.source.as_str(), spec.name, &ids).await?;
            ctx.report.object_mut(spec.name).deleted += deleted;
        }
        None => {}
    }
    let covered =
        window.latest_date_covered.as_deref().and_then(records::parse_timestamp).filter(|c| *c > start).unwrap_or(end);
    ctx.advance(&key, &soql_datetime(&covered.min(end))).await?;
    Ok(())
}
