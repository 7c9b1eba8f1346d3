//! The conference-info documents Rollcall writes are valid against RFC
//! 4575's schema (`tests/data/conference-info.xsd`), checked with
//! `xmllint --noout --schema` (Debian's libxml2-utils, installed by
//! scripts/test-deps.sh). Without xmllint the test says so and passes.

use std::path::PathBuf;
use std::process::Command;

use rollcall_shared::conference_info::mapping::{conference_uri, Conference, Leg};
use rollcall_shared::conference_info::ConferenceInfo;
use rollcall_shared::soap::ParticipantState;

fn schema() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/conference-info.xsd")
}

/// `None` when xmllint is not installed; otherwise its verdict, with what
/// it said.
fn validate(name: &str, xml: &str) -> Option<Result<(), String>> {
    let file = std::env::temp_dir().join(format!("rollcall-{}-{name}.xml", std::process::id()));
    std::fs::write(&file, xml).expect("temporary file");
    let run = Command::new("xmllint").arg("--noout").arg("--schema").arg(schema()).arg(&file).output();
    let _ = std::fs::remove_file(&file);
    let output = run.ok()?;
    if output.status.success() {
        Some(Ok(()))
    } else {
        Some(Err(format!("{}\n{xml}", String::from_utf8_lossy(&output.stderr))))
    }
}

fn leg(id: &str, name: &str, phone: &str, state: ParticipantState, cause: Option<u16>) -> Leg {
    Leg { participant_id: id.into(), name: name.into(), phone: phone.into(), state, cause, muted: false, removed: false }
}

/// A conference with a participant in every state the mapping knows.
fn conference() -> Conference {
    let mut muted = leg("p5", "Eve", "+14255550105", ParticipantState::Connected, None);
    muted.muted = true;
    let mut booted = leg("p9", "Ivan", "+14255550109", ParticipantState::Disconnected, Some(16));
    booted.removed = true;
    Conference {
        entity: conference_uri("conf-0123456789abcdef", "rollcall.local"),
        subject: Some("Budget & <plans>".into()),
        active: true,
        locked: false,
        legs: vec![
            leg("p1", "Alice", "+14255550100", ParticipantState::Connected, None),
            leg("p2", "Bob", "+14255550101", ParticipantState::Dialing, None),
            leg("p3", "Carol", "+14255550102", ParticipantState::Ringing, None),
            leg("p4", "Dan", "+14255550103", ParticipantState::Confirming, None),
            muted,
            leg("p6", "Fay", "+15005550002", ParticipantState::Busy, Some(17)),
            leg("p7", "Gus", "+15005550003", ParticipantState::NoAnswer, Some(19)),
            leg("p8", "Hal", "+15005550001", ParticipantState::Failed, Some(1)),
            booted,
            leg("p10", "", "+14255550100", ParticipantState::Disconnected, None),
        ],
    }
}

#[test]
fn full_and_partial_documents_are_valid_against_rfc_4575() {
    let conference = conference();
    let documents = [
        ("full", conference.full(1)),
        ("partial", conference.partial(2, &["p3", "p9"])),
        ("conference-only", conference.partial(3, &[])),
    ];
    for (name, document) in documents {
        let xml = document.to_xml();
        assert_eq!(ConferenceInfo::read(&xml).as_ref(), Ok(&document), "{name} reads back");
        match validate(name, &xml) {
            None => return eprintln!("skipped: xmllint not installed (apt-get install libxml2-utils)"),
            Some(verdict) => verdict.unwrap_or_else(|e| panic!("{name} document invalid: {e}")),
        }
    }
}

#[test]
fn the_schema_check_does_refuse_an_invalid_document() {
    let xml = conference().full(1).to_xml().replace("dialing-out", "dialling");
    match validate("invalid", &xml) {
        None => eprintln!("skipped: xmllint not installed (apt-get install libxml2-utils)"),
        Some(verdict) => assert!(verdict.is_err(), "xmllint accepted an endpoint status the schema does not have"),
    }
}
