//! The inputs of one setting as a matrix (one row per clip), and the per-fold views the trainer
//! reads: standardised with statistics of the training folds only, optionally laid out as a
//! `bands × frames` image and shifted in time at random (training only).

use data::esc50::BandStats;
use std::sync::Mutex;

/// One input row per clip, each a row-major `frames × bands` matrix (a waveform is
/// `samples × 1`), with labels and folds.
#[derive(Debug, Clone)]
pub struct Examples {
    /// Rows of each input (time steps).
    pub frames: usize,
    /// Columns of each input (frequency bands; 1 for a waveform).
    pub bands: usize,
    /// `clips × (frames · bands)` values.
    pub data: Vec<f32>,
    /// Class of each clip.
    pub labels: Vec<usize>,
    /// Fold of each clip.
    pub folds: Vec<u8>,
    /// Number of classes (network outputs).
    pub classes: usize,
}

impl Examples {
    /// Gathers rows; every row must hold `frames · bands` values.
    ///
    /// # Errors
    /// When a row has another length or the counts differ.
    pub fn new(
        frames: usize,
        bands: usize,
        rows: impl IntoIterator<Item = Vec<f32>>,
        labels: Vec<usize>,
        folds: Vec<u8>,
        classes: usize,
    ) -> anyhow::Result<Self> {
        let dim = frames * bands;
        let mut data = Vec::with_capacity(labels.len() * dim);
        for (i, row) in rows.into_iter().enumerate() {
            anyhow::ensure!(
                row.len() == dim,
                "input {i} holds {} values, expected {frames}x{bands}",
                row.len()
            );
            data.extend_from_slice(&row);
        }
        anyhow::ensure!(
            data.len() == labels.len() * dim && labels.len() == folds.len(),
            "{} inputs for {} labels and {} folds",
            data.len() / dim.max(1),
            labels.len(),
            folds.len()
        );
        Ok(Self {
            frames,
            bands,
            data,
            labels,
            folds,
            classes,
        })
    }

    /// Values per input.
    pub fn dim(&self) -> usize {
        self.frames * self.bands
    }

    /// Number of clips.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Input `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim()..(i + 1) * self.dim()]
    }

    /// Indices of the training clips (every other fold of `folds`) and of the test clips
    /// (fold `test`), each ascending.
    pub fn split(&self, test: u8, folds: &[u8]) -> (Vec<usize>, Vec<usize>) {
        let (mut train, mut held) = (Vec::new(), Vec::new());
        for (i, &f) in self.folds.iter().enumerate() {
            if f == test {
                held.push(i);
            } else if folds.contains(&f) {
                train.push(i);
            }
        }
        (train, held)
    }

    /// Per-band mean and standard deviation over the clips `indices`.
    pub fn band_stats(&self, indices: &[usize]) -> BandStats {
        BandStats::fit(self.bands, indices.iter().map(|&i| self.row(i)))
    }
}

/// How a [`FoldSet`] presents each input to the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// As stored: `frames × bands` flattened (what an MLP sees).
    Flat,
    /// Transposed to a one-channel `bands × frames` image (frequency down, time across), the
    /// CNN's `1 × H × W` input.
    Image,
}

/// SplitMix64 over a seed, for time shifts (bench-runner has no `rand` dependency).
#[derive(Debug, Clone)]
struct SplitMix(u64);

impl SplitMix {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        ((u128::from(z) * n as u128) >> 64) as usize
    }
}

/// Some clips of an [`Examples`] as an `nn::Dataset`: standardised per band with statistics
/// fitted on the training clips, in a [`Layout`], and (for training) circularly shifted in time
/// by a random offset each time a clip is drawn.
#[derive(Debug)]
pub struct FoldSet<'a> {
    ex: &'a Examples,
    indices: Vec<usize>,
    stats: Option<BandStats>,
    layout: Layout,
    /// Random shifts of up to `max` frames either way, from a seeded stream (a `Mutex`, as
    /// datasets are `Sync`; only one thread draws from it at a time).
    shift: Option<(usize, Mutex<SplitMix>)>,
}

impl<'a> FoldSet<'a> {
    /// The clips `indices` of `ex`, standardised with `stats` when given.
    pub fn new(
        ex: &'a Examples,
        indices: Vec<usize>,
        stats: Option<BandStats>,
        layout: Layout,
    ) -> Self {
        Self {
            ex,
            indices,
            stats,
            layout,
            shift: None,
        }
    }

