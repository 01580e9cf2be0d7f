//! The demo server's transport: a hyper HTTP/1 server on a loopback port,
//! driven by a current-thread tokio runtime on a thread of its own. It then
//! works the same when started from a plain `#[test]` (no runtime), from a
//! current-thread runtime or a multi-thread one, and never needs the caller's
//! runtime to make progress (a caller blocked on a synchronous call still
//! gets its answers).

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The decoded query parameters of a request, in order.
pub(super) struct Query(Vec<(String, String)>);

impl Query {
    fn parse(query: &str) -> Query {
        Query(
            form_urlencoded::parse(query.as_bytes())
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect(),
        )
    }

    /// The first value of the parameter `name`.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// What to answer a request with.
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) content_type: &'static str,
    /// Sent as `Retry-After` when set.
    pub(super) retry_after: Option<&'static str>,
    pub(super) body: String,
}

/// Answers one request, given its path (called on the server's thread).
pub(super) type Answer = Arc<dyn Fn(&str, &Query) -> Reply + Send + Sync>;

/// A running server; stops when dropped.
pub(super) struct Transport {
    address: SocketAddr,
    // Dropping the sender is the stop signal.
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Transport {
    /// Binds a free loopback port and serves `answer` on every path, each
    /// answer delayed by `latency`.
    pub(super) fn start(latency: Option<Duration>, answer: Answer) -> std::io::Result<Transport> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        // Bound here, not on the server's thread, so that a failure is
        // reported to the caller and the port is known before any request.
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let listener = {
            let _context = runtime.enter();
            TcpListener::from_std(listener)?
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("justone-demo-server".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::spawn(accept(listener, latency, answer));
                    // Err when the sender is dropped: the server is stopping.
                    let _ = stopped.await;
                });
                // Dropping the runtime here cancels every connection task.
            })?;
        Ok(Transport {
            address,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub(super) fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for Transport {
    fn drop(&mut self) {
        drop(self.stop.take());
        // The thread only has to drop its runtime, which does not wait for
        // clients; joining makes "stopped" mean the port is closed.
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept(listener: TcpListener, latency: Option<Duration>, answer: Answer) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors and the like: pause rather than spin.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let answer = Arc::clone(&answer);
        tokio::spawn(async move {
            let service = service_fn(move |request| respond(request, latency, Arc::clone(&answer)));
            // An error only means the client went away, which is its business.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn respond(
    request: Request<Incoming>,
    latency: Option<Duration>,
    answer: Answer,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let query = Query::parse(request.uri().query().unwrap_or_default());
    let reply = answer(request.uri().path(), &query);
    // A sleep on this connection's task: other connections go on meanwhile.
    if let Some(latency) = latency {
        tokio::time::sleep(latency).await;
    }
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    // An injected status outside 100..=999 cannot be sent; 500 says "failure".
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    if let Some(seconds) = reply.retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from_static(seconds));
    }
    Ok(response)
}
