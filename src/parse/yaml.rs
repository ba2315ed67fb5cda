//! YAML documents into spanned [`Value`]s with saphyr. saphyr counts characters; spans are
//! converted to bytes once per file. Deep nesting is refused before parsing (saphyr
//! overflows the stack at ~20k levels); what anchors and aliases would copy is measured
//! from the event stream before saphyr builds (and copies) anything, and the converted
//! tree has a node budget. Merge keys (`<<: *defaults`) are resolved as YAML 1.1 (and
//! kubectl) do.

use std::collections::HashSet;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use crate::model::{Str, Value, ValueKind};
use crate::parse::{Comment, ParseError, Parsed};
use crate::source::{FileId, Span};

/// Deepest nesting accepted (block indentation columns plus open flow brackets).
pub const MAX_DEPTH: usize = 1000;
/// Most nodes one file may produce.
pub const MAX_NODES: usize = 2_000_000;
/// Most nodes that aliases of one file may stand for (saphyr's own bound is the same).
pub const MAX_ALIAS_NODES: usize = 100_000;
/// Most nodes that anchors of one file may hold (saphyr keeps a copy of each anchored
/// node, nested anchors included).
pub const MAX_ANCHORED_NODES: usize = 1_000_000;

/// Character index (in the text saphyr parsed) to byte offset in the file.
struct Offsets {
    /// Empty when the text is ASCII (index = offset).
    bytes: Vec<usize>,
    len: usize,
    /// Where spaces were inserted into the parsed text (its byte offsets, sorted): see
    /// [`reindent_quoted_scalar`].
    inserted: Vec<usize>,
    /// Bytes of the file before the parsed text (a byte-order mark).
    skip: usize,
}

impl Offsets {
    fn new(parsed: &str, inserted: Vec<usize>, skip: usize) -> Offsets {
        let bytes = if parsed.is_ascii() {
            Vec::new()
        } else {
            parsed.char_indices().map(|(b, _)| b).collect()
        };
        Offsets {
            bytes,
            len: parsed.len(),
            inserted,
            skip,
        }
    }

    /// The byte offset in the parsed text.
    fn parsed_byte(&self, char_index: usize) -> usize {
        if self.bytes.is_empty() {
            char_index.min(self.len)
        } else {
            self.bytes.get(char_index).copied().unwrap_or(self.len)
        }
    }

    /// The byte offset in the file.
    fn byte(&self, char_index: usize) -> usize {
        let b = self.parsed_byte(char_index);
        b - self.inserted.partition_point(|&at| at < b) + self.skip
    }
}

/// saphyr 0.3 rejects a multi-line quoted scalar whose continuation lines are indented no
/// deeper than its key; YAML 1.2 and go-yaml (kubectl) accept it. Given the byte offset of
/// the scalar's opening quote, indent each continuation line by one more space (the
/// scalar's value is the same: line folding drops leading spaces) and record where.
/// Returns false when there is nothing to change.
fn reindent_quoted_scalar(text: &mut String, open: usize, inserted: &mut Vec<usize>) -> bool {
    let bytes = text.as_bytes();
    let Some(&quote) = bytes.get(open).filter(|q| matches!(q, b'"' | b'\'')) else {
        return false;
    };
    let mut i = open + 1;
    let mut line_starts = Vec::new();
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 1,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
            c if c == quote => break,
            b'\n' => line_starts.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    if i >= bytes.len() || line_starts.is_empty() {
        return false;
    }
    for at in line_starts.into_iter().rev() {
        text.insert(at, ' ');
        for x in inserted.iter_mut().filter(|x| **x >= at) {
            *x += 1;
        }
        inserted.push(at);
    }
    inserted.sort_unstable();
    true
}

/// A line's indentation with its block sequence indicators (`- - x` is 4 deep); a line of
/// blanks, or of dashes that are no indicators (`-----`), opens nothing.
fn indentation(line: &str) -> usize {
    let b = line.as_bytes();
    let mut n = 0;
    while n < b.len() {
        let indicator = b[n] == b'-' && matches!(b.get(n + 1), None | Some(b' ' | b'\n' | b'\r'));
        if b[n] != b' ' && !indicator {
            break;
        }
        n += 1;
    }
    if line[n..].trim().is_empty() && !line.contains('-') {
        0
    } else {
        n
    }
}

