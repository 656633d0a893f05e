//! The internal routes under `/internal/memory/`, through which other Candor processes on this
//! machine (`candor run --wait`, `candor draft`) use the embedded vector store this process
//! holds: the embedded store admits one process at a time, and without these they would draft
//! with no memory while the server runs. One POST per [`VectorStore`] method, on this
//! service's own [`crate::coaching::memory::Memory`]; the client is
//! [`crate::coaching::memory::RemoteStore`].
//!
//! Mounted only when this process holds the embedded store. Every call must carry the
//! per-process secret written to `<data-dir>/qdrant/serve.json` as a bearer token; anything
//! else gets the same 404 as a path that does not exist, so the routes give nothing away.

use super::auth::secrets::same_secret;
use super::error::ApiError;
use super::web::PageError;
use super::AppState;
use crate::coaching::memory::remote::{
    paths, CollectionBody, DeleteBody, Failure, FilterBody, SearchBody, SetPayloadBody, SpecBody, UpsertBody,
    BODY_LIMIT,
};
use crate::coaching::memory::{AnyStore, MemoryError, VectorStore};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;

/// The internal routes, when `state` holds the embedded store and a secret to guard it with.
pub(super) fn router(state: &AppState) -> Option<Router<AppState>> {
    let embedded = state.memory.as_ref().is_some_and(|memory| matches!(memory.store(), AnyStore::Embedded(_)));
    if !embedded || state.memory_secret.is_none() {
        return None;
    }
    let router = Router::new()
        .route(paths::LAYOUT, post(layout))
        .route(paths::CREATE_COLLECTION, post(create_collection))
        .route(paths::ENSURE_INDEXES, post(ensure_indexes))
        .route(paths::DROP_COLLECTION, post(drop_collection))
        .route(paths::UPSERT, post(upsert))
        .route(paths::DELETE, post(delete))
        .route(paths::SET_PAYLOAD, post(set_payload))
        .route(paths::SEARCH, post(search))
        .route(paths::SCROLL, post(scroll))
        .route(paths::COUNT, post(count))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Outermost, so a caller without the secret learns nothing, not even a 405 or a 422.
        .layer(axum::middleware::from_fn_with_state(state.clone(), authorise));
    Some(router)
}

/// Lets through only callers presenting this process's secret, compared in constant time.
async fn authorise(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    match (state.memory_secret.as_deref(), presented) {
        (Some(secret), Some(presented)) if same_secret(secret, presented) => next.run(request).await,
        _ => not_found(),
    }
}

/// The store's answer: its value as JSON, or its error for the caller's log.
fn answer<T: Serialize>(result: Result<T, MemoryError>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(error) => {
            tracing::warn!(%error, "vector memory call from another process failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Json(Failure { reason: error.to_string() })).into_response()
        }
    }
}

/// This process's embedded store; the routes are mounted only when there is one.
fn store(state: &AppState) -> Option<&AnyStore> {
    state.memory.as_deref().map(|memory| memory.store())
}

/// What a path that does not exist answers.
fn not_found() -> Response {
    PageError(ApiError::NotFound).into_response()
}

async fn layout(State(state): State<AppState>, Json(body): Json<CollectionBody<'static>>) -> Response {
    let Some(store) = store(&state) else { return not_found() };
    answer(store.layout(&body.collection).await)
}

async fn create_collection(State(state): State<AppState>, Json(body): Json<SpecBody<'static>>) -> Response {
    let Some(store) = store(&state) else { return not_found() };
    answer(store.create_collection(&body.spec).await)
}

async fn ensure_indexes(State(state): State<AppState>, Json(body): Json<SpecBody<'static>>) -> Response {
    let Some(store) = store(&state) else { return not_found() };
    answer(store.ensure_indexes(&body.spec).await)
}

async fn drop_collection(State(state): State<AppState>, Json(body): Json<CollectionBody<'static>>) -> Response {
    let Some(store) = store(&state) else { return not_found() };
    answer(store.drop_collection(&body.collection).await)
}

async fn upsert(State(state): State<AppState>, Json(body): Json<UpsertBody<'static>>) -> Response {
    let Some(store) = store(&state) else { return not_found() };
    answer(store.upsert(&body.collection, body.points.into_owned()).await)
}

async fn delete(State(state): State<AppState>, Json(body): Json<DeleteBody<'static>>) -> Response {
    let Some(store) = store(&state) else { return not_found() };
    answer(store.delete(&body.collection, body.ids.into_owned()).await)
}

async fn set_payload(State(state): State<AppState>, Json(body): Json<SetPayloadBody<'static>>) -> Response {
    let Some(store) = store(&state) else { return not_found() };
    answer(store.set_payload(&body.collection, &body.id, body.payload.into_owned()).await)
}

async fn search(State(state): State<AppState>, Json(body): Json<SearchBody<'static>>) -> Response {
    let Some(store) = store(&state) else { return not_found() };
    answer(store.search(&body.collection, &body.request).await)
}

async fn scroll(State(state): State<AppState>, Json(body): Json<FilterBody<'static>>) -> Response {
    let Some(store) = store(&state) else { return not_found() };
    answer(store.scroll(&body.collection, &body.filter, body.limit).await)
}

async fn count(State(state): State<AppState>, Json(body): Json<FilterBody<'static>>) -> Response {
    let Some(store) = store(&state) else { return not_found() };
    answer(store.count(&body.collection, &body.filter).await)
}
