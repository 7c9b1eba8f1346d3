//! The conference web service on HTTP: SOAP 1.2 over `POST /conference`
//! and its WSDL at `GET /conference?wsdl` (docs/protocol.md §3).
//!
//! Status codes follow the SOAP 1.2 HTTP binding (SOAP 1.2 part 2, §7.5.2):
//! a Fault whose code is `env:Sender` travels with 400, `env:Receiver` with
//! 500, everything else with 200. Before SOAP is even looked at, a request
//! without the configured bearer token gets 401, and a body over
//! [`MAX_MESSAGE_BYTES`] (64 KiB) gets 413 — in that order, so a stranger
//! cannot make the service buffer bodies.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, RawQuery, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use rollcall_shared::digest;
use rollcall_shared::soap::bridge::{BridgeRequest, BridgeResponse};
use rollcall_shared::soap::{Fault, FaultCode, FaultKind, CONTENT_TYPE};
use rollcall_shared::MAX_MESSAGE_BYTES;

use super::service::ConferenceService;

/// The WSDL 1.1 description of `urn:rollcall:bridge:1`, SOAP 1.2 binding.
pub const WSDL: &str = include_str!("conference.wsdl");

/// The conference web service's routes: `POST /conference`,
/// `GET /conference?wsdl`, and the operator's `POST /admin/crash`
/// ([`super::admin`]).
pub fn router(service: Arc<ConferenceService>) -> Router {
    Router::new()
        .route("/conference", post(soap).get(wsdl))
        .route("/admin/crash", post(super::admin::crash))
        .layer(DefaultBodyLimit::max(MAX_MESSAGE_BYTES))
        .with_state(service)
}

/// `POST /conference`: one SOAP request, one SOAP response.
async fn soap(State(service): State<Arc<ConferenceService>>, request: Request) -> Response {
    if !bearer_matches(request.headers(), &service.config().token) {
        tracing::warn!("request without the right bearer token");
        return unauthorized();
    }
    // Reads at most MAX_MESSAGE_BYTES bytes; beyond that the rejection is a 413.
    let body = match Bytes::from_request(request, &()).await {
        Ok(body) => body,
        Err(rejection) => return rejection.into_response(),
    };
    let response = match std::str::from_utf8(&body) {
        Err(_) => BridgeResponse::Fault(Fault::new(FaultKind::InvalidRequest, "the body is not UTF-8")),
        Ok(text) => match BridgeRequest::decode(text) {
            Ok(request) => match super::accounts::bill_to(service.config().accounts.as_ref(), request).await {
                Ok(request) => service.handle(request),
                Err(fault) => {
                    tracing::info!(%fault, "request refused");
                    BridgeResponse::Fault(fault)
                }
            },
            Err(error) => {
                tracing::info!(%error, "undecodable request");
                BridgeResponse::Fault(error.to_fault())
            }
        },
    };
    soap_response(&response)
}

/// 401 with the bearer challenge.
pub(super) fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer realm=\"rollcall-conference\"")],
        "a bearer token is required\n",
    )
        .into_response()
}

/// The HTTP response carrying `response`, with the SOAP 1.2 binding's status.
fn soap_response(response: &BridgeResponse) -> Response {
    let status = match response {
        BridgeResponse::Fault(fault) => match fault.code {
            FaultCode::Sender => StatusCode::BAD_REQUEST,
            FaultCode::Receiver => StatusCode::INTERNAL_SERVER_ERROR,
        },
        _ => StatusCode::OK,
    };
    (status, [(header::CONTENT_TYPE, CONTENT_TYPE)], response.encode()).into_response()
}

/// The service address written in [`WSDL`], replaced when it is served.
const WSDL_ADDRESS: &str = "http://localhost:8080/conference";

/// `GET /conference?wsdl` serves the WSDL; a bare `GET` says where it is.
///
/// The WSDL's service address is the one the document was fetched from (the
/// `Host` header, when it looks like a host), so tools pointed at a
/// deployment's WSDL call that deployment.
async fn wsdl(RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let asks_for_wsdl = query.as_deref().is_some_and(|q| q.split('&').any(|part| part.eq_ignore_ascii_case("wsdl")));
    if asks_for_wsdl {
        let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).filter(|host| is_plain_host(host));
        let document = match host {
            Some(host) => WSDL.replace(WSDL_ADDRESS, &format!("http://{host}/conference")),
            None => WSDL.to_string(),
        };
        ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], document).into_response()
    } else {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            "POST SOAP 1.2 requests here; the WSDL is at /conference?wsdl\n",
        )
            .into_response()
    }
}

/// A `Host` value safe to put in the WSDL: name or address, optional port.
fn is_plain_host(host: &str) -> bool {
    !host.is_empty() && host.len() <= 255 && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}

/// Does `Authorization` carry `Bearer <token>`? Compared in constant time,
/// so response timing does not reveal how much of a guess was right.
pub(crate) fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    let Some(presented) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, credentials)| credentials.trim())
    else {
        return false;
    };
    !token.is_empty() && digest::constant_time_eq(presented.as_bytes(), token.as_bytes())
}

#[cfg(test)]
mod tests;
