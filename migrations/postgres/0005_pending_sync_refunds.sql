-- Pending sync: what the bank last said about an unresolved attempt, for finance staff.
alter table payment_attempts add column last_queried_at timestamptz;
alter table payment_attempts add column last_query_result text;

-- Refunds: why a refund failed (the bank's refusal, or that it could not be reached).
alter table refunds add column failure_reason text;
create index refunds_payment_idx on refunds (payment_id, status);
