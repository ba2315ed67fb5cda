//! Current Bicep that tree-sitter-bicep 1.1 does not know (imports, `^` indexing, spread,
//! `$'''` strings, resource-derived types, typed variables) parses, keeps its spans, and
//! gets the right value or an Unknown one, never a wrong known one.

mod common;

use acrlint::Analysis;

fn analyze(text: &str) -> Analysis {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.bicep"), text).unwrap();
    common::analyze_paths(&[dir.path().to_path_buf()], &Default::default())
}

/// A registry whose `adminUserEnabled` is `admin`, after the lines of `head`.
fn registry(head: &str, admin: &str) -> String {
    format!(
        "{head}\nresource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {{\n  name: 'acr'\n  location: 'westeurope'\n  sku: {{\n    name: 'Premium'\n  }}\n  properties: {{\n    adminUserEnabled: {admin}\n  }}\n}}\n"
    )
}

fn codes(a: &Analysis) -> Vec<&'static str> {
    a.findings.iter().map(|f| f.rule.code).collect()
}

/// No LINT001; whether ACR002 is there.
fn admin_finding(text: &str) -> bool {
    let a = analyze(text);
    let codes = codes(&a);
    assert!(!codes.contains(&"LINT001"), "{codes:?}\n{text}");
    codes.contains(&"ACR002")
}

/// The 1-based line of the first finding with `code`.
fn line_of(a: &Analysis, code: &str) -> usize {
    let f = a.findings.iter().find(|f| f.rule.code == code).unwrap();
    a.sources
        .get(f.primary.file)
        .line_col(f.primary.start as usize)
        .line
}

#[test]
fn imports_do_not_hide_a_registry_nor_move_its_findings() {
    let head = "import {\n  roleAssignmentType\n  'odd-name' as odd\n} from 'br/public:avm/utl/types/avm-common-types:0.5.1'\nimport * as types from 'types.bicep'\nimport {a, b} from 'x.bicep'";
    let text = registry(head, "true");
    let a = analyze(&text);
    assert_eq!(codes(&a).iter().filter(|c| **c == "LINT001").count(), 0);
    let line = line_of(&a, "ACR002");
    assert_eq!(
        text.lines().nth(line - 1).unwrap().trim(),
        "adminUserEnabled: true"
    );
}

#[test]
fn an_imported_name_is_unknown() {
    assert!(!admin_finding(&registry(
        "import {admin} from 'settings.bicep'",
        "admin"
    )));
    assert!(!admin_finding(&registry(
        "import * as s from 'settings.bicep'",
        "s.admin"
    )));
}

#[test]
fn an_index_from_the_end_reads_from_the_end_or_is_unknown() {
    let head = "param i int\nvar flags = [\n  false\n  true\n  false\n]";
    // `flags[1]` is true: `flags[^1]` (the last) must not read as it.
    assert!(!admin_finding(&registry(head, "flags[^1]")));
    assert!(admin_finding(&registry(head, "flags[^2]")));
    assert!(!admin_finding(&registry(head, "flags[^3]")));
    assert!(!admin_finding(&registry(head, "flags[?^1]")));
    assert!(!admin_finding(&registry(head, "flags[^9]")));
    // Not a literal: Unknown, whatever `flags[i]` would be.
    assert!(!admin_finding(&registry(head, "flags[^i]")));
    assert!(!admin_finding(&registry(head, "flags[^(i)]")));
}

