//! A grid of small grey-scale images with titles (e.g. the ten backqueried digits), drawn with
//! plotters on the plot module's backend, font and atomic writes.

use crate::plot::{
    ensure_font, png_backend, require_extension, write_atomically, FONT, HEIGHT, WIDTH,
};
use anyhow::{ensure, Context as _};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// One image of the grid: `pixels` row-major, `width` per row.
#[derive(Debug, Clone, PartialEq)]
pub struct GridImage {
    /// Title above the image.
    pub title: String,
    /// Pixel values, row-major.
    pub pixels: Vec<f32>,
    /// Pixels per row.
    pub width: usize,
}

/// Pixels of the title band at the top.
const TITLE_H: i32 = 56;
/// Pixels of each image's title above it.
const LABEL_H: i32 = 28;

/// Draws `images` in `cols` columns (as many rows as needed) as a 900×600 PNG at `path`.
/// Each image is scaled up by the largest whole factor that fits its cell and shaded from white
/// (`range.0`) to black (`range.1`), like matplotlib's `Greys` map the book uses, so ink is dark.
pub fn draw_image_grid(
    path: &Path,
    title: &str,
    images: &[GridImage],
    cols: usize,
    range: (f32, f32),
) -> anyhow::Result<()> {
    require_extension(path, "png")?;
    ensure!(
        cols > 0 && !images.is_empty(),
        "an image grid needs images and columns"
    );
    for im in images {
        ensure!(
            im.width > 0 && im.pixels.len() % im.width == 0,
            "image {:?}: {} pixels are not whole rows of {}",
            im.title,
            im.pixels.len(),
            im.width
        );
    }
    ensure!(range.0 < range.1, "empty shading range {range:?}");
    ensure_font();
    let rows = images.len().div_ceil(cols);
    let cell_w = WIDTH as i32 / cols as i32;
    let cell_h = (HEIGHT as i32 - TITLE_H) / rows as i32;
    write_atomically(path, |tmp| {
        let root = png_backend(tmp).into_drawing_area();
        root.fill(&WHITE)?;
        let centered = |size| {
            TextStyle::from((FONT, size).into_font()).pos(Pos::new(HPos::Center, VPos::Center))
        };
        root.draw(&Text::new(
            title.to_string(),
            (WIDTH as i32 / 2, TITLE_H / 2),
            centered(24),
        ))?;
        for (k, im) in images.iter().enumerate() {
            let (r, c) = ((k / cols) as i32, (k % cols) as i32);
            let (x0, y0) = (c * cell_w, TITLE_H + r * cell_h);
            let h = (im.pixels.len() / im.width) as i32;
            let w = im.width as i32;
            let scale = ((cell_w - 16) / w)
                .min((cell_h - LABEL_H - 8) / h.max(1))
                .max(1);
            let left = x0 + (cell_w - scale * w) / 2;
            let top = y0 + LABEL_H + (cell_h - LABEL_H - scale * h) / 2;
            root.draw(&Text::new(
                im.title.clone(),
                (x0 + cell_w / 2, top - LABEL_H / 2),
                centered(18),
            ))?;
            for (i, &v) in im.pixels.iter().enumerate() {
                let (py, px) = ((i / im.width) as i32, (i % im.width) as i32);
                let t = ((v - range.0) / (range.1 - range.0)).clamp(0.0, 1.0);
                let t = if t.is_nan() { 0.0 } else { t };
                let g = (255.0 * (1.0 - t)).round() as u8;
                let (x, y) = (left + px * scale, top + py * scale);
                root.draw(&Rectangle::new(
                    [(x, y), (x + scale, y + scale)],
                    RGBColor(g, g, g).filled(),
                ))?;
            }
            root.draw(&Rectangle::new(
                [(left - 1, top - 1), (left + scale * w, top + scale * h)],
                RGBColor(160, 160, 160).stroke_width(1),
            ))?;
        }
        root.present().context("cannot encode the PNG")?;
        Ok(())
    })
}
