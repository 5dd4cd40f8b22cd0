//! BIDV's `MaLoi` reply codes, one enum per message because each message gives the codes its own
//! meaning (bidv.md §1–§5).

/// `MaLoi` of BIDV's reply to a bill registration (§1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterCode {
    /// `00`.
    Ok,
    /// `05`: the bill code is already registered.
    AlreadyRegistered,
    /// `97`: BIDV says our checksum is wrong.
    BadChecksum,
    /// `99`.
    Error,
    /// A code the spec does not list, verbatim.
    Unknown(String),
}

impl RegisterCode {
    /// Maps BIDV's code.
    pub fn parse(ma_loi: &str) -> RegisterCode {
        match ma_loi {
            "00" => RegisterCode::Ok,
            "05" => RegisterCode::AlreadyRegistered,
            "97" => RegisterCode::BadChecksum,
            "99" => RegisterCode::Error,
            other => RegisterCode::Unknown(other.to_owned()),
        }
    }
}

/// `MaLoi` of BIDV's reply to a query (§4) or refund (§5). The spec lists no codes for these but
/// `00`; `01`, `97` and `99` are read as in every other BIDV message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyCode {
    /// `00`.
    Ok,
    /// `01`: BIDV knows no such bill (§2 and §3 give `01` this meaning).
    BillNotFound,
    /// `97`: BIDV says our checksum is wrong.
    BadChecksum,
    /// `99`.
    Error,
    /// Any other code, verbatim.
    Unknown(String),
}

impl ReplyCode {
    /// Maps BIDV's code.
    pub fn parse(ma_loi: &str) -> ReplyCode {
        match ma_loi {
            "00" => ReplyCode::Ok,
            "01" => ReplyCode::BillNotFound,
            "97" => ReplyCode::BadChecksum,
            "99" => ReplyCode::Error,
            other => ReplyCode::Unknown(other.to_owned()),
        }
    }
}

/// `MaLoi` PayHub answers an inquiry with (§2). An inquiry never changes state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InquiryCode {
    /// `00`: payable.
    Payable,
    /// `01`: no such bill.
    NotFound,
    /// `02`: already paid.
    AlreadyPaid,
    /// `03`: expired or cancelled.
    ExpiredOrCancelled,
    /// `97`: bad checksum (also: unknown partner, stale `ThoiGian`).
    BadChecksum,
    /// `99`: error.
    Error,
}

impl InquiryCode {
    /// The wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            InquiryCode::Payable => "00",
            InquiryCode::NotFound => "01",
            InquiryCode::AlreadyPaid => "02",
            InquiryCode::ExpiredOrCancelled => "03",
            InquiryCode::BadChecksum => "97",
            InquiryCode::Error => "99",
        }
    }
}

/// `MaLoi` PayHub answers a payment notification with (§3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyCode {
    /// `00`: recorded, also for a repeat of the same `MaGiaoDich`.
    Recorded,
    /// `01`: no such bill.
    BillNotFound,
    /// `02`: the bill was already paid by a *different* `MaGiaoDich`; recorded as a duplicate
    /// payment to refund.
    PaidByAnother,
    /// `04`: amount mismatch; recorded for refund.
    AmountMismatch,
    /// `97`: bad checksum; nothing recorded.
    BadChecksum,
    /// `99`: error.
    Error,
}

impl NotifyCode {
    /// The wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyCode::Recorded => "00",
            NotifyCode::BillNotFound => "01",
            NotifyCode::PaidByAnother => "02",
            NotifyCode::AmountMismatch => "04",
            NotifyCode::BadChecksum => "97",
            NotifyCode::Error => "99",
        }
    }

    /// `MoTa`: the spec gives only `Thanh cong` (§1); the rest is PayHub's wording, without
    /// diacritics as in the spec's examples.
    pub fn message(self) -> &'static str {
        match self {
            NotifyCode::Recorded => "Thanh cong",
            NotifyCode::BillNotFound => "Khong tim thay hoa don",
            NotifyCode::PaidByAnother => "Hoa don da duoc thanh toan boi giao dich khac",
            NotifyCode::AmountMismatch => "So tien khong khop",
            NotifyCode::BadChecksum => "Sai chu ky",
            NotifyCode::Error => "Loi he thong",
        }
    }

    /// Whether BIDV stops retrying on this reply (§3: it retries on anything but `00` or `02`).
    pub fn stops_retries(self) -> bool {
        matches!(self, NotifyCode::Recorded | NotifyCode::PaidByAnother)
    }
}
