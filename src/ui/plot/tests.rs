use super::*;

#[test]
fn size_parse() {
    assert_eq!(Size::parse("1200x700"), Some(Size::DEFAULT));
    assert_eq!(Size::parse("800X600").map(|s| s.width), Some(800));
    assert_eq!(Size::parse("10x10"), None);
    assert_eq!(Size::parse("1200"), None);
    assert_eq!(Size::parse("axb"), None);
}
