//! Figures for the experiments: line charts, annotated heatmaps and animated
//! GIFs of either, rendered with `plotters` into 900×600 bitmaps.
//!
//! * [`draw_line_chart`] / [`draw_line_chart_gif`] — one or more [`Series`]
//!   as lines with small point markers, a legend, optional log-scale x axis
//!   and optional "best point" markers.
//! * [`draw_heatmap`] / [`draw_heatmap_gif`] — a grid of values (e.g. test
//!   accuracy over a hyper-parameter grid) with a viridis-like colour map,
//!   every cell annotated with its value, an outlined "best" cell and a
//!   colour bar.
//!
//! All drawing functions:
//!
//! * never panic on odd data: NaN/±inf values are skipped (line charts) or
//!   shown as grey "NaN" cells (heatmaps), degenerate ranges are padded and
//!   empty inputs give an empty, titled figure;
//! * create the parent directory of the output path if it is missing;
//! * write atomically: the figure is rendered to a hidden temporary file in
//!   the destination directory and then renamed onto the final path, so a
//!   reader never sees a half-written file and a failed draw leaves no
//!   partial file behind;
//! * report errors with [`anyhow`] context naming the output path.
//!
//! Text is rendered with DejaVu Sans, embedded in the binary (see
//! `assets/DEJAVU-LICENSE.txt`), because plotters' `ab_glyph` text backend
//! has no system font lookup. The font is registered with plotters on first
//! use, but glyphs are rasterised by our own backend wrapper
//! ([`text::GoodText`]) because plotters 0.3.7's `ab_glyph` renderer drops
//! each glyph's side bearing (visible as "1 0" for "10").

// The binary uses only part of this API surface (e.g. not every experiment
// draws GIFs); without this, unused public items would be `dead_code`
// warnings and fail `clippy -D warnings`.
#![allow(dead_code)]

mod heatmap;
mod line;
mod text;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

use anyhow::{bail, Context};
use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea};
use plotters::style::{register_font, FontStyle, RGBColor};

// (`unused_imports`: as for `dead_code` above, for re-exports the binary
// does not use.)
#[allow(unused_imports)]
pub use heatmap::{draw_heatmap, draw_heatmap_gif, Heatmap};
#[allow(unused_imports)]
pub use line::{draw_line_chart, draw_line_chart_gif, LineChart};

/// Width in pixels of every figure drawn by this module.
pub const WIDTH: u32 = 900;
/// Height in pixels of every figure drawn by this module.
pub const HEIGHT: u32 = 600;

/// One named curve of a [`LineChart`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Legend text. An empty label gives no legend entry.
    pub label: String,
    /// The `(x, y)` points in drawing order (normally increasing x).
    /// Points with a NaN/±inf coordinate (or x ≤ 0 on a log-scale x axis)
    /// are skipped, and the line is broken at them.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A series named `label` with the given points.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            label: label.into(),
            points,
        }
    }
}

/// The embedded DejaVu Sans font (Bitstream Vera license, see
/// `assets/DEJAVU-LICENSE.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// The backend all figures are drawn on: a bitmap (PNG file or GIF
/// frames) with our own text rendering (see [`text`]).
pub(crate) type Backend<'a> = text::GoodText<BitMapBackend<'a>>;

/// The whole drawing area of a figure.
pub(crate) type Root<'a> = DrawingArea<Backend<'a>, Shift>;

/// A PNG backend writing to `path` on `present()`.
pub(crate) fn png_backend(path: &Path) -> Backend<'_> {
    text::GoodText::new(BitMapBackend::new(path, (WIDTH, HEIGHT)))
}

/// A GIF backend writing to `path`, one frame per `present()`.
pub(crate) fn gif_backend(path: &Path, delay_ms: u32) -> anyhow::Result<Backend<'static>> {
    let bitmap = BitMapBackend::gif(path, (WIDTH, HEIGHT), delay_ms)
        .context("cannot create the GIF encoder")?;
    Ok(text::GoodText::new(bitmap))
}

/// Font family name used for all text in the figures.
pub(crate) const FONT: &str = "sans-serif";

static REGISTER_FONT: Once = Once::new();

