-- Sessions of the finance staff's pages (`/reports`): a finance or admin key exchanged for an
-- HttpOnly cookie. Only a hash of the cookie's random id is kept, so a database read cannot be
-- replayed as a session; the key id ties the session to its key, so revoking the key ends it.
create table report_sessions (
    id_hash text not null,
    key_id bigint not null constraint report_sessions_key_fkey references api_keys (id),
    csrf_token text not null,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    ended_at timestamptz,
    constraint report_sessions_pkey primary key (id_hash)
);
create index report_sessions_key_idx on report_sessions (key_id);
