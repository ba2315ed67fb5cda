//! The ARM template language's functions, shared by the ARM and Bicep evaluators
//! (Bicep compiles to them, with the same names and semantics).
//!
//! Functions compute on known values only; an unknown argument (or a `Ref`) makes the
//! result Unknown, except where the function does not need it (`if` with a known
//! condition, `and`/`or` short-circuits, `coalesce` up to the first known non-null).
//! Deployment-time functions (`reference`, `uniqueString`, `resourceGroup`, `newGuid`, ...)
//! are Unknown. `resourceId` and friends give a [`Ref`] to the resource they name, so
//! references draw edges in the graph.

use crate::eval::values::{from_json, to_json};
use crate::model::{Key, Ref, Str, Value, ValueKind};
use crate::source::Span;

/// `union` of objects: later properties win (names compared case-insensitively); each
/// property carries the origins of the object it came from, not those of the others.
fn union_objects(args: &[Value], span: Span) -> Option<Value> {
    let mut out: Vec<(Str, Value)> = Vec::new();
    for a in args {
        let ValueKind::Object(es) = &a.kind else {
            return None;
        };
        for (k, v) in es {
            let v = v.clone().carrying(a);
            match out.iter_mut().find(|(k2, _)| k2.eq_ignore_ascii_case(k)) {
                Some(slot) => slot.1 = v,
                None => out.push((k.clone(), v)),
            }
        }
    }
    Some(Value::new(ValueKind::Object(out), span))
}

/// Call an ARM/Bicep function by name (case-insensitive) on evaluated arguments.
/// Unknown arguments, deployment-time functions and unknown functions give an Unknown.
pub fn call(name: &str, args: Vec<Value>, span: Span) -> Value {
    let lower = name.to_ascii_lowercase();
    let origins: Vec<_> = args.iter().flat_map(|a| a.origins.clone()).collect();
    let result = match lower.as_str() {
        // Lazy or partial: these look only at the arguments they need.
        "if" => match args.first().and_then(Value::as_bool) {
            Some(c) => {
                let chosen = args.get(if c { 1 } else { 2 }).cloned();
                return match chosen {
                    Some(mut v) => {
                        v.span = span;
                        let cond_origins = args[0].origins.clone();
                        cond_origins.into_iter().fold(v, Value::with_origin)
                    }
                    None => unknown(name, span),
                };
            }
            None => None,
        },
        "and" | "or" => logic(lower == "and", &args),
        // `reference(resourceId(...))`: the resource's runtime state, unknown, but still an
        // edge to it (`reference(aksId).identityProfile.kubeletidentity.objectId`).
        "reference" => match args.first().map(|a| &a.kind) {
            Some(ValueKind::Ref(r)) => Some(ValueKind::Ref(Box::new(Ref {
                target: r.target.clone(),
                attr: "properties".into(),
            }))),
            _ => None,
        },
        "coalesce" => coalesce(&args),
        "union"
            if !args.iter().any(Value::has_unknown)
                && matches!(args.first().map(|a| &a.kind), Some(ValueKind::Object(_))) =>
        {
            return union_objects(&args, span).unwrap_or_else(|| unknown(name, span));
        }
        "resourceid"
        | "subscriptionresourceid"
        | "tenantresourceid"
        | "extensionresourceid"
        | "managementgroupresourceid" => resource_id(&lower, &args),
        _ if args.iter().any(Value::has_unknown) => None,
        _ => known_call(&lower, &args, span),
    };
    match result {
        Some(kind) => origins
            .into_iter()
            .fold(Value::new(kind, span), Value::with_origin),
        // An unknown argument is the root cause: keep its reason.
        None => match args.iter().find_map(root_unknown) {
            Some(why) if !is_deployment_time(&lower) => Value::unknown(why, span),
            _ => unknown(name, span),
        },
    }
}

/// Functions whose value only the deployment knows, whatever their arguments.
fn is_deployment_time(name: &str) -> bool {
    matches!(
        name,
        "reference"
            | "uniquestring"
            | "guid"
            | "newguid"
            | "utcnow"
            | "resourcegroup"
            | "subscription"
            | "tenant"
            | "managementgroup"
            | "deployment"
            | "environment"
            | "copyindex"
            | "pickzones"
    ) || name.starts_with("list")
}

