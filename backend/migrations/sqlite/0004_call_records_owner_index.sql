-- `GET /api/calls` lists one owner's newest call records: an index on
-- (owner, id) serves `WHERE owner = ? ORDER BY id DESC LIMIT n` without a
-- scan or a sort, however many other owners' records there are.
CREATE INDEX call_records_owner ON call_records (owner, id);
