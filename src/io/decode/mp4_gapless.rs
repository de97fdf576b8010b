//! Gapless playback information of MP4/M4A files, which symphonia parses but does not apply.
//!
//! An AAC encoder starts with priming frames (1024 for ffmpeg's and most others, 2112 for
//! Apple's) and pads the last packet; the file says which frames are the audio in one of two
//! places:
//! - the edit list `moov/trak/edts/elst` (ISO/IEC 14496-12 §8.6.6): one edit whose `media_time`
//!   is the first frame to present (in the track's `mdhd` timescale) and whose
//!   `segment_duration` is how long to present it (in the movie's `mvhd` timescale). ffmpeg
//!   writes its movie timescale as 1000, so the duration is rounded to a millisecond; an edit
//!   that ends within one movie tick of the track's end means "to the end", and the track's exact
//!   length (`mdhd` duration, the sum of its `stts` sample durations) is taken instead;
//! - the iTunes tag `iTunSMPB` (a `----` item under `moov/udta/meta/ilst` with mean
//!   `com.apple.iTunes`): space-separated hex fields, the second the priming frames, the third
//!   the padding, the fourth the original length in frames. Read only when the track has no
//!   usable edit list.
//!
//! The walker is small and bounded: it seeks over boxes rather than reading them, reads only
//! fixed-size fields and small strings, visits at most [`MAX_BOXES`] boxes per level, and any
//! box that is short, overlong or inconsistent ends the walk with what was found so far. A
//! damaged or implausible edit (several segments, a rate other than 1, a start past the end) is
//! ignored, and the file decodes as it would without one: it never panics and never allocates
//! by a size read from the file.

use std::io::{self, Read, Seek, SeekFrom};

/// The frames to present: drop `skip` frames, then keep `keep` frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trim {
    pub skip: u64,
    pub keep: u64,
}

/// What one `trak` says, before it is matched to the track symphonia decodes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrackTiming {
    pub track_id: u32,
    /// `mdhd`: timescale and duration (the sample table's exact length).
    pub media_timescale: u32,
    pub media_duration: u64,
    /// `elst` entries (segment_duration, media_time, rate is 1.0), `None` without an edit list;
    /// `Some(vec![])` when there is one that cannot be read.
    pub edits: Option<Vec<(u64, i64, bool)>>,
}

/// Everything the walk found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mp4Timing {
    pub movie_timescale: u32,
    pub tracks: Vec<TrackTiming>,
    /// `iTunSMPB`: (priming, padding, original length).
    pub itunsmpb: Option<(u64, u64, u64)>,
    /// The `moov` has an `mvex`: the samples are in `moof` fragments after it (ffmpeg's
    /// `frag_keyframe+empty_moov`, browser recordings, CMAF), which symphonia does not read.
    pub fragmented: bool,
}

/// Boxes visited per level before giving up (a real `moov` has a dozen children).
pub const MAX_BOXES: usize = 1024;
/// Edit list entries read at most; real files have one or two.
const MAX_EDITS: u32 = 16;
/// The longest `----` name, mean or value read (iTunSMPB is about 100 bytes).
const MAX_STRING: u64 = 512;

impl Mp4Timing {
    /// Reads the timing boxes of the MP4 file in `r` (from its start, `len` bytes long).
    /// Any I/O error or malformed box ends the walk with what was found before it.
    pub fn read<R: Read + Seek>(r: &mut R, len: u64) -> Self {
        let mut t = Self::default();
        let _ = t.walk_top(r, len);
        t
    }

    /// The trim for track `track_id` decoded at `sample_rate`, if the file asks for one; `None`
    /// to decode every frame as before (no gapless information, or an edit list that changes
    /// nothing). An edit list that cannot be used gives way to `iTunSMPB`, if there is one.
    pub fn trim(&self, track_id: u32, sample_rate: u32) -> Option<Trim> {
        let track = self.tracks.iter().find(|t| t.track_id == track_id)?;
        // symphonia's timestamps count the media timescale; they are frames only when it is
        // the sample rate (as in every audio file seen so far). Otherwise leave the file alone.
        // A length past i64 is no real track, and timestamps are i64.
        if track.media_timescale != sample_rate
            || track.media_duration == 0
            || track.media_duration > i64::MAX as u64
        {
            return None;
        }
        let edit = track.edits.as_ref();
        edit.and_then(|e| self.edit_trim(track, e))
            .or_else(|| self.smpb_trim(track))
            .filter(|t| t.skip > 0 || t.keep < track.media_duration)
    }

