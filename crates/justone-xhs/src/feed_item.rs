//! One note of the feed: typed fields for what people read, and the
//! provider's JSON object kept byte for byte.

use serde::de::Deserializer;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

/// What kind of note an item is (the provider's `type`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum NoteKind {
    /// An image note (`"normal"`).
    Normal,
    /// A video note (`"video"`).
    Video,
    /// Any other value, as sent.
    #[serde(untagged)]
    Other(String),
}

impl NoteKind {
    fn parse(kind: &str) -> NoteKind {
        match kind {
            "normal" => NoteKind::Normal,
            "video" => NoteKind::Video,
            other => NoteKind::Other(other.to_owned()),
        }
    }

    /// The provider's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            NoteKind::Normal => "normal",
            NoteKind::Video => "video",
            NoteKind::Other(kind) => kind,
        }
    }
}

/// The note's author (the provider's `user`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct Author {
    /// `userid`.
    pub id: Option<String>,
    /// `nickname`.
    pub nickname: Option<String>,
    /// Avatar URL (`images`).
    pub avatar: Option<String>,
}

/// One image of the note (an entry of `images_list`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct Image {
    /// `url`.
    pub url: Option<String>,
    /// `width` in pixels.
    pub width: Option<u32>,
    /// `height` in pixels.
    pub height: Option<u32>,
}

/// Video details of a video note (`video_info_v2`), when present.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct Video {
    /// Duration in seconds (`capa.duration`).
    pub duration_secs: Option<u64>,
    /// The first H.264 stream URL (`media.stream.h264[0].master_url`).
    pub url: Option<String>,
}

/// The recommendation category (`recommend.category_id` / `category_name`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct Category {
    /// `category_id`.
    pub id: String,
    /// `category_name`.
    pub name: String,
}

/// One feed item.
///
/// The typed fields are best effort: a field whose JSON has an unexpected
/// type (likes as `"1.2万"`, a `null` user, no images) is `None`/empty or
/// parsed leniently, and the item is still returned. [`FeedItem::raw`] is
/// the provider's object exactly as received, and serializing a `FeedItem`
/// with serde_json writes exactly those bytes, so nothing is ever lost.
///
/// ```
/// let item: justone_xhs::FeedItem =
///     serde_json::from_str(r#"{"id":"abc","type":"video","likes":"1.2万","new":1}"#).unwrap();
/// assert_eq!(item.id.as_deref(), Some("abc"));
/// assert_eq!(item.likes, Some(12_000));
/// assert_eq!(serde_json::to_string(&item).unwrap(), r#"{"id":"abc","type":"video","likes":"1.2万","new":1}"#);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FeedItem {
    /// Note id (`id`).
    pub id: Option<String>,
    /// Note kind (`type`).
    pub kind: Option<NoteKind>,
    /// `title`.
    pub title: Option<String>,
    /// `display_title`.
    pub display_title: Option<String>,
    /// `desc`.
    pub desc: Option<String>,
    /// Like count (`likes`). The provider's display strings are read as
    /// numbers: `"1.2万"`/`"3.4w"` (×10 000), `"1千"`/`"2k"` (×1 000),
    /// `"1亿"` (×100 000 000), `"1,024"`. A trailing `+` (`"10万+"`,
    /// `"999+"`) means "at least": the value is that lower bound.
    pub likes: Option<u64>,
    /// `user`.
    pub author: Option<Author>,
    /// `images_list`; empty when missing.
    pub images: Vec<Image>,
    /// `video_info_v2`, when present.
    pub video: Option<Video>,
    /// From `recommend`, when the category is set.
    pub category: Option<Category>,
    /// Publish time, seconds since the Unix epoch (`timestamp`).
    pub timestamp: Option<i64>,
    /// `is_ads`.
    pub is_ads: Option<bool>,
    /// `model_type` (`note`, `ads`, …).
    pub model_type: Option<String>,
    /// `cursor_score`.
    pub cursor_score: Option<String>,
    /// `recommend.track_id`, else `track_id_mix_rank`.
    pub track_id: Option<String>,
    raw: Box<RawValue>,
}

impl FeedItem {
    /// Builds an item from the provider's JSON. Never fails: whatever does
    /// not fit the typed fields stays available through [`FeedItem::raw`].
    pub fn from_raw(raw: Box<RawValue>) -> FeedItem {
        match serde_json::from_str::<StrictFields>(raw.get()) {
            Ok(fields) => fields.into_item(raw),
            Err(_) => lenient_item(raw),
        }
    }

