//! The HTML a recipient sees: password form, folder listing, file page, refusals. Every name
//! and message is escaped (`html_escape::encode_safe`), and every page is sent with a
//! Content-Security-Policy that forbids scripts outright.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use html_escape::encode_safe;

use crate::db::items::Item;
use crate::db::links::Link;
use crate::recipient::gate::Refusal;

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
                   form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const STYLE: &str = "body{font-family:sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}\
                     li{margin:.3rem 0}.size{color:#666;margin-left:.5rem}\
                     .error{color:#a00}a.button{font-weight:bold}";

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        encode_safe(title)
    );
    let mut response = (status, page).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A refusal page (404, 403, 410 …).
pub(crate) fn refusal(r: &Refusal) -> Response {
    let body = format!(
        "<h1>{}</h1><p class=\"error\">{}</p>",
        encode_safe(r.title),
        encode_safe(&r.message)
    );
    html(r.status, r.title, &body)
}

/// The title shown for a link: its `custom_name`, else the target's name.
pub(crate) fn title(link: &Link, fallback: &str) -> String {
    link.options
        .get("custom_name")
        .and_then(|v| v.as_str())
        .unwrap_or(fallback)
        .to_owned()
}

fn message(link: &Link) -> String {
    link.options
        .get("custom_message")
        .and_then(|v| v.as_str())
        .map(|m| format!("<p class=\"message\">{}</p>", encode_safe(m)))
        .unwrap_or_default()
}

/// 401 with the password form (`wrong` adds the "wrong password" line).
pub(crate) fn password_form(action: &str, link: &Link, wrong: bool) -> Response {
    let title = title(link, "Protected link");
    let notice = if wrong {
        "<p class=\"error\" id=\"wrong\">Wrong password.</p>"
    } else {
        ""
    };
    let body = format!(
        "<h1>{}</h1><p>This link is protected by a password.</p>{notice}\
         <form method=\"post\" action=\"{}\"><label>Password \
         <input type=\"password\" name=\"password\" id=\"password\" autofocus required></label> \
         <button type=\"submit\">Open</button></form>",
        encode_safe(&title),
        encode_safe(action)
    );
    html(StatusCode::UNAUTHORIZED, &title, &body)
}

fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// What a folder page shows.
pub(crate) struct FolderView<'a> {
    pub(crate) base: &'a str,
    pub(crate) link: &'a Link,
    pub(crate) name: &'a str,
    /// The subfolder being browsed, if not the link's own folder.
    pub(crate) current: Option<&'a Item>,
    pub(crate) children: &'a [Item],
    pub(crate) can_download: bool,
}

/// A folder listing with download links.
pub(crate) fn folder(view: &FolderView<'_>) -> Response {
    let base = view.base;
    let title = title(view.link, view.name);
    let mut body = format!("<h1>{}</h1>{}", encode_safe(&title), message(view.link));
    if let Some(current) = view.current {
        body.push_str(&format!(
            "<p><a href=\"{}\" id=\"top\">⤒ {}</a> / <strong>{}</strong></p>",
            encode_safe(base),
            encode_safe(&title),
            encode_safe(&current.name)
        ));
    }
    let folder_query = view
        .current
        .map(|c| format!("?folder={}", c.id))
        .unwrap_or_default();
    if view.can_download {
        body.push_str(&format!(
            "<p><a class=\"button\" id=\"zip\" href=\"{}/download{}\">Download all (zip)</a></p>",
            encode_safe(base),
            encode_safe(&folder_query)
        ));
    }
    body.push_str("<ul id=\"items\">");
    for item in view.children {
        let name = encode_safe(&item.name);
        if item.kind == crate::db::items::Kind::Folder {
            body.push_str(&format!(
                "<li class=\"folder\"><a href=\"{}?folder={}\">{name}/</a></li>",
                encode_safe(base),
                encode_safe(&item.id)
            ));
        } else if view.can_download {
            body.push_str(&format!(
                "<li class=\"file\"><a href=\"{}/files/{}\" download>{name}</a>\
                 <span class=\"size\">{}</span></li>",
                encode_safe(base),
                encode_safe(&item.id),
                human_size(item.size)
            ));
        } else {
            body.push_str(&format!(
                "<li class=\"file\">{name}<span class=\"size\">{}</span></li>",
                human_size(item.size)
            ));
        }
    }
    if view.children.is_empty() {
        body.push_str("<li><em>This folder is empty.</em></li>");
    }
    body.push_str("</ul>");
    html(StatusCode::OK, &title, &body)
}

/// A single file with its download button.
pub(crate) fn file(base: &str, link: &Link, item: &Item, can_download: bool) -> Response {
    let title = title(link, &item.name);
    let mut body = format!(
        "<h1>{}</h1>{}<p>{} <span class=\"size\">{}</span></p>",
        encode_safe(&title),
        message(link),
        encode_safe(&item.name),
        human_size(item.size)
    );
    if can_download {
        body.push_str(&format!(
            "<p><a class=\"button\" id=\"download\" href=\"{}/download\" download>Download</a></p>",
            encode_safe(base)
        ));
    }
    html(StatusCode::OK, &title, &body)
}

/// The page of an `UPLOAD` link, which the local server does not accept uploads through.
pub(crate) fn upload_unsupported(link: &Link) -> Response {
    let title = title(link, "Upload");
    let body = format!(
        "<h1>{}</h1>{}<p>Uploading through links is not supported by the local server.</p>",
        encode_safe(&title),
        message(link)
    );
    html(StatusCode::NOT_IMPLEMENTED, &title, &body)
}
