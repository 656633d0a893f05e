//! A served organisation for the HTTP tests: a small synthetic firm (one leader, two managers,
//! six reps) on SQLite, one weekly run worked to its end with rep nudges waiting for the rep's
//! manager, a user and a token per role, and Candor started as `candor serve` starts it
//! ([`spawn_app`]: the same composition root, listening on 127.0.0.1:0).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

#[path = "../pipeline_support/mod.rs"]
mod pipeline_support;

use candor::app::Context;
use candor::config::Config;
use candor::domain::{Person, Role};
use candor::http::auth::{create_token, create_user, AccessRole, NewUser};
use candor::http::{AppState, Application, ServeOptions};
use candor::jobs::{start_run, IsoWeek, RunRequest, RunState};
use candor::store::{DraftQuery, Store};
use candor::testkit::sim::{self, SimParams};
use chrono::{NaiveDate, Utc};
use std::collections::BTreeMap;

pub const WEEK: &str = "2026-W47";
pub const PASSWORD: &str = "a long enough password";

pub struct Fixture {
    pub store: Store,
    pub state: AppState,
    pub app: Application,
    pub base: String,
    pub client: reqwest::Client,
    /// Person ids by role in the story: rep_a reports to manager_a, rep_b to manager_b.
    pub leader: Person,
    pub manager_a: Person,
    pub manager_b: Person,
    pub rep_a: Person,
    pub rep_b: Person,
    /// Sign-in names and tokens: rep_a, rep_b, manager_a, manager_b, leader, compliance, admin.
    pub users: BTreeMap<&'static str, String>,
    pub tokens: BTreeMap<&'static str, String>,
    /// Last, so it outlives everything that writes under it (the vector memory flushes on drop).
    pub dir: tempfile::TempDir,
}

fn config() -> Config {
    pipeline_support::fast_config("[review]\nrep_nudge = \"recipient_manager\"\n")
}

/// The first rep under `manager` who owns an open deal in the run's snapshot.
async fn rep_with_deals(store: &Store, people: &[Person], manager: &Person, run_id: &str) -> Option<Person> {
    let owners: Vec<String> = store.snapshot_deals(run_id).await.unwrap().into_iter().map(|d| d.owner_id).collect();
    people
        .iter()
        .filter(|p| p.role == Role::Rep && p.manager_id.as_ref() == Some(&manager.id))
        .find(|p| owners.iter().any(|o| o == p.id.as_str()))
        .cloned()
}

impl Fixture {
    pub async fn start() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let config = config();
        let store = Store::open("", dir.path(), 8).await.unwrap();
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 16).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc();
        let params = SimParams::small(42, 2, 6, as_of);
        store.replace_sim(&sim::generate(&params)).await.unwrap();
        let week: IsoWeek = WEEK.parse().unwrap();
        let (run, _) = start_run(&store, &config, &RunRequest::manual(week), Utc::now()).await.unwrap();
        let status = pipeline_support::work_run(&store, &config, dir.path(), &run.id).await;
        assert_eq!(status.state, RunState::Completed, "{status:?}");

        let people = store.load_people().await.unwrap();
        let leader = people.iter().find(|p| p.role == Role::Leader).cloned().unwrap();
        let managers: Vec<Person> = people.iter().filter(|p| p.role == Role::Manager).cloned().collect();
        let (manager_a, manager_b) = (managers[0].clone(), managers[1].clone());
        let snapshot = store.latest_snapshot().await.unwrap().expect("the run stored a snapshot").run_id;
        let rep_a =
            rep_with_deals(&store, &people, &manager_a, &snapshot).await.expect("manager a has a rep with deals");
        let rep_b =
            rep_with_deals(&store, &people, &manager_b, &snapshot).await.expect("manager b has a rep with deals");

        let mut users = BTreeMap::new();
        let mut tokens = BTreeMap::new();
        let accounts: [(&'static str, AccessRole, Option<&Person>); 7] = [
            ("rep_a", AccessRole::Rep, Some(&rep_a)),
            ("rep_b", AccessRole::Rep, Some(&rep_b)),
            ("manager_a", AccessRole::Manager, Some(&manager_a)),
            ("manager_b", AccessRole::Manager, Some(&manager_b)),
            ("leader", AccessRole::Leader, Some(&leader)),
            ("compliance", AccessRole::Compliance, None),
            ("admin", AccessRole::Admin, None),
        ];
        for (key, role, person) in accounts {
            let id = format!("{key}@northbridge-fs.example");
            let new = NewUser {
                id: id.clone(),
                name: None,
                role,
                person: person.map(|p| p.id.to_string()),
                password: Some(PASSWORD.to_owned()),
            };
            create_user(&store, new, 1_000, Utc::now()).await.unwrap();
            let (_, token) = create_token(&store, &id, "tests", 30, Utc::now()).await.unwrap();
            users.insert(key, id);
            tokens.insert(key, token);
        }
        let app = spawn_app(&Context::new(config, dir.path().to_path_buf())).await;
        let state = AppState::of(app.service());
        let base = format!("http://{}", app.address());
        Fixture {
            store,
            state,
            app,
            base,
            client: reqwest::Client::new(),
            leader,
            manager_a,
            manager_b,
            rep_a,
            rep_b,
            users,
            tokens,
            dir,
        }
    }

    /// The id of the rep nudge drafted for `person` this week.
    pub async fn nudge_of(&self, person: &Person) -> String {
        let drafts = self.store.drafts(DraftQuery::default()).await.unwrap();
        drafts.into_iter().find(|r| r.recipient_id == person.id.as_str()).map(|r| r.id).unwrap()
    }

    /// An open deal of `person` in the latest snapshot.
    pub async fn deal_of(&self, person: &Person) -> String {
        let snapshot = self.store.latest_snapshot().await.unwrap().unwrap();
        let deals = self.store.snapshot_deals(&snapshot.run_id).await.unwrap();
        deals.into_iter().find(|d| d.owner_id == person.id.as_str()).map(|d| d.deal_id).unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `method path` as `who` (a key of `tokens`, or "" for nobody); returns status and JSON.
    pub async fn call(
        &self,
        who: &str,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = self.tokens.get(who) {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    pub async fn stop(self) {
        self.app.stop().await;
        self.store.close().await;
    }
}

/// Candor as `candor serve` starts it, on a free port of 127.0.0.1, without the scheduler.
pub async fn spawn_app(context: &Context) -> Application {
    let options = ServeOptions { bind: "127.0.0.1:0".to_owned(), scheduler: false };
    Application::build(context, &options).await.unwrap()
}

/// Percent-encodes a path segment (ids carry ':' and '@').
pub fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
