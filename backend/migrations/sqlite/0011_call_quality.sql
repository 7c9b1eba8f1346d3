-- How good each answered leg's audio was, from RTCP (the SIP bridge):
-- what the bridge received (loss in 1/1000, interarrival jitter in µs)
-- and what the phone reported receiving. NULL for legs without real audio.
ALTER TABLE call_records ADD COLUMN rx_loss_permille INTEGER;
ALTER TABLE call_records ADD COLUMN rx_jitter_us INTEGER;
ALTER TABLE call_records ADD COLUMN tx_loss_permille INTEGER;
ALTER TABLE call_records ADD COLUMN tx_jitter_us INTEGER;
