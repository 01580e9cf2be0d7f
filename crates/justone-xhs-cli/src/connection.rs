//! How a command reaches the API: the connection options every command that
//! sends requests shares (`feed`, `api`, `balance`, `mcp`), the client they build,
//! the `--demo` server and the async runtime a command runs on.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use justone_xhs::{Client, ClientBuilder, Error, Region, RetryPolicy};

use crate::DemoServer;
use crate::diagnostics;
use crate::exit_code::Exit;

/// The connection options of every command that sends requests (`feed`,
/// `api`, `balance`, `mcp`): one definition, so their names, defaults and meaning
/// cannot drift apart.
///
/// Every option has an environment variable; a flag wins over it. The
/// provider's own SDKs read `JUSTONEAPI_BASE_URL`, `JUSTONEAPI_TIMEOUT_MS`
/// and `JUSTONEAPI_RETRY`: they are read too, after this tool's names.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// API base URL (overrides --region); else JUSTONE_BASE_URL, else the
    /// provider SDKs' JUSTONEAPI_BASE_URL.
    #[arg(long, env = "JUSTONE_BASE_URL", hide_env_values = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Provider host.
    #[arg(long, value_enum, env = "JUSTONE_REGION", hide_env_values = true, default_value_t = RegionArg::Global)]
    pub region: RegionArg,
    /// Request timeout in seconds [default: 60, or the provider SDKs'
    /// JUSTONEAPI_TIMEOUT_MS in milliseconds].
    #[arg(long, value_name = "SECS", env = "JUSTONE_TIMEOUT", hide_env_values = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,
    /// Retries per request for retryable failures [default: 3, or the
    /// provider SDKs' JUSTONEAPI_RETRY].
    #[arg(long, value_name = "N", env = "JUSTONE_RETRIES", hide_env_values = true)]
    pub retries: Option<usize>,
    /// At most this many requests per second.
    #[arg(
        long,
        value_name = "REQ_PER_SEC",
        env = "JUSTONE_RATE",
        hide_env_values = true
    )]
    pub rate: Option<f64>,
    /// Read from the built-in demo server instead of the API (no token needed).
    #[arg(long, env = "JUSTONE_DEMO", hide_env_values = true)]
    pub demo: bool,
    /// Read the token from this file (its first non-blank line). The token
    /// is taken from --token-file, else JUST_ONE_API_TOKEN, else
    /// JUSTONEAPI_TOKEN; never from the command line itself.
    #[arg(long, value_name = "FILE", env = "JUSTONE_TOKEN_FILE", hide_env_values = true)]
    pub token_file: Option<PathBuf>,
}

impl ConnectionArgs {
    /// The base URL: `--base-url` (or `JUSTONE_BASE_URL`), else
    /// `JUSTONEAPI_BASE_URL`; none: the region's host.
    pub fn base_url(&self) -> Option<String> {
        self.base_url
            .clone()
            .or_else(|| provider_env("JUSTONEAPI_BASE_URL", |v| Some(v.to_owned())))
    }

    /// The timeout of one attempt.
    pub fn timeout(&self) -> Duration {
        self.timeout
            .map(Duration::from_secs)
            .or_else(|| {
                provider_env("JUSTONEAPI_TIMEOUT_MS", |v| {
                    v.parse().ok().filter(|ms| *ms > 0).map(Duration::from_millis)
                })
            })
            .unwrap_or(Duration::from_secs(60))
    }

    /// Retries per request.
    pub fn retries(&self) -> usize {
        self.retries
            .or_else(|| provider_env("JUSTONEAPI_RETRY", |v| v.parse().ok()))
            .unwrap_or(3)
    }

    /// The retry schedule `--retries` asks for.
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::default().with_max_retries(self.retries())
    }
}

/// A provider-SDK environment variable, read with `parse`; one that is set
/// but does not parse is reported and ignored rather than half-applied.
fn provider_env<T>(name: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
    let value = std::env::var(name).ok().filter(|v| !v.trim().is_empty())?;
    let parsed = parse(value.trim());
    if parsed.is_none() {
        crate::diagnostics::say(format_args!("warning: {name} is not valid here; ignored"));
    }
    parsed
}

