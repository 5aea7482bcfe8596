//! Elementwise activation functions, applied in place, with derivatives taken from the output.

use linalg::{kernels, Elem, MatMut, MatRef};
use serde::{Deserialize, Serialize};

/// An elementwise activation `a = f(z)`.
///
/// Every derivative here can be written in terms of the output `a`, so the forward pass keeps
/// only outputs and the backward pass needs no pre-activations:
/// - `Identity`: `f(z) = z`, `f' = 1`
/// - `Sigmoid`: `f(z) = 1 / (1 + e^{-z})`, `f' = a·(1 − a)`
/// - `Tanh`: `f(z) = tanh z`, `f' = 1 − a²`
/// - `Relu`: `f(z) = max(0, z)`, `f' = [a > 0]`
/// - `LeakyRelu(α)`: `f(z) = z` if `z > 0` else `α·z` (α > 0), `f' = 1` if `a > 0` else `α`
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "alpha")]
pub enum Activation {
    /// No activation (logits, e.g. before softmax cross-entropy).
    Identity,
    /// The logistic sigmoid.
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// Rectified linear unit.
    Relu,
    /// Leaky ReLU with negative slope α.
    LeakyRelu(Elem),
}

/// Numerically stable logistic sigmoid: never evaluates `exp` of a large positive number.
#[inline]
pub fn sigmoid(z: Elem) -> Elem {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl Activation {
    /// The name used in files and messages.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Identity => "identity",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::LeakyRelu(_) => "leaky_relu",
        }
    }

    /// `f(z)` for one value.
    #[inline]
    pub fn apply(self, z: Elem) -> Elem {
        match self {
            Activation::Identity => z,
            Activation::Sigmoid => sigmoid(z),
            Activation::Tanh => z.tanh(),
            Activation::Relu => z.max(0.0),
            Activation::LeakyRelu(alpha) => {
                if z > 0.0 {
                    z
                } else {
                    alpha * z
                }
            }
        }
    }

    /// `f'(z)` expressed through the output `a = f(z)`.
    #[inline]
    pub fn derivative_from_output(self, a: Elem) -> Elem {
        match self {
            Activation::Identity => 1.0,
            Activation::Sigmoid => a * (1.0 - a),
            Activation::Tanh => 1.0 - a * a,
            Activation::Relu => {
                if a > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::LeakyRelu(alpha) => {
                if a > 0.0 {
                    1.0
                } else {
                    alpha
                }
            }
        }
    }

    /// Applies `f` in place to a batch of pre-activations.
    pub fn forward_inplace(self, mut z: MatMut<'_>) {
        if self != Activation::Identity {
            for i in 0..z.rows() {
                self.forward_slice(z.row_mut(i));
            }
        }
    }

    /// Applies `f` in place to a slice: the sigmoid through a vectorised `exp` where the CPU
    /// has AVX2 and FMA (within 2 ulp of [`Activation::apply`]), the others as `apply`.
    pub(crate) fn forward_slice(self, z: &mut [Elem]) {
        match self {
            Activation::Identity => {}
            Activation::Sigmoid => simd::sigmoid_slice(z),
            Activation::Tanh => z.iter_mut().for_each(|v| *v = v.tanh()),
            Activation::Relu => z.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::LeakyRelu(alpha) => z
                .iter_mut()
                .for_each(|v| *v = if *v > 0.0 { *v } else { alpha * *v }),
        }
    }

    /// Multiplies an incoming gradient by `f'`, in place: `δ ← δ ⊙ f'(a)`.
    pub fn backward_inplace(self, delta: MatMut<'_>, output: MatRef<'_>) {
        // One closure per variant, so the inner loops carry no `match`.
        match self {
            Activation::Identity => {}
            Activation::Sigmoid => {
                kernels::zip_map_inplace(delta, output, |d, a| d * (a * (1.0 - a)))
            }
            Activation::Tanh => kernels::zip_map_inplace(delta, output, |d, a| d * (1.0 - a * a)),
            Activation::Relu => {
                kernels::zip_map_inplace(delta, output, |d, a| if a > 0.0 { d } else { d * 0.0 })
            }
            Activation::LeakyRelu(alpha) => {
                kernels::zip_map_inplace(delta, output, |d, a| if a > 0.0 { d } else { d * alpha })
            }
        }
    }

    /// Inverse `f⁻¹(a)` for the invertible activations (used by backquery).
    /// `None` for ReLU, whose negative half is lost.
    pub fn inverse(self, a: Elem) -> Option<Elem> {
        match self {
            Activation::Identity => Some(a),
            Activation::Sigmoid => Some((a / (1.0 - a)).ln()),
            Activation::Tanh => Some(a.atanh()),
            Activation::Relu => None,
            Activation::LeakyRelu(alpha) => Some(if a > 0.0 { a } else { a / alpha }),
        }
    }
}

