//! An analysis through a session (the language server's) reuses the parses and the
//! evaluated units whose inputs did not change; after every edit its findings and notes
//! must be exactly those of a fresh analysis of the same files.

mod common;

use std::path::Path;

use acrlint::config::Config;
use acrlint::report::{Format, render};
use acrlint::{Analysis, Session, Workspace, analyze, analyze_with};

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let t = e.file_type().unwrap();
        if t.is_dir() {
            copy_tree(&src, &dst);
        } else if t.is_file() {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Replace `from` (which must be there) by `to` in a file.
fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let p = root.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{rel} has no {from:?}");
    std::fs::write(p, text.replacen(from, to, 1)).unwrap();
}

/// What is compared: the JSON report, the notes and the internal errors.
fn outcome(a: &Analysis) -> (String, Vec<String>, Vec<String>) {
    (
        render(a, Format::Json, false),
        a.notes.clone(),
        a.internal_errors.clone(),
    )
}

fn codes(a: &Analysis) -> Vec<String> {
    let mut v: Vec<String> = a
        .findings
        .iter()
        .filter_map(|f| {
            let file = &a.sources.get(f.primary.file).display;
            let at = file.find("scenario/")?;
            Some(format!("{} {}", f.rule.code, &file[at..]))
        })
        .collect();
    v.sort();
    v
}

/// Analyse `root` through the session and afresh; both must agree. Returns the session's.
/// One step of an edit scenario: `change` the files, analyse through `session` (compared
/// with a fresh analysis by [`check`]), and when `differs`, check that the findings moved
/// from `last`. With nothing changed, the last analysis's findings are handed out again,
/// not copied.
fn step_through(
    root: &Path,
    session: &Session,
    last: &mut Analysis,
    what: &str,
    change: &dyn Fn(),
    differs: bool,
) {
    change();
    let now = check(root, session, what);
    if differs {
        assert!(
            outcome(last) != outcome(&now),
            "{what}: the edit should change the findings; they are {:?}",
            codes(&now)
        );
    }
    if what == "nothing changed" {
        assert!(
            last.findings.same(&now.findings),
            "{what}: the findings should be the last analysis's shared list"
        );
    }
    *last = now;
}

fn check(root: &Path, session: &Session, step: &str) -> Analysis {
    check_with(root, session, step, None)
}

/// [`check`] with an open editor buffer (path relative to `root`, text) over the disk.
fn check_with(
    root: &Path,
    session: &Session,
    step: &str,
    buffer: Option<(&str, &str)>,
) -> Analysis {
    let config = Config::default();
    // One workspace each: the session's gets the session's folder listings.
    let workspace = || {
        let mut ws = Workspace::from_paths(&[root.to_path_buf()], &config).unwrap();
        if let Some((rel, text)) = buffer {
            let path = acrlint::normalize(&root.join(rel));
            let text: std::sync::Arc<str> = text.into();
            ws.overlay.insert(path.clone(), text.clone());
            let file = ws.files.iter_mut().find(|f| f.path == path).unwrap();
            *file = acrlint::source::SourceFile::new(path, file.display.clone(), text);
        }
        ws
    };
    let incremental = analyze_with(&workspace(), &config, session);
    let fresh = analyze(&workspace(), &config);
    let (a, b) = (outcome(&incremental), outcome(&fresh));
    assert!(
        a == b,
        "after {step}: the session's analysis differs from a fresh one\nsession: {:?}\nfresh:   {:?}\nnotes (session): {:?}\nnotes (fresh):   {:?}",
        codes(&incremental),
        codes(&fresh),
        a.1,
        b.1
    );
    incremental
}

const MODULE: &str = r#"variable "admin" {
  type = bool
}

resource "azurerm_container_registry" "acr" {
  name                          = "acrshared${substr(md5(path.module), 0, 4)}"
  resource_group_name           = "rg"
  location                      = "westeurope"
  sku                           = "Premium"
  admin_enabled                 = var.admin
  public_network_access_enabled = false
}
"#;

