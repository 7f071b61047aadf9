//! `idbooth config validate` on the shipped file and on broken files, through the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

fn validate(text: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_idbooth"))
        .args(["config", "validate"])
        .arg(&path)
        .env_remove("IDBOOTH_CONFIG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&path.display().to_string(), "FILE");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

#[test]
fn shipped_kiosk_toml_is_valid() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk.toml");
    let text = std::fs::read_to_string(shipped).unwrap();
    let (code, stdout, stderr) = validate(&text);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("ok — booth booth-1, profile campus_card (358x441 px, 350 dpi)"),
        "{stdout}"
    );
}

#[test]
fn broken_files_name_file_line_column_and_key() {
    let cases = [
        (
            "[camera]\nfps = 30\nwatchdg_ms = 10\n",
            "FILE:3:1: camera.watchdg_ms: unknown field",
        ),
        ("[camera]\nfps = \"fast\"\n", "FILE:2:7: camera.fps: "),
        (
            "[kiosk]\nidle_timeout_secs = 5\n",
            "FILE:2:1: kiosk.idle_timeout_secs: must be between 10 and 3600 (got 5)",
        ),
        (
            "[ui]\nscale = 1.0\nscale = 1.5\n",
            "FILE:3:1: ui.scale: duplicate key",
        ),
        (
            "[profiles.chsi]\ndpi = 10\n",
            "FILE:2:1: profiles.chsi.dpi: must be between 72 and 1200",
        ),
        (
            "[capture]\nprofile = \"passport\"\n",
            "FILE:2:1: capture.profile: must be one of: campus_card, chsi",
        ),
        ("[print\nlayout = 1\n", "FILE:1:"),
    ];
    for (text, expected) in cases {
        let (code, _, stderr) = validate(text);
        assert_eq!(code, 2, "{text:?} gave {stderr}");
        assert!(
            stderr.starts_with(expected),
            "{text:?}: expected {expected:?}, got {stderr:?}"
        );
    }
}

#[test]
fn broken_config_stops_other_commands_and_touches_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(&config, "[camera]\nsource = \"\"\n").unwrap();
    let data = dir.path().join("data");
    let out = Command::new(env!("CARGO_BIN_EXE_idbooth"))
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .args(["kiosk", "--windowed"])
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(":2:1: camera.source: must be"), "{stderr}");
    assert!(
        !data.exists(),
        "a broken configuration must not create the data dir"
    );
}

#[test]
fn help_lists_the_commands() {
    let out = Command::new(env!("CARGO_BIN_EXE_idbooth"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for command in [
        "kiosk", "staff", "check", "process", "enroll", "records", "export", "print", "roster",
        "config", "eval",
    ] {
        assert!(help.contains(command), "--help lacks {command}:\n{help}");
    }
}
