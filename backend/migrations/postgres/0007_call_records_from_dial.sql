-- PostgreSQL's form of migrations/sqlite/0007: PostgreSQL drops the NOT
-- NULL in place.
ALTER TABLE call_records ALTER COLUMN ended_at DROP NOT NULL;
CREATE INDEX call_records_open ON call_records (conference_id, participant_id) WHERE ended_at IS NULL;
