//! When and how often a failed request is tried again.
//!
//! Which errors are retried is [`crate::Error::is_retryable`], less the
//! uncertain ones ([`crate::Error::is_uncertain`]) when
//! [`RetryPolicy::retry_uncertain`] is off; this file decides the schedule: exponential backoff with jitter (`backon`), bounded by a
//! number of retries, by a longest single wait and by the total time spent
//! waiting, with the server's `Retry-After` honoured when it asks for longer.
//! Every bound holds for every wait, jitter and `Retry-After` included.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

/// The retry schedule. The default retries 3 times, starting at 500 ms and
/// doubling, each wait at most 30 s, at most 2 minutes of waiting in all.
///
/// With jitter (the default) each wait is a random duration between half
/// and all of the doubled delay, so that many clients do not retry in
/// lockstep; no wait is ever longer than [`max_delay`](Self::max_delay).
/// A `Retry-After` longer than the backoff's wait replaces it; one longer
/// than `max_delay` ends the retries at once (the provider asked for more
/// than this policy will wait, and an earlier retry would be refused and
/// billed). A wait that would take the request's waiting past
/// [`max_total_delay`](Self::max_total_delay) is not made: the request fails
/// with its last error instead.
///
/// ```
/// use std::time::Duration;
/// use justone_xhs::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_retries(5)
///     .with_initial_delay(Duration::from_secs(1));
/// assert_eq!(policy.max_retries(), 5);
/// assert_eq!(policy.max_total_delay(), Duration::from_secs(120));
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
    pub(crate) retry_uncertain: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_total_delay: Duration::from_secs(120),
            jitter: true,
            retry_uncertain: true,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy::default().with_max_retries(0)
    }

    /// Sets how many times a request is retried after its first attempt.
    pub fn with_max_retries(mut self, retries: usize) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the first wait; each later one doubles.
    pub fn with_initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// Sets the longest single wait, `Retry-After` included: a request
    /// whose server asks for longer is not retried.
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Sets the most time spent waiting between attempts of one request.
    pub fn with_max_total_delay(mut self, delay: Duration) -> Self {
        self.max_total_delay = delay;
        self
    }

    /// Sets whether waits are randomized, so that many clients do not
    /// retry in lockstep (on by default).
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets whether an uncertain failure ([`Error::is_uncertain`](crate::Error::is_uncertain):
    /// an HTTP 5xx, business code 500 or 503, a timeout, a connection that
    /// broke after the request was written) is sent again (on by default).
    /// Such a request may have reached the provider and been billed, so a
    /// retry may be billed a second time; turn this off to pay at most once
    /// per call. Rate limits, connections that failed before anything was
    /// sent and business code 301 are retried either way.
    ///
    /// ```
    /// use justone_xhs::RetryPolicy;
    ///
    /// let at_most_once = RetryPolicy::default().with_retry_uncertain(false);
    /// assert!(!at_most_once.retry_uncertain());
    /// ```
    pub fn with_retry_uncertain(mut self, retry: bool) -> Self {
        self.retry_uncertain = retry;
        self
    }

    /// How many retries a request may make (see [`with_max_retries`](Self::with_max_retries)).
    pub fn max_retries(&self) -> usize {
        self.max_retries
    }

    /// The first wait (see [`with_initial_delay`](Self::with_initial_delay)).
    pub fn initial_delay(&self) -> Duration {
        self.initial_delay
    }

    /// The longest single wait (see [`with_max_delay`](Self::with_max_delay)).
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The most waiting one request may do in all (see
    /// [`with_max_total_delay`](Self::with_max_total_delay)); when this,
    /// rather than the number of retries, stopped a request, more retries
    /// would not help.
    pub fn max_total_delay(&self) -> Duration {
        self.max_total_delay
    }

    /// Whether waits are randomized (see [`with_jitter`](Self::with_jitter)).
    pub fn jitter(&self) -> bool {
        self.jitter
    }

    /// Whether uncertain failures are retried (see
    /// [`with_retry_uncertain`](Self::with_retry_uncertain)).
    pub fn retry_uncertain(&self) -> bool {
        self.retry_uncertain
    }

    /// Whether this policy sends a request again after `error` (when
    /// retries and waiting time are left).
    pub(crate) fn allows(&self, error: &crate::Error) -> bool {
        error.is_retryable() && (self.retry_uncertain || !error.is_uncertain())
    }

    /// The waits of one request, from backon's exponential backoff (with
    /// its jitter), bounded here: see [`Schedule::next_delay`].
    pub(crate) fn schedule(&self) -> Schedule<'_> {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.initial_delay)
            .with_max_delay(self.max_delay)
            .with_factor(2.0)
            .with_max_times(self.max_retries);
        let backoff = if self.jitter {
            backoff.with_jitter()
        } else {
            backoff
        };
        Schedule {
            policy: self,
            backoff: backoff.build(),
            waited: Duration::ZERO,
        }
    }
}

