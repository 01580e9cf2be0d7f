//! The feed channels (`oid` values) of the Notes Feed, as the provider's
//! documentation lists them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! channels {
    ($( $variant:ident = $oid:literal, $slug:literal, $label:literal, $zh:literal; )*) => {
        /// A feed channel: one of the provider's documented `oid` values, or a
        /// raw oid this crate does not know yet ([`Channel::Other`]).
        ///
        /// Parse one from its oid, slug, label or Chinese name, ignoring case:
        ///
        /// ```
        /// use justone_xhs::Channel;
        ///
        /// let food: Channel = "food".parse().unwrap();
        /// assert_eq!(food, Channel::Food);
        /// assert_eq!(food.oid(), "homefeed_food_v3");
        /// assert_eq!("Movie and TV".parse::<Channel>().unwrap().slug(), "movie-and-tv");
        /// assert_eq!("美食".parse::<Channel>().unwrap(), Channel::Food);
        /// // A channel the provider added after this release:
        /// let new = Channel::from_oid("homefeed_gardening_v3");
        /// assert_eq!(new.oid(), "homefeed_gardening_v3");
        /// ```
        ///
        /// Two channels are equal when their oids are: `Channel::Other` of a
        /// documented oid is that channel (`from_oid` never builds one, and
        /// a release that learns an oid changes nothing for a caller that
        /// compares). They are ordered by oid.
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum Channel {
            $(
                #[doc = concat!("`", $oid, "`: ", $label, ".")]
                $variant,
            )*
            /// An oid this version does not know: requested as given.
            Other(String),
        }

        impl Channel {
            /// Every documented channel, in the provider's order.
            pub const ALL: &'static [Channel] = &[$(Channel::$variant),*];

            /// The `oid` query value, e.g. `homefeed_food_v3`.
            pub fn oid(&self) -> &str {
                match self {
                    $(Channel::$variant => $oid,)*
                    Channel::Other(oid) => oid,
                }
            }

            /// A short, URL- and shell-friendly name, e.g. `movie-and-tv`.
            /// For an oid this release does not list, the oid.
            pub fn slug(&self) -> &str {
                match self.documented() {
                    $(Channel::$variant => $slug,)*
                    Channel::Other(oid) => oid,
                }
            }

            /// The provider's English label, e.g. `movie and tv`.
            /// For an oid this release does not list, the oid.
            pub fn label(&self) -> &str {
                match self.documented() {
                    $(Channel::$variant => $label,)*
                    Channel::Other(oid) => oid,
                }
            }

            /// The channel's name in the Xiaohongshu app, e.g. `美食` (the
            /// provider documents English labels only; these are the app's
            /// tab names). For an oid this release does not list, the oid.
            pub fn label_zh(&self) -> &str {
                match self.documented() {
                    $(Channel::$variant => $zh,)*
                    Channel::Other(oid) => oid,
                }
            }
        }
    };
}

channels! {
    Recommend = "homefeed_recommend", "recommend", "recommend", "推荐";
    Video = "homefeed_video_v3", "video", "video", "视频";
    Live = "homefeed_live", "live", "live", "直播";
    Fashion = "homefeed_fashion_v3", "fashion", "fashion", "穿搭";
    Books = "homefeed_books_v3", "books", "books", "读书";
    Nails = "homefeed_nails_v3", "nails", "nails", "美甲";
    Painting = "homefeed_painting_v3", "painting", "painting", "绘画";
    Cartoon = "homefeed_cartoon_v3", "cartoon", "cartoon", "动漫";
    Photography = "homefeed_photography_v3", "photography", "photography", "摄影";
    Food = "homefeed_food_v3", "food", "food", "美食";
    Celebrity = "homefeed_celebrity_v3", "celebrity", "celebrity", "明星";
    ProfilePhoto = "homefeed_profile_photo_v3", "profile-photo", "profile photo", "头像";
    Gaming = "homefeed_gaming_v3", "gaming", "gaming", "游戏";
    Cosmetics = "homefeed_cosmetics_v3", "cosmetics", "cosmetics", "彩妆";
    Stationery = "homefeed_stationery_v3", "stationery", "stationery", "文具手帐";
    Love = "homefeed_love_v3", "love", "love", "情感";
    Music = "homefeed_music_v3", "music", "music", "音乐";
    MovieAndTv = "homefeed_movie_and_tv_v3", "movie-and-tv", "movie and tv", "影视";
    Handmade = "homefeed_handmade_v3", "handmade", "handmade", "手工";
    Education = "homefeed_education_v3", "education", "education", "学习";
    DigitalTechnology = "homefeed_digital_technology_v3", "digital-technology", "digital technology", "科技数码";
    HouseholdProduct = "homefeed_household_product_v3", "household-product", "household product", "家居好物";
    Hair = "homefeed_hair_v3", "hair", "hair", "发型";
    Pets = "homefeed_pets_v3", "pets", "pets", "萌宠";
    Travel = "homefeed_travel_v3", "travel", "travel", "旅行";
    LoseWeight = "homefeed_lose_weight_v3", "lose-weight", "lose weight", "减脂";
    Dance = "homefeed_dance_v3", "dance", "dance", "舞蹈";
    Skincare = "homefeed_skincare_v3", "skincare", "skincare", "护肤";
    HomeDecoration = "homefeed_home_decoration_v3", "home-decoration", "home decoration", "家装";
    FashionShoes = "homefeed_fashion_shoes_v3", "fashion-shoes", "fashion shoes", "潮鞋";
    Wallpaper = "homefeed_wallpaper_v3", "wallpaper", "wallpaper", "壁纸";
    Career = "homefeed_career_v3", "career", "career", "职场";
    Funny = "homefeed_funny_v3", "funny", "funny", "搞笑";
    Maternity = "homefeed_maternity_v3", "maternity", "maternity", "母婴";
    Cars = "homefeed_cars_v3", "cars", "cars", "汽车";
    Weddings = "homefeed_weddings_v3", "weddings", "weddings", "婚礼";
    Bags = "homefeed_bags_v3", "bags", "bags", "箱包";
    TrendArt = "homefeed_trend_art_v3", "trend-art", "trend art", "潮流艺术";
    DesignerToys = "homefeed_designer_toys_v3", "designer-toys", "designer toys", "潮玩";
    SciencePopularization = "homefeed_science_popularization_v3", "science-popularization", "science popularization", "科普";
    VarietyShow = "homefeed_variety_show_v3", "variety-show", "variety show", "综艺";
}