#[test]
fn an_object_spread_merges_a_known_object_and_hides_the_keys_of_an_unknown_one() {
    let head = "param extra object\nvar base = {\n  adminUserEnabled: true\n}";
    let with = |props: &str| {
        format!(
            "{head}\nresource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {{\n  name: 'acr'\n  location: 'westeurope'\n  sku: {{\n    name: 'Premium'\n  }}\n  properties: {{\n{props}\n  }}\n}}\n"
        )
    };
    assert!(admin_finding(&with("    ...base")));
    assert!(admin_finding(&with(
        "    ...base\n    zoneRedundancy: 'Enabled'"
    )));
    // A later key wins, in either direction.
    assert!(!admin_finding(&with(
        "    ...base\n    adminUserEnabled: false"
    )));
    assert!(admin_finding(&with(
        "    adminUserEnabled: false\n    ...base"
    )));
    // An object not known statically may set the key: not judged, no false finding.
    assert!(!admin_finding(&with(
        "    adminUserEnabled: true\n    ...extra"
    )));
    assert!(!admin_finding(&with("    ...extra")));
}

#[test]
fn an_array_spread_concatenates_known_arrays_and_is_unknown_otherwise() {
    let head = "param more array\nvar a = [\n  false\n]\nvar b = [\n  true\n]";
    assert!(admin_finding(&registry(
        &format!("{head}\nvar l = [...a, ...b]"),
        "l[1]"
    )));
    assert!(!admin_finding(&registry(
        &format!("{head}\nvar l = [...a, ...b]"),
        "l[0]"
    )));
    assert!(!admin_finding(&registry(
        &format!("{head}\nvar l = [\n  ...more\n  true\n]"),
        "l[0]"
    )));
    assert!(!admin_finding(&registry(
        &format!("{head}\nvar l = [...more, true]"),
        "l[^1]"
    )));
}

#[test]
fn multi_line_strings_with_a_dollar_are_read_or_unknown() {
    // Without interpolation, the text is the plain multi-line string's.
    assert!(admin_finding(&registry("var v = $'''yes'''", "v == 'yes'")));
    assert!(!admin_finding(&registry("var v = $'''no'''", "v == 'yes'")));
    assert!(admin_finding(&registry(
        "var v = $$'''${x}'''",
        "v == '${'$'}{x}'"
    )));
    assert!(admin_finding(&registry(
        "var e = $''''''\nvar v = ''''''",
        "e == v"
    )));
    // With interpolation: Unknown, never the text with `${...}` in it.
    assert!(!admin_finding(&registry(
        "var y = 'yes'\nvar v = $'''${y}'''",
        "v == '${'$'}{y}'"
    )));
    assert!(!admin_finding(&registry(
        "var v = $'''\n${'y'}es\n'''",
        "v == 'yes'"
    )));
}

#[test]
fn resource_derived_types_are_read_past() {
    let head = "param props resourceInput<'Microsoft.ContainerRegistry/registries@2023-07-01'>.properties = {\n  adminUserEnabled: true\n}\ntype t = {\n  a: sys.resourceOutput</* c */'Microsoft.ContainerRegistry/registries@2023-07-01'\n  >.name\n  b: resourceInput<'Microsoft.KeyVault/vaults@2022-07-01'>.properties.accessPolicies[*]\n}";
    let text = format!(
        "{head}\nresource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {{\n  name: 'acr'\n  location: 'westeurope'\n  sku: {{\n    name: 'Premium'\n  }}\n  properties: props\n}}\n"
    );
    assert!(admin_finding(&text));
}

#[test]
fn typed_variables_keep_their_values() {
    assert!(admin_finding(&registry("var admin bool = true", "admin")));
    assert!(!admin_finding(&registry("var admin bool = false", "admin")));
    let head = "@export()\nvar cfg {\n  admin: bool // set per stage\n  names: string[]\n} = {\n  admin: true\n  names: []\n}";
    assert!(admin_finding(&registry(head, "cfg.admin")));
    assert!(admin_finding(&registry(
        "type T = { a: bool }\nvar c T = { a: true }",
        "c.a"
    )));
}

