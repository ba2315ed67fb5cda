//! Per-rule fixtures: `tests/fixtures/<CODE>/bad-*/` must fire the rule (and its human output
//! is pinned by a snapshot), `tests/fixtures/<CODE>/good-*/` must not.

mod common;

use std::path::Path;

use acrlint::rules::ALL;

fn cases(code: &str) -> Vec<(String, std::path::PathBuf)> {
    let dir = Path::new("tests/fixtures").join(code);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|_| panic!("{code} has no fixtures in {}", dir.display()))
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    out.sort();
    out
}

#[test]
fn every_rule_has_bad_and_good_fixtures_and_they_behave() {
    std::env::set_current_dir(common::root()).unwrap();
    let mut failures = Vec::new();
    for rule in ALL {
        let code = rule.meta.code;
        let cases = cases(code);
        assert!(
            cases.iter().any(|(n, _)| n.starts_with("bad")),
            "{code}: no bad-* fixture"
        );
        assert!(
            cases.iter().any(|(n, _)| n.starts_with("good")),
            "{code}: no good-* fixture"
        );
        for (name, path) in cases {
            let a = common::analyze_dir(&path);
            let mine: Vec<_> = a.findings.iter().filter(|f| f.rule.code == code).collect();
            if name.starts_with("bad") {
                if mine.is_empty() {
                    failures.push(format!("{code}/{name}: expected a finding, got none"));
                    continue;
                }
                let only = acrlint::Analysis {
                    findings: mine.into_iter().cloned().collect(),
                    ..a
                };
                insta::assert_snapshot!(format!("{code}-{name}"), common::human(&only));
            } else if name.starts_with("good") && !mine.is_empty() {
                failures.push(format!(
                    "{code}/{name}: expected no finding, got:\n{}",
                    common::human(&acrlint::Analysis {
                        findings: mine.into_iter().cloned().collect(),
                        ..a
                    })
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
