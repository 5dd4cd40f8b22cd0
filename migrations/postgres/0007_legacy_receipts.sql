-- The previous platform's partners (legacy-platform.md): each one acts through an API key of its
-- own, created on its first INIT and never shown, so its orders are ordinary orders and its
-- idempotency keys are its own (`legacy:<MaThamChieu>` under that key).
create table legacy_partners (
    code text primary key,
    api_key_id bigint not null constraint legacy_partners_key_fkey references api_keys (id),
    created_at timestamptz not null
);

-- An order created through INIT: the partner's reference to it and what CONFIRM needs later.
create table legacy_orders (
    order_id text primary key constraint legacy_orders_order_fkey references orders (id),
    partner_code text not null constraint legacy_orders_partner_fkey references legacy_partners (code),
    reference text not null,
    confirm_url text not null,
    transaction_info text not null,
    created_at timestamptz not null,
    constraint legacy_orders_reference_key unique (partner_code, reference)
);

-- The payment receipt's verification token: random, so a receipt cannot be found by guessing.
create table receipts (
    order_id text primary key constraint receipts_order_fkey references orders (id),
    token text not null constraint receipts_token_key unique,
    created_at timestamptz not null
);
