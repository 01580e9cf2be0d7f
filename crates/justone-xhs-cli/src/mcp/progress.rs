//! `notifications/progress` for a call whose request carried
//! `_meta.progressToken`: one after each page, so that a host can show how a
//! long call is going (and an agent can tell a slow call from a stuck one).

use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::service::RequestContext;
use rmcp::{Peer, RoleServer};

/// Where a call's progress goes; nowhere without a progress token.
pub struct Progress {
    peer: Peer<RoleServer>,
    token: Option<ProgressToken>,
    total: u32,
    done: u32,
}

impl Progress {
    /// Progress of the call `context`, out of `total` pages.
    pub fn new(context: &RequestContext<RoleServer>, total: u32) -> Progress {
        Progress {
            peer: context.peer.clone(),
            token: context.meta.get_progress_token(),
            total,
            done: 0,
        }
    }

    /// One more page fetched; `what` says what it held.
    pub async fn page(&mut self, page: u32, what: &str) {
        self.done += 1;
        let Some(token) = self.token.clone() else {
            return;
        };
        let note = ProgressNotificationParam::new(token, f64::from(self.done))
            .with_total(f64::from(self.total))
            .with_message(format!("page {page}: {what}"));
        // A host that went away gets no progress; the call itself goes on
        // until its cancellation says otherwise.
        let _ = self.peer.notify_progress(note).await;
    }
}
