//! Walking any paged operation page by page, as a `futures::Stream`: the
//! page walk of every operation but the feed (which has its own typed walk,
//! [`Pages`](crate::Pages)), shared by the library and the CLI's `api`.
//! What comes next is [`crate::paging`]'s rule; every request goes through
//! the request core, with its retries, budget, cancellation and redaction.

use futures::Stream;
use futures::stream;
use justone_gen::operations::OperationInfo;
use serde_json::value::RawValue;

use crate::api_response::ApiResponse;
use crate::client::Client;
use crate::error::Error;
use crate::paging::{CursorsSent, NextPage, next_page};

/// Configures a walk over an operation's pages; see
/// [`Client::operation_pages`].
#[derive(Debug, Clone)]
#[must_use]
pub struct OperationPages {
    client: Client,
    operation: &'static OperationInfo,
    params: Vec<(String, String)>,
    limit: u32,
    cursor_field: Option<String>,
}

/// One page of a walk.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OperationPage {
    /// The answer, `data` as sent.
    pub answer: ApiResponse,
    /// The parameters this page was requested with.
    pub sent: Vec<(String, String)>,
    /// What follows: the next page's parameters, or why there is none.
    pub next: NextPage,
}

impl OperationPage {
    /// The items of the page: its list as the paging rule finds it
    /// (`data` itself when it is an array, else `items`, `notes`,
    /// `comments`, …), each as sent; empty when the answer has none.
    ///
    /// ```
    /// # use justone_xhs::ApiResponse;
    /// # fn items_of(page: &justone_xhs::OperationPage) -> usize {
    /// page.items().len()
    /// # }
    /// ```
    pub fn items(&self) -> Vec<Box<RawValue>> {
        let Some(data) = self.answer.data_str() else {
            return Vec::new();
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(data) else {
            return Vec::new();
        };
        let Some(path) = crate::paging::list_path(&value) else {
            return Vec::new();
        };
        // Followed through the text as sent, so that each item keeps its
        // bytes (a parsed value would reorder its keys).
        let mut text: Box<RawValue> = match RawValue::from_string(data.to_owned()) {
            Ok(text) => text,
            Err(_) => return Vec::new(),
        };
        for key in path {
            let Ok(mut object) =
                serde_json::from_str::<std::collections::HashMap<String, Box<RawValue>>>(text.get())
            else {
                return Vec::new();
            };
            match object.remove(key) {
                Some(inner) => text = inner,
                None => return Vec::new(),
            }
        }
        serde_json::from_str(text.get()).unwrap_or_default()
    }
}

impl Client {
    /// The pages of `operation_id` from `params` on, at most 10 of them,
    /// one request at a time; the stream ends on the page after which the
    /// answer says there is no more, after an error, or after a page whose
    /// shape does not say what comes next (its [`OperationPage::next`] says
    /// why). An operation that does not page gives one page.
    ///
    /// ```no_run
    /// use futures::StreamExt;
    ///
    /// # async fn run() -> Result<(), justone_xhs::Error> {
    /// let client = justone_xhs::Client::builder().build()?;
    /// let walk = client
    ///     .operation_pages("getApiXiaohongshuSearchNoteV2", [("keyword", "coffee")])?
    ///     .limit(3);
    /// let mut pages = Box::pin(walk.stream());
    /// while let Some(page) = pages.next().await {
    ///     let page = page?;
    ///     println!("{} {:?}", page.answer.data_str().unwrap_or("null"), page.next);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`call_operation`](Self::call_operation) before anything is sent
    /// (an unknown operation or a parameter it refuses).
    pub fn operation_pages<I>(&self, operation_id: &str, params: I) -> Result<OperationPages, Error>
    where
        I: IntoIterator,
        I::Item: IntoParam,
    {
        let params = owned(params);
        let operation = self.checked_operation(operation_id, &params)?;
        Ok(OperationPages {
            client: self.clone(),
            operation,
            params,
            limit: 10,
            cursor_field: None,
        })
    }
}

/// One `(name, value)` parameter of an operation, owned or borrowed:
/// `[("keyword", "coffee")]` and `&vec_of_string_pairs` both serve as
/// parameters.
pub trait IntoParam {
    /// The pair as owned text.
    fn into_param(self) -> (String, String);
}

impl<K: AsRef<str>, V: AsRef<str>> IntoParam for (K, V) {
    fn into_param(self) -> (String, String) {
        (self.0.as_ref().to_owned(), self.1.as_ref().to_owned())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> IntoParam for &(K, V) {
    fn into_param(self) -> (String, String) {
        (self.0.as_ref().to_owned(), self.1.as_ref().to_owned())
    }
}

/// Parameters as owned pairs.
pub(crate) fn owned<I>(params: I) -> Vec<(String, String)>
where
    I: IntoIterator,
    I::Item: IntoParam,
{
    params.into_iter().map(IntoParam::into_param).collect()
}

impl OperationPages {
    /// The most pages to fetch (default 10).
    pub fn limit(mut self, pages: u32) -> Self {
        self.limit = pages;
        self
    }

    /// Where in `data` the next cursor is, as a JSON pointer
    /// (`/page_info/end_cursor`), for an answer the paging rule does not
    /// read.
    pub fn cursor_field(mut self, pointer: impl Into<String>) -> Self {
        self.cursor_field = Some(pointer.into());
        self
    }

    /// The operation walked.
    pub fn operation(&self) -> &'static OperationInfo {
        self.operation
    }

    /// The pages, in order. An error is yielded once and ends the stream;
    /// nothing is requested after a page whose [`OperationPage::next`] is
    /// not [`NextPage::Params`], nor after `limit` pages.
    pub fn stream(self) -> impl Stream<Item = Result<OperationPage, Error>> + Send {
        let OperationPages {
            client,
            operation,
            params,
            limit,
            cursor_field,
        } = self;
        let start = (limit > 0).then_some(params);
        let state = (start, limit, CursorsSent::default());
        stream::unfold(state, move |(params, left, mut cursors)| {
            let client = client.clone();
            let cursor_field = cursor_field.clone();
            async move {
                let sent = params?;
                let answer = match client.send_operation(operation, &sent).await {
                    Ok(answer) => answer,
                    Err(error) => return Some((Err(error), (None, 0, cursors))),
                };
                let next = next_page(operation, &sent, answer.data.as_deref(), cursor_field.as_deref());
                let next = cursors.check(operation, &sent, next);
                let left = left - 1;
                let following = match &next {
                    NextPage::Params(params) if left > 0 => Some(params.clone()),
                    _ => None,
                };
                Some((
                    Ok(OperationPage { answer, sent, next }),
                    (following, left, cursors),
                ))
            }
        })
    }

    /// The items of [`stream`](Self::stream)'s pages, flattened, each the
    /// provider's bytes (see [`OperationPage::items`]). The walk ends as
    /// the pages' does; why it ended (a [`NextPage`]) is only in the pages.
    pub fn items(self) -> impl Stream<Item = Result<Box<RawValue>, Error>> + Send {
        crate::pagination::flatten(self.stream(), |page| page.items())
    }
}
