//! `--fields`: the record's fields by name, and each field's value as JSON
//! (jsonl, json), as text (csv cells, table cells).

use std::fmt;
use std::io;

use crate::record::Record;

/// A field of the [`Record`]. `author` and `category` are objects in JSON;
/// their parts can be chosen alone, and CSV always spells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Channel,
    Page,
    Id,
    Type,
    Title,
    Desc,
    Likes,
    Author,
    AuthorId,
    AuthorNickname,
    Category,
    CategoryId,
    CategoryName,
    Timestamp,
    IsAds,
    Cover,
    FetchedAt,
    RequestId,
}

/// Every field that `--fields` accepts, with its name, in the enum's order.
const NAMES: [(Field, &str); 18] = [
    (Field::Channel, "channel"),
    (Field::Page, "page"),
    (Field::Id, "id"),
    (Field::Type, "type"),
    (Field::Title, "title"),
    (Field::Desc, "desc"),
    (Field::Likes, "likes"),
    (Field::Author, "author"),
    (Field::AuthorId, "author_id"),
    (Field::AuthorNickname, "author_nickname"),
    (Field::Category, "category"),
    (Field::CategoryId, "category_id"),
    (Field::CategoryName, "category_name"),
    (Field::Timestamp, "timestamp"),
    (Field::IsAds, "is_ads"),
    (Field::Cover, "cover"),
    (Field::FetchedAt, "fetched_at"),
    (Field::RequestId, "request_id"),
];

/// The record's own fields, in its order: what jsonl, json and csv write
/// without `--fields`.
pub const RECORD: [Field; 14] = [
    Field::Channel,
    Field::Page,
    Field::Id,
    Field::Type,
    Field::Title,
    Field::Desc,
    Field::Likes,
    Field::Author,
    Field::Category,
    Field::Timestamp,
    Field::IsAds,
    Field::Cover,
    Field::FetchedAt,
    Field::RequestId,
];

/// The table's columns without `--fields`: what fits a terminal.
pub const TABLE: [Field; 6] = [
    Field::Channel,
    Field::Page,
    Field::Likes,
    Field::Type,
    Field::Author,
    Field::Title,
];

/// The fields a `--fields` list names, in its order, each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldList(pub Vec<Field>);

impl FieldList {
    /// Parses `id,title,likes`: an unknown name is refused, naming every
    /// field there is.
    pub fn parse(list: &str) -> Result<FieldList, String> {
        let mut fields = Vec::new();
        for name in list.split(',').map(str::trim).filter(|name| !name.is_empty()) {
            let field = NAMES
                .iter()
                .find(|(_, known)| known.eq_ignore_ascii_case(name))
                .map(|(field, _)| *field)
                .ok_or_else(|| {
                    let shown: String = name.chars().take(40).collect();
                    format!("unknown field {shown:?}; the record's fields are {}", allowed())
                })?;
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
        if fields.is_empty() {
            return Err(format!("no field named; the record's fields are {}", allowed()));
        }
        Ok(FieldList(fields))
    }
}

impl fmt::Display for FieldList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|field| field.name()).collect();
        f.write_str(&names.join(","))
    }
}

fn allowed() -> String {
    NAMES.iter().map(|(_, name)| *name).collect::<Vec<_>>().join(", ")
}

