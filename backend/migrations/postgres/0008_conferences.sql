-- PostgreSQL's form of migrations/sqlite/0008.
CREATE TABLE conferences (
    id          TEXT PRIMARY KEY NOT NULL,
    owner       TEXT NOT NULL,
    account     TEXT NOT NULL,
    created     BIGINT NOT NULL,
    terminated  BIGINT NOT NULL,
    updated_at  TEXT NOT NULL,
    snapshot    TEXT NOT NULL
);

CREATE INDEX conferences_open ON conferences (terminated, updated_at);
