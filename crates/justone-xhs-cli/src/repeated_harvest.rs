//! `feed --every 30m --for 24h`: harvests on a schedule into one database,
//! each a run of its own (one row in `runs`), until the time is up or a
//! signal arrives between two runs.

use std::time::Duration;

use tokio::time::Instant;

use crate::exit_code::Exit;
use crate::signals::Signals;

/// Starts `harvest` at once and then every `every` (a run that takes longer
/// skips the starts it overran) until `lasting` has passed since the first
/// start, when given. A signal between runs ends the series at once with
/// success: no run was cut short. A run that ends in a failure the next run
/// would share (usage, auth, quota, an output that cannot be written) or
/// that a signal stopped ends the series with its status; after a passing
/// failure (network, upstream, rate limit, budget) the series goes on and
/// ends with the last such status.
pub async fn run(
    every: Duration,
    lasting: Option<Duration>,
    signals: &mut Signals,
    mut harvest: impl AsyncFnMut(&mut Signals) -> Result<(), Exit>,
) -> Result<(), Exit> {
    let start = Instant::now();
    let mut passing_failure = None;
    loop {
        match harvest(signals).await {
            Ok(()) => {}
            Err(
                exit @ (Exit::RateLimited
                | Exit::Upstream
                | Exit::Network
                | Exit::Protocol
                | Exit::BudgetSpent),
            ) => passing_failure = Some(exit),
            Err(exit) => return Err(exit),
        }
        let overran = (start.elapsed().as_secs_f64() / every.as_secs_f64()).floor();
        let next = start + every.mul_f64(overran + 1.0);
        if lasting.is_some_and(|lasting| next >= start + lasting) {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep_until(next) => {}
            signal = signals.recv() => {
                crate::diagnostics::say(format_args!("stopped by {} between runs", signal.name()));
                break;
            }
        }
    }
    passing_failure.map_or(Ok(()), Err)
}
