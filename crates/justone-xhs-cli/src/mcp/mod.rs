//! `justone-xhs mcp`: the Notes Feed and the provider's other operations as
//! Model Context Protocol tools for AI agents, served on stdin/stdout with
//! the official Rust SDK (`rmcp`).
//!
//! stdout carries only MCP JSON-RPC messages; logs go to stderr (off unless
//! RUST_LOG asks for them). One client serves every tool call, so retries,
//! the rate limit, the concurrency cap and `--max-requests` apply to the
//! session as a whole. Every request may be billed, so the session stops
//! spending the moment it is told to: when stdin closes (the host quit) or
//! on SIGINT/SIGTERM, every call is cancelled, nothing more is sent, and
//! the process exits.

mod arguments;
mod catalog;
mod errors;
mod progress;
mod results;
mod size;
mod stdio;
mod tools;

use justone_xhs::CancellationToken;
use rmcp::ServiceExt;

use crate::cli::McpArgs;
use crate::diagnostics;
use crate::exit_code::Exit;
use crate::signals::Signals;

/// Serves MCP on stdin/stdout until the client closes stdin or a signal
/// stops the server.
pub async fn serve(args: McpArgs) -> Result<(), Exit> {
    let mut signals = Signals::new();
    // The demo server lives as long as the session: it is dropped on return.
    let demo = crate::connection::start_demo(&args.connection)?;
    // A missing token or a bad flag stops the server before it speaks MCP:
    // an agent's host shows stderr and the exit code, as for `feed`.
    let client = crate::connection::session_builder(
        &args.connection,
        args.concurrency,
        args.max_requests,
        demo.as_ref(),
    )
    .and_then(|builder| {
        builder
            .retry_policy(
                args.connection
                    .retry_policy()
                    .with_retry_uncertain(args.retry_uncertain),
            )
            .build()
    })
    .map_err(|e| crate::diagnostics::report(&e))?;
    // Every call's cancellation token descends from this one: cancelling it
    // (stdin closed, a signal) stops them all.
    let session = CancellationToken::new();
    let running = tools::FeedTools::new(client, args.max_requests)
        .serve_with_ct(stdio::Stdio::new(session.clone()), session.clone())
        .await
        .map_err(|e| {
            diagnostics::say(format_args!("error: the MCP session did not start: {e}"));
            Exit::Other
        })?;
    let mut waiting = std::pin::pin!(running.waiting());
    let signal = tokio::select! {
        quit = &mut waiting => {
            return quit.map(drop).map_err(|e| {
                diagnostics::say(format_args!("error: the MCP session failed: {e}"));
                Exit::Other
            });
        }
        signal = signals.recv() => signal,
    };
    session.cancel();
    // The calls return at once; this only lets rmcp close stdout cleanly.
    let _ = waiting.await;
    diagnostics::say(format_args!("{}: the MCP server stopped", signal.name()));
    Err(signal.exit())
}