/// The provider's hosts, as `--region` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RegionArg {
    /// https://api.justoneapi.com
    Global,
    /// http://47.117.133.51:30015 (mainland China; plain HTTP)
    Cn,
}

/// Pages per channel the `--demo` server serves before its feeds end.
#[cfg(feature = "demo")]
const DEMO_PAGES: u32 = 10;

/// The one client a command sends every request through: retries, rate
/// limit, concurrency cap and `max_requests` budget are shared by all its
/// requests.
///
/// # Errors
/// As [`client_builder`] and [`ClientBuilder::build`].
pub fn build_client(
    args: &ConnectionArgs,
    concurrency: u32,
    max_requests: Option<u64>,
    demo: Option<&DemoServer>,
) -> Result<Client, Error> {
    session_builder(args, concurrency, max_requests, demo)?.build()
}

/// [`client_builder`] with the concurrency cap and budget of a command's
/// session, for a command that sets more before building.
///
/// # Errors
/// As [`client_builder`].
pub fn session_builder(
    args: &ConnectionArgs,
    concurrency: u32,
    max_requests: Option<u64>,
    demo: Option<&DemoServer>,
) -> Result<ClientBuilder, Error> {
    let mut builder = client_builder(args, demo)?.max_concurrency(concurrency as usize);
    if let Some(max) = max_requests {
        builder = builder.max_requests(max);
    }
    Ok(builder)
}

/// A client builder for `args`: the demo server's URL and a demo token
/// when there is one, else the base URL or region and the token from
/// --token-file (or, at `build`, the environment).
///
/// # Errors
/// The token file cannot be read or holds no token.
pub fn client_builder(args: &ConnectionArgs, demo: Option<&DemoServer>) -> Result<ClientBuilder, Error> {
    let mut builder = Client::builder()
        .timeout(args.timeout())
        .retry_policy(args.retry_policy());
    if let Some(rate) = args.rate {
        builder = builder.rate_limit(rate);
    }
    builder = match (demo, args.base_url()) {
        // The library's demo token: as long as a real one, so that it is
        // redacted like one.
        #[cfg(feature = "demo")]
        (Some(server), _) => builder
            .base_url(server.base_url())
            .token(justone_xhs::mock::DEMO_TOKEN),
        #[cfg(not(feature = "demo"))]
        (Some(server), _) => match *server {},
        (None, Some(url)) => builder.base_url(url),
        (None, None) => builder.region(match args.region {
            RegionArg::Global => Region::Global,
            RegionArg::Cn => Region::China,
        }),
    };
    if demo.is_none()
        && let Some(path) = &args.token_file
    {
        builder = builder.token(crate::token_file::read(path)?);
    }
    Ok(builder)
}

/// Starts the demo server when `--demo` asks for one.
///
/// # Errors
/// [`Exit::Usage`] for `--demo` in a binary built without the `demo` feature.
pub fn start_demo(args: &ConnectionArgs) -> Result<Option<DemoServer>, Exit> {
    if !args.demo {
        return Ok(None);
    }
    #[cfg(feature = "demo")]
    return Ok(Some(DemoServer::builder().pages(DEMO_PAGES).start()));
    #[cfg(not(feature = "demo"))]
    {
        diagnostics::say(format_args!(
            "error: --demo is not built into this binary (it was built without the cargo feature `demo`)"
        ));
        Err(Exit::Usage)
    }
}

/// Runs a command's future on a new runtime.
pub fn run(command: impl Future<Output = Result<(), Exit>>) -> Result<(), Exit> {
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => {
            let result = runtime.block_on(command);
            // A blocking thread may still wait in `open()` on a pipe nobody
            // reads (a command stopped by a signal meanwhile): exit without
            // waiting for it.
            runtime.shutdown_background();
            result
        }
        Err(e) => {
            diagnostics::say(format_args!("error: cannot start the async runtime: {e}"));
            Err(Exit::Other)
        }
    }
}
