//! [`DeviceError`]: what can go wrong with the audio device, and the mapping from cpal's error
//! kinds to it. Separate from device selection and the stream because both use it, and because
//! the wording (what the user should try next) is its own concern.

use crate::error::{Class, Error, Subject};
use cpal::ErrorKind;

/// What went wrong with the audio device, phrased so the user knows what to try next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    #[error(
        "no audio output device found; on a headless machine there is no sound card — try \
         `iemsim export` to write WAVs instead, or start PulseAudio"
    )]
    NoDevice,
    #[error(
        "no audio output device matches \"{name}\"; available: {} (see `iemsim devices`)",
        list_or_none(available)
    )]
    NotFound {
        name: String,
        available: Vec<String>,
    },
    #[error(
        "no audio input (capture) device found; on Linux start PulseAudio or PipeWire, or pick one \
         with --input (see `iemsim devices`)"
    )]
    NoInputDevice,
    #[error(
        "no audio input device matches \"{name}\"; available inputs: {} (see `iemsim devices`)",
        list_or_none(available)
    )]
    InputNotFound {
        name: String,
        available: Vec<String>,
    },
    #[error(
        "audio device \"{device}\" is busy (another program holds it); close that program or pick \
         another device with --device"
    )]
    Busy { device: String },
    #[error(
        "audio device \"{device}\" offers no usable output format ({detail}); pick another device \
         with --device (see `iemsim devices`)"
    )]
    UnsupportedConfig { device: String, detail: String },
    #[error(
        "audio device \"{device}\" stopped working ({detail}); it may have been unplugged or its \
         sound server stopped — check it and try again"
    )]
    Lost { device: String, detail: String },
    #[error(
        "audio device \"{device}\" cannot reach its sound server ({detail}): is PulseAudio or \
         PipeWire running (and PULSE_SERVER, if set, right)? Start it, or try `iemsim export` to \
         write files instead"
    )]
    NoServer { device: String, detail: String },
    #[error("audio device error: {detail}")]
    Other { detail: String },
}

/// A name the user typed that matches no device (`--device`, `--input`): bad input, exit 2, like
/// an unknown profile. A missing, busy or failing device is the machine's: exit 1.
impl From<DeviceError> for Error {
    fn from(e: DeviceError) -> Self {
        use DeviceError as D;
        let (class, device) = match &e {
            D::NotFound { name, .. } | D::InputNotFound { name, .. } => (Class::Input, Some(name)),
            D::Busy { device }
            | D::UnsupportedConfig { device, .. }
            | D::Lost { device, .. }
            | D::NoServer { device, .. } => (Class::Machine, Some(device)),
            D::NoDevice | D::NoInputDevice | D::Other { .. } => (Class::Machine, None),
        };
        let subject = device.map(|d| Subject::Device(d.clone()));
        Self::of(class, subject, e)
    }
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// Maps a cpal error to ours. `is_default`: on a machine without a sound card the default ALSA
/// device still exists by name (`default` → card 0) but cannot open: that is "no device", not a
/// device that was lost.
pub(super) fn translate(e: cpal::Error, device: &str, is_default: bool) -> DeviceError {
    let (device, detail) = (device.to_string(), e.to_string());
    match e.kind() {
        ErrorKind::HostUnavailable => DeviceError::NoDevice,
        ErrorKind::DeviceNotAvailable if is_default => DeviceError::NoDevice,
        ErrorKind::DeviceNotAvailable | ErrorKind::StreamInvalidated => {
            DeviceError::Lost { device, detail }
        }
        ErrorKind::DeviceBusy => DeviceError::Busy { device },
        ErrorKind::UnsupportedConfig | ErrorKind::UnsupportedOperation => {
            DeviceError::UnsupportedConfig { device, detail }
        }
        // ALSA's pulse plugin when the server is down or PULSE_SERVER points nowhere: ECONNREFUSED
        // from snd_pcm_open, a raw errno the user cannot act on as it stands.
        _ if detail.contains("Connection refused") => DeviceError::NoServer { device, detail },
        _ => DeviceError::Other {
            detail: format!("{device}: {detail}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_to_try() {
        let m = DeviceError::NoDevice.to_string();
        assert!(
            m.contains("iemsim export") && m.contains("PulseAudio"),
            "{m}"
        );
        let m = DeviceError::NotFound {
            name: "usb".into(),
            available: vec!["default".into(), "pulse".into()],
        }
        .to_string();
        assert!(m.contains("\"usb\"") && m.contains("default, pulse"), "{m}");
        let e = cpal::Error::new(ErrorKind::DeviceNotAvailable);
        assert_eq!(translate(e.clone(), "default", true), DeviceError::NoDevice);
        assert!(matches!(
            translate(e, "usb", false),
            DeviceError::Lost { .. }
        ));
        // What cpal reports when the sound server is down (measured: PulseAudio killed).
        let e = cpal::Error::with_message(
            ErrorKind::BackendError,
            "ALSA function 'snd_pcm_open' failed with error 'Connection refused (111)'",
        );
        let m = translate(e, "default", true).to_string();
        assert!(
            m.contains("sound server") && m.contains("PulseAudio"),
            "{m}"
        );
    }
}
