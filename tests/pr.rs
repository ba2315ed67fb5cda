//! Pull-request and pre-commit features: SARIF, GitHub annotations, inline suppressions,
//! baselines and `--fix`.

mod common;

use std::path::Path;

use acrlint::config::Config;
use acrlint::finding::Finding;
use acrlint::model::{Format, Graph, Kind, Resource, Value, ValueKind};
use acrlint::source::{FileId, SourceFile, SourceMap, Span};
use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;

const REGISTRY: &str = r#"resource "azurerm_container_registry" "acr" {
  name                          = "contosoacr"
  resource_group_name           = "rg-platform"
  location                      = "westeurope"
  sku                           = "Basic" # cheaper
  admin_enabled                 = true
  public_network_access_enabled = true
}
"#;

fn acrlint() -> Command {
    Command::cargo_bin("acrlint").unwrap()
}

fn codes(a: &acrlint::Analysis) -> Vec<&'static str> {
    a.findings.iter().map(|f| f.rule.code).collect()
}

fn analyze_text(dir: &Path, files: &[(&str, &str)]) -> acrlint::Analysis {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    // ACR010 (diagnostics) would fire on every lone registry here; these tests are about
    // suppressions and output, not about it.
    let config = Config::parse("[rules]\nACR010 = \"off\"\n", Path::new("acrlint.toml")).unwrap();
    common::analyze_paths(&[dir.to_path_buf()], &config)
}

// ---------------------------------------------------------------- SARIF

#[test]
fn sarif_validates_against_the_schema_and_follows_code_scanning_rules() {
    std::env::set_current_dir(common::root()).unwrap();
    let a = common::analyze_paths(
        &[
            "tests/fixtures/ACR002/bad-terraform-module".into(),
            "tests/fixtures/ACR003/bad-terraform-tfvars".into(),
            "tests/fixtures/LINT001/bad-terraform-syntax".into(),
            "tests/fixtures/LINT002/bad-terraform-unknown-code".into(),
        ],
        &Config::default(),
    );
    assert!(a.findings.iter().any(|f| !f.secondary.is_empty()));
    let text = acrlint::report::render(&a, acrlint::report::Format::Sarif, false);
    let sarif: serde_json::Value = serde_json::from_str(&text).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    assert!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
            .as_str()
            .unwrap()
            .ends_with('/')
    );
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    // The rules the results refer to, each once.
    let mut used: Vec<&str> = a
        .findings
        .iter()
        .chain(a.suppressed.iter().map(|(f, _)| f))
        .map(|f| f.rule.code)
        .collect();
    used.sort_unstable();
    used.dedup();
    let mut listed: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    listed.sort_unstable();
    assert_eq!(listed, used);
    for r in rules {
        let meta = acrlint::rules::by_code_or_name(r["id"].as_str().unwrap()).unwrap();
        // The doc once: as Markdown help, not again as text or description.
        assert_eq!(r["help"]["markdown"], meta.meta.doc);
        assert!(r["help"]["text"].as_str().unwrap().len() < 400);
        assert!(r["fullDescription"]["text"].as_str().unwrap().len() < 1000);
        assert!(
            r["helpUri"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/rules/{}", meta.meta.doc_file()))
        );
        // A security severity only where the default level is error or warning.
        assert_eq!(
            r["properties"]["security-severity"].is_string(),
            meta.meta.severity != acrlint::finding::Severity::Note,
            "{}",
            r["id"]
        );
        assert!(r["defaultConfiguration"]["level"].is_string());
    }
    let results = run["results"].as_array().unwrap();
    // Reported findings, then the suppressed ones (the LINT002 fixture has one).
    assert!(!a.suppressed.is_empty());
    assert_eq!(results.len(), a.findings.len() + a.suppressed.len());
    for res in results {
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(res["partialFingerprints"]["acrlint/v1"].is_string());
    }
    // Every related location is linked from the message, as code scanning needs.
    let mut linked = 0;
    for res in results {
        for l in res["relatedLocations"].as_array().into_iter().flatten() {
            let link = format!("]({})", l["id"]);
            assert!(
                res["message"]["text"].as_str().unwrap().contains(&link),
                "{res}"
            );
            linked += 1;
        }
    }
    assert!(linked > 0);

    let Some(validator) = sarif_validator() else {
        return;
    };
    assert_valid(&validator, &sarif);
    // The validator does reject what code scanning would (a result without a message).
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["message"] = serde_json::json!({});
    assert!(!validator.is_valid(&broken));
    // And the whole corpus, when present.
    if let Some(corpus) = common::corpus() {
        let a = common::analyze_paths(&[corpus], &Config::default());
        assert!(!a.findings.is_empty());
        let text = acrlint::report::render(&a, acrlint::report::Format::Sarif, false);
        assert_valid(&validator, &serde_json::from_str(&text).unwrap());
    }
}

