-- PostgreSQL's form of migrations/sqlite/0009.
DROP INDEX IF EXISTS message_log_connection;