impl Field {
    pub fn name(self) -> &'static str {
        // NAMES lists the fields in the enum's order (a test checks).
        NAMES[self as usize].1
    }

    /// The fields CSV writes for this one: an object's parts.
    pub fn columns(self) -> Vec<Field> {
        match self {
            Field::Author => vec![Field::AuthorId, Field::AuthorNickname],
            Field::Category => vec![Field::CategoryId, Field::CategoryName],
            field => vec![field],
        }
    }

    /// Writes the field's value as JSON.
    pub fn write_json(self, record: &Record<'_>, out: &mut Vec<u8>) -> io::Result<()> {
        let author = &record.author;
        let category = record.category.as_ref();
        match self {
            Field::Channel => serde_json::to_writer(out, record.channel),
            Field::Page => serde_json::to_writer(out, &record.page),
            Field::Id => serde_json::to_writer(out, &record.id),
            Field::Type => serde_json::to_writer(out, &record.kind),
            Field::Title => serde_json::to_writer(out, &record.title),
            Field::Desc => serde_json::to_writer(out, &record.desc),
            Field::Likes => serde_json::to_writer(out, &record.likes),
            Field::Author => serde_json::to_writer(out, author),
            Field::AuthorId => serde_json::to_writer(out, &author.id),
            Field::AuthorNickname => serde_json::to_writer(out, &author.nickname),
            Field::Category => serde_json::to_writer(out, &record.category),
            Field::CategoryId => serde_json::to_writer(out, &category.map(|c| c.id)),
            Field::CategoryName => serde_json::to_writer(out, &category.map(|c| c.name)),
            Field::Timestamp => serde_json::to_writer(out, &record.timestamp),
            Field::IsAds => serde_json::to_writer(out, &record.is_ads),
            Field::Cover => serde_json::to_writer(out, &record.cover),
            Field::FetchedAt => serde_json::to_writer(out, record.fetched_at),
            Field::RequestId => serde_json::to_writer(out, &record.request_id),
        }
        .map_err(io::Error::from)
    }

    /// The field's value as text, empty when absent: an object shows its
    /// name (the author's nickname, the category's name).
    pub fn text(self, record: &Record<'_>) -> String {
        let text = |value: Option<&str>| value.unwrap_or_default().to_owned();
        let show = |value: Option<String>| value.unwrap_or_default();
        let category = record.category.as_ref();
        match self {
            Field::Channel => record.channel.to_owned(),
            Field::Page => record.page.to_string(),
            Field::Id => text(record.id),
            Field::Type => text(record.kind),
            Field::Title => text(record.title),
            Field::Desc => text(record.desc),
            Field::Likes => show(record.likes.map(|l| l.to_string())),
            Field::Author | Field::AuthorNickname => text(record.author.nickname),
            Field::AuthorId => text(record.author.id),
            Field::Category | Field::CategoryName => text(category.map(|c| c.name)),
            Field::CategoryId => text(category.map(|c| c.id)),
            Field::Timestamp => show(record.timestamp.map(|t| t.to_string())),
            Field::IsAds => show(record.is_ads.map(|a| a.to_string())),
            Field::Cover => text(record.cover),
            Field::FetchedAt => record.fetched_at.to_owned(),
            Field::RequestId => text(record.request_id),
        }
    }
}

/// Writes the chosen fields of `record` as one JSON object, in the order
/// chosen.
pub fn write_json_object(fields: &[Field], record: &Record<'_>, out: &mut Vec<u8>) -> io::Result<()> {
    out.push(b'{');
    for (n, field) in fields.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut *out, field.name()).map_err(io::Error::from)?;
        out.push(b':');
        field.write_json(record, out)?;
    }
    out.push(b'}');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use justone_xhs::{Channel, FeedPage};

    fn page() -> FeedPage {
        let body = r#"{"code":0,"requestId":"r-1","data":[{"id":"n1","type":"video","title":"成都樱花",
            "desc":"d","likes":"1.2万","user":{"userid":"u1","nickname":"阿花"},
            "timestamp":1700000000000,"is_ads":false}]}"#;
        FeedPage::from_json(Channel::Food, 2, body.as_bytes()).unwrap()
    }

    #[test]
    fn every_field_of_the_record_writes_what_the_record_serializes() {
        let page = page();
        let record = Record::new(&page, &page.items[0], "2026-11-27T10:00:00.123Z");
        let mut projected = Vec::new();
        write_json_object(&RECORD, &record, &mut projected).unwrap();
        assert_eq!(
            String::from_utf8(projected).unwrap(),
            serde_json::to_string(&record).unwrap()
        );
    }

    #[test]
    fn a_list_is_read_in_order_once_each_and_unknown_names_are_refused() {
        let list = FieldList::parse("title, id,,TITLE,author_nickname").unwrap();
        assert_eq!(list.0, [Field::Title, Field::Id, Field::AuthorNickname]);
        assert_eq!(list.to_string(), "title,id,author_nickname");
        let error = FieldList::parse("id,views").unwrap_err();
        assert!(
            error.contains("\"views\"") && error.contains("fetched_at, request_id"),
            "{error}"
        );
        assert!(FieldList::parse(" , ").is_err());
    }

    #[test]
    fn every_field_has_one_name() {
        for (field, name) in NAMES {
            assert_eq!(field.name(), name);
            assert_eq!(FieldList::parse(name).unwrap().0, [field]);
        }
    }
}
