//! Operations on evaluated values that every language shares: an element (`base[key]`),
//! equality (Terraform `==`, `contains`, `distinct`; ARM `equals`, `contains`, `union`;
//! Bicep `==`), JSON read as values (Terraform's `jsondecode`, ARM's `json()`, ARM and
//! Bicep parameter files, Azure Policy parameters) and values written as JSON
//! (`jsonencode`, ARM's `string()`).
//!
//! # Equality
//!
//! One semantics, [`equal`], answering only what every language agrees on:
//!
//! - scalars are equal when of the same kind and value (`1` is not `"1"`; strings compare
//!   exactly, case included);
//! - lists item by item; objects by their set of property names, whatever their order,
//!   and the values under each name;
//! - property names that match only when case is ignored (`{a: 1}` and `{A: 1}`) make the
//!   answer unknown: Terraform tells them apart, ARM reads names case-insensitively;
//! - an unknown part (an Unknown, a reference) makes the answer unknown, unless a known
//!   part already differs (`[x, 1]` is not `[y, 2]`, whatever `x` and `y`): an unknown
//!   answer never draws a finding, and a known one is not lost to an unknown beside it.
//!
//! [`same`] is another question: whether two evaluated values are the same result
//! (unknowns with the same reason, the same references), as when the instances of a
//! Terraform resource are merged into one.
//!
//! Comparisons do not recurse: values are walked with a stack, and a value nested deeper
//! than [`MAX_VALUE_DEPTH`] is not compared (unknown). JSON is read without recursion
//! too; writing it recurses at most [`MAX_VALUE_DEPTH`] levels.

use std::collections::{HashMap, HashSet};

use crate::eval::budget::MAX_VALUE_DEPTH;
use crate::model::{Str, Value, ValueKind};
use crate::source::Span;

/// Equality as the languages decide it on what is known (see the module's documentation):
/// `None` when it depends on what is not known.
pub fn equal(a: &Value, b: &Value) -> Option<bool> {
    compare(a, b, Mode::Language)
}

/// True when two evaluated values are the same, spans and origins aside: the same
/// structure (objects whatever the order of their entries), the same scalars, the same
/// unknowns and references.
pub fn same(a: &Value, b: &Value) -> bool {
    compare(a, b, Mode::Identical) == Some(true)
}

/// Whether `items` holds `v` ([`equal`]): true once one item is equal, false when every
/// item differs, else unknown.
pub fn contains(items: &[Value], v: &Value) -> Option<bool> {
    let mut unknown = false;
    for x in items {
        match equal(x, v) {
            Some(true) => return Some(true),
            Some(false) => {}
            None => unknown = true,
        }
    }
    (!unknown).then_some(false)
}

/// The items without repeats ([`equal`]), first occurrences kept in order; `None` when an
/// item has an unknown part, or two items may or may not be equal.
pub fn distinct(items: &[Value]) -> Option<Vec<Value>> {
    // Items equal or equal but for the case of property names share a fingerprint: only
    // those are compared.
    let mut seen: HashMap<String, Vec<usize>> = HashMap::new();
    let mut out: Vec<Value> = Vec::new();
    for x in items {
        let bucket = seen.entry(fingerprint(x)?).or_default();
        let mut repeat = false;
        for &i in bucket.iter() {
            if equal(&out[i], x)? {
                repeat = true;
                break;
            }
        }
        if !repeat {
            bucket.push(out.len());
            out.push(x.clone());
        }
    }
    Some(out)
}

