//! Named methods for the operations people harvest most, each a few lines
//! on [`OperationCall`], with Rust enums for the values the documents list.
//! Each picks the version of its operation that the provider neither
//! deprecates nor hides (a hidden one is about to be removed): the method's
//! doc names it and why. `data` comes back as sent: the documents give no
//! schema for it (see [`ApiResponse::json`](crate::ApiResponse::json)).

use justone_gen::operations::ids;

use crate::client::Client;
use crate::operation_call::OperationCall;

/// Declares an enum of documented parameter values with their wire text.
macro_rules! documented_values {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// The value as the API takes it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
    };
}

documented_values! {
    /// How [`Client::search_notes`] orders its results (`sort`).
    NoteSort {
        /// The provider's default ranking.
        General => "general",
        /// Most popular first.
        PopularityDescending => "popularity_descending",
        /// Newest first.
        TimeDescending => "time_descending",
        /// Most commented first.
        CommentDescending => "comment_descending",
        /// Most collected first.
        CollectDescending => "collect_descending",
    }
}

documented_values! {
    /// Which notes [`Client::search_notes`] returns (`noteType`).
    NoteType {
        /// Every kind (the default).
        All => "_0",
        /// Videos only.
        Video => "_1",
        /// Image-and-text notes only.
        Normal => "_2",
    }
}

documented_values! {
    /// How recent [`Client::search_notes`]'s notes are (`noteTime`; the
    /// provider warns that results may fall outside it).
    PublishedWithin {
        /// One day.
        OneDay => "ONE_DAY",
        /// One week.
        OneWeek => "ONE_WEEK",
        /// Half a year.
        HalfYear => "HALF_YEAR",
    }
}

documented_values! {
    /// How [`Client::note_comments`] orders comments (`sort`).
    CommentSort {
        /// The provider's default order.
        Normal => "normal",
        /// Newest first (the default).
        Latest => "latest",
        /// Most liked first.
        LikeCount => "like_count",
    }
}

documented_values! {
    /// How [`Client::topic_notes`] orders notes (`sort`).
    TopicSort {
        /// Newest first.
        Time => "time",
        /// Hottest first (the default).
        Hot => "hot",
    }
}

