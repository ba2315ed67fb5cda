//! Suppressions and `--fix` end to end in every format: real files on disk, read by the
//! real loaders (ARM JSON with comments and metadata, Bicep with decorators and modules,
//! Kubernetes comments and annotations).

mod common;

use std::path::Path;

use acrlint::config::Config;
use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;

/// Write `files` under a fresh folder and analyse it, with ACR010 (diagnostics, which fires
/// on every lone registry) turned off.
fn scan(files: &[(&str, &str)]) -> acrlint::Analysis {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let config = Config::parse("[rules]\nACR010 = \"off\"\n", Path::new("acrlint.toml")).unwrap();
    common::analyze_paths(&[dir.path().to_path_buf()], &config)
}

/// Codes of the findings, sorted, with the flagged text of each LINT002.
fn summary(a: &acrlint::Analysis) -> Vec<String> {
    let mut out: Vec<String> = a
        .findings
        .iter()
        .map(|f| match f.rule.code {
            "LINT002" => format!("LINT002 `{}`", a.sources.text(f.primary)),
            code => code.to_string(),
        })
        .collect();
    out.sort();
    out
}

/// Only the findings of `codes`.
fn only(a: &acrlint::Analysis, codes: &[&str]) -> Vec<String> {
    summary(a)
        .into_iter()
        .filter(|s| codes.iter().any(|c| s.starts_with(c)))
        .collect()
}

const ARM_HEAD: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
"#;

/// A Basic registry in ARM JSON: fires ACR001, ACR002, ACR003 (and NET001).
const ARM: &str = r#"  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "contosoacr",
      "location": "westeurope",
      "sku": {
        "name": "Basic"
      },
      "properties": {
        "adminUserEnabled": true,
        "publicNetworkAccess": "Enabled"
      }
    }
  ]
}
"#;

const BICEP: &str = r#"resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosoacr'
  location: 'westeurope'
  sku: {
    name: 'Basic'
  }
  properties: {
    adminUserEnabled: true
    publicNetworkAccess: 'Enabled'
  }
}
"#;

const RULES: &[&str] = &["ACR001", "ACR002", "ACR003", "LINT"];

// ---------------------------------------------------------------- ARM JSON

#[test]
fn arm_comments_above_the_resource_and_trailing_a_property() {
    let plain = scan(&[("t.json", &format!("{ARM_HEAD}{ARM}"))]);
    assert_eq!(only(&plain, RULES), ["ACR001", "ACR002", "ACR003"]);

    let text = format!("{ARM_HEAD}{ARM}")
        .replace(
            "    {\n      \"type\"",
            "    // acrlint:ignore ACR003,ACR004 cost, reviewed in SEC-42\n    {\n      \"type\"",
        )
        .replace(
            "\"adminUserEnabled\": true,",
            "\"adminUserEnabled\": true, // acrlint:ignore ACR002 build agents, until 2027",
        )
        .replace(
            "\"publicNetworkAccess\": \"Enabled\"",
            "\"publicNetworkAccess\": \"Enabled\" // acrlint:ignore ACR001",
        );
    let a = scan(&[("t.json", &text)]);
    assert_eq!(
        only(&a, RULES),
        [
            "ACR001",
            "LINT002 `ACR004`",
            "LINT002 `acrlint:ignore ACR001`"
        ],
        "ACR003 and ACR002 are suppressed; an ignore without reason suppresses nothing"
    );
}

#[test]
fn arm_comment_above_a_symbolic_resource() {
    let text = format!("{ARM_HEAD}{ARM}")
        .replace(
            "\"contentVersion\"",
            "\"languageVersion\": \"2.0\",\n  \"contentVersion\"",
        )
        .replace(
            "\"resources\": [",
            "\"resources\": {\n    // acrlint:ignore ACR002 sandbox\n    \"acr\":",
        )
        .replace("    }\n  ]\n}", "    }\n  }\n}")
        .replace("\"acr\":\n    {", "\"acr\": {");
    let a = scan(&[("t.json", &text)]);
    assert_eq!(only(&a, RULES), ["ACR001", "ACR003"], "{text}");
}

