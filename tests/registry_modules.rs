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
        a.findings
            .iter()
            .all(|x| !a.sources.get(x.primary.file).path.to_string_lossy().contains(".terraform")),
        "{f:#?}"
    );
    assert!(!codes(&a).contains(&"LINT003"), "{f:#?}");
    // The call chain is a label.
    let acr002 = a.findings.iter().find(|x| x.rule.code == "ACR002").unwrap();
    let human = common::human(&Analysis {
        findings: vec![acr002.clone()],
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
    assert!(acr001[0].starts_with("ACR001 main.tf:1:1 module \"acr\""), "{f:#?}");
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
    assert!(notes[0].message.contains("terraform init"), "{}", notes[0].message);
    assert!(
        found(&a).contains(
            &"LINT003 main.tf:2:25 \"Azure/avm-res-containerregistry-registry/azurerm\"".to_string()
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
