-- PostgreSQL's form of migrations/sqlite/0010.
CREATE TABLE message_log_users (
    id        BIGINT PRIMARY KEY,
    auth_user TEXT NOT NULL
);
CREATE INDEX message_log_users_by_user ON message_log_users (auth_user, id);
INSERT INTO message_log_users (id, auth_user) SELECT id, auth_user FROM message_log WHERE auth_user IS NOT NULL;

CREATE TABLE message_log_indexed (upto BIGINT NOT NULL);
INSERT INTO message_log_indexed (upto) SELECT COALESCE(MAX(id), 0) FROM message_log;

DROP INDEX IF EXISTS message_log_user;
