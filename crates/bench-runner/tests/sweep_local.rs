//! `bench-runner sweep` run here: the committed sweep files expand to the shortcut subcommands'
//! grids; a sweep's per-point metrics equal the shortcut's (`exp2-learning-rate --quick`,
//! `exp4-lr-vs-epochs --quick`, `eta-sweep --quick`); finished points are skipped and a removed
//! one runs again; failed points are listed; `--slurm --dry-run` writes the array script.
//! Tests that train read MNIST from `$MYNET_DATA_DIR/mnist` and print a skip line without it.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{assert_success, bench, mnist_dir, read_rows, run_dir, stdout};

/// The committed sweep files.
fn experiments_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments")
}

/// The `metrics.csv` of the single run directory `<out>/<experiment>-*`.
fn shortcut_metrics(out: &Path, experiment: &str) -> Vec<BTreeMap<String, String>> {
    read_rows(&run_dir(out, experiment).join("metrics.csv"))
}

/// `key` → value rows, keyed by `key_cols` parsed as numbers when they are numbers (so the
/// shortcut's `1.0` and the sweep's `1` are the same rate).
fn keyed(
    rows: &[BTreeMap<String, String>],
    key_cols: &[&str],
) -> BTreeMap<Vec<String>, BTreeMap<String, String>> {
    let norm = |s: &str| match s.parse::<f32>() {
        Ok(x) => format!("{x}"),
        Err(_) => s.to_string(),
    };
    let out: BTreeMap<_, _> = rows
        .iter()
        .map(|r| {
            let key = key_cols.iter().map(|k| norm(&r[*k])).collect();
            (key, r.clone())
        })
        .collect();
    assert_eq!(out.len(), rows.len(), "repeated keys {key_cols:?}");
    out
}

/// Asserts both tables have the same keys and identical `metrics` (exact text of the numbers).
fn assert_same(
    shortcut: &BTreeMap<Vec<String>, BTreeMap<String, String>>,
    sweep: &BTreeMap<Vec<String>, BTreeMap<String, String>>,
    metrics: &[&str],
) {
    assert_eq!(
        shortcut.keys().collect::<Vec<_>>(),
        sweep.keys().collect::<Vec<_>>()
    );
    for (key, a) in shortcut {
        for m in metrics {
            assert_eq!(a[*m], sweep[key][*m], "{m} at {key:?}");
        }
    }
}

fn write_sweep(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// `--list` lines: (index, id, status, flags).
fn list(file: &Path) -> Vec<(usize, String, String, Vec<String>)> {
    let tmp = tempfile::tempdir().unwrap();
    let o = bench(
        &["sweep", file.to_str().unwrap(), "--list"],
        tmp.path(),
        None,
    );
    assert_success(&o, "sweep --list");
    stdout(&o)
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let index = f.next()?.parse().ok()?;
            let id = f.next()?.to_string();
            let status = f.next()?.to_string();
            Some((index, id, status, f.map(String::from).collect()))
        })
        .collect()
}

fn flag_values(points: &[(usize, String, String, Vec<String>)], flag: &str) -> Vec<String> {
    points
        .iter()
        .map(|(_, _, _, flags)| {
            flags
                .iter()
                .find_map(|f| f.strip_prefix(&format!("--{flag}=")))
                .unwrap_or_else(|| panic!("no --{flag} in {flags:?}"))
                .to_string()
        })
        .collect()
}

#[test]
fn committed_sweeps_expand_to_the_shortcut_grids() {
    let exp2 = list(&experiments_dir().join("exp2-learning-rate.toml"));
    assert_eq!(
        flag_values(&exp2, "lr"),
        ["0.01", "0.05", "0.08", "0.1", "0.12", "0.15", "0.18", "0.2", "0.3", "0.5", "0.7", "1"]
    );
    assert!(exp2.iter().all(|p| p.3[0] == "exp3-epochs"));
    assert!(exp2.iter().all(|p| p.3.contains(&"--epochs=1".to_string())));
    let exp4 = list(&experiments_dir().join("exp4-lr-vs-epochs.toml"));
    assert_eq!(
        flag_values(&exp4, "lr"),
        ["0.025", "0.05", "0.075", "0.1", "0.15", "0.2", "0.25", "0.3"]
    );
    assert!(exp4
        .iter()
        .all(|p| p.3.contains(&"--epochs=15".to_string())));
    for (file, n) in [
        ("l2-sweep.toml", 4),
        ("eta-sweep.toml", 3),
        ("batch-size.toml", 5),
        ("smoke.toml", 4),
        ("exp3-seeds.toml", 5),
        ("blog-mnist-lr.toml", 4),
        ("blog-mnist-init.toml", 9),
    ] {
        let points = list(&experiments_dir().join(file));
        assert_eq!(points.len(), n, "{file}");
        let ids: std::collections::BTreeSet<_> = points.iter().map(|p| p.1.clone()).collect();
        assert_eq!(ids.len(), n, "{file}: ids are distinct");
    }
    // Ids are a pure function of the settings: pinned, so a change that would orphan every
    // finished point's folder is noticed.
    assert_eq!(exp2[3].1, "76e2f711b11908a6");
}

