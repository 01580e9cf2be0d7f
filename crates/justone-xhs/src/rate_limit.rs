//! Client-side pacing: a requests-per-second limit (`governor`) and a cap on
//! requests in flight (a tokio semaphore). Both are shared by every clone of
//! a [`crate::Client`].

use std::num::NonZeroU32;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::Error;

#[derive(Debug, Default)]
pub(crate) struct Limits {
    rate: Option<DefaultDirectRateLimiter>,
    in_flight: Option<Semaphore>,
}

impl Limits {
    pub(crate) fn new(
        requests_per_second: Option<f64>,
        max_concurrency: Option<usize>,
    ) -> Result<Limits, Error> {
        let rate = match requests_per_second {
            None => None,
            Some(rps) if rps.is_finite() && rps > 0.0 => Some(RateLimiter::direct(quota(rps)?)),
            Some(rps) => {
                return Err(Error::Config(format!(
                    "rate limit must be a positive number, got {rps}"
                )));
            }
        };
        let in_flight = match max_concurrency {
            None => None,
            Some(0) => return Err(Error::Config("max concurrency must be at least 1".into())),
            Some(n) => Some(Semaphore::new(n)),
        };
        Ok(Limits { rate, in_flight })
    }

    /// Waits for a rate-limit slot and a concurrency permit; the permit is
    /// held until the returned guard is dropped.
    pub(crate) async fn acquire(&self) -> Option<SemaphorePermit<'_>> {
        if let Some(rate) = &self.rate {
            rate.until_ready().await;
        }
        match &self.in_flight {
            // The semaphore is never closed, so acquiring only fails if it were.
            Some(semaphore) => semaphore.acquire().await.ok(),
            None => None,
        }
    }
}

/// A quota of `rps` requests per second; below 1/s it is one request per
/// `1/rps` seconds.
fn quota(rps: f64) -> Result<Quota, Error> {
    let invalid = || Error::Config(format!("rate limit {rps} requests per second is out of range"));
    if rps >= 1.0 {
        let per_second = NonZeroU32::new(rps.round() as u32).ok_or_else(invalid)?;
        Ok(Quota::per_second(per_second))
    } else {
        let period = std::time::Duration::try_from_secs_f64(1.0 / rps).map_err(|_| invalid())?;
        Quota::with_period(period).ok_or_else(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_config_errors() {
        assert!(matches!(Limits::new(Some(0.0), None), Err(Error::Config(_))));
        assert!(matches!(Limits::new(Some(f64::NAN), None), Err(Error::Config(_))));
        assert!(matches!(Limits::new(None, Some(0)), Err(Error::Config(_))));
        assert!(Limits::new(Some(0.5), Some(4)).is_ok());
        assert!(Limits::new(Some(20.0), None).is_ok());
    }
}
