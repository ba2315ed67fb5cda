//! Bad input never panics, hangs or is skipped silently; nothing outside the scanned
//! tree is read.

mod common;

use std::fs;

use acrlint::config::Config;

fn scan(dir: &std::path::Path) -> acrlint::Analysis {
    common::analyze_paths(&[dir.to_path_buf()], &Config::default())
}

const CARELESS: &str = "resource \"azurerm_container_registry\" \"a\" {\n  name          = \"a\"\n  sku           = \"Premium\"\n  admin_enabled = true\n}\n";

#[test]
fn binary_and_non_utf8_files_are_skipped_with_a_note() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("bin.tf"), b"resource \0\x01\x02").unwrap();
    fs::write(d.path().join("latin1.tf"), b"# caf\xe9\n").unwrap();
    fs::write(d.path().join("ok.tf"), CARELESS).unwrap();
    let a = scan(d.path());
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("bin.tf") && n.contains("binary")),
        "{:?}",
        a.notes
    );
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("latin1.tf") && n.contains("UTF-8")),
        "{:?}",
        a.notes
    );
    assert!(a.findings.iter().any(|f| f.rule.code == "ACR002"));
}

#[test]
fn oversized_files_are_reported_by_name_and_the_scan_goes_on() {
    let d = tempfile::tempdir().unwrap();
    let big = "#".repeat(acrlint::discover::MAX_FILE_BYTES as usize + 1);
    fs::write(d.path().join("big.tf"), big).unwrap();
    fs::write(d.path().join("ok.tf"), CARELESS).unwrap();
    let a = scan(d.path());
    let lint: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule.code == "LINT001")
        .collect();
    assert_eq!(lint.len(), 1);
    assert!(lint[0].message.contains("big.tf") && lint[0].message.contains("limit"));
    assert!(a.findings.iter().any(|f| f.rule.code == "ACR002"));
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_links_out_of_the_root_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret.tf"), CARELESS).unwrap();
    let d = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.tf"), d.path().join("link.tf")).unwrap();
    std::os::unix::fs::symlink(d.path(), d.path().join("loop")).unwrap();
    fs::write(d.path().join("main.tf"), "").unwrap();
    let a = scan(d.path());
    assert!(a.findings.is_empty(), "read through a link out of the root");
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("link.tf") && n.contains("not followed")),
        "{:?}",
        a.notes
    );
}

#[test]
fn module_sources_outside_the_root_are_not_read() {
    let outside = tempfile::tempdir().unwrap();
    fs::create_dir_all(outside.path().join("mod")).unwrap();
    fs::write(outside.path().join("mod/main.tf"), CARELESS).unwrap();
    let root = outside.path().join("root");
    fs::create_dir_all(&root).unwrap();
    fs::write(
        root.join("main.tf"),
        "module \"m\" {\n  source = \"../mod\"\n}\n",
    )
    .unwrap();
    let a = scan(&root);
    assert!(
        a.findings.is_empty(),
        "a module outside the scanned root was read"
    );
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("outside the scanned tree")),
        "{:?}",
        a.notes
    );
}

#[test]
fn empty_files_and_crlf_line_endings() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("empty.tf"), "").unwrap();
    fs::write(d.path().join("crlf.tf"), CARELESS.replace('\n', "\r\n")).unwrap();
    let a = scan(d.path());
    let f = a.findings.iter().find(|f| f.rule.code == "ACR002").unwrap();
    let pos = a
        .sources
        .get(f.primary.file)
        .line_col(f.primary.start as usize);
    assert_eq!((pos.line, pos.column), (4, 19));
    assert_eq!(a.sources.text(f.primary), "true");
}

#[test]
fn deep_nesting_and_huge_lines_give_lint001_not_a_crash() {
    let d = tempfile::tempdir().unwrap();
    let deep = format!("a = {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    fs::write(d.path().join("deep.tf"), deep).unwrap();
    let long = format!(
        "locals {{\n  x = \"{}\"\n}}\n{CARELESS}",
        "y".repeat(1_000_000)
    );
    fs::write(d.path().join("long.tf"), long).unwrap();
    let a = scan(d.path());
    assert!(a.findings.iter().any(|f| f.rule.code == "LINT001"));
    assert!(a.findings.iter().any(|f| f.rule.code == "ACR002"));
    // The human output does not quote megabyte-long lines.
    let out = common::human(&a);
    assert!(out.len() < 20_000, "{} bytes of output", out.len());
}

#[test]
fn self_referencing_locals_and_module_cycles_terminate() {
    let d = tempfile::tempdir().unwrap();
    fs::write(
        d.path().join("main.tf"),
        "locals {\n  a = local.b\n  b = local.a\n}\nmodule \"self\" {\n  source = \"./\"\n}\nresource \"azurerm_container_registry\" \"r\" {\n  name = \"r\"\n  sku  = local.a\n}\n",
    )
    .unwrap();
    let a = scan(d.path());
    assert!(a.findings.iter().all(|f| f.rule.code != "ACR003"));
}
