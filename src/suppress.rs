//! Inline suppressions: `acrlint:ignore CODE[,CODE] reason`.
//!
//! Written in a comment (`#`, `//` or `/* */` in Terraform, `//` in Bicep and JSON with
//! comments, `#` in YAML), in an ARM resource's `"metadata": {"acrlint:ignore": "..."}`, or
//! in a Kubernetes object's `acrlint.dev/ignore` annotation. A comment applies to findings
//! whose primary span is on its own line (trailing comment), on the next line, or inside
//! the resource declared right below it; metadata and annotations apply to their resource.
//! "Their resource" is one declaration in one module instance ([`Instance`]: the
//! declaration's span and the module calls it came through), never an address: a
//! `azurerm_container_registry.acr` in `prod/` is not silenced by an ignore on the one in
//! `dev/`, nor a `Pod/default/web` in one file by the annotation of another file's.
//! A reason is required. Ignores without reason, with unknown codes, or that matched
//! nothing become LINT002 findings.

use std::ops::Range;
use std::path::Path;

use crate::config::{Config, Level};
use crate::finding::{Finding, Instance};
use crate::model::{Format, Graph, Resource};
use crate::rules::{self, suppression_unused};
use crate::source::{SourceFile, SourceMap, Span};

/// The directive word.
pub const DIRECTIVE: &str = "acrlint:ignore";
/// The Kubernetes annotation.
pub const ANNOTATION: &str = "acrlint.dev/ignore";

/// One parsed ignore, before it is matched against findings.
#[derive(Clone, Debug, PartialEq)]
pub struct Ignore {
    /// The directive's text (from `acrlint:ignore` to the end of the comment or string).
    pub span: Span,
    /// The codes, each with its span.
    pub codes: Vec<(String, Span)>,
    pub reason: String,
    /// Where it applies: byte ranges in the directive's file.
    pub lines: Vec<Range<usize>>,
    /// The resource instances it applies to (findings about them anywhere).
    pub resources: Vec<Instance>,
}

/// The comment markers of a file, by extension.
fn markers(path: &Path) -> &'static [&'static str] {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "tf" | "tfvars" | "hcl" => &["#", "//", "/*"],
        "bicep" | "bicepparam" | "json" | "jsonc" => &["//", "/*"],
        "yaml" | "yml" => &["#"],
        _ => &[],
    }
}

/// The string quotes of a file, by extension.
fn quotes(path: &Path) -> &'static [char] {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "tf" | "tfvars" | "hcl" | "json" | "jsonc" => &['"'],
        "bicep" | "bicepparam" => &['\''],
        "yaml" | "yml" => &['"', '\''],
        _ => &[],
    }
}

/// Whether the end of `prefix` (a line up to a comment marker) is inside a string literal,
/// so that the "marker" is text: `name = "# acrlint:ignore ..."` suppresses nothing. A
/// quote opens a string only where a value can start (not inside a word: `don't`);
/// backslash escapes count. Strings spanning lines (heredocs, block scalars) are not seen.
fn inside_string(prefix: &str, quotes: &[char]) -> bool {
    let mut open: Option<char> = None;
    let mut prev = ' ';
    let mut chars = prefix.chars();
    while let Some(c) = chars.next() {
        match open {
            // A backslash escapes, except in YAML's single quotes (which double instead).
            Some(q) if c == '\\' && !(q == '\'' && quotes.contains(&'"')) => {
                chars.next();
            }
            Some(q) if c == q => open = None,
            Some(_) => {}
            None if quotes.contains(&c) && !prev.is_alphanumeric() => open = Some(c),
            None => {}
        }
        prev = c;
    }
    open.is_some()
}

/// Parse `CODE[,CODE] reason` starting at byte `at` of `text` (which ends where the comment
/// or string ends). Returns the codes with their byte ranges and the reason.
fn parse_args(text: &str, at: usize) -> (Vec<(String, Range<usize>)>, String) {
    let rest = &text[at..];
    let lead = rest.len() - rest.trim_start().len();
    let mut i = at + lead;
    let mut codes = Vec::new();
    loop {
        let tail = &text[i..];
        let len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(tail.len());
        if len == 0 {
            break;
        }
        codes.push((text[i..i + len].to_string(), i..i + len));
        i += len;
        // `A,B` or `A, B`: another code follows a comma.
        let after = text[i..].trim_start();
        if let Some(next) = after.strip_prefix(',') {
            i = text.len() - next.trim_start().len();
        } else {
            break;
        }
    }
    let reason = text[i..].trim().trim_start_matches(['-', ':']).trim();
    (codes, reason.to_string())
}

