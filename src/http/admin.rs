//! Admin routes: agencies, beneficiary accounts (versioned by `effective_from`), the audit log.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery, Auth};
use crate::app::AppState;
use crate::domain::agency::{
    AccountNo, AgencyCode, BeneficiarySetting, FeeKindScope, FieldError, NewBeneficiarySetting,
    ProcedureCode,
};
use crate::domain::bank::{bank_code, is_known_bank_bin, BankCode};
use crate::domain::keys::Role;
use crate::domain::order::check_https_url;
use crate::store::agencies::Upserted;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/agencies/{code}",
            put(upsert_agency).get(show_agency),
        )
        .route(
            "/api/v1/agencies/{code}/beneficiary-accounts",
            get(list_beneficiary_accounts).post(add_beneficiary_account),
        )
        .route("/api/v1/audit", get(list_audit))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyBody {
    pub name: String,
    #[serde(default)]
    pub notify_url: Option<String>,
}

/// Upserts an agency. The first reply (`201`) carries its `webhook_secret`, shown once.
#[utoipa::path(put, path = "/api/v1/agencies/{code}", request_body = AgencyBody, tag = "admin",
    responses((status = 201, description = "created"), (status = 200, description = "updated")))]
async fn upsert_agency(
    State(app): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<AgencyBody>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Admin])?;
    let code = AgencyCode::parse(&code)?;
    let mut errors = Vec::new();
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 300 {
        errors.push(FieldError::new("name", "must be 1-300 characters"));
    }
    if let Some(url) = &body.notify_url {
        errors.extend(check_https_url("notify_url", url).err());
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let done = app
        .store
        .upsert_agency(
            &code,
            name,
            body.notify_url.as_deref(),
            &caller.actor(),
            app.clock.now(),
        )
        .await?;
    Ok(match done {
        Upserted::Created(a) => {
            let mut value = json!(a);
            value["webhook_secret"] = json!(a.webhook_secret);
            (StatusCode::CREATED, Json(value)).into_response()
        }
        Upserted::Updated(a) => Json(a).into_response(),
    })
}

#[utoipa::path(get, path = "/api/v1/agencies/{code}", tag = "admin")]
async fn show_agency(
    State(app): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    auth.allow(&[Role::Admin, Role::Finance])?;
    let agency = app.store.agency(&code).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(agency).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeneficiaryBody {
    pub bank: String,
    pub fee_kind: String,
    #[serde(default)]
    pub procedure_code: Option<String>,
    pub account_no: String,
    pub account_name: String,
    pub bank_bin: String,
    #[serde(default)]
    pub terminal_code: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub effective_from: DateTime<FixedOffset>,
    /// Allows an `effective_from` more than a day in the past.
    #[serde(default)]
    pub backdate: bool,
}

impl BeneficiaryBody {
    /// Every problem at once, so an admin fixes the form in one go.
    fn parse(self, app: &AppState, now: DateTime<Utc>) -> Result<NewBeneficiarySetting, ApiError> {
        let mut errors = Vec::new();
        let bank = bank_code(&self.bank);
        if bank.is_none() {
            errors.push(FieldError::new("bank", "must be vnpay, vcb or bidv"));
        }
        let fee_kind = FeeKindScope::parse(&self.fee_kind);
        if fee_kind.is_none() {
            errors.push(FieldError::new(
                "fee_kind",
                "must be fee, charge, service or any",
            ));
        }
        let procedure_code = self
            .procedure_code
            .as_deref()
            .map(ProcedureCode::parse)
            .transpose();
        let account_no = AccountNo::parse(&self.account_no);
        errors.extend(procedure_code.clone().err());
        errors.extend(account_no.clone().err());
        let account_name = self.account_name.trim().to_owned();
        if account_name.is_empty() || account_name.chars().count() > 200 {
            errors.push(FieldError::new("account_name", "must be 1-200 characters"));
        }
        if !is_known_bank_bin(&self.bank_bin) {
            errors.push(FieldError::new("bank_bin", "is not a known NAPAS bank id"));
        }
        match (bank, self.terminal_code.as_deref()) {
            (Some(BankCode::Vnpay), Some(t)) if app.config.vnpay_secret(t).is_some() => {}
            (Some(BankCode::Vnpay), _) => errors.push(FieldError::new(
                "terminal_code",
                "a VNPAY setting must name a configured VNPAY terminal",
            )),
            (_, Some(_)) => errors.push(FieldError::new(
                "terminal_code",
                "only VNPAY settings name a terminal",
            )),
            _ => {}
        }
        let effective_from = self.effective_from.with_timezone(&Utc);
        if effective_from < now - Duration::days(1) && !self.backdate {
            errors.push(FieldError::new(
                "effective_from",
                "is more than a day in the past; send \"backdate\": true to mean it",
            ));
        }
        match (bank, fee_kind, procedure_code, account_no) {
            (Some(bank), Some(fee_kind), Ok(procedure_code), Ok(account_no))
                if errors.is_empty() =>
            {
                Ok(NewBeneficiarySetting {
                    bank,
                    fee_kind,
                    procedure_code,
                    account_no,
                    account_name,
                    bank_bin: self.bank_bin,
                    terminal_code: self.terminal_code,
                    effective_from,
                })
            }
            _ => Err(ApiError::Validation(errors)),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/agencies/{code}/beneficiary-accounts",
    request_body = BeneficiaryBody, tag = "admin", responses((status = 201, description = "added")))]
async fn add_beneficiary_account(
    State(app): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<BeneficiaryBody>,
) -> Result<Response, ApiError> {
    let caller = auth.allow(&[Role::Admin])?;
    let code = AgencyCode::parse(&code)?;
    let now = app.clock.now();
    let new = body.parse(&app, now)?;
    let setting = app
        .store
        .add_beneficiary_setting(&code, &new, &caller.actor(), now)
        .await?;
    Ok((StatusCode::CREATED, Json(setting)).into_response())
}

/// A setting with when a newer one for the same key took over (null while in force).
#[derive(Serialize)]
struct SettingView {
    #[serde(flatten)]
    setting: BeneficiarySetting,
    superseded_at: Option<DateTime<Utc>>,
}

fn with_supersession(settings: Vec<BeneficiarySetting>) -> Vec<SettingView> {
    let key = |s: &BeneficiarySetting| (s.bank, s.fee_kind, s.procedure_code.clone());
    let mut views: Vec<SettingView> = Vec::with_capacity(settings.len());
    for setting in &settings {
        let superseded_at = settings
            .iter()
            .filter(|o| key(o) == key(setting) && o.effective_from > setting.effective_from)
            .map(|o| o.effective_from)
            .min();
        views.push(SettingView {
            setting: setting.clone(),
            superseded_at,
        });
    }
    views
}

#[utoipa::path(
    get,
    path = "/api/v1/agencies/{code}/beneficiary-accounts",
    tag = "admin"
)]
async fn list_beneficiary_accounts(
    State(app): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    auth.allow(&[Role::Admin, Role::Finance])?;
    app.store.agency(&code).await?.ok_or(ApiError::NotFound)?;
    let settings = app.store.beneficiary_settings(&code, None).await?;
    Ok(Json(json!({"agency_code": code, "settings": with_supersession(settings)})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    subject: Option<String>,
    before_id: Option<i64>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "admin")]
async fn list_audit(
    State(app): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    auth.allow(&[Role::Admin])?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let entries = app
        .store
        .audit_entries(q.subject.as_deref(), q.before_id, limit)
        .await?;
    Ok(Json(json!({ "entries": entries })).into_response())
}
