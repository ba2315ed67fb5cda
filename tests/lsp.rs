//! `acrlint lsp` driven through a real client exchange: the spawned binary, JSON-RPC
//! framed messages over its stdin/stdout.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(60);

/// Rules other than ACR002 and ACR003 off, so that the expectations stay exact.
const CONFIG: &str = "[rules]\nACR001 = \"off\"\nACR004 = \"off\"\nACR005 = \"off\"\nACR006 = \"off\"\nACR007 = \"off\"\nACR008 = \"off\"\nACR009 = \"off\"\nACR010 = \"off\"\nNET001 = \"off\"\nNET002 = \"off\"\nNET003 = \"off\"\nNET004 = \"off\"\nAKS001 = \"off\"\nAKS002 = \"off\"\nIAM001 = \"off\"\n";

const CARELESS: &str = r#"resource "azurerm_container_registry" "acr" {
  name                = "contosoacr"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Premium"
  admin_enabled       = true
}
"#;

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
    /// Messages from the server not consumed yet.
    seen: Vec<Value>,
}

impl Client {
    fn start(root: &Path, utf8: bool) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_acrlint"))
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn acrlint lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = crossbeam_channel::unbounded();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = None;
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let l = line.trim_end();
                    if l.is_empty() {
                        break;
                    }
                    let (k, v) = l
                        .split_once(':')
                        .expect("a header line, nothing else on stdout");
                    assert!(
                        k.eq_ignore_ascii_case("content-length"),
                        "unexpected header {l:?}"
                    );
                    len = Some(v.trim().parse::<usize>().unwrap());
                }
                let mut body = vec![0; len.expect("Content-Length")];
                r.read_exact(&mut body).unwrap();
                let v: Value = serde_json::from_slice(&body).expect("server sends JSON");
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            rx,
            next_id: 0,
            seen: Vec::new(),
        };
        let encodings = if utf8 {
            json!(["utf-8", "utf-16"])
        } else {
            json!(["utf-16"])
        };
        let init = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "workspaceFolders": [{"uri": uri(root), "name": "ws"}],
                "capabilities": {"general": {"positionEncodings": encodings}},
            }),
        );
        let want = if utf8 { "utf-8" } else { "utf-16" };
        assert_eq!(
            init["result"]["capabilities"]["positionEncoding"], want,
            "{init}"
        );
        c.notify("initialized", json!({}));
        c
    }

    fn send_raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        let m = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.send_raw(&m.to_string());
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let m = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send_raw(&m.to_string());
        self.wait(|m| m["id"] == id && m.get("method").is_none())
    }

    /// The first message (already seen or new) matching `pred`; panics after the timeout.
    fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.seen.iter().position(&pred) {
            return self.seen.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self
                .rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no matching message; seen: {:#?}", self.seen));
            if pred(&m) {
                return m;
            }
            self.seen.push(m);
        }
    }

    /// The next diagnostics published for a file.
    fn diagnostics(&mut self, path: &Path) -> Vec<Value> {
        let u = uri(path);
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == u.as_str()
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, path: &Path, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "terraform", "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, path: &Path, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "exit status {status}");
    }
}

fn uri(path: &Path) -> String {
    let p = path.to_str().unwrap();
    let enc: String = p
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("file://{enc}")
}

fn codes(diags: &[Value]) -> Vec<&str> {
    diags.iter().map(|d| d["code"].as_str().unwrap()).collect()
}

/// A workspace folder (with a space in its name, to exercise percent-encoding).
fn workspace(files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("my project");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join("acrlint.toml"), CONFIG).unwrap();
    for (name, text) in files {
        std::fs::write(root.join(name), text).unwrap();
    }
    let root = root.canonicalize().unwrap();
    (dir, root)
}

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
