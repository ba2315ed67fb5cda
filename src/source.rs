//! Source files, byte spans and position conversions.
//!
//! Every value in acrlint carries a [`Span`]: a file and a byte range. Line and column
//! are computed only when rendering; UTF-16 columns only at the LSP edge.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span {
            file,
            start: range.start as u32,
            end: range.end as u32,
        }
    }

    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span that covers both (same file assumed).
    pub fn to(&self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A 1-based line and column; the column counts Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// One scanned file: its path as shown to the user and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as given or found (used for reading sibling files and module sources).
    pub path: PathBuf,
    /// The path shown in output: relative to the current directory where possible, `/`-separated.
    pub display: String,
    pub text: Arc<str>,
    /// Shared: a file's clone (workspace → analysis) costs no copy of its index.
    /// Byte offsets of line starts (`u32` as in spans: half the memory of `usize`).
    line_starts: Arc<[u32]>,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: impl Into<Arc<str>>) -> SourceFile {
        let text: Arc<str> = text.into();
        let line_starts = line_starts(&text).into();
        SourceFile {
            path,
            display,
            text,
            line_starts,
        }
    }

    /// The number of lines (a final line without a terminator counts).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte offset where a 0-based line starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line).map(|&s| s as usize)
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, byte: usize) -> usize {
        let byte = u32::try_from(byte).unwrap_or(u32::MAX);
        match self.line_starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte range of a 0-based line, without its line terminator.
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let start = self.line_starts[line] as usize;
        let mut end = self.line_start(line + 1).unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        start..end
    }

    fn clamp(&self, byte: usize) -> usize {
        let mut b = byte.min(self.text.len());
        while !self.text.is_char_boundary(b) {
            b -= 1;
        }
        b
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, byte: usize) -> LineCol {
        let byte = self.clamp(byte);
        let line = self.line_index(byte);
        let column = self.text[self.line_starts[line] as usize..byte]
            .chars()
            .count()
            + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// 0-based line and UTF-16 column of a byte offset (the LSP's default encoding).
    pub fn utf16_position(&self, byte: usize) -> (u32, u32) {
        let byte = self.clamp(byte);
        let line = self.line_index(byte);
        let col: usize = self.text[self.line_starts[line] as usize..byte]
            .chars()
            .map(char::len_utf16)
            .sum();
        (line as u32, col as u32)
    }

    /// 1-based line and 1-based UTF-16 column (SARIF's default column kind).
    pub fn utf16_line_col(&self, byte: usize) -> LineCol {
        let (line, col) = self.utf16_position(byte);
        LineCol {
            line: line as usize + 1,
            column: col as usize + 1,
        }
    }

    /// Byte offset of a 0-based line and UTF-16 column; positions past the end clamp.
    pub fn offset_of_utf16(&self, line: u32, col: u32) -> usize {
        let Some(start) = self.line_start(line as usize) else {
            return self.text.len();
        };
        let range = self.line_range(line as usize);
        let mut units = 0u32;
        for (i, c) in self.text[range.clone()].char_indices() {
            if units >= col {
                return start + i;
            }
            units += c.len_utf16() as u32;
        }
        range.end
    }
}

fn line_starts(text: &str) -> Vec<u32> {
    let mut starts = vec![0];
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        let cr_alone = *b == b'\r' && bytes.get(i + 1) != Some(&b'\n');
        if *b == b'\n' || cr_alone {
            // Texts are far below 4 GiB (files are capped at 8 MiB).
            starts.push((i + 1) as u32);
        }
    }
    starts
}

/// All files of one analysis, indexed by [`FileId`].
///
/// A language-server session ([`crate::session::Session`]) gives each path one id for its
/// lifetime, so that results cached from an earlier analysis point at the right files:
/// then ids are not dense, and the ids of files this analysis does not hold are holes
/// (never returned by [`SourceMap::files`] nor [`SourceMap::find`]).
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Per id: whether it holds a file, and whether it is a scanned file.
    slots: Vec<Slot>,
    by_path: std::collections::HashMap<PathBuf, FileId>,
    /// The session's ids by path, when the analysis belongs to one.
    ids: Option<Arc<std::sync::Mutex<Ids>>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Hole,
    Read,
    Scanned,
}

