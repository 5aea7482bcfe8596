//! End-to-end `--quick --esc10` runs of the ESC-50 subcommands (`esc50-spectrogram`,
//! `esc50-mlp`, `esc50-downscaled`, `esc50-cnn`) on the real clips in `$MYNET_DATA_DIR/esc50`
//! (skipped with a printed line when the variable is unset), plus hostile metadata files at
//! binary level: exit code 2 and one `error:` line naming the file.

mod common;

use std::process::Command;

use common::{esc50_dir, QuickRun, BIN};

/// Files every training subcommand writes.
const TRAIN_FILES: &[&str] = &[
    "config.json",
    "metrics.csv",
    "folds.csv",
    "summary.csv",
    "summary.json",
    "accuracy_vs_epoch.png",
    "accuracy_vs_seconds.png",
    "fold_accuracy.png",
];

/// Runs `experiment --quick --esc10` on `$MYNET_DATA_DIR/esc50` with a fresh feature cache;
/// `None` when the data is not available.
fn quick_run(experiment: &str) -> Option<QuickRun> {
    let data = esc50_dir()?;
    let cache = tempfile::tempdir().unwrap();
    let args = [
        experiment,
        "--quick",
        "--esc10",
        "--threads",
        "2",
        "--cache-dir",
        cache.path().to_str().unwrap(),
    ];
    let run = QuickRun::new(&args, Some(&data));
    assert_eq!(run.config["config"]["data"]["esc10"], true);
    Some(run)
}

/// The ESC-50 checks of a finished run.
impl QuickRun {
    /// Checks a training run's metrics: `settings` in order, folds 1 and 2, epochs 1 and 2,
    /// accuracies in [0, 1], finite losses and seconds.
    fn assert_training(&self, settings: &[&str]) {
        self.assert_files(TRAIN_FILES);
        assert_eq!(
            self.metrics.rows.len(),
            settings.len() * 2 * 2,
            "settings × folds × epochs"
        );
        let names = self.column("setting");
        for (k, s) in settings.iter().enumerate() {
            assert!(
                names[k * 4..(k + 1) * 4].iter().all(|n| n == s),
                "{names:?}"
            );
        }
        for column in ["test_accuracy"] {
            for a in self.column(column) {
                let a: f64 = a.parse().unwrap();
                assert!((0.0..=1.0).contains(&a), "{column} {a} outside [0, 1]");
            }
        }
        for column in ["train_loss", "test_loss", "epoch_seconds", "train_seconds"] {
            for v in self.column(column) {
                let v: f64 = v.parse().unwrap();
                assert!(v.is_finite() && v >= 0.0, "{column} = {v}");
            }
        }
        let mut folds = self.column("fold");
        folds.dedup();
        assert_eq!(folds.len(), settings.len() * 2, "{folds:?}");
        let summary = common::read_json(&self.dir.join("summary.json"));
        for (entry, name) in summary["settings"].as_array().unwrap().iter().zip(settings) {
            assert_eq!(entry["setting"], *name);
            let mean = entry["mean_accuracy"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&mean), "mean accuracy {mean}");
        }
    }

    /// `metrics.csv` without the timing columns (which differ between runs).
    fn untimed(&self) -> Vec<Vec<String>> {
        let keep: Vec<usize> = self
            .metrics
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.ends_with("seconds"))
            .map(|(i, _)| i)
            .collect();
        self.metrics
            .rows
            .iter()
            .map(|r| keep.iter().map(|&i| r[i].to_string()).collect())
            .collect()
    }
}

#[test]
fn spectrogram_quick_draws_one_png_per_class() {
    let Some(run) = quick_run("esc50-spectrogram") else {
        return;
    };
    let pngs = run.column("png");
    assert_eq!(pngs.len(), 10, "one clip per ESC-10 class");
    assert_eq!(pngs[0], "00-dog.png");
    assert_eq!(pngs[9], "09-chainsaw.png");
    let mut files = vec!["config.json", "summary.json", "spectrograms.png"];
    files.extend(pngs.iter().map(String::as_str));
    run.assert_files(&files);
    for (k, label) in run.column("label").iter().enumerate() {
        assert_eq!(label, &k.to_string());
    }
}

#[test]
fn mlp_quick_runs_waveform_and_logmel() {
    let Some(run) = quick_run("esc50-mlp") else {
        return;
    };
    run.assert_training(&["waveform", "logmel"]);
}

#[test]
fn downscaled_quick_runs_both_images() {
    let Some(run) = quick_run("esc50-downscaled") else {
        return;
    };
    run.assert_training(&["waveform-image", "logmel-image"]);
}

#[test]
fn cnn_quick_is_reproducible() {
    let Some(a) = quick_run("esc50-cnn") else {
        return;
    };
    a.assert_training(&["cnn"]);
    a.assert_files(&["model.json", "confusion.json"]);
    let b = quick_run("esc50-cnn").unwrap();
    assert_eq!(
        a.untimed(),
        b.untimed(),
        "same seed and threads, same numbers"
    );
}

/// The real metadata file when available (a copy), else a small valid one.
fn metadata_text() -> String {
    let real = esc50_dir().map(|d| d.join("meta/esc50.csv"));
    match real.and_then(|p| std::fs::read_to_string(p).ok()) {
        Some(text) => text,
        None => "filename,fold,target,category,esc10,src_file,take\r\n\
                 1-100032-A-0.wav,1,0,dog,True,100032,A\r\n\
                 1-100038-A-14.wav,1,14,chirping_birds,False,100038,A\r\n\
                 2-100648-A-43.wav,2,43,chirping_birds,False,100648,A\r\n"
            .to_string(),
    }
}

/// Runs `esc50-mlp --quick --esc10` on a root holding only `meta/esc50.csv` = `csv`; asserts
/// exit code 2 and exactly one `error:` line, naming the file; returns that line.
fn assert_rejected(csv: &str) -> String {
    let root = tempfile::tempdir().unwrap();
    let meta = root.path().join("meta");
    std::fs::create_dir_all(&meta).unwrap();
    let file = meta.join("esc50.csv");
    std::fs::write(&file, csv).unwrap();
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["esc50-mlp", "--quick", "--esc10", "--out"])
        .arg(out.path())
        .arg("--data-dir")
        .arg(root.path())
        .arg("--cache-dir")
        .arg(out.path().join("cache"))
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one error line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        errors[0].contains(&*file.to_string_lossy()),
        "{}",
        errors[0]
    );
    errors[0].to_string()
}

#[test]
fn metadata_with_a_fold_outside_1_to_5_is_rejected() {
    let text = metadata_text();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Row 2 (line 3): its fold becomes 7.
    let mut fields: Vec<&str> = lines[2].split(',').collect();
    fields[1] = "7";
    lines[2] = fields.join(",");
    let line = assert_rejected(&(lines.join("\r\n") + "\r\n"));
    assert!(line.contains("line 3") && line.contains("fold"), "{line}");
}

#[test]
fn metadata_without_the_fold_column_is_rejected() {
    let text = metadata_text();
    let stripped: String = text
        .lines()
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            f.remove(1);
            f.join(",") + "\r\n"
        })
        .collect();
    let line = assert_rejected(&stripped);
    assert!(line.contains("missing column `fold`"), "{line}");
}
