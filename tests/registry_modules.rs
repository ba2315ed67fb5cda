//! Registry modules from the local caches (`terraform init`, `bicep restore`): a cached
//! module is evaluated with the caller's arguments and its findings are reported at the
//! call; a module not in the cache gives a visible LINT003 note, never a silent pass.

mod common;

use std::path::Path;

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

/// The findings as `CODE file:line:col text-at-span`.
fn found(a: &Analysis) -> Vec<String> {
    a.findings
        .iter()
        .map(|f| {
            let file = a.sources.get(f.primary.file);
            let lc = file.line_col(f.primary.start as usize);
            let (line, col) = (lc.line, lc.column);
            format!(
                "{} {}:{}:{} {}",
                f.rule.code,
                Path::new(&file.display)
                    .file_name()
                    .unwrap()
                    .to_string_lossy(),
                line,
                col,
                a.sources.text(f.primary)
            )
        })
        .collect()
}

fn codes(a: &Analysis) -> Vec<&str> {
    a.findings.iter().map(|f| f.rule.code).collect()
}

const TF_CALLER: &str = r#"module "acr" {
  source              = "Azure/avm-res-containerregistry-registry/azurerm"
  version             = "0.8.0"
  name                = "acrdemo"
  admin_enabled       = true
  public_network_access_enabled = false
}
"#;

const TF_MODULE: &str = r#"variable "name" {}
variable "admin_enabled" { default = false }
variable "public_network_access_enabled" { default = true }
resource "azurerm_container_registry" "this" {
  name                          = var.name
  resource_group_name           = "rg"
  location                      = "westeurope"
  sku                           = "Premium"
  admin_enabled                 = var.admin_enabled
  public_network_access_enabled = var.public_network_access_enabled
}
"#;

const MODULES_JSON: &str = r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"acr","Source":"registry.terraform.io/Azure/avm-res-containerregistry-registry/azurerm","Version":"0.8.0","Dir":".terraform/modules/acr"}]}"#;

#[test]
fn terraform_cached_registry_module_is_evaluated_with_the_callers_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "main.tf", TF_CALLER);
    write(root, ".terraform/modules/modules.json", MODULES_JSON);
    write(root, ".terraform/modules/acr/main.tf", TF_MODULE);
    let a = analyze(root);
    let f = found(&a);
    // The admin user comes from the caller's argument: reported there.
    assert!(
        f.contains(&"ACR002 main.tf:5:25 true".to_string()),
        "{f:#?}"
    );
    // Nothing is reported inside the cache, and the module is not "not analysed".
    assert!(
        a.findings.iter().all(|x| !a
            .sources
            .get(x.primary.file)
            .path
            .to_string_lossy()
            .contains(".terraform")),
        "{f:#?}"
    );
    assert!(!codes(&a).contains(&"LINT003"), "{f:#?}");
    // The call chain is a label.
    let acr002 = a.findings.iter().find(|x| x.rule.code == "ACR002").unwrap();
    let human = common::human(&Analysis {
        findings: vec![acr002.clone()].into(),
        ..a
    });
    assert!(human.contains("in module `acr`, called here"), "{human}");
}

#[test]
fn terraform_default_inside_the_cached_module_is_reported_at_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // public_network_access_enabled not given: the module's default (true) decides.
    write(
        root,
        "main.tf",
        "module \"acr\" {\n  source = \"Azure/avm-res-containerregistry-registry/azurerm\"\n  name   = \"acrdemo\"\n}\n",
    );
    write(root, ".terraform/modules/modules.json", MODULES_JSON);
    write(root, ".terraform/modules/acr/main.tf", TF_MODULE);
    let a = analyze(root);
    let f = found(&a);
    let acr001: Vec<_> = f.iter().filter(|s| s.starts_with("ACR001")).collect();
    assert_eq!(acr001.len(), 1, "{f:#?}");
    assert!(
        acr001[0].starts_with("ACR001 main.tf:1:1 module \"acr\""),
        "{f:#?}"
    );
    assert!(!f.iter().any(|s| s.starts_with("ACR002")), "{f:#?}");
}

