//! Helpers for black-box tests of the flows of docs/protocol.md §4: a client's
//! view of one conference ([`Seen`], checking that sequence numbers have no
//! gap), reading replies until a condition holds, and the usual first steps
//! (sign in, an active conference, add a participant).

use rollcall_shared::soap::conference::{
    AddParticipant, CreateConference, EndConference, GetConference, ListConferences, Reply, Request,
};
use rollcall_shared::soap::{ConferenceSnapshot, ConferenceState, Location, ParticipantState, ParticipantStatus, Party};

use super::{Client, TestServer};

pub fn party(name: &str, phone: &str) -> Party {
    Party { alternatives: Vec::new(), name: name.into(), phone: phone.into(), location: Location::Work, email: None }
}

/// Alice's `CreateConference` (request id `create`, the default account)
/// asking its participants to confirm, about `subject` (docs/protocol.md §6).
pub fn confirmed_conference(initiator: Party, participants: Vec<Party>, subject: &str) -> Request {
    Request::CreateConference(CreateConference {
        request_id: "create".into(),
        account: String::new(),
        initiator,
        participants,
        subject: Some(subject.into()),
        confirm: true,
    })
}

/// What the client saw of one conference, in order.
#[derive(Default)]
pub struct Seen {
    pub sequence: u64,
    pub events: Vec<Reply>,
}

impl Seen {
    /// Records an event, checking that sequence numbers have no gap.
    pub fn push(&mut self, reply: Reply) {
        let sequence = match &reply {
            Reply::ParticipantStatus(s) => s.sequence,
            Reply::ConferenceStatus(s) => s.sequence,
            _ => return self.events.push(reply),
        };
        assert_eq!(sequence, self.sequence + 1, "sequence numbers increase by one: {reply:?}");
        self.sequence = sequence;
        self.events.push(reply);
    }

    pub fn states_of(&self, participant_id: &str) -> Vec<(ParticipantState, Option<u16>)> {
        self.events
            .iter()
            .filter_map(|r| match r {
                Reply::ParticipantStatus(s) if s.participant_id == participant_id => Some((s.state, s.cause.map(|c| c.0))),
                _ => None,
            })
            .collect()
    }
}

/// Reads replies until `done` says so; returns the one that ended it.
pub async fn read_until(client: &mut Client, seen: &mut Seen, mut done: impl FnMut(&Reply) -> bool) -> Reply {
    loop {
        let reply = client.next_reply().await;
        seen.push(reply.clone());
        if done(&reply) {
            return reply;
        }
    }
}

pub fn is_conference(state: ConferenceState) -> impl Fn(&Reply) -> bool {
    move |r| matches!(r, Reply::ConferenceStatus(s) if s.state == state)
}

pub fn is_final_for(participant_id: String) -> impl Fn(&Reply) -> bool {
    move |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == participant_id && s.state.is_final())
}

/// Alice starts a conference from `initiator_phone` and waits for `active`.
pub async fn active_conference(alice: &mut Client, seen: &mut Seen, initiator_phone: &str) -> (String, String) {
    alice
        .send_request(&Request::CreateConference(CreateConference {
            confirm: false,
            subject: None,
            request_id: format!("create-{}", rollcall_shared::random::random_hex(4)),
            account: String::new(), // the user's default account
            initiator: party("Alice", initiator_phone),
            participants: Vec::new(),
        }))
        .await;
    let reply = read_until(alice, seen, |_| true).await;
    let Reply::CreateConferenceResponse { conference_id, .. } = reply else {
        panic!("the create response comes first, not {reply:?}")
    };
    read_until(alice, seen, is_conference(ConferenceState::Active)).await;
    let initiator = match &seen.events[1] {
        Reply::ParticipantStatus(ParticipantStatus { participant_id, .. }) => participant_id.clone(),
        other => panic!("the initiator's first event: {other:?}"),
    };
    (conference_id, initiator)
}

