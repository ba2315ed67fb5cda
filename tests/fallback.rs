//! The compiled fallback: a `.bicep` file that cannot be used (a syntax error, a module that
//! cannot be followed) has the `main.json` Bicep compiled from it checked instead, with a
//! note saying so; never both. And the human summary says how many registry modules were
//! not followed, without `-v`.

mod common;

use std::path::Path;
use std::process::Command;

use acrlint::Analysis;
use acrlint::config::Config;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn analyze(root: &Path) -> Analysis {
    common::analyze_paths(&[root.to_path_buf()], &Config::default())
}

/// The findings as `CODE file`, sorted.
fn found(a: &Analysis) -> Vec<String> {
    let mut v: Vec<String> = a
        .findings
        .iter()
        .map(|f| {
            let file = a.sources.get(f.primary.file);
            let name = Path::new(&file.display).file_name().unwrap();
            format!("{} {}", f.rule.code, name.to_string_lossy())
        })
        .collect();
    v.sort();
    v
}

/// A template as `bicep build` writes it: a registry with the admin user on.
const COMPILED: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "metadata": { "_generator": { "name": "bicep", "version": "0.30.23.60470" } },
  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "acrcompiled",
      "location": "westeurope",
      "sku": { "name": "Premium" },
      "properties": { "adminUserEnabled": true }
    }
  ]
}
"#;

/// The same registry in Bicep.
const GOOD_BICEP: &str = "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'acrcompiled'
  location: 'westeurope'
  sku: { name: 'Premium' }
  properties: { adminUserEnabled: true }
}
";

fn messages<'a>(a: &'a Analysis, code: &str) -> Vec<&'a str> {
    a.findings
        .iter()
        .filter(|f| f.rule.code == code)
        .map(|f| f.message.as_str())
        .collect()
}

/// A folder with a `main.bicep` that does not parse and the `main.json` compiled from it.
fn broken_bicep_beside_its_compiled_template() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.bicep",
        "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n  name: 'x'\n  properties: {\n",
    );
    write(dir.path(), "main.json", COMPILED);
    dir
}

#[test]
fn broken_bicep_has_its_compiled_template_checked_with_a_note() {
    let dir = broken_bicep_beside_its_compiled_template();
    let a = analyze(dir.path());
    let f = found(&a);
    assert!(f.contains(&"LINT001 main.bicep".to_string()), "{f:?}");
    assert!(f.contains(&"ACR002 main.json".to_string()), "{f:?}");
    assert!(
        messages(&a, "LINT001")
            .iter()
            .any(|n| n.ends_with("; main.json, compiled from it, was checked instead")),
        "{:?}",
        messages(&a, "LINT001")
    );
}

#[test]
fn usable_bicep_keeps_the_findings_and_its_compiled_template_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.bicep", GOOD_BICEP);
    write(dir.path(), "main.json", COMPILED);
    let a = analyze(dir.path());
    let f = found(&a);
    assert!(f.contains(&"ACR002 main.bicep".to_string()), "{f:?}");
    assert!(f.iter().all(|x| !x.ends_with("main.json")), "{f:?}");
    assert!(f.iter().all(|x| !x.starts_with("LINT")), "{f:?}");
}

#[test]
fn bicep_calling_an_uncached_registry_module_falls_back_never_both() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    // The registry is declared in the .bicep too: only one of the two may report it.
    write(
        dir.path(),
        "main.bicep",
        &format!(
            "{GOOD_BICEP}\nmodule registry 'br/public:avm/res/container-registry/registry:0.6.0' = {{\n  name: 'reg'\n  params: {{ name: 'acrcompiled', acrAdminUserEnabled: true }}\n}}\n"
        ),
    );
    write(dir.path(), "main.json", COMPILED);
    // An empty Bicep cache in HOME: the module is not restored.
    let out = Command::new(env!("CARGO_BIN_EXE_acrlint"))
        .args(["check", "--no-config", "--format", "json"])
        .arg(dir.path())
        .env("HOME", home.path())
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let mut f: Vec<String> = findings
        .iter()
        .map(|f| {
            let path = Path::new(f["path"].as_str().unwrap());
            let name = path.file_name().unwrap().to_string_lossy();
            format!("{} {name}", f["code"].as_str().unwrap())
        })
        .collect();
    f.sort();
    assert!(f.contains(&"LINT003 main.bicep".to_string()), "{f:?}");
    assert!(f.contains(&"ACR002 main.json".to_string()), "{f:?}");
    assert!(
        f.iter()
            .all(|x| x.starts_with("LINT") || x.ends_with("main.json")),
        "{f:?}"
    );
    let lint003 = findings.iter().find(|f| f["code"] == "LINT003").unwrap();
    assert!(
        lint003["message"]
            .as_str()
            .unwrap()
            .ends_with("; main.json, compiled from it, was checked instead"),
        "{lint003}"
    );
}

