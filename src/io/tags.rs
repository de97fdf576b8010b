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
}

impl Tags {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}
