//! A labelled set of `u8` images, and the per-batch conversion into `f32`.

use std::path::Path;

use crate::convert::scale_pixels;
use crate::error::{Error, Result};
use crate::idx::{self, header_len};

/// Labelled images of equal size, pixels kept as `u8` (one byte per pixel, row-major, one image
/// after another).
///
/// Conversion to `f32` happens per batch, into a buffer the caller reuses:
/// see [`ImageSet::fill_f32`] and [`ImageSet::fill_one_hot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSet {
    rows: usize,
    cols: usize,
    pixels: Vec<u8>,
    labels: Vec<u8>,
    classes: usize,
}

impl ImageSet {
    /// Builds a set from its parts.
    ///
    /// # Panics
    /// If `rows * cols` is zero, `pixels.len()` is not `labels.len() * rows * cols`, or a label
    /// is not below `classes`. Use [`ImageSet::load`] for data from files, which reports these
    /// problems as errors naming the file.
    pub fn new(rows: usize, cols: usize, pixels: Vec<u8>, labels: Vec<u8>, classes: usize) -> Self {
        let per_image = rows.checked_mul(cols).expect("rows * cols overflows");
        assert!(per_image > 0, "images must have at least one pixel");
        assert_eq!(
            Some(pixels.len()),
            labels.len().checked_mul(per_image),
            "pixels.len() must be labels.len() * rows * cols"
        );
        assert!(
            labels.iter().all(|&l| usize::from(l) < classes),
            "every label must be below classes ({classes})"
        );
        ImageSet {
            rows,
            cols,
            pixels,
            labels,
            classes,
        }
    }

