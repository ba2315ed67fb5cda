//! `acrlint lsp` driven through a real client exchange: the spawned binary, JSON-RPC
//! framed messages over its stdin/stdout.

#[path = "common/lsp.rs"]
mod client;

use std::time::{Duration, Instant};

use client::{CARELESS, CONFIG, Client, codes, uri, workspace};
use serde_json::{Value, json};

#[test]
fn careless_registry_gets_diagnostics_hover_actions_and_clears_when_fixed() {
    let (_d, root) = workspace(&[]);
    let main = root.join("main.tf");
    let mut c = Client::start(&root, false);
    // An unsaved buffer: the file is not on disk.
    c.open(&main, CARELESS);
    let diags = c.diagnostics(&main);
    assert_eq!(codes(&diags), ["ACR002"], "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d["source"], "acrlint");
    assert_eq!(d["severity"], 1, "ACR002 is an error");
    assert!(
        d["message"].as_str().unwrap().contains("admin_enabled"),
        "{d}"
    );
    let line = CARELESS
        .lines()
        .position(|l| l.contains("admin_enabled"))
        .unwrap();
    let col = CARELESS.lines().nth(line).unwrap().find("true").unwrap();
    assert_eq!(d["range"]["start"], json!({"line": line, "character": col}));
    assert_eq!(
        d["range"]["end"],
        json!({"line": line, "character": col + 4})
    );

    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&main)}, "position": {"line": line, "character": col + 1}}),
    );
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.contains("ACR002") && text.contains("## "), "{hover}");
    let none = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&main)}, "position": {"line": 0, "character": 0}}),
    );
    assert!(none["result"].is_null(), "{none}");

    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&main)}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    let actions = actions["result"].as_array().unwrap().clone();
    let edits = |a: &Value| a["edit"]["changes"][uri(&main)].as_array().unwrap().clone();
    let fix = actions
        .iter()
        .find(|a| a["isPreferred"] == true)
        .expect("the rule's fix");
    assert_eq!(edits(fix)[0]["newText"], "false", "{fix}");
    assert_eq!(edits(fix)[0]["range"], d["range"]);
    let ignore = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("Ignore"))
        .expect("ignore action");
    let e = &edits(ignore)[0];
    assert!(
        e["newText"]
            .as_str()
            .unwrap()
            .starts_with("# acrlint:ignore ACR002 "),
        "{e}"
    );
    assert_eq!(
        e["range"]["start"],
        json!({"line": 0, "character": 0}),
        "above the resource"
    );

    // Edit to fix: the diagnostics clear.
    c.change(&main, 2, &CARELESS.replace("= true", "= false"));
    assert_eq!(c.diagnostics(&main), Vec::<Value>::new());

    // A burst of edits: whatever is coalesced, the last state wins and carries its version.
    for v in 3..=22 {
        let text = if v % 2 == 0 {
            CARELESS.to_string()
        } else {
            CARELESS.replace("= true", "= false")
        };
        c.change(&main, v, &text);
    }
    let last = c
        .wait(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 22);
    assert_eq!(
        codes(last["params"]["diagnostics"].as_array().unwrap()),
        ["ACR002"]
    );
    c.shutdown();
}

#[test]
fn a_fix_in_another_file_clears_a_cross_file_finding_and_config_reloads() {
    let main_tf = CARELESS
        .replace("\"Premium\"", "var.acr_sku")
        .replace("= true", "= false");
    let vars = "variable \"acr_sku\" {\n  type    = string\n  default = \"Standard\"\n}\n";
    let (_d, root) = workspace(&[("main.tf", &main_tf), ("variables.tf", vars)]);
    let (main, variables) = (root.join("main.tf"), root.join("variables.tf"));
    let mut c = Client::start(&root, false);
    // The workspace is scanned on start: main.tf's finding comes before anything is open.
    let diags = c.diagnostics(&main);
    assert_eq!(codes(&diags), ["ACR003"], "{diags:#?}");
    let related = diags[0]["relatedInformation"]
        .as_array()
        .expect("related information");
    assert!(
        related
            .iter()
            .any(|r| r["location"]["uri"] == uri(&variables)),
        "{related:#?}"
    );

    c.open(&variables, vars);
    c.change(&variables, 2, &vars.replace("Standard", "Premium"));
    assert_eq!(
        c.diagnostics(&main),
        Vec::<Value>::new(),
        "fixed through variables.tf"
    );

    // Unsaved: closing the buffer brings the disk's `Standard` back.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&variables)}}),
    );
    assert_eq!(codes(&c.diagnostics(&main)), ["ACR003"]);

    // Changed on disk (by another program): re-read, and the finding goes.
    std::fs::write(&variables, vars.replace("Standard", "Premium")).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&variables), "type": 2}]}),
    );
    assert_eq!(c.diagnostics(&main), Vec::<Value>::new());
    std::fs::write(&variables, vars).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&variables), "type": 2}]}),
    );
    assert_eq!(codes(&c.diagnostics(&main)), ["ACR003"]);

    // acrlint.toml turns ACR003 off: picked up without restart.
    std::fs::write(
        root.join("acrlint.toml"),
        format!("{CONFIG}ACR003 = \"off\"\n"),
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("acrlint.toml")), "type": 2}]}),
    );
    assert_eq!(c.diagnostics(&main), Vec::<Value>::new());
    c.shutdown();
}

