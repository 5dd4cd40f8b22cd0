-- Same tables and columns as migrations/postgres/0006_report_sessions.sql; timestamps are RFC 3339
-- UTC text.
create table report_sessions (
    id_hash text not null,
    key_id bigint not null constraint report_sessions_key_fkey references api_keys (id),
    csrf_token text not null,
    created_at text not null,
    expires_at text not null,
    ended_at text,
    constraint report_sessions_pkey primary key (id_hash)
);
create index report_sessions_key_idx on report_sessions (key_id);
