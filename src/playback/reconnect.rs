//! What a session does when its audio device stops working mid-play (a sound server that dropped
//! a stream or restarted, a USB device re-enumerated, a device that stalled): it is opened again
//! every [`RETRY_EVERY`] for up to [`WAIT_FOR_DEVICE`] ([`WAIT_ENV`] changes it), at most [`MAX_RESTARTS_PER_MINUTE`]
//! times a minute. One policy for `play`, `abx`, `demo` and `live`; the callers rebuild their
//! own streams.
//!
//! A reopened device is back only once it keeps asking for audio ([`Reconnector::confirm`]):
//! a stalled device (a suspended PulseAudio sink) still takes a new stream's first buffer, then
//! asks for nothing. Taking that first buffer for the device's return declared it back, lost it
//! again two seconds later as a new loss, and so used up the restarts of a minute in ten seconds
//! instead of waiting for the device.

use crate::error::{Error, Result};
use crate::playback::DeviceError;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The wait [`WAIT_ENV`] asks for; an error names the variable and its value.
fn wait_from_env() -> Result<Duration> {
    let Some(v) = std::env::var_os(WAIT_ENV) else {
        return Ok(WAIT_FOR_DEVICE);
    };
    match v.to_str().and_then(|v| v.trim().parse::<u64>().ok()) {
        Some(s) if (1..=3600).contains(&s) => Ok(Duration::from_secs(s)),
        _ => Err(Error::usage(
            WAIT_ENV,
            format!("{WAIT_ENV} must be a whole number of seconds from 1 to 3600, not {v:?}"),
        )),
    }
}

/// How long a lost device is waited for in this process (checked by [`Reconnector::new`]).
pub fn wait_for_device() -> Duration {
    static WAIT: OnceLock<Duration> = OnceLock::new();
    *WAIT.get_or_init(|| wait_from_env().unwrap_or(WAIT_FOR_DEVICE))
}

/// Restarts within a minute after which a lost device is an error after all.
pub const MAX_RESTARTS_PER_MINUTE: usize = 5;
/// How long a lost device is waited for before the session ends, unless [`WAIT_ENV`] says.
pub const WAIT_FOR_DEVICE: Duration = Duration::from_secs(30);
/// `IEMSIM_DEVICE_WAIT_S=N`: wait N seconds (1 to 3600) instead (a sound server that takes
/// longer to restart; the tests, which would otherwise sit through the 30 s).
pub const WAIT_ENV: &str = "IEMSIM_DEVICE_WAIT_S";
const RETRY_EVERY: Duration = Duration::from_secs(1);
/// How long after its first callback a reopened device must still be calling to count as back.
/// A stalled device's first buffer comes in one burst (a few periods, within milliseconds of
/// each other); a running one calls every period (21 ms at 1024 frames and 48 kHz, 85 ms at
/// 4096): a quarter second is many periods of any device that plays, and far longer than any
/// burst, while adding little to an outage.
pub const CONFIRM_AFTER: Duration = Duration::from_millis(250);
/// How long a reopened device may go without a callback before the attempt counts as failed
/// (tried again [`RETRY_EVERY`] later): longer than any period a device is opened with (4096
/// frames at 8 kHz is half a second), shorter than the 2 s a playing stream gets.
pub const CONFIRM_STALL: Duration = Duration::from_secs(1);

/// What a session's check has to tell the listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reconnect {
    /// The device was lost (for this reason); opening it again.
    Waiting(String),
    /// It is open again (after losing it for this reason).
    Back(String),
}

impl Reconnect {
    /// The line the screens show (`what` names the devices: "audio device", "audio devices"):
    /// what happens first, the backend's (long) reason after, where a narrow status line may cut
    /// it off.
    pub fn message(&self, what: &str) -> String {
        let it = if what.ends_with('s') { "them" } else { "it" };
        match self {
            Reconnect::Waiting(why) => format!(
                "lost the {what}; opening {it} again for up to {} s ({why})",
                wait_for_device().as_secs()
            ),
            Reconnect::Back(why) => format!("the {what} is back; it was lost: {why}"),
        }
    }
}

/// A lost device being waited for.
struct Down {
    why: String,
    since: Instant,
    next_try: Instant,
    /// A reopened stream proving it runs ([`Reconnector::reopened`]).
    probation: Option<Probation>,
}

