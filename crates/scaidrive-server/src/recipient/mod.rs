//! The recipient side of external links (HTML pages and downloads).

use axum::Router;

use crate::state::AppState;

/// Routes under `/share/` and `/s/`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
}