#[test]
fn arm_metadata_on_the_resource_object() {
    let text = format!("{ARM_HEAD}{ARM}").replace(
        "      \"sku\": {",
        "      \"metadata\": {\n        \"acrlint:ignore\": \"ACR002, ACR003 legacy pipeline\"\n      },\n      \"sku\": {",
    );
    let a = scan(&[("t.json", &text)]);
    assert_eq!(only(&a, RULES), ["ACR001"]);
    // Unknown and unused codes are reported at the code inside the string.
    let text = text.replace("ACR002, ACR003 legacy", "ACR002,ACR004,ACR777 legacy");
    let a = scan(&[("t.json", &text)]);
    assert_eq!(
        only(&a, RULES),
        ["ACR001", "ACR003", "LINT002 `ACR004`", "LINT002 `ACR777`"]
    );
    // Without a reason it suppresses nothing.
    let text = text.replace("ACR002,ACR004,ACR777 legacy pipeline", "ACR002");
    let a = scan(&[("t.json", &text)]);
    assert_eq!(
        only(&a, RULES),
        ["ACR001", "ACR002", "ACR003", "LINT002 `\"ACR002\"`"]
    );
}

// ---------------------------------------------------------------- Bicep

#[test]
fn bicep_comments_above_a_resource_with_decorators_and_trailing_a_property() {
    let plain = scan(&[("main.bicep", BICEP)]);
    assert_eq!(only(&plain, RULES), ["ACR001", "ACR002", "ACR003"]);

    let text = BICEP
        .replace(
            "resource acr",
            "// acrlint:ignore ACR003 cost, reviewed in SEC-42\n// (a second comment line)\n@description('the build registry')\nresource acr",
        )
        .replace(
            "adminUserEnabled: true",
            "adminUserEnabled: true // acrlint:ignore ACR002 build agents, until 2027",
        )
        .replace(
            "publicNetworkAccess: 'Enabled'",
            "publicNetworkAccess: 'Enabled' // acrlint:ignore ACR999 typo",
        );
    let a = scan(&[("main.bicep", &text)]);
    assert_eq!(only(&a, RULES), ["ACR001", "LINT002 `ACR999`"]);

    // An ignore on the line above the property covers it too; one without reason does not.
    let text = BICEP.replace(
        "    adminUserEnabled: true",
        "    // acrlint:ignore ACR002\n    adminUserEnabled: true",
    );
    let a = scan(&[("main.bicep", &text)]);
    assert_eq!(
        only(&a, RULES),
        [
            "ACR001",
            "ACR002",
            "ACR003",
            "LINT002 `acrlint:ignore ACR002`"
        ]
    );
}

#[test]
fn bicep_comment_above_a_module_call_covers_the_module_resources() {
    let module = "param registryName string\n\n".to_string()
        + &BICEP.replace("'contosoacr'", "registryName");
    let main = "// acrlint:ignore ACR002,ACR003 the module's registry is a sandbox\nmodule acrModule './modules/acr.bicep' = {\n  name: 'acr'\n  params: {\n    registryName: 'contosoacr'\n  }\n}\n";
    let plain = scan(&[
        ("main.bicep", &main.replace("// acrlint", "// not")),
        ("modules/acr.bicep", &module),
    ]);
    assert_eq!(only(&plain, RULES), ["ACR001", "ACR002", "ACR003"]);
    let a = scan(&[("main.bicep", main), ("modules/acr.bicep", &module)]);
    assert_eq!(only(&a, RULES), ["ACR001"]);
}

// ---------------------------------------------------------------- Kubernetes

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: docker.io/library/nginx:latest
        - name: side
          image: ghcr.io/org/side:1.0
"#;

#[test]
fn kubernetes_comments_above_and_trailing_an_image_line() {
    let k8s = &["K8S", "LINT"];
    let plain = scan(&[("deploy.yaml", DEPLOYMENT)]);
    assert_eq!(only(&plain, k8s), ["K8S001", "K8S001", "K8S002"]);

    let text = DEPLOYMENT
        .replace(
            "          image: docker.io",
            "          # acrlint:ignore K8S001,K8S002 vendor image, mirrored in Q3\n          image: docker.io",
        )
        .replace(
            "side:1.0",
            "side:1.0 # acrlint:ignore K8S001 trusted vendor",
        );
    let a = scan(&[("deploy.yaml", &text)]);
    assert_eq!(only(&a, k8s), Vec::<String>::new());

    // A comment above the object covers all its containers; without reason nothing.
    let text = format!(
        "# acrlint:ignore K8S001 vendor workload\n{}",
        DEPLOYMENT.replace("side:1.0", "side:1.0 # acrlint:ignore K8S002")
    );
    let a = scan(&[("deploy.yaml", &text)]);
    assert_eq!(only(&a, k8s), ["K8S002", "LINT002 `acrlint:ignore K8S002`"]);
}