fn assert_valid(validator: &jsonschema::Validator, sarif: &serde_json::Value) {
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );
}

/// The SARIF 2.1.0 schema from `../shared/schemas`, when present.
fn sarif_validator() -> Option<jsonschema::Validator> {
    let schema_path = common::root().join("../shared/schemas/sarif-2.1.0.json");
    let Ok(schema) = std::fs::read_to_string(&schema_path) else {
        eprintln!(
            "skipped schema validation: {} absent",
            schema_path.display()
        );
        return None;
    };
    // The published schema has one malformed pattern (`run.language`, a property acrlint
    // does not emit) that the validator refuses to compile: repair it before use.
    let schema = schema.replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    let schema: serde_json::Value = serde_json::from_str(&schema).unwrap();
    Some(jsonschema::validator_for(&schema).unwrap())
}

#[test]
fn sarif_columns_are_utf16_and_uris_are_encoded() {
    let dir = tempfile::tempdir().unwrap();
    let text = REGISTRY.replace("# cheaper", "# 😀 cheaper").replace(
        "  admin_enabled                 = true",
        "  /* é😀 */ admin_enabled = true",
    );
    let a = analyze_text(dir.path(), &[("a b%.tf", &text)]);
    let sarif: serde_json::Value = serde_json::from_str(&acrlint::report::render(
        &a,
        acrlint::report::Format::Sarif,
        false,
    ))
    .unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let admin = results.iter().find(|r| r["ruleId"] == "ACR002").unwrap();
    let loc = &admin["locations"][0]["physicalLocation"];
    // `  /* é😀 */ admin_enabled = ` is 28 UTF-16 code units (27 characters) before `true`.
    assert_eq!(loc["region"]["startColumn"], 29);
    assert_eq!(loc["region"]["endColumn"], 33);
    let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.ends_with("/a%20b%25.tf"), "{uri}");
}

#[test]
fn fingerprints_survive_moved_lines_and_reformatting() {
    let dir = tempfile::tempdir().unwrap();
    let before = analyze_text(dir.path(), &[("main.tf", REGISTRY)]);
    let moved = format!(
        "# a comment\n\nterraform {{\n}}\n\n{}",
        REGISTRY
            .replace("                          = true", " =   true")
            .replace("= \"Basic\" # cheaper", "=\"Basic\"")
    );
    let after = analyze_text(dir.path(), &[("main.tf", &moved)]);
    let fa = acrlint::baseline::fingerprints(&before.findings, &before.sources);
    let fb = acrlint::baseline::fingerprints(&after.findings, &after.sources);
    assert!(!fa.is_empty());
    assert_eq!(codes(&before), codes(&after));
    assert_eq!(fa, fb);
    let mut unique = fa.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), fa.len(), "fingerprints must be unique");
}

// ---------------------------------------------------------------- GitHub annotations

#[test]
fn github_escapes_hostile_file_and_resource_names() {
    use acrlint::report::github::{escape_data, escape_property};
    assert_eq!(escape_data("100%\r\n::error::x"), "100%25%0D%0A::error::x");
    assert_eq!(escape_property("a,b::c%0A"), "a%2Cb%3A%3Ac%250A");

    let dir = tempfile::tempdir().unwrap();
    let hostile = REGISTRY.replace("\"acr\"", "\"acr\\n::error::injected\"");
    std::fs::write(dir.path().join("a,b::c%0A.tf"), &hostile).unwrap();
    let out = acrlint()
        .current_dir(dir.path())
        .args(["check", "--no-config", "--format", "github", "."])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() >= 3, "{stdout}");
    for line in &lines {
        assert!(
            line.starts_with("::error file=")
                || line.starts_with("::warning file=")
                || line.starts_with("::notice file="),
            "not a single workflow command: {line}"
        );
        assert!(line.contains("file=a%2Cb%3A%3Ac%250A.tf,line="), "{line}");
        // The first `::` after the command ends the properties: nothing before `title=`
        // (the file name) may contain one.
        let props = &line[2..line[2..].find("::").unwrap() + 2];
        assert!(props.contains(",title=ACR0"), "{line}");
    }
    // The line break in the name is shown as `\n`, then `%`-escaped as any text.
    assert!(stdout.contains("acr\\n::error::injected"), "{stdout}");
}

