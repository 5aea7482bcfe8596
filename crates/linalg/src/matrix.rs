//! The owned matrix and its borrowed views.

use crate::{Elem, Error, Result};

/// A dense row-major `f32` matrix owning a contiguous buffer (row stride = `cols`).
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<Elem>,
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

fn check_view(op: &'static str, rows: usize, cols: usize, stride: usize, len: usize) -> Result<()> {
    if stride < cols || needed_len(rows, cols, stride) > len {
        return Err(Error::BufferLength {
            op,
            rows,
            cols,
            len,
        });
    }
    Ok(())
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
            data: vec![value; rows * cols],
        }
    }

    /// Wraps a row-major buffer.
    ///
    /// # Errors
    /// [`Error::BufferLength`] when `data.len() != rows * cols`.
    pub fn from_vec(rows: usize, cols: usize, data: Vec<Elem>) -> Result<Self> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(Error::BufferLength {
                op: "Matrix::from_vec",
                rows,
                cols,
                len: data.len(),
            });
        }
        Ok(Self { rows, cols, data })
    }

    /// Builds a matrix from a function of `(row, col)`.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> Elem) -> Self {
        let mut data = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for j in 0..cols {
                data.push(f(i, j));
            }
        }
        Self { rows, cols, data }
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
        self.data
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
