//! A playing A/B session: the file, two profiles matched in loudness, the feeder thread, the engine
//! on the device. `play`, `abx` and `demo` all drive one of these; they never touch the callback.

use super::device::{self, Running};
use super::engine::{Control, Engine, EngineCmd, EngineHandles, Side, SideChain};
use super::feeder;
use crate::dsp::{db_to_gain, Chain, Preamp, Profile};
use crate::io::{Decoder, Info};
use crate::render::matching::{self, Matched};
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::*;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How much audio the feeder keeps ahead of the callback.
const RING_S: f64 = 0.5;
/// Audio decoded before the device starts (no underrun at the start).
const PREFILL_S: f64 = 0.1;

/// What to play.
#[derive(Debug, Clone)]
pub struct PlayerConfig {
    pub input: PathBuf,
    pub profiles: [Profile; 2],
    pub device: Option<String>,
    /// Frames per callback to ask for (`None`: the device layer's default).
    pub buffer_frames: Option<u32>,
    pub matching: bool,
    pub start_s: f64,
    pub loop_s: Option<(f64, f64)>,
    pub quiet: bool,
}

/// One side as the UI shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SideInfo {
    pub profile: String,
    pub description: String,
    /// Loudness of the file through the profile at 0 dB gain (LUFS).
    pub loudness_lufs: f64,
    /// Anti-clipping preamp (−largest boost).
    pub preamp_db: f64,
    /// Output gain with matching on (preamp + match).
    pub gain_matched_db: f64,
    /// Magnitude response (Hz, dB) for the chart.
    #[serde(skip)]
    pub response: Vec<(f64, f64)>,
}

pub struct Player {
    pub ctl: Arc<Control>,
    running: Option<Running>,
    feeder: Option<JoinHandle<Result<(), feeder::FeedError>>>,
    handles: EngineHandles,
    pub info: Info,
    pub input: PathBuf,
    pub sides: [SideInfo; 2],
    profiles: [Profile; 2],
    pub device_name: String,
    pub device_rate: u32,
    pub device_channels: u16,
    pub buffer_frames: Option<u32>,
    /// Time spent measuring loudness before playback.
    pub analysis_s: f64,
    /// From `Player::start` to the first callback.
    pub first_callback_s: Option<f64>,
    /// `rewind_when_finished` already went back to the start for this ending.
    rewound: bool,
    /// The headphone correction the caller put in front of both sides; profiles loaded later
    /// (the play screen's keys) go through it too, via [`Player::through_headphones`].
    pub headphones: Option<crate::profiles::headphones::Correction>,
}

/// Builds the chain of `profile` at `rate` with 0 dB gain (the engine applies the gains).
/// (The callers refuse first a profile giving a channel the device lacks its own filters:
/// [`Profile::check_channels`].)
fn chain_for(profile: &Profile, channels: usize, rate: f64) -> Chain {
    Chain::new(profile.stages(rate, channels), channels, 0.0)
}

fn response_points(profile: &Profile) -> Vec<(f64, f64)> {
    profile.response_curve(48_000.0)
}

