//! Remembered settings (`iemsim config set KEY VALUE`): `CONFIG/config.toml`, e.g.
//! `headphones = "/home/me/HD 600 ParametricEQ.txt"`, so a user names their headphones once.

use super::config_dir;
use crate::error::{Class, Error, Subject};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Settings {
    /// The headphone correction every playing or rendering command applies (absolute path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headphones: Option<PathBuf>,
    /// The target a headphone measurement CSV is corrected to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headphone_target: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("no config folder on this system (set {})", super::CONFIG_DIR_ENV)]
    NoFolder,
    #[error("{}: {message} (fix or delete the file)", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("{}: cannot {what}: {source}", path.display())]
    Io {
        path: PathBuf,
        what: &'static str,
        source: std::io::Error,
    },
}

/// A broken or unwritable file is the user's to fix; a missing config folder is the system's.
impl From<SettingsError> for Error {
    fn from(e: SettingsError) -> Self {
        let (class, subject) = match &e {
            SettingsError::NoFolder => (Class::Machine, None),
            SettingsError::Invalid { path, .. } | SettingsError::Io { path, .. } => {
                (Class::Input, Some(Subject::File(path.clone())))
            }
        };
        Self::of(class, subject, e)
    }
}

/// `CONFIG/config.toml`.
pub fn path() -> Result<PathBuf, SettingsError> {
    config_dir()
        .map(|d| d.join("config.toml"))
        .ok_or(SettingsError::NoFolder)
}

/// The file a symbolic link leads to (a dotfiles manager links `config.toml` into place): the
/// new settings are written there, as an editor would, not over the link. At most 40 links, as
/// the kernel follows; a loop is left to fail where it is.
fn through_links(mut path: PathBuf) -> PathBuf {
    for _ in 0..40 {
        let Ok(target) = std::fs::read_link(&path) else {
            break;
        };
        path = match path.parent() {
            Some(dir) => dir.join(target),
            None => target,
        };
    }
    path
}

/// The remembered settings; none when the file does not exist.
pub fn load() -> Result<Settings, SettingsError> {
    let path = path()?;
    let bytes = match crate::io::bounded::read_regular(&path, crate::io::bounded::TEXT_LIMIT) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
        Err(source) => {
            return Err(SettingsError::Io {
                path,
                what: "read",
                source,
            })
        }
    };
    // Read but not text: the user's to fix, like a syntax error (it was taken for an unreadable
    // file and the remembered headphones were silently dropped).
    let text = String::from_utf8(bytes).map_err(|e| SettingsError::Invalid {
        path: path.clone(),
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })?;
    toml::from_str(&text).map_err(|e| {
        let line = e.span().map_or(1, |s| {
            crate::io::profile_file::LineIndex::new(&text).line(s.start)
        });
        SettingsError::Invalid {
            path,
            message: format!("line {line}: {}", e.message().trim()),
        }
    })
}

/// Holds the settings for one change against every other iemsim doing one: an exclusive lock on
/// `config.toml.lock` beside the file (made with its folder), released when the returned file is
/// dropped. Take it before [`load`] and keep it past [`save`]: the atomic write alone let two
/// `config set` at once each write back its own read, and one key was lost.
pub fn lock() -> Result<std::fs::File, SettingsError> {
    let path = through_links(path()?);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    let lock_path = path.with_file_name(name);
    let io = |what, source| SettingsError::Io {
        path: lock_path.clone(),
        what,
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io("create its folder", e))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| io("create", e))?;
    crate::io::lock_exclusive(&file).map_err(|e| io("lock", e))?;
    Ok(file)
}

/// Writes `s` (creating the config folder), replacing the file atomically.
pub fn save(s: &Settings) -> Result<(), SettingsError> {
    use std::io::Write;
    let path = through_links(path()?);
    let io = |what, source| SettingsError::Io {
        path: path.clone(),
        what,
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io("create its folder", e))?;
    }
    let text = toml::to_string(s).map_err(|e| SettingsError::Invalid {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let (tmp, mut file) =
        crate::io::atomic::TempFile::create(&path).map_err(|e| io("create", e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io("write", e))?;
    drop(file);
    tmp.commit(true).map_err(|e| io("write", e))
}