impl Channel {
    /// The channel for a raw oid: a known variant when the oid is documented,
    /// [`Channel::Other`] otherwise. This is how to request a channel the
    /// provider added after this release.
    ///
    /// A later release that lists a new oid returns its variant here
    /// instead of `Other`. Code that compares (`==`, maps, sets) or reads
    /// [`oid`](Self::oid) sees no change, since `Other` of an oid equals
    /// the variant of that oid and answers every method as it does; a
    /// `match` arm on `Channel::Other(_)` no longer sees that oid.
    ///
    /// ```
    /// use justone_xhs::Channel;
    ///
    /// assert_eq!(Channel::from_oid("homefeed_food_v3"), Channel::Food);
    /// let spelled_out = Channel::Other("homefeed_food_v3".to_owned());
    /// assert_eq!(spelled_out, Channel::Food);
    /// assert_eq!(spelled_out.slug(), "food");
    /// ```
    pub fn from_oid(oid: &str) -> Channel {
        Channel::documented_oid(oid)
            .cloned()
            .unwrap_or_else(|| Channel::Other(oid.to_owned()))
    }

    fn documented_oid(oid: &str) -> Option<&'static Channel> {
        Channel::ALL.iter().find(|c| c.oid() == oid)
    }

    /// This channel, or for `Other` of a documented oid that oid's variant.
    fn documented(&self) -> &Channel {
        match self {
            Channel::Other(oid) => Channel::documented_oid(oid).unwrap_or(self),
            known => known,
        }
    }
}

impl PartialEq for Channel {
    fn eq(&self, other: &Self) -> bool {
        self.oid() == other.oid()
    }
}

impl Eq for Channel {}

impl std::hash::Hash for Channel {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.oid().hash(state);
    }
}

impl PartialOrd for Channel {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Channel {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.oid().cmp(other.oid())
    }
}

impl Channel {
    /// The channel a person or an agent names: a slug, an oid, a label or
    /// a Chinese name (as [`FromStr`]), or else an oid of the provider's
    /// form (`homefeed_…`, lower case, digits, `_` and `.`, at most 64
    /// characters) that this release does not list yet, as
    /// [`Channel::Other`] (a caller may want to warn that it is new).
    ///
    /// ```
    /// use justone_xhs::Channel;
    ///
    /// assert_eq!(Channel::resolve("美食").unwrap(), Channel::Food);
    /// assert!(matches!(Channel::resolve("homefeed_gardening_v3").unwrap(), Channel::Other(_)));
    /// assert!(Channel::resolve("fod").unwrap_err().suggestions.contains(&"food".to_owned()));
    /// ```
    ///
    /// # Errors
    /// [`UnknownChannel`], with the closest documented channels.
    pub fn resolve(name: &str) -> Result<Channel, UnknownChannel> {
        name.parse().or_else(|unknown| {
            let name = name.trim();
            if is_oid_form(name) {
                Ok(Channel::from_oid(name))
            } else {
                Err(unknown)
            }
        })
    }
}

/// Whether `oid` has the form of the provider's oids: `homefeed_`, then
/// lower-case letters, digits, `_` and `.`, at most 64 characters in all.
pub(crate) fn is_oid_form(oid: &str) -> bool {
    oid.len() <= 64
        && oid.len() > "homefeed_".len()
        && oid.starts_with("homefeed_")
        && oid
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.".contains(c))
}

