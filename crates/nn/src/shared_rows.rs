//! A buffer of equal rows that the threads of a [`linalg::Team`] step each write their own rows
//! of (weights, gradients, outputs), without a lock.

use linalg::Elem;

/// `rows` rows of `width` elements starting at a pointer taken from a `&mut [Elem]` that the
/// step borrows for as long as its threads use this.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SharedRows {
    ptr: *mut Elem,
    rows: usize,
    width: usize,
}

// SAFETY: only turned into slices of disjoint row ranges (one per thread, see `SharedRows::rows`)
// while the `&mut` borrow it was made from is held and not otherwise used.
unsafe impl Send for SharedRows {}
// SAFETY: as above.
unsafe impl Sync for SharedRows {}

impl SharedRows {
    /// The rows of `buf` (`width` elements each; a trailing partial row is not covered).
    pub(crate) fn new(buf: &mut [Elem], width: usize) -> Self {
        Self {
            ptr: buf.as_mut_ptr(),
            rows: buf.len().checked_div(width).unwrap_or(0),
            width,
        }
    }

    /// Rows `r0..r1`, as one slice.
    ///
    /// # Safety
    /// The buffer `new` was given is still mutably borrowed for this purpose and outlives `'a`,
    /// and no other live slice covers any of these rows (each thread takes its own range).
    ///
    /// # Panics
    /// When `r0 > r1` or `r1` is past the last row.
    pub(crate) unsafe fn rows<'a>(self, r0: usize, r1: usize) -> &'a mut [Elem] {
        assert!(
            r0 <= r1 && r1 <= self.rows,
            "rows {r0}..{r1} of {}",
            self.rows
        );
        // SAFETY: in bounds (asserted); exclusive by the caller's contract.
        unsafe {
            std::slice::from_raw_parts_mut(self.ptr.add(r0 * self.width), (r1 - r0) * self.width)
        }
    }
}
