//! Shared test helpers: fresh stores on SQLite and on Postgres, and a small hand-made dataset.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use candor::domain::*;
use candor::store::Store;
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::atomic::{AtomicU32, Ordering};

/// A database to run a test against; dropping it removes the scratch database or directory.
pub struct TestDb {
    pub store: Store,
    pub name: String,
    admin: Option<Store>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        Self::sqlite_with(true).await
    }

    /// A fresh SQLite database, with the schema (`migrate`) or without any.
    pub async fn sqlite_with(migrate: bool) -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("candor.db").display());
        let store = Store::connect(&url, 4).await.unwrap();
        if migrate {
            store.migrate().await.unwrap();
        }
        TestDb { store, name: "sqlite".into(), admin: None, _dir: Some(dir) }
    }

    /// A fresh Postgres database on the server at `CANDOR_TEST_POSTGRES_URL` (default
    /// 127.0.0.1:5432, trust auth). `None` (with a printed reason) only when the server is
    /// unreachable and `CANDOR_SKIP_POSTGRES=1`; otherwise an unreachable server fails the test.
    pub async fn postgres() -> Option<TestDb> {
        Self::postgres_with(true).await
    }

    /// As [`TestDb::postgres`], with the schema (`migrate`) or without any.
    pub async fn postgres_with(migrate: bool) -> Option<TestDb> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let server = std::env::var("CANDOR_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let admin = match Store::connect(&server, 1).await {
            Ok(admin) => admin,
            Err(error) if std::env::var("CANDOR_SKIP_POSTGRES").as_deref() == Ok("1") => {
                eprintln!("skipping Postgres: {error} (CANDOR_SKIP_POSTGRES=1)");
                return None;
            }
            Err(error) => {
                panic!("Postgres is unreachable ({error}); set CANDOR_SKIP_POSTGRES=1 to skip the Postgres tests")
            }
        };
        let name = format!("candor_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(admin.pool()).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(admin.pool()).await.unwrap();
        let url = candor::store::with_database(&server, &name);
        let store = Store::connect(&url, 4).await.unwrap();
        if migrate {
            store.migrate().await.unwrap();
        }
        Some(TestDb { store, name, admin: Some(admin), _dir: None })
    }

    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some(admin) = self.admin {
            let _ =
                sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(admin.pool()).await;
            admin.close().await;
        }
    }
}