/// Why the first unknown part of a value is unknown.
pub fn root_unknown(v: &Value) -> Option<String> {
    match &v.kind {
        ValueKind::Unknown(why) => Some(why.clone()),
        ValueKind::Ref(r) => Some(format!("a reference to `{}`", r.target)),
        ValueKind::List(items) => items.iter().find_map(root_unknown),
        ValueKind::Object(es) => es.iter().find_map(|(_, v)| root_unknown(v)),
        _ => None,
    }
}

fn unknown(name: &str, span: Span) -> Value {
    Value::unknown(format!("`{name}()` is not known statically"), span)
}

fn logic(is_and: bool, args: &[Value]) -> Option<ValueKind> {
    let mut all_known = true;
    for a in args {
        match a.as_bool() {
            Some(b) if b != is_and => return Some(ValueKind::Bool(b)),
            Some(_) => {}
            None => all_known = false,
        }
    }
    all_known.then_some(ValueKind::Bool(is_and))
}

fn coalesce(args: &[Value]) -> Option<ValueKind> {
    for a in args {
        match &a.kind {
            ValueKind::Null => continue,
            ValueKind::Unknown(_) | ValueKind::Ref(_) => return None,
            k => return Some(k.clone()),
        }
    }
    Some(ValueKind::Null)
}

/// `resourceId([subscriptionId], [resourceGroupName], type, name1, name2, ...)` and the
/// scoped variants: a reference to the named resource's `id`. The type is the first
/// argument containing a `/` (subscription ids and group names never do).
fn resource_id(func: &str, args: &[Value]) -> Option<ValueKind> {
    let skip = usize::from(func == "extensionresourceid");
    let at = args
        .iter()
        .enumerate()
        .skip(skip)
        .find(|(_, a)| a.as_str().is_some_and(|s| s.contains('/')))
        .map(|(i, _)| i)?;
    let ty = args[at].as_str()?;
    let names = args[at + 1..]
        .iter()
        .map(|a| a.as_str().map(str::to_string))
        .collect::<Option<Vec<_>>>()?;
    if names.is_empty() {
        return None;
    }
    // A tenant-level id has no deployment-time part: it is known as a string
    // (`/providers/Microsoft.Authorization/policyDefinitions/<guid>`), which the graph
    // resolves like the reference (see `crate::model::arm_id_key`).
    if func == "tenantresourceid"
        && let Some(id) = tenant_id(ty, &names)
    {
        return Some(ValueKind::String(id.into()));
    }
    Some(ValueKind::Ref(Box::new(Ref {
        target: Key::type_name(ty, &names.join("/")),
        attr: "id".into(),
    })))
}

/// `/providers/<namespace>/<type1>/<name1>/<type2>/<name2>...`: a tenant-level resource id,
/// its names interleaved with the type's segments (None when they do not pair up).
fn tenant_id(ty: &str, names: &[String]) -> Option<String> {
    let mut segments = ty.split('/');
    let mut id = format!("/providers/{}", segments.next()?);
    let types: Vec<&str> = segments.collect();
    if types.len() != names.len() {
        return None;
    }
    for (t, n) in types.iter().zip(names) {
        id.push('/');
        id.push_str(t);
        id.push('/');
        id.push_str(n);
    }
    Some(id)
}

/// A scalar as ARM converts it to a string (`concat`, `format`, `string`).
fn to_text(v: &Value) -> Option<String> {
    match &v.kind {
        ValueKind::String(s) => Some(s.to_string()),
        ValueKind::Bool(b) => Some(if *b { "True" } else { "False" }.into()),
        ValueKind::Number(_) => Some(v.display()),
        ValueKind::Null => Some(String::new()),
        ValueKind::List(_) | ValueKind::Object(_) => to_json(v).map(|j| j.to_string()),
        _ => None,
    }
}

fn int(v: &Value) -> Option<i64> {
    v.as_number().map(|n| n as i64)
}

