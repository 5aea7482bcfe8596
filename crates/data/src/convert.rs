//! `u8` pixels to scaled `f32` features: `out[k] = f32(px[k])·scale + offset`.
//!
//! The per-batch conversion every training step runs over its whole batch (the row split runs it
//! on every thread). Where the CPU has AVX2 it converts 16 pixels per iteration with the same
//! multiply and add as the scalar code (no fused multiply-add), so the results are bit-identical
//! on every CPU.

/// Writes `out[k] = f32::from(px[k]) * scale + offset` for every `k`.
///
/// # Panics
/// If `out` and `px` differ in length.
pub(crate) fn scale_pixels(px: &[u8], scale: f32, offset: f32, out: &mut [f32]) {
    assert_eq!(
        px.len(),
        out.len(),
        "scale_pixels: {} pixels into {} values",
        px.len(),
        out.len()
    );
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2; the lengths are equal.
        unsafe { x86::scale_pixels_avx2(px, scale, offset, out) };
        return;
    }
    scale_pixels_scalar(px, scale, offset, out);
}

fn scale_pixels_scalar(px: &[u8], scale: f32, offset: f32, out: &mut [f32]) {
    for (o, &p) in out.iter_mut().zip(px) {
        *o = f32::from(p) * scale + offset;
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// [`super::scale_pixels`] 16 pixels at a time; the tail (< 16) is scalar.
    ///
    /// # Safety
    /// The CPU must support AVX2, and `px.len() == out.len()`.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn scale_pixels_avx2(px: &[u8], scale: f32, offset: f32, out: &mut [f32]) {
        let n = px.len() / 16 * 16;
        let (s, o) = (_mm256_set1_ps(scale), _mm256_set1_ps(offset));
        for k in (0..n).step_by(16) {
            // SAFETY: `k + 16 <= n <= px.len() == out.len()`; unaligned loads and stores.
            unsafe {
                let bytes = _mm_loadu_si128(px.as_ptr().add(k).cast());
                let lo = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
                let hi = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128::<8>(bytes)));
                let dst = out.as_mut_ptr().add(k);
                _mm256_storeu_ps(dst, _mm256_add_ps(_mm256_mul_ps(lo, s), o));
                _mm256_storeu_ps(dst.add(8), _mm256_add_ps(_mm256_mul_ps(hi, s), o));
            }
        }
        super::scale_pixels_scalar(&px[n..], scale, offset, &mut out[n..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pixel_value_and_length_matches_the_scalar_formula() {
        let px: Vec<u8> = (0..=255u8)
            .chain((0..=255u8).rev())
            .chain([7, 0, 255])
            .collect();
        for (scale, offset) in [(1.0 / 255.0, 0.0), (0.99 / 255.0, 0.01), (1.0, -128.0)] {
            for len in (0..40).chain([px.len() - 1, px.len()]) {
                let mut out = vec![f32::NAN; len];
                scale_pixels(&px[..len], scale, offset, &mut out);
                for (k, (&o, &p)) in out.iter().zip(&px).enumerate() {
                    let want = f32::from(p) * scale + offset;
                    assert_eq!(o.to_bits(), want.to_bits(), "pixel {k} = {p}, length {len}");
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "3 pixels into 2 values")]
    fn lengths_must_agree() {
        scale_pixels(&[1, 2, 3], 1.0, 0.0, &mut [0.0; 2]);
    }
}
