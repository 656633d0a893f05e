//! The web app, rendered on the server: sign-in and sign-out, the inbox of drafts, a draft next
//! to its evidence with the review actions, deal, rep, team and forecast pages with inline SVG
//! charts. No script is needed; every change is a form post carrying the session's CSRF token.
//! This module owns the routes, the page extractors (a caller who is not signed in is sent to
//! the sign-in page rather than given the API's JSON 401) and how errors become pages.

mod charts;
mod deal;
mod drafts;
mod forecast;
mod html;
mod markdown;
mod people;
mod signin;
mod style;

use super::auth::{authenticate, client_key, Principal};
use super::error::ApiError;
use super::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use html::{escape, Section};
use serde::de::DeserializeOwned;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/inbox") }))
        .route("/login", get(signin::form).post(signin::submit))
        .route("/logout", post(signin::sign_out))
        .route("/inbox", get(drafts::inbox))
        .route("/drafts/{id}", get(drafts::show))
        .route("/drafts/{id}/approve", post(drafts::approve))
        .route("/drafts/{id}/edit", post(drafts::edit))
        .route("/drafts/{id}/reject", post(drafts::reject))
        .route("/drafts/{id}/feedback", post(drafts::feedback_post))
        .route("/deals/{id}", get(deal::page_for))
        .route("/reps/{id}", get(people::rep))
        .route("/teams", get(people::teams))
        .route("/teams/{id}", get(people::team))
        .route("/forecast", get(forecast::page_for))
        .route("/static/app.css", get(stylesheet))
        .fallback(|| async { PageError(ApiError::NotFound) })
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        style::APP_CSS,
    )
        .into_response()
}

/// A signed-in caller of a page. Without a live session the rejection is a redirect to the
/// sign-in page that comes back here afterwards.
pub(crate) struct Viewer(pub Principal);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let client = client_key(parts);
        match authenticate(state, &parts.headers, &client).await {
            Ok(principal) => Ok(Viewer(principal)),
            Err(ApiError::Unauthenticated) => Err(to_sign_in(&parts.method, parts.uri.path(), parts.uri.query())),
            Err(other) => Err(PageError(other).into_response()),
        }
    }
}

/// The sign-in page, with `next` set to where the caller was going. A post's own path cannot
/// be opened again with a GET, so after a post the caller returns to the page that posted it.
fn to_sign_in(method: &Method, path: &str, query: Option<&str>) -> Response {
    let back = if method == Method::GET || method == Method::HEAD {
        match query {
            Some(query) => format!("{path}?{query}"),
            None => path.to_owned(),
        }
    } else {
        path.rsplit_once('/').map(|(parent, _)| parent.to_owned()).filter(|p| !p.is_empty()).unwrap_or_default()
    };
    match safe_next(&back) {
        Some(next) if next != "/" && next != "/inbox" => {
            see_other(&format!("/login?next={}", html::encode_component(next)))
        }
        _ => see_other("/login"),
    }
}

/// `next` if it is a path on this site: one leading `/`, not `//` or `/\` (which browsers read
/// as another host), no control characters, not the sign-in page itself.
pub(crate) fn safe_next(next: &str) -> Option<&str> {
    let rest = next.strip_prefix('/')?;
    let local = !rest.starts_with('/') && !rest.starts_with('\\');
    let clean = next.len() <= 1_000 && !next.chars().any(|c| c.is_control() || c == '\\');
    let loops = next == "/login" || next.starts_with("/login?") || next.starts_with("/logout");
    (local && clean && !loops).then_some(next)
}

/// 303 to `location` (a path this module built).
pub(crate) fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response(),
        Err(_) => (StatusCode::SEE_OTHER, [(header::LOCATION, HeaderValue::from_static("/inbox"))]).into_response(),
    }
}

/// A posted form. A body that cannot be read cannot show a CSRF token either, so it is refused
/// as one without a token would be.
pub(crate) struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(PageForm(value)),
            Err(_) => Err(PageError(ApiError::Csrf)),
        }
    }
}

/// One path parameter; an unreadable one is a missing page.
pub(crate) struct PathId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(PathId(id)),
            Err(_) => Err(PageError(ApiError::NotFound)),
        }
    }
}

/// An error as a page people can read: what happened and where to go, never the cause.
#[derive(Debug)]
pub(crate) struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        PageError(error)
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(error: crate::store::StoreError) -> Self {
        PageError(ApiError::from(error))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let error = self.0;
        if let ApiError::Internal(cause) = &error {
            tracing::error!(%cause, "page failed");
        }
        let status = error.status();
        let (title, text) = match &error {
            ApiError::Unauthenticated => return see_other("/login"),
            ApiError::NotFound => ("Not found", "There is nothing here, or it is not yours to see.".to_owned()),
            ApiError::Csrf => (
                "Not allowed",
                "This form had expired or did not come from this site, so nothing was changed. \
                 Go back, reload the page and try again."
                    .to_owned(),
            ),
            ApiError::Forbidden(why) => ("Not allowed", format!("{}.", capitalise(why))),
            ApiError::Conflict(what) => {
                ("Already decided", format!("Someone already decided on this: {what}. Nothing was changed."))
            }
            ApiError::BadRequest { message, .. } => ("Please check the form", format!("{}.", capitalise(message))),
            ApiError::RateLimited => {
                ("Too many attempts", "Too many attempts from here. Wait a minute, then try again.".to_owned())
            }
            ApiError::Unavailable(why) => ("Not available", format!("{}.", capitalise(why))),
            ApiError::Refused { message, .. } => ("Refused", format!("{}. Nothing was sent.", capitalise(message))),
            ApiError::Internal(_) => (
                "Something went wrong",
                "The page could not be shown. The error was logged; please try again shortly.".to_owned(),
            ),
        };
        let findings = match &error {
            ApiError::Refused { findings, .. } if !findings.is_empty() => format!(
                "<ul class=\"findings\">{}</ul><p>Use your browser's back button to change the text and try again.</p>",
                findings.iter().map(|f| format!("<li>{}</li>", escape(f))).collect::<String>()
            ),
            _ => String::new(),
        };
        let body = format!(
            "<section class=\"card signin\" id=\"error\"><h1>{}</h1><p>{}</p>{findings}\
             <p><a class=\"btn btn-quiet\" href=\"/inbox\">Back to the inbox</a></p></section>",
            escape(title),
            escape(&text)
        );
        let mut response = (status, Html(html::layout(title, None, Section::Other, &body))).into_response();
        if status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        }
        response
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>().trim_end_matches('.').to_owned(),
        None => String::new(),
    }
}

/// What a page handler returns.
pub(crate) type PageResult = Result<Response, PageError>;

/// A full page for `viewer`.
pub(crate) fn page(viewer: &Principal, title: &str, section: Section, body: &str) -> Response {
    Html(html::layout(title, Some(viewer), section, body)).into_response()
}

#[cfg(test)]
mod tests;
