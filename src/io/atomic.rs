//! Write-to-temporary-then-rename, so an interrupted write never leaves a partial file under the
//! final name and an existing file is never replaced unless the user asked for it.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporary files not yet committed or dropped, so an interrupt (Ctrl-C) can remove them:
/// destructors do not run when the process is stopped by a signal.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Every final name this process has committed, in order: what a run stopped by a signal
/// reports as complete (an output is named before its command records it). Held while a file
/// is named, so the list and the names on disk always agree.
static COMMITTED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// [`COMMITTED`] as it was when [`remove_pending`] began: no file is named after that.
static FINAL: std::sync::OnceLock<Vec<PathBuf>> = std::sync::OnceLock::new();

/// Held while a group of outputs is named ([`naming_batch`]).
static BATCH: Mutex<()> = Mutex::new(());

/// Folders a run made for its outputs (deepest first): removed on a signal if still empty, as
/// at the end of a run that wrote nothing (a Ctrl-C left an empty `--out-dir` behind).
static MADE_DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Records (or, with an empty list, forgets) the folders made for this run's outputs.
pub fn made_dirs(dirs: &[PathBuf]) {
    if let Ok(mut d) = MADE_DIRS.lock() {
        d.clear();
        d.extend_from_slice(dirs);
    }
}

/// Runs `f`, which names several outputs (an input's, one per profile), as one step with
/// respect to a signal: [`remove_pending`] waits for it (up to a second) before it takes the
/// list of what was named, so a stopped run never has half an input's outputs named and
/// unreported.
pub fn naming_batch<T>(f: impl FnOnce() -> T) -> T {
    let _batch = super::lock(&BATCH);
    f()
}

/// The final names committed so far, and for good once the process is stopping.
pub fn committed() -> Vec<PathBuf> {
    match FINAL.get() {
        Some(names) => names.clone(),
        None => super::lock(&COMMITTED).clone(),
    }
}

