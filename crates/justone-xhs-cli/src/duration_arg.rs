//! Durations on the command line (`--since 24h`, `--every 30m`): a whole
//! number and one unit, `s`, `m`, `h` or `d`.

use std::time::Duration;

/// Parses `90s`, `30m`, `24h`, `7d`; zero and anything else is refused.
pub fn parse(text: &str) -> Result<Duration, String> {
    let refused =
        || format!("{text:?} is not a duration: write a whole number and s, m, h or d (30m, 24h, 7d)");
    let text = text.trim();
    let split = text.len().saturating_sub(1);
    let (number, unit) = (
        text.get(..split).ok_or_else(refused)?,
        text.get(split..).ok_or_else(refused)?,
    );
    let seconds: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(refused()),
    };
    number
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .and_then(|n| n.checked_mul(seconds))
        // Beyond a century no harvest or window makes sense, and sleeping
        // that long would overflow an Instant on some platforms.
        .filter(|secs| *secs <= 100 * 365 * 86_400)
        .map(Duration::from_secs)
        .ok_or_else(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_read() {
        for (text, secs) in [
            ("1s", 1),
            ("30m", 1800),
            ("24h", 86_400),
            ("7d", 604_800),
            ("90s", 90),
        ] {
            assert_eq!(parse(text), Ok(Duration::from_secs(secs)), "{text}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for text in [
            "",
            "h",
            "0m",
            "1.5h",
            "-1h",
            "10",
            "3w",
            "1 h",
            "99999999999d",
            "时h",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
    }
}