/// An upper bound of the nesting depth, from a cheap scan: the deepest indentation plus
/// sequence dashes on a line, plus flow brackets open outside quotes and comments.
fn nesting_bound(text: &str) -> (usize, usize) {
    let mut flow: usize = 0;
    let mut worst = (0, 0);
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let indent = indentation(line);
        let mut quote: Option<char> = None;
        let mut deepest = flow;
        for (i, c) in line.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '#') if i == 0 || line[..i].ends_with([' ', '\t']) => break,
                (None, '"' | '\'') if flow > 0 => quote = Some(c),
                (None, '[' | '{') => {
                    flow += 1;
                    deepest = deepest.max(flow);
                }
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
        }
        if indent + deepest > worst.0 {
            worst = (indent + deepest, offset);
        }
        offset += line.len();
    }
    worst
}

/// Parse every document of a file, with the file's comments.
pub fn parse(text: &str, file: FileId) -> Result<Parsed<Vec<Value>>, ParseError> {
    let (depth, at) = nesting_bound(text);
    if depth > MAX_DEPTH {
        return Err(ParseError::new(
            Span::new(file, at..at),
            format!("YAML nested deeper than {MAX_DEPTH} levels; not parsed"),
        ));
    }
    if let Some(bom) = text.strip_prefix('\u{feff}') {
        return parse_from(text, bom, 3, file);
    }
    let first = parse_from(text, text, 0, file);
    // A byte-order mark read from disk is three spaces (offsets stay put), which indent
    // the first line only: when the file does not parse as it is, read it without them.
    match first {
        Err(e) if text.starts_with("   ") && !text[3..].starts_with(char::is_whitespace) => {
            match parse_from(text, &text[3..], 3, file) {
                Ok(docs) => Ok(docs),
                // The error of the reading that went further.
                Err(again) if again.span.start > e.span.start => Err(again),
                Err(_) => Err(e),
            }
        }
        other => other,
    }
}

/// Parse `body`, the end of `text` after `skip` bytes.
fn parse_from(
    text: &str,
    body: &str,
    skip: usize,
    file: FileId,
) -> Result<Parsed<Vec<Value>>, ParseError> {
    let mut parsed = std::borrow::Cow::Borrowed(body);
    let mut inserted = Vec::new();
    // Each retry re-indents one scalar; a bound keeps a pathological file from looping long.
    let mut retries = 0;
    loop {
        let offsets = Offsets::new(&parsed, inserted.clone(), skip);
        let e = match measure_anchors(&parsed).and_then(|()| MarkedYaml::load_from_str(&parsed)) {
            Ok(docs) => return convert(text, file, &offsets, &docs),
            Err(e) => e,
        };
        if retries < 64 && e.info() == "invalid indentation in quoted scalar" {
            retries += 1;
            let open = offsets.parsed_byte(e.marker().index());
            let mut patched = parsed.to_string();
            if reindent_quoted_scalar(&mut patched, open, &mut inserted) {
                parsed = std::borrow::Cow::Owned(patched);
                continue;
            }
        }
        let b = offsets.byte(e.marker().index());
        let end = text[b..]
            .chars()
            .next()
            .filter(|c| *c != '\n' && *c != '\r')
            .map_or(b, |c| b + c.len_utf8());
        let message = if e.info().starts_with("YAML ") {
            e.info().to_string()
        } else {
            format!("cannot parse YAML: {}", e.info())
        };
        return Err(ParseError::new(Span::new(file, b..end), message));
    }
}

