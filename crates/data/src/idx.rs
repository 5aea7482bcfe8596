//! Reading and writing IDX files, the format of MNIST and Fashion-MNIST.
//!
//! An IDX file is a big-endian header followed by the data bytes. The header is a magic number
//! (`0x0000_08NN`: two zero bytes, type code `0x08` for `u8`, then the number of dimensions
//! `NN`) and one `u32` per dimension. Images use magic 2051 (`0x0803`, dimensions count, rows,
//! cols) and labels use magic 2049 (`0x0801`, one dimension: count).
//!
//! Files may be gzip-compressed; compression is detected from the first two bytes (`1f 8b`),
//! never from the file name. The data length must match the header exactly, and a header that
//! claims more data than the file can hold is rejected before the data buffer is allocated
//! (raw files), or the read is bounded by the claimed size (gzip files).

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::atomic::write_atomic;
use crate::error::{DimensionProblem, Error, Result};

/// Magic number of an IDX file of `u8` images: 2051.
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of `u8` labels: 2049.
pub const LABELS_MAGIC: u32 = 0x0000_0801;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Most that is reserved up front for decompressed data; the buffer grows past it as data
/// actually arrives, so a lying header cannot make us allocate memory the file cannot fill.
const MAX_INITIAL_RESERVE: u64 = 64 << 20;
/// Deflate cannot expand data by more than about 1032:1.
const MAX_DEFLATE_RATIO: u64 = 1032;

/// A set of `u8` images as stored in an IDX file, row-major, one image after another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    /// Number of images.
    pub count: usize,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// `count * rows * cols` pixel values.
    pub pixels: Vec<u8>,
}

/// Reads an IDX image file (magic 2051), raw or gzip-compressed.
///
/// # Errors
/// [`Error::Io`], [`Error::Gzip`], [`Error::TruncatedHeader`], [`Error::BadMagic`],
/// [`Error::BadDimensions`] (zero images, zero rows or columns, or a size that overflows),
/// [`Error::Truncated`] or [`Error::TrailingData`].
pub fn read_images(path: &Path) -> Result<IdxImages> {
    let (dims, pixels) = read_idx(path, IMAGES_MAGIC, 3)?;
    Ok(IdxImages {
        count: dims[0] as usize,
        rows: dims[1] as usize,
        cols: dims[2] as usize,
        pixels,
    })
}

/// Reads an IDX label file (magic 2049), raw or gzip-compressed.
///
/// Label values are not checked here; see [`crate::ImageSet::load`].
///
/// # Errors
/// As [`read_images`].
pub fn read_labels(path: &Path) -> Result<Vec<u8>> {
    read_idx(path, LABELS_MAGIC, 1).map(|(_, labels)| labels)
}

/// Writes `images` as a raw (uncompressed) IDX image file, atomically (temp file + rename).
///
/// # Errors
/// [`Error::Unwritable`] if `pixels.len()` is not `count * rows * cols` or a dimension does not
/// fit in a `u32`; [`Error::Io`] if writing fails.
pub fn write_images(path: &Path, images: &IdxImages) -> Result<()> {
    let unwritable = |reason: String| Error::Unwritable {
        path: path.to_path_buf(),
        reason,
    };
    let IdxImages {
        count, rows, cols, ..
    } = *images;
    let expected = count.checked_mul(rows).and_then(|n| n.checked_mul(cols));
    if expected != Some(images.pixels.len()) {
        return Err(unwritable(format!(
            "{} pixels do not make {count} images of {rows}x{cols}",
            images.pixels.len()
        )));
    }
    let header = header(IMAGES_MAGIC, &[count, rows, cols]).ok_or_else(|| {
        unwritable(format!(
            "dimensions {count}x{rows}x{cols} do not fit in u32"
        ))
    })?;
    write_atomic(path, &[&header, &images.pixels])
}

/// Writes `labels` as a raw (uncompressed) IDX label file, atomically (temp file + rename).
///
/// # Errors
/// [`Error::Unwritable`] if there are more than `u32::MAX` labels; [`Error::Io`] if writing
/// fails.
pub fn write_labels(path: &Path, labels: &[u8]) -> Result<()> {
    let header = header(LABELS_MAGIC, &[labels.len()]).ok_or_else(|| Error::Unwritable {
        path: path.to_path_buf(),
        reason: format!("{} labels do not fit in a u32 count", labels.len()),
    })?;
    write_atomic(path, &[&header, labels])
}

/// Length in bytes of the header of an IDX file with `ndims` dimensions.
pub(crate) fn header_len(ndims: usize) -> u64 {
    4 + 4 * ndims as u64
}

fn header(magic: u32, dims: &[usize]) -> Option<Vec<u8>> {
    let mut out = magic.to_be_bytes().to_vec();
    for &d in dims {
        out.extend_from_slice(&u32::try_from(d).ok()?.to_be_bytes());
    }
    Some(out)
}

