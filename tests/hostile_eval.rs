//! Hostile repositories against the evaluators: cycles, long chains, module fan-out,
//! doubling values and nested loops, in every format, at their hostile sizes. Each
//! analysis must complete, name the cycle or the limit in a note, draw no finding from the
//! unknown values, and still judge the known registry next to them (its ACR002).
//!
//! Integration tests run on 2 MiB stacks (test threads and rayon's default workers),
//! a quarter of what the command line gives its threads, in the debug build: the depth
//! limits hold here with the margin they need there.

mod common;
mod hostile;

use std::path::Path;

use acrlint::config::Config;
use acrlint::{Analysis, Loaded};
use hostile::{Lang, Shape};

/// Write the files into a fresh folder and analyze it.
fn scan(files: &[(String, String)]) -> Analysis {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), files);
    common::analyze_paths(&[dir.path().to_path_buf()], &Config::default())
}

fn write(dir: &Path, files: &[(String, String)]) {
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn shape(lang: Lang, shape: Shape) -> Analysis {
    scan(&hostile::files(lang, shape))
}

/// The messages of the findings of one rule.
fn messages(a: &Analysis, code: &str) -> Vec<String> {
    a.findings
        .iter()
        .filter(|f| f.rule.code == code)
        .map(|f| f.message.clone())
        .collect()
}

/// ACR002 (admin user enabled) fires for the known registry and for no other.
fn only_known_admin(a: &Analysis) {
    let admin = messages(a, "ACR002");
    assert_eq!(admin.len(), 1, "{admin:#?}");
    assert!(admin[0].contains("known"), "{admin:#?}");
    assert!(a.internal_errors.is_empty(), "{:?}", a.internal_errors);
}

fn has_note(a: &Analysis, part: &str) -> bool {
    a.notes.iter().any(|n| n.contains(part))
}

fn assert_note(a: &Analysis, part: &str) {
    assert!(has_note(a, part), "no note with {part:?} in {:#?}", a.notes);
}

// ---- cycles ------------------------------------------------------------------------

#[test]
fn terraform_cycles_are_unknown_and_named() {
    let a = shape(Lang::Terraform, Shape::Cycle);
    assert_note(&a, "cycle: var.a -> var.b -> var.a");
    assert_note(&a, "cycle: local.y -> local.x -> local.y");
    only_known_admin(&a);
}

#[test]
fn arm_variable_cycles_are_unknown_and_named() {
    let a = shape(Lang::Arm, Shape::Cycle);
    assert_note(
        &a,
        "cycle: variables('a') -> variables('b') -> variables('a')",
    );
    only_known_admin(&a);
}

#[test]
fn bicep_cycles_are_unknown_and_named() {
    let a = shape(Lang::Bicep, Shape::Cycle);
    assert_note(&a, "cycle: var a -> var b -> var a");
    assert_note(&a, "cycle: param q -> param p -> param q");
    only_known_admin(&a);
}

#[test]
fn a_bicep_cycle_through_a_resource_identity_names_it() {
    let bicep = r#"var a = acr.name
resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: a
  location: 'westeurope'
  sku: { name: 'Basic' }
}
resource child 'Microsoft.ContainerRegistry/registries/replications@2023-07-01' = {
  parent: acr
  name: 'r'
  location: a
}
"#;
    let a = scan(&[("main.bicep".to_string(), bicep.to_string())]);
    assert_note(&a, "cycle: var a -> identity acr -> var a");
    assert!(a.internal_errors.is_empty(), "{:?}", a.internal_errors);
}

#[test]
fn arm_cycles_show_names_as_written() {
    // ARM names ignore case: `variables('A')` is `variables('a')`.
    let arm = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "variables": { "First": "[variables('second')]", "Second": "[variables('FIRST')]" },
  "resources": [ { "type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
    "name": "[variables('first')]", "location": "westeurope", "sku": { "name": "Basic" } } ]
}"#;
    let a = scan(&[("azuredeploy.json".to_string(), arm.to_string())]);
    assert_note(
        &a,
        "cycle: variables('first') -> variables('second') -> variables('FIRST')",
    );
}

// ---- long chains ---------------------------------------------------------------------

