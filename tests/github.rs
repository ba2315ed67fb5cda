//! GitHub: annotations within GitHub's limits, the step summary, SARIF for code scanning
//! (help links, suppressed results, size) and the composite action's script.

mod common;

use std::path::Path;

use assert_cmd::Command;

/// A registry with the admin user on (ACR002, an error), a Basic SKU (ACR003, a warning)
/// and no diagnostics (ACR010, a note), among others.
fn registry(name: &str) -> String {
    format!(
        r#"resource "azurerm_container_registry" "{name}" {{
  name                          = "{name}acr"
  resource_group_name           = "rg"
  location                      = "westeurope"
  sku                           = "Basic"
  admin_enabled                 = true
  public_network_access_enabled = false
}}
"#
    )
}

fn acrlint(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("acrlint").unwrap();
    c.current_dir(dir).env_remove("GITHUB_STEP_SUMMARY");
    c
}

/// A folder with `n` careless registries.
fn registries(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..n).map(|i| registry(&format!("r{i}"))).collect();
    std::fs::write(dir.path().join("main.tf"), text).unwrap();
    dir
}

fn stdout(c: &mut Command) -> String {
    String::from_utf8(c.output().unwrap().stdout).unwrap()
}

// ---------------------------------------------------------------- annotations

fn kind(line: &str) -> &str {
    line.trim_start_matches("::")
        .split([' ', ':'])
        .next()
        .unwrap()
}

#[test]
fn annotations_are_most_severe_first_with_one_notice_for_what_github_drops() {
    let dir = registries(12);
    let out =
        stdout(acrlint(dir.path()).args(["check", "--no-config", "--format", "github", "main.tf"]));
    let lines: Vec<&str> = out.lines().collect();
    let rank = |k: &str| match k {
        "error" => 0,
        "warning" => 1,
        "notice" => 2,
        other => panic!("unexpected command {other}"),
    };
    // The notice about the limits comes first, so it is always shown.
    assert!(lines[0].starts_with("::notice title=acrlint::"), "{out}");
    let findings = &lines[1..];
    let ranks: Vec<i32> = findings.iter().map(|l| rank(kind(l))).collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "not most severe first:\n{out}"
    );
    let count = |k: &str| findings.iter().filter(|l| kind(l) == k).count();
    let (e, w, n) = (count("error"), count("warning"), count("notice"));
    assert!(e > 10 && w > 10 && n > 10, "{e} {w} {n}");
    // GitHub shows 10 of each kind; the notice takes one of the notices' places.
    let dropped = (e - 10) + (w - 10) + (n - 9);
    assert!(
        lines[0].contains(&format!(
            "{dropped} of {} findings are not shown",
            findings.len()
        )),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("this step's log"));
    // With a step summary, the notice points there too.
    let summary = dir.path().join("summary.md");
    let out = stdout(
        acrlint(dir.path())
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args(["check", "--no-config", "--format", "github", "main.tf"]),
    );
    assert!(
        out.lines().next().unwrap().contains("step summary"),
        "{out}"
    );
}

#[test]
fn no_limit_notice_when_every_annotation_is_shown() {
    let dir = registries(1);
    let out =
        stdout(acrlint(dir.path()).args(["check", "--no-config", "--format", "github", "main.tf"]));
    assert!(!out.is_empty());
    assert!(!out.contains("not shown"), "{out}");
    assert!(out.starts_with("::error "), "{out}");
}

// ---------------------------------------------------------------- step summary

#[test]
fn step_summary_is_appended_whatever_the_format() {
    let dir = registries(2);
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    for format in ["json", "human"] {
        acrlint(dir.path())
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args(["check", "--no-config", "--format", format, "main.tf"])
            .assert()
            .code(1);
    }
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("earlier step\n## acrlint\n"), "{md}");
    assert_eq!(md.matches("## acrlint").count(), 2, "{md}");
    let first = md.split("## acrlint").nth(1).unwrap();
    assert!(first.contains("**2 errors, "), "{first}");
    assert!(first.contains("in 1 file."), "{first}");
    // Counts by rule, linked to the rule's page.
    assert!(
        first.contains("| [ACR002](https://github.com/OWNER/acrlint/blob/main/rules/ACR002-registry-admin-user-enabled.md) registry-admin-user-enabled | error | 2 |"),
        "{first}"
    );
    // The findings, most severe first.
    let rows: Vec<&str> = first
        .lines()
        .filter(|l| {
            l.starts_with("| error |") || l.starts_with("| warning |") || l.starts_with("| note |")
        })
        .collect();
    assert!(rows.len() > 4, "{first}");
    assert!(
        rows[0].starts_with("| error | ACR002 | main\\.tf:6 |"),
        "{}",
        rows[0]
    );
    assert!(rows.last().unwrap().starts_with("| note |"));
}