/// Removes every temporary file still pending, for the Ctrl-C handler right before it exits.
///
/// The list stays locked afterwards, for good: a thread that is just creating another temporary
/// file (creation and registration happen under the same lock) then waits instead of leaving a file
/// nobody will remove. So does the list of committed names: a worker finishing an output waits
/// rather than name it after the run's report of what it completed ([`committed`]) was taken.
/// Call it only on the way out.
pub fn remove_pending() {
    // A batch being named is let finish, unless it takes over a second (a stalled disk): then
    // its remaining names wait below, and what it named already is in the list.
    for _ in 0..1000 {
        match BATCH.try_lock() {
            Ok(batch) => {
                std::mem::forget(batch);
                break;
            }
            Err(std::sync::TryLockError::Poisoned(p)) => {
                std::mem::forget(p.into_inner());
                break;
            }
            Err(std::sync::TryLockError::WouldBlock) => {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
    }
    let names = super::lock(&COMMITTED);
    let _ = FINAL.set(names.clone());
    std::mem::forget(names);
    let mut list = super::lock(&PENDING);
    for p in list.drain(..) {
        if p.is_dir() {
            let _ = fs::remove_dir_all(p);
        } else {
            let _ = fs::remove_file(p);
        }
    }
    std::mem::forget(list);
    // `remove_dir` removes only an empty folder: one holding outputs stays.
    if let Ok(dirs) = MADE_DIRS.try_lock() {
        for d in dirs.iter() {
            if fs::remove_dir(d).is_err() {
                break;
            }
        }
    }
}

/// A private scratch folder that an interrupt must remove too (see [`remove_pending`]).
pub fn register_scratch_dir(dir: &Path) {
    super::lock(&PENDING).push(dir.to_path_buf());
}

/// The scratch folder is being removed normally: the interrupt handler need not.
pub fn unregister(path: &Path) {
    super::lock(&PENDING).retain(|p| p != path);
}

/// Test hook: `IEMSIM_TMPFILE=named` makes [`TempFile`] use the visible dot-file even where
/// `O_TMPFILE` works, so the tests can check what an interrupt leaves behind on other systems.
const TMPFILE_ENV: &str = "IEMSIM_TMPFILE";

/// The longest file name most filesystems take (Linux `NAME_MAX`, also the limit of APFS and NTFS).
const NAME_MAX: usize = 255;

/// A temporary file in the destination's folder (so the final link or rename stays on one
/// filesystem).
///
/// On Linux it is an anonymous `O_TMPFILE` inode that gets a name only when complete (`linkat`
/// through `/proc/self/fd`): after SIGKILL or a power cut there is nothing to clean up. Elsewhere
/// (or where the filesystem lacks `O_TMPFILE`) it is a dot-file `.NAME.PID.N.partial`, removed on
/// drop, on a signal (see [`remove_pending`]), or by the next export into the folder once its
/// process is gone (see [`remove_stale`]).
#[derive(Debug)]
pub struct TempFile {
    kind: Kind,
    dest: PathBuf,
    done: bool,
}

#[derive(Debug)]
enum Kind {
    #[cfg(target_os = "linux")]
    Anonymous(File),
    Named(PathBuf),
}

/// Whether this process began writing any output (so a signal's notice speaks of partial files
/// only where there could have been one).
static STARTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// True once any output was begun here ([`TempFile::create`]).
pub fn any_started() -> bool {
    STARTED.load(std::sync::atomic::Ordering::Relaxed)
}

impl TempFile {
    /// Creates the temporary file for `dest` (see the type's documentation).
    pub fn create(dest: &Path) -> io::Result<(Self, File)> {
        STARTED.store(true, std::sync::atomic::Ordering::Relaxed);
        let dir = parent_dir(dest);
        remove_stale(&dir);
        let temp = |kind: Kind| Self {
            kind,
            dest: dest.to_path_buf(),
            done: false,
        };
        #[cfg(target_os = "linux")]
        if std::env::var_os(TMPFILE_ENV).is_none_or(|v| v != "named") {
            if let Some(file) = linux::open_tmpfile(&dir)? {
                return Ok((temp(Kind::Anonymous(file.try_clone()?)), file));
            }
        }
        // Created and registered under one lock: an interrupt sees either no file or a listed one.
        let mut list = super::lock(&PENDING);
        let (tmp, file) = with_free_name(dest, |tmp| {
            OpenOptions::new().write(true).create_new(true).open(tmp)
        })?;
        list.push(tmp.clone());
        Ok((temp(Kind::Named(tmp)), file))
    }

    /// The visible temporary name, if it has one (not for an `O_TMPFILE`).
    pub fn path(&self) -> Option<&Path> {
        match &self.kind {
            Kind::Named(p) => Some(p),
            #[cfg(target_os = "linux")]
            Kind::Anonymous(_) => None,
        }
    }

    /// Gives the finished file its final name. Without `replace`, fails with `AlreadyExists` if
    /// the destination appeared meanwhile (checked atomically by the link where the filesystem
    /// has links); with it, replaces only a regular file.
    pub fn commit(mut self, replace: bool) -> io::Result<()> {
        let mut names = super::lock(&COMMITTED);
        if replace {
            check_replaceable(&self.dest).map_err(|what| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("is {what}, not a regular file"),
                )
            })?;
        }
        // `--force` replaces the contents, not the owner's choice of who may read them: the new
        // file keeps the replaced one's permission bits (a 600 file stayed 600, not 644).
        let keep_mode = if replace {
            fs::metadata(&self.dest).ok().map(|m| m.permissions())
        } else {
            None
        };
        match &self.kind {
            #[cfg(target_os = "linux")]
            Kind::Anonymous(file) => {
                if let Some(perm) = keep_mode {
                    file.set_permissions(perm)?;
                }
                if replace {
                    // Name it beside the destination, then rename over it (atomic replace).
                    let (named, ()) = with_free_name(&self.dest, |tmp| linux::link(file, tmp))?;
                    if let Err(e) = fs::rename(&named, &self.dest) {
                        return Err(not_replaced(e, &named));
                    }
                } else {
                    linux::link(file, &self.dest)?;
                }
            }
            Kind::Named(tmp) => {
                if let Some(perm) = keep_mode {
                    fs::set_permissions(tmp, perm)?;
                }
                commit_named(tmp, &self.dest, replace)?
            }
        }
        self.done = true;
        names.push(self.dest.clone());
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Kind::Named(tmp) = &self.kind {
            if !self.done {
                let _ = fs::remove_file(tmp);
            }
            super::lock(&PENDING).retain(|p| p != tmp);
        }
    }
}

