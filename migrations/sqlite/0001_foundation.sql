-- Same tables and columns as migrations/postgres/0001_foundation.sql; timestamps are RFC 3339 UTC text.
create table api_keys (
    id integer primary key autoincrement,
    name text not null,
    role text not null constraint api_keys_role_check check (role in ('portal', 'finance', 'admin')),
    key_hash text not null constraint api_keys_key_hash_key unique,
    key_prefix text not null,
    created_at text not null,
    revoked_at text
);

create table agencies (
    code text primary key,
    name text not null,
    notify_url text,
    webhook_secret text not null,
    created_at text not null,
    updated_at text not null
);

create table beneficiary_accounts (
    id integer primary key autoincrement,
    agency_code text not null constraint beneficiary_accounts_agency_fkey references agencies (code),
    bank text not null constraint beneficiary_accounts_bank_check check (bank in ('vnpay', 'vcb', 'bidv')),
    fee_kind text not null constraint beneficiary_accounts_fee_kind_check
        check (fee_kind in ('fee', 'charge', 'service', 'any')),
    procedure_code text,
    account_no text not null,
    account_name text not null,
    bank_bin text not null,
    terminal_code text,
    effective_from text not null,
    created_at text not null,
    created_by text not null
);
create index beneficiary_accounts_lookup_idx
    on beneficiary_accounts (agency_code, bank, fee_kind, effective_from);

create table audit_log (
    id integer primary key autoincrement,
    at text not null,
    actor text not null,
    action text not null,
    subject text not null,
    before_json text,
    after_json text
);
create index audit_log_subject_idx on audit_log (subject, id);

-- SQLite has no grants: triggers keep the audit log append-only.
create trigger audit_log_no_update before update on audit_log
begin select raise(abort, 'audit_log is append-only'); end;
create trigger audit_log_no_delete before delete on audit_log
begin select raise(abort, 'audit_log is append-only'); end;
