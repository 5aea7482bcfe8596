//! Progress bars (indicatif) for training epochs and downloads. They draw on stderr and hide
//! themselves when stderr is not a terminal.

use indicatif::{ProgressBar, ProgressStyle};

/// A per-epoch progress bar fed by the trainer's batch events.
pub struct EpochBar {
    bar: ProgressBar,
    every: usize,
}

impl EpochBar {
    /// A bar for an epoch of `batches` batches.
    pub fn new(label: &str, batches: usize) -> Self {
        let bar = ProgressBar::new(batches as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} batches  loss {msg}  {elapsed}<{eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(label.to_string());
        // Redraw at most ~200 times per epoch so tiny batches do not pay for drawing.
        Self {
            bar,
            every: (batches / 200).max(1),
        }
    }

    /// Removes the bar.
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

impl nn::Observer for EpochBar {
    fn on_batch(&mut self, event: &nn::BatchEvent) {
        if event.batch.is_multiple_of(self.every) || event.batch + 1 == event.batches {
            self.bar.set_position(event.batch as u64 + 1);
            self.bar.set_message(format!("{:.4}", event.loss));
        }
    }
}

/// Download progress for `data`'s downloader.
#[derive(Default)]
pub struct DownloadBar {
    bar: Option<ProgressBar>,
}

impl data::DownloadProgress for DownloadBar {
    fn start(&mut self, file: &str, total_bytes: Option<u64>) {
        let bar = match total_bytes {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::new_spinner(),
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(file.to_string());
        self.bar = Some(bar);
    }

    fn advance(&mut self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    fn finish(&mut self, _file: &str) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