/// Refuse, before saphyr copies anything, a text whose aliases stand for more than
/// [`MAX_ALIAS_NODES`] nodes or whose anchors hold more than [`MAX_ANCHORED_NODES`]
/// ("billion laughs": each level of aliases multiplies the size). Node counts include
/// mapping keys, which may be aliases too. One pass over the events, without recursion.
fn measure_anchors(text: &str) -> Result<(), saphyr::ScanError> {
    use saphyr_parser::{Event, Parser};
    if !text.contains('&') {
        // No anchor, nothing to copy.
        return Ok(());
    }
    let too_big = |at: saphyr::Marker, what: &str| {
        Err(saphyr::ScanError::new_str(
            at,
            match what {
                "alias" => {
                    "YAML aliases expand to more nodes than allowed (an alias bomb?); not parsed"
                }
                _ => "YAML anchors hold more nodes than allowed (nested anchors?); not parsed",
            },
        ))
    };
    // Open collections: (anchor id, expanded size so far, start).
    let mut open: Vec<(usize, usize, saphyr::Marker)> = Vec::new();
    let mut sizes: std::collections::HashMap<usize, usize> = Default::default();
    let (mut aliased, mut anchored) = (0usize, 0usize);
    for event in Parser::new_from_str(text) {
        // Syntax errors are saphyr's to report, with the same position.
        let Ok((event, span)) = event else {
            return Ok(());
        };
        let (anchor, size, start) = match event {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((anchor, 1, span.start));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match open.pop() {
                Some((anchor, size, start)) => (anchor, size, start),
                None => continue,
            },
            Event::Scalar(_, _, anchor, _) => (anchor, 1, span.start),
            Event::Alias(id) => {
                let size = sizes.get(&id).copied().unwrap_or(1);
                aliased = aliased.saturating_add(size);
                if aliased > MAX_ALIAS_NODES {
                    return too_big(span.start, "alias");
                }
                (0, size, span.start)
            }
            _ => continue,
        };
        if anchor > 0 {
            sizes.insert(anchor, size);
            anchored = anchored.saturating_add(size);
            if anchored > MAX_ANCHORED_NODES {
                return too_big(start, "anchor");
            }
        }
        if let Some(parent) = open.last_mut() {
            parent.1 = parent.1.saturating_add(size);
        }
    }
    Ok(())
}

/// Spanned values of saphyr's documents, and the comments of the file.
fn convert(
    text: &str,
    file: FileId,
    offsets: &Offsets,
    docs: &[MarkedYaml],
) -> Result<Parsed<Vec<Value>>, ParseError> {
    let hashes = hashes(text);
    let mut conv = Convert {
        text,
        file,
        offsets,
        nodes: 0,
        in_scalar: vec![false; hashes.len()],
        hashes,
    };
    let mut out = Vec::new();
    for d in docs {
        out.push(conv.value(d, 0)?);
    }
    Ok(Parsed {
        tree: out,
        comments: conv.comments(),
    })
}

/// Where a comment may start: a `#` at the start of a line or after a blank.
fn hashes(text: &str) -> Vec<u32> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = b[at..].iter().position(|&c| c == b'#') {
        let i = at + i;
        let before = &text[..i];
        if before.is_empty() || before.ends_with([' ', '\t', '\n', '\r', '\u{feff}']) {
            out.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        at = i + 1;
    }
    out
}

/// For a quoted scalar's text (from its opening quote): the length up to and with its
/// closing quote (`''` in single quotes and a backslash escape in double quotes do not
/// close). `None` for other scalars.
fn quoted_end(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let quote = *b.first().filter(|q| matches!(q, b'"' | b'\''))?;
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' if quote == b'"' => i += 1,
            b'\'' if quote == b'\'' && b.get(i + 1) == Some(&b'\'') => i += 1,
            c if c == quote => return Some(i + 1),
            _ => {}
        }
        i += 1;
    }
    None
}

struct Convert<'a> {
    text: &'a str,
    file: FileId,
    offsets: &'a Offsets,
    nodes: usize,
    /// The `#`s that may start a comment ([`hashes`]), and which of them lie in a scalar
    /// (a quoted or block scalar's text, not a comment).
    hashes: Vec<u32>,
    in_scalar: Vec<bool>,
}

impl Convert<'_> {
    /// Mark the `#`s inside a scalar's span (a quoted scalar's ends at its closing quote).
    fn scalar_at(&mut self, span: Span) {
        let r = span.range();
        let mut i = self.hashes.partition_point(|&h| (h as usize) < r.start);
        while self.hashes.get(i).is_some_and(|&h| (h as usize) < r.end) {
            self.in_scalar[i] = true;
            i += 1;
        }
    }

    /// The comments: from each `#` outside every scalar to the end of its line.
    fn comments(&self) -> Vec<Comment> {
        let mut found = Vec::new();
        let mut done = 0;
        for (&h, &in_scalar) in self.hashes.iter().zip(&self.in_scalar) {
            let h = h as usize;
            if in_scalar || h < done {
                continue;
            }
            let end = h + self.text[h..].find('\n').unwrap_or(self.text.len() - h);
            found.push(Comment::new(h..end, 1, 0));
            done = end;
        }
        crate::parse::comments(self.text, found, |_| None)
    }
}