/// `.NAME.PID.N.partial` beside `dest`, NAME shortened (at a character boundary) so the whole
/// stays within [`NAME_MAX`] bytes whenever the final name does.
fn temp_name(dest: &Path, n: u32) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let suffix = format!(".{}.{n}.partial", std::process::id());
    let mut keep = NAME_MAX.saturating_sub(1 + suffix.len()).min(name.len());
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    parent_dir(dest).join(format!(".{}{suffix}", &name[..keep]))
}

/// The first free `.NAME.PID.N.partial` name beside `dest` that `make` takes (`make` fails with
/// `AlreadyExists` on a taken name), and what `make` gave.
fn with_free_name<T>(
    dest: &Path,
    mut make: impl FnMut(&Path) -> io::Result<T>,
) -> io::Result<(PathBuf, T)> {
    for n in 0..1000 {
        let tmp = temp_name(dest, n);
        match make(&tmp) {
            Ok(made) => return Ok((tmp, made)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "could not find a free temporary name",
    ))
}

/// The finished file, named `named`, could not be renamed over the destination (`e`): it is
/// removed, or, where the folder forbids that too (`chattr +a`), the error says where it is
/// (the write itself had worked; "cannot write" alone named the wrong step).
fn not_replaced(e: io::Error, named: &Path) -> io::Error {
    let left = match fs::remove_file(named) {
        Ok(()) => String::new(),
        Err(_) => format!("; the finished file is left as {}", named.display()),
    };
    io::Error::new(
        e.kind(),
        format!("the finished file could not replace it ({e}){left}"),
    )
}

fn commit_named(tmp: &Path, dest: &Path, replace: bool) -> io::Result<()> {
    if replace {
        return fs::rename(tmp, dest);
    }
    match fs::hard_link(tmp, dest) {
        Ok(()) => {
            let _ = fs::remove_file(tmp);
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        Err(_) => {
            // No hard links here (e.g. some network or FAT filesystems): check, then rename.
            if dest.exists() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "destination exists",
                ));
            }
            fs::rename(tmp, dest)
        }
    }
}

/// Removes `.NAME.PID.N.partial` files in `dir` left by processes that no longer exist (killed
/// by SIGKILL or a power cut before they could clean up) and untouched for [`STALE_AFTER`].
/// Files of live processes, including other running exports, are left alone; so are recent
/// ones whose PID is not running here, which on a shared folder (NFS, a container volume) may be
/// another machine's export in progress.
pub fn remove_stale(dir: &Path) {
    remove_left_behind(dir, stale_pid, |p| fs::remove_file(p));
}

/// Removes what processes that no longer exist left in `dir` (the entries `pid_of` names a PID
/// for) once untouched for [`STALE_AFTER`], with `remove`: the rule of [`remove_stale`], also
/// for the demo's scratch folders.
pub fn remove_left_behind(
    dir: &Path,
    pid_of: impl Fn(&str) -> Option<u32>,
    remove: impl Fn(&Path) -> std::io::Result<()>,
) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(&pid_of) else {
            continue;
        };
        let idle = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if pid != me && idle && !process_alive(pid) {
            let _ = remove(&entry.path());
        }
    }
}

/// How long a temporary of a process not running here must have been left unwritten before it
/// counts as abandoned (an export in progress writes to its file all the time).
pub const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(600);

/// The PID in `.NAME.PID.N.partial`, if the name has that shape.
fn stale_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(".partial")?;
    let mut parts = rest.rsplitn(3, '.');
    let n = parts.next()?;
    let pid = parts.next()?;
    parts.next()?;
    n.parse::<u32>().ok()?;
    pid.parse().ok()
}

fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        // kill(pid, 0): signal 0 only checks that the process exists; nothing is sent. PID 0
        // (this process group, which exists) and PIDs beyond i32 count as alive, as before.
        let Some(pid) = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        else {
            return true;
        };
        rustix::process::test_kill_process(pid) != Err(rustix::io::Errno::SRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// `Ok` if `path` is absent, a regular file or a link to one; otherwise what it is (for the
/// message). iemsim replaces only regular files: `--force` onto `/dev/null` or a FIFO must not
/// turn it into a file.
pub fn check_replaceable(path: &Path) -> Result<(), &'static str> {
    let Ok(link) = fs::symlink_metadata(path) else {
        return Ok(());
    };
    // A dangling link: replacing it loses nothing.
    let Ok(meta) = fs::metadata(path) else {
        return Ok(());
    };
    match (kind_of(&meta.file_type()), link.file_type().is_symlink()) {
        (None, _) => Ok(()),
        (Some(w), false) => Err(w.0),
        (Some(w), true) => Err(w.1),
    }
}

