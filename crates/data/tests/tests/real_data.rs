//! Tests on the real MNIST and Fashion-MNIST files under `$MYNET_DATA_DIR` (skipped when unset).

use std::path::PathBuf;

use data::{Mnist, DATA_DIR_ENV, MNIST_CLASSES};
use md5::{Digest, Md5};

/// `$MYNET_DATA_DIR/<subdir>`, or `None` (after saying so) when the variable is unset.
fn real_dir(subdir: &str) -> Option<PathBuf> {
    match std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        Some(root) => Some(PathBuf::from(root).join(subdir)),
        None => {
            println!("skipping: {DATA_DIR_ENV} not set");
            None
        }
    }
}

/// MD5 of the uncompressed IDX file `data` was read from (header rebuilt from the shape).
fn idx_md5(magic: u32, dims: &[usize], data: &[u8]) -> String {
    let mut h = Md5::new();
    h.update(magic.to_be_bytes());
    for &d in dims {
        h.update((d as u32).to_be_bytes());
    }
    h.update(data);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn check_shapes(m: &Mnist) {
    for set in [&m.train, &m.test] {
        assert_eq!((set.rows(), set.cols()), (28, 28));
        assert_eq!(set.classes(), MNIST_CLASSES);
        assert!(set.labels().iter().all(|&l| l < 10));
        assert_eq!(set.pixels().len(), set.len() * 784);
    }
}

#[test]
fn real_mnist_loads_with_known_shapes_labels_and_checksums() {
    let Some(dir) = real_dir("mnist") else { return };
    let m = Mnist::load(&dir).unwrap();
    check_shapes(&m);
    // The shared folder holds the first 10,000 official training images; a full download 60,000.
    assert!(
        [10_000, 60_000].contains(&m.train.len()),
        "{}",
        m.train.len()
    );
    assert_eq!(m.test.len(), 10_000);
    assert_eq!(m.train.label(0), 5);
    assert_eq!(m.test.label(0), 7);
    let test_md5 = idx_md5(0x803, &[10_000, 28, 28], m.test.pixels());
    assert_eq!(test_md5, "2646ac647ad5339dbf082846283269ea");
    assert_eq!(
        idx_md5(0x801, &[10_000], m.test.labels()),
        "27ae3e4e09519cfbb04c329615203637"
    );
    if m.train.len() == 10_000 {
        let train_md5 = idx_md5(0x803, &[10_000, 28, 28], m.train.pixels());
        assert_eq!(train_md5, "63a563d3843dba5073e604e3a7990e87");
    }
}

#[test]
fn real_fashion_mnist_loads_with_the_same_loader() {
    let Some(dir) = real_dir("fashion-mnist") else {
        return;
    };
    let m = Mnist::load(&dir).unwrap();
    check_shapes(&m);
    assert_eq!((m.train.len(), m.test.len()), (60_000, 10_000));
    // Both sets start with an ankle boot (class 9).
    assert_eq!((m.train.label(0), m.test.label(0)), (9, 9));
    let train_md5 = idx_md5(0x803, &[60_000, 28, 28], m.train.pixels());
    assert_eq!(train_md5, "f4a8712d7a061bf5bd6d2ca38dc4d50a");
    assert_eq!(
        idx_md5(0x801, &[10_000], m.test.labels()),
        "15d484375f8d13e6eb1aabb0c3f46965"
    );
    // Nielsen-style split of the training set.
    let (train, valid) = m.train.split_at(50_000);
    assert_eq!((train.len(), valid.len()), (50_000, 10_000));
    assert_eq!(valid.image(0), m.train.image(50_000));
}
