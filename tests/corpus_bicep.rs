//! Every `.bicep` file under `../shared/corpus/` parses without LINT001 and without panic;
//! the compiler's valid baselines give the findings of their compiled templates.
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

/// Baselines whose `main.bicep` and compiled `main.json` give different findings today,
/// with the difference. Kept exact: a new difference, or one fixed, fails the test.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[(
    "AKS_LF/main.json",
    "the same AKS001, but the resource is named by its symbol (`aks`) in Bicep and by type \
     and name in the compiled template, which keeps no symbols",
)];

/// Each valid baseline of the Bicep compiler (`main.bicep`, with the compiler's
/// `main.json` and `main.symbolicnames.json` beside it) gives the findings of its
/// compiled templates: code, resource and message.
#[test]
fn baselines_agree_with_their_compiled_json() {
    let Some(corpus) = common::corpus() else {
        eprintln!("../shared/corpus is absent: skipped");
        return;
    };
    let baselines = corpus.join("bicep/src/Bicep.Core.Samples/Files/baselines");
    let Ok(entries) = std::fs::read_dir(&baselines) else {
        eprintln!("no Bicep baselines in the corpus: skipped");
        return;
    };
    let mut dirs: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    dirs.sort();
    // `main.bicep` is checked as `acrlint check main.bicep` checks it: in its project, so
    // that when its registry modules are in no cache its compiled template is checked in
    // its place (the LINT003 notes of that fallback say what the `.bicep` calls, not what
    // is deployed: they are set aside). A compiled template is checked alone (in the
    // project it would be skipped as compiled from the `.bicep`).
    let findings = |p: &std::path::Path| {
        let config = Config::default();
        let paths = [p.to_path_buf()];
        let ws = if p.extension().is_some_and(|e| e == "bicep") {
            acrlint::Workspace::project(&paths, &config)
        } else {
            acrlint::Workspace::from_paths(&paths, &config)
        };
        let mut a = acrlint::analyze(&ws.expect("workspace"), &config);
        a.findings.retain(|f| {
            !(f.rule.code == "LINT003" && f.message.ends_with(", was checked instead"))
        });
        let mut f: Vec<String> = a
            .findings
            .iter()
            .map(|f| {
                format!(
                    "{} {} {}",
                    f.rule.code,
                    f.resource.as_deref().unwrap_or("-"),
                    f.message
                )
            })
            .collect();
        f.sort();
        f
    };
    let mut compared = 0;
    let mut differ = Vec::new();
    for dir in dirs {
        let bicep = dir.join("main.bicep");
        if !bicep.is_file() || !dir.join("main.json").is_file() {
            continue;
        }
        compared += 1;
        let b = findings(&bicep);
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!b.iter().any(|f| f.starts_with("LINT001")), "{name}: {b:?}");
        for compiled in ["main.json", "main.symbolicnames.json"] {
            let json = dir.join(compiled);
            if !json.is_file() {
                continue;
            }
            let j = findings(&json);
            if b != j {
                differ.push((format!("{name}/{compiled}"), b.clone(), j));
            }
        }
    }
    assert!(compared >= 39, "only {compared} baselines compared");
    let names: Vec<&str> = differ.iter().map(|(n, _, _)| n.as_str()).collect();
    let known: Vec<&str> = KNOWN_DIFFERENCES.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        known,
        "findings of main.bicep and main.json:\n{}",
        differ
            .iter()
            .map(|(n, b, j)| format!("{n}:\n  bicep: {b:?}\n  json:  {j:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
