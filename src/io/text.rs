//! Text files people save and give iemsim (profiles, measurements): the line ends of every
//! platform, and the one encoding that is named when it cannot be read, UTF-16 (what Windows
//! Notepad saved as "Unicode", and Excel as "Unicode Text").

/// The lines of `text`, ended by `\n`, `\r\n` or a lone `\r` (classic Mac OS, and the files its
/// spreadsheets still write): a CR-only measurement CSV was one line, its header, and "only 0
/// data points".
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
}

/// `Some("UTF-16 LE")` or `Some("UTF-16 BE")` when `bytes` are UTF-16 text: a UTF-16 byte order
/// mark, or (without one) a NUL in every other byte of the start, as ASCII text in UTF-16 has.
/// Read as UTF-8 such a file is garbage or NULs between the letters, so the reader's message
/// said something beside the point ("'\0' is not a frequency").
pub fn utf16(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xff, 0xfe, ..] => return Some("UTF-16 LE"),
        [0xfe, 0xff, ..] => return Some("UTF-16 BE"),
        _ => {}
    }
    let head = &bytes[..bytes.len().min(512) & !1];
    if head.len() < 4 {
        return None;
    }
    let nuls = |from: usize| {
        head.iter()
            .skip(from)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let (even, odd) = (nuls(0), nuls(1));
    let pairs = head.len() / 2;
    // Nearly every high byte NUL, no low byte NUL: ASCII-range text, 2 bytes a character.
    if even == 0 && odd * 10 >= pairs * 9 {
        Some("UTF-16 LE")
    } else if odd == 0 && even * 10 >= pairs * 9 {
        Some("UTF-16 BE")
    } else {
        None
    }
}

/// What to say of a file in `encoding` (from [`utf16`]).
pub fn utf16_problem(encoding: &str) -> String {
    format!(
        "is {encoding} text, not UTF-8; save it as UTF-8 (in Notepad: Save As, Encoding: UTF-8)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_end_ends_a_line() {
        let got: Vec<&str> = lines("a\r\nb\rc\nd").collect();
        assert_eq!(got, ["a", "b", "c", "d"]);
        assert_eq!(lines("x\r\r\ny").collect::<Vec<_>>(), ["x", "", "y"]);
        assert_eq!(lines("").collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn utf16_is_recognised_with_or_without_a_byte_order_mark() {
        let le: Vec<u8> = "frequency,raw\n20,1\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "frequency,raw\n20,1\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(utf16(&le), Some("UTF-16 LE"));
        assert_eq!(utf16(&be), Some("UTF-16 BE"));
        assert_eq!(utf16(&[&[0xff, 0xfe][..], &le].concat()), Some("UTF-16 LE"));
        assert_eq!(utf16(&[&[0xfe, 0xff][..], &be].concat()), Some("UTF-16 BE"));
        assert_eq!(utf16(b"frequency,raw\n20,1\n"), None);
        assert_eq!(utf16("20,1 \u{b0}C\n".as_bytes()), None);
        assert_eq!(utf16(b""), None);
    }
}
