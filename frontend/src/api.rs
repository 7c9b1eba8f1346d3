//! The browser's client of Rollcall's HTTP APIs on the public port — the
//! phone panel (`/pstn/`) and the address books, inbox and call records
//! (`/api/`) — with HTTP Digest (RFC 7616) computed here, like SIP's.
//!
//! Requests go out with `credentials: "omit"`, so a `401` never opens the
//! browser's own password dialog: we answer the challenge ourselves with the
//! same [`Authenticator`](rollcall_shared::ua::auth::Authenticator) as the SIP user agent (its own instance: the HTTP
//! APIs have nonces of their own), which keeps only HA1s once it knows the
//! realm. A `401` is answered with fresh credentials and the request is
//! retried, at most [`MAX_ATTEMPTS`] times in all (a `401 stale=true` after
//! a race between two requests on one nonce costs one retry); credentials
//! refused without `stale` mean the password is no longer good:
//! [`ApiFailure::Unauthorized`] at once.
//!
//! The typed calls ([`panel`], [`resolve`], …) compile on the host too (the
//! components use them), where they fail with [`ApiFailure::Network`].

use rollcall_shared::api::{ApiError, Calls, Email, EmailRoster, Emails, Imported, LoggedMessages, Panel, People};
use rollcall_shared::json::{self, FromJson};

use crate::stores::Http;

/// Attempts per request: the first (with cached credentials, if any), then
/// an answer to a fresh challenge, then up to two more after `stale` races
/// (two requests sent at once on one nonce).
pub const MAX_ATTEMPTS: usize = 4;

/// Why an API call did not succeed, in words the page can show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiFailure {
    /// The server refused and said why (`{"error", "message"}`).
    #[error("{}", .0.message)]
    Refused(ApiError),
    /// Credentials were not accepted (the password changed since sign-in).
    #[error("the server did not accept your credentials: sign in again")]
    Unauthorized,
    /// No answer, or an answer that is not what the API promises.
    #[error("the server could not be reached ({0})")]
    Network(String),
}