// ---------------------------------------------------------------- suppressions

#[test]
fn terraform_suppressions_trailing_next_line_and_resource_below() {
    let dir = tempfile::tempdir().unwrap();
    let text = REGISTRY
        .replace(
            "resource \"azurerm",
            "# acrlint:ignore ACR001 reviewed in SEC-42\n\n// unrelated comment\nresource \"azurerm",
        )
        .replace("= true\n  public", "= true # acrlint:ignore ACR002 build agents, until 2027\n  public")
        .replace(
            "  sku ",
            "  # acrlint:ignore ACR003 cost, accepted by the platform team\n  sku ",
        );
    let plain = analyze_text(dir.path(), &[("main.tf", REGISTRY)]);
    assert_eq!(codes(&plain), ["ACR003", "ACR002", "ACR001"]);
    let a = analyze_text(dir.path(), &[("main.tf", &text)]);
    assert_eq!(codes(&a), Vec::<&str>::new());
}

#[test]
fn terraform_suppression_problems_are_lint002_and_do_not_suppress() {
    let dir = tempfile::tempdir().unwrap();
    let text = REGISTRY
        .replace(
            "= true\n  public",
            "= true # acrlint:ignore ACR002\n  public",
        )
        .replace(
            "resource \"azurerm",
            "# acrlint:ignore ACR999,ACR004 stale\nresource \"azurerm",
        );
    let a = analyze_text(dir.path(), &[("main.tf", &text)]);
    let lint: Vec<&str> = a
        .findings
        .iter()
        .filter(|f| f.rule.code == "LINT002")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(lint.len(), 3, "{lint:?}");
    assert!(lint.iter().any(|m| m.contains("no reason")));
    assert!(
        lint.iter()
            .any(|m| m.contains("unknown rule code `ACR999`"))
    );
    assert!(
        lint.iter()
            .any(|m| m.contains("ACR004` matched no finding"))
    );
    assert!(
        codes(&a).contains(&"ACR002"),
        "an ignore without reason must not suppress"
    );
}

#[test]
fn ignores_for_rules_turned_off_are_not_unused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "# acrlint:ignore ACR002 off anyway\n".to_string()
            + &REGISTRY.replace("true\n  public", "false\n  public"),
    )
    .unwrap();
    let config: Config = toml::from_str("[rules]\nACR002 = \"off\"\n").unwrap();
    let a = common::analyze_paths(&[dir.path().to_path_buf()], &config);
    assert!(!codes(&a).contains(&"LINT002"));
}

/// ARM metadata and Kubernetes annotations are read from the resource body, so they are
/// tested on hand-made resources (independent of the loaders).
fn body_resource(
    format: Format,
    file: FileId,
    text: &str,
    path: &[&str],
    directive: &str,
) -> Resource {
    let at = text.find(directive).unwrap();
    let span = Span::new(file, at - 1..at + directive.len() + 1);
    let mut v = Value::string(directive, span);
    for key in path.iter().rev() {
        v = Value::new(ValueKind::Object(vec![((*key).into(), v)]), span);
    }
    Resource {
        id: Default::default(),
        kind: Kind::ContainerRegistry,
        format,
        native_type: "x".into(),
        address: format!("{format:?}-resource"),
        keys: vec![],
        span: Span::new(file, 0..1),
        body: v,
        name: None,
        instances: None,
        via: vec![],
        existing: false,
    }
}

