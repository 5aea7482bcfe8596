//! Hostile input files end to end: `bench-runner` given a broken MNIST file, ESC-50 metadata or
//! WAV clip, or a tampered checkpoint must exit with code 2 and exactly one `error: …` line on
//! stderr naming the file, never a panic or a backtrace.
//!
//! Each IDX case starts from a small valid synthetic set (20 training and 10 test images,
//! 28×28, written in a temporary directory) and replaces one file with a hostile one; the
//! ESC-50 cases do the same with a four-clip ESC-50 root, so no dataset is needed. Gzip files are built by hand (stored blocks, or a hand-made Huffman
//! code for the bomb): this crate does not depend on a compressor. The one case that cuts a
//! real file uses `$MYNET_DATA_DIR/mnist` and is skipped, with a printed line, without it.
//! The library-level versions of these cases are in `crates/data/tests/` and
//! `crates/nn/tests/training.rs`; see docs/reliability.md.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{mnist_dir, BIN};
use data::idx::{write_images, write_labels, IdxImages};

const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";
const TRAIN: usize = 20;
const TEST: usize = 10;
const SIDE: usize = 28;

/// A directory holding a valid synthetic MNIST set (raw IDX files).
fn valid_set() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (images, labels, n) in [
        (TRAIN_IMAGES, TRAIN_LABELS, TRAIN),
        (TEST_IMAGES, TEST_LABELS, TEST),
    ] {
        write_images(&dir.path().join(images), &synthetic_images(n, SIDE, SIDE)).unwrap();
        write_labels(&dir.path().join(labels), &synthetic_labels(n)).unwrap();
    }
    dir
}

/// `n` images whose pixels depend on their class (so training has something to learn).
fn synthetic_images(n: usize, rows: usize, cols: usize) -> IdxImages {
    let pixels = (0..n * rows * cols)
        .map(|i| ((i / (rows * cols)) % 10 * 25 + i % 7) as u8)
        .collect();
    IdxImages {
        count: n,
        rows,
        cols,
        pixels,
    }
}

fn synthetic_labels(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 10) as u8).collect()
}

/// Replaces `name` in `dir` by `bytes` (under `name`, or `name.gz` when `gz`).
fn replace(dir: &Path, name: &str, bytes: &[u8], gz: bool) -> PathBuf {
    std::fs::remove_file(dir.join(name)).unwrap();
    let path = dir.join(if gz {
        format!("{name}.gz")
    } else {
        name.to_string()
    });
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A raw IDX header: magic then dimensions, big-endian.
fn header(magic: u32, dims: &[u32]) -> Vec<u8> {
    std::iter::once(magic)
        .chain(dims.iter().copied())
        .flat_map(u32::to_be_bytes)
        .collect()
}

/// `exp3-epochs --quick` on `data` (plus `extra` flags), with backtraces enabled so that a
/// panic or an error printed with its backtrace would show.
fn exp3(data: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(BIN)
        .args(["exp3-epochs", "--quick", "--threads", "1"])
        .args(extra)
        .arg("--data-dir")
        .arg(data)
        .arg("--out")
        .arg(out)
        .env("RUST_BACKTRACE", "1")
        .env_remove("MYNET_DATA_DIR")
        .output()
        .expect("the bench-runner binary runs")
}

/// Exit code 2, exactly one stderr line, starting `error: `, naming `file`, no panic and no
/// backtrace. Returns the line.
fn assert_one_line_error(output: &Output, file: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{file}: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{file}: one line expected:\n{stderr}");
    assert!(lines[0].starts_with("error: "), "{file}: {stderr}");
    assert!(lines[0].contains(file), "{file} not named: {stderr}");
    let lower = stderr.to_lowercase();
    assert!(!lower.contains("panicked"), "{file}: {stderr}");
    assert!(!lower.contains("backtrace"), "{file}: {stderr}");
    lines[0].to_string()
}

/// Runs exp3 on `data`, expects the one-line error naming `file`, and checks that no run
/// directory was created; returns the error line.
fn assert_rejected(data: &Path, file: &str) -> String {
    let out = tempfile::tempdir().unwrap();
    let output = exp3(data, out.path(), &[]);
    let line = assert_one_line_error(&output, file);
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "no run directory for a failed load"
    );
    line
}

