//! The Bicep evaluator on the sample project: resources, keys, edges, children, modules.

mod common;

use acrlint::model::{Format, Key, Kind, Target, ValueKind};

#[test]
fn sample_project_builds_the_graph() {
    let a = common::analyze_dir(&common::root().join("samples/bicep"));
    let g = &a.graph;
    let by_addr = |addr: &str| {
        g.resources
            .iter()
            .find(|r| r.address == addr)
            .unwrap_or_else(|| panic!("no resource `{addr}`"))
    };
    let platform = by_addr("platformAcr");
    assert_eq!(platform.format, Format::Bicep);
    assert_eq!(platform.kind, Kind::ContainerRegistry);
    assert_eq!(platform.name_str(), Some("contosoprodacr"));
    assert_eq!(
        a.sources.text(platform.span),
        "resource platformAcr 'Microsoft.ContainerRegistry/registries@2023-07-01'"
    );

    // A nested child: type and name composed with the parent's; `existing` is kept, flagged.
    let subnet = by_addr("vnet::endpointSubnet");
    assert_eq!(
        subnet.native_type,
        "Microsoft.Network/virtualNetworks/subnets"
    );
    assert!(subnet.existing);
    assert!(subnet.keys.contains(&Key::type_name(
        "microsoft.network/virtualnetworks/subnets",
        "vnet-platform-prod/snet-endpoints"
    )));
    // `parent:` composes the name.
    let link = by_addr("vnetLink");
    assert_eq!(link.kind, Kind::PrivateDnsZoneVnetLink);
    assert!(link.keys.contains(&Key::type_name(
        "microsoft.network/privatednszones/virtualnetworklinks",
        "privatelink.azurecr.io/vnet-platform-prod-link"
    )));
    assert_eq!(
        link.name_str(),
        Some("privatelink.azurecr.io/vnet-platform-prod-link")
    );
    assert_eq!(subnet.name_str(), Some("vnet-platform-prod/snet-endpoints"));
    let group = by_addr("privateEndpoint::dnsZoneGroup");
    assert_eq!(group.name_str(), Some("pe-contosoprodacr/default"));
    assert_eq!(group.kind, Kind::PrivateDnsZoneGroup);

    // Symbolic references resolve through the graph.
    let pe = by_addr("privateEndpoint");
    let conn = pe
        .body
        .path(&["properties", "privateLinkServiceConnections"])
        .and_then(|l| l.as_list())
        .and_then(|l| l.first())
        .and_then(|c| c.path(&["properties", "privateLinkServiceId"]))
        .expect("privateLinkServiceId");
    assert!(matches!(conn.kind, ValueKind::Ref(_)));
    match g.target(Some(conn), pe) {
        Target::Resource(r) => assert_eq!(r.address, "platformAcr"),
        other => panic!("unresolved: {other:?}"),
    }
    let subnet_ref = pe.body.path(&["properties", "subnet", "id"]).unwrap();
    assert!(
        matches!(g.target(Some(subnet_ref), pe), Target::Resource(r) if r.address == "vnet::endpointSubnet")
    );

    // The module's registry, with the parameter file's values and the call site in `via`.
    let team = by_addr("teamRegistry.registry");
    assert_eq!(team.name_str(), Some("contosoprodteamacr"));
    assert_eq!(team.via.len(), 1);
    // The module file is evaluated only through its call.
    assert_eq!(
        g.resources
            .iter()
            .filter(|r| r.kind == Kind::ContainerRegistry)
            .count(),
        2
    );
    // The hardened registry has no findings; the careless one has.
    assert!(
        a.findings
            .iter()
            .all(|f| f.resource.as_deref() != Some("platformAcr"))
    );
    assert!(
        a.findings
            .iter()
            .any(|f| f.resource.as_deref() == Some("teamRegistry.registry"))
    );
}

#[test]
fn registry_modules_not_in_the_cache_give_a_visible_note() {
    let dir = tempfile::tempdir().unwrap();
    // An empty module cache inside the repository: the user's own cache is not consulted.
    std::fs::write(
        dir.path().join("bicepconfig.json"),
        r#"{ "cacheRootDirectory": "./.bicep-cache" }"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.bicep"),
        "module acr 'br/public:avm/res/container-registry/registry:0.1.0' = {\n  name: 'acr'\n  params: {\n    name: 'x'\n  }\n}\n",
    )
    .unwrap();
    let a = common::analyze_paths(&[dir.path().to_path_buf()], &Default::default());
    let codes: Vec<_> = a.findings.iter().map(|f| f.rule.code).collect();
    assert_eq!(codes, ["LINT003"]);
    assert!(a.findings[0].message.contains("bicep restore"));
}

