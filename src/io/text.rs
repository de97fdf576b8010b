//! Text files people save and give iemsim (profiles, measurements): the line ends of every
//! platform.

/// The lines of `text`, ended by `\n`, `\r\n` or a lone `\r` (classic Mac OS, and the files its
/// spreadsheets still write): a CR-only measurement CSV was one line, its header, and "only 0
/// data points".
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.find(['\r', '\n']) {
            Some(i) => {
                let end = if s[i..].starts_with("\r\n") {
                    i + 2
                } else {
                    i + 1
                };
                rest = Some(&s[end..]);
                Some(&s[..i])
            }
            None => {
                rest = None;
                Some(s)
            }
        }
    })
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
}
