//! Terraform's built-in functions that are statically computable on known values.

use crate::eval::values;
/// JSON both ways, the same for every language.
pub use crate::eval::values::{from_json, to_json};
use crate::model::{Str, Value, ValueKind};
use crate::source::Span;

/// Call a Terraform function; unknown arguments or functions give an Unknown.
pub fn call_terraform(name: &str, args: Vec<Value>, span: Span) -> Value {
    if let Some(v) = select(name, &args, span) {
        return Value { span, ..v };
    }
    let origins: Vec<_> = args.iter().flat_map(|a| a.origins.clone()).collect();
    let kind = match name {
        // An error is not told from an unknown value here: only a known value is sure.
        "can" => match args.first() {
            Some(a) if !a.has_unknown() => Some(ValueKind::Bool(true)),
            _ => None,
        },
        _ if args.iter().any(Value::has_unknown) => None,
        _ => known_call(name, &args),
    };
    match kind {
        Some(kind) => {
            let mut v = Value::new(kind, span);
            for o in origins {
                v = v.with_origin(o);
            }
            v
        }
        None => Value::unknown(format!("`{name}(...)` is not known statically"), span),
    }
}

/// The functions whose result is one of their arguments or a part of one: it carries the
/// origins of what was selected, not those of every argument (`lookup(local.m, "k", "x")`
/// that falls back to `"x"` owes nothing to `local.m`; an entry of a `merge` owes its value
/// to the object it came from, not to the others). `None` when not known here (the
/// general path then gives the unknown). `try` and `coalesce` tolerate unknowns in later
/// arguments.
fn select(name: &str, args: &[Value], span: Span) -> Option<Value> {
    let first = args.first()?;
    match name {
        "try" => (!first.has_unknown()).then(|| first.clone()),
        "coalesce" => {
            for a in args {
                match &a.kind {
                    ValueKind::Null => continue,
                    ValueKind::String(s) if s.is_empty() => continue,
                    ValueKind::Unknown(_) | ValueKind::Ref(_) => return None,
                    _ => return Some(a.clone()),
                }
            }
            None
        }
        _ if args.iter().any(Value::has_unknown) => None,
        "lookup" => match first.get(&str_arg(args, 1)?) {
            Some(v) => Some(v.clone().carrying(first)),
            None => args.get(2).cloned(),
        },
        "element" => {
            let list = first.as_list()?;
            let i = args.get(1)?.as_number()? as usize;
            let item = list.get(i.checked_rem(list.len())?)?;
            Some(item.clone().carrying(first))
        }
        // More than one element is an error in Terraform: not known here.
        "one" => match first.as_list()? {
            [] => Some(Value::new(ValueKind::Null, span)),
            [x] => Some(x.clone().carrying(first)),
            _ => None,
        },
        "merge" => {
            let mut entries: Vec<(Str, Value)> = Vec::new();
            for obj in args {
                let ValueKind::Object(es) = &obj.kind else {
                    return None;
                };
                for (k, v) in es {
                    entries.retain(|(k2, _)| k2 != k);
                    entries.push((k.clone(), v.clone().carrying(obj)));
                }
            }
            Some(Value::new(ValueKind::Object(entries), span))
        }
        _ => None,
    }
}

fn str_arg(args: &[Value], i: usize) -> Option<String> {
    args.get(i).and_then(scalar_string)
}

fn known_call(name: &str, args: &[Value]) -> Option<ValueKind> {
    let s = |i| str_arg(args, i);
    Some(match name {
        "lower" => ValueKind::String(s(0)?.to_lowercase().into()),
        "upper" => ValueKind::String(s(0)?.to_uppercase().into()),
        "trimspace" => ValueKind::String(s(0)?.trim().to_string().into()),
        "title" => ValueKind::String(title(&s(0)?).into()),
        "tostring" => ValueKind::String(s(0)?.into()),
        "tobool" => ValueKind::Bool(args.first()?.as_bool()?),
        "tonumber" => ValueKind::Number(args.first()?.as_number()?),
        "replace" => {
            let pat = s(1)?;
            if pat.starts_with('/') {
                return None;
            }
            let (text, rep) = (s(0)?, s(2)?);
            if crate::eval::budget::replaced_len(&text, &pat, &rep).is_none() {
                return Some(crate::eval::budget::oversized_string());
            }
            ValueKind::String(text.replace(&pat, &rep).into())
        }
        "format" => ValueKind::String(format(&s(0)?, &args[1..])?.into()),
        "join" => {
            let sep = s(0)?;
            let mut parts = Vec::new();
            for list in &args[1..] {
                for item in list.as_list()? {
                    parts.push(scalar_string(item)?);
                }
            }
            if crate::eval::budget::joined_len(&parts, &sep).is_none() {
                return Some(crate::eval::budget::oversized_string());
            }
            ValueKind::String(parts.join(&sep).into())
        }
        "concat" => {
            let mut all = Vec::new();
            for list in args {
                let items = list.as_list()?;
                if all.len() + items.len() > crate::eval::budget::MAX_ELEMENTS {
                    return Some(crate::eval::budget::oversized_list());
                }
                all.extend(items.iter().cloned());
            }
            ValueKind::List(all)
        }
        "length" => match &args.first()?.kind {
            ValueKind::List(l) => ValueKind::Number(l.len() as f64),
            ValueKind::Object(o) => ValueKind::Number(o.len() as f64),
            ValueKind::String(s) => ValueKind::Number(s.chars().count() as f64),
            _ => return None,
        },
        "contains" => {
            let list = args.first()?.as_list()?;
            let v = args.get(1)?;
            ValueKind::Bool(values::contains(list, v)?)
        }
        "jsonencode" => ValueKind::String(to_json(args.first()?)?.to_string().into()),
        "jsondecode" => {
            let j: serde_json::Value = serde_json::from_str(&s(0)?).ok()?;
            from_json(&j, args[0].span).kind
        }
        "tolist" => ValueKind::List(args.first()?.as_list()?.to_vec()),
        "toset" | "distinct" => ValueKind::List(values::distinct(args.first()?.as_list()?)?),
        "tomap" => match &args.first()?.kind {
            k @ ValueKind::Object(_) => k.clone(),
            _ => return None,
        },
        "flatten" => ValueKind::List(flatten(args.first()?)?),
        "setproduct" => setproduct(args)?,
        "zipmap" => {
            let keys = args.first()?.as_list()?;
            let values = args.get(1)?.as_list()?;
            if keys.len() != values.len() {
                return None;
            }
            let mut entries: Vec<(Str, Value)> = Vec::new();
            for (k, v) in keys.iter().zip(values) {
                let k: Str = scalar_string(k)?.into();
                entries.retain(|(k2, _)| *k2 != k);
                entries.push((k, v.clone()));
            }
            ValueKind::Object(entries)
        }
        "keys" | "values" => {
            let ValueKind::Object(entries) = &args.first()?.kind else {
                return None;
            };
            let mut sorted: Vec<&(Str, Value)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            ValueKind::List(
                sorted
                    .into_iter()
                    .map(|(k, v)| {
                        if name == "keys" {
                            Value::string(k.clone(), v.span)
                        } else {
                            v.clone()
                        }
                    })
                    .collect(),
            )
        }
        "range" => range(args)?,
        _ => return None,
    })
}

