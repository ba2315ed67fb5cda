//! A hostile repository cannot forge output: values, file names and source lines with
//! line breaks, workflow commands, terminal escapes and bidi controls come out escaped in
//! every format. And its suppressions silence only their own resource.

mod common;

use std::path::Path;
use std::process::Command;

use acrlint::report::{Format, render};

/// A line break followed by a workflow command, a CR, an OSC 8 hyperlink and a bidi
/// override, in the escapes Terraform and YAML double-quoted strings both understand.
const EVIL_ESCAPED: &str = "\\n::error file=x::forged\\r\\u001b]8;;http://evil\\u0007\\u202e";

fn write(root: &Path, name: &str, text: &str) {
    let p = root.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The hostile repository: every way scanned text reaches a report.
fn hostile_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A registry whose name and a module source carry the payload; a raw ESC sequence and
    // a bidi control in a comment on the line ACR002 points at.
    write(
        root,
        "main.tf",
        &format!(
            "resource \"azurerm_container_registry\" \"acr\" {{\n  name                = \"acr{EVIL_ESCAPED}\"\n  resource_group_name = \"rg\"\n  location            = \"westeurope\"\n  sku                 = \"Basic\"\n  admin_enabled       = true # \u{1b}]8;;http://evil\u{7}x\u{1b}]8;;\u{7} \u{202e}\u{1b}[2J\n}}\n\nmodule \"m\" {{\n  source = \"git::https://example.com/x{EVIL_ESCAPED}\"\n}}\n"
        ),
    );
    // A line the parser rejects, with a raw CR and ESC where the parse error points.
    write(
        root,
        "broken.tf",
        "resource \"azurerm_container_registry\" \"b\" {\n  name = \"b\" \r::error file=cr::forged \u{1b}[31m\n}\n",
    );
    // A Kubernetes object whose name and image carry the payload.
    write(
        root,
        "pod.yaml",
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"web{EVIL_ESCAPED}\"\nspec:\n  containers:\n    - name: \"c{EVIL_ESCAPED}\"\n      image: \"contosoacr.azurecr.io/web:latest{EVIL_ESCAPED}\"\n"
        ),
    );
    // A file name with the payload.
    write(
        root,
        "d/a\n::error file=name::forged\r\u{1b}[31m\u{202e}.tf",
        "resource \"azurerm_container_registry\" \"n\" {\n  name                = \"n\"\n  resource_group_name = \"rg\"\n  location            = \"westeurope\"\n  sku                 = \"Basic\"\n  admin_enabled       = true\n}\n",
    );
    dir
}

/// No line starts with `::` unless it is one of acrlint's own annotations (when
/// `annotations`), and no raw CR, bidi control or escape sequence appears; with
/// `color`, the only escape sequences are SGR colours.
fn assert_safe(what: &str, out: &str, annotations: bool, color: bool) {
    for line in out.split('\n') {
        if line.starts_with("::") {
            assert!(
                annotations
                    && ["::error file=", "::warning file=", "::notice file="]
                        .iter()
                        .any(|p| line.starts_with(p))
                    && line.contains(",line=")
                    && line.contains(",title="),
                "{what}: a line starts with `::`: {line:?}"
            );
        }
    }
    assert!(!out.contains('\r'), "{what}: a raw CR in {out:?}");
    for c in ['\u{202e}', '\u{7}', '\u{9b}', '\u{85}'] {
        assert!(!out.contains(c), "{what}: a raw {c:?} in {out:?}");
    }
    let mut rest = out;
    while let Some(i) = rest.find('\u{1b}') {
        rest = &rest[i + 1..];
        let sgr = color
            && rest.starts_with('[')
            && rest[1..].find('m').is_some_and(|m| {
                rest[1..1 + m]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ';')
            });
        assert!(
            sgr,
            "{what}: a raw escape sequence: {:?}",
            &rest[..rest.len().min(40)]
        );
    }
}

fn run(root: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_acrlint"))
        .current_dir(root)
        .args(args)
        .output()
        .expect("run acrlint");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{args:?}: exit {:?}\n{stderr}",
        out.status
    );
    (stdout, stderr)
}

