//! Every Terraform file of the real-world corpus parses, and scanning it does not panic.
//! Skipped when `../shared/corpus` is absent.

mod common;

use acrlint::config::Config;

#[test]
fn every_corpus_terraform_file_parses() {
    let Some(corpus) = common::corpus() else {
        eprintln!("../shared/corpus is absent: skipped");
        return;
    };
    let dirs = [
        corpus.join("terraform-provider-azurerm"),
        corpus.join("Azure-terraform"),
    ];
    let a = common::analyze_paths(&dirs, &Config::default());
    let tf_files = a
        .sources
        .files()
        .filter(|(_, f)| f.display.ends_with(".tf") || f.display.ends_with(".tfvars"))
        .count();
    assert!(
        tf_files > 1000,
        "expected the corpus's Terraform files, found {tf_files}"
    );
    let errors: Vec<String> = a
        .findings
        .iter()
        .filter(|f| f.rule.code == "LINT001")
        .filter(|f| {
            let p = &a.sources.get(f.primary.file).display;
            p.ends_with(".tf") || p.ends_with(".tfvars")
        })
        .map(|f| format!("{}: {}", a.sources.get(f.primary.file).display, f.message))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // The corpus has registries; the scan must see them.
    assert!(a.findings.iter().any(|f| f.rule.code == "ACR001"));
}
