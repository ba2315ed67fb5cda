//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use acrlint::config::Config;
use acrlint::{Analysis, Workspace, analyze};

/// Analyze paths (relative to the crate root) with a config.
pub fn analyze_paths(paths: &[PathBuf], config: &Config) -> Analysis {
    let ws = Workspace::from_paths(paths, config).expect("workspace");
    analyze(&ws, config)
}

/// Analyze one folder, with its `acrlint.toml` when it has one.
pub fn analyze_dir(dir: &Path) -> Analysis {
    let config = match Config::discover(dir) {
        Some(p) if p.starts_with(std::path::absolute(dir).unwrap()) => Config::load(&p).unwrap(),
        _ => Config::default(),
    };
    analyze_paths(&[dir.to_path_buf()], &config)
}

/// Human output without colour, for snapshots.
pub fn human(a: &Analysis) -> String {
    acrlint::report::render(a, acrlint::report::Format::Human, false)
}

/// The crate's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/corpus`, when it is there.
pub fn corpus() -> Option<PathBuf> {
    let p = root().join("../shared/corpus");
    p.is_dir().then_some(p)
}

/// Every file below `dir` with one of the extensions, sorted.
pub fn files_with(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_with(&p, extensions, out);
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e))
        {
            out.push(p);
        }
    }
}