#[test]
fn kubernetes_annotation_on_the_workload() {
    let k8s = &["K8S", "LINT"];
    let text = DEPLOYMENT.replace(
        "  namespace: shop\n",
        "  namespace: shop\n  annotations:\n    acrlint.dev/ignore: \"K8S001, K8S003 vendor images, mirrored in Q3\"\n",
    );
    // A second document: the annotation of one object does not cover another.
    let text = format!(
        "{text}---\n{}",
        DEPLOYMENT.replace("name: web\n  namespace", "name: api\n  namespace")
    );
    let a = scan(&[("deploy.yaml", &text)]);
    assert_eq!(
        only(&a, k8s),
        ["K8S001", "K8S001", "K8S002", "K8S002", "LINT002 `K8S003`"]
    );
}

// ---------------------------------------------------------------- --fix

fn acrlint(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("acrlint").unwrap();
    c.current_dir(dir).args(["check", "--no-config"]);
    c
}

/// With `--unsafe-fixes` (the SKU and public access are among the fixes): `--diff`
/// shows `expected` and writes nothing; `--fix` writes exactly it, the result
/// parses and no longer fires `gone`; a second `--fix` changes nothing.
fn fix_end_to_end(name: &str, before: &str, after: &str, gone: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join(name), before).unwrap();
    let out = acrlint(d)
        .args(["--diff", "--unsafe-fixes", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.starts_with(&format!("--- a/{name}\n+++ b/{name}\n")),
        "{diff}"
    );
    assert_eq!(std::fs::read_to_string(d.join(name)).unwrap(), before);

    acrlint(d)
        .args(["--fix", "--unsafe-fixes", "."])
        .assert()
        .stderr(predicates::str::contains("fixed "));
    let fixed = std::fs::read_to_string(d.join(name)).unwrap();
    assert_eq!(fixed, after);
    let a = common::analyze_paths(&[d.to_path_buf()], &Config::default());
    let left: Vec<&str> = a.findings.iter().map(|f| f.rule.code).collect();
    for code in gone.iter().chain(&["LINT001"]) {
        assert!(!left.contains(code), "{code} after --fix: {left:?}");
    }

    acrlint(d)
        .args(["--fix", "--unsafe-fixes", "."])
        .assert()
        .stderr(predicates::str::contains("fixed").not());
    assert_eq!(std::fs::read_to_string(d.join(name)).unwrap(), after);
    acrlint(d)
        .args(["--diff", "--unsafe-fixes", "."])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn fix_arm_template_keeps_comments_and_is_idempotent() {
    let before = format!(
        "{ARM_HEAD}  // the platform registries\n{}",
        ARM.replace("\"Basic\"", "\"Basic\" // cheaper").replace(
            "    }\n  ]",
            "    },\n    {\n      \"type\": \"Microsoft.ContainerRegistry/registries\",\n      \"apiVersion\": \"2023-07-01\",\n      \"name\": \"contosoacr2\",\n      \"location\": \"westeurope\",\n      \"sku\": {\"name\": \"Standard\"},\n      \"properties\": {\n        \"adminUserEnabled\": true\n      }\n    }\n  ]"
        )
    );
    let after = before
        .replace("\"Basic\" // cheaper", "\"Premium\" // cheaper")
        .replace("{\"name\": \"Standard\"}", "{\"name\": \"Premium\"}")
        .replace("\"adminUserEnabled\": true,", "\"adminUserEnabled\": false,")
        .replace("\"Enabled\"", "\"Disabled\"")
        .replace(
            "\"properties\": {\n        \"adminUserEnabled\": true\n",
            "\"properties\": {\n        \"publicNetworkAccess\": \"Disabled\",\n        \"adminUserEnabled\": false\n",
        );
    fix_end_to_end("t.json", &before, &after, &["ACR001", "ACR002", "ACR003"]);
}

#[test]
fn fix_bicep_keeps_comments_and_is_idempotent() {
    let before = format!(
        "// the platform registries\n{}\n{}",
        BICEP.replace("'Basic'", "'Basic' // cheaper"),
        BICEP
            .replace("resource acr ", "resource acr2 ")
            .replace("'contosoacr'", "'contosoacr2'")
            .replace(
                "sku: {\n    name: 'Basic'\n  }",
                "sku: { name: 'Standard' }"
            )
            .replace("    publicNetworkAccess: 'Enabled'\n", "")
    );
    let after = before
        .replace("'Basic' // cheaper", "'Premium' // cheaper")
        .replace("{ name: 'Standard' }", "{ name: 'Premium' }")
        .replace(
            "adminUserEnabled: true\n    publicNetworkAccess: 'Enabled'",
            "adminUserEnabled: false\n    publicNetworkAccess: 'Disabled'",
        )
        .replace(
            "properties: {\n    adminUserEnabled: true\n",
            "properties: {\n    publicNetworkAccess: 'Disabled'\n    adminUserEnabled: false\n",
        );
    fix_end_to_end(
        "main.bicep",
        &before,
        &after,
        &["ACR001", "ACR002", "ACR003"],
    );
}

/// Disabling public access needs Premium: where the SKU finding is accepted (suppressed),
/// `--fix` leaves public access alone instead of writing a template Azure would refuse.
#[test]
fn fix_leaves_public_access_alone_when_the_sku_finding_is_accepted() {
    let bicep = "// acrlint:ignore ACR003 cost, reviewed in SEC-42\r\n".to_string()
        + &BICEP
            .replace("    publicNetworkAccess: 'Enabled'\n", "")
            .replace('\n', "\r\n");
    let terraform = "# acrlint:ignore ACR003 cost, reviewed in SEC-42\nresource \"azurerm_container_registry\" \"acr\" {\n  name                = \"contosoacr\"\n  resource_group_name = \"rg\"\n  location            = \"westeurope\"\n  sku                 = \"Standard\"\n  admin_enabled       = true\n}\n";
    for (name, text, admin) in [
        (
            "main.bicep",
            bicep.as_str(),
            "    adminUserEnabled: false\r\n",
        ),
        ("main.tf", terraform, "  admin_enabled       = false\n"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join(name), text).unwrap();
        acrlint(d)
            .args(["--fix", "--unsafe-fixes", "."])
            .assert()
            .code(1);
        let fixed = std::fs::read_to_string(d.join(name)).unwrap();
        assert!(fixed.contains(admin), "{fixed}");
        assert!(!fixed.contains("Premium"), "{fixed}");
        assert!(!fixed.contains("public"), "{fixed}");
        let a = common::analyze_paths(&[d.to_path_buf()], &Config::default());
        let acr001 = a.findings.iter().find(|f| f.rule.code == "ACR001").unwrap();
        assert!(acr001.fix.as_ref().unwrap().requires.len() == 1);
    }
}

// ---------------------------------------------------------------- Strings over several lines

/// Text in a heredoc, a YAML block scalar or a Bicep `'''` string is no comment, whatever
/// it reads like: it suppresses nothing and is not reported as an unused ignore. A real
/// comment after such a string works.
#[test]
fn ignores_in_multi_line_strings_are_text_and_comments_after_them_work() {
    let terraform = r#"locals {
  example = <<-EOT
    # acrlint:ignore ACR002 the sample below
    resource "azurerm_container_registry" "acr" {}
  EOT
}

resource "azurerm_container_registry" "acr" {
  name                = "contosoacr"
  resource_group_name = "rg"
  location            = "westeurope"
  admin_enabled       = true
  tags = {
    note = <<-EOT
      # acrlint:ignore ACR002 text of a heredoc
    EOT
  } # acrlint:ignore ACR003 cost, reviewed in SEC-42
  sku = "Standard"
}
"#;
    let plain = scan(&[("main.tf", &terraform.replace("} # acrlint", "} # not"))]);
    assert_eq!(only(&plain, RULES), ["ACR001", "ACR002", "ACR003"]);
    let a = scan(&[("main.tf", terraform)]);
    assert_eq!(only(&a, RULES), ["ACR001", "ACR002"]);

    let bicep = format!(
        "var notes = '''\n// acrlint:ignore ACR001 text of a string\n''' // acrlint:ignore ACR002,ACR003 a sandbox, reviewed in SEC-42\n{BICEP}"
    );
    let a = scan(&[("main.bicep", &bicep)]);
    assert_eq!(only(&a, RULES), ["ACR001"]);

    let k8s = &["K8S", "LINT"];
    let yaml = DEPLOYMENT
        .replace(
            "        - name: web\n",
            "        - name: web\n          args:\n            - |\n              # acrlint:ignore K8S001 text of a block scalar\n            - >\n              # acrlint:ignore K8S002 text of a folded scalar\n",
        )
        .replace(
            "nginx:latest",
            "nginx:latest # acrlint:ignore K8S002 pinned by digest at deploy time",
        );
    let a = scan(&[("deploy.yaml", &yaml)]);
    assert_eq!(only(&a, k8s), ["K8S001", "K8S001"]);
}