fn caller(default: bool) -> String {
    format!(
        r#"variable "admin" {{
  type    = bool
  default = {default}
}}

module "acr" {{
  source = "../modules/acr"
  admin  = var.admin
}}
"#
    )
}

const LIB: &str = r#"resource "azurerm_container_registry" "lib" {
  name                          = "acrlib"
  resource_group_name           = "rg"
  location                      = "westeurope"
  sku                           = "Basic"
  admin_enabled                 = true
  public_network_access_enabled = false
}
"#;

const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "admin": { "type": "bool", "defaultValue": false } },
  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "acrarm",
      "location": "westeurope",
      "sku": { "name": "Premium" },
      "properties": { "adminUserEnabled": "[parameters('admin')]", "publicNetworkAccess": "Disabled" }
    }
  ]
}
"#;

fn parameters(admin: bool) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{ "admin": {{ "value": {admin} }} }}
}}
"#
    )
}

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
      "sku": { "name": "Basic" },
      "properties": { "adminUserEnabled": true }
    }
  ]
}
"#;

const BICEP: &str = "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'acrcompiled'
  location: 'westeurope'
  sku: { name: 'Premium' }
  properties: { adminUserEnabled: false, publicNetworkAccess: 'Disabled' }
}
";

/// A Bicep file calling a local module, with a JSON parameter file beside it.
const BICEP_CALLER: &str = "param admin bool = false
module acr './acr.bicep' = {
  name: 'acr'
  params: { admin: admin }
}
";

const BICEP_MODULE: &str = "param admin bool
resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'acrmodule'
  location: 'westeurope'
  sku: { name: 'Premium' }
  properties: { adminUserEnabled: admin, publicNetworkAccess: 'Disabled' }
}
";

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: docker.io/library/nginx:1.27
";

const POLICY: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: restrict-image-registries
spec:
  validationFailureAction: Enforce
  rules:
    - name: validate-registries
      match:
        any:
          - resources:
              kinds:
                - Pod
      validate:
        message: "Unknown image registry."
        pattern:
          spec:
            containers:
              - image: "contosoprodacr.azurecr.io/*"
"#;

