#!/usr/bin/env python3
"""Builds the seed corpus of the fuzz targets from the real dataset files.

Usage: python3 fuzz/seed_corpus.py [DATASETS_DIR]   (default: $MYNET_DATA_DIR, else datasets/)

DATASETS_DIR holds mnist/, fashion-mnist/ and esc50/ as in /work/shared/datasets. The corpus is
written to fuzz/corpus/<target>/ (git-ignored: never commit it). Every seed is cut down to a few
KB so that the fuzzer spends its time on the parsers, not on megabytes of pixels or audio:

- idx: the first images/labels of each real MNIST and Fashion-MNIST file with the header's
  count rewritten (raw and gzip), plus the first bytes of each real .gz (a truncated stream).
- esc50_meta: the real header with slices of the real rows, LF and CRLF.
- wav_logmel: 20 ms of three real ESC-50 clips, re-encoded in every supported format
  (8/16/24/32-bit PCM, 24 bits in 4-byte containers, 32-bit float, stereo,
  WAVE_FORMAT_EXTENSIBLE), plus one at 22,050 Hz and one with a trailing LIST chunk.
- model_json: small models (MLPs with and without bias and dropout, a CNN with a conv and a
  max-pool stage) and checkpoints (SGD, Adam), written by hand in nn's JSON layout (these need
  no dataset).

Only the standard library is used; the output is deterministic.
"""

import gzip
import hashlib
import json
import os
import struct
import sys
import wave
from pathlib import Path

FUZZ_DIR = Path(__file__).resolve().parent


def put(target, name, data):
    out = FUZZ_DIR / "corpus" / target
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(data)


def gz(data):
    # mtime=0 keeps the output deterministic.
    return gzip.compress(data, compresslevel=9, mtime=0)


def idx_seeds(root):
    for dataset in ("mnist", "fashion-mnist"):
        d = root / dataset
        if not d.is_dir():
            print(f"skipping {d}: not found")
            continue
        for f in sorted(d.glob("*.gz")):
            raw = gzip.decompress(f.read_bytes())
            stem = f"{dataset}-{f.name[:-3]}"
            magic = struct.unpack(">I", raw[:4])[0]
            if magic == 2051:
                rows, cols = struct.unpack(">II", raw[8:16])
                for n in (1, 2):
                    cut = struct.pack(">IIII", 2051, n, rows, cols) + raw[16 : 16 + n * rows * cols]
                    put("idx", f"{stem}-{n}", cut)
                    put("idx", f"{stem}-{n}.gz", gz(cut))
            elif magic == 2049:
                for n in (1, 60):
                    cut = struct.pack(">II", 2049, n) + raw[8 : 8 + n]
                    put("idx", f"{stem}-{n}", cut)
                    put("idx", f"{stem}-{n}.gz", gz(cut))
            # The real compressed bytes, cut short: a truncated gzip stream.
            put("idx", f"{stem}-head.gz", f.read_bytes()[:1024])


def meta_seeds(root):
    csv = root / "esc50" / "meta" / "esc50.csv"
    if not csv.is_file():
        print(f"skipping {csv}: not found")
        return
    lines = csv.read_text().splitlines()
    header, rows = lines[0], lines[1:]
    esc10 = [r for r in rows if r.split(",")[4] == "True"]
    for name, sel in (("first", rows[:12]), ("esc10", esc10[:12]), ("one", rows[:1])):
        put("esc50_meta", f"{name}.csv", ("\n".join([header] + sel) + "\n").encode())
        put("esc50_meta", f"{name}-crlf.csv", ("\r\n".join([header] + sel) + "\r\n").encode())
    # Columns reordered, and an extra column.
    cols = header.split(",")
    order = list(reversed(range(len(cols))))
    moved = [",".join(r.split(",")[i] for i in order) for r in [header] + rows[:8]]
    put("esc50_meta", "reordered.csv", ("\n".join(moved) + "\n").encode())
    extra = [l + ",x" for l in [header] + rows[:8]]
    put("esc50_meta", "extra-column.csv", ("\n".join(extra) + "\n").encode())


