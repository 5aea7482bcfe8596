//! `--draw`: the Recurse Center seed's `draw()`, misclassified test digits as characters in the
//! terminal (one character per pixel, darker characters for brighter pixels), each with its true
//! and predicted label.

use super::runs::SettingRun;
use super::sets::source;
use crate::common::Context;
use crate::run_dir::RunDir;
use data::ImageSet;
use nn::Trainer;

/// Characters from blank to full intensity.
const RAMP: &[u8] = b" .:-=+*#%@";

/// `pixels` (row-major, `cols` per row) as lines of characters, one per pixel.
pub fn render(pixels: &[u8], cols: usize) -> String {
    pixels
        .chunks(cols.max(1))
        .map(|row| {
            row.iter()
                .map(|&p| char::from(RAMP[usize::from(p) * RAMP.len() / 256]))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A wrongly classified test image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Miss {
    /// Index in the test set.
    pub index: usize,
    /// True label.
    pub label: usize,
    /// The network's answer.
    pub predicted: usize,
}

/// The first `count` test images (in file order) that `run`'s final network gets wrong.
pub fn misclassified(
    ctx: &Context,
    run: &SettingRun,
    test: &ImageSet,
    count: usize,
) -> anyhow::Result<Vec<Miss>> {
    let mut trainer = Trainer::new(&run.model, run.setting.train_config(ctx.backend), 0)?;
    let mut misses = Vec::new();
    let mut index = 0;
    trainer.evaluate_with(&run.model, &source(test), |label, predicted| {
        if label != predicted && misses.len() < count {
            misses.push(Miss {
                index,
                label,
                predicted,
            });
        }
        index += 1;
    })?;
    Ok(misses)
}

/// Prints the first `count` misclassified test digits of `run` and writes them to
/// `misclassified.txt`.
pub fn draw_misclassified(
    ctx: &Context,
    run_dir: &RunDir,
    run: &SettingRun,
    test: &ImageSet,
    count: usize,
) -> anyhow::Result<()> {
    let misses = misclassified(ctx, run, test, count)?;
    let mut text = format!(
        "The first {} misclassified test digits of setting {} (final network):\n",
        misses.len(),
        run.setting.name
    );
    for m in &misses {
        text.push_str(&format!(
            "\ntest image {}: true {}, predicted {}\n{}\n",
            m.index,
            m.label,
            m.predicted,
            render(test.image(m.index), test.cols())
        ));
    }
    print!("\n{text}");
    nn::persist::write_atomic(&run_dir.file("misclassified.txt"), text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders_rows_by_intensity() {
        let pixels = [0, 26, 128, 255, 0, 0];
        assert_eq!(render(&pixels, 3), " .+\n@  ");
    }
}
