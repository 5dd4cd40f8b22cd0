//! The cutover night (cutover.md): `payhub import legacy` takes over the previous platform's
//! payments, in flight and finished; `payhub export legacy` hands back what PayHub created or
//! changed, so the old platform can take over again. The file's format is `file`; the writes and
//! reads are the store's (`store/cutover.rs`).

pub mod export;
pub mod file;
pub mod import;