/// A text equal for values that are [`equal`] (and for some that only differ in the case
/// of their property names); `None` for a value with an unknown part or nested too deep.
fn fingerprint(v: &Value) -> Option<String> {
    enum Step<'v> {
        Value(&'v Value, usize),
        Text(String),
    }
    let mut out = String::new();
    let mut stack = vec![Step::Value(v, 0)];
    while let Some(step) = stack.pop() {
        let (v, depth) = match step {
            Step::Text(t) => {
                out.push_str(&t);
                continue;
            }
            Step::Value(v, depth) => (v, depth),
        };
        if depth > MAX_VALUE_DEPTH {
            return None;
        }
        match &v.kind {
            ValueKind::Null => out.push('n'),
            ValueKind::Bool(b) => out.push(if *b { 't' } else { 'f' }),
            ValueKind::Number(n) => {
                // `0` and `-0` are equal.
                let n = if *n == 0.0 { 0.0 } else { *n };
                out.push_str(&format!("#{:x};", n.to_bits()));
            }
            ValueKind::String(s) => out.push_str(&format!("s{}:{s}", s.len())),
            ValueKind::List(items) => {
                out.push('[');
                stack.push(Step::Text("]".into()));
                stack.extend(items.iter().rev().map(|i| Step::Value(i, depth + 1)));
            }
            ValueKind::Object(entries) => {
                // Names without case, in order: objects equal in any order match, and so
                // do those whose names differ only in case (which `equal` does not know).
                // Of a name repeated, the first entry counts (as `Value::get` reads it);
                // names in one object that differ only in case make it unknown.
                let mut names: Vec<(&Str, &Value)> = entries.iter().map(|(k, v)| (k, v)).collect();
                names.sort_by(|a, b| a.0.cmp(b.0));
                names.dedup_by(|a, b| a.0 == b.0);
                let mut names: Vec<(Str, &Value)> = names
                    .into_iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v))
                    .collect();
                names.sort_by(|a, b| a.0.cmp(&b.0));
                if names.windows(2).any(|w| w[0].0 == w[1].0) {
                    return None;
                }
                let names = names.into_iter();
                out.push('{');
                stack.push(Step::Text("}".into()));
                for (k, v) in names.rev() {
                    stack.push(Step::Value(v, depth + 1));
                    stack.push(Step::Text(format!("k{}:{k}", k.len())));
                }
            }
            ValueKind::Ref(_) | ValueKind::Unknown(_) => return None,
        }
    }
    Some(out)
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// [`equal`].
    Language,
    /// [`same`].
    Identical,
}

fn compare(a: &Value, b: &Value, mode: Mode) -> Option<bool> {
    let mut unknown = false;
    let mut stack: Vec<(&Value, &Value, usize)> = vec![(a, b, 0)];
    while let Some((a, b, depth)) = stack.pop() {
        if depth > MAX_VALUE_DEPTH {
            unknown = true;
            continue;
        }
        match (&a.kind, &b.kind) {
            (ValueKind::List(x), ValueKind::List(y)) => {
                if x.len() != y.len() {
                    return Some(false);
                }
                stack.extend(x.iter().zip(y).map(|(p, q)| (p, q, depth + 1)));
            }
            (ValueKind::Object(x), ValueKind::Object(y)) => match pair(x, y) {
                Pairing::Pairs(pairs) => {
                    stack.extend(pairs.into_iter().map(|(p, q)| (p, q, depth + 1)));
                }
                Pairing::CaseOnly if mode == Mode::Language => unknown = true,
                Pairing::CaseOnly | Pairing::Different => return Some(false),
            },
            (x, y) if mode == Mode::Identical => {
                if x != y {
                    return Some(false);
                }
            }
            (ValueKind::Unknown(_) | ValueKind::Ref(_), _)
            | (_, ValueKind::Unknown(_) | ValueKind::Ref(_)) => unknown = true,
            (x, y) => {
                if x != y {
                    return Some(false);
                }
            }
        }
    }
    (!unknown).then_some(true)
}

enum Pairing<'v> {
    /// The same property names: the values under each.
    Pairs(Vec<(&'v Value, &'v Value)>),
    /// The same names but for their case.
    CaseOnly,
    Different,
}

/// The entries of two objects paired by name (the first entry of a name repeated counts,
/// as [`Value::get`] reads it).
fn pair<'v>(x: &'v [(Str, Value)], y: &'v [(Str, Value)]) -> Pairing<'v> {
    fn by_name(entries: &[(Str, Value)]) -> HashMap<&str, &Value> {
        let mut names = HashMap::with_capacity(entries.len());
        for (k, v) in entries {
            names.entry(k.as_str()).or_insert(v);
        }
        names
    }
    let (xs, ys) = (by_name(x), by_name(y));
    if xs.len() == ys.len() {
        let pairs: Option<Vec<_>> = xs
            .iter()
            .map(|(k, v)| ys.get(k).map(|w| (*v, *w)))
            .collect();
        if let Some(pairs) = pairs {
            return Pairing::Pairs(pairs);
        }
    }
    let folded = |names: &HashMap<&str, &Value>| -> HashSet<String> {
        names.keys().map(|k| k.to_ascii_lowercase()).collect()
    };
    if folded(&xs) == folded(&ys) {
        Pairing::CaseOnly
    } else {
        Pairing::Different
    }
}