fn known_call(name: &str, args: &[Value], span: Span) -> Option<ValueKind> {
    let s = |i: usize| args.get(i).and_then(to_text);
    let n = |i: usize| args.get(i).and_then(int);
    let arg = |i: usize| args.get(i);
    Some(match name {
        "true" => ValueKind::Bool(true),
        "false" => ValueKind::Bool(false),
        "null" => ValueKind::Null,
        "concat" => match arg(0).map(|a| &a.kind) {
            Some(ValueKind::List(_)) => {
                let mut out = Vec::new();
                for a in args {
                    let items = a.as_list()?;
                    if out.len() + items.len() > crate::eval::budget::MAX_ELEMENTS {
                        return None;
                    }
                    out.extend(items.iter().cloned());
                }
                ValueKind::List(out)
            }
            _ => {
                let parts = args.iter().map(to_text).collect::<Option<Vec<_>>>()?;
                if crate::eval::budget::joined_len(&parts, "").is_none() {
                    return Some(crate::eval::budget::oversized_string());
                }
                ValueKind::String(parts.concat().into())
            }
        },
        "format" => ValueKind::String(format_dotnet(&s(0)?, &args[1..])?.into()),
        "tolower" => ValueKind::String(s(0)?.to_lowercase().into()),
        "toupper" => ValueKind::String(s(0)?.to_uppercase().into()),
        "trim" => ValueKind::String(s(0)?.trim().to_string().into()),
        "string" => ValueKind::String(s(0)?.into()),
        "bool" => ValueKind::Bool(match &arg(0)?.kind {
            ValueKind::Number(x) => *x != 0.0,
            _ => arg(0)?.as_bool()?,
        }),
        "int" => ValueKind::Number(arg(0)?.as_number()?.trunc()),
        "json" => {
            let j: serde_json::Value = serde_json::from_str(&s(0)?).ok()?;
            from_json(&j, span).kind
        }
        "equals" => ValueKind::Bool(crate::eval::values::equal(arg(0)?, arg(1)?)?),
        "not" => ValueKind::Bool(!arg(0)?.as_bool()?),
        "less" | "lessorequals" | "greater" | "greaterorequals" => {
            let ord = match (arg(0)?.as_number(), arg(1)?.as_number()) {
                (Some(a), Some(b)) => a.partial_cmp(&b)?,
                _ => s(0)?.cmp(&s(1)?),
            };
            ValueKind::Bool(match name {
                "less" => ord.is_lt(),
                "lessorequals" => ord.is_le(),
                "greater" => ord.is_gt(),
                _ => ord.is_ge(),
            })
        }
        "empty" => ValueKind::Bool(match &arg(0)?.kind {
            ValueKind::Null => true,
            ValueKind::String(x) => x.is_empty(),
            ValueKind::List(x) => x.is_empty(),
            ValueKind::Object(x) => x.is_empty(),
            _ => false,
        }),
        "contains" => {
            let needle = arg(1)?;
            ValueKind::Bool(match &arg(0)?.kind {
                ValueKind::String(h) => h.contains(&to_text(needle)?),
                ValueKind::List(items) => crate::eval::values::contains(items, needle)?,
                ValueKind::Object(es) => {
                    let k = needle.as_str()?;
                    es.iter().any(|(key, _)| key.eq_ignore_ascii_case(k))
                }
                _ => return None,
            })
        }
        "length" => ValueKind::Number(match &arg(0)?.kind {
            ValueKind::String(x) => x.chars().count(),
            ValueKind::List(x) => x.len(),
            ValueKind::Object(x) => x.len(),
            _ => return None,
        } as f64),
        "first" | "last" => match &arg(0)?.kind {
            ValueKind::String(x) => {
                let c = if name == "first" {
                    x.chars().next()
                } else {
                    x.chars().last()
                };
                ValueKind::String(c.map(String::from).unwrap_or_default().into())
            }
            ValueKind::List(x) => {
                let v = if name == "first" { x.first() } else { x.last() };
                v.map_or(ValueKind::Null, |v| v.kind.clone())
            }
            _ => return None,
        },
        "startswith" => ValueKind::Bool(s(0)?.to_lowercase().starts_with(&s(1)?.to_lowercase())),
        "endswith" => ValueKind::Bool(s(0)?.to_lowercase().ends_with(&s(1)?.to_lowercase())),
        "indexof" | "lastindexof" => {
            let (h, k) = (s(0)?.to_lowercase(), s(1)?.to_lowercase());
            let at = if name == "indexof" {
                h.find(&k)
            } else {
                h.rfind(&k)
            };
            ValueKind::Number(at.map_or(-1.0, |i| h[..i].chars().count() as f64))
        }
        "uri" => {
            let (base, rel) = (s(0)?, s(1)?);
            let cut = if base.ends_with('/') {
                base.len()
            } else {
                base.rfind('/').map_or(base.len(), |i| i + 1)
            };
            ValueKind::String(format!("{}{}", &base[..cut], rel.trim_start_matches('/')).into())
        }
        "replace" => {
            let (text, pat, rep) = (s(0)?, s(1)?, s(2)?);
            if crate::eval::budget::replaced_len(&text, &pat, &rep).is_none() {
                return Some(crate::eval::budget::oversized_string());
            }
            ValueKind::String(text.replace(&pat, &rep).into())
        }
        "substring" => {
            let chars: Vec<char> = s(0)?.chars().collect();
            let start = usize::try_from(n(1)?).ok()?;
            let len = match args.get(2) {
                Some(_) => usize::try_from(n(2)?).ok()?,
                None => chars.len().checked_sub(start)?,
            };
            ValueKind::String(chars.get(start..start.checked_add(len)?)?.iter().collect())
        }
        "split" => {
            let text = s(0)?;
            let seps: Vec<String> = match &arg(1)?.kind {
                ValueKind::List(items) => items.iter().map(to_text).collect::<Option<_>>()?,
                _ => vec![s(1)?],
            };
            let mut parts = vec![text];
            for sep in seps.iter().filter(|s| !s.is_empty()) {
                parts = parts
                    .iter()
                    .flat_map(|p| {
                        p.split(sep.as_str())
                            .map(str::to_string)
                            .collect::<Vec<_>>()
                    })
                    .collect();
            }
            ValueKind::List(parts.into_iter().map(|p| Value::string(p, span)).collect())
        }
        "join" => {
            let items = arg(0)?.as_list()?;
            let parts = items.iter().map(to_text).collect::<Option<Vec<_>>>()?;
            let sep = s(1)?;
            if crate::eval::budget::joined_len(&parts, &sep).is_none() {
                return Some(crate::eval::budget::oversized_string());
            }
            ValueKind::String(parts.join(&sep).into())
        }
        "createarray" => ValueKind::List(args.to_vec()),
        "array" => match &arg(0)?.kind {
            ValueKind::List(_) => arg(0)?.kind.clone(),
            _ => ValueKind::List(vec![arg(0)?.clone()]),
        },
        "createobject" => {
            let mut out = Vec::new();
            for pair in args.chunks(2) {
                out.push((pair.first()?.as_str()?.into(), pair.get(1)?.clone()));
            }
            ValueKind::Object(out)
        }
        "union" => match &arg(0)?.kind {
            ValueKind::List(_) => {
                let mut out: Vec<Value> = Vec::new();
                for a in args {
                    for v in a.as_list()? {
                        let mut seen = false;
                        for o in &out {
                            if crate::eval::values::equal(o, v)? {
                                seen = true;
                                break;
                            }
                        }
                        if !seen {
                            out.push(v.clone());
                        }
                    }
                }
                ValueKind::List(out)
            }
            _ => return None,
        },
        "take" | "skip" => {
            let count = usize::try_from(n(1)?.max(0)).ok()?;
            match &arg(0)?.kind {
                ValueKind::String(x) => ValueKind::String(if name == "take" {
                    x.chars().take(count).collect()
                } else {
                    x.chars().skip(count).collect()
                }),
                ValueKind::List(x) => ValueKind::List(if name == "take" {
                    x.iter().take(count).cloned().collect()
                } else {
                    x.iter().skip(count).cloned().collect()
                }),
                _ => return None,
            }
        }
        "range" => {
            let (start, count) = (n(0)?, n(1)?);
            if !(0..=10_000).contains(&count) {
                return None;
            }
            ValueKind::List(
                (start..start + count)
                    .map(|i| Value::new(ValueKind::Number(i as f64), span))
                    .collect(),
            )
        }
        "add" => ValueKind::Number((n(0)?.checked_add(n(1)?)?) as f64),
        "sub" => ValueKind::Number((n(0)?.checked_sub(n(1)?)?) as f64),
        "mul" => ValueKind::Number((n(0)?.checked_mul(n(1)?)?) as f64),
        "div" => ValueKind::Number((n(0)?.checked_div(n(1)?)?) as f64),
        "mod" => ValueKind::Number((n(0)?.checked_rem(n(1)?)?) as f64),
        "min" | "max" => {
            let nums: Vec<f64> = match &arg(0)?.kind {
                ValueKind::List(items) => {
                    items.iter().map(Value::as_number).collect::<Option<_>>()?
                }
                _ => args.iter().map(Value::as_number).collect::<Option<_>>()?,
            };
            let pick = if name == "min" { f64::min } else { f64::max };
            ValueKind::Number(nums.into_iter().reduce(pick)?)
        }
        _ => return None,
    })
}

