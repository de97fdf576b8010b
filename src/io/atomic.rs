//! Write-to-temporary-then-rename, so an interrupted write never leaves a partial file under the
//! final name and an existing file is never replaced unless the user asked for it.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporary files not yet committed or dropped, so an interrupt (Ctrl-C) can remove them:
/// destructors do not run when the process is stopped by a signal.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Removes every temporary file still pending, for the Ctrl-C handler right before it exits.
///
/// The list stays locked afterwards, for good: a thread that is just creating another temporary
/// file (creation and registration happen under the same lock) then waits instead of leaving a file
/// nobody will remove. Call it only on the way out.
pub fn remove_pending() {
    let mut list = pending();
    for p in list.drain(..) {
        if p.is_dir() {
            let _ = fs::remove_dir_all(p);
        } else {
            let _ = fs::remove_file(p);
        }
    }
    std::mem::forget(list);
}

/// A private scratch folder that an interrupt must remove too (see [`remove_pending`]).
pub fn register_scratch_dir(dir: &Path) {
    pending().push(dir.to_path_buf());
}

/// The scratch folder is being removed normally: the interrupt handler need not.
pub fn unregister(path: &Path) {
    pending().retain(|p| p != path);
}

/// A temporary file in the destination's folder (so the final rename stays on one filesystem).
#[derive(Debug)]
pub struct TempFile {
    tmp: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl TempFile {
    /// Creates `.NAME.PID.N.partial` next to `dest`.
    pub fn create(dest: &Path) -> io::Result<(Self, File)> {
        let dir = parent_dir(dest);
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let pid = std::process::id();
        // Created and registered under one lock: an interrupt sees either no file or a listed one.
        let mut list = pending();
        for n in 0..1000 {
            let tmp = dir.join(format!(".{name}.{pid}.{n}.partial"));
            match OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Ok(file) => {
                    list.push(tmp.clone());
                    return Ok((
                        Self {
                            tmp,
                            dest: dest.to_path_buf(),
                            done: false,
                        },
                        file,
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "could not find a free temporary name",
        ))
    }

    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Moves the finished temporary file to its final name. Without `replace`, fails with
    /// `AlreadyExists` if the destination appeared meanwhile (checked atomically with a hard link
    /// where the filesystem has them).
    pub fn commit(mut self, replace: bool) -> io::Result<()> {
        if replace {
            fs::rename(&self.tmp, &self.dest)?;
        } else {
            match fs::hard_link(&self.tmp, &self.dest) {
                Ok(()) => {
                    let _ = fs::remove_file(&self.tmp);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
                Err(_) => {
                    // No hard links here (e.g. some network or FAT filesystems): check, then rename.
                    if self.dest.exists() {
                        return Err(io::Error::new(
                            io::ErrorKind::AlreadyExists,
                            "destination exists",
                        ));
                    }
                    fs::rename(&self.tmp, &self.dest)?;
                }
            }
        }
        self.done = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.tmp);
        }
        pending().retain(|p| p != &self.tmp);
    }
}

/// The folder a path lives in (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Whether two paths name the same existing file (following links), or the same path text.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn commit_refuses_to_clobber_and_drop_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.wav");
        fs::write(&dest, b"keep me").unwrap();
        let (tmp, mut f) = TempFile::create(&dest).unwrap();
        f.write_all(b"new").unwrap();
        let tmp_path = tmp.path().to_path_buf();
        assert_eq!(
            tmp.commit(false).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert_eq!(fs::read(&dest).unwrap(), b"keep me");
        assert!(!tmp_path.exists(), "temporary file left behind");
        let (tmp, mut f) = TempFile::create(&dest).unwrap();
        f.write_all(b"new").unwrap();
        tmp.commit(true).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
