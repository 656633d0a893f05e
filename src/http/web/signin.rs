//! Signing in and out of the web app. The sign-in form has no session to carry a CSRF token
//! yet, so it uses a double submit: `GET /login` sets a short-lived cookie (HttpOnly,
//! SameSite=Strict, scoped to `/login`) and puts the same random value in the form; a post whose
//! field and cookie differ is refused. Sign-out is a form post with the session's token.

use super::html::{self, escape, Section};
use super::{safe_next, see_other, PageError, PageForm, PageResult, Viewer};
use crate::http::auth::{self, authenticate, client_key, secrets};
use crate::http::error::ApiError;
use crate::http::AppState;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

pub(super) const LOGIN_CSRF_COOKIE: &str = "candor_login_csrf";

/// How long a sign-in form stays usable.
const LOGIN_FORM_SECONDS: u32 = 600;

/// The client's address, for the sign-in attempt limits.
pub(super) struct Client(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Client(client_key(parts)))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct NextQuery {
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SignInForm {
    user: String,
    password: String,
    csrf: String,
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CsrfOnly {
    csrf: String,
}

fn login_cookie(state: &AppState, value: &str, max_age: u32) -> HeaderValue {
    let secure = if state.config.http.secure_cookies { "; Secure" } else { "" };
    let text =
        format!("{LOGIN_CSRF_COOKIE}={value}; Path=/login; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("candor_login_csrf=; Max-Age=0"))
}

fn destination(next: Option<&str>) -> &str {
    next.and_then(safe_next).unwrap_or("/inbox")
}

/// The sign-in page with a fresh form token, `status` and an optional message.
fn render(state: &AppState, next: &str, message: Option<&str>, status: StatusCode) -> PageResult {
    let token = secrets::random_text(32).map_err(ApiError::internal)?;
    let notice = message.map(|m| format!("<p class=\"notice error\" role=\"alert\">{}</p>", escape(m)));
    let body = format!(
        "<section class=\"card signin\"><h1>Sign in to Candor</h1>\
         <p class=\"muted\">Your weekly coaching, the drafts waiting for you and the forecast.</p>{}\
         <form method=\"post\" action=\"/login\" class=\"login\" id=\"login-form\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"next\" value=\"{}\">\
         <label class=\"field\"><span>Email or user name</span><input type=\"text\" name=\"user\" \
         autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" required autofocus></label>\
         <label class=\"field\"><span>Password</span><input type=\"password\" name=\"password\" \
         autocomplete=\"current-password\" required></label>\
         <button type=\"submit\" class=\"btn btn-primary\">Sign in</button></form></section>",
        notice.unwrap_or_default(),
        escape(&token),
        escape(next)
    );
    let mut response = (status, Html(html::layout("Sign in", None, Section::Other, &body))).into_response();
    response.headers_mut().append(header::SET_COOKIE, login_cookie(state, &token, LOGIN_FORM_SECONDS));
    Ok(response)
}

pub(super) async fn form(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> PageResult {
    let next = destination(query.next.as_deref()).to_owned();
    // Someone already signed in goes straight on.
    if authenticate(&state, &headers, &client).await.is_ok() {
        return Ok(see_other(&next));
    }
    render(&state, &next, None, StatusCode::OK)
}

pub(super) async fn submit(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    PageForm(form): PageForm<SignInForm>,
) -> PageResult {
    let cookie = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if cookie.is_empty() || form.csrf.is_empty() || !secrets::same_secret(cookie, &form.csrf) {
        return Err(PageError(ApiError::Csrf));
    }
    let next = destination(Some(&form.next)).to_owned();
    match auth::sign_in(&state, &form.user, &form.password, &client).await {
        Ok((secret, _csrf)) => {
            let mut response = see_other(&next);
            let cookies = response.headers_mut();
            cookies.append(header::SET_COOKIE, auth::session_cookie(&state, &secret));
            cookies.append(header::SET_COOKIE, login_cookie(&state, "", 0));
            Ok(response)
        }
        Err(ApiError::Unauthenticated) => render(
            &state,
            &next,
            Some("That email and password do not match an account here."),
            StatusCode::UNAUTHORIZED,
        ),
        Err(ApiError::RateLimited) => {
            let mut response = render(
                &state,
                &next,
                Some("Too many sign-in attempts. Wait a minute, then try again."),
                StatusCode::TOO_MANY_REQUESTS,
            )?;
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            Ok(response)
        }
        Err(other) => Err(PageError(other)),
    }
}

pub(super) async fn sign_out(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    PageForm(form): PageForm<CsrfOnly>,
) -> Result<Response, PageError> {
    viewer.check_csrf(Some(&form.csrf))?;
    if let Some(session) = &viewer.session {
        auth::sign_out(&state, &session.id_hash).await?;
    }
    let mut response = see_other("/login");
    response.headers_mut().append(header::SET_COOKIE, auth::clear_session_cookie(&state));
    Ok(response)
}
