-- Address books (seed Figure 3: "the personal information manager or an
-- external directory service"). One table for both books: `owner` is the
-- user whose personal contacts hold the entry, NULL for the global
-- directory. `username` links a directory entry to the Rollcall user it
-- describes, so the server knows a user's own e-mails and numbers (the
-- initiator of "conference everyone").
--
-- E-mails and numbers are JSON arrays in the row, not child tables: they are
-- always read and written with their entry, and resolution and merging run
-- in memory (rollcall_shared::directory) over whole books.
CREATE TABLE address_entries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    owner       TEXT,              -- NULL: the global directory
    username    TEXT,              -- directory only: this entry is that user
    name        TEXT NOT NULL,
    emails      TEXT NOT NULL,     -- JSON ["a@b.c", …]
    phones      TEXT NOT NULL,     -- JSON [{"number":"+1…","location":"work"}, …]
    created_at  TEXT NOT NULL
);

CREATE INDEX address_entries_owner ON address_entries (owner, id);

-- Each user's e-mails (uploaded .eml files, or seeded by --demo). The
-- addresses are JSON arrays of {"name":…,"email":…}; `sent_at` is the Date
-- header as RFC 3339 when it had one.
CREATE TABLE inbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    owner        TEXT NOT NULL,
    subject      TEXT NOT NULL,
    sender       TEXT NOT NULL,    -- JSON {"name":…,"email":…}
    to_list      TEXT NOT NULL,    -- JSON [{"name":…,"email":…}, …]
    cc_list      TEXT NOT NULL,
    sent_at      TEXT,
    snippet      TEXT NOT NULL,
    received_at  TEXT NOT NULL
);

CREATE INDEX inbox_owner ON inbox (owner, id);
