//! The Kubernetes loader on hostile and unusual input: deep nesting, alias bombs, Helm
//! templates, broken files next to good ones, standard input.

mod common;

use acrlint::config::Config;
use acrlint::source::SourceFile;
use acrlint::{Workspace, analyze};

fn scan(files: &[(&str, String)]) -> acrlint::Analysis {
    let dir = std::env::temp_dir();
    let ws = Workspace {
        files: files
            .iter()
            .map(|(name, text)| SourceFile::new(dir.join(name), name.to_string(), text.as_str()))
            .collect(),
        ..Workspace::default()
    };
    analyze(&ws, &Config::default())
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: nginx}]\n";

#[test]
fn deep_nesting_is_a_lint001_and_other_files_still_load() {
    let mut deep = String::from("apiVersion: v1\nkind: ConfigMap\ndata:\n");
    for i in 0..30_000 {
        deep.push_str(&" ".repeat(i % 2 + 2 + i));
        deep.push_str("k:\n");
        if i > 2000 {
            break;
        }
    }
    let flow = format!(
        "apiVersion: v1\nkind: ConfigMap\ndata: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let a = scan(&[
        ("deep.yaml", deep),
        ("flow.yaml", flow),
        ("pod.yaml", POD.to_string()),
    ]);
    let lint: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule.code == "LINT001")
        .collect();
    assert_eq!(lint.len(), 2, "{}", common::human(&a));
    assert!(
        lint.iter().all(|f| f.message.contains("nested deeper")),
        "{}",
        common::human(&a)
    );
    assert!(a.findings.iter().any(|f| f.rule.code == "K8S001"));
}

#[test]
fn alias_bomb_is_a_lint001() {
    let mut text =
        String::from("apiVersion: v1\nkind: ConfigMap\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        let refs = vec![format!("*a{p}"); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let a = scan(&[("bomb.yaml", text)]);
    assert_eq!(a.findings.len(), 1, "{}", common::human(&a));
    assert_eq!(a.findings[0].rule.code, "LINT001");
    assert!(
        a.findings[0].message.contains("alias"),
        "{}",
        a.findings[0].message
    );
}

#[test]
fn syntax_errors_name_file_and_position() {
    let a = scan(&[(
        "broken.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n".to_string(),
    )]);
    let out = common::human(&a);
    assert!(out.contains("error[LINT001]"), "{out}");
    assert!(out.contains("broken.yaml:"), "{out}");
}

#[test]
fn helm_templates_are_skipped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("chart/templates");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(
        t.join("deploy.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    )
    .unwrap();
    let a = common::analyze_dir(dir.path());
    assert!(a.findings.is_empty(), "{}", common::human(&a));
    assert!(
        a.notes.iter().any(|n| n.contains("helm template")),
        "{:?}",
        a.notes
    );
}

#[test]
fn standard_input_is_scanned_under_its_given_name() {
    let out = assert_cmd::Command::cargo_bin("acrlint")
        .unwrap()
        .args(["check", "-", "--stdin-filename", "rendered.yaml"])
        .write_stdin(POD)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("rendered.yaml:5:"), "{stdout}");
    assert!(stdout.contains("K8S001"), "{stdout}");
}
