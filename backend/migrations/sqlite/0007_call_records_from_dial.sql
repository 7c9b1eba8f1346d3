-- Call records exist from the moment a leg is dialled (issue "Nothing
-- lost"): ended_at is NULL until the leg ends, and final_state is the state
-- it reached so far ('dialing'). A crash leaves the record with its start.
-- SQLite cannot drop a NOT NULL constraint in place: the table is rebuilt.
CREATE TABLE call_records_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account         TEXT NOT NULL,
    owner           TEXT NOT NULL,
    conference_id   TEXT NOT NULL,
    participant_id  TEXT NOT NULL,
    number          TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    answered_at     TEXT,
    ended_at        TEXT,              -- NULL while the leg is live (or was when the process died)
    final_state     TEXT NOT NULL,
    cause           INTEGER
);
INSERT INTO call_records_new SELECT * FROM call_records;
DROP TABLE call_records;
ALTER TABLE call_records_new RENAME TO call_records;
CREATE INDEX call_records_account ON call_records (account, id);
CREATE INDEX call_records_conference ON call_records (conference_id, id);
CREATE INDEX call_records_owner ON call_records (owner, id);
CREATE INDEX call_records_open ON call_records (conference_id, participant_id) WHERE ended_at IS NULL;
