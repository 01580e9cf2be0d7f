//! The normalized record written per note (jsonl, json, csv, table, the
//! SQLite store's `records` view, MCP results), with its provenance: when
//! it was fetched and the `requestId` of the answer that carried it.

use justone_xhs::{FeedItem, FeedPage};
use schemars::JsonSchema;
use serde::Serialize;

/// One note, flattened for scripts. JSON nests `author` and `category`;
/// CSV spells them `author_id`, `author_nickname`, `category_id`,
/// `category_name`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = every_field_written)]
#[schemars(
    title = "justone-xhs record",
    description = "One note of a Xiaohongshu feed page, as justone-xhs writes it (jsonl, json, csv flattened, the SQLite records view)."
)]
pub struct Record<'a> {
    /// The channel's oid (`homefeed_food_v3`).
    pub channel: &'a str,
    /// The feed page the note was on.
    pub page: u32,
    /// The note id (absent on items without one).
    pub id: Option<&'a str>,
    /// `normal` (images) or `video`, or what the provider sent.
    #[serde(rename = "type")]
    pub kind: Option<&'a str>,
    /// The title, or the display title when the note has no title.
    pub title: Option<&'a str>,
    pub desc: Option<&'a str>,
    /// Likes; `10万+` reads as its lower bound 100000.
    pub likes: Option<u64>,
    pub author: Author<'a>,
    pub category: Option<Category<'a>>,
    /// The publish time, seconds since the Unix epoch.
    pub timestamp: Option<i64>,
    pub is_ads: Option<bool>,
    /// The first image's URL.
    pub cover: Option<&'a str>,
    /// When the answer carrying the note arrived (RFC 3339, UTC,
    /// milliseconds: `2026-11-27T10:00:00.123Z`).
    #[schemars(extend("format" = "date-time"))]
    pub fetched_at: &'a str,
    /// The provider's `requestId` of that answer.
    pub request_id: Option<&'a str>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = every_field_written)]
pub struct Author<'a> {
    pub id: Option<&'a str>,
    pub nickname: Option<&'a str>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = every_field_written)]
pub struct Category<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

/// The schema says what the serializer does: every field is written
/// (`null` when absent, never left out), and no other.
fn every_field_written(schema: &mut schemars::Schema) {
    let names: Vec<serde_json::Value> = schema
        .get("properties")
        .and_then(serde_json::Value::as_object)
        .map(|properties| properties.keys().map(|name| name.as_str().into()).collect())
        .unwrap_or_default();
    schema.insert("required".to_owned(), names.into());
    schema.insert("additionalProperties".to_owned(), false.into());
}

impl<'a> Record<'a> {
    /// The record of `item`, one of `page`'s items, fetched at `fetched_at`.
    pub fn new(page: &'a FeedPage, item: &'a FeedItem, fetched_at: &'a str) -> Record<'a> {
        let author = item.author.as_ref();
        Record {
            channel: page.channel.oid(),
            page: page.page,
            id: item.id.as_deref(),
            kind: item.kind.as_ref().map(|k| k.as_str()),
            title: item.title.as_deref().or(item.display_title.as_deref()),
            desc: item.desc.as_deref(),
            likes: item.likes,
            author: Author {
                id: author.and_then(|a| a.id.as_deref()),
                nickname: author.and_then(|a| a.nickname.as_deref()),
            },
            category: item.category.as_ref().map(|c| Category {
                id: &c.id,
                name: &c.name,
            }),
            timestamp: item.timestamp,
            is_ads: item.is_ads,
            cover: item.cover_url(),
            fetched_at,
            request_id: page.request_id.as_deref(),
        }
    }
}
