-- PostgreSQL's form of migrations/sqlite/0002.
CREATE TABLE call_records (
    id              BIGSERIAL PRIMARY KEY,
    account         TEXT NOT NULL,
    owner           TEXT NOT NULL,
    conference_id   TEXT NOT NULL,
    participant_id  TEXT NOT NULL,
    number          TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    answered_at     TEXT,
    ended_at        TEXT NOT NULL,
    final_state     TEXT NOT NULL,
    cause           BIGINT
);

CREATE INDEX call_records_account ON call_records (account, id);
CREATE INDEX call_records_conference ON call_records (conference_id, id);
