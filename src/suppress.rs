//! Inline suppressions: `acrlint:ignore CODE[,CODE] reason`.
//!
//! Written in a comment (`#`, `//` or `/* */` in Terraform, `//` or `/* */` in Bicep and
//! JSON with comments, `#` in YAML), in an ARM resource's `"metadata": {"acrlint:ignore":
//! "..."}`, or in a Kubernetes object's `acrlint.dev/ignore` annotation. The comments are
//! those the parser of each format found ([`Comment`], carried by `Loaded::comments`): a
//! string that reads like a comment (a heredoc, a YAML block scalar, a Bicep `'''`
//! string) suppresses nothing, and a file that does not parse has none. A comment applies
//! to findings whose primary span is on its own line (trailing comment), on the next
//! line, or inside the resource declared right below it (where the code after the comment
//! starts, Bicep decorators skipped); metadata and annotations apply to their resource.
//! "Their resource" is one declaration in one module instance ([`Instance`]: the
//! declaration's span and the module calls it came through), never an address: a
//! `azurerm_container_registry.acr` in `prod/` is not silenced by an ignore on the one in
//! `dev/`, nor a `Pod/default/web` in one file by the annotation of another file's.
//! A reason is required. Ignores without reason, with unknown codes, or that matched
//! nothing become LINT002 findings.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use crate::config::{Config, Level};
use crate::finding::{Finding, Instance};
use crate::model::{Format, Graph, Resource};
use crate::parse::Comment;
use crate::rules::{self, suppression_unused};
use crate::source::{FileId, SourceFile, SourceMap, Span};

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

/// The text of a comment that starts with the directive (blanks before it allowed), up to
/// the end of the comment or of its first line, with the offset of the directive in it.
fn directive<'t>(text: &'t str, c: &Comment) -> Option<(&'t str, usize)> {
    let body = text.get(c.text())?;
    let body = &body[..body.find('\n').unwrap_or(body.len())];
    let lead = body.len() - body.trim_start().len();
    let after = lead + DIRECTIVE.len();
    (body[lead..].starts_with(DIRECTIVE)
        && body[after..].chars().next().is_none_or(char::is_whitespace))
    .then_some((body, lead))
}

/// True when a comment (of a file with `text`) is an ignore: the comments that the
/// suppression phase reads. Loaders keep only these.
pub fn holds_directive(text: &str, c: &Comment) -> bool {
    directive(text, c).is_some()
}

