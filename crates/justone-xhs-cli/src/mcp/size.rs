//! How big a result may get. A model reads every byte of a tool result, and
//! ten raw feed pages are over 700 KB: more than many models hold. So each
//! item keeps only the `fields` asked for, a result holds at most
//! `max_items` items and about [`TEXT_BUDGET`] bytes of them, and says what
//! it left out. A page walk stops fetching once the next page would not fit,
//! so that no page is paid for and then dropped.

use rmcp::schemars;
use serde::Serialize;
use serde_json::{Map, Value};

/// About how many bytes of items a result holds by default.
pub const TEXT_BUDGET: usize = 100_000;

/// The fields and item count an agent asked for.
#[derive(Debug, Clone, Default)]
pub struct Shape {
    fields: Option<Vec<String>>,
    max_items: Option<usize>,
}

/// What a result says about its items.
#[derive(Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Count {
    /// How many items the result holds.
    pub item_count: usize,
    /// Whether items were left out (by `max_items` or the size bound).
    pub cut: bool,
    /// How many items were left out of the pages fetched.
    pub items_left_out: usize,
    /// Why the result holds less than asked and how to get the rest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The items kept of a list.
pub struct Fitted {
    pub items: Vec<Value>,
    /// How many were left out.
    pub left_out: usize,
    /// Their size in bytes, as JSON text.
    pub bytes: usize,
}

impl Shape {
    pub fn new(fields: Option<Vec<String>>, max_items: Option<u32>) -> Shape {
        Shape {
            fields,
            max_items: max_items.map(|n| n as usize),
        }
    }

    /// `item` with only the fields asked for (an item that is not an object
    /// is kept whole).
    pub fn select(&self, item: Value) -> Value {
        match (item, &self.fields) {
            (Value::Object(mut object), Some(fields)) => {
                let kept: Map<String, Value> = fields
                    .iter()
                    .filter_map(|name| object.remove_entry(name))
                    .collect();
                Value::Object(kept)
            }
            (item, _) => item,
        }
    }

    /// The first of `items` that fit, after `taken` items and `used` bytes
    /// already in the result: within `max_items` and [`TEXT_BUDGET`].
    pub fn fit(&self, items: Vec<Value>, taken: usize, used: usize) -> Fitted {
        let room = self.max_items.map_or(usize::MAX, |max| max.saturating_sub(taken));
        let total = items.len();
        let mut bytes = used;
        let mut kept = Vec::new();
        for item in items.into_iter().take(room) {
            // A comma or bracket around each item.
            let size = serde_json::to_string(&item).map_or(0, |text| text.len()) + 1;
            if bytes + size > TEXT_BUDGET {
                break;
            }
            bytes += size;
            kept.push(item);
        }
        Fitted {
            left_out: total - kept.len(),
            items: kept,
            bytes: bytes - used,
        }
    }

    /// Whether `taken` items already fill `max_items`.
    pub fn full(&self, taken: usize) -> bool {
        self.max_items.is_some_and(|max| taken >= max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_and_max_items_and_the_size_bound_all_cut() {
        let shape = Shape::new(Some(vec!["id".into(), "likes".into()]), Some(3));
        assert_eq!(
            shape.select(json!({"id": "a", "likes": 1, "desc": "long"})),
            json!({"id": "a", "likes": 1})
        );
        let items = vec![json!(1); 5];
        let fitted = shape.fit(items.clone(), 1, 0);
        assert_eq!((fitted.items.len(), fitted.left_out), (2, 3));
        assert!(shape.full(3));

        let big = json!("x".repeat(TEXT_BUDGET / 3));
        let fitted = Shape::default().fit(vec![big; 4], 0, 0);
        assert_eq!((fitted.items.len(), fitted.left_out), (2, 2));
        assert!(fitted.bytes <= TEXT_BUDGET);
    }
}
