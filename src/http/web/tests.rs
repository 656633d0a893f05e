//! The web app through the whole router (security headers included) on an empty organisation:
//! the style sheet, the sign-in round trip with its double-submit token, redirects for callers
//! who are not signed in, CSRF refusals on every form post, and the 404 page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::safe_next;
use crate::config::Config;
use crate::http::auth::{create_user, AccessRole, NewUser};
use crate::http::{router, AppState};
use crate::store::Store;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use std::sync::Arc;
use tower::ServiceExt as _;

const PASSWORD: &str = "correct horse battery";

async fn state(dir: &std::path::Path) -> AppState {
    let store = Store::open("", dir, 2).await.unwrap();
    let new = NewUser {
        id: "officer@example.com".to_owned(),
        name: Some("Olive <Officer>".to_owned()),
        role: AccessRole::Compliance,
        person: None,
        password: Some(PASSWORD.to_owned()),
    };
    create_user(&store, new, 1_000, chrono::Utc::now()).await.unwrap();
    AppState::new(store, Arc::new(Config::default()))
}

async fn send(state: &AppState, request: Request<Body>) -> Response {
    router(state.clone()).oneshot(request).await.unwrap()
}

async fn text(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 4 << 20).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).unwrap()
}

fn post(path: &str, cookie: Option<&str>, form: &str) -> Request<Body> {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(form.to_owned())).unwrap()
}

