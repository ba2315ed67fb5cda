//! Findings: what rules report, with primary and secondary spans and an optional fix.
//!
//! Messages embed values from the scanned repository (names, images, module sources), so
//! every text a finding is given is escaped as it is set ([`crate::sanitize::visible`]):
//! a control character or a bidi control in a value can neither end a line of output
//! nor reach a terminal. The reporters escape again as they print (cheap when nothing
//! needs it), for the text they add themselves.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::{Resource, Value};
use crate::rules::RuleMeta;
use crate::sanitize;
use crate::source::Span;

/// Scanned text made printable, without a copy when nothing needs escaping.
fn printable(s: String) -> String {
    match sanitize::visible(&s) {
        Cow::Borrowed(_) => s,
        Cow::Owned(o) => o,
    }
}

fn printable_cow(s: Cow<'static, str>) -> Cow<'static, str> {
    match s {
        Cow::Borrowed(b) => sanitize::visible(b),
        Cow::Owned(o) => Cow::Owned(printable(o)),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A secondary label: a related place and what it has to do with the finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One text replacement.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// Whether applying a fix can change more than the finding: `--fix` applies safe fixes;
/// unsafe ones (a cost, or who can reach the registry) only with `--unsafe-fixes`, and the
/// editor offers them without marking them preferred.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Safety {
    /// Turns off a setting that nothing should depend on (the admin user, anonymous pull).
    #[default]
    Safe,
    /// Changes the bill or who can reach the registry (Premium SKU, public access off).
    Unsafe,
}

/// A fix a rule is certain about.
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    pub description: String,
    pub safety: Safety,
    pub edits: Vec<Edit>,
    /// Edits another finding's fix must make for this one to be valid (disabling public
    /// access needs ACR003's SKU change to Premium). `--fix` applies this fix only when it
    /// applies those too; the editor's quick fix includes them.
    pub requires: Vec<Edit>,
}

/// Why a finding is not reported: SARIF's suppression kinds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SuppressionKind {
    /// An `acrlint:ignore` comment, ARM metadata or Kubernetes annotation, with its reason.
    InSource(String),
    /// A baseline file.
    External,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    pub primary: Span,
    /// Short text under the primary span.
    pub label: String,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    /// One sentence on how to fix it.
    /// Mostly a rule's constant text: borrowed, not copied into every finding.
    pub help: Option<Cow<'static, str>>,
    pub fix: Option<Box<Fix>>,
    /// The resource address the finding is about (as written: identity, not display;
    /// reporters escape it).
    pub resource: Option<String>,
    /// The declaration the finding is about, in its module instance: what a suppression
    /// is matched against (never the address text, which two folders can share).
    pub instance: Option<Instance>,
}

/// One resource declaration in one module instance: the declaration's head span and the
/// module calls it came through, outermost first. Two resources with the same address in
/// different folders, or one module's resource called from two places, differ here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    pub span: Span,
    pub via: Vec<Span>,
}

impl Instance {
    pub fn of(r: &Resource) -> Instance {
        Instance {
            span: r.span,
            via: r.via.iter().map(|v| v.span).collect(),
        }
    }
}

/// Equal findings: the same rule (by its code) and the same values.
impl PartialEq for Finding {
    fn eq(&self, o: &Finding) -> bool {
        self.rule.code == o.rule.code
            && self.severity == o.severity
            && self.primary == o.primary
            && self.message == o.message
            && self.label == o.label
            && self.secondary == o.secondary
            && self.notes == o.notes
            && self.help == o.help
            && self.fix == o.fix
            && self.resource == o.resource
            && self.instance == o.instance
    }
}

impl Finding {
    pub fn new(rule: &'static RuleMeta, primary: Span, message: impl Into<String>) -> Finding {
        Finding {
            rule,
            severity: rule.severity,
            message: printable(message.into()),
            primary,
            label: String::new(),
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            fix: None,
            resource: None,
            instance: None,
        }
    }

    pub fn code(&self) -> &'static str {
        self.rule.code
    }

    pub fn label(mut self, text: impl Into<String>) -> Finding {
        self.label = printable(text.into());
        self
    }

    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Finding {
        let message = printable(message.into());
        if span != self.primary && !self.secondary.iter().any(|l| l.span == span) {
            self.secondary.push(Label { span, message });
        }
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Finding {
        self.notes.push(printable(note.into()));
        self
    }

    pub fn help(mut self, help: impl Into<Cow<'static, str>>) -> Finding {
        self.help = Some(printable_cow(help.into()));
        self
    }

    pub fn fix(mut self, fix: Option<Fix>) -> Finding {
        self.fix = fix.map(Box::new);
        self
    }

    /// About this resource: names it, and labels the module calls and loop it came through.
    pub fn on(mut self, r: &Resource) -> Finding {
        self.resource = Some(r.address.clone());
        self.instance = Some(Instance::of(r));
        for via in &r.via {
            self = self.secondary(via.span, via.what.clone());
        }
        if let Some(inst) = &r.instances {
            self = self.note(format!(
                "reported once for all instances of `{}` ({})",
                sanitize::excerpt(&r.address),
                inst.describe
            ));
        }
        self
    }

    /// Labels the places a value came from ("`sku` is `"Basic"` because of this default").
    pub fn origins_of(mut self, attr: &str, v: &Value) -> Finding {
        for o in &v.origins {
            let msg = format!("`{attr}` is {} because of {}", v.display(), o.what);
            self = self.secondary(o.span, msg);
        }
        self
    }
}

