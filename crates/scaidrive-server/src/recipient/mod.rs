//! The recipient side of external links, at the URLs the link object advertises:
//!
//! - `GET /share/{token}` (or `/s/{short_code}`): the file or folder page; `?folder=<id>`
//!   browses a subfolder of a folder link. A password-protected link answers 401 with a form.
//! - `POST` to the same URL with the form field `password`: right → a signed cookie and a 303
//!   back to the page; wrong → 401 and the form again, no content.
//! - `GET /share/{token}/download`: the file of a file link, or the folder (or `?folder=` a
//!   subfolder) of a folder/share link as a zip. `GET /share/{token}/files/{file_id}`: one file
//!   of a folder link.
//!
//! Each page view counts against `max_views`, each download or zip against `max_downloads`;
//! a used-up, expired or revoked link answers 410. `VIEW` links list names but offer no
//! downloads (403 on the download URLs). Downloads are always `attachment`s with `nosniff`.

mod archive;
mod gate;
mod page;

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use tokio_util::io::ReaderStream;

use crate::conn::ConnInfo;
use crate::db::items::{self, Item, Kind};
use crate::db::links;
use crate::download::{self, Download, disposition};
use crate::error::ApiError;
use crate::state::AppState;
use gate::{Opened, Refusal};

/// Routes under `/share/` and `/s/`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/share/{token}", get(view).post(unlock))
        .route("/s/{token}", get(view).post(unlock))
        .route("/share/{token}/download", get(download_all))
        .route("/share/{token}/files/{file_id}", get(download_one))
}

/// The peer's IP address, when served over a socket.
struct Peer(Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<ConnInfo>>()
                .map(|c| c.0.remote.ip()),
        ))
    }
}

/// Opens the link and checks the password cookie; `Err` is the page to send instead.
async fn admit(
    state: &AppState,
    token: String,
    peer: &Peer,
    headers: &HeaderMap,
) -> Result<Opened, Response> {
    let ip = peer.0;
    let opened = state
        .db
        .call(move |conn| Ok(gate::open(conn, &token, ip)))
        .await
        .map_err(IntoResponse::into_response)?
        .map_err(|r| page::refusal(&r))?;
    if !gate::is_unlocked(&state.secret, &opened.link, headers) {
        let action = format!("/share/{}", opened.link.token);
        return Err(page::password_form(&action, &opened.link, false));
    }
    Ok(opened)
}

/// Counts one view or download; 410 page when the cap was reached meanwhile.
async fn count(state: &AppState, link_id: String, download: bool) -> Result<(), Response> {
    let counted = state
        .db
        .call(move |conn| Ok(links::count_access(conn, &link_id, download)?))
        .await
        .map_err(IntoResponse::into_response)?;
    if counted {
        Ok(())
    } else {
        let what = if download { "download" } else { "view" };
        Err(page::refusal(&Refusal {
            status: StatusCode::GONE,
            title: "Link unavailable",
            message: format!("This link has reached its {what} limit."),
        }))
    }
}

fn no_download() -> Response {
    page::refusal(&Refusal {
        status: StatusCode::FORBIDDEN,
        title: "Download not allowed",
        message: "This link allows viewing only.".into(),
    })
}

/// Resolves `?folder=` to a live folder inside the link's folder (`None` = the link's own).
async fn subfolder(
    state: &AppState,
    opened: &Opened,
    folder: Option<String>,
) -> Result<Option<Item>, Response> {
    let Some(folder) = folder.filter(|f| !f.is_empty() && *f != opened.folder_key()) else {
        return Ok(None);
    };
    let (share, top) = (opened.link.share_id.clone(), opened.folder_key());
    let found = state
        .db
        .call(move |conn| {
            let item = items::get(conn, &folder)?.filter(|i| {
                i.kind == Kind::Folder && i.share_id == share && i.deleted_at.is_none()
            });
            Ok(match item {
                Some(item) if items::is_within(conn, &item.id, &top)? => Some(item),
                _ => None,
            })
        })
        .await
        .map_err(IntoResponse::into_response)?;
    found.map(Some).ok_or_else(|| {
        page::refusal(&Refusal {
            status: StatusCode::NOT_FOUND,
            title: "Not found",
            message: "That folder is not part of this link.".into(),
        })
    })
}

async fn view(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    peer: Peer,
    headers: HeaderMap,
) -> Response {
    match render(&state, token, query.get("folder").cloned(), &peer, &headers).await {
        Ok(response) | Err(response) => response,
    }
}

