-- PostgreSQL's form of migrations/sqlite/0001 (read that file for why):
-- each step here mirrors the SQLite step of the same number and name.
-- Integers are BIGINT throughout (the code reads every integer as i64).

CREATE TABLE users (
    username    TEXT PRIMARY KEY NOT NULL,
    realm       TEXT NOT NULL,
    ha1_md5     TEXT NOT NULL,
    ha1_sha256  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE message_log (
    id             BIGSERIAL PRIMARY KEY,
    at             TEXT NOT NULL,
    connection_id  BIGINT NOT NULL,
    peer           TEXT NOT NULL,
    direction      TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    auth_user      TEXT,
    first_line     TEXT NOT NULL,
    message        TEXT NOT NULL
);

CREATE INDEX message_log_connection ON message_log (connection_id, id);

-- SQLite's instr(haystack, needle): the store's queries use it on both.
CREATE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS INTEGER
    LANGUAGE SQL IMMUTABLE STRICT PARALLEL SAFE
    AS 'SELECT strpos(haystack, needle)';
