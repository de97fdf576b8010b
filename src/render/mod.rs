//! Offline rendering: THE one path for all offline work. A source (a decoder, or frames in
//! memory) through one or more lanes, each a cascade with its output gain feeding a file writer,
//! a loudness meter, a spectrum, or several of them: `export` (files), loudness matching
//! ([`matching`]: `play`'s estimate and exact pass, `export --match`, ABX gains), `analyze` (kept signals)
//! and the demo export (files, gains and spectra) all run this loop; nothing else filters and
//! meters offline (`tests/architecture.rs` checks the commands).
//!
//! Three stages joined by bounded channels (so memory stays constant whatever the file length;
//! every measure is block by block, and only the `keep` tap, which no command uses, grows):
//! a reader thread decodes blocks, the calling thread filters them, a writer thread dithers,
//! encodes and writes. On these 2-core machines filtering a 10-stage stereo cascade and encoding
//! 24-bit output cost about the same, so overlapping them nearly halves the wall time. (Splitting
//! channels across threads was tried and measured slower: a mono cascade leaves the CPU waiting on
//! each sample's feedback, while two interleaved channels share that wait.)
//!
//! The block buffers are allocated once ([`POOL`] sets of one buffer per lane) and travel in a
//! circle, reader → filter → writer → reader: a fresh 256 KiB `Vec` per block cost ≈19,000 page
//! faults per 10-minute export, a third of its system time.
//!
//! The writer commits its files only on an explicit `Finish`: if anything fails upstream, the
//! channel closes without it and every temporary file is removed, never renamed. At `Finish` each
//! file is completed and named in turn, so one can fail there (a full disk, met as the last
//! buffered bytes are flushed) after another was named: [`render_each`] finishes every lane and
//! says which ones are written, so none is left unaccounted for; [`render`] stops at the first
//! failure.
//!
//! Meters run in the writer thread, after the file got the block: metering overlaps filtering.

pub mod export;
pub mod listing;
pub mod loudness_cache;
pub mod matching;
mod meter;
pub mod owner;
mod source;

pub use meter::Levels;
pub use source::{Frames, Mapped, Resampled, Source};

use crate::dsp::analysis::Spectrum;
use crate::dsp::levels::{SignalMeter, SignalStats};
use crate::dsp::{Chain, Stages};
use crate::io::{Sink, SinkStats, WavError};
use meter::{Loudness, Welch};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread;

/// One lane: a cascade (one for every channel, or per channel) and its output gain, and what its
/// signal feeds.
pub struct Lane {
    pub coeffs: Stages,
    pub gain_db: f64,
    pub out: Out,
}

/// What a lane's signal feeds: any of a file, a loudness meter, a spectrum, `analyze`'s
/// statistics, the kept signal.
#[derive(Default)]
pub struct Out {
    pub file: Option<Sink>,
    /// BS.1770 integrated loudness and sample peak ([`Levels`]).
    pub loudness: bool,
    /// The long-term (Welch) spectrum: of the file's samples as stored, when there is a file.
    pub spectrum: bool,
    /// Everything `analyze` reports ([`SignalStats`]), measured block by block.
    pub stats: bool,
    /// The whole signal (the file's samples as stored, when there is a file): memory grows with
    /// the length, so only for tests and short signals.
    pub keep: bool,
}

impl Lane {
    /// A lane whose signal feeds only what `feeds` sets in its [`Out`].
    fn new(coeffs: impl Into<Stages>, gain_db: f64, feeds: impl FnOnce(&mut Out)) -> Self {
        let mut out = Out::default();
        feeds(&mut out);
        Self {
            coeffs: coeffs.into(),
            gain_db,
            out,
        }
    }

    /// Filtered, gained and written to `sink`.
    pub fn file(coeffs: impl Into<Stages>, gain_db: f64, sink: Sink) -> Self {
        Self::new(coeffs, gain_db, |o| o.file = Some(sink))
    }

    /// Filtered, gained and measured as `analyze` reports it ([`Rendered::stats`]).
    pub fn stats(coeffs: impl Into<Stages>, gain_db: f64) -> Self {
        Self::new(coeffs, gain_db, |o| o.stats = true)
    }

    /// Filtered, gained and metered (loudness and sample peak).
    pub fn loudness(coeffs: impl Into<Stages>, gain_db: f64) -> Self {
        Self::new(coeffs, gain_db, |o| o.loudness = true)
    }
}

