//! `O_TMPFILE` and `linkat`: the Linux half of `io::atomic` (an unnamed temporary file that
//! gets its name only when complete). Kept, though std has no `O_TMPFILE`: an unnamed file leaves
//! nothing behind even after SIGKILL or a power cut, where a named temporary file would stay.

use super::*;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;

fn cstr(p: &Path) -> io::Result<CString> {
    CString::new(p.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"))
}

/// An unnamed file in `dir`, or `None` where `O_TMPFILE` (or `/proc` to link it) is missing.
pub fn open_tmpfile(dir: &Path) -> io::Result<Option<File>> {
    if !Path::new("/proc/self/fd").is_dir() {
        return Ok(None);
    }
    let c = cstr(dir)?;
    // SAFETY: valid path; on success we own the returned descriptor.
    let fd = unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_TMPFILE | libc::O_WRONLY | libc::O_CLOEXEC,
            0o666,
        )
    };
    if fd >= 0 {
        // SAFETY: fd is a fresh descriptor nothing else owns.
        return Ok(Some(unsafe { File::from_raw_fd(fd) }));
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        // Kernel or filesystem without O_TMPFILE: fall back to the dot-file.
        Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL) => Ok(None),
        _ => Err(e),
    }
}

/// Gives the unnamed `file` the name `dest`; `AlreadyExists` if something has that name.
pub fn link(file: &File, dest: &Path) -> io::Result<()> {
    let src = cstr(Path::new(&format!("/proc/self/fd/{}", file.as_raw_fd())))?;
    let dst = cstr(dest)?;
    // SAFETY: valid paths; AT_SYMLINK_FOLLOW resolves the /proc magic link to the open inode.
    let r = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            src.as_ptr(),
            libc::AT_FDCWD,
            dst.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
