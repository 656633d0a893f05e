//! Building the [`Index`]: from a whole [`Dataset`] (ids looked up once, across threads), or
//! from the compact [`EngineData`] whose links and participants are already positions. Both
//! end in the same assembly, so the engine cannot tell them apart.

use super::{field_value, stage_table, HistoryRow, Index, StageInfo};
use crate::domain::{Dataset, SignalKind};
use crate::engine::risk::input::{activity_parts, activity_row, ActivityRow, EngineData, Positions};
use crate::engine::risk::parallel;
use crate::engine::risk::table::{FastMap, Grouped, SignalSet};
use std::borrow::Cow;

/// The activity and history rows an index is assembled from, borrowed where they can be.
struct Rows<'a> {
    activity_rows: Cow<'a, [ActivityRow]>,
    activity_ids: Vec<&'a str>,
    /// `(deal, activity)` positions.
    links: Cow<'a, [(u32, u32)]>,
    /// `(activity, contact)` positions.
    taking_part: Cow<'a, [(u32, u32)]>,
    history_rows: Vec<HistoryRow<'a>>,
    history_deals: Cow<'a, [Option<u32>]>,
}

impl<'a> Index<'a> {
    /// Indexes a whole dataset.
    pub fn new(data: &'a Dataset) -> Self {
        let positions = Positions::new(data);
        // One pass over the activities, split across threads: rows, (deal, activity) links and
        // (activity, contact) participations.
        let passes = parallel::map_ranges(data.activities.len(), |range| {
            let mut rows = Vec::with_capacity(range.len());
            let mut ids = Vec::with_capacity(range.len());
            let mut links = Vec::with_capacity(range.len());
            let mut taking_part = Vec::with_capacity(range.len());
            for position in range {
                let Some(activity) = data.activities.get(position) else { continue };
                rows.push(activity_row(activity));
                ids.push(activity.id.as_str());
                activity_parts(activity, position as u32, &positions, &mut links, &mut taking_part);
            }
            vec![(rows, ids, links, taking_part)]
        });
        let mut activity_rows = Vec::with_capacity(data.activities.len());
        let mut activity_ids = Vec::with_capacity(data.activities.len());
        let (mut links, mut taking_part) = (Vec::new(), Vec::new());
        for (rows, ids, chunk_links, chunk_taking_part) in passes {
            activity_rows.extend(rows);
            activity_ids.extend(ids);
            links.extend(chunk_links);
            taking_part.extend(chunk_taking_part);
        }
        let history = parallel::map_ranges(data.history.len(), |range| {
            range
                .filter_map(|position| data.history.get(position))
                .map(|row| {
                    let view = HistoryRow {
                        id: row.id.as_str(),
                        field: row.field,
                        changed_at: row.changed_at,
                        old_value: row.old_value.as_deref(),
                        new_value: row.new_value.as_deref(),
                    };
                    (view, positions.deal(row.deal_id.as_str()))
                })
                .collect()
        });
        let (history_rows, history_deals): (Vec<_>, Vec<_>) = history.into_iter().unzip();
        let rows = Rows {
            activity_rows: Cow::Owned(activity_rows),
            activity_ids,
            links: Cow::Owned(links),
            taking_part: Cow::Owned(taking_part),
            history_rows,
            history_deals: Cow::Owned(history_deals),
        };
        Self::assemble(data, rows)
    }

    /// Indexes the compact engine input, borrowing its columns.
    pub fn from_engine(engine: &'a EngineData) -> Self {
        let history = &engine.history;
        let history_rows = history
            .ids
            .iter()
            .zip(&history.fields)
            .zip(&history.changed_at)
            .enumerate()
            .map(|(p, ((id, &field), &changed_at))| HistoryRow {
                id,
                field,
                changed_at,
                old_value: history.old_values.get(p),
                new_value: history.new_values.get(p),
            })
            .collect();
        let rows = Rows {
            activity_rows: Cow::Borrowed(&engine.activities.rows),
            activity_ids: engine.activities.ids.iter().collect(),
            links: Cow::Borrowed(&engine.activities.links),
            taking_part: Cow::Borrowed(&engine.activities.takes_part),
            history_rows,
            history_deals: Cow::Borrowed(&history.deals),
        };
        Self::assemble(&engine.data, rows)
    }

