//! WAV reading: every supported sample format, down-mixing, cropping, and broken files.

use std::time::{Duration, Instant};

use data::esc50::{read_wav, read_wav_into, Esc50Error, WavConfig};

use crate::esc50_util::{assert_names, wav_bytes, write_float_wav, write_int_wav};

/// Whole file at 8 kHz, no cropping.
const WHOLE: WavConfig = WavConfig {
    sample_rate: 8000,
    duration_s: None,
};

#[test]
fn integer_formats_scale_to_minus_one_one() {
    let dir = tempfile::tempdir().unwrap();
    for (bits, full) in [(8u16, 128i32), (16, 32_768), (24, 8_388_608), (32, 1 << 30)] {
        // For 32 bits, `full` is half scale (2^31 does not fit in i32).
        let half = if bits == 32 { full } else { full / 2 };
        let samples = [0, half, -half, if bits == 32 { i32::MIN } else { -full }];
        let path = write_int_wav(dir.path(), &format!("i{bits}.wav"), 1, 8000, bits, &samples);
        let mut out = Vec::new();
        let info = read_wav_into(&path, &WHOLE, &mut out).unwrap();
        assert_eq!(out, [0.0, 0.5, -0.5, -1.0], "{bits}-bit");
        assert_eq!(
            (
                info.channels,
                info.bits_per_sample,
                info.float,
                info.frames_in_file
            ),
            (1, bits, false, 4)
        );
    }
    // The largest 16-bit value is just under 1.
    let path = write_int_wav(dir.path(), "max16.wav", 1, 8000, 16, &[32_767]);
    assert_eq!(read_wav(&path, &WHOLE).unwrap(), [32_767.0 / 32_768.0]);
}

#[test]
fn padded_24_bit_containers_and_extra_chunks_are_read() {
    let dir = tempfile::tempdir().unwrap();
    // 24 valid bits in 4-byte containers (WAVE_FORMAT_EXTENSIBLE), stereo.
    let path = dir.path().join("i24in32.wav");
    let spec = hound::WavSpecEx {
        spec: hound::WavSpec {
            channels: 2,
            sample_rate: 8000,
            bits_per_sample: 24,
            sample_format: hound::SampleFormat::Int,
        },
        bytes_per_sample: 4,
    };
    let file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut w = hound::WavWriter::new_with_spec_ex(file, spec).unwrap();
    for s in [4_194_304, 4_194_304, -8_388_608, 0, 8_388_607, 8_388_607] {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
    assert_eq!(
        read_wav(&path, &WHOLE).unwrap(),
        [0.5, -0.5, 8_388_607.0 / 8_388_608.0]
    );

    // A LIST chunk between `fmt ` and `data` is skipped.
    let plain = wav_bytes(1, 1, 8000, 16, &[0x00, 0x40, 0x00, 0xc0], None);
    let mut with_list = plain[..36].to_vec();
    with_list.extend_from_slice(b"LIST\x06\x00\x00\x00abcdef");
    with_list.extend_from_slice(&plain[36..]);
    let path = dir.path().join("list.wav");
    std::fs::write(&path, with_list).unwrap();
    assert_eq!(read_wav(&path, &WHOLE).unwrap(), [0.5, -0.5]);
}

#[test]
fn float_samples_are_read_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_float_wav(dir.path(), "f32.wav", 1, 8000, &[0.25, -0.75, 1.5]);
    let mut out = Vec::new();
    let info = read_wav_into(&path, &WHOLE, &mut out).unwrap();
    assert_eq!(out, [0.25, -0.75, 1.5]);
    assert!(info.float);
}

#[test]
fn channels_are_averaged() {
    let dir = tempfile::tempdir().unwrap();
    // Stereo frames (0.5, -0.25) and (1 - 2^-15, 1 - 2^-15).
    let path = write_int_wav(
        dir.path(),
        "stereo.wav",
        2,
        8000,
        16,
        &[16_384, -8_192, 32_767, 32_767],
    );
    assert_eq!(
        read_wav(&path, &WHOLE).unwrap(),
        [0.125, 32_767.0 / 32_768.0]
    );
    let path = write_float_wav(
        dir.path(),
        "three.wav",
        3,
        8000,
        &[0.3, 0.6, 0.9, -1.0, 0.0, 1.0],
    );
    let out = read_wav(&path, &WHOLE).unwrap();
    assert!(
        (out[0] - 0.6).abs() < 1e-6 && out[1].abs() < 1e-7,
        "{out:?}"
    );
}

#[test]
fn signals_are_cropped_or_zero_padded_to_the_duration() {
    let dir = tempfile::tempdir().unwrap();
    let samples: Vec<i32> = (1..=10).map(|i| i * 1024).collect();
    let path = write_int_wav(dir.path(), "ten.wav", 1, 8000, 16, &samples);
    let expect = |n: usize| (1..=n).map(|i| i as f32 / 32.0).collect::<Vec<_>>();
    let cfg = |secs: f64| WavConfig {
        sample_rate: 8000,
        duration_s: Some(secs),
    };
    assert_eq!(read_wav(&path, &cfg(4.0 / 8000.0)).unwrap(), expect(4));
    let mut padded = expect(10);
    padded.extend([0.0; 6]);
    assert_eq!(read_wav(&path, &cfg(16.0 / 8000.0)).unwrap(), padded);
    assert_eq!(cfg(5.0).target_len(), Some(40_000));
    assert_eq!(WavConfig::default().target_len(), Some(220_500));
}