#[test]
fn broken_bicep_without_compiled_template_is_only_its_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.bicep", "resource acr 'x@1' = {\n");
    let a = analyze(dir.path());
    assert_eq!(found(&a), vec!["LINT001 main.bicep".to_string()]);
    assert!(
        messages(&a, "LINT001")
            .iter()
            .all(|n| !n.contains("compiled"))
    );
}

#[test]
fn human_summary_counts_registry_modules_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        r#"module "acr" {
  source  = "Azure/avm-res-containerregistry-registry/azurerm"
  version = "0.4.0"
}
module "acr2" {
  source  = "Azure/avm-res-containerregistry-registry/azurerm"
  version = "0.4.0"
}
"#,
    );
    write(
        dir.path(),
        "infra/main.bicep",
        "module registry 'br/public:avm/res/container-registry/registry:0.6.0' = {\n  name: 'reg'\n  params: { name: 'acr' }\n}\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_acrlint"))
        .args(["check", "--no-config", "--format", "human"])
        .arg(dir.path())
        .env("HOME", home.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("3 registry modules not followed (not in the local module cache: run `terraform init -backend=false` / `bicep restore`; LINT003 lists them)"),
        "{stdout}"
    );
    // Without any: no such line.
    let clean = tempfile::tempdir().unwrap();
    write(clean.path(), "main.bicep", GOOD_BICEP);
    let out = Command::new(env!("CARGO_BIN_EXE_acrlint"))
        .args(["check", "--no-config", "--format", "human"])
        .arg(clean.path())
        .env("HOME", home.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("not followed"), "{stdout}");
}

#[test]
fn missing_local_module_falls_back_and_says_so_without_verbose() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.bicep",
        &format!("{GOOD_BICEP}\nmodule net './network.bicep' = {{\n  name: 'net'\n}}\n"),
    );
    write(dir.path(), "main.json", COMPILED);
    let out = Command::new(env!("CARGO_BIN_EXE_acrlint"))
        .args(["check", "--no-config", "--format", "human"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("main.json:"), "{stdout}");
    assert!(!stdout.contains("main.bicep:"), "{stdout}");
    assert!(
        stderr.contains(
            "main.bicep: a module it calls could not be followed; main.json, compiled from it, was checked instead"
        ),
        "{stderr}"
    );
}

#[test]
fn checking_only_the_broken_bicep_reports_its_compiled_template() {
    // `acrlint check main.bicep` (what pre-commit runs on a staged file): the compiled
    // template checked in its place reports for it, though it was not named.
    let dir = broken_bicep_beside_its_compiled_template();
    write(
        dir.path(),
        "other.json",
        &COMPILED.replace("acrcompiled", "other"),
    );
    let config = Config::default();
    let ws = acrlint::Workspace::project(&[dir.path().join("main.bicep")], &config).unwrap();
    let a = acrlint::analyze(&ws, &config);
    let f = found(&a);
    assert!(f.contains(&"LINT001 main.bicep".to_string()), "{f:?}");
    assert!(f.contains(&"ACR002 main.json".to_string()), "{f:?}");
    // A template beside it that is not its compiled form stays outside the selection.
    assert!(!f.iter().any(|x| x.ends_with("other.json")), "{f:?}");
}
