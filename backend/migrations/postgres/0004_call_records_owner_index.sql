-- PostgreSQL's form of migrations/sqlite/0004.
CREATE INDEX call_records_owner ON call_records (owner, id);