/// (what it is, what a link to it is) for anything but a regular file.
fn kind_of(t: &fs::FileType) -> Option<(&'static str, &'static str)> {
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some(("a folder", "a link to a folder"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() || t.is_block_device() {
            return Some(("a device", "a link to a device"));
        }
        if t.is_fifo() {
            return Some(("a FIFO (named pipe)", "a link to a FIFO (named pipe)"));
        }
        if t.is_socket() {
            return Some(("a socket", "a link to a socket"));
        }
    }
    Some(("a special file", "a link to a special file"))
}

/// Whether this process may create files in `dir`.
pub fn dir_writable(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
            return true;
        };
        rustix::fs::access(c.as_c_str(), rustix::fs::Access::WRITE_OK).is_ok()
    }
    #[cfg(not(unix))]
    {
        !fs::metadata(dir)
            .map(|m| m.permissions().readonly())
            .unwrap_or(false)
    }
}

#[cfg(target_os = "linux")]
#[path = "atomic_linux.rs"]
mod linux;

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

    /// A finished file that could not replace the destination (a `chattr +a` folder forbids
    /// the rename) is removed, or the error says where it was left: the message used to be a
    /// bare "cannot write: Operation not permitted", after the write had worked.
    #[test]
    fn a_refused_replace_says_where_the_finished_file_is() {
        let dir = tempfile::tempdir().unwrap();
        let named = dir.path().join(".out.wav.1.0.partial");
        fs::write(&named, b"x").unwrap();
        let denied = || io::Error::from(io::ErrorKind::PermissionDenied);
        let e = not_replaced(denied(), &named);
        assert!(!named.exists(), "removed when it can be");
        assert!(e.to_string().contains("could not replace it"), "{e}");
        assert!(!e.to_string().contains("left as"), "{e}");
        // Where it cannot be removed (here: it is already gone), the message names it.
        let e = not_replaced(denied(), &named);
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
        assert!(e.to_string().contains(".out.wav.1.0.partial"), "{e}");
    }

    #[test]
    fn commit_refuses_to_clobber_and_drop_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.wav");
        fs::write(&dest, b"keep me").unwrap();
        let (tmp, mut f) = TempFile::create(&dest).unwrap();
        f.write_all(b"new").unwrap();
        let tmp_path = tmp.path().map(Path::to_path_buf);
        assert_eq!(
            tmp.commit(false).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert_eq!(fs::read(&dest).unwrap(), b"keep me");
        assert!(
            tmp_path.is_none_or(|p| !p.exists()),
            "temporary file left behind"
        );
        let (tmp, mut f) = TempFile::create(&dest).unwrap();
        f.write_all(b"new").unwrap();
        tmp.commit(true).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// The stale-temporary sweep's liveness check: this process is alive, a child that has
    /// exited and been reaped is gone (kill(2) says ESRCH), and a PID kill(2) cannot name is
    /// taken as alive, so its file is kept.
    #[cfg(unix)]
    #[test]
    fn process_alive_tells_a_reaped_child_from_a_live_process() {
        assert!(process_alive(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!process_alive(pid), "reaped child {pid} still alive");
        assert!(process_alive(0));
        assert!(process_alive(u32::MAX));
    }

    /// access(W_OK): a fresh folder is writable, a missing one is not, and (unless root, whom
    /// permissions do not stop) neither is a folder with mode 0555.
    #[cfg(unix)]
    #[test]
    fn dir_writable_follows_the_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        assert!(dir_writable(dir.path()));
        assert!(!dir_writable(&dir.path().join("missing")));
        let ro = dir.path().join("ro");
        fs::create_dir(&ro).unwrap();
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
        let root = rustix::process::geteuid().is_root();
        assert_eq!(dir_writable(&ro), root);
    }
}
