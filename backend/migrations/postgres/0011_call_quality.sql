-- PostgreSQL's form of migrations/sqlite/0011.
ALTER TABLE call_records ADD COLUMN rx_loss_permille BIGINT;
ALTER TABLE call_records ADD COLUMN rx_jitter_us BIGINT;
ALTER TABLE call_records ADD COLUMN tx_loss_permille BIGINT;
ALTER TABLE call_records ADD COLUMN tx_jitter_us BIGINT;