    /// Reads an IDX image file and its IDX label file (each raw or gzip) and checks that they
    /// hold the same number of samples and that every label is below `classes`.
    ///
    /// # Errors
    /// Any error of [`idx::read_images`] or [`idx::read_labels`], [`Error::CountMismatch`], or
    /// [`Error::LabelOutOfRange`] for the first label that is not below `classes`.
    pub fn load(images_path: &Path, labels_path: &Path, classes: usize) -> Result<Self> {
        let images = idx::read_images(images_path)?;
        let labels = idx::read_labels(labels_path)?;
        if images.count != labels.len() {
            return Err(Error::CountMismatch {
                images_path: images_path.to_path_buf(),
                labels_path: labels_path.to_path_buf(),
                images: images.count,
                labels: labels.len(),
            });
        }
        if let Some(index) = labels.iter().position(|&l| usize::from(l) >= classes) {
            return Err(Error::LabelOutOfRange {
                path: labels_path.to_path_buf(),
                index,
                offset: header_len(1) + index as u64,
                label: labels[index],
                classes,
            });
        }
        Ok(ImageSet {
            rows: images.rows,
            cols: images.cols,
            pixels: images.pixels,
            labels,
            classes,
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the set holds no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Rows per image.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns per image.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Pixels per image: `rows() * cols()`.
    pub fn pixels_per_image(&self) -> usize {
        self.rows * self.cols
    }

    /// Number of classes; every label is below it.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The pixels of image `i`, row-major.
    ///
    /// # Panics
    /// If `i >= len()`.
    pub fn image(&self, i: usize) -> &[u8] {
        let p = self.pixels_per_image();
        &self.pixels[i * p..(i + 1) * p]
    }

    /// The label of image `i`.
    ///
    /// # Panics
    /// If `i >= len()`.
    pub fn label(&self, i: usize) -> u8 {
        self.labels[i]
    }

    /// All labels, in order.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// All pixels, image after image.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// A copy of the first `n` images (all of them if `n >= len()`).
    pub fn limit(&self, n: usize) -> ImageSet {
        self.split_at(n).0
    }

    /// Copies of the first `n` images and of the rest, e.g. `split_at(50_000)` for Nielsen's
    /// 50k training / 10k validation split of MNIST's training set. `n` is clamped to `len()`.
    pub fn split_at(&self, n: usize) -> (ImageSet, ImageSet) {
        let n = n.min(self.len());
        let (pa, pb) = self.pixels.split_at(n * self.pixels_per_image());
        let (la, lb) = self.labels.split_at(n);
        let part = |pixels: &[u8], labels: &[u8]| ImageSet {
            rows: self.rows,
            cols: self.cols,
            pixels: pixels.to_vec(),
            labels: labels.to_vec(),
            classes: self.classes,
        };
        (part(pa, la), part(pb, lb))
    }

    /// Writes the images at `indices` into `out` as `f32`, one image per row, without
    /// allocating: `out[r * P + j] = image(indices[r])[j] as f32 * scale + offset`, where
    /// `P = pixels_per_image()`. Only the first `indices.len() * P` elements of `out` are
    /// written. `scale = 1.0 / 255.0, offset = 0.0` maps pixels to `[0, 1]`.
    ///
    /// # Panics
    /// If `out.len() < indices.len() * P` or an index is not below `len()`.
    pub fn fill_f32(&self, indices: &[usize], scale: f32, offset: f32, out: &mut [f32]) {
        let p = self.pixels_per_image();
        let needed = indices.len() * p;
        assert!(
            out.len() >= needed,
            "fill_f32: out holds {} values, {} images need {needed}",
            out.len(),
            indices.len()
        );
        for (r, (row, &i)) in out[..needed].chunks_exact_mut(p).zip(indices).enumerate() {
            // A shuffled batch gathers images from all over the set: ask for the image a few
            // rows ahead now, so its cache misses overlap this row's conversion.
            if let Some(&ahead) = indices.get(r + PREFETCH_AHEAD) {
                prefetch(self.image(ahead));
            }
            scale_pixels(self.image(i), scale, offset, row);
        }
    }

    /// Fetches image `index` and its label into the cache ahead of their use: one load of the
    /// image's first byte (which also brings its page's address translation in) and prefetch
    /// hints for every line of the image and for the label's. Does nothing for an index out of
    /// range.
    pub fn prefetch(&self, index: usize) {
        if index < self.len() {
            let image = self.image(index);
            std::hint::black_box(image.first().copied());
            prefetch(image);
            prefetch(&self.labels[index..=index]);
        }
    }

    /// Writes one-hot rows for the labels at `indices` into `out`, without allocating:
    /// row `r` (`classes()` values) is 1.0 at `label(indices[r])` and 0.0 elsewhere. Only the
    /// first `indices.len() * classes()` elements of `out` are written.
    ///
    /// # Panics
    /// If `out.len() < indices.len() * classes()` or an index is not below `len()`.
    pub fn fill_one_hot(&self, indices: &[usize], out: &mut [f32]) {
        let c = self.classes;
        let needed = indices.len() * c;
        assert!(
            out.len() >= needed,
            "fill_one_hot: out holds {} values, {} labels need {needed}",
            out.len(),
            indices.len()
        );
        if c == 0 {
            return;
        }
        for (row, &i) in out[..needed].chunks_exact_mut(c).zip(indices) {
            row.fill(0.0);
            row[usize::from(self.labels[i])] = 1.0;
        }
    }
}

/// Rows ahead of the current one whose image [`ImageSet::fill_f32`] prefetches.
const PREFETCH_AHEAD: usize = 4;

/// Hints the CPU to load every cache line of `bytes` (a no-op where there is no prefetch
/// instruction); never faults and changes no value.
#[inline(always)]
fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    for line in bytes.chunks(64) {
        // SAFETY: a prefetch is only a hint: it reads nothing architecturally and cannot fault;
        // the pointer is inside `bytes` anyway. SSE (which provides it) is part of x86-64.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                line.as_ptr().cast(),
            )
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> ImageSet {
        // Three 1x2 images: [0, 255], [10, 20], [30, 40] labelled 2, 0, 1.
        ImageSet::new(1, 2, vec![0, 255, 10, 20, 30, 40], vec![2, 0, 1], 3)
    }

    #[test]
    fn accessors_describe_the_set() {
        let s = set();
        assert_eq!(
            (s.len(), s.rows(), s.cols(), s.pixels_per_image()),
            (3, 1, 2, 2)
        );
        assert_eq!(s.classes(), 3);
        assert_eq!(s.image(1), &[10, 20]);
        assert_eq!(s.label(2), 1);
        assert_eq!(s.labels(), &[2, 0, 1]);
        assert!(!s.is_empty());
    }

    #[test]
    fn prefetch_is_only_a_hint() {
        let s = set();
        for i in 0..=s.len() + 5 {
            s.prefetch(i); // out of range: nothing happens
        }
        assert_eq!(s.image(2), &[30, 40]);
    }

    #[test]
    fn split_and_limit_copy_the_right_images() {
        let (a, b) = set().split_at(2);
        assert_eq!((a.len(), b.len()), (2, 1));
        assert_eq!(b.image(0), &[30, 40]);
        assert_eq!(b.label(0), 1);
        assert_eq!(set().limit(1).labels(), &[2]);
        assert_eq!(set().limit(99), set());
        let (all, none) = set().split_at(10);
        assert_eq!(all.len(), 3);
        assert!(none.is_empty());
    }

    #[test]
    fn fill_f32_scales_selected_images_and_leaves_the_rest() {
        let mut out = [f32::NAN; 5];
        set().fill_f32(&[2, 0], 0.5, -1.0, &mut out);
        assert_eq!(&out[..4], &[14.0, 19.0, -1.0, 126.5]);
        assert!(out[4].is_nan());
    }

    #[test]
    fn fill_one_hot_marks_the_label() {
        let mut out = [f32::NAN; 6];
        set().fill_one_hot(&[0, 1], &mut out);
        assert_eq!(out, [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    #[should_panic(expected = "fill_f32")]
    fn fill_f32_panics_when_out_is_too_short() {
        set().fill_f32(&[0, 1], 1.0, 0.0, &mut [0.0; 3]);
    }

    #[test]
    #[should_panic(expected = "below classes")]
    fn new_rejects_out_of_range_labels() {
        ImageSet::new(1, 1, vec![0], vec![3], 3);
    }
}
