//! The command line as a user runs it: exit codes, JSON shape, config errors, stdin.

use assert_cmd::Command;
use predicates::prelude::*;

fn acrlint() -> Command {
    let mut c = Command::cargo_bin("acrlint").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

#[test]
fn samples_give_findings_with_exact_lines_and_exit_1() {
    let out = acrlint()
        .args(["check", "samples/terraform", "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["version"], 1);
    let findings = v["findings"].as_array().unwrap();
    let acr003 = findings
        .iter()
        .find(|f| f["code"] == "ACR003")
        .expect("ACR003");
    assert_eq!(acr003["path"], "samples/terraform/registry-dev.tf");
    assert_eq!(acr003["line"], 8);
    assert_eq!(acr003["column"], 25);
    assert_eq!(acr003["end_line"], 8);
    assert_eq!(acr003["end_column"], 45);
    assert_eq!(acr003["severity"], "warning");
    assert_eq!(acr003["name"], "registry-sku-not-premium");
    assert_eq!(acr003["resource"], "azurerm_container_registry.dev");
    let related = &acr003["related"][0];
    assert_eq!(related["path"], "samples/terraform/variables.tf");
    assert_eq!(related["line"], 15);
    // Every finding has exactly the documented keys.
    let keys = [
        "code",
        "name",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "resource",
        "related",
    ];
    for f in findings {
        let obj = f.as_object().unwrap();
        assert_eq!(obj.len(), keys.len(), "{obj:?}");
        for k in keys {
            assert!(obj.contains_key(k), "missing {k}");
        }
    }
    assert_eq!(v["summary"]["findings"], findings.len());
    assert!(v["summary"]["files_scanned"].as_u64().unwrap() >= 7);
    // The hardened production registry has no finding.
    assert!(
        findings
            .iter()
            .all(|f| f["resource"] != "azurerm_container_registry.prod")
    );
}

#[test]
fn fail_on_controls_the_exit_code() {
    acrlint()
        .args([
            "check",
            "tests/fixtures/NET001/good-terraform-whole-chain",
            "--fail-on",
            "warning",
        ])
        .assert()
        .code(0);
    acrlint()
        .args([
            "check",
            "tests/fixtures/NET001/good-terraform-whole-chain",
            "--fail-on",
            "note",
        ])
        .assert()
        .code(1);
    acrlint()
        .args([
            "check",
            "tests/fixtures/ACR002/bad-terraform",
            "--fail-on",
            "never",
        ])
        .assert()
        .code(0);
}

#[test]
fn a_broken_file_does_not_stop_the_others() {
    acrlint()
        .args([
            "check",
            "tests/fixtures/LINT001/bad-terraform-syntax",
            "--color",
            "never",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[LINT001]"))
        .stdout(predicate::str::contains("broken.tf:3:10"))
        .stdout(predicate::str::contains("error[ACR001]"))
        .stdout(predicate::str::contains("ok.tf"));
}

#[test]
fn unknown_variable_yields_no_finding() {
    acrlint()
        .args([
            "check",
            "tests/fixtures/ACR003/good-terraform-unknown-variable",
            "--format",
            "json",
        ])
        .assert()
        .stdout(predicate::str::contains("\"ACR003\"").not());
}

#[test]
fn config_errors_name_the_key_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("acrlint.toml"),
        "fail_on = \"note\"\n[rules]\nACR002 = \"off\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("main.tf"), "").unwrap();
    acrlint()
        .args(["check"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fail_on"));
}

#[test]
fn config_levels_apply() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("acrlint.toml"),
        "[rules]\nACR002 = \"off\"\nACR001 = \"note\"\nNET001 = \"off\"\n",
    )
    .unwrap();
    std::fs::copy(
        "tests/fixtures/ACR002/bad-terraform/main.tf",
        dir.path().join("main.tf"),
    )
    .unwrap();
    let out = acrlint()
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"ACR002"), "{codes:?}");
    assert_eq!(out.status.code(), Some(0), "only notes remain: {codes:?}");
}

#[test]
fn config_value_errors_show_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("acrlint.toml"),
        "[rules]\nACR002 = \"loud\"\n",
    )
    .unwrap();
    acrlint()
        .args(["check"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("acrlint.toml:2:10"))
        .stderr(predicate::str::contains("ACR002 = \"loud\""));
}

#[test]
fn usage_errors_exit_2() {
    acrlint()
        .args(["check", "--format", "xml"])
        .assert()
        .code(2);
    acrlint().args(["check", "does/not/exist"]).assert().code(2);
    acrlint().args(["explain", "NOPE999"]).assert().code(2);
}

#[test]
fn rules_and_explain() {
    acrlint()
        .args(["rules"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ACR002"))
        .stdout(predicate::str::contains("registry-admin-user-enabled"));
    acrlint()
        .args(["explain", "acr002"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "# ACR002 registry-admin-user-enabled",
        ));
    acrlint()
        .args(["explain", "registry-sku-not-premium"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("# ACR003"));
}

#[test]
fn var_file_overrides_tfvars() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "variable \"sku\" {\n  default = \"Premium\"\n}\nresource \"azurerm_container_registry\" \"a\" {\n  name = \"a\"\n  sku  = var.sku\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("terraform.tfvars"), "sku = \"Premium\"\n").unwrap();
    std::fs::write(dir.path().join("dev.tfvars"), "sku = \"Basic\"\n").unwrap();
    let run = |extra: &[&str]| {
        let out = acrlint()
            .args(["check", "--format", "json"])
            .arg(dir.path())
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(!run(&[]).contains("ACR003"));
    let var_file = dir.path().join("dev.tfvars");
    let with = run(&["--var-file", var_file.to_str().unwrap()]);
    assert!(with.contains("ACR003"), "{with}");
    assert!(with.contains("dev.tfvars"), "{with}");
}