#[test]
fn arm_metadata_and_kubernetes_annotation_suppress_their_resource() {
    let rule = &acrlint::rules::by_code_or_name("ACR002").unwrap().meta;
    let arm = r#"{"type": "Microsoft.ContainerRegistry/registries", "metadata": {"acrlint:ignore": "ACR002 legacy pipeline"}}"#;
    let k8s = "metadata:\n  annotations:\n    acrlint.dev/ignore: \"ACR002,ACR003 vendor image\"\n";
    let mut sources = SourceMap::default();
    let fa = sources.add(SourceFile::new("t.json".into(), "t.json".into(), arm));
    let fk = sources.add(SourceFile::new("k.yaml".into(), "k.yaml".into(), k8s));
    let graph = Graph::new(vec![
        body_resource(
            Format::Arm,
            fa,
            arm,
            &["metadata", "acrlint:ignore"],
            "ACR002 legacy pipeline",
        ),
        body_resource(
            Format::Kubernetes,
            fk,
            k8s,
            &["metadata", "annotations", "acrlint.dev/ignore"],
            "ACR002,ACR003 vendor image",
        ),
    ]);
    let mut findings: Vec<Finding> = graph
        .resources
        .iter()
        .map(|r| {
            // About the resource: its declaration, which the ignore is matched against.
            Finding::new(rule, Span::new(r.span.file, 5..6), "admin").on(r)
        })
        .collect();
    acrlint::suppress::apply(&mut findings, &sources, &[], &graph, &Config::default());
    let left: Vec<(&str, String)> = findings
        .iter()
        .map(|f| (f.rule.code, sources.text(f.primary).to_string()))
        .collect();
    // Both ACR002 findings are gone; the unused ACR003 is reported at its code.
    assert_eq!(left, vec![("LINT002", "ACR003".to_string())]);
}

// ---------------------------------------------------------------- baseline

#[test]
fn baseline_round_trip_reports_only_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("main.tf"), REGISTRY).unwrap();
    acrlint()
        .current_dir(d)
        .args([
            "baseline",
            "write",
            "acrlint-baseline.json",
            "--no-config",
            ".",
        ])
        .assert()
        .success();
    acrlint()
        .current_dir(d)
        .args([
            "check",
            "--no-config",
            "--baseline",
            "acrlint-baseline.json",
            ".",
        ])
        .assert()
        .code(0)
        .stdout(
            predicates::str::contains("no findings")
                .or(predicates::str::is_empty())
                .or(predicates::str::contains("0 findings")),
        );
    // Lines move and the file is reformatted; a second registry is new.
    let changed = format!(
        "locals {{\n  x = 1\n}}\n\n{}\n{}",
        REGISTRY
            .replace("  ", "    ")
            .replace("= \"Basic\" # cheaper", "= \"Basic\""),
        REGISTRY.replace("\"acr\"", "\"other\"")
    );
    std::fs::write(d.join("main.tf"), changed).unwrap();
    let out = acrlint()
        .current_dir(d)
        .args([
            "check",
            "--no-config",
            "-f",
            "json",
            "--baseline",
            "acrlint-baseline.json",
            ".",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        assert_eq!(f["resource"], "azurerm_container_registry.other", "{f}");
    }
}

// ---------------------------------------------------------------- --fix

