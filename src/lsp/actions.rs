//! Hover (the rule's doc) and code actions (the rule's fix, "ignore this finding").

use std::collections::HashMap;
use std::io::Write;

use lsp_server::ErrorCode;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Hover, HoverContents,
    HoverParams, MarkupContent, MarkupKind, Position, TextEdit, WorkspaceEdit,
};

use super::convert::{self, path_to_uri};
use super::{ReqResult, Server};
use crate::Analysis;
use crate::finding::Finding;
use crate::source::{FileId, SourceFile};

fn bad_uri(e: String) -> (ErrorCode, String) {
    (ErrorCode::InvalidParams, e)
}

// `WorkspaceEdit::changes` is keyed by `Uri`, whose hash does not change in practice.
#[allow(clippy::mutable_key_type)]
impl<W: Write> Server<W> {
    /// The analysis that holds a file, and its findings whose primary span touches
    /// `[start, end]` in it (with the file); `None` before any analysis has read the file.
    #[allow(clippy::type_complexity)]
    fn findings_at(
        &self,
        uri: &lsp_types::Uri,
        start: Position,
        end: Position,
    ) -> Result<Option<(&Analysis, Vec<(&Finding, FileId)>)>, (ErrorCode, String)> {
        let path = convert::uri_to_path(uri).map_err(bad_uri)?;
        let Some(a) = self.analysis_of(&path) else {
            return Ok(None);
        };
        let Some(id) = a.sources.find(&path) else {
            return Ok(None);
        };
        let file = a.sources.get(id);
        let (s, e) = (
            convert::offset(file, start, self.enc),
            convert::offset(file, end, self.enc),
        );
        let found = a
            .findings
            .iter()
            .filter(|f| {
                f.primary.file == id && f.primary.start as usize <= e && s <= f.primary.end as usize
            })
            .map(|f| (f, id))
            .collect();
        Ok(Some((a, found)))
    }