/// Registers the embedded font with plotters (once per process) under the
/// generic family names, so any text style we (or plotters' defaults) use
/// finds a font.
pub(crate) fn ensure_font() {
    REGISTER_FONT.call_once(|| {
        for family in [FONT, "serif", "monospace"] {
            // The font is a compile-time constant that is known to parse
            // (checked by a unit test), so this cannot fail in practice; if
            // it ever did, text would be missing but drawing would report
            // an error rather than panic.
            let _ = register_font(family, FontStyle::Normal, DEJAVU_SANS);
        }
    });
}

/// A tab10-like palette of distinguishable colours for series.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Colour of series number `i` (cycling through [`PALETTE`]).
pub(crate) fn series_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Formats a number compactly for tick labels and annotations: at most four
/// significant digits, no trailing zeros, scientific notation for very
/// small or very large magnitudes (`1e-4`, `2.5e6`).
pub(crate) fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.3e}");
        // "1.500e-4" -> "1.5e-4", "1.000e-4" -> "1e-4"
        return match s.split_once('e') {
            Some((mantissa, exp)) => format!("{}e{exp}", trim_zeros(mantissa)),
            None => s,
        };
    }
    let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    let s = trim_zeros(&s);
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Removes trailing zeros after a decimal point, and the point itself.
fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Distinguishes temp files of concurrent writes within one process.
static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The hidden temporary path used while drawing `path`:
/// `<dir>/.<file name>.tmp-<pid>-<n>.<ext>`. It keeps the extension of
/// `path` because plotters' bitmap backend picks the image encoder from the
/// file extension.
fn temp_path_for(path: &Path) -> anyhow::Result<PathBuf> {
    let name = path
        .file_name()
        .with_context(|| format!("output path {} has no file name", path.display()))?
        .to_string_lossy();
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp_name = format!(".{name}.tmp-{}-{n}{ext}", std::process::id());
    Ok(match path.parent() {
        Some(dir) => dir.join(tmp_name),
        None => PathBuf::from(tmp_name),
    })
}

/// Fails unless `path` ends in `.<ext>` (case-insensitive).
pub(crate) fn require_extension(path: &Path, ext: &str) -> anyhow::Result<()> {
    match path.extension() {
        Some(e) if e.to_string_lossy().eq_ignore_ascii_case(ext) => Ok(()),
        _ => bail!(
            "cannot draw {}: the file name must end in .{ext}",
            path.display()
        ),
    }
}

