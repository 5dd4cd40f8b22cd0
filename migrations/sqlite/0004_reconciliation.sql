-- Same tables and columns as migrations/postgres/0004_reconciliation.sql; timestamps are RFC 3339 UTC text
-- and business dates YYYY-MM-DD text.
-- Reconciliation runs (statements.md, "What a reconciliation run classifies"). Re-running a day
-- keeps every earlier run; the newest successful one is the day's current result.
create table reconciliation_runs (
    id integer primary key autoincrement,
    bank text not null constraint reconciliation_runs_bank_check check (bank in ('vnpay', 'vcb', 'bidv')),
    business_date text not null,
    status text not null constraint reconciliation_runs_status_check
        check (status in ('running', 'succeeded', 'failed')),
    source text not null constraint reconciliation_runs_source_check
        check (source in ('fetched', 'uploaded', 'cli')),
    started_by text not null,
    started_at text not null,
    finished_at text,
    is_current boolean not null default false,
    -- What was reconciled, so a report can name its statement without keeping the file.
    file_name text,
    file_sha256 text not null,
    statement_lines integer not null,
    payhub_records integer not null,
    error text
);
-- One current run per (bank, day): a second "current" is a bug, not a state.
create unique index reconciliation_runs_one_current on reconciliation_runs (bank, business_date)
    where is_current;
create index reconciliation_runs_day_idx on reconciliation_runs (bank, business_date, id);

-- Count and sum per (class, agency) of a run, every class included (matched too); the agency is
-- null for lines no agency could be found for.
create table reconciliation_totals (
    id integer primary key autoincrement,
    run_id bigint not null constraint reconciliation_totals_run_fkey references reconciliation_runs (id),
    class text not null,
    agency_code text,
    entries bigint not null,
    sum_vnd bigint not null
);
create index reconciliation_totals_run_idx on reconciliation_totals (run_id);

-- Every entry that is not `matched`, with both sides' data, so a report can be re-read later
-- without the statement file (statements.md).
create table discrepancies (
    id integer primary key autoincrement,
    run_id bigint not null constraint discrepancies_run_fkey references reconciliation_runs (id),
    class text not null constraint discrepancies_class_check check (class in ('missing_in_payhub',
        'missing_at_bank', 'amount_mismatch', 'status_mismatch', 'duplicate_payment',
        'wrong_beneficiary', 'cutoff_shift')),
    agency_code text,
    reference text not null,
    bank_txn_id text,
    order_id text,
    amount_vnd bigint not null,
    -- The bank's side: the statement line (absent for missing_at_bank and the like).
    line_no integer,
    bank_amount_vnd bigint,
    bank_status text,
    bank_at text,
    credited_account text,
    -- PayHub's side: its own record, or the related one (the payment a refund refunds).
    payment_ref text,
    payhub_amount_vnd bigint,
    payhub_status text,
    payhub_at text,
    expected_accounts text,
    -- The full line and records as JSON text, for whatever the columns above leave out.
    detail_json text not null,
    resolved_at text,
    resolved_by text,
    note text
);
create index discrepancies_run_idx on discrepancies (run_id, class, id);

-- Scheduled jobs: one row per (job, slot) claimed with `on conflict do nothing`, so that of
-- several instances on one database exactly one runs a slot (STYLE rule 10).
create table job_runs (
    job text not null,
    slot text not null,
    claimed_at text not null,
    claimed_by text not null,
    finished_at text,
    outcome text,
    run_id bigint,
    detail text,
    constraint job_runs_pkey primary key (job, slot)
);