impl fmt::Display for Channel {
    /// Writes the slug, the form the CLI and humans use.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// The input to [`Channel::from_str`] names no documented channel.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown channel {:?}; did you mean {}? ({count} channels are documented; a newer oid can be used with Channel::from_oid)", shorten(input), suggestions.join(", "))]
pub struct UnknownChannel {
    /// What was given.
    pub input: String,
    /// The closest documented slugs, best first.
    pub suggestions: Vec<String>,
    count: usize,
}

/// At most 40 characters of what was given: an error names the input, it
/// does not repeat a whole pasted file.
fn shorten(input: &str) -> String {
    match input.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &input[..end]),
        None => input.to_owned(),
    }
}

impl FromStr for Channel {
    type Err = UnknownChannel;

    /// Accepts an oid (`homefeed_food_v3`), a slug (`movie-and-tv`), a
    /// label (`movie and tv`) or the app's Chinese name (`影视`), ignoring
    /// case and surrounding space. Unknown
    /// input is an error listing the closest channels; use
    /// [`Channel::from_oid`] for oids newer than this release.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let wanted = input.trim();
        if let Some(found) = Channel::ALL.iter().find(|c| {
            [c.oid(), c.slug(), c.label(), c.label_zh()]
                .iter()
                .any(|name| name.eq_ignore_ascii_case(wanted))
        }) {
            return Ok(found.clone());
        }
        // Only a bounded prefix is compared: the distance is quadratic.
        let lower: String = wanted.to_ascii_lowercase().chars().take(64).collect();
        let mut ranked: Vec<(usize, &str)> = Channel::ALL
            .iter()
            .map(|c| {
                let distance = [c.oid(), c.slug(), c.label()]
                    .iter()
                    .map(|name| strsim::levenshtein(&lower, name))
                    .min()
                    .unwrap_or(usize::MAX);
                (distance, c.slug())
            })
            .collect();
        ranked.sort();
        Err(UnknownChannel {
            input: input.to_owned(),
            suggestions: ranked
                .iter()
                .take(3)
                .map(|(_, slug)| (*slug).to_owned())
                .collect(),
            count: Channel::ALL.len(),
        })
    }
}

impl Serialize for Channel {
    /// Serializes as the oid.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.oid())
    }
}

impl<'de> Deserialize<'de> for Channel {
    /// Deserializes from an oid; unknown oids become [`Channel::Other`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let oid = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Ok(Channel::from_oid(&oid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_oid_is_its_channel_however_it_was_built() {
        let other = Channel::Other("homefeed_food_v3".to_owned());
        assert_eq!(other, Channel::Food);
        let set: std::collections::HashSet<Channel> = [other, Channel::Food].into();
        assert_eq!(set.len(), 1);
        assert_ne!(Channel::Other("homefeed_new_v9".to_owned()), Channel::Food);
        assert_eq!(Channel::resolve(" food ").unwrap(), Channel::Food);
        assert!(
            Channel::resolve(&"homefeed_".repeat(10)).is_err(),
            "longer than an oid can be"
        );
    }

    #[test]
    fn names_parse_case_insensitively() {
        for c in Channel::ALL {
            assert_eq!(c.oid().parse::<Channel>().unwrap(), *c);
            assert_eq!(c.slug().to_uppercase().parse::<Channel>().unwrap(), *c);
            assert_eq!(format!(" {} ", c.label()).parse::<Channel>().unwrap(), *c);
            assert_eq!(c.to_string(), c.slug());
        }
        assert_eq!("Profile Photo".parse::<Channel>().unwrap(), Channel::ProfilePhoto);
        assert_eq!("美食".parse::<Channel>().unwrap(), Channel::Food);
        assert_eq!(" 影视 ".parse::<Channel>().unwrap(), Channel::MovieAndTv);
    }

    #[test]
    fn a_huge_input_is_named_briefly() {
        let err = "x".repeat(10_000).parse::<Channel>().unwrap_err();
        assert!(err.to_string().len() < 300, "{}", err.to_string().len());
    }

    #[test]
    fn unknown_names_suggest_the_closest() {
        let err = "fod".parse::<Channel>().unwrap_err();
        assert_eq!(err.suggestions[0], "food");
        assert!(err.to_string().contains("did you mean food"), "{err}");
        let err = "movie-tv".parse::<Channel>().unwrap_err();
        assert_eq!(err.suggestions[0], "movie-and-tv");
    }

    #[test]
    fn slugs_oids_and_labels_are_unique() {
        let mut names: Vec<&str> = Channel::ALL
            .iter()
            .flat_map(|c| [c.oid(), c.slug(), c.label_zh()])
            .collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 3 * Channel::ALL.len());
    }

    #[test]
    fn unknown_oids_round_trip_through_serde() {
        let c: Channel = serde_json::from_str("\"homefeed_gardening_v3\"").unwrap();
        assert_eq!(c, Channel::Other("homefeed_gardening_v3".into()));
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"homefeed_gardening_v3\"");
        let food: Channel = serde_json::from_str("\"homefeed_food_v3\"").unwrap();
        assert_eq!(food, Channel::Food);
        assert_eq!(
            serde_json::to_string(&Channel::MovieAndTv).unwrap(),
            "\"homefeed_movie_and_tv_v3\""
        );
    }
}
