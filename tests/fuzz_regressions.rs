//! Inputs the fuzzers found (`fuzz/`), kept as regression tests: each must be analyzed and
//! rendered without a panic. File names: `<target>-<what>.<ext>.bin` (raw bytes).

use acrlint::config::Config;
use acrlint::source::SourceFile;
use acrlint::{Workspace, analyze};

#[test]
fn fuzz_findings_do_not_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".bin") else {
            continue;
        };
        let ext = stem.rsplit('.').next().unwrap();
        let bytes = std::fs::read(entry.path()).unwrap();
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let path = dir.join(format!("input.{ext}"));
        let ws = Workspace {
            files: vec![SourceFile::new(path, format!("input.{ext}"), text)],
            roots: vec![dir.clone()],
            ..Workspace::default()
        };
        let a = analyze(&ws, &Config::default());
        let _ = acrlint::report::render(&a, acrlint::report::Format::Human, false);
        let _ = acrlint::report::render(&a, acrlint::report::Format::Json, false);
        let _ = acrlint::report::render(&a, acrlint::report::Format::Sarif, false);
        n += 1;
    }
    assert!(n > 0, "no regression inputs in {}", dir.display());
}
