-- A user's own logged messages (GET /api/messages, rollcall log --user):
-- newest first, without a scan of everyone else's.
CREATE INDEX message_log_user ON message_log (auth_user, id);
