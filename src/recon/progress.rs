//! How a run reports its progress: the CLI draws a bar for large files, everything else is quiet.

/// Stages of a run and how far each has got. Called from the run's blocking worker too, hence
/// `Send + Sync`.
pub trait Progress: Send + Sync {
    /// A new stage of `len` steps (0 when its length is unknown).
    fn stage(&self, _name: &str, _len: u64) {}
    /// `n` more steps of the current stage done.
    fn advance(&self, _n: u64) {}
}

/// No progress shown: the API and the scheduler.
pub struct Quiet;

impl Progress for Quiet {}
