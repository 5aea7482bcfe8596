//! Line charts ([`draw_line_chart`]) and animated line charts
//! ([`draw_line_chart_gif`]).

use std::path::Path;

use anyhow::{bail, Context};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    ensure_font, fmt_num, gif_backend, png_backend, require_extension, series_color,
    write_atomically, Backend, Root, Series, FONT,
};

/// Series with more points than this are drawn as lines only (no point
/// markers, except on isolated points between NaNs), so that long
/// training curves stay readable.
pub const MAX_MARKERS: usize = 150;

/// A line chart: one line (with small point markers) per [`Series`], each
/// in its own colour, with a legend, axis labels and a light grid.
#[derive(Debug, Clone, Copy)]
pub struct LineChart<'a> {
    /// Title drawn above the plot.
    pub title: &'a str,
    /// Label of the x axis.
    pub x_label: &'a str,
    /// Label of the y axis.
    pub y_label: &'a str,
    /// The curves. May be empty (an empty, titled chart is drawn).
    pub series: &'a [Series],
    /// Fixed y range `(min, max)`; `None` fits the data (with 5% padding).
    /// Lines leaving the range are clipped at its border. A range with a
    /// NaN/inf bound is ignored; equal bounds are padded.
    pub y_range: Option<(f64, f64)>,
    /// Logarithmic x axis (e.g. for learning-rate sweeps). Points with
    /// x ≤ 0 cannot be shown on it and are skipped.
    pub x_log: bool,
    /// Marks the point with the largest y of each series with a ring and
    /// its y value (the first one if several are equal).
    pub mark_best: bool,
}

/// Draws `chart` as a 900×600 PNG at `path` (which must end in `.png`).
///
/// NaN/±inf points are skipped (the line is broken there), a constant
/// series gets a padded y range, a single-point series is drawn as one
/// marker and an empty series list gives an empty chart with the title.
/// Series with more than [`MAX_MARKERS`] points are drawn without point
/// markers. The file is written atomically (see the [module docs](super)).
pub fn draw_line_chart(path: &Path, chart: &LineChart) -> anyhow::Result<()> {
    require_extension(path, "png")?;
    ensure_font();
    let ranges = Ranges::fit(chart, &Extent::of(chart));
    write_atomically(path, |tmp| {
        let root = png_backend(tmp).into_drawing_area();
        render(&root, chart, &ranges)?;
        root.present().context("cannot encode the PNG")?;
        Ok(())
    })
}

/// Draws `frames` as a looping animated 900×600 GIF at `path`, showing
/// each frame for `delay_ms` milliseconds (GIF stores hundredths of a
/// second, so this is rounded to 10 ms).
///
/// All frames share the same axes so the animation does not jump: the x
/// range and (for frames without an explicit `y_range`) the y range are
/// fitted to the data of all frames together. Fails if `frames` is empty.
/// The file is written atomically (see the [module docs](super)).
pub fn draw_line_chart_gif(path: &Path, frames: &[LineChart], delay_ms: u32) -> anyhow::Result<()> {
    if frames.is_empty() {
        bail!("cannot draw {}: no frames", path.display());
    }
    ensure_font();
    let mut linear = Extent::default();
    let mut log = Extent::default();
    for frame in frames {
        let e = Extent::of(frame);
        if frame.x_log {
            log = log.merge(&e);
        } else {
            linear = linear.merge(&e);
        }
    }
    // y extents are shared between linear and log frames.
    let y = merge_opt(linear.y, log.y);
    linear.y = y;
    log.y = y;
    write_atomically(path, |tmp| {
        let root = gif_backend(tmp, delay_ms)?.into_drawing_area();
        for (i, frame) in frames.iter().enumerate() {
            let extent = if frame.x_log { &log } else { &linear };
            let ranges = Ranges::fit(frame, extent);
            render(&root, frame, &ranges).with_context(|| format!("frame {i}"))?;
            root.present()
                .with_context(|| format!("cannot encode frame {i}"))?;
        }
        Ok(())
    })
}

type Point = (f64, f64);