#[test]
fn a_syntax_error_is_lint001_and_the_other_files_are_still_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.bicep"), "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n  name: 'a'\n  sku: {\n").unwrap();
    std::fs::write(
        dir.path().join("ok.bicep"),
        "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n  name: 'b'\n  sku: {\n    name: 'Basic'\n  }\n  properties: {\n    adminUserEnabled: true\n  }\n}\n",
    )
    .unwrap();
    let a = common::analyze_paths(&[dir.path().to_path_buf()], &Default::default());
    let codes: Vec<_> = a.findings.iter().map(|f| f.rule.code).collect();
    assert!(codes.contains(&"LINT001"), "{codes:?}");
    assert!(codes.contains(&"ACR002"), "{codes:?}");
}

#[test]
fn a_literal_is_fixed_with_a_bicep_string() {
    let a = common::analyze_dir(&common::root().join("tests/fixtures/ACR001/bad-bicep"));
    let f = a.findings.iter().find(|f| f.rule.code == "ACR001").unwrap();
    let fix = f.fix.as_ref().expect("a fix");
    assert_eq!(fix.edits[0].replacement, "'Disabled'");
    assert_eq!(a.sources.text(fix.edits[0].span), "'Enabled'");
}

#[test]
fn deeply_nested_input_does_not_crash() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!(
        "resource r 'Microsoft.ContainerRegistry/registries@2023-07-01' = {{\n  name: {}'n'{}\n}}\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    std::fs::write(dir.path().join("deep.bicep"), deep).unwrap();
    let _ = common::analyze_paths(&[dir.path().to_path_buf()], &Default::default());
}

#[test]
fn a_module_cycle_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.bicep"),
        "module b './b.bicep' = {\n  name: 'b'\n}\nresource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n  name: 'acra'\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.bicep"),
        "module a './a.bicep' = {\n  name: 'a'\n}\n",
    )
    .unwrap();
    let a = common::analyze_paths(&[dir.path().to_path_buf()], &Default::default());
    // Both files are called by the other: neither is a root, nothing is evaluated twice.
    let registries = a
        .graph
        .resources
        .iter()
        .filter(|r| r.kind == Kind::ContainerRegistry)
        .count();
    assert!(registries <= 1, "{registries}");
}

#[test]
fn module_outputs_resolve_to_the_module_resources() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("modules")).unwrap();
    std::fs::write(
        dir.path().join("modules/acr.bicep"),
        "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n  name: 'contosoacr'\n  sku: {\n    name: 'Premium'\n  }\n}\noutput id string = acr.id\noutput loginServer string = '${acr.name}.azurecr.io'\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.bicep"),
        "module registry './modules/acr.bicep' = {\n  name: 'acr'\n}\nresource pe 'Microsoft.Network/privateEndpoints@2023-09-01' = {\n  name: 'pe'\n  properties: {\n    privateLinkServiceConnections: [\n      {\n        properties: {\n          privateLinkServiceId: registry.outputs.id\n          groupIds: [\n            'registry'\n          ]\n        }\n      }\n    ]\n  }\n  tags: {\n    server: registry.outputs.loginServer\n  }\n}\n",
    )
    .unwrap();
    let a = common::analyze_paths(&[dir.path().to_path_buf()], &Default::default());
    let pe = a
        .graph
        .resources
        .iter()
        .find(|r| r.address == "pe")
        .unwrap();
    let id = pe
        .body
        .path(&[
            "properties",
            "privateLinkServiceConnections",
            "properties",
            "privateLinkServiceId",
        ])
        .unwrap();
    assert!(
        matches!(a.graph.target(Some(id), pe), Target::Resource(r) if r.address == "registry.acr"),
        "{id:?}"
    );
    let server = pe.body.path(&["tags", "server"]).unwrap();
    assert_eq!(server.as_str(), Some("contosoacr.azurecr.io"));
}

#[test]
fn a_compiled_twin_is_reported_once_on_the_bicep_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::root().join("tests/fixtures/ACR002/bad-bicep/main.bicep"),
        dir.path().join("main.bicep"),
    )
    .unwrap();
    // What `bicep build` emits for it (abridged).
    std::fs::write(
        dir.path().join("main.json"),
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "metadata": { "_generator": { "name": "bicep", "version": "0.30.23.60470", "templateHash": "1" } },
  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "contosoacr",
      "location": "westeurope",
      "sku": { "name": "Premium" },
      "properties": { "adminUserEnabled": true, "publicNetworkAccess": "Disabled" }
    }
  ]
}
"#,
    )
    .unwrap();
    let a = common::analyze_paths(&[dir.path().to_path_buf()], &Default::default());
    let acr002: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule.code == "ACR002")
        .collect();
    assert_eq!(acr002.len(), 1);
    assert!(
        a.sources
            .get(acr002[0].primary.file)
            .path
            .ends_with("main.bicep")
    );
    assert!(a.notes.iter().any(|n| n.contains("compiled from")));
}