/// Runs the same async test body against SQLite and Postgres.
#[macro_export]
macro_rules! both_backends {
    ($(#[$attr:meta])* $name:ident, $body:expr) => {
        mod $name {
            use super::*;
            $(#[$attr])*
            #[tokio::test]
            async fn sqlite() {
                let db = common::TestDb::sqlite().await;
                ($body)(db.store.clone()).await;
                db.cleanup().await;
            }
            $(#[$attr])*
            #[tokio::test]
            async fn postgres() {
                if let Some(db) = common::TestDb::postgres().await {
                    ($body)(db.store.clone()).await;
                    db.cleanup().await;
                }
            }
        }
    };
}

pub fn ts(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// A small organisation touching every table and every optional field.
pub fn sample_dataset() -> Dataset {
    let source = SourceName::parse("test").unwrap();
    let person = |id: &str, role, manager: Option<&str>| Person {
        id: PersonId::from_source(&source, id).unwrap(),
        source: source.clone(),
        external_id: id.into(),
        name: format!("Person {id}"),
        emails: vec![format!("{id}@northbridge.example")],
        role,
        manager_id: manager.map(|m| PersonId::from_source(&source, m).unwrap()),
        timezone: "Europe/London".into(),
        team: Some("Custody".into()),
        region: None,
    };
    let catalogue = candor::config::Config::default().stage_catalogue();
    let account = Account {
        id: AccountId::from_source(&source, "acme").unwrap(),
        source: source.clone(),
        external_id: "acme".into(),
        name: "Acme Pension Fund".into(),
        domains: vec!["acme-pensions.example".into()],
        segment: Some("enterprise".into()),
        sector: Some("pensions".into()),
    };
    let contact = Contact {
        id: ContactId::from_source(&source, "c1").unwrap(),
        source: source.clone(),
        external_id: "c1".into(),
        account_id: Some(account.id.clone()),
        name: "Dana Chief".into(),
        email: Some("dana@acme-pensions.example".into()),
        title: Some("Chief Investment Officer".into()),
        seniority: Seniority::from_title("Chief Investment Officer"),
    };
    let deal = |id: &str, stage: &str, amount: i64| Deal {
        id: DealId::from_source(&source, id).unwrap(),
        source: source.clone(),
        external_id: id.into(),
        name: format!("Acme – {id}"),
        account_id: Some(account.id.clone()),
        owner_id: PersonId::from_source(&source, "rep1").unwrap(),
        pipeline: "default".into(),
        stage: stage.into(),
        amount: Money::new(amount, Currency::USD),
        close_date: Some(day("2026-12-15")),
        forecast_category: ForecastCategory::Commit,
        next_step: Some("Send fee proposal".into()),
        next_step_updated_at: Some(ts("2026-11-01T09:00:00Z")),
        products: vec!["custody".into(), "fx_overlay".into()],
        revenue: RevenueType::Recurring { term_months: 36 },
        created_at: ts("2026-06-01T10:00:00Z"),
        closed_at: (stage == "closed_won").then(|| ts("2026-10-01T10:00:00Z")),
        splits: vec![
            CreditSplit { person_id: PersonId::from_source(&source, "rep1").unwrap(), share_bp: 7000 },
            CreditSplit { person_id: PersonId::from_source(&source, "rep2").unwrap(), share_bp: 3000 },
        ],
    };
    let deals = vec![deal("d1", "proposal", 12_500_000), deal("d2", "closed_won", 4_000_050)];
    let history = vec![DealHistory {
        id: HistoryId::from_source(&source, "h1").unwrap(),
        source: source.clone(),
        external_id: "h1".into(),
        deal_id: deals[0].id.clone(),
        field: DealField::CloseDate,
        old_value: Some("2026-11-30".into()),
        new_value: Some("2026-12-15".into()),
        changed_at: ts("2026-11-10T08:00:00Z"),
    }];
    let activity = Activity {
        id: ActivityId::from_source(&source, "a1").unwrap(),
        source: source.clone(),
        external_id: "a1".into(),
        kind: ActivityKind::Meeting,
        direction: Direction::Outbound,
        occurred_at: ts("2026-11-12T14:00:00Z"),
        duration_minutes: Some(45),
        subject: Some("Fee schedule review".into()),
        snippet: Some("Walked through the custody fee tiers".into()),
        thread_id: None,
        participants: vec![Participant {
            address: "dana@acme-pensions.example".into(),
            name: Some("Dana Chief".into()),
            role: ParticipantRole::Attendee,
            party: Some(Party::Contact(contact.id.clone())),
        }],
        deals: vec![DealLink { deal_id: deals[0].id.clone(), rule: "test".into(), confidence: 0.9 }],
    };
    Dataset {
        stages: catalogue,
        products: vec![Product {
            key: "custody".into(),
            name: "Global custody".into(),
            family: Some("asset servicing".into()),
            list_price: Some(Money::new(9_000_000, Currency::USD)),
        }],
        people: vec![
            person("lead", Role::Leader, None),
            person("rep1", Role::Rep, Some("lead")),
            person("rep2", Role::Rep, Some("lead")),
        ],
        accounts: vec![account],
        contact_roles: vec![DealContactRole {
            deal_id: deals[0].id.clone(),
            contact_id: contact.id.clone(),
            role: ContactRole::EconomicBuyer,
        }],
        contacts: vec![contact],
        history,
        activity_signals: vec![ActivitySignal {
            activity_id: activity.id.clone(),
            kind: SignalKind::CompetitorNamed,
            detail: "Globex Custody".into(),
        }],
        activities: vec![activity],
        quotas: vec![Quota {
            person_id: PersonId::from_source(&source, "rep1").unwrap(),
            period: "FY2026-Q4".parse().unwrap(),
            amount: Money::new(50_000_000, Currency::USD),
        }],
        deals,
    }
}
