//! `justone-xhs mcp`: the Notes Feed as Model Context Protocol tools for AI
//! agents, served on stdin/stdout with the official Rust SDK (`rmcp`).
//!
//! stdout carries only MCP JSON-RPC messages; logs go to stderr (off unless
//! RUST_LOG asks for them). One client serves every tool call, so retries,
//! the rate limit, the concurrency cap and `--max-requests` apply to the
//! session as a whole. The server exits when stdin closes.

mod errors;
mod results;
mod tools;

use rmcp::ServiceExt;

use crate::cli::McpArgs;
use crate::exit_code::Exit;
use crate::report;

/// Serves MCP on stdin/stdout until the client closes stdin.
pub async fn serve(args: McpArgs) -> Result<(), Exit> {
    // The demo server lives as long as the session: it is dropped on return.
    let demo = crate::connection::start_demo(&args.connection)?;
    // A missing token or a bad flag stops the server before it speaks MCP:
    // an agent's host shows stderr and the exit code, as for `feed`.
    let client = crate::connection::build_client(
        &args.connection,
        args.concurrency,
        args.max_requests,
        demo.as_ref(),
    )
    .map_err(|e| crate::report(&e))?;
    let session = tools::FeedTools::new(client)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| {
            report::say(format_args!("error: the MCP session did not start: {e}"));
            Exit::Other
        })?;
    match session.waiting().await {
        Ok(_) => Ok(()),
        Err(e) => {
            report::say(format_args!("error: the MCP session failed: {e}"));
            Err(Exit::Other)
        }
    }
}
