-- Users of the IM server. Only HA1 digests are stored, one per algorithm
-- (RFC 8760); the clear-text password is never written anywhere.
CREATE TABLE users (
    username    TEXT PRIMARY KEY NOT NULL,
    realm       TEXT NOT NULL,
    ha1_md5     TEXT NOT NULL,
    ha1_sha256  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Every SIP message the IM server receives or sends, written before it is
-- acted on or sent (PROTOCOL.md §1, "Logging").
CREATE TABLE message_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TEXT NOT NULL,
    connection_id  INTEGER NOT NULL,
    peer           TEXT NOT NULL,
    direction      TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    auth_user      TEXT,
    first_line     TEXT NOT NULL,
    message        TEXT NOT NULL
);

CREATE INDEX message_log_connection ON message_log (connection_id, id);
