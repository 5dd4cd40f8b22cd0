-- Same tables and columns as migrations/postgres/0002_orders.sql; timestamps are RFC 3339 UTC text.
-- Orders are created by dossier systems; the id is a random UUID because it appears in the
-- citizen's checkout URL and must not be guessable.
create table orders (
    id text primary key,
    agency_code text not null constraint orders_agency_fkey references agencies (code),
    dossier_code text not null,
    procedure_code text not null,
    procedure_name text not null,
    payer_name text not null,
    payer_id_number text,
    amount_vnd bigint not null constraint orders_amount_check check (amount_vnd > 0),
    refunded_vnd bigint not null default 0 constraint orders_refunded_check check (refunded_vnd >= 0),
    status text not null constraint orders_status_check
        check (status in ('pending', 'paid', 'expired', 'cancelled', 'refunded', 'partially_refunded')),
    -- Paid after it expired or was cancelled: the money moved, finance staff must look at it.
    review_reason text,
    return_url text not null,
    created_by_key_id bigint not null constraint orders_key_fkey references api_keys (id),
    expires_at text not null,
    created_at text not null,
    updated_at text not null,
    paid_at text
);
-- One open order per dossier (api.md): the second pending one is a conflict.
create unique index orders_one_pending_per_dossier on orders (agency_code, dossier_code)
    where status = 'pending';
create index orders_created_idx on orders (created_at, id);
create index orders_pending_expiry_idx on orders (expires_at) where status = 'pending';

create table order_items (
    order_id text not null constraint order_items_order_fkey references orders (id),
    position integer not null,
    kind text not null constraint order_items_kind_check check (kind in ('fee', 'charge', 'service')),
    code text not null,
    name text not null,
    amount_vnd bigint not null constraint order_items_amount_check check (amount_vnd > 0),
    constraint order_items_pkey primary key (order_id, position)
);

-- Stripe's idempotency: the first reply is kept with a fingerprint of the request, per API key.
create table idempotency_keys (
    api_key_id bigint not null constraint idempotency_keys_key_fkey references api_keys (id),
    idempotency_key text not null,
    request_fingerprint text not null,
    response_status integer not null,
    response_body text not null,
    created_at text not null,
    constraint idempotency_keys_pkey primary key (api_key_id, idempotency_key)
);

-- Every state change of an order, for audit: who or what caused it, from and to.
create table order_events (
    id integer primary key autoincrement,
    order_id text not null constraint order_events_order_fkey references orders (id),
    at text not null,
    event text not null,
    from_status text,
    to_status text not null,
    actor text not null,
    detail text
);
create index order_events_order_idx on order_events (order_id, id);

-- The outbox: written in the same transaction as the order's change, delivered by the dispatcher.
create table notifications (
    id integer primary key autoincrement,
    order_id text not null constraint notifications_order_fkey references orders (id),
    event text not null,
    target text not null constraint notifications_target_check check (target in ('webhook', 'legacy_confirm')),
    url text not null,
    payload text not null,
    status text not null constraint notifications_status_check
        check (status in ('pending', 'delivered', 'dead')),
    attempts integer not null default 0,
    next_attempt_at text not null,
    lease_until text not null,
    created_at text not null,
    delivered_at text
);
create index notifications_due_idx on notifications (next_attempt_at) where status = 'pending';
create index notifications_order_idx on notifications (order_id, id);

create table notification_deliveries (
    id integer primary key autoincrement,
    notification_id bigint not null constraint notification_deliveries_fkey references notifications (id),
    attempt integer not null,
    attempted_at text not null,
    status_code integer,
    latency_ms bigint not null,
    response_snippet text,
    error text,
    constraint notification_deliveries_attempt_key unique (notification_id, attempt)
);