// --- Hand-made gzip -------------------------------------------------------------------------

/// CRC-32 (IEEE), bitwise: only used on small buffers.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// A valid gzip file of `data` in stored (uncompressed) deflate blocks.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = GZIP_HEADER.to_vec();
    let chunks: Vec<&[u8]> = data.chunks(0xffff).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len())); // BFINAL, BTYPE 00, byte-aligned
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// Deflate bits, least significant first; Huffman codes most significant bit first.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    fn bits(&mut self, value: u32, count: u32) {
        for i in 0..count {
            self.acc |= ((value >> i) & 1) << self.n;
            self.n += 1;
            if self.n == 8 {
                self.out.push(self.acc as u8);
                (self.acc, self.n) = (0, 0);
            }
        }
    }

    fn code(&mut self, code: u32, len: u8) {
        for i in (0..u32::from(len)).rev() {
            self.bits((code >> i) & 1, 1);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// Canonical Huffman codes for the given code lengths (RFC 1951, 3.2.2).
fn canonical(lengths: &[u8]) -> Vec<u32> {
    let max = usize::from(*lengths.iter().max().unwrap());
    let mut count = vec![0u32; max + 1];
    for &l in lengths.iter().filter(|&&l| l > 0) {
        count[usize::from(l)] += 1;
    }
    let mut next = vec![0u32; max + 1];
    let mut code = 0;
    for bits in 1..=max {
        code = (code + count[bits - 1]) << 1;
        next[bits] = code;
    }
    lengths
        .iter()
        .map(|&l| {
            if l == 0 {
                return 0;
            }
            let c = next[usize::from(l)];
            next[usize::from(l)] += 1;
            c
        })
        .collect()
}

/// A gzip bomb: `prefix` (at most 7 distinct bytes) followed by about `out_bytes` more copies
/// of its last byte, in one dynamic-Huffman block where "repeat the previous 258 bytes" costs
/// 2 bits, so 1 GiB of output takes about 1 MB. The trailer's CRC and size are zero: a reader
/// bounded by the IDX header never gets there.
fn gzip_bomb(prefix: &[u8], out_bytes: u64) -> Vec<u8> {
    let mut literals: Vec<u8> = prefix.to_vec();
    literals.sort_unstable();
    literals.dedup();
    assert!(literals.len() <= 7);
    let filler: Vec<u8> = (0..=255u8).filter(|b| !literals.contains(b)).collect();
    literals.extend(&filler[..7 - literals.len()]);
    // Literal/length code: 7 literals and end-of-block at 4 bits, length 258 (symbol 285) at
    // 1 bit; one distance code (distance 1) at 1 bit.
    let mut lit = [0u8; 286];
    for &b in &literals {
        lit[usize::from(b)] = 4;
    }
    lit[256] = 4;
    lit[285] = 1;
    // Code-length code: lengths 0, 1 and 4 only.
    let mut cl = [0u8; 19];
    (cl[0], cl[1], cl[4]) = (1, 2, 2);
    let (cl_codes, lit_codes) = (canonical(&cl), canonical(&lit));
    let mut w = Bits::default();
    w.bits(1, 1); // BFINAL
    w.bits(2, 2); // dynamic Huffman
    w.bits(29, 5); // HLIT: 286 codes
    w.bits(0, 5); // HDIST: 1 code
    w.bits(14, 4); // HCLEN: 18 code-length codes
    for s in [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1] {
        w.bits(u32::from(cl[s]), 3);
    }
    for &l in lit.iter().chain(&[1u8]) {
        w.code(cl_codes[usize::from(l)], cl[usize::from(l)]);
    }
    for &b in prefix {
        w.code(lit_codes[usize::from(b)], 4);
    }
    for _ in 0..out_bytes / 258 {
        w.code(0, 1); // length 258
        w.code(0, 1); // distance 1
    }
    w.code(lit_codes[256], 4);
    let mut out = GZIP_HEADER.to_vec();
    out.extend(w.finish());
    out.extend_from_slice(&[0; 8]);
    out
}

// --- The control ----------------------------------------------------------------------------

#[test]
fn the_valid_synthetic_set_trains_including_a_gzip_file() {
    // The base every hostile case starts from must itself be accepted, or the cases below
    // would prove nothing; one file is a (hand-made) gzip to vouch for `gzip_stored`.
    let data = valid_set();
    let raw = std::fs::read(data.path().join(TRAIN_IMAGES)).unwrap();
    replace(data.path(), TRAIN_IMAGES, &gzip_stored(&raw), true);
    let out = tempfile::tempdir().unwrap();
    let output = exp3(data.path(), out.path(), &["--epochs", "1"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

// --- IDX files ------------------------------------------------------------------------------

#[test]
fn truncated_gzip_is_a_one_line_error() {
    let data = valid_set();
    let raw = std::fs::read(data.path().join(TRAIN_IMAGES)).unwrap();
    let gz = gzip_stored(&raw);
    replace(data.path(), TRAIN_IMAGES, &gz[..gz.len() / 2], true);
    let line = assert_rejected(data.path(), "train-images-idx3-ubyte.gz");
    assert!(line.contains("truncated"), "{line}");
}

#[test]
fn truncated_real_gzip_is_a_one_line_error() {
    let Some(real) = mnist_dir() else { return };
    let data = tempfile::tempdir().unwrap();
    for name in [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS] {
        let file = format!("{name}.gz");
        let bytes = std::fs::read(real.join(&file)).unwrap();
        let bytes = if name == TEST_IMAGES {
            &bytes[..bytes.len() * 3 / 4]
        } else {
            &bytes[..]
        };
        std::fs::write(data.path().join(&file), bytes).unwrap();
    }
    let line = assert_rejected(data.path(), "t10k-images-idx3-ubyte.gz");
    assert!(line.contains("gzip"), "{line}");
}

#[test]
fn gzip_bomb_is_refused_at_the_claimed_size_quickly() {
    // Header: 20 labels. Stream: 1 GiB of zeros after the header, in a 1 MB file.
    let data = valid_set();
    let bomb = gzip_bomb(&header(0x0801, &[TRAIN as u32]), 1 << 30);
    assert!(bomb.len() < (1 << 30) / 1000, "{} bytes", bomb.len());
    replace(data.path(), TRAIN_LABELS, &bomb, true);
    let start = Instant::now();
    let line = assert_rejected(data.path(), "train-labels-idx1-ubyte.gz");
    assert!(line.contains("trailing data"), "{line}");
    // Decompressing the whole gigabyte takes seconds; stopping at the claim, milliseconds.
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn dimensions_whose_product_overflows_are_a_one_line_error() {
    let data = valid_set();
    let mut bytes = header(0x0803, &[u32::MAX, u32::MAX, u32::MAX]);
    bytes.extend_from_slice(&[0; 64]);
    replace(data.path(), TRAIN_IMAGES, &bytes, false);
    let line = assert_rejected(data.path(), TRAIN_IMAGES);
    assert!(line.contains("overflows"), "{line}");
}

#[test]
fn dimensions_claiming_more_than_the_file_holds_are_a_one_line_error() {
    // 4 billion images of 28×28 claimed, 20 present: refused before allocating.
    let data = valid_set();
    let mut bytes = header(0x0803, &[u32::MAX, 28, 28]);
    bytes.extend(synthetic_images(TRAIN, SIDE, SIDE).pixels);
    replace(data.path(), TRAIN_IMAGES, &bytes, false);
    let line = assert_rejected(data.path(), TRAIN_IMAGES);
    assert!(line.contains("truncated"), "{line}");
}

#[test]
fn zero_images_is_a_one_line_error() {
    let data = valid_set();
    replace(
        data.path(),
        TEST_IMAGES,
        &header(0x0803, &[0, 28, 28]),
        false,
    );
    let line = assert_rejected(data.path(), TEST_IMAGES);
    assert!(line.contains("count is 0"), "{line}");
}

#[test]
fn image_and_label_counts_that_differ_are_a_one_line_error() {
    let data = valid_set();
    write_labels(
        &data.path().join(TRAIN_LABELS),
        &synthetic_labels(TRAIN - 1),
    )
    .unwrap();
    let line = assert_rejected(data.path(), TRAIN_LABELS);
    assert!(line.contains(TRAIN_IMAGES), "{line}");
}

#[test]
fn wrong_magic_is_a_one_line_error() {
    // A label file where the test images should be.
    let data = valid_set();
    let labels = std::fs::read(data.path().join(TEST_LABELS)).unwrap();
    replace(data.path(), TEST_IMAGES, &labels, false);
    let line = assert_rejected(data.path(), TEST_IMAGES);
    assert!(line.contains("bad magic"), "{line}");
}

#[test]
fn label_outside_0_to_9_is_a_one_line_error() {
    let data = valid_set();
    let mut labels = synthetic_labels(TEST);
    labels[7] = 10;
    write_labels(&data.path().join(TEST_LABELS), &labels).unwrap();
    let line = assert_rejected(data.path(), TEST_LABELS);
    assert!(line.contains("label 10"), "{line}");
}

#[test]
fn empty_and_trailing_data_files_are_one_line_errors() {
    let data = valid_set();
    replace(data.path(), TRAIN_LABELS, b"", false);
    assert_rejected(data.path(), TRAIN_LABELS);

    let data = valid_set();
    let mut bytes = std::fs::read(data.path().join(TEST_LABELS)).unwrap();
    bytes.push(0);
    replace(data.path(), TEST_LABELS, &bytes, false);
    let line = assert_rejected(data.path(), TEST_LABELS);
    assert!(line.contains("trailing data"), "{line}");
}

#[test]
fn images_that_are_not_28_by_28_are_a_one_line_error() {
    // A valid IDX file of 10×10 images: the 784-input networks cannot take them.
    let data = valid_set();
    write_images(
        &data.path().join(TRAIN_IMAGES),
        &synthetic_images(TRAIN, 10, 10),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let output = exp3(data.path(), out.path(), &[]);
    let line = assert_one_line_error(&output, TRAIN_IMAGES);
    assert!(line.contains("10×10") && line.contains("28×28"), "{line}");
}

// --- Checkpoints (the model JSON bench-runner reads back) -------------------------------------

/// A finished one-epoch run with a checkpoint on the valid synthetic set: (data, out, run dir).
fn checkpointed_run() -> (tempfile::TempDir, tempfile::TempDir, PathBuf) {
    let data = valid_set();
    let out = tempfile::tempdir().unwrap();
    let output = exp3(
        data.path(),
        out.path(),
        &["--epochs", "1", "--checkpoint-every", "1000"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("checkpoint.json").is_file())
        .expect("a run directory with checkpoint.json");
    (data, out, run)
}

/// Rewrites the run's checkpoint with `tamper`, resumes it, and expects the one-line error
/// naming `checkpoint.json`; returns the error line.
fn resume_tampered(file: &str, tamper: impl Fn(&mut serde_json::Value)) -> String {
    let (data, out, run) = checkpointed_run();
    let path = run.join("checkpoint.json");
    let mut ckpt: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    tamper(&mut ckpt);
    std::fs::write(&path, serde_json::to_vec(&ckpt).unwrap()).unwrap();
    let output = exp3(
        data.path(),
        out.path(),
        &["--epochs", "2", "--resume", run.to_str().unwrap()],
    );
    assert_one_line_error(&output, file)
}

#[test]
fn checkpoint_with_an_unknown_model_version_is_a_one_line_error() {
    let line = resume_tampered("checkpoint.json", |c| c["model"]["version"] = 99.into());
    assert!(line.contains("version 99"), "{line}");
    let line = resume_tampered("checkpoint.json", |c| c["version"] = 2.into());
    assert!(line.contains("version 2"), "{line}");
}

#[test]
fn checkpoint_with_wrong_weight_shapes_is_a_one_line_error() {
    let line = resume_tampered("checkpoint.json", |c| {
        c["model"]["layers"][0]["weights"]
            .as_array_mut()
            .unwrap()
            .pop();
    });
    assert!(line.contains("layer 0"), "{line}");
}

#[test]
fn checkpoint_with_another_output_count_is_a_one_line_error() {
    // Self-consistent, but 784-100-9 where the run is 784-100-10.
    let line = resume_tampered("checkpoint.json", |c| {
        let model = &mut c["model"];
        model["sizes"][2] = 9.into();
        let layer = &mut model["layers"][1];
        layer["d_output"] = 9.into();
        layer["weights"].as_array_mut().unwrap().truncate(9 * 100);
    });
    assert!(line.contains("dense layer 2"), "{line}");
    assert!(line.contains("expected 10, got 9"), "{line}");
}

#[test]
fn checkpoint_with_another_hidden_size_is_a_one_line_error() {
    // Self-consistent, but 784-50-10 where the run is 784-100-10.
    let line = resume_tampered("checkpoint.json", |c| {
        let model = &mut c["model"];
        model["sizes"][1] = 50.into();
        let first = &mut model["layers"][0];
        first["d_output"] = 50.into();
        first["weights"].as_array_mut().unwrap().truncate(50 * 784);
        let last = &mut model["layers"][1];
        last["d_input"] = 50.into();
        last["weights"].as_array_mut().unwrap().truncate(50 * 10);
    });
    assert!(line.contains("dense layer 1"), "{line}");
    assert!(line.contains("expected 100, got 50"), "{line}");
}

#[test]
fn truncated_checkpoint_is_a_one_line_error() {
    let (data, out, run) = checkpointed_run();
    let path = run.join("checkpoint.json");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let output = exp3(
        data.path(),
        out.path(),
        &["--epochs", "2", "--resume", run.to_str().unwrap()],
    );
    assert_one_line_error(&output, "checkpoint.json");
}

// --- ESC-50 metadata and WAV files ----------------------------------------------------------

const ESC50_HEADER: &str = "filename,fold,target,category,esc10,src_file,take";

/// The clips of the small ESC-50 root: (file, fold, target, category); ESC-10 classes only.
const CLIPS: [(&str, u8, u8, &str); 4] = [
    ("1-100-A-0.wav", 1, 0, "dog"),
    ("1-200-A-1.wav", 1, 1, "rooster"),
    ("2-300-A-0.wav", 2, 0, "dog"),
    ("2-400-A-1.wav", 2, 1, "rooster"),
];

/// A canonical 44-byte-header WAV: PCM (`format` 1) or another format tag, mono, `rate` Hz,
/// `bits` per sample; `data_len` overrides the data chunk's size field (to make it lie).
fn wav(format: u16, rate: u32, bits: u16, data: &[u8], data_len: Option<u32>) -> Vec<u8> {
    let align = bits.div_ceil(8);
    let data_len = data_len.unwrap_or(data.len() as u32);
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&36u32.wrapping_add(data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    for v in [format, 1] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
    for v in [align, bits] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// 0.1 s of a 16-bit tone at 44.1 kHz.
fn tone_pcm16() -> Vec<u8> {
    (0..4410)
        .map(|n| ((n as f32 * 0.06).sin() * 8000.0) as i16)
        .flat_map(i16::to_le_bytes)
        .collect()
}

/// A small valid ESC-50 root: `meta/esc50.csv` and four 0.1 s clips in `audio/`.
fn esc50_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("meta")).unwrap();
    std::fs::create_dir_all(root.path().join("audio")).unwrap();
    let rows: Vec<String> = CLIPS
        .iter()
        .map(|(f, fold, target, cat)| format!("{f},{fold},{target},{cat},True,100,A"))
        .collect();
    write_csv(root.path(), ESC50_HEADER, &rows);
    for (f, ..) in CLIPS {
        let bytes = wav(1, 44_100, 16, &tone_pcm16(), None);
        std::fs::write(root.path().join("audio").join(f), bytes).unwrap();
    }
    root
}

fn write_csv(root: &Path, header: &str, rows: &[String]) {
    let text = std::iter::once(header.to_string())
        .chain(rows.iter().cloned())
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(root.join("meta/esc50.csv"), text + "\n").unwrap();
}

/// `esc50-spectrogram --esc10 --folds 1,2` on `root`, without the feature cache.
fn esc50_spectrogram(root: &Path, out: &Path) -> Output {
    Command::new(BIN)
        .args([
            "esc50-spectrogram",
            "--esc10",
            "--folds",
            "1,2",
            "--no-cache",
        ])
        .args(["--threads", "1"])
        .arg("--data-dir")
        .arg(root)
        .arg("--out")
        .arg(out)
        .env("RUST_BACKTRACE", "1")
        .env_remove("MYNET_DATA_DIR")
        .output()
        .expect("the bench-runner binary runs")
}

/// Runs `esc50-spectrogram` on `root`, expects the one-line error naming `file`; returns it.
fn assert_esc50_rejected(root: &Path, file: &str) -> String {
    let out = tempfile::tempdir().unwrap();
    let output = esc50_spectrogram(root, out.path());
    assert_one_line_error(&output, file)
}

/// Replaces the first clip (the first of its class, so it is always read) by `bytes`.
fn replace_first_clip(root: &Path, bytes: &[u8]) {
    std::fs::write(root.join("audio").join(CLIPS[0].0), bytes).unwrap();
}

#[test]
fn the_valid_esc50_root_draws_spectrograms() {
    let root = esc50_root();
    let out = tempfile::tempdir().unwrap();
    let output = esc50_spectrogram(root.path(), out.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn esc50_csv_missing_a_column_is_a_one_line_error() {
    let root = esc50_root();
    let header = ESC50_HEADER.replace("fold,", "");
    let rows: Vec<String> = CLIPS
        .iter()
        .map(|(f, _, target, cat)| format!("{f},{target},{cat},True,100,A"))
        .collect();
    write_csv(root.path(), &header, &rows);
    let line = assert_esc50_rejected(root.path(), "esc50.csv");
    assert!(line.contains("missing column `fold`"), "{line}");
}

#[test]
fn esc50_csv_with_a_fold_outside_1_to_5_is_a_one_line_error() {
    let root = esc50_root();
    let mut rows: Vec<String> = CLIPS
        .iter()
        .map(|(f, fold, target, cat)| format!("{f},{fold},{target},{cat},True,100,A"))
        .collect();
    rows[2] = "2-300-A-0.wav,7,0,dog,True,100,A".into();
    write_csv(root.path(), ESC50_HEADER, &rows);
    let line = assert_esc50_rejected(root.path(), "esc50.csv");
    assert!(line.contains("line 4") && line.contains("fold"), "{line}");
}

#[test]
fn esc50_csv_header_with_a_newline_is_a_one_line_error() {
    // The fuzz finding of regressions::esc50_header_name_with_a_newline_gives_a_one_line_error,
    // end to end.
    let root = esc50_root();
    let header = ESC50_HEADER.replace("filename", "\"file\nname\"");
    let rows: Vec<String> = CLIPS
        .iter()
        .map(|(f, fold, target, cat)| format!("{f},{fold},{target},{cat},True,100,A"))
        .collect();
    write_csv(root.path(), &header, &rows);
    assert_esc50_rejected(root.path(), "esc50.csv");
}

#[test]
fn wav_with_a_lying_data_chunk_size_is_a_one_line_error() {
    let root = esc50_root();
    replace_first_clip(
        root.path(),
        &wav(1, 44_100, 16, &tone_pcm16(), Some(0xffff_fff0)),
    );
    let line = assert_esc50_rejected(root.path(), CLIPS[0].0);
    assert!(line.contains("truncated WAV data"), "{line}");
}

#[test]
fn zero_length_wav_is_a_one_line_error() {
    let root = esc50_root();
    replace_first_clip(root.path(), b"");
    let line = assert_esc50_rejected(root.path(), CLIPS[0].0);
    assert!(line.contains("empty WAV"), "{line}");
}

#[test]
fn wav_in_an_unsupported_sample_format_is_a_one_line_error() {
    // A-law (format tag 6), 8 bits.
    let root = esc50_root();
    replace_first_clip(root.path(), &wav(6, 44_100, 8, &[0x55; 4410], None));
    let line = assert_esc50_rejected(root.path(), CLIPS[0].0);
    assert!(line.contains("unsupported"), "{line}");
}

#[test]
fn wav_at_another_sample_rate_is_a_one_line_error() {
    let root = esc50_root();
    replace_first_clip(root.path(), &wav(1, 22_050, 16, &tone_pcm16(), None));
    let line = assert_esc50_rejected(root.path(), CLIPS[0].0);
    assert!(line.contains("22050 Hz"), "{line}");
}
