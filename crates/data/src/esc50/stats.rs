//! Per-band standardisation of feature matrices: mean and standard deviation per band.

/// Mean and standard deviation of each band (column) over a set of `frames × bands`
/// matrices, e.g. the log-mels of the training folds.
///
/// [`BandStats::apply`] maps `x ↦ (x − mean[b]) / std[b]`. Fit on training data only and
/// apply the same statistics to validation and test data.
///
/// ```
/// use data::esc50::BandStats;
///
/// // Two frames of two bands: band 0 holds 1 and 3, band 1 holds 10 and 10.
/// let stats = BandStats::fit(2, [&[1.0f32, 10.0, 3.0, 10.0][..]]);
/// assert_eq!((stats.mean[0], stats.std[0]), (2.0, 1.0));
/// assert_eq!((stats.mean[1], stats.std[1]), (10.0, 1.0)); // constant band: std set to 1
/// let mut x = vec![3.0f32, 12.0];
/// stats.apply(&mut x);
/// assert_eq!(x, [1.0, 2.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BandStats {
    /// Mean of each band.
    pub mean: Vec<f32>,
    /// Population standard deviation of each band; values below [`BandStats::MIN_STD`]
    /// (constant bands) are replaced by 1, so such bands are only centred.
    pub std: Vec<f32>,
}

impl BandStats {
    /// Standard deviations below this are treated as zero (the band is constant).
    pub const MIN_STD: f64 = 1e-6;

    /// Computes the statistics of `bands` columns over all rows of all `matrices`, in `f64`
    /// (Welford's update). With no rows, every mean is 0 and every std 1.
    ///
    /// # Panics
    /// If `bands` is 0 or a matrix's length is not a multiple of `bands`.
    pub fn fit<'a>(bands: usize, matrices: impl IntoIterator<Item = &'a [f32]>) -> BandStats {
        assert!(bands > 0, "BandStats::fit: bands must be > 0");
        let mut count = 0u64;
        let mut mean = vec![0.0f64; bands];
        let mut m2 = vec![0.0f64; bands];
        for matrix in matrices {
            assert_eq!(
                matrix.len() % bands,
                0,
                "BandStats::fit: matrix length is not a multiple of bands"
            );
            for row in matrix.chunks_exact(bands) {
                count += 1;
                let n = count as f64;
                for ((mu, s), &x) in mean.iter_mut().zip(&mut m2).zip(row) {
                    let d = f64::from(x) - *mu;
                    *mu += d / n;
                    *s += d * (f64::from(x) - *mu);
                }
            }
        }
        let std = m2
            .iter()
            .map(|&s| {
                let sd = if count > 0 {
                    (s / count as f64).sqrt()
                } else {
                    0.0
                };
                if sd < Self::MIN_STD {
                    1.0
                } else {
                    sd as f32
                }
            })
            .collect();
        BandStats {
            mean: mean.into_iter().map(|m| m as f32).collect(),
            std,
        }
    }

    /// Number of bands.
    pub fn bands(&self) -> usize {
        self.mean.len()
    }

    /// Standardises `matrix` (`frames × bands`, row-major) in place.
    ///
    /// # Panics
    /// If its length is not a multiple of [`BandStats::bands`].
    pub fn apply(&self, matrix: &mut [f32]) {
        assert_eq!(
            matrix.len() % self.bands(),
            0,
            "BandStats::apply: matrix length is not a multiple of bands"
        );
        for row in matrix.chunks_exact_mut(self.bands()) {
            for ((x, &mu), &sd) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *x = (*x - mu) / sd;
            }
        }
    }
}
