//! The owned matrix and its borrowed views.

use crate::{Elem, Error, Result};

/// A dense row-major `f32` matrix owning a contiguous buffer (row stride = `cols`).
///
/// The buffer starts on a 64-byte boundary (a cache line, one AVX-512 register) when the matrix
/// was made by [`Matrix::zeros`], [`Matrix::filled`], [`Matrix::from_fn`],
/// [`Matrix::from_row_major`] or `clone`; [`Matrix::from_vec`] keeps the caller's buffer as it
/// is. Rows then start aligned too when `cols` is a multiple of 16.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Storage,
}

/// Elements `offset..offset + len` of `vec`: an owned buffer whose first element can be placed
/// on a 64-byte boundary by over-allocating [`ALIGN_PAD`] elements.
struct Storage {
    vec: Vec<Elem>,
    offset: usize,
    len: usize,
}

/// Spare elements allocated so a buffer can start on a 64-byte boundary.
const ALIGN_PAD: usize = 64 / std::mem::size_of::<Elem>() - 1;

impl Storage {
    /// `len` copies of `value`, starting on a 64-byte boundary.
    fn aligned(len: usize, value: Elem) -> Self {
        if len == 0 {
            return Self::taken(Vec::new());
        }
        // `vec![0.0; n]` asks the allocator for zeroed memory: large buffers stay untouched
        // (and take no memory) until written.
        let vec = vec![value; len + ALIGN_PAD];
        let offset = vec.as_ptr().align_offset(64).min(ALIGN_PAD);
        Self { vec, offset, len }
    }

    /// A copy of `data`, starting on a 64-byte boundary.
    fn aligned_copy(data: &[Elem]) -> Self {
        let mut s = Self::aligned(data.len(), 0.0);
        s.copy_from_slice(data);
        s
    }

    /// `vec` as it is.
    fn taken(vec: Vec<Elem>) -> Self {
        let len = vec.len();
        Self {
            vec,
            offset: 0,
            len,
        }
    }

    fn into_vec(self) -> Vec<Elem> {
        if self.offset == 0 && self.vec.len() == self.len {
            self.vec
        } else {
            self.to_vec()
        }
    }
}

impl std::ops::Deref for Storage {
    type Target = [Elem];
    fn deref(&self) -> &[Elem] {
        &self.vec[self.offset..self.offset + self.len]
    }
}

impl std::ops::DerefMut for Storage {
    fn deref_mut(&mut self) -> &mut [Elem] {
        &mut self.vec[self.offset..self.offset + self.len]
    }
}

impl Clone for Storage {
    fn clone(&self) -> Self {
        Self::aligned_copy(self)
    }
}

impl PartialEq for Storage {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

/// A borrowed read-only matrix view: element `(i, j)` is `data[i * stride + j]`.
#[derive(Debug, Clone, Copy)]
pub struct MatRef<'a> {
    rows: usize,
    cols: usize,
    stride: usize,
    data: &'a [Elem],
}

/// A borrowed mutable matrix view: element `(i, j)` is `data[i * stride + j]`.
#[derive(Debug)]
pub struct MatMut<'a> {
    rows: usize,
    cols: usize,
    stride: usize,
    data: &'a mut [Elem],
}

/// Length a buffer must have at least to hold `rows` rows of `cols` with row stride `stride`.
fn needed_len(rows: usize, cols: usize, stride: usize) -> usize {
    if rows == 0 || cols == 0 {
        0
    } else {
        (rows - 1) * stride + cols
    }
}

/// `Ok` when `fits`, else the error naming the operation, the shape and the buffer length.
fn check_buffer(fits: bool, op: &'static str, rows: usize, cols: usize, len: usize) -> Result<()> {
    if fits {
        return Ok(());
    }
    Err(Error::BufferLength {
        op,
        rows,
        cols,
        len,
    })
}

/// A buffer for a `rows × cols` matrix must hold exactly `rows · cols` elements.
fn check_len(op: &'static str, rows: usize, cols: usize, len: usize) -> Result<()> {
    check_buffer(rows.checked_mul(cols) == Some(len), op, rows, cols, len)
}

fn check_view(op: &'static str, rows: usize, cols: usize, stride: usize, len: usize) -> Result<()> {
    let fits = stride >= cols && needed_len(rows, cols, stride) <= len;
    check_buffer(fits, op, rows, cols, len)
}

