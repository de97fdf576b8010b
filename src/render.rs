//! Offline rendering: a file through one or more cascades into one or more sinks, as fast as the
//! machine allows.
//!
//! Three stages joined by bounded channels (so memory stays constant whatever the file length):
//! a reader thread decodes blocks, the calling thread filters them, a writer thread dithers,
//! encodes and writes. On these 2-core machines filtering a 10-stage stereo cascade and encoding
//! 24-bit output cost about the same, so overlapping them nearly halves the wall time. (Splitting
//! channels across threads was tried and measured slower: a mono cascade leaves the CPU waiting on
//! each sample's feedback, while two interleaved channels share that wait.)
//!
//! The writer commits its files only on an explicit `Finish`: if anything fails upstream, the
//! channel closes without it and every temporary file is removed, never renamed.

use crate::dsp::{Chain, Coefficients, Processor};
use crate::io::{Decoder, Sink, SinkStats, WavError};
use std::sync::mpsc::{sync_channel, Receiver};
use std::thread;

/// One output: the cascade's coefficients and output gain, and where it goes.
pub struct Lane {
    pub coeffs: Vec<Coefficients>,
    pub gain_db: f64,
    pub sink: Sink,
}

enum ToWriter {
    Block(Vec<Vec<f64>>),
    Finish,
}

/// Renders the whole of `src` through every lane. `on_progress` gets the frames done so far.
pub fn render(
    src: &mut Decoder,
    lanes: Vec<Lane>,
    block_frames: usize,
    on_progress: &mut dyn FnMut(u64),
) -> Result<Vec<SinkStats>, WavError> {
    let ch = usize::from(src.info().channels);
    let (mut chains, sinks): (Vec<Chain>, Vec<Sink>) = lanes
        .into_iter()
        .map(|l| (Chain::new(l.coeffs, ch, l.gain_db), l.sink))
        .unzip();

    thread::scope(|s| {
        let (in_tx, in_rx) = sync_channel::<Result<(Vec<f64>, usize), WavError>>(2);
        s.spawn(move || loop {
            let mut buf = vec![0.0; block_frames * ch];
            match src.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    buf.truncate(n * ch);
                    if in_tx.send(Ok((buf, n))).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = in_tx.send(Err(e.into()));
                    break;
                }
            }
        });

        let (out_tx, out_rx) = sync_channel::<ToWriter>(2);
        let writer = s.spawn(move || write_all(out_rx, sinks));

        let result = (|| -> Result<(), WavError> {
            let mut done = 0u64;
            for item in &in_rx {
                let (block, n) = item?;
                let mut outs: Vec<Vec<f64>> = Vec::with_capacity(chains.len());
                for chain in chains.iter_mut().skip(1) {
                    let mut out = block.clone();
                    chain.process(&mut out);
                    outs.push(out);
                }
                // The first lane filters the block in place (no copy for the common single profile).
                let mut first = block;
                if let Some(chain) = chains.first_mut() {
                    chain.process(&mut first);
                    outs.insert(0, first);
                }
                if out_tx.send(ToWriter::Block(outs)).is_err() {
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
    WavError::Write {
        path: "(output)".into(),
        source: std::io::Error::other("rendering stopped unexpectedly"),
    }
}

fn write_all(rx: Receiver<ToWriter>, mut sinks: Vec<Sink>) -> Result<Vec<SinkStats>, WavError> {
    for msg in rx {
        match msg {
            ToWriter::Block(blocks) => {
                for (sink, b) in sinks.iter_mut().zip(&blocks) {
                    sink.write(b)?;
                }
            }
            ToWriter::Finish => return sinks.into_iter().map(Sink::finish).collect(),
        }
    }
    Err(aborted())
}
