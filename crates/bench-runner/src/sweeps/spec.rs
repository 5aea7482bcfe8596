//! A sweep file: the subcommand, its fixed settings and the axes of the grid, read from TOML and
//! expanded into points.
//!
//! ```toml
//! name = "exp4-lr-vs-epochs"      # optional: the file's stem
//! description = "…"               # optional
//! subcommand = "exp3-epochs"
//!
//! [settings]                      # flags every point gets
//! epochs = 15
//!
//! [axes]                          # one point per combination, first axis outermost
//! lr = [0.025, 0.05, 0.1]
//! seed = [1, 2, 3]
//! ```
//!
//! A key is a flag of the subcommand without its dashes (`limit-train` or `limit_train`); a value
//! is a string, number or boolean (`true` gives the bare flag, `false` leaves it out), or an
//! array of those for a comma-separated list flag (`rates = [0.1, 0.2]` gives `--rates=0.1,0.2`).

use super::point::Point;
use anyhow::{bail, Context as _};
use serde::Deserialize;
use std::path::Path;

/// Flags the sweep sets itself (where each point writes, its threads, the data folder), or that
/// make no sense for one point of a grid.
pub const RESERVED: &[&str] = &["out", "threads", "data-dir", "resume", "help", "version"];

/// A setting's value: what its flag gets.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `true`: the bare flag; `false`: no flag.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string (an enum value, a path, …).
    Str(String),
    /// A comma-separated list of scalars.
    List(Vec<Value>),
}

impl Value {
    fn from_toml(key: &str, v: &toml::Value, nested: bool) -> anyhow::Result<Self> {
        Ok(match v {
            toml::Value::Boolean(b) => Value::Bool(*b),
            toml::Value::Integer(i) => Value::Int(*i),
            toml::Value::Float(f) if f.is_finite() => Value::Float(*f),
            toml::Value::String(s) => Value::Str(s.clone()),
            toml::Value::Array(items) if !nested => Value::List(
                items
                    .iter()
                    .map(|i| Value::from_toml(key, i, true))
                    .collect::<anyhow::Result<_>>()?,
            ),
            other => bail!(
                "{key}: a {} is not a string, finite number, boolean or list of those",
                if nested && other.is_array() {
                    "list of lists"
                } else {
                    other.type_str()
                }
            ),
        })
    }

    /// The value as a flag argument: `0.05`, `gradient`, `0.1,0.2` (`None` for booleans).
    pub fn arg_text(&self) -> Option<String> {
        match self {
            Value::Bool(_) => None,
            other => Some(other.to_string()),
        }
    }

    /// The value as JSON (for the point id and `point.json`).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Value::from(*f),
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => items.iter().map(Value::to_json).collect(),
        }
    }

    /// The value as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => f.write_str(s),
            Value::List(items) => {
                for (k, item) in items.iter().enumerate() {
                    if k > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                Ok(())
            }
        }
    }
}

/// One axis of the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Flag name (dashes, no leading `--`).
    pub name: String,
    /// Its values, in file order.
    pub values: Vec<Value>,
}

/// A parsed, validated sweep file.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Sweep name: the folder `OUT/NAME` holds its points and merged results.
    pub name: String,
    /// What the sweep is for.
    pub description: Option<String>,
    /// The single-run subcommand every point runs.
    pub subcommand: String,
    /// Flags every point gets, in file order.
    pub settings: Vec<(String, Value)>,
    /// The grid, first axis outermost.
    pub axes: Vec<Axis>,
    /// The file's text (copied next to the points).
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: Option<String>,
    description: Option<String>,
    subcommand: String,
    #[serde(default)]
    settings: toml::Table,
    #[serde(default)]
    axes: toml::Table,
}

/// `limit_train` and `limit-train` name the same flag.
fn flag_name(key: &str) -> anyhow::Result<String> {
    let name = key.replace('_', "-");
    let valid = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if name.is_empty() || !valid || name.starts_with('-') {
        bail!("{key:?} is not a flag name (lower-case letters, digits, - or _)");
    }
    if RESERVED.contains(&name.as_str()) {
        bail!(
            "{key:?} is set by the sweep itself (flags of `sweep`: --out, --threads, --data-dir)"
        );
    }
    Ok(name)
}

