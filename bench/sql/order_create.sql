-- B2 baseline: the statements PayHub runs for one new order (src/http/extract.rs key lookup,
-- then src/store/orders.rs create_order), in order, as prepared statements. The `nextval`
-- makes each idempotency key and dossier code new, as PayHub's load generator does.
select 'pgbench-' || n as key, '000.00.12.H29-pgbench-' || n as dossier from nextval('bench_order') n \gset
select id, name, role from api_keys where key_hash = 'pgbench-key-hash' and revoked_at is null;
begin;
insert into idempotency_keys (api_key_id, idempotency_key, request_fingerprint, response_status, response_body, created_at) values (1, :key, 'a3f1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9', 0, '', now()) on conflict do nothing;
select code from agencies where code = '000.00.99.H29';
select id, agency_code, bank, fee_kind, procedure_code, account_no, account_name, bank_bin, terminal_code, effective_from, created_at, created_by from beneficiary_accounts where agency_code = '000.00.99.H29' order by effective_from, id;
select id, expires_at from orders where agency_code = '000.00.99.H29' and dossier_code = :dossier and status = 'pending';
insert into orders (id, agency_code, dossier_code, procedure_code, procedure_name, payer_name, payer_id_number, amount_vnd, status, return_url, created_by_key_id, expires_at, created_at, updated_at, item_kinds) values (:key, '000.00.99.H29', :dossier, '1.001234', 'Cấp giấy phép xây dựng', 'Nguyễn Văn A', '001090012345', 650000, 'pending', 'https://portal.example.gov.vn/dossiers/1', 1, now() + interval '1 hour', now(), now(), 3);
insert into order_items (order_id, position, kind, code, name, amount_vnd) values (:key, 0, 'charge', 'LPXD', 'Lệ phí cấp giấy phép xây dựng', 150000);
insert into order_items (order_id, position, kind, code, name, amount_vnd) values (:key, 1, 'fee', 'PTD', 'Phí thẩm định', 500000);
insert into order_events (order_id, at, event, from_status, to_status, actor, detail) values (:key, now(), 'created', null, 'pending', 'key:1', null);
select id, agency_code, dossier_code, procedure_code, procedure_name, payer_name, payer_id_number, amount_vnd, refunded_vnd, status, review_reason, return_url, created_by_key_id, expires_at, created_at, updated_at, paid_at from orders where id = :key;
select kind, code, name, amount_vnd from order_items where order_id = :key order by position;
select p.bank, p.bank_txn_id, p.amount_vnd, p.paid_at, a.reference from payments p join payment_attempts a on a.id = p.attempt_id where p.order_id = :key and p.kind = 'payment' order by p.id limit 1;
update idempotency_keys set response_status = 201, response_body = '{"id": "0d9f3a52-7c1e-4b8e-9a51-3f1c2d4e5f60","agency_code": "000.00.99.H29","dossier_code": "000.00.12.H29-pgbench-1","procedure_code": "1.001234","procedure_name": "Cấp giấy phép xây dựng","status": "pending","amount": "650000","refunded": "0","items": [{"kind": "charge","code": "LPXD","name": "Lệ phí cấp giấy phép xây dựng","amount": "150000"},{"kind": "fee","code": "PTD","name": "Phí thẩm định","amount": "500000"}],"payment": null,"checkout_url": "http://payhub.example.gov.vn/checkout/0d9f3a52-7c1e-4b8e-9a51-3f1c2d4e5f60","expires_at": "2026-05-30T15:04:11Z","created_at": "2026-05-30T14:04:11Z","paid_at": null}' where api_key_id = 1 and idempotency_key = :key;
commit;