impl Convert<'_> {
    fn span(&self, y: &MarkedYaml) -> Span {
        let start = self.offsets.byte(y.span.start.index());
        let mut end = self.offsets.byte(y.span.end.index()).max(start);
        // Block collections end where the next token starts: stop at their last character.
        let bytes = self.text.as_bytes();
        while end > start && bytes[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        // saphyr's span of a quoted scalar runs on to the end of its last line (over a
        // trailing comment): it ends at the closing quote.
        if matches!(y.data, YamlData::Value(_))
            && let Some(n) = quoted_end(&self.text[start..end])
        {
            end = start + n;
        }
        Span::new(self.file, start..end)
    }

    fn value(&mut self, y: &MarkedYaml, depth: usize) -> Result<Value, ParseError> {
        let span = self.span(y);
        self.nodes += 1;
        if self.nodes > MAX_NODES || depth > MAX_DEPTH {
            return Err(ParseError::new(
                span,
                format!(
                    "YAML expands to more than {MAX_NODES} nodes or {MAX_DEPTH} levels (alias expansion?); not parsed"
                ),
            ));
        }
        let kind = match &y.data {
            YamlData::Value(s) => {
                self.scalar_at(span);
                scalar(s)
            }
            YamlData::Representation(s, _, _) => {
                self.scalar_at(span);
                ValueKind::String(s.to_string().into())
            }
            YamlData::Sequence(items) => ValueKind::List(
                items
                    .iter()
                    .map(|i| self.value(i, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            YamlData::Mapping(map) => {
                let mut entries: Vec<(Str, Value)> = Vec::with_capacity(map.len());
                // Entries of `<<` merge keys, in order: the first of a key wins.
                let mut merged: Vec<(Str, Value)> = Vec::new();
                let mut seen: HashSet<Str> = HashSet::new();
                for (k, v) in map {
                    let key: Str = match &k.data {
                        YamlData::Value(s) => {
                            if !self.hashes.is_empty() {
                                let at = self.span(k);
                                self.scalar_at(at);
                            }
                            scalar_text(s).into()
                        }
                        _ => continue,
                    };
                    if key == "<<" {
                        self.merge(v, depth + 1, &mut merged, &mut seen)?;
                        continue;
                    }
                    entries.push((key, self.value(v, depth + 1)?));
                }
                if !merged.is_empty() {
                    // Keys written in the mapping win over merged ones.
                    let written: HashSet<Str> = entries.iter().map(|(k, _)| k.clone()).collect();
                    entries.extend(merged.into_iter().filter(|(k, _)| !written.contains(k)));
                }
                ValueKind::Object(entries)
            }
            YamlData::Tagged(_, inner) => return self.value(inner, depth + 1),
            YamlData::Alias(_) | YamlData::BadValue => ValueKind::Null,
        };
        Ok(Value::new(kind, span))
    }
}

impl Convert<'_> {
    /// The entries a merge key's value brings (a mapping, or a sequence of mappings of
    /// which earlier ones win), added to `out` after those already there. Spans stay where
    /// the entries are written (at the anchor).
    fn merge(
        &mut self,
        v: &MarkedYaml,
        depth: usize,
        out: &mut Vec<(Str, Value)>,
        seen: &mut HashSet<Str>,
    ) -> Result<(), ParseError> {
        let maps: Vec<&MarkedYaml> = match &v.data {
            YamlData::Mapping(_) => vec![v],
            YamlData::Sequence(items) => items.iter().collect(),
            _ => vec![v],
        };
        for m in maps {
            if !matches!(m.data, YamlData::Mapping(_)) {
                return Err(ParseError::new(
                    self.span(m),
                    "cannot parse YAML: a merge key (`<<`) takes a mapping or a sequence of mappings",
                ));
            }
            if let ValueKind::Object(entries) = self.value(m, depth)?.kind {
                for (k, v) in entries {
                    if seen.insert(k.clone()) {
                        out.push((k, v));
                    }
                }
            }
        }
        Ok(())
    }
}

fn scalar(s: &Scalar) -> ValueKind {
    match s {
        Scalar::Null => ValueKind::Null,
        Scalar::Boolean(b) => ValueKind::Bool(*b),
        Scalar::Integer(i) => ValueKind::Number(*i as f64),
        Scalar::FloatingPoint(f) => ValueKind::Number(f.into_inner()),
        Scalar::String(s) => ValueKind::String(s.to_string().into()),
    }
}

fn scalar_text(s: &Scalar) -> String {
    match s {
        Scalar::Null => "null".into(),
        Scalar::Boolean(b) => b.to_string(),
        Scalar::Integer(i) => i.to_string(),
        Scalar::FloatingPoint(f) => f.to_string(),
        Scalar::String(s) => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse0(text: &str) -> Result<Vec<Value>, ParseError> {
        parse(text, FileId(0)).map(|p| p.tree)
    }

    #[test]
    fn spans_are_bytes_even_after_multibyte_text() {
        let text = "# héllo wörld ✓\na: ünïcode\nimage: nginx:1\n";
        let docs = parse0(text).unwrap();
        let v = docs[0].get("image").unwrap();
        assert_eq!(&text[v.span.range()], "nginx:1");
    }

    #[test]
    fn quoted_values_end_at_their_closing_quote_not_at_a_comment() {
        let text = "image: \"nginx:1\" # pinned later\nname: 'web' # the app\nkey: 'it''s' # x\n\"q\": v # c\n";
        let docs = parse0(text).unwrap();
        let span = |k: &str| &text[docs[0].get(k).unwrap().span.range()];
        assert_eq!(span("image"), "\"nginx:1\"");
        assert_eq!(span("name"), "'web'");
        assert_eq!(span("key"), "'it''s'");
        assert_eq!(span("q"), "v");
    }

    #[test]
    fn multi_document() {
        let docs = parse0("a: 1\n---\nb: two\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].get("b").and_then(Value::as_str), Some("two"));
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let flow = format!("a: {}{}\n", "[".repeat(50_000), "]".repeat(50_000));
        let e = parse0(&flow).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{}", e.message);
        let mut block = String::new();
        for i in 0..3000 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        assert!(parse0(&block).is_err());
        // Moderate nesting is fine.
        let ok = format!("a: {}1{}\n", "[".repeat(60), "]".repeat(60));
        assert!(parse0(&ok).is_ok());
    }

    #[test]
    fn long_blank_and_dash_lines_are_no_nesting() {
        let blanks = format!("a: 1\n{}\nb: |\n  {}\n", " ".repeat(5000), "-".repeat(5000));
        let docs = parse0(&blanks).unwrap();
        assert_eq!(
            docs[0].get("b").and_then(Value::as_str).map(str::len),
            Some(5001)
        );
        // Sequence indicators do count.
        assert!(parse0(&format!("a:\n{}x\n", "- ".repeat(1500))).is_err());
        assert!(parse0(&format!("a:\n{}-\n", "- ".repeat(1500))).is_err());
    }

    #[test]
    fn alias_bombs_are_refused_quickly() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse0(&text).unwrap_err();
        assert!(e.message.contains("alias"), "{}", e.message);
        // At the alias that goes over the budget.
        assert_eq!(&text[e.span.range()], "*", "{:?}", e.span);
    }

    #[test]
    fn merge_keys_bring_entries_explicit_and_earlier_ones_win() {
        let text = "a: &a {x: 1, y: 1, image: from-a}\nb: &b {y: 2, z: 2, w: 2}\nc:\n  <<: [*a, *b]\n  x: own\n";
        let docs = parse0(text).unwrap();
        let c = docs[0].get("c").unwrap();
        assert_eq!(c.get("x").and_then(Value::as_str), Some("own"));
        assert_eq!(c.get("y").and_then(Value::as_number), Some(1.0));
        assert_eq!(c.get("z").and_then(Value::as_number), Some(2.0));
        assert!(c.get("<<").is_none());
        let ValueKind::Object(entries) = &c.kind else {
            panic!("an object")
        };
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["x", "y", "image", "z", "w"]);
        // A merged value's span is where it is written: at the anchor.
        let image = c.get("image").unwrap();
        assert_eq!(&text[image.span.range()], "from-a");
        assert!(image.span.range().start < text.find("b:").unwrap());
    }

    #[test]
    fn merge_keys_nest_and_a_single_mapping_merges() {
        let text = "base: &base {image: 'nginx:latest', name: base}\nmid: &mid\n  <<: *base\n  name: mid\nleaf:\n  <<: *mid\n";
        let docs = parse0(text).unwrap();
        let leaf = docs[0].get("leaf").unwrap();
        assert_eq!(leaf.get("name").and_then(Value::as_str), Some("mid"));
        let image = leaf.get("image").unwrap();
        assert_eq!(image.as_str(), Some("nginx:latest"));
        assert_eq!(&text[image.span.range()], "'nginx:latest'");
    }

    #[test]
    fn a_merge_key_without_a_mapping_is_an_error_at_its_value() {
        let text = "a: 1\nb:\n  <<: [{x: 1}, plain]\n";
        let e = parse0(text).unwrap_err();
        assert!(e.message.contains("merge key"), "{}", e.message);
        assert_eq!(&text[e.span.range()], "plain");
        assert!(parse0("b:\n  <<: scalar\n").is_err());
    }

    #[test]
    fn a_byte_order_mark_is_no_indentation() {
        // As read from standard input (the mark itself) and from disk (three spaces).
        for text in ["\u{feff}a: 1\nimage: x\n", "   a: 1\nimage: x\n"] {
            let docs = parse0(text).unwrap();
            let v = docs[0].get("image").unwrap();
            assert_eq!(&text[v.span.range()], "x");
            assert_eq!(docs[0].get("a").and_then(Value::as_number), Some(1.0));
        }
        // A file indented as a whole still reads as written.
        let docs = parse0("   a: 1\n   b: 2\n").unwrap();
        assert_eq!(docs[0].get("b").and_then(Value::as_number), Some(2.0));
        // When neither reading works, the error is where the file is wrong.
        let text = "   a: 1\nb: [\n";
        let e = parse0(text).unwrap_err();
        assert!(e.span.range().start > 8, "{:?} {}", e.span, e.message);
    }

    #[test]
    fn aliases_used_as_mapping_keys_are_counted() {
        // saphyr counts a key as one node: nested complex keys made of aliases would
        // multiply unchecked.
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let keys: Vec<String> = (0..10)
                .map(|j| format!("? [{j}, *a{}] : {j}", i - 1))
                .collect();
            text.push_str(&format!("a{i}: &a{i} {{{}}}\n", keys.join(", ")));
        }
        let e = parse0(&text).unwrap_err();
        assert!(e.message.contains("alias"), "{}", e.message);
        let line = text[..e.span.range().start].matches('\n').count() + 1;
        assert!(line > 1 && line <= 9, "line {line}");
    }

    #[test]
    fn nested_anchors_are_counted_once_per_copy() {
        // Every anchor keeps a copy of its node: nested anchors over a large leaf.
        let depth = 200;
        let mut text = String::from("data:\n");
        for i in 0..depth {
            text.push_str(&format!("{}- &n{i}\n", "  ".repeat(i)));
        }
        text.push_str(&format!(
            "{}- [{}]\n",
            "  ".repeat(depth),
            vec!["x"; 10_000].join(",")
        ));
        let e = parse0(&text).unwrap_err();
        assert!(e.message.contains("anchors"), "{}", e.message);
        // The same tree with few anchors is fine.
        let few = text.replacen("&n1\n", "\n", 1).replace("&n", "");
        assert!(parse0(&few).is_ok());
    }

    #[test]
    fn many_small_aliases_are_fine() {
        let text = format!("a: &a x\nb: [{}]\n", vec!["*a"; 50_000].join(","));
        let docs = parse0(&text).unwrap();
        assert_eq!(
            docs[0]
                .get("b")
                .and_then(Value::as_list)
                .map(<[Value]>::len),
            Some(50_000)
        );
    }

    #[test]
    fn quoted_scalars_continued_at_their_keys_indentation_are_read() {
        // Valid YAML (go-yaml, kubectl) that saphyr 0.3 rejects: read after re-indenting.
        let text = "a:\n  d: \"x é\n  y\"\n  e: 'p\n  q''s'\n  f: tail\n";
        let docs = parse0(text).unwrap();
        let a = docs[0].get("a").unwrap();
        assert_eq!(a.get("d").and_then(Value::as_str), Some("x é y"));
        assert_eq!(a.get("e").and_then(Value::as_str), Some("p q's"));
        // Spans are those of the file as written.
        let f = a.get("f").unwrap();
        assert_eq!(&text[f.span.range()], "tail");
        let d = a.get("d").unwrap();
        assert_eq!(&text[d.span.range()], "\"x é\n  y\"");
        // Still an error when it is one: an unclosed quote.
        assert!(parse0("a:\n  d: \"x\n  y\n").is_err());
    }

    #[test]
    fn syntax_errors_have_byte_positions() {
        let text = "ä: [1, 2\nb: c\n";
        let e = parse0(text).unwrap_err();
        assert!(e.span.range().start <= text.len());
        assert!(e.message.starts_with("cannot parse YAML"));
    }
}