    pub(super) fn hover(&mut self, p: HoverParams) -> ReqResult {
        let pos = p.text_document_position_params.position;
        let uri = &p.text_document_position_params.text_document.uri;
        let Some((a, found)) = self.findings_at(uri, pos, pos)? else {
            return Ok(serde_json::Value::Null);
        };
        let Some(&(first, id)) = found.first() else {
            return Ok(serde_json::Value::Null);
        };
        let mut parts: Vec<String> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (f, _) in &found {
            // The message carries scanned values: escaped, so that it cannot format the
            // hover, link or embed anything. The rule docs below are ours.
            parts.push(format!(
                "**{}** ({}): {}",
                f.rule.code,
                f.rule.name,
                crate::sanitize::markdown(&f.message)
            ));
        }
        for (f, _) in &found {
            if !seen.contains(&f.rule.code) {
                seen.push(f.rule.code);
                parts.push(f.rule.doc.trim().to_string());
            }
        }
        let hover = Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: parts.join("\n\n---\n\n"),
            }),
            range: Some(convert::range(a.sources.get(id), first.primary, self.enc)),
        };
        Ok(serde_json::to_value(hover).unwrap_or_default())
    }

    pub(super) fn code_actions(&mut self, p: CodeActionParams) -> ReqResult {
        if let Some(only) = &p.context.only
            && !only
                .iter()
                .any(|k| CodeActionKind::QUICKFIX.as_str().starts_with(k.as_str()))
        {
            return Ok(serde_json::json!([]));
        }
        let Some((a, found)) =
            self.findings_at(&p.text_document.uri, p.range.start, p.range.end)?
        else {
            return Ok(serde_json::json!([]));
        };
        let mut actions: Vec<CodeActionOrCommand> = Vec::new();
        for (f, id) in found {
            let diag = convert::diagnostic(&a.sources, f, self.enc, &self.links);
            if let Some(fix) = &f.fix {
                let mut by_file: HashMap<FileId, Vec<crate::finding::Edit>> = HashMap::new();
                for e in fix.edits.iter().chain(&fix.requires) {
                    let list = by_file.entry(e.span.file).or_default();
                    if !list.contains(e) {
                        list.push(e.clone());
                    }
                }
                let mut changes: HashMap<lsp_types::Uri, Vec<TextEdit>> = HashMap::new();
                for (file_id, edits) in by_file {
                    let file = a.sources.get(file_id);
                    // Terraform groups re-aligned as `terraform fmt` leaves them, as `--fix` does.
                    let list = changes.entry(path_to_uri(&file.path)).or_default();
                    for (range, new_text) in crate::fix::editor_edits(&file.path, &file.text, edits)
                    {
                        let span = crate::source::Span::new(file_id, range);
                        list.push(TextEdit {
                            range: convert::range(file, span, self.enc),
                            new_text,
                        });
                    }
                }
                // Unsafe fixes (cost, reachability) are offered, never preferred: an editor
                // applies a preferred fix on "fix all" without asking.
                let safe = fix.safety == crate::finding::Safety::Safe;
                let title = crate::sanitize::visible(&fix.description);
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: if safe {
                        title.into_owned()
                    } else {
                        format!("{title} (unsafe fix: changes cost or who can reach the registry)")
                    },
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diag.clone()]),
                    edit: Some(WorkspaceEdit {
                        changes: Some(changes),
                        ..Default::default()
                    }),
                    is_preferred: Some(safe),
                    ..Default::default()
                }));
            }
            if f.rule.code == "LINT001" {
                continue; // a parse error is fixed, not ignored
            }
            let file = a.sources.get(id);
            let Some(prefix) = comment_prefix(file) else {
                continue;
            };
            // Above the resource's head when it is in this file (where the docs put it),
            // else above the flagged line.
            let at = f
                .instance
                .as_ref()
                .filter(|i| i.span.file == id && i.span.start <= f.primary.start)
                .map_or(f.primary.start as usize, |i| i.span.start as usize);
            let line = file.line_index(at);
            let start = file.line_start(line).unwrap_or(0);
            let text = &file.text[file.line_range(line)];
            let indent = &text[..text.len() - text.trim_start().len()];
            let eol = if file.text.contains("\r\n") {
                "\r\n"
            } else {
                "\n"
            };
            let pos = convert::position(file, start, self.enc);
            let edit = TextEdit {
                range: lsp_types::Range {
                    start: pos,
                    end: pos,
                },
                new_text: format!(
                    "{indent}{prefix} acrlint:ignore {} TODO: reason{eol}",
                    f.rule.code
                ),
            };
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Ignore {} here (acrlint:ignore comment)", f.rule.code),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diag]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(path_to_uri(&file.path), vec![edit])])),
                    ..Default::default()
                }),
                ..Default::default()
            }));
        }
        Ok(serde_json::to_value(actions).unwrap_or_default())
    }
}

/// The line-comment syntax of a file's format; JSON only when the file already has comments.
fn comment_prefix(file: &SourceFile) -> Option<&'static str> {
    let ext = file.path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "tf" | "tfvars" | "yaml" | "yml" => Some("#"),
        "bicep" | "bicepparam" => Some("//"),
        "json" => json_has_comments(&file.text).then_some("//"),
        _ => None,
    }
}

/// True when JSON text has a `//` or `/*` comment outside strings.
fn json_has_comments(text: &str) -> bool {
    let b = text.as_bytes();
    let (mut i, mut in_str) = (0, false);
    while i < b.len() {
        match (in_str, b[i]) {
            (true, b'\\') => i += 1,
            (true, b'"') | (false, b'"') => in_str = !in_str,
            (false, b'/') if matches!(b.get(i + 1), Some(b'/' | b'*')) => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_comments_outside_strings_only() {
        assert!(super::json_has_comments("{\n // c\n \"a\": 1}"));
        assert!(super::json_has_comments("{\"a\": /* c */ 1}"));
        assert!(!super::json_has_comments("{\"u\": \"https://x/\\\"//\"}"));
    }
}
