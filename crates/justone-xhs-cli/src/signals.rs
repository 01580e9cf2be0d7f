//! SIGINT and SIGTERM as values, so that a harvest can stop starting
//! requests, write what it has and exit with 130 or 143.

use crate::exit_code::Exit;

/// A signal that asks the run to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    /// The conventional exit status: 128 + the signal number.
    pub fn exit(self) -> Exit {
        match self {
            Signal::Interrupt => Exit::Interrupted,
            Signal::Terminate => Exit::Terminated,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

/// Listens for SIGINT and SIGTERM from creation on. When the handlers cannot
/// be installed, the signals keep their default effect (the process ends)
/// and `recv` never returns.
pub struct Signals {
    #[cfg(unix)]
    handlers: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    pub fn new() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let handlers = signal(SignalKind::interrupt())
                .and_then(|int| Ok((int, signal(SignalKind::terminate())?)))
                .ok();
            Signals { handlers }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// The next signal.
    pub async fn recv(&mut self) -> Signal {
        #[cfg(unix)]
        if let Some((int, term)) = self.handlers.as_mut() {
            tokio::select! {
                Some(()) = int.recv() => return Signal::Interrupt,
                Some(()) = term.recv() => return Signal::Terminate,
                else => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_ok() {
            return Signal::Interrupt;
        }
        std::future::pending().await
    }
}

/// Runs `open` on a blocking thread, so that SIGINT and SIGTERM still stop
/// the command while it waits (opening a named pipe waits for a reader).
pub async fn unless_signalled<T: Send + 'static>(
    signals: &mut Signals,
    open: impl FnOnce() -> Result<T, Exit> + Send + 'static,
) -> Result<T, Exit> {
    tokio::select! {
        opened = tokio::task::spawn_blocking(open) => opened.unwrap_or(Err(Exit::Other)),
        signal = signals.recv() => {
            crate::diagnostics::say(format_args!("stopped by {} before any request was sent", signal.name()));
            Err(signal.exit())
        }
    }
}
