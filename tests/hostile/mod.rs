//! Hostile repository shapes for the evaluators, in every format: reference cycles, long
//! chains, module fan-out, values that double, nested loops. Each shape is a set of files
//! (relative path, text); the entry file also declares a registry named `known` with the
//! admin user enabled, so that its ACR002 shows a known value still judged next to the
//! unknown ones.
#![allow(dead_code)]

use std::fmt::Write;

/// The formats the evaluators read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lang {
    Terraform,
    Arm,
    Bicep,
}

/// A hostile shape and its size.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    /// Two values defined by each other.
    Cycle,
    /// `n` values, each the next one.
    Chain(usize),
    /// `levels` levels of modules, each calling the next level `width` times.
    FanOut(usize, usize),
    /// `n` values, each the previous one twice.
    Doubling(usize),
    /// Loops (ARM `copy`) of `count` items nested `levels` deep; resources nested
    /// `levels` deep in Bicep; blocks in Terraform.
    Nested(usize, usize),
}

pub const TF_KNOWN: &str = r#"resource "azurerm_container_registry" "known" {
  name                = "known"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Premium"
  admin_enabled       = true
}
"#;

pub const BICEP_KNOWN: &str = r#"resource known 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'known'
  location: 'westeurope'
  sku: { name: 'Premium' }
  properties: { adminUserEnabled: true }
}
"#;

/// The known registry in ARM JSON.
pub const ARM_KNOWN: &str = r#"{ "type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01", "name": "known", "location": "westeurope", "sku": { "name": "Premium" }, "properties": { "adminUserEnabled": true } }"#;

fn tf_registry(name: &str, admin: &str) -> String {
    format!(
        "resource \"azurerm_container_registry\" \"{name}\" {{\n  name = \"{name}\"\n  resource_group_name = \"rg\"\n  location = \"westeurope\"\n  sku = \"Premium\"\n  admin_enabled = {admin}\n}}\n"
    )
}

fn bicep_registry(name: &str, admin: &str) -> String {
    format!(
        "resource {name} 'Microsoft.ContainerRegistry/registries@2023-07-01' = {{\n  name: '{name}'\n  location: 'westeurope'\n  sku: {{ name: 'Premium' }}\n  properties: {{ adminUserEnabled: {admin} }}\n}}\n"
    )
}

fn arm_registry(name: &str, admin: &str) -> String {
    format!(
        r#"{{ "type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01", "name": "{name}", "location": "westeurope", "sku": {{ "name": "Premium" }}, "properties": {{ "adminUserEnabled": {admin} }} }}"#
    )
}

fn arm_template(variables: &str, resources: &[String]) -> String {
    format!(
        "{{\n\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n\"contentVersion\": \"1.0.0.0\",\n\"variables\": {{ {variables} }},\n\"resources\": [\n{}\n]\n}}\n",
        resources.join(",\n")
    )
}

/// The files of a shape: (relative path, text); the first is the entry file. Registries
/// other than `known` take their admin setting from the hostile value.
pub fn files(lang: Lang, shape: Shape) -> Vec<(String, String)> {
    match lang {
        Lang::Terraform => terraform(shape),
        Lang::Arm => arm(shape),
        Lang::Bicep => bicep(shape),
    }
}

fn terraform(shape: Shape) -> Vec<(String, String)> {
    let mut t = String::from(TF_KNOWN);
    match shape {
        Shape::Cycle => {
            t.push_str("variable \"a\" { default = var.b }\nvariable \"b\" { default = var.a }\n");
            t.push_str("locals {\n  x = local.y\n  y = local.x\n}\n");
            t.push_str(&tf_registry("fromvar", "var.a"));
            t.push_str(&tf_registry("fromlocal", "local.y"));
        }
        Shape::Chain(n) => {
            // The registries first: their chains meet the depth limit before any other.
            t.push_str(&tf_registry("fromlocal", "local.l0"));
            t.push_str(&tf_registry("fromvar", "var.v0"));
            t.push_str(&tf_registry("fromresource", "null_resource.r0.x"));
            t.push_str("locals {\n");
            for i in 0..n {
                let _ = writeln!(t, "  l{i} = local.l{}", i + 1);
            }
            let _ = writeln!(t, "  l{n} = true\n}}");
            for i in 0..n {
                let _ = writeln!(t, "variable \"v{i}\" {{ default = var.v{} }}", i + 1);
            }
            let _ = writeln!(t, "variable \"v{n}\" {{ default = true }}");
            for i in 0..n {
                let _ = writeln!(
                    t,
                    "resource \"null_resource\" \"r{i}\" {{ x = null_resource.r{}.x }}",
                    i + 1
                );
            }
            let _ = writeln!(t, "resource \"null_resource\" \"r{n}\" {{ x = true }}");
        }
        Shape::FanOut(levels, width) => {
            let mut out = Vec::new();
            for lvl in 0..levels {
                let mut m = if lvl == 0 { t.clone() } else { String::new() };
                for j in 0..width {
                    let _ = writeln!(m, "module \"m{j}\" {{ source = \"../lvl{}\" }}", lvl + 1);
                }
                out.push((format!("lvl{lvl}/main.tf"), m));
            }
            out.push((format!("lvl{levels}/main.tf"), tf_registry("leaf", "false")));
            return out;
        }
        Shape::Doubling(n) => {
            t.push_str("locals {\n  a0 = \"xx\"\n");
            for i in 0..n {
                let _ = writeln!(t, "  a{} = \"${{local.a{i}}}${{local.a{i}}}\"", i + 1);
            }
            t.push_str("}\n");
            t.push_str(&tf_registry("doubled", &format!("local.a{n} == \"\"")));
        }
        Shape::Nested(levels, _) => {
            t.push_str("resource \"null_resource\" \"deep\" {\n");
            for _ in 0..levels {
                t.push_str("b {\n");
            }
            for _ in 0..levels {
                t.push_str("}\n");
            }
            t.push_str("}\n");
        }
    }
    vec![("main.tf".into(), t)]
}