fn is_plain_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(['.', '-'])
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl Spec {
    /// Reads and validates the sweep file at `path`.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self::parse(&text, &stem).with_context(|| format!("sweep file {}", path.display()))
    }

    /// Parses a sweep file's text; `stem` is the name when the file gives none.
    pub fn parse(text: &str, stem: &str) -> anyhow::Result<Self> {
        let file: File = toml::from_str(text)?;
        let name = file.name.unwrap_or_else(|| stem.to_string());
        if !is_plain_name(&name) {
            bail!("name {name:?}: use letters, digits, '-', '_' or '.' (it names a folder)");
        }
        let subcommand = file.subcommand;
        if !is_plain_name(&subcommand) || subcommand == "sweep" {
            bail!("subcommand {subcommand:?} cannot be swept");
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut settings = Vec::new();
        for (key, v) in &file.settings {
            let name = flag_name(key).context("[settings]")?;
            if !seen.insert(name.clone()) {
                bail!("[settings]: {name} is given twice");
            }
            settings.push((name, Value::from_toml(key, v, false)?));
        }
        let mut axes = Vec::new();
        for (key, v) in &file.axes {
            let name = flag_name(key).context("[axes]")?;
            if !seen.insert(name.clone()) {
                bail!("{name} is both a setting and an axis, or an axis twice");
            }
            let toml::Value::Array(items) = v else {
                bail!(
                    "[axes] {key}: expected an array of values, got a {}",
                    v.type_str()
                );
            };
            if items.is_empty() {
                bail!("[axes] {key}: no values");
            }
            let values: Vec<Value> = items
                .iter()
                .map(|i| Value::from_toml(key, i, false))
                .collect::<anyhow::Result<_>>()?;
            if let Some(dup) = values
                .iter()
                .enumerate()
                .find(|(k, v)| values[..*k].contains(v))
            {
                bail!("[axes] {key}: {} is listed twice", dup.1);
            }
            axes.push(Axis { name, values });
        }
        Ok(Self {
            name,
            description: file.description,
            subcommand,
            settings,
            axes,
            text: text.to_string(),
        })
    }

    /// Number of points: the product of the axes' lengths (1 without axes).
    pub fn len(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product()
    }

    /// Every point of the grid in index order: the last axis varies fastest.
    pub fn points(&self) -> Vec<Point> {
        (0..self.len()).map(|i| self.point(i)).collect()
    }

    /// Point `index` (see [`Spec::points`]); panics when out of range.
    pub fn point(&self, index: usize) -> Point {
        assert!(index < self.len(), "point {index} of {}", self.len());
        let mut rest = index;
        let mut chosen = vec![Value::Bool(false); self.axes.len()];
        for (k, axis) in self.axes.iter().enumerate().rev() {
            chosen[k] = axis.values[rest % axis.values.len()].clone();
            rest /= axis.values.len();
        }
        let axes = self
            .axes
            .iter()
            .map(|a| a.name.clone())
            .zip(chosen)
            .collect();
        Point::new(index, &self.subcommand, &self.settings, axes)
    }

    /// The axes with more than one value (those a figure can vary along).
    pub fn varying_axes(&self) -> Vec<usize> {
        (0..self.axes.len())
            .filter(|&k| self.axes[k].values.len() > 1)
            .collect()
    }
}

/// Parses `--points` text: indices and ranges, `3,5,8-10`.
pub fn parse_indices(text: &str, len: usize) -> anyhow::Result<Vec<usize>> {
    let mut out = std::collections::BTreeSet::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (part, part),
        };
        let parse = |s: &str| {
            s.parse::<usize>()
                .with_context(|| format!("--points: {part:?} is not an index or range"))
        };
        let (a, b) = (parse(a)?, parse(b)?);
        if a > b || b >= len {
            bail!("--points: {part} is outside 0-{}", len.saturating_sub(1));
        }
        out.extend(a..=b);
    }
    if out.is_empty() {
        bail!("--points: no index given");
    }
    Ok(out.into_iter().collect())
}

/// Indices as a Slurm `--array` list: `0-11`, `3,5,8-10`.
pub fn format_indices(indices: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut k = 0;
    while k < indices.len() {
        let start = indices[k];
        let mut end = start;
        while k + 1 < indices.len() && indices[k + 1] == end + 1 {
            k += 1;
            end = indices[k];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        k += 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
subcommand = "exp3-epochs"
[settings]
epochs = 2
quick = true
limit_train = 500
[axes]
lr = [0.05, 0.2]
seed = [1, 2, 3]
"#;

    #[test]
    fn expands_the_grid_last_axis_fastest() {
        let spec = Spec::parse(EXAMPLE, "example").unwrap();
        assert_eq!(spec.name, "example");
        assert_eq!(spec.len(), 6);
        let labels: Vec<String> = spec.points().iter().map(|p| p.label()).collect();
        assert_eq!(
            labels,
            [
                "lr=0.05 seed=1",
                "lr=0.05 seed=2",
                "lr=0.05 seed=3",
                "lr=0.2 seed=1",
                "lr=0.2 seed=2",
                "lr=0.2 seed=3"
            ]
        );
        assert_eq!(
            spec.point(4).args(),
            [
                "exp3-epochs",
                "--epochs=2",
                "--quick",
                "--limit-train=500",
                "--lr=0.2",
                "--seed=2"
            ]
        );
    }

    #[test]
    fn rejects_bad_files() {
        let bad = |text: &str| Spec::parse(text, "x").is_err();
        assert!(bad("subcommand = \"sweep\""));
        assert!(bad("subcommand = \"exp3-epochs\"\nfoo = 1"));
        assert!(bad("subcommand = \"exp3-epochs\"\n[axes]\nlr = []"));
        assert!(bad("subcommand = \"exp3-epochs\"\n[axes]\nlr = 0.1"));
        assert!(bad("subcommand = \"exp3-epochs\"\n[axes]\nlr = [0.1, 0.1]"));
        assert!(bad("subcommand = \"exp3-epochs\"\n[axes]\nout = [\"a\"]"));
        assert!(bad(
            "subcommand = \"exp3-epochs\"\n[settings]\nlr = 0.1\n[axes]\nlr = [0.2]"
        ));
        assert!(bad("subcommand = \"exp3-epochs\"\n[axes]\nlr = [[[1]]]"));
        assert!(!bad("subcommand = \"exp3-epochs\""));
    }

    #[test]
    fn parses_and_formats_index_lists() {
        assert_eq!(parse_indices("3,5,8-10", 12).unwrap(), [3, 5, 8, 9, 10]);
        assert!(parse_indices("12", 12).is_err());
        assert!(parse_indices("4-2", 12).is_err());
        assert_eq!(format_indices(&[0, 1, 2, 3]), "0-3");
        assert_eq!(format_indices(&[3, 5, 8, 9, 10]), "3,5,8-10");
    }
}