/// The callbacks of a reopened stream, as the main thread sees them (between two of its looks,
/// it only knows the count went up).
struct Probation {
    /// Callbacks seen so far.
    seen: u64,
    /// When the first callback was seen (no earlier than it came).
    first: Option<Instant>,
    /// The previous look: a count that went up since was a callback after it.
    last_look: Instant,
    /// A callback surely came after this (the look before the one that saw it).
    called_after: Option<Instant>,
    /// The last look that saw the count go up (or the reopening).
    progress: Instant,
}

impl Probation {
    fn new(now: Instant) -> Self {
        Probation {
            seen: 0,
            first: None,
            last_look: now,
            called_after: None,
            progress: now,
        }
    }

    /// `Some(true)`: back (a callback came [`CONFIRM_AFTER`] after the first); `Some(false)`:
    /// stalled ([`CONFIRM_STALL`] without one); `None`: not known yet.
    fn look(&mut self, callbacks: u64, now: Instant) -> Option<bool> {
        if callbacks > self.seen {
            match self.first {
                None => self.first = Some(now),
                Some(_) => self.called_after = Some(self.last_look),
            }
            self.seen = callbacks;
            self.progress = now;
        }
        self.last_look = now;
        if let (Some(first), Some(after)) = (self.first, self.called_after) {
            if after.saturating_duration_since(first) >= CONFIRM_AFTER {
                return Some(true);
            }
        }
        (now.duration_since(self.progress) >= CONFIRM_STALL).then_some(false)
    }
}

/// What became of a reopened device ([`Reconnector::confirm`]).
#[derive(Debug, PartialEq, Eq)]
pub enum Confirm {
    /// Still proving it runs.
    Pending,
    /// It runs: back (after losing it for this reason).
    Back(String),
    /// It stalled or failed: the caller closes it; the next attempt is [`Reconnector::due`] in a
    /// second.
    Failed,
}

/// The restarts of one session, and the lost device it waits for, if any.
#[derive(Default)]
pub struct Reconnector {
    restarts: Vec<Instant>,
    down: Option<Down>,
    /// Restarts so far.
    pub restarted: u64,
    /// Time spent waiting for lost devices that came back.
    down_before: Duration,
    /// Underruns an outage caused (while the device was away and for [`OUTAGE_GRACE`] after it
    /// came back), which a longer buffer would not have prevented.
    outage_underruns: u64,
    /// The end of the grace after the last return ([`Self::back`]).
    grace_until: Option<Instant>,
}

/// How long after a lost device came back its underruns are the outage's.
const OUTAGE_GRACE: Duration = Duration::from_secs(2);

impl Reconnector {
    /// Takes the session's underrun count `now`: while the device is away, and for
    /// [`OUTAGE_GRACE`] after it came back, they are the outage's.
    pub fn note_underruns(&mut self, now: u64) {
        if self.is_down() || self.grace_until.is_some_and(|t| Instant::now() < t) {
            self.outage_underruns = now;
        }
    }

    /// The underruns of `now` that are not an outage's ([`Self::note_underruns`]).
    pub fn underruns_not_of_outages(&self, now: u64) -> u64 {
        now.saturating_sub(self.outage_underruns)
    }

    /// A session's reconnector; refuses a malformed [`WAIT_ENV`] before anything plays.
    pub fn new() -> Result<Self> {
        wait_from_env()?;
        Ok(Self::default())
    }

    /// Whether a lost device is being waited for (the session is shut down meanwhile).
    pub fn is_down(&self) -> bool {
        self.down.is_some()
    }

    /// Takes a session's error: a lost device (within the restart budget) is to be waited for
    /// (its reason returned; the caller shuts the session down, then calls [`Self::due`]); any
    /// other error is returned as it is.
    pub fn lost(&mut self, e: Error) -> Result<String> {
        let lost = e
            .domain()
            .and_then(|d| d.downcast_ref::<DeviceError>())
            .is_some_and(|d| matches!(d, DeviceError::Lost { .. }));
        self.restarts
            .retain(|t| t.elapsed() < Duration::from_secs(60));
        if !lost || self.restarts.len() >= MAX_RESTARTS_PER_MINUTE {
            return Err(e);
        }
        let now = Instant::now();
        self.restarts.push(now);
        self.restarted += 1;
        let why = e.to_string();
        self.down = Some(Down {
            why: why.clone(),
            since: now,
            next_try: now,
            probation: None,
        });
        Ok(why)
    }

