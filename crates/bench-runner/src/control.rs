//! Run control: Ctrl-C (SIGINT/SIGTERM), periodic checkpoints, resuming, and divergence.
//!
//! A [`Guard`] wraps the epoch's observer. After every batch it may ask the trainer to pause
//! ([`nn::Observer::should_stop`]): because a checkpoint is due, because the user pressed
//! Ctrl-C, or because the loss stopped being finite. The training loop then writes a checkpoint
//! and either resumes the same epoch (the trainer keeps its position) or ends the run.

use anyhow::Context as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// Exit code after Ctrl-C: the checkpoint and metrics so far were written (128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;
/// Exit code when the run diverged (NaN or infinite loss) and stopped.
pub const EXIT_DIVERGED: u8 = 3;

/// Installs the SIGINT/SIGTERM handler (once): the first signal asks the run to stop after the
/// current batch; a second one exits at once.
pub fn install_handler() -> anyhow::Result<()> {
    let mut result = Ok(());
    INSTALL.call_once(|| {
        result = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
            eprintln!("\ninterrupt: finishing the current batch, then writing a checkpoint (Ctrl-C again to quit now)");
        })
        .context("installing the Ctrl-C handler");
    });
    result
}

/// True once the user asked the run to stop.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// What to do when the loss becomes NaN or infinite.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum OnDivergence {
    /// Stop the run after that batch (metrics and figures are still written).
    Stop,
    /// Keep training and record where it happened.
    Continue,
}

/// Flags for checkpoints, resuming and divergence.
#[derive(Debug, Clone, clap::Args)]
pub struct ControlArgs {
    /// Write `checkpoint.json` (weights, optimizer, schedule, RNG and batch position) every N
    /// batches and at the end of every epoch.
    #[arg(long, value_name = "N")]
    pub checkpoint_every: Option<usize>,
    /// Continue the run in RUN_DIR from its `checkpoint.json` (the other flags must match the
    /// run's `config.json`).
    #[arg(long, value_name = "RUN_DIR")]
    pub resume: Option<PathBuf>,
    /// What to do when the loss becomes NaN or infinite.
    #[arg(long, value_enum, default_value_t = OnDivergence::Stop)]
    pub on_divergence: OnDivergence,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "ended")]
pub enum Ending {
    /// Every epoch ran.
    Completed,
    /// Ctrl-C: stopped after batch `batch` (1-based) of epoch `epoch`, checkpoint written.
    Interrupted {
        /// Epoch (1-based).
        epoch: usize,
        /// Batches done in that epoch.
        batch: usize,
    },
    /// The loss was first non-finite at batch `batch` of epoch `epoch`.
    Diverged {
        /// Epoch (1-based).
        epoch: usize,
        /// Batch (1-based).
        batch: usize,
    },
}

impl Ending {
    /// The process exit code for this ending.
    pub fn exit_code(self) -> std::process::ExitCode {
        match self {
            Ending::Completed => std::process::ExitCode::SUCCESS,
            Ending::Interrupted { .. } => std::process::ExitCode::from(EXIT_INTERRUPTED),
            Ending::Diverged { .. } => std::process::ExitCode::from(EXIT_DIVERGED),
        }
    }

    /// One line for the run summary.
    pub fn describe(self) -> String {
        match self {
            Ending::Completed => "completed".into(),
            Ending::Interrupted { epoch, batch } => {
                format!("interrupted after batch {batch} of epoch {epoch}; resume with --resume")
            }
            Ending::Diverged { epoch, batch } => {
                format!("diverged: loss became NaN/infinite at batch {batch} of epoch {epoch}")
            }
        }
    }
}

/// Why the guard paused the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pause {
    /// A periodic checkpoint is due; training continues afterwards.
    Checkpoint,
    /// Ctrl-C.
    Interrupt,
    /// Non-finite loss under [`OnDivergence::Stop`].
    Diverged,
}

/// Wraps an observer with checkpoint timing, Ctrl-C and divergence detection.
pub struct Guard<'a> {
    inner: &'a mut dyn nn::Observer,
    checkpoint_every: Option<usize>,
    since_checkpoint: usize,
    on_divergence: OnDivergence,
    /// First non-finite batch: (epoch, 1-based batch).
    pub diverged_at: Option<(usize, usize)>,
    last_batch: (usize, usize),
    pause: Option<Pause>,
}

impl<'a> Guard<'a> {
    /// A guard around `inner`.
    pub fn new(
        inner: &'a mut dyn nn::Observer,
        checkpoint_every: Option<usize>,
        on_divergence: OnDivergence,
    ) -> Self {
        Self {
            inner,
            checkpoint_every,
            since_checkpoint: 0,
            on_divergence,
            diverged_at: None,
            last_batch: (0, 0),
            pause: None,
        }
    }

    /// Why the last epoch call returned early (and clears it).
    pub fn take_pause(&mut self) -> Option<Pause> {
        self.pause.take()
    }

    /// (epoch, 1-based batch) of the last batch seen.
    pub fn last_batch(&self) -> (usize, usize) {
        self.last_batch
    }
}

impl nn::Observer for Guard<'_> {
    fn on_batch(&mut self, event: &nn::BatchEvent) {
        self.inner.on_batch(event);
        self.last_batch = (event.epoch, event.batch + 1);
        self.since_checkpoint += 1;
        if (!event.loss.is_finite() || !event.params_finite) && self.diverged_at.is_none() {
            self.diverged_at = Some(self.last_batch);
        }
    }

    fn should_stop(&mut self) -> bool {
        self.pause = if interrupted() {
            Some(Pause::Interrupt)
        } else if self.diverged_at.is_some() && self.on_divergence == OnDivergence::Stop {
            Some(Pause::Diverged)
        } else if self
            .checkpoint_every
            .is_some_and(|n| self.since_checkpoint >= n)
        {
            self.since_checkpoint = 0;
            Some(Pause::Checkpoint)
        } else {
            None
        };
        self.pause.is_some()
    }
}
