//! The command line's outputs and its refusals to pass silently, through the real binary:
//! several reports from one run, report files, `--select`/`--ignore`, `--statistics`,
//! `--quiet`, `--severity`; missing variable and parameter files, files that are not
//! read, standard input of an unnamed format, folders skipped by name; `--version` and
//! `completions`.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// One registry: ACR002 (error), NET001 (warning) and notes.
const ADMIN: &str = r#"resource "azurerm_container_registry" "acr" {
  name                          = "contosoacr"
  resource_group_name           = "rg-platform"
  location                      = "westeurope"
  sku                           = "Premium"
  admin_enabled                 = true
  public_network_access_enabled = false
}
"#;

/// A second registry with the admin user on: ACR002 twice in the project.
const ADMIN_TOO: &str = r#"resource "azurerm_container_registry" "other" {
  name                          = "contosoacr2"
  resource_group_name           = "rg-platform"
  location                      = "westeurope"
  sku                           = "Premium"
  admin_enabled                 = true
  public_network_access_enabled = false
}
"#;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut c = Command::cargo_bin("acrlint").unwrap();
    c.current_dir(dir)
        .args(args)
        .env_remove("GITHUB_STEP_SUMMARY");
    if let Some(s) = stdin {
        c.write_stdin(s);
    }
    let out = c.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(dir: &Path, args: &[&str]) -> Run {
    run_in(dir, args, None)
}

/// A project folder (with `.git`, so it is its own root) holding these files.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    fs::create_dir_all(t.path().join(".git")).unwrap();
    for (name, text) in files {
        let p = t.path().join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    t
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn severities(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap().to_string())
        .collect()
}

// ---- 3. Outputs ----------------------------------------------------------------------

#[test]
fn one_run_writes_a_readable_log_and_report_files() {
    let t = project(&[("main.tf", ADMIN)]);
    let r = run(
        t.path(),
        &[
            "check",
            ".",
            "--format",
            "human",
            "--format",
            "sarif=out/results.sarif",
            "--format",
            "json=report.json",
        ],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("error[ACR002]"), "{}", r.stdout);
    assert!(r.stdout.contains("in 1 file"), "{}", r.stdout);
    // The folder of a report file is made when missing.
    let sarif = json(&fs::read_to_string(t.path().join("out/results.sarif")).unwrap());
    assert_eq!(sarif["version"], "2.1.0");
    let report = json(&fs::read_to_string(t.path().join("report.json")).unwrap());
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let findings = report["findings"].as_array().unwrap();
    // The same analysis in every report.
    assert_eq!(results.len(), findings.len());
    assert!(codes(&report).contains(&"ACR002".to_string()));
    // Files are renamed into place: no temporary file is left beside them.
    for dir in [t.path().to_path_buf(), t.path().join("out")] {
        for e in fs::read_dir(&dir).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!name.ends_with(".tmp"), "left behind: {name}");
        }
    }
}