    fn assemble(data: &'a Dataset, rows: Rows<'a>) -> Self {
        let deal_by_id: FastMap<&str, u32> =
            data.deals.iter().enumerate().map(|(i, d)| (d.id.as_str(), i as u32)).collect();
        let stages = stage_table(data);
        let stage = |pipeline: &str, key: &str| stages.get(&(pipeline, key)).copied().unwrap_or(StageInfo::UNKNOWN);
        let Rows { activity_rows, activity_ids, links, taking_part, history_rows, history_deals } = rows;
        let activity_count = activity_rows.len();

        let mut activities = Grouped::build(data.deals.len(), &links);
        drop(links);
        activities.sort_each_by_key(|a| {
            activity_rows.get(a as usize).map(|x| (x.occurred_at, activity_ids.get(a as usize).copied()))
        });
        let participants = Grouped::build(activity_count, &taking_part);
        drop(taking_part);

        // History values parsed once for the field they belong to, split across threads.
        let changes = parallel::map_ranges(history_rows.len(), |range| {
            range
                .map(|position| {
                    let (Some(row), Some(Some(deal))) = (history_rows.get(position), history_deals.get(position))
                    else {
                        return (super::FieldValue::Empty, super::FieldValue::Empty);
                    };
                    let pipeline = data.deals.get(*deal as usize).map_or("", |d| d.pipeline.as_str());
                    let parse = |text| field_value(row.field, text, |key| stage(pipeline, key));
                    (parse(row.old_value), parse(row.new_value))
                })
                .collect()
        });
        let history_pairs: Vec<(u32, u32)> = history_deals
            .iter()
            .enumerate()
            .filter_map(|(position, deal)| deal.map(|d| (d, position as u32)))
            .collect();
        let mut history = Grouped::build(data.deals.len(), &history_pairs);
        drop(history_pairs);
        history.sort_each_by_key(|h| history_rows.get(h as usize).map(|x| (x.changed_at, x.id)));

        let role_pairs: Vec<(u32, u32)> = data
            .contact_roles
            .iter()
            .enumerate()
            .filter_map(|(i, r)| deal_by_id.get(r.deal_id.as_str()).map(|&d| (d, i as u32)))
            .collect();
        let roles = Grouped::build(data.deals.len(), &role_pairs);

        let (signals, competitor_names) = keyword_signals(data, &activity_ids);
        let account_segment: FastMap<&str, Option<&str>> =
            data.accounts.iter().map(|a| (a.id.as_str(), a.segment.as_deref())).collect();
        let segments = data
            .deals
            .iter()
            .map(|d| d.account_id.as_ref().and_then(|a| account_segment.get(a.as_str()).copied().flatten()))
            .collect();
        let list_prices =
            data.products.iter().filter_map(|p| p.list_price.map(|price| (p.key.as_str(), price.minor))).collect();
        let deal_stages = data.deals.iter().map(|d| stage(&d.pipeline, &d.stage)).collect();

        Self {
            data,
            deal_by_id,
            activity_rows,
            activity_ids,
            history_rows,
            activities,
            history,
            changes,
            participants,
            roles,
            signals,
            competitor_names,
            has_keyword_signals: !data.activity_signals.is_empty(),
            stages,
            deal_stages,
            segments,
            list_prices,
        }
    }
}

/// Keyword signals per activity position, and the first competitor named in each. Only the
/// ids that carry a signal are looked up, so data without signals costs nothing.
fn keyword_signals<'a>(data: &'a Dataset, activity_ids: &[&'a str]) -> (Vec<SignalSet>, FastMap<u32, &'a str>) {
    let mut signals = vec![SignalSet::default(); activity_ids.len()];
    let mut competitor_names = FastMap::default();
    if data.activity_signals.is_empty() {
        return (signals, competitor_names);
    }
    let mut position_of: FastMap<&str, Option<u32>> =
        data.activity_signals.iter().map(|s| (s.activity_id.as_str(), None)).collect();
    // The last activity with an id wins, as in a map built over every activity.
    for (position, id) in activity_ids.iter().enumerate() {
        if let Some(slot) = position_of.get_mut(id) {
            *slot = Some(position as u32);
        }
    }
    for signal in &data.activity_signals {
        if let Some(&Some(position)) = position_of.get(signal.activity_id.as_str()) {
            if let Some(set) = signals.get_mut(position as usize) {
                set.insert(signal.kind);
            }
            if signal.kind == SignalKind::CompetitorNamed {
                competitor_names.entry(position).or_insert(signal.detail.as_str());
            }
        }
    }
    (signals, competitor_names)
}
