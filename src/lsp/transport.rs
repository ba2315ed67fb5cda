//! JSON-RPC framing over stdio. Our own reader (instead of lsp-server's) so that a
//! malformed message gets an error response instead of closing the connection.

use std::io::{self, BufRead, Read, Write};

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

/// The largest message body read: a buffer at the file size cap, with room for JSON
/// escaping. A larger frame gets an error and is skipped, never allocated.
pub const MAX_BODY: usize = 4 * crate::discover::MAX_FILE_BYTES as usize;

/// The longest header line kept. Longer "lines" (garbage without line breaks) are
/// consumed in pieces; only their end is kept, to find a header that follows them.
const MAX_HEADER_LINE: usize = 4096;
/// What is kept of an overlong line: enough for `Content-Length: <digits>`.
const KEEP_OF_LONG_LINE: usize = 64;

const CONTENT_LENGTH: &[u8] = b"content-length:";

/// Read frames until end of input or `exit`; returns when the input closes. Nothing on
/// the input ends the loop but its end: garbage between frames gets one parse error and
/// the reader resynchronises on the next `Content-Length:` header; a frame over
/// [`MAX_BODY`] gets an error and is skipped the same way.
pub fn read_loop(mut input: impl BufRead, tx: Sender<Incoming>) {
    let mut reader = Reader::default();
    loop {
        let incoming = match reader.read_frame(&mut input) {
            Ok(Frame::Body(body)) => parse(&body),
            Ok(Frame::End) => return,
            Ok(Frame::Error(error)) => Incoming::Malformed {
                id: serde_json::Value::Null,
                code: PARSE_ERROR,
                error,
            },
            // A read error of stdin itself: nothing more can come.
            Err(_) => return,
        };
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

/// What one read gives.
#[derive(Debug, PartialEq)]
enum Frame {
    Body(Vec<u8>),
    /// Something that is not a frame was skipped; the reader is ready for the next one.
    Error(String),
    End,
}

/// The framing state between reads.
#[derive(Default)]
struct Reader {
    /// A frame read after garbage, given after the garbage's error.
    queued: Option<Frame>,
}

impl Reader {
    /// One frame, or what was wrong with the bytes until the next one could start.
    fn read_frame(&mut self, input: &mut impl BufRead) -> io::Result<Frame> {
        if let Some(f) = self.queued.take() {
            return Ok(f);
        }
        let mut line = Vec::new();
        // The header block being read: `Some(length)` once `Content-Length` was seen
        // (`None` inside when its value is not a number); other headers seen.
        let mut length: Option<Option<usize>> = None;
        let mut headers = false;
        let mut garbage = false;
        loop {
            if read_line_capped(input, &mut line)? == 0 {
                return Ok(if headers {
                    Frame::Error("input ended inside a message header".into())
                } else if garbage {
                    Frame::Error("input ended after bytes that are not a message".into())
                } else {
                    Frame::End
                });
            }
            let l = trim_line_end(&line);
            if l.is_empty() {
                if !headers {
                    continue; // blank lines between frames
                }
                let Some(Some(n)) = length else {
                    return Ok(Frame::Error(
                        "message header without a valid Content-Length".into(),
                    ));
                };
                let frame = read_body(input, n)?;
                if garbage {
                    self.queued = Some(frame);
                    return Ok(Frame::Error(
                        "bytes that are not a message were skipped before a message header".into(),
                    ));
                }
                return Ok(frame);
            }
            // A `Content-Length:` anywhere on the line starts a header: bytes before it
            // are garbage (a stray byte, the tail of a body longer than its header said).
            if let Some(at) = find_ascii_nocase(l, CONTENT_LENGTH) {
                garbage |= at > 0;
                headers = true;
                let value = &l[at + CONTENT_LENGTH.len()..];
                length = Some(
                    std::str::from_utf8(value)
                        .ok()
                        .and_then(|v| v.trim().parse().ok()),
                );
                continue;
            }
            if is_header(l) {
                headers = true; // Content-Type and the like
                continue;
            }
            // Not a header: garbage. Whatever header was being read is dropped.
            garbage = true;
            headers = false;
            length = None;
        }
    }
}

/// A body of `n` bytes; over [`MAX_BODY`], an error without reading it (what was sent
/// of it is skipped as garbage until the next header).
fn read_body(input: &mut impl BufRead, n: usize) -> io::Result<Frame> {
    if n > MAX_BODY {
        return Ok(Frame::Error(format!(
            "Content-Length {n} is over the limit of {MAX_BODY} bytes; the message is skipped"
        )));
    }
    let mut body = Vec::new();
    let got = input.take(n as u64).read_to_end(&mut body)?;
    if got < n {
        return Ok(Frame::Error("input ended inside a message body".into()));
    }
    Ok(Frame::Body(body))
}

/// Read up to and including the next `\n` into `line` (cleared first); returns the
/// bytes consumed (0 at the end of input). A line longer than [`MAX_HEADER_LINE`] is
/// consumed whole but only its last [`KEEP_OF_LONG_LINE`] bytes are kept.
fn read_line_capped(input: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<usize> {
    line.clear();
    let mut total = 0;
    loop {
        let buf = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(total);
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        line.extend_from_slice(&buf[..take]);
        input.consume(take);
        total += take;
        if line.len() > MAX_HEADER_LINE {
            line.drain(..line.len() - KEEP_OF_LONG_LINE);
        }
        if done {
            return Ok(total);
        }
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    &line[..end]
}

fn find_ascii_nocase(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// `Name: value` with a header-token name.
fn is_header(l: &[u8]) -> bool {
    let Some(colon) = l.iter().position(|&b| b == b':') else {
        return false;
    };
    colon > 0
        && l[..colon]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
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

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    const PING: &str = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;

    /// Everything the reader passes on for an input: `Ok(method)` for a message,
    /// `Err(code)` for an error.
    fn read_all(input: &[u8]) -> Vec<Result<String, i32>> {
        let (tx, rx) = crossbeam_channel::unbounded();
        read_loop(input, tx);
        rx.try_iter()
            .map(|i| match i {
                Incoming::Message(Message::Request(r)) => Ok(r.method),
                Incoming::Message(Message::Notification(n)) => Ok(n.method),
                Incoming::Message(Message::Response(_)) => Ok("response".into()),
                Incoming::Malformed { code, .. } => Err(code),
            })
            .collect()
    }

    #[test]
    fn garbage_before_a_frame_is_one_error_then_the_frame() {
        for garbage in [
            "x",
            "\u{1b}[2J",
            "garbage\r\n",
            "\r\n\r\nnot: a frame\r\n\r\n",
        ] {
            let input = format!("{garbage}{}{}", frame(PING), frame(PING));
            let got = read_all(input.as_bytes());
            assert_eq!(
                got,
                [
                    Err(PARSE_ERROR),
                    Ok("shutdown".into()),
                    Ok("shutdown".into())
                ],
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn a_too_small_content_length_loses_one_message_only() {
        let input = format!(
            "Content-Length: 10\r\n\r\n{PING}{}{}",
            frame(PING),
            frame(PING)
        );
        let got = read_all(input.as_bytes());
        assert_eq!(got.first(), Some(&Err(PARSE_ERROR)), "{got:?}");
        assert_eq!(
            got.iter().filter(|g| g.is_ok()).count(),
            2,
            "both later messages arrive: {got:?}"
        );
        assert_eq!(got.last(), Some(&Ok("shutdown".into())));
    }

    #[test]
    fn an_oversized_frame_is_skipped_without_reading_it() {
        let input = format!(
            "Content-Length: 300000000\r\n\r\n{{\"jsonrpc\":{}",
            frame(PING)
        );
        let got = read_all(input.as_bytes());
        assert_eq!(got.first(), Some(&Err(PARSE_ERROR)), "{got:?}");
        assert_eq!(got.last(), Some(&Ok("shutdown".into())), "{got:?}");
        // A declared length that does not even fit a number.
        let input = format!(
            "Content-Length: 99999999999999999999999\r\n\r\n{}",
            frame(PING)
        );
        assert_eq!(
            read_all(input.as_bytes()),
            [Err(PARSE_ERROR), Ok("shutdown".into())]
        );
    }

    #[test]
    fn a_long_line_without_breaks_is_consumed_in_pieces() {
        let mut line = Vec::new();
        let input = format!("{}\nrest", "y".repeat(100_000));
        let mut r = input.as_bytes();
        assert_eq!(read_line_capped(&mut r, &mut line).unwrap(), 100_001);
        assert!(line.len() <= MAX_HEADER_LINE, "{}", line.len());
        let input = format!("{}{}", "z".repeat(1_000_000), frame(PING));
        assert_eq!(
            read_all(input.as_bytes()),
            [Err(PARSE_ERROR), Ok("shutdown".into())]
        );
    }
}
