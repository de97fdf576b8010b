//! The loudness cache: the exact BS.1770 loudness of a file through one profile, kept on disk so
//! a second `play`/`abx` of the same file starts with exact matching gains at once.
//!
//! One small text file per entry in `$XDG_CACHE_HOME/iemsim/loudness/` (else `~/.cache/iemsim`,
//! the platform's cache folder via `dirs`). The entry's name is a SHA-256 of everything the
//! number depends on: the file's identity (canonical path, size, modification time and a hash of
//! a few of its blocks, so a file rewritten within the same second is still told apart), the
//! profile's coefficients bit for bit, the rate they run at and the channels the listener hears.
//! The entry repeats that key and its format version inside: anything else (a corrupt, foreign or
//! older entry) is ignored, then rewritten by the next store. Bounded: past [`MAX_ENTRIES`] the
//! oldest entries are removed. Every failure here is silent: a cache is an optimisation, never
//! a reason for `play` to stop.

use crate::dsp::{Coefficients, Stages};
use crate::io::decode::read_full;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// First line of every entry: the format, so a later version never trusts an older layout.
const MAGIC: &str = "iemsim loudness cache 1";
/// Entries kept at most (each under 200 bytes: the folder stays under a megabyte or so).
pub const MAX_ENTRIES: usize = 2000;
/// Bytes hashed from each of the sampled places of the file.
const PROBE_BYTES: u64 = 64 * 1024;

/// Where entries live, or `None` when the platform has no cache folder.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// What a cached number is the loudness of (see the module documentation).
#[derive(Debug, Clone)]
pub struct FileId {
    digest: [u8; 32],
}

impl Cache {
    /// The platform cache folder's `iemsim/loudness` (not created until the first store).
    pub fn open() -> Option<Self> {
        dirs::cache_dir().map(|d| Self::at(d.join("iemsim").join("loudness")))
    }

    /// A cache in `dir` (tests).
    pub fn at(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The loudness stored for `key`, if a valid entry holds it.
    pub fn get(&self, key: &str) -> Option<f64> {
        let text = fs::read_to_string(self.dir.join(key)).ok()?;
        let mut lines = text.lines();
        if lines.next()? != MAGIC || lines.next()? != key {
            return None;
        }
        let bits = u64::from_str_radix(lines.next()?.strip_prefix("lufs ")?, 16).ok()?;
        let lufs = f64::from_bits(bits);
        // -inf is a real answer (digital silence); NaN or +inf never is.
        (lines.next().is_none() && !lufs.is_nan() && lufs != f64::INFINITY).then_some(lufs)
    }

    /// Stores `lufs` for `key` (write to a temporary name, then rename: a reader sees the old
    /// entry or the new one, never half of one), then trims the folder to [`MAX_ENTRIES`].
    pub fn put(&self, key: &str, lufs: f64) {
        if fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let tmp = self.dir.join(format!(".{key}.{}.tmp", std::process::id()));
        let body = format!("{MAGIC}\n{key}\nlufs {:016x}\n", lufs.to_bits());
        if fs::write(&tmp, body).is_ok() && fs::rename(&tmp, self.dir.join(key)).is_err() {
            let _ = fs::remove_file(&tmp);
        }
        self.trim(MAX_ENTRIES);
    }

    /// Removes the oldest entries (by modification time) beyond `max`.
    pub fn trim(&self, max: usize) {
        let Ok(dir) = fs::read_dir(&self.dir) else {
            return;
        };
        let mut entries: Vec<(std::time::SystemTime, PathBuf)> = dir
            .filter_map(Result::ok)
            .filter_map(|e| {
                let m = e.metadata().ok()?;
                if !m.is_file() {
                    return None;
                }
                Some((m.modified().ok()?, e.path()))
            })
            .collect();
        if entries.len() <= max {
            return;
        }
        entries.sort();
        let excess = entries.len() - max;
        for (_, p) in entries.into_iter().take(excess) {
            let _ = fs::remove_file(p);
        }
    }
}

impl FileId {
    /// The identity of the regular file at `path`; `None` if it cannot be read as one (then
    /// nothing is cached for it).
    pub fn of(path: &Path) -> Option<Self> {
        let canonical = fs::canonicalize(path).ok()?;
        let meta = fs::metadata(&canonical).ok()?;
        if !meta.is_file() {
            return None;
        }
        let size = meta.len();
        let mtime = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        let mut h = Sha256::new();
        h.update(MAGIC.as_bytes());
        h.update(canonical.as_os_str().as_encoded_bytes());
        h.update([0]);
        h.update(size.to_le_bytes());
        h.update(mtime.as_nanos().to_le_bytes());
        // Start, three inner places and the end: a header rewrite, a tagging tool or an edit
        // in the middle each change at least one.
        let mut f = fs::File::open(&canonical).ok()?;
        let mut buf = vec![0u8; PROBE_BYTES as usize];
        for k in 0..5u64 {
            let at = (size.saturating_sub(PROBE_BYTES) * k) / 4;
            f.seek(SeekFrom::Start(at)).ok()?;
            let n = read_full(&mut f, &mut buf).ok()?;
            h.update(&buf[..n]);
        }
        Some(Self {
            digest: h.finalize().into(),
        })
    }