pub async fn add(alice: &mut Client, seen: &mut Seen, conference_id: &str, request_id: &str, phone: &str) -> String {
    alice
        .send_request(&Request::AddParticipant(AddParticipant {
            request_id: request_id.into(),
            conference_id: conference_id.into(),
            participant: party(request_id, phone),
        }))
        .await;
    let answer = read_until(alice, seen, |r| matches!(r, Reply::AddParticipantResponse { .. } | Reply::Fault(_))).await;
    match answer {
        Reply::AddParticipantResponse { request_id: echoed, participant_id, state, .. } => {
            assert_eq!((echoed.as_str(), state), (request_id, ParticipantState::Dialing));
            participant_id
        }
        other => panic!("AddParticipant refused: {other:?}"),
    }
}

/// A snapshot of `conference_id` (GetConference with a new request id: a
/// repeated one would be answered with the first answer again).
pub async fn snapshot(alice: &mut Client, seen: &mut Seen, conference_id: &str) -> ConferenceSnapshot {
    let request_id = format!("get-{}", rollcall_shared::random::random_hex(4));
    alice.send_request(&Request::GetConference(GetConference { request_id, conference_id: conference_id.into() })).await;
    match read_until(alice, seen, |r| matches!(r, Reply::Conference(_) | Reply::Fault(_))).await {
        Reply::Conference(snapshot) => snapshot,
        other => panic!("GetConference refused: {other:?}"),
    }
}

/// The legs of [`ended_conference`].
pub struct EndedConference {
    pub conference_id: String,
    pub initiator: String,
    /// Answered, then released by the end.
    pub answered: String,
    /// The busy test number.
    pub busy: String,
}

/// A conference that ran and was ended: the initiator at `+14255550100`,
/// one participant connected (`+14255550101`) and one busy
/// (`+15005550002`); returns once it is `terminated`.
pub async fn ended_conference(alice: &mut Client, seen: &mut Seen) -> EndedConference {
    let (conference_id, initiator) = active_conference(alice, seen, "+14255550100").await;
    let answered = add(alice, seen, &conference_id, "bob", "+14255550101").await;
    read_until(
        alice,
        seen,
        |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == answered && s.state == ParticipantState::Connected),
    )
    .await;
    let busy = add(alice, seen, &conference_id, "busy", "+15005550002").await;
    read_until(
        alice,
        seen,
        |r| matches!(r, Reply::ParticipantStatus(s) if s.participant_id == busy && s.state == ParticipantState::Busy),
    )
    .await;
    alice
        .send_request(&Request::EndConference(EndConference { request_id: "end".into(), conference_id: conference_id.clone() }))
        .await;
    read_until(alice, seen, is_conference(ConferenceState::Terminated)).await;
    EndedConference { conference_id, initiator, answered, busy }
}

pub async fn signed_in(server: &TestServer, user: &str) -> Client {
    let mut client = server.client(user).await;
    client.register().await;
    client
}

/// `user`, signed in and registered over the IM server's WebSocket on
/// loopback `port`, once the gateway answers there: a parts-as-processes
/// deployment is up (until the gateway has registered the IM server
/// answers 480; until a conference service listens, the gateway answers
/// a Fault).
pub async fn when_the_gateway_answers(port: u16, user: &str) -> Client {
    let deadline = tokio::time::Instant::now() + super::PATIENCE;
    let url = format!("ws://127.0.0.1:{port}/sip");
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            let mut client = Client::connect(&url, user).await;
            client.register().await;
            let probe = Request::ListConferences(ListConferences { request_id: rollcall_shared::random::random_hex(4) });
            if client.message_to(super::GATEWAY, &probe.encode()).await.status_code.code() == 200
                && matches!(client.next_reply().await, Reply::Conferences { .. })
            {
                return client;
            }
        }
        assert!(tokio::time::Instant::now() < deadline, "{user} reaches the gateway through port {port}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
