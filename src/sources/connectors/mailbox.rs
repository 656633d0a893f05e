//! Applying one page of calendar or mailbox items, shared by Microsoft Graph and Google: new
//! and changed items become activities, each remembered against the mailbox's own item id;
//! removed items are forgotten, and an activity goes once no mailbox holds it any more.

use super::activity::ActivityRecord;
use super::records::Problem;
use super::sync::SyncContext;
use super::ConnectorError;
use crate::store::SyncedKind;

/// One item of a page: removed, skipped (all-day events, drafts) or an activity.
#[derive(Debug)]
pub(crate) enum Item {
    Removed { item_id: String },
    Skipped,
    Activity { item_id: String, record: Box<ActivityRecord> },
}

/// Commits a page of `items` read from `scope` (a mailbox's calendar or folder), counted
/// under `object`.
pub(crate) async fn apply_items(
    ctx: &mut SyncContext<'_>,
    object: &str,
    scope: &str,
    items: Vec<Result<Item, Problem>>,
) -> Result<(), ConnectorError> {
    let fetched = items.len() as u64;
    let mut removed = Vec::new();
    let mut records = Vec::new();
    let mut links = Vec::new();
    let mut rejections = Vec::new();
    for item in items {
        match item {
            Ok(Item::Removed { item_id }) => removed.push(item_id),
            Ok(Item::Skipped) => {}
            Ok(Item::Activity { item_id, record }) => {
                links.push((item_id, record.draft.external_id.trim().to_owned()));
                records.push(*record);
            }
            Err(problem) => rejections.push(ctx.rejection(
                object,
                problem.record.as_deref(),
                problem.field.as_deref(),
                problem.reason,
            )),
        }
    }
    let built = ctx.build_activities(object, records).await?;
    rejections.extend(built.rejections);
    ctx.commit(object, built.data, fetched, built.landed, rejections).await?;
    let source = ctx.source.as_str().to_owned();
    ctx.store.link_items(&source, scope, &links).await?;
    if !removed.is_empty() {
        let orphaned = ctx.store.unlink_items(&source, scope, &removed).await?;
        ctx.delete(object, SyncedKind::Activity, &orphaned).await?;
    }
    Ok(())
}
