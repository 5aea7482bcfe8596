//! Decoding interleaved little-endian PCM sample blocks to mono `f32`.

/// A sample encoding this reader decodes: hound's integer (container bytes, valid bits)
/// pairs (1, 8), (2, 16), (3, 24), (4, 24), (4, 32), and 32-bit float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    U8,
    I16,
    I24 { width: usize },
    I32,
    F32,
}

impl Encoding {
    pub(crate) fn new(float: bool, width: usize, bits: u16) -> Option<Encoding> {
        Some(match (float, width, bits) {
            (true, 4, 32) => Encoding::F32,
            (false, 1, 8) => Encoding::U8,
            (false, 2, 16) => Encoding::I16,
            (false, 3 | 4, 24) => Encoding::I24 { width },
            (false, 4, 32) => Encoding::I32,
            _ => return None,
        })
    }

    /// Decodes interleaved little-endian samples in `bytes` into `dest`, averaging channels;
    /// integers are scaled by `1 / 2^(bits-1)` (unsigned 8-bit is offset by 128 first).
    pub(crate) fn decode(self, bytes: &[u8], dest: &mut [f32], channels: usize) {
        const S8: f32 = 1.0 / 128.0;
        const S16: f32 = 1.0 / 32_768.0;
        const S24: f32 = 1.0 / 8_388_608.0;
        const S32: f32 = 1.0 / 2_147_483_648.0;
        match self {
            Encoding::U8 => mix_down(bytes, dest, channels, 1, |b| {
                (i32::from(b[0]) - 128) as f32 * S8
            }),
            Encoding::I16 => mix_down(bytes, dest, channels, 2, |b| {
                f32::from(i16::from_le_bytes([b[0], b[1]])) * S16
            }),
            // Sign-extend the low three bytes (a 4-byte container's top byte is padding).
            Encoding::I24 { width } => mix_down(bytes, dest, channels, width, |b| {
                (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 * S24
            }),
            Encoding::I32 => mix_down(bytes, dest, channels, 4, |b| {
                i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 * S32
            }),
            Encoding::F32 => mix_down(bytes, dest, channels, 4, |b| {
                f32::from_le_bytes([b[0], b[1], b[2], b[3]])
            }),
        }
    }
}

/// Fills `dest` with the average over `channels` interleaved samples of `width` bytes.
#[inline(always)]
fn mix_down(
    bytes: &[u8],
    dest: &mut [f32],
    channels: usize,
    width: usize,
    decode: impl Fn(&[u8]) -> f32,
) {
    if channels == 1 {
        for (d, b) in dest.iter_mut().zip(bytes.chunks_exact(width)) {
            *d = decode(b);
        }
        return;
    }
    let inv = 1.0 / channels as f32;
    for (d, frame) in dest.iter_mut().zip(bytes.chunks_exact(width * channels)) {
        *d = frame.chunks_exact(width).map(&decode).sum::<f32>() * inv;
    }
}