fn arm(shape: Shape) -> Vec<(String, String)> {
    let known = arm_registry("known", "true");
    let (vars, resources) = match shape {
        Shape::Cycle => (
            r#""a": "[variables('b')]", "b": "[variables('a')]""#.to_string(),
            vec![known, arm_registry("fromvar", r#""[variables('a')]""#)],
        ),
        Shape::Chain(n) => {
            let mut v = String::new();
            for i in 0..n {
                let _ = write!(v, "\"v{i}\": \"[variables('v{}')]\", ", i + 1);
            }
            let _ = write!(v, "\"v{n}\": true");
            (
                v,
                vec![known, arm_registry("fromvar", r#""[variables('v0')]""#)],
            )
        }
        // ARM has no modules to call; nested deployments fan out within one file.
        Shape::FanOut(levels, width) => {
            let mut inner = arm_registry("leaf", "false");
            for lvl in (0..levels).rev() {
                let items: Vec<String> = (0..width)
                    .map(|j| {
                        format!(
                            r#"{{ "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "d{lvl}x{j}", "properties": {{ "mode": "Incremental", "template": {{ "resources": [ {inner} ] }} }} }}"#
                        )
                    })
                    .collect();
                inner = items.join(", ");
                if inner.len() > 200_000 {
                    break;
                }
            }
            (String::new(), vec![known, inner])
        }
        Shape::Doubling(n) => {
            let mut v = String::from(r#""v0": "xx""#);
            for i in 0..n {
                let _ = write!(
                    v,
                    ", \"v{}\": \"[concat(variables('v{i}'), variables('v{i}'))]\"",
                    i + 1
                );
            }
            let half = n / 2;
            (
                v,
                vec![
                    known,
                    arm_registry("half", &format!(r#""[equals(variables('v{half}'), '')]""#)),
                    arm_registry("doubled", &format!(r#""[equals(variables('v{n}'), '')]""#)),
                ],
            )
        }
        Shape::Nested(levels, count) => {
            let mut p =
                format!(r#"{{ "copy": [ {{ "name": "c", "count": {count}, "input": "x" }} ] }}"#);
            for k in 0..levels {
                p = format!(
                    r#"{{ "copy": [ {{ "name": "c{k}", "count": {count}, "input": {p} }} ] }}"#
                );
            }
            (
                r#""r": "[range(0, 100000000)]""#.to_string(),
                vec![
                    known,
                    format!(
                        r#"{{ "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-01-01", "name": "[string(length(variables('r')))]", "properties": {p} }}"#
                    ),
                ],
            )
        }
    };
    vec![("azuredeploy.json".into(), arm_template(&vars, &resources))]
}

fn bicep(shape: Shape) -> Vec<(String, String)> {
    let mut t = String::from(BICEP_KNOWN);
    match shape {
        Shape::Cycle => {
            t.push_str("var a = b\nvar b = a\nparam p bool = q\nparam q bool = p\n");
            t.push_str(&bicep_registry("fromvar", "a"));
            t.push_str(&bicep_registry("fromparam", "q"));
        }
        Shape::Chain(n) => {
            for i in 0..n {
                let _ = writeln!(t, "var v{i} = v{}", i + 1);
            }
            let _ = writeln!(t, "var v{n} = true");
            t.push_str(&bicep_registry("fromvar", "v0"));
        }
        Shape::FanOut(levels, width) => {
            let mut out = Vec::new();
            for lvl in 0..levels {
                let mut m = if lvl == 0 { t.clone() } else { String::new() };
                for j in 0..width {
                    let _ = writeln!(
                        m,
                        "module m{j} '../lvl{}/main.bicep' = {{\n  name: 'm{j}'\n}}",
                        lvl + 1
                    );
                }
                out.push((format!("lvl{lvl}/main.bicep"), m));
            }
            out.push((
                format!("lvl{levels}/main.bicep"),
                bicep_registry("leaf", "false"),
            ));
            return out;
        }
        Shape::Doubling(n) => {
            t.push_str("var a0 = 'xx'\n");
            for i in 0..n {
                let _ = writeln!(t, "var a{} = '${{a{i}}}${{a{i}}}'", i + 1);
            }
            t.push_str(&bicep_registry("doubled", &format!("a{n} == ''")));
        }
        Shape::Nested(levels, _) => {
            t.push_str("resource r0 'Microsoft.Foo/bars@2020-01-01' = {\n  name: 'a'\n");
            for i in 1..levels {
                let _ = writeln!(t, "  resource r{i} 'bars@2020-01-01' = {{\n  name: 'a'");
            }
            for _ in 0..levels {
                t.push_str("}\n");
            }
        }
    }
    vec![("main.bicep".into(), t)]
}
