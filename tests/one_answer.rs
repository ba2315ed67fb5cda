//! One answer: the paths on the command line choose what is reported, never what the graph
//! holds, so a file's findings are the same whether it is checked alone, with its folder or
//! with the whole project; baselines match whatever the working folder. And one finding per
//! problem: a module's problem reached through several module calls is reported once.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// A project (a repository: it holds `.git`) with its registry declared in Terraform, the
/// registry's private endpoint in another file, and two Kubernetes workloads.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    write(
        root,
        "infra/registry.tf",
        r#"resource "azurerm_container_registry" "acr" {
  name                          = "contosoacr"
  resource_group_name           = "rg-platform"
  location                      = "westeurope"
  sku                           = "Premium"
  admin_enabled                 = true
  public_network_access_enabled = false
}
"#,
    );
    write(
        root,
        "infra/network.tf",
        r#"resource "azurerm_private_dns_zone" "acr" {
  name                = "privatelink.azurecr.io"
  resource_group_name = "rg-platform"
}

resource "azurerm_private_dns_zone_virtual_network_link" "acr" {
  name                  = "hub"
  resource_group_name   = "rg-platform"
  private_dns_zone_name = azurerm_private_dns_zone.acr.name
  virtual_network_id    = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-platform/providers/Microsoft.Network/virtualNetworks/vnet-hub"
}

resource "azurerm_private_endpoint" "acr" {
  name                = "pe-acr"
  resource_group_name = "rg-platform"
  location            = "westeurope"
  subnet_id           = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-platform/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-endpoints"

  private_service_connection {
    name                           = "acr"
    private_connection_resource_id = azurerm_container_registry.acr.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "acr"
    private_dns_zone_ids = [azurerm_private_dns_zone.acr.id]
  }
}
"#,
    );
    write(
        root,
        "k8s/app.yaml",
        &deployment("someoneelse.azurecr.io/app"),
    );
    write(
        root,
        "k8s/web.yaml",
        &deployment("contosoacr.azurecr.io/web"),
    );
    dir
}

