//! The few tags a listener cares about, carried from the input to every output that can hold them
//! (WAV LIST/INFO, FLAC Vorbis comments). Read by `io::decode`, written by the writers.

use serde::Serialize;

/// Title, artist and album (and the rest, for formats that keep more), in the input's words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tags {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub date: Option<String>,
    pub genre: Option<String>,
    pub comment: Option<String>,
    pub track: Option<String>,
    /// The program that wrote the file (WAV `ISFT`, FLAC `ENCODER`). iemsim marks what it
    /// processed with [`mark`], and a folder export knows its earlier outputs by it.
    #[serde(skip)]
    pub software: Option<String>,
}

/// The mark of a file iemsim processed: `iemsim VERSION`, the same for every profile (so two
/// exports of the same cascade under different names stay byte-identical).
pub fn mark() -> String {
    format!("iemsim {}", env!("CARGO_PKG_VERSION"))
}

/// `software` (a file's ISFT / ENCODER) is [`mark`] of some iemsim version.
pub fn is_mark(software: &str) -> bool {
    software
        .strip_prefix("iemsim ")
        .is_some_and(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()))
}

impl Tags {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}
