//! `idbooth check` and `idbooth eval` command logic with the real vision models on fixture photos.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures (house style)

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use idbooth::cli::check::{self, CheckOptions, EXIT_UNREADABLE};
use idbooth::cli::eval::{self, EvalOptions};
use idbooth::core::checks::CheckThresholds;
use idbooth::core::spec::builtin_profiles;
use idbooth::vision::Vision;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/faces").join(name)
}

fn vision() -> Vision {
    Vision::load(&root().join("assets/models")).unwrap()
}

#[test]
fn check_prints_one_json_line_per_file_and_exits_2_on_unreadable_files() {
    let dir = tempfile::tempdir().unwrap();
    let files = vec![
        fixture("good_london_045_neutral.jpg"),
        dir.path().join("missing.jpg"),
        fixture("derived/bad_grayscale_london_006.jpg"),
        fixture("bad_pixabay_autumn_road_no_face.jpg"),
        fixture("bad_pixabay_fox_no_face.jpg"),
    ];
    let options = CheckOptions {
        spec: builtin_profiles().remove(0),
        thresholds: CheckThresholds::default(),
        json: true,
    };
    let mut out = Vec::new();
    let summary = check::run(&mut vision(), &options, &files, &mut out).unwrap();
    assert_eq!(
        (summary.passed, summary.failed, summary.unreadable),
        (1, 3, 1)
    );
    assert_eq!(summary.exit_code(), EXIT_UNREADABLE);

    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    let good = &lines[0];
    assert_eq!(good["verdict"], "pass");
    assert_eq!(good["faces"], 1);
    assert!(good["face"]["ied_px"].as_f64().unwrap() > 150.0, "{good}");
    assert_eq!(good["face"]["box"].as_array().unwrap().len(), 4);
    assert!(good["ms"].as_f64().unwrap() > 0.0);
    assert!(lines[1]["error"].as_str().unwrap().contains("missing.jpg"));
    assert_eq!(lines[2]["verdict"], "fail");
    assert_eq!(lines[2]["failures"], serde_json::json!(["grayscale"]));
    let no_face = &lines[3];
    assert_eq!(no_face["failures"], serde_json::json!(["no_face"]));
    assert!(no_face["face"].is_null());
    assert_eq!(no_face["faces"], 0);
    // An animal face is no face (whether the detector skips it or the mesh rejects it).
    let fox = &lines[4];
    assert_eq!(fox["failures"], serde_json::json!(["no_face"]), "{fox}");
    assert!(fox["face"].is_null(), "{fox}");
}

#[test]
fn eval_counts_each_label() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("MANIFEST.tsv");
    let rows = [
        ("good_london_045_neutral.jpg", "good_id_photo"),
        ("derived/bad_grayscale_london_006.jpg", "bad:grayscale"),
        // Labelled with a wrong reason on purpose: rejected, but not for the labelled reason.
        ("derived/bad_tilted_12deg_london_012.jpg", "bad:eyes_closed"),
        (
            "derived/bad_busy_bg_forest_london_045.jpg",
            "bad:busy_background",
        ),
        ("nowhere.jpg", "good_id_photo"),
    ];
    let mut text = String::from("file\tdescription\texpected\n");
    for (file, expected) in rows {
        let path = fixture(file);
        writeln!(text, "{}\tsome words\t{expected}", path.display()).unwrap();
    }
    std::fs::write(&manifest, text).unwrap();
    let options = EvalOptions {
        spec: builtin_profiles().remove(0),
        thresholds: CheckThresholds::default(),
    };
    let mut out = Vec::new();
    let summary = eval::run(&mut vision(), &options, &manifest, &mut out).unwrap();
    assert_eq!((summary.good_total, summary.good_accepted), (1, 1));
    assert_eq!((summary.bad_total, summary.bad_flagged), (3, 2));
    assert_eq!(summary.unreadable, 1);
    let wrong = summary.per_label["bad:eyes_closed"];
    assert_eq!((wrong.rows, wrong.other_reason), (1, 1));
    let printed = String::from_utf8(out).unwrap();
    assert!(printed.contains("expected label"), "{printed}");
    assert!(
        printed.contains("FlaggedOtherReason") && printed.contains("bad_tilted_12deg"),
        "{printed}"
    );
    assert!(printed.contains("good 1/1 accepted"), "{printed}");
}
