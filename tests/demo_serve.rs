//! `candor demo` then `candor serve`, as a new user runs them, against the real binary: the demo
//! makes one draft per rep, manager and leader of its organisation, all approved or delivered
//! under the default review policy and all listed by `candor review list`; a rep given an
//! account with `candor user add` signs in through the web sign-in form and then reads, over
//! HTTP, their own draft (the same text as the Markdown file the demo wrote) and scorecard, and
//! the draft's subject in the web inbox, but nothing addressed to anyone else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary_support;

use binary_support::{add_user, candor, succeed, Server};
use candor::domain::{DraftKind, Role};
use candor::store::Store;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, Response, StatusCode, Url};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

const PASSWORD: &str = "demo-serve-test-password-1";
/// The ISO week of the demo's "today", 2026-11-16.
const WEEK: &str = "2026-W47";

/// A person of the demo organisation.
struct Member {
    id: String,
    email: String,
    role: Role,
}

/// Everyone in the demo organisation, by person id.
async fn members(data_dir: &Path) -> Vec<Member> {
    let store = Store::open("", data_dir, 2).await.unwrap();
    let mut people: Vec<Member> = store
        .load_people()
        .await
        .unwrap()
        .into_iter()
        .map(|p| Member {
            email: p.primary_email().expect("every demo person has an email").to_owned(),
            id: p.id.to_string(),
            role: p.role,
        })
        .collect();
    store.close().await;
    people.sort_by(|a, b| a.id.cmp(&b.id));
    people
}

/// The file `candor demo` wrote for `draft` (an entry of `candor review list --json`).
fn markdown_of(data_dir: &Path, draft: &Value) -> String {
    let name =
        format!("{}-{}.md", draft["kind"].as_str().unwrap(), draft["recipient_id"].as_str().unwrap().replace(':', "-"));
    std::fs::read_to_string(data_dir.join("drafts").join(WEEK).join(&name))
        .unwrap_or_else(|e| panic!("the demo's Markdown {name}: {e}"))
}

/// The value of cookie `name` among a response's `Set-Cookie` headers.
fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.trim().split_once('='))
        .find_map(|(key, value)| (key == name).then(|| value.to_owned()))
}

/// A browser's view of the server: a session cookie once signed in. Redirects are not followed,
/// so the sign-in's 303 and its cookie can be checked, and no proxy is used: only loopback.
struct Client {
    http: reqwest::Client,
    base: Url,
    session: Option<String>,
}

impl Client {
    fn new(base_url: &str) -> Client {
        let http = reqwest::Client::builder().redirect(redirect::Policy::none()).no_proxy().build().unwrap();
        Client { http, base: Url::parse(base_url).unwrap(), session: None }
    }

