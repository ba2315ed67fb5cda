//! Every `.bicep` file under `../shared/corpus/` parses without LINT001 and without panic.
//! Skips cleanly when the corpus is absent.

mod common;

use std::path::{Path, PathBuf};

use acrlint::config::Config;

/// Files that are invalid upstream on purpose (none so far), with the reason.
const INVALID_UPSTREAM: &[(&str, &str)] = &[];

fn bicep_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            bicep_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "bicep") {
            out.push(p);
        }
    }
}

#[test]
fn every_corpus_bicep_file_parses() {
    let Some(corpus) = common::corpus() else {
        eprintln!("../shared/corpus is absent: skipped");
        return;
    };
    let mut files = Vec::new();
    bicep_files(&corpus, &mut files);
    assert!(!files.is_empty(), "no .bicep files in the corpus");
    let a = common::analyze_paths(&files, &Config::default());
    let failures: Vec<String> = a
        .findings
        .iter()
        .filter(|f| f.rule.code == "LINT001")
        .map(|f| {
            let file = a.sources.get(f.primary.file);
            (file, f)
        })
        .filter(|(file, _)| {
            !INVALID_UPSTREAM
                .iter()
                .any(|(p, _)| file.path.to_string_lossy().ends_with(p))
        })
        .map(|(file, f)| {
            let lc = file.line_col(f.primary.start as usize);
            format!("{}:{}:{}: {}", file.display, lc.line, lc.column, f.message)
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} files have LINT001:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