    /// The provider's item object, exactly as received.
    pub fn raw(&self) -> &RawValue {
        &self.raw
    }

    /// The cover image URL: the first image.
    pub fn cover_url(&self) -> Option<&str> {
        self.images.first().and_then(|i| i.url.as_deref())
    }
}

impl PartialEq for FeedItem {
    /// Items are equal when their provider JSON is byte-for-byte equal.
    fn eq(&self, other: &Self) -> bool {
        self.raw.get() == other.raw.get()
    }
}

impl Serialize for FeedItem {
    /// Writes the provider's object unchanged (with serde_json, verbatim).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for FeedItem {
    /// Reads any JSON value (serde_json only) and never rejects an item for
    /// its field types.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(FeedItem::from_raw)
    }
}

/// The fast path: the documented types, unknown keys skipped without being
/// built. Any surprise falls back to [`lenient_fields`].
#[derive(Deserialize)]
struct StrictFields {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    title: Option<String>,
    display_title: Option<String>,
    desc: Option<String>,
    likes: Option<u64>,
    user: Option<StrictUser>,
    images_list: Option<Vec<StrictImage>>,
    video_info_v2: Option<StrictVideo>,
    recommend: Option<StrictRecommend>,
    timestamp: Option<i64>,
    is_ads: Option<bool>,
    model_type: Option<String>,
    cursor_score: Option<String>,
    track_id_mix_rank: Option<String>,
}

#[derive(Deserialize)]
struct StrictUser {
    userid: Option<String>,
    nickname: Option<String>,
    images: Option<String>,
}

#[derive(Deserialize)]
struct StrictImage {
    url: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
}

#[derive(Deserialize)]
struct StrictVideo {
    capa: Option<StrictCapa>,
    media: Option<StrictMedia>,
}

#[derive(Deserialize)]
struct StrictCapa {
    duration: Option<u64>,
}

#[derive(Deserialize)]
struct StrictMedia {
    stream: Option<StrictStream>,
}

#[derive(Deserialize)]
struct StrictStream {
    h264: Option<Vec<StrictStreamUrl>>,
}

#[derive(Deserialize)]
struct StrictStreamUrl {
    master_url: Option<String>,
}

#[derive(Deserialize)]
struct StrictRecommend {
    category_id: Option<String>,
    category_name: Option<String>,
    track_id: Option<String>,
}

impl StrictFields {
    fn into_item(self, raw: Box<RawValue>) -> FeedItem {
        let (category, track_id) = match self.recommend {
            Some(r) => (
                category(r.category_id, r.category_name),
                r.track_id.filter(|t| !t.is_empty()),
            ),
            None => (None, None),
        };
        FeedItem {
            id: self.id,
            kind: self.kind.as_deref().map(NoteKind::parse),
            title: self.title,
            display_title: self.display_title,
            desc: self.desc,
            likes: self.likes,
            author: self.user.map(|u| Author {
                id: u.userid,
                nickname: u.nickname,
                avatar: u.images,
            }),
            images: self
                .images_list
                .unwrap_or_default()
                .into_iter()
                .map(|i| Image {
                    url: i.url,
                    width: i.width,
                    height: i.height,
                })
                .collect(),
            video: self.video_info_v2.map(|v| Video {
                duration_secs: v.capa.and_then(|c| c.duration),
                url: v
                    .media
                    .and_then(|m| m.stream)
                    .and_then(|s| s.h264)
                    .and_then(|h| h.into_iter().next())
                    .and_then(|s| s.master_url),
            }),
            category,
            timestamp: self.timestamp,
            is_ads: self.is_ads,
            model_type: self.model_type,
            cursor_score: self.cursor_score,
            track_id: track_id.or(self.track_id_mix_rank),
            raw,
        }
    }
}

fn category(id: Option<String>, name: Option<String>) -> Option<Category> {
    match (id.unwrap_or_default(), name.unwrap_or_default()) {
        (id, name) if id.is_empty() && name.is_empty() => None,
        (id, name) => Some(Category { id, name }),
    }
}

