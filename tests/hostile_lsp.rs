//! The language server survives anything on its input: garbage between frames, wrong or
//! absurd lengths, buffers over the size cap; it analyzes files created after it started;
//! its hover cannot be made to format, link or embed by scanned text.

#[path = "common/lsp.rs"]
mod client;

use client::{CARELESS, Client, codes, uri, workspace};
use serde_json::{Value, json};

/// A request that always gets an answer once the server is up: hover where nothing is.
fn ping(c: &mut Client, path: &std::path::Path) -> Value {
    c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(path)}, "position": {"line": 0, "character": 0}}),
    )
}

fn alive(c: &mut Client, path: &std::path::Path) {
    let r = ping(c, path);
    assert!(r.get("error").is_none(), "a valid answer: {r}");
    assert!(
        c.child.try_wait().unwrap().is_none(),
        "the server is running"
    );
}

#[test]
fn garbage_before_a_frame_gets_one_error_and_the_next_request_an_answer() {
    let (_d, root) = workspace(&[]);
    let main = root.join("main.tf");
    let mut c = Client::start(&root, false);
    for garbage in [
        &b"x"[..],
        b"\x1b[2J\r\n",
        b"\xff\xfe not a header at all\r\n\r\n",
        b"Content-Type: text/plain\r\n\r\n",
    ] {
        c.send_bytes(garbage);
        alive(&mut c, &main);
        let e = c.wait(|m| m["error"]["code"] == -32700);
        assert!(e["id"].is_null(), "{e}");
    }
    c.open(&main, CARELESS);
    assert_eq!(codes(&c.diagnostics_of_version(&main, 1)), ["ACR002"]);
    c.shutdown();
}

#[test]
fn a_too_small_content_length_costs_one_message() {
    let (_d, root) = workspace(&[]);
    let main = root.join("main.tf");
    let mut c = Client::start(&root, false);
    let body = json!({"jsonrpc": "2.0", "id": 900, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": uri(&main)}, "position": {"line": 0, "character": 0}}})
    .to_string();
    // The header says 20 bytes: the rest of the body is left in the stream.
    c.send_bytes(format!("Content-Length: 20\r\n\r\n{body}").as_bytes());
    alive(&mut c, &main);
    alive(&mut c, &main);
    c.open(&main, CARELESS);
    assert_eq!(codes(&c.diagnostics_of_version(&main, 1)), ["ACR002"]);
    c.shutdown();
}

#[test]
fn an_oversized_content_length_does_not_end_the_server() {
    let (_d, root) = workspace(&[]);
    let main = root.join("main.tf");
    let mut c = Client::start(&root, false);
    c.send_bytes(b"Content-Length: 300000000\r\n\r\n{\"jsonrpc\":\"2.0\",");
    let e = c.wait(|m| m["error"]["code"] == -32700);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("300000000"),
        "{e}"
    );
    alive(&mut c, &main);
    // A length that is not even a number.
    c.send_bytes(b"Content-Length: 999999999999999999999999999\r\n\r\n");
    alive(&mut c, &main);
    c.shutdown();
}

#[test]
fn a_buffer_over_the_size_cap_gets_one_diagnostic_and_is_not_analyzed() {
    let (_d, root) = workspace(&[]);
    let main = root.join("main.tf");
    let mut c = Client::start(&root, false);
    // A careless registry padded with comments to just over 8 MiB.
    let cap = acrlint::discover::MAX_FILE_BYTES as usize;
    let line = "# padding padding padding padding padding padding padding padding\n";
    let mut big = CARELESS.to_string();
    while big.len() <= cap {
        big.push_str(line);
    }
    c.open(&main, &big);
    let diags = c.diagnostics_of_version(&main, 1);
    assert_eq!(codes(&diags), ["LINT001"], "{diags:#?}");
    let msg = diags[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("limit") && msg.contains(&big.len().to_string()),
        "{msg}"
    );
    // Back under the cap: analyzed again.
    c.change(&main, 2, CARELESS);
    assert_eq!(codes(&c.diagnostics_of_version(&main, 2)), ["ACR002"]);
    // Over it again, then a partial change the server cannot apply: still over the cap.
    c.change(&main, 3, &big);
    assert_eq!(codes(&c.diagnostics_of_version(&main, 3)), ["LINT001"]);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&main), "version": 4}, "contentChanges": [
            {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "# x\n"}
        ]}),
    );
    alive(&mut c, &main);
    c.change(&main, 5, &CARELESS.replace("= true", "= false"));
    assert_eq!(c.diagnostics_of_version(&main, 5), Vec::<Value>::new());
    c.shutdown();
}

