//! The rule docs in `rules/` stay in sync with the code, and their examples are real:
//! every code block tagged `bad` fires the rule, every block tagged `good` does not.
//! Tags: ```` ```terraform bad ````, ```` ```json good ```` (ARM), ```` ```bicep bad ````,
//! ```` ```yaml bad ```` (Kubernetes).

mod common;

use acrlint::config::Config;
use acrlint::rules::ALL;

struct Example {
    lang: String,
    bad: bool,
    code: String,
}

fn examples(doc: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut current: Option<Example> = None;
    for line in doc.lines() {
        if let Some(info) = line.strip_prefix("```") {
            match current.take() {
                Some(ex) => out.push(ex),
                None => {
                    let mut words = info.split_whitespace();
                    let lang = words.next().unwrap_or("").to_string();
                    let tag = words.next();
                    if matches!(tag, Some("bad" | "good")) {
                        current = Some(Example {
                            lang,
                            bad: tag == Some("bad"),
                            code: String::new(),
                        });
                    } else {
                        // A fence we don't run: skip to its end.
                        current = Some(Example {
                            lang: "skip".into(),
                            bad: false,
                            code: String::new(),
                        });
                    }
                }
            }
        } else if let Some(ex) = current.as_mut() {
            ex.code.push_str(line);
            ex.code.push('\n');
        }
    }
    out.retain(|e| e.lang != "skip");
    out
}

fn file_name(lang: &str) -> &'static str {
    match lang {
        "terraform" | "hcl" => "main.tf",
        "json" => "azuredeploy.json",
        "bicep" => "main.bicep",
        "yaml" => "manifest.yaml",
        "toml" => "acrlint.toml",
        other => panic!("unknown example language `{other}`"),
    }
}

#[test]
fn every_rule_has_a_doc_with_the_expected_sections() {
    for rule in ALL {
        let m = &rule.meta;
        let path = common::root().join("rules").join(m.doc_file());
        assert!(path.is_file(), "missing {}", path.display());
        let doc = std::fs::read_to_string(&path).unwrap();
        assert_eq!(doc, m.doc, "{}: embedded doc differs from the file", m.code);
        let title = format!("# {} {}", m.code, m.name);
        assert!(
            doc.starts_with(&title),
            "{}: doc must start with `{title}`",
            m.code
        );
        for section in ["## Why it matters", "## How to fix", "## Suppressing"] {
            assert!(doc.contains(section), "{}: doc lacks `{section}`", m.code);
        }
    }
    // No stray docs for rules that do not exist.
    for entry in std::fs::read_dir(common::root().join("rules"))
        .unwrap()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            ALL.iter().any(|r| r.meta.doc_file() == name),
            "rules/{name} belongs to no rule"
        );
    }
}

#[test]
fn doc_examples_fire_when_bad_and_stay_quiet_when_good() {
    let mut failures = Vec::new();
    for rule in ALL {
        let m = &rule.meta;
        let exs = examples(m.doc);
        if m.code.starts_with("LINT") {
            continue;
        }
        assert!(
            exs.iter().any(|e| e.bad),
            "{}: doc has no bad example",
            m.code
        );
        assert!(
            exs.iter().any(|e| !e.bad),
            "{}: doc has no good example",
            m.code
        );
        for (i, ex) in exs.iter().enumerate() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(file_name(&ex.lang));
            std::fs::write(&path, &ex.code).unwrap();
            // Rules off by default are turned on to run their examples.
            let config = if m.on_by_default() {
                Config::default()
            } else {
                let on = format!("[rules]\n{} = \"{}\"\n", m.code, m.severity.as_str());
                Config::parse(&on, std::path::Path::new("acrlint.toml")).unwrap()
            };
            let a = common::analyze_paths(&[dir.path().to_path_buf()], &config);
            let fired = a.findings.iter().any(|f| f.rule.code == m.code);
            let parse_errors: Vec<_> = a
                .findings
                .iter()
                .filter(|f| f.rule.code == "LINT001")
                .map(|f| f.message.clone())
                .collect();
            if !parse_errors.is_empty() {
                failures.push(format!(
                    "{} example {i} ({}): does not parse: {parse_errors:?}",
                    m.code, ex.lang
                ));
            } else if fired != ex.bad {
                failures.push(format!(
                    "{} example {i} ({} {}): {}",
                    m.code,
                    ex.lang,
                    if ex.bad { "bad" } else { "good" },
                    if ex.bad { "did not fire" } else { "fired" }
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