/// The ignores written in comments of one file (text level, any format).
pub fn scan_comments(file: &SourceFile, id: crate::source::FileId) -> Vec<Ignore> {
    let markers = markers(&file.path);
    let text = &*file.text;
    let mut out = Vec::new();
    if markers.is_empty() || !text.contains(DIRECTIVE) {
        return out;
    }
    for line in 0..file.line_count() {
        let range = file.line_range(line);
        let line_text = &text[range.clone()];
        let Some(pos) = line_text.find(DIRECTIVE) else {
            continue;
        };
        // Only a comment: a marker, then only blanks before the directive.
        let before = line_text[..pos].trim_end();
        let Some(marker) = markers.iter().find(|m| before.ends_with(**m)) else {
            continue;
        };
        let marker_at = before.len() - marker.len();
        if inside_string(&line_text[..marker_at], quotes(&file.path)) {
            continue;
        }
        if *marker == "#"
            && marker_at > 0
            && !line_text[..marker_at].ends_with(char::is_whitespace)
            && markers.len() == 1
        {
            continue; // YAML: `#` starts a comment only after a blank
        }
        let after = pos + DIRECTIVE.len();
        if line_text[after..]
            .chars()
            .next()
            .is_some_and(|c| !c.is_whitespace())
        {
            continue;
        }
        let mut end = line_text.len();
        if *marker == "/*"
            && let Some(close) = line_text[after..].find("*/")
        {
            end = after + close;
        }
        let body = &line_text[..end];
        let (codes, reason) = parse_args(body, after);
        let abs = |r: Range<usize>| Span::new(id, range.start + r.start..range.start + r.end);
        let mut lines = vec![range.clone()];
        if line + 1 < file.line_count() {
            lines.push(file.line_range(line + 1));
        }
        out.push(Ignore {
            span: abs(pos..body.trim_end().len().max(after)),
            codes: codes.into_iter().map(|(c, r)| (c, abs(r))).collect(),
            reason,
            lines,
            resources: Vec::new(),
        });
    }
    out
}

/// The line below a comment block starting after `line` that is neither blank nor another
/// comment (nor, in Bicep, a decorator such as `@description('...')`, also one spanning
/// lines until its brackets close): where "the resource right below" must start.
fn next_code_line(file: &SourceFile, line: usize) -> Option<usize> {
    let markers = markers(&file.path);
    let decorators = matches!(
        file.path.extension().and_then(|e| e.to_str()),
        Some("bicep")
    );
    // Open brackets of a decorator that continues on the next lines.
    let mut open: i64 = 0;
    (line + 1..file.line_count()).find(|&l| {
        let t = file.text[file.line_range(l)].trim();
        if open > 0 || (decorators && t.starts_with('@')) {
            open += bracket_balance(t);
            return false;
        }
        !t.is_empty() && !markers.iter().any(|m| t.starts_with(m))
    })
}

/// Opened minus closed brackets of a line, outside Bicep strings.
fn bracket_balance(line: &str) -> i64 {
    let mut n = 0;
    let mut in_string = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_string => {
                chars.next();
            }
            '\'' => in_string = !in_string,
            '(' | '[' | '{' if !in_string => n += 1,
            ')' | ']' | '}' if !in_string => n -= 1,
            _ => {}
        }
    }
    n
}

/// The ignore in an ARM resource's metadata or a Kubernetes object's annotation.
fn from_body(r: &Resource, sources: &SourceMap) -> Option<Ignore> {
    let v = match r.format {
        Format::Arm | Format::Bicep => r.body.path(&["metadata", DIRECTIVE])?,
        Format::Kubernetes => r.body.path(&["metadata", "annotations", ANNOTATION])?,
        Format::Terraform => return None,
    };
    let s = v.as_str()?;
    // Codes are located inside the string's span when it is written literally.
    let written = sources.text(v.span);
    let offset = written.find(s).filter(|_| !s.is_empty());
    let (codes, reason) = parse_args(s, 0);
    let span_of = |r: Range<usize>| match offset {
        Some(o) => Span::new(
            v.span.file,
            v.span.start as usize + o + r.start..v.span.start as usize + o + r.end,
        ),
        None => v.span,
    };
    Some(Ignore {
        span: v.span,
        codes: codes.into_iter().map(|(c, r)| (c, span_of(r))).collect(),
        reason,
        lines: Vec::new(),
        resources: vec![Instance::of(r)],
    })
}

