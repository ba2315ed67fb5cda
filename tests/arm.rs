//! ARM JSON specifics that the per-rule fixtures do not show.

mod common;

use std::path::Path;

#[test]
fn compiled_json_next_to_its_bicep_source_is_skipped() {
    std::env::set_current_dir(common::root()).unwrap();
    let a = common::analyze_dir(Path::new("tests/arm/bicep-pair"));
    let json_findings: Vec<_> = a
        .findings
        .iter()
        .filter(|f| a.sources.get(f.primary.file).display.ends_with("main.json"))
        .collect();
    assert!(json_findings.is_empty(), "{}", common::human(&a));
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("main.json") && n.contains("skipped")),
        "{:?}",
        a.notes
    );
    // The same JSON alone is analyzed.
    let alone = common::analyze_dir(Path::new("tests/fixtures/ACR003/bad-arm-nested"));
    assert!(alone.findings.iter().any(|f| f.rule.code == "ACR003"));
}

#[test]
fn parameter_files_given_with_the_flag_apply_to_every_template() {
    std::env::set_current_dir(common::root()).unwrap();
    let dir = Path::new("tests/fixtures/ACR002/good-arm-unknown-parameter");
    let mut config = acrlint::config::Config::default();
    config
        .parameter_files
        .push("tests/fixtures/ACR002/bad-arm-parameter-file/azuredeploy.parameters.json".into());
    let a = common::analyze_paths(&[dir.to_path_buf()], &config);
    let f = a
        .findings
        .iter()
        .find(|f| f.rule.code == "ACR002")
        .expect("the parameter file decides");
    assert!(
        f.secondary
            .iter()
            .any(|l| l.message.contains("azuredeploy.parameters.json")),
        "{}",
        common::human(&a)
    );
}
