//! The server's stdio transport: one JSON-RPC message per line on stdin,
//! answers on stdout.
//!
//! rmcp's own line reader skips a line that is not JSON and drops a line
//! longer than its cap without a word, so a client that sent either waits
//! forever. JSON-RPC asks for an answer with a null id: -32700 for a line
//! that is not JSON, -32600 for one that is not a request (or too long to
//! read). And every call is billed, so the session must learn the moment
//! stdin closes (the host quit) to stop spending: this reader cancels the
//! session's token then, before rmcp starts waiting for handlers to finish.

use justone_xhs::CancellationToken;
use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::model::{ErrorData, RequestId};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::{StdioReader, StdioWriter, Transport};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

/// The longest line read, in bytes. A tool call's arguments are a few
/// hundred bytes; the cap keeps a runaway client from filling memory.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// stdin and stdout as an rmcp transport.
pub struct Stdio {
    read: BufReader<StdioReader>,
    /// The line being read (at most [`MAX_LINE_BYTES`]).
    line: Vec<u8>,
    /// Set while the rest of an over-long line is skipped.
    skipping: bool,
    /// stdout: one message per line, each written whole under the lock
    /// (rmcp sends from several tasks at once).
    write: Arc<Mutex<StdioWriter>>,
    /// Cancelled when stdin ends or fails.
    closed: CancellationToken,
}

/// What one read from stdin gave.
enum Read {
    Line,
    TooLong,
    Closed,
}

impl Stdio {
    /// The process's stdin and stdout; `closed` is cancelled when stdin ends.
    pub fn new(closed: CancellationToken) -> Stdio {
        let (read, write) = rmcp::transport::stdio_pipes();
        Stdio {
            read: BufReader::new(read),
            line: Vec::new(),
            skipping: false,
            write: Arc::new(Mutex::new(write)),
            closed,
        }
    }

    /// Reads up to the next newline into `self.line` without holding more
    /// than [`MAX_LINE_BYTES`]. Cancel-safe: bytes taken from the buffer are
    /// kept in `self.line` (or known skipped) before the next await.
    async fn read_line(&mut self) -> Read {
        loop {
            let available = match self.read.fill_buf().await {
                Ok([]) | Err(_) => return Read::Closed,
                Ok(available) => available,
            };
            let newline = available.iter().position(|b| *b == b'\n');
            let take = newline.map_or(available.len(), |at| at + 1);
            let too_long = !self.skipping && self.line.len() + take > MAX_LINE_BYTES;
            if too_long {
                self.line.clear();
                self.skipping = true;
            } else if !self.skipping {
                self.line.extend_from_slice(&available[..take]);
            }
            self.read.consume(take);
            match (newline, self.skipping) {
                (Some(_), true) => {
                    self.skipping = false;
                    if too_long {
                        return Read::TooLong;
                    }
                    // The end of a line already answered as too long.
                }
                (Some(_), false) => return Read::Line,
                // Answered once, as soon as the line passes the cap.
                (None, true) if too_long => return Read::TooLong,
                (None, _) => {}
            }
        }
    }

    /// Answers a line that cannot be handled, with `"id": null` when the
    /// line has none (JSON-RPC 2.0 §5: the member is required; rmcp's own
    /// error message would leave it out).
    async fn refuse(&mut self, error: ErrorData, id: Option<RequestId>) -> bool {
        let answer = json!({"jsonrpc": "2.0", "id": id, "error": error});
        write_line(Arc::clone(&self.write), answer).await.is_ok()
    }
}

/// Writes `message` and a newline to `out`, and flushes.
async fn write_line(out: Arc<Mutex<StdioWriter>>, message: impl Serialize) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(&message).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut out = out.lock().await;
    out.write_all(&line).await?;
    out.flush().await
}

impl Transport<RoleServer> for Stdio {
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        write_line(Arc::clone(&self.write), item)
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            let refusal = match self.read_line().await {
                Read::Closed => {
                    self.closed.cancel();
                    return None;
                }
                Read::TooLong => (
                    ErrorData::invalid_request(
                        format!("a message longer than {MAX_LINE_BYTES} bytes is not read"),
                        None,
                    ),
                    None,
                ),
                Read::Line => match parse(&std::mem::take(&mut self.line)) {
                    Parsed::Message(message) => return Some(*message),
                    Parsed::Ignored => continue,
                    Parsed::Refused(error, id) => (error, id),
                },
            };
            if !self.refuse(refusal.0, refusal.1).await {
                self.closed.cancel();
                return None;
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.write.lock().await.shutdown().await
    }
}

/// What a line holds.
enum Parsed {
    Message(Box<RxJsonRpcMessage<RoleServer>>),
    /// Nothing to answer: a blank line, or a notification rmcp does not
    /// know (JSON-RPC never answers a notification).
    Ignored,
    /// The error to answer, and the id to answer it under.
    Refused(ErrorData, Option<RequestId>),
}

fn parse(line: &[u8]) -> Parsed {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // RFC 8259 lets a reader ignore a byte order mark.
    let line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Parsed::Ignored;
    }
    let value: Value = match serde_json::from_slice(line) {
        Ok(value) => value,
        Err(e) => {
            return Parsed::Refused(ErrorData::parse_error(format!("not JSON: {e}"), None), None);
        }
    };
    let id = value
        .get("id")
        .and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok());
    let notification = value.get("method").is_some() && value.get("id").is_none();
    match serde_json::from_value(value) {
        Ok(message) => Parsed::Message(Box::new(message)),
        Err(_) if notification => Parsed::Ignored,
        Err(e) => Parsed::Refused(
            ErrorData::invalid_request(format!("not a JSON-RPC 2.0 message: {e}"), None),
            id,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(line: &str) -> (i32, Option<RequestId>) {
        match parse(line.as_bytes()) {
            Parsed::Refused(error, id) => (error.code.0, id),
            Parsed::Message(_) => panic!("{line} was read as a message"),
            Parsed::Ignored => panic!("{line} was ignored"),
        }
    }

    #[test]
    fn a_line_that_is_not_json_is_a_parse_error_and_a_bad_request_keeps_its_id() {
        assert_eq!(refusal("{not json\n"), (-32700, None));
        assert_eq!(refusal("\u{feff}[1,\n"), (-32700, None));
        assert_eq!(
            refusal(r#"{"jsonrpc":"2.0","id":7,"method":42}"#),
            (-32600, Some(RequestId::Number(7)))
        );
        assert!(matches!(parse(b" \r\n"), Parsed::Ignored));
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","method":"notifications/unheard_of","params":1}"#),
            Parsed::Ignored
        ));
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Parsed::Message(_)
        ));
    }
}
