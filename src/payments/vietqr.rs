//! VietQR (vietqr.md): the fourth choice on the checkout page. No gateway starts anything: the
//! attempt is made with the account in force at a bank that sends credit notifications (VCB,
//! BIDV), and the citizen is sent to PayHub's own page with the code. The money arrives as a
//! transfer the account-holding bank reports (`crate::banks::credits`).

use bank_adapters::vietqr::{self, QrPayment};

use super::open_attempt::OpenAttempts;

use super::start::{new_reference, StartError};
use crate::app::AppState;
use crate::domain::agency::BeneficiarySetting;
use crate::domain::attempt::{Attempt, Channel};
use crate::domain::bank::BankCode;
use crate::domain::order::Order;
use crate::store::attempts::{AttemptError, NewAttempt};

/// The checkout form's value for this choice (`bank=vietqr`).
pub const CHOICE: &str = "vietqr";

/// The banks whose accounts can take a VietQR transfer PayHub hears of, in the order offered:
/// they send credit notifications (vietqr.md §4).
const CREDIT_NOTIFYING: [BankCode; 2] = [BankCode::Vcb, BankCode::Bidv];

/// The account a VietQR code for this order pays into: of the banks the order can be paid at
/// (`available`, from `available_banks`), the first that notifies credits and has a NAPAS BIN.
pub fn vietqr_account(
    available: &[(BankCode, BeneficiarySetting)],
) -> Option<&(BankCode, BeneficiarySetting)> {
    CREDIT_NOTIFYING.iter().find_map(|bank| {
        available
            .iter()
            .find(|(b, s)| b == bank && s.bank_bin.len() == 6)
    })
}

/// Where the citizen sees the code of `attempt`.
pub fn qr_page_url(attempt: &Attempt) -> String {
    format!(
        "/checkout/{}/vietqr/{}",
        attempt.order_id, attempt.reference
    )
}

/// Creates the VietQR attempt (a reference as for any bank, the account snapshot) and returns
/// the page that shows its code.
pub(super) async fn start_vietqr(
    app: &AppState,
    order: &Order,
    available: &[(BankCode, BeneficiarySetting)],
    open: &OpenAttempts,
    client_ip: &str,
) -> Result<String, StartError> {
    let Some((bank, setting)) = vietqr_account(available) else {
        return Err(StartError::BankNotOffered(CHOICE.into()));
    };
    // The open attempt rule: a code in progress is shown again (the citizen may have scanned
    // it already: a second code would invite a second transfer); a gateway in progress blocks.
    if let Some(c) = &open.in_progress {
        return match c.attempt.channel {
            Channel::Vietqr => Ok(qr_page_url(&c.attempt)),
            Channel::Gateway => Err(StartError::InProgress(c.attempt.bank)),
        };
    }
    let now = app.clock.now();
    let reference = new_reference();
    let new = NewAttempt {
        order_id: &order.id,
        bank: *bank,
        reference: &reference,
        setting,
        client_ip: Some(client_ip),
        bank_create_date: None,
        channel: Channel::Vietqr,
    };
    let attempt = match app.store.create_attempt(&new, order.amount, now).await {
        Ok(a) => a,
        Err(AttemptError::NotPayable(_)) => return Err(StartError::NotPayable),
        Err(AttemptError::Store(e)) => return Err(e.into()),
    };
    app.store.attempt_awaiting_transfer(&attempt, now).await?;
    Ok(qr_page_url(&attempt))
}

/// What the code of `attempt` asks the citizen's bank to do.
pub fn qr_payment(attempt: &Attempt) -> QrPayment {
    QrPayment {
        bank_bin: attempt.bank_bin.clone(),
        account_no: attempt.account_no.clone(),
        amount: attempt.amount,
        content: vietqr::transfer_content(&attempt.reference),
    }
}
