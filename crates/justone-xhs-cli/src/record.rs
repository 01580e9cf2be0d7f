//! The normalized record written per note (jsonl, json and csv).

use justone_xhs::{Channel, FeedItem};
use serde::Serialize;

/// One note, flattened for scripts. JSON nests `author` and `category`;
/// CSV spells them `author_id`, `author_nickname`, `category_id`,
/// `category_name`.
#[derive(Debug, Serialize)]
pub struct Record<'a> {
    pub channel: &'a str,
    pub page: u32,
    pub id: Option<&'a str>,
    #[serde(rename = "type")]
    pub kind: Option<&'a str>,
    pub title: Option<&'a str>,
    pub desc: Option<&'a str>,
    pub likes: Option<u64>,
    pub author: Author<'a>,
    pub category: Option<Category<'a>>,
    pub timestamp: Option<i64>,
    pub is_ads: Option<bool>,
    pub cover: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct Author<'a> {
    pub id: Option<&'a str>,
    pub nickname: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct Category<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

impl<'a> Record<'a> {
    /// The record's fields in JSON, in order (what an MCP call's `fields`
    /// may name).
    #[cfg_attr(not(feature = "mcp"), allow(dead_code))]
    pub const FIELDS: [&'static str; 12] = [
        "channel",
        "page",
        "id",
        "type",
        "title",
        "desc",
        "likes",
        "author",
        "category",
        "timestamp",
        "is_ads",
        "cover",
    ];

    pub fn new(channel: &'a Channel, page: u32, item: &'a FeedItem) -> Record<'a> {
        let author = item.author.as_ref();
        Record {
            channel: channel.oid(),
            page,
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
        }
    }
}

/// The CSV columns, in order.
pub const CSV_HEADER: [&str; 14] = [
    "channel",
    "page",
    "id",
    "type",
    "title",
    "desc",
    "likes",
    "author_id",
    "author_nickname",
    "category_id",
    "category_name",
    "timestamp",
    "is_ads",
    "cover",
];

impl Record<'_> {
    /// The CSV row matching [`CSV_HEADER`].
    pub fn csv_row(&self) -> [String; 14] {
        let text = |v: Option<&str>| v.unwrap_or_default().to_owned();
        let show = |v: Option<String>| v.unwrap_or_default();
        [
            self.channel.to_owned(),
            self.page.to_string(),
            text(self.id),
            text(self.kind),
            text(self.title),
            text(self.desc),
            show(self.likes.map(|l| l.to_string())),
            text(self.author.id),
            text(self.author.nickname),
            text(self.category.as_ref().map(|c| c.id)),
            text(self.category.as_ref().map(|c| c.name)),
            show(self.timestamp.map(|t| t.to_string())),
            show(self.is_ads.map(|a| a.to_string())),
            text(self.cover),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_names_every_field_of_the_json_record() {
        let item: justone_xhs::FeedItem = serde_json::from_str(r#"{"id":"n1"}"#).unwrap();
        let record = serde_json::to_value(Record::new(&Channel::Food, 1, &item)).unwrap();
        let keys: Vec<&str> = record.as_object().unwrap().keys().map(String::as_str).collect();
        let mut fields = Record::FIELDS.to_vec();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        fields.sort_unstable();
        assert_eq!(sorted, fields);
    }
}