/// .NET composite formatting as `format()` does it: `{0}`, `{1:N0}` (the format
/// specifier is ignored), `{{` and `}}` escapes.
fn format_dotnet(fmt: &str, args: &[Value]) -> Option<String> {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut spec = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    spec.push(c);
                }
                let index = spec.split([':', ',']).next()?.trim();
                let i: usize = index.parse().ok()?;
                out.push_str(&to_text(args.get(i)?)?);
            }
            c => out.push(c),
        }
        // Stop early: the caller finds the result too long and says so.
        if out.len() > crate::eval::budget::MAX_STRING_BYTES {
            break;
        }
    }
    Some(out)
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

    #[test]
    fn strings_and_logic() {
        assert_eq!(
            call("CONCAT", vec![s("a"), s("b")], sp()).as_str(),
            Some("ab")
        );
        assert_eq!(
            call("format", vec![s("{0}-{1:D}{{x}}"), s("a"), s("b")], sp()).as_str(),
            Some("a-b{x}")
        );
        assert_eq!(call("toLower", vec![s("AbC")], sp()).as_str(), Some("abc"));
        let unk = Value::unknown("x", sp());
        assert_eq!(
            call(
                "if",
                vec![Value::bool(true, sp()), s("y"), unk.clone()],
                sp()
            )
            .as_str(),
            Some("y")
        );
        assert_eq!(
            call("and", vec![Value::bool(false, sp()), unk.clone()], sp()).as_bool(),
            Some(false)
        );
        assert!(call("and", vec![Value::bool(true, sp()), unk.clone()], sp()).is_unknown());
        assert!(call("uniqueString", vec![s("a")], sp()).is_unknown());
        assert!(call("concat", vec![s("a"), unk], sp()).is_unknown());
        assert_eq!(
            call("equals", vec![s("a"), s("a")], sp()).as_bool(),
            Some(true)
        );
        assert_eq!(call("empty", vec![s("")], sp()).as_bool(), Some(true));
        assert_eq!(
            call("json", vec![s("{\"a\": true}")], sp())
                .get("a")
                .and_then(Value::as_bool),
            Some(true)
        );
    }

    #[test]
    fn objects_equal_whatever_the_order_of_their_properties() {
        let obj = |entries: Vec<(&str, Value)>| {
            Value::new(
                ValueKind::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect()),
                sp(),
            )
        };
        let a = obj(vec![("a", s("1")), ("b", s("2"))]);
        let b = obj(vec![("b", s("2")), ("a", s("1"))]);
        let c = obj(vec![("a", s("1")), ("b", s("3"))]);
        let upper = obj(vec![("B", s("2")), ("a", s("1"))]);
        assert_eq!(
            call("equals", vec![a.clone(), b], sp()).as_bool(),
            Some(true)
        );
        assert_eq!(
            call("equals", vec![a.clone(), c], sp()).as_bool(),
            Some(false)
        );
        // Names that differ only in case: not known (see `eval::values`).
        assert_eq!(call("equals", vec![a.clone(), upper], sp()).as_bool(), None);
        assert_eq!(
            call("equals", vec![s("x"), s("X")], sp()).as_bool(),
            Some(false)
        );
    }

    #[test]
    fn resource_ids_are_refs() {
        let unk = Value::unknown("sub", sp());
        let v = call(
            "resourceId",
            vec![
                unk,
                s("Microsoft.Network/virtualNetworks/subnets"),
                s("vnet"),
                s("snet"),
            ],
            sp(),
        );
        assert_eq!(
            v.as_ref().map(|r| &r.target),
            Some(&Key::type_name(
                "microsoft.network/virtualnetworks/subnets",
                "vnet/snet"
            ))
        );
        let def = call(
            "tenantResourceId",
            vec![
                s("Microsoft.Authorization/policyDefinitions"),
                s("febd0533-8e55-448f-b837-bd0e06f16469"),
            ],
            sp(),
        );
        assert_eq!(
            def.as_str(),
            Some(
                "/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469"
            )
        );
        assert!(
            call(
                "resourceId",
                vec![s("A/b"), Value::unknown("n", sp())],
                sp()
            )
            .is_unknown()
        );
    }
}
