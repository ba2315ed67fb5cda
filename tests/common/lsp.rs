//! A language server client for the tests: the spawned `acrlint lsp`, JSON-RPC framed
//! messages over its stdin/stdout. Included by the LSP test files with `#[path]`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use serde_json::{Value, json};

pub const TIMEOUT: Duration = Duration::from_secs(60);

/// Rules other than ACR002 and ACR003 off, so that the expectations stay exact.
pub const CONFIG: &str = "[rules]\nACR001 = \"off\"\nACR004 = \"off\"\nACR005 = \"off\"\nACR006 = \"off\"\nACR007 = \"off\"\nACR008 = \"off\"\nACR009 = \"off\"\nACR010 = \"off\"\nNET001 = \"off\"\nNET002 = \"off\"\nNET003 = \"off\"\nNET004 = \"off\"\nAKS001 = \"off\"\nAKS002 = \"off\"\nIAM001 = \"off\"\n";

pub const CARELESS: &str = r#"resource "azurerm_container_registry" "acr" {
  name                = "contosoacr"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Premium"
  admin_enabled       = true
}
"#;

pub struct Client {
    pub child: Child,
    pub stdin: ChildStdin,
    rx: Receiver<Value>,
    pub next_id: i64,
    /// Messages from the server not consumed yet.
    pub seen: Vec<Value>,
}

impl Client {
    pub fn start(root: &Path, utf8: bool) -> Client {
        let encodings = if utf8 {
            json!(["utf-8", "utf-16"])
        } else {
            json!(["utf-16"])
        };
        let (c, init) = Client::start_with(
            root,
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
        c
    }

    /// Start with these `initialize` params; returns the client (after `initialized`)
    /// and the response to `initialize`.
    pub fn start_with(cwd: &Path, init: Value) -> (Client, Value) {
        let root = cwd;
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
        let init = c.request("initialize", init);
        c.notify("initialized", json!({}));
        (c, init)
    }

    /// Bytes as they are, no framing.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn send_raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        let m = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.send_raw(&m.to_string());
    }

    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let m = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send_raw(&m.to_string());
        self.wait(|m| m["id"] == id && m.get("method").is_none())
    }

    /// The first message (already seen or new) matching `pred`; panics after the timeout.
    pub fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
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
    pub fn diagnostics(&mut self, path: &Path) -> Vec<Value> {
        let u = uri(path);
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == u.as_str()
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    /// The diagnostics published for a file at one buffer version.
    pub fn diagnostics_of_version(&mut self, path: &Path, version: i64) -> Vec<Value> {
        let u = uri(path);
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == u.as_str()
                && m["params"]["version"] == version
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    pub fn open(&mut self, path: &Path, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "terraform", "version": 1, "text": text}}),
        );
    }

    pub fn change(&mut self, path: &Path, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    pub fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "exit status {status}");
    }
}

pub fn uri(path: &Path) -> String {
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

pub fn codes(diags: &[Value]) -> Vec<&str> {
    diags.iter().map(|d| d["code"].as_str().unwrap()).collect()
}

/// A workspace folder (with a space in its name, to exercise percent-encoding).
pub fn workspace(files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
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
