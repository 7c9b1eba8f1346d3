-- No query reads the message log by connection (operators search by user,
-- Call-ID, time or text), and every insert paid for this index: with many
-- connections writing at once each of them touched its own index page, so
-- a group commit wrote one more page per connection in the batch.
DROP INDEX IF EXISTS message_log_connection;
