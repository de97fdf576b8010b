//! What a session does when its audio device stops working mid-play (a sound server that dropped
//! a stream or restarted, a USB device re-enumerated, a device that stalled): it is opened again
//! every [`RETRY_EVERY`] for up to [`WAIT_FOR_DEVICE`] ([`WAIT_ENV`] changes it), at most [`MAX_RESTARTS_PER_MINUTE`]
//! times a minute. One policy for `play`, `abx`, `demo` and `live`; the callers rebuild their
//! own streams.

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
        });
        Ok(why)
    }

    /// Whether an attempt to open the device again is due now.
    pub fn due(&self) -> bool {
        self.down
            .as_ref()
            .is_some_and(|d| Instant::now() >= d.next_try)
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
}