/// The sigmoid over a slice, vectorised on x86-64 CPUs with AVX2 and FMA.
/// `x[i] ← e^{x[i]}` for `x[i] ≤ 0` (vectorised where the CPU has AVX2 and FMA, within 2 ulp
/// of `f32::exp`; inputs below −87.3 give 1.2e−38 there instead of a subnormal or 0). NaN stays
/// NaN. For the softmax, whose shifted logits `z − max z` are never positive.
pub(crate) fn exp_nonpositive_slice(x: &mut [Elem]) {
    simd::exp_nonpositive_slice(x);
}

mod simd {
    use super::sigmoid;
    use linalg::Elem;

    /// See [`super::exp_nonpositive_slice`].
    pub(super) fn exp_nonpositive_slice(x: &mut [Elem]) {
        #[cfg(target_arch = "x86_64")]
        if has_avx2_fma() {
            // SAFETY: the CPU supports AVX2 and FMA.
            unsafe { x86::exp_nonpositive_avx2(x) };
            return;
        }
        x.iter_mut().for_each(|v| *v = v.exp());
    }

    /// `z[i] ← σ(z[i])`.
    pub(super) fn sigmoid_slice(z: &mut [Elem]) {
        #[cfg(target_arch = "x86_64")]
        if has_avx2_fma() {
            // SAFETY: the CPU supports AVX2 and FMA.
            unsafe { x86::sigmoid_avx2(z) };
            return;
        }
        z.iter_mut().for_each(|v| *v = sigmoid(*v));
    }

    #[cfg(target_arch = "x86_64")]
    fn has_avx2_fma() -> bool {
        use std::sync::OnceLock;
        static DETECTED: OnceLock<bool> = OnceLock::new();
        *DETECTED.get_or_init(|| {
            std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
        })
    }

    #[cfg(target_arch = "x86_64")]
    mod x86 {
        use super::sigmoid;
        use linalg::Elem;
        use std::arch::x86_64::*;