#[test]
fn slurm_dry_run_writes_an_array_script() {
    let tmp = tempfile::tempdir().unwrap();
    let file = experiments_dir().join("exp2-learning-rate.toml");
    let o = bench(
        &[
            "sweep",
            file.to_str().unwrap(),
            "--slurm",
            "--dry-run",
            "--points",
            "1,3-5",
            "--max-parallel",
            "2",
            "--cpus-per-task",
            "2",
            "--time",
            "00:10:00",
            "--partition",
            "debug",
        ],
        tmp.path(),
        None,
    );
    assert_success(&o, "sweep --slurm --dry-run");
    let script =
        std::fs::read_to_string(tmp.path().join("exp2-learning-rate/slurm/dry-run.sbatch"))
            .unwrap();
    for line in [
        "#SBATCH --array=1,3-5%2",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --time=00:10:00",
        "#SBATCH --partition=debug",
        "--point=\"$SLURM_ARRAY_TASK_ID\"",
        "exp2-learning-rate/exp2-learning-rate.toml",
    ] {
        assert!(script.contains(line), "{line} missing from:\n{script}");
    }
    assert!(!tmp
        .path()
        .join("exp2-learning-rate/slurm/submissions.json")
        .exists());
}

#[test]
fn a_failing_point_is_listed_and_the_sweep_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_sweep(
        tmp.path(),
        "bad",
        "subcommand = \"exp3-epochs\"\n[axes]\nlr = [-1.0]\n",
    );
    let out = tmp.path().join("out");
    let o = bench(
        &["sweep", file.to_str().unwrap(), "--threads", "1"],
        &out,
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let text = stdout(&o);
    assert!(text.contains("failed"), "{text}");
    assert!(text.contains("--lr must be a positive number"), "{text}");
    assert!(text.contains("--points 0"), "{text}");
    let c = bench(&["sweep", file.to_str().unwrap(), "--collect"], &out, None);
    assert_eq!(c.status.code(), Some(1));
    let points = read_rows(&out.join("bad/points.csv"));
    assert!(points[0]["status"].starts_with("failed"), "{points:?}");
}

#[test]
fn exp2_shortcut_and_sweep_agree_and_the_sweep_resumes() {
    let Some(data) = mnist_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let o = bench(
        &["exp2-learning-rate", "--quick", "--threads", "2"],
        tmp.path(),
        Some(&data),
    );
    assert_success(&o, "exp2-learning-rate --quick");
    let shortcut = shortcut_metrics(tmp.path(), "exp2-learning-rate");

    // exp2-learning-rate --quick: rates 0.05, 0.2, 1.0, one epoch, 1,000 training images.
    let file = write_sweep(
        tmp.path(),
        "exp2-quick",
        "subcommand = \"exp3-epochs\"\n[settings]\nquick = true\nepochs = 1\n\
         [axes]\nlr = [0.05, 0.2, 1.0]\n",
    );
    let out = tmp.path().join("sweeps");
    let run = || {
        let o = bench(
            &["sweep", file.to_str().unwrap(), "--threads", "2"],
            &out,
            Some(&data),
        );
        assert_success(&o, "sweep");
        stdout(&o)
    };
    let first = run();
    assert!(first.contains("0 done, 3 to run"), "{first}");
    let results_path = out.join("exp2-quick/results.csv");
    let results = read_rows(&results_path);
    assert_eq!(results.len(), 3);
    let metrics = ["test_accuracy", "test_correct", "test_loss", "train_loss"];
    assert_same(
        &keyed(&shortcut, &["lr"]),
        &keyed(&results, &["lr"]),
        &metrics,
    );
    assert!(out.join("exp2-quick/final_accuracy.png").is_file());
    assert!(out.join("exp2-quick/points.csv").is_file());

    // Resumable: nothing runs again, results.csv is unchanged.
    let bytes = std::fs::read(&results_path).unwrap();
    let again = run();
    assert!(again.contains("3 done, 0 to run"), "{again}");
    assert_eq!(std::fs::read(&results_path).unwrap(), bytes);

    // A point without its completion marker runs again, with the same metrics.
    let id = &results[1]["point"];
    std::fs::remove_file(out.join("exp2-quick/points").join(id).join("done.json")).unwrap();
    let third = run();
    assert!(third.contains("2 done, 1 to run"), "{third}");
    assert_same(
        &keyed(&results, &["lr"]),
        &keyed(&read_rows(&results_path), &["lr"]),
        &metrics,
    );
}