/// What one lane gave, in the order of the lanes.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub file: Option<SinkStats>,
    pub levels: Option<Levels>,
    pub spectrum: Option<Spectrum>,
    pub stats: Option<SignalStats>,
    pub samples: Option<Vec<f64>>,
}

/// A lane's consumers in the writer thread.
struct Taps {
    file: Option<Sink>,
    /// The file's samples as stored, for the measures below (one block, reused).
    stored: Vec<f64>,
    welch: Option<Welch>,
    stats: Option<SignalMeter>,
    /// The whole signal (tests and callers that need the samples themselves; no command keeps a
    /// whole file: `analyze` measures with [`SignalMeter`], spectra come from the streaming Welch).
    keep: Option<Vec<f64>>,
    loudness: Option<Loudness>,
}

impl Taps {
    fn new(out: Out, channels: usize, mask: u32, rate: u32, frames: u64) -> Self {
        // The kept signal's expected length (0 if unknown), reserved at once.
        let expected = usize::try_from(frames)
            .unwrap_or(0)
            .saturating_mul(channels);
        Self {
            file: out.file,
            stored: Vec::new(),
            welch: out.spectrum.then(|| Welch::new(channels, f64::from(rate))),
            stats: out.stats.then(|| SignalMeter::new(channels, mask, rate)),
            keep: out.keep.then(|| Vec::with_capacity(expected)),
            loudness: out.loudness.then(|| Loudness::new(channels, mask, rate)),
        }
    }

    fn add(&mut self, block: &mut [f64]) -> Result<(), WavError> {
        let measured = self.welch.is_some() || self.stats.is_some() || self.keep.is_some();
        // What the measures see: the file's samples as stored when there is a file.
        let seen: &[f64] = match &mut self.file {
            Some(sink) if measured => {
                self.stored.clear();
                sink.write_echo(block, &mut self.stored)?;
                &self.stored
            }
            Some(sink) => {
                sink.write(block)?;
                block
            }
            None => block,
        };
        if let Some(w) = &mut self.welch {
            w.add(seen);
        }
        if let Some(m) = &mut self.stats {
            m.add(seen);
        }
        if let Some(k) = &mut self.keep {
            k.extend_from_slice(seen);
        }
        // Last: it K-weights the block in place.
        if let Some(l) = &mut self.loudness {
            l.add(block);
        }
        Ok(())
    }

    fn finish(self) -> Result<Rendered, WavError> {
        Ok(Rendered {
            file: self.file.map(Sink::finish).transpose()?,
            levels: self.loudness.map(Loudness::finish),
            spectrum: self.welch.map(Welch::finish),
            stats: self.stats.map(SignalMeter::finish),
            samples: self.keep,
        })
    }
}

/// Blocks in flight (being read, filtered, written, or waiting): enough for the three stages to
/// overlap, and the only audio buffers a render ever allocates.
const POOL: usize = 4;

/// One block for every lane: `bufs[i]` holds lane `i`'s samples (the reader fills `bufs[0]`).
/// Sets travel reader → filter → writer → reader, so no block is allocated after the start.
type Set = Vec<Vec<f64>>;

enum ToWriter {
    Block(Set),
    Finish,
}

/// Renders the whole of `src` through every lane. `on_progress` gets the frames done so far.
pub fn render(
    src: &mut dyn Source,
    lanes: Vec<Lane>,
    block_frames: usize,
    on_progress: &mut dyn FnMut(u64),
) -> Result<Vec<Rendered>, WavError> {
    run(src, lanes, block_frames, on_progress, false)?
        .into_iter()
        .collect()
}

/// As [`render`], but at the end every lane is finished whatever became of the others: each
/// lane's result says whether its file was written (and named) or failed (and was removed). An
/// error before the end (reading, a write while rendering) is the outer one: no file is named.
pub fn render_each(
    src: &mut dyn Source,
    lanes: Vec<Lane>,
    block_frames: usize,
    on_progress: &mut dyn FnMut(u64),
) -> Result<Vec<Result<Rendered, WavError>>, WavError> {
    run(src, lanes, block_frames, on_progress, true)
}

/// A lane's result at the end: its file written, or why not.
type Finished = Result<Rendered, WavError>;

