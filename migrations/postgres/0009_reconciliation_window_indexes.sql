-- What a reconciliation run reads is one window of days of one bank's records (store
-- `payhub_side`): payments by payment time (payments_paid_idx), attempts without a payment by
-- creation, refunds by their last change, and each payment's attempt. Without these a run scans
-- every attempt of the bank since PayHub started, so its time grew with history, not with the day.
create index payment_attempts_created_idx on payment_attempts (bank, created_at);
create index payments_attempt_idx on payments (attempt_id);
create index refunds_updated_idx on refunds (updated_at);