#[test]
fn the_payload_reaches_the_findings() {
    // Without this the other tests would prove nothing: the values do get reported.
    let dir = hostile_repo();
    let a = common::analyze_dir(dir.path());
    let codes: Vec<&str> = a.findings.iter().map(|f| f.code()).collect();
    for code in ["ACR002", "LINT001", "K8S001"] {
        assert!(codes.contains(&code), "{code} missing: {codes:?}");
    }
    let json = render(&a, Format::Json, false);
    assert!(json.contains("::error file=x::forged"), "{json}");
    assert!(json.contains("::error file=name::forged"), "{json}");
    let human = render(&a, Format::Human, false);
    assert!(
        human.contains("\\r::error file=cr::forged \\u{1b}[31m"),
        "the broken line is quoted, escaped: {human}"
    );
}

#[test]
fn every_format_escapes_scanned_text() {
    let dir = hostile_repo();
    for (args, annotations, color) in [
        (
            &["check", "--format", "human", "--color", "never", "."][..],
            false,
            false,
        ),
        (
            &["check", "--format", "human", "--color", "always", "."][..],
            false,
            true,
        ),
        (&["check", "--format", "json", "."][..], false, false),
        (&["check", "--format", "sarif", "."][..], false, false),
        (&["check", "--format", "github", "."][..], true, false),
    ] {
        let (stdout, stderr) = run(dir.path(), args);
        assert!(stdout.contains("ACR002"), "{args:?}: {stdout}");
        assert_safe(&format!("{args:?} stdout"), &stdout, annotations, color);
        assert_safe(&format!("{args:?} stderr"), &stderr, false, false);
        if args.contains(&"json") || args.contains(&"sarif") {
            serde_json::from_str::<serde_json::Value>(&stdout).expect("still valid JSON");
        }
    }
}

#[test]
fn verbose_notes_are_escaped() {
    let dir = hostile_repo();
    for format in ["human", "json", "github"] {
        let (stdout, stderr) = run(
            dir.path(),
            &["check", "-v", "--color", "never", "--format", format, "."],
        );
        // The module that is not analysed is a LINT003 finding (stdout), no longer a -v note.
        assert!(stdout.contains("example.com"), "the module note: {stdout}");
        assert_safe("-v stdout", &stdout, format == "github", false);
        assert_safe("-v stderr", &stderr, false, false);
    }
}

#[test]
fn a_hostile_config_key_is_escaped_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "acrlint.toml",
        &format!("[rules]\n\"ACR999{EVIL_ESCAPED}\" = \"off\"\n"),
    );
    write(dir.path(), "main.tf", &REGISTRY.replace("NAME", "acr"));
    let out = Command::new(env!("CARGO_BIN_EXE_acrlint"))
        .current_dir(dir.path())
        .args(["check", "--format", "github", "."])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ACR999"), "the config error: {stderr}");
    assert_safe("stderr", &stderr, false, false);
    assert_safe("stdout", &String::from_utf8_lossy(&out.stdout), true, false);
}

#[test]
fn json_keeps_exact_values_with_controls_as_escapes() {
    let dir = hostile_repo();
    let a = common::analyze_dir(dir.path());
    let out = render(&a, Format::Json, false);
    assert!(!out.contains('\u{202e}'));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(
        paths
            .iter()
            .any(|p| p.ends_with(r"d/a\n::error file=name::forged\r\u{1b}[31m\u{202e}.tf")),
        "file names are shown escaped, as in every format: {paths:?}"
    );
}

#[test]
fn human_quotes_escaped_lines_with_the_spans_in_place() {
    // A finding on a value after a raw ESC and CR of the same line: the underline stays
    // under the value, and the column is the original's.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        "resource \"azurerm_container_registry\" \"acr\" {\n  name                = \"acr\"\n  resource_group_name = \"rg\"\n  location            = \"westeurope\"\n  sku                 = \"Premium\"\n  /* \u{1b}[2J \u{202e} */ admin_enabled = true\n}\n",
    );
    let a = common::analyze_dir(dir.path());
    let f = a
        .findings
        .iter()
        .find(|f| f.code() == "ACR002")
        .expect("ACR002");
    let file = a.sources.get(f.primary.file);
    let col = file.line_col(f.primary.start as usize).column;
    let human = common::human(&a);
    assert_safe("human", &human, false, false);
    let lines: Vec<&str> = human.lines().collect();
    let head = format!("main.tf:6:{col}");
    assert!(human.contains(&head), "{head} in {human}");
    let quoted = lines
        .iter()
        .position(|l| l.contains("admin_enabled = true") && l.contains("\\u{1b}[2J \\u{202e}"))
        .unwrap_or_else(|| panic!("the line, escaped: {human}"));
    let at = lines[quoted].find("true").unwrap();
    let carets = lines[quoted + 1];
    assert_eq!(
        carets.find('^'),
        Some(at),
        "the underline under `true`:\n{}\n{carets}",
        lines[quoted]
    );
    assert_eq!(carets.matches('^').count(), 4);
}