#[test]
fn terraform_module_not_in_the_cache_gives_a_visible_note() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "main.tf", TF_CALLER);
    let a = analyze(root);
    let notes: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule.code == "LINT003")
        .collect();
    assert_eq!(notes.len(), 1, "{:#?}", found(&a));
    assert_eq!(notes[0].severity, acrlint::finding::Severity::Note);
    assert!(
        notes[0].message.contains("terraform init"),
        "{}",
        notes[0].message
    );
    assert!(
        found(&a).contains(
            &"LINT003 main.tf:2:25 \"Azure/avm-res-containerregistry-registry/azurerm\""
                .to_string()
        ),
        "{:#?}",
        found(&a)
    );
    // It shows in the normal human output, not only with -v.
    let human = common::human(&a);
    assert!(human.contains("was not analysed"), "{human}");
}

#[test]
fn terraform_cache_dir_outside_the_repository_is_not_read() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "acr/main.tf", TF_MODULE);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "main.tf", TF_CALLER);
    let escape = format!(
        r#"{{"Modules":[{{"Key":"acr","Source":"x","Dir":"{}"}}]}}"#,
        outside.path().join("acr").display()
    );
    write(root, ".terraform/modules/modules.json", &escape);
    let a = analyze(root);
    assert!(!codes(&a).contains(&"ACR002"), "{:#?}", found(&a));
    assert!(codes(&a).contains(&"LINT003"), "{:#?}", found(&a));
}

/// A minimal compiled verified registry module (languageVersion 2.0, symbolic resources).
const AVM_MAIN_JSON: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "languageVersion": "2.0",
  "contentVersion": "1.0.0.0",
  "metadata": { "_generator": { "name": "bicep", "version": "0.30.0" } },
  "parameters": {
    "name": { "type": "string" },
    "acrSku": { "type": "string", "defaultValue": "Premium" },
    "acrAdminUserEnabled": { "type": "bool", "defaultValue": false },
    "publicNetworkAccess": { "type": "string", "nullable": true },
    "location": { "type": "string", "defaultValue": "[resourceGroup().location]" }
  },
  "resources": {
    "registry": {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-06-01-preview",
      "name": "[parameters('name')]",
      "location": "[parameters('location')]",
      "sku": { "name": "[parameters('acrSku')]" },
      "properties": {
        "adminUserEnabled": "[parameters('acrAdminUserEnabled')]",
        "publicNetworkAccess": "[if(not(empty(parameters('publicNetworkAccess'))), parameters('publicNetworkAccess'), 'Disabled')]"
      }
    }
  }
}
"#;

const AVM_CACHE_PATH: &str =
    "br/mcr.microsoft.com/bicep$avm$res$container-registry$registry/0.6.0$/main.json";

fn bicep_repo(params: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "bicepconfig.json",
        "{\n  // restored with `bicep restore`\n  \"cacheRootDirectory\": \"./.bicep-cache\"\n}\n",
    );
    write(
        root,
        &format!(".bicep-cache/{AVM_CACHE_PATH}"),
        AVM_MAIN_JSON,
    );
    write(
        root,
        "main.bicep",
        &format!(
            "module registry 'br/public:avm/res/container-registry/registry:0.6.0' = {{\n  name: 'registry'\n  params: {{\n    name: 'acrdemo'\n{params}  }}\n}}\n"
        ),
    );
    dir
}

#[test]
fn bicep_cached_avm_module_admin_user_is_reported_at_the_callers_param() {
    let dir = bicep_repo("    acrAdminUserEnabled: true\n");
    let a = analyze(dir.path());
    let f = found(&a);
    assert!(
        f.contains(&"ACR002 main.bicep:5:26 true".to_string()),
        "{f:#?}"
    );
    assert!(!f.iter().any(|s| s.starts_with("ACR001")), "{f:#?}");
    assert!(!codes(&a).contains(&"LINT003"), "{f:#?}");
    // Nothing points into the cache.
    assert!(
        a.findings.iter().all(|x| !a
            .sources
            .get(x.primary.file)
            .path
            .to_string_lossy()
            .contains(".bicep-cache")),
        "{f:#?}"
    );
    let acr002 = a.findings.iter().find(|x| x.rule.code == "ACR002").unwrap();
    assert_eq!(acr002.resource.as_deref(), Some("registry.registry"));
}

