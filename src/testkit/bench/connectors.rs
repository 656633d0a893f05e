//! Connector figures for `candor bench`: each connector runs a full sync against its loopback
//! stand-in serving a generated org, into a scratch SQLite store. Reported per connector:
//! records per second, and API calls per 1,000 records (token requests included). Printed,
//! never asserted: timing belongs in benchmarks.

use crate::config::{Config, RateLimit};
use crate::sources::connectors::{sync_source, SourceKind, SyncOptions, SyncReport};
use crate::store::Store;
use crate::testkit::vendors::{
    self as mock, google::GoogleData, google::GoogleMock, hubspot::HubspotData, hubspot::HubspotMock,
};
use crate::testkit::vendors::{
    msgraph::GraphData, msgraph::GraphMock, salesforce::SalesforceData, salesforce::SalesforceMock,
};

/// How big the generated orgs are.
#[derive(Debug, Clone, Copy)]
pub(super) struct BenchSize {
    pub opportunities: usize,
    pub deals: usize,
    pub items_per_mailbox: usize,
}

impl Default for BenchSize {
    fn default() -> Self {
        Self { opportunities: 1_000, deals: 1_000, items_per_mailbox: 1_500 }
    }
}

fn line(report: &SyncReport) -> String {
    let seconds = (report.elapsed_ms as f64 / 1_000.0).max(0.001);
    let fetched = report.fetched();
    format!(
        "{:<11} {:>7} records in {:>6.2} s = {:>7.0} records/s; {:>5} API calls + {} token = {:.1} calls per 1,000 records ({} rows written)",
        report.source,
        fetched,
        seconds,
        fetched as f64 / seconds,
        report.calls.calls,
        report.calls.token_requests,
        report.calls_per_thousand(),
        report.rows_written
    )
}

async fn run(config: &Config, source: SourceKind) -> Result<SyncReport, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let store = Store::open("", dir.path(), 4).await.map_err(|e| e.to_string())?;
    let report = sync_source(&store, config, source, &SyncOptions::default()).await.map_err(|e| e.to_string());
    store.close().await;
    report
}

fn bench_config() -> Config {
    let mut config = Config::default();
    // Vendors' production limits would make this a benchmark of sleeping; the loopback
    // server has none, so the figures show the connector's own cost.
    let open = RateLimit { requests_per_second: 100_000.0, burst: 100_000, concurrency: 8 };
    config.connectors.salesforce.limits = open;
    config.connectors.hubspot.limits = open;
    config.connectors.msgraph.limits = open;
    config.connectors.google.limits = open;
    config.connectors.sync.page_size = 200;
    config
}

/// One line per connector with its figures, or the reason it could not run.
pub(super) async fn bench_connectors_with(size: BenchSize) -> Vec<String> {
    let mut lines = Vec::new();
    let key = match mock::setup::rsa_key() {
        Ok(key) => key,
        Err(error) => return vec![format!("connectors: {error}")],
    };
    let mailboxes = vec!["rep.one@northbridge-fs.example".to_owned(), "rep.two@northbridge-fs.example".to_owned()];

    let outcome = async {
        let (running, mock) =
            SalesforceMock::new(SalesforceData::generate(size.opportunities), Some(key.public_der.clone()))
                .start()
                .await
                .map_err(|e| e.to_string())?;
        let mut config = bench_config();
        mock::setup::salesforce(&mut config, &running.base_url, &mock, Some(&key));
        run(&config, SourceKind::Salesforce).await
    };
    lines.push(outcome.await.map(|r| line(&r)).unwrap_or_else(|e| format!("salesforce: {e}")));

    let outcome = async {
        let (running, mock) =
            HubspotMock::new(HubspotData::generate(size.deals)).start().await.map_err(|e| e.to_string())?;
        let mut config = bench_config();
        mock::setup::hubspot(&mut config, &running.base_url, &mock, None);
        config.connectors.sync.page_size = 100;
        run(&config, SourceKind::Hubspot).await
    };
    lines.push(outcome.await.map(|r| line(&r)).unwrap_or_else(|e| format!("hubspot: {e}")));

    let outcome = async {
        let data = GraphData::generate(&mailboxes, size.items_per_mailbox);
        let (running, mock) = GraphMock::new(data).start().await.map_err(|e| e.to_string())?;
        let mut config = bench_config();
        mock::setup::msgraph(&mut config, &running.base_url, &mock, &mailboxes);
        run(&config, SourceKind::MsGraph).await
    };
    lines.push(outcome.await.map(|r| line(&r)).unwrap_or_else(|e| format!("msgraph: {e}")));

    let outcome = async {
        let data = GoogleData::generate(&mailboxes, size.items_per_mailbox);
        let (running, mock) =
            GoogleMock::new(data, Some(key.public_der.clone())).start().await.map_err(|e| e.to_string())?;
        let mut config = bench_config();
        mock::setup::google(&mut config, &running.base_url, &mock, &key, &mailboxes);
        run(&config, SourceKind::Google).await
    };
    lines.push(outcome.await.map(|r| line(&r)).unwrap_or_else(|e| format!("google: {e}")));
    lines
}

/// The figures at the default size.
pub(super) async fn bench_connectors() -> Vec<String> {
    bench_connectors_with(BenchSize::default()).await
}
