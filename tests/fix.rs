//! `check --fix` / `--diff` through the real binary: safe fixes by default and unsafe ones
//! on request, Terraform edits laid out as `terraform fmt` leaves them, a module's fix made
//! once for all its callers, and the editor's quick fix of an unsafe fix.

#[path = "common/lsp.rs"]
mod client;

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::{Value, json};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("acrlint")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--no-config"])
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

/// When `terraform` is installed, it agrees that the file is formatted. The exact texts
/// the tests compare with were checked this way; this re-checks them where it can.
fn terraform_fmt_clean(dir: &Path) {
    let Ok(out) = std::process::Command::new("terraform")
        .args(["fmt", "-check", "-diff", "-recursive"])
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
    else {
        return;
    };
    assert!(
        out.status.success(),
        "terraform fmt would change the fixed files:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

const CARELESS: &str = r#"resource "azurerm_container_registry" "acr" {
  name                          = "contosoacr"
  resource_group_name           = "rg"
  location                      = "westeurope"
  sku                           = "Basic"
  admin_enabled                 = true
  anonymous_pull_enabled        = true
  public_network_access_enabled = true
}
"#;

#[test]
fn fix_applies_safe_fixes_and_counts_the_unsafe_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("main.tf"), CARELESS).unwrap();

    let out = run(d, &["--fix", "."]);
    let err = stderr(&out);
    assert!(err.contains("fixed 2 finding(s) in 1 file(s)"), "{err}");
    assert!(
        err.contains("2 unsafe fix(es) left out") && err.contains("--unsafe-fixes"),
        "{err}"
    );
    assert_eq!(
        read(d, "main.tf"),
        CARELESS
            .replace("= true\n  anonymous", "= false\n  anonymous")
            .replace(
                "anonymous_pull_enabled        = true",
                "anonymous_pull_enabled        = false"
            ),
        "the admin user and anonymous pull off; the SKU and public access as they were"
    );
    let report = stdout(&out);
    assert!(
        report.contains("ACR003") && report.contains("ACR001"),
        "{report}"
    );
    assert!(
        !report.contains("ACR002") && !report.contains("ACR004"),
        "{report}"
    );

    // The unsafe ones, on request.
    let out = run(d, &["--fix", "--unsafe-fixes", "."]);
    let err = stderr(&out);
    assert!(err.contains("fixed 2 finding(s) in 1 file(s)"), "{err}");
    assert!(!err.contains("unsafe"), "{err}");
    let fixed = read(d, "main.tf");
    assert_eq!(
        fixed,
        CARELESS
            .replace("\"Basic\"", "\"Premium\"")
            .replace("= true", "= false")
    );
    terraform_fmt_clean(d);
}

#[test]
fn diff_leaves_unsafe_fixes_out_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("main.tf"), CARELESS).unwrap();
    let out = run(d, &["--diff", "."]);
    assert_eq!(out.status.code(), Some(1));
    let diff = stdout(&out);
    assert!(
        diff.contains("+  admin_enabled                 = false\n"),
        "{diff}"
    );
    assert!(
        !diff.contains("Premium") && !diff.contains("+  public"),
        "{diff}"
    );
    assert!(stderr(&out).contains("2 unsafe fix(es) left out"));

    let out = run(d, &["--diff", "--unsafe-fixes", "."]);
    let diff = stdout(&out);
    assert!(
        diff.contains("+  sku                           = \"Premium\"\n"),
        "{diff}"
    );
    assert!(
        diff.contains("+  public_network_access_enabled = false\n"),
        "{diff}"
    );
    assert_eq!(read(d, "main.tf"), CARELESS, "--diff writes nothing");
}

#[test]
fn diff_with_nothing_to_fix_says_so_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Findings, but none with a fix (the SKU comes from a variable).
    let text = "variable \"sku\" {\n  default = \"Basic\"\n}\n\n".to_string()
        + &CARELESS
            .replace("\"Basic\"", "var.sku")
            .replace("= true", "= false");
    std::fs::write(d.join("main.tf"), &text).unwrap();
    let out = run(d, &["--diff", "."]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.contains("nothing to fix"), "{err}");
    assert!(!err.contains("unsafe"), "{err}");

    // Only unsafe fixes: nothing to fix by default, and how to get them.
    std::fs::write(
        d.join("main.tf"),
        CARELESS
            .replace("= true\n  anon", "= false\n  anon")
            .replace(
                "anonymous_pull_enabled        = true",
                "anonymous_pull_enabled        = false",
            ),
    )
    .unwrap();
    let out = run(d, &["--diff", "."]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(
        err.contains("nothing to fix") && err.contains("2 unsafe fix(es) left out"),
        "{err}"
    );
    assert_eq!(
        run(d, &["--diff", "--unsafe-fixes", "."]).status.code(),
        Some(1)
    );
}

// ------------------------------------------------------------ terraform fmt layout