impl Matrix {
    /// A `rows × cols` matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self::filled(rows, cols, 0.0)
    }

    /// A `rows × cols` matrix with every element `value`.
    pub fn filled(rows: usize, cols: usize, value: Elem) -> Self {
        Self {
            rows,
            cols,
            data: Storage::aligned(rows * cols, value),
        }
    }

    /// Wraps a row-major buffer (without copying it: the rows start where the buffer does).
    ///
    /// # Errors
    /// [`Error::BufferLength`] when `data.len() != rows * cols`.
    pub fn from_vec(rows: usize, cols: usize, data: Vec<Elem>) -> Result<Self> {
        check_len("Matrix::from_vec", rows, cols, data.len())?;
        Ok(Self {
            rows,
            cols,
            data: Storage::taken(data),
        })
    }

    /// A copy of a row-major buffer, on a 64-byte boundary.
    ///
    /// # Errors
    /// [`Error::BufferLength`] when `data.len() != rows * cols`.
    pub fn from_row_major(rows: usize, cols: usize, data: &[Elem]) -> Result<Self> {
        check_len("Matrix::from_row_major", rows, cols, data.len())?;
        Ok(Self {
            rows,
            cols,
            data: Storage::aligned_copy(data),
        })
    }

    /// Builds a matrix from a function of `(row, col)`.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> Elem) -> Self {
        let mut m = Self::zeros(rows, cols);
        for i in 0..rows {
            for (j, v) in m.row_mut(i).iter_mut().enumerate() {
                *v = f(i, j);
            }
        }
        m
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `(rows, cols)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// The row-major buffer.
    pub fn as_slice(&self) -> &[Elem] {
        &self.data
    }

    /// The row-major buffer, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [Elem] {
        &mut self.data
    }

    /// Consumes the matrix, returning its buffer.
    pub fn into_vec(self) -> Vec<Elem> {
        self.data.into_vec()
    }

    /// Element `(i, j)`.
    ///
    /// # Panics
    /// When out of bounds.
    pub fn get(&self, i: usize, j: usize) -> Elem {
        assert!(
            i < self.rows && j < self.cols,
            "index ({i}, {j}) out of {:?}",
            self.shape()
        );
        self.data[i * self.cols + j]
    }

    /// Sets element `(i, j)`.
    ///
    /// # Panics
    /// When out of bounds.
    pub fn set(&mut self, i: usize, j: usize, value: Elem) {
        assert!(
            i < self.rows && j < self.cols,
            "index ({i}, {j}) out of {:?}",
            self.shape()
        );
        self.data[i * self.cols + j] = value;
    }

    /// Row `i` as a slice.
    pub fn row(&self, i: usize) -> &[Elem] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Row `i` as a mutable slice.
    pub fn row_mut(&mut self, i: usize) -> &mut [Elem] {
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// A read-only view of the whole matrix.
    pub fn view(&self) -> MatRef<'_> {
        MatRef {
            rows: self.rows,
            cols: self.cols,
            stride: self.cols,
            data: &self.data,
        }
    }

    /// A mutable view of the whole matrix.
    pub fn view_mut(&mut self) -> MatMut<'_> {
        MatMut {
            rows: self.rows,
            cols: self.cols,
            stride: self.cols,
            data: &mut self.data,
        }
    }

    /// A read-only view of the first `n` rows (a smaller batch in a workspace sized for the
    /// largest).
    ///
    /// # Panics
    /// When `n > rows`.
    pub fn top_rows(&self, n: usize) -> MatRef<'_> {
        assert!(
            n <= self.rows,
            "top_rows({n}) of a matrix with {} rows",
            self.rows
        );
        MatRef {
            rows: n,
            cols: self.cols,
            stride: self.cols,
            data: &self.data[..n * self.cols],
        }
    }

    /// A mutable view of the first `n` rows.
    ///
    /// # Panics
    /// When `n > rows`.
    pub fn top_rows_mut(&mut self, n: usize) -> MatMut<'_> {
        assert!(
            n <= self.rows,
            "top_rows_mut({n}) of a matrix with {} rows",
            self.rows
        );
        let cols = self.cols;
        MatMut {
            rows: n,
            cols,
            stride: cols,
            data: &mut self.data[..n * cols],
        }
    }

    /// Sets every element to `value`.
    pub fn fill(&mut self, value: Elem) {
        self.data.fill(value);
    }
}

impl<'a> MatRef<'a> {
    /// A view of `data` as a `rows × cols` matrix with row stride `stride`.
    ///
    /// # Errors
    /// [`Error::BufferLength`] when `stride < cols` or the buffer is too short.
    pub fn new(rows: usize, cols: usize, stride: usize, data: &'a [Elem]) -> Result<Self> {
        check_view("MatRef::new", rows, cols, stride, data.len())?;
        Ok(Self {
            rows,
            cols,
            stride,
            data,
        })
    }

    /// A contiguous view (`stride = cols`).
    ///
    /// # Errors
    /// As [`MatRef::new`].
    pub fn from_slice(rows: usize, cols: usize, data: &'a [Elem]) -> Result<Self> {
        Self::new(rows, cols, cols, data)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row stride in elements.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// `(rows, cols)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// The underlying buffer (may be longer than the view and contain gaps between rows).
    pub fn data(&self) -> &'a [Elem] {
        self.data
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &'a [Elem] {
        &self.data[i * self.stride..i * self.stride + self.cols]
    }

    /// Element `(i, j)`.
    pub fn get(&self, i: usize, j: usize) -> Elem {
        assert!(
            i < self.rows && j < self.cols,
            "index ({i}, {j}) out of {:?}",
            self.shape()
        );
        self.data[i * self.stride + j]
    }

    /// The rows `start..start + n`.
    ///
    /// # Panics
    /// When the range is out of bounds.
    pub fn rows_range(&self, start: usize, n: usize) -> MatRef<'a> {
        assert!(
            start + n <= self.rows,
            "rows {start}..{} of {}",
            start + n,
            self.rows
        );
        let begin = (start * self.stride).min(self.data.len());
        let end = begin + needed_len(n, self.cols, self.stride);
        MatRef {
            rows: n,
            cols: self.cols,
            stride: self.stride,
            data: &self.data[begin..end],
        }
    }

    /// The columns `start..start + n` (same rows and stride).
    ///
    /// # Panics
    /// When the range is out of bounds.
    pub fn cols_range(&self, start: usize, n: usize) -> MatRef<'a> {
        assert!(
            start + n <= self.cols,
            "columns {start}..{} of {}",
            start + n,
            self.cols
        );
        let begin = start.min(self.data.len());
        let end = begin + needed_len(self.rows, n, self.stride);
        MatRef {
            rows: self.rows,
            cols: n,
            stride: self.stride,
            data: &self.data[begin..end],
        }
    }

    /// Copies the view into an owned contiguous matrix.
    pub fn to_matrix(&self) -> Matrix {
        Matrix::from_fn(self.rows, self.cols, |i, j| self.get(i, j))
    }
}