/// The relative paths of the files with `code` findings.
fn files_with(dir: &Path, code: &str) -> Vec<String> {
    let a = common::analyze_dir(dir);
    let mut v: Vec<String> = a
        .findings
        .iter()
        .filter(|f| f.code() == code)
        .map(|f| {
            let p = &a.sources.get(f.primary.file).path;
            p.strip_prefix(dir.canonicalize().unwrap())
                .or_else(|_| p.strip_prefix(dir))
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    v.sort();
    v
}

const REGISTRY: &str = "resource \"azurerm_container_registry\" \"acr\" {\n  name                = \"NAME\"\n  resource_group_name = \"rg\"\n  location            = \"westeurope\"\n  sku                 = \"Premium\"\n  admin_enabled       = true\n}\n";

#[test]
fn a_terraform_ignore_silences_only_its_own_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "dev/main.tf",
        &format!(
            "# acrlint:ignore ACR002 dev registry, deleted nightly\n{}",
            REGISTRY.replace("NAME", "devacr")
        ),
    );
    write(root, "prod/main.tf", &REGISTRY.replace("NAME", "prodacr"));
    assert_eq!(files_with(root, "ACR002"), ["prod/main.tf"]);
    assert!(files_with(root, "LINT002").is_empty(), "the ignore is used");
}

#[test]
fn a_module_call_ignore_silences_only_that_instance() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "modules/registry/main.tf",
        "variable \"name\" {\n  type = string\n}\n\nresource \"azurerm_container_registry\" \"acr\" {\n  name                = var.name\n  resource_group_name = \"rg\"\n  location            = \"westeurope\"\n  sku                 = \"Premium\"\n  admin_enabled       = true\n}\n",
    );
    write(
        root,
        "dev/main.tf",
        "# acrlint:ignore ACR002 dev registry, deleted nightly\nmodule \"registry\" {\n  source = \"../modules/registry\"\n  name   = \"devacr\"\n}\n",
    );
    write(
        root,
        "prod/main.tf",
        "module \"registry\" {\n  source = \"../modules/registry\"\n  name   = \"prodacr\"\n}\n",
    );
    let a = common::analyze_dir(root);
    let instances: Vec<String> = a
        .findings
        .iter()
        .filter(|f| f.code() == "ACR002")
        .map(|f| {
            let via = f.instance.as_ref().expect("about a resource").via.clone();
            via.iter()
                .map(|s| a.sources.get(s.file).path.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" > ")
        })
        .collect();
    assert!(
        instances.iter().any(|v| v.ends_with("prod/main.tf")),
        "prod's instance is still reported: {instances:?}"
    );
    assert!(
        !instances.iter().any(|v| v.ends_with("dev/main.tf")),
        "dev's instance is silenced: {instances:?}"
    );
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: default\nANNOTATIONspec:\n  containers:\n    - name: web\n      image: contosoacr.azurecr.io/web:latest\n";

#[test]
fn a_kubernetes_annotation_silences_only_its_own_object() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "dev/pod.yaml",
        &POD.replace(
            "ANNOTATION",
            "  annotations:\n    acrlint.dev/ignore: \"K8S002 dev only\"\n",
        ),
    );
    write(root, "prod/pod.yaml", &POD.replace("ANNOTATION", ""));
    assert_eq!(files_with(root, "K8S002"), ["prod/pod.yaml"]);
    // And the other way round: a comment above one object.
    write(
        root,
        "dev/pod.yaml",
        &format!(
            "# acrlint:ignore K8S002 dev only\n{}",
            POD.replace("ANNOTATION", "")
        ),
    );
    assert_eq!(files_with(root, "K8S002"), ["prod/pod.yaml"]);
}

const ARM: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "contosoacr",
      "location": "westeurope",
      METADATA"sku": { "name": "Premium" },
      "properties": { "adminUserEnabled": true }
    }
  ]
}
"#;

#[test]
fn arm_metadata_silences_only_its_own_template() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "dev/azuredeploy.json",
        &ARM.replace(
            "METADATA",
            "\"metadata\": { \"acrlint:ignore\": \"ACR002 dev only\" },\n      ",
        ),
    );
    write(root, "prod/azuredeploy.json", &ARM.replace("METADATA", ""));
    assert_eq!(files_with(root, "ACR002"), ["prod/azuredeploy.json"]);
}
