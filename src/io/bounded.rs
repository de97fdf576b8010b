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
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "is {}, more than the {} iemsim reads from such a file",
            size(len),
            size(limit)
        ),
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
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    // SAFETY: fcntl on a descriptor we own; F_GETFL/F_SETFL only change its status flags.
    unsafe {
        let fd = file.as_raw_fd();
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
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
        assert!(e.to_string().contains("more than the 1000 bytes"), "{e}");
        assert_eq!(crate::error::Class::of_io(&e), crate::error::Class::Input);
        assert_eq!(read_regular(&p, 2000).unwrap().len(), 2000);
        let e = read_regular(dir.path(), 1000).unwrap_err();
        assert!(e.to_string().contains("a folder"), "{e}");
    }
}