#[test]
fn non_ascii_text_before_a_finding_gives_utf16_or_utf8_columns() {
    let text = CARELESS.replace(
        "admin_enabled       = true",
        "admin_enabled = /* é😀 */ true",
    );
    let line = text
        .lines()
        .position(|l| l.contains("admin_enabled"))
        .unwrap();
    let l = text.lines().nth(line).unwrap();
    let byte_col = l.find("true").unwrap();
    let utf16_col: usize = l[..byte_col].chars().map(char::len_utf16).sum();
    assert_eq!(byte_col - utf16_col, 3, "é and 😀 differ by 1 and 2");
    for (utf8, col) in [(false, utf16_col), (true, byte_col)] {
        let (_d, root) = workspace(&[]);
        let main = root.join("main.tf");
        let mut c = Client::start(&root, utf8);
        c.open(&main, &text);
        let diags = c.diagnostics(&main);
        assert_eq!(codes(&diags), ["ACR002"]);
        assert_eq!(
            diags[0]["range"]["start"],
            json!({"line": line, "character": col})
        );
        // Hover maps the position back the same way.
        let hover = c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(&main)}, "position": {"line": line, "character": col}}),
        );
        assert!(!hover["result"].is_null(), "{hover}");
        c.shutdown();
    }
}

#[test]
fn malformed_messages_and_bad_uris_get_errors_and_the_server_lives_on() {
    let (_d, root) = workspace(&[]);
    let main = root.join("main.tf");
    let mut c = Client::start(&root, false);
    c.send_raw("{not json");
    let e = c.wait(|m| m["error"]["code"] == -32700);
    assert!(e["id"].is_null(), "{e}");
    c.send_raw(r#"{"jsonrpc":"2.0","id":77,"params":{}}"#);
    let e = c.wait(|m| m["id"] == 77);
    assert_eq!(e["error"]["code"], -32600, "{e}");

    let r = c.request("textDocument/hover", json!({"textDocument": {}}));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    for bad in [
        "untitled:Untitled-1",
        "file:relative/path.tf",
        "file:///%FF%FE.tf",
    ] {
        let r = c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": bad}, "position": {"line": 0, "character": 0}}),
        );
        assert_eq!(r["error"]["code"], -32602, "{bad}: {r}");
    }
    let r = c.request("acrlint/nope", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    // Bad notifications are logged, not fatal.
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "http://x/a.tf"}}),
    );
    c.notify("textDocument/didChange", json!({"nonsense": true}));
    c.wait(|m| {
        m["method"] == "window/logMessage"
            && m["params"]["message"].as_str().unwrap().contains("didOpen")
    });

    // Still serving.
    c.open(&main, CARELESS);
    assert_eq!(codes(&c.diagnostics(&main)), ["ACR002"]);
    c.shutdown();
}

#[test]
fn exit_without_shutdown_is_an_error_exit() {
    let (_d, root) = workspace(&[]);
    let mut c = Client::start(&root, false);
    c.notify("exit", Value::Null);
    let status = c.child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
}