impl Player {
    /// Measures the file's loudness through both profiles (reporting `(frames done, frames in the
    /// file)` to `on_progress`, from the analysis threads), then starts the device. The progress
    /// display is the caller's: playback does not depend on the user interface.
    pub fn start(
        cfg: PlayerConfig,
        on_progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<Player> {
        let t0 = Instant::now();
        crate::io::decode::require_seekable(
            &cfg.input,
            "play measures its loudness first, then plays it and seeks in it",
        )?;
        let src = Decoder::open(&cfg.input)?;
        let info = *src.info();
        let file_rate = f64::from(info.sample_rate);

        let output = device::open_with_period(
            cfg.device.as_deref(),
            info.sample_rate,
            cfg.buffer_frames.unwrap_or(device::PREFERRED_BUFFER_FRAMES),
        )?;
        let device_rate = output.rate();
        let device_channels = output.channels();
        let dch = usize::from(device_channels);
        let drate = f64::from(device_rate);
        for p in &cfg.profiles {
            p.check_channels(dch)?;
        }

        // Loudness of the file through both profiles, as the device will play it (mixed to its
        // channels), before anything plays.
        let t_analysis = Instant::now();
        let (l, nonfinite) = matching::analyse_heard(
            &cfg.input,
            &[&cfg.profiles[0], &cfg.profiles[1]],
            dch,
            on_progress,
        )?;
        if let (Some(w), false) = (nonfinite, cfg.quiet) {
            eprintln!("iemsim: warning: {w}");
        }
        let analysis_s = t_analysis.elapsed().as_secs_f64();
        let m = Matched::new(
            [l[0], l[1]],
            [&cfg.profiles[0], &cfg.profiles[1]],
            file_rate,
        );
        let (lufs, pre, gains) = (m.lufs, m.preamp_db, m.gain_db);

        let ctl = Arc::new(Control::new(cfg.matching));
        let frames = info.frames;
        let to_frame = |s: f64| ((s.max(0.0) * file_rate) as u64).min(frames);
        if let Some((a, b)) = cfg.loop_s {
            ctl.loop_start.store(to_frame(a), Relaxed);
            ctl.loop_end.store(to_frame(b), Relaxed);
        }
        let start_frame = match cfg.loop_s {
            Some((a, _)) => to_frame(a),
            None => to_frame(cfg.start_s),
        };
        let mut src = src;
        if start_frame > 0 {
            src.seek(start_frame)?;
        }
        // At least 0.5 s, and room for a few resampled blocks whatever the rate ratio.
        let ring_len = ((RING_S * drate) as usize)
            .max(4 * feeder::max_block_frames(info.sample_rate, device_rate))
            * dch;
        let (producer, consumer) = rtrb::RingBuffer::new(ring_len);
        let side = |i: usize| SideChain {
            chain: Box::new(chain_for(&cfg.profiles[i], dch, drate)),
            gain_matched: db_to_gain(gains[i]),
            gain_plain: db_to_gain(pre[i]),
        };
        let (mut engine, handles) = Engine::new(
            Arc::clone(&ctl),
            consumer,
            [side(0), side(1)],
            dch,
            device_rate,
            info.sample_rate,
        );
        engine.set_position(start_frame);
        let feeder = feeder::spawn(src, Arc::clone(&ctl), producer, device_rate, dch)?;

        // Let the feeder get ahead before the device asks for anything.
        let prefill_until = Instant::now() + Duration::from_secs(1);
        while engine.buffered_frames() < (PREFILL_S * drate) as usize
            && !ctl.eof.load(Acquire)
            && Instant::now() < prefill_until
        {
            std::thread::sleep(Duration::from_millis(2));
        }

        let load_ctl = Arc::clone(&ctl);
        let running = output.start(move |buf: &mut [f32]| {
            let t = Instant::now();
            engine.render(buf);
            let period = (buf.len() / dch) as f64 / drate;
            if period > 0.0 {
                let load = (t.elapsed().as_secs_f64() / period) as f32;
                load_ctl.load_bits.store(load.to_bits(), Relaxed);
            }
        })?;
        let buffer_frames = running.buffer_frames();
        let device_name = running.device_name().to_string();

        // Wait for the first callback (it tells the device really runs).
        let mut first_callback_s = None;
        let until = Instant::now() + Duration::from_secs(2);
        while Instant::now() < until {
            if running.stats().callbacks > 0 {
                first_callback_s = Some(t0.elapsed().as_secs_f64());
                break;
            }
            if let Some(e) = running.error() {
                return Err(e.into());
            }
            std::thread::sleep(Duration::from_millis(1));
        }

        let sides = [0, 1].map(|i| SideInfo {
            profile: cfg.profiles[i].name.clone(),
            description: cfg.profiles[i].description.clone(),
            loudness_lufs: lufs[i],
            preamp_db: pre[i],
            gain_matched_db: gains[i],
            response: response_points(&cfg.profiles[i]),
        });
        Ok(Player {
            ctl,
            running: Some(running),
            feeder: Some(feeder),
            handles,
            info,
            input: cfg.input,
            sides,
            profiles: cfg.profiles,
            headphones: None,
            device_name,
            device_rate,
            device_channels,
            buffer_frames,
            analysis_s,
            first_callback_s,
            rewound: false,
        })
    }

    pub fn duration_s(&self) -> f64 {
        self.info.duration_s()
    }

    /// The playback position, or the target of a seek still under way (so the screen and the
    /// next relative seek agree with what was asked for).
    pub fn position_s(&self) -> f64 {
        self.ctl.position_or_target() as f64 / f64::from(self.info.sample_rate)
    }

    pub fn live(&self) -> Side {
        self.ctl.live()
    }

    pub fn set_live(&self, side: Side) {
        self.ctl.set_live(side);
    }

    pub fn toggle_pause(&self) -> bool {
        let p = !self.ctl.paused.load(Relaxed);
        self.ctl.paused.store(p, Relaxed);
        p
    }

    pub fn paused(&self) -> bool {
        self.ctl.paused.load(Relaxed)
    }

    pub fn matching(&self) -> bool {
        self.ctl.matching.load(Relaxed)
    }

    pub fn set_matching(&self, on: bool) {
        self.ctl.matching.store(on, Relaxed);
    }

    fn frame_of(&self, s: f64) -> u64 {
        ((s.max(0.0) * f64::from(self.info.sample_rate)) as u64).min(self.info.frames)
    }

    pub fn seek_s(&self, s: f64) {
        let s = s.clamp(0.0, self.duration_s());
        self.ctl.request_seek(self.frame_of(s));
    }

    /// Seeks `d_s` seconds from where playback is or is about to be (see
    /// `Control::position_or_target`).
    pub fn seek_by(&self, d_s: f64) {
        self.seek_s(self.position_s() + d_s);
    }

    /// Loop `a..b` seconds (and jump to `a`), or clear the loop.
    pub fn set_loop(&self, range: Option<(f64, f64)>) {
        match range {
            Some((a, b)) if b > a => {
                self.ctl.loop_start.store(self.frame_of(a), Release);
                self.ctl.loop_end.store(self.frame_of(b), Release);
                self.seek_s(a);
            }
            _ => self.ctl.loop_end.store(0, Release),
        }
    }

    pub fn loop_s(&self) -> Option<(f64, f64)> {
        let (a, b) = (
            self.ctl.loop_start.load(Relaxed),
            self.ctl.loop_end.load(Relaxed),
        );
        let r = f64::from(self.info.sample_rate);
        (b > a).then(|| (a as f64 / r, b as f64 / r))
    }

    /// True once the whole file has been played (and no loop is set).
    pub fn finished(&self) -> bool {
        self.ctl.finished.load(Acquire)
    }

    /// For the interactive screens, called once per frame: when the file has played to its end,
    /// pause and go back to the start (once), so `space` plays it again.
    pub fn rewind_when_finished(&mut self) {
        if self.finished() && self.loop_s().is_none() {
            if !self.rewound {
                self.ctl.paused.store(true, Relaxed);
                self.seek_s(0.0);
                self.rewound = true;
            }
        } else {
            self.rewound = false;
        }
    }

    /// Output peak per channel (dBFS) since the last call.
    pub fn take_levels_dbfs(&self) -> [f64; 2] {
        self.ctl
            .take_peaks()
            .map(|p| 20.0 * f64::from(p).max(1e-10).log10())
    }

    /// The backend's latest estimate of callback-to-speaker delay, when it gives timestamps.
    pub fn output_latency_s(&self) -> Option<f64> {
        let us = self.running.as_ref()?.stats().latency_us;
        (us > 0).then(|| us as f64 / 1e6)
    }

    /// Underruns: the feeder fell behind (ours) plus those the backend reported.
    pub fn underruns(&self) -> u64 {
        self.ctl.underruns.load(Relaxed) + self.running.as_ref().map_or(0, |r| r.stats().xruns)
    }

    pub fn load_pct(&self) -> f64 {
        f64::from(self.ctl.load()) * 100.0
    }

    /// `profile` behind this player's headphone correction, if any.
    pub fn through_headphones(&self, profile: Profile) -> Profile {
        crate::profiles::headphones::through(self.headphones.as_ref(), profile)
    }

    pub fn profile(&self, side: Side) -> &Profile {
        &self.profiles[side.index()]
    }

    /// A fatal device error (device lost mid-play), or a decode error from the feeder.
    pub fn check(&mut self) -> Result<()> {
        if let Some(e) = self.running.as_ref().and_then(Running::error) {
            return Err(e.into());
        }
        if self.feeder.as_ref().is_some_and(JoinHandle::is_finished) {
            if let Some(h) = self.feeder.take() {
                match h.join() {
                    Ok(Err(e)) => return Err(e.into()),
                    Ok(Ok(())) => {}
                    Err(_) => anyhow::bail!("the decoding thread stopped unexpectedly"),
                }
            }
        }
        // Replaced chains come back from the audio thread to be freed here.
        while self.handles.trash.pop().is_ok() {}
        Ok(())
    }

    /// Puts `profile` on `side` (a click-free crossfade once its filters have settled), and
    /// re-matches loudness of both sides.
    pub fn set_profile(&mut self, side: Side, profile: Profile) -> Result<()> {
        let i = side.index();
        let fs = f64::from(self.info.sample_rate);
        let heard = usize::from(self.device_channels);
        profile.check_channels(heard)?;
        let new_lufs = matching::analyse_heard(&self.input, &[&profile], heard, &mut |_, _| {})
            .map(|(l, _)| l)
            .with_context(|| format!("measuring {}", self.input.display()))?;
        let mut l = [self.sides[0].loudness_lufs, self.sides[1].loudness_lufs];
        l[i] = new_lufs[0];
        let mut pre = [self.sides[0].preamp_db, self.sides[1].preamp_db];
        pre[i] = profile.preamp_db(Preamp::Auto, fs);
        let gains = Matched::from_parts(l, pre).gain_db;
        let drate = f64::from(self.device_rate);
        let chain = SideChain {
            chain: Box::new(chain_for(
                &profile,
                usize::from(self.device_channels),
                drate,
            )),
            gain_matched: db_to_gain(gains[i]),
            gain_plain: db_to_gain(pre[i]),
        };
        self.handles
            .cmds
            .push(EngineCmd::Install { side, chain })
            .map_err(|_| anyhow::anyhow!("a profile change is still in progress; try again"))?;
        let o = side.other().index();
        let _ = self.handles.cmds.push(EngineCmd::SetGain {
            side: side.other(),
            gain_matched: db_to_gain(gains[o]),
        });
        self.sides[i] = SideInfo {
            profile: profile.name.clone(),
            description: profile.description.clone(),
            loudness_lufs: new_lufs[0],
            preamp_db: pre[i],
            gain_matched_db: gains[i],
            response: response_points(&profile),
        };
        self.sides[o].gain_matched_db = gains[o];
        self.profiles[i] = profile;
        Ok(())
    }

    /// Stops cleanly: lets the device play out what it still holds (its latency + 50 ms), then
    /// stops the stream and the feeder.
    pub fn stop(mut self) {
        let tail = self.running.as_ref().map_or(Duration::ZERO, |r| r.tail());
        std::thread::sleep(tail);
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.ctl.shutdown.store(true, Release);
        self.running.take();
        if let Some(h) = self.feeder.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// What to tell the listener when underruns start: the device ran dry because the callback
/// period is too short for this machine. A buffer twice as long (a power of two, at least 1024
/// frames, the size that played without underruns on the machines we measured) usually cures it.
pub fn underrun_advice(underruns: u64, buffer_frames: Option<u32>) -> String {
    let now = buffer_frames.unwrap_or(device::PREFERRED_BUFFER_FRAMES);
    let suggest = now.saturating_mul(2).max(1024).next_power_of_two();
    format!(
        "{underruns} underrun{} (audible dropouts): the {now}-frame buffer is too short here; try --buffer {suggest}",
        if underruns == 1 { "" } else { "s" }
    )
}

/// The bundled-sample-relative display name of a file.
pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn underrun_advice_suggests_a_longer_buffer() {
        let a = super::underrun_advice(36, Some(64));
        assert!(
            a.starts_with("36 underruns") && a.contains("--buffer 1024"),
            "{a}"
        );
        assert!(super::underrun_advice(1, Some(1500)).contains("1 underrun ("));
        assert!(super::underrun_advice(2, Some(1500)).contains("--buffer 4096"));
    }
}
