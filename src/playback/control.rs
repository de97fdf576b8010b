//! The state the UI, the feeder and the audio callback share: which [`Side`] is live, and the
//! [`Control`] block of atomics (requests in, positions, levels and counters out). Separate from
//! the engine because every thread touches it, while only the callback runs the engine.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering::*};

/// A side of the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Side {
    A,
    B,
}

impl Side {
    pub fn index(self) -> usize {
        match self {
            Side::A => 0,
            Side::B => 1,
        }
    }

    pub fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }

    pub fn from_index(i: u8) -> Side {
        if i == 0 {
            Side::A
        } else {
            Side::B
        }
    }

    pub fn label(self) -> char {
        match self {
            Side::A => 'A',
            Side::B => 'B',
        }
    }
}

/// Everything the UI and the feeder share with the callback: atomics only.
#[derive(Debug, Default)]
pub struct Control {
    // UI → callback
    pub live: AtomicU8,
    pub paused: AtomicBool,
    pub matching: AtomicBool,
    // Seek handshake (UI → feeder → callback → feeder), see `request_seek`.
    pub seek_epoch: AtomicU64,
    pub seek_frame: AtomicU64,
    pub feeder_stopped_epoch: AtomicU64,
    pub drained_epoch: AtomicU64,
    /// Loop region in file frames; `loop_end == 0` means no loop. Read by the feeder.
    pub loop_start: AtomicU64,
    pub loop_end: AtomicU64,
    pub shutdown: AtomicBool,
    // feeder → callback
    pub eof: AtomicBool,
    // callback → UI
    /// Playback position in file frames (what has been handed to the device).
    pub position: AtomicU64,
    /// Peak |sample| per output channel (first two) since the UI last took it, as f32 bits.
    pub peak_bits: [AtomicU32; 2],
    pub underruns: AtomicU64,
    pub finished: AtomicBool,
    /// The stream frame (on `frames_rendered`'s count) just past the file's last frame: where
    /// its sound ended, stored before `finished` is set.
    pub end_frame: AtomicU64,
    /// Device frames rendered so far.
    pub frames_rendered: AtomicU64,
    /// Number of crossfades started, and the file position (frames) where the last one began.
    pub switches: AtomicU64,
    pub last_switch_position: AtomicU64,
    /// The stream frame (on `frames_rendered`'s count) where the last crossfade began: the
    /// moment it is heard, counted from the first frame the device played.
    pub last_switch_frame: AtomicU64,
    /// UI → callback: the stream frame (on `frames_rendered`'s count) from which the callback
    /// fades out as on pause, wherever in a buffer it falls (`play --no-tui --duration`); 0: none.
    pub stop_at: AtomicU64,
    /// Profile installs completed (a new chain faded in).
    pub installs: AtomicU64,
    /// Matched-gain commands the callback has taken, and whether a glide is still moving: with
    /// the number sent, they tell when the gains heard are the gains last sent (ABX starts its
    /// trials only then).
    pub gains_received: AtomicU64,
    pub gliding: AtomicBool,
    /// Callback duration as a fraction of the buffer period, f32 bits (set by the device wrapper).
    pub load_bits: AtomicU32,
}

impl Control {
    pub fn new(matching: bool) -> Self {
        let c = Self::default();
        c.matching.store(matching, Relaxed);
        c
    }

    pub fn live(&self) -> Side {
        Side::from_index(self.live.load(Relaxed))
    }

    pub fn set_live(&self, side: Side) {
        self.live.store(side.index() as u8, Release);
    }

    pub fn paused(&self) -> bool {
        self.paused.load(Relaxed)
    }

    pub fn toggle_pause(&self) -> bool {
        let p = !self.paused.load(Relaxed);
        self.paused.store(p, Relaxed);
        p
    }

    pub fn matching(&self) -> bool {
        self.matching.load(Relaxed)
    }

    pub fn set_matching(&self, on: bool) {
        self.matching.store(on, Relaxed);
    }

    /// Makes `to` the live side and waits (up to `timeout`) for the callback to start the
    /// crossfade, which it does at its next buffer; the stream position (frames) where it began.
    /// For the scripted modes, which report where each switch landed.
    pub fn switch_and_wait(&self, to: Side, timeout: std::time::Duration) -> u64 {
        let before = self.switches.load(Acquire);
        self.set_live(to);
        let until = std::time::Instant::now() + timeout;
        while self.switches.load(Acquire) == before && std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        self.last_switch_position.load(Acquire)
    }

    /// Asks for a jump to `frame` (file frames). The feeder stops filling the ring, the callback fades
    /// out, empties the ring and resets the filters, then the feeder resumes from `frame`.
    pub fn request_seek(&self, frame: u64) {
        self.seek_frame.store(frame, Release);
        self.seek_epoch.fetch_add(1, AcqRel);
    }

    /// Where playback is or is about to be (file frames): the target of a seek the callback has
    /// not finished yet, else the position. Relative seeks start here, so three → pressed before
    /// the first jump lands move 15 s, not 5.
    pub fn position_or_target(&self) -> u64 {
        if self.seek_epoch.load(Acquire) != self.drained_epoch.load(Acquire) {
            self.seek_frame.load(Acquire)
        } else {
            self.position.load(Acquire)
        }
    }

    /// A block for a restarted stream (the device was lost): what the listener set (live side,
    /// pause, matching, loop) and the counters they see, with the handshakes and the engine's
    /// acknowledgements starting afresh.
    pub fn carried_over(&self) -> Control {
        let c = Control::new(self.matching.load(Acquire));
        let copy = |to: &AtomicU64, from: &AtomicU64| to.store(from.load(Acquire), Relaxed);
        c.live.store(self.live.load(Acquire), Relaxed);
        c.paused.store(self.paused.load(Acquire), Relaxed);
        copy(&c.loop_start, &self.loop_start);
        copy(&c.loop_end, &self.loop_end);
        copy(&c.underruns, &self.underruns);
        copy(&c.frames_rendered, &self.frames_rendered);
        copy(&c.switches, &self.switches);
        copy(&c.last_switch_position, &self.last_switch_position);
        copy(&c.last_switch_frame, &self.last_switch_frame);
        copy(&c.stop_at, &self.stop_at);
        c
    }

    /// Takes the peak levels (linear) since the last call.
    pub fn take_peaks(&self) -> [f32; 2] {
        [0, 1].map(|i| f32::from_bits(self.peak_bits[i].swap(0, AcqRel)))
    }

    pub fn load(&self) -> f32 {
        f32::from_bits(self.load_bits.load(Relaxed))
    }

    pub fn load_pct(&self) -> f64 {
        f64::from(self.load()) * 100.0
    }

    /// Output peak per channel (dBFS) since the last call.
    pub fn take_levels_dbfs(&self) -> [f64; 2] {
        self.take_peaks()
            .map(|p| 20.0 * f64::from(p).max(1e-10).log10())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_seeks_before_the_first_lands_add_up() {
        let c = Control::new(true);
        c.position.store(1000, Relaxed);
        assert_eq!(c.position_or_target(), 1000);
        // Three +500 steps, none drained yet: each starts from the previous target.
        for _ in 0..3 {
            let from = c.position_or_target();
            c.request_seek(from + 500);
        }
        assert_eq!(c.position_or_target(), 2500);
        // Once the callback drained the last request, the position (now the target) counts.
        c.drained_epoch.store(c.seek_epoch.load(Acquire), Release);
        c.position.store(2600, Relaxed);
        assert_eq!(c.position_or_target(), 2600);
    }
}
