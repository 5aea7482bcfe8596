//! Annotated heatmaps ([`draw_heatmap`]) and animated heatmaps
//! ([`draw_heatmap_gif`]).

use std::path::Path;

use anyhow::{bail, Context};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    ensure_font, fmt_num, gif_backend, png_backend, require_extension, write_atomically, Root, FONT,
};

/// A grid of values drawn as coloured cells, e.g. test accuracy over a
/// learning-rate × batch-size grid.
///
/// `values[row][col]` is drawn at x position `col` (labelled
/// `x_ticks[col]`) and y position `row` (labelled `y_ticks[row]`). Row 0 is
/// the **top** row, as when the table is printed (matrix / seaborn
/// convention).
#[derive(Debug, Clone, Copy)]
pub struct Heatmap<'a> {
    /// Title drawn above the figure.
    pub title: &'a str,
    /// Label of the x axis (the columns).
    pub x_label: &'a str,
    /// Label of the y axis (the rows).
    pub y_label: &'a str,
    /// One label per column. Missing labels are shown as the column index,
    /// extra ones are ignored.
    pub x_ticks: &'a [String],
    /// One label per row. Missing labels are shown as the row index, extra
    /// ones are ignored.
    pub y_ticks: &'a [String],
    /// The values, `values[row][col]`. Rows may have different lengths:
    /// missing cells are drawn grey and marked "n/a"; NaN/±inf cells are
    /// drawn grey and annotated with their value.
    pub values: &'a [Vec<f64>],
    /// `(row, col)` of a cell to outline, e.g. the best one. Ignored if it
    /// is outside the grid.
    pub mark: Option<(usize, usize)>,
    /// What the values are (e.g. "test accuracy (%)"); labels the colour bar.
    pub value_label: &'a str,
}

/// Draws `heatmap` as a 900×600 PNG at `path` (which must end in `.png`):
/// cells coloured with a viridis-like colour map (dark purple = lowest,
/// yellow = highest finite value), each annotated with its value, the
/// marked cell outlined in red, and a colour bar on the right.
///
/// An empty grid gives a figure with the title and "no data". The file is
/// written atomically (see the [module docs](super)).
pub fn draw_heatmap(path: &Path, heatmap: &Heatmap) -> anyhow::Result<()> {
    require_extension(path, "png")?;
    ensure_font();
    let range = value_range(std::slice::from_ref(heatmap));
    write_atomically(path, |tmp| {
        let root = png_backend(tmp).into_drawing_area();
        render(&root, heatmap, range)?;
        root.present().context("cannot encode the PNG")?;
        Ok(())
    })
}

/// Draws `frames` as a looping animated 900×600 GIF at `path`, showing
/// each frame for `delay_ms` milliseconds (rounded to 10 ms).
///
/// All frames share one colour scale (the range of the finite values of
/// all frames), so colours are comparable across frames. Fails if `frames`
/// is empty. The file is written atomically (see the [module docs](super)).
pub fn draw_heatmap_gif(path: &Path, frames: &[Heatmap], delay_ms: u32) -> anyhow::Result<()> {
    if frames.is_empty() {
        bail!("cannot draw {}: no frames", path.display());
    }
    ensure_font();
    let range = value_range(frames);
    write_atomically(path, |tmp| {
        let root = gif_backend(tmp, delay_ms)?.into_drawing_area();
        for (i, frame) in frames.iter().enumerate() {
            render(&root, frame, range).with_context(|| format!("frame {i}"))?;
            root.present()
                .with_context(|| format!("cannot encode frame {i}"))?;
        }
        Ok(())
    })
}

/// Anchor colours of matplotlib's viridis colour map at 0, 1/8, …, 1.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 82, 139),
    (44, 114, 142),
    (33, 145, 140),
    (40, 174, 128),
    (94, 201, 98),
    (173, 220, 48),
    (253, 231, 37),
];

