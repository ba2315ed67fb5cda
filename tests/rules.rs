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

/// A config that turns a rule on at its own severity (for the rules off by default).
fn turned_on(meta: &acrlint::rules::RuleMeta) -> acrlint::config::Config {
    acrlint::config::Config::parse(
        &format!("[rules]\n{} = \"{}\"\n", meta.code, meta.severity.as_str()),
        Path::new("acrlint.toml"),
    )
    .unwrap()
}

#[test]
fn rules_off_by_default_are_silent_until_turned_on() {
    std::env::set_current_dir(common::root()).unwrap();
    let off: Vec<_> = ALL.iter().filter(|r| !r.meta.on_by_default()).collect();
    let codes: Vec<&str> = off.iter().map(|r| r.meta.code).collect();
    // Content trust is retired by the registry service; zone redundancy is resilience.
    assert_eq!(codes, ["ACR007", "ACR009"]);
    for rule in off {
        let code = rule.meta.code;
        for (name, path) in cases(code)
            .into_iter()
            .filter(|(n, _)| n.starts_with("bad"))
        {
            let a = common::analyze_dir(&path);
            assert!(
                a.findings.iter().all(|f| f.rule.code != code),
                "{code}/{name} fired while off by default"
            );
            let on = common::analyze_paths(std::slice::from_ref(&path), &turned_on(&rule.meta));
            assert!(
                on.findings.iter().any(|f| f.rule.code == code),
                "{code}/{name} did not fire when turned on"
            );
        }
    }
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
            let a = if rule.meta.on_by_default() {
                common::analyze_dir(&path)
            } else {
                common::analyze_paths(std::slice::from_ref(&path), &turned_on(&rule.meta))
            };
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