        /// `e^x` for `x ≤ 0` (Cephes `expf`: `x = n·ln2 + r`, a degree-6 polynomial in `r`,
        /// relative error about 1 ulp); inputs below −87.3 are clamped (the result is then
        /// 1.2e−38 instead of a subnormal); NaN stays NaN.
        #[inline(always)]
        unsafe fn exp_nonpositive(x: __m256) -> __m256 {
            // SAFETY: called only from functions that run with AVX2 and FMA.
            unsafe {
                // Operands in this order so that a NaN input stays NaN.
                let x = _mm256_max_ps(_mm256_set1_ps(-87.3), x);
                let n = _mm256_round_ps(
                    _mm256_mul_ps(x, _mm256_set1_ps(std::f32::consts::LOG2_E)),
                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC,
                );
                let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693_359_4), x);
                let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.121_944_4e-4), r);
                let mut p = _mm256_set1_ps(1.987_569_1e-4);
                for c in [
                    1.398_199_9e-3,
                    8.333_452e-3,
                    4.166_579_6e-2,
                    1.666_666_5e-1,
                    0.5,
                ] {
                    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(c));
                }
                let r2 = _mm256_mul_ps(r, r);
                let p = _mm256_fmadd_ps(p, r2, _mm256_add_ps(r, _mm256_set1_ps(1.0)));
                let bits = _mm256_slli_epi32(
                    _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)),
                    23,
                );
                _mm256_mul_ps(p, _mm256_castsi256_ps(bits))
            }
        }

        /// `x[i] ← e^{x[i]}` for `x[i] ≤ 0`, 8 at a time; a tail of fewer than 8 goes through
        /// the same vector code, padded with zeros.
        ///
        /// # Safety
        /// The CPU must support AVX2 and FMA.
        #[target_feature(enable = "avx2,fma")]
        pub(super) unsafe fn exp_nonpositive_avx2(x: &mut [Elem]) {
            let mut chunks = x.chunks_exact_mut(8);
            for c in &mut chunks {
                // SAFETY: `c` holds exactly 8 floats; AVX2 and FMA are enabled here.
                unsafe {
                    let e = exp_nonpositive(_mm256_loadu_ps(c.as_ptr()));
                    _mm256_storeu_ps(c.as_mut_ptr(), e);
                }
            }
            let tail = chunks.into_remainder();
            if !tail.is_empty() {
                let mut padded = [0.0; 8];
                padded[..tail.len()].copy_from_slice(tail);
                // SAFETY: `padded` holds exactly 8 floats; AVX2 and FMA are enabled here.
                unsafe {
                    let e = exp_nonpositive(_mm256_loadu_ps(padded.as_ptr()));
                    _mm256_storeu_ps(padded.as_mut_ptr(), e);
                }
                tail.copy_from_slice(&padded[..tail.len()]);
            }
        }

        /// `σ(z) = 1/(1 + e^{−|z|})` for `z ≥ 0`, `e^{z}·1/(1 + e^{z})` below: the same stable
        /// split as the scalar [`sigmoid`], which also handles the tail (< 8 elements).
        ///
        /// # Safety
        /// The CPU must support AVX2 and FMA.
        #[target_feature(enable = "avx2,fma")]
        pub(super) unsafe fn sigmoid_avx2(z: &mut [Elem]) {
            let mut chunks = z.chunks_exact_mut(8);
            for c in &mut chunks {
                // SAFETY: `c` holds exactly 8 floats; AVX2 and FMA are enabled here.
                unsafe {
                    let v = _mm256_loadu_ps(c.as_ptr());
                    let neg_abs = _mm256_or_ps(v, _mm256_set1_ps(-0.0));
                    let t = exp_nonpositive(neg_abs);
                    let s =
                        _mm256_div_ps(_mm256_set1_ps(1.0), _mm256_add_ps(t, _mm256_set1_ps(1.0)));
                    let below = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
                    let out = _mm256_blendv_ps(s, _mm256_mul_ps(t, s), below);
                    _mm256_storeu_ps(c.as_mut_ptr(), out);
                }
            }
            for v in chunks.into_remainder() {
                *v = sigmoid(*v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectorised_exp_matches_the_scalar_one() {
        // Every length up to 19: whole vectors and every tail.
        for len in 0..20 {
            let x: Vec<Elem> = (0..len).map(|i| -(i as Elem) * 4.5 - 0.013).collect();
            let mut got = x.clone();
            exp_nonpositive_slice(&mut got);
            for (&xi, &g) in x.iter().zip(&got) {
                let want = xi.exp();
                let tol = 2.0 * Elem::EPSILON * want + 1e-37;
                assert!(
                    (g - want).abs() <= tol,
                    "e^{xi} = {g}, want {want} (len {len})"
                );
            }
        }
        let mut x: Vec<Elem> = (0..=8000).map(|i| -(i as Elem) * 0.01).collect();
        x.extend([0.0, -0.0, -1e-30, -87.0]);
        let mut got = x.clone();
        exp_nonpositive_slice(&mut got);
        for (&xi, &g) in x.iter().zip(&got) {
            let want = xi.exp();
            assert!(
                (g - want).abs() <= 2.0 * Elem::EPSILON * want,
                "e^{xi} = {g}, want {want}"
            );
        }
        let mut odd = [-200.0, Elem::NEG_INFINITY, Elem::NAN, -1.0, Elem::NAN];
        exp_nonpositive_slice(&mut odd);
        assert!(odd[0] >= 0.0 && odd[0] < 1e-37 && odd[1] >= 0.0 && odd[1] < 1e-37);
        assert!(
            odd[2].is_nan() && odd[4].is_nan(),
            "NaN must propagate: {odd:?}"
        );
        assert!((odd[3] - (-1.0 as Elem).exp()).abs() <= 2.0 * Elem::EPSILON);
    }

    #[test]
    fn vectorised_sigmoid_matches_the_scalar_one() {
        let mut z: Vec<Elem> = (-2000..=2000).map(|i| i as Elem * 0.05).collect();
        z.extend([
            0.0,
            -0.0,
            1e-30,
            -1e-30,
            -87.0,
            -88.0,
            -200.0,
            200.0,
            Elem::INFINITY,
            Elem::NEG_INFINITY,
        ]);
        let mut got = z.clone();
        Activation::Sigmoid.forward_slice(&mut got);
        for (&zi, &g) in z.iter().zip(&got) {
            let want = sigmoid(zi);
            let tol = 4.0 * Elem::EPSILON * want.abs() + 1e-37;
            assert!((g - want).abs() <= tol, "σ({zi}) = {g}, want {want}");
        }
        let mut nan = [Elem::NAN; 9];
        Activation::Sigmoid.forward_slice(&mut nan);
        assert!(
            nan.iter().all(|v| v.is_nan()),
            "NaN must propagate: {nan:?}"
        );
    }
}
