//! When and how often a failed request is tried again.
//!
//! Which errors are retried is [`crate::Error::is_retryable`]; this file
//! decides the schedule: exponential backoff with jitter (from `backon`),
//! bounded by a number of retries and by the total time spent waiting, with
//! the server's `Retry-After` honoured when it asks for longer.

use std::time::Duration;

use backon::ExponentialBuilder;

/// The retry schedule. The default retries 3 times, starting at 500 ms and
/// doubling, each wait at most 30 s, at most 2 minutes of waiting in all.
///
/// ```
/// use std::time::Duration;
/// use justone_xhs::RetryPolicy;
///
/// let policy = RetryPolicy::default().max_retries(5).initial_delay(Duration::from_secs(1));
/// let none = RetryPolicy::none();
/// # let _ = (policy, none);
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

    pub(crate) fn backoff(&self) -> ExponentialBuilder {
        let builder = ExponentialBuilder::default()
            .with_min_delay(self.initial_delay)
            .with_max_delay(self.max_delay)
            .with_factor(2.0)
            .with_max_times(self.max_retries)
            .with_total_delay(Some(self.max_total_delay));
        if self.jitter {
            builder.with_jitter()
        } else {
            builder
        }
    }

    /// The wait before the next attempt: the backoff's, or the server's
    /// `Retry-After` when that is longer (capped at `max_delay`). `None`
    /// (the backoff is exhausted) stays `None`.
    pub(crate) fn next_delay(
        &self,
        backoff: Option<Duration>,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        let delay = backoff?;
        Some(match retry_after {
            Some(asked) if asked > delay => asked.min(self.max_delay),
            _ => delay,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_extends_but_never_revives_the_schedule() {
        let policy = RetryPolicy::default().max_delay(Duration::from_secs(10));
        let ms = Duration::from_millis;
        assert_eq!(policy.next_delay(Some(ms(500)), None), Some(ms(500)));
        assert_eq!(policy.next_delay(Some(ms(500)), Some(ms(3000))), Some(ms(3000)));
        assert_eq!(
            policy.next_delay(Some(ms(500)), Some(ms(60_000))),
            Some(ms(10_000))
        );
        assert_eq!(policy.next_delay(Some(ms(5000)), Some(ms(1000))), Some(ms(5000)));
        assert_eq!(policy.next_delay(None, Some(ms(1000))), None);
    }
}
