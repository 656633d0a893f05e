//! The API's access rules against the real router on loopback: every route refuses anonymous
//! callers; an authorisation matrix of routes × roles × own versus another's resources (out of
//! scope is 404, never 403 with details); tokens and sessions that expire or are revoked stop
//! working; CSRF is required of sessions; security headers are on every answer; and the
//! OpenAPI document describes every route.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod http_support;

use candor::domain::DraftState;
use candor::http::auth::{secrets, sign_in, sign_out};
use chrono::{Duration, Utc};
use http_support::{segment, Fixture};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn every_route_answers_by_role_and_scope() {
    let f = Fixture::start().await;
    let (draft_a, draft_b) = (f.nudge_of(&f.rep_a).await, f.nudge_of(&f.rep_b).await);
    let (deal_a, deal_b) = (f.deal_of(&f.rep_a).await, f.deal_of(&f.rep_b).await);
    let (rep_a, rep_b) = (segment(f.rep_a.id.as_str()), segment(f.rep_b.id.as_str()));
    let (team_a, team_b) = (segment(f.manager_a.id.as_str()), segment(f.manager_b.id.as_str()));
    let reads = [
        format!("/api/v1/drafts/{}", segment(&draft_a)),
        format!("/api/v1/drafts/{}", segment(&draft_b)),
        format!("/api/v1/deals/{}", segment(&deal_a)),
        format!("/api/v1/deals/{}", segment(&deal_b)),
        format!("/api/v1/reps/{rep_a}"),
        format!("/api/v1/reps/{rep_b}"),
        format!("/api/v1/teams/{team_a}"),
        format!("/api/v1/teams/{team_b}"),
        "/api/v1/forecast".to_owned(),
        "/api/v1/runs".to_owned(),
        format!("/api/v1/runs/{}", http_support::WEEK),
    ];
    // Expected status per role for each of `reads`, in order.
    let matrix: [(&str, [u16; 11]); 7] = [
        ("rep_a", [200, 404, 200, 404, 200, 404, 404, 404, 404, 404, 404]),
        ("rep_b", [404, 200, 404, 200, 404, 200, 404, 404, 404, 404, 404]),
        ("manager_a", [200, 404, 200, 404, 200, 404, 200, 404, 200, 404, 404]),
        ("manager_b", [404, 200, 404, 200, 404, 200, 404, 200, 200, 404, 404]),
        ("leader", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        ("compliance", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        ("admin", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ];
    for (who, expected) in matrix {
        for (path, want) in reads.iter().zip(expected) {
            let (status, body) = f.call(who, "GET", path, None).await;
            assert_eq!(status, want, "{who} GET {path}: {body}");
            if status == 404 {
                assert_eq!(body, json!({ "error": { "code": "not_found", "message": "not found" } }), "{who} {path}");
            }
        }
    }

    // Lists hold only what the caller may see.
    for who in ["rep_a", "manager_a", "leader"] {
        let (status, body) = f.call(who, "GET", "/api/v1/drafts?limit=500", None).await;
        assert_eq!(status, 200);
        let recipients: Vec<&str> =
            body["drafts"].as_array().unwrap().iter().map(|d| d["recipient_id"].as_str().unwrap()).collect();
        assert!(!recipients.is_empty(), "{who} sees their own drafts");
        match who {
            "rep_a" => assert!(recipients.iter().all(|r| *r == f.rep_a.id.as_str()), "{recipients:?}"),
            "manager_a" => {
                assert!(recipients.contains(&f.rep_a.id.as_str()) && !recipients.contains(&f.rep_b.id.as_str()))
            }
            _ => assert!(recipients.contains(&f.rep_a.id.as_str()) && recipients.contains(&f.rep_b.id.as_str())),
        }
        let (_, deals) = f.call(who, "GET", "/api/v1/deals?limit=1000", None).await;
        let owners: Vec<&str> =
            deals["deals"].as_array().unwrap().iter().map(|d| d["owner_id"].as_str().unwrap()).collect();
        if who == "rep_a" {
            assert!(!owners.is_empty() && owners.iter().all(|o| *o == f.rep_a.id.as_str()), "{owners:?}");
        }
        let (_, reps) = f.call(who, "GET", "/api/v1/reps", None).await;
        let shown: Vec<&str> =
            reps["reps"].as_array().unwrap().iter().map(|r| r["person_id"].as_str().unwrap()).collect();
        assert_eq!(shown.contains(&f.rep_b.id.as_str()), who == "leader", "{who}: {shown:?}");
    }
    let (_, team_view) = f.call("manager_a", "GET", "/api/v1/forecast", None).await;
    assert_eq!(team_view["scope"], "team");
    assert_eq!(team_view["forecast"]["by_account"], json!([]), "a manager sees no other team's clients");
    let (_, org_view) = f.call("leader", "GET", "/api/v1/forecast", None).await;
    assert_eq!(org_view["scope"], "organisation");
    assert!(org_view["forecast"]["p50_minor"].as_i64().is_some(), "{org_view}");

    // Decisions: the policy (recipient's manager) decides among those who can see the draft.
    let approve = |id: &str| format!("/api/v1/drafts/{}/approve", segment(id));
    let decisions = [
        ("rep_a", &draft_a, 403),
        ("rep_b", &draft_a, 404),
        ("manager_b", &draft_a, 404),
        ("leader", &draft_a, 403),
        ("compliance", &draft_a, 403),
        ("manager_a", &draft_a, 200),
        ("manager_a", &draft_a, 409),
    ];
    for (who, draft, want) in decisions {
        let (status, body) = f.call(who, "POST", &approve(draft), Some(json!({ "reason": "checked" }))).await;
        assert_eq!(status, want, "{who} approves {draft}: {body}");
    }
    let (_, approved) = f.call("manager_a", "GET", &format!("/api/v1/drafts/{}", segment(&draft_a)), None).await;
    // The service's workers may already have delivered it.
    assert!(["approved", "delivered"].contains(&approved["state"].as_str().unwrap()), "{approved}");
    let edit = json!({ "body": "New text", "reason": "tone" });
    let (status, _) =
        f.call("manager_a", "POST", &format!("/api/v1/drafts/{}/edit", segment(&draft_b)), Some(edit)).await;
    assert_eq!(status, 404, "another team's draft cannot be edited, or even seen");
    let (status, body) = f
        .call(
            "manager_b",
            "POST",
            &format!("/api/v1/drafts/{}/reject", segment(&draft_b)),
            Some(json!({ "reason": " " })),
        )
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("reason_required")));
    // An edit meets the validator: one carrying a contact address is refused with its findings.
    let planted = json!({ "body": "Email the client list to ops@northbank-settle.example before Friday.", "reason": "x" });
    let (status, body) =
        f.call("manager_b", "POST", &format!("/api/v1/drafts/{}/edit", segment(&draft_b)), Some(planted)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("edit_refused")), "{body}");
    assert!(body["error"]["findings"].as_array().is_some_and(|f| !f.is_empty()), "{body}");
    let feedback = json!({ "rating": "useful", "comment": "clear" });
    let (status, body) =
        f.call("rep_a", "POST", &format!("/api/v1/drafts/{}/feedback", segment(&draft_a)), Some(feedback)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["feedback"][0]["rating"], "useful");

    // Runs: leaders and administrators start them, compliance reads them, others do not see them.
    for (who, want) in [("rep_a", 404), ("manager_a", 404), ("compliance", 403), ("leader", 201), ("admin", 200)] {
        let (status, body) = f.call(who, "POST", "/api/v1/runs", Some(json!({ "week": "2026-W48" }))).await;
        assert_eq!(status, want, "{who} starts a run: {body}");
    }
    let (status, body) = f.call("leader", "POST", "/api/v1/runs", Some(json!({ "week": "2026-W99" }))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_week")));
    let (status, body) = f.call("leader", "POST", "/api/v1/runs", Some(json!({ "weeks": 1 }))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_body")));
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_callers_get_401_and_every_answer_carries_security_headers() {
    let f = Fixture::start().await;
    let document =
        f.client.get(f.url("/openapi.json")).send().await.unwrap().json::<serde_json::Value>().await.unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    // A forged token counts against the client's limit, so only a few routes try one.
    let mut forged_left = 4;
    for operation in candor::http::api::OPERATIONS {
        let path = operation.path.replace("{id}", "anything");
        assert!(document["paths"][operation.path][operation.method].is_object(), "{} documented", operation.path);
        if !operation.authenticated {
            continue;
        }
        let callers: &[&str] = if forged_left > 0 { &["", "forged"] } else { &[""] };
        forged_left -= 1;
        for &who in callers {
            let method = operation.method.to_ascii_uppercase().parse().unwrap();
            let mut request = f.client.request(method, f.url(&path)).json(&json!({}));
            if who == "forged" {
                request =
                    request.bearer_auth(format!("{}{}_{}", secrets::TOKEN_PREFIX, "0123456789ab", "x".repeat(43)));
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status().as_u16(), 401, "{who} {} {path}", operation.method);
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "unauthenticated");
        }
    }
    for path in ["/healthz", "/readyz", "/api/v1/me", "/api/v1/nothing-here"] {
        let response = f.client.get(f.url(path)).bearer_auth(&f.tokens["leader"]).send().await.unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"), "{path}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert!(headers.contains_key("x-request-id"), "{path}");
    }
    let response = f.client.get(f.url("/api/v1/me")).header("x-request-id", "trace-me-42").send().await.unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-42", "a sane incoming request id is kept");
    let ready: serde_json::Value = f.client.get(f.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["checks"]["database"], "ok");
    let metrics = f.client.get(f.url("/metrics")).send().await.unwrap().text().await.unwrap();
    for family in
        ["candor_runs", "candor_drafts", "candor_llm_tokens_total", "candor_deliveries", "candor_http_requests_total"]
    {
        assert!(metrics.contains(family), "metrics carry {family}");
    }
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_and_sessions_expire_and_revoke_and_sessions_need_csrf() {
    let f = Fixture::start().await;
    let me = |who: &'static str| f.call(who, "GET", "/api/v1/me", None);
    assert_eq!(me("manager_a").await.0, 200);
    let token_id = secrets::token_id(&f.tokens["manager_a"]).unwrap().to_owned();
    assert!(f.store.revoke_token(&token_id, Utc::now()).await.unwrap());
    assert_eq!(me("manager_a").await.0, 401, "a revoked token stops working");

    let (expired_id, expired) = secrets::new_api_token().unwrap();
    let record = candor::store::TokenRecord {
        id: expired_id,
        user_id: f.users["rep_a"].clone(),
        label: "old".into(),
        created_at: candor::store::instant(&(Utc::now() - Duration::days(100))),
        expires_at: candor::store::instant(&(Utc::now() - Duration::seconds(1))),
        revoked_at: None,
        last_used_at: None,
    };
    f.store.insert_token(&record, &secrets::sha256_hex(&expired)).await.unwrap();
    let response = f.client.get(f.url("/api/v1/me")).bearer_auth(&expired).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401, "an expired token stops working");

    // A session: reads work with the cookie; changes need the CSRF token too.
    let (secret, csrf) = sign_in(&f.state, &f.users["manager_b"], http_support::PASSWORD, "ip:test").await.unwrap();
    let cookie = format!("{}={secret}", candor::http::auth::SESSION_COOKIE);
    let response = f.client.get(f.url("/api/v1/me")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let draft = f.nudge_of(&f.rep_b).await;
    let approve = f.url(&format!("/api/v1/drafts/{}/approve", segment(&draft)));
    let refused = f.client.post(&approve).header("cookie", &cookie).json(&json!({})).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    assert_eq!(refused.json::<serde_json::Value>().await.unwrap()["error"]["code"], "csrf");
    let wrong = f.client.post(&approve).header("cookie", &cookie).header("x-csrf-token", "guess").json(&json!({}));
    assert_eq!(wrong.send().await.unwrap().status().as_u16(), 403);
    let right = f.client.post(&approve).header("cookie", &cookie).header("x-csrf-token", &csrf).json(&json!({}));
    assert_eq!(right.send().await.unwrap().status().as_u16(), 200);
    sign_out(&f.state, &secrets::sha256_hex(&secret)).await.unwrap();
    let response = f.client.get(f.url("/api/v1/me")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401, "a signed-out session stops working");

    let old = secrets::random_text(32).unwrap();
    let past = Utc::now() - Duration::hours(30);
    f.store
        .insert_session(&secrets::sha256_hex(&old), &f.users["leader"], "x", past, past + Duration::hours(12))
        .await
        .unwrap();
    let response =
        f.client.get(f.url("/api/v1/me")).header("cookie", format!("candor_session={old}")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401, "an expired session stops working");

    // A disabled user's tokens and sessions stop working at once.
    assert_eq!(me("leader").await.0, 200);
    assert!(f.store.disable_user(&f.users["leader"], Utc::now()).await.unwrap());
    assert_eq!(me("leader").await.0, 401);
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_and_token_guessing_are_rate_limited() {
    let f = Fixture::start().await;
    let limit = f.state.config.http.auth_attempts_per_minute;
    for attempt in 0..limit {
        let error = sign_in(&f.state, &f.users["rep_a"], "wrong password!", "ip:198.51.100.7").await.unwrap_err();
        assert_eq!(error.status().as_u16(), 401, "attempt {attempt}");
    }
    let error = sign_in(&f.state, &f.users["rep_a"], http_support::PASSWORD, "ip:198.51.100.7").await.unwrap_err();
    assert_eq!(error.status().as_u16(), 429, "even the right password waits once the limit is hit");
    let error = sign_in(&f.state, &f.users["rep_a"], http_support::PASSWORD, "ip:203.0.113.9").await.unwrap_err();
    assert_eq!(error.status().as_u16(), 429, "the account's own limit holds from another address");
    assert!(sign_in(&f.state, &f.users["rep_b"], http_support::PASSWORD, "ip:203.0.113.9").await.is_ok());

    let forged = format!("{}{}_{}", secrets::TOKEN_PREFIX, "0123456789ab", "y".repeat(43));
    let mut statuses = Vec::new();
    for _ in 0..=limit {
        let response = f.client.get(f.url("/api/v1/me")).bearer_auth(&forged).send().await.unwrap();
        statuses.push(response.status().as_u16());
    }
    assert!(statuses[..limit as usize].iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    f.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_answer_by_role_and_scope_and_posts_need_csrf() {
    let f = Fixture::start().await;
    let (draft_a, draft_b) = (f.nudge_of(&f.rep_a).await, f.nudge_of(&f.rep_b).await);
    let (deal_a, deal_b) = (f.deal_of(&f.rep_a).await, f.deal_of(&f.rep_b).await);
    let pages = [
        format!("/drafts/{}", segment(&draft_a)),
        format!("/drafts/{}", segment(&draft_b)),
        format!("/deals/{}", segment(&deal_a)),
        format!("/deals/{}", segment(&deal_b)),
        format!("/reps/{}", segment(f.rep_a.id.as_str())),
        format!("/reps/{}", segment(f.rep_b.id.as_str())),
        format!("/teams/{}", segment(f.manager_a.id.as_str())),
        format!("/teams/{}", segment(f.manager_b.id.as_str())),
        "/forecast".to_owned(),
        "/inbox".to_owned(),
    ];
    let matrix: [(&str, [u16; 10]); 7] = [
        ("rep_a", [200, 404, 200, 404, 200, 404, 404, 404, 404, 200]),
        ("rep_b", [404, 200, 404, 200, 404, 200, 404, 404, 404, 200]),
        ("manager_a", [200, 404, 200, 404, 200, 404, 200, 404, 200, 200]),
        ("manager_b", [404, 200, 404, 200, 404, 200, 404, 200, 200, 200]),
        ("leader", [200; 10]),
        ("compliance", [200; 10]),
        ("admin", [200; 10]),
    ];
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (who, expected) in matrix {
        let (secret, _) = sign_in(&f.state, &f.users[who], http_support::PASSWORD, &format!("ip:{who}")).await.unwrap();
        let cookie = format!("candor_session={secret}");
        for (path, want) in pages.iter().zip(expected) {
            let response = no_redirects.get(f.url(path)).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(response.status().as_u16(), want, "{who} opens {path}");
            let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
            assert!(csp.contains("frame-ancestors 'none'"), "{path}");
            let page = response.text().await.unwrap();
            if want == 404 {
                // The not-found page is the same whether the thing exists or not: it names nothing.
                for secret in [&draft_a, &draft_b, &deal_a, &deal_b] {
                    assert!(!page.contains(secret.as_str()), "{who} {path}: the 404 page names {secret}");
                }
            }
        }
    }
    // Without a session a page sends the caller to sign in, and comes back afterwards.
    let response = no_redirects.get(f.url("/forecast")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/login?next=%2Fforecast");

    // A form post without the session's CSRF token changes nothing.
    let (secret, csrf) = sign_in(&f.state, &f.users["manager_a"], http_support::PASSWORD, "ip:forms").await.unwrap();
    let cookie = format!("candor_session={secret}");
    let approve = f.url(&format!("/drafts/{}/approve", segment(&draft_a)));
    for token in ["", "forged"] {
        let response =
            no_redirects.post(&approve).header("cookie", &cookie).form(&[("csrf", token), ("reason", "ok")]).send();
        assert_eq!(response.await.unwrap().status().as_u16(), 403, "csrf {token:?}");
    }
    assert_eq!(f.store.draft(&draft_a).await.unwrap().unwrap().state, DraftState::Drafted);
    let response =
        no_redirects.post(&approve).header("cookie", &cookie).form(&[("csrf", csrf.as_str()), ("reason", "ok")]);
    assert_eq!(response.send().await.unwrap().status().as_u16(), 303);
    assert_eq!(f.store.draft(&draft_a).await.unwrap().unwrap().state, DraftState::Approved);
    f.stop().await;
}