    /// Adds random circular time shifts of up to `max_frames` either way (0 turns them off),
    /// drawn from a stream seeded with `seed`.
    pub fn with_time_shift(mut self, max_frames: usize, seed: u64) -> Self {
        self.shift = (max_frames > 0).then(|| (max_frames, Mutex::new(SplitMix(seed))));
        self
    }
}

impl nn::Dataset for FoldSet<'_> {
    fn len(&self) -> usize {
        self.indices.len()
    }

    fn input_dim(&self) -> usize {
        self.ex.dim()
    }

    fn num_classes(&self) -> usize {
        self.ex.classes
    }

    fn label(&self, index: usize) -> usize {
        self.ex.labels[self.indices[index]]
    }

    fn fill_inputs(&self, indices: &[usize], out: &mut [f32]) {
        let (frames, bands) = (self.ex.frames, self.ex.bands);
        for (dst, &i) in out.chunks_exact_mut(self.ex.dim()).zip(indices) {
            let src = self.ex.row(self.indices[i]);
            let offset = self.shift.as_ref().map_or(0, |(max, rng)| {
                // Uniform in -max..=max, as a forward offset modulo `frames`.
                let s = rng
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .below(2 * max + 1);
                (s + frames * (max / frames + 1) - max) % frames
            });
            for t in 0..frames {
                let tt = (t + offset) % frames;
                let row = &src[t * bands..(t + 1) * bands];
                for (b, &v) in row.iter().enumerate() {
                    let v = match &self.stats {
                        Some(s) => (v - s.mean[b]) / s.std[b],
                        None => v,
                    };
                    let j = match self.layout {
                        Layout::Flat => tt * bands + b,
                        Layout::Image => b * frames + tt,
                    };
                    dst[j] = v;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nn::Dataset;

    fn two_clips() -> Examples {
        // Clip 0: frames [1, 2], [3, 4]; clip 1: [5, 6], [7, 8] (2 frames × 2 bands).
        Examples::new(
            2,
            2,
            vec![vec![1.0, 2.0, 3.0, 4.0], vec![5.0, 6.0, 7.0, 8.0]],
            vec![0, 1],
            vec![1, 2],
            2,
        )
        .unwrap()
    }

    #[test]
    fn split_leaves_the_test_fold_out() {
        let ex = two_clips();
        assert_eq!(ex.split(1, &[1, 2]), (vec![1], vec![0]));
        assert_eq!(ex.split(2, &[1, 2]), (vec![0], vec![1]));
        assert_eq!(ex.split(2, &[2, 3]), (vec![], vec![1]));
    }

    #[test]
    fn image_layout_transposes_and_standardises() {
        let ex = two_clips();
        let stats = ex.band_stats(&[0]); // band 0: 1, 3 → mean 2, std 1; band 1: 2, 4
        let set = FoldSet::new(&ex, vec![0, 1], Some(stats), Layout::Image);
        let mut out = vec![0.0; 8];
        set.fill_inputs(&[1, 0], &mut out);
        // Clip 1 standardised: band 0 frames (5-2, 7-2), band 1 (6-3, 8-3).
        assert_eq!(&out[..4], &[3.0, 5.0, 3.0, 5.0]);
        assert_eq!(&out[4..], &[-1.0, 1.0, -1.0, 1.0]);
        assert_eq!((set.label(0), set.label(1)), (0, 1));
    }

    #[test]
    fn time_shifts_are_circular_and_seeded() {
        let frames: Vec<f32> = (0..7).map(|v| v as f32).collect();
        let ex = Examples::new(7, 1, vec![frames], vec![0], vec![1], 1).unwrap();
        let draw = |seed| {
            let set = FoldSet::new(&ex, vec![0], None, Layout::Flat).with_time_shift(2, seed);
            (0..40)
                .map(|_| {
                    let mut out = vec![0.0; 7];
                    set.fill_inputs(&[0], &mut out);
                    out
                })
                .collect::<Vec<_>>()
        };
        let a = draw(7);
        assert_eq!(a, draw(7));
        for out in &a {
            // A rotation of 0..7 by at most 2 frames either way.
            let first = out.iter().position(|&v| v == 0.0).unwrap();
            assert!(!(3..=4).contains(&first), "{out:?}");
            for k in 0..7 {
                assert_eq!(out[(first + k) % 7], k as f32);
            }
        }
        assert!(a.iter().any(|o| o[0] != 0.0), "some shift happens");
    }
}
