//! Email through SMTP (messages.md §1, `[messages.email]`): `smtp://host:port` with STARTTLS
//! when the server offers it (`smtps://` for TLS from the first byte), the configured sender,
//! optional credentials. A message has a plain-text body, an optional HTML one, and attachments.
//! Who sends what (the daily report, citizens' receipts) is decided by the callers.

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::EmailConfig;

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("messages.email: {0}")]
    Config(String),
    #[error("the email could not be built: {0}")]
    Build(String),
    #[error("the SMTP server did not take the email: {0}")]
    Send(#[from] lettre::transport::smtp::Error),
}

/// One email to send.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<EmailAttachment>,
}

#[derive(Debug, Clone)]
pub struct EmailAttachment {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A configured SMTP server and sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(config: &EmailConfig) -> Result<Mailer, EmailError> {
        let bad = |reason: String| EmailError::Config(reason);
        let url = reqwest::Url::parse(&config.smtp_url)
            .map_err(|e| bad(format!("smtp_url {:?}: {e}", config.smtp_url)))?;
        let host = url
            .host_str()
            .ok_or_else(|| bad("smtp_url names no host".into()))?
            .to_owned();
        let tls = TlsParameters::new(host.clone()).map_err(|e| bad(e.to_string()))?;
        let (tls, default_port) = match url.scheme() {
            "smtp" => (Tls::Opportunistic(tls), 25),
            "smtps" => (Tls::Wrapper(tls), 465),
            other => return Err(bad(format!("smtp_url scheme {other:?}: smtp or smtps"))),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(url.port().unwrap_or(default_port))
            .tls(tls);
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            let secret = password.expose_secret().to_owned();
            builder = builder.credentials(Credentials::new(user.clone(), secret));
        }
        let from = config
            .from
            .parse()
            .map_err(|e| bad(format!("from {:?}: {e}", config.from)))?;
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    pub async fn send(&self, email: &Email) -> Result<(), EmailError> {
        let message = self.message(email)?;
        self.transport.send(message).await?;
        Ok(())
    }

    fn message(&self, email: &Email) -> Result<Message, EmailError> {
        let build = |e: &dyn std::fmt::Display| EmailError::Build(e.to_string());
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(&email.subject);
        for to in &email.to {
            builder = builder.to(to.parse().map_err(|e| build(&e))?);
        }
        let text = SinglePart::plain(email.text.clone());
        let mut body = match &email.html {
            Some(html) => MultiPart::mixed().multipart(
                MultiPart::alternative()
                    .singlepart(text)
                    .singlepart(SinglePart::html(html.clone())),
            ),
            None => MultiPart::mixed().singlepart(text),
        };
        for a in &email.attachments {
            let kind = ContentType::parse(&a.content_type).map_err(|e| build(&e))?;
            body =
                body.singlepart(Attachment::new(a.file_name.clone()).body(a.bytes.clone(), kind));
        }
        builder.multipart(body).map_err(|e| build(&e))
    }
}
