//! Turning one page of vendor meetings, emails, calls and tasks into activities through the
//! same pipeline the file importers use — identity resolution, direction, keyword signals,
//! body retention — plus the deal associations the CRM states outright, which outrank any
//! inferred link.

use crate::domain::{Dataset, DealId, DealLink, SourceName};
use crate::sources::ingest::activities::{
    append_batch, ActivityDraft, ActivityPipeline, ActivitySettings, BatchSink, RecordOrigin, DEFAULT_BATCH_SIZE,
};
use crate::sources::ingest::identity::IdentityResolver;
use crate::sources::ingest::Rejection;
use std::collections::HashMap;
use std::path::PathBuf;

/// The rule name on deal links a CRM states itself (an engagement associated with a deal, an
/// event whose "related to" is an opportunity).
pub(crate) const RULE_CRM_ASSOCIATION: &str = "crm_association";

/// One vendor record ready for the pipeline.
#[derive(Debug, Clone)]
pub struct ActivityRecord {
    pub draft: ActivityDraft,
    /// Deals the source itself associates the record with.
    pub deals: Vec<DealId>,
}

/// The finished page: activities, their signals, contacts created for unknown addresses.
#[derive(Debug, Default)]
pub struct BuiltActivities {
    pub data: Dataset,
    pub rejections: Vec<Rejection>,
    pub landed: u64,
}

/// Runs `records` through the activity pipeline against `known`; `object` names them in
/// rejections (`msgraph/events`).
pub(crate) fn build_activities(
    settings: &ActivitySettings,
    known: &Dataset,
    source: &SourceName,
    object: &str,
    records: Vec<ActivityRecord>,
) -> BuiltActivities {
    let label = PathBuf::from(format!("{}/{object}", source.as_str()));
    let mut stated: HashMap<String, Vec<DealId>> = HashMap::new();
    let mut data = Dataset::default();
    let mut rejections = Vec::new();
    let mut landed = 0;
    {
        let mut collect = |batch: Dataset| {
            append_batch(&mut data, batch);
            Ok(())
        };
        let sink: &mut BatchSink<'_> = &mut collect;
        let resolver = IdentityResolver::new(known, settings, source.clone());
        let mut pipeline = ActivityPipeline::new(settings, resolver, sink, DEFAULT_BATCH_SIZE);
        for (index, record) in records.into_iter().enumerate() {
            let external_id = record.draft.external_id.clone();
            let origin = RecordOrigin { file: &label, line: index as u64 + 1, record: Some(&external_id) };
            match pipeline.emit(record.draft, &origin) {
                Ok(crate::sources::ingest::activities::Emitted::Landed) => {
                    landed += 1;
                    if !record.deals.is_empty() {
                        stated.insert(format!("{}:{}", source.as_str(), external_id.trim()), record.deals);
                    }
                }
                Ok(_) => {}
                Err(error) => rejections.push(origin.reject(None, error.to_string())),
            }
        }
        match pipeline.finish() {
            Ok(done) => rejections.extend(done.report.rejections),
            Err(error) => rejections.push(Rejection {
                file: label.clone(),
                line: 0,
                record: None,
                field: None,
                reason: error.to_string(),
            }),
        }
    }
    for activity in &mut data.activities {
        let Some(deals) = stated.get(activity.id.as_str()) else { continue };
        activity.deals.retain(|link| !deals.contains(&link.deal_id));
        let mut links: Vec<DealLink> = deals
            .iter()
            .map(|deal_id| DealLink {
                deal_id: deal_id.clone(),
                rule: RULE_CRM_ASSOCIATION.to_owned(),
                confidence: 1.0,
            })
            .collect();
        links.dedup_by(|a, b| a.deal_id == b.deal_id);
        links.append(&mut activity.deals);
        activity.deals = links;
    }
    BuiltActivities { data, rejections, landed }
}
