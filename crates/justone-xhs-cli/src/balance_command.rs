//! `justone-xhs balance`: the account's balance, as a line or as JSON.

use clap::{Args, ValueEnum};
use justone_xhs::display_safe;

use crate::connection::{self, ConnectionArgs};
use crate::exit_code::Exit;

/// Print the account's balance (`balance: 100.0000 CNY`), the amount exactly
/// as the provider wrote it.
#[derive(Debug, Clone, Args)]
pub struct BalanceArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = BalanceFormat::Text)]
    pub format: BalanceFormat,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// How `balance` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BalanceFormat {
    /// `balance: 100.0000 CNY`.
    Text,
    /// `{"balance":"100.0000","currency":"CNY","requestId":…}` (the amount a string).
    Json,
}

/// Runs the command.
pub fn run(args: BalanceArgs) -> Result<(), Exit> {
    connection::run(balance(args))
}

async fn balance(args: BalanceArgs) -> Result<(), Exit> {
    let demo = connection::start_demo(&args.connection)?;
    let client = connection::client_builder(&args.connection, demo.as_ref())
        .and_then(justone_xhs::ClientBuilder::build)
        .map_err(|e| crate::diagnostics::report(&e))?;
    let balance = client
        .balance()
        .await
        .map_err(|e| crate::diagnostics::report(&e))?;
    let line = match args.format {
        // Text is for reading: whatever the provider put in the amount or
        // the currency reaches the terminal only through the scrubber.
        BalanceFormat::Text => format!(
            "balance: {} {}",
            display_safe(&balance.balance),
            display_safe(&balance.currency)
        ),
        BalanceFormat::Json => crate::for_stdout(
            &serde_json::json!({
                "balance": balance.balance,
                "currency": balance.currency,
                "requestId": balance.request_id,
            })
            .to_string(),
        )
        .into_owned(),
    };
    crate::write_stdout(format!("{line}\n").as_bytes()).or_else(|e| crate::diagnostics::report_io(&e))
}