    /// Whether an attempt to open the device again is due now (not while a reopened one is on
    /// probation).
    pub fn due(&self) -> bool {
        self.down
            .as_ref()
            .is_some_and(|d| d.probation.is_none() && Instant::now() >= d.next_try)
    }

    /// The device was opened again: it is not back until [`Self::confirm`] says so; the outage
    /// goes on meanwhile.
    pub fn reopened(&mut self) {
        if let Some(d) = self.down.as_mut() {
            d.probation = Some(Probation::new(Instant::now()));
        }
    }

    /// Whether a reopened device is proving it runs (the caller then calls [`Self::confirm`]).
    pub fn on_probation(&self) -> bool {
        self.down.as_ref().is_some_and(|d| d.probation.is_some())
    }

    /// Takes the reopened stream's callback count and error, if any, now: back once it has kept
    /// calling for [`CONFIRM_AFTER`]; failed (a new attempt in a second, the same outage) when it
    /// reports an error or stalls; `Err` once the device has been away for
    /// [`wait_for_device`] (see [`Self::failed`]).
    pub fn confirm(&mut self, callbacks: u64, error: Option<Error>) -> Result<Confirm> {
        let Some(p) = self.down.as_mut().and_then(|d| d.probation.as_mut()) else {
            return Ok(Confirm::Pending);
        };
        let e = match (error, p.look(callbacks, Instant::now())) {
            (Some(e), _) => e,
            (None, Some(true)) => return Ok(Confirm::Back(self.back())),
            (None, None) => return Ok(Confirm::Pending),
            (None, Some(false)) => Error::machine(format!(
                "it took its first audio, then stopped asking for more for {} s",
                CONFIRM_STALL.as_secs()
            )),
        };
        self.failed(e).map(|()| Confirm::Failed)
    }

    /// At the end of a timed run: a device still being waited for means the run did not play
    /// what it was asked to (exit 1, with the reason it was lost).
    pub fn check_back(&self) -> Result<()> {
        match &self.down {
            Some(d) => Err(Error::machine(format!(
                "the audio device had not come back {:.0} s after: {}",
                d.since.elapsed().as_secs_f64(),
                d.why
            ))),
            None => Ok(()),
        }
    }

    /// The attempt worked: the reason the device was lost.
    pub fn back(&mut self) -> String {
        let Some(d) = self.down.take() else {
            return String::new();
        };
        self.down_before += d.since.elapsed();
        self.grace_until = Some(Instant::now() + OUTAGE_GRACE);
        d.why
    }

    /// How long the session has been without its device, all outages together (a timed run
    /// counts its seconds without them: an outage must not come off the end).
    pub fn time_down(&self) -> Duration {
        self.down_before
            + self
                .down
                .as_ref()
                .map_or(Duration::ZERO, |d| d.since.elapsed())
    }