#[test]
fn every_edit_gives_the_findings_of_a_fresh_analysis() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let crate_root = common::root();
    copy_tree(&crate_root.join("tests/fixtures"), &root.join("fixtures"));
    copy_tree(&crate_root.join("samples"), &root.join("samples"));
    write(root, "scenario/tf/modules/acr/main.tf", MODULE);
    write(root, "scenario/tf/app1/main.tf", &caller(false));
    write(root, "scenario/tf/app2/main.tf", &caller(false));
    write(root, "scenario/tf/lib/main.tf", LIB);
    write(root, "scenario/arm/azuredeploy.json", TEMPLATE);
    write(
        root,
        "scenario/arm/azuredeploy.parameters.json",
        &parameters(false),
    );
    write(root, "scenario/bicep/main.bicep", BICEP);
    write(root, "scenario/bicep/main.json", COMPILED);
    write(root, "scenario/k8s/deployment.yaml", DEPLOYMENT);
    write(root, "scenario/bicep2/main.bicep", BICEP_CALLER);
    write(root, "scenario/bicep2/acr.bicep", BICEP_MODULE);
    write(
        root,
        "scenario/bicep2/main.parameters.json",
        &parameters(false),
    );

    let session = Session::new();
    let mut last = check(root, &session, "the first analysis");
    let mut step = |what: &str, change: &dyn Fn(), differs: bool| {
        step_through(root, &session, &mut last, what, change, differs)
    };
    step("nothing changed", &|| {}, false);
    step(
        "a Terraform variable default flipped",
        &|| {
            edit(
                root,
                "scenario/tf/app1/main.tf",
                "default = false",
                "default = true",
            )
        },
        true,
    );
    step(
        "a module file used by two roots edited",
        &|| {
            edit(
                root,
                "scenario/tf/modules/acr/main.tf",
                "admin_enabled                 = var.admin",
                "admin_enabled                 = true",
            )
        },
        true,
    );
    step(
        "the same module file edited back",
        &|| {
            edit(
                root,
                "scenario/tf/modules/acr/main.tf",
                "admin_enabled                 = true",
                "admin_enabled                 = var.admin",
            )
        },
        true,
    );
    step(
        "a file that makes a folder a module caller added",
        &|| {
            write(
                root,
                "scenario/tf/app2/lib.tf",
                "module \"lib\" {\n  source = \"../lib\"\n}\n",
            )
        },
        true,
    );
    step(
        "an ARM parameter file edited",
        &|| {
            write(
                root,
                "scenario/arm/azuredeploy.parameters.json",
                &parameters(true),
            )
        },
        true,
    );
    step(
        "a Bicep file broken (its compiled template is checked instead)",
        &|| {
            edit(
                root,
                "scenario/bicep/main.bicep",
                "properties: {",
                "properties: {{",
            )
        },
        true,
    );
    step(
        "the Bicep file fixed",
        &|| {
            edit(
                root,
                "scenario/bicep/main.bicep",
                "properties: {{",
                "properties: {",
            )
        },
        true,
    );
    step(
        "a Bicep file's JSON parameter file edited",
        &|| {
            write(
                root,
                "scenario/bicep2/main.parameters.json",
                &parameters(true),
            )
        },
        true,
    );
    step(
        "a Bicep module edited",
        &|| {
            edit(
                root,
                "scenario/bicep2/acr.bicep",
                "name: 'Premium'",
                "name: 'Basic'",
            )
        },
        true,
    );
    step(
        "a Bicep file's JSON parameter file deleted",
        &|| std::fs::remove_file(root.join("scenario/bicep2/main.parameters.json")).unwrap(),
        true,
    );
    step(
        "a Kubernetes policy added",
        &|| write(root, "scenario/k8s/policy.yaml", POLICY),
        true,
    );
    step(
        "the Kubernetes policy removed",
        &|| std::fs::remove_file(root.join("scenario/k8s/policy.yaml")).unwrap(),
        true,
    );
    step(
        "an ARM parameter file deleted",
        &|| std::fs::remove_file(root.join("scenario/arm/azuredeploy.parameters.json")).unwrap(),
        true,
    );
    step(
        "the module caller removed",
        &|| std::fs::remove_file(root.join("scenario/tf/app2/lib.tf")).unwrap(),
        true,
    );
    step(
        "a sample variable file edited",
        &|| {
            let p = root.join("samples/terraform/terraform.tfvars");
            let text = std::fs::read_to_string(&p).unwrap();
            std::fs::write(p, format!("{text}\n# edited\n")).unwrap();
        },
        false,
    );
    let buffer = MODULE.replace(
        "admin_enabled                 = var.admin",
        "admin_enabled = true",
    );
    let edited = check_with(
        root,
        &session,
        "a module file edited in an open buffer",
        Some(("scenario/tf/modules/acr/main.tf", &buffer)),
    );
    assert!(
        outcome(&edited) != outcome(&last),
        "the buffer should change the findings"
    );
    last = check(root, &session, "the buffer closed");
    assert!(outcome(&edited) != outcome(&last));
}

/// Set a folder's modification time an hour back: the session keeps listings only of
/// folders that did not change in the last moments.
fn age(dir: &Path) {
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::open(dir)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
}

const BASE_KUSTOMIZATION: &str = "resources:\n- deployment.yaml\n";

fn overlay(tag: &str) -> String {
    format!(
        "resources:\n- ../base\nnamespace: prod\nimages:\n- name: docker.io/library/nginx\n  newTag: '{tag}'\n"
    )
}

/// A Terraform file whose comment line above the registry is replaced, at the same length,
/// by an ignore: nothing a rule reads changes, only the suppressions.
const SUPPRESSIBLE: &str = r#"# a comment line that holds the place of an ignore directive
resource "azurerm_container_registry" "quiet" {
  name                = "acrquiet"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Premium"
  admin_enabled       = true
}
"#;

