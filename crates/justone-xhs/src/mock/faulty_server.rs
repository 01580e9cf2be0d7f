//! A raw TCP server that misbehaves in the ways an HTTP server library cannot: broken
//! connections, stalled and truncated bodies, silence.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How every connection to a [`FaultyServer`] is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Misbehaviour {
    /// Read the request, then reset the connection without a response.
    ResetBeforeResponse,
    /// Send headers and half the body (`Content-Length` set), then stall.
    StallMidBody,
    /// Announce a `Content-Length` larger than the body, send the body, close.
    ShortBody,
    /// Send a chunked body and close before its terminating chunk.
    AbortedChunked,
    /// Send a valid envelope of about this many bytes, chunked (no
    /// `Content-Length`), so its size is only known by reading it.
    LargeChunkedBody(usize),
    /// Announce and send a body of this many bytes with `Content-Length`.
    LargeBody(usize),
    /// A valid, empty feed page labelled `text/html`.
    WrongContentType,
    /// Accept the connection and never write anything.
    NeverAnswer,
}

/// A running faulty server; stops when dropped. Start it inside a tokio
/// runtime.
#[derive(Debug)]
pub struct FaultyServer {
    address: SocketAddr,
    task: JoinHandle<()>,
}

impl FaultyServer {
    /// Binds to a free loopback port and serves `misbehaviour` to every
    /// connection, on the calling tokio runtime (hence `_async`, as
    /// [`DemoServerBuilder::start_async`](crate::mock::DemoServerBuilder::start_async)).
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start_async(misbehaviour: Misbehaviour) -> std::io::Result<FaultyServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, misbehaviour.clone()));
            }
        });
        Ok(FaultyServer { address, task })
    }

    /// The base URL to give [`crate::ClientBuilder::base_url`].
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for FaultyServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const EMPTY_PAGE: &str = r#"{"code":0,"data":[],"message":"success","requestId":"faulty"}"#;

/// Errors only mean the client went away, which is the client's business.
async fn answer(mut stream: TcpStream, misbehaviour: Misbehaviour) {
    if read_request(&mut stream).await.is_err() {
        return;
    }
    let _ = misbehave(&mut stream, misbehaviour).await;
}

async fn misbehave(stream: &mut TcpStream, misbehaviour: Misbehaviour) -> std::io::Result<()> {
    let head = |length: usize, content_type: &str| {
        format!("HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {length}\r\n\r\n")
    };
    match misbehaviour {
        Misbehaviour::ResetBeforeResponse => {
            // A zero linger turns the close into a reset (RST).
            stream.set_zero_linger()?;
        }
        Misbehaviour::StallMidBody => {
            stream
                .write_all(head(EMPTY_PAGE.len(), "application/json").as_bytes())
                .await?;
            stream
                .write_all(&EMPTY_PAGE.as_bytes()[..EMPTY_PAGE.len() / 2])
                .await?;
            stream.flush().await?;
            std::future::pending::<()>().await;
        }
        Misbehaviour::ShortBody => {
            stream
                .write_all(head(EMPTY_PAGE.len() + 100, "application/json").as_bytes())
                .await?;
            stream.write_all(EMPTY_PAGE.as_bytes()).await?;
        }
        Misbehaviour::AbortedChunked => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
                .await?;
            stream
                .write_all(format!("{:x}\r\n{EMPTY_PAGE}\r\n", EMPTY_PAGE.len()).as_bytes())
                .await?;
        }
        Misbehaviour::LargeChunkedBody(size) => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
                .await?;
            for chunk in large_envelope(size) {
                stream
                    .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .await?;
                stream.write_all(&chunk).await?;
                stream.write_all(b"\r\n").await?;
            }
            stream.write_all(b"0\r\n\r\n").await?;
        }
        Misbehaviour::LargeBody(size) => {
            let chunks = large_envelope(size);
            let length = chunks.iter().map(Vec::len).sum();
            stream
                .write_all(head(length, "application/json").as_bytes())
                .await?;
            for chunk in chunks {
                stream.write_all(&chunk).await?;
            }
        }
        Misbehaviour::WrongContentType => {
            stream
                .write_all(head(EMPTY_PAGE.len(), "text/html").as_bytes())
                .await?;
            stream.write_all(EMPTY_PAGE.as_bytes()).await?;
        }
        Misbehaviour::NeverAnswer => std::future::pending::<()>().await,
    }
    stream.flush().await
}

/// A valid envelope of about `size` bytes (items of 1 KiB), in 64 KiB chunks.
fn large_envelope(size: usize) -> Vec<Vec<u8>> {
    let item = format!(r#"{{"id":"big","desc":"{}"}}"#, "x".repeat(1000));
    let mut chunks = vec![br#"{"code":0,"data":["#.to_vec()];
    let mut written = 0;
    let mut chunk = Vec::with_capacity(64 * 1024);
    while written < size {
        if written > 0 {
            chunk.push(b',');
        }
        chunk.extend_from_slice(item.as_bytes());
        written += item.len() + 1;
        if chunk.len() >= 64 * 1024 {
            chunks.push(std::mem::take(&mut chunk));
        }
    }
    chunk.extend_from_slice(b"]}");
    chunks.push(chunk);
    chunks
}

async fn read_request(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        request.extend_from_slice(&buffer[..n]);
    }
    Ok(())
}
