//! A small bar chart (e.g. test accuracy per digit), drawn with plotters on the plot module's
//! backend, font and atomic writes.

use crate::plot::{ensure_font, fmt_num, png_backend, require_extension, write_atomically, FONT};
use anyhow::Context as _;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// One bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Label under the bar.
    pub label: String,
    /// Height.
    pub value: f64,
    /// Colour.
    pub color: RGBColor,
}

/// A bar chart: one bar per entry, each annotated with its value.
#[derive(Debug, Clone, Copy)]
pub struct BarChart<'a> {
    /// Title above the chart.
    pub title: &'a str,
    /// Label of the x axis.
    pub x_label: &'a str,
    /// Label of the y axis.
    pub y_label: &'a str,
    /// The bars, left to right.
    pub bars: &'a [Bar],
    /// The y range; bars are drawn from its lower end.
    pub y_range: (f64, f64),
}

/// Draws `chart` as a 900×600 PNG at `path` (ending in `.png`), atomically.
pub fn draw_bar_chart(path: &Path, chart: &BarChart) -> anyhow::Result<()> {
    require_extension(path, "png")?;
    ensure_font();
    let (lo, hi) = chart.y_range;
    anyhow::ensure!(lo < hi, "bar chart y range {lo}..{hi} is empty");
    anyhow::ensure!(!chart.bars.is_empty(), "a bar chart needs bars");
    write_atomically(path, |tmp| {
        let root = png_backend(tmp).into_drawing_area();
        root.fill(&WHITE)?;
        // An integer range is inclusive in plotters: `0..n - 1` has n segments.
        let n = chart.bars.len() as i32;
        let mut ctx = ChartBuilder::on(&root)
            .caption(chart.title, (FONT, 26))
            .margin(18)
            .x_label_area_size(55)
            .y_label_area_size(80)
            .build_cartesian_2d((0..n - 1).into_segmented(), lo..hi)?;
        let label_of = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => chart
                .bars
                .get(*i as usize)
                .map_or(String::new(), |b| b.label.clone()),
            _ => String::new(),
        };
        ctx.configure_mesh()
            .disable_x_mesh()
            .x_desc(chart.x_label)
            .y_desc(chart.y_label)
            .x_labels(chart.bars.len() + 1)
            .y_labels(10)
            .x_label_formatter(&label_of)
            .y_label_formatter(&|v| fmt_num(*v))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 18))
            .bold_line_style(RGBColor(210, 210, 210))
            .light_line_style(RGBColor(244, 244, 244))
            .draw()?;
        let style =
            TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
        for (i, bar) in chart.bars.iter().enumerate() {
            let i = i as i32;
            let top = bar.value.clamp(lo, hi);
            if !bar.value.is_finite() {
                continue;
            }
            let mut rect = Rectangle::new(
                [
                    (SegmentValue::Exact(i), lo),
                    (SegmentValue::Exact(i + 1), top),
                ],
                bar.color.filled(),
            );
            rect.set_margin(0, 0, 6, 6);
            ctx.draw_series(std::iter::once(rect))?;
            ctx.draw_series(std::iter::once(Text::new(
                fmt_num(bar.value),
                (SegmentValue::CenterOf(i), top),
                style.clone(),
            )))?;
        }
        root.present().context("cannot encode the PNG")?;
        Ok(())
    })
}