/// The latency benchmark: a generated workspace of 2,000 files (100 folders of 15
/// Terraform files and 5 Kubernetes manifests); the time from `didChange` of one file to
/// its `publishDiagnostics`. No timing assertion: run it and read the figures:
/// `cargo test --release --test lsp -- --ignored --nocapture lsp_latency`.
#[test]
#[ignore]
fn lsp_latency() {
    // The workspace's acrlint.toml (CONFIG) keeps ACR002/ACR003 and the K8S rules on.
    let (_d, root) = workspace(&[]);
    for m in 0..100 {
        let dir = root.join(format!("stack{m:03}"));
        std::fs::create_dir(&dir).unwrap();
        for i in 0..15 {
            let text = format!(
                "variable \"sku_{i}\" {{\n  type    = string\n  default = \"Premium\"\n}}\n\n\
                 resource \"azurerm_resource_group\" \"rg{i}\" {{\n  name     = \"rg-{m}-{i}\"\n  location = \"westeurope\"\n  tags     = {{ owner = \"team-{i}\", cost = \"{m}\" }}\n}}\n\n\
                 resource \"azurerm_container_registry\" \"acr{i}\" {{\n  name                          = \"acr{m}x{i}\"\n  resource_group_name           = azurerm_resource_group.rg{i}.name\n  location                      = azurerm_resource_group.rg{i}.location\n  sku                           = var.sku_{i}\n  admin_enabled                 = false\n  public_network_access_enabled = false\n  retention_policy_in_days      = 7\n  zone_redundancy_enabled       = true\n  quarantine_policy_enabled     = true\n  export_policy_enabled         = false\n  trust_policy_enabled          = true\n}}\n\n\
                 output \"acr{i}_id\" {{\n  value = azurerm_container_registry.acr{i}.id\n}}\n"
            );
            std::fs::write(dir.join(format!("registry{i:02}.tf")), text).unwrap();
        }
        for i in 0..5 {
            let text = format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  namespace: team-{m}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: app\n          image: acr{m}x0.azurecr.io/app-{i}@sha256:{:064x}\n          ports:\n            - containerPort: 8080\n",
                m * 10 + i
            );
            std::fs::write(dir.join(format!("app{i}.yaml")), text).unwrap();
        }
    }
    let edited = root.join("stack000/registry00.tf");
    let original = std::fs::read_to_string(&edited).unwrap();

    // In-process figures for the two parts of a run.
    let config = acrlint::config::Config::parse(CONFIG, &root.join("acrlint.toml")).unwrap();
    let t = Instant::now();
    let ws = acrlint::Workspace::from_paths(std::slice::from_ref(&root), &config).unwrap();
    let scan = t.elapsed();
    let mut runs: Vec<Duration> = (0..10)
        .map(|_| {
            let t = Instant::now();
            let a = acrlint::analyze(&ws, &config);
            assert!(a.findings.is_empty(), "the generated workspace is clean");
            t.elapsed()
        })
        .collect();
    runs.sort();
    println!(
        "{} files: scan (walk + read) {scan:.1?}; analyze (parse, evaluate, rules) median {:.1?} over 10 runs",
        ws.files.len(),
        runs[5]
    );

    let mut c = Client::start(&root, false);
    c.open(&edited, &original);
    // Wait for the first run (the whole workspace) to be done.
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&edited)}, "position": {"line": 0, "character": 0}}),
    );
    assert!(r.get("error").is_none());
    let mut times = Vec::new();
    for v in 0..30 {
        let text = if v % 2 == 0 {
            original.replace(
                "admin_enabled                 = false",
                "admin_enabled = true",
            )
        } else {
            original.clone()
        };
        c.seen
            .retain(|m| m["method"] != "textDocument/publishDiagnostics");
        let t = Instant::now();
        c.change(&edited, v + 2, &text);
        let d = c.diagnostics(&edited);
        times.push(t.elapsed());
        assert_eq!(d.is_empty(), v % 2 == 1);
    }
    let logs: Vec<String> = c
        .seen
        .iter()
        .filter(|m| m["method"] == "window/logMessage")
        .map(|m| m["params"]["message"].as_str().unwrap().to_string())
        .collect();
    println!("server log of the last run: {}", logs.last().unwrap());
    times.sort();
    println!(
        "didChange -> publishDiagnostics over {} runs: median {:.1?}, p90 {:.1?}, max {:.1?}",
        times.len(),
        times[times.len() / 2],
        times[times.len() * 9 / 10],
        times[times.len() - 1]
    );
    c.shutdown();
}

/// Hover and code actions on a file no analysis has read (never opened, not a scanned
/// kind) are answered empty, and the server keeps serving.
#[test]
fn requests_on_a_file_no_analysis_holds_are_answered_empty() {
    let (_d, root) = workspace(&[]);
    let main = root.join("main.tf");
    let elsewhere = root.join("notes.txt");
    let mut c = Client::start(&root, false);
    let range = json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}});
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&elsewhere)}, "range": range, "context": {"diagnostics": []}}),
    );
    assert_eq!(actions["result"], json!([]), "{actions}");
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&elsewhere)}, "position": {"line": 0, "character": 0}}),
    );
    assert!(hover["result"].is_null(), "{hover}");
    // Still serving: a careless buffer gets its diagnostics.
    c.open(&main, CARELESS);
    assert_eq!(codes(&c.diagnostics(&main)), ["ACR002"]);
    c.shutdown();
}
