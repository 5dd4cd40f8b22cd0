-- Same tables and columns as migrations/postgres/0007_legacy_receipts.sql.
create table legacy_partners (
    code text primary key,
    api_key_id integer not null constraint legacy_partners_key_fkey references api_keys (id),
    created_at text not null
);

create table legacy_orders (
    order_id text primary key constraint legacy_orders_order_fkey references orders (id),
    partner_code text not null constraint legacy_orders_partner_fkey references legacy_partners (code),
    reference text not null,
    confirm_url text not null,
    transaction_info text not null,
    created_at text not null,
    constraint legacy_orders_reference_key unique (partner_code, reference)
);

create table receipts (
    order_id text primary key constraint receipts_order_fkey references orders (id),
    token text not null constraint receipts_token_key unique,
    created_at text not null
);