/// The "because of" label of a value from `main.parameters.json` points at that parameter's
/// own value, also when the parameter's name appears earlier in the file as text.
#[test]
fn parameter_file_values_carry_their_own_spans() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("acrlint.toml"), "# fixture root\n").unwrap();
    std::fs::write(
        dir.path().join("main.bicep"),
        "param adminEnabled bool = false
resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'acrparams'
  location: 'westeurope'
  sku: { name: 'Premium' }
  properties: { adminUserEnabled: adminEnabled }
}
",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.parameters.json"),
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "note": { "value": { "adminEnabled": false, "value": 1 } },
    "adminEnabled": { "value": true }
  }
}
"#,
    )
    .unwrap();
    let a = common::analyze_dir(dir.path());
    let f = a
        .findings
        .iter()
        .find(|f| f.rule.code == "ACR002")
        .expect("ACR002 from the parameter file's value");
    let in_params: Vec<(String, usize)> = f
        .secondary
        .iter()
        .filter(|l| {
            a.sources
                .get(l.span.file)
                .path
                .ends_with("main.parameters.json")
        })
        .map(|l| {
            let file = a.sources.get(l.span.file);
            (
                a.sources.text(l.span).to_string(),
                file.line_col(l.span.start as usize).line,
            )
        })
        .collect();
    assert_eq!(
        in_params,
        vec![("true".to_string(), 6)],
        "{:?}",
        f.secondary
    );
}

/// Bicep operators (and safe access) are lowered into the ARM functions Bicep compiles
/// them to: a `.bicep` expression and the template expression it compiles to give the
/// same value.
#[test]
fn operators_mean_what_their_compiled_functions_mean() {
    let scan = |name: &str, text: String| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), text).unwrap();
        let a = common::analyze_paths(&[dir.path().to_path_buf()], &Default::default());
        let codes: Vec<_> = a.findings.iter().map(|f| f.rule.code).collect();
        assert!(!codes.contains(&"LINT001"), "{name}: {codes:?}");
        codes.contains(&"ACR002")
    };
    let bicep = |admin: &str| {
        format!(
            "param p bool\nresource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {{\n  name: 'acr'\n  location: 'westeurope'\n  sku: {{ name: 'Premium' }}\n  properties: {{ adminUserEnabled: {admin} }}\n}}\n"
        )
    };
    let arm = |admin: &str| {
        format!(
            r#"{{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {{ "p": {{ "type": "bool" }} }},
  "resources": [ {{ "type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01", "name": "acr",
    "location": "westeurope", "sku": {{ "name": "Premium" }}, "properties": {{ "adminUserEnabled": "[{admin}]" }} }} ] }}"#
        )
    };
    // (Bicep, its compiled ARM expression, the value)
    let cases = [
        (
            "{ a: 1, b: [1, 2] } == { b: [1, 2], a: 1 }",
            "equals(createObject('a', 1, 'b', createArray(1, 2)), createObject('b', createArray(1, 2), 'a', 1))",
            Some(true),
        ),
        ("'x' != 'x'", "not(equals('x', 'x'))", Some(false)),
        (
            "'ABC' =~ 'abc'",
            "equals(toLower('ABC'), toLower('abc'))",
            Some(true),
        ),
        ("'b' > 'a'", "greater('b', 'a')", Some(true)),
        ("7 / 2 == 3", "equals(div(7, 2), 3)", Some(true)),
        (
            "-3 + 3 >= 1",
            "greaterOrEquals(add(sub(0, 3), 3), 1)",
            Some(false),
        ),
        ("!(1 < 2)", "not(less(1, 2))", Some(false)),
        (
            "true ? true : p",
            "if(true, true, parameters('p'))",
            Some(true),
        ),
        ("p ? true : true", "if(parameters('p'), true, true)", None),
        ("p == true", "equals(parameters('p'), true)", None),
        (
            "{ a: false }.?b ?? true",
            "coalesce(tryGet(createObject('a', false), 'b'), true)",
            Some(true),
        ),
        (
            "[1][?3] == null",
            "equals(tryGet(createArray(1), 3), null())",
            Some(true),
        ),
        (
            "{ b: false }.?b ?? true",
            "coalesce(tryGet(createObject('b', false), 'b'), true)",
            Some(false),
        ),
    ];
    for (b, j, want) in cases {
        let from_bicep = scan("main.bicep", bicep(b));
        let from_arm = scan("azuredeploy.json", arm(j));
        assert_eq!(from_bicep, from_arm, "`{b}` and `{j}`");
        assert_eq!(from_bicep, want == Some(true), "`{b}`");
    }
}