#[test]
fn listings_renderings_and_suppressions_follow_edits() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    // A module folder the scan hides (`.ignore`): only the listing of its folder finds
    // its files.
    write(root, ".ignore", "vendored/\n");
    write(root, "scenario/tf/vendored/acr/main.tf", MODULE);
    write(
        root,
        "scenario/tf/app1/main.tf",
        "module \"acr\" {\n  source = \"../vendored/acr\"\n  admin  = false\n}\n",
    );
    write(root, "scenario/tf/quiet/main.tf", SUPPRESSIBLE);
    write(root, "scenario/k8s/base/deployment.yaml", DEPLOYMENT);
    write(
        root,
        "scenario/k8s/base/kustomization.yaml",
        BASE_KUSTOMIZATION,
    );
    write(
        root,
        "scenario/k8s/prod/kustomization.yaml",
        &overlay("latest"),
    );
    for dir in [
        "scenario/tf/vendored/acr",
        "scenario/tf/app1",
        "scenario/tf/quiet",
    ] {
        age(&root.join(dir));
    }

    let session = Session::new();
    let mut last = check(root, &session, "the first analysis");
    // Twice: the listings kept by the first are used by the second.
    last = {
        let again = check(root, &session, "nothing changed");
        assert!(outcome(&again) == outcome(&last));
        again
    };
    let mut step = |what: &str, change: &dyn Fn(), differs: bool| {
        step_through(root, &session, &mut last, what, change, differs)
    };
    let extra = "resource \"azurerm_container_registry\" \"extra\" {\n  name                = \"acrextra\"\n  resource_group_name = \"rg\"\n  location            = \"westeurope\"\n  sku                 = \"Basic\"\n}\n";
    step(
        "a file created in a module folder",
        &|| write(root, "scenario/tf/vendored/acr/extra.tf", extra),
        true,
    );
    step(
        "the module folder aged again",
        &|| age(&root.join("scenario/tf/vendored/acr")),
        false,
    );
    step(
        "the new file renamed to another extension",
        &|| {
            std::fs::rename(
                root.join("scenario/tf/vendored/acr/extra.tf"),
                root.join("scenario/tf/vendored/acr/extra.tf.off"),
            )
            .unwrap()
        },
        true,
    );
    step(
        "the file renamed back",
        &|| {
            age(&root.join("scenario/tf/vendored/acr"));
            std::fs::rename(
                root.join("scenario/tf/vendored/acr/extra.tf.off"),
                root.join("scenario/tf/vendored/acr/extra.tf"),
            )
            .unwrap()
        },
        true,
    );
    step(
        "the file deleted",
        &|| {
            age(&root.join("scenario/tf/vendored/acr"));
            std::fs::remove_file(root.join("scenario/tf/vendored/acr/extra.tf")).unwrap()
        },
        true,
    );
    step(
        "a kustomization's image tag edited",
        &|| {
            write(
                root,
                "scenario/k8s/prod/kustomization.yaml",
                &overlay("1.27"),
            )
        },
        true,
    );
    step(
        "a manifest a kustomization includes edited",
        &|| {
            edit(
                root,
                "scenario/k8s/base/deployment.yaml",
                "nginx:1.27",
                "nginx:latest",
            )
        },
        false,
    );
    step(
        "the kustomization's tag edited back",
        &|| {
            write(
                root,
                "scenario/k8s/prod/kustomization.yaml",
                &overlay("latest"),
            )
        },
        true,
    );
    step(
        "an ignore written over a comment of the same length",
        &|| {
            edit(
                root,
                "scenario/tf/quiet/main.tf",
                "# a comment line that holds the place of an ignore directive",
                "# acrlint:ignore ACR002 the registry is reached by a robot..",
            )
        },
        true,
    );
    step(
        "an ignore of the wrong code, same length",
        &|| {
            edit(
                root,
                "scenario/tf/quiet/main.tf",
                "ACR002 the registry",
                "ACR004 the registry",
            )
        },
        true,
    );
    step(
        "the ignore taken out",
        &|| {
            edit(
                root,
                "scenario/tf/quiet/main.tf",
                "# acrlint:ignore ACR004 the registry is reached by a robot..",
                "# a comment line that holds the place of an ignore directive",
            )
        },
        true,
    );
}

