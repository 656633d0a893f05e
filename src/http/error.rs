//! The API's one error type and the only place errors become responses: a stable `code`, a
//! message safe to show, and the status. Causes (database errors and the like) go to the log
//! with the request id, never to the client.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No credentials, or ones that are unknown, expired or revoked.
    #[error("sign in or send a valid API token")]
    Unauthenticated,
    /// Missing, or outside the caller's scope: the same answer, so nothing leaks.
    #[error("not found")]
    NotFound,
    /// Visible to the caller, but the action is not theirs to take (e.g. a review policy).
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{0}")]
    Conflict(String),
    /// Refused on its content (a draft that failed validation, an edit that fails the checks),
    /// with each finding.
    #[error("{message}")]
    Refused { code: &'static str, message: String, findings: Vec<String> },
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("too many attempts; try again in a minute")]
    RateLimited,
    /// The feature is not set up on this server (e.g. runs without workers).
    #[error("{0}")]
    Unavailable(&'static str),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::BadRequest { code, message: message.into() }
    }

    /// Logs `cause` and hides it behind a generic answer.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(cause.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Forbidden(_) | ApiError::Csrf => StatusCode::FORBIDDEN,
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::NotFound => "not_found",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::BadRequest { code, .. } => code,
            ApiError::Conflict(_) => "conflict",
            ApiError::Refused { code, .. } => code,
            ApiError::Csrf => "csrf",
            ApiError::RateLimited => "rate_limited",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(error: crate::store::StoreError) -> ApiError {
        ApiError::internal(error)
    }
}

/// What every error response carries.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ErrorDetail {
    /// Stable, machine-readable: unauthenticated, not_found, forbidden, bad_request, conflict,
    /// csrf, rate_limited, unavailable, internal, or a more specific bad-request code.
    pub code: String,
    pub message: String,
    /// For a refusal on content (`edit_refused`, `failed_validation`): each finding, as
    /// `[category/code] field: detail`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub findings: Vec<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let status = self.status();
        let findings = match &self {
            ApiError::Refused { findings, .. } => findings.clone(),
            _ => Vec::new(),
        };
        let body =
            ErrorBody { error: ErrorDetail { code: self.code().to_owned(), message: self.to_string(), findings } };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
        }
        response
    }
}
