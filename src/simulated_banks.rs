//! The three bank simulators wired to one PayHub over real HTTP on localhost: what `payhub demo`
//! and the end-to-end tests share. PayHub's listener is bound first so the banks know where to
//! call back; then the banks start on free ports; then PayHub is configured with their addresses.

use std::net::SocketAddr;
use std::time::Duration;

use bank_adapters::bidv::simulator as bidv_sim;
use bank_adapters::simulator::{Controls, RetrySchedule, SimHandle};
use bank_adapters::vcb::simulator as vcb_sim;
use bank_adapters::vnpay::simulator as vnpay_sim;
use bank_adapters::BankCode;
use chrono::TimeDelta;

use crate::config::{BanksConfig, BidvConfig, VcbConfig, VnpayConfig, VnpayTerminal};

/// The credentials PayHub and the simulated banks agree on (each bank's spec: VNPAY's terminal
/// and hash secret, VCB's merchant id and secret, BIDV's partner code and secret).
#[derive(Debug, Clone)]
pub struct Credentials {
    pub vnpay_terminal: String,
    pub vnpay_secret: String,
    pub vcb_merchant: String,
    pub vcb_secret: String,
    pub bidv_partner: String,
    pub bidv_secret: String,
}

/// The three simulators, each serving on a port of its own.
pub struct SimulatedBanks {
    pub vnpay: SimHandle<vnpay_sim::Simulator>,
    pub vcb: SimHandle<vcb_sim::Simulator>,
    pub bidv: SimHandle<bidv_sim::Simulator>,
}

impl SimulatedBanks {
    /// Starts the three banks on free ports of 127.0.0.1, calling back `payhub` (PayHub's base
    /// URL) every `retry_every` until acknowledged, as many times as each bank's spec says:
    /// the specs' schedules compressed from minutes to `retry_every`.
    pub async fn spawn(
        payhub: &str,
        credentials: &Credentials,
        retry_every: Duration,
    ) -> std::io::Result<SimulatedBanks> {
        let any_port: SocketAddr = ([127, 0, 0, 1], 0).into();
        let c = credentials;
        let mut vnpay = vnpay_sim::SimulatorConfig::new(
            vec![(c.vnpay_terminal.clone(), c.vnpay_secret.clone())],
            format!("{payhub}/callbacks/vnpay/ipn"),
        );
        vnpay.settings.retry = RetrySchedule::every(retry_every, vnpay_sim::SPEC_RETRIES);
        let mut vcb = vcb_sim::SimulatorConfig::new(&c.vcb_merchant, &c.vcb_secret);
        vcb.settings.retry = RetrySchedule::every(retry_every, vcb_sim::SPEC_RETRIES);
        vcb.credits_url = Some(format!(
            "{payhub}{}",
            bank_adapters::vcb::CREDITS_CALLBACK_PATH
        ));
        let mut bidv = bidv_sim::SimulatorConfig::new(&c.bidv_partner, &c.bidv_secret, payhub);
        bidv.settings.retry = RetrySchedule::every(retry_every, bidv_sim::SPEC_RETRIES);
        Ok(SimulatedBanks {
            vnpay: vnpay_sim::spawn(vnpay, any_port).await?,
            vcb: vcb_sim::spawn(vcb, any_port).await?,
            bidv: bidv_sim::spawn(bidv, any_port).await?,
        })
    }

    /// PayHub's `[banks]` section pointing at these simulators.
    pub fn config(&self, credentials: &Credentials) -> BanksConfig {
        let c = credentials;
        BanksConfig {
            vnpay: Some(VnpayConfig {
                pay_url: self.vnpay.pay_url(),
                api_url: self.vnpay.api_url(),
                terminals: vec![VnpayTerminal {
                    code: c.vnpay_terminal.clone(),
                    hash_secret: c.vnpay_secret.clone().into(),
                }],
            }),
            vcb: Some(VcbConfig {
                base_url: self.vcb.base_url(),
                merchant_id: c.vcb_merchant.clone(),
                secret: c.vcb_secret.clone().into(),
            }),
            bidv: Some(BidvConfig {
                base_url: self.bidv.base_url(),
                partner_code: c.bidv_partner.clone(),
                secret: c.bidv_secret.clone().into(),
            }),
            ..BanksConfig::default()
        }
    }

    /// One bank's knobs and ledger.
    pub fn controls(&self, bank: BankCode) -> &Controls {
        match bank {
            BankCode::Vnpay => &self.vnpay,
            BankCode::Vcb => &self.vcb,
            BankCode::Bidv => &self.bidv,
        }
    }

    /// Each bank's knobs and ledger, in the order VNPAY, VCB, BIDV.
    pub fn all(&self) -> [&Controls; 3] {
        [&*self.vnpay, &*self.vcb, &*self.bidv]
    }

    /// Moves every bank's clock to the system clock plus `offset`, to keep them in step with a
    /// PayHub clock moved the same way (signatures carry times each side checks).
    pub fn set_clock_offset(&self, offset: TimeDelta) {
        for bank in self.all() {
            bank.set_clock_offset(offset);
        }
    }
}