#[test]
fn output_file_takes_the_report_off_standard_output() {
    let t = project(&[("main.tf", ADMIN)]);
    let r = run(
        t.path(),
        &["check", ".", "--format", "json", "--output-file", "r.json"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    let report = json(&fs::read_to_string(t.path().join("r.json")).unwrap());
    assert!(codes(&report).contains(&"ACR002".to_string()));
    // A human report written to a file has no colour, whatever was asked for the terminal.
    let r = run(
        t.path(),
        &["check", ".", "--color", "always", "-o", "log.txt"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let log = fs::read_to_string(t.path().join("log.txt")).unwrap();
    assert!(
        log.contains("error[ACR002]") && !log.contains('\x1b'),
        "{log}"
    );
}

#[cfg(unix)]
#[test]
fn output_into_a_fifo_or_through_a_link_keeps_it() {
    use std::os::unix::fs::FileTypeExt;
    let t = project(&[("main.tf", ADMIN)]);
    // A FIFO (like `/dev/null` or `/dev/stdout`, not a regular file) is written into, never
    // replaced by a renamed file.
    let fifo = t.path().join("report.pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read_to_string(fifo).unwrap())
        };
        let r = run(t.path(), &["check", ".", "-f", "json", "-o", "report.pipe"]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        // Checked before joining: a FIFO replaced by a file would leave the reader waiting.
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        let got = reader.join().unwrap();
        assert!(codes(&json(&got)).contains(&"ACR002".to_string()), "{got}");
    }
    // A link to a report: the report is replaced and the link stays a link.
    fs::write(t.path().join("real.json"), "previous").unwrap();
    std::os::unix::fs::symlink("real.json", t.path().join("link.json")).unwrap();
    let r = run(t.path(), &["check", ".", "-f", "json", "-o", "link.json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        fs::symlink_metadata(t.path().join("link.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let real = fs::read_to_string(t.path().join("real.json")).unwrap();
    assert!(
        codes(&json(&real)).contains(&"ACR002".to_string()),
        "{real}"
    );
}

#[test]
fn report_files_are_replaced_whole_or_left_as_they_were() {
    let t = project(&[("main.tf", ADMIN)]);
    let path = t.path().join("results.sarif");
    fs::write(&path, "previous").unwrap();
    // A run refused before the analysis leaves the previous report alone.
    let r = run(
        t.path(),
        &[
            "check",
            ".",
            "--format",
            "sarif=results.sarif",
            "--select",
            "NOPE9",
        ],
    );
    assert_eq!(r.code, 2);
    assert_eq!(fs::read_to_string(&path).unwrap(), "previous");
    // A run that completes replaces it.
    let r = run(t.path(), &["check", ".", "--format", "sarif=results.sarif"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "", "every report went to a file");
    let sarif = json(&fs::read_to_string(&path).unwrap());
    assert_eq!(sarif["version"], "2.1.0");
}

#[test]
fn reports_that_would_collide_are_refused() {
    let t = project(&[("main.tf", ADMIN)]);
    let both_to_stdout = run(t.path(), &["check", ".", "-f", "human", "-f", "json"]);
    assert_eq!(both_to_stdout.code, 2);
    assert!(
        both_to_stdout
            .stderr
            .contains("only one report can go to standard output"),
        "{}",
        both_to_stdout.stderr
    );
    let same_file = run(t.path(), &["check", ".", "-f", "json=r", "-f", "sarif=./r"]);
    assert_eq!(same_file.code, 2);
    assert!(
        same_file.stderr.contains("named for two reports"),
        "{}",
        same_file.stderr
    );
    let unknown = run(t.path(), &["check", ".", "-f", "xml=r.xml"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("unknown format `xml`"),
        "{}",
        unknown.stderr
    );
    let orphan = run(
        t.path(),
        &["check", ".", "-f", "json=r.json", "-o", "x.txt"],
    );
    assert_eq!(orphan.code, 2);
    assert!(orphan.stderr.contains("--output-file"), "{}", orphan.stderr);
    assert!(!t.path().join("r.json").exists() && !t.path().join("x.txt").exists());
}

#[test]
fn select_runs_only_the_rules_named_by_code_or_name() {
    let t = project(&[("main.tf", ADMIN)]);
    for sel in ["ACR002", "registry-admin-user-enabled", "acr002"] {
        let r = run(t.path(), &["check", ".", "-f", "json", "--select", sel]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert_eq!(codes(&json(&r.stdout)), ["ACR002"], "--select {sel}");
    }
    // Comma-separated and repeatable.
    let r = run(
        t.path(),
        &[
            "check",
            ".",
            "-f",
            "json",
            "--select",
            "ACR002,NET001",
            "--select",
            "ACR005",
        ],
    );
    let mut got = codes(&json(&r.stdout));
    got.sort();
    assert_eq!(got, ["ACR002", "ACR005", "NET001"]);
}

#[test]
fn select_turns_on_a_rule_that_is_off_by_default() {
    // ADMIN is Premium without zone redundancy: ACR009, which is off by default.
    let t = project(&[("main.tf", ADMIN)]);
    let all = codes(&json(&run(t.path(), &["check", ".", "-f", "json"]).stdout));
    assert!(!all.contains(&"ACR009".into()), "{all:?}");
    let r = run(
        t.path(),
        &["check", ".", "-f", "json", "--select", "ACR009"],
    );
    assert_eq!(codes(&json(&r.stdout)), ["ACR009"], "{}", r.stderr);
    // A note: the default --fail-on warning passes.
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn ignore_turns_rules_off_and_wins_over_select() {
    let t = project(&[("main.tf", ADMIN)]);
    let all = codes(&json(&run(t.path(), &["check", ".", "-f", "json"]).stdout));
    let r = run(
        t.path(),
        &[
            "check",
            ".",
            "-f",
            "json",
            "--ignore",
            "ACR002,registry-private-endpoint-missing",
        ],
    );
    let got = codes(&json(&r.stdout));
    assert!(!got.contains(&"ACR002".into()) && !got.contains(&"NET001".into()));
    assert_eq!(got.len(), all.len() - 2, "{all:?} -> {got:?}");
    // Only notes remain: the default --fail-on warning passes.
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(
        t.path(),
        &[
            "check",
            ".",
            "-f",
            "json",
            "--select",
            "ACR002,NET001",
            "--ignore",
            "ACR002",
        ],
    );
    assert_eq!(codes(&json(&r.stdout)), ["NET001"]);
}

#[test]
fn the_command_line_wins_over_the_config() {
    let t = project(&[
        ("main.tf", ADMIN),
        (
            "acrlint.toml",
            "[rules]\nregistry-admin-user-enabled = \"off\"\nNET001 = \"note\"\n",
        ),
    ]);
    let r = run(t.path(), &["check", ".", "-f", "json"]);
    assert!(!codes(&json(&r.stdout)).contains(&"ACR002".into()));
    // Selected, a rule the config turned off runs at its own level; one the config set to
    // a level keeps it.
    let r = run(
        t.path(),
        &["check", ".", "-f", "json", "--select", "ACR002,NET001"],
    );
    let report = json(&r.stdout);
    let by_code = |code: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code)
            .map(|f| f["severity"].as_str().unwrap().to_string())
    };
    assert_eq!(by_code("ACR002").as_deref(), Some("error"));
    assert_eq!(by_code("NET001").as_deref(), Some("note"));
    assert_eq!(report["findings"].as_array().unwrap().len(), 2);
}

#[test]
fn unknown_rules_on_the_command_line_are_errors() {
    let t = project(&[("main.tf", ADMIN)]);
    for flag in ["--select", "--ignore"] {
        let r = run(t.path(), &["check", ".", flag, "ACR002,ACR999"]);
        assert_eq!(r.code, 2, "{flag}");
        assert!(
            r.stderr
                .contains(&format!("unknown rule `ACR999` in {flag}")),
            "{}",
            r.stderr
        );
        assert_eq!(r.stdout, "");
    }
}

#[test]
fn select_keeps_reporting_files_that_do_not_parse() {
    let t = project(&[("main.tf", ADMIN), ("broken.tf", "resource \"x\" {\n")]);
    let r = run(
        t.path(),
        &["check", ".", "-f", "json", "--select", "ACR002"],
    );
    let mut got = codes(&json(&r.stdout));
    got.sort();
    assert_eq!(got, ["ACR002", "LINT001"]);
    let r = run(
        t.path(),
        &[
            "check", ".", "-f", "json", "--select", "ACR002", "--ignore", "LINT001",
        ],
    );
    assert_eq!(codes(&json(&r.stdout)), ["ACR002"]);
}

#[test]
fn statistics_count_findings_per_rule_most_frequent_first() {
    let t = project(&[("a.tf", ADMIN), ("b.tf", ADMIN_TOO)]);
    let report = json(&run(t.path(), &["check", ".", "-f", "json"]).stdout);
    let r = run(
        t.path(),
        &[
            "check",
            ".",
            "--statistics",
            "--select",
            "ACR002,ACR005,NET001",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    // No findings printed, one line per rule, then the summary.
    assert!(!r.stdout.contains("error[ACR002]"), "{}", r.stdout);
    let rows: Vec<Vec<&str>> = lines[..lines.len() - 1]
        .iter()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["2", "ACR002", "registry-admin-user-enabled"],
            ["2", "ACR005", "registry-export-enabled"],
            ["2", "NET001", "registry-private-endpoint-missing"],
        ]
    );
    assert!(
        lines.last().unwrap().starts_with("6 findings"),
        "{}",
        r.stdout
    );
    // The full table agrees with the findings, sorted by count.
    let r = run(t.path(), &["check", ".", "--statistics", "-f", "json"]);
    let stats = json(&r.stdout);
    let stats = stats.as_array().unwrap();
    let total: u64 = stats.iter().map(|s| s["count"].as_u64().unwrap()).sum();
    assert_eq!(total as usize, report["findings"].as_array().unwrap().len());
    let counts: Vec<u64> = stats.iter().map(|s| s["count"].as_u64().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    for s in stats {
        let n = codes(&report).iter().filter(|c| **c == s["code"]).count();
        assert_eq!(s["count"].as_u64().unwrap() as usize, n, "{s}");
        assert!(s["name"].is_string());
    }
}

#[test]
fn statistics_leave_report_files_whole_and_refuse_formats_without_a_table() {
    let t = project(&[("main.tf", ADMIN)]);
    let r = run(
        t.path(),
        &["check", ".", "--statistics", "-f", "sarif=r.sarif"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("ACR002"),
        "the table on standard output: {}",
        r.stdout
    );
    let sarif = json(&fs::read_to_string(t.path().join("r.sarif")).unwrap());
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    let r = run(t.path(), &["check", ".", "--statistics", "-f", "sarif"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--statistics"), "{}", r.stderr);
}

#[test]
fn quiet_prints_the_findings_only() {
    let t = project(&[("main.tf", ADMIN)]);
    let r = run(t.path(), &["check", ".", "-q"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("error[ACR002]"), "{}", r.stdout);
    assert!(!r.stdout.contains("finding"), "no summary: {}", r.stdout);
    let clean = project(&[("README.txt", "nothing here\n")]);
    let r = run(clean.path(), &["check", ".", "--quiet"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    // Without --quiet, a clean run says so.
    let r = run(clean.path(), &["check", "."]);
    assert!(r.stdout.contains("no findings"), "{}", r.stdout);
}

#[test]
fn severity_filters_every_report_and_the_exit_code_follows_what_is_shown() {
    let t = project(&[("main.tf", ADMIN)]);
    let r = run(
        t.path(),
        &[
            "check",
            ".",
            "--severity",
            "warning",
            "-f",
            "json",
            "-f",
            "sarif=r.sarif",
        ],
    );
    let report = json(&r.stdout);
    let sev = severities(&report);
    assert!(sev.contains(&"error".into()) && sev.contains(&"warning".into()));
    assert!(!sev.contains(&"note".into()), "{sev:?}");
    let summary = &report["summary"];
    let notes = sev.len() as u64 + summary["not_shown"].as_u64().unwrap();
    assert!(
        notes > sev.len() as u64,
        "the notes are counted as not shown: {summary}"
    );
    assert_eq!(summary["notes"], 0);
    assert_eq!(
        summary["errors"].as_u64().unwrap() + summary["warnings"].as_u64().unwrap(),
        sev.len() as u64
    );
    let sarif = json(&fs::read_to_string(t.path().join("r.sarif")).unwrap());
    let levels: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels.len(), sev.len());
    assert!(
        levels.iter().all(|l| *l == "error" || *l == "warning"),
        "{levels:?}"
    );

    // Warnings and notes only: shown, the run fails on the warning; hidden, it passes and
    // the summary says what was left out.
    let warn_only = ADMIN.replace(
        "admin_enabled                 = true",
        "admin_enabled = false",
    );
    let t = project(&[("main.tf", &warn_only)]);
    let r = run(t.path(), &["check", "."]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let r = run(t.path(), &["check", ".", "--severity", "error"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(!r.stdout.contains("warning["), "{}", r.stdout);
    assert!(
        r.stdout.contains("no findings in 1 file") && r.stdout.contains("below error not shown"),
        "{}",
        r.stdout
    );
    // --fail-on note judges only what is shown, too.
    let r = run(
        t.path(),
        &["check", ".", "--severity", "error", "--fail-on", "note"],
    );
    assert_eq!(r.code, 0);
}

/// The README's Usage examples run as written, from a copy of the repository's samples.
#[test]
fn readme_usage_examples_run_as_written() {
    let readme = include_str!("../README.md");
    let start = readme
        .find("A readable log and SARIF for code scanning from one run")
        .expect("README example paragraph");
    let block = &readme[start..];
    let block = &block[block.find("```sh\n").expect("sh block") + 6..];
    let block = &block[..block.find("```").unwrap()];
    let t = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("samples"),
        &t.path().join("samples"),
    );
    let bin = assert_cmd::cargo::cargo_bin("acrlint");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 5, "{block}");
    for line in lines {
        let out = std::process::Command::new("sh")
            .args(["-c", line])
            .current_dir(t.path())
            .env("PATH", &path)
            .output()
            .unwrap();
        let code = out.status.code();
        assert!(
            matches!(code, Some(0 | 1)),
            "{line}: {code:?}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("error"),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let sarif = json(&fs::read_to_string(t.path().join("results.sarif")).unwrap());
    assert_eq!(sarif["version"], "2.1.0");
    assert!(
        fs::read_to_string(t.path().join("acrlint.bash"))
            .unwrap()
            .contains("_acrlint")
    );
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

// ---- 7. No silent passes ---------------------------------------------------------------

#[test]
fn a_missing_var_file_or_parameter_file_is_an_error() {
    let t = project(&[("main.tf", ADMIN)]);
    for flag in ["--var-file", "--parameters"] {
        let r = run(t.path(), &["check", ".", flag, "missing.file"]);
        assert_eq!(r.code, 2, "{flag}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("{flag} missing.file")),
            "{}",
            r.stderr
        );
        assert_eq!(r.stdout, "", "nothing is scanned");
    }
    let r = run(t.path(), &["check", ".", "--var-file", "."]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
}

#[test]
fn files_named_but_not_read_are_warned_about() {
    let t = project(&[
        ("main.tf", ADMIN),
        (
            "plan.json",
            "{\"format_version\":\"1.2\",\"terraform_version\":\"1.9.0\",\"planned_values\":{\"root_module\":{}},\"resource_changes\":[]}",
        ),
        ("values.yaml", "replicas: 3\nimage: nginx\n"),
        ("other.json", "{\"a\": 1}"),
        ("notes.md", "# notes\n"),
    ]);
    let r = run(t.path(), &["check", "plan.json"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stderr
            .contains("warning: plan.json: a Terraform plan (JSON) is not read")
            && r.stderr.contains("scan the .tf files"),
        "{}",
        r.stderr
    );
    let r = run(
        t.path(),
        &["check", "main.tf", "values.yaml", "other.json", "notes.md"],
    );
    assert_eq!(r.code, 1);
    for (file, why) in [
        ("values.yaml", "not a Kubernetes manifest"),
        ("other.json", "not an ARM template"),
        ("notes.md", "not a format acrlint reads"),
    ] {
        assert!(
            r.stderr.contains(&format!("warning: {file}: {why}")),
            "{file}: {}",
            r.stderr
        );
    }
    assert!(!r.stderr.contains("main.tf"), "{}", r.stderr);
    // A folder's files are chosen by acrlint: no warning for what it passes over.
    let r = run(t.path(), &["check", "."]);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

#[test]
fn standard_input_without_a_name_is_recognised_by_content() {
    let t = project(&[]);
    let bicep = "param location string = resourceGroup().location\n\nresource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n  name: 'contosoacr'\n  location: location\n  sku: {\n    name: 'Premium'\n  }\n  properties: {\n    adminUserEnabled: true\n  }\n}\n";
    let arm = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "contosoacr",
      "location": "westeurope",
      "sku": { "name": "Premium" },
      "properties": { "adminUserEnabled": true }
    }
  ]
}
"#;
    for (text, name) in [
        (ADMIN, "stdin.tf"),
        (bicep, "stdin.bicep"),
        (arm, "stdin.json"),
    ] {
        let r = run_in(t.path(), &["check", "-", "-f", "json"], Some(text));
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        let report = json(&r.stdout);
        let acr002 = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "ACR002")
            .unwrap_or_else(|| panic!("{name}: {report}"));
        assert_eq!(acr002["path"], name);
    }
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: docker.io/library/nginx:latest\n";
    let r = run_in(t.path(), &["check", "-", "-f", "json"], Some(pod));
    assert_eq!(
        json(&r.stdout)["summary"]["files_scanned"],
        1,
        "{}",
        r.stderr
    );
    assert!(
        json(&r.stdout)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["path"] == "stdin.yaml")
    );
}

#[test]
fn standard_input_of_an_unknown_format_is_refused() {
    let t = project(&[]);
    for (text, says) in [
        (
            "just some words\n",
            "cannot tell the format of standard input",
        ),
        ("{\"name\": \"x\"}\n", "not an ARM template"),
        (
            "{\"format_version\":\"1.2\",\"resource_changes\":[]}",
            "Terraform plan",
        ),
    ] {
        let r = run_in(t.path(), &["check", "-"], Some(text));
        assert_eq!(r.code, 2, "{text}");
        assert!(r.stderr.contains(says), "{}", r.stderr);
        assert!(r.stderr.contains("--stdin-filename") || says == "Terraform plan");
    }
    // Named, it is read as named.
    let r = run_in(
        t.path(),
        &["check", "-", "--stdin-filename", "main.tf"],
        Some(ADMIN),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    // Named as something acrlint does not read, it is warned about.
    let r = run_in(
        t.path(),
        &["check", "-", "--stdin-filename", "values.yaml"],
        Some("replicas: 3\n"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("warning: values.yaml: not a Kubernetes manifest"),
        "{}",
        r.stderr
    );
}

#[test]
fn only_tool_folders_are_skipped_by_name() {
    let t = project(&[
        ("target/main.tf", ADMIN),
        ("build/registry.tf", ADMIN_TOO),
        ("node_modules/pkg/main.tf", ADMIN),
        (".terraform/modules/m/main.tf", ADMIN),
    ]);
    let r = run(t.path(), &["check", ".", "-f", "json"]);
    let report = json(&r.stdout);
    let mut paths: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "ACR002")
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        ["build/registry.tf", "target/main.tf"],
        "{}",
        r.stderr
    );
    // A .gitignore still leaves out build output.
    fs::write(t.path().join(".gitignore"), "target/\n").unwrap();
    let report = json(&run(t.path(), &["check", ".", "-f", "json"]).stdout);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["path"] != "target/main.tf")
    );
}

// ---- 9. Version and completions --------------------------------------------------------

#[test]
fn version_names_the_commit_when_built_from_git() {
    let t = project(&[]);
    let r = run(t.path(), &["--version"]);
    assert_eq!(r.code, 0);
    let line = r.stdout.trim_end();
    let expected = format!("acrlint {}", env!("CARGO_PKG_VERSION"));
    assert!(line.starts_with(&expected), "{line}");
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    // The commit of acrlint's own checkout; none without git or in another repository.
    let own = git(&["rev-parse", "--show-toplevel"]).is_some_and(|t| {
        Path::new(&t).canonicalize().ok()
            == Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize().ok()
    });
    let head = own
        .then(|| git(&["rev-parse", "--short=9", "HEAD"]))
        .flatten();
    match head {
        Some(h) => assert_eq!(line, format!("{expected} ({h})")),
        None => assert_eq!(line, expected),
    }
}

#[test]
fn completions_are_printed_for_every_shell() {
    let t = project(&[]);
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef acrlint"),
        ("fish", "complete -c acrlint"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[acrlint]"),
    ] {
        let r = run(t.path(), &["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(
            r.stdout.contains(marker),
            "{shell}: {}",
            &r.stdout[..200.min(r.stdout.len())]
        );
        for word in [
            "check",
            "select",
            "statistics",
            "stdin-filename",
            "completions",
        ] {
            assert!(r.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let r = run(t.path(), &["completions", "tcsh"]);
    assert_eq!(r.code, 2);
}
