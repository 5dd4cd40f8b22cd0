//! Messages PayHub sends to people (messages.md): email through SMTP. Each channel is off
//! without its config section.

pub mod email;