    /// The cache key of this file through `stages` at `rate_hz`, heard on `heard` channels. Every
    /// channel's own cascade and gain count: the shared filters alone gave a profile whose right
    /// channel is 12 dB down the key of `neutral`, and the second ABX run read its loudness.
    pub fn key(&self, stages: &Stages, rate_hz: f64, heard: usize) -> String {
        let mut h = Sha256::new();
        h.update(self.digest);
        h.update(rate_hz.to_bits().to_le_bytes());
        h.update((heard as u64).to_le_bytes());
        match stages {
            Stages::Shared(coeffs) => hash_cascade(&mut h, coeffs),
            Stages::PerChannel(parts) => {
                h.update(b"per-channel");
                h.update((parts.len() as u64).to_le_bytes());
                for part in parts {
                    h.update(part.gain_db.to_bits().to_le_bytes());
                    hash_cascade(&mut h, &part.coeffs);
                }
            }
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A cascade's length and coefficients, bit for bit.
fn hash_cascade(h: &mut Sha256, coeffs: &[Coefficients]) {
    h.update((coeffs.len() as u64).to_le_bytes());
    for c in coeffs {
        for v in [c.b0, c.b1, c.b2, c.a1, c.a2] {
            h.update(v.to_bits().to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coeffs(g: f64) -> Stages {
        Stages::Shared(vec![Coefficients {
            b0: g,
            b1: 0.0,
            b2: 0.0,
            a1: 0.0,
            a2: 0.0,
        }])
    }

    /// Two channels of the identity cascade, the second with `gain_b` dB of its own.
    fn per_channel(gain_a: f64, gain_b: f64) -> Stages {
        let Stages::Shared(c) = coeffs(1.0) else {
            unreachable!()
        };
        Stages::PerChannel(vec![
            crate::dsp::ChannelStages {
                coeffs: c.clone(),
                gain_db: gain_a,
            },
            crate::dsp::ChannelStages {
                coeffs: c,
                gain_db: gain_b,
            },
        ])
    }

    #[test]
    fn an_entry_is_found_by_its_key_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.bin");
        fs::write(&file, vec![7u8; 300_000]).unwrap();
        let cache = Cache::at(dir.path().join("c"));
        let id = FileId::of(&file).unwrap();
        let k = id.key(&coeffs(1.0), 48_000.0, 2);
        assert_eq!(cache.get(&k), None);
        cache.put(&k, -14.25);
        assert_eq!(cache.get(&k), Some(-14.25));
        // Another profile, rate or channel count is another key.
        for other in [
            id.key(&coeffs(1.0 + 1e-12), 48_000.0, 2),
            id.key(&coeffs(1.0), 44_100.0, 2),
            id.key(&coeffs(1.0), 48_000.0, 1),
            // The same shared cascade on every channel, or a channel's own gain on top: others.
            id.key(&per_channel(0.0, 0.0), 48_000.0, 2),
            id.key(&per_channel(0.0, -12.0), 48_000.0, 2),
        ] {
            assert_ne!(other, k);
            assert_eq!(cache.get(&other), None);
        }
        // The same bytes in the middle changed, size and (forced) time the same: another key.
        let mut bytes = fs::read(&file).unwrap();
        let t = fs::metadata(&file).unwrap().modified().unwrap();
        bytes[150_000 - 32_000] ^= 1;
        fs::write(&file, bytes).unwrap();
        fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(t)
            .unwrap();
        assert_ne!(FileId::of(&file).unwrap().key(&coeffs(1.0), 48_000.0, 2), k);
    }

    #[test]
    fn corrupt_or_foreign_entries_are_ignored_then_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf());
        let k = "ab".repeat(32);
        for bad in [
            String::new(),
            "garbage".into(),
            format!("{MAGIC}\n{k}\nlufs zz\n"),
            format!(
                "{MAGIC}\n{}\nlufs {:016x}\n",
                "cd".repeat(32),
                (-9.0f64).to_bits()
            ),
            format!(
                "iemsim loudness cache 0\n{k}\nlufs {:016x}\n",
                (-9.0f64).to_bits()
            ),
            format!("{MAGIC}\n{k}\nlufs {:016x}\n", f64::NAN.to_bits()),
            format!("{MAGIC}\n{k}\nlufs {:016x}\nmore\n", (-9.0f64).to_bits()),
        ] {
            fs::write(dir.path().join(&k), &bad).unwrap();
            assert_eq!(cache.get(&k), None, "trusted {bad:?}");
        }
        cache.put(&k, -9.0);
        assert_eq!(cache.get(&k), Some(-9.0));
    }

    #[test]
    fn the_folder_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf());
        for i in 0..12 {
            cache.put(&format!("{i:064x}"), -f64::from(i));
        }
        cache.trim(5);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 5);
    }
}