/// A Bicep entry file calling the shared module with its `admin` parameter.
fn bicep_entry(module: &str) -> String {
    format!(
        "param admin bool = false
module acr '{module}' = {{
  name: 'acr'
  params: {{ admin: admin }}
}}
"
    )
}

const BICEP_EXTRA: &str = "resource extra 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'acrextra'
  location: 'westeurope'
  sku: { name: 'Basic' }
  properties: { adminUserEnabled: true }
}
";

/// Each Bicep entry file is a unit of its own: edits of a module called by two entry
/// files, of a `.bicepparam`, of which files are modules, and modules created or deleted
/// give the findings of a fresh analysis.
#[test]
fn bicep_units_follow_edits() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "scenario/shared/acr.bicep", BICEP_MODULE);
    write(
        root,
        "scenario/app1/main.bicep",
        &bicep_entry("../shared/acr.bicep"),
    );
    write(
        root,
        "scenario/app2/main.bicep",
        &bicep_entry("../shared/acr.bicep"),
    );
    write(
        root,
        "scenario/app1/main.bicepparam",
        "using './main.bicep'\nparam admin = false\n",
    );
    write(root, "scenario/app3/extra.bicep", BICEP_EXTRA);

    let session = Session::new();
    let mut last = check(root, &session, "the first analysis");
    let mut step = |what: &str, change: &dyn Fn(), differs: bool| {
        step_through(root, &session, &mut last, what, change, differs)
    };
    step("nothing changed", &|| {}, false);
    let shared = "scenario/shared/acr.bicep";
    let (admin_param, admin_true) = ("adminUserEnabled: admin", "adminUserEnabled: true");
    step(
        "a module called by two entry files edited",
        &|| edit(root, shared, admin_param, admin_true),
        true,
    );
    step(
        "the module edited back",
        &|| edit(root, shared, admin_true, admin_param),
        true,
    );
    step(
        "a .bicepparam edited",
        &|| {
            edit(
                root,
                "scenario/app1/main.bicepparam",
                "admin = false",
                "admin = true",
            )
        },
        true,
    );
    step(
        "a second .bicepparam for the same file added",
        &|| {
            write(
                root,
                "scenario/app1/other.bicepparam",
                "using './main.bicep'\nparam admin = false\n",
            )
        },
        true,
    );
    step(
        "the second .bicepparam deleted",
        &|| std::fs::remove_file(root.join("scenario/app1/other.bicepparam")).unwrap(),
        true,
    );
    step(
        "an entry file that becomes a module",
        &|| {
            let mut text = bicep_entry("../shared/acr.bicep");
            text.push_str("module extra '../app3/extra.bicep' = {\n  name: 'extra'\n}\n");
            write(root, "scenario/app2/main.bicep", &text);
        },
        true,
    );
    step(
        "the module that stops being one",
        &|| {
            write(
                root,
                "scenario/app2/main.bicep",
                &bicep_entry("../shared/acr.bicep"),
            )
        },
        true,
    );
    step(
        "a module file deleted",
        &|| std::fs::remove_file(root.join(shared)).unwrap(),
        true,
    );
    step(
        "the module file created again",
        &|| write(root, shared, BICEP_MODULE),
        true,
    );
    step(
        "a module file created where a call pointed to nothing",
        &|| {
            write(
                root,
                "scenario/app2/main.bicep",
                &bicep_entry("../shared/new.bicep"),
            );
            write(root, "scenario/shared/new.bicep", BICEP_EXTRA);
        },
        true,
    );
    step(
        "a module with a syntax error called by two entry files",
        &|| {
            write(
                root,
                "scenario/app1/main.bicep",
                &bicep_entry("../shared/new.bicep"),
            );
            edit(
                root,
                "scenario/shared/new.bicep",
                "name: 'acrextra'",
                "name: 'acrextra",
            );
        },
        true,
    );
}
