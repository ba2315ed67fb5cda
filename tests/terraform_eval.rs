//! Terraform evaluation: `for` expressions, splats, the collection functions, `dynamic`
//! blocks, resource loops and JSON files, read through the values the evaluator gives a
//! resource's arguments. Loops over huge or doubling collections become Unknown.

mod common;

use std::path::Path;

use acrlint::Analysis;
use acrlint::config::Config;
use acrlint::model::{Value, ValueKind};

fn scan(files: &[(&str, &str)]) -> Analysis {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    common::analyze_paths(&[dir.path().to_path_buf()], &Config::default())
}

/// The evaluated body of the resource at `address`.
fn body<'a>(a: &'a Analysis, address: &str) -> &'a Value {
    let found: Vec<&str> = a
        .graph
        .resources
        .iter()
        .map(|r| r.address.as_str())
        .collect();
    &a.graph
        .resources
        .iter()
        .find(|r| r.address == address)
        .unwrap_or_else(|| panic!("no {address} in {found:?}"))
        .body
}

/// The value as JSON text (`None` when anything in it is unknown).
fn json(v: &Value) -> Option<String> {
    acrlint::eval::functions::to_json(v).map(|j| j.to_string())
}

/// Evaluate `expr` (with `locals` beside it) as an argument of a resource.
fn value_of(locals: &str, expr: &str) -> Option<String> {
    let tf = format!(
        "locals {{\n{locals}\n}}\nresource \"azurerm_container_registry\" \"t\" {{\n  v = {expr}\n}}\n"
    );
    let a = scan(&[("main.tf", &tf)]);
    json(
        body(&a, "azurerm_container_registry.t")
            .get("v")
            .expect("v"),
    )
}

fn messages(a: &Analysis, code: &str) -> Vec<String> {
    a.findings
        .iter()
        .filter(|f| f.rule.code == code)
        .map(|f| f.message.clone())
        .collect()
}

