-- B1 baseline: the statements PayHub runs for one verified VNPAY success IPN of a redirected
-- attempt (src/http/callbacks.rs vnpay_ipn → src/store/payments.rs apply_callback_ledgered), in
-- order, as prepared statements (pgbench -M prepared; sqlx prepares and caches them too), one
-- transaction. Its two first statements stand for PayHub's order lock and attempt read in the
-- other order: pgbench must read the attempt first to learn which one this transaction takes
-- (`nextval` picks the next seeded attempt; PayHub learns it from the IPN).
begin;
select id, order_id, bank, reference, status, amount_vnd, account_no, account_name, bank_bin, terminal_code, bank_payment_id, bank_create_date, client_ip, query_count, created_at from payment_attempts where reference = (select nextval('bench_reference')::text) \gset
-- apply_callback_in: lock the attempt's order and read its status
update orders set updated_at = updated_at where id = (select order_id from payment_attempts where reference = :reference) returning status;
-- insert_payment (exactly once: unique (bank, bank_txn_id))
insert into payments (order_id, attempt_id, bank, bank_txn_id, amount_vnd, kind, credit_account, paid_at, recorded_at) values (:order_id, :id, 'vnpay', :reference, 650000, 'payment', 'BENCH001', now(), now()) on conflict (bank, bank_txn_id) do nothing;
-- transition_attempt
update payment_attempts set status = 'succeeded', updated_at = now(), result_code = coalesce('00', result_code), result_at = case when true then now() else result_at end where id = :id and status = 'redirected';
-- transition_locked_order: the change, its event and its outbox rows
update orders set status = 'paid', updated_at = now(), review_reason = coalesce(null, review_reason) where id = :order_id;
insert into order_events (order_id, at, event, from_status, to_status, actor, detail) values (:order_id, now(), 'payment_succeeded', 'pending', 'paid', 'bank' || chr(58) || 'vnpay', null);
select id, agency_code, dossier_code, procedure_code, procedure_name, payer_name, payer_id_number, amount_vnd, refunded_vnd, status, review_reason, return_url, created_by_key_id, expires_at, created_at, updated_at, paid_at from orders where id = :order_id;
select kind, code, name, amount_vnd from order_items where order_id = :order_id order by position;
select p.bank, p.bank_txn_id, p.amount_vnd, p.paid_at, a.reference from payments p join payment_attempts a on a.id = p.attempt_id where p.order_id = :order_id and p.kind = 'payment' order by p.id limit 1;
select notify_url from agencies where code = '000.00.99.H29';
select partner_code, reference, confirm_url, transaction_info from legacy_orders where order_id = :order_id;
insert into notifications (order_id, event, target, url, payload, status, attempts, next_attempt_at, lease_until, created_at) values (:order_id, 'order.paid', 'webhook', 'http://dossiers.example.gov.vn/notify', '{"id": "0d9f3a52-7c1e-4b8e-9a51-3f1c2d4e5f60","agency_code": "000.00.99.H29","dossier_code": "000.00.12.H29-seed-1","procedure_code": "1.001234","procedure_name": "Cấp giấy phép xây dựng","status": "paid","amount": "650000","refunded": "0","items": [{"kind": "charge","code": "LPXD","name": "Lệ phí cấp giấy phép xây dựng","amount": "150000"},{"kind": "fee","code": "PTD","name": "Phí thẩm định","amount": "500000"}],"payment": {"bank": "vnpay","bank_txn_id": "10000001","amount": "650000","paid_at": "2026-05-30T14:04:11Z","reference": "A7K2M9Q4X1Z2"},"checkout_url": "http://payhub.example.gov.vn/checkout/0d9f3a52-7c1e-4b8e-9a51-3f1c2d4e5f60","expires_at": "2026-05-30T15:04:11Z","created_at": "2026-05-30T14:04:11Z","paid_at": "2026-05-30T14:04:11Z"}', 'pending', 0, now(), now(), now());
update orders set paid_at = now() where id = :order_id;
-- the inbound-ledger row, in the same transaction
insert into inbound_callbacks (bank, endpoint, received_at, raw_query, raw_headers, raw_body, reference, verdict, reply_status, reply_body) values ('vnpay', 'ipn', now(), 'vnp_Amount=65000000&vnp_BankCode=NCB&vnp_BankTranNo=VNP1&vnp_CardType=ATM&vnp_OrderInfo=Thanh+toan+ho+so&vnp_PayDate=20260530210411&vnp_ResponseCode=00&vnp_TmnCode=BENCH001&vnp_TransactionNo=10000001&vnp_TransactionStatus=00&vnp_TxnRef=A7K2M9Q4X1Z2&vnp_SecureHash=0f2a6b1c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d', 'host: payhub.example.gov.vn
accept: */*', '', :reference, 'Paid', 200, '{"RspCode": "00","Message": "Confirm Success"}');
commit;