#[test]
fn terraform_chains_of_20000_stop_at_the_depth_limit() {
    let a = shape(Lang::Terraform, Shape::Chain(20_000));
    assert_note(&a, "evaluation deeper than 128 levels at local.l");
    assert_note(&a, "evaluation deeper than 128 levels at var.v");
    assert_note(
        &a,
        "evaluation deeper than 128 levels at resource.null_resource.r",
    );
    only_known_admin(&a);
}

#[test]
fn short_chains_are_still_followed() {
    // Well inside the limit: the value at the end of the chain is known and judged.
    let a = shape(Lang::Terraform, Shape::Chain(20));
    let admin = messages(&a, "ACR002");
    assert_eq!(
        admin.len(),
        4,
        "known + from local, var, resource: {admin:#?}"
    );
    let a = shape(Lang::Arm, Shape::Chain(20));
    assert_eq!(messages(&a, "ACR002").len(), 2);
    let a = shape(Lang::Bicep, Shape::Chain(20));
    assert_eq!(messages(&a, "ACR002").len(), 2);
}

#[test]
fn arm_chains_of_20000_stop_at_the_depth_limit() {
    let a = shape(Lang::Arm, Shape::Chain(20_000));
    assert_note(&a, "evaluation deeper than 128 levels at");
    only_known_admin(&a);
}

#[test]
fn bicep_chains_of_20000_stop_at_the_depth_limit() {
    let a = shape(Lang::Bicep, Shape::Chain(20_000));
    assert_note(&a, "evaluation deeper than 128 levels at v");
    only_known_admin(&a);
}

// ---- fan-out ----------------------------------------------------------------------------

#[test]
fn terraform_module_fan_out_is_bounded_in_total() {
    // 4 calls per level, 16 levels: 4^16 instances if every call were followed.
    let a = shape(Lang::Terraform, Shape::FanOut(16, 4));
    assert_note(&a, "more than 1000 module instances");
    let registries = a
        .graph
        .resources
        .iter()
        .filter(|r| r.native_type == "azurerm_container_registry")
        .count();
    assert!((2..=1001).contains(&registries), "{registries}");
    only_known_admin(&a);
}

#[test]
fn bicep_module_fan_out_is_bounded_in_total() {
    let a = shape(Lang::Bicep, Shape::FanOut(16, 4));
    assert_note(&a, "more than 1000 module instances");
    assert!(
        a.graph.resources.len() <= 1001,
        "{}",
        a.graph.resources.len()
    );
    only_known_admin(&a);
}

#[test]
fn small_fan_out_is_followed_completely() {
    // 3 levels of 2 calls: 8 leaves, all evaluated.
    let a = shape(Lang::Terraform, Shape::FanOut(3, 2));
    let leaves = a
        .graph
        .resources
        .iter()
        .filter(|r| r.address.ends_with("azurerm_container_registry.leaf"))
        .count();
    assert_eq!(leaves, 8);
    assert!(!has_note(&a, "module instances"));
    let a = shape(Lang::Bicep, Shape::FanOut(3, 2));
    assert_eq!(a.graph.resources.len(), 9);
}

#[test]
fn arm_nested_deployments_fan_out_within_the_file() {
    let a = shape(Lang::Arm, Shape::FanOut(16, 4));
    only_known_admin(&a);
}

// ---- values that double --------------------------------------------------------------

#[test]
fn terraform_doubling_strings_stop_at_the_size_limit() {
    let a = shape(Lang::Terraform, Shape::Doubling(40));
    assert_note(&a, "a string longer than 1048576 bytes");
    only_known_admin(&a);
    // No message quotes more than an excerpt of a value.
    assert!(a.notes.iter().all(|n| n.len() < 1000));
    assert!(a.findings.iter().all(|f| f.message.len() < 1000));
}

#[test]
fn arm_doubling_strings_stop_at_a_limit() {
    let a = shape(Lang::Arm, Shape::Doubling(40));
    assert_note(&a, "a string longer than 1048576 bytes");
    only_known_admin(&a);
}

#[test]
fn bicep_doubling_strings_stop_at_the_size_limit() {
    let a = shape(Lang::Bicep, Shape::Doubling(40));
    assert_note(&a, "a string longer than 1048576 bytes");
    only_known_admin(&a);
}