#[test]
fn exp4_shortcut_and_sweep_agree_per_epoch() {
    let Some(data) = mnist_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let o = bench(
        &["exp4-lr-vs-epochs", "--quick", "--threads", "2"],
        tmp.path(),
        Some(&data),
    );
    assert_success(&o, "exp4-lr-vs-epochs --quick");
    let shortcut = shortcut_metrics(tmp.path(), "exp4-lr-vs-epochs");
    // exp4-lr-vs-epochs --quick: rates 0.025, 0.1, 0.3, two epochs each.
    let file = write_sweep(
        tmp.path(),
        "exp4-quick",
        "subcommand = \"exp3-epochs\"\n[settings]\nquick = true\nepochs = 2\n\
         [axes]\nlr = [0.025, 0.1, 0.3]\n",
    );
    let out = tmp.path().join("sweeps");
    let o = bench(
        &["sweep", file.to_str().unwrap(), "--threads", "2"],
        &out,
        Some(&data),
    );
    assert_success(&o, "sweep");
    let results = read_rows(&out.join("exp4-quick/results.csv"));
    assert_eq!(results.len(), 6);
    assert_same(
        &keyed(&shortcut, &["lr", "epoch"]),
        &keyed(&results, &["lr", "epoch"]),
        &["test_accuracy", "test_correct", "test_loss", "train_loss"],
    );
    for fig in ["accuracy_by_epoch.png", "final_accuracy.png", "heatmap.png"] {
        assert!(out.join("exp4-quick").join(fig).is_file(), "{fig}");
    }
}

#[test]
fn nielsen_eta_sweep_shortcut_and_sweep_agree() {
    let Some(data) = mnist_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let o = bench(
        &[
            "eta-sweep",
            "--quick",
            "--etas",
            "0.25,2.5",
            "--threads",
            "2",
        ],
        tmp.path(),
        Some(&data),
    );
    assert_success(&o, "eta-sweep --quick");
    let shortcut = shortcut_metrics(tmp.path(), "eta-sweep");
    let file = write_sweep(
        tmp.path(),
        "eta-quick",
        "subcommand = \"eta-sweep\"\n[settings]\nquick = true\n[axes]\netas = [0.25, 2.5]\n",
    );
    let out = tmp.path().join("sweeps");
    let o = bench(
        &["sweep", file.to_str().unwrap(), "--threads", "2"],
        &out,
        Some(&data),
    );
    assert_success(&o, "sweep");
    let results = read_rows(&out.join("eta-quick/results.csv"));
    assert_same(
        &keyed(&shortcut, &["setting", "epoch"]),
        &keyed(&results, &["setting", "epoch"]),
        &[
            "test_accuracy",
            "test_loss",
            "validation_accuracy",
            "validation_loss",
            "train_loss",
        ],
    );
}

#[test]
fn blog_mnist_shortcut_and_blog_mnist_run_sweep_agree() {
    let Some(data) = mnist_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let o = bench(
        &[
            "blog-mnist",
            "--quick",
            "--epochs",
            "2",
            "--inits",
            "2",
            "--rates",
            "0.01,0.03",
            "--threads",
            "2",
        ],
        tmp.path(),
        Some(&data),
    );
    assert_success(&o, "blog-mnist --quick");
    // The shortcut's jobs: lr 0.01 from initialisations 0 and 1, lr 0.03 from 0, and the final
    // model (trained on everything; not a point of these sweeps).
    let shortcut: Vec<_> = shortcut_metrics(tmp.path(), "blog-mnist")
        .into_iter()
        .filter(|r| r["run"] != "final")
        .collect();
    assert_eq!(shortcut.len(), 6);
    let file = write_sweep(
        tmp.path(),
        "blog-quick",
        "subcommand = \"blog-mnist-run\"\n[settings]\nquick = true\nepochs = 2\n\
         [axes]\nlr = [0.01, 0.03]\ninit-index = [0, 1]\n",
    );
    let out = tmp.path().join("sweeps");
    let o = bench(
        &["sweep", file.to_str().unwrap(), "--threads", "2"],
        &out,
        Some(&data),
    );
    assert_success(&o, "sweep");
    let results = read_rows(&out.join("blog-quick/results.csv"));
    assert_eq!(results.len(), 8, "4 points × 2 epochs");
    // Every point scores the test set after each epoch.
    assert!(results.iter().all(|r| {
        let a: f64 = r["test_accuracy"].parse().unwrap();
        (0.0..=1.0).contains(&a)
    }));
    let key = ["lr", "init", "epoch"];
    let sweep = keyed(&results, &key);
    let shortcut = keyed(&shortcut, &key);
    for (k, a) in &shortcut {
        let b = &sweep[k];
        for m in ["train_loss", "validation_loss", "validation_accuracy"] {
            assert_eq!(a[m], b[m], "{m} at {k:?}");
        }
        if k[2] == "2" {
            assert_eq!(a["test_accuracy"], b["test_accuracy"], "test at {k:?}");
        }
    }
    assert!(out.join("blog-quick/accuracy_by_epoch.png").is_file());
}