    /// The URL of `segments`, each percent-encoded as one path segment (ids hold `:`).
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut().unwrap().clear().extend(segments);
        url
    }

    /// Signs in through the web app's form as the product's sign-in page does it: `GET /login`
    /// sets a CSRF cookie and puts the same value in the form (a double submit), and the post
    /// answers with a redirect to the inbox and the session cookie.
    async fn sign_in(&mut self, user: &str, password: &str) {
        let form = self.http.get(self.url(&["login"])).send().await.unwrap();
        assert_eq!(form.status(), StatusCode::OK);
        let cookie = set_cookie(&form, "candor_login_csrf").expect("the sign-in page sets its CSRF cookie");
        let page = form.text().await.unwrap();
        let field = page
            .split_once("name=\"csrf\" value=\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(value, _)| value.to_owned())
            .expect("the sign-in form carries a CSRF field");
        let answer = self
            .http
            .post(self.url(&["login"]))
            .header(COOKIE, format!("candor_login_csrf={cookie}"))
            .form(&[("user", user), ("password", password), ("csrf", field.as_str()), ("next", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "sign-in as {user}");
        assert_eq!(answer.headers().get(LOCATION).unwrap(), "/inbox");
        self.session = Some(set_cookie(&answer, "candor_session").expect("signing in sets the session cookie"));
    }

    /// `GET` with the session cookie (if signed in): status, content type and body.
    async fn get(&self, segments: &[&str]) -> (StatusCode, String, String) {
        let mut request = self.http.get(self.url(segments));
        if let Some(session) = &self.session {
            request = request.header(COOKIE, format!("candor_session={session}"));
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        (status, content_type, response.text().await.unwrap())
    }

    /// `GET` of a JSON route that must answer 200.
    async fn json(&self, segments: &[&str]) -> Value {
        let (status, _, body) = self.get(segments).await;
        assert_eq!(status, StatusCode::OK, "GET /{}: {body}", segments.join("/"));
        serde_json::from_str(&body).unwrap()
    }
}

/// As the web app escapes text into HTML.
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rep_reads_their_demo_draft_after_demo_then_serve() {
    let started = Instant::now();
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    succeed(candor(dir).args(["demo", "--as-of", "2026-11-16", "--reps", "6"]).output().unwrap());
    let demo_done = started.elapsed();

    // Everyone whose role receives a weekly draft gets exactly one, and under the default policy
    // (auto-approve for every kind) none is left waiting for a reviewer.
    let people = members(dir).await;
    let recipients: BTreeSet<&str> =
        people.iter().filter(|p| DraftKind::for_role(p.role).is_some()).map(|p| p.id.as_str()).collect();
    let reps: Vec<&Member> = people.iter().filter(|p| p.role == Role::Rep).collect();
    assert_eq!(reps.len(), 6);
    assert!(people.iter().any(|p| p.role == Role::Manager) && people.iter().any(|p| p.role == Role::Leader));
    let listed: Vec<Value> =
        serde_json::from_str(&succeed(candor(dir).args(["review", "list", "--json"]).output().unwrap())).unwrap();
    assert_eq!(listed.len(), recipients.len(), "one draft per recipient");
    let addressed: BTreeSet<&str> = listed.iter().map(|d| d["recipient_id"].as_str().unwrap()).collect();
    assert_eq!(addressed, recipients);
    for draft in &listed {
        let person = people.iter().find(|p| p.id == draft["recipient_id"]).unwrap();
        let kind = DraftKind::for_role(person.role).unwrap();
        assert_eq!(draft["kind"], kind.as_str(), "{}", draft["id"]);
        assert_eq!(draft["week"], WEEK, "{}", draft["id"]);
        assert!(
            ["approved", "delivered"].contains(&draft["state"].as_str().unwrap()),
            "{}: {}",
            draft["id"],
            draft["state"]
        );
    }
    // The table `candor review list` prints has a line for each of them.
    let table = succeed(candor(dir).args(["review", "list"]).output().unwrap());
    assert_eq!(table.lines().count(), listed.len(), "{table}");
    for draft in &listed {
        let id = draft["id"].as_str().unwrap();
        assert!(table.lines().any(|l| l.starts_with(id)), "{id} is not listed:\n{table}");
    }
    // The demo wrote each of them, and only them, as Markdown.
    let files = std::fs::read_dir(dir.join("drafts").join(WEEK)).unwrap().count();
    assert_eq!(files, listed.len(), "one Markdown file per draft");

    let (rep, other) = (reps[0], reps[1]);
    let own: Vec<&Value> = listed.iter().filter(|d| d["recipient_id"] == rep.id.as_str()).collect();
    assert_eq!(own.len(), 1, "{} has one demo draft", rep.id);
    let own = own[0];
    let own_id = own["id"].as_str().unwrap();
    let markdown = markdown_of(dir, own);
    add_user(candor(dir), &rep.email, "rep", &rep.id, PASSWORD);

    let server = Server::start(candor(dir), dir);
    let mut client = Client::new(&server.base_url);
    // Without a session the API refuses; what follows is the rep's session at work.
    assert_eq!(client.get(&["api", "v1", "drafts"]).await.0, StatusCode::UNAUTHORIZED);
    client.sign_in(&rep.email, PASSWORD).await;
    let me = client.json(&["api", "v1", "me"]).await;
    assert_eq!(me["person_id"], rep.id.as_str(), "{me}");

    // The inbox API lists the rep's demo draft and nothing addressed to anyone else.
    let drafts = client.json(&["api", "v1", "drafts"]).await;
    let total = drafts["total"].as_u64().unwrap();
    assert!(total >= 1, "the rep's inbox is empty: {drafts}\nserver log:\n{}", server.log_text());
    let items = drafts["drafts"].as_array().unwrap();
    assert_eq!(items.len() as u64, total, "{drafts}");
    for item in items {
        assert_eq!(item["recipient_id"], rep.id.as_str(), "a draft to someone else: {item}");
    }
    assert!(items.iter().any(|d| d["id"] == own_id), "{own_id} is not in {drafts}");

    // The draft reads as the Markdown the demo wrote for the rep.
    let detail = client.json(&["api", "v1", "drafts", own_id]).await;
    assert_eq!(detail["recipient_id"], rep.id.as_str());
    assert_eq!(detail["body"].as_str().unwrap(), markdown, "the served draft differs from the demo's file");

    // Their own scorecard, not another rep's (out of scope is a plain 404).
    let scorecard = client.json(&["api", "v1", "reps", &rep.id]).await;
    assert_eq!(scorecard["scorecard"]["person_id"], rep.id.as_str(), "{scorecard}");
    let (status, _, body) = client.get(&["api", "v1", "reps", &other.id]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{} sees {}: {body}", rep.id, other.id);
    let others_draft = listed.iter().find(|d| d["recipient_id"] == other.id.as_str()).unwrap();
    let (status, _, body) = client.get(&["api", "v1", "drafts", others_draft["id"].as_str().unwrap()]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{} reads {}: {body}", rep.id, others_draft["id"]);

    // The web inbox, a rep's landing page after signing in, lists the draft by its subject.
    let (status, content_type, page) = client.get(&["inbox"]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let subject = html_escape(own["subject"].as_str().unwrap());
    assert!(page.contains(&subject), "the inbox does not show {subject:?}:\n{page}");
    drop(server);
    println!(
        "demo then serve: demo {:.1}s, the rest {:.1}s",
        demo_done.as_secs_f64(),
        (started.elapsed() - demo_done).as_secs_f64()
    );
}
