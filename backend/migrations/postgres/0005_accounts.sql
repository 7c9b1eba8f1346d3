-- PostgreSQL's form of migrations/sqlite/0005.
CREATE TABLE accounts (
    username   TEXT NOT NULL,
    account    TEXT NOT NULL,
    is_default BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (username, account)
);
