use rollcall_shared::soap::bridge::{BridgeRequest, BridgeResponse};
use rollcall_shared::soap::{Fault, FaultKind};

use super::WebService;

/// A conference web service that answers every call with `answer`; its URL.
async fn instance(answer: BridgeResponse) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("address");
    let body = answer.encode();
    let app = axum::Router::new().route("/conference", axum::routing::post(move || async move { body }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/conference")
}

/// A URL nothing listens on.
fn nobody() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("binds").local_addr().expect("address").port();
    format!("http://127.0.0.1:{port}/conference")
}

fn end(conference_id: &str) -> BridgeRequest {
    BridgeRequest::EndConference { owner: "sip:alice@rollcall.local".into(), conference_id: conference_id.into() }
}

#[tokio::test]
async fn an_unreachable_instance_is_passed_over_and_the_one_that_answers_kept() {
    let ended = BridgeResponse::EndConference { conference_id: "conf-1".into() };
    let service = WebService::new(&format!("{},{}", nobody(), instance(ended.clone()).await), "t").expect("client");
    assert_eq!(service.call(&end("conf-1")).await.expect("answered"), ended);
    assert_eq!(service.current.load(std::sync::atomic::Ordering::Relaxed), 1, "the next call starts there");
}

#[tokio::test]
async fn a_conference_the_instance_in_use_does_not_know_is_asked_of_the_others() {
    let unknown = BridgeResponse::Fault(Fault::new(FaultKind::NoSuchConference, "no such conference"));
    let ended = BridgeResponse::EndConference { conference_id: "conf-1".into() };
    let service =
        WebService::new(&format!("{},{}", instance(unknown.clone()).await, instance(ended.clone()).await), "t").expect("client");
    assert_eq!(service.call(&end("conf-1")).await.expect("answered"), ended, "the instance that holds it answers");
    assert_eq!(service.current.load(std::sync::atomic::Ordering::Relaxed), 0, "new conferences still go to the first");
    // Nobody knows it: the first such answer.
    let service = WebService::new(&format!("{},{}", instance(unknown.clone()).await, nobody()), "t").expect("client");
    assert_eq!(service.call(&end("conf-2")).await.expect("answered"), unknown);
}