#[test]
fn bicep_cached_avm_module_public_network_access_gives_acr001() {
    let dir = bicep_repo("    publicNetworkAccess: 'Enabled'\n");
    let a = analyze(dir.path());
    let f = found(&a);
    assert!(
        f.contains(&"ACR001 main.bicep:5:26 'Enabled'".to_string()),
        "{f:#?}"
    );
    assert!(!f.iter().any(|s| s.starts_with("ACR002")), "{f:#?}");
}

#[test]
fn bicep_alias_and_explicit_registry_references_resolve_to_the_same_cache_entry() {
    for reference in [
        "br:mcr.microsoft.com/bicep/avm/res/container-registry/registry:0.6.0",
        "br/avm:res/container-registry/registry:0.6.0",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "bicepconfig.json",
            r#"{ "cacheRootDirectory": ".bicep-cache",
                 "moduleAliases": { "br": { "avm": { "registry": "mcr.microsoft.com", "modulePath": "bicep/avm" } } } }"#,
        );
        write(
            root,
            &format!(".bicep-cache/{AVM_CACHE_PATH}"),
            AVM_MAIN_JSON,
        );
        write(
            root,
            "infra/main.bicep",
            &format!(
                "module registry '{reference}' = {{\n  name: 'registry'\n  params: {{\n    name: 'acrdemo'\n    acrAdminUserEnabled: true\n  }}\n}}\n"
            ),
        );
        let a = analyze(root);
        assert!(
            codes(&a).contains(&"ACR002"),
            "{reference}: {:#?}",
            found(&a)
        );
        assert!(
            !codes(&a).contains(&"LINT003"),
            "{reference}: {:#?}",
            found(&a)
        );
    }
}

#[test]
fn bicep_module_not_in_the_cache_gives_a_visible_note() {
    let dir = bicep_repo("    acrAdminUserEnabled: true\n");
    std::fs::remove_dir_all(dir.path().join(".bicep-cache")).unwrap();
    let a = analyze(dir.path());
    let f = found(&a);
    assert_eq!(
        f,
        ["LINT003 main.bicep:1:17 'br/public:avm/res/container-registry/registry:0.6.0'"],
        "{f:#?}"
    );
    assert!(a.findings[0].message.contains("bicep restore"));
    let human = common::human(&a);
    assert!(human.contains("was not analysed"), "{human}");
}

#[test]
fn bicep_cache_root_outside_the_roots_is_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), AVM_CACHE_PATH, AVM_MAIN_JSON);
    let dir = bicep_repo("    acrAdminUserEnabled: true\n");
    write(
        dir.path(),
        "bicepconfig.json",
        &format!(
            r#"{{ "cacheRootDirectory": "{}" }}"#,
            outside.path().display()
        ),
    );
    let a = analyze(dir.path());
    let f = found(&a);
    assert!(!codes(&a).contains(&"ACR002"), "{f:#?}");
    let note = a
        .findings
        .iter()
        .find(|x| x.rule.code == "LINT003")
        .expect("a LINT003 note");
    assert!(note.message.contains("outside"), "{}", note.message);
}

#[test]
fn bicep_cached_module_linked_out_of_the_cache_is_not_read() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "main.json", AVM_MAIN_JSON);
    let dir = bicep_repo("    acrAdminUserEnabled: true\n");
    let cached = dir.path().join(".bicep-cache").join(AVM_CACHE_PATH);
    std::fs::remove_file(&cached).unwrap();
    std::os::unix::fs::symlink(outside.path().join("main.json"), &cached).unwrap();
    let a = analyze(dir.path());
    assert!(!codes(&a).contains(&"ACR002"), "{:#?}", found(&a));
    assert!(codes(&a).contains(&"LINT003"), "{:#?}", found(&a));
}

