//! Note Detail V1 (`GET /api/xiaohongshu/get-note-detail/v1`) on the request
//! core: a typed parameter, `data` returned as the provider sent it (the
//! document gives no schema for it).

use crate::api_response::ApiResponse;
use crate::client::Client;
use crate::error::Error;

impl Client {
    /// One note's details by its id.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), justone_xhs::Error> {
    /// let client = justone_xhs::Client::builder().build()?;
    /// let note = client.note_detail("64f0c0a1000000001f03a1b2").await?;
    /// println!("{}", note.data_str().unwrap_or("null"));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`note_feed`](Self::note_feed).
    pub async fn note_detail(&self, note_id: &str) -> Result<ApiResponse, Error> {
        self.execute(
            "getApiXiaohongshuGetNoteDetailV1",
            |raw, token| {
                Box::pin(
                    raw.get_api_xiaohongshu_get_note_detail_v1()
                        .token(token)
                        .note_id(note_id)
                        .send(),
                )
            },
            Ok,
        )
        .await
    }
}
