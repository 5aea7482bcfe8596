//! ESC-50 metadata parsing and clip selection, on the real CSV and on small ones.

use std::path::Path;

use data::esc50::{esc10_label, Esc50, Esc50Error, Metadata, Selection, ESC10_TARGETS};

use crate::esc50_util::{assert_names, real_esc50};

const HEADER: &str = "filename,fold,target,category,esc10,src_file,take\r\n";

/// Writes `root/meta/esc50.csv` with `rows` (CRLF) and returns its path.
fn put_csv(root: &Path, header: &str, rows: &[&str]) -> std::path::PathBuf {
    std::fs::create_dir_all(root.join("meta")).unwrap();
    std::fs::create_dir_all(root.join("audio")).unwrap();
    let path = root.join("meta/esc50.csv");
    let mut text = header.to_string();
    for r in rows {
        text.push_str(r);
        text.push_str("\r\n");
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn bad_field(rows: &[&str]) -> (Esc50Error, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = put_csv(dir.path(), HEADER, rows);
    let err = Metadata::load(&path).unwrap_err();
    assert_names(&err, &path);
    (err, path)
}

#[test]
fn real_metadata_has_2000_rows_and_400_esc10_clips_80_per_fold() {
    let Some(root) = real_esc50() else { return };
    let meta = Metadata::load(&root.join("meta/esc50.csv")).unwrap();
    assert_eq!(meta.clips.len(), 2000);
    assert_eq!(meta.esc10().count(), 400);
    for fold in 1..=5 {
        assert_eq!(meta.clips.iter().filter(|c| c.fold == fold).count(), 400);
        assert_eq!(meta.esc10().filter(|c| c.fold == fold).count(), 80);
    }
    for target in ESC10_TARGETS {
        assert_eq!(meta.esc10().filter(|c| c.target == target).count(), 40);
    }
    let first = &meta.clips[0];
    assert_eq!(
        (
            first.filename.as_str(),
            first.fold,
            first.target,
            first.category.as_str()
        ),
        ("1-100032-A-0.wav", 1, 0, "dog")
    );
    assert!(first.esc10);
    assert_eq!(
        (first.src_file.as_str(), first.take.as_str()),
        ("100032", "A")
    );
}

#[test]
fn real_dataset_opens_in_esc10_mode_and_reports_missing_files_otherwise() {
    let Some(root) = real_esc50() else { return };
    let esc10 = Esc50::open(&root, &Selection::esc10(&[])).unwrap();
    assert_eq!((esc10.clips.len(), esc10.missing.len()), (400, 0));
    assert_eq!(esc10.num_classes(), 10);
    assert!(esc10.clips.iter().all(|c| esc10.label(c) < 10));
    assert_eq!(esc10.fold(3).count(), 80);

    let err = Esc50::open(&root, &Selection::default()).unwrap_err();
    match &err {
        Esc50Error::MissingAudio {
            count,
            selected,
            first,
            ..
        } => {
            assert_eq!((*count, *selected, first.len()), (1600, 2000, 5));
        }
        e => panic!("unexpected error {e}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("1600 of 2000") && msg.contains("esc10_only"),
        "{msg}"
    );

    let all = Selection {
        allow_missing: true,
        ..Selection::default()
    };
    let present = Esc50::open(&root, &all).unwrap();
    assert_eq!((present.clips.len(), present.missing.len()), (400, 1600));
    assert_eq!(present.num_classes(), 50);
}

#[test]
fn crlf_csv_with_reordered_and_extra_columns_parses() {
    let dir = tempfile::tempdir().unwrap();
    let header = "extra,esc10,take,src_file,category,target,fold,filename\r\n";
    let path = put_csv(
        dir.path(),
        header,
        &[
            "x,True,B,42,rooster,1,5,5-42-B-1.wav",
            "y,false,A,7,pig,2,1,1-7-A-2.wav",
        ],
    );
    let meta = Metadata::load(&path).unwrap();
    assert_eq!(meta.clips.len(), 2);
    let c = &meta.clips[0];
    assert_eq!(
        (c.filename.as_str(), c.fold, c.target, c.esc10),
        ("5-42-B-1.wav", 5, 1, true)
    );
    assert_eq!(
        (c.category.as_str(), c.src_file.as_str(), c.take.as_str()),
        ("rooster", "42", "B")
    );
    assert!(!meta.clips[1].esc10);
    // LF endings read the same.
    std::fs::write(
        &path,
        std::fs::read_to_string(&path)
            .unwrap()
            .replace("\r\n", "\n"),
    )
    .unwrap();
    assert_eq!(Metadata::load(&path).unwrap().clips, meta.clips);
}

#[test]
fn csv_missing_a_column_is_an_error_naming_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = put_csv(
        dir.path(),
        "filename,fold,target,category,src_file,take\r\n",
        &["a.wav,1,0,dog,1,A"],
    );
    let err = Metadata::load(&path).unwrap_err();
    assert!(
        matches!(
            err,
            Esc50Error::MissingColumn {
                column: "esc10",
                ..
            }
        ),
        "{err}"
    );
    assert_names(&err, &path);
}

#[test]
fn fold_outside_1_to_5_is_an_error_with_line_and_column() {
    for fold in ["0", "6", "-1", "x", ""] {
        let row = format!("a.wav,1,0,dog,True,1,A\r\nb.wav,{fold},0,dog,True,2,A");
        let (err, _) = bad_field(&[&row]);
        match err {
            Esc50Error::BadField { line, column, .. } => assert_eq!((line, column), (3, "fold")),
            e => panic!("fold {fold}: unexpected error {e}"),
        }
    }
}

#[test]
fn bad_target_and_bad_esc10_flag_are_errors() {
    for (row, column) in [
        ("a.wav,1,50,dog,False,1,A", "target"),
        ("a.wav,1,-3,dog,False,1,A", "target"),
        ("a.wav,1,dog,dog,False,1,A", "target"),
        ("a.wav,1,0,dog,maybe,1,A", "esc10"),
        // esc10 True for a class outside ESC-10 (2 is pig).
        ("a.wav,1,2,pig,True,1,A", "esc10"),
    ] {
        let (err, _) = bad_field(&[row]);
        match err {
            Esc50Error::BadField {
                line: 2, column: c, ..
            } => assert_eq!(c, column, "{row}"),
            e => panic!("{row}: unexpected error {e}"),
        }
    }
}

#[test]
fn file_names_with_paths_or_duplicates_are_rejected() {
    for rows in [
        &["../secret.wav,1,0,dog,True,1,A"][..],
        &["a/b.wav,1,0,dog,True,1,A"],
        &["a.wav,1,0,dog,True,1,A", "a.wav,2,0,dog,True,1,B"],
    ] {
        let (err, _) = bad_field(rows);
        assert!(
            matches!(
                err,
                Esc50Error::BadField {
                    column: "filename",
                    ..
                }
            ),
            "{err}"
        );
    }
}

#[test]
fn empty_csv_and_ragged_rows_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = put_csv(dir.path(), HEADER, &[]);
    assert!(matches!(
        Metadata::load(&path).unwrap_err(),
        Esc50Error::EmptyMetadata { .. }
    ));
    let path = put_csv(dir.path(), HEADER, &["a.wav,1,0,dog,True,1,A", "b.wav,1,0"]);
    let err = Metadata::load(&path).unwrap_err();
    assert!(
        matches!(err, Esc50Error::Csv { line: Some(3), .. }),
        "{err}"
    );
    assert_names(&err, &path);
    let absent = dir.path().join("absent.csv");
    let err = Metadata::load(&absent).unwrap_err();
    assert!(matches!(err, Esc50Error::Io { .. }), "{err}");
    assert_names(&err, &absent);
}

/// A root with 8 clips (folds 1 and 2, half of them ESC-10) where only `present` exist.
fn small_root(present: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    put_csv(
        dir.path(),
        HEADER,
        &[
            "1-1-A-0.wav,1,0,dog,True,1,A",
            "1-2-A-2.wav,1,2,pig,False,2,A",
            "1-3-A-41.wav,1,41,chainsaw,True,3,A",
            "1-4-A-3.wav,1,3,cow,False,4,A",
            "2-5-A-10.wav,2,10,rain,True,5,A",
            "2-6-A-4.wav,2,4,frog,False,6,A",
            "2-7-A-1.wav,2,1,rooster,True,7,A",
            "2-8-A-5.wav,2,5,cat,False,8,A",
        ],
    );
    for name in present {
        std::fs::write(dir.path().join("audio").join(name), b"").unwrap();
    }
    dir
}

#[test]
fn missing_files_are_an_error_naming_count_and_first_files() {
    let root = small_root(&["1-1-A-0.wav"]);
    let err = Esc50::open(root.path(), &Selection::default()).unwrap_err();
    let msg = err.to_string();
    match err {
        Esc50Error::MissingAudio {
            count,
            selected,
            first,
            ..
        } => {
            assert_eq!((count, selected), (7, 8));
            assert_eq!(
                first,
                [
                    "1-2-A-2.wav",
                    "1-3-A-41.wav",
                    "1-4-A-3.wav",
                    "2-5-A-10.wav",
                    "2-6-A-4.wav"
                ]
            );
        }
        e => panic!("unexpected error {e}"),
    }
    assert!(
        msg.contains("7 of 8") && msg.contains("1-2-A-2.wav") && msg.ends_with("skip them"),
        "{msg}"
    );
    assert!(msg.contains(", ...)"), "{msg}");
}

#[test]
fn esc10_mode_and_allow_missing_skip_absent_files_with_a_count() {
    let root = small_root(&["1-1-A-0.wav", "1-3-A-41.wav", "2-7-A-1.wav", "1-2-A-2.wav"]);
    let set = Esc50::open(root.path(), &Selection::esc10(&[])).unwrap();
    let names: Vec<_> = set.clips.iter().map(|c| c.filename.as_str()).collect();
    assert_eq!(names, ["1-1-A-0.wav", "1-3-A-41.wav", "2-7-A-1.wav"]);
    assert_eq!(set.missing, ["2-5-A-10.wav"]);
    let labels: Vec<_> = set.clips.iter().map(|c| set.label(c)).collect();
    assert_eq!(labels, [0, 9, 1]);
    assert_eq!(
        set.audio_path(&set.clips[0]),
        root.path().join("audio/1-1-A-0.wav")
    );

    let fold2 = Esc50::open(root.path(), &Selection::esc10(&[2])).unwrap();
    assert_eq!((fold2.clips.len(), fold2.missing.len()), (1, 1));

    let sel = Selection {
        folds: vec![1],
        esc10_only: false,
        allow_missing: true,
    };
    let set = Esc50::open(root.path(), &sel).unwrap();
    assert_eq!((set.clips.len(), set.missing.len()), (3, 1));
    assert_eq!(set.label(&set.clips[1]), 2); // ESC-50 target, not an ESC-10 label
}

#[test]
fn folds_outside_1_to_5_are_refused_and_esc10_labels_map_targets() {
    let root = small_root(&[]);
    let err = Esc50::open(root.path(), &Selection::esc10(&[1, 6])).unwrap_err();
    assert!(matches!(err, Esc50Error::BadFold { fold: 6 }), "{err}");
    let labels: Vec<_> = ESC10_TARGETS
        .iter()
        .map(|&t| esc10_label(t).unwrap())
        .collect();
    assert_eq!(labels, (0..10).collect::<Vec<u8>>());
    assert_eq!(esc10_label(49), None);
}