#[test]
fn arm_nested_copy_loops_and_huge_ranges_are_bounded() {
    // copy counts of 1000 nested 6 deep: 10^18 items if expanded.
    let a = shape(Lang::Arm, Shape::Nested(5, 1000));
    assert!(
        has_note(&a, "more than 100000 elements") || has_note(&a, "passed the limit of"),
        "{:#?}",
        a.notes
    );
    only_known_admin(&a);
}

// ---- nesting -------------------------------------------------------------------------------

#[test]
fn bicep_children_nested_20000_deep_are_an_error_with_a_position() {
    let a = shape(Lang::Bicep, Shape::Nested(20_000, 0));
    let errors = messages(&a, "LINT001");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains("nested deeper than 32 levels"),
        "{errors:#?}"
    );
    let f = a
        .findings
        .iter()
        .find(|f| f.rule.code == "LINT001")
        .unwrap();
    assert!(f.primary.start > 0, "points at the first child too deep");
    only_known_admin(&a);
}

#[test]
fn deep_brackets_are_parse_errors_not_crashes() {
    let deep = 100_000;
    let tf_paren = format!(
        "locals {{\n  x = {}1{}\n}}\n",
        "(".repeat(deep),
        ")".repeat(deep)
    );
    let tf_list = format!(
        "locals {{\n  x = {}1{}\n}}\n",
        "[".repeat(deep),
        "]".repeat(deep)
    );
    let arm = format!(
        "{{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\", \"resources\": [], \"x\": {}{}}}",
        "[".repeat(deep),
        "]".repeat(deep)
    );
    let bicep = format!("var x = {}1{}\n", "[".repeat(deep), "]".repeat(deep));
    let bicep_parens = format!("var x = {}1{}\n", "(".repeat(deep), ")".repeat(deep));
    for (name, text) in [
        ("main.tf", tf_paren),
        ("main.tf", tf_list),
        ("azuredeploy.json", arm),
        ("main.bicep", bicep),
        ("main.bicep", bicep_parens),
    ] {
        let a = scan(&[(name.to_string(), text)]);
        assert!(a.internal_errors.is_empty());
        // Either a parse error with a position, or evaluated to an unknown.
        for f in a.findings.iter().filter(|f| f.rule.code == "LINT001") {
            assert!(f.primary.start > 0, "{name}: {}", f.message);
        }
    }
    // A Bicep file's JSON parameter file nested 100k deep: refused before parsing.
    let params = format!(
        "{{\"parameters\": {{\"p\": {{\"value\": {}{}}}}}}}",
        "[".repeat(deep),
        "]".repeat(deep)
    );
    let a = scan(&[
        (
            "main.bicep".into(),
            "param p bool\n".to_string() + hostile::BICEP_KNOWN,
        ),
        ("main.parameters.json".into(), params),
    ]);
    only_known_admin(&a);
    let a = shape(Lang::Terraform, Shape::Nested(100_000, 0));
    assert_eq!(messages(&a, "LINT001").len(), 1);
}

// ---- stacks and panics ------------------------------------------------------------------

/// The stack every analysing thread gets in the test below.
const TEST_STACK: usize = 1 << 20;

#[test]
fn the_deepest_evaluations_fit_a_one_mib_stack() {
    // The command line gives its threads 8 MiB; the debug build's frames are the
    // largest. Every shape at the depth limit, on threads of 1 MiB: the calling thread
    // (Bicep) and the rayon workers (Terraform roots, ARM templates).
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(TEST_STACK)
        .num_threads(2)
        .build()
        .unwrap();
    let run = move || {
        pool.install(|| {
            for lang in [Lang::Terraform, Lang::Arm, Lang::Bicep] {
                for s in [Shape::Chain(300), Shape::Doubling(150), Shape::Cycle] {
                    let a = shape(lang, s);
                    assert!(a.internal_errors.is_empty());
                    assert!(has_note(&a, "cycle: ") || has_note(&a, "deeper than 128"));
                }
            }
        })
    };
    std::thread::Builder::new()
        .stack_size(TEST_STACK)
        .spawn(run)
        .unwrap()
        .join()
        .expect("no stack overflow");
}

