-- PostgreSQL's form of migrations/sqlite/0006.
CREATE INDEX message_log_user ON message_log (auth_user, id);