/// Writes `path` atomically: creates the parent directory if needed, calls
/// `draw` with a temporary path in the same directory, then renames the
/// temporary file onto `path`. If `draw` fails (or the rename does), the
/// temporary file is removed and the error is returned with context naming
/// `path`.
///
/// `draw` must have finished writing (i.e. dropped its backend) before it
/// returns.
pub(crate) fn write_atomically(
    path: &Path,
    draw: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let context = || format!("failed to draw {}", path.display());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create directory {}", dir.display()))
            .with_context(context)?;
    }
    let tmp = temp_path_for(path).with_context(context)?;
    let result = draw(&tmp)
        .and_then(|()| {
            if tmp.is_file() {
                Ok(())
            } else {
                bail!("the plotting backend wrote no file")
            }
        })
        .and_then(|()| {
            std::fs::rename(&tmp, path)
                .with_context(|| format!("cannot rename {} onto it", tmp.display()))
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(context)
}

#[cfg(test)]
pub(crate) mod test_util {
    //! Helpers shared by the plot tests.

    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A fresh, empty directory under the system temp dir; removed on drop.
    pub struct TestDir(pub PathBuf);

    impl TestDir {
        pub fn new(tag: &str) -> Self {
            static N: AtomicU64 = AtomicU64::new(0);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let dir = std::env::temp_dir().join(format!(
                "mynet-plot-test-{tag}-{}-{nanos}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }

        pub fn path(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }

        /// Names of all entries in the directory, sorted.
        pub fn entries(&self) -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(&self.0)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        }

        /// Asserts that no temporary file is left in the directory.
        pub fn assert_no_temp_files(&self) {
            let leftovers: Vec<String> = self
                .entries()
                .into_iter()
                .filter(|n| n.starts_with('.') || n.contains(".tmp-"))
                .collect();
            assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
        }
    }

    impl Drop for TestDir {
        fn drop(&mut self) {
            // Keep the figures for manual inspection if asked to.
            if std::env::var_os("MYNET_KEEP_PLOTS").is_none() {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    /// Asserts `path` is a PNG of `WIDTH`×`HEIGHT` (read from the IHDR chunk).
    pub fn assert_png(path: &Path) {
        let bytes = std::fs::read(path).unwrap();
        assert!(bytes.len() > 24, "{} is too short", path.display());
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
        assert_eq!(&bytes[12..16], b"IHDR");
        let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
        assert_eq!((w, h), (super::WIDTH, super::HEIGHT));
    }

    /// Asserts `path` is a GIF of `WIDTH`×`HEIGHT` with at least
    /// `min_frames` frames (counted by graphic control extensions, which
    /// the encoder writes once per frame because every frame has a delay).
    pub fn assert_gif(path: &Path, min_frames: usize) {
        let bytes = std::fs::read(path).unwrap();
        assert!(bytes.len() > 13, "{} is too short", path.display());
        assert_eq!(&bytes[..6], b"GIF89a", "not a GIF89a");
        let w = u16::from_le_bytes([bytes[6], bytes[7]]) as u32;
        let h = u16::from_le_bytes([bytes[8], bytes[9]]) as u32;
        assert_eq!((w, h), (super::WIDTH, super::HEIGHT));
        assert_eq!(*bytes.last().unwrap(), 0x3B, "GIF trailer missing");
        let gce = bytes
            .windows(3)
            .filter(|w| w == &[0x21, 0xF9, 0x04])
            .count();
        assert!(gce >= min_frames, "{gce} frames < {min_frames}");
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::TestDir;
    use super::*;

    #[test]
    fn embedded_font_parses() {
        assert!(DEJAVU_SANS.len() > 100_000);
        assert!(register_font("mynet-plot-test-font", FontStyle::Normal, DEJAVU_SANS).is_ok());
        ensure_font();
        ensure_font();
    }

    #[test]
    fn fmt_num_is_compact() {
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(-0.0), "0");
        assert_eq!(fmt_num(1.0), "1");
        assert_eq!(fmt_num(10.0), "10");
        assert_eq!(fmt_num(0.5), "0.5");
        assert_eq!(fmt_num(0.96712), "0.9671");
        assert_eq!(fmt_num(96.7), "96.7");
        assert_eq!(fmt_num(1234.5678), "1235");
        assert_eq!(fmt_num(0.001), "0.001");
        assert_eq!(fmt_num(1e-4), "1e-4");
        assert_eq!(fmt_num(2.5e-5), "2.5e-5");
        assert_eq!(fmt_num(2.5e6), "2.5e6");
        assert_eq!(fmt_num(-0.25), "-0.25");
        assert_eq!(fmt_num(f64::NAN), "NaN");
        assert_eq!(fmt_num(f64::INFINITY), "inf");
    }

    #[test]
    fn temp_path_keeps_directory_and_extension() {
        let tmp = temp_path_for(Path::new("out/figs/loss.png")).unwrap();
        assert_eq!(tmp.parent(), Some(Path::new("out/figs")));
        let name = tmp.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(".loss.png.tmp-"), "{name}");
        assert_eq!(tmp.extension().unwrap(), "png");
        let bare = temp_path_for(Path::new("anim.gif")).unwrap();
        assert_eq!(bare.extension().unwrap(), "gif");
        assert!(temp_path_for(Path::new("/")).is_err());
    }

    #[test]
    fn require_extension_checks_case_insensitively() {
        assert!(require_extension(Path::new("a/b.png"), "png").is_ok());
        assert!(require_extension(Path::new("a/b.PNG"), "png").is_ok());
        assert!(require_extension(Path::new("a/b.gif"), "png").is_err());
        assert!(require_extension(Path::new("a/b"), "png").is_err());
    }

    #[test]
    fn failed_draw_leaves_nothing_behind() {
        let dir = TestDir::new("atomic");
        let out = dir.path("sub/fig.png");
        let err = write_atomically(&out, |tmp| {
            std::fs::write(tmp, b"partial")?;
            bail!("boom")
        })
        .unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("fig.png") && msg.contains("boom"), "{msg}");
        assert!(!out.exists());
        assert!(out.parent().unwrap().is_dir(), "parent dir is created");
        assert_eq!(
            std::fs::read_dir(out.parent().unwrap()).unwrap().count(),
            0,
            "temp file was removed"
        );
    }

    #[test]
    fn successful_draw_replaces_existing_file() {
        let dir = TestDir::new("replace");
        let out = dir.path("fig.png");
        std::fs::write(&out, b"old").unwrap();
        write_atomically(&out, |tmp| Ok(std::fs::write(tmp, b"new")?)).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"new");
        dir.assert_no_temp_files();
    }
}