def riff(fmt_chunk, data, extra=b""):
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk
    body += b"data" + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")
    body += extra
    return b"RIFF" + struct.pack("<I", len(body)) + body


def fmt(tag, channels, rate, bits, container):
    align = channels * container
    return struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)


def fmt_extensible(channels, rate, bits, container, subformat_tag):
    base = fmt(0xFFFE, channels, rate, container * 8, container)
    guid = struct.pack("<H", subformat_tag) + bytes.fromhex("000000001000800000aa00389b71")
    return base + struct.pack("<HHI", 22, bits, 0) + guid


def encode(samples, bits, container, is_float=False):
    out = bytearray()
    for s in samples:  # s: int16 value
        if is_float:
            out += struct.pack("<f", s / 32768.0)
        elif bits == 8:
            out += bytes([(s >> 8) + 128])
        elif bits == 16:
            out += struct.pack("<h", s)
        elif bits == 24:
            v = (s << 8) & 0xFFFFFF
            out += v.to_bytes(3, "little") + (b"\0" if container == 4 else b"")
        elif bits == 32:
            out += struct.pack("<i", s << 16)
    return bytes(out)


def wav_seeds(root):
    audio = root / "esc50" / "audio"
    clips = sorted(audio.glob("*.wav"))[:3] if audio.is_dir() else []
    if not clips:
        print(f"skipping {audio}: no WAV files")
        return
    for k, clip in enumerate(clips):
        with wave.open(str(clip)) as w:
            assert w.getsampwidth() == 2 and w.getnchannels() == 1
            rate = w.getframerate()
            frames = w.readframes(w.getnframes())
        pcm = struct.unpack(f"<{len(frames) // 2}h", frames)
        # 20 ms from the loudest 20 ms window start (a quiet start is all zeros).
        n = rate // 50
        start = max(range(0, len(pcm) - n, n), key=lambda i: sum(abs(x) for x in pcm[i : i + n]))
        s = pcm[start : start + n]
        tag = f"clip{k}"
        put("wav_logmel", f"{tag}-s16.wav", riff(fmt(1, 1, rate, 16, 2), encode(s, 16, 2)))
        if k > 0:
            continue
        put("wav_logmel", f"{tag}-u8.wav", riff(fmt(1, 1, rate, 8, 1), encode(s, 8, 1)))
        put("wav_logmel", f"{tag}-s24.wav", riff(fmt(1, 1, rate, 24, 3), encode(s, 24, 3)))
        put("wav_logmel", f"{tag}-s32.wav", riff(fmt(1, 1, rate, 32, 4), encode(s, 32, 4)))
        put("wav_logmel", f"{tag}-f32.wav", riff(fmt(3, 1, rate, 32, 4), encode(s, 32, 4, True)))
        stereo = encode([x for x in s[: n // 2] for _ in range(2)], 16, 2)
        put("wav_logmel", f"{tag}-stereo.wav", riff(fmt(1, 2, rate, 16, 2), stereo))
        ext24 = riff(fmt_extensible(1, rate, 24, 4, 1), encode(s, 24, 4))
        put("wav_logmel", f"{tag}-ext-s24in32.wav", ext24)
        extf = riff(fmt_extensible(1, rate, 32, 4, 3), encode(s, 32, 4, True))
        put("wav_logmel", f"{tag}-ext-f32.wav", extf)
        put("wav_logmel", f"{tag}-22k.wav", riff(fmt(1, 1, 22050, 16, 2), encode(s, 16, 2)))
        listed = riff(fmt(1, 1, rate, 16, 2), encode(s, 16, 2), b"LIST\x04\0\0\0INFO")
        put("wav_logmel", f"{tag}-list.wav", listed)
        # The real file's first 2 KB: a data chunk that claims far more than is there.
        put("wav_logmel", f"{tag}-real-head.wav", clip.read_bytes()[:2048])


def model(sizes, front=(), bias=True, act="sigmoid", dropout=0.0):
    """A model document in nn::persist's layout (format mynet-model, version 1)."""
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append({
            "activation": {"kind": act} if act != "leaky_relu" else {"kind": act, "alpha": 0.01},
            "bias": [0.01 * j for j in range(b)] if bias else None,
            "d_input": a,
            "d_output": b,
            "dropout": dropout if i + 2 < len(sizes) else 0.0,
            "weights": [round(0.1 * ((7 * j) % 11 - 5), 3) for j in range(a * b)],
        })
    doc = {"format": "mynet-model", "version": 1, "sizes": list(sizes), "layers": layers,
           "loss": "quadratic", "training": None, "metrics": None}
    if front:
        doc["front"] = list(front)
    return doc


def checkpoint(doc, optimizer):
    rng = {"seed": "ead81d725d26104e899c3bf842ce782ebad303da9997d2c2120256ac7366fb1b",
           "stream": 5151100648028894894, "word_pos": "0"}
    return {"format": "mynet-checkpoint", "version": 1, "completed_epochs": 1, "model": doc,
            "optimizer": optimizer, "schedule": None,
            "trainer": {"position": None, "order": [], "shuffle_rng": rng, "dropout_rng": rng},
            "extra": [{"epoch": 1, "seconds": 0.1, "test_accuracy": 0.5, "test_correct": 1,
                       "test_loss": 0.9, "train_loss": 1.0}]}


def model_seeds():
    # Hand-written in the layout nn::persist and nn::checkpoint write (read off files written by
    # bench-runner); small shapes so that the fuzzer can mutate every field.
    def put_json(name, doc):
        put("model_json", name, json.dumps(doc).encode())

    put_json("mlp.json", model([4, 3, 2]))
    put_json("mlp-nobias-relu.json", model([3, 2, 2], bias=False, act="relu"))
    put_json("mlp-dropout.json", model([2, 3, 3, 2], act="leaky_relu", dropout=0.5))
    conv = {"kind": "conv2d",
            "config": {"input": {"channels": 1, "height": 6, "width": 6}, "out_channels": 2,
                       "kernel": [3, 3], "stride": [1, 1], "padding": [1, 1],
                       "activation": {"kind": "relu"}, "weight_init": {"kind": "xavier_uniform"},
                       "bias": True},
            "weights": [0.1 * (j % 5) for j in range(2 * 9)], "bias": [0.0, 0.1]}
    pool = {"kind": "max_pool2d", "input": {"channels": 2, "height": 6, "width": 6},
            "kernel": [2, 2], "stride": [2, 2]}
    put_json("cnn.json", model([18, 2], front=[conv, pool], act="identity"))
    put_json("checkpoint-sgd.json", checkpoint(model([4, 3, 2]), {"kind": "sgd", "velocity": []}))
    adam = {"kind": "adam", "step": 3, "m": [[0.0] * 12, [0.0] * 3, [0.0] * 6, [0.0] * 2],
            "v": [[0.0] * 12, [0.0] * 3, [0.0] * 6, [0.0] * 2]}
    put_json("checkpoint-adam.json", checkpoint(model([4, 3, 2]), adam))


def main():
    default = os.environ.get("MYNET_DATA_DIR") or str(FUZZ_DIR.parent / "datasets")
    root = Path(sys.argv[1] if len(sys.argv) > 1 else default)
    if not root.is_dir():
        sys.exit(f"{root}: not a directory (pass the datasets folder)")
    idx_seeds(root)
    meta_seeds(root)
    wav_seeds(root)
    model_seeds()
    for target in ("idx", "esc50_meta", "wav_logmel", "model_json"):
        d = FUZZ_DIR / "corpus" / target
        files = sorted(d.glob("*")) if d.is_dir() else []
        size = sum(f.stat().st_size for f in files)
        digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:12]
        print(f"corpus/{target}: {len(files)} files, {size} bytes (sha256 {digest})")


if __name__ == "__main__":
    main()