/// `base[key]`: an object's entry by name (as [`Value::get`] finds it), a list's item by
/// position; `None` when there is none (or `base` is not known).
pub fn element<'v>(base: &'v Value, key: &Value) -> Option<&'v Value> {
    match (&base.kind, &key.kind) {
        (ValueKind::List(items), ValueKind::Number(n)) if *n >= 0.0 => items.get(*n as usize),
        (ValueKind::Object(_), ValueKind::String(k)) => base.get(k),
        _ => None,
    }
}

// ---- JSON -------------------------------------------------------------------------

/// A fully known value as JSON; `None` when a part is unknown or it nests deeper than
/// [`MAX_VALUE_DEPTH`].
pub fn to_json(v: &Value) -> Option<serde_json::Value> {
    json_at(v, 0)
}

fn json_at(v: &Value, depth: usize) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    if depth > MAX_VALUE_DEPTH {
        return None;
    }
    let inner = |v| json_at(v, depth + 1);
    Some(match &v.kind {
        ValueKind::Null => J::Null,
        ValueKind::Bool(b) => J::Bool(*b),
        ValueKind::Number(n) => {
            if n.fract() == 0.0 && n.abs() < 9e15 {
                J::from(*n as i64)
            } else {
                J::from(*n)
            }
        }
        ValueKind::String(s) => J::String(s.to_string()),
        ValueKind::List(items) => J::Array(items.iter().map(inner).collect::<Option<_>>()?),
        ValueKind::Object(es) => J::Object(
            es.iter()
                .map(|(k, v)| Some((k.to_string(), inner(v)?)))
                .collect::<Option<_>>()?,
        ),
        ValueKind::Ref(_) | ValueKind::Unknown(_) => return None,
    })
}

/// One part of a JSON document, as [`from_json`] reads it.
pub enum JsonPart<'j, J: ?Sized> {
    Null,
    Bool(bool),
    Number(f64),
    String(&'j str),
    Array(Box<dyn Iterator<Item = &'j J> + 'j>),
    Object(Box<dyn Iterator<Item = (&'j str, &'j J)> + 'j>),
}

/// A JSON document read by a parser: `serde_json` (no spans) or the ARM parser (a span
/// for every part).
pub trait JsonSource {
    fn part(&self) -> JsonPart<'_, Self>;
    /// Where this part is written, when the parser knows.
    fn span(&self) -> Option<Span>;
}

impl JsonSource for serde_json::Value {
    fn part(&self) -> JsonPart<'_, Self> {
        use serde_json::Value as J;
        match self {
            J::Null => JsonPart::Null,
            J::Bool(b) => JsonPart::Bool(*b),
            J::Number(n) => JsonPart::Number(n.as_f64().unwrap_or(0.0)),
            J::String(s) => JsonPart::String(s),
            J::Array(a) => JsonPart::Array(Box::new(a.iter())),
            J::Object(o) => JsonPart::Object(Box::new(o.iter().map(|(k, v)| (k.as_str(), v)))),
        }
    }

    fn span(&self) -> Option<Span> {
        None
    }
}

impl JsonSource for crate::parse::arm::Node {
    fn part(&self) -> JsonPart<'_, Self> {
        use crate::parse::arm::Json;
        match &self.json {
            Json::Null => JsonPart::Null,
            Json::Bool(b) => JsonPart::Bool(*b),
            Json::Number(n) => JsonPart::Number(*n),
            Json::String(s) => JsonPart::String(s),
            Json::Array(items) => JsonPart::Array(Box::new(items.iter())),
            Json::Object(ms) => {
                JsonPart::Object(Box::new(ms.iter().map(|m| (m.key.as_str(), &m.value))))
            }
        }
    }

    fn span(&self) -> Option<Span> {
        Some(self.span)
    }
}