/// Every ignore of an analysis, with its scope.
pub fn collect(sources: &SourceMap, graph: &Graph) -> Vec<Ignore> {
    let mut out = Vec::new();
    for (id, file) in sources.files() {
        for mut ig in scan_comments(file, id) {
            let line = file.line_index(ig.span.start as usize);
            let below = next_code_line(file, line);
            {
                // Declared here or right below: its head, its body (an ARM resource object
                // starts at its `{`) or the module call that brought it in.
                let here = |s: Span| {
                    s.file == id && {
                        let l = file.line_index(s.start as usize);
                        l == line || Some(l) == below
                    }
                };
                for r in &graph.resources {
                    if here(r.span) || here(r.body.span) || r.via.iter().any(|v| here(v.span)) {
                        ig.resources.push(Instance::of(r));
                        if r.span.file == id {
                            let mut extent = r.span;
                            if r.body.span.file == id {
                                extent = extent.to(r.body.span);
                            }
                            ig.lines.push(extent.range());
                        }
                    }
                }
            }
            out.push(ig);
        }
    }
    out.extend(graph.resources.iter().filter_map(|r| from_body(r, sources)));
    out
}

fn known(code: &str) -> bool {
    rules::ALL
        .iter()
        .any(|r| r.meta.code.eq_ignore_ascii_case(code) || r.meta.name == code)
}

fn matches_code(f: &Finding, code: &str) -> bool {
    f.rule.code.eq_ignore_ascii_case(code) || f.rule.name == code
}

fn covers(ig: &Ignore, f: &Finding) -> bool {
    if f.instance
        .as_ref()
        .is_some_and(|i| ig.resources.contains(i))
    {
        return true;
    }
    f.primary.file == ig.span.file
        && ig
            .lines
            .iter()
            .any(|l| (l.start..=l.end).contains(&(f.primary.start as usize)))
}

/// Take out the findings that an ignore with a reason covers (returned with the reason:
/// SARIF reports them as suppressed), and add LINT002 findings for ignores without a reason, with unknown
/// codes, or that matched nothing.
pub fn apply(
    findings: &mut Vec<Finding>,
    sources: &SourceMap,
    graph: &Graph,
    config: &Config,
) -> Vec<(Finding, String)> {
    let ignores = collect(sources, graph);
    let mut suppressed = Vec::new();
    if ignores.is_empty() {
        return suppressed;
    }
    let mut used: Vec<Vec<bool>> = ignores
        .iter()
        .map(|ig| vec![false; ig.codes.len()])
        .collect();
    // In a file that does not parse nothing can match: LINT001 says enough.
    let broken: Vec<_> = findings
        .iter()
        .filter(|f| f.rule.code == "LINT001")
        .map(|f| f.primary.file)
        .collect();
    for f in std::mem::take(findings) {
        let mut reason = None;
        for (ig, u) in ignores.iter().zip(used.iter_mut()) {
            if !ig.has_reason() || !covers(ig, &f) {
                continue;
            }
            for (i, (code, _)) in ig.codes.iter().enumerate() {
                if matches_code(&f, code) {
                    u[i] = true;
                    reason.get_or_insert_with(|| ig.reason.clone());
                }
            }
        }
        match reason {
            None => findings.push(f),
            Some(r) => suppressed.push((f, r)),
        }
    }
    for (ig, u) in ignores.iter().zip(&used) {
        if ig.codes.is_empty() {
            findings.push(suppression_unused::finding(
                ig.span,
                format!("`{DIRECTIVE}` names no rule code; write `{DIRECTIVE} CODE reason`"),
                "no rule code",
            ));
            continue;
        }
        if !ig.has_reason() {
            let what = if ig.reason.is_empty() {
                "has no reason"
            } else {
                "has a placeholder instead of a reason"
            };
            findings.push(suppression_unused::finding(
                ig.span,
                format!(
                    "`{DIRECTIVE} {}` {what}, so it suppresses nothing; add why the finding is accepted after the code",
                    names(ig)
                ),
                "reason missing",
            ));
            continue;
        }
        for ((code, span), used) in ig.codes.iter().zip(u) {
            if !known(code) {
                findings.push(suppression_unused::finding(
                    *span,
                    format!(
                        "`{DIRECTIVE}` names an unknown rule code `{code}`; see `acrlint rules` for the codes"
                    ),
                    "unknown code",
                ));
            } else if !used && !rule_is_off(config, code) && !broken.contains(&ig.span.file) {
                findings.push(suppression_unused::finding(
                    *span,
                    format!(
                        "`{DIRECTIVE} {code}` matched no finding; remove it, or move it onto or above the line it should cover"
                    ),
                    "suppresses nothing",
                ));
            }
        }
    }
    suppressed
}

