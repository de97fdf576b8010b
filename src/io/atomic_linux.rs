//! `O_TMPFILE` and `linkat`: the Linux half of `io::atomic` (an unnamed temporary file that
//! gets its name only when complete). Kept, though std has no `O_TMPFILE`: an unnamed file leaves
//! nothing behind even after SIGKILL or a power cut, where a named temporary file would stay.

use super::*;
use rustix::fs::{AtFlags, Mode, OFlags, CWD};
use rustix::io::Errno;
use std::ffi::CString;
use std::os::fd::AsRawFd;
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
    let flags = OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC;
    match rustix::fs::open(c.as_c_str(), flags, Mode::from_raw_mode(0o666)) {
        Ok(fd) => Ok(Some(File::from(fd))),
        // Kernel or filesystem without O_TMPFILE: fall back to the dot-file.
        Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Gives the unnamed `file` the name `dest`; `AlreadyExists` if something has that name.
pub fn link(file: &File, dest: &Path) -> io::Result<()> {
    let src = cstr(Path::new(&format!("/proc/self/fd/{}", file.as_raw_fd())))?;
    let dst = cstr(dest)?;
    // AT_SYMLINK_FOLLOW resolves the /proc magic link to the open inode.
    rustix::fs::linkat(
        CWD,
        src.as_c_str(),
        CWD,
        dst.as_c_str(),
        AtFlags::SYMLINK_FOLLOW,
    )
    .map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// The unnamed file is invisible in its folder until `link` names it, with what was written;
    /// a second `link` onto the name is `AlreadyExists`; a missing folder is an error (NotFound),
    /// not the quiet fallback that a filesystem without O_TMPFILE gets.
    #[test]
    fn tmpfile_stays_unnamed_until_linked() {
        let dir = tempfile::tempdir().unwrap();
        let Some(mut f) = open_tmpfile(dir.path()).unwrap() else {
            println!("SKIPPED: tmpfile_stays_unnamed_until_linked: no O_TMPFILE here");
            return;
        };
        f.write_all(b"done").unwrap();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        let dest = dir.path().join("out.wav");
        link(&f, &dest).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"done");
        assert_eq!(
            link(&f, &dest).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        let e = open_tmpfile(&dir.path().join("missing")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }
}