/// The retries left to one request and the time it has waited so far.
pub(crate) struct Schedule<'a> {
    policy: &'a RetryPolicy,
    backoff: ExponentialBackoff,
    waited: Duration,
}

impl Schedule<'_> {
    /// The wait before the next attempt, or `None` when no retry is left.
    /// The server's `Retry-After` wins when it asks for longer, and ends
    /// the retries when it asks for more than `max_delay`. backon adds
    /// its jitter after its own cap, so the cap is applied again here: no
    /// wait exceeds `max_delay`, and no wait (a `Retry-After` included)
    /// takes the request's waiting past `max_total_delay`.
    pub(crate) fn next_delay(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        let backoff = self.backoff.next()?;
        if retry_after.is_some_and(|asked| asked > self.policy.max_delay) {
            return None;
        }
        let delay = match retry_after {
            Some(asked) if asked > backoff => asked,
            _ => backoff,
        }
        .min(self.policy.max_delay);
        let waited = self.waited.saturating_add(delay);
        if waited > self.policy.max_total_delay {
            return None;
        }
        self.waited = waited;
        Some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    fn waits(policy: &RetryPolicy, retry_after: Option<Duration>) -> Vec<Duration> {
        let mut schedule = policy.schedule();
        std::iter::from_fn(|| schedule.next_delay(retry_after)).collect()
    }

    #[test]
    fn retry_after_extends_but_never_revives_the_schedule() {
        let policy = RetryPolicy::default()
            .with_max_delay(MS(10_000))
            .with_jitter(false);
        assert_eq!(waits(&policy, None), [MS(500), MS(1000), MS(2000)]);
        assert_eq!(waits(&policy, Some(MS(1500))), [MS(1500), MS(1500), MS(2000)]);
        assert_eq!(
            waits(&policy, Some(MS(60_000))),
            [],
            "asks for more than max_delay: no retry"
        );
        assert_eq!(waits(&RetryPolicy::none(), Some(MS(1000))), []);
    }

    #[test]
    fn jitter_never_takes_a_wait_past_max_delay() {
        let policy = RetryPolicy::default()
            .with_max_retries(20)
            .with_initial_delay(MS(100))
            .with_max_delay(MS(1000))
            .with_max_total_delay(Duration::from_secs(3600));
        let mut distinct = std::collections::HashSet::new();
        for _ in 0..200 {
            let all = waits(&policy, None);
            assert_eq!(all.len(), 20);
            for (retry, delay) in all.iter().enumerate() {
                assert!(*delay <= MS(1000), "retry {retry} waits {delay:?}");
                assert!(*delay >= MS(100), "retry {retry} waits {delay:?}");
            }
            distinct.insert(all[0]);
        }
        assert!(distinct.len() > 1, "the waits are jittered");
    }

    #[test]
    fn uncertain_failures_are_retried_only_when_the_policy_says_so() {
        use crate::error::{ApiCode, Error};
        let http = |status| Error::Http {
            status,
            body_excerpt: String::new(),
            retry_after: None,
        };
        let api = |code| Error::Api {
            code: ApiCode::from_code(code),
            message: None,
            request_id: None,
            http_status: Some(200),
            retry_after: None,
        };
        let connect = |request_sent| Error::Connect {
            detail: String::new(),
            request_sent,
            source: None,
        };
        let timeout = Error::Timeout {
            detail: String::new(),
            source: None,
        };
        let uncertain = [http(503), http(502), api(500), api(503), timeout, connect(true)];
        let certain = [http(429), api(302), api(301), connect(false)];
        let careful = RetryPolicy::default().with_retry_uncertain(false);
        for error in &uncertain {
            assert!(RetryPolicy::default().allows(error), "{error}");
            assert!(!careful.allows(error), "{error}");
        }
        for error in &certain {
            assert!(careful.allows(error), "{error}");
        }
    }

    #[test]
    fn retry_after_cannot_escape_max_total_delay() {
        let policy = RetryPolicy::default()
            .with_max_retries(10)
            .with_max_delay(Duration::from_secs(60))
            .with_max_total_delay(Duration::from_secs(90))
            .with_jitter(false);
        let all = waits(&policy, Some(Duration::from_secs(60)));
        assert_eq!(
            all,
            [Duration::from_secs(60)],
            "a second 60 s wait would pass 90 s"
        );
    }
}
