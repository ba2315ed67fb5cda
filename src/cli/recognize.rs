//! No silent passes: what the command line says about files acrlint does not read, and
//! the format of standard input when it is not named.

use std::path::Path;

use super::CliError;
use crate::discover::{FileKind, classify};

/// A Terraform plan in JSON (`terraform show -json`): `format_version` with
/// `planned_values` or `resource_changes` at the top level.
fn is_terraform_plan(text: &str) -> bool {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    map.contains_key("format_version")
        && (map.contains_key("planned_values") || map.contains_key("resource_changes"))
}

const PLAN: &str = "a Terraform plan (JSON) is not read; scan the .tf files of its configuration instead (acrlint evaluates them itself)";

/// Why a file named on the command line is not analysed, or `None` when it is.
pub fn not_read_reason(path: &Path, text: &str) -> Option<&'static str> {
    match classify(path, text) {
        FileKind::Other => {}
        _ => return None,
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    Some(match ext.as_str() {
        "json" if is_terraform_plan(text) => PLAN,
        "json" => {
            "not an ARM template or parameter file (no deploymentTemplate or deploymentParameters `$schema`); not read"
        }
        "yaml" | "yml" => "not a Kubernetes manifest (no `apiVersion` and `kind`); not read",
        _ => {
            "not a format acrlint reads (.tf, .tfvars, .bicep, .bicepparam, ARM .json, Kubernetes .yaml/.yml); not read"
        }
    })
}

/// The file name standard input is analysed under when `--stdin-filename` is not given,
/// from its content: ARM JSON, Kubernetes YAML, Terraform or Bicep. An error says what to
/// do when the content does not tell.
pub fn stdin_name(text: &str) -> Result<&'static str, CliError> {
    const NAME_IT: &str = "name it with --stdin-filename (e.g. --stdin-filename main.tf, app.yaml, azuredeploy.json, main.bicep)";
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('{') || body.starts_with('[') {
        if is_terraform_plan(body) {
            return Err(CliError::Stdin(format!("standard input: {PLAN}")));
        }
        return match classify(Path::new("stdin.json"), body) {
            FileKind::ArmTemplate | FileKind::ArmParameters => Ok("stdin.json"),
            _ => Err(CliError::Usage(format!(
                "standard input is JSON but not an ARM template (no deploymentTemplate `$schema`); {NAME_IT}"
            ))),
        };
    }
    if classify(Path::new("stdin.yaml"), body) == FileKind::Kubernetes {
        return Ok("stdin.yaml");
    }
    let (hcl, bicep) = (hcl_lines(body), bicep_lines(body));
    match (hcl > 0, bicep > 0) {
        (true, false) => Ok("stdin.tf"),
        (false, true) => Ok("stdin.bicep"),
        _ => Err(CliError::Usage(format!(
            "cannot tell the format of standard input (Terraform, Bicep, ARM JSON or Kubernetes YAML); {NAME_IT}"
        ))),
    }
}

/// Lines that open a Terraform block: `resource "type" "name" {`, `terraform {`, ...
fn hcl_lines(text: &str) -> usize {
    const LABELLED: &[&str] = &[
        "resource", "data", "module", "variable", "output", "provider", "check", "import", "moved",
        "removed",
    ];
    text.lines()
        .map(str::trim_start)
        .filter(|l| {
            let word: String = l
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let rest = l[word.len()..].trim_start();
            (LABELLED.contains(&word.as_str()) && rest.starts_with('"'))
                || (matches!(
                    word.as_str(),
                    "terraform" | "locals" | "provider" | "import"
                ) && rest.starts_with('{'))
        })
        .count()
}

/// Lines only Bicep writes: `resource name 'type@version'`, `param name type`,
/// `targetScope =`, `module name '...'`, a `@decorator(`, `var name =`, `output name type =`.
fn bicep_lines(text: &str) -> usize {
    text.lines()
        .map(str::trim_start)
        .filter(|l| {
            let mut words = l.split_whitespace();
            let first = words.next().unwrap_or("");
            let second = words.next().unwrap_or("");
            let third = words.next().unwrap_or("");
            let ident = |w: &str| {
                !w.is_empty()
                    && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !w.starts_with(|c: char| c.is_ascii_digit())
            };
            match first {
                "resource" | "module" => ident(second) && third.starts_with('\''),
                "param" | "output" => ident(second) && ident(third),
                "var" => ident(second) && third == "=",
                "targetScope" => second.starts_with('='),
                _ => first.starts_with('@') && first[1..].contains('('),
            }
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_formats_are_told_apart() {
        assert_eq!(
            stdin_name("resource \"azurerm_container_registry\" \"r\" {\n}\n").ok(),
            Some("stdin.tf")
        );
        assert_eq!(
            stdin_name(
                "param location string\nresource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n}\n"
            ).ok(),
            Some("stdin.bicep")
        );
        assert_eq!(
            stdin_name("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n").ok(),
            Some("stdin.yaml")
        );
        assert_eq!(
            stdin_name(
                "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\"}"
            ).ok(),
            Some("stdin.json")
        );
        assert!(stdin_name("hello world\n").is_err());
        assert!(stdin_name("{\"a\": 1}").is_err());
        assert!(
            stdin_name("{\"format_version\":\"1.2\",\"planned_values\":{}}")
                .unwrap_err()
                .to_string()
                .contains("Terraform plan")
        );
    }

    #[test]
    fn files_not_read_say_why() {
        let plan = "{\"format_version\":\"1.2\",\"resource_changes\":[]}";
        assert!(
            not_read_reason(Path::new("plan.json"), plan)
                .unwrap()
                .contains("Terraform plan")
        );
        assert!(not_read_reason(Path::new("a.yaml"), "x: 1\n").is_some());
        assert!(not_read_reason(Path::new("README.md"), "# hi\n").is_some());
        assert_eq!(not_read_reason(Path::new("main.tf"), ""), None);
    }
}