#[test]
fn step_summary_without_findings_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), "variable \"x\" {}\n").unwrap();
    let summary = dir.path().join("summary.md");
    acrlint(dir.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "--no-config", "main.tf"])
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(&summary).unwrap(),
        "## acrlint\n\nNo findings in 1 file.\n\n"
    );
}

/// Count the `|` that are not backslash-escaped.
fn cells(row: &str) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in row.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => n += 1,
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    n
}

#[test]
fn step_summary_escapes_scanned_text() {
    let dir = tempfile::tempdir().unwrap();
    let name = "x|y[a](https:evil)<b>.tf";
    std::fs::write(
        dir.path().join(name),
        registry("r0").replace("r0acr", "r0|acr<img src=x>"),
    )
    .unwrap();
    // A name with a line break and a terminal escape.
    std::fs::write(dir.path().join("n\n| x |\u{1b}[2J.tf"), registry("r1")).unwrap();
    let summary = dir.path().join("summary.md");
    acrlint(dir.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "--no-config", "--format", "json", "."])
        .assert()
        .code(1);
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(!md.contains('\u{1b}'), "{md}");
    // Every line is ours: a table row, the heading, the counts or the blank between.
    for line in md.lines() {
        assert!(
            line.is_empty()
                || line.starts_with('|')
                || line.starts_with("## ")
                || line.starts_with("**"),
            "{line:?}"
        );
    }
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| error |")).collect();
    assert!(!rows.is_empty(), "{md}");
    for row in md.lines().filter(|l| l.starts_with('|')) {
        // Rule table rows have 4 separators, finding rows 5: none added by scanned text.
        let n = cells(row);
        assert!(n == 4 || n == 5, "{row}");
    }
    for row in &rows {
        assert_eq!(cells(row), 5, "{row}");
    }
    assert!(
        rows.iter()
            .any(|row| row.contains("x\\|y\\[a\\]\\(https\\:evil\\)\\<b\\>\\.tf")),
        "{md}"
    );
    assert!(!md.contains("<b>") && !md.contains("<img"), "{md}");
    assert!(!md.contains("](https:evil"), "{md}");
}

#[test]
fn step_summary_is_capped_well_under_a_mebibyte() {
    let dir = registries(900);
    let a = common::analyze_paths(
        &[dir.path().join("main.tf")],
        &acrlint::config::Config::default(),
    );
    let md = acrlint::report::summary::render(&a);
    assert!(md.len() < 512 * 1024, "{} bytes", md.len());
    let rows = md
        .lines()
        .filter(|l| {
            l.starts_with("| error |") || l.starts_with("| warning |") || l.starts_with("| note |")
        })
        .count();
    assert!(rows < a.findings.len());
    assert!(
        md.contains(&format!("_{} more not shown;", a.findings.len() - rows)),
        "{}",
        &md[md.len().saturating_sub(300)..]
    );
}

// ---------------------------------------------------------------- SARIF

fn sarif(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = stdout(
        acrlint(dir)
            .args(["check", "--no-config", "--format", "sarif"])
            .args(args),
    );
    serde_json::from_str(&out).unwrap()
}

fn results(s: &serde_json::Value) -> &Vec<serde_json::Value> {
    s["runs"][0]["results"].as_array().unwrap()
}

