//! `GET /api/v1/files/{file_id}/content[?version=N]`: the bytes of the current or an older
//! version, with `Range` support.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use crate::api::access;
use crate::auth::Caller;
use crate::db::items::Kind;
use crate::db::versions;
use crate::download::{self, Download};
use crate::error::{ApiError, ApiResult};
use crate::role::Permission;
use crate::state::AppState;

/// Query of the content endpoint.
#[derive(Debug, Deserialize)]
pub(crate) struct ContentQuery {
    version: Option<u32>,
}

/// Streams a file's content.
pub(crate) async fn download(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(file_id): Path<String>,
    Query(q): Query<ContentQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (item, size, sha) = state
        .db
        .call(move |conn| {
            let (item, _) =
                access::item(conn, &caller, &file_id, Kind::File, Permission::Read, false)?;
            match q.version.filter(|v| *v != item.version) {
                None => {
                    let sha = item.sha256.clone().unwrap_or_default();
                    Ok((item.clone(), item.size, sha))
                }
                Some(n) => {
                    let v = versions::version(conn, &file_id, n)?
                        .ok_or_else(|| ApiError::not_found("version", &n.to_string()))?;
                    Ok((item, v.size, v.sha256))
                }
            }
        })
        .await?;
    let download = Download {
        path: state.blobs.path(&sha),
        size,
        name: item.name,
        mime_type: item
            .mime_type
            .unwrap_or_else(|| "application/octet-stream".into()),
    };
    download::send(download, &headers).await
}