/// `json` as a tree, leaving out only the values that cannot be read (a
/// number beyond `f64`, a lone surrogate in a string) rather than the whole:
/// one odd value must not hide an item's id and the rest of its fields.
fn lenient_value(json: &str) -> Option<Value> {
    if let Ok(value) = serde_json::from_str::<Value>(json) {
        return Some(value);
    }
    if let Ok(fields) = serde_json::from_str::<std::collections::BTreeMap<String, Box<RawValue>>>(json) {
        let object = fields
            .into_iter()
            .filter_map(|(key, value)| Some((key, lenient_value(value.get())?)))
            .collect();
        return Some(Value::Object(object));
    }
    let items = serde_json::from_str::<Vec<Box<RawValue>>>(json).ok()?;
    Some(Value::Array(
        items
            .iter()
            .filter_map(|item| lenient_value(item.get()))
            .collect(),
    ))
}

/// The slow path for odd items: read each field on its own from a JSON tree,
/// accepting what can be made sense of and skipping the rest. An item that
/// is not an object at all keeps only its raw JSON.
fn lenient_item(raw: Box<RawValue>) -> FeedItem {
    let item = match lenient_value(raw.get()) {
        Some(Value::Object(item)) => item,
        _ => serde_json::Map::new(),
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let recommend = item.get("recommend");
    let at = |key: &str| recommend.and_then(|r| r.get(key));
    FeedItem {
        id: text(item.get("id")),
        kind: item.get("type").and_then(Value::as_str).map(NoteKind::parse),
        title: text(item.get("title")),
        display_title: text(item.get("display_title")),
        desc: text(item.get("desc")),
        likes: item.get("likes").and_then(count),
        author: item.get("user").filter(|u| u.is_object()).map(|u| Author {
            id: text(u.get("userid")),
            nickname: text(u.get("nickname")),
            avatar: text(u.get("images")),
        }),
        images: item
            .get("images_list")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|i| i.is_object())
            .map(|i| Image {
                url: text(i.get("url")),
                width: i.get("width").and_then(count).and_then(|n| u32::try_from(n).ok()),
                height: i
                    .get("height")
                    .and_then(count)
                    .and_then(|n| u32::try_from(n).ok()),
            })
            .collect(),
        video: item
            .get("video_info_v2")
            .filter(|v| v.is_object())
            .map(|v| Video {
                duration_secs: v.pointer("/capa/duration").and_then(count),
                url: text(v.pointer("/media/stream/h264/0/master_url")),
            }),
        category: category(text(at("category_id")), text(at("category_name"))),
        timestamp: item.get("timestamp").and_then(timestamp),
        is_ads: item.get("is_ads").and_then(Value::as_bool),
        model_type: text(item.get("model_type")),
        cursor_score: item.get("cursor_score").and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }),
        track_id: text(at("track_id"))
            .filter(|t| !t.is_empty())
            .or_else(|| text(item.get("track_id_mix_rank"))),
        raw,
    }
}

/// A non-negative count from a number or a display string (see
/// [`parse_count`]). An integer is read as the strict path reads it, so both
/// paths agree; a float only when it is a whole number in range.
fn count(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && (0.0..u64::MAX as f64).contains(f))
                .map(|f| f as u64)
        }),
        Value::String(s) => parse_count(s),
        _ => None,
    }
}

/// Seconds since the epoch: any `i64` as the strict path reads it (negative
/// included), else a count-like number or string.
fn timestamp(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| count(value).and_then(|c| i64::try_from(c).ok())),
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .or_else(|| parse_count(s).and_then(|c| i64::try_from(c).ok())),
        _ => None,
    }
}