/// Words that only hold the place of a reason (`TODO: reason`, `FIXME`, `<reason>`).
const PLACEHOLDER_WORDS: &[&str] = &[
    "todo",
    "fixme",
    "xxx",
    "tbd",
    "reason",
    "placeholder",
    "here",
    "add",
    "insert",
    "your",
    "a",
    "the",
    "why",
    "explain",
    "justification",
];

/// A reason made only of placeholder words and punctuation (`...`, `<reason>`, `TODO`):
/// it explains nothing, so it counts as no reason.
fn is_placeholder(reason: &str) -> bool {
    reason
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .all(|w| PLACEHOLDER_WORDS.contains(&w.to_lowercase().as_str()))
}

impl Ignore {
    /// True when the ignore gives a real reason: only then does it suppress.
    pub fn has_reason(&self) -> bool {
        !is_placeholder(&self.reason)
    }
}

fn names(ig: &Ignore) -> String {
    ig.codes
        .iter()
        .map(|(c, _)| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn rule_is_off(config: &Config, code: &str) -> bool {
    rules::by_code_or_name(code)
        .is_some_and(|r| config.level(r.meta.code, r.meta.name) == Some(Level::Off))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn scan(name: &str, text: &str) -> Vec<(Vec<String>, String, String)> {
        let f = SourceFile::new(name.into(), name.into(), text);
        scan_comments(&f, FileId(0))
            .into_iter()
            .map(|ig| {
                let at = &text[ig.span.range()];
                (
                    ig.codes.into_iter().map(|(c, _)| c).collect(),
                    ig.reason,
                    at.to_string(),
                )
            })
            .collect()
    }

    fn one(codes: &[&str], reason: &str, at: &str) -> Vec<(Vec<String>, String, String)> {
        vec![(
            codes.iter().map(|c| c.to_string()).collect(),
            reason.to_string(),
            at.to_string(),
        )]
    }

    #[test]
    fn terraform_hash_slash_and_block_comments() {
        assert_eq!(
            scan(
                "a.tf",
                "# acrlint:ignore ACR002 sandbox only\nresource {}\n"
            ),
            one(
                &["ACR002"],
                "sandbox only",
                "acrlint:ignore ACR002 sandbox only"
            )
        );
        assert_eq!(
            scan(
                "a.tf",
                "  admin_enabled = true // acrlint:ignore ACR002, ACR001 why\n"
            ),
            one(
                &["ACR002", "ACR001"],
                "why",
                "acrlint:ignore ACR002, ACR001 why"
            )
        );
        assert_eq!(
            scan("a.tfvars", "x = 1 /* acrlint:ignore ACR003 cost */\n"),
            one(&["ACR003"], "cost", "acrlint:ignore ACR003 cost")
        );
        // Not a comment, or not the directive.
        assert!(scan("a.tf", "name = \"acrlint:ignore ACR002 x\"\n").is_empty());
        assert!(scan("a.tf", "# acrlint:ignored ACR002 x\n").is_empty());
    }

    #[test]
    fn a_marker_inside_a_string_is_not_a_comment() {
        for (name, text) in [
            (
                "a.tf",
                "  tags = { note = \"# acrlint:ignore ACR002 x\" }\n",
            ),
            (
                "a.tf",
                "  d = \"say \\\"hi\\\" // acrlint:ignore ACR002 x\"\n",
            ),
            (
                "t.json",
                "  \"description\": \"// acrlint:ignore ACR002 x\",\n",
            ),
            ("m.bicep", "var s = 'it\\'s // acrlint:ignore ACR001 x'\n"),
            ("k.yaml", "msg: \"a # acrlint:ignore K8S002 x\"\n"),
            ("k.yaml", "msg: 'it''s # acrlint:ignore K8S002 x'\n"),
        ] {
            assert!(scan(name, text).is_empty(), "{name}: {text}");
        }
        // After a closed string, or after an apostrophe inside a word, it is a comment.
        assert_eq!(
            scan("a.tf", "  sku = \"Basic\" # acrlint:ignore ACR003 dev\n"),
            one(&["ACR003"], "dev", "acrlint:ignore ACR003 dev")
        );
        assert_eq!(
            scan("k.yaml", "msg: don't # acrlint:ignore K8S002 x\n"),
            one(&["K8S002"], "x", "acrlint:ignore K8S002 x")
        );
        assert_eq!(
            scan("m.bicep", "var s = 'a' // acrlint:ignore ACR001 x\n"),
            one(&["ACR001"], "x", "acrlint:ignore ACR001 x")
        );
    }

    #[test]
    fn bicep_json_and_yaml_comment_syntax() {
        assert_eq!(
            scan("main.bicep", "// acrlint:ignore ACR001 behind a firewall\n"),
            one(
                &["ACR001"],
                "behind a firewall",
                "acrlint:ignore ACR001 behind a firewall"
            )
        );
        assert!(scan("main.bicep", "# acrlint:ignore ACR001 x\n").is_empty());
        assert_eq!(
            scan("t.json", "  { // acrlint:ignore ACR002 legacy\n"),
            one(&["ACR002"], "legacy", "acrlint:ignore ACR002 legacy")
        );
        assert_eq!(
            scan(
                "k.yaml",
                "image: nginx # acrlint:ignore K8S002 pinned upstream\n"
            ),
            one(
                &["K8S002"],
                "pinned upstream",
                "acrlint:ignore K8S002 pinned upstream"
            )
        );
        assert!(scan("k.yml", "a: b#acrlint:ignore K8S002 x\n").is_empty());
        assert!(scan("k.yaml", "// acrlint:ignore K8S002 x\n").is_empty());
    }

    #[test]
    fn placeholder_reasons_are_no_reason() {
        for r in [
            "",
            "TODO",
            "TODO: reason",
            "reason",
            "FIXME",
            "<reason>",
            "...",
            "todo - add reason here",
            "[reason]",
            "XXX",
        ] {
            assert!(is_placeholder(r), "{r:?}");
        }
        for r in [
            "sandbox only",
            "TODO remove after the migration",
            "pinned upstream",
            "reason: the vendor image is signed",
            "見直し済み",
        ] {
            assert!(!is_placeholder(r), "{r:?}");
        }
    }

    #[test]
    fn missing_reason_and_codes() {
        assert_eq!(
            scan("a.tf", "# acrlint:ignore ACR002\n"),
            one(&["ACR002"], "", "acrlint:ignore ACR002")
        );
        assert_eq!(
            scan("a.tf", "# acrlint:ignore\n"),
            one(&[], "", "acrlint:ignore")
        );
    }

    #[test]
    fn scope_is_the_line_the_next_line_and_the_resource_below() {
        let text =
            "# acrlint:ignore ACR002 r\n# other\n\nresource \"a\" \"b\" {\n  x = 1\n}\nlater\n";
        let f = SourceFile::new("a.tf".into(), "a.tf".into(), text);
        let igs = scan_comments(&f, FileId(0));
        assert_eq!(next_code_line(&f, 0), Some(3));
        assert_eq!(igs[0].lines.len(), 2);
        let text = "// acrlint:ignore ACR002 r\n@description('x')\n\nresource acr 'T' = {\n}\n";
        let f = SourceFile::new("main.bicep".into(), "main.bicep".into(), text);
        assert_eq!(next_code_line(&f, 0), Some(3), "decorators are skipped");
        let text = "// acrlint:ignore ACR002 r\n@allowed([\n  'Basic'\n  'Premium (:'\n])\n@description('a ) b')\nparam sku string\n";
        let f = SourceFile::new("main.bicep".into(), "main.bicep".into(), text);
        assert_eq!(
            next_code_line(&f, 0),
            Some(6),
            "a decorator over several lines"
        );
    }
}