/// A longer value in a group whose trailing comments are aligned: the comments move.
#[test]
fn a_longer_value_realigns_the_trailing_comments_of_its_group() {
    let before = r#"resource "azurerm_container_registry" "longer" {
  name                = "a"  # short
  admin_enabled       = true # legacy pipelines
  resource_group_name = "rg" # shared
  location            = "we" # region
  sku                 = "Premium"
}
"#;
    let after = r#"resource "azurerm_container_registry" "longer" {
  name                = "a"   # short
  admin_enabled       = false # legacy pipelines
  resource_group_name = "rg"  # shared
  location            = "we"  # region
  sku                 = "Premium"
}
"#;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("main.tf"), before).unwrap();
    terraform_fmt_clean(d);
    run(d, &["--fix", "."]);
    assert_eq!(read(d, "main.tf"), after);
    terraform_fmt_clean(d);
}

/// A shorter value (Standard to Premium), an attribute inserted into an aligned group
/// (its `=` and the group's trailing comments move), and an insertion after a nested
/// block (a group of its own); groups no edit touches stay as they are.
#[test]
fn shorter_values_and_inserted_attributes_keep_the_file_fmt_clean() {
    let before = r#"resource "azurerm_container_registry" "shorter" {
  name                          = "shorter"
  resource_group_name           = "rg"
  location                      = "westeurope"
  sku                           = "Standard" # reviewed
  admin_enabled                 = false      # no shared password
  public_network_access_enabled = false
}

resource "azurerm_container_registry" "grouped" {
  name                = "grouped" # shown in the portal
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Premium" # private link
  admin_enabled       = false     # no shared password
}

resource "azurerm_container_registry" "nested" {
  name                = "nested"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Premium"

  tags = {
    team = "platform" # owner
    env  = "prod"
  }
}
"#;
    let after = r#"resource "azurerm_container_registry" "shorter" {
  name                          = "shorter"
  resource_group_name           = "rg"
  location                      = "westeurope"
  sku                           = "Premium" # reviewed
  admin_enabled                 = false     # no shared password
  public_network_access_enabled = false
}

resource "azurerm_container_registry" "grouped" {
  name                          = "grouped" # shown in the portal
  resource_group_name           = "rg"
  location                      = "westeurope"
  sku                           = "Premium" # private link
  admin_enabled                 = false     # no shared password
  public_network_access_enabled = false
}

resource "azurerm_container_registry" "nested" {
  name                = "nested"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Premium"

  tags = {
    team = "platform" # owner
    env  = "prod"
  }
  public_network_access_enabled = false
}
"#;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("main.tf"), before).unwrap();
    terraform_fmt_clean(d);
    let out = run(d, &["--fix", "--unsafe-fixes", "."]);
    assert!(
        stderr(&out).contains("fixed 3 finding(s)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(d, "main.tf"), after);
    terraform_fmt_clean(d);
}

/// A group that was not aligned and that no edit touches is left as written.
#[test]
fn groups_no_edit_touches_are_left_as_written() {
    let before = "locals {\n  a = 1\n  long_name = 2\n}\n\nresource \"azurerm_container_registry\" \"acr\" {\n  name                = \"acr\"\n  resource_group_name = \"rg\"\n  location            = \"westeurope\"\n  sku                 = \"Premium\"\n  admin_enabled       = true\n}\n";
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("main.tf"), before).unwrap();
    run(d, &["--fix", "."]);
    assert_eq!(read(d, "main.tf"), before.replace("= true", "= false"));
}

// ------------------------------------------------------------ modules

#[test]
fn a_module_with_three_callers_is_fixed_once() {
    let module = r#"variable "name" {
  type = string
}

resource "azurerm_container_registry" "acr" {
  name                   = var.name
  resource_group_name    = "rg"
  location               = "westeurope"
  sku                    = "Premium"
  admin_enabled          = true
  anonymous_pull_enabled = true # for the lab
}
"#;
    let callers: String = ["a", "b", "c"]
        .iter()
        .map(|n| {
            format!(
                "module \"{n}\" {{\n  source = \"./modules/acr\"\n  name   = \"acr{n}\"\n}}\n\n"
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("modules/acr")).unwrap();
    std::fs::write(d.join("modules/acr/main.tf"), module).unwrap();
    std::fs::write(d.join("main.tf"), callers.trim_end().to_string() + "\n").unwrap();

    let out = run(d, &["--diff", "."]);
    assert_eq!(out.status.code(), Some(1));
    let diff = stdout(&out);
    assert_eq!(diff.matches("+++ ").count(), 1, "{diff}");
    assert_eq!(diff.matches("\n+  admin_enabled").count(), 1, "{diff}");
    assert_eq!(
        diff.matches("\n+  anonymous_pull_enabled").count(),
        1,
        "{diff}"
    );

    let out = run(d, &["--fix", "."]);
    let err = stderr(&out);
    // Two edits, which fix the two findings the three callers share (each reported once).
    assert!(err.contains("fixed 2 finding(s) in 1 file(s)"), "{err}");
    let fixed = module
        .replace(
            "admin_enabled          = true",
            "admin_enabled          = false",
        )
        .replace(
            "anonymous_pull_enabled = true # for the lab",
            "anonymous_pull_enabled = false # for the lab",
        );
    assert_eq!(read(d, "modules/acr/main.tf"), fixed);
    assert_eq!(read(d, "main.tf"), callers.trim_end().to_string() + "\n");
    let report = stdout(&out);
    assert!(
        !report.contains("ACR002") && !report.contains("ACR004"),
        "{report}"
    );
    terraform_fmt_clean(d);

    // Nothing left: the second run changes nothing.
    let out = run(d, &["--diff", "."]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("nothing to fix"));
}

// ------------------------------------------------------------ the editor

/// Applies LSP text edits (ASCII text: UTF-16 columns are bytes) to a text.
fn apply_lsp(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let col = p["character"].as_u64().unwrap() as usize;
        text.split_inclusive('\n')
            .take(line)
            .map(str::len)
            .sum::<usize>()
            + col
    };
    let mut ranges: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    ranges.sort_by_key(|r| std::cmp::Reverse(r.0));
    let mut out = text.to_string();
    for (s, e, t) in ranges {
        out.replace_range(s..e, t);
    }
    out
}