/// Reads the provider's count spellings: plain digits (commas allowed), a
/// decimal with a unit (`万`/`w`/`W` ×10⁴, `千`/`k`/`K` ×10³, `亿` ×10⁸), and
/// a trailing `+`, which means "at least": the result is the lower bound.
/// Digits the unit cannot make whole are dropped (`"3.5"` is 3,
/// `"1.23456k"` 1 234), which keeps the result a lower bound too.
fn parse_count(text: &str) -> Option<u64> {
    let text = text.trim().replace(',', "");
    let text = text.strip_suffix('+').unwrap_or(&text).trim_end();
    let mut chars = text.chars();
    let multiplier: u64 = match chars.next_back()? {
        '万' | 'w' | 'W' => 10_000,
        '千' | 'k' | 'K' => 1_000,
        '亿' => 100_000_000,
        _ => {
            chars = text.chars();
            1
        }
    };
    let number = chars.as_str().trim();
    // Decimal arithmetic, not f64: "536870912.7亿" is exact.
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(fraction.is_empty() || digits(fraction)) {
        return None;
    }
    let scaled_whole = whole.parse::<u64>().ok()?.checked_mul(multiplier)?;
    // Only as many fraction digits as the multiplier can make whole.
    let places = multiplier.ilog10() as usize;
    let fraction = &fraction[..fraction.len().min(places)];
    let scaled_fraction = match fraction {
        "" => 0,
        f => f.parse::<u64>().ok()? * multiplier / 10u64.pow(f.len() as u32),
    };
    scaled_whole.checked_add(scaled_fraction)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_text::JsonKind;

    fn item(json: &str) -> FeedItem {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn counts_parse_display_strings() {
        for (text, expected) in [
            ("1.2万", Some(12_000)),
            ("3.4w", Some(34_000)),
            ("3.5W", Some(35_000)),
            ("10万+", Some(100_000)),
            ("999+", Some(999)),
            ("1千", Some(1_000)),
            ("2k", Some(2_000)),
            ("2.5K+", Some(2_500)),
            ("1亿", Some(100_000_000)),
            ("1.5亿+", Some(150_000_000)),
            ("1,024", Some(1_024)),
            (" 7 ", Some(7)),
            ("10 万", Some(100_000)),
            ("18446744073709551615", Some(u64::MAX)),
            ("18446744073709551615万", None),
            ("", None),
            ("+", None),
            ("万", None),
            ("-3", None),
            ("-1万", None),
            ("NaN", None),
            ("inf", None),
            (".5k", None),
            ("1e3", None),
            ("1.", Some(1)),
            ("1.23456k", Some(1_234)),
            ("3.5", Some(3)),
        ] {
            assert_eq!(parse_count(text), expected, "{text:?}");
        }
    }

    /// Any item of the documented shape, its fields present, `null` or
    /// absent at random, with values of the documented types (and a few
    /// extra keys the decoders must skip).
    fn documented_item() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        use serde_json::{Value, json};
        let text = || {
            prop_oneof![
                Just(Value::Null),
                "[a-z0-9 ]{0,8}".prop_map(Value::from),
                "[美食穿搭]{1,3}".prop_map(Value::from)
            ]
        };
        let count = || prop_oneof![Just(Value::Null), (0u64..1_000_000).prop_map(Value::from)];
        let image = (text(), count(), count())
            .prop_map(|(url, width, height)| json!({"url": url, "width": width, "height": height}));
        (
            (text(), text(), text(), text(), text(), count()),
            (text(), text(), text()),
            proptest::collection::vec(image, 0..3),
            (count(), text(), text(), text()),
            (prop_oneof![Just(Value::Null), any::<i64>().prop_map(Value::from)], prop_oneof![Just(Value::Null), any::<bool>().prop_map(Value::from)]),
            proptest::collection::vec(any::<bool>(), 16),
        )
            .prop_map(|((id, kind, title, display_title, desc, likes), (userid, nickname, avatar), images, (duration, category_id, category_name, track_id), (timestamp, is_ads), absent)| {
                let mut item = json!({
                    "id": id, "type": kind, "title": title, "display_title": display_title, "desc": desc,
                    "likes": likes,
                    "user": {"userid": userid, "nickname": nickname, "images": avatar},
                    "images_list": images,
                    "video_info_v2": {"capa": {"duration": duration}},
                    "recommend": {"category_id": category_id, "category_name": category_name, "track_id": track_id},
                    "timestamp": timestamp, "is_ads": is_ads, "extra": {"ignored": [1, 2]},
                });
                let keys: Vec<String> = item.as_object().unwrap().keys().cloned().collect();
                for (key, gone) in keys.iter().zip(absent) {
                    if gone {
                        item.as_object_mut().unwrap().remove(key);
                    }
                }
                item
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// The fast path and the fallback decode every item the fast path
        /// accepts to the same typed fields: which one runs is a matter
        /// of speed, never of result.
        #[test]
        fn the_strict_and_lenient_decoders_agree(item in documented_item()) {
            let text = item.to_string();
            let raw = || RawValue::from_string(text.clone()).unwrap();
            if let Ok(strict) = serde_json::from_str::<StrictFields>(&text) {
                let fast = format!("{:?}", strict.into_item(raw()));
                let slow = format!("{:?}", lenient_item(raw()));
                proptest::prop_assert_eq!(fast, slow, "{}", text);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn every_count_spelling_reads_its_lower_bound(n in 0u64..1_000_000_000, tenths in 0u64..10) {
            let plain = n.to_string();
            let with_commas = plain
                .as_bytes()
                .rchunks(3)
                .rev()
                .map(|c| std::str::from_utf8(c).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(",");
            for text in [plain.clone(), format!("{plain}+"), with_commas] {
                proptest::prop_assert_eq!(parse_count(&text), Some(n), "{}", text);
            }
            for (units, scale) in [("万wW", 10_000), ("千kK", 1_000), ("亿", 100_000_000)] {
                for unit in units.chars() {
                    let text = format!("{n}.{tenths}{unit}+");
                    proptest::prop_assert_eq!(parse_count(&text), Some(n * scale + tenths * scale / 10), "{}", text);
                }
            }
        }
    }

    #[test]
    fn numbers_are_counts_only_when_whole_and_in_range() {
        let n = |json: &str| count(&serde_json::from_str(json).unwrap());
        assert_eq!(n("3"), Some(3));
        assert_eq!(n("3.0"), Some(3));
        assert_eq!(n("3.5"), None);
        assert_eq!(n("-1"), None);
        assert_eq!(n("1e30"), None);
    }

    #[test]
    fn both_paths_read_a_negative_timestamp() {
        assert_eq!(item(r#"{"timestamp":-1}"#).timestamp, Some(-1));
        assert_eq!(item(r#"{"timestamp":-1,"likes":"odd"}"#).timestamp, Some(-1));
        assert_eq!(item(r#"{"timestamp":"-5","likes":"odd"}"#).timestamp, Some(-5));
    }

    #[test]
    fn odd_fields_do_not_sink_the_item() {
        let odd = item(r#"{"id":"x","likes":"1.2万","user":null,"timestamp":"soon","images_list":"none"}"#);
        assert_eq!(odd.id.as_deref(), Some("x"));
        assert_eq!(odd.likes, Some(12_000));
        assert_eq!(odd.author, None);
        assert_eq!(odd.timestamp, None);
        assert!(odd.images.is_empty());
    }

    #[test]
    fn items_that_are_not_objects_are_kept_raw() {
        let weird = item("[1, 2]");
        assert_eq!(weird.id, None);
        assert_eq!(weird.raw().get(), "[1, 2]");
        assert_eq!(JsonKind::of(weird.raw().get()), JsonKind::Array);
    }

    #[test]
    fn empty_category_is_none() {
        let i = item(
            r#"{"recommend":{"category_id":"","category_name":"","track_id":""},"track_id_mix_rank":"t"}"#,
        );
        assert_eq!(i.category, None);
        assert_eq!(i.track_id.as_deref(), Some("t"));
    }

    #[test]
    fn video_details_are_read() {
        let v = item(
            r#"{"type":"video","video_info_v2":{"capa":{"duration":31},"media":{"stream":{"h264":[{"master_url":"https://v/1.mp4"}]}}}}"#,
        );
        assert_eq!(v.kind, Some(NoteKind::Video));
        assert_eq!(
            v.video,
            Some(Video {
                duration_secs: Some(31),
                url: Some("https://v/1.mp4".into())
            })
        );
    }

    /// A number beyond `f64` or a lone surrogate costs its own field only:
    /// the id, the title and the author survive.
    #[test]
    fn one_unreadable_value_costs_only_its_field() {
        for json in [
            r#"{"id":"n1","likes":1e400,"display_title":"t","user":{"nickname":"a"}}"#,
            r#"{"id":"n1","desc":"x\ud800y","display_title":"t","user":{"nickname":"a","userid":"\udfff"}}"#,
        ] {
            let item = FeedItem::from_raw(RawValue::from_string(json.to_owned()).unwrap());
            assert_eq!(item.id.as_deref(), Some("n1"), "{json}");
            assert_eq!(item.display_title.as_deref(), Some("t"), "{json}");
            assert_eq!(
                item.author.as_ref().and_then(|a| a.nickname.as_deref()),
                Some("a"),
                "{json}"
            );
            assert_eq!(item.raw().get(), json);
        }
    }
}
