-- Billing accounts a user may name in c:account (PROTOCOL.md §8), beyond the
-- one every user has implicitly: the account named after the user. At most
-- one row per user is the default; with none, the user's own account is.
CREATE TABLE accounts (
    username   TEXT NOT NULL,
    account    TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (username, account)
);
