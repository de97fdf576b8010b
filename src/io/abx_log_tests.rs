//! Tests of the ABX log: records, appending, and refusing files that are not ABX logs.

use super::*;
use crate::abx::Choice;

fn record(k: u32) -> AbxRecord {
    AbxRecord {
        time: now_rfc3339(),
        file: "x.wav".into(),
        file_sha256: "00".repeat(32),
        profile_a: "ba".into(),
        profile_b: "dd".into(),
        gains_db: GainsDb { a: -1.5, b: 0.0 },
        trials_planned: 2,
        trials: vec![Trial {
            hidden: Choice::A,
            answer: Choice::B,
            correct: false,
            t_start_s: 0.0,
            t_answer_s: 1.25,
        }],
        k,
        n: 1,
        p_value: 1.0,
        completed: false,
        seed: None,
        headphones: None,
        filters_sha256: None,
    }
}

#[test]
fn known_dates() {
    assert_eq!(rfc3339_utc(0, 0), "1970-01-01T00:00:00.000Z");
    // `date -u -d @951782400` → Tue Feb 29 00:00:00 UTC 2000 (a leap day in a 400-year).
    assert_eq!(rfc3339_utc(951_782_400, 5), "2000-02-29T00:00:00.005Z");
    assert_eq!(rfc3339_utc(1_700_000_000, 0), "2023-11-14T22:13:20.000Z");
    assert_eq!(rfc3339_utc(-1, 999), "1969-12-31T23:59:59.999Z");
    assert_eq!(rfc3339_utc(4_107_542_399, 0), "2100-02-28T23:59:59.000Z");
    assert_eq!(rfc3339_utc(4_107_542_400, 0), "2100-03-01T00:00:00.000Z");
}

/// NIST FIPS 180-2 test vector: SHA-256("abc").
#[test]
fn sha256_of_abc() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("abc");
    fs::write(&p, b"abc").unwrap();
    assert_eq!(
        sha256_file(&p).unwrap(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert!(matches!(
        sha256_file(&dir.path().join("missing")),
        Err(AbxLogError::Hash { .. })
    ));
}

#[test]
fn appends_lines_and_creates_folders() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a/b/log.jsonl");
    append(&p, &record(0)).unwrap();
    append(&p, &record(1)).unwrap();
    let text = fs::read_to_string(&p).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(text.ends_with('\n'));
    let back: AbxRecord = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(back.k, 1);
    assert_eq!(back.trials[0].t_answer_s, 1.25);
    assert!(!lines[0].contains("seed"));
}

/// A write cut off by a killed process leaves a fragment without '\n'; the next append
/// removes it and keeps every complete line byte for byte.
#[test]
fn a_cut_off_fragment_is_removed_and_complete_lines_kept() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.jsonl");
    append(&p, &record(7)).unwrap();
    let before = fs::read(&p).unwrap();
    // A fragment longer than one 64 KiB read chunk, to exercise the backwards scan.
    let mut torn = before.clone();
    torn.extend_from_slice(b"{\"time\":\"2020-01-01T00:00:00Z\",\"fi");
    torn.extend(std::iter::repeat_n(b'x', 150_000));
    fs::write(&p, &torn).unwrap();
    append(&p, &record(8)).unwrap();
    let after = fs::read(&p).unwrap();
    assert_eq!(&after[..before.len()], &before[..]);
    let text = String::from_utf8(after).unwrap();
    let ks: Vec<u32> = text
        .lines()
        .map(|l| serde_json::from_str::<AbxRecord>(l).unwrap().k)
        .collect();
    assert_eq!(ks, [7, 8]);
    // A file that is nothing but a fragment.
    let q = dir.path().join("only.jsonl");
    fs::write(&q, "{\"ti").unwrap();
    append(&q, &record(9)).unwrap();
    let text = fs::read_to_string(&q).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(text.starts_with("{\"time\""));
}

#[test]
fn every_record_begins_with_record_start() {
    let line = serde_json::to_string(&record(3)).unwrap();
    assert!(line.as_bytes().starts_with(RECORD_START), "{line}");
}

/// Files that are not logs are refused by `check` and `append` alike, byte for byte intact.
#[test]
fn foreign_files_are_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let good = serde_json::to_string(&record(1)).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "wav",
            b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\x01\0\x02\0\n\0\xff".to_vec(),
        ),
        ("notes.txt", b"shopping list\nmilk\n".to_vec()),
        ("other.json", b"{\"a\": 1}\n".to_vec()),
        ("other-no-newline.json", b"{\"a\": 1}".to_vec()),
        ("log-then-text", format!("{good}\nhello\n").into_bytes()),
        (
            "log-then-foreign-tail",
            format!("{good}\nhello").into_bytes(),
        ),
        ("blank-then-text", format!("{good}\n\nhello\n").into_bytes()),
        // Another program's log line begins as a record does: whole JSON, so not a torn record.
        (
            "app.json",
            b"{\"time\":\"2024-01-01T00:00:00Z\",\"level\":\"info\"}".to_vec(),
        ),
        (
            "log-then-app-line",
            format!("{good}\n{{\"time\":\"2024\",\"msg\":\"x\"}}").into_bytes(),
        ),
    ];
    for (name, bytes) in cases {
        let p = dir.path().join(name);
        fs::write(&p, &bytes).unwrap();
        assert!(
            matches!(check(&p), Err(AbxLogError::NotALog { .. })),
            "{name}: check"
        );
        let e = append(&p, &record(2)).unwrap_err();
        assert!(matches!(e, AbxLogError::NotALog { .. }), "{name}: {e}");
        assert_eq!(e.class(), crate::error::Class::Input);
        assert_eq!(fs::read(&p).unwrap(), bytes, "{name} was changed");
    }
    // A folder is not a log either.
    assert!(matches!(
        check(dir.path()),
        Err(AbxLogError::NotALog { .. })
    ));
    assert!(matches!(
        append(dir.path(), &record(2)),
        Err(AbxLogError::NotALog { .. })
    ));
}

