//! Run control end to end on real MNIST: Ctrl-C then `--resume` gives the same weights as an
//! uninterrupted run; SIGKILL while checkpoints are being written never leaves a corrupt one;
//! resuming with other flags is refused.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{mnist_dir, read_json, run_dir, BIN};

/// The experiment every test here runs.
const EXPERIMENT: &str = "exp3-epochs";

fn args(data: &Path, out: &Path, epochs: usize) -> Vec<String> {
    let mut a: Vec<String> = [
        EXPERIMENT,
        "--limit-train",
        "2000",
        "--batch-size",
        "10",
        "--threads",
        "1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend([
        "--epochs".into(),
        epochs.to_string(),
        "--data-dir".into(),
        data.display().to_string(),
    ]);
    a.extend(["--out".into(), out.display().to_string()]);
    a
}

fn spawn(args: &[String], extra: &[&str]) -> Child {
    Command::new(BIN)
        .args(args)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits (up to a minute: the machine may be loaded) until the child has created its run
/// directory, then returns it.
fn wait_run_dir(out: &Path) -> PathBuf {
    let start = Instant::now();
    while std::fs::read_dir(out).map_or(true, |mut d| d.next().is_none()) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{} never got a run directory",
            out.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    run_dir(out, EXPERIMENT)
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig}");
}

fn wait_for(path: &Path, limit: Duration) {
    let start = Instant::now();
    while !path.exists() {
        assert!(start.elapsed() < limit, "{} never appeared", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn weights(run: &Path) -> serde_json::Value {
    read_json(&run.join("model.json"))["layers"].clone()
}

#[test]
fn ctrl_c_then_resume_matches_an_uninterrupted_run() {
    let Some(data) = mnist_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    const EPOCHS: usize = 30;
    let straight = Command::new(BIN)
        .args(args(&data, &tmp.path().join("a"), EPOCHS))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(straight.status.success());

    let b = tmp.path().join("b");
    let base = args(&data, &b, EPOCHS);
    let mut child = spawn(&base, &["--checkpoint-every", "150"]);
    // Interrupt once the first checkpoint exists, i.e. inside the run.
    let run = wait_run_dir(&b);
    wait_for(&run.join("checkpoint.json"), Duration::from_secs(60));
    signal(&child, "-INT");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "Ctrl-C exits with 130");
    assert!(
        !run.join("model.json").exists(),
        "an interrupted run has no final model yet"
    );
    let rows_before = std::fs::read_to_string(run.join("metrics.csv"))
        .map(|s| s.lines().count())
        .unwrap_or(0);
    assert!(rows_before <= EPOCHS, "interrupted before the end");

    let resumed = Command::new(BIN)
        .args(&base)
        .args([
            "--checkpoint-every",
            "150",
            "--resume",
            run.to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert_eq!(
        weights(&run),
        weights(&run_dir(&tmp.path().join("a"), EXPERIMENT)),
        "bit-identical weights"
    );
    let csv = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        EPOCHS + 1,
        "one row per epoch after resuming"
    );
}

#[test]
fn sigkill_during_checkpoint_writes_never_leaves_a_corrupt_checkpoint() {
    let Some(data) = mnist_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("k");
    let base = args(&data, &out, 1000);
    // A checkpoint after every batch: the process is almost always inside a write.
    let mut child = spawn(&base, &["--checkpoint-every", "1"]);
    let run = wait_run_dir(&out);
    let ckpt = run.join("checkpoint.json");
    wait_for(&ckpt, Duration::from_secs(60));
    for round in 0..5 {
        if round > 0 {
            child = spawn(
                &base,
                &["--checkpoint-every", "1", "--resume", run.to_str().unwrap()],
            );
        }
        std::thread::sleep(Duration::from_millis(150 + 70 * round));
        signal(&child, "-KILL");
        child.wait().unwrap();
        let loaded = nn::checkpoint::load(&ckpt);
        assert!(loaded.is_ok(), "round {round}: {:?}", loaded.err());
    }
}

#[test]
fn resuming_with_different_flags_is_refused_in_one_line() {
    let Some(data) = mnist_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    let ok = Command::new(BIN)
        .args(args(&data, &out, 1))
        .args(["--checkpoint-every", "1000"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(ok.status.success());
    let run = run_dir(&out, EXPERIMENT);
    let other = Command::new(BIN)
        .args(args(&data, &out, 2))
        .args(["--lr", "0.5", "--resume", run.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(other.status.code(), Some(2));
    let err = String::from_utf8_lossy(&other.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("differ"), "{err}");
}
