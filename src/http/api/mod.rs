//! `/api/v1`: JSON over HTTP for runs, drafts and their review, deals with flags and evidence,
//! rep scorecards, team roll-ups and the forecast. Every route needs a token or a session and
//! applies the caller's scope; [`OPERATIONS`] describes each route for `/openapi.json`.

pub(crate) mod drafts;
pub(crate) mod insight;
pub(crate) mod runs;

use super::auth::{AccessRole, Principal};
use super::error::ApiError;
use super::AppState;
use axum::routing::{get, post};
use axum::{Json, Router};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/runs", get(runs::list).post(runs::start))
        .route("/runs/{*id}", get(runs::status))
        .route("/drafts", get(drafts::list))
        .route("/drafts/{id}", get(drafts::get))
        .route("/drafts/{id}/approve", post(drafts::approve))
        .route("/drafts/{id}/edit", post(drafts::edit))
        .route("/drafts/{id}/reject", post(drafts::reject))
        .route("/drafts/{id}/feedback", post(drafts::feedback))
        .route("/deals", get(insight::deals))
        .route("/deals/{id}", get(insight::deal))
        .route("/reps", get(insight::reps))
        .route("/reps/{id}", get(insight::rep))
        .route("/teams", get(insight::teams))
        .route("/teams/{id}", get(insight::team))
        .route("/forecast", get(insight::forecast))
        .fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Me {
    pub user_id: String,
    pub name: String,
    pub role: AccessRole,
    pub person_id: Option<String>,
    /// What the caller sees: their own deals, their team, or the whole organisation.
    pub scope: String,
}

async fn me(caller: Principal) -> Json<Me> {
    Json(Me {
        scope: caller.scope.describe(),
        user_id: caller.user_id,
        name: caller.name,
        role: caller.role,
        person_id: caller.person_id,
    })
}

type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

fn inline<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.root_schema_for::<T>()
}

/// One documented route.
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub id: &'static str,
    pub summary: &'static str,
    pub tag: &'static str,
    /// Query parameters: each property of this schema is one.
    pub query: Option<SchemaFn>,
    pub body: Option<SchemaFn>,
    pub response: SchemaFn,
    pub content_type: &'static str,
    pub success: u16,
    pub authenticated: bool,
}

const fn op(method: &'static str, path: &'static str, id: &'static str, summary: &'static str) -> Operation {
    Operation {
        method,
        path,
        id,
        summary,
        tag: "api",
        query: None,
        body: None,
        response: schema::<serde_json::Value>,
        content_type: "application/json",
        success: 200,
        authenticated: true,
    }
}

pub const OPERATIONS: &[Operation] = &[
    Operation {
        tag: "service",
        authenticated: false,
        response: schema::<super::Health>,
        ..op("get", "/healthz", "health", "Liveness: the process answers and the database is reachable")
    },
    Operation {
        tag: "service",
        authenticated: false,
        response: schema::<super::Readiness>,
        ..op("get", "/readyz", "ready", "Readiness: the database and the vector store are reachable")
    },
    Operation {
        tag: "service",
        authenticated: false,
        response: schema::<String>,
        content_type: "text/plain",
        ..op("get", "/metrics", "metrics", "Prometheus metrics")
    },
    Operation { tag: "service", authenticated: false, ..op("get", "/openapi.json", "openapi", "This document") },
    Operation { response: schema::<Me>, ..op("get", "/api/v1/me", "me", "Who the caller is and what they see") },
    Operation {
        tag: "runs",
        response: schema::<runs::RunList>,
        ..op("get", "/api/v1/runs", "listRuns", "Weekly runs, newest first")
    },
    Operation {
        tag: "runs",
        body: Some(schema::<runs::StartRun>),
        response: schema::<runs::StartedRun>,
        success: 201,
        ..op("post", "/api/v1/runs", "startRun", "Start the weekly run for a week (idempotent)")
    },
    Operation {
        tag: "runs",
        response: schema::<crate::jobs::RunStatus>,
        ..op("get", "/api/v1/runs/{id}", "getRun", "One run's progress")
    },
    Operation {
        tag: "drafts",
        query: Some(inline::<drafts::DraftFilter>),
        response: schema::<drafts::DraftList>,
        ..op("get", "/api/v1/drafts", "listDrafts", "Drafts the caller may read, newest first")
    },
    Operation {
        tag: "drafts",
        response: schema::<drafts::DraftDetail>,
        ..op("get", "/api/v1/drafts/{id}", "getDraft", "A draft with its provenance, cited deals, edits and deliveries")
    },
    Operation {
        tag: "drafts",
        body: Some(schema::<drafts::ApproveRequest>),
        response: schema::<drafts::DraftDetail>,
        ..op("post", "/api/v1/drafts/{id}/approve", "approveDraft", "Approve a draft for delivery")
    },
    Operation {
        tag: "drafts",
        body: Some(schema::<drafts::EditRequest>),
        response: schema::<drafts::DraftDetail>,
        ..op(
            "post",
            "/api/v1/drafts/{id}/edit",
            "editDraft",
            "Replace the text and approve it; the change is kept as a diff",
        )
    },
    Operation {
        tag: "drafts",
        body: Some(schema::<drafts::RejectRequest>),
        response: schema::<drafts::DraftDetail>,
        ..op("post", "/api/v1/drafts/{id}/reject", "rejectDraft", "Reject a draft; it is not delivered")
    },
    Operation {
        tag: "drafts",
        body: Some(schema::<drafts::FeedbackRequest>),
        response: schema::<drafts::DraftDetail>,
        ..op("post", "/api/v1/drafts/{id}/feedback", "draftFeedback", "Say whether a draft was useful")
    },
    Operation {
        tag: "insight",
        query: Some(inline::<insight::DealFilter>),
        response: schema::<insight::DealList>,
        ..op("get", "/api/v1/deals", "listDeals", "Open deals in scope with their flags, riskiest first")
    },
    Operation {
        tag: "insight",
        response: schema::<insight::DealDetail>,
        ..op("get", "/api/v1/deals/{id}", "getDeal", "A deal's probabilities, flags, evidence, activities and history")
    },
    Operation {
        tag: "insight",
        response: schema::<insight::ScorecardList>,
        ..op("get", "/api/v1/reps", "listScorecards", "Rep scorecards in scope")
    },
    Operation {
        tag: "insight",
        response: schema::<insight::ScorecardDetail>,
        ..op("get", "/api/v1/reps/{id}", "getScorecard", "One rep's scorecard")
    },
    Operation {
        tag: "insight",
        response: schema::<insight::RollupList>,
        ..op("get", "/api/v1/teams", "listTeams", "Team roll-ups in scope")
    },
    Operation {
        tag: "insight",
        response: schema::<insight::RollupDetail>,
        ..op("get", "/api/v1/teams/{id}", "getTeam", "One manager's team roll-up")
    },
    Operation {
        tag: "insight",
        response: schema::<insight::ForecastView>,
        ..op(
            "get",
            "/api/v1/forecast",
            "getForecast",
            "The period's forecast risk (managers see the totals and their team's deals)",
        )
    },
];