/// `acrlint check --format json DIR` with the environment given; stdout and exit code.
fn check_json(dir: &Path, env: &[(&str, &Path)]) -> (String, i32) {
    let mut cmd = assert_cmd::Command::cargo_bin("acrlint").unwrap();
    cmd.env_remove("ACRLINT_BICEP_CACHE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .args(["check", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn repo_without_config() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.bicep",
        "module registry 'br/public:avm/res/container-registry/registry:0.6.0' = {\n  name: 'registry'\n  params: {\n    name: 'acrdemo'\n    acrAdminUserEnabled: true\n  }\n}\n",
    );
    dir
}

#[test]
fn bicep_module_from_the_users_home_cache() {
    let home = tempfile::tempdir().unwrap();
    write(
        home.path(),
        &format!(".bicep/{AVM_CACHE_PATH}"),
        AVM_MAIN_JSON,
    );
    let repo = repo_without_config();
    let (out, code) = check_json(repo.path(), &[("HOME", home.path())]);
    assert!(out.contains("ACR002"), "{out}");
    assert!(!out.contains("LINT003"), "{out}");
    assert_eq!(code, 1, "{out}");
    // An empty home cache: the note, and a note does not fail the run.
    let empty = tempfile::tempdir().unwrap();
    let (out, code) = check_json(repo.path(), &[("HOME", empty.path())]);
    assert!(out.contains("LINT003"), "{out}");
    assert!(!out.contains("ACR002"), "{out}");
    assert_eq!(code, 0, "{out}");
}

#[test]
fn bicep_module_from_the_cache_named_by_acrlint_bicep_cache() {
    let cache = tempfile::tempdir().unwrap();
    write(cache.path(), AVM_CACHE_PATH, AVM_MAIN_JSON);
    let empty_home = tempfile::tempdir().unwrap();
    let repo = repo_without_config();
    let (out, _) = check_json(
        repo.path(),
        &[
            ("HOME", empty_home.path()),
            ("ACRLINT_BICEP_CACHE", cache.path()),
        ],
    );
    assert!(out.contains("ACR002"), "{out}");
    assert!(!out.contains("LINT003"), "{out}");
}

#[test]
fn a_missing_module_inside_a_local_module_called_twice_is_one_note() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "main.tf",
        "module \"dev\" {\n  source = \"./platform\"\n}\nmodule \"prod\" {\n  source = \"./platform\"\n}\n",
    );
    write(
        root,
        "platform/main.tf",
        "module \"acr\" {\n  source = \"git::https://example.com/acr.git?ref=v1\"\n}\n",
    );
    let a = analyze(root);
    assert_eq!(
        found(&a),
        ["LINT003 main.tf:2:12 \"git::https://example.com/acr.git?ref=v1\""],
    );
}

#[test]
fn terraform_cache_of_another_version_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The call asks for 0.9.0; `terraform init` fetched 0.8.0 before the change.
    write(root, "main.tf", &TF_CALLER.replace("0.8.0", "0.9.0"));
    write(root, ".terraform/modules/modules.json", MODULES_JSON);
    write(root, ".terraform/modules/acr/main.tf", TF_MODULE);
    let a = analyze(root);
    assert!(!codes(&a).contains(&"ACR002"), "{:#?}", found(&a));
    let note = a
        .findings
        .iter()
        .find(|f| f.rule.code == "LINT003")
        .unwrap();
    assert!(
        note.message.contains("holds version 0.8.0, not 0.9.0"),
        "{}",
        note.message
    );
    // A version constraint is not compared: the cached module is used.
    write(
        root,
        "main.tf",
        &TF_CALLER.replace("\"0.8.0\"", "\"~> 0.8\""),
    );
    let a = analyze(root);
    assert!(codes(&a).contains(&"ACR002"), "{:#?}", found(&a));
}

