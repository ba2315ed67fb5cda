//! `acrlint lsp` at workspace scale, driven over stdio like tests/lsp.rs: analyses off
//! the message loop, per-folder configuration, folders and files that come and go, and
//! diagnostics after edits equal to a fresh `acrlint check`.

#[path = "common/lsp.rs"]
mod client;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use client::{CARELESS, CONFIG, Client, codes, uri, workspace};
use serde_json::{Value, json};

fn init_params(folders: &[&Path], caps: Value) -> Value {
    json!({
        "processId": null,
        "rootUri": uri(folders[0]),
        "workspaceFolders": folders
            .iter()
            .map(|f| json!({"uri": uri(f), "name": f.file_name().unwrap().to_str().unwrap()}))
            .collect::<Vec<_>>(),
        "capabilities": caps,
    })
}

#[test]
fn hover_is_answered_during_edits_and_versions_never_go_back() {
    let (_d, root) = workspace(&[]);
    // Enough files that an analysis takes a while in a debug build.
    for i in 0..300 {
        std::fs::write(
            root.join(format!("r{i:03}.tf")),
            CARELESS.replace("\"acr\"", &format!("\"acr{i}\"")),
        )
        .unwrap();
    }
    let main = root.join("main.tf");
    let mut c = Client::start(&root, false);
    c.open(&main, CARELESS);
    assert_eq!(codes(&c.diagnostics_of_version(&main, 1)), ["ACR002"]);
    let line = CARELESS
        .lines()
        .position(|l| l.contains("admin_enabled"))
        .unwrap();
    let col = CARELESS.lines().nth(line).unwrap().find("true").unwrap();
    for v in 2..=12 {
        let text = if v % 2 == 0 {
            CARELESS.replace("= true", "= false")
        } else {
            CARELESS.to_string()
        };
        c.change(&main, v, &text);
        // Answered from the last finished analysis, whatever runs now.
        let hover = c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(&main)}, "position": {"line": line, "character": col}}),
        );
        assert!(hover.get("error").is_none(), "{hover}");
    }
    let last = c.diagnostics_of_version(&main, 12);
    assert!(codes(&last).is_empty(), "{last:#?}");
    // Whatever was published for main.tf came in version order.
    let versions: Vec<i64> = c
        .seen
        .iter()
        .filter(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri(&main).as_str()
        })
        .map(|m| m["params"]["version"].as_i64().unwrap())
        .collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    // Hover on the fixed state: nothing there.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&main)}, "position": {"line": line, "character": col}}),
    );
    assert!(hover["result"].is_null(), "{hover}");
    c.shutdown();
}

#[test]
fn the_first_analysis_reports_progress_when_the_client_can_show_it() {
    let (_d, root) = workspace(&[("main.tf", CARELESS)]);
    let caps = json!({"window": {"workDoneProgress": true}});
    let (mut c, _) = Client::start_with(&root, init_params(&[&root], caps));
    let create = c.wait(|m| m["method"] == "window/workDoneProgress/create");
    let token = create["params"]["token"].clone();
    let reply = json!({"jsonrpc": "2.0", "id": create["id"], "result": null});
    c.send_raw(&reply.to_string());
    let begin = c.wait(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin");
    assert_eq!(begin["params"]["token"], token);
    let end = c.wait(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");
    assert_eq!(end["params"]["token"], token);
    assert_eq!(codes(&c.diagnostics(&root.join("main.tf"))), ["ACR002"]);
    c.shutdown();

    // A client without the capability is not asked.
    let (mut c, _) = Client::start_with(&root, init_params(&[&root], json!({})));
    assert_eq!(codes(&c.diagnostics(&root.join("main.tf"))), ["ACR002"]);
    c.request("shutdown", Value::Null);
    assert!(
        !c.seen.iter().any(|m| m["method"] == "window/workDoneProgress/create"
            || m["method"] == "$/progress"),
        "{:#?}",
        c.seen
    );
    c.notify("exit", Value::Null);
}

#[test]
fn each_folder_has_its_own_config_and_folders_come_and_go() {
    let (_a, a) = workspace(&[("main.tf", CARELESS)]);
    let (_b, b) = workspace(&[("main.tf", CARELESS)]);
    let (_x, x) = workspace(&[("main.tf", CARELESS)]);
    // Folder a turns ACR002 off; b and x keep the tests' configuration (ACR002 on).
    std::fs::write(
        a.join("acrlint.toml"),
        format!("{CONFIG}ACR002 = \"off\"\n"),
    )
    .unwrap();
    let caps = json!({"workspace": {"workspaceFolders": true,
        "didChangeWatchedFiles": {"dynamicRegistration": true}}});
    let (mut c, init) = Client::start_with(&a, init_params(&[&a, &b], caps));
    let ws = &init["result"]["capabilities"]["workspace"]["workspaceFolders"];
    assert_eq!(ws["supported"], true, "{init}");
    assert_eq!(ws["changeNotifications"], true, "{init}");
    // The file watcher is registered with the client.
    let reg = c.wait(|m| m["method"] == "client/registerCapability");
    assert_eq!(
        reg["params"]["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );
    let reply = json!({"jsonrpc": "2.0", "id": reg["id"], "result": null});
    c.send_raw(&reply.to_string());

    assert_eq!(codes(&c.diagnostics(&b.join("main.tf"))), ["ACR002"]);
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&a.join("main.tf"))}, "position": {"line": 5, "character": 24}}),
    );
    assert!(hover["result"].is_null(), "ACR002 is off in a: {hover}");
    assert!(
        !c.seen
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri(&a.join("main.tf")).as_str()),
        "nothing to say about a: {:#?}",
        c.seen
    );

    // b leaves, x arrives: b's diagnostics are cleared, x's come.
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": uri(&x), "name": "x"}], "removed": [{"uri": uri(&b), "name": "b"}]}}),
    );
    assert_eq!(c.diagnostics(&b.join("main.tf")), Vec::<Value>::new());
    assert_eq!(codes(&c.diagnostics(&x.join("main.tf"))), ["ACR002"]);

    // A file created on disk and reported by the watcher; then deleted.
    let extra = x.join("extra.tf");
    std::fs::write(&extra, CARELESS.replace("\"acr\"", "\"acr2\"")).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&extra), "type": 1}]}),
    );
    assert_eq!(codes(&c.diagnostics(&extra)), ["ACR002"]);
    std::fs::remove_file(&extra).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&extra), "type": 3}]}),
    );
    assert_eq!(c.diagnostics(&extra), Vec::<Value>::new());

    // A file opened, closed, then deleted on disk: its diagnostics are cleared.
    let main_x = x.join("main.tf");
    c.open(&main_x, CARELESS);
    assert_eq!(codes(&c.diagnostics_of_version(&main_x, 1)), ["ACR002"]);
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&main_x)}}),
    );
    let closed = c.wait(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri(&main_x).as_str()
            && m["params"]["version"].is_null()
    });
    assert_eq!(
        codes(closed["params"]["diagnostics"].as_array().unwrap()),
        ["ACR002"]
    );
    std::fs::remove_file(&main_x).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&main_x), "type": 3}]}),
    );
    assert_eq!(c.diagnostics(&main_x), Vec::<Value>::new());
    c.shutdown();
}