fn deployment(image: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: shop
spec:
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      labels:
        app: app
    spec:
      containers:
        - name: app
          image: {image}@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
"
    )
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn acrlint(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_acrlint"))
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The JSON findings of `check ARGS`.
fn findings(cwd: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["check", "--format", "json", "--fail-on", "never"];
    all.extend_from_slice(args);
    let (code, out, err) = acrlint(cwd, &all);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    v["findings"].as_array().unwrap().clone()
}

fn codes(findings: &[Value]) -> Vec<&str> {
    findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect()
}

#[test]
fn a_file_checked_alone_has_the_findings_of_the_whole_scan() {
    let dir = project();
    let root = dir.path();
    let whole = findings(root, &["."]);
    for file in [
        "infra/registry.tf",
        "infra/network.tf",
        "k8s/app.yaml",
        "k8s/web.yaml",
    ] {
        let expected: Vec<Value> = whole
            .iter()
            .filter(|f| f["path"] == file)
            .cloned()
            .collect();
        assert_eq!(findings(root, &[file]), expected, "check {file}");
    }
    // The cases that used to differ: the declared registry lives in Terraform, so the
    // manifest alone is judged against it ...
    let app = findings(root, &["k8s/app.yaml"]);
    assert!(codes(&app).contains(&"K8S001"), "{app:?}");
    assert!(!codes(&findings(root, &["k8s/web.yaml"])).contains(&"K8S001"));
    // ... and the registry's private endpoint lives in another file.
    let registry = findings(root, &["infra/registry.tf"]);
    assert!(codes(&registry).contains(&"ACR002"), "{registry:?}");
    assert!(!codes(&registry).contains(&"NET001"), "{registry:?}");
    // Without the endpoint file the registry has no private endpoint: the rule is live.
    std::fs::remove_file(root.join("infra/network.tf")).unwrap();
    assert!(codes(&findings(root, &["infra/registry.tf"])).contains(&"NET001"));
}

#[test]
fn a_folder_or_a_file_from_a_subfolder_is_judged_in_its_project() {
    let dir = project();
    let root = dir.path();
    let k8s = findings(root, &["k8s"]);
    assert!(
        k8s.iter()
            .all(|f| f["path"].as_str().unwrap().starts_with("k8s/"))
    );
    assert_eq!(codes(&k8s), ["K8S001"], "{k8s:?}");
    // From inside the folder, paths are shown relative to it, and the answer is the same.
    let inside = findings(&root.join("k8s"), &["app.yaml"]);
    assert_eq!(codes(&inside), ["K8S001"], "{inside:?}");
    assert_eq!(inside[0]["path"], "app.yaml");
    assert_eq!(inside[0]["message"], k8s[0]["message"]);
    // The summary counts the files asked about, not the project read for context.
    let (_, out, _) = acrlint(root, &["check", "k8s/app.yaml", "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["files_scanned"], 1, "{out}");
}

#[test]
fn the_project_is_the_folder_of_the_nearest_config_never_above_the_repository() {
    let dir = project();
    let root = dir.path();
    // A config in k8s/ makes it a project of its own: no registry is declared there, so any
    // `*.azurecr.io` registry is allowed.
    write(root, "k8s/acrlint.toml", "");
    assert!(!codes(&findings(root, &["k8s/app.yaml"])).contains(&"K8S001"));
    std::fs::remove_file(root.join("k8s/acrlint.toml")).unwrap();
    // A repository inside a folder that declares the registry: the folder above is not read.
    let outer = tempfile::tempdir().unwrap();
    write(
        outer.path(),
        "registry.tf",
        &std::fs::read_to_string(root.join("infra/registry.tf")).unwrap(),
    );
    write(
        outer.path(),
        "repo/app.yaml",
        &deployment("someoneelse.azurecr.io/app"),
    );
    std::fs::create_dir(outer.path().join("repo/.git")).unwrap();
    assert!(!codes(&findings(outer.path(), &["repo/app.yaml"])).contains(&"K8S001"));
    // Outside any repository and without a config, the folder given is the project.
    std::fs::remove_dir(outer.path().join("repo/.git")).unwrap();
    assert!(!codes(&findings(outer.path(), &["repo/app.yaml"])).contains(&"K8S001"));
    assert!(codes(&findings(outer.path(), &["."])).contains(&"K8S001"));
}

#[test]
fn standard_input_takes_the_place_of_the_file_it_is_named_after() {
    let dir = project();
    let root = dir.path();
    let mut child = Command::new(env!("CARGO_BIN_EXE_acrlint"))
        .current_dir(root)
        .args([
            "check",
            "-",
            "--stdin-filename",
            "k8s/web.yaml",
            "--format",
            "json",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(deployment("someoneelse.azurecr.io/web").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = v["findings"].as_array().unwrap();
    // Judged against the registry declared in Terraform; only the named file is reported,
    // once (the file on disk is replaced, not scanned next to it).
    assert_eq!(codes(found), ["K8S001"], "{found:?}");
    assert_eq!(found[0]["path"], "k8s/web.yaml");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_baseline_written_from_the_root_matches_a_file_checked_from_a_subfolder() {
    let dir = project();
    let root = dir.path();
    let (code, _, err) = acrlint(root, &["baseline", "write", "baseline.json", "."]);
    assert_eq!(code, 0, "{err}");
    let k8s = root.join("k8s");
    let (code, out, _) = acrlint(&k8s, &["check", "app.yaml", "--format", "json"]);
    assert_eq!(
        code, 1,
        "without the baseline the finding is reported: {out}"
    );
    let (code, out, err) = acrlint(
        &k8s,
        &[
            "check",
            "app.yaml",
            "--format",
            "json",
            "--baseline",
            "../baseline.json",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"], Value::Array(Vec::new()), "{out}");
    // A new problem in the same file is still reported.
    write(
        root,
        "k8s/app.yaml",
        &deployment("someoneelse.azurecr.io/app").replace("image: some", "image: other"),
    );
    let (code, _, _) = acrlint(
        &k8s,
        &["check", "app.yaml", "--baseline", "../baseline.json"],
    );
    assert_eq!(code, 1);
}

const MODULE: &str = r#"variable "name" {
  type = string
}

variable "sku" {
  type = string
}

resource "azurerm_container_registry" "acr" {
  name                          = var.name
  resource_group_name           = "rg-platform"
  location                      = "westeurope"
  sku                           = var.sku
  admin_enabled                 = true
  public_network_access_enabled = false
}
"#;

#[test]
fn a_problem_in_a_module_called_three_times_is_one_finding_with_each_caller() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "modules/registry/main.tf", MODULE);
    let mut main = String::new();
    for (name, sku) in [("a", "Basic"), ("b", "Basic"), ("c", "Standard")] {
        main.push_str(&format!(
            "module \"{name}\" {{\n  source = \"./modules/registry\"\n  name   = \"contoso{name}acr\"\n  sku    = \"{sku}\"\n}}\n\n"
        ));
    }
    write(root, "main.tf", &main);
    let found = findings(root, &["."]);
    // The admin user is enabled in the module itself: one finding, a related location at
    // each of the three `module` blocks.
    let acr002: Vec<&Value> = found.iter().filter(|f| f["code"] == "ACR002").collect();
    assert_eq!(acr002.len(), 1, "{found:#?}");
    assert_eq!(acr002[0]["path"], "modules/registry/main.tf");
    let callers: Vec<u64> = acr002[0]["related"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == "main.tf" && r["message"].as_str().unwrap().contains("called"))
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(callers, [1, 7, 13], "{:#?}", acr002[0]);
    // The SKU comes from the callers' arguments: the two that pass "Basic" share a finding,
    // the one that passes "Standard" has its own.
    let acr003: Vec<&Value> = found.iter().filter(|f| f["code"] == "ACR003").collect();
    assert_eq!(acr003.len(), 2, "{acr003:#?}");
    // The human output shows one block per problem.
    let (_, human, _) = acrlint(root, &["check", ".", "--color", "never"]);
    assert_eq!(human.matches("error[ACR002]").count(), 1, "{human}");
}

#[test]
fn a_bicep_module_called_twice_is_one_finding() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "modules/registry.bicep",
        "param name string\n\nresource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n  name: name\n  location: 'westeurope'\n  sku: {\n    name: 'Premium'\n  }\n  properties: {\n    adminUserEnabled: true\n    publicNetworkAccess: 'Disabled'\n  }\n}\n",
    );
    write(
        root,
        "main.bicep",
        "module one 'modules/registry.bicep' = {\n  name: 'one'\n  params: {\n    name: 'contosoone'\n  }\n}\n\nmodule two 'modules/registry.bicep' = {\n  name: 'two'\n  params: {\n    name: 'contosotwo'\n  }\n}\n",
    );
    let found = findings(root, &["."]);
    let acr002: Vec<&Value> = found.iter().filter(|f| f["code"] == "ACR002").collect();
    assert_eq!(acr002.len(), 1, "{found:#?}");
    let lines: Vec<u64> = acr002[0]["related"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == "main.bicep")
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [1, 8], "{:#?}", acr002[0]);
}

#[test]
fn fix_rewrites_only_the_files_asked_about_and_reports_only_them() {
    let dir = project();
    let root = dir.path();
    let registry = std::fs::read_to_string(root.join("infra/registry.tf")).unwrap();
    // The manifest is checked: the registry's admin user (fixable) is in another file.
    let (_, out, err) = acrlint(
        root,
        &["check", "--fix", "k8s/app.yaml", "--format", "json"],
    );
    assert_eq!(
        std::fs::read_to_string(root.join("infra/registry.tf")).unwrap(),
        registry,
        "{out}{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        codes(v["findings"].as_array().unwrap()),
        ["K8S001"],
        "{out}"
    );
    // The registry's file is checked: it is fixed, and what remains is its own.
    let (_, out, err) = acrlint(
        root,
        &["check", "--fix", "infra/registry.tf", "--format", "json"],
    );
    let fixed = std::fs::read_to_string(root.join("infra/registry.tf")).unwrap();
    assert!(
        fixed.contains("admin_enabled                 = false"),
        "{fixed}\n{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let after = v["findings"].as_array().unwrap();
    assert!(
        after.iter().all(|f| f["path"] == "infra/registry.tf"),
        "{out}"
    );
    assert!(!codes(after).contains(&"ACR002"), "{out}");
}