#[test]
fn the_editor_offers_unsafe_fixes_without_preferring_them() {
    let text = r#"resource "azurerm_container_registry" "acr" {
  name                = "contosoacr"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Basic" # tier
  admin_enabled       = true    # legacy
}
"#;
    let (_d, root) = client::workspace(&[]);
    let main = root.join("main.tf");
    let mut c = client::Client::start(&root, false);
    c.open(&main, text);
    let diags = c.diagnostics(&main);
    assert_eq!(client::codes(&diags), ["ACR003", "ACR002"], "{diags:#?}");
    let uri = client::uri(&main);
    let fix_of = |c: &mut client::Client, d: &Value| -> Value {
        let actions = c.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}}),
        );
        actions["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| !a["title"].as_str().unwrap().starts_with("Ignore"))
            .expect("the rule's fix")
            .clone()
    };
    let sku = fix_of(&mut c, &diags[0]);
    assert_eq!(sku["isPreferred"], false, "{sku}");
    assert!(sku["title"].as_str().unwrap().contains("unsafe"), "{sku}");
    // Its edit keeps the trailing comments aligned, as `--fix` does.
    let edits = sku["edit"]["changes"][&uri].as_array().unwrap();
    assert_eq!(
        apply_lsp(text, edits),
        text.replace("\"Basic\" # tier", "\"Premium\" # tier")
            .replace("true    # legacy", "true      # legacy")
    );
    let admin = fix_of(&mut c, &diags[1]);
    assert_eq!(admin["isPreferred"], true, "{admin}");
    assert!(
        !admin["title"].as_str().unwrap().contains("unsafe"),
        "{admin}"
    );
    let edits = admin["edit"]["changes"][&uri].as_array().unwrap();
    assert_eq!(
        apply_lsp(text, edits),
        text.replace("true    # legacy", "false   # legacy")
    );
    c.shutdown();
}

/// Azure disables exports only on a registry closed to public access: the export fix is
/// unsafe, and goes with the public-access fix (or needs none when access is already off).
#[test]
fn exports_are_disabled_only_with_public_access_off() {
    let before = r#"resource "azurerm_container_registry" "open" {
  name                  = "open"
  resource_group_name   = "rg"
  location              = "westeurope"
  sku                   = "Premium"
  export_policy_enabled = true
}

resource "azurerm_container_registry" "closed" {
  name                          = "closed"
  resource_group_name           = "rg"
  location                      = "westeurope"
  sku                           = "Premium"
  public_network_access_enabled = false
  export_policy_enabled         = true # for the DR copy
}

variable "public" {
  default = true
}

resource "azurerm_container_registry" "variable" {
  name                          = "variable"
  resource_group_name           = "rg"
  location                      = "westeurope"
  sku                           = "Premium"
  public_network_access_enabled = var.public
  export_policy_enabled         = true
}
"#;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("main.tf"), before).unwrap();
    let out = run(d, &["--fix", "."]);
    assert!(
        stderr(&out).contains("3 unsafe fix(es) left out"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(d, "main.tf"), before, "no safe fix here");

    run(d, &["--fix", "--unsafe-fixes", "."]);
    let after = r#"resource "azurerm_container_registry" "open" {
  name                          = "open"
  resource_group_name           = "rg"
  location                      = "westeurope"
  sku                           = "Premium"
  export_policy_enabled         = false
  public_network_access_enabled = false
}

resource "azurerm_container_registry" "closed" {
  name                          = "closed"
  resource_group_name           = "rg"
  location                      = "westeurope"
  sku                           = "Premium"
  public_network_access_enabled = false
  export_policy_enabled         = false # for the DR copy
}
"#;
    let fixed = read(d, "main.tf");
    assert!(fixed.starts_with(after), "{fixed}");
    assert!(
        fixed.ends_with("  public_network_access_enabled = var.public\n  export_policy_enabled         = true\n}\n"),
        "public access from a variable is not rewritten, so neither are exports: {fixed}"
    );
    terraform_fmt_clean(d);
}
