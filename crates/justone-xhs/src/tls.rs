//! The `reqwest` builder a [`Client`](crate::Client) starts from, set up for
//! the TLS backend the cargo features chose, without touching process-wide
//! state: a library that called rustls' `install_default` would change the
//! crypto provider of the whole host application, and lose to (or break) an
//! application that installs its own.
//!
//! | features | backend |
//! |---|---|
//! | `native-tls` | the platform's TLS library |
//! | `rustls-aws-lc-rs` (without `native-tls`) | rustls, aws-lc-rs provider |
//! | `rustls` (the default, alone) | rustls, ring provider |
//! | none | plain HTTP only: `https` requests fail |
//!
//! When several are enabled (e.g. a dependent adds `native-tls` and keeps the
//! defaults) the one asked for in addition to the default wins.

use crate::error::Error;

/// A `reqwest::ClientBuilder` with the selected TLS backend.
///
/// # Errors
/// [`Error::InvalidSetting`] (`tls`) when the TLS configuration cannot be
/// built (rustls: the platform's certificate verifier is unavailable).
///
/// Redirects are not followed and no `Referer` is sent: the token is in the
/// query string, and following a `Location` would hand it (as the Referer,
/// or in the next request) to whatever host the answer names. A 3xx is an
/// answer like any other HTTP error.
pub(crate) fn http_client_builder() -> Result<reqwest::ClientBuilder, Error> {
    Ok(backend::builder()?
        .redirect(reqwest::redirect::Policy::none())
        .referer(false))
}

#[cfg(feature = "native-tls")]
mod backend {
    use crate::error::Error;

    pub(super) fn builder() -> Result<reqwest::ClientBuilder, Error> {
        Ok(reqwest::Client::builder().tls_backend_native())
    }
}

#[cfg(all(
    not(feature = "native-tls"),
    any(feature = "rustls", feature = "rustls-aws-lc-rs")
))]
mod backend {
    use std::sync::Arc;

    use rustls::crypto::CryptoProvider;
    use rustls_platform_verifier::BuilderVerifierExt;

    use crate::error::Error;

    pub(super) fn builder() -> Result<reqwest::ClientBuilder, Error> {
        let failed = |e: rustls::Error| Error::InvalidSetting {
            name: "tls",
            reason: format!("cannot be set up: {e}"),
        };
        // The provider goes into this client's configuration only, never into
        // rustls' process-wide default.
        let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(provider()))
            .with_safe_default_protocol_versions()
            .map_err(failed)?
            // The operating system's trust store and revocation checks, as
            // reqwest's own rustls set-up uses.
            .with_platform_verifier()
            .map_err(failed)?
            .with_no_client_auth();
        // reqwest sets ALPN only in configurations it builds itself; a
        // preconfigured one must offer what the connector can speak.
        config.alpn_protocols = if cfg!(feature = "http2") {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        Ok(reqwest::Client::builder().tls_backend_preconfigured(config))
    }

    #[cfg(feature = "rustls-aws-lc-rs")]
    fn provider() -> CryptoProvider {
        rustls::crypto::aws_lc_rs::default_provider()
    }

    #[cfg(not(feature = "rustls-aws-lc-rs"))]
    fn provider() -> CryptoProvider {
        rustls::crypto::ring::default_provider()
    }
}

#[cfg(not(any(feature = "native-tls", feature = "rustls", feature = "rustls-aws-lc-rs")))]
mod backend {
    use crate::error::Error;

    /// No TLS feature: the client speaks plain HTTP (the demo server, the
    /// China region's host, a local proxy); `https` URLs fail when requested.
    pub(super) fn builder() -> Result<reqwest::ClientBuilder, Error> {
        Ok(reqwest::Client::builder())
    }
}

#[cfg(all(test, any(feature = "rustls", feature = "rustls-aws-lc-rs")))]
mod tests {
    use std::process::Command;

    /// Set in the child process that runs the check alone.
    const CHILD: &str = "JUSTONE_XHS_TLS_TEST_CHILD";
    const THIS_TEST: &str = "tls::tests::building_a_client_installs_no_process_wide_provider";

    /// Other tests in this binary build clients in parallel, so the check
    /// runs in a child process of its own, where nothing else ran before it.
    #[test]
    fn building_a_client_installs_no_process_wide_provider() {
        if std::env::var_os(CHILD).is_some() {
            assert!(rustls::crypto::CryptoProvider::get_default().is_none());
            let built = crate::Client::builder().token("t").build();
            assert!(built.is_ok(), "{built:?}");
            assert!(
                rustls::crypto::CryptoProvider::get_default().is_none(),
                "building a client installed a process-wide crypto provider"
            );
            return;
        }
        let this_binary = std::env::current_exe().expect("the test binary's path");
        let child = Command::new(this_binary)
            .args(["--exact", THIS_TEST, "--test-threads", "1"])
            .env(CHILD, "1")
            .output()
            .expect("the test binary runs");
        let stdout = String::from_utf8_lossy(&child.stdout);
        assert!(
            child.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&child.stderr)
        );
        // A filter that matched nothing would pass vacuously.
        assert!(stdout.contains("1 passed"), "{stdout}");
    }
}