/// Lists inside lists made one list, without recursion; `None` when it would pass
/// [`crate::eval::budget::MAX_ELEMENTS`].
fn flatten(v: &Value) -> Option<Vec<Value>> {
    let mut out = Vec::new();
    let mut stack: Vec<std::slice::Iter<'_, Value>> = vec![v.as_list()?.iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            None => {
                stack.pop();
            }
            Some(x) => match &x.kind {
                ValueKind::List(items) => {
                    if stack.len() > crate::eval::budget::MAX_VALUE_DEPTH {
                        return None;
                    }
                    stack.push(items.iter());
                }
                _ => {
                    if out.len() >= crate::eval::budget::MAX_ELEMENTS {
                        return None;
                    }
                    out.push(x.clone());
                }
            },
        }
    }
    Some(out)
}

/// Every combination of one element of each list; too many is a value too large.
fn setproduct(args: &[Value]) -> Option<ValueKind> {
    let lists: Vec<&[Value]> = args.iter().map(Value::as_list).collect::<Option<_>>()?;
    if lists.is_empty() {
        return None;
    }
    let mut total: usize = 1;
    for l in &lists {
        total = total.saturating_mul(l.len());
    }
    if total.saturating_mul(lists.len()) > crate::eval::budget::MAX_ELEMENTS {
        return Some(crate::eval::budget::oversized_list());
    }
    let span = args[0].span;
    let mut combos: Vec<Vec<Value>> = vec![Vec::new()];
    for l in &lists {
        let mut next = Vec::with_capacity(combos.len() * l.len());
        for c in &combos {
            for x in l.iter() {
                let mut c = c.clone();
                c.push(x.clone());
                next.push(c);
            }
        }
        combos = next;
    }
    Some(ValueKind::List(
        combos
            .into_iter()
            .map(|c| Value::new(ValueKind::List(c), span))
            .collect(),
    ))
}

/// `range(end)`, `range(start, end)`, `range(start, end, step)`, bounded in length.
fn range(args: &[Value]) -> Option<ValueKind> {
    let n: Vec<f64> = args.iter().map(Value::as_number).collect::<Option<_>>()?;
    let (start, end, step) = match n.as_slice() {
        [e] => (0.0, *e, 1.0),
        [s, e] => (*s, *e, if e >= s { 1.0 } else { -1.0 }),
        [s, e, st] => (*s, *e, *st),
        _ => return None,
    };
    if step == 0.0 || !step.is_finite() || !start.is_finite() || !end.is_finite() {
        return None;
    }
    let count = ((end - start) / step).ceil();
    if count > crate::eval::budget::MAX_ELEMENTS as f64 {
        return Some(crate::eval::budget::oversized_list());
    }
    let count = count.max(0.0) as usize;
    let span = args[0].span;
    Some(ValueKind::List(
        (0..count)
            .map(|i| Value::new(ValueKind::Number(start + step * i as f64), span))
            .collect(),
    ))
}

fn title(s: &str) -> String {
    let mut out = String::new();
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    out
}

/// `format` with `%s`, `%d`, `%v` and `%%`.
fn format(fmt: &str, args: &[Value]) -> Option<String> {
    let mut out = String::new();
    let mut it = fmt.chars();
    let mut next = 0;
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match it.next()? {
            '%' => out.push('%'),
            's' | 'd' | 'v' => {
                out.push_str(&scalar_string(args.get(next)?)?);
                next += 1;
            }
            _ => return None,
        }
        // Stop early: the caller finds the result too long and says so.
        if out.len() > crate::eval::budget::MAX_STRING_BYTES {
            break;
        }
    }
    Some(out)
}

/// A scalar as a template would render it.
pub(crate) fn scalar_string(v: &Value) -> Option<String> {
    match &v.kind {
        ValueKind::String(s) => Some(s.to_string()),
        ValueKind::Number(_) | ValueKind::Bool(_) => Some(v.display()),
        _ => None,
    }
}