/// A JSON document as a value, literally (no expression in it is evaluated): every part
/// at its own span where the parser has one, else at `span`. Built without recursion.
pub fn from_json<J: JsonSource + ?Sized>(j: &J, span: Span) -> Value {
    /// A list or object being built, and what is left of it to read.
    enum Open<'j, J: ?Sized> {
        List(Span, Vec<Value>, Box<dyn Iterator<Item = &'j J> + 'j>),
        Object(
            Span,
            Vec<(Str, Value)>,
            Option<Str>,
            Box<dyn Iterator<Item = (&'j str, &'j J)> + 'j>,
        ),
    }
    let mut open: Vec<Open<'_, J>> = Vec::new();
    let mut next: Option<&J> = Some(j);
    loop {
        // Read the next part: a scalar is done, a list or object opens.
        let mut done = next.take().and_then(|j| {
            let at = j.span().unwrap_or(span);
            let kind = match j.part() {
                JsonPart::Null => ValueKind::Null,
                JsonPart::Bool(b) => ValueKind::Bool(b),
                JsonPart::Number(n) => ValueKind::Number(n),
                JsonPart::String(s) => ValueKind::String(s.into()),
                JsonPart::Array(items) => {
                    open.push(Open::List(at, Vec::new(), items));
                    return None;
                }
                JsonPart::Object(entries) => {
                    open.push(Open::Object(at, Vec::new(), None, entries));
                    return None;
                }
            };
            Some(Value::new(kind, at))
        });
        // Give what is done to the innermost open part, closing those that are read.
        loop {
            let Some(top) = open.last_mut() else {
                if let Some(v) = done {
                    return v;
                }
                break;
            };
            match top {
                Open::List(_, items, rest) => {
                    items.extend(done.take());
                    if let Some(j) = rest.next() {
                        next = Some(j);
                        break;
                    }
                }
                Open::Object(_, entries, key, rest) => {
                    if let (Some(k), Some(v)) = (key.take(), done.take()) {
                        entries.push((k, v));
                    }
                    if let Some((k, j)) = rest.next() {
                        *key = Some(k.into());
                        next = Some(j);
                        break;
                    }
                }
            }
            done = Some(match open.pop() {
                Some(Open::List(at, items, _)) => Value::new(ValueKind::List(items), at),
                Some(Open::Object(at, entries, _, _)) => Value::new(ValueKind::Object(entries), at),
                None => break,
            });
        }
        if next.is_none() {
            // Nothing left to read (unreachable: the outermost part returns above).
            return Value::new(ValueKind::Null, span);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn sp() -> Span {
        Span::new(FileId(0), 0..0)
    }

    fn s(x: &str) -> Value {
        Value::string(x, sp())
    }

    fn n(x: f64) -> Value {
        Value::new(ValueKind::Number(x), sp())
    }

    fn unk() -> Value {
        Value::unknown("not known", sp())
    }

    fn list(items: Vec<Value>) -> Value {
        Value::new(ValueKind::List(items), sp())
    }

    fn obj(entries: Vec<(&str, Value)>) -> Value {
        Value::new(
            ValueKind::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect()),
            sp(),
        )
    }

    #[test]
    fn objects_are_equal_whatever_the_order_of_their_entries() {
        let a = obj(vec![("a", s("1")), ("b", list(vec![n(1.0)]))]);
        let b = obj(vec![("b", list(vec![n(1.0)])), ("a", s("1"))]);
        assert_eq!(equal(&a, &b), Some(true));
        assert!(same(&a, &b));
        let c = obj(vec![("a", s("1")), ("b", list(vec![n(2.0)]))]);
        assert_eq!(equal(&a, &c), Some(false));
        let d = obj(vec![("a", s("1"))]);
        assert_eq!(equal(&a, &d), Some(false));
    }

    #[test]
    fn scalars_of_different_kinds_or_case_differ() {
        assert_eq!(equal(&n(1.0), &s("1")), Some(false));
        assert_eq!(equal(&s("x"), &s("X")), Some(false));
        assert_eq!(equal(&n(0.0), &n(-0.0)), Some(true));
        let null = Value::new(ValueKind::Null, sp());
        assert_eq!(equal(&null, &null), Some(true));
        assert_eq!(equal(&null, &s("")), Some(false));
    }

    #[test]
    fn names_that_differ_only_in_case_are_not_known() {
        let a = obj(vec![("sku", s("Basic"))]);
        let b = obj(vec![("SKU", s("Basic"))]);
        assert_eq!(equal(&a, &b), None);
        assert!(!same(&a, &b));
        // Other names differ: known.
        let c = obj(vec![("tier", s("Basic"))]);
        assert_eq!(equal(&a, &c), Some(false));
    }

    #[test]
    fn an_unknown_part_is_unknown_unless_a_known_part_differs() {
        let a = list(vec![unk(), n(1.0)]);
        assert_eq!(equal(&a, &list(vec![s("x"), n(1.0)])), None);
        assert_eq!(equal(&a, &list(vec![s("x"), n(2.0)])), Some(false));
        assert_eq!(
            equal(&a, &list(vec![n(1.0)])),
            Some(false),
            "lengths differ"
        );
        assert_eq!(equal(&unk(), &unk()), None);
        assert_eq!(
            equal(&obj(vec![("a", unk())]), &obj(vec![("b", n(1.0))])),
            Some(false)
        );
        // The same unknown is the same result, not an equal value.
        assert!(same(&a, &a.clone()));
        assert!(!same(
            &a,
            &list(vec![Value::unknown("other", sp()), n(1.0)])
        ));
    }

    #[test]
    fn values_nested_too_deep_are_not_compared() {
        let mut v = n(1.0);
        for _ in 0..MAX_VALUE_DEPTH + 5 {
            v = list(vec![v]);
        }
        assert_eq!(equal(&v, &v.clone()), None);
        assert_eq!(distinct(&[v.clone(), v]), None);
    }

    #[test]
    fn contains_and_distinct_use_the_same_equality() {
        let items = vec![s("a"), unk(), s("b")];
        assert_eq!(contains(&items, &s("b")), Some(true));
        assert_eq!(contains(&items, &s("c")), None);
        assert_eq!(contains(&[s("a")], &s("c")), Some(false));
        let a = obj(vec![("x", n(1.0)), ("y", n(2.0))]);
        let b = obj(vec![("y", n(2.0)), ("x", n(1.0))]);
        let got = distinct(&[a.clone(), b, n(1.0), n(1.0), s("1")]).expect("known");
        assert_eq!(got, vec![a.clone(), n(1.0), s("1")]);
        assert_eq!(distinct(&[s("a"), unk()]), None);
        // Equal but for the case of a name: not known whether one or two.
        let upper = obj(vec![("X", n(1.0)), ("y", n(2.0))]);
        assert_eq!(distinct(&[a, upper]), None);
    }

    #[test]
    fn json_keeps_its_structure_and_spans() {
        let j: serde_json::Value =
            serde_json::from_str(r#"{"b": [1, true, null], "a": {"c": "x"}}"#).expect("json");
        let v = from_json(&j, sp());
        assert_eq!(v.path(&["a", "c"]).and_then(Value::as_str), Some("x"));
        assert_eq!(
            v.get("b").and_then(Value::as_list).map(<[Value]>::len),
            Some(3)
        );
        assert!(
            from_json(&serde_json::json!([]), sp())
                .as_list()
                .is_some_and(|l| l.is_empty())
        );
        assert_eq!(
            from_json(&serde_json::json!(2.5), sp()).as_number(),
            Some(2.5)
        );

        // The ARM parser's nodes keep their own spans.
        let text = r#"{"p": {"value": [1, {"k": "v"}]}, "a": null}"#;
        let file = crate::source::SourceFile::new("t.json".into(), "t.json".into(), text);
        let node = crate::parse::arm::parse(FileId(3), &file)
            .expect("parses")
            .tree;
        let v = from_json(&node, sp());
        let k = v
            .path(&["p", "value"])
            .and_then(Value::as_list)
            .expect("list")[1]
            .get("k")
            .expect("k");
        assert_eq!(k.as_str(), Some("v"));
        assert_eq!(&text[k.span.range()], "\"v\"");
        let ValueKind::Object(entries) = &v.kind else {
            panic!("{v:?}")
        };
        let names: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["p", "a"], "in source order");
    }
}
