//! The bank simulators over real HTTP: each test starts a simulator and a fake PayHub on port 0,
//! drives payments by posting the payment form as a browser would, and checks what PayHub
//! received with the adapters' own verify functions.

mod bidv;
mod browser;
mod payhub;
mod vcb;
mod vnpay;
