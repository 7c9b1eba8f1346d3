-- PostgreSQL's form of migrations/sqlite/0003.
CREATE TABLE address_entries (
    id          BIGSERIAL PRIMARY KEY,
    owner       TEXT,
    username    TEXT,
    name        TEXT NOT NULL,
    emails      TEXT NOT NULL,
    phones      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE INDEX address_entries_owner ON address_entries (owner, id);

CREATE TABLE inbox (
    id           BIGSERIAL PRIMARY KEY,
    owner        TEXT NOT NULL,
    subject      TEXT NOT NULL,
    sender       TEXT NOT NULL,
    to_list      TEXT NOT NULL,
    cc_list      TEXT NOT NULL,
    sent_at      TEXT,
    snippet      TEXT NOT NULL,
    received_at  TEXT NOT NULL
);

CREATE INDEX inbox_owner ON inbox (owner, id);
