//! `esc50-spectrogram`: the log-mel spectrogram of one clip per class (the first present clip of
//! each class in metadata order), each as a PNG written with the `image` crate, plus an
//! overview of all of them with their class names (`spectrograms.png`).
//!
//! Each PNG is `frames` pixels wide (431 for 5 s, one column per 11.6 ms hop) and
//! `bands × --px-per-band` high, low frequencies at the bottom, coloured with a viridis map over
//! the clip's top `--top-db` decibels.

use super::clips::{Clips, DataArgs, DataSettings};
use super::{start_run, LogMelInfo};
use crate::common::Context;
use crate::plot;
use anyhow::{bail, Context as _};
use data::esc50::{FeatureMatrix, LogMelConfig};
use image::{ImageBuffer, Rgb, RgbImage};
use plotters::prelude::*;
use serde::Serialize;
use std::path::Path;

/// Viridis at 0, 0.25, 0.5, 0.75 and 1 (matplotlib's values), interpolated linearly.
const VIRIDIS: [[f32; 3]; 5] = [
    [68.0, 1.0, 84.0],
    [59.0, 82.0, 139.0],
    [33.0, 145.0, 140.0],
    [94.0, 201.0, 98.0],
    [253.0, 231.0, 37.0],
];

/// Flags of `esc50-spectrogram`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Clips, folds, cache (the first selected clip of each class is drawn).
    #[command(flatten)]
    pub data: DataArgs,
    /// Pixel rows per mel band.
    #[arg(long, default_value_t = 4)]
    pub px_per_band: usize,
    /// Decibels below each clip's maximum shown (lower values are drawn as the darkest colour).
    #[arg(long, default_value_t = 80.0)]
    pub top_db: f32,
}

/// Every setting of a run (in `config.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Subcommand name.
    pub experiment: &'static str,
    /// `--quick` was given.
    pub quick: bool,
    /// The data.
    pub data: DataSettings,
    /// Pixel rows per band.
    pub px_per_band: usize,
    /// Range shown below each clip's maximum, dB.
    pub top_db: f32,
    /// Log-mel parameters.
    pub logmel: LogMelInfo,
}

/// One drawn clip: a row of `metrics.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Class label (0..10 with `--esc10`).
    pub label: usize,
    /// ESC-50 target.
    pub target: u8,
    /// Class name.
    pub category: String,
    /// The clip.
    pub filename: String,
    /// Its fold.
    pub fold: u8,
    /// Frames × bands.
    pub frames: usize,
    /// Mel bands.
    pub bands: usize,
    /// Lowest value, dB.
    pub min_db: f32,
    /// Highest value, dB.
    pub max_db: f32,
    /// Mean value, dB.
    pub mean_db: f32,
    /// The PNG written.
    pub png: String,
}

/// The colour of `u` in `[0, 1]`.
fn viridis(u: f32) -> Rgb<u8> {
    let x = u.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f32;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f32;
    let c = |k: usize| (VIRIDIS[i][k] + f * (VIRIDIS[i + 1][k] - VIRIDIS[i][k])).round() as u8;
    Rgb([c(0), c(1), c(2)])
}

/// The spectrogram as an RGB image: one column per frame, `px` rows per band, high bands on
/// top, colours over `[max − top_db, max]`.
pub fn render(m: &FeatureMatrix, px: usize, top_db: f32) -> RgbImage {
    let max = m.data.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let low = max - top_db;
    let (w, h) = (m.frames as u32, (m.bands * px) as u32);
    ImageBuffer::from_fn(w, h, |x, y| {
        let band = m.bands - 1 - y as usize / px;
        viridis((m.data[x as usize * m.bands + band] - low) / top_db)
    })
}

/// Encodes `img` as PNG and writes it atomically.
fn save_png(img: &RgbImage, path: &Path) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .with_context(|| format!("encoding {}", path.display()))?;
    nn::persist::write_atomic(path, &bytes)?;
    Ok(())
}