    fn edit_trim(&self, track: &TrackTiming, edits: &[(u64, i64, bool)]) -> Option<Trim> {
        // Empty edits (media_time -1) delay the presentation; iemsim does not insert silence.
        let mut real = edits.iter().filter(|e| e.1 != -1);
        let &(segment, media_time, rate_one) = real.next()?;
        if real.next().is_some() || !rate_one || media_time < 0 {
            return None;
        }
        let skip = media_time as u64;
        let dur = track.media_duration;
        if skip >= dur {
            return None;
        }
        let rest = dur - skip;
        if segment == 0 {
            // 0: the whole media (as fragmented files write it).
            return Some(Trim { skip, keep: rest });
        }
        let (mts, movie) = (
            u128::from(track.media_timescale),
            u128::from(self.movie_timescale),
        );
        if movie == 0 {
            return None;
        }
        let keep = (u128::from(segment) * mts + movie / 2) / movie;
        let tick = mts.div_ceil(movie);
        let keep = if keep + tick >= u128::from(rest) {
            rest
        } else {
            keep as u64
        };
        Some(Trim { skip, keep })
    }

    fn smpb_trim(&self, track: &TrackTiming) -> Option<Trim> {
        let (skip, padding, length) = self.itunsmpb?;
        let dur = track.media_duration;
        if skip >= dur {
            return None;
        }
        let rest = dur - skip;
        let keep = if length > 0 {
            length.min(rest)
        } else {
            rest.checked_sub(padding).filter(|&k| k > 0)?
        };
        Some(Trim { skip, keep })
    }

    fn walk_top<R: Read + Seek>(&mut self, r: &mut R, len: u64) -> io::Result<()> {
        for_each_box(r, 0, len, |r, b| {
            if &b.kind == b"moov" {
                self.walk_moov(r, b)?;
                return Ok(false);
            }
            Ok(true)
        })
    }

    fn walk_moov<R: Read + Seek>(&mut self, r: &mut R, moov: Box4) -> io::Result<()> {
        for_each_box(r, moov.start, moov.end, |r, b| {
            match &b.kind {
                b"mvhd" => {
                    let (ts, _) = read_timescale(r, b)?;
                    self.movie_timescale = ts;
                }
                b"trak" if self.tracks.len() < 64 => {
                    let mut t = TrackTiming::default();
                    walk_trak(r, b, &mut t)?;
                    self.tracks.push(t);
                }
                b"udta" => self.itunsmpb = self.itunsmpb.or(find_itunsmpb(r, b)?),
                b"mvex" => self.fragmented = true,
                _ => {}
            }
            Ok(true)
        })
    }
}

/// One box: its type and where its payload starts and ends.
#[derive(Debug, Clone, Copy)]
struct Box4 {
    kind: [u8; 4],
    start: u64,
    end: u64,
}

/// Calls `f` for each box between `start` and `end` until it returns false; stops at the first
/// box whose size does not fit.
fn for_each_box<R: Read + Seek>(
    r: &mut R,
    start: u64,
    end: u64,
    mut f: impl FnMut(&mut R, Box4) -> io::Result<bool>,
) -> io::Result<()> {
    let mut pos = start;
    for _ in 0..MAX_BOXES {
        if end.saturating_sub(pos) < 8 {
            break;
        }
        r.seek(SeekFrom::Start(pos))?;
        let mut h = [0u8; 8];
        r.read_exact(&mut h)?;
        let size32 = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
        let kind = [h[4], h[5], h[6], h[7]];
        let (size, header) = match size32 {
            0 => (end - pos, 8),
            1 => {
                let mut l = [0u8; 8];
                r.read_exact(&mut l)?;
                (u64::from_be_bytes(l), 16)
            }
            n => (u64::from(n), 8),
        };
        if size < header || size > end - pos {
            break;
        }
        let b = Box4 {
            kind,
            start: pos + header,
            end: pos + size,
        };
        if !f(r, b)? {
            break;
        }
        pos = b.end;
    }
    Ok(())
}

fn walk_trak<R: Read + Seek>(r: &mut R, trak: Box4, t: &mut TrackTiming) -> io::Result<()> {
    for_each_box(r, trak.start, trak.end, |r, b| {
        match &b.kind {
            b"tkhd" => {
                let version = read_at::<1, _>(r, b, 0)?[0];
                let at = if version == 1 { 20 } else { 12 };
                t.track_id = u32::from_be_bytes(read_at::<4, _>(r, b, at)?);
            }
            b"edts" => {
                for_each_box(r, b.start, b.end, |r, e| {
                    if &e.kind == b"elst" {
                        t.edits = Some(read_elst(r, e).unwrap_or_default());
                        return Ok(false);
                    }
                    Ok(true)
                })?;
            }
            b"mdia" => {
                for_each_box(r, b.start, b.end, |r, m| {
                    if &m.kind == b"mdhd" {
                        (t.media_timescale, t.media_duration) = read_timescale(r, m)?;
                        return Ok(false);
                    }
                    Ok(true)
                })?;
            }
            _ => {}
        }
        Ok(true)
    })
}

/// `mvhd`/`mdhd` (same layout up to the duration): (timescale, duration).
fn read_timescale<R: Read + Seek>(r: &mut R, b: Box4) -> io::Result<(u32, u64)> {
    let version = read_at::<1, _>(r, b, 0)?[0];
    if version == 1 {
        let ts = u32::from_be_bytes(read_at::<4, _>(r, b, 20)?);
        Ok((ts, u64::from_be_bytes(read_at::<8, _>(r, b, 24)?)))
    } else {
        let ts = u32::from_be_bytes(read_at::<4, _>(r, b, 12)?);
        Ok((ts, u32::from_be_bytes(read_at::<4, _>(r, b, 16)?).into()))
    }
}