async fn render(
    state: &AppState,
    token: String,
    folder: Option<String>,
    peer: &Peer,
    headers: &HeaderMap,
) -> Result<Response, Response> {
    let opened = admit(state, token, peer, headers).await?;
    let link = &opened.link;
    if link.link_type == "UPLOAD" {
        return Ok(page::upload_unsupported(link));
    }
    let current = subfolder(state, &opened, folder).await?;
    count(state, link.id.clone(), false).await?;
    let base = format!("/share/{}", link.token);
    let can_download = link.link_type == "DOWNLOAD";
    if opened.is_file() {
        let item = opened.target.as_ref().expect("file links have a target");
        return Ok(page::file(&base, link, item, can_download));
    }
    let key = current
        .as_ref()
        .map_or_else(|| opened.folder_key(), |c| c.id.clone());
    let share = link.share_id.clone();
    let children = state
        .db
        .call(move |conn| Ok(items::children(conn, &share, &key, false)?))
        .await
        .map_err(IntoResponse::into_response)?;
    let name = opened
        .target
        .as_ref()
        .map_or("Shared files", |t| t.name.as_str());
    Ok(page::folder(&page::FolderView {
        base: &base,
        link,
        name,
        current: current.as_ref(),
        children: &children,
        can_download,
    }))
}

async fn unlock(
    State(state): State<AppState>,
    Path(token): Path<String>,
    peer: Peer,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let ip = peer.0;
    let opened = match state
        .db
        .call(move |conn| Ok(gate::open(conn, &token, ip)))
        .await
    {
        Ok(Ok(opened)) => opened,
        Ok(Err(refusal)) => return page::refusal(&refusal),
        Err(err) => return err.into_response(),
    };
    let password = form.get("password").cloned().unwrap_or_default();
    let link = opened.link.clone();
    let matches = tokio::task::spawn_blocking(move || gate::password_matches(&link, &password))
        .await
        .unwrap_or(false);
    let action = format!("/share/{}", opened.link.token);
    if !matches {
        return page::password_form(&action, &opened.link, true);
    }
    let mut response = (StatusCode::SEE_OTHER, "").into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&action) {
        headers.insert(header::LOCATION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&gate::unlock_cookie(&state.secret, &opened.link)) {
        headers.insert(header::SET_COOKIE, v);
    }
    response
}

async fn send_file(state: &AppState, item: &Item, headers: &HeaderMap) -> Response {
    let download = Download {
        path: state.blobs.path(item.sha256.as_deref().unwrap_or_default()),
        size: item.size,
        name: item.name.clone(),
        mime_type: "application/octet-stream".into(),
    };
    download::send(download, headers)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn download_all(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    peer: Peer,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let opened = admit(&state, token, &peer, &headers).await?;
        if opened.link.link_type != "DOWNLOAD" {
            return Err(no_download());
        }
        if opened.is_file() {
            count(&state, opened.link.id.clone(), true).await?;
            let item = opened.target.as_ref().expect("file links have a target");
            return Ok(send_file(&state, item, &headers).await);
        }
        let current = subfolder(&state, &opened, query.get("folder").cloned()).await?;
        count(&state, opened.link.id.clone(), true).await?;
        let name = current
            .as_ref()
            .or(opened.target.as_ref())
            .map_or_else(|| page::title(&opened.link, "shared"), |i| i.name.clone());
        let key = current.map_or_else(|| opened.folder_key(), |c| c.id);
        Ok(zip_response(&state, opened.link.share_id.clone(), key, &name).await)
    };
    match result.await {
        Ok(response) | Err(response) => response,
    }
}

async fn zip_response(state: &AppState, share: String, key: String, name: &str) -> Response {
    let entries = match state
        .db
        .call(move |conn| Ok(items::subtree(conn, &share, &key)?))
        .await
    {
        Ok(entries) => entries,
        Err(err) => return err.into_response(),
    };
    let blobs = state.blobs.clone();
    let built = tokio::task::spawn_blocking(move || archive::build(&blobs, &entries)).await;
    let (file, len) = match built {
        Ok(Ok(built)) => built,
        Ok(Err(err)) => return ApiError::from(err).into_response(),
        Err(err) => return ApiError::internal(err).into_response(),
    };
    let stream = ReaderStream::with_capacity(tokio::fs::File::from_std(file), 256 * 1024);
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    headers.insert(
        header::CONTENT_DISPOSITION,
        disposition(&format!("{name}.zip")),
    );
    response
}

async fn download_one(
    State(state): State<AppState>,
    Path((token, file_id)): Path<(String, String)>,
    peer: Peer,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let opened = admit(&state, token, &peer, &headers).await?;
        if opened.link.link_type != "DOWNLOAD" {
            return Err(no_download());
        }
        let (share, top) = (opened.link.share_id.clone(), opened.folder_key());
        let is_file = opened.is_file();
        let item = state
            .db
            .call(move |conn| {
                let item = items::get(conn, &file_id)?.filter(|i| {
                    i.kind == Kind::File && i.share_id == share && i.deleted_at.is_none()
                });
                Ok(match item {
                    Some(item) if is_file && item.id == top => Some(item),
                    Some(item) if !is_file && items::is_within(conn, &item.parent_key, &top)? => {
                        Some(item)
                    }
                    _ => None,
                })
            })
            .await
            .map_err(IntoResponse::into_response)?;
        let Some(item) = item else {
            return Err(page::refusal(&Refusal {
                status: StatusCode::NOT_FOUND,
                title: "Not found",
                message: "That file is not part of this link.".into(),
            }));
        };
        count(&state, opened.link.id.clone(), true).await?;
        Ok(send_file(&state, &item, &headers).await)
    };
    match result.await {
        Ok(response) | Err(response) => response,
    }
}