#[test]
fn suppressed_findings_are_sarif_results_with_suppressions_and_shown_nowhere_else() {
    let dir = tempfile::tempdir().unwrap();
    let text = registry("r0").replace(
        "  admin_enabled                 = true\n",
        "  admin_enabled                 = true # acrlint:ignore ACR002 break-glass account, rotated daily\n",
    );
    std::fs::write(dir.path().join("main.tf"), &text).unwrap();
    // The baseline accepts the Basic SKU.
    let mut b = Command::cargo_bin("acrlint").unwrap();
    b.current_dir(dir.path())
        .args(["baseline", "write", "base.json", "--no-config", "main.tf"])
        .assert()
        .success();
    let base: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("base.json")).unwrap())
            .unwrap();
    // Keep only ACR003 in the baseline.
    let kept: Vec<serde_json::Value> = base["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e.to_string().contains("ACR003"))
        .cloned()
        .collect();
    assert_eq!(kept.len(), 1, "{base}");
    let mut base = base.clone();
    base["findings"] = serde_json::Value::Array(kept);
    std::fs::write(dir.path().join("base.json"), base.to_string()).unwrap();

    let s = sarif(dir.path(), &["--baseline", "base.json", "main.tf"]);
    let res = results(&s);
    let by = |code: &str| res.iter().find(|r| r["ruleId"] == code).unwrap();
    assert_eq!(by("ACR002")["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        by("ACR002")["suppressions"][0]["justification"],
        "break-glass account, rotated daily"
    );
    assert_eq!(by("ACR003")["suppressions"][0]["kind"], "external");
    assert!(by("ACR010")["suppressions"].is_null());
    // Suppressed results come after the reported ones.
    let first_suppressed = res
        .iter()
        .position(|r| !r["suppressions"].is_null())
        .unwrap();
    assert!(
        res[first_suppressed..]
            .iter()
            .all(|r| !r["suppressions"].is_null())
    );
    // Not shown or counted by the other formats.
    for format in ["human", "json", "github"] {
        let out = stdout(acrlint(dir.path()).args([
            "check",
            "--no-config",
            "--color",
            "never",
            "--baseline",
            "base.json",
            "--format",
            format,
            "main.tf",
        ]));
        assert!(out.contains("ACR010"), "{format}: {out}");
        assert!(
            !out.contains("ACR002") && !out.contains("ACR003"),
            "{format}: {out}"
        );
    }
}

#[test]
fn help_uri_follows_docs_url() {
    let dir = registries(1);
    let s = sarif(dir.path(), &["main.tf"]);
    let rules = s["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    for r in rules {
        let uri = r["helpUri"].as_str().unwrap();
        assert!(
            uri.starts_with("https://github.com/OWNER/acrlint/blob/main/rules/"),
            "{uri}"
        );
        assert!(uri.ends_with(".md"), "{uri}");
    }
    let s = sarif(
        dir.path(),
        &[
            "--docs-url",
            "https://docs.example/acrlint/{code}/{name}/{file}",
            "main.tf",
        ],
    );
    let r = s["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ACR002")
        .unwrap();
    assert_eq!(
        r["helpUri"],
        "https://docs.example/acrlint/ACR002/registry-admin-user-enabled/ACR002-registry-admin-user-enabled.md"
    );
}

#[test]
fn scanned_brackets_in_sarif_messages_are_escaped_and_cannot_make_links() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        registry("r0").replace("\"Basic\"", "\"Basic[x](1)\""),
    )
    .unwrap();
    let s = sarif(dir.path(), &["main.tf"]);
    let texts: Vec<&str> = results(&s)
        .iter()
        .map(|r| r["message"]["text"].as_str().unwrap())
        .collect();
    let t = texts.iter().find(|t| t.contains("Basic")).unwrap();
    assert!(t.contains("Basic\\[x\\](1)"), "{t}");
}

