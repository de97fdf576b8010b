//! Reading a whole small file (a profile, a measurement CSV, `config.toml`, an answers list)
//! without trusting it: only a regular file, only up to a size.
//!
//! `std::fs::read` on `/dev/zero` grows memory until the machine gives out, and on a FIFO waits
//! for a writer for ever (a FIFO `config.toml` hung every command). Here the file is opened
//! without blocking, checked to be a regular file, and read up to `limit` bytes; anything else is
//! an error a user fixes (exit code 2), in the one-line style of the audio inputs.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// Profiles and `config.toml`: the largest real ones are a few KB.
pub const TEXT_LIMIT: u64 = 1 << 20;
/// Measurement CSVs: AutoEq's are 20-100 KB; REW exports with many points a few MB.
pub const CSV_LIMIT: u64 = 16 << 20;

/// The bytes of `path`, a regular file of at most `limit` bytes.
///
/// Errors are `io::Error`s whose message says what is wrong ("is a FIFO, not a regular file",
/// "is 1.0 GB, more than the 1 MB iemsim reads"), of a kind [`crate::error::Class::of_io`] calls the user's to fix.
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("is {}, not a regular file", kind_of(&meta)),
        ));
    }
    if meta.len() > limit {
        return Err(too_large(meta.len(), limit));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // A file that grows while read (or lies about its size) still stops at the limit.
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64, limit));
    }
    Ok(bytes)
}

fn too_large(len: u64, limit: u64) -> io::Error {
    // Reading stops just past the limit, so there `len` is only a lower bound; and a size that
    // rounds to the limit's reads wrong ("is 1 MB, more than the 1 MB" for 1 MiB and 3 bytes).
    let what = if len > limit + 1 && size(len) != size(limit) {
        format!("is {}, more than", size(len))
    } else {
        "is larger than".to_string()
    };
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("{what} the {} iemsim reads from such a file", size(limit)),
    )
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.0} MB", b as f64 / f64::from(1u32 << 20)),
        b => format!("{b} bytes"),
    }
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    if meta.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

/// Opens for reading without waiting: `open(2)` on a FIFO otherwise blocks until a writer comes.
/// The flag is cleared at once, so reads from a FIFO that has a writer then wait for data as usual.
#[cfg(unix)]
pub fn open_nonblocking(path: &Path) -> io::Result<File> {
    use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
    use std::os::unix::fs::OpenOptionsExt;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(OFlags::NONBLOCK.bits() as i32)
        .open(path)?;
    // As before, a failing F_GETFL/F_SETFL is not an error: the file is open either way.
    if let Ok(flags) = fcntl_getfl(&file) {
        let _ = fcntl_setfl(&file, flags - OFlags::NONBLOCK);
    }
    Ok(file)
}

#[cfg(not(unix))]
pub fn open_nonblocking(path: &Path) -> io::Result<File> {
    OpenOptions::new().read(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_devices_and_large_files_reads_small_ones() {
        let e = read_regular(Path::new("/dev/zero"), TEXT_LIMIT).unwrap_err();
        assert!(e.to_string().contains("a device"), "{e}");
        assert_eq!(crate::error::Class::of_io(&e), crate::error::Class::Input);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, vec![b'x'; 2000]).unwrap();
        let e = read_regular(&p, 1000).unwrap_err();
        assert!(e.to_string().contains("the 1000 bytes"), "{e}");
        assert_eq!(crate::error::Class::of_io(&e), crate::error::Class::Input);
        assert_eq!(read_regular(&p, 2000).unwrap().len(), 2000);
        let e = read_regular(dir.path(), 1000).unwrap_err();
        assert!(e.to_string().contains("a folder"), "{e}");
    }

    /// Opening a FIFO nobody writes to returns at once, and the descriptor is left blocking:
    /// the flags the kernel reports in /proc/self/fdinfo (proc(5), octal) lack O_NONBLOCK.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_fifo_opens_without_waiting_and_then_blocks() {
        use std::os::fd::AsRawFd;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            println!("SKIPPED: a_fifo_opens_without_waiting_and_then_blocks: no mkfifo");
            return;
        }
        let f = open_nonblocking(&fifo).unwrap();
        let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", f.as_raw_fd())).unwrap();
        let flags = info
            .lines()
            .find_map(|l| l.strip_prefix("flags:"))
            .map(|v| u32::from_str_radix(v.trim(), 8).unwrap())
            .unwrap();
        assert_eq!(flags & libc::O_NONBLOCK as u32, 0, "flags {flags:o}");
    }
}