#[test]
fn fix_rewrites_literals_inserts_defaults_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let original = REGISTRY.replace("  public_network_access_enabled = true\n", "");
    let with_var = "variable \"admin\" {\n  default = true\n}\n\nresource \"azurerm_container_registry\" \"v\" {\n  name                = \"v\"\n  resource_group_name = \"rg\"\n  location            = \"westeurope\"\n  sku                 = \"Premium\"\n  admin_enabled       = var.admin\n  public_network_access_enabled = false\n}\n";
    std::fs::write(d.join("main.tf"), &original).unwrap();
    std::fs::write(d.join("var.tf"), with_var).unwrap();

    // --diff shows the change and writes nothing.
    let out = acrlint()
        .current_dir(d)
        .args(["check", "--no-config", "--diff", "--unsafe-fixes", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(diff.contains("--- a/main.tf\n+++ b/main.tf\n"), "{diff}");
    assert!(
        diff.contains("-  admin_enabled                 = true\n"),
        "{diff}"
    );
    assert!(
        diff.contains("+  admin_enabled                 = false\n"),
        "{diff}"
    );
    assert!(
        diff.contains("+  public_network_access_enabled = false\n"),
        "{diff}"
    );
    assert!(
        !diff.contains("var.tf"),
        "values from variables are not rewritten: {diff}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("main.tf")).unwrap(),
        original
    );

    acrlint()
        .current_dir(d)
        .args(["check", "--no-config", "--fix", "--unsafe-fixes", "."])
        .assert()
        .stderr(predicates::str::contains("fixed 3 finding(s) in 1 file(s)"));
    let fixed = std::fs::read_to_string(d.join("main.tf")).unwrap();
    assert_eq!(
        fixed,
        original
            .replace("\"Basic\" # cheaper", "\"Premium\" # cheaper")
            .replace(
                "= true\n",
                "= false\n  public_network_access_enabled = false\n"
            )
    );
    assert_eq!(std::fs::read_to_string(d.join("var.tf")).unwrap(), with_var);
    let a = common::analyze_paths(&[d.to_path_buf()], &Config::default());
    assert!(a.findings.iter().any(|f| f.rule.code == "ACR002"
        && f.resource.as_deref() == Some("azurerm_container_registry.v")));
    let c: Vec<&str> = a
        .findings
        .iter()
        .filter(|f| {
            f.rule.code == "LINT001"
                || f.resource.as_deref() == Some("azurerm_container_registry.acr")
        })
        .map(|f| f.rule.code)
        .collect();
    for gone in ["LINT001", "ACR001", "ACR002", "ACR003"] {
        assert!(!c.contains(&gone), "{gone} after --fix: {c:?}");
    }

    // Idempotent: a second run changes nothing.
    acrlint()
        .current_dir(d)
        .args(["check", "--no-config", "--fix", "--unsafe-fixes", "."])
        .assert()
        .stderr(predicates::str::contains("fixed").not());
    assert_eq!(std::fs::read_to_string(d.join("main.tf")).unwrap(), fixed);
    acrlint()
        .current_dir(d)
        .args(["check", "--no-config", "--diff", "--unsafe-fixes", "."])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn sarif_results_and_github_annotations_snapshots() {
    std::env::set_current_dir(common::root()).unwrap();
    let a = common::analyze_dir(Path::new("tests/fixtures/ACR003/bad-terraform-tfvars"));
    let sarif: serde_json::Value = serde_json::from_str(&acrlint::report::render(
        &a,
        acrlint::report::Format::Sarif,
        false,
    ))
    .unwrap();
    insta::assert_snapshot!(
        "sarif-results-ACR003-bad-terraform-tfvars",
        serde_json::to_string_pretty(&sarif["runs"][0]["results"]).unwrap()
    );
    insta::assert_snapshot!(
        "github-ACR003-bad-terraform-tfvars",
        acrlint::report::render(&a, acrlint::report::Format::Github, false)
    );
}

#[test]
fn a_comment_above_a_module_call_covers_the_module_resources() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("m")).unwrap();
    std::fs::write(dir.path().join("m/main.tf"), REGISTRY).unwrap();
    let a = analyze_text(
        dir.path(),
        &[(
            "main.tf",
            "# acrlint:ignore ACR002 the module's registry is a sandbox\nmodule \"acr\" {\n  source = \"./m\"\n}\n",
        )],
    );
    assert_eq!(codes(&a), ["ACR003", "ACR001"]);
}

#[test]
fn ignores_in_a_file_that_does_not_parse_are_not_reported_unused() {
    let dir = tempfile::tempdir().unwrap();
    let a = analyze_text(
        dir.path(),
        &[(
            "main.tf",
            "# acrlint:ignore ACR002 sandbox\nresource \"azurerm_container_registry\" \"acr\" {\n  sku = \n",
        )],
    );
    assert_eq!(codes(&a), ["LINT001"]);
}

#[test]
fn public_access_is_not_fixed_when_the_sku_cannot_become_premium() {
    let dir = tempfile::tempdir().unwrap();
    let text = "variable \"sku\" {\n  default = \"Basic\"\n}\n\n".to_string()
        + &REGISTRY
            .replace("\"Basic\" # cheaper", "var.sku")
            .replace("  public_network_access_enabled = true\n", "");
    let a = analyze_text(dir.path(), &[("main.tf", &text)]);
    let acr001 = a.findings.iter().find(|f| f.rule.code == "ACR001").unwrap();
    assert!(
        acr001.fix.is_none(),
        "disabling public access needs Premium"
    );
    let premium = analyze_text(
        dir.path(),
        &[("main.tf", &text.replace("\"Basic\"", "\"Premium\""))],
    );
    let acr001 = premium
        .findings
        .iter()
        .find(|f| f.rule.code == "ACR001")
        .unwrap();
    assert!(acr001.fix.is_some());
}
