-- Same tables and columns as migrations/postgres/0012_daily_report.sql.
-- The daily operations report (messages.md §2) reads one day of each table through these
-- indexes, so its time follows the day's volume, not the history's (BENCHMARKS.md). `if not
-- exists`: another migration may have made an index of the same name for its own reads.
create index if not exists order_events_at_idx on order_events (at);
create index if not exists payment_attempts_created_at_idx on payment_attempts (created_at);
create index if not exists payments_paid_at_idx on payments (paid_at);
create index if not exists refunds_created_idx on refunds (created_at);
create index if not exists notifications_created_idx on notifications (created_at);
create index if not exists reconciliation_runs_started_idx on reconciliation_runs (started_at);
create index if not exists discrepancies_resolved_idx on discrepancies (resolved_at);
create index if not exists discrepancies_open_idx on discrepancies (run_id) where resolved_at is null;

-- Every question PayHub asked a bank about an attempt (pending sync, reconciliation's
-- recovery) and whether the bank answered: the data bank incidents are detected from.
create table bank_queries (
    id integer primary key autoincrement,
    bank text not null constraint bank_queries_bank_check check (bank in ('vnpay', 'vcb', 'bidv')),
    attempt_id bigint not null constraint bank_queries_attempt_fkey references payment_attempts (id),
    order_id text not null,
    asked_at text not null,
    answered boolean not null,
    error text
);
create index bank_queries_asked_idx on bank_queries (asked_at);