/// The entries of an `elst`, or an error when it is malformed or longer than [`MAX_EDITS`].
fn read_elst<R: Read + Seek>(r: &mut R, b: Box4) -> io::Result<Vec<(u64, i64, bool)>> {
    let head = read_at::<8, _>(r, b, 0)?;
    let version = head[0];
    let count = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
    let entry = match version {
        0 => 12,
        1 => 20,
        _ => return Err(bad("elst version")),
    };
    if count > MAX_EDITS || 8 + u64::from(count) * entry > b.end - b.start {
        return Err(bad("elst entry count"));
    }
    let mut edits = Vec::with_capacity(count as usize);
    for i in 0..u64::from(count) {
        let at = 8 + i * entry;
        let (segment, media_time, rate_at) = if version == 1 {
            let s = u64::from_be_bytes(read_at::<8, _>(r, b, at)?);
            let m = i64::from_be_bytes(read_at::<8, _>(r, b, at + 8)?);
            (s, m, at + 16)
        } else {
            let s = u64::from(u32::from_be_bytes(read_at::<4, _>(r, b, at)?));
            let m = i64::from(i32::from_be_bytes(read_at::<4, _>(r, b, at + 4)?));
            (s, m, at + 8)
        };
        // media_rate: 16.16 fixed point, 1.0 for normal playback.
        let rate = read_at::<4, _>(r, b, rate_at)?;
        edits.push((segment, media_time, rate == [0, 1, 0, 0]));
    }
    Ok(edits)
}

/// `udta/meta/ilst/----` with name `iTunSMPB`: (priming, padding, length).
fn find_itunsmpb<R: Read + Seek>(r: &mut R, udta: Box4) -> io::Result<Option<(u64, u64, u64)>> {
    let mut found = None;
    for_each_box(r, udta.start, udta.end, |r, meta| {
        if &meta.kind != b"meta" {
            return Ok(true);
        }
        // MP4's `meta` is a full box (4 bytes of version and flags before its children);
        // QuickTime's is not: there its first child's type follows at once.
        let qt = &read_at::<4, _>(r, meta, 4)? == b"hdlr";
        let start = if qt { meta.start } else { meta.start + 4 };
        for_each_box(r, start, meta.end, |r, ilst| {
            if &ilst.kind == b"ilst" {
                for_each_box(r, ilst.start, ilst.end, |r, item| {
                    if &item.kind == b"----" {
                        found = found.or(read_smpb_item(r, item)?);
                    }
                    Ok(found.is_none())
                })?;
            }
            Ok(true)
        })?;
        Ok(found.is_none())
    })?;
    Ok(found)
}

fn read_smpb_item<R: Read + Seek>(r: &mut R, item: Box4) -> io::Result<Option<(u64, u64, u64)>> {
    let (mut name, mut value) = (None, None);
    for_each_box(r, item.start, item.end, |r, b| {
        // `mean`/`name`: version+flags then text; `data`: type (4), locale (4), then text.
        match &b.kind {
            b"name" => name = read_text(r, b, 4)?,
            b"data" => value = read_text(r, b, 8)?,
            _ => {}
        }
        Ok(true)
    })?;
    if name.as_deref() != Some("iTunSMPB") {
        return Ok(None);
    }
    Ok(value.as_deref().and_then(parse_itunsmpb))
}

/// The text of box `b` after `skip` bytes, when short enough to be a tag.
fn read_text<R: Read + Seek>(r: &mut R, b: Box4, skip: u64) -> io::Result<Option<String>> {
    let len = (b.end - b.start).saturating_sub(skip);
    if len > MAX_STRING {
        return Ok(None);
    }
    r.seek(SeekFrom::Start(b.start + skip))?;
    let mut v = vec![0u8; len as usize];
    r.read_exact(&mut v)?;
    Ok(String::from_utf8(v).ok())
}

/// ` 00000000 00000840 000001CA 00000000003F31F6 ...`: (priming, padding, original length).
pub fn parse_itunsmpb(s: &str) -> Option<(u64, u64, u64)> {
    let mut f = s
        .trim_matches(char::from(0))
        .split_whitespace()
        .map(|w| u64::from_str_radix(w, 16).ok());
    let _zero = f.next()??;
    Some((f.next()??, f.next()??, f.next()??))
}

/// `N` bytes at `offset` into the payload of `b`; an error if the box is shorter.
fn read_at<const N: usize, R: Read + Seek>(r: &mut R, b: Box4, offset: u64) -> io::Result<[u8; N]> {
    if offset + N as u64 > b.end - b.start {
        return Err(bad("box too short"));
    }
    r.seek(SeekFrom::Start(b.start + offset))?;
    let mut v = [0u8; N];
    r.read_exact(&mut v)?;
    Ok(v)
}

fn bad(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

#[cfg(test)]
#[path = "mp4_gapless_tests.rs"]
mod tests;
