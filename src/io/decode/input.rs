//! Where the bytes come from: a regular file (seekable), standard input or a FIFO (read once, in
//! order), or the material built into the binary.

use super::builtin;
use super::DecodeError;
use crate::io::bounded::open_nonblocking;
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

/// The byte source of one input.
pub enum Input {
    File(BufReader<File>),
    /// The bundled material, or bytes handed to [`super::Decoder::from_bytes`].
    Memory(Cursor<Cow<'static, [u8]>>),
    /// Standard input, a FIFO or a device: no seeking, no known length.
    Stream(BufReader<Box<dyn Read + Send + Sync>>),
}

impl Input {
    /// Opens `path`: `-` is standard input; a bundled sample missing here comes from the binary.
    ///
    /// A FIFO is opened without waiting for a writer ([`open_nonblocking`]) and read as a stream
    /// when a program has it open for writing (process substitution, `/dev/fd/N`, is one); one
    /// without a writer is refused at once ([`DecodeError::NoWriter`]): it read as an empty
    /// input ("no audio in it"), and a writer started next waited for ever.
    pub fn open(path: &Path) -> Result<Self, DecodeError> {
        if path.as_os_str() == "-" {
            if let Some(file) = stdin_file() {
                return Ok(Self::File(BufReader::with_capacity(1 << 20, file)));
            }
            let stdin: Box<dyn Read + Send + Sync> = Box::new(io::stdin());
            return Ok(Self::Stream(BufReader::with_capacity(1 << 16, stdin)));
        }
        if let Some(bytes) = builtin::bytes(path) {
            return Ok(Self::Memory(Cursor::new(Cow::Borrowed(bytes))));
        }
        let open_err = |source| DecodeError::Open {
            path: path.to_path_buf(),
            source,
        };
        let file = open_nonblocking(path).map_err(open_err)?;
        let meta = file.metadata().map_err(open_err)?;
        if meta.is_dir() {
            return Err(open_err(io::Error::other("is a folder, not a file")));
        }
        if meta.is_file() {
            return Ok(Self::File(BufReader::with_capacity(1 << 20, file)));
        }
        let file: Box<dyn Read + Send + Sync> = match fifo_first_bytes(&file, &meta) {
            FifoStart::NoWriter => return Err(DecodeError::NoWriter { path: path.into() }),
            FifoStart::Read(first) => Box::new(Cursor::new(first).chain(file)),
            FifoStart::NotFifo => Box::new(file),
        };
        Ok(Self::Stream(BufReader::with_capacity(1 << 16, file)))
    }

    pub fn is_seekable(&self) -> bool {
        !matches!(self, Self::Stream(_))
    }

    /// Total length in bytes, when known.
    pub fn len(&self) -> Option<u64> {
        match self {
            Self::File(f) => f.get_ref().metadata().ok().map(|m| m.len()),
            Self::Memory(c) => Some(c.get_ref().len() as u64),
            Self::Stream(_) => None,
        }
    }

    /// Moves to byte `pos` (only where seekable).
    pub fn seek_to(&mut self, pos: u64) -> io::Result<()> {
        self.seek(SeekFrom::Start(pos)).map(drop)
    }
}

/// A seekable source read up to byte `end` only: what follows is not audio (tags after a FLAC's
/// last frame, `flac_end::audio_end`), and to the reader the source ends there.
pub struct Bounded<S> {
    inner: S,
    end: u64,
    pos: u64,
}

impl<S: Seek> Bounded<S> {
    pub fn new(mut inner: S, end: u64) -> io::Result<Self> {
        let pos = inner.stream_position()?;
        Ok(Self { inner, end, pos })
    }
}

impl<S: Read> Read for Bounded<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = usize::try_from(self.end.saturating_sub(self.pos)).unwrap_or(usize::MAX);
        let want = buf.len().min(left);
        let n = self.inner.read(&mut buf[..want])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<S: Seek> Seek for Bounded<S> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let from = |base: u64, d: i64| base.checked_add_signed(d);
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => from(self.end, d),
            SeekFrom::Current(d) => from(self.pos, d),
        }
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        self.pos = self.inner.seek(SeekFrom::Start(target))?;
        Ok(self.pos)
    }
}

impl<S: Read + Seek + Send + Sync> symphonia::core::io::MediaSource for Bounded<S> {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.end)
    }
}

/// Standard input as the file it is redirected from (`iemsim export - < song.m4a`), read from its
/// start: seekable and of known length, like the file named, so an MP4 without its index first
/// and the tags after a WAV's audio are read as from the path. `None` for a pipe, a terminal, or
/// a file read partly before iemsim got it (read on from there, as a stream).
#[cfg(unix)]
fn stdin_file() -> Option<File> {
    use std::os::fd::AsFd;
    let mut file = File::from(io::stdin().as_fd().try_clone_to_owned().ok()?);
    let at_start = file.stream_position().ok() == Some(0);
    (at_start && file.metadata().ok()?.is_file()).then_some(file)
}

#[cfg(not(unix))]
fn stdin_file() -> Option<File> {
    None
}

/// What a first read without waiting found in a FIFO.
enum FifoStart {
    /// Not a FIFO (a device...), or it could not be told: read it as it is.
    NotFifo,
    /// No program has it open for writing: a read returns end-of-file.
    NoWriter,
    /// The bytes read (none yet: a writer has it open and has not written).
    Read(Vec<u8>),
}

/// Reads what a FIFO holds already without waiting: end-of-file at once means no writer. The
/// descriptor is left blocking, as [`open_nonblocking`] leaves it.
#[cfg(unix)]
fn fifo_first_bytes(file: &File, meta: &std::fs::Metadata) -> FifoStart {
    use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
    use std::os::unix::fs::FileTypeExt;
    if !meta.file_type().is_fifo() {
        return FifoStart::NotFifo;
    }
    let Ok(flags) = fcntl_getfl(file) else {
        return FifoStart::NotFifo;
    };
    if fcntl_setfl(file, flags | OFlags::NONBLOCK).is_err() {
        return FifoStart::NotFifo;
    }
    let mut buf = vec![0; 1 << 16];
    // A writer started just before (`cat song.wav > pipe.wav &` in a script) may not have opened
    // its end yet: give it half a second before calling the pipe writerless.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(500);
    let start = loop {
        match (&mut &*file).read(&mut buf) {
            Ok(0) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Ok(0) => break FifoStart::NoWriter,
            Ok(n) => {
                buf.truncate(n);
                break FifoStart::Read(buf);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break FifoStart::Read(Vec::new()),
            // Its own error comes again from the first read of the stream.
            Err(_) => break FifoStart::Read(Vec::new()),
        }
    };
    let _ = fcntl_setfl(file, flags - OFlags::NONBLOCK);
    start
}

#[cfg(not(unix))]
fn fifo_first_bytes(_: &File, _: &std::fs::Metadata) -> FifoStart {
    FifoStart::NotFifo
}

/// Seeking for the MP4 box walker; a stream refuses it.
impl Seek for Input {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self {
            Self::File(f) => f.seek(pos),
            Self::Memory(c) => c.seek(pos),
            Self::Stream(_) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "cannot seek in a stream",
            )),
        }
    }
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::File(f) => f.read(buf),
            Self::Memory(c) => c.read(buf),
            Self::Stream(s) => s.read(buf),
        }
    }
}