#[test]
fn a_different_sample_rate_is_refused_naming_the_file_and_both_rates() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_int_wav(dir.path(), "slow.wav", 1, 22_050, 16, &[0, 1, 2]);
    let err = read_wav(&path, &WavConfig::default()).unwrap_err();
    assert!(
        matches!(
            err,
            Esc50Error::SampleRateMismatch {
                found: 22_050,
                expected: 44_100,
                ..
            }
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(msg.contains("22050") && msg.contains("44100"), "{msg}");
    assert_names(&err, &path);
}

#[test]
fn a_lying_data_size_is_refused_without_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<u8> = (0..64).collect();
    for claimed in [0x7fff_fff0u32, 0xffff_fffe, 66] {
        let path = dir.path().join(format!("lying-{claimed}.wav"));
        std::fs::write(&path, wav_bytes(1, 1, 8000, 16, &data, Some(claimed))).unwrap();
        let start = Instant::now();
        let err = read_wav(&path, &WHOLE).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(1));
        match &err {
            Esc50Error::WavTruncated {
                claimed_bytes,
                available_bytes,
                data_offset,
                ..
            } => {
                assert_eq!(
                    (*claimed_bytes, *available_bytes, *data_offset),
                    (u64::from(claimed), 64, 44)
                );
            }
            e => panic!("unexpected error {e}"),
        }
        assert_names(&err, &path);
    }
}

#[test]
fn a_truncated_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_int_wav(dir.path(), "cut.wav", 2, 8000, 24, &[1; 200]);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 100]).unwrap();
    let err = read_wav(&path, &WHOLE).unwrap_err();
    assert!(matches!(err, Esc50Error::WavTruncated { .. }), "{err:?}");
    assert_names(&err, &path);
    // Cut inside the header.
    std::fs::write(&path, &bytes[..30]).unwrap();
    let err = read_wav(&path, &WHOLE).unwrap_err();
    assert!(matches!(err, Esc50Error::WavMalformed { .. }), "{err}");
    assert_names(&err, &path);
}

#[test]
fn empty_files_and_files_without_samples_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let zero = dir.path().join("zero-bytes.wav");
    std::fs::write(&zero, b"").unwrap();
    let no_data = dir.path().join("no-samples.wav");
    std::fs::write(&no_data, wav_bytes(1, 1, 8000, 16, &[], None)).unwrap();
    for path in [zero, no_data] {
        let err = read_wav(&path, &WHOLE).unwrap_err();
        assert!(matches!(err, Esc50Error::WavEmpty { .. }), "{err}");
        assert_names(&err, &path);
    }
}

#[test]
fn unsupported_and_malformed_files_are_typed_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // A-law (format tag 6): a valid WAV that hound does not decode.
    let alaw = dir.path().join("alaw.wav");
    std::fs::write(&alaw, wav_bytes(6, 1, 8000, 8, &[1, 2, 3, 4], None)).unwrap();
    let err = read_wav(&alaw, &WHOLE).unwrap_err();
    assert!(matches!(err, Esc50Error::WavUnsupported { .. }), "{err}");
    assert_names(&err, &alaw);
    // 64-bit float: refused by hound's header check.
    let f64_path = dir.path().join("f64.wav");
    std::fs::write(&f64_path, wav_bytes(3, 1, 8000, 64, &[0; 16], None)).unwrap();
    let err = read_wav(&f64_path, &WHOLE).unwrap_err();
    assert!(
        matches!(
            err,
            Esc50Error::WavMalformed { .. } | Esc50Error::WavUnsupported { .. }
        ),
        "{err}"
    );
    assert_names(&err, &f64_path);
    // Not a WAV at all.
    let text = dir.path().join("notes.wav");
    std::fs::write(&text, b"these are not the samples you are looking for").unwrap();
    let err = read_wav(&text, &WHOLE).unwrap_err();
    assert!(matches!(err, Esc50Error::WavMalformed { .. }), "{err}");
    assert_names(&err, &text);
    // Absent.
    let absent = dir.path().join("absent.wav");
    let err = read_wav(&absent, &WHOLE).unwrap_err();
    assert!(matches!(err, Esc50Error::Io { .. }), "{err}");
    assert_names(&err, &absent);
}

#[test]
fn real_clips_are_5_s_of_44_1_khz_mono_16_bit() {
    let Some(root) = crate::esc50_util::real_esc50() else {
        return;
    };
    let path = root.join("audio/1-100032-A-0.wav");
    let mut out = Vec::new();
    let info = read_wav_into(&path, &WavConfig::default(), &mut out).unwrap();
    assert_eq!(
        (
            info.channels,
            info.bits_per_sample,
            info.float,
            info.frames_in_file
        ),
        (1, 16, false, 220_500)
    );
    assert_eq!(out.len(), 220_500);
    assert!(out.iter().all(|x| (-1.0..1.0).contains(x)));
    assert!(out.iter().any(|&x| x != 0.0));
}
