//! Every ARM template in `../shared/corpus/` parses and evaluates without LINT001 or panic
//! (skipped when the corpus is absent). Run with `--nocapture` to see which values stay
//! Unknown most often.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use acrlint::discover::{FileKind, classify};
use acrlint::model::{Value, ValueKind};
use acrlint::source::SourceFile;
use acrlint::{Workspace, analyze};

/// Files that are invalid upstream, with the reason (a LINT001 there is correct).
const INVALID_UPSTREAM: &[(&str, &str)] = &[(
    "azure-quickstart-templates-2021fork/orchard-cms-video-portal/azuredeploy.json",
    "a malformed expression: `providers('Microsoft.Media', 'mediaservices')'2015-10-01'0]` \
     (a string and `0]` glued after a call)",
)];

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

fn count_unknowns(v: &Value, counts: &mut BTreeMap<String, usize>) {
    match &v.kind {
        ValueKind::Unknown(why) => {
            // Group by the function or kind of reason.
            let key = why
                .split_once("()")
                .map_or(why.as_str(), |(f, _)| f)
                .trim_start_matches('`')
                .to_ascii_lowercase();
            let key = if key.starts_with("property ") {
                "property of an unknown value".to_string()
            } else if key.starts_with("a reference to ") {
                "a resource id used as a string".to_string()
            } else if key.starts_with("parameter ") && key.ends_with("has no value") {
                "parameter without default or value".to_string()
            } else {
                key
            };
            *counts.entry(key).or_default() += 1;
        }
        ValueKind::List(items) => items.iter().for_each(|i| count_unknowns(i, counts)),
        ValueKind::Object(es) => es.iter().for_each(|(_, i)| count_unknowns(i, counts)),
        _ => {}
    }
}

#[test]
fn every_corpus_arm_template_loads_without_parse_errors() {
    let Some(corpus) = common::corpus() else {
        eprintln!("../shared/corpus is absent: skipped");
        return;
    };
    let corpus = acrlint::normalize(&corpus);
    let mut paths = Vec::new();
    walk(&corpus, &mut paths);
    let mut files = Vec::new();
    for p in paths {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        if matches!(
            classify(&p, &text),
            FileKind::ArmTemplate | FileKind::ArmParameters
        ) {
            let display = p.strip_prefix(&corpus).unwrap().display().to_string();
            files.push(SourceFile::new(p, display, text));
        }
    }
    let templates = files
        .iter()
        .filter(|f| classify(&f.path, &f.text) == FileKind::ArmTemplate)
        .count();
    assert!(templates > 100, "only {templates} ARM templates found");
    let ws = Workspace {
        files,
        roots: vec![corpus.clone()],
        ..Default::default()
    };
    let a = analyze(&ws, &Default::default());
    let errors: Vec<String> = a
        .findings
        .iter()
        .filter(|f| f.rule.code == "LINT001")
        .map(|f| {
            let file = a.sources.get(f.primary.file);
            format!("{}: {}", file.display, f.message)
        })
        .filter(|e| !INVALID_UPSTREAM.iter().any(|(p, _)| e.starts_with(p)))
        .collect();
    assert!(
        errors.is_empty(),
        "{} LINT001 findings:\n{}",
        errors.len(),
        errors.join("\n")
    );

    let mut counts = BTreeMap::new();
    for r in &a.graph.resources {
        count_unknowns(&r.body, &mut counts);
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    let mut by_rule = BTreeMap::new();
    for f in &a.findings {
        *by_rule.entry(f.rule.code).or_insert(0usize) += 1;
    }
    eprintln!(
        "{templates} templates, {} resources, findings by rule {by_rule:?}",
        a.graph.resources.len()
    );
    for (why, n) in counts.iter().take(25) {
        eprintln!("{n:>7}  {why}");
    }
}