/// The HTTP method of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// `fetch` joins repeated `WWW-Authenticate` headers into one value,
/// separated by commas (Fetch standard, "get" a header): split it back into
/// one challenge per scheme. Digest parameters can contain commas only
/// inside quotes, so a new challenge starts at a top-level `, Digest `.
pub fn split_challenges(joined: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => quoted = !quoted,
            b'\\' if quoted => i += 1,
            b',' if !quoted => {
                let rest = joined[i + 1..].trim_start();
                let is_scheme = rest.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("digest "));
                if is_scheme {
                    out.push(joined[start..i].trim().to_string());
                    start = i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let last = joined[start..].trim();
    if !last.is_empty() {
        out.push(last.to_string());
    }
    out
}

/// A path segment with everything but unreserved characters percent-encoded
/// (`+14255550100` → `%2B14255550100`).
pub fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One call: `method` on `path` (path and query, as signed), optionally
/// with a text body; the JSON answer as `T`.
pub async fn call<T: FromJson>(http: Http, method: Method, path: &str, body: Option<String>) -> Result<T, ApiFailure> {
    let text = imp::call(http, method, path, body).await?;
    json::from_str(&text).map_err(|e| ApiFailure::Network(format!("unexpected answer: {e}")))
}

// --- the phone panel of the simulated network (`/pstn/`) ---

pub async fn panel(http: Http) -> Result<Panel, ApiFailure> {
    call(http, Method::Get, "/pstn/phones", None).await
}

/// Long-poll: answers when the panel's version differs from `after`
/// (or after the server's wait).
pub async fn panel_changes(http: Http, after: u64) -> Result<Panel, ApiFailure> {
    call(http, Method::Get, &format!("/pstn/events?after={after}"), None).await
}

pub async fn hold(http: Http, number: &str) -> Result<Panel, ApiFailure> {
    let path = format!("/pstn/phones/{}", encode_segment(number));
    call(http, Method::Put, &path, None).await
}

pub async fn release(http: Http, number: &str) -> Result<Panel, ApiFailure> {
    let path = format!("/pstn/phones/{}", encode_segment(number));
    call(http, Method::Delete, &path, None).await
}

/// `action`: `answer`, `decline` or `hangup`.
pub async fn act_on_call(http: Http, call_id: &str, action: &str) -> Result<Panel, ApiFailure> {
    let path = format!("/pstn/calls/{}/{action}", encode_segment(call_id));
    call(http, Method::Post, &path, None).await
}

/// Fault injection: the bridge fails under one of the user's conferences.
pub async fn crash_bridge(http: Http, conference_id: &str) -> Result<json::Value, ApiFailure> {
    let path = format!("/pstn/conferences/{}/crash", encode_segment(conference_id));
    call(http, Method::Post, &path, None).await
}

// --- address books, inbox, call records (`/api/`) ---

/// Both address books merged; those matching `query` (empty: everyone).
pub async fn resolve(http: Http, query: &str) -> Result<People, ApiFailure> {
    let path = if query.trim().is_empty() {
        "/api/resolve".to_string()
    } else {
        format!("/api/resolve?q={}", encode_segment(query.trim()))
    };
    call(http, Method::Get, &path, None).await
}

pub async fn import_contacts(http: Http, vcard: String) -> Result<Imported, ApiFailure> {
    call(http, Method::Post, "/api/contacts/import", Some(vcard)).await
}

pub async fn inbox(http: Http) -> Result<Emails, ApiFailure> {
    call(http, Method::Get, "/api/inbox", None).await
}

pub async fn upload_email(http: Http, eml: String) -> Result<Email, ApiFailure> {
    call(http, Method::Post, "/api/inbox", Some(eml)).await
}

pub async fn email_roster(http: Http, email_id: i64) -> Result<EmailRoster, ApiFailure> {
    call(http, Method::Get, &format!("/api/inbox/{email_id}/roster"), None).await
}

pub async fn calls(http: Http) -> Result<Calls, ApiFailure> {
    call(http, Method::Get, "/api/calls", None).await
}

/// The person's logged messages, newest first; only those mentioning
/// `conference` when it is not empty.
pub async fn messages(http: Http, conference: &str) -> Result<LoggedMessages, ApiFailure> {
    let path = if conference.is_empty() {
        "/api/messages".to_string()
    } else {
        format!("/api/messages?conference={}", encode_segment(conference))
    };
    call(http, Method::Get, &path, None).await
}

/// Does this server let visitors create accounts (`GET /signup`)?
pub async fn signup_offered() -> bool {
    let open = |text: &str| json::parse(text).ok()?.get("open").cloned();
    get_text("/signup").await.is_ok_and(|text| open(&text) == Some(json::Value::Bool(true)))
}

/// An unauthenticated GET; the body of a 2xx.
pub async fn get_text(path: &str) -> Result<String, ApiFailure> {
    imp::get_text(path).await
}

/// Creates an account (`POST /signup`); the user name as the server
/// stored it (lower case).
pub async fn sign_up(user: &str, password: &str) -> Result<String, ApiFailure> {
    let body = ["{\"user\":", &json::quote(user), ",\"password\":", &json::quote(password), "}"].concat();
    let text = imp::post_json("/signup", body).await?;
    let created = json::parse(&text).and_then(|v| json::field::<String>(&v, "user"));
    created.map_err(|e| ApiFailure::Network(e.to_string()))
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use rollcall_shared::json;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Request, RequestCredentials, RequestInit, Response};

    use super::{split_challenges, ApiFailure, Method, MAX_ATTEMPTS};
    use crate::stores::Http;

    /// A JavaScript exception in words (its `message` when it is an Error).
    fn failed(e: JsValue) -> ApiFailure {
        let text = match e.dyn_ref::<js_sys::Error>() {
            Some(error) => String::from(error.message()),
            None => e.as_string().unwrap_or_else(|| "the browser refused the request".to_owned()),
        };
        ApiFailure::Network(text)
    }

    /// The request as the browser will send it, with the exact target
    /// given (the digest signs it).
    fn request(
        method: Method,
        path: &str,
        authorization: Option<&str>,
        content_type: &str,
        body: Option<&str>,
    ) -> Result<Request, ApiFailure> {
        let init = RequestInit::new();
        init.set_method(method.as_str());
        init.set_credentials(RequestCredentials::Omit);
        let headers = web_sys::Headers::new().map_err(failed)?;
        if let Some(value) = authorization {
            headers.set("Authorization", value).map_err(failed)?;
        }
        if let Some(text) = body {
            headers.set("Content-Type", content_type).map_err(failed)?;
            init.set_body(&JsValue::from_str(text));
        }
        init.set_headers(&headers);
        Request::new_with_str_and_init(path, &init).map_err(failed)
    }

    /// `fetch`: the response, whatever its status.
    async fn send(request: &Request) -> Result<Response, ApiFailure> {
        let window = web_sys::window().ok_or_else(|| ApiFailure::Network("no window".to_owned()))?;
        let response = JsFuture::from(window.fetch_with_request(request)).await.map_err(failed)?;
        response.dyn_into().map_err(failed)
    }

    async fn text(response: &Response) -> Result<String, ApiFailure> {
        let text = JsFuture::from(response.text().map_err(failed)?).await.map_err(failed)?;
        Ok(text.as_string().unwrap_or_default())
    }

    /// An unauthenticated GET; the body of a 2xx.
    pub async fn get_text(path: &str) -> Result<String, ApiFailure> {
        let response = send(&request(Method::Get, path, None, "", None)?).await?;
        if !response.ok() {
            return Err(ApiFailure::Network(format!("HTTP {}", response.status())));
        }
        text(&response).await
    }

    /// An unauthenticated POST of JSON; the body of a 2xx, or the refusal.
    pub async fn post_json(path: &str, body: String) -> Result<String, ApiFailure> {
        let response = send(&request(Method::Post, path, None, "application/json", Some(&body))?).await?;
        let status = response.status();
        let text = text(&response).await?;
        if (200..300).contains(&status) {
            return Ok(text);
        }
        Err(match json::from_str(&text) {
            Ok(refusal) => ApiFailure::Refused(refusal),
            Err(_) => ApiFailure::Network(format!("HTTP {status}")),
        })
    }

    pub async fn call(http: Http, method: Method, path: &str, body: Option<String>) -> Result<String, ApiFailure> {
        let mut raced = false;
        for _ in 0..MAX_ATTEMPTS {
            let cnonce = rollcall_shared::random::random_hex(8);
            let credentials = http.credentials(method.as_str(), path, &cnonce);
            let content_type = "text/plain; charset=utf-8";
            let request = request(method, path, credentials.as_deref(), content_type, body.as_deref())?;
            let response = send(&request).await?;
            let status = response.status();
            if status == 401 {
                let joined = response.headers().get("www-authenticate").ok().flatten().unwrap_or_default();
                let challenges = split_challenges(&joined);
                let Some(challenge) = rollcall_shared::ua::auth::choose(&challenges) else {
                    return Err(ApiFailure::Unauthorized);
                };
                // Credentials refused without `stale`: the password is wrong.
                if credentials.is_some() && !challenge.stale {
                    return Err(ApiFailure::Unauthorized);
                }
                raced = challenge.stale;
                if !http.challenged(challenge) {
                    return Err(ApiFailure::Unauthorized);
                }
                continue;
            }
            let text = text(&response).await?;
            if (200..300).contains(&status) {
                return Ok(text);
            }
            return Err(match json::from_str(&text) {
                Ok(refusal) => ApiFailure::Refused(refusal),
                Err(_) => ApiFailure::Network(format!("HTTP {status}")),
            });
        }
        Err(if raced {
            ApiFailure::Network("the server kept asking for fresh credentials; try again".to_string())
        } else {
            ApiFailure::Unauthorized
        })
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::{ApiFailure, Method};
    use crate::stores::Http;

    pub async fn call(_http: Http, _method: Method, _path: &str, _body: Option<String>) -> Result<String, ApiFailure> {
        Err(ApiFailure::Network("no browser".to_string()))
    }

    pub async fn get_text(_path: &str) -> Result<String, ApiFailure> {
        Err(ApiFailure::Network("no browser".to_string()))
    }

    pub async fn post_json(_path: &str, _body: String) -> Result<String, ApiFailure> {
        Err(ApiFailure::Network("no browser".to_string()))
    }
}

#[cfg(test)]
mod tests;