/// Ids that stay with their paths across the analyses of a session.
#[derive(Debug, Default)]
pub struct Ids {
    by_path: std::collections::HashMap<PathBuf, FileId>,
    next: u32,
}

impl Ids {
    fn id(&mut self, path: &Path) -> FileId {
        if let Some(&id) = self.by_path.get(path) {
            return id;
        }
        let id = self.spare();
        self.by_path.insert(path.to_path_buf(), id);
        id
    }

    /// An id no path owns (a path added twice to one analysis).
    fn spare(&mut self) -> FileId {
        let id = FileId(self.next);
        self.next += 1;
        id
    }
}

impl SourceMap {
    /// An empty map whose ids come from a session's table.
    pub fn with_ids(ids: Arc<std::sync::Mutex<Ids>>) -> SourceMap {
        SourceMap {
            ids: Some(ids),
            ..SourceMap::default()
        }
    }

    /// Add a file read for context (a module source, a parameter file).
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.insert(file, Slot::Read)
    }

    /// Add a scanned file (see [`crate::Workspace::scanned`]).
    pub fn add_scanned(&mut self, file: SourceFile) -> FileId {
        self.insert(file, Slot::Scanned)
    }

    fn insert(&mut self, file: SourceFile, slot: Slot) -> FileId {
        let id = match &self.ids {
            None => FileId(self.files.len() as u32),
            Some(ids) => {
                let mut ids = ids
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let id = ids.id(&file.path);
                if self
                    .slots
                    .get(id.0 as usize)
                    .is_some_and(|s| *s != Slot::Hole)
                {
                    ids.spare()
                } else {
                    id
                }
            }
        };
        let i = id.0 as usize;
        if i > self.files.len() {
            let hole = SourceFile::new(PathBuf::new(), String::new(), "");
            self.files.resize(i, hole);
            self.slots.resize(i, Slot::Hole);
        }
        self.by_path.insert(file.path.clone(), id);
        if i == self.files.len() {
            self.files.push(file);
            self.slots.push(slot);
        } else {
            self.files[i] = file;
            self.slots[i] = slot;
        }
        id
    }

    /// True when `id` is a scanned file of this analysis.
    pub fn is_scanned(&self, id: FileId) -> bool {
        self.slots.get(id.0 as usize) == Some(&Slot::Scanned)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .zip(&self.slots)
            .enumerate()
            .filter(|(_, (_, s))| **s != Slot::Hole)
            .map(|(i, (f, _))| (FileId(i as u32), f))
    }

    /// One more than the largest id (holes count).
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    /// The text a span covers.
    pub fn text(&self, span: Span) -> &str {
        let f = self.get(span.file);
        let r = f.clamp(span.start as usize)..f.clamp(span.end as usize);
        &f.text[r]
    }
}

impl<'a> codespan_reporting::files::Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.get(id).display)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.get(id).text)
    }

    fn line_index(
        &'a self,
        id: FileId,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.get(id).line_index(byte_index))
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let f = self.get(id);
        if line_index >= f.line_starts.len() {
            return Err(codespan_reporting::files::Error::LineTooLarge {
                given: line_index,
                max: f.line_starts.len() - 1,
            });
        }
        let start = f.line_starts[line_index] as usize;
        let end = f.line_start(line_index + 1).unwrap_or(f.text.len());
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("a.tf".into(), "a.tf".into(), text)
    }

    #[test]
    fn line_col_counts_characters_and_utf16() {
        let f = file("ab\né😀x = 1\r\nz");
        let x = f.text.find('x').unwrap();
        assert_eq!(f.line_col(x), LineCol { line: 2, column: 3 });
        assert_eq!(f.utf16_position(x), (1, 3));
        assert_eq!(f.offset_of_utf16(1, 3), x);
        let z = f.text.find('z').unwrap();
        assert_eq!(f.line_col(z), LineCol { line: 3, column: 1 });
        assert_eq!(f.line_range(1), 3..f.text.find('\r').unwrap());
    }

    #[test]
    fn positions_past_the_end_clamp() {
        let f = file("a\nb");
        assert_eq!(f.offset_of_utf16(7, 0), 3);
        assert_eq!(f.offset_of_utf16(1, 9), 3);
        assert_eq!(f.line_col(99), LineCol { line: 2, column: 2 });
    }
}