/// [`render`] and [`render_each`]: `each` finishes every lane, else the first failure stops.
fn run(
    src: &mut dyn Source,
    lanes: Vec<Lane>,
    block_frames: usize,
    on_progress: &mut dyn FnMut(u64),
    each: bool,
) -> Result<Vec<Finished>, WavError> {
    let ch = src.channels();
    let rate = src.sample_rate();
    let frames = src.frames();
    let mask = src.channel_mask();
    let (mut chains, taps): (Vec<Chain>, Vec<Taps>) = lanes
        .into_iter()
        .map(|l| {
            (
                Chain::new(l.coeffs, ch, l.gain_db),
                Taps::new(l.out, ch, mask, rate, frames),
            )
        })
        .unzip();
    let n_lanes = chains.len().max(1);
    let samples = block_frames.max(1) * ch;

    thread::scope(|s| {
        // Empty sets go back to the reader through `free`; it never waits on anything else.
        let (free_tx, free_rx) = sync_channel::<Set>(POOL);
        for _ in 0..POOL {
            let set: Set = (0..n_lanes).map(|_| Vec::with_capacity(samples)).collect();
            let _ = free_tx.send(set);
        }
        let (in_tx, in_rx) = sync_channel::<Result<(Set, usize), WavError>>(POOL);
        s.spawn(move || {
            for mut set in free_rx.iter() {
                let buf = &mut set[0];
                buf.resize(samples, 0.0); // within capacity: no allocation
                match src.read(buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        buf.truncate(n * ch);
                        if in_tx.send(Ok((set, n))).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        let _ = in_tx.send(Err(e));
                        break;
                    }
                }
            }
        });

        let (out_tx, out_rx) = sync_channel::<ToWriter>(POOL);
        let writer = s.spawn(move || write_all(out_rx, taps, free_tx, each));

        let result = (|| -> Result<(), WavError> {
            let mut done = 0u64;
            for item in &in_rx {
                let (mut set, n) = item?;
                // The other lanes copy the input before the first filters it in place.
                let (first, others) = set
                    .split_first_mut()
                    .expect("a set has one buffer per lane");
                for (out, chain) in others.iter_mut().zip(chains.iter_mut().skip(1)) {
                    out.clear();
                    out.extend_from_slice(first); // within capacity: no allocation
                    chain.process(out);
                }
                if let Some(chain) = chains.first_mut() {
                    chain.process(first);
                }
                if out_tx.send(ToWriter::Block(set)).is_err() {
                    break; // the writer failed; its error is returned below
                }
                done += n as u64;
                on_progress(done);
            }
            Ok(())
        })();
        match result {
            Ok(()) => {
                let _ = out_tx.send(ToWriter::Finish);
                drop(out_tx);
                writer.join().unwrap_or_else(|_| Err(aborted()))
            }
            Err(e) => {
                drop(out_tx); // no Finish: the writer discards its temporary files
                let _ = writer.join();
                Err(e)
            }
        }
    })
}

fn aborted() -> WavError {
    WavError::Internal("rendering stopped unexpectedly".into())
}

fn write_all(
    rx: Receiver<ToWriter>,
    mut taps: Vec<Taps>,
    free: SyncSender<Set>,
    each: bool,
) -> Result<Vec<Finished>, WavError> {
    for msg in rx {
        match msg {
            ToWriter::Block(mut set) => {
                for (tap, b) in taps.iter_mut().zip(&mut set) {
                    tap.add(b)?;
                }
                // Back to the reader (which may have finished: then the set is simply dropped).
                let _ = free.try_send(set);
            }
            // An input's outputs are named together: a signal waits for the batch, so what a
            // stopped run reports as complete is every output of the inputs it finished.
            ToWriter::Finish if each => {
                return Ok(crate::io::atomic::naming_batch(|| {
                    taps.into_iter().map(Taps::finish).collect()
                }))
            }
            // The taps after a failure are dropped: their temporary files go with them.
            ToWriter::Finish => {
                let all: Result<Vec<Rendered>, WavError> = crate::io::atomic::naming_batch(|| {
                    taps.into_iter().map(Taps::finish).collect()
                });
                return all.map(|v| v.into_iter().map(Ok).collect());
            }
        }
    }
    Err(aborted())
}
