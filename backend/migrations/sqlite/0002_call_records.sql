-- Call records: the billing data of the seed. One row per call leg that
-- was handed to the bridge (dialled), written when the leg reaches a final
-- state. Legs that were accepted but never dialled (a listed participant of
-- a conference whose initiator never answered) cost nothing and get no row.
-- Times are RFC 3339 UTC with milliseconds, like message_log.at.
CREATE TABLE call_records (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account         TEXT NOT NULL,     -- c:account named at CreateConference
    owner           TEXT NOT NULL,     -- the AOR that created the conference
    conference_id   TEXT NOT NULL,
    participant_id  TEXT NOT NULL,
    number          TEXT NOT NULL,     -- E.164, as dialled
    started_at      TEXT NOT NULL,     -- when the leg was dialled
    answered_at     TEXT,              -- NULL when never answered
    ended_at        TEXT NOT NULL,
    final_state     TEXT NOT NULL,     -- busy, no-answer, failed, disconnected
    cause           INTEGER            -- Q.850 cause of the final state
);

CREATE INDEX call_records_account ON call_records (account, id);
CREATE INDEX call_records_conference ON call_records (conference_id, id);
