//! Evaluated, spanned values: what every format's evaluator produces and every rule reads.

use crate::model::Key;
use crate::source::Span;
use thin_vec::{ThinVec, thin_vec};

/// Origins ("because of") kept per value.
pub const MAX_ORIGINS: usize = 16;
/// A value nested deeper than this (lists and objects inside each other) is Unknown.
pub const MAX_VALUE_DEPTH: usize = 128;

/// The string of values and object keys.
pub type Str = compact_str::CompactString;

/// Where a value came from when that is not the place it is used: a variable default,
/// a tfvars entry, an ARM parameter default or parameter file, a module argument.
#[derive(Clone, Debug, PartialEq, Hash)]
pub struct Origin {
    pub span: Span,
    /// What the origin is, e.g. "the default of variable `sku`".
    pub what: String,
}

/// A reference to another resource's attribute that static analysis cannot compute
/// (e.g. `azurerm_container_registry.acr.id`), kept so the graph can draw an edge.
#[derive(Clone, Debug, PartialEq, Hash)]
pub struct Ref {
    /// The identity key of the target resource (see [`crate::model::Resource::keys`]).
    pub target: Key,
    /// The attribute read, e.g. `id`, `name`.
    pub attr: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    Null,
    Bool(bool),
    Number(f64),
    /// Inline up to 24 bytes: most keys and values of a manifest need no allocation.
    String(Str),
    List(Vec<Value>),
    /// Keys in source order. Terraform blocks become objects; repeated blocks a list.
    Object(Vec<(Str, Value)>),
    /// A reference to a resource attribute (an edge in the graph, a value unknown statically).
    Ref(Box<Ref>),
    /// Not statically known; the string says why (shown in verbose output).
    Unknown(String),
}

/// An evaluated value: its kind, the span of the expression that produced it at the use
/// site, and the origins it flowed from.
#[derive(Clone, Debug, PartialEq, Hash)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
    /// Out of line (one pointer): most values have no origin.
    pub origins: ThinVec<Origin>,
}

/// Structural, for fingerprints: numbers by their bits (equal values hash equal).
impl std::hash::Hash for ValueKind {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        std::mem::discriminant(self).hash(h);
        match self {
            ValueKind::Null => {}
            ValueKind::Bool(b) => b.hash(h),
            ValueKind::Number(n) => n.to_bits().hash(h),
            ValueKind::String(s) => s.hash(h),
            ValueKind::List(items) => items.hash(h),
            ValueKind::Object(entries) => entries.hash(h),
            ValueKind::Ref(r) => r.hash(h),
            ValueKind::Unknown(why) => why.hash(h),
        }
    }
}

impl Value {
    pub fn new(kind: ValueKind, span: Span) -> Value {
        Value {
            kind,
            span,
            origins: ThinVec::new(),
        }
    }

    pub fn unknown(why: impl Into<String>, span: Span) -> Value {
        Value::new(ValueKind::Unknown(why.into()), span)
    }

    pub fn string(s: impl Into<Str>, span: Span) -> Value {
        Value::new(ValueKind::String(s.into()), span)
    }

    pub fn bool(b: bool, span: Span) -> Value {
        Value::new(ValueKind::Bool(b), span)
    }

    /// Add an origin; a value keeps at most [`MAX_ORIGINS`].
    pub fn with_origin(mut self, origin: Origin) -> Value {
        if self.origins.len() < MAX_ORIGINS && !self.origins.contains(&origin) {
            self.origins.push(origin);
        }
        self
    }

    /// The same value seen at another place (a reference to a variable, a parameter):
    /// the span moves to the use site, and the old span becomes an origin.
    pub fn used_at(mut self, span: Span, what: impl Into<String>) -> Value {
        let origin = Origin {
            span: self.span,
            what: what.into(),
        };
        self.span = span;
        let mut origins = thin_vec![origin];
        origins.append(&mut self.origins);
        origins.truncate(MAX_ORIGINS);
        self.origins = origins;
        self
    }

    /// This value as a part of `from` (an element, an entry, the branch chosen): it also
    /// owes its value to where `from` came from.
    pub fn carrying(self, from: &Value) -> Value {
        from.origins.iter().cloned().fold(self, Value::with_origin)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, ValueKind::Unknown(_))
    }

    /// True when the value or anything inside it is unknown.
    pub fn has_unknown(&self) -> bool {
        match &self.kind {
            ValueKind::Unknown(_) | ValueKind::Ref(_) => true,
            ValueKind::List(items) => items.iter().any(Value::has_unknown),
            ValueKind::Object(entries) => entries.iter().any(|(_, v)| v.has_unknown()),
            _ => false,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            ValueKind::Bool(b) => Some(*b),
            ValueKind::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            ValueKind::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match &self.kind {
            ValueKind::Number(n) => Some(*n),
            ValueKind::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match &self.kind {
            ValueKind::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_ref(&self) -> Option<&Ref> {
        match &self.kind {
            ValueKind::Ref(r) => Some(r),
            _ => None,
        }
    }

    /// An object's entry by key (exact match first, then ASCII case-insensitive, as ARM
    /// property names are).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match &self.kind {
            ValueKind::Object(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .or_else(|| entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
                .map(|(_, v)| v),
            // A repeated or single Terraform block: look into the first.
            ValueKind::List(items) => items.first().and_then(|v| v.get(key)),
            _ => None,
        }
    }

    /// Walk a path of keys; a list on the way is looked into at its first element.
    pub fn path(&self, path: &[&str]) -> Option<&Value> {
        let mut v = self;
        for key in path {
            v = v.get(key)?;
        }
        Some(v)
    }

    /// The items of a list, or the value itself when it is a single object (a single
    /// Terraform block is an object; repeated ones a list).
    pub fn items(&self) -> Vec<&Value> {
        match &self.kind {
            ValueKind::List(items) => items.iter().collect(),
            ValueKind::Null | ValueKind::Unknown(_) | ValueKind::Ref(_) => Vec::new(),
            _ => vec![self],
        }
    }

    /// A short rendering for messages: `true`, `"Basic"`, `[...]`. Strings are shown as
    /// an excerpt ([`crate::sanitize::excerpt`]): escaped, and cut when long.
    pub fn display(&self) -> String {
        match &self.kind {
            ValueKind::Null => "null".into(),
            ValueKind::Bool(b) => b.to_string(),
            ValueKind::Number(n) => {
                if n.fract() == 0.0 && n.abs() < 1e15 {
                    format!("{}", *n as i64)
                } else {
                    n.to_string()
                }
            }
            ValueKind::String(s) => format!("\"{}\"", crate::sanitize::excerpt(s)),
            ValueKind::List(_) => "[...]".into(),
            ValueKind::Object(_) => "{...}".into(),
            ValueKind::Ref(r) => format!("{}.{}", r.target, r.attr),
            ValueKind::Unknown(_) => "(unknown)".into(),
        }
    }
}
