//! Client-side pacing, shared by every clone of a [`crate::Client`]:
//!
//! - a requests-per-second limit (`governor`, one request per `1/R` seconds,
//!   no burst: `n` requests take at least `(n - 1) / R` seconds);
//! - a cap on requests in flight (a tokio semaphore);
//! - a **cool-down**: when any request is rate limited (302 or HTTP 429),
//!   no request of the client is sent until the wait that request was given
//!   (its `Retry-After` or backoff, never more than the retry policy's
//!   `max_delay`; when it is not retried, its `Retry-After` or the policy's
//!   initial delay) is over. After more consecutive rate-limited rounds than
//!   the policy's retries, the client stops retrying and requests already
//!   under way fail with that rate-limit error without being sent.
//!
//! The order for each attempt is: concurrency permit, cool-down, rate token,
//! send. The permit comes first so that a task never holds a rate token
//! while it waits for a permit (tokens taken early and spent late let
//! requests bunch up); the cool-down comes before the rate token for the
//! same reason. A cool-down that starts while a task waits for its rate
//! token (at most one `1/R` period) does not hold that one request back.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

use crate::error::Error;

/// The slowest rate accepted: one request a day.
pub(crate) const MIN_RATE: f64 = 1.0 / 86_400.0;
/// The fastest rate accepted: one request a microsecond.
pub(crate) const MAX_RATE: f64 = 1_000_000.0;

#[derive(Debug, Default)]
pub(crate) struct Limits {
    rate: Option<DefaultDirectRateLimiter>,
    in_flight: Option<Semaphore>,
    cooldown: Mutex<Cooldown>,
}

/// The client-wide state of rate limiting.
#[derive(Debug, Default)]
struct Cooldown {
    /// No request is sent before this instant.
    until: Option<Instant>,
    /// Consecutive rounds of rate limiting without a success in between. A
    /// round starts with a rate-limited response to a request sent after
    /// the previous round started; responses to requests that were already
    /// in flight belong to the round they were sent in.
    rounds: usize,
    round_started: Option<Instant>,
    /// The latest rate-limit error, for the requests stopped by it.
    last: Option<Error>,
}

/// The longest pause a client takes, whatever it was asked for: about 30
/// years, tokio's own bound on a sleep.
const FOREVER: Duration = Duration::from_secs(86_400 * 365 * 30);

impl Limits {
    pub(crate) fn new(
        requests_per_second: Option<f64>,
        max_concurrency: Option<usize>,
    ) -> Result<Limits, Error> {
        let rate = requests_per_second
            .map(|rps| quota(rps).map(RateLimiter::direct))
            .transpose()?;
        let in_flight = match max_concurrency {
            None => None,
            Some(0) => {
                return Err(Error::InvalidSetting {
                    name: "max_concurrency",
                    reason: "must be at least 1".into(),
                });
            }
            Some(n) if n > Semaphore::MAX_PERMITS => {
                return Err(Error::InvalidSetting {
                    name: "max_concurrency",
                    reason: format!("must be at most {}, got {n}", Semaphore::MAX_PERMITS),
                });
            }
            Some(n) => Some(Semaphore::new(n)),
        };
        Ok(Limits {
            rate,
            in_flight,
            cooldown: Mutex::default(),
        })
    }

