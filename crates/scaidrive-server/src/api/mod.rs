//! The `/api/v1` router: which path and method go to which handler, which routes need a
//! token, and which accept unbounded (streamed) bodies.

pub(crate) mod access;
mod content;
mod files;
mod folders;
mod links;
mod meta;
pub(crate) mod mime;
pub(crate) mod shapes;
mod token;
mod uploads;
mod users;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post, put};

use crate::state::AppState;
use crate::{auth, faults};

/// Every `/api/v1` route, with authentication and fault injection applied.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    let authed = Router::new()
        .route("/api/v1/users/me", get(users::me))
        .route("/api/v1/users/me/shares", get(users::my_shares))
        .route("/api/v1/shares", get(users::my_shares))
        .route("/api/v1/shares/{share_id}", get(users::share))
        .route("/api/v1/folders", post(folders::create))
        .route(
            "/api/v1/folders/{folder_id}",
            get(folders::get)
                .patch(folders::update)
                .delete(folders::delete),
        )
        .route(
            "/api/v1/folders/{folder_id}/children",
            get(folders::children),
        )
        .route(
            "/api/v1/files",
            post(files::upload).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/files/{file_id}",
            get(files::get).patch(files::update).delete(files::delete),
        )
        .route("/api/v1/files/{file_id}/content", get(content::download))
        .route("/api/v1/files/{file_id}/versions", get(files::versions))
        .route("/api/v1/uploads", post(uploads::create))
        .route(
            "/api/v1/uploads/{session_id}",
            get(uploads::status).delete(uploads::abort),
        )
        .route(
            "/api/v1/uploads/{session_id}/chunks/{index}",
            put(uploads::put_chunk).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/uploads/{session_id}/complete",
            post(uploads::complete),
        )
        .route(
            "/api/v1/external/links",
            get(links::list).post(links::create),
        )
        .route(
            "/api/v1/external/links/{link_id}",
            get(links::get).patch(links::update).delete(links::revoke),
        )
        .route_layer(from_fn_with_state(state.clone(), auth::require_token));
    let public = Router::new()
        .route("/api/v1/health", get(meta::health))
        .route("/health", get(meta::health))
        .route("/api/v1/ready", get(meta::ready))
        .route("/api/v1/config", get(meta::config))
        .route("/api/v1/auth/token", post(token::token));
    authed
        .merge(public)
        .layer(from_fn_with_state(state.clone(), faults::inject))
}