#[test]
fn a_one_finding_sarif_file_is_small() {
    let dir = registries(1);
    std::fs::write(
        dir.path().join("acrlint.toml"),
        "[rules]\nACR003 = \"off\"\nACR005 = \"off\"\nACR006 = \"off\"\nACR008 = \"off\"\nACR009 = \"off\"\nACR010 = \"off\"\nNET001 = \"off\"\n",
    )
    .unwrap();
    let out = stdout(
        Command::cargo_bin("acrlint")
            .unwrap()
            .current_dir(dir.path())
            .args(["check", "--format", "sarif", "main.tf"]),
    );
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(results(&s).len(), 1, "{out}");
    assert_eq!(
        s["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The rule's doc once, plus the result: a few kilobytes (it was 204 KB).
    assert!(out.len() < 12 * 1024, "{} bytes", out.len());
}

// ---------------------------------------------------------------- the action

/// The script of the action's last step (`Run acrlint`), as bash will run it.
fn action_script() -> String {
    step_script("Run acrlint")
}

/// The `run: |` script of one of the action's steps.
fn step_script(name: &str) -> String {
    let action = std::fs::read_to_string(common::root().join("action.yml")).unwrap();
    let step = action
        .split(&format!("    - name: {name}\n"))
        .nth(1)
        .unwrap();
    let body = step.split("      run: |\n").nth(1).unwrap();
    body.lines()
        .take_while(|l| l.is_empty() || l.starts_with("        "))
        .map(|l| l.strip_prefix("        ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

struct Action {
    dir: tempfile::TempDir,
    path: String,
}

impl Action {
    fn new() -> Action {
        let bin = assert_cmd::cargo::cargo_bin("acrlint");
        let path = format!(
            "{}:{}",
            bin.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("infra")).unwrap();
        std::fs::write(dir.path().join("infra/main.tf"), registry("acr")).unwrap();
        std::fs::create_dir(dir.path().join("my stacks")).unwrap();
        std::fs::write(dir.path().join("my stacks/main.tf"), registry("other")).unwrap();
        Action { dir, path }
    }

    fn run(&self, env: &[(&str, &str)]) -> std::process::Output {
        let d = self.dir.path();
        std::fs::write(d.join("out.txt"), "").unwrap();
        std::fs::write(d.join("summary.md"), "").unwrap();
        let mut c = std::process::Command::new("bash");
        c.args(["-e", "-c", &action_script()])
            .current_dir(d)
            .env("PATH", &self.path)
            .env("GITHUB_OUTPUT", d.join("out.txt"))
            .env("GITHUB_STEP_SUMMARY", d.join("summary.md"))
            .env("ACRLINT_PATHS", "infra")
            .env("ACRLINT_FORMAT", "sarif")
            .env("ACRLINT_SARIF", "acrlint.sarif")
            .env("ACRLINT_FAIL_ON", "warning")
            .env("ACRLINT_BASELINE", "")
            .env("ACRLINT_ARGS", "--no-config");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }
}

#[test]
fn action_sarif_mode_writes_the_file_logs_the_report_and_one_summary() {
    let act = Action::new();
    let out = act.run(&[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let s: serde_json::Value = serde_json::from_str(&act.read("acrlint.sarif")).unwrap();
    // ACR002, ACR003, ACR005 and more on the one registry of `infra`.
    let codes: Vec<&str> = results(&s)
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"ACR002") && codes.contains(&"ACR003"),
        "{codes:?}"
    );
    assert!(results(&s).iter().all(
        |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/main.tf"
    ));
    // The readable report in the log.
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.contains("ACR002") && log.contains("infra/main.tf"),
        "{log}"
    );
    assert!(act.read("out.txt").contains("sarif-file=acrlint.sarif\n"));
    // One summary, not one per run.
    assert_eq!(act.read("summary.md").matches("## acrlint").count(), 1);
    // fail-on decides the exit code; the SARIF file is written either way.
    let out = act.run(&[("ACRLINT_FAIL_ON", "never")]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn action_splits_inputs_without_expanding_them() {
    let act = Action::new();
    let d = act.dir.path();
    std::fs::write(d.join("cfg.toml"), "[rules]\nACR010 = \"off\"\n").unwrap();
    // Quoted paths with spaces, several per line and several lines; arguments quoted too.
    let out = act.run(&[
        ("ACRLINT_FORMAT", "github"),
        ("ACRLINT_FAIL_ON", "never"),
        ("ACRLINT_PATHS", "infra\n'my stacks'"),
        ("ACRLINT_ARGS", "--config \"cfg.toml\"\n--verbose"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(log.contains("file=infra/main.tf"), "{log}");
    assert!(log.contains("file=my stacks/main.tf"), "{log}");
    assert!(!log.contains("ACR010"), "--config not applied: {log}");
    assert!(act.read("out.txt").contains("sarif-file=\n"));
    // Nothing is evaluated: no command substitution, no variables, no globbing.
    let out = act.run(&[
        ("ACRLINT_FORMAT", "human"),
        ("ACRLINT_PATHS", "$(touch pwned) `touch pwned2` $HOME i*"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(!d.join("pwned").exists() && !d.join("pwned2").exists());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("$(touch") || err.contains("i*") || err.contains("$HOME"),
        "{err}"
    );
    // An unmatched quote is an error, not a guess.
    let out = act.run(&[("ACRLINT_ARGS", "--config 'cfg.toml")]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("::error title=acrlint::cannot split the args input")
    );
    assert_eq!(
        act.run(&[("ACRLINT_FORMAT", "nonsense")]).status.code(),
        Some(2)
    );
}

#[test]
fn action_baseline_input_reports_only_new_findings() {
    let act = Action::new();
    let d = act.dir.path();
    // A checkout, as on a runner: its root is the project root of every scan in it, so a
    // baseline written for `infra` matches when `.` is scanned.
    std::fs::create_dir(d.join(".git")).unwrap();
    Command::cargo_bin("acrlint")
        .unwrap()
        .current_dir(d)
        .args(["baseline", "write", "base.json", "--no-config", "infra"])
        .assert()
        .success();
    let out = act.run(&[("ACRLINT_BASELINE", "base.json"), ("ACRLINT_PATHS", ". ")]);
    let s: serde_json::Value = serde_json::from_str(&act.read("acrlint.sarif")).unwrap();
    let res = results(&s);
    let reported: Vec<&serde_json::Value> =
        res.iter().filter(|r| r["suppressions"].is_null()).collect();
    assert!(!reported.is_empty());
    assert!(
        reported.iter().all(
            |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "my%20stacks/main.tf"
        ),
        "{res:?}"
    );
    assert!(
        res.iter()
            .any(|r| r["suppressions"][0]["kind"] == "external")
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}

/// The `with:` inputs of every YAML example in docs/github-actions.md that has any
/// (block scalars `|` included).
fn documented_inputs() -> Vec<Vec<(String, String)>> {
    let doc = std::fs::read_to_string(common::root().join("docs/github-actions.md")).unwrap();
    let mut examples = Vec::new();
    for block in doc.split("```yaml\n").skip(1) {
        let block = block.split("```").next().unwrap();
        let Some(with) = block.split("        with:\n").nth(1) else {
            continue;
        };
        let mut inputs: Vec<(String, String)> = Vec::new();
        let mut lines = with.lines().peekable();
        while let Some(line) = lines.next() {
            let Some(entry) = line.strip_prefix("          ") else {
                break;
            };
            let (key, value) = entry.split_once(':').unwrap();
            let value = value.split(" #").next().unwrap().trim();
            let value = if value == "|" {
                let mut text = String::new();
                while let Some(l) = lines.peek().and_then(|l| l.strip_prefix("            ")) {
                    text.push_str(l);
                    text.push('\n');
                    lines.next();
                }
                text
            } else {
                value.to_string()
            };
            inputs.push((key.to_string(), value));
        }
        // Only the action's own inputs (not upload-sarif's).
        if inputs.iter().all(|(k, _)| k != "sarif_file") {
            examples.push(inputs);
        }
    }
    examples
}

#[test]
fn the_documented_workflow_inputs_run_as_written() {
    let act = Action::new();
    let d = act.dir.path();
    for dir in ["deploy/prod stack", "ci"] {
        std::fs::create_dir_all(d.join(dir)).unwrap();
    }
    std::fs::write(d.join("deploy/prod stack/main.tf"), registry("prod")).unwrap();
    std::fs::write(d.join("ci/acrlint.toml"), "[rules]\nACR010 = \"off\"\n").unwrap();
    std::fs::write(d.join("infra/prod.tfvars"), "").unwrap();
    Command::cargo_bin("acrlint")
        .unwrap()
        .current_dir(d)
        .args([
            "baseline",
            "write",
            ".acrlint-baseline.json",
            "infra",
            "deploy",
        ])
        .assert()
        .success();
    let examples = documented_inputs();
    assert!(examples.len() >= 4, "{examples:?}");
    let env_name = |k: &str| match k {
        "paths" => "ACRLINT_PATHS",
        "format" => "ACRLINT_FORMAT",
        "sarif-file" => "ACRLINT_SARIF",
        "fail-on" => "ACRLINT_FAIL_ON",
        "baseline" => "ACRLINT_BASELINE",
        "args" => "ACRLINT_ARGS",
        other => panic!("the docs use an input the action does not have: {other}"),
    };
    let action = std::fs::read_to_string(common::root().join("action.yml")).unwrap();
    for inputs in examples {
        // The action's defaults, then the example's inputs.
        let mut env = vec![
            ("ACRLINT_PATHS", "."),
            ("ACRLINT_FORMAT", "sarif"),
            ("ACRLINT_SARIF", "acrlint.sarif"),
            ("ACRLINT_FAIL_ON", "warning"),
            ("ACRLINT_BASELINE", ""),
            ("ACRLINT_ARGS", ""),
        ];
        for (k, v) in &inputs {
            assert!(action.contains(&format!("  {k}:\n")), "{k}");
            env.push((env_name(k), v.as_str()));
        }
        std::fs::remove_file(d.join("acrlint.sarif")).ok();
        let out = act.run(&env);
        let code = out.status.code();
        assert!(code == Some(0) || code == Some(1), "{inputs:?}: {out:?}");
        let log = String::from_utf8_lossy(&out.stdout);
        assert!(
            !log.contains("::error title=acrlint::"),
            "{inputs:?}: {log}"
        );
        let format = env
            .iter()
            .rev()
            .find(|(k, _)| *k == "ACRLINT_FORMAT")
            .unwrap()
            .1;
        if format == "sarif" {
            let s: serde_json::Value = serde_json::from_str(&act.read("acrlint.sarif")).unwrap();
            assert!(!results(&s).is_empty(), "{inputs:?}");
        }
        if inputs.iter().any(|(_, v)| v.contains("prod stack")) {
            assert!(log.contains("deploy/prod stack/main.tf"), "{log}");
            assert!(!log.contains("ACR010"), "--config not applied: {log}");
        }
    }
}

#[test]
fn action_cache_key_hashes_the_lock_file_and_sources() {
    let dir = tempfile::tempdir().unwrap();
    let key = |root: &Path, action_ref: &str| {
        let out_file = dir.path().join("out.txt");
        std::fs::write(&out_file, "").unwrap();
        let out = std::process::Command::new("bash")
            .args(["-e", "-c", &step_script("Cache key")])
            .env("GITHUB_ACTION_PATH", root)
            .env("GITHUB_OUTPUT", &out_file)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("ACTION_REF", action_ref)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        std::fs::read_to_string(&out_file).unwrap()
    };
    let root = common::root();
    let k = key(&root, "v1.2.3");
    assert!(k.starts_with("key=acrlint-Linux-X64-v1.2.3-"), "{k}");
    assert_eq!(k.lines().count(), 1);
    assert_eq!(k, key(&root, "v1.2.3"));
    assert_ne!(k, key(&root, "main"));
    // A hostile ref cannot add a line to the outputs.
    assert_eq!(key(&root, "x\nkey=evil").lines().count(), 1);
    // A copy of the action whose sources differ gets another key.
    let copy = dir.path().join("action");
    for f in ["Cargo.toml", "Cargo.lock"] {
        std::fs::create_dir_all(&copy).unwrap();
        std::fs::copy(root.join(f), copy.join(f)).unwrap();
    }
    for d in ["src", "rules"] {
        std::fs::create_dir_all(copy.join(d)).unwrap();
    }
    std::fs::write(copy.join("src/lib.rs"), "// one").unwrap();
    let one = key(&copy, "main");
    std::fs::write(copy.join("src/lib.rs"), "// two").unwrap();
    assert_ne!(one, key(&copy, "main"));
}
