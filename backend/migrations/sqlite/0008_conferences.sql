-- Durable conference state (issue "Nothing lost"): every conference as of
-- its last event, written through by the conference service in the order
-- its events are sent, and read back at start. `snapshot` is the
-- conference as `b:getConferenceInfo` answers it (SOAP, urn:rollcall:bridge:1):
-- states, causes, sequence and every leg.
CREATE TABLE conferences (
    id          TEXT PRIMARY KEY NOT NULL,
    owner       TEXT NOT NULL,
    account     TEXT NOT NULL,
    created     INTEGER NOT NULL,     -- creation order within its service
    terminated  INTEGER NOT NULL,     -- 0 while it runs
    updated_at  TEXT NOT NULL,
    snapshot    TEXT NOT NULL
);

CREATE INDEX conferences_open ON conferences (terminated, updated_at);
