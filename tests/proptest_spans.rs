//! Position conversions on arbitrary text: bytes ↔ line/column ↔ UTF-16 agree.

use acrlint::source::SourceFile;
use proptest::prelude::*;

fn file(text: &str) -> SourceFile {
    SourceFile::new("a.tf".into(), "a.tf".into(), text)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn utf16_round_trips_at_every_char_boundary(text in "(\\PC|\\r|\\n|\\r\\n|😀|é){0,80}") {
        let f = file(&text);
        for (byte, _) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
            let (line, col) = f.utf16_position(byte);
            // Offsets inside a line terminator have no position of their own.
            if byte <= f.line_range(line as usize).end {
                prop_assert_eq!(f.offset_of_utf16(line, col), byte);
            }
        }
    }

    #[test]
    fn line_and_column_match_a_naive_count(text in "(\\PC|\\n|😀){0,80}") {
        let f = file(&text);
        for (byte, _) in text.char_indices() {
            let before = &text[..byte];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
            let lc = f.line_col(byte);
            prop_assert_eq!((lc.line, lc.column), (line, col));
            let u16col = before.rsplit('\n').next().unwrap().encode_utf16().count() as u32;
            prop_assert_eq!(f.utf16_position(byte), ((line - 1) as u32, u16col));
        }
    }

    #[test]
    fn any_offset_and_position_is_safe(text in "\\PC{0,40}", byte in 0usize..200, line in 0u32..10, col in 0u32..100) {
        let f = file(&text);
        let _ = f.line_col(byte);
        let _ = f.utf16_position(byte);
        let off = f.offset_of_utf16(line, col);
        prop_assert!(off <= text.len());
        prop_assert!(text.is_char_boundary(off));
    }
}