#[test]
fn a_file_created_after_start_is_analyzed_when_opened_or_reported() {
    let (_d, root) = workspace(&[]);
    let opened = root.join("opened.tf");
    let watched = root.join("sub/watched.tf");
    let mut c = Client::start(&root, false);
    // The first run (an empty workspace) is over before the files exist.
    alive(&mut c, &opened);
    std::fs::write(&opened, CARELESS).unwrap();
    c.open(&opened, CARELESS);
    assert_eq!(codes(&c.diagnostics_of_version(&opened, 1)), ["ACR002"]);
    // Created by another program; the client's watcher reports it.
    std::fs::create_dir(root.join("sub")).unwrap();
    std::fs::write(&watched, CARELESS.replace("\"acr\"", "\"other\"")).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&watched), "type": 1}]}),
    );
    assert_eq!(codes(&c.diagnostics(&watched)), ["ACR002"]);
    c.shutdown();
}

#[test]
fn an_open_file_the_config_excludes_stays_out() {
    // The rescan that finds new files does not bring back what is left out on purpose.
    let (_d, root) = workspace(&[]);
    let config = std::fs::read_to_string(root.join("acrlint.toml")).unwrap();
    std::fs::write(
        root.join("acrlint.toml"),
        format!("exclude = [\"vendor\"]\n{config}"),
    )
    .unwrap();
    let vendored = root.join("vendor/main.tf");
    std::fs::create_dir(root.join("vendor")).unwrap();
    std::fs::write(&vendored, CARELESS).unwrap();
    let mut c = Client::start(&root, false);
    c.open(&vendored, CARELESS);
    assert_eq!(c.diagnostics_of_version(&vendored, 1), Vec::<Value>::new());
    c.shutdown();
}

#[test]
fn hover_escapes_scanned_text() {
    let payload = "[x](http://evil) <img src=x> **b**";
    let pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"web {payload}\"\nspec:\n  containers:\n    - name: \"c {payload}\"\n      image: contosoacr.azurecr.io/web:latest\n"
    );
    let (_d, root) = workspace(&[("pod.yaml", &pod)]);
    let path = root.join("pod.yaml");
    let mut c = Client::start(&root, false);
    let diags = c.diagnostics(&path);
    assert_eq!(codes(&diags), ["K8S002"], "{diags:#?}");
    assert!(
        diags[0]["message"].as_str().unwrap().contains(payload),
        "the diagnostic is plain text, shown as it is"
    );
    let line = pod.lines().position(|l| l.contains("image:")).unwrap();
    let col = pod.lines().nth(line).unwrap().find("contoso").unwrap();
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&path)}, "position": {"line": line, "character": col + 2}}),
    );
    assert_eq!(hover["result"]["contents"]["kind"], "markdown", "{hover}");
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    let first = text.split("\n\n---\n\n").next().unwrap();
    assert!(first.starts_with("**K8S002**"), "{first}");
    for raw in ["](http", " <img", "**b**", "[x]"] {
        assert!(!first.contains(raw), "{raw:?} raw in {first}");
    }
    assert!(
        first.contains("\\[x\\]\\(http\\://evil\\) \\<img src=x\\>"),
        "{first}"
    );
    // The rule's own documentation is Markdown as written.
    assert!(text.contains("\n## "), "{text}");
    c.shutdown();
}