    /// Waits for a concurrency permit, the end of any cool-down, then a rate
    /// token (in that order; see the module docs). The permit is held until
    /// the returned guard is dropped.
    ///
    /// # Errors
    /// The rate-limit error that stopped the client, when more than
    /// `max_retries` rounds of rate limiting happened since `started` (the
    /// start of the caller's request) without a success.
    pub(crate) async fn acquire(
        &self,
        started: Instant,
        max_retries: usize,
    ) -> Result<Option<SemaphorePermit<'_>>, Error> {
        let permit = match &self.in_flight {
            // The semaphore is never closed, so acquiring only fails if it were.
            Some(semaphore) => semaphore.acquire().await.ok(),
            None => None,
        };
        loop {
            let wait_until = {
                let state = self.lock();
                if let Some(error) = state.stopping(started, max_retries) {
                    return Err(error);
                }
                state.until.filter(|until| *until > Instant::now())
            };
            match wait_until {
                // Sleep without the lock; the cool-down may have been
                // extended meanwhile, so look again.
                Some(until) => tokio::time::sleep_until(until).await,
                None => break,
            }
        }
        if let Some(rate) = &self.rate {
            rate.until_ready().await;
        }
        Ok(permit)
    }

    /// Whether the client has stopped retrying rate limits for a request
    /// started at `started`.
    pub(crate) fn stopped(&self, started: Instant, max_retries: usize) -> bool {
        self.lock().stopping(started, max_retries).is_some()
    }

    /// Records a rate-limited response to a request sent at `sent`, and
    /// pauses the client for `pause` (already bounded by the retry policy).
    pub(crate) fn rate_limited(&self, sent: Instant, pause: Duration, error: &Error) {
        let now = Instant::now();
        let mut state = self.lock();
        if state.round_started.is_none_or(|round| sent >= round) {
            state.rounds += 1;
            state.round_started = Some(now);
        }
        state.last = Some(error.clone());
        // A policy without a cap (`Duration::MAX`) and a server that asks for
        // centuries must not overflow the clock: such a pause is "forever".
        state.extend(now.checked_add(pause).unwrap_or_else(|| now + FOREVER));
    }

    /// A success ends a streak of rate limiting.
    pub(crate) fn succeeded(&self) {
        let mut state = self.lock();
        state.rounds = 0;
        state.last = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cooldown> {
        // The state stays consistent whatever panicked while holding it.
        self.cooldown
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Cooldown {
    fn stopping(&self, started: Instant, max_retries: usize) -> Option<Error> {
        let began_before = self.round_started.is_some_and(|round| started <= round);
        (self.rounds > max_retries && began_before)
            .then(|| self.last.clone())
            .flatten()
    }

    fn extend(&mut self, until: Instant) {
        self.until = Some(self.until.map_or(until, |current| current.max(until)));
    }
}

/// One request every `1/rps` seconds, with a burst of one: the first request
/// goes at once, and `n` requests take at least `(n - 1) / rps` seconds, so
/// no one-second window after the first request holds more than `rps` more.
fn quota(rps: f64) -> Result<Quota, Error> {
    if !(MIN_RATE..=MAX_RATE).contains(&rps) {
        return Err(Error::InvalidSetting {
            name: "rate_limit",
            reason: format!(
                "must be between one request a day ({MIN_RATE:.3e}) and {MAX_RATE:e} requests per second, got {}",
                compact(rps)
            ),
        });
    }
    let period = Duration::from_secs_f64(1.0 / rps);
    // Both bounds keep the period between 1 µs and a day, so this holds.
    Ok(Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::MIN))
}

/// A number as a person would write it: plain when it is of a sensible size,
/// in scientific notation when plain would be dozens of digits.
pub(crate) fn compact(value: f64) -> String {
    if value != 0.0 && value.is_finite() && !(1e-4..1e9).contains(&value.abs()) {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting_error(result: Result<Limits, Error>) -> String {
        match result {
            Err(Error::InvalidSetting { name, reason }) => format!("{name}: {reason}"),
            other => panic!("expected InvalidSetting, got {other:?}"),
        }
    }

    #[test]
    fn bad_settings_are_named_compactly() {
        for rps in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-300, 1e300] {
            let text = setting_error(Limits::new(Some(rps), None));
            assert!(text.starts_with("rate_limit: must be between"), "{text}");
            assert!(text.len() < 120, "{text}");
        }
        assert!(setting_error(Limits::new(Some(1e-300), None)).ends_with("got 1e-300"));
        assert_eq!(
            setting_error(Limits::new(None, Some(0))),
            "max_concurrency: must be at least 1"
        );
        for n in [Semaphore::MAX_PERMITS + 1, usize::MAX] {
            let text = setting_error(Limits::new(None, Some(n)));
            assert!(text.starts_with("max_concurrency: must be at most"), "{text}");
        }
        assert!(Limits::new(None, Some(Semaphore::MAX_PERMITS)).is_ok());
        assert!(Limits::new(Some(0.5), Some(4)).is_ok());
        assert!(Limits::new(Some(MIN_RATE), None).is_ok());
        assert!(Limits::new(Some(MAX_RATE), None).is_ok());
    }

    #[test]
    fn the_period_is_exactly_one_over_the_rate() {
        // 1.4 must not round to 1/s, nor 1.6 to 2/s with a burst of 2.
        for (rps, period_ms) in [(1.4, 714), (1.6, 625), (0.5, 2000), (10.0, 100)] {
            let quota = quota(rps).unwrap();
            assert_eq!(quota.replenish_interval().as_millis(), period_ms, "{rps}");
            assert_eq!(quota.burst_size().get(), 1, "{rps}");
        }
    }

    /// An uncapped policy and a server asking for centuries: a pause past
    /// what the clock can hold is "forever", not a panic.
    #[tokio::test]
    async fn an_endless_pause_does_not_overflow_the_clock() {
        let limits = Limits::new(None, None).unwrap();
        let error = Error::Http {
            status: 429,
            body_excerpt: String::new(),
            retry_after: Some(Duration::MAX),
        };
        limits.rate_limited(Instant::now(), Duration::MAX, &error);
        limits.rate_limited(Instant::now(), Duration::MAX, &error);
        let waited = tokio::time::timeout(Duration::from_millis(50), limits.acquire(Instant::now(), 5)).await;
        assert!(waited.is_err(), "the client is paused");
    }

    #[tokio::test]
    async fn a_rate_limited_round_pauses_every_request_and_a_success_ends_the_streak() {
        let limits = Limits::new(None, None).unwrap();
        let error = Error::Http {
            status: 429,
            body_excerpt: String::new(),
            retry_after: None,
        };
        let started = Instant::now();
        limits.rate_limited(started, Duration::from_millis(200), &error);
        let before = Instant::now();
        limits.acquire(Instant::now(), 0).await.unwrap();
        assert!(
            before.elapsed() >= Duration::from_millis(150),
            "waited for the cool-down"
        );
        // One round is more than 0 retries: a request started before it stops…
        assert!(limits.acquire(started, 0).await.is_err());
        assert!(limits.stopped(started, 0));
        // …one started after it may try, and so may any with retries left.
        assert!(!limits.stopped(Instant::now(), 0));
        assert!(!limits.stopped(started, 1));
        limits.succeeded();
        assert!(!limits.stopped(started, 0));
    }
}
