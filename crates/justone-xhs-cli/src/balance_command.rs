//! `justone-xhs balance`: the account's balance, as a line or as JSON.

use justone_xhs::display_safe;

use crate::cli::{BalanceArgs, BalanceFormat};
use crate::connection;
use crate::exit_code::Exit;

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