/// procfs files report a size of 0 yet have content: they are read to their end and refused as
/// foreign, not taken for an empty log (whose append would then fail with an I/O error).
#[cfg(target_os = "linux")]
#[test]
fn a_file_that_reports_size_zero_is_read_to_its_end() {
    let p = Path::new("/proc/self/status");
    assert_eq!(fs::metadata(p).unwrap().len(), 0, "procfs reports size 0");
    assert!(matches!(check(p), Err(AbxLogError::NotALog { .. })));
}

#[test]
fn missing_empty_and_valid_logs_are_appended_to() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.jsonl");
    check(&p).unwrap();
    assert!(!p.exists(), "check writes nothing");
    fs::write(&p, b"").unwrap();
    check(&p).unwrap();
    append(&p, &record(1)).unwrap();
    check(&p).unwrap();
    append(&p, &record(2)).unwrap();
    assert_eq!(fs::read_to_string(&p).unwrap().lines().count(), 2);
}

/// Blank lines (an `echo >> log`, an edit) are neither records nor foreign: the log is read and
/// appended to (it was refused, locking the user out of their own log), and `--summary`'s
/// refusal of a foreign file says nothing of appending.
#[test]
fn blank_lines_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.jsonl");
    let good = serde_json::to_string(&record(1)).unwrap();
    fs::write(&p, format!("\n{good}\n  \n\t\n")).unwrap();
    check(&p).unwrap();
    append(&p, &record(2)).unwrap();
    fs::write(dir.path().join("tail"), format!("{good}\n  ")).unwrap();
    append(&dir.path().join("tail"), &record(3)).unwrap();
    for (file, ks) in [("log.jsonl", [1, 2]), ("tail", [1, 3])] {
        let got: Vec<u32> = read_all(&dir.path().join(file))
            .unwrap()
            .records
            .iter()
            .map(|r| r.k)
            .collect();
        assert_eq!(got, ks, "{file}");
    }
    let notes = dir.path().join("notes.txt");
    fs::write(&notes, "milk\n").unwrap();
    let e = read_all(&notes).unwrap_err().to_string();
    assert!(e.contains("not an ABX log") && !e.contains("append"), "{e}");
}

/// A whole record whose '\n' is missing (an edited file) is kept; the next one gets its line.
#[test]
fn an_unterminated_whole_record_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.jsonl");
    let first = serde_json::to_string(&record(1)).unwrap();
    fs::write(&p, &first).unwrap();
    append(&p, &record(2)).unwrap();
    let text = fs::read_to_string(&p).unwrap();
    assert!(text.starts_with(&format!("{first}\n")));
    let ks: Vec<u32> = text
        .lines()
        .map(|l| serde_json::from_str::<AbxRecord>(l).unwrap().k)
        .collect();
    assert_eq!(ks, [1, 2]);
}

#[test]
fn concurrent_threads_never_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.jsonl");
    std::thread::scope(|s| {
        for t in 0..8u32 {
            let p = &p;
            s.spawn(move || {
                for i in 0..20 {
                    let mut r = record(t * 1000 + i);
                    // Big lines (~40 KB) make a torn or interleaved write likely if unprotected.
                    r.file = format!("{t}-{i}-").repeat(8000);
                    append(p, &r).unwrap();
                }
            });
        }
    });
    let text = fs::read_to_string(&p).unwrap();
    let mut ks: Vec<u32> = text
        .lines()
        .map(|l| serde_json::from_str::<AbxRecord>(l).unwrap().k)
        .collect();
    ks.sort_unstable();
    let mut want: Vec<u32> = (0..8)
        .flat_map(|t| (0..20).map(move |i| t * 1000 + i))
        .collect();
    want.sort_unstable();
    assert_eq!(ks, want);
}

#[test]
fn rejects_embedded_newline() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.jsonl");
    assert!(append_line(&p, "a\nb").is_err());
}

/// Writes the first `room` bytes to `file`, then fails as a full disk does (ENOSPC).
struct FullDisk<'a> {
    file: &'a File,
    room: usize,
}

impl Write for FullDisk<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.room == 0 {
            return Err(io::Error::from(io::ErrorKind::StorageFull));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        (&mut self.file).write(&buf[..n])
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A write that fails part-way (the disk full after 10 bytes) left those bytes as a cut-off
/// line; the file is now cut back to what it was, byte for byte, and the error is reported.
#[test]
fn a_failed_write_leaves_the_log_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    append(&path, &record(1)).unwrap();
    let before = fs::read(&path).unwrap();
    let file = OpenOptions::new().append(true).open(&path).unwrap();
    let line = format!("{}\n", serde_json::to_string(&record(2)).unwrap());
    let mut out = FullDisk {
        file: &file,
        room: 10,
    };
    let e = write_or_cut_back(&file, &mut out, line.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::StorageFull);
    assert_eq!(out.room, 0, "the fake disk took its 10 bytes first");
    assert_eq!(fs::read(&path).unwrap(), before);
    // The next append finds a clean log.
    append(&path, &record(3)).unwrap();
    assert_eq!(read_all(&path).unwrap().records.len(), 2);
}