fn location(response: &Response) -> &str {
    response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The `name=value` part of each `Set-Cookie`.
fn set_cookies(response: &Response) -> Vec<String> {
    response.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap() + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Signs in through the form; returns the session cookie pair and the page's CSRF token.
async fn sign_in(state: &AppState) -> (String, String) {
    let form_page = send(state, get("/login", None)).await;
    let login_cookie = set_cookies(&form_page)[0].split(';').next().unwrap().to_owned();
    let token = hidden(&text(form_page).await, "csrf");
    let body = format!("user=officer%40example.com&password={}&csrf={token}&next=%2Finbox", PASSWORD.replace(' ', "+"));
    let response = send(state, post("/login", Some(&login_cookie), &body)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/inbox");
    let session = set_cookies(&response).into_iter().find(|c| c.starts_with("candor_session=")).unwrap();
    let session = session.split(';').next().unwrap().to_owned();
    let inbox = text(send(state, get("/inbox", Some(&session))).await).await;
    (session, hidden(&inbox, "csrf"))
}

#[test]
fn only_local_paths_are_followed_after_sign_in() {
    assert_eq!(safe_next("/drafts/a?x=1"), Some("/drafts/a?x=1"));
    for bad in ["//evil.example", "/\\evil.example", "https://evil.example", "evil", "", "/login", "/a\nb"] {
        assert_eq!(safe_next(bad), None, "{bad:?}");
    }
}

#[tokio::test]
async fn the_style_sheet_is_cached_css_and_pages_carry_the_csp() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path()).await;
    let response = send(&state, get("/static/app.css", None)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "public, max-age=3600");
    let login = send(&state, get("/login", None)).await;
    let csp = login.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(csp.contains("style-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = text(login).await;
    assert!(html.contains("<meta name=\"viewport\""));
    assert!(!html.contains("style=") && !html.contains("<style") && !html.contains("<script"), "{html}");
}

#[tokio::test]
async fn callers_who_are_not_signed_in_are_sent_to_sign_in_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path()).await;
    let response = send(&state, get("/drafts/d%3A1?done=x", None)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // The path stays as the browser sent it (still percent-encoded) inside `next`.
    assert_eq!(location(&response), "/login?next=%2Fdrafts%2Fd%253A1%3Fdone%3Dx");
    let response = send(&state, post("/drafts/d1/approve", None, "csrf=x")).await;
    assert_eq!(location(&response), "/login?next=%2Fdrafts%2Fd1");
    let response = send(&state, get("/inbox", None)).await;
    assert_eq!(location(&response), "/login");
    let response = send(&state, get("/", None)).await;
    assert_eq!(location(&response), "/inbox");
    // A stale or forged session cookie is the same as none.
    let response = send(&state, get("/forecast", Some("candor_session=forged"))).await;
    assert_eq!(location(&response), "/login?next=%2Fforecast");
}

#[tokio::test]
async fn sign_in_needs_the_double_submitted_token_and_the_right_password() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path()).await;
    let page = send(&state, get("/login?next=%2F%2Fevil.example", None)).await;
    let cookie = set_cookies(&page).remove(0);
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/login"));
    assert!(cookie.contains("Secure"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_owned();
    let html = text(page).await;
    assert_eq!(hidden(&html, "next"), "/inbox", "a foreign next is dropped");
    let token = hidden(&html, "csrf");
    let form = |csrf: &str, password: &str| format!("user=officer%40example.com&password={password}&csrf={csrf}");
    let good_password = PASSWORD.replace(' ', "+");
    for (cookie, body) in [
        (None, form(&token, &good_password)),
        (Some(pair.as_str()), form("other", &good_password)),
        (Some(pair.as_str()), form("", &good_password)),
        (Some("candor_login_csrf="), form("", &good_password)),
    ] {
        let response = send(&state, post("/login", cookie, &body)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{cookie:?} {body}");
        assert!(set_cookies(&response).iter().all(|c| !c.starts_with("candor_session=")));
    }
    let response = send(&state, post("/login", Some(&pair), &form(&token, "wrong+password+here"))).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(text(response).await.contains("do not match"));
    let response = send(&state, post("/login", Some(&pair), &form(&token, &good_password))).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookies = set_cookies(&response);
    assert!(cookies.iter().any(|c| c.starts_with("candor_session=") && c.contains("HttpOnly")));
    assert!(cookies.iter().any(|c| c.starts_with("candor_login_csrf=;") && c.contains("Max-Age=0")));
}

#[tokio::test]
async fn every_form_post_needs_the_session_token() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path()).await;
    let (session, csrf) = sign_in(&state).await;
    assert!(!csrf.is_empty());
    let inbox = text(send(&state, get("/inbox", Some(&session))).await).await;
    assert!(inbox.contains("Olive &lt;Officer&gt;"), "names are escaped");
    assert!(inbox.contains("href=\"/forecast\"") && inbox.contains("href=\"/teams\""), "org-wide navigation");
    for path in ["/drafts/x/approve", "/drafts/x/edit", "/drafts/x/reject", "/drafts/x/feedback", "/logout"] {
        for body in ["", "csrf=wrong&reason=r&body=b&rating=useful", "reason=r"] {
            let response = send(&state, post(path, Some(&session), body)).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path} {body}");
        }
        let json = Request::post(path)
            .header(header::COOKIE, &session)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(format!("{{\"csrf\":\"{csrf}\"}}")))
            .unwrap();
        assert_eq!(send(&state, json).await.status(), StatusCode::FORBIDDEN, "{path} as JSON");
    }
    // With the token, a missing draft is the 404 page; sign-out works.
    let response = send(&state, post("/drafts/x/approve", Some(&session), &format!("csrf={csrf}"))).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = send(&state, post("/logout", Some(&session), &format!("csrf={csrf}"))).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login");
    let response = send(&state, get("/inbox", Some(&session))).await;
    assert_eq!(location(&response), "/login", "the session ended");
}

#[tokio::test]
async fn missing_things_are_one_404_page_and_empty_data_still_renders() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path()).await;
    let (session, _) = sign_in(&state).await;
    let mut bodies = Vec::new();
    for path in ["/drafts/nope", "/deals/nope", "/reps/nope", "/teams/nope", "/forecast", "/reps/me", "/no/such/page"] {
        let response = send(&state, get(path, Some(&session))).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(response.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
        bodies.push(text(response).await);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "the same page whatever is missing");
    for path in ["/inbox", "/inbox?view=all&state=drafted&kind=rep_nudge", "/inbox?view=all&state=%3Cb%3E", "/teams"] {
        let response = send(&state, get(path, Some(&session))).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let html = text(response).await;
        assert!(!html.contains("<b>") && !html.contains("style="), "{path}");
    }
}
