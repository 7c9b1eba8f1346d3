-- Who each logged message belongs to, for "a user's own messages" (GET
-- /api/messages, rollcall log --user). As an index on message_log it was
-- updated by every group commit, one leaf page per user in the batch: with
-- a few dozen users writing, most of what a commit wrote. The log's writer
-- now fills this table in sorted batches about once a second; messages
-- newer than message_log_indexed.upto are found by reading the log's tail.
CREATE TABLE message_log_users (
    id        INTEGER PRIMARY KEY,   -- message_log.id
    auth_user TEXT NOT NULL
);
CREATE INDEX message_log_users_by_user ON message_log_users (auth_user, id);
INSERT INTO message_log_users (id, auth_user) SELECT id, auth_user FROM message_log WHERE auth_user IS NOT NULL;

-- The highest message_log.id whose owner is in message_log_users.
CREATE TABLE message_log_indexed (upto INTEGER NOT NULL);
INSERT INTO message_log_indexed (upto) SELECT COALESCE(MAX(id), 0) FROM message_log;

DROP INDEX IF EXISTS message_log_user;