/// Whether a point can be drawn on the chart at all.
fn usable(p: Point, x_log: bool) -> bool {
    p.0.is_finite() && p.1.is_finite() && (!x_log || p.0 > 0.0)
}

fn merge_opt(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> Option<(f64, f64)> {
    match (a, b) {
        (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The data extent of the usable points of a chart.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Extent {
    x: Option<(f64, f64)>,
    /// Only counted for charts without a valid explicit `y_range`.
    y: Option<(f64, f64)>,
}

impl Extent {
    fn of(chart: &LineChart) -> Self {
        let count_y = explicit_y_range(chart.y_range).is_none();
        let mut e = Extent::default();
        for s in chart.series {
            for &p in s.points.iter().filter(|&&p| usable(p, chart.x_log)) {
                e.x = merge_opt(e.x, Some((p.0, p.0)));
                if count_y {
                    e.y = merge_opt(e.y, Some((p.1, p.1)));
                }
            }
        }
        e
    }

    fn merge(&self, other: &Extent) -> Extent {
        Extent {
            x: merge_opt(self.x, other.x),
            y: merge_opt(self.y, other.y),
        }
    }
}

/// A valid explicit y range (finite, ordered, non-degenerate), if any.
fn explicit_y_range(r: Option<(f64, f64)>) -> Option<(f64, f64)> {
    let (a, b) = r?;
    if !(a.is_finite() && b.is_finite()) {
        return None;
    }
    let (lo, hi) = (a.min(b), a.max(b));
    Some(if lo < hi {
        (lo, hi)
    } else {
        pad_degenerate(lo)
    })
}

/// A non-empty range around the single value `v`.
fn pad_degenerate(v: f64) -> (f64, f64) {
    let p = if v != 0.0 { v.abs() * 0.1 } else { 1.0 };
    (v - p, v + p)
}

/// `r` if it is finite and non-empty, else `fallback`.
fn sane(r: (f64, f64), fallback: (f64, f64)) -> (f64, f64) {
    if r.0.is_finite() && r.1.is_finite() && r.0 < r.1 {
        r
    } else {
        fallback
    }
}

/// The axis ranges of one chart.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ranges {
    x: (f64, f64),
    y: (f64, f64),
}

impl Ranges {
    /// Axis ranges for `chart` fitted to the data extent `e`.
    fn fit(chart: &LineChart, e: &Extent) -> Ranges {
        let x = match (e.x, chart.x_log) {
            (None, false) => (0.0, 1.0),
            (None, true) => (1.0, 10.0),
            (Some((lo, hi)), false) if lo < hi => {
                let p = (hi - lo) * 0.02;
                sane((lo - p, hi + p), (lo, hi))
            }
            (Some((lo, hi)), true) if lo < hi => {
                let f = (hi / lo).powf(0.02);
                sane((lo / f, hi * f), (lo, hi))
            }
            (Some((v, _)), false) => sane(pad_degenerate(v), (0.0, 1.0)),
            (Some((v, _)), true) => sane((v / 2.0, v * 2.0), (1.0, 10.0)),
        };
        let y = match (explicit_y_range(chart.y_range), e.y) {
            (Some(r), _) => sane(r, (0.0, 1.0)),
            (None, None) => (0.0, 1.0),
            (None, Some((lo, hi))) if lo < hi => {
                let p = (hi - lo) * 0.05;
                sane((lo - p, hi + p), (lo, hi))
            }
            (None, Some((v, _))) => sane(pad_degenerate(v), (0.0, 1.0)),
        };
        Ranges { x, y }
    }

    /// Position of `p` in the plot as fractions `[0, 1]` of width/height.
    fn normalize(&self, p: Point, x_log: bool) -> Point {
        let nx = if x_log {
            (p.0.ln() - self.x.0.ln()) / (self.x.1.ln() - self.x.0.ln())
        } else {
            (p.0 - self.x.0) / (self.x.1 - self.x.0)
        };
        (nx, (p.1 - self.y.0) / (self.y.1 - self.y.0))
    }

    fn y_contains(&self, y: f64) -> bool {
        self.y.0 <= y && y <= self.y.1
    }
}

/// Splits a series into polylines: broken at unusable points and clipped
/// to the y range (in log space for x when `x_log`). A run of one point is
/// an isolated point (its neighbours are NaN/inf or absent).
fn clip_runs(points: &[Point], x_log: bool, r: &Ranges) -> Vec<Vec<Point>> {
    let (lo, hi) = r.y;
    let lerp = |a: Point, b: Point, t: f64| -> Point {
        let x = if x_log {
            (a.0.ln() + (b.0.ln() - a.0.ln()) * t).exp()
        } else {
            a.0 + (b.0 - a.0) * t
        };
        (x, a.1 + (b.1 - a.1) * t)
    };
    let mut runs = Vec::new();
    let mut cur: Vec<Point> = Vec::new();
    let flush = |cur: &mut Vec<Point>, runs: &mut Vec<Vec<Point>>| {
        if !cur.is_empty() {
            runs.push(std::mem::take(cur));
        }
    };
    let mut prev: Option<Point> = None;
    for &p in points {
        if !usable(p, x_log) {
            flush(&mut cur, &mut runs);
            prev = None;
            continue;
        }
        match prev {
            None => {
                if r.y_contains(p.1) {
                    cur.push(p);
                }
            }
            Some(a) => {
                // Parameter interval [t0, t1] of a→p inside lo ≤ y ≤ hi.
                let (t0, t1) = if a.1 == p.1 {
                    if r.y_contains(a.1) {
                        (0.0, 1.0)
                    } else {
                        (1.0, 0.0)
                    }
                } else {
                    let tl = (lo - a.1) / (p.1 - a.1);
                    let th = (hi - a.1) / (p.1 - a.1);
                    (tl.min(th).max(0.0), tl.max(th).min(1.0))
                };
                if t0 > t1 {
                    flush(&mut cur, &mut runs);
                } else {
                    if t0 > 0.0 || cur.is_empty() {
                        flush(&mut cur, &mut runs);
                        cur.push(if t0 > 0.0 { lerp(a, p, t0) } else { a });
                    }
                    cur.push(if t1 < 1.0 { lerp(a, p, t1) } else { p });
                    if t1 < 1.0 {
                        flush(&mut cur, &mut runs);
                    }
                }
            }
        }
        prev = Some(p);
    }
    flush(&mut cur, &mut runs);
    runs
}

/// Picks the legend corner that covers the fewest data points (sampled
/// along the lines too), preferring the upper right.
fn legend_position(chart: &LineChart, r: &Ranges) -> SeriesLabelPosition {
    let labels: Vec<&Series> = chart
        .series
        .iter()
        .filter(|s| !s.label.is_empty())
        .collect();
    let longest = labels
        .iter()
        .map(|s| s.label.chars().count())
        .max()
        .unwrap_or(0);
    // Rough legend size as a fraction of the plotting area (~790×470 px).
    let w = ((longest as f64 * 8.5 + 60.0) / 790.0).min(0.9);
    let h = ((labels.len() as f64 * 22.0 + 20.0) / 470.0).min(0.9);
    let corners = [
        (
            SeriesLabelPosition::UpperRight,
            (1.0 - w, 1.0),
            (1.0 - h, 1.0),
        ),
        (SeriesLabelPosition::UpperLeft, (0.0, w), (1.0 - h, 1.0)),
        (SeriesLabelPosition::LowerRight, (1.0 - w, 1.0), (0.0, h)),
        (SeriesLabelPosition::LowerLeft, (0.0, w), (0.0, h)),
    ];
    let mut counts = [0usize; 4];
    for run in chart
        .series
        .iter()
        .flat_map(|s| clip_runs(&s.points, chart.x_log, r))
    {
        for seg in run.windows(2) {
            let a = r.normalize(seg[0], chart.x_log);
            let b = r.normalize(seg[1], chart.x_log);
            for k in 0..=8 {
                let t = k as f64 / 8.0;
                let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
                for (c, (_, xr, yr)) in counts.iter_mut().zip(&corners) {
                    if xr.0 <= x && x <= xr.1 && yr.0 <= y && y <= yr.1 {
                        *c += 1;
                    }
                }
            }
        }
    }
    for s in chart.series {
        for &p in s.points.iter().filter(|&&p| usable(p, chart.x_log)) {
            let (x, y) = r.normalize(p, chart.x_log);
            for (c, (_, xr, yr)) in counts.iter_mut().zip(&corners) {
                if xr.0 <= x && x <= xr.1 && yr.0 <= y && y <= yr.1 {
                    *c += 9;
                }
            }
        }
    }
    let best = (0..4).min_by_key(|&i| counts[i]).unwrap_or(0);
    corners[best].0.clone()
}

/// Draws one chart onto `root` (clearing it first).
fn render(root: &Root, chart: &LineChart, r: &Ranges) -> anyhow::Result<()> {
    root.fill(&WHITE)?;
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(chart.title, (FONT, 26))
        .margin(18)
        .x_label_area_size(55)
        .y_label_area_size(80);
    if chart.x_log {
        let ctx = builder.build_cartesian_2d((r.x.0..r.x.1).log_scale(), r.y.0..r.y.1)?;
        render_body(ctx, chart, r)
    } else {
        let ctx = builder.build_cartesian_2d(r.x.0..r.x.1, r.y.0..r.y.1)?;
        render_body(ctx, chart, r)
    }
}

/// Mesh, series, best-point marks and legend (generic over linear/log x).
fn render_body<'a, 'b: 'a, X>(
    mut ctx: ChartContext<'a, Backend<'b>, Cartesian2d<X, RangedCoordf64>>,
    chart: &LineChart,
    r: &Ranges,
) -> anyhow::Result<()>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    ctx.configure_mesh()
        .x_desc(chart.x_label)
        .y_desc(chart.y_label)
        .x_labels(10)
        .y_labels(10)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 18))
        .bold_line_style(RGBColor(210, 210, 210))
        .light_line_style(RGBColor(244, 244, 244))
        .draw()?;

    let mut any_point = false;
    let mut bests: Vec<(Point, RGBColor)> = Vec::new();
    for (i, s) in chart.series.iter().enumerate() {
        let color = series_color(i);
        let runs = clip_runs(&s.points, chart.x_log, r);
        for run in runs.iter().filter(|run| run.len() >= 2) {
            ctx.draw_series(LineSeries::new(run.iter().copied(), color.stroke_width(2)))?;
        }
        let visible: Vec<Point> = s
            .points
            .iter()
            .copied()
            .filter(|&p| usable(p, chart.x_log) && r.y_contains(p.1))
            .collect();
        any_point |= !visible.is_empty();
        if visible.len() <= MAX_MARKERS {
            ctx.draw_series(visible.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        } else {
            // No markers, but isolated points would otherwise be invisible.
            let isolated = runs.iter().filter(|run| run.len() == 1).map(|run| run[0]);
            ctx.draw_series(isolated.map(|p| Circle::new(p, 3, color.filled())))?;
        }
        if chart.mark_best {
            // First point with the largest y.
            let best = visible
                .iter()
                .copied()
                .reduce(|b, p| if p.1 > b.1 { p } else { b });
            if let Some(p) = best {
                ctx.draw_series(std::iter::once(Circle::new(p, 7, color.stroke_width(2))))?;
                bests.push((p, color));
            }
        }
        if !s.label.is_empty() {
            ctx.draw_series(std::iter::empty::<PathElement<Point>>())?
                .label(s.label.as_str())
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (22, 0)], color.stroke_width(2))
                        + Circle::new((11, 0), 3, color.filled())
                });
        }
    }

    label_best_points(&mut ctx, &bests)?;

    if !any_point {
        let mid_y = (r.y.0 + r.y.1) / 2.0;
        let mid_x = if chart.x_log {
            (r.x.0 * r.x.1).sqrt()
        } else {
            (r.x.0 + r.x.1) / 2.0
        };
        let style = TextStyle::from((FONT, 22).into_font())
            .color(&RGBColor(140, 140, 140))
            .pos(Pos::new(HPos::Center, VPos::Center));
        ctx.draw_series(std::iter::once(Text::new("no data", (mid_x, mid_y), style)))?;
    }

    if chart.series.iter().any(|s| !s.label.is_empty()) {
        ctx.configure_series_labels()
            .position(legend_position(chart, r))
            .margin(12)
            .label_font((FONT, 15))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .draw()?;
    }
    Ok(())
}