#[test]
fn for_expressions_make_lists_and_maps() {
    let l = "xs = [\"a\", \"bb\", \"ccc\"]\nm = { b = 2, a = 1 }";
    assert_eq!(
        value_of(l, "[for s in local.xs : upper(s)]").as_deref(),
        Some(r#"["A","BB","CCC"]"#)
    );
    assert_eq!(
        value_of(l, "[for i, s in local.xs : i if length(s) > 1]").as_deref(),
        Some("[1,2]")
    );
    assert_eq!(
        value_of(l, "{ for k, v in local.m : k => v * 10 }").as_deref(),
        Some(r#"{"a":10,"b":20}"#),
        "an object is iterated by sorted key"
    );
    assert_eq!(
        value_of(
            l,
            "{ for s in local.xs : length(s) > 1 ? \"long\" : \"short\" => s... }"
        )
        .as_deref(),
        Some(r#"{"long":["bb","ccc"],"short":["a"]}"#)
    );
    // A key made twice without `...` is an error in Terraform: not known here.
    assert_eq!(value_of(l, "{ for s in local.xs : \"k\" => s }"), None);
    // An unknown collection or condition makes the whole result unknown.
    assert_eq!(value_of(l, "[for s in var.nothing : s]"), None);
    assert_eq!(value_of(l, "[for s in local.xs : s if var.nothing]"), None);
}

#[test]
fn splats_and_collection_functions() {
    let l = "objs = [{ n = \"a\", z = [1, 2] }, { n = \"b\", z = [3] }]";
    assert_eq!(
        value_of(l, "local.objs[*].n").as_deref(),
        Some(r#"["a","b"]"#)
    );
    assert_eq!(
        value_of(l, "local.objs.*.n").as_deref(),
        Some(r#"["a","b"]"#)
    );
    assert_eq!(
        value_of(l, "flatten(local.objs[*].z)").as_deref(),
        Some("[1,2,3]")
    );
    assert_eq!(value_of(l, "one([])").as_deref(), Some("null"));
    assert_eq!(value_of(l, "one([\"x\"])").as_deref(), Some(r#""x""#));
    assert_eq!(value_of(l, "one([1, 2])"), None);
    assert_eq!(
        value_of(l, "zipmap([\"a\", \"b\"], [1, 2])").as_deref(),
        Some(r#"{"a":1,"b":2}"#)
    );
    assert_eq!(
        value_of(l, "setproduct([\"a\", \"b\"], [1])").as_deref(),
        Some(r#"[["a",1],["b",1]]"#)
    );
    assert_eq!(
        value_of(l, "toset([\"a\", \"b\", \"a\"])").as_deref(),
        Some(r#"["a","b"]"#)
    );
    assert_eq!(
        value_of(l, "tomap({ a = 1 })").as_deref(),
        Some(r#"{"a":1}"#)
    );
    assert_eq!(value_of(l, "can(local.objs[0].n)").as_deref(), Some("true"));
    assert_eq!(
        value_of(l, "try(local.objs[0].n, \"d\")").as_deref(),
        Some(r#""a""#)
    );
    assert_eq!(
        value_of(l, "keys({ b = 1, a = 2 })").as_deref(),
        Some(r#"["a","b"]"#)
    );
    assert_eq!(value_of(l, "range(3)").as_deref(), Some("[0,1,2]"));
}

#[test]
fn equality_is_known_when_a_known_part_differs() {
    // `var.u` has no value: unknown.
    let l = "pair = [var.u, 1]\n  objs = [{ a = 1, b = 2 }, { b = 2, a = 1 }]";
    let tf = |expr: &str| value_of(l, expr);
    assert_eq!(tf("local.pair == [\"x\", 2]").as_deref(), Some("false"));
    assert_eq!(tf("local.pair != [\"x\", 2]").as_deref(), Some("true"));
    assert_eq!(tf("local.pair == [\"x\", 1, 3]").as_deref(), Some("false"));
    assert_eq!(tf("local.pair == [\"x\", 1]"), None, "depends on var.u");
    assert_eq!(tf("var.u == \"x\""), None);
    assert_eq!(
        tf("local.objs[0] == local.objs[1]").as_deref(),
        Some("true")
    );
    assert_eq!(
        tf("{ a = 1 } == { A = 1 }"),
        None,
        "names differing in case"
    );
    assert_eq!(
        tf("contains(local.objs, { a = 1, b = 2 })").as_deref(),
        Some("true")
    );
    assert_eq!(tf("length(distinct(local.objs))").as_deref(), Some("1"));
}

#[test]
fn a_for_over_100k_elements_or_a_doubling_chain_is_unknown_and_bounded() {
    // A million elements made by nested loops, and a list that doubles twenty times (the
    // registry that reads the first ten links is evaluated first: a long chain of
    // references is bounded by the depth limit, a test of its own elsewhere).
    let mut tf = String::from(
        "locals {\n  square = [for a in range(1000) : [for b in range(1000) : b]]\n  l0 = [1]\n",
    );
    for i in 1..=20 {
        tf.push_str(&format!(
            "  l{i} = flatten([for x in local.l{} : [x, x]])\n",
            i - 1
        ));
    }
    tf.push_str(
        r#"}
resource "azurerm_container_registry" "known" {
  name = "knownacr"
  sku  = length(local.l10) == 1024 ? "Basic" : "Premium"
}
resource "azurerm_container_registry" "huge" {
  name = "hugeacr"
  sku  = length(local.square) == 1000 ? "Basic" : "Standard"
}
resource "azurerm_container_registry" "doubled" {
  name = "doubledacr"
  sku  = local.l20[0] == 1 ? "Basic" : "Standard"
}
"#,
    );
    let a = scan(&[("main.tf", &tf)]);
    assert!(
        body(&a, "azurerm_container_registry.huge")
            .get("sku")
            .unwrap()
            .is_unknown()
    );
    assert!(
        body(&a, "azurerm_container_registry.doubled")
            .get("sku")
            .unwrap()
            .is_unknown()
    );
    let known = body(&a, "azurerm_container_registry.known")
        .get("sku")
        .unwrap();
    assert_eq!(known.as_str(), Some("Basic"), "{known:?} {:#?}", a.notes);
    let sku = messages(&a, "ACR003");
    assert_eq!(sku.len(), 1, "{sku:#?}");
    assert!(
        sku[0].contains("knownacr") || sku[0].contains(".known"),
        "{sku:#?}"
    );
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("a value of more than 100000 elements")),
        "{:#?}",
        a.notes
    );
}

#[test]
fn dynamic_blocks_become_one_block_per_known_element() {
    let tf = r#"
variable "rules" {
  default = { a = "10.0.0.0/24", b = "10.0.1.0/24" }
}
resource "azurerm_container_registry" "acr" {
  name = "acr"
  sku  = "Premium"
  network_rule_set {
    default_action = "Deny"
    dynamic "ip_rule" {
      for_each = var.rules
      iterator = r
      content {
        action   = "Allow"
        ip_range = "${r.key}:${r.value}"
      }
    }
  }
  dynamic "retention_policy" {
    for_each = var.unset
    content {
      enabled = true
    }
  }
}
"#;
    let a = scan(&[("main.tf", tf)]);
    let b = body(&a, "azurerm_container_registry.acr");
    let rules = b.path(&["network_rule_set", "ip_rule"]).unwrap();
    assert_eq!(
        json(rules).as_deref(),
        Some(
            r#"[{"action":"Allow","ip_range":"a:10.0.0.0/24"},{"action":"Allow","ip_range":"b:10.0.1.0/24"}]"#
        )
    );
    // Not known: the block is there with unknown settings, never taken as absent or off.
    let retention = b.get("retention_policy").unwrap();
    assert!(retention.get("enabled").unwrap().is_unknown());
    assert!(messages(&a, "ACR006").is_empty());
}

#[test]
fn resource_loops_bind_count_and_each() {
    let tf = r#"
locals {
  regs = { dev = "Basic", prod = "Premium" }
}
resource "azurerm_container_registry" "each" {
  for_each = local.regs
  name     = "acr${each.key}"
  sku      = each.value
}
resource "azurerm_container_registry" "counted" {
  count = 2
  name  = "acr${count.index}"
  sku   = "Premium"
}
resource "azurerm_container_registry" "gone" {
  for_each = { for k, v in local.regs : k => v if v == "Standard" }
  name     = "gone"
  sku      = "Basic"
}
"#;
    let a = scan(&[("main.tf", tf)]);
    let dev = body(&a, r#"azurerm_container_registry.each["dev"]"#);
    assert_eq!(dev.get("name").and_then(Value::as_str), Some("acrdev"));
    let prod = body(&a, r#"azurerm_container_registry.each["prod"]"#);
    assert_eq!(prod.get("sku").and_then(Value::as_str), Some("Premium"));
    let one = body(&a, "azurerm_container_registry.counted[1]");
    assert_eq!(one.get("name").and_then(Value::as_str), Some("acr1"));
    assert!(
        a.graph
            .resources
            .iter()
            .all(|r| !r.address.contains("gone")),
        "a loop over a known empty collection makes no resource"
    );
    let sku = messages(&a, "ACR003");
    assert_eq!(sku.len(), 1, "{sku:#?}");
    assert!(sku[0].contains(r#"each["dev"]"#), "{sku:#?}");
    assert!(matches!(dev.kind, ValueKind::Object(_)));
    let _ = Path::new("");
}

#[test]
fn json_syntax_files_declare_modules_and_take_json_variable_files() {
    let root = r#"{
  "variable": { "sku": { "default": "Basic" }, "region": { "default": "westeurope" } },
  "module": { "acr": { "source": "./modules/acr", "sku": "${var.sku}", "location": "${var.region}" } },
  "output": { "name": { "value": "${module.acr.name}" } }
}"#;
    let module = r#"
variable "sku" {}
variable "location" {}
resource "azurerm_container_registry" "this" {
  name     = "acr${lower(var.location)}"
  sku      = var.sku
  location = var.location
}
output "name" {
  value = azurerm_container_registry.this.name
}
"#;
    let a = scan(&[
        ("main.tf.json", root),
        ("modules/acr/main.tf", module),
        // Terraform's order: terraform.tfvars.json, then the auto files by name.
        (
            "terraform.tfvars.json",
            r#"{ "sku": "Standard", "region": "northeurope" }"#,
        ),
        ("z.auto.tfvars.json", "\n  { \"sku\": \"Premium\" }\n"),
    ]);
    let b = body(&a, "module.acr.azurerm_container_registry.this");
    assert_eq!(b.get("sku").and_then(Value::as_str), Some("Premium"));
    assert_eq!(
        b.get("name").and_then(Value::as_str),
        Some("acrnortheurope")
    );
    assert!(messages(&a, "ACR003").is_empty());
}

#[test]
fn a_json_syntax_registry_gets_no_fix_that_would_write_hcl() {
    let tf = r#"{
  "resource": {
    "azurerm_container_registry": {
      "acr": { "name": "acr", "sku": "Premium", "admin_enabled": true }
    }
  }
}
"#;
    let a = scan(&[("main.tf.json", tf)]);
    let public = a
        .findings
        .iter()
        .find(|f| f.rule.code == "ACR001")
        .expect("public network access is on by default");
    assert!(public.fix.is_none(), "{:?}", public.fix);
    // A literal is replaced by a literal, which JSON also reads.
    let admin = a.findings.iter().find(|f| f.rule.code == "ACR002").unwrap();
    let edits = &admin.fix.as_ref().expect("a literal fix").edits;
    assert_eq!(edits[0].replacement, "false");
}

#[test]
fn huge_dynamic_blocks_and_resource_loops_stay_bounded() {
    let tf = r#"
locals {
  many = range(100000)
}
resource "azurerm_container_registry" "acr" {
  for_each = toset([for i in local.many : "r${i}"])
  name     = "acr${each.key}"
  sku      = "Premium"
  dynamic "retention_policy" {
    for_each = local.many
    content {
      enabled = true
      days    = retention_policy.value
    }
  }
}
"#;
    let a = scan(&[("main.tf", tf)]);
    // Too many instances to judge one by one: one resource, its name unknown.
    let regs: Vec<_> = a
        .graph
        .resources
        .iter()
        .filter(|r| r.native_type == "azurerm_container_registry")
        .collect();
    assert_eq!(regs.len(), 1);
    assert!(regs[0].body.get("name").unwrap().is_unknown());
    // Too many blocks: one block whose settings are unknown, never taken as off.
    let enabled = regs[0].body.path(&["retention_policy", "enabled"]).unwrap();
    assert!(enabled.is_unknown(), "{enabled:?}");
    assert!(messages(&a, "ACR006").is_empty());
}

#[test]
fn splats_nested_thousands_deep_stop_at_the_depth_limit() {
    let tf = format!(
        "locals {{\n  x = [[1]]\n}}\nresource \"azurerm_container_registry\" \"t\" {{\n  v = local.x{}\n}}\n",
        "[*]".repeat(20_000)
    );
    let a = scan(&[("main.tf", &tf)]);
    // The value is cut at the depth limit: what is past it is unknown.
    assert!(
        body(&a, "azurerm_container_registry.t")
            .get("v")
            .unwrap()
            .has_unknown()
    );
    assert!(a.internal_errors.is_empty(), "{:?}", a.internal_errors);
}

#[test]
fn dynamic_blocks_nested_as_deep_as_the_parser_allows_are_expanded() {
    // The parser takes 64 nested levels: 30 `dynamic` blocks with their `content`.
    let depth = 30;
    let mut inner = String::from("enabled = true\n");
    for i in 0..depth {
        inner = format!("dynamic \"b{i}\" {{\n  for_each = [1]\n  content {{\n{inner}}}\n}}\n");
    }
    let tf = format!(
        "resource \"azurerm_container_registry\" \"t\" {{\n  name = \"t\"\n  sku = \"Premium\"\n{inner}}}\n"
    );
    let a = scan(&[("main.tf", &tf)]);
    assert!(a.internal_errors.is_empty(), "{:?}", a.internal_errors);
    assert!(!body(&a, "azurerm_container_registry.t").has_unknown());
}

#[test]
fn module_loops_make_one_instance_per_known_element() {
    let root = r#"
module "acr" {
  for_each = toset(["dev", "prod"])
  source   = "./modules/acr"
  name     = "acr${each.key}"
}
resource "azurerm_container_registry" "mirror" {
  name = module.acr["prod"].name
  sku  = "Premium"
}
"#;
    let module = r#"
variable "name" {}
resource "azurerm_container_registry" "this" {
  name = var.name
  sku  = "Premium"
}
output "name" {
  value = var.name
}
"#;
    let a = scan(&[("main.tf", root), ("modules/acr/main.tf", module)]);
    let dev = body(&a, r#"module.acr["dev"].azurerm_container_registry.this"#);
    assert_eq!(dev.get("name").and_then(Value::as_str), Some("acrdev"));
    let mirror = body(&a, "azurerm_container_registry.mirror");
    assert_eq!(mirror.get("name").and_then(Value::as_str), Some("acrprod"));
}
