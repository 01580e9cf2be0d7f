//! The account endpoints on the request core: the balance (typed, the
//! amount kept as the provider's exact decimal text) and the usage summary
//! (its `data` is undocumented, so it is returned as sent).

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::api_response::ApiResponse;
use crate::client::Client;
use crate::error::Error;
use crate::redact::EXCERPT_CHARS;
use crate::redact::excerpt;

/// The account's balance (`GET /user/get-balance`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Balance {
    /// The amount exactly as the provider wrote it (`"100.0000"`): a decimal
    /// text, never a float, so no digit is lost or invented. A provider that
    /// sends a JSON number gets its digits kept the same way.
    pub balance: String,
    /// The currency code (`CNY`).
    pub currency: String,
    /// The provider's `requestId`.
    pub request_id: Option<String>,
}

impl Balance {
    /// A balance built from its parts, for tests of code that takes one.
    pub fn new(
        balance: impl Into<String>,
        currency: impl Into<String>,
        request_id: Option<String>,
    ) -> Balance {
        Balance {
            balance: balance.into(),
            currency: currency.into(),
            request_id,
        }
    }
}

impl Client {
    /// The account's balance.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), justone_xhs::Error> {
    /// let client = justone_xhs::Client::builder().build()?;
    /// let balance = client.balance().await?;
    /// println!("{} {}", balance.balance, balance.currency);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`note_feed`](Self::note_feed); [`Error::Decode`] when `data` has
    /// no `balance` (string or number) and `currency`.
    pub async fn balance(&self) -> Result<Balance, Error> {
        self.execute(
            "getUserGetBalance",
            |raw, token| Box::pin(raw.get_user_get_balance().token(token).send()),
            Balance::from_response,
        )
        .await
    }

    /// The account's usage summary, `data` as the provider sent it (its
    /// shape is undocumented).
    ///
    /// # Errors
    /// As [`note_feed`](Self::note_feed).
    pub async fn usage_summary(&self) -> Result<ApiResponse, Error> {
        self.execute(
            "getUserGetUsageSummary",
            |raw, token| Box::pin(raw.get_user_get_usage_summary().token(token).send()),
            Ok,
        )
        .await
    }
}

impl Balance {
    fn from_response(response: ApiResponse) -> Result<Balance, Error> {
        #[derive(Deserialize)]
        struct Data<'a> {
            #[serde(borrow)]
            balance: &'a RawValue,
            currency: String,
        }
        let decode_error = |reason: String| Error::Decode {
            reason,
            excerpt: response.data.as_deref().map_or_else(String::new, |data| {
                excerpt(data.get().as_bytes(), EXCERPT_CHARS, "")
            }),
            http_status: response.http_status,
        };
        let data = response
            .data
            .as_deref()
            .ok_or_else(|| decode_error("the balance response has no data".to_owned()))?;
        let parsed: Data<'_> = serde_json::from_str(data.get())
            .map_err(|e| decode_error(format!("the balance data is not {{balance, currency}}: {e}")))?;
        let balance = decimal_text(parsed.balance)
            .ok_or_else(|| decode_error(format!("the balance is not a decimal: {}", parsed.balance.get())))?;
        Ok(Balance {
            balance,
            currency: parsed.currency,
            request_id: response.request_id.clone(),
        })
    }
}

/// A JSON string's content or a JSON number's own digits, without going
/// through a float.
fn decimal_text(value: &RawValue) -> Option<String> {
    let text = value.get();
    if text.starts_with('"') {
        serde_json::from_str::<String>(text).ok()
    } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        Some(text.to_owned())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn balance(body: &str) -> Result<Balance, Error> {
        Balance::from_response(ApiResponse::from_json(body.as_bytes())?)
    }

    #[test]
    fn the_amount_keeps_its_exact_text() {
        let b =
            balance(r#"{"code":0,"data":{"balance":"0.1000","currency":"CNY"},"requestId":"r"}"#).unwrap();
        assert_eq!(
            (b.balance.as_str(), b.currency.as_str(), b.request_id.as_deref()),
            ("0.1000", "CNY", Some("r"))
        );
        let n = balance(r#"{"code":0,"data":{"balance":12345678901234567890.10,"currency":"CNY"}}"#).unwrap();
        assert_eq!(n.balance, "12345678901234567890.10");
    }

    #[test]
    fn a_balance_without_an_amount_is_a_decode_error() {
        for body in [
            r#"{"code":0,"data":null}"#,
            r#"{"code":0,"data":{"currency":"CNY"}}"#,
            r#"{"code":0,"data":{"balance":true,"currency":"CNY"}}"#,
        ] {
            assert!(matches!(balance(body), Err(Error::Decode { .. })), "{body}");
        }
        // The body was not empty, and the message quotes it rather than
        // saying it was.
        let text = balance(r#"{"code":0,"data":{"currency":"CNY"}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            text.contains(r#"body starts with "{\"currency\":\"CNY\"}""#),
            "{text}"
        );
        assert!(!text.contains("empty body"), "{text}");
    }
}