impl Client {
    /// Notes matching `keyword`; pages by `page`. `search-note/v2`: v1 and
    /// v3 are hidden upstream, and v4 spells its values differently
    /// (`sortType`, `ALL`), so these enums would not fit it.
    ///
    /// ```no_run
    /// use justone_xhs::{NoteSort, NoteType};
    ///
    /// # async fn run(client: justone_xhs::Client) -> Result<(), justone_xhs::Error> {
    /// let answer = client
    ///     .search_notes("coffee", NoteSort::TimeDescending, NoteType::Video)
    ///     .send()
    ///     .await?;
    /// let first_three = client
    ///     .search_notes("coffee", NoteSort::General, NoteType::All)
    ///     .pages()?
    ///     .limit(3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn search_notes(&self, keyword: &str, sort: NoteSort, note_type: NoteType) -> OperationCall {
        self.operation(ids::GET_API_XIAOHONGSHU_SEARCH_NOTE_V2)
            .param("keyword", keyword)
            .param("sort", sort)
            .param("noteType", note_type)
    }

    /// A note's comments (`noteId`: an id or an explore URL); pages by
    /// cursor. `get-note-comment/v2`: v3 and v4 are hidden upstream.
    pub fn note_comments(&self, note_id: &str, sort: CommentSort) -> OperationCall {
        self.operation(ids::GET_API_XIAOHONGSHU_GET_NOTE_COMMENT_V2)
            .param("noteId", note_id)
            .param("sort", sort)
    }

    /// The replies to one comment of a note; pages by cursor.
    /// `get-note-sub-comment/v2`, the only version.
    pub fn comment_replies(&self, note_id: &str, comment_id: &str) -> OperationCall {
        self.operation(ids::GET_API_XIAOHONGSHU_GET_NOTE_SUB_COMMENT_V2)
            .param("noteId", note_id)
            .param("commentId", comment_id)
    }

    /// A user's profile (`userId`: an id or a profile URL). `get-user/v3`:
    /// v4 is hidden upstream.
    pub fn user_profile(&self, user_id: &str) -> OperationCall {
        self.operation(ids::GET_API_XIAOHONGSHU_GET_USER_V3)
            .param("userId", user_id)
    }

    /// The notes a user published; pages by the last note's cursor.
    /// `get-user-note-list/v4`: v1 to v3 are hidden upstream.
    pub fn user_notes(&self, user_id: &str) -> OperationCall {
        self.operation(ids::GET_API_XIAOHONGSHU_GET_USER_NOTE_LIST_V4)
            .param("userId", user_id)
    }

    /// The notes of a topic; pages by cursor. `get-topic-note-list/v1`,
    /// the only version.
    pub fn topic_notes(&self, topic_id: &str, sort: TopicSort) -> OperationCall {
        self.operation(ids::GET_API_XIAOHONGSHU_GET_TOPIC_NOTE_LIST_V1)
            .param("topicId", topic_id)
            .param("sort", sort)
    }

    /// Trending searches; pages by `pageNum`. `hot-search/v1`: the hot
    /// list (`hot-list/v1`) is hidden upstream. Its other filters
    /// (`searchWord`, `orderBy`, `nd`, `noteContentCategory`) go through
    /// [`OperationCall::param`].
    pub fn hot_search(&self) -> OperationCall {
        self.operation(ids::GET_API_XIAOHONGSHU_HOT_SEARCH_V1)
    }

    /// Users matching `keyword`; pages by `page`. `search-user/v2`, the
    /// only version.
    pub fn search_users(&self, keyword: &str) -> OperationCall {
        self.operation(ids::GET_API_XIAOHONGSHU_SEARCH_USER_V2)
            .param("keyword", keyword)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use justone_gen::operations::operation;

    /// Every enum value is one the document lists for its parameter, and
    /// every operation chosen is neither deprecated nor hidden.
    #[test]
    fn typed_values_and_versions_are_the_documents() {
        let listed = |id: &str, param: &str| operation(id).unwrap().param(param).unwrap().enum_values;
        let search = ids::GET_API_XIAOHONGSHU_SEARCH_NOTE_V2;
        for value in [
            NoteSort::General,
            NoteSort::PopularityDescending,
            NoteSort::TimeDescending,
            NoteSort::CommentDescending,
            NoteSort::CollectDescending,
        ] {
            assert!(listed(search, "sort").contains(&value.as_str()), "{value:?}");
        }
        for value in [NoteType::All, NoteType::Video, NoteType::Normal] {
            assert!(listed(search, "noteType").contains(&value.as_str()), "{value:?}");
        }
        for value in [
            PublishedWithin::OneDay,
            PublishedWithin::OneWeek,
            PublishedWithin::HalfYear,
        ] {
            assert!(listed(search, "noteTime").contains(&value.as_str()), "{value:?}");
        }
        for value in [CommentSort::Normal, CommentSort::Latest, CommentSort::LikeCount] {
            assert!(listed(ids::GET_API_XIAOHONGSHU_GET_NOTE_COMMENT_V2, "sort").contains(&value.as_str()));
        }
        for value in [TopicSort::Time, TopicSort::Hot] {
            assert!(
                listed(ids::GET_API_XIAOHONGSHU_GET_TOPIC_NOTE_LIST_V1, "sort").contains(&value.as_str())
            );
        }
        for id in [
            search,
            ids::GET_API_XIAOHONGSHU_GET_NOTE_COMMENT_V2,
            ids::GET_API_XIAOHONGSHU_GET_NOTE_SUB_COMMENT_V2,
            ids::GET_API_XIAOHONGSHU_GET_USER_V3,
            ids::GET_API_XIAOHONGSHU_GET_USER_NOTE_LIST_V4,
            ids::GET_API_XIAOHONGSHU_GET_TOPIC_NOTE_LIST_V1,
            ids::GET_API_XIAOHONGSHU_HOT_SEARCH_V1,
            ids::GET_API_XIAOHONGSHU_SEARCH_USER_V2,
            ids::GET_API_XIAOHONGSHU_GET_NOTE_DETAIL_V1,
        ] {
            let op = operation(id).unwrap();
            assert!(!op.deprecated && !op.hidden, "{id}");
        }
    }
}