#[test]
fn a_panic_while_analysing_a_file_is_an_error_naming_it() {
    let at = acrlint::source::Span::new(acrlint::source::FileId(0), 0..0);
    let l = Loaded::guarded("infra/main.tf", at, || panic!("boom\u{1b}[31m"));
    assert_eq!(l.findings.len(), 1);
    assert_eq!(l.findings[0].rule.code, "LINT001");
    assert_eq!(l.internal_errors.len(), 1);
    let e = &l.internal_errors[0];
    assert!(e.contains("infra/main.tf") && e.contains("boom"), "{e}");
    assert!(!e.contains('\u{1b}'), "escapes are shown, not sent: {e}");
    // Without a panic, the result passes through.
    let ok = Loaded::guarded("x", at, || Loaded {
        notes: vec!["fine".into()],
        ..Loaded::default()
    });
    assert_eq!(ok.notes, ["fine"]);
    assert!(ok.internal_errors.is_empty());
}

#[test]
fn functions_that_multiply_a_string_stay_bounded() {
    // A 1 KiB string doubled 10 times is 1 MiB; every function below would make it
    // gigabytes: each result is Unknown, and the known registry is still judged.
    let many = "%s".repeat(2000);
    let tf = format!(
        "{}locals {{\n  a0 = \"{}\"\n{}  r = replace(local.a10, \"\", local.a10)\n  f = format(\"{many}\", {})\n  j = join(local.a10, [local.a10, local.a10, local.a10])\n}}\nresource \"azurerm_container_registry\" \"r\" {{\n  name = \"r\"\n  admin_enabled = local.r == local.f\n  sku = local.j\n}}\n",
        hostile::TF_KNOWN,
        "x".repeat(1024),
        (0..10)
            .map(|i| format!("  a{} = \"${{local.a{i}}}${{local.a{i}}}\"\n", i + 1))
            .collect::<String>(),
        vec!["local.a10"; 2000].join(", "),
    );
    let a = scan(&[("main.tf".into(), tf)]);
    only_known_admin(&a);
    let arm = format!(
        r#"{{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "variables": {{ "a": "{}", "r": "[replace(variables('a'), 'x', variables('a'))]", "f": "[format('{}', variables('a'))]" }},
  "resources": [ {}, {{ "type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01", "name": "r", "properties": {{ "adminUserEnabled": "[equals(variables('r'), variables('f'))]" }} }} ] }}"#,
        "x".repeat(4096),
        "{0}".repeat(2000),
        hostile::ARM_KNOWN,
    );
    let a = scan(&[("azuredeploy.json".into(), arm)]);
    only_known_admin(&a);
}

#[test]
fn messages_quote_only_an_excerpt_of_a_long_value() {
    let sku = "B".repeat(100_000);
    let tf = format!(
        "resource \"azurerm_container_registry\" \"long\" {{\n  name = \"long\"\n  sku = \"{sku}\"\n}}\n"
    );
    let a = scan(&[("main.tf".into(), tf)]);
    let sku_findings = messages(&a, "ACR003");
    assert_eq!(sku_findings.len(), 1, "{:?}", a.findings);
    // The value as the model renders it (labels, "is ..."): an excerpt. (The message of
    // ACR003 also names the SKU by itself; the rules' own wording is not the model's.)
    for f in &a.findings {
        assert!(f.label.len() < 1000, "{}", f.label.len());
    }
    let f = a.findings.iter().find(|f| f.rule.code == "ACR003").unwrap();
    assert!(f.label.contains("(100000 characters)"), "{}", f.label);
}

#[test]
fn bicep_parent_chains_stop_at_the_nesting_limit() {
    // `parent:` chains make names one segment longer per level (quadratic in size).
    let mut t = String::from(hostile::BICEP_KNOWN);
    t.push_str("resource r0 'Microsoft.Foo/bars@2020-01-01' = {\n  name: 'a'\n}\n");
    for i in 1..2000 {
        t.push_str(&format!(
            "resource r{i} 'Microsoft.Foo/bars/bazs@2020-01-01' = {{\n  parent: r{}\n  name: 'a{i}'\n}}\n",
            i - 1
        ));
    }
    let a = scan(&[("main.bicep".into(), t)]);
    let errors = messages(&a, "LINT001");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains("nested deeper than 32 levels"),
        "{errors:#?}"
    );
    let longest = a
        .graph
        .resources
        .iter()
        .filter_map(|r| r.name_str())
        .map(str::len)
        .max()
        .unwrap();
    assert!(longest < 400, "{longest}");
    only_known_admin(&a);
}