/// Colour for `t` in `[0, 1]` (clamped; NaN gives the lowest colour).
pub(crate) fn viridis(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever is more readable on `c`.
fn text_color_on(c: RGBColor) -> RGBColor {
    let luma = 0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64;
    if luma > 140.0 {
        BLACK
    } else {
        WHITE
    }
}

/// Fill of cells without a finite value.
const MISSING: RGBColor = RGBColor(205, 205, 205);
/// Outline of the marked cell.
const MARK: RGBColor = RGBColor(228, 26, 28);

/// The colour-scale range: min and max of the finite values of all
/// `maps` (padded if equal; `(0, 1)` if there are none).
fn value_range(maps: &[Heatmap]) -> (f64, f64) {
    let mut range: Option<(f64, f64)> = None;
    for v in maps
        .iter()
        .flat_map(|m| m.values.iter().flatten())
        .filter(|v| v.is_finite())
    {
        range = Some(match range {
            None => (*v, *v),
            Some((lo, hi)) => (lo.min(*v), hi.max(*v)),
        });
    }
    match range {
        None => (0.0, 1.0),
        Some((lo, hi)) if lo < hi && (hi - lo).is_finite() => (lo, hi),
        Some((lo, hi)) if lo < hi => (lo, hi.max(lo + 1.0)),
        Some((v, _)) => {
            let p = if v != 0.0 { v.abs() * 0.05 } else { 0.5 };
            (v - p, v + p)
        }
    }
}

/// Number of decimals for cell annotations, from the largest magnitude in
/// the grid: 100 → "100.0", 96.7 → "96.7", 2.31 → "2.31", 0.967 →
/// "0.967". `None` means scientific notation (very small or large values).
fn cell_decimals(values: &[Vec<f64>]) -> Option<usize> {
    let m = values
        .iter()
        .flatten()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    if m == 0.0 {
        Some(1)
    } else if !(1e-2..1e5).contains(&m) {
        None
    } else if m >= 1000.0 {
        Some(0)
    } else if m >= 10.0 {
        Some(1)
    } else if m >= 1.0 {
        Some(2)
    } else {
        Some(3)
    }
}

fn fmt_cell(v: f64, decimals: Option<usize>) -> String {
    match decimals {
        _ if !v.is_finite() => format!("{v}"),
        Some(d) => format!("{v:.d$}"),
        None => fmt_num(v),
    }
}

/// A linear axis over `0..n` cells whose ticks sit at the cell centres
/// (`0.5, 1.5, …`). (plotters' `with_key_points` would do, but it loses
/// the `ValueFormatter` of `f64` axes, which the mesh needs.)
struct CellAxis {
    n: usize,
    inner: RangedCoordf64,
}

impl CellAxis {
    fn new(n: usize) -> Self {
        Self {
            n,
            inner: (0.0..n as f64).into(),
        }
    }
}

impl Ranged for CellAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        (0..self.n).map(|i| i as f64 + 0.5).collect()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

/// Width of the colour-bar area on the right.
const BAR_AREA: u32 = 135;
/// Height of the x label area (tick labels + axis description).
const X_LABEL_AREA: u32 = 60;
/// Margin around the plots.
const MARGIN: u32 = 15;

/// Draws one heatmap onto `root` (clearing it first), colouring values
/// over the colour-scale range `(vmin, vmax)`.
fn render(root: &Root, hm: &Heatmap, (vmin, vmax): (f64, f64)) -> anyhow::Result<()> {
    root.fill(&WHITE)?;
    let body = root.titled(hm.title, (FONT, 26))?;
    let nrows = hm.values.len();
    let ncols = hm.values.iter().map(Vec::len).max().unwrap_or(0);
    if nrows == 0 || ncols == 0 {
        let (w, h) = body.dim_in_pixel();
        let style = TextStyle::from((FONT, 22).into_font())
            .color(&RGBColor(140, 140, 140))
            .pos(Pos::new(HPos::Center, VPos::Center));
        body.draw_text("no data", &style, (w as i32 / 2, h as i32 / 2))?;
        return Ok(());
    }

    let x_tick = |c: usize| hm.x_ticks.get(c).cloned().unwrap_or_else(|| c.to_string());
    let y_tick = |r: usize| hm.y_ticks.get(r).cloned().unwrap_or_else(|| r.to_string());
    let longest = |n: usize, f: &dyn Fn(usize) -> String| {
        (0..n)
            .map(|i| f(i).chars().count())
            .max()
            .unwrap_or(1)
            .max(1)
    };
    let (x_chars, y_chars) = (longest(ncols, &x_tick), longest(nrows, &y_tick));

    // Tick label sizes from the approximate cell size.
    let (body_w, body_h) = body.dim_in_pixel();
    let y_font =
        (((body_h - X_LABEL_AREA - 2 * MARGIN) as f64 / nrows as f64) * 0.6).clamp(9.0, 16.0);
    let y_area = ((y_chars as f64 * y_font * 0.62 + 45.0) as u32).clamp(60, 240);
    let plot_w = body_w
        .saturating_sub(BAR_AREA + y_area + 2 * MARGIN)
        .max(50);
    let x_font = (plot_w as f64 / ncols as f64 / (x_chars as f64 * 0.62)).clamp(9.0, 16.0);

    let (main, bar) = body.split_horizontally(body_w.saturating_sub(BAR_AREA));
    let (nr, nc) = (nrows as f64, ncols as f64);
    let mut ctx = ChartBuilder::on(&main)
        .margin(MARGIN)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(y_area)
        .build_cartesian_2d(CellAxis::new(ncols), CellAxis::new(nrows))?;
    // Row r occupies y ∈ [nrows-1-r, nrows-r] so that row 0 is at the top.
    let row_of = |y: f64| (nr - 1.0 - y.floor()).max(0.0) as usize;
    ctx.configure_mesh()
        .disable_mesh()
        .x_desc(hm.x_label)
        .y_desc(hm.y_label)
        .x_label_formatter(&|v| x_tick(v.floor().max(0.0) as usize))
        .y_label_formatter(&|v| y_tick(row_of(*v)))
        .x_label_style((FONT, x_font))
        .y_label_style((FONT, y_font))
        .axis_desc_style((FONT, 18))
        .draw()?;

    // Cells and their annotations.
    let (pw, ph) = ctx.plotting_area().dim_in_pixel();
    let (cell_w, cell_h) = (pw as f64 / nc, ph as f64 / nr);
    let decimals = cell_decimals(hm.values);
    let widest = hm
        .values
        .iter()
        .flatten()
        .map(|v| fmt_cell(*v, decimals).chars().count())
        .max()
        .unwrap_or(3)
        .max(3);
    let cell_font = (cell_h * 0.4)
        .min(cell_w * 0.85 / (widest as f64 * 0.6))
        .min(22.0);
    let span = vmax - vmin;
    for r in 0..nrows {
        let y0 = nr - 1.0 - r as f64;
        for c in 0..ncols {
            let x0 = c as f64;
            let value = hm.values[r].get(c).copied();
            let fill = match value {
                Some(v) if v.is_finite() => viridis((v - vmin) / span),
                _ => MISSING,
            };
            let cell = [(x0, y0), (x0 + 1.0, y0 + 1.0)];
            ctx.draw_series([
                Rectangle::new(cell, fill.filled()),
                Rectangle::new(cell, WHITE.stroke_width(1)),
            ])?;
            if cell_font >= 8.0 {
                let label = match value {
                    Some(v) => fmt_cell(v, decimals),
                    None => "n/a".to_string(),
                };
                let ink = text_color_on(fill);
                let style = TextStyle::from((FONT, cell_font).into_font())
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                ctx.draw_series(std::iter::once(Text::new(
                    label,
                    (x0 + 0.5, y0 + 0.5),
                    style,
                )))?;
            }
        }
    }
    if let Some((r, c)) = hm.mark.filter(|&(r, c)| r < nrows && c < ncols) {
        let (x0, y0) = (c as f64, nr - 1.0 - r as f64);
        // Inset by ~2 px so the outline stays inside the cell.
        let (ix, iy) = (2.0 / cell_w.max(1.0), 2.0 / cell_h.max(1.0));
        ctx.draw_series(std::iter::once(Rectangle::new(
            [(x0 + ix, y0 + iy), (x0 + 1.0 - ix, y0 + 1.0 - iy)],
            MARK.stroke_width(4),
        )))?;
    }

    draw_color_bar(&bar, hm.value_label, (vmin, vmax))
}

/// A vertical colour bar with value ticks, aligned with the heatmap's
/// plotting area.
fn draw_color_bar(area: &Root, label: &str, (vmin, vmax): (f64, f64)) -> anyhow::Result<()> {
    let mut ctx = ChartBuilder::on(area)
        .margin_top(MARGIN)
        .margin_bottom(MARGIN)
        .margin_left(5)
        .margin_right(10)
        .x_label_area_size(X_LABEL_AREA)
        .right_y_label_area_size(80)
        .build_cartesian_2d(0.0..1.0, vmin..vmax)?;
    const STEPS: usize = 200;
    let step = (vmax - vmin) / STEPS as f64;
    ctx.draw_series((0..STEPS).map(|i| {
        let lo = vmin + step * i as f64;
        let t = (i as f64 + 0.5) / STEPS as f64;
        Rectangle::new([(0.0, lo), (1.0, lo + step)], viridis(t).filled())
    }))?;
    ctx.draw_series(std::iter::once(Rectangle::new(
        [(0.0, vmin), (1.0, vmax)],
        RGBColor(120, 120, 120).stroke_width(1),
    )))?;
    ctx.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .x_labels(0)
        .y_labels(8)
        .y_label_formatter(&|v| fmt_num(*v))
        .label_style((FONT, 14))
        .y_desc(label)
        .axis_desc_style((FONT, 16))
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{assert_gif, assert_png, TestDir};
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn draws_an_annotated_png() {
        let dir = TestDir::new("heatmap");
        let xs = strings(&["16", "32", "64", "128", "256"]);
        let ys = strings(&["0.001", "0.003", "0.01", "0.03", "0.1", "0.3"]);
        let values: Vec<Vec<f64>> = (0..ys.len())
            .map(|r| {
                (0..xs.len())
                    .map(|c| 97.2 - 1.3 * (r as f64 - 3.0).powi(2) - 0.4 * (c as f64 - 1.0).powi(2))
                    .collect()
            })
            .collect();
        let hm = Heatmap {
            title: "Test accuracy after 10 epochs",
            x_label: "batch size",
            y_label: "learning rate",
            x_ticks: &xs,
            y_ticks: &ys,
            values: &values,
            mark: Some((3, 1)),
            value_label: "test accuracy (%)",
        };
        let out = dir.path("grid.png");
        draw_heatmap(&out, &hm).unwrap();
        assert_png(&out);
        assert_eq!(dir.entries(), vec!["grid.png".to_string()]);
        dir.assert_no_temp_files();
    }

    #[test]
    fn odd_grids_never_panic() {
        let dir = TestDir::new("heatmap-odd");
        let nan = f64::NAN;
        let ragged = vec![
            vec![0.5, nan, 0.7],
            vec![0.9],
            vec![f64::INFINITY, 0.1, 0.2, 0.3],
        ];
        let constant = vec![vec![2.0, 2.0], vec![2.0, 2.0]];
        let all_nan = vec![vec![nan, nan]];
        let big: Vec<Vec<f64>> = (0..25)
            .map(|r| (0..30).map(|c| (r * 30 + c) as f64 * 1e-6).collect())
            .collect();
        let no_ticks: [String; 0] = [];
        let base = Heatmap {
            title: "odd",
            x_label: "x",
            y_label: "y",
            x_ticks: &no_ticks,
            y_ticks: &no_ticks,
            values: &ragged,
            mark: Some((10, 10)),
            value_label: "v",
        };
        let empty_rows: Vec<Vec<f64>> = vec![vec![], vec![]];
        let cases = [
            ("ragged.png", base),
            (
                "constant.png",
                Heatmap {
                    values: &constant,
                    mark: Some((0, 0)),
                    ..base
                },
            ),
            (
                "all-nan.png",
                Heatmap {
                    values: &all_nan,
                    ..base
                },
            ),
            (
                "big.png",
                Heatmap {
                    values: &big,
                    mark: Some((24, 29)),
                    ..base
                },
            ),
            (
                "empty.png",
                Heatmap {
                    values: &[],
                    ..base
                },
            ),
            (
                "empty-rows.png",
                Heatmap {
                    values: &empty_rows,
                    ..base
                },
            ),
        ];
        for (name, hm) in &cases {
            let out = dir.path(name);
            draw_heatmap(&out, hm).unwrap_or_else(|e| panic!("{name}: {e:#}"));
            assert_png(&out);
        }
        dir.assert_no_temp_files();
    }

    #[test]
    fn gif_with_shared_scale() {
        let dir = TestDir::new("heatmap-gif");
        let xs = strings(&["a", "b", "c"]);
        let ys = strings(&["1", "2"]);
        let grids: Vec<Vec<Vec<f64>>> = (0..3)
            .map(|k| vec![vec![k as f64, 1.0, 2.0], vec![3.0, 4.0, 5.0 + k as f64]])
            .collect();
        let frames: Vec<Heatmap> = grids
            .iter()
            .map(|g| Heatmap {
                title: "epochs",
                x_label: "x",
                y_label: "y",
                x_ticks: &xs,
                y_ticks: &ys,
                values: g,
                mark: Some((1, 2)),
                value_label: "loss",
            })
            .collect();
        assert_eq!(value_range(&frames), (0.0, 7.0));
        let out = dir.path("grid.gif");
        draw_heatmap_gif(&out, &frames, 500).unwrap();
        assert_gif(&out, frames.len());
        assert!(draw_heatmap_gif(&dir.path("none.gif"), &[], 500).is_err());
        dir.assert_no_temp_files();
        assert_eq!(dir.entries(), vec!["grid.gif".to_string()]);
    }

    #[test]
    fn colour_map_and_formatting() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(-3.0), viridis(0.0));
        assert_eq!(viridis(7.0), viridis(1.0));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
        assert_eq!(text_color_on(viridis(0.0)), WHITE);
        assert_eq!(text_color_on(viridis(1.0)), BLACK);
        assert_eq!(
            fmt_cell(96.66, cell_decimals(&[vec![96.66, 100.0]])),
            "96.7"
        );
        assert_eq!(fmt_cell(0.9667, cell_decimals(&[vec![0.9667]])), "0.967");
        assert_eq!(fmt_cell(2.314, cell_decimals(&[vec![2.314]])), "2.31");
        assert_eq!(fmt_cell(f64::NAN, Some(1)), "NaN");
        assert_eq!(value_range(&[]), (0.0, 1.0));
    }
}