/// (file, code, line, column, message) of every finding `acrlint check` reports in `root`.
fn cli_findings(root: &Path) -> BTreeSet<(String, String, u64, u64, String)> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_acrlint"))
        .args(["check", ".", "--format", "json"])
        .current_dir(root)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["code"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap() - 1,
                f["column"].as_u64().unwrap() - 1,
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn diagnostics_after_edits_equal_a_fresh_check() {
    let vars = "variable \"acr_sku\" {\n  type    = string\n  default = \"Standard\"\n}\n";
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: contosoacr.azurecr.io/web:latest\n";
    let arm = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "armacr",
      "location": "westeurope",
      "sku": { "name": "Basic" },
      "properties": { "adminUserEnabled": true }
    }
  ]
}
"#;
    let (_d, root) = workspace(&[
        ("main.tf", CARELESS),
        ("variables.tf", vars),
        ("deploy.yaml", deploy),
        ("azuredeploy.json", arm),
    ]);
    // Every rule on: the comparison covers them all.
    std::fs::write(root.join("acrlint.toml"), "# fixture root\n").unwrap();
    let main = root.join("main.tf");
    let mut c = Client::start(&root, false);
    c.open(&main, CARELESS);
    let edits = [
        CARELESS.replace("\"Premium\"", "var.acr_sku"),
        CARELESS.replace("= true", "= false"),
        format!("{CARELESS}\n# acrlint:ignore ACR002 TODO\n"),
        CARELESS.replace("contosoacr", "otheracr"),
    ];
    // The published state of every file.
    let mut state: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (i, text) in edits.iter().enumerate() {
        let version = i as i64 + 2;
        // The disk holds what the buffer holds: `acrlint check` sees the same state.
        std::fs::write(&main, text).unwrap();
        c.change(&main, version as i32, text);
        let mine = c.diagnostics_of_version(&main, version);
        state.insert(uri(&main), mine);
        // A request after: its answer comes after everything that run published.
        c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(&main)}, "position": {"line": 0, "character": 0}}),
        );
        for m in c.seen.drain(..) {
            if m["method"] == "textDocument/publishDiagnostics" {
                let u = m["params"]["uri"].as_str().unwrap().to_string();
                state.insert(u, m["params"]["diagnostics"].as_array().unwrap().clone());
            }
        }
        // The last publication of main.tf is of this version (drained above).
        let mut got: BTreeSet<(String, String, u64, u64, String)> = BTreeSet::new();
        for (u, diags) in &state {
            let name = u.rsplit('/').next().unwrap().to_string();
            for d in diags {
                let message = d["message"].as_str().unwrap();
                got.insert((
                    name.clone(),
                    d["code"].as_str().unwrap().to_string(),
                    d["range"]["start"]["line"].as_u64().unwrap(),
                    d["range"]["start"]["character"].as_u64().unwrap(),
                    message.split('\n').next().unwrap().to_string(),
                ));
            }
        }
        let want = cli_findings(&root);
        assert!(!want.is_empty());
        assert_eq!(got, want, "after edit {version}");
    }
    c.shutdown();
}
