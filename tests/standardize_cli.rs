//! `idbooth process` end to end through `cli::process::run`: JSON lines per file, photos written only
//! when compliant, unreadable files reported without stopping the batch, exit code 2 at the end.

use std::path::{Path, PathBuf};

use idbooth::cli::process::{EXIT_FILE_ERRORS, EXIT_OK, ProcessArgs, ProcessError, run};
use idbooth::core::spec::{DEFAULT_PROFILE, builtin_profiles};
use idbooth::vision::Vision;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/faces")
        .join(name)
}

fn vision() -> Vision {
    Vision::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models"))
        .unwrap_or_else(|error| panic!("models: {error}"))
}

fn args(out_dir: &Path, files: Vec<PathBuf>) -> ProcessArgs {
    ProcessArgs {
        profile: Some("chsi".into()),
        background: Some("white".into()),
        json: true,
        out_dir: out_dir.to_path_buf(),
        files,
    }
}

#[test]
fn batch_writes_compliant_photos_and_reports_every_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("out");
    let broken = dir.path().join("broken.jpg");
    std::fs::write(&broken, b"\xFF\xD8\xFF not really a jpeg").expect("write");
    let files = vec![
        fixture("good_london_045_neutral.jpg"),
        broken.clone(),
        fixture("bad_pixabay_autumn_road_no_face.jpg"),
    ];
    let mut out = Vec::new();
    let code = run(
        &args(&out_dir, files),
        &builtin_profiles(),
        DEFAULT_PROFILE,
        &mut vision(),
        &mut out,
    )
    .expect("run");
    assert_eq!(
        code, EXIT_FILE_ERRORS,
        "an unreadable file makes the exit code 2"
    );
    let text = String::from_utf8(out).expect("utf-8");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 3, "{text}");

    let good = &lines[0];
    assert_eq!(good["verdict"], "pass", "{good}");
    assert_eq!(good["width"], 480);
    assert_eq!(good["height"], 640);
    assert_eq!(good["dpi"], 300);
    let bytes = good["bytes"].as_u64().expect("bytes");
    assert!((20 * 1024..=40 * 1024).contains(&bytes), "{bytes}");
    assert!(good["jpeg_quality"].as_u64().expect("quality") >= 60);
    for key in [
        "crown_px",
        "eye_line_px",
        "face_width_px",
        "eye_mid_x_px",
        "background_delta_e",
    ] {
        assert!(good["geometry"][key].is_number(), "{key} in {good}");
    }
    let output = PathBuf::from(good["output"].as_str().expect("output path"));
    assert_eq!(output, out_dir.join("good_london_045_neutral.jpg"));
    assert_eq!(
        std::fs::metadata(&output).expect("photo written").len(),
        bytes
    );
    assert!(good["ms"].is_u64());

    assert_eq!(lines[1]["file"], broken.display().to_string());
    assert!(lines[1]["error"].is_string(), "{}", lines[1]);

    let no_face = &lines[2];
    assert_eq!(no_face["verdict"], "fail");
    assert_eq!(no_face["failures"], serde_json::json!(["no_face"]));
    assert!(no_face["output"].is_null());
    assert!(
        !out_dir.join("bad_pixabay_autumn_road_no_face.jpg").exists(),
        "no photo for a rejected capture"
    );
}

#[test]
fn readable_output_and_exit_code_zero_when_every_file_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut arguments = args(
        dir.path(),
        vec![fixture("bad_pixabay_autumn_road_no_face.jpg")],
    );
    arguments.json = false;
    let mut out = Vec::new();
    let code = run(
        &arguments,
        &builtin_profiles(),
        DEFAULT_PROFILE,
        &mut vision(),
        &mut out,
    )
    .expect("run");
    assert_eq!(code, EXIT_OK, "rejections are verdicts, not errors");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.contains("FAIL"), "{text}");
    assert!(text.contains("no face found"), "{text}");
}

#[test]
fn unknown_profile_or_background_is_an_argument_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut vision = vision();
    let mut arguments = args(dir.path(), Vec::new());
    arguments.profile = Some("passport_mars".into());
    let error = run(
        &arguments,
        &builtin_profiles(),
        DEFAULT_PROFILE,
        &mut vision,
        &mut Vec::new(),
    )
    .expect_err("profile");
    assert!(
        matches!(error, ProcessError::UnknownProfile { .. }),
        "{error}"
    );
    arguments.profile = Some("id_card".into());
    arguments.background = Some("blue".into());
    let error = run(
        &arguments,
        &builtin_profiles(),
        DEFAULT_PROFILE,
        &mut vision,
        &mut Vec::new(),
    )
    .expect_err("background");
    assert!(
        matches!(error, ProcessError::UnknownBackground { .. }),
        "{error}"
    );
    arguments.background = Some("#12ab34".into());
    assert_eq!(
        run(
            &arguments,
            &builtin_profiles(),
            DEFAULT_PROFILE,
            &mut vision,
            &mut Vec::new()
        )
        .expect("hex"),
        EXIT_OK
    );
}
