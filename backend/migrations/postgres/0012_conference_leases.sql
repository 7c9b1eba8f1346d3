-- PostgreSQL's form of migrations/sqlite/0012.
ALTER TABLE conferences ADD COLUMN instance TEXT;
ALTER TABLE conferences ADD COLUMN lease_until TEXT;