    /// The attempt failed with `e`: try again in a second, or give up (`Err`) once the device has
    /// been away for [`wait_for_device`].
    pub fn failed(&mut self, e: Error) -> Result<()> {
        let Some(down) = self.down.as_mut() else {
            return Err(e);
        };
        down.probation = None;
        let now = Instant::now();
        let wait = wait_for_device();
        if now.duration_since(down.since) < wait {
            down.next_try = now + RETRY_EVERY;
            return Ok(());
        }
        Err(e.context(format!(
            "the audio device did not come back within {} s after: {}",
            wait.as_secs(),
            down.why
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Underruns count as the outage's while the device is away and for the grace after it is
    /// back: those of a stream restarting are not the buffer's fault; before and after, they are.
    #[test]
    fn underruns_are_the_outages_only_while_it_lasts_and_its_grace() {
        let mut r = Reconnector::default();
        r.note_underruns(2);
        assert_eq!(r.underruns_not_of_outages(2), 2, "no outage: the buffer's");
        assert!(r.lost(lost_error()).is_ok());
        r.note_underruns(4);
        let _ = r.back();
        r.note_underruns(5);
        assert_eq!(
            r.underruns_not_of_outages(5),
            0,
            "the outage's, within the grace"
        );
        r.grace_until = Instant::now().checked_sub(Duration::from_millis(1));
        r.note_underruns(9);
        assert_eq!(
            r.underruns_not_of_outages(9),
            4,
            "after the grace: the buffer's again"
        );
    }

    fn lost_error() -> Error {
        DeviceError::Lost {
            device: "vsink".into(),
            detail: "it stopped asking for audio 2 s ago".into(),
        }
        .into()
    }

    #[test]
    fn a_lost_device_is_waited_for_other_errors_are_not() {
        let mut r = Reconnector::default();
        assert!(r.lost(Error::machine("disk on fire")).is_err());
        assert!(!r.is_down());
        let why = r.lost(lost_error()).expect("a lost device is waited for");
        assert!(why.contains("stopped asking"), "{why}");
        assert!(r.is_down() && r.due());
        // A failed attempt waits a second before the next.
        assert!(r.failed(lost_error()).is_ok());
        assert!(r.is_down() && !r.due());
        assert_eq!(r.back(), why);
        assert!(!r.is_down());
    }

    #[test]
    fn too_many_restarts_a_minute_end_the_session() {
        let mut r = Reconnector::default();
        for _ in 0..MAX_RESTARTS_PER_MINUTE {
            assert!(r.lost(lost_error()).is_ok());
            r.back();
        }
        assert!(r.lost(lost_error()).is_err());
        assert_eq!(r.restarted, MAX_RESTARTS_PER_MINUTE as u64);
    }

    /// A stalled device's first buffer (one burst of callbacks) is not its return, however late
    /// the main thread looks; callbacks that go on for a quarter second are.
    #[test]
    fn a_reopened_device_is_back_only_once_it_keeps_calling() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // The burst seen over two looks, then nothing: stalled after CONFIRM_STALL.
        let mut p = Probation::new(t0);
        assert_eq!(p.look(1, at(5)), None);
        assert_eq!(p.look(3, at(30)), None);
        assert_eq!(p.look(3, at(600)), None);
        assert_eq!(p.look(3, at(1031)), Some(false));
        // A late look that sees the rest of the burst proves nothing: it may have come at once.
        let mut p = Probation::new(t0);
        assert_eq!(p.look(1, at(5)), None);
        assert_eq!(p.look(3, at(400)), None);
        assert_eq!(p.look(3, at(420)), None);
        // A device that plays: a callback every 21 ms, looked at every 10 ms.
        let mut p = Probation::new(t0);
        let back = (1..100).find_map(|i| p.look(i * 10 / 21, at(i * 10)).map(|b| (b, i * 10)));
        // First seen at 30 ms; the callback at 294 ms is seen at 300 ms (after the look at 290).
        assert_eq!(back, Some((true, 300)));
    }

    /// A reopened device that stalls is the same outage: no restart counted, tried again a
    /// second later; the one that runs ends it.
    #[test]
    fn a_stall_on_probation_is_the_same_outage() {
        let mut r = Reconnector::default();
        r.lost(lost_error()).expect("waited for");
        r.reopened();
        assert!(r.is_down() && r.on_probation() && !r.due());
        assert_eq!(r.confirm(2, None).expect("pending"), Confirm::Pending);
        assert_eq!(
            r.confirm(2, Some(lost_error())).expect("failed"),
            Confirm::Failed
        );
        assert!(r.is_down() && !r.on_probation() && !r.due());
        assert_eq!(r.restarted, 1);
        r.down.as_mut().expect("down").next_try = Instant::now();
        assert!(r.due());
        r.reopened();
        if let Some(p) = r.down.as_mut().and_then(|d| d.probation.as_mut()) {
            p.first = Instant::now().checked_sub(CONFIRM_AFTER * 2);
            p.last_look = Instant::now().checked_sub(CONFIRM_AFTER).expect("uptime");
            p.seen = 1;
        }
        let why = match r.confirm(5, None).expect("back") {
            Confirm::Back(why) => why,
            other => panic!("{other:?}"),
        };
        assert!(why.contains("stopped asking"), "{why}");
        assert!(!r.is_down());
        assert_eq!(r.restarted, 1);
    }
}
