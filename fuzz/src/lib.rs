//! Properties every profile parser must keep, shared by the fuzz targets.
//!
//! "Does not panic" is the least of it. A text a parser accepts must give a profile that
//! [`Profile::validate`] accepts and that keeps the file limits (|gain| ≤ 30 dB, no gain on pass
//! filters); and writing that profile in every format and parsing it back must give the same
//! filters and preamp bit for bit, and the same text fields wherever the format can hold them.

use iemsim::dsp::Profile;
use iemsim::dsp::filter::MAX_ABS_GAIN_DB;
use iemsim::io::profile_file::{check_filter, check_preamp, decode_text, Format};

pub const FORMATS: [Format; 3] = [Format::Toml, Format::EqApo, Format::CamillaDsp];

/// The name each format's parser is given: a file stem profiles fall back to when they name none.
pub fn source_for(format: Format) -> &'static str {
    match format {
        Format::Toml => "fuzz.toml",
        Format::EqApo => "fuzz.txt",
        Format::CamillaDsp => "fuzz.yml",
    }
}

/// Bytes as a file is read (UTF-8, BOM allowed) and parsed as `format`; every property checked.
pub fn check_parse(format: Format, data: &[u8]) {
    let source = source_for(format);
    let Ok(text) = decode_text(data, source) else {
        return;
    };
    let parsed = format.parse(&text, source);
    // parse_with_lines is the same parser plus line numbers: same verdict, one line per filter.
    let with_lines = format.parse_with_lines(&text, source);
    match (&parsed, &with_lines) {
        (Ok(p), Ok((q, lines))) => {
            assert_eq!(p, q);
            // One line per filter, the per-channel ones included.
            assert_eq!(lines.len(), p.filter_count());
            let n_lines = text.split('\n').count();
            for &l in lines {
                assert!(l >= 1 && l <= n_lines, "line {l} of {n_lines}");
            }
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("parse and parse_with_lines disagree: {parsed:?} / {with_lines:?}"),
    }
    if let Ok(profile) = parsed {
        check_valid(&profile);
        check_round_trips(&profile);
    }
}

/// A parsed profile is one the DSP accepts and within the file limits.
pub fn check_valid(p: &Profile) {
    p.validate()
        .unwrap_or_else(|e| panic!("parsed profile does not validate: {e}"));
    check_preamp(p.preamp_db, "fuzz", 0).expect("preamp within ±40 dB");
    assert!(!p.name.trim().is_empty(), "empty name");
    assert!(p.filter_count() <= iemsim::io::profile_file::MAX_FILTERS);
    for (_, f) in p.all_filters() {
        check_filter(f, "fuzz", 0).expect("filter within the file limits");
        assert!(f.fc_hz.is_finite() && f.fc_hz > 0.0);
        assert!(f.q.is_finite() && f.q > 0.0);
        assert!(f.gain_db.is_finite() && f.gain_db.abs() <= MAX_ABS_GAIN_DB);
        if !f.kind.uses_gain() {
            assert_eq!(f.gain_db, 0.0, "a pass filter with gain: {f:?}");
        }
    }
}

/// Writes `p` in every format, parses it back, and compares; then once more from that result
/// into every other format (a → b), so every ordered pair of formats is exercised.
pub fn check_round_trips(p: &Profile) {
    for a in FORMATS {
        let in_a = write_then_parse(a, p);
        for b in FORMATS {
            let in_b = write_then_parse(b, &in_a);
            let want = if a == Format::CamillaDsp || b == Format::CamillaDsp {
                as_camilladsp_reads_it(p)
            } else {
                p.clone()
            };
            assert_eq!(in_b.filters, want.filters, "{a:?} -> {b:?}");
            assert_eq!(in_b.channels, want.channels, "{a:?} -> {b:?}");
        }
    }
}

/// A CamillaDSP config fixes its channel count (the writer's `capture: channels:`, at least 2),
/// and its reader takes steps that give every one of those channels the same filters and gain
/// as shared ones (CamillaDSP 2.x's one-step-per-channel layout): so per-channel parts that
/// cover every written channel alike come back shared (documented in the README's `profile
/// convert`). What `p` is after that, as the round trip must give it.
fn as_camilladsp_reads_it(p: &Profile) -> Profile {
    let n = p.channels_needed().max(2);
    let parts = &p.channels;
    let all_same = parts.len() == n
        && parts.iter().enumerate().all(|(i, c)| {
            c.channel == i && c.filters == parts[0].filters && c.gain_db == parts[0].gain_db
        });
    if !all_same {
        return p.clone();
    }
    let mut q = p.clone();
    q.filters.extend(parts[0].filters.iter().copied());
    q.preamp_db += parts[0].gain_db;
    q.channels.clear();
    q
}

fn write_then_parse(format: Format, p: &Profile) -> Profile {
    let folded;
    let p = if format == Format::CamillaDsp {
        folded = as_camilladsp_reads_it(p);
        &folded
    } else {
        p
    };
    let text = format
        .write(p)
        .unwrap_or_else(|e| panic!("a parsed profile cannot be written as {format:?}: {e}"));
    let back = format
        .parse(&text, "round-trip")
        .unwrap_or_else(|e| panic!("{format:?} cannot read what it wrote: {e}\n{text}"));
    assert_eq!(back.filter_count(), p.filter_count());
    let channels = |q: &Profile| q.all_filters().map(|(c, _)| c).collect::<Vec<_>>();
    assert_eq!(channels(&back), channels(p), "{format:?}: per-channel parts\n{text}");
    for (c, (b, q)) in back.channels.iter().zip(&p.channels).enumerate() {
        assert!(
            b.gain_db.to_bits() == q.gain_db.to_bits() || (b.gain_db == 0.0 && q.gain_db == 0.0),
            "{format:?}: channel part {c} gain"
        );
    }
    for ((_, x), (_, y)) in back.all_filters().zip(p.all_filters()) {
        assert_eq!(x.bw_oct.map(f64::to_bits), y.bw_oct.map(f64::to_bits), "{format:?}");
        // Bit for bit (to_bits), except that a zero's sign carries no meaning.
        assert_eq!(x.kind, y.kind, "{format:?}");
        for (u, v) in [(x.fc_hz, y.fc_hz), (x.gain_db, y.gain_db), (x.q, y.q)] {
            assert!(
                u.to_bits() == v.to_bits() || (u == 0.0 && v == 0.0),
                "{format:?}: {u:e} read back as {v:e}\n{text}"
            );
        }
    }
    assert!(
        back.preamp_db.to_bits() == p.preamp_db.to_bits()
            || (back.preamp_db == 0.0 && p.preamp_db == 0.0),
        "{format:?}: preamp {} read back as {}",
        p.preamp_db,
        back.preamp_db
    );
    assert_eq!(
        back.name,
        expressible(format, &p.name),
        "{format:?} name\n{text}"
    );
    assert_eq!(
        back.description,
        expressible_description(format, &p.description),
        "{format:?} description\n{text}"
    );
    assert_eq!(
        back.source,
        expressible_source(format, &p.source),
        "{format:?} source\n{text}"
    );
    back
}

/// What a text field becomes where a format keeps it in a `# key: value` comment line: one line,
/// trimmed. The TOML and CamillaDSP writers quote their text fields, so those keep them exactly.
fn comment_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ").trim().to_string()
}

fn expressible(format: Format, name: &str) -> String {
    match format {
        Format::EqApo => comment_line(name),
        _ => name.to_string(),
    }
}

fn expressible_description(format: Format, d: &str) -> String {
    match format {
        Format::EqApo => comment_line(d),
        _ => d.to_string(),
    }
}

fn expressible_source(format: Format, s: &str) -> String {
    match format {
        Format::Toml => s.to_string(),
        Format::EqApo => comment_line(s),
        // A YAML comment holds only printable characters and no YAML 1.1 line break.
        Format::CamillaDsp => {
            let printable = |c: char| {
                matches!(c, '\t' | ' '..='~' | '\u{a0}'..='\u{2027}' | '\u{202a}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
                    || c >= '\u{10000}'
            };
            s.chars()
                .map(|c| if printable(c) { c } else { ' ' })
                .collect::<String>()
                .trim()
                .to_string()
        }
    }
}