/// Draws the first clip of every class and writes the run directory.
pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<()> {
    if args.px_per_band == 0 || !(args.top_db.is_finite() && args.top_db > 0.0) {
        bail!("--px-per-band must be at least 1 and --top-db positive");
    }
    let config = Config {
        experiment: "esc50-spectrogram",
        quick: args.data.quick,
        data: args.data.settings(ctx)?,
        px_per_band: args.px_per_band,
        top_db: args.top_db,
        logmel: LogMelInfo::from(&LogMelConfig::default()),
    };
    let mut clips = Clips::open(&config.data)?;
    // Keep the first clip of each class, in class order.
    let mut first = vec![None; clips.classes];
    for (i, &label) in clips.labels.iter().enumerate() {
        first[label].get_or_insert(i);
    }
    let keep: Vec<usize> = first.iter().flatten().copied().collect();
    let absent: Vec<usize> = (0..clips.classes).filter(|&c| first[c].is_none()).collect();
    clips.set.clips = keep.iter().map(|&i| clips.set.clips[i].clone()).collect();
    clips.labels = keep.iter().map(|&i| clips.labels[i]).collect();
    println!(
        "esc50-spectrogram: {} classes drawn{}",
        keep.len(),
        if absent.is_empty() {
            String::new()
        } else {
            format!(
                " ({} classes have no clip present: {absent:?})",
                absent.len()
            )
        }
    );
    let run_dir = start_run(ctx, config.experiment, &config)?;
    let (mels, extraction) = clips.log_mels(&config.data, LogMelConfig::default())?;
    println!("{}", extraction.describe());
    let mut rows = Vec::new();
    let mut images = Vec::new();
    for ((clip, &label), m) in clips.set.clips.iter().zip(&clips.labels).zip(&mels) {
        let png = format!("{:02}-{}.png", label, clip.category);
        let img = render(m, config.px_per_band, config.top_db);
        save_png(&img, &run_dir.file(&png))?;
        let n = m.data.len() as f32;
        rows.push(Row {
            label,
            target: clip.target,
            category: clip.category.clone(),
            filename: clip.filename.clone(),
            fold: clip.fold,
            frames: m.frames,
            bands: m.bands,
            min_db: m.data.iter().copied().fold(f32::INFINITY, f32::min),
            max_db: m.data.iter().copied().fold(f32::NEG_INFINITY, f32::max),
            mean_db: m.data.iter().sum::<f32>() / n,
            png,
        });
        images.push((
            format!("{label}: {} ({})", clip.category, clip.filename),
            img,
        ));
    }
    run_dir.write_csv("metrics.csv", &rows)?;
    run_dir.write_json(
        "summary.json",
        &serde_json::json!({ "extraction": extraction }),
    )?;
    overview(&run_dir.file("spectrograms.png"), &images, &config)?;
    println!("wrote {} spectrograms and spectrograms.png", rows.len());
    Ok(())
}

/// All spectrograms on one 900×600 figure, each under its class name, resized with the
/// `image` crate to fit a grid cell.
fn overview(path: &Path, images: &[(String, RgbImage)], config: &Config) -> anyhow::Result<()> {
    plot::ensure_font();
    let n = images.len().max(1);
    let cols = if n <= 10 { 2 } else { 5 };
    let rows = n.div_ceil(cols);
    let (title_h, label_h, pad) = (34u32, 16u32, 6u32);
    let cell_w = (plot::WIDTH - pad) / cols as u32;
    let cell_h = (plot::HEIGHT - title_h) / rows as u32;
    let img_w = cell_w - pad;
    let img_h = cell_h.saturating_sub(label_h + pad).max(4);
    let set = if config.data.esc10 {
        "ESC-10"
    } else {
        "ESC-50"
    };
    let title = format!(
        "{set} log-mel spectrograms (60 mel bands, 0-22 kHz bottom to top, 5 s, top {} dB)",
        config.top_db
    );
    plot::write_atomically(path, |tmp| {
        let root = plot::png_backend(tmp).into_drawing_area();
        root.fill(&WHITE)?;
        root.draw_text(&title, &(plot::FONT, 17).into_font().color(&BLACK), (8, 8))?;
        for (k, (label, img)) in images.iter().enumerate() {
            let (c, r) = ((k % cols) as u32, (k / cols) as u32);
            let (x0, y0) = (pad + c * cell_w, title_h + r * cell_h);
            let font = (plot::FONT, 13).into_font().color(&BLACK);
            root.draw_text(label, &font, (x0 as i32, y0 as i32))?;
            let small =
                image::imageops::resize(img, img_w, img_h, image::imageops::FilterType::Triangle);
            for (x, y, p) in small.enumerate_pixels() {
                let at = ((x0 + x) as i32, (y0 + label_h + y) as i32);
                root.draw_pixel(at, &RGBColor(p[0], p[1], p[2]))?;
            }
        }
        root.present().context("cannot encode the PNG")?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_bands_are_drawn_on_top() {
        // 2 frames × 3 bands; band 2 is loud in frame 0 only.
        let m = FeatureMatrix {
            frames: 2,
            bands: 3,
            data: vec![-80.0, -80.0, 0.0, -80.0, -80.0, -80.0],
        };
        let img = render(&m, 2, 80.0);
        assert_eq!(img.dimensions(), (2, 6));
        assert_eq!(*img.get_pixel(0, 0), viridis(1.0)); // top row = band 2
        assert_eq!(*img.get_pixel(1, 0), viridis(0.0));
        assert_eq!(*img.get_pixel(0, 5), viridis(0.0));
        assert_eq!(viridis(0.0), Rgb([68, 1, 84]));
        assert_eq!(viridis(2.0), Rgb([253, 231, 37]));
    }
}
