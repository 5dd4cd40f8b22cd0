-- Same tables and columns as migrations/postgres/0005_pending_sync_refunds.sql.
alter table payment_attempts add column last_queried_at text;
alter table payment_attempts add column last_query_result text;

alter table refunds add column failure_reason text;
create index refunds_payment_idx on refunds (payment_id, status);
