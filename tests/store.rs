//! The store suite: every behaviour checked on the embedded SQLite and on Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor::domain::*;
use candor::store::Store;
use common::sample_dataset;

both_backends!(round_trip_is_lossless, |store: Store| async move {
    let data = sample_dataset();
    store.save_dataset(&data).await.unwrap();
    let loaded = store.load_dataset().await.unwrap();
    assert_eq!(loaded.people, data.people);
    assert_eq!(loaded.accounts, data.accounts);
    assert_eq!(loaded.contacts, data.contacts);
    assert_eq!(loaded.deals, data.deals);
    assert_eq!(loaded.history, data.history);
    assert_eq!(loaded.contact_roles, data.contact_roles);
    assert_eq!(loaded.activities, data.activities);
    assert_eq!(loaded.activity_signals, data.activity_signals);
    assert_eq!(loaded.quotas, data.quotas);
    assert_eq!(loaded.products, data.products);
    assert_eq!(loaded.stages, data.stages);
});

both_backends!(saving_again_changes_nothing, |store: Store| async move {
    let data = sample_dataset();
    let first = store.save_dataset(&data).await.unwrap();
    assert!(first.total() > 0);
    let before = store.stats().await.unwrap();
    let second = store.save_dataset(&data).await.unwrap();
    assert_eq!(second.total(), 0, "re-saving identical records must touch no row: {second:?}");
    assert_eq!(store.stats().await.unwrap(), before);
});

both_backends!(upserts_update_changed_fields, |store: Store| async move {
    let mut data = sample_dataset();
    store.save_dataset(&data).await.unwrap();
    data.deals[0].amount = Money::new(99_00, Currency::USD);
    data.deals[0].next_step = None;
    let written = store.save_dataset(&data).await.unwrap();
    assert_eq!(written.0["deals"], 1);
    let loaded = store.load_dataset().await.unwrap();
    let deal = loaded.deals.iter().find(|d| d.id == data.deals[0].id).unwrap();
    assert_eq!(deal.amount.minor, 9_900);
    assert_eq!(deal.next_step, None);
    assert_eq!(loaded.deals.len(), 2);
});

both_backends!(duplicates_in_one_batch_keep_the_last, |store: Store| async move {
    let mut data = sample_dataset();
    let mut twice = data.deals[0].clone();
    twice.name = "Renamed".into();
    data.deals.push(twice);
    store.save_dataset(&data).await.unwrap();
    let loaded = store.load_dataset().await.unwrap();
    assert_eq!(loaded.deals.len(), 2);
    assert!(loaded.deals.iter().any(|d| d.name == "Renamed"));
});

both_backends!(stats_count_and_total, |store: Store| async move {
    store.save_dataset(&sample_dataset()).await.unwrap();
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.deals, stats.deals_won, stats.deals_lost, stats.deals_open), (2, 1, 0, 1));
    assert_eq!(stats.won_amount_minor["USD"], 4_000_050);
    assert_eq!(stats.people, 3);
    assert_eq!(stats.activities, 1);
    assert_eq!(stats.activity_deal_links, 1);
    let proposal = stats.pipeline_by_stage.iter().find(|s| s.stage == "proposal").unwrap();
    assert_eq!(proposal.amount_minor["USD"], 12_500_000);
});

both_backends!(large_batches_span_statements, |store: Store| async move {
    let mut data = sample_dataset();
    let template = data.activities[0].clone();
    let source = SourceName::parse("test").unwrap();
    data.activities = (0..2_500)
        .map(|i| {
            let mut activity = template.clone();
            activity.id = ActivityId::from_source(&source, &format!("bulk{i}")).unwrap();
            activity.external_id = format!("bulk{i}");
            activity
        })
        .collect();
    let written = store.save_dataset(&data).await.unwrap();
    assert_eq!(written.0["activities"], 2_500);
    assert_eq!(written.0["activity_deals"], 2_500);
    assert_eq!(store.stats().await.unwrap().activities, 2_500);
});

both_backends!(migrations_are_idempotent, |store: Store| async move {
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.stats().await.unwrap().deals, 0);
});
