//! When and how often a failed request is tried again.
//!
//! Which errors are retried is [`crate::Error::is_retryable`]; this file
//! decides the schedule: exponential backoff with jitter, bounded by a
//! number of retries, by a longest single wait and by the total time spent
//! waiting, with the server's `Retry-After` honoured when it asks for longer.
//! Every bound holds for every wait, jitter and `Retry-After` included.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// The retry schedule. The default retries 3 times, starting at 500 ms and
/// doubling, each wait at most 30 s, at most 2 minutes of waiting in all.
///
/// With jitter (the default) each wait is a random duration between half
/// and all of the doubled delay, so that many clients do not retry in
/// lockstep; no wait is ever longer than [`max_delay`](Self::max_delay).
/// A `Retry-After` longer than the backoff's wait replaces it, capped at
/// `max_delay`. A wait that would take the request's waiting past
/// [`max_total_delay`](Self::max_total_delay) is not made: the request fails
/// with its last error instead.
///
/// ```
/// use std::time::Duration;
/// use justone_xhs::RetryPolicy;
///
/// let policy = RetryPolicy::default().max_retries(5).initial_delay(Duration::from_secs(1));
/// assert_eq!(policy.retry_limit(), 5);
/// assert_eq!(policy.total_delay_limit(), Duration::from_secs(120));
/// let none = RetryPolicy::none();
/// # let _ = none;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    pub(crate) max_retries: usize,
    pub(crate) initial_delay: Duration,
    pub(crate) max_delay: Duration,
    pub(crate) max_total_delay: Duration,
    pub(crate) jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_total_delay: Duration::from_secs(120),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy::default().max_retries(0)
    }

    /// How many times a request is retried after its first attempt.
    pub fn max_retries(mut self, retries: usize) -> Self {
        self.max_retries = retries;
        self
    }

    /// The first wait; each later one doubles.
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// The longest single wait, `Retry-After` included.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The most time spent waiting between attempts of one request.
    pub fn max_total_delay(mut self, delay: Duration) -> Self {
        self.max_total_delay = delay;
        self
    }

    /// Whether waits are randomized, so that many clients do not retry in
    /// lockstep (on by default).
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// How many retries a request may make (see [`max_retries`](Self::max_retries)).
    pub fn retry_limit(&self) -> usize {
        self.max_retries
    }

    /// The longest single wait (see [`max_delay`](Self::max_delay)).
    pub fn delay_limit(&self) -> Duration {
        self.max_delay
    }

    /// The most waiting one request may do in all (see
    /// [`max_total_delay`](Self::max_total_delay)); when this, rather than
    /// the number of retries, stopped a request, more retries would not help.
    pub fn total_delay_limit(&self) -> Duration {
        self.max_total_delay
    }

    /// The wait before retry number `retry` (0 for the first retry) of a
    /// request that has already waited `waited`, given the server's
    /// `Retry-After`; `None` when the request must not be retried: no
    /// retries left, or the wait would exceed `max_total_delay`.
    pub(crate) fn next_delay(
        &self,
        retry: usize,
        retry_after: Option<Duration>,
        waited: Duration,
    ) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        let factor = 2u32.saturating_pow(u32::try_from(retry).unwrap_or(u32::MAX));
        let doubled = self.initial_delay.saturating_mul(factor).min(self.max_delay);
        // Jitter is applied to the capped delay and only ever shortens it,
        // so no wait exceeds `max_delay`.
        let backoff = if self.jitter {
            doubled / 2 + doubled.mul_f64(random_unit() / 2.0)
        } else {
            doubled
        };
        let delay = match retry_after {
            Some(asked) if asked > backoff => asked.min(self.max_delay),
            _ => backoff,
        };
        (waited.saturating_add(delay) <= self.max_total_delay).then_some(delay)
    }
}

/// A number in `[0, 1)`, random enough to spread retries apart (not for
/// anything secret): std's per-process random hash keys, mixed with a
/// counter so that consecutive calls differ.
fn random_unit() -> f64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn retry_after_extends_but_never_revives_the_schedule() {
        let policy = RetryPolicy::default().max_delay(MS(10_000)).jitter(false);
        let none = Duration::ZERO;
        assert_eq!(policy.next_delay(0, None, none), Some(MS(500)));
        assert_eq!(policy.next_delay(1, None, none), Some(MS(1000)));
        assert_eq!(policy.next_delay(0, Some(MS(3000)), none), Some(MS(3000)));
        assert_eq!(policy.next_delay(0, Some(MS(60_000)), none), Some(MS(10_000)));
        assert_eq!(policy.next_delay(2, Some(MS(1000)), none), Some(MS(2000)));
        assert_eq!(policy.next_delay(3, Some(MS(1000)), none), None);
    }

    #[test]
    fn jitter_never_takes_a_wait_past_max_delay() {
        let policy = RetryPolicy::default()
            .max_retries(20)
            .initial_delay(MS(100))
            .max_delay(MS(1000))
            .max_total_delay(Duration::from_secs(3600));
        let mut shortest = Duration::MAX;
        for _ in 0..200 {
            for retry in 0..20 {
                let delay = policy.next_delay(retry, None, Duration::ZERO).unwrap();
                assert!(delay <= MS(1000), "retry {retry} waits {delay:?}");
                shortest = shortest.min(delay);
            }
        }
        assert!(shortest >= MS(50), "jitter keeps at least half: {shortest:?}");
    }

    #[test]
    fn retry_after_cannot_escape_max_total_delay() {
        let policy = RetryPolicy::default()
            .max_retries(10)
            .max_delay(Duration::from_secs(60))
            .max_total_delay(Duration::from_secs(90))
            .jitter(false);
        let asked = Some(Duration::from_secs(60));
        let mut waited = Duration::ZERO;
        let mut retries = 0;
        while let Some(delay) = policy.next_delay(retries, asked, waited) {
            waited += delay;
            retries += 1;
        }
        assert_eq!(retries, 1, "a second 60 s wait would pass 90 s");
        assert_eq!(waited, Duration::from_secs(60));
    }
}