/// Reads an IDX file's dimensions and data, checking magic, dimensions and length.
fn read_idx(path: &Path, magic: u32, ndims: usize) -> Result<(Vec<u32>, Vec<u8>)> {
    let io_err = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let file_len = file.metadata().map_err(io_err)?.len();
    let mut sig = [0u8; 2];
    let got = read_up_to(&mut file, &mut sig).map_err(io_err)?;
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    let reader = IdxReader {
        path,
        compressed: got == 2 && sig == GZIP_MAGIC,
        file_len,
    };
    if reader.compressed {
        reader.read(MultiGzDecoder::new(BufReader::new(file)), magic, ndims)
    } else {
        reader.read(BufReader::new(file), magic, ndims)
    }
}

struct IdxReader<'a> {
    path: &'a Path,
    compressed: bool,
    /// Length of the file on disk (compressed length for gzip files).
    file_len: u64,
}

impl IdxReader<'_> {
    fn read_err(&self, offset: u64, source: io::Error) -> Error {
        let path = self.path.to_path_buf();
        if self.compressed {
            Error::Gzip {
                path,
                offset,
                source,
            }
        } else {
            Error::Io { path, source }
        }
    }

    fn read(&self, mut r: impl Read, magic: u32, ndims: usize) -> Result<(Vec<u32>, Vec<u8>)> {
        let hlen = header_len(ndims);
        let mut header = vec![0u8; hlen as usize];
        let got = read_up_to(&mut r, &mut header).map_err(|e| self.read_err(0, e))?;
        if got >= 4 {
            let found = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
            if found != magic {
                return Err(Error::BadMagic {
                    path: self.path.to_path_buf(),
                    expected: magic,
                    found,
                });
            }
        }
        if got < header.len() {
            return Err(Error::TruncatedHeader {
                path: self.path.to_path_buf(),
                needed: hlen,
                actual: got as u64,
            });
        }
        let dims: Vec<u32> = header[4..]
            .chunks_exact(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let expected = self.data_len(&dims)?;
        let data = if self.compressed {
            self.read_gzip_data(r, hlen, expected)?
        } else {
            self.read_raw_data(r, hlen, expected)?
        };
        Ok((dims, data))
    }

    /// Checks the dimensions and returns the number of data bytes they imply.
    fn data_len(&self, dims: &[u32]) -> Result<u64> {
        let bad = |problem| Error::BadDimensions {
            path: self.path.to_path_buf(),
            offset: 4,
            dims: dims.to_vec(),
            problem,
        };
        if dims[0] == 0 {
            return Err(bad(DimensionProblem::NoItems));
        }
        if dims[1..].contains(&0) {
            return Err(bad(DimensionProblem::ZeroSize));
        }
        dims.iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
            .and_then(|n| u64::try_from(n).ok())
            .filter(|n| n.checked_add(header_len(dims.len()) + 1).is_some())
            .ok_or_else(|| bad(DimensionProblem::Overflow))
    }

    fn read_raw_data(&self, mut r: impl Read, hlen: u64, expected: u64) -> Result<Vec<u8>> {
        let available = self.file_len.saturating_sub(hlen);
        if available < expected {
            return Err(Error::Truncated {
                path: self.path.to_path_buf(),
                offset: self.file_len,
                expected_bytes: expected,
                actual_bytes: available,
                compressed: false,
            });
        }
        if available > expected {
            return Err(self.trailing(hlen + expected, expected));
        }
        // The file on disk holds exactly `expected` bytes, so this allocation is backed by it.
        let mut data = vec![0u8; expected as usize];
        r.read_exact(&mut data)
            .map_err(|e| self.read_err(hlen, e))?;
        Ok(data)
    }

    fn read_gzip_data(&self, r: impl Read, hlen: u64, expected: u64) -> Result<Vec<u8>> {
        let reserve = expected
            .min(self.file_len.saturating_mul(MAX_DEFLATE_RATIO))
            .min(MAX_INITIAL_RESERVE);
        let mut data = Vec::with_capacity(reserve as usize);
        // Reading one byte past the claim detects trailing data (and checks the gzip trailer
        // when the claim is exact) while bounding memory by the claimed size.
        let read = r.take(expected + 1).read_to_end(&mut data);
        if let Err(e) = read {
            return Err(self.read_err(hlen + data.len() as u64, e));
        }
        let actual = data.len() as u64;
        if actual < expected {
            return Err(Error::Truncated {
                path: self.path.to_path_buf(),
                offset: hlen + actual,
                expected_bytes: expected,
                actual_bytes: actual,
                compressed: true,
            });
        }
        if actual > expected {
            return Err(self.trailing(hlen + expected, expected));
        }
        Ok(data)
    }

    fn trailing(&self, offset: u64, expected: u64) -> Error {
        Error::TrailingData {
            path: self.path.to_path_buf(),
            offset,
            expected_bytes: expected,
            compressed: self.compressed,
        }
    }
}

/// Reads until `buf` is full or the reader is exhausted; returns the number of bytes read.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