#[test]
fn terraform_nested_cached_modules_are_found_by_their_joined_key() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "main.tf",
        "module \"platform\" {\n  source = \"git::https://example.com/platform.git?ref=v2\"\n  admin  = true\n}\n",
    );
    write(
        root,
        ".terraform/modules/modules.json",
        r#"{"Modules":[
  {"Key":"","Source":"","Dir":"."},
  {"Key":"platform","Source":"git::https://example.com/platform.git?ref=v2","Dir":".terraform/modules/platform"},
  {"Key":"platform.acr","Source":"registry.terraform.io/Azure/avm-res-containerregistry-registry/azurerm","Version":"0.8.0","Dir":".terraform/modules/platform.acr"}
]}"#,
    );
    write(
        root,
        ".terraform/modules/platform/main.tf",
        "variable \"admin\" {}\nmodule \"acr\" {\n  source        = \"Azure/avm-res-containerregistry-registry/azurerm\"\n  version       = \"0.8.0\"\n  name          = \"acrplatform\"\n  admin_enabled = var.admin\n}\n",
    );
    write(root, ".terraform/modules/platform.acr/main.tf", TF_MODULE);
    let a = analyze(root);
    let f = found(&a);
    assert!(
        f.contains(&"ACR002 main.tf:3:12 true".to_string()),
        "{f:#?}"
    );
    assert!(!codes(&a).contains(&"LINT003"), "{f:#?}");
    let acr002 = a.findings.iter().find(|x| x.rule.code == "ACR002").unwrap();
    assert_eq!(
        acr002.resource.as_deref(),
        Some("module.platform.module.acr.azurerm_container_registry.this")
    );
}

#[test]
fn bicep_cached_module_outputs_are_known_to_the_caller() {
    let dir = bicep_repo("    publicNetworkAccess: 'Disabled'\n");
    let root = dir.path();
    let main = std::fs::read_to_string(root.join("main.bicep")).unwrap();
    let with_output = AVM_MAIN_JSON.replace(
        "  \"resources\": {",
        "  \"outputs\": { \"resourceId\": { \"type\": \"string\", \"value\": \"[resourceId('Microsoft.ContainerRegistry/registries', parameters('name'))]\" } },\n  \"resources\": {",
    );
    write(
        root,
        &format!(".bicep-cache/{AVM_CACHE_PATH}"),
        &with_output,
    );
    let endpoint = "resource pe 'Microsoft.Network/privateEndpoints@2023-04-01' = {\n  name: 'pe-acr'\n  location: 'westeurope'\n  properties: {\n    subnet: { id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s' }\n    privateLinkServiceConnections: [\n      {\n        name: 'acr'\n        properties: {\n          privateLinkServiceId: registry.outputs.resourceId\n          groupIds: [ 'registry' ]\n        }\n      }\n    ]\n  }\n}\n";
    let without = analyze(root);
    assert!(
        codes(&without).contains(&"NET001"),
        "{:#?}",
        found(&without)
    );
    write(root, "main.bicep", &format!("{main}{endpoint}"));
    let with = analyze(root);
    assert!(!codes(&with).contains(&"NET001"), "{:#?}", found(&with));
    // The endpoint names the module's registry by a known id, not an unknown output.
    let pe = with
        .graph
        .resources
        .iter()
        .find(|r| {
            r.native_type
                .starts_with("Microsoft.Network/privateEndpoints")
        })
        .expect("the endpoint");
    let id = pe
        .body
        .path(&[
            "properties",
            "privateLinkServiceConnections",
            "properties",
            "privateLinkServiceId",
        ])
        .expect("the connection's id");
    assert!(
        matches!(&id.kind, acrlint::model::ValueKind::Ref(r) if matches!(
            &r.target,
            acrlint::model::Key::TypeName(t)
                if t.arm_type().ends_with("/registries") && t.name() == "acrdemo"
        )),
        "{id:?}"
    );
}
