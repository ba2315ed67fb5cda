//! Every `.bicep` file under `../shared/corpus/` parses without LINT001 and without panic.
//! Skips cleanly when the corpus is absent.

mod common;

use acrlint::config::Config;

/// Files that are invalid upstream on purpose (none so far), with the reason.
const INVALID_UPSTREAM: &[(&str, &str)] = &[];

#[test]
fn every_corpus_bicep_file_parses() {
    let Some(corpus) = common::corpus() else {
        eprintln!("../shared/corpus is absent: skipped");
        return;
    };
    let mut files = Vec::new();
    common::files_with(&corpus, &["bicep"], &mut files);
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