/// The ignore a comment holds: its codes and reason.
fn from_comment(file: &SourceFile, id: FileId, c: &Comment) -> Option<Ignore> {
    let (text, lead) = directive(&file.text, c)?;
    let after = lead + DIRECTIVE.len();
    let (codes, reason) = parse_args(text, after);
    let start = c.text().start;
    let abs = |r: Range<usize>| Span::new(id, start + r.start..start + r.end);
    let line = file.line_index(start + lead);
    let mut lines = vec![file.line_range(line)];
    if line + 1 < file.line_count() {
        lines.push(file.line_range(line + 1));
    }
    Some(Ignore {
        span: abs(lead..text.trim_end().len().max(after)),
        codes: codes.into_iter().map(|(c, r)| (c, abs(r))).collect(),
        reason,
        lines,
        resources: Vec::new(),
    })
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

/// Every ignore of an analysis, with its scope: the comments of each file (as its
/// parser found them; a file parsed twice counts once), then the metadata and annotations
/// of the resources. A comment covers its line, the next one, and the resources whose
/// head, body or module call starts on its line or on the line of the code right below it
/// ([`Comment::below`]).
pub fn collect(
    sources: &SourceMap,
    comments: &[(FileId, Vec<Comment>)],
    graph: &Graph,
) -> Vec<Ignore> {
    let mut by_file: BTreeMap<FileId, &[Comment]> = BTreeMap::new();
    for (id, c) in comments {
        by_file.entry(*id).or_insert(c);
    }
    // (file, line of the directive, line of the code below it) of each ignore.
    let mut found: Vec<(Ignore, usize, Option<usize>)> = Vec::new();
    for (&id, comments) in &by_file {
        let file = sources.get(id);
        for c in comments.iter() {
            if let Some(ig) = from_comment(file, id, c) {
                let line = file.line_index(ig.span.start as usize);
                let below = c.below().map(|b| file.line_index(b));
                found.push((ig, line, below));
            }
        }
    }
    if !found.is_empty() {
        // The resources by (file, line) where their head, body or a module call that
        // brought them in starts, in the files that hold an ignore.
        let files: HashSet<FileId> = found.iter().map(|(ig, _, _)| ig.span.file).collect();
        let mut at: HashMap<(FileId, usize), Vec<usize>> = HashMap::new();
        for (i, r) in graph.resources.iter().enumerate() {
            let starts = [r.span, r.body.span]
                .into_iter()
                .chain(r.via.iter().map(|v| v.span));
            for s in starts.filter(|s| files.contains(&s.file)) {
                let line = sources.get(s.file).line_index(s.start as usize);
                at.entry((s.file, line)).or_default().push(i);
            }
        }
        for (ig, line, below) in &mut found {
            let id = ig.span.file;
            let mut hits: Vec<usize> = [Some(*line), *below]
                .into_iter()
                .flatten()
                .filter_map(|l| at.get(&(id, l)))
                .flatten()
                .copied()
                .collect();
            hits.sort_unstable();
            hits.dedup();
            for r in hits.into_iter().map(|i| &graph.resources[i]) {
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
    let mut out: Vec<Ignore> = found.into_iter().map(|(ig, _, _)| ig).collect();
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
    comments: &[(FileId, Vec<Comment>)],
    graph: &Graph,
    config: &Config,
) -> Vec<(Finding, String)> {
    let ignores = collect(sources, comments, graph);
    if ignores.is_empty() {
        return Vec::new();
    }
    let mut used = Used::new(&ignores);
    let broken = broken(findings.iter());
    let suppressed = filter(findings, &ignores, &mut used);
    findings.extend(unused(&ignores, &used, config, &broken));
    suppressed
}

/// Which codes of which ignores matched a finding.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Used(Vec<Vec<bool>>);

impl Used {
    pub(crate) fn new(ignores: &[Ignore]) -> Used {
        Used(
            ignores
                .iter()
                .map(|ig| vec![false; ig.codes.len()])
                .collect(),
        )
    }

    /// Add the matches of another part of the findings.
    pub(crate) fn add(&mut self, other: &Used) {
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            for (m, t) in mine.iter_mut().zip(theirs) {
                *m |= *t;
            }
        }
    }
}

/// The files with a LINT001 finding: in a file that does not parse nothing can match, and
/// LINT001 says enough.
pub(crate) fn broken<'f>(findings: impl Iterator<Item = &'f Finding>) -> Vec<FileId> {
    findings
        .filter(|f| f.rule.code == "LINT001")
        .map(|f| f.primary.file)
        .collect()
}

/// Take out the findings an ignore with a reason covers (returned with the reason), and
/// record in `used` which codes matched.
pub(crate) fn filter(
    findings: &mut Vec<Finding>,
    ignores: &[Ignore],
    used: &mut Used,
) -> Vec<(Finding, String)> {
    let mut suppressed = Vec::new();
    if ignores.is_empty() {
        return suppressed;
    }
    for f in std::mem::take(findings) {
        let mut reason = None;
        for (ig, u) in ignores.iter().zip(used.0.iter_mut()) {
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
    suppressed
}

/// The LINT002 findings: ignores without a code or a reason, unknown codes, and codes that
/// matched nothing (`used`) outside the `broken` files.
pub(crate) fn unused(
    ignores: &[Ignore],
    used: &Used,
    config: &Config,
    broken: &[FileId],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (ig, u) in ignores.iter().zip(&used.0) {
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
    findings
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

    /// The comments of a text, from the parser its name calls for.
    fn comments_of(f: &SourceFile) -> Vec<Comment> {
        let name = f.path.to_string_lossy();
        let parsed = if name.ends_with(".tf") || name.ends_with(".tfvars") {
            crate::parse::terraform::parse(FileId(0), f).map(|p| p.comments)
        } else if name.ends_with(".bicep") {
            crate::parse::bicep::parse(FileId(0), f).map(|p| p.comments)
        } else if name.ends_with(".json") {
            crate::parse::arm::parse(FileId(0), f).map(|p| p.comments)
        } else {
            crate::parse::yaml::parse(&f.text, FileId(0)).map(|p| p.comments)
        };
        parsed.unwrap_or_else(|e| panic!("{name}: {}", e.message))
    }

    fn scan(name: &str, text: &str) -> Vec<(Vec<String>, String, String)> {
        let f = SourceFile::new(name.into(), name.into(), text);
        comments_of(&f)
            .iter()
            .filter_map(|c| from_comment(&f, FileId(0), c))
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
        assert!(scan("a.tf", "# see acrlint:ignore ACR002 x\n").is_empty());
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
                "{\n  \"description\": \"// acrlint:ignore ACR002 x\"\n}\n",
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

    /// What a line-by-line reading took for comments: text in strings over several lines.
    #[test]
    fn multi_line_strings_hold_no_comment() {
        let cases = [
            (
                "a.tf",
                "resource \"a\" \"b\" {\n  script = <<-EOT\n    # acrlint:ignore ACR002 in a heredoc\n    echo // acrlint:ignore ACR001 too\n  EOT\n  x = 1 # acrlint:ignore ACR003 after the heredoc\n}\n",
            ),
            (
                "k.yaml",
                "data:\n  run.sh: |\n    # acrlint:ignore K8S002 in a block scalar\n    echo hi\n  other: >\n    a # acrlint:ignore K8S001 folded\n  x: y # acrlint:ignore K8S003 after the block scalar\n",
            ),
            (
                "m.bicep",
                "var s = '''\n// acrlint:ignore ACR002 in a multi-line string\n/* acrlint:ignore ACR001 x */\n'''\nvar t = 1 // acrlint:ignore ACR003 after the string\n",
            ),
        ];
        for (name, text) in cases {
            let got = scan(name, text);
            assert_eq!(got.len(), 1, "{name}: {got:?}");
            assert!(got[0].1.starts_with("after the"), "{name}: {got:?}");
        }
    }

    /// saphyr's span of a quoted scalar runs on to the end of its line; a block scalar
    /// ends before a comment line below it.
    #[test]
    fn yaml_comments_after_block_and_quoted_scalars() {
        for text in [
            "data:\n  a: |\n    text\n  # acrlint:ignore K8S001 after\n  b: x\n",
            "data:\n  a: |\n    text\n\n# acrlint:ignore K8S001 after\nb: x\n",
            "l:\n  - |\n    text\n  # acrlint:ignore K8S001 after\n  - x\n",
            "a: |+\n  text\n\n# acrlint:ignore K8S001 after\n",
            "a: >-\n  text\n# acrlint:ignore K8S001 after\nb: 1\n",
            "a: x\n  y\n# acrlint:ignore K8S001 after\n",
            "a: 'x' # acrlint:ignore K8S001 after\n",
            "a: 'x\n  y' # acrlint:ignore K8S001 after\n",
            "a: \"x\\\" # y\n  z\" # acrlint:ignore K8S001 after\n",
            "a: 'x'' # y\n  z' # acrlint:ignore K8S001 after\n",
        ] {
            assert_eq!(
                scan("k.yaml", text),
                one(&["K8S001"], "after", "acrlint:ignore K8S001 after"),
                "{text:?}"
            );
        }
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
        assert_eq!(
            scan(
                "main.bicep",
                "/* acrlint:ignore ACR001 reviewed\n   more */\n"
            ),
            one(&["ACR001"], "reviewed", "acrlint:ignore ACR001 reviewed")
        );
        assert_eq!(
            scan("t.json", "{ // acrlint:ignore ACR002 legacy\n}\n"),
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

    /// The line of the code right below the first comment.
    fn below(name: &str, text: &str) -> Option<usize> {
        let f = SourceFile::new(name.into(), name.into(), text);
        comments_of(&f)[0].below().map(|b| f.line_index(b))
    }

    #[test]
    fn the_code_below_skips_comments_blanks_and_decorators() {
        let text =
            "# acrlint:ignore ACR002 r\n# other\n\nresource \"a\" \"b\" {\n  x = 1\n}\nlater = 1\n";
        assert_eq!(below("a.tf", text), Some(3));
        let text = "// acrlint:ignore ACR002 r\n@description('x')\n\nresource acr 'T' = {\n}\n";
        assert_eq!(below("main.bicep", text), Some(3), "decorators are skipped");
        let text = "// acrlint:ignore ACR002 r\n@allowed([\n  'Basic'\n  'Premium (:'\n])\n// c\n@description('a ) b')\nparam sku string\n";
        assert_eq!(
            below("main.bicep", text),
            Some(7),
            "decorators over several lines, comments between"
        );
        let text = "{\n  // acrlint:ignore ACR002 r\n  /* more */\n  \"a\": 1\n}\n";
        assert_eq!(below("t.json", text), Some(3));
        let text = "# acrlint:ignore K8S002 r\n\n# more\napiVersion: v1\n";
        assert_eq!(below("k.yaml", text), Some(3));
        assert_eq!(below("k.yaml", "a: 1\n# acrlint:ignore K8S002 r\n"), None);
    }

    /// Finding the code below each comment of a long block reads the block once (a line
    /// scan per comment took minutes on 300,000 lines).
    #[test]
    fn a_long_comment_block_is_read_once() {
        let n = 200_000;
        let text = format!(
            "{}resource \"a\" \"b\" {{}}\n",
            "# acrlint:ignore ACR002 r\n".repeat(n)
        );
        let f = SourceFile::new("a.tf".into(), "a.tf".into(), text);
        let comments = comments_of(&f);
        assert_eq!(comments.len(), n);
        assert!(
            comments
                .iter()
                .all(|c| c.below() == Some(f.text.len() - 20))
        );
    }
}