#[test]
fn comments_anywhere_and_comment_markers_in_strings() {
    let head = "var url = 'https://example.com/*path' // a comment\nvar glob = '/* not a comment'\nvar slashes = '// nor this'\nvar nested = 'a${'}'}b' /* { */\nvar multi = '''\n// text, /* text\n'''\n/* a\n   block */";
    let text = format!(
        "{head}\n@description('d') // after a decorator\nresource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {{ /* c */\n  name: /* c */ 'acr' // c\n  location: 'westeurope'\n  sku: {{\n    name: 'Premium'\n  }}\n  properties: {{ // c\n    /* c */ adminUserEnabled: /* c */ glob == '/* not a comment' // c\n  }}\n}}\n",
    );
    let a = analyze(&text);
    assert!(!codes(&a).contains(&"LINT001"), "{:?}", codes(&a));
    assert!(codes(&a).contains(&"ACR002"), "{:?}", codes(&a));
    let line = line_of(&a, "ACR002");
    assert!(
        text.lines()
            .nth(line - 1)
            .unwrap()
            .contains("adminUserEnabled")
    );
}

#[test]
fn a_broken_file_still_gets_lint001_at_its_position() {
    for (text, line) in [
        ("var a = 1\nimport {a from 'x.bicep'\nvar b = (\n", 2),
        ("var a = 1\nvar s = $'''abc\n", 2),
        ("var a = 1\nvar l = [...]\n", 2),
        ("var a = 1\nvar x string\n", 2),
        ("var a = [1]\nvar b = a[^]\n", 2),
    ] {
        let a = analyze(text);
        let f = a
            .findings
            .iter()
            .find(|f| f.rule.code == "LINT001")
            .unwrap_or_else(|| panic!("no LINT001 for {text:?}"));
        let at = a
            .sources
            .get(f.primary.file)
            .line_col(f.primary.start as usize);
        assert!(
            at.line >= line,
            "{text:?}: {}:{} {}",
            at.line,
            at.column,
            f.message
        );
    }
}

#[test]
fn nullable_types_parse_and_leave_values_alone() {
    let head = "type cfg = {\n  admin: bool?\n  kind: ('a' | 'b')?\n}\nparam p cfg?\nparam o {\n  a: int\n}?\nparam admin bool? = true\nvar t = p == null ? true : false\nvar u = p.?admin ?? true";
    assert!(admin_finding(&registry(head, "admin")));
    // `p` has no value: Unknown, however it is typed.
    assert!(!admin_finding(&registry(head, "p.admin")));
    // A ternary and `??` are not nullable marks.
    assert!(!admin_finding(&registry(head, "t")));
    assert!(!admin_finding(&registry(head, "u")));
    assert!(admin_finding(&registry(
        "var on = true\nvar off = false",
        "1 > 0 ?\n      on : off"
    )));
}

/// A module whose registry's `adminUserEnabled` is its parameter `admin` (default false),
/// called with `params`.
fn module_call(params: &str) -> bool {
    module_call_with("false", params)
}

fn module_call_with(default: &str, params: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("acr.bicep"),
        registry(&format!("param admin bool = {default}"), "admin"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.bicep"),
        format!(
            "param more object\nvar on = {{\n  admin: true\n}}\nmodule m 'acr.bicep' = {{\n  name: 'm'\n  params: {{\n{params}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let a = common::analyze_paths(&[dir.path().to_path_buf()], &Default::default());
    let codes = codes(&a);
    assert!(!codes.contains(&"LINT001"), "{codes:?}");
    codes.contains(&"ACR002")
}

#[test]
fn a_spread_into_module_params_passes_its_keys_or_leaves_them_unknown() {
    assert!(module_call("    admin: true"));
    assert!(!module_call("    admin: false"));
    assert!(module_call("    ...on"));
    assert!(!module_call("    ...on\n    admin: false"));
    // Unknown: neither the default (false) nor an earlier argument is assumed.
    assert!(!module_call_with("true", "    ...more"));
    assert!(module_call_with("true", "    ...on\n"));
    assert!(!module_call("    admin: true\n    ...more"));
    assert!(module_call("    ...more\n    admin: true"));
}
