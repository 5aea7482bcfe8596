#!/usr/bin/env python3
"""NumPy reference for the ESC-50 log-mel features of `data::esc50::LogMel`.

Computes, in float64 with NumPy only, the same pipeline as the Rust code at its defaults:
centred frames with n_fft/2 zeros on each side (librosa >= 0.10 `center=True,
pad_mode="constant"`), periodic Hann window, n_fft 1024, hop 512, power |X|^2, 60 Slaney mel
bands with Slaney area normalisation over 0 .. sr/2 (librosa `filters.mel` defaults), and
10*log10(max(p, 1e-10)) (librosa `power_to_db(ref=1.0, amin=1e-10, top_db=None)`).

Writes two golden files that `crates/data/tests/esc50_reference.rs` compares against:

- `logmel_synthetic.csv`: a deterministic 0.5 s test signal (formula below, mirrored in the
  Rust test), every frame; checked on every `cargo test`.
- `logmel_<clip>.csv` for two real ESC-10 clips (default: the first ESC-10 clip of the CSV,
  a dog bark that is mostly digital silence, and the first chainsaw clip, dense noise), every
  4th frame plus the last one (to keep the files small); checked when MYNET_DATA_DIR is set.

Each file starts with `#` comment lines, then one line per kept frame: the frame index and
the n_mels values in dB with 4 decimals.

Usage (from the repository root):

    python3 scripts/esc50_logmel_reference.py \
        --esc50 /work/shared/datasets/esc50 --out crates/data/tests/golden
"""

import argparse
import os
import wave

import numpy as np

SR = 44100
N_FFT = 1024
HOP = 512
N_MELS = 60
FLOOR = 1e-10


def hz_to_mel_slaney(f):
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3.0
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz,
                    min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep,
                    f / f_sp)


def mel_to_hz_slaney(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3.0
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel,
                    min_log_hz * np.exp(logstep * (m - min_log_mel)),
                    f_sp * m)


def mel_filterbank(sr, n_fft, n_mels, f_min, f_max):
    """librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=f_min, fmax=f_max)."""
    fft_freqs = np.arange(n_fft // 2 + 1) * sr / n_fft
    mels = np.linspace(hz_to_mel_slaney(f_min), hz_to_mel_slaney(f_max), n_mels + 2)
    edges = mel_to_hz_slaney(mels)
    fdiff = np.diff(edges)
    ramps = edges[:, None] - fft_freqs[None, :]
    weights = np.zeros((n_mels, len(fft_freqs)))
    for m in range(n_mels):
        lower = -ramps[m] / fdiff[m]
        upper = ramps[m + 2] / fdiff[m + 1]
        weights[m] = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2:n_mels + 2] - edges[:n_mels]))[:, None]
    return weights


def log_mel(x):
    """frames x n_mels log-mel of the float64 signal x."""
    x = np.pad(np.asarray(x, dtype=np.float64), N_FFT // 2, mode="constant")
    n_frames = 1 + (len(x) - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n_frames)[:, None]
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(N_FFT) / N_FFT)
    power = np.abs(np.fft.rfft(x[idx] * window, axis=1)) ** 2
    mel = power @ mel_filterbank(SR, N_FFT, N_MELS, 0.0, SR / 2.0).T
    return 10.0 * np.log10(np.maximum(mel, FLOOR))


def synthetic_signal():
    """0.5 s: two tones and a chirp under a decaying envelope, plus a click; as float32."""
    n = np.arange(SR // 2, dtype=np.float64)
    t = n / SR
    x = (0.5 * np.sin(2 * np.pi * 440.0 * t)
         + 0.25 * np.sin(2 * np.pi * 3000.0 * t + 0.3)
         + 0.1 * np.sin(2 * np.pi * (200.0 * t + 4000.0 * t * t))) * np.exp(-3.0 * t)
    x[SR // 4] += 0.8
    return x.astype(np.float32)


def read_wav_16bit_mono(path):
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1 and w.getframerate() == SR, path
        raw = w.readframes(w.getnframes())
    x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / np.float32(32768.0)
    n = 5 * SR
    return np.pad(x[:n], (0, max(0, n - len(x))))


def write_csv(path, features, stride, comments):
    with open(path, "w", newline="\n") as f:
        for c in comments:
            f.write(f"# {c}\n")
        f.write(f"# sr={SR} n_fft={N_FFT} hop={HOP} n_mels={N_MELS} floor={FLOOR} "
                f"padding=zero mel=slaney norm=slaney frames={features.shape[0]} "
                f"stride={stride} (plus the last frame)\n")
        n = features.shape[0]
        for t in sorted(set(range(0, n, stride)) | {n - 1}):
            f.write(str(t) + "," + ",".join(f"{v:.4f}" for v in features[t]) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--esc50", help="ESC-50 root (audio/, meta/esc50.csv); omit to skip the clips")
    ap.add_argument("--clips", nargs="*", default=["1-100032-A-0.wav", "1-116765-A-41.wav"],
                    help="clips of audio/ to write goldens for")
    ap.add_argument("--out", default="crates/data/tests/golden")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    write_csv(os.path.join(args.out, "logmel_synthetic.csv"), log_mel(synthetic_signal()), 1,
              ["log-mel (dB) of the synthetic signal of scripts/esc50_logmel_reference.py"])

    if args.esc50:
        for clip in args.clips:
            x = read_wav_16bit_mono(os.path.join(args.esc50, "audio", clip))
            stem = os.path.splitext(clip)[0]
            write_csv(os.path.join(args.out, f"logmel_{stem}.csv"), log_mel(x), 4,
                      [f"log-mel (dB) of ESC-50 clip {clip}, every 4th frame and the last"])

if __name__ == "__main__":
    main()