/// One finding per problem: findings of the same rule at the same primary span with the
/// same cause (a module's resource reached through several module calls) become one. Its
/// message names the resource as the module declares it, not as one caller's instance;
/// it keeps the first one's fix and gains the others' related locations (each caller's
/// `module` block) and notes. Findings whose primary span differs (a problem in a
/// caller's argument is reported at that caller) or whose message differs in more than
/// the instance's address (callers passing different values) stay apart. Order is kept.
pub fn merge_duplicates(findings: &mut Vec<Finding>) {
    use std::collections::HashMap;
    // The message with the instance's address taken out: the cause.
    let cause = |f: &Finding| match f.resource.as_deref() {
        // Each kustomize overlay is a deployment of its own, judged once per overlay.
        Some(addr) if !addr.is_empty() && !addr.contains(crate::eval::kustomize::OVERLAY) => {
            f.message.replace(&*sanitize::visible(addr), "\0")
        }
        _ => f.message.clone(),
    };
    let mut first: HashMap<(&'static str, Span, String), usize> = HashMap::new();
    let mut merged: Vec<(Finding, Vec<String>)> = Vec::with_capacity(findings.len());
    for f in findings.drain(..) {
        let key = (f.rule.code, f.primary, cause(&f));
        match first.get(&key) {
            Some(&i) => {
                let (kept, addresses) = &mut merged[i];
                for l in f.secondary {
                    if l.span != kept.primary && !kept.secondary.iter().any(|k| k.span == l.span) {
                        kept.secondary.push(l);
                    }
                }
                for n in f.notes {
                    if !kept.notes.contains(&n) {
                        kept.notes.push(n);
                    }
                }
                kept.severity = kept.severity.max(f.severity);
                addresses.extend(f.resource);
            }
            None => {
                first.insert(key, merged.len());
                let addresses = f.resource.iter().cloned().collect();
                merged.push((f, addresses));
            }
        }
    }
    *findings = merged
        .into_iter()
        .map(|(mut f, addresses)| {
            if addresses.len() > 1
                && let Some(own) = f.resource.clone()
                && let Some(base) = one_resource(&addresses)
            {
                // The instances of one resource loop (`acr["weu"]`, `acr["neu"]`).
                f.message = f
                    .message
                    .replace(&*sanitize::visible(&own), &sanitize::visible(base));
                f.notes.push(format!(
                    "reported once for the {} instances of `{}` that share this problem",
                    addresses.len(),
                    sanitize::excerpt(base)
                ));
                f.resource = Some(base.to_string());
            } else if addresses.len() > 1
                && let Some(own) = f.resource.clone()
            {
                let shared = common_suffix(&addresses);
                if !shared.is_empty() && shared != own {
                    f.message = f
                        .message
                        .replace(&*sanitize::visible(&own), &sanitize::visible(&shared));
                }
                f.notes.push(format!(
                    "reported once for the {} module instances that share this declaration",
                    addresses.len()
                ));
            }
            f
        })
        .collect();
}

/// The address all addresses are instances of (`acr` of `acr["weu"]` and `acr[1]`).
fn one_resource(addresses: &[String]) -> Option<&str> {
    let base = |a: &str| match a.strip_suffix(']') {
        Some(rest) => rest.rfind('[').map(|i| a[..i].to_string()),
        None => None,
    };
    let first = base(&addresses[0])?;
    addresses
        .iter()
        .all(|a| base(a).as_deref() == Some(first.as_str()))
        .then(|| {
            let at = addresses[0].rfind('[').unwrap_or(0);
            &addresses[0][..at]
        })
}

/// The dot-separated segments all addresses end with (`azurerm_container_registry.acr` of
/// `module.a.azurerm_container_registry.acr` and `module.b.azurerm_container_registry.acr`).
fn common_suffix(addresses: &[String]) -> String {
    let split: Vec<Vec<&str>> = addresses.iter().map(|a| a.split('.').collect()).collect();
    let shortest = split.iter().map(Vec::len).min().unwrap_or(0);
    let n = (1..=shortest)
        .take_while(|&k| {
            let seg = split[0][split[0].len() - k];
            split.iter().all(|s| s[s.len() - k] == seg)
        })
        .count();
    let first = &split[0];
    first[first.len() - n..].join(".")
}

/// An analysis's findings, shared: a session hands the same list to each analysis whose
/// findings did not change (no copy, and nothing dropped with the previous analysis). It
/// reads as a `Vec<Finding>`; changing it copies the list only when it is shared
/// (`Arc::make_mut`), so the command line, which owns its list, never copies it.
#[derive(Clone, Debug, Default)]
pub struct FindingList(Arc<Vec<Finding>>);

impl FindingList {
    /// True when both are the same shared list (hence equal).
    pub fn same(&self, other: &FindingList) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The findings, taken out (copied only when the list is shared).
    pub fn into_vec(self) -> Vec<Finding> {
        Arc::unwrap_or_clone(self.0)
    }
}

impl From<Vec<Finding>> for FindingList {
    fn from(v: Vec<Finding>) -> FindingList {
        FindingList(Arc::new(v))
    }
}

impl std::ops::Deref for FindingList {
    type Target = Vec<Finding>;
    fn deref(&self) -> &Vec<Finding> {
        &self.0
    }
}

impl std::ops::DerefMut for FindingList {
    fn deref_mut(&mut self) -> &mut Vec<Finding> {
        Arc::make_mut(&mut self.0)
    }
}

impl<'a> IntoIterator for &'a FindingList {
    type Item = &'a Finding;
    type IntoIter = std::slice::Iter<'a, Finding>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for FindingList {
    type Item = Finding;
    type IntoIter = std::vec::IntoIter<Finding>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl FromIterator<Finding> for FindingList {
    fn from_iter<I: IntoIterator<Item = Finding>>(iter: I) -> FindingList {
        FindingList::from(iter.into_iter().collect::<Vec<_>>())
    }
}
