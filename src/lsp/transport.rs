//! JSON-RPC framing over stdio. Our own reader (instead of lsp-server's) so that a
//! malformed message gets an error response instead of closing the connection.

use std::io::{self, BufRead, Write};

use crossbeam_channel::Sender;
use lsp_server::Message;

/// What the reader thread hands to the main loop.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// A frame whose body is not a JSON-RPC message: answer with this error
    /// (`id` is the request's id when one could be read, else null).
    Malformed {
        id: serde_json::Value,
        code: i32,
        error: String,
    },
}

pub const PARSE_ERROR: i32 = -32700;
pub const INVALID_REQUEST: i32 = -32600;

/// Read frames until end of input or `exit`; returns when the input closes.
pub fn read_loop(mut input: impl BufRead, tx: Sender<Incoming>) {
    loop {
        let body = match read_frame(&mut input) {
            Ok(Some(b)) => b,
            Ok(None) => return,
            Err(e) => {
                let _ = tx.send(Incoming::Malformed {
                    id: serde_json::Value::Null,
                    code: PARSE_ERROR,
                    error: e.to_string(),
                });
                if e.kind() == io::ErrorKind::UnexpectedEof {
                    return;
                }
                continue;
            }
        };
        let incoming = parse(&body);
        let is_exit =
            matches!(&incoming, Incoming::Message(Message::Notification(n)) if n.method == "exit");
        if tx.send(incoming).is_err() || is_exit {
            return;
        }
    }
}

fn parse(body: &[u8]) -> Incoming {
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Incoming::Malformed {
                id: serde_json::Value::Null,
                code: PARSE_ERROR,
                error: format!("malformed JSON: {e}"),
            };
        }
    };
    let id = value.get("id").cloned().unwrap_or(serde_json::Value::Null);
    match serde_json::from_value::<Message>(value) {
        Ok(m) => Incoming::Message(m),
        Err(e) => Incoming::Malformed {
            id,
            code: INVALID_REQUEST,
            error: format!("not a JSON-RPC request, response or notification: {e}"),
        },
    }
}

/// One frame's body; `None` at a clean end of input. A frame without `Content-Length`
/// is an `InvalidData` error (the reader goes on with the next frame).
fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut length: Option<usize> = None;
    let mut saw_header = false;
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            if saw_header {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "input ended inside a message header",
                ));
            }
            return Ok(None);
        }
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            if !saw_header {
                continue;
            }
            break;
        }
        saw_header = true;
        if let Some((name, value)) = l.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok();
        }
    }
    let Some(length) = length else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "message header without a valid Content-Length",
        ));
    };
    if length > 256 * 1024 * 1024 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("Content-Length {length} is too large"),
        ));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(body))
}

/// Write one framed message and flush.
pub fn write_message(out: &mut impl Write, msg: &Message) -> io::Result<()> {
    msg.write(out)?;
    out.flush()
}

/// Write an error response whose id may be null (lsp-server's `RequestId` cannot be).
pub fn write_error(
    out: &mut impl Write,
    id: &serde_json::Value,
    code: i32,
    message: &str,
) -> io::Result<()> {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code, "message": message },
    })
    .to_string();
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_malformed_bodies() {
        let input = b"Content-Length: 2\r\n\r\n{]Content-Length: 40\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"initialized\"}X-Other: 1\r\n\r\n";
        let (tx, rx) = crossbeam_channel::unbounded();
        read_loop(&input[..], tx);
        let got: Vec<Incoming> = rx.try_iter().collect();
        assert!(matches!(
            got[0],
            Incoming::Malformed {
                code: PARSE_ERROR,
                ..
            }
        ));
        assert!(matches!(
            got[1],
            Incoming::Message(Message::Notification(_))
        ));
        assert!(matches!(
            got[2],
            Incoming::Malformed {
                code: PARSE_ERROR,
                ..
            }
        ));
        assert_eq!(got.len(), 3);
    }
}