/// Writes "max `y`" next to each best point, stacking the labels so that
/// they neither overlap each other nor (if possible) leave the plot.
fn label_best_points<'a, 'b: 'a, X>(
    ctx: &mut ChartContext<'a, Backend<'b>, Cartesian2d<X, RangedCoordf64>>,
    bests: &[(Point, RGBColor)],
) -> anyhow::Result<()>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    const GAP: i32 = 9;
    let area = ctx.plotting_area();
    let (ax, ay) = area.get_base_pixel();
    let (aw, ah) = area.dim_in_pixel();
    let (ax1, ay1) = (ax + aw as i32, ay + ah as i32);
    let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
    let mut labels = Vec::new();
    for (p, color) in bests {
        let p = *p;
        let label = format!("max {}", fmt_num(p.1));
        let style = TextStyle::from((FONT, 15).into_font())
            .color(color)
            .pos(Pos::new(HPos::Left, VPos::Top));
        let (tw, th) = area.estimate_text_size(&label, &style)?;
        let (tw, th) = (tw as i32, th as i32);
        let (px, py) = ctx.backend_coord(&p);
        let x0 = if px + GAP + tw <= ax1 {
            px + GAP
        } else {
            px - GAP - tw
        };
        let candidates = (0..8).flat_map(|k| {
            let shift = k * (th + 2);
            [py - GAP / 2 - th - shift, py + GAP / 2 + shift]
        });
        let fits = |y0: i32| {
            y0 >= ay
                && y0 + th <= ay1
                && placed.iter().all(|&(bx0, by0, bx1, by1)| {
                    x0 + tw <= bx0 || bx1 <= x0 || y0 + th <= by0 || by1 <= y0
                })
        };
        let y0 = candidates
            .clone()
            .find(|&y| fits(y))
            .unwrap_or(py - GAP / 2 - th);
        placed.push((x0, y0, x0 + tw, y0 + th));
        labels.push((p, label, (x0 - px, y0 - py), style));
    }
    ctx.draw_series(
        labels
            .into_iter()
            .map(|(p, label, offset, style)| EmptyElement::at(p) + Text::new(label, offset, style)),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{assert_gif, assert_png, TestDir};
    use super::*;

    fn curve(label: &str, f: impl Fn(f64) -> f64, n: usize) -> Series {
        Series::new(label, (1..=n).map(|i| (i as f64, f(i as f64))).collect())
    }

    fn chart<'a>(title: &'a str, series: &'a [Series]) -> LineChart<'a> {
        LineChart {
            title,
            x_label: "epoch",
            y_label: "test accuracy",
            series,
            y_range: None,
            x_log: false,
            mark_best: false,
        }
    }

    #[test]
    fn draws_a_png_with_legend_and_best_marks() {
        let dir = TestDir::new("line");
        let series = vec![
            curve("sgd lr=0.1", |x| 0.9 - 0.5 * (-x / 3.0).exp(), 20),
            curve("adam lr=1e-3", |x| 0.95 - 0.6 * (-x / 2.0).exp(), 20),
            curve(
                "momentum 0.9",
                |x| 0.93 - 0.55 * (-x / 4.0).exp() - 0.001 * x,
                20,
            ),
        ];
        let out = dir.path("accuracy.png");
        let c = LineChart {
            mark_best: true,
            ..chart("Test accuracy per epoch", &series)
        };
        draw_line_chart(&out, &c).unwrap();
        assert_png(&out);
        // Drawing again replaces the file.
        draw_line_chart(&out, &c).unwrap();
        assert_png(&out);
        assert_eq!(dir.entries(), vec!["accuracy.png".to_string()]);
        dir.assert_no_temp_files();
    }

    #[test]
    fn odd_data_never_panics() {
        let dir = TestDir::new("line-odd");
        let nan = f64::NAN;
        let inf = f64::INFINITY;
        let series = vec![
            Series::new(
                "with NaN",
                vec![
                    (1.0, 0.5),
                    (2.0, nan),
                    (3.0, 0.7),
                    (nan, 0.1),
                    (4.0, 0.8),
                    (5.0, inf),
                ],
            ),
            Series::new("single point", vec![(3.0, 0.6)]),
            Series::new("all NaN", vec![(nan, nan), (1.0, nan)]),
            Series::new("", vec![(1.0, 0.55), (5.0, 0.55)]),
            Series::new("empty", vec![]),
        ];
        // > MAX_MARKERS points, with NaN gaps and isolated points.
        let long = vec![Series::new(
            "long",
            (0..1000)
                .map(|i| {
                    let x = i as f64;
                    let y = if i % 50 < 5 || (i > 900 && i % 2 == 0) {
                        nan
                    } else {
                        (x / 80.0).sin()
                    };
                    (x, y)
                })
                .collect(),
        )];
        let cases: Vec<(&str, LineChart)> = vec![
            (
                "mixed.png",
                LineChart {
                    mark_best: true,
                    ..chart("Mixed", &series)
                },
            ),
            ("empty-list.png", chart("No series at all", &[])),
            ("only-nan.png", chart("Only NaN", &series[2..3])),
            (
                "single.png",
                LineChart {
                    mark_best: true,
                    ..chart("Single", &series[1..2])
                },
            ),
            ("constant.png", chart("Constant", &series[3..4])),
            (
                "clipped.png",
                LineChart {
                    y_range: Some((0.6, 0.75)),
                    mark_best: true,
                    ..chart("Clipped", &series)
                },
            ),
            (
                "bad-range.png",
                LineChart {
                    y_range: Some((nan, 1.0)),
                    ..chart("Bad range", &series)
                },
            ),
            (
                "flat-range.png",
                LineChart {
                    y_range: Some((1.0, 1.0)),
                    ..chart("Flat range", &series)
                },
            ),
            (
                "reversed-range.png",
                LineChart {
                    y_range: Some((1.0, 0.0)),
                    ..chart("Reversed range", &series)
                },
            ),
            (
                "log-nonpositive.png",
                LineChart {
                    x_log: true,
                    ..chart("Log", &series)
                },
            ),
            (
                "long.png",
                LineChart {
                    mark_best: true,
                    ..chart("Long, no markers", &long)
                },
            ),
        ];
        for (name, c) in &cases {
            let out = dir.path(name);
            draw_line_chart(&out, c).unwrap_or_else(|e| panic!("{name}: {e:#}"));
            assert_png(&out);
        }
        dir.assert_no_temp_files();
    }

    #[test]
    fn log_x_learning_rate_sweep() {
        let dir = TestDir::new("line-log");
        let lrs = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0];
        let series = vec![
            Series::new(
                "final test accuracy",
                lrs.iter()
                    .map(|&lr: &f64| (lr, 0.95 - 0.1 * (lr.log10() + 2.0).powi(2) / 4.0))
                    .collect(),
            ),
            Series::new(
                "final train loss",
                lrs.iter()
                    .map(|&lr: &f64| (lr, 0.2 + 0.05 * (lr.log10() + 2.5).powi(2)))
                    .collect(),
            ),
        ];
        let out = dir.path("lr.png");
        let c = LineChart {
            title: "Learning-rate sweep",
            x_label: "learning rate",
            y_label: "value",
            series: &series,
            y_range: Some((0.0, 1.0)),
            x_log: true,
            mark_best: true,
        };
        draw_line_chart(&out, &c).unwrap();
        assert_png(&out);
        dir.assert_no_temp_files();
    }

    #[test]
    fn gif_of_growing_curves() {
        let dir = TestDir::new("line-gif");
        let full = [
            curve("train loss", |x| 2.3 * (-x / 5.0).exp() + 0.05, 30),
            curve("test loss", |x| 2.3 * (-x / 6.0).exp() + 0.12, 30),
        ];
        let prefixes: Vec<Vec<Series>> = (1..=4)
            .map(|k| {
                full.iter()
                    .map(|s| Series::new(s.label.clone(), s.points[..k * 7].to_vec()))
                    .collect()
            })
            .collect();
        let frames: Vec<LineChart> = prefixes
            .iter()
            .map(|s| LineChart {
                y_label: "loss",
                ..chart("Training", s)
            })
            .collect();
        let out = dir.path("training.gif");
        draw_line_chart_gif(&out, &frames, 300).unwrap();
        assert_gif(&out, frames.len());
        assert!(draw_line_chart_gif(&dir.path("none.gif"), &[], 100).is_err());
        assert!(!dir.path("none.gif").exists());
        dir.assert_no_temp_files();
    }

    #[test]
    fn errors_name_the_path_and_leave_nothing() {
        let dir = TestDir::new("line-err");
        let series = [curve("a", |x| x, 3)];
        let c = chart("t", &series);
        let err = draw_line_chart(&dir.path("fig.svg"), &c).unwrap_err();
        assert!(format!("{err:#}").contains("fig.svg"));
        // The parent "directory" is a regular file.
        std::fs::write(dir.path("file"), b"x").unwrap();
        let bad = dir.path("file").join("fig.png");
        let err = draw_line_chart(&bad, &c).unwrap_err();
        assert!(format!("{err:#}").contains("fig.png"), "{err:#}");
        assert_eq!(dir.entries(), vec!["file".to_string()]);
    }

    #[test]
    fn ranges_are_padded_and_shared() {
        let s = [Series::new("c", vec![(2.0, 0.5), (4.0, 0.5)])];
        let c = chart("t", &s);
        let r = Ranges::fit(&c, &Extent::of(&c));
        assert!(r.y.0 < 0.5 && 0.5 < r.y.1);
        assert!(r.x.0 < 2.0 && 4.0 < r.x.1);
        let e = Extent::of(&chart("t", &[]));
        assert_eq!(
            Ranges::fit(&chart("t", &[]), &e),
            Ranges {
                x: (0.0, 1.0),
                y: (0.0, 1.0)
            }
        );
    }

    #[test]
    fn clipping_breaks_and_cuts_lines() {
        let r = Ranges {
            x: (0.0, 10.0),
            y: (0.0, 1.0),
        };
        let pts = [
            (0.0, 0.5),
            (1.0, 2.0),
            (2.0, 0.5),
            (3.0, f64::NAN),
            (4.0, 0.2),
            (5.0, 0.4),
        ];
        let runs = clip_runs(&pts, false, &r);
        assert_eq!(runs.len(), 3, "{runs:?}");
        let isolated = clip_runs(
            &[(0.0, 0.5), (1.0, f64::NAN), (2.0, 0.5), (3.0, 0.6)],
            false,
            &r,
        );
        assert_eq!(
            isolated,
            vec![vec![(0.0, 0.5)], vec![(2.0, 0.5), (3.0, 0.6)]]
        );
        let close = |a: &[Point], b: &[Point]| {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(p, q)| (p.0 - q.0).abs() < 1e-12 && (p.1 - q.1).abs() < 1e-12)
        };
        assert!(close(&runs[0], &[(0.0, 0.5), (1.0 / 3.0, 1.0)]), "{runs:?}");
        assert!(close(&runs[1], &[(5.0 / 3.0, 1.0), (2.0, 0.5)]), "{runs:?}");
        assert!(close(&runs[2], &[(4.0, 0.2), (5.0, 0.4)]), "{runs:?}");
        // Log x interpolates in log space: halfway between 1 and 100 is 10.
        let r = Ranges {
            x: (1.0, 100.0),
            y: (0.0, 1.0),
        };
        let runs = clip_runs(&[(1.0, 0.0), (100.0, 2.0)], true, &r);
        assert!(close(&runs[0], &[(1.0, 0.0), (10.0, 1.0)]), "{runs:?}");
        // Fully outside segments vanish.
        assert!(clip_runs(&[(0.0, 5.0), (1.0, 6.0)], false, &r).is_empty());
    }
}