impl<'a> MatMut<'a> {
    /// A mutable view of `data` as a `rows × cols` matrix with row stride `stride`.
    ///
    /// # Errors
    /// [`Error::BufferLength`] when `stride < cols` or the buffer is too short.
    pub fn new(rows: usize, cols: usize, stride: usize, data: &'a mut [Elem]) -> Result<Self> {
        check_view("MatMut::new", rows, cols, stride, data.len())?;
        Ok(Self {
            rows,
            cols,
            stride,
            data,
        })
    }

    /// A contiguous mutable view (`stride = cols`).
    ///
    /// # Errors
    /// As [`MatMut::new`].
    pub fn from_slice(rows: usize, cols: usize, data: &'a mut [Elem]) -> Result<Self> {
        Self::new(rows, cols, cols, data)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row stride in elements.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// `(rows, cols)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// A read-only reborrow.
    pub fn as_ref(&self) -> MatRef<'_> {
        MatRef {
            rows: self.rows,
            cols: self.cols,
            stride: self.stride,
            data: self.data,
        }
    }

    /// A shorter-lived mutable reborrow.
    pub fn reborrow(&mut self) -> MatMut<'_> {
        MatMut {
            rows: self.rows,
            cols: self.cols,
            stride: self.stride,
            data: self.data,
        }
    }

    /// The underlying buffer.
    pub fn data_mut(&mut self) -> &mut [Elem] {
        self.data
    }

    /// Consumes the view, returning the underlying buffer with its full lifetime.
    pub fn into_data(self) -> &'a mut [Elem] {
        self.data
    }

    /// Row `i`, mutably.
    pub fn row_mut(&mut self, i: usize) -> &mut [Elem] {
        let s = i * self.stride;
        &mut self.data[s..s + self.cols]
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[Elem] {
        let s = i * self.stride;
        &self.data[s..s + self.cols]
    }

    /// Sets every element of the view to `value`.
    pub fn fill(&mut self, value: Elem) {
        for i in 0..self.rows {
            self.row_mut(i).fill(value);
        }
    }
}

#[cfg(test)]
mod storage_tests {
    use super::*;

    fn aligned(m: &Matrix) -> bool {
        (m.as_slice().as_ptr() as usize).is_multiple_of(64)
    }

    #[test]
    fn made_and_cloned_matrices_start_on_a_cache_line() {
        for n in [1, 3, 16, 100, 784, 100_000] {
            let z = Matrix::zeros(n, 3);
            assert!(aligned(&z) && z.as_slice().iter().all(|&v| v == 0.0));
            let f = Matrix::from_fn(3, n, |i, j| (i * n + j) as Elem);
            assert!(aligned(&f));
            assert_eq!(f.row(2)[n - 1], (3 * n - 1) as Elem);
            let c = f.clone();
            assert!(aligned(&c));
            assert_eq!(c, f);
            let r = Matrix::from_row_major(3, n, f.as_slice()).unwrap();
            assert!(aligned(&r) && r == f);
            assert_eq!(r.into_vec(), f.as_slice());
        }
        assert!(Matrix::from_row_major(2, 2, &[1.0; 3]).is_err());
    }

    #[test]
    fn from_vec_keeps_the_buffer() {
        let v = vec![1.0, 2.0, 3.0, 4.0];
        let ptr = v.as_ptr();
        let m = Matrix::from_vec(2, 2, v).unwrap();
        assert_eq!(m.as_slice().as_ptr(), ptr);
        let back = m.into_vec();
        assert_eq!(back.as_ptr(), ptr);
        assert_eq!(back, [1.0, 2.0, 3.0, 4.0]);
    }
}
