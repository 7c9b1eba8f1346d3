-- Several conference service instances on one database (issue 14): each
-- conference is held by one instance at a time, which renews its lease
-- while it runs. Another instance takes over a running conference whose
-- lease has run out (its instance died), and ends it with a reason. NULL
-- (rows from before, or a service without leases): anyone may take it.
ALTER TABLE conferences ADD COLUMN instance TEXT;
ALTER TABLE conferences ADD COLUMN lease_until TEXT;
