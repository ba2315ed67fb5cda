//! One expression model for ARM template expressions and Bicep, and the one evaluator
//! both run.
//!
//! ARM expression strings (`"[concat('a', parameters('b'))]"`) are parsed here
//! ([`parse_arm`]); the Bicep loader lowers its syntax tree into the same [`Expr`]
//! (`eval::bicep`). [`eval`] evaluates either, resolving names through [`Names`], which
//! each loader's scope implements (parameters, variables, Bicep identifiers and resource
//! symbols, `copyIndex()`). Functions are `eval::azure_functions`, shared by both.
//!
//! Every node carries a [`Span`]: a Bicep node its own; an ARM node the span of the JSON
//! string it was parsed from. A value read out of a bigger one keeps where it was written
//! and, where the source text can be shown (Bicep), the expression that read it as a label.

use crate::eval::azure_functions;
use crate::eval::budget::Meter;
use crate::model::{Ref, Str, Value, ValueKind};
use crate::source::Span;

/// An expression with its place in the source.
#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// What an expression is. Operators have no nodes of their own beyond the lazy ones
/// ([`BinOp`], [`ExprKind::Cond`]): the others are calls of the ARM functions Bicep
/// compiles them to, so that both languages compute them one way.
#[derive(Debug, Clone)]
pub enum ExprKind {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    /// An array literal; an item marked `spread` (`...x`) is an array whose items are
    /// inserted.
    Array(Vec<(bool, Expr)>),
    /// An object literal; a property without key is a spread (`...x`), whose entries are
    /// set in order. A later key replaces an earlier one (keys ignore case, as in ARM).
    Object(Vec<(Option<String>, Expr)>),
    /// A function call (`eval::azure_functions`), `copyIndex` first asking [`Names`].
    Call(String, Vec<Expr>),
    /// ARM `parameters(name)`.
    Parameter(Box<Expr>),
    /// ARM `variables(name)`.
    Variable(Box<Expr>),
    /// A Bicep identifier: loop variable, parameter, variable, resource or module symbol.
    Name(String),
    /// A Bicep nested resource path (`vnet::subnet`), written without whitespace.
    Resource(String),
    /// `.name`; `safe`: Bicep's `.?name`, null when the property is absent.
    Member {
        base: Box<Expr>,
        name: String,
        safe: bool,
    },
    /// `[index]`; `safe`: Bicep's `[?index]` and ARM `tryGet(base, index)`, null when the
    /// property or item is absent.
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
        safe: bool,
    },
    /// Bicep `x[^k]`: the k-th item from the end (`None`: `k` is not a literal).
    FromEnd(Box<Expr>, Option<usize>),
    /// A Bicep operator that decides on the left side alone when it can: `&&`, `||`,
    /// `??` (the other operators are lowered into the ARM functions Bicep compiles them to).
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `c ? a : b`, ARM `if(c, a, b)`: only the branch chosen is evaluated.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A construct not evaluated statically (a lambda, a `for` expression, ...): why.
    Unknown(String),
    /// Lowering stopped here, nested too deeply: the source text.
    TooDeep(String),
}

/// An operator whose right side is evaluated only when the left one does not decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    And,
    Or,
    /// `??`
    Coalesce,
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }
}

/// How an expression's names are resolved: implemented by the ARM and Bicep scopes, each
/// for the names its language has (the others are Unknown: the lowering of a language
/// never makes them).
pub(crate) trait Names {
    /// The source text at `span`, when the expression's nodes have spans of their own
    /// (Bicep): it names a place too deep to evaluate, and labels values read out of
    /// bigger ones. ARM expressions sit in one JSON string: `None`.
    fn text(&self, span: Span) -> Option<&str>;

    /// ARM `parameters(name)`, read at `at`.
    fn parameter(&mut self, name: &str, at: Span) -> Value {
        Value::unknown(format!("no parameter `{name}` here"), at)
    }

    /// ARM `variables(name)`, read at `at`.
    fn variable(&mut self, name: &str, at: Span) -> Value {
        Value::unknown(format!("no variable `{name}` here"), at)
    }

    /// A Bicep identifier, read at `at`.
    fn name(&mut self, name: &str, at: Span) -> Value {
        Value::unknown(format!("no name `{name}` here"), at)
    }

    /// `attr` (empty: the resource itself) of the resource symbol `path`, when `path`
    /// names one.
    fn resource(&mut self, _path: &str, _attr: &str, _at: Span) -> Option<Value> {
        None
    }

    /// `copyIndex([name], [offset])` inside a `copy` loop.
    fn copy_index(&self, _args: &[Value]) -> Option<f64> {
        None
    }
}

/// Evaluate `e`, names resolved through `names`, under `meter`'s limits.
pub(crate) fn eval<N: Names + ?Sized>(e: &Expr, names: &mut N, meter: &Meter<'_>) -> Value {
    if meter.spent() {
        return Value::unknown("the evaluation budget is spent", e.span);
    }
    let Some(_level) = meter.enter() else {
        let at = names.text(e.span).unwrap_or("an ARM expression");
        return meter.too_deep(at, e.span);
    };
    eval_inner(e, names, meter)
}

fn eval_inner<N: Names + ?Sized>(e: &Expr, names: &mut N, meter: &Meter<'_>) -> Value {
    let span = e.span;
    let ev = |e: &Expr, names: &mut N| eval(e, names, meter);
    match &e.kind {
        ExprKind::Str(s) => Value::string(s.as_str(), span),
        ExprKind::Num(x) => Value::new(ValueKind::Number(*x), span),
        ExprKind::Bool(b) => Value::bool(*b, span),
        ExprKind::Null => Value::new(ValueKind::Null, span),
        ExprKind::Unknown(why) => Value::unknown(why.as_str(), span),
        ExprKind::TooDeep(text) => meter.too_deep(text, span),
        ExprKind::Array(items) => {
            let mut list = Vec::new();
            for (spread, item) in items {
                let v = ev(item, names);
                if !spread {
                    list.push(v);
                    continue;
                }
                let ValueKind::List(spread) = v.kind else {
                    return Value::unknown("an array with a spread not known statically", span);
                };
                list.extend(spread);
            }
            Value::new(ValueKind::List(list), span)
        }
        ExprKind::Object(props) => {
            let mut entries: Vec<(Str, Value)> = Vec::new();
            for (key, x) in props {
                let v = ev(x, names);
                if let Some(k) = key {
                    set_entry(&mut entries, k.as_str().into(), v);
                    continue;
                }
                // The spread object's keys, in order, each over any earlier one; an
                // object not known statically leaves no key known.
                let ValueKind::Object(spread) = v.kind else {
                    return Value::unknown("an object with a spread not known statically", span);
                };
                for (k, v) in spread {
                    set_entry(&mut entries, k, v);
                }
            }
            Value::new(ValueKind::Object(entries), span)
        }
        ExprKind::Call(name, args) => {
            let args: Vec<Value> = args.iter().map(|a| ev(a, names)).collect();
            if name.eq_ignore_ascii_case("copyindex")
                && let Some(i) = names.copy_index(&args)
            {
                return Value::new(ValueKind::Number(i), span);
            }
            let v = azure_functions::call(name, args, span);
            meter.check(v, &format!("the value of `{name}()`"))
        }
        ExprKind::Parameter(key) => match ev(key, names).as_str() {
            Some(k) => names.parameter(k, span),
            None => Value::unknown("a computed parameter name", span),
        },
        ExprKind::Variable(key) => match ev(key, names).as_str() {
            Some(k) => names.variable(k, span),
            None => Value::unknown("a computed variable name", span),
        },
        ExprKind::Name(name) => names.name(name, span),
        ExprKind::Resource(path) => names
            .resource(path, "", span)
            .unwrap_or_else(|| Value::unknown(format!("`{path}` is not known"), span)),
        ExprKind::Member { base, name, safe } => {
            // A resource's property: an edge (`acr.id`) or its known name.
            if let ExprKind::Name(sym) | ExprKind::Resource(sym) = &base.kind
                && let Some(v) = names.resource(sym, name, span)
            {
                return v;
            }
            let b = ev(base, names);
            read(b, &Value::string(name.as_str(), span), *safe, span, names)
        }
        ExprKind::Index { base, index, safe } => {
            let b = ev(base, names);
            let i = ev(index, names);
            read(b, &i, *safe, span, names)
        }
        ExprKind::FromEnd(base, k) => {
            let b = ev(base, names);
            let got = match (&b.kind, k) {
                (ValueKind::List(items), Some(k)) if *k >= 1 => items
                    .len()
                    .checked_sub(*k)
                    .and_then(|x| items.get(x))
                    .cloned(),
                _ => None,
            };
            match got {
                Some(v) => read_through(v, &b, span, names),
                None => Value::unknown("an index not known statically", span),
            }
        }
        ExprKind::Cond(c, a, b) => {
            let cond = ev(c, names);
            match cond.as_bool() {
                Some(pick) => ev(if pick { a } else { b }, names).carrying(&cond),
                None => Value::unknown("a condition not known statically", span),
            }
        }
        ExprKind::Binary(op, l, r) => binary(*op, l, r, span, names, meter),
    }
}

fn binary<N: Names + ?Sized>(
    op: BinOp,
    l: &Expr,
    r: &Expr,
    span: Span,
    names: &mut N,
    meter: &Meter<'_>,
) -> Value {
    let a = eval(l, names, meter);
    // Short circuits that decide without the right side.
    match (op, a.as_bool()) {
        (BinOp::And, Some(false)) => {
            return with_origins_of(Some(ValueKind::Bool(false)), span, &[&a]);
        }
        (BinOp::Or, Some(true)) => {
            return with_origins_of(Some(ValueKind::Bool(true)), span, &[&a]);
        }
        _ => {}
    }
    if op == BinOp::Coalesce && !matches!(a.kind, ValueKind::Null) {
        return a;
    }
    let b = eval(r, names, meter);
    if op == BinOp::Coalesce {
        return b;
    }
    // The left side is not decisive here (or unknown): the right side may decide.
    let kind = match (op, a.as_bool(), b.as_bool()) {
        (_, Some(_), Some(y)) => Some(ValueKind::Bool(y)),
        (BinOp::And, None, Some(false)) => Some(ValueKind::Bool(false)),
        (BinOp::Or, None, Some(true)) => Some(ValueKind::Bool(true)),
        _ => None,
    };
    with_origins_of(kind, span, &[&a, &b])
}

/// `base.key` / `base[key]` read at `span`; `safe` (`.?`, `[?]`, `tryGet`): an absent
/// property or item, or a null `base`, reads as null.
fn read<N: Names + ?Sized>(base: Value, key: &Value, safe: bool, span: Span, names: &N) -> Value {
    // A property of a reference stays a reference, with the property path recorded.
    if let ValueKind::Ref(r) = &base.kind {
        let mut r = r.clone();
        if let Some(k) = key.as_str() {
            if !r.attr.is_empty() {
                r.attr.push('.');
            }
            r.attr.push_str(k);
        }
        return Value::new(ValueKind::Ref(r), span);
    }
    if let ValueKind::Unknown(why) = &base.kind {
        return Value::unknown(why.clone(), span);
    }
    let found = crate::eval::values::element(&base, key).cloned();
    let absent = matches!(
        (&base.kind, &key.kind),
        (ValueKind::Object(_), ValueKind::String(_))
            | (ValueKind::List(_), ValueKind::Number(_))
            | (ValueKind::Null, _)
    ) && !key.has_unknown();
    match found {
        Some(v) => read_through(v, &base, span, names),
        None if safe && absent => Value::new(ValueKind::Null, span).carrying(&base),
        None => Value::unknown(
            format!("property `{}` of {}", key.display(), base.display()),
            span,
        ),
    }
}

/// A value `v` read out of a bigger one (`from`) at `at`: it is seen at the use site and
/// keeps the origins of the value it was read from. Where the source can be shown
/// (Bicep), where `v` was written stays an origin, labelled with the expression.
fn read_through<N: Names + ?Sized>(v: Value, from: &Value, at: Span, names: &N) -> Value {
    let out = match names.text(at) {
        Some(text) if !v.is_unknown() => {
            let shown: String = text.chars().take(60).collect();
            v.used_at(at, format!("`{shown}`"))
        }
        _ => Value { span: at, ..v },
    };
    out.carrying(from)
}

/// Set an object entry, over an earlier one of the same key (keys ignore case, as in ARM).
pub(crate) fn set_entry(entries: &mut Vec<(Str, Value)>, key: Str, value: Value) {
    match entries
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case(&key))
    {
        Some(e) => e.1 = value,
        None => entries.push((key, value)),
    }
}

/// A computed value at `span`, keeping the origins of the values it was computed from.
fn with_origins_of(kind: Option<ValueKind>, span: Span, from: &[&Value]) -> Value {
    let Some(kind) = kind else {
        return Value::unknown("an expression not known statically", span);
    };
    from.iter()
        .fold(Value::new(kind, span), |v, f| v.carrying(f))
}

/// A reference to a resource's attribute (`attr` empty: the resource itself).
pub(crate) fn reference(target: crate::model::Key, attr: &str, at: Span) -> Value {
    Value::new(
        ValueKind::Ref(Box::new(Ref {
            target,
            attr: attr.to_string(),
        })),
        at,
    )
}

/// Why an ARM expression does not parse.
#[derive(Debug, Clone, PartialEq)]
pub enum ArmSyntaxError {
    /// A character where none may stand.
    Unexpected(char),
    /// `want` expected, something else (`None`: the end) found.
    Expected {
        want: char,
        found: Option<char>,
    },
    /// After an argument, neither `,` nor `)` (`None`: the end).
    ExpectedArgumentEnd(Option<char>),
    /// The text ends where an expression should start.
    ExpectedExpression,
    /// `.` not followed by a property name.
    ExpectedProperty,
    /// A name not followed by `(`.
    ExpectedCall(String),
    BadNumber(String),
    UnterminatedString,
    TooDeep,
}

impl std::fmt::Display for ArmSyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let end = |c: &Option<char>| c.map_or("the end".to_string(), |c| format!("`{c}`"));
        match self {
            ArmSyntaxError::Unexpected(c) => write!(f, "unexpected `{c}`"),
            ArmSyntaxError::Expected { want, found } => {
                write!(f, "expected `{want}`, found {}", end(found))
            }
            ArmSyntaxError::ExpectedArgumentEnd(found) => {
                write!(f, "expected `,` or `)`, found {}", end(found))
            }
            ArmSyntaxError::ExpectedExpression => {
                write!(f, "expected an expression, found the end")
            }
            ArmSyntaxError::ExpectedProperty => write!(f, "expected a property name after `.`"),
            ArmSyntaxError::ExpectedCall(name) => write!(f, "expected `(` after `{name}`"),
            ArmSyntaxError::BadNumber(text) => write!(f, "bad number `{text}`"),
            ArmSyntaxError::UnterminatedString => write!(f, "unterminated string"),
            ArmSyntaxError::TooDeep => write!(f, "expression nested too deeply"),
        }
    }
}

impl std::error::Error for ArmSyntaxError {}

/// Parse the text of an ARM template expression (inside `[...]`): `fn(args)`,
/// `'strings'` (`''` escapes a quote), numbers, `true`/`false`/`null`, `.property` and
/// `[index]`. `parameters(x)` and `variables(x)` become names. Every node gets `span`,
/// the span of the JSON string.
pub fn parse_arm(text: &str, span: Span) -> Result<Expr, ArmSyntaxError> {
    let mut p = ArmParser {
        chars: text.chars().collect(),
        at: 0,
        depth: 0,
        span,
    };
    let e = p.expr()?;
    p.ws();
    if let Some(c) = p.chars.get(p.at) {
        return Err(ArmSyntaxError::Unexpected(*c));
    }
    Ok(e)
}

struct ArmParser {
    chars: Vec<char>,
    at: usize,
    depth: usize,
    span: Span,
}

impl ArmParser {
    fn node(&self, kind: ExprKind) -> Expr {
        Expr::new(kind, self.span)
    }

    fn ws(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.ws();
        self.chars.get(self.at).copied()
    }

    fn expect(&mut self, want: char) -> Result<(), ArmSyntaxError> {
        match self.peek() {
            Some(x) if x == want => {
                self.at += 1;
                Ok(())
            }
            found => Err(ArmSyntaxError::Expected { want, found }),
        }
    }

    fn expr(&mut self) -> Result<Expr, ArmSyntaxError> {
        self.depth += 1;
        if self.depth > 200 {
            return Err(ArmSyntaxError::TooDeep);
        }
        let mut e = self.primary()?;
        loop {
            match self.peek() {
                Some('.') => {
                    self.at += 1;
                    self.ws();
                    let name = self.ident();
                    if name.is_empty() {
                        return Err(ArmSyntaxError::ExpectedProperty);
                    }
                    e = self.node(ExprKind::Member {
                        base: Box::new(e),
                        name,
                        safe: false,
                    });
                }
                Some('[') => {
                    self.at += 1;
                    let i = self.expr()?;
                    self.expect(']')?;
                    e = self.node(ExprKind::Index {
                        base: Box::new(e),
                        index: Box::new(i),
                        safe: false,
                    });
                }
                _ => break,
            }
        }
        self.depth -= 1;
        Ok(e)
    }

    fn ident(&mut self) -> String {
        let start = self.at;
        while self
            .chars
            .get(self.at)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
        {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    fn primary(&mut self) -> Result<Expr, ArmSyntaxError> {
        match self.peek() {
            None => Err(ArmSyntaxError::ExpectedExpression),
            Some('\'') => {
                self.at += 1;
                let mut s = String::new();
                loop {
                    match self.chars.get(self.at) {
                        None => return Err(ArmSyntaxError::UnterminatedString),
                        Some('\'') if self.chars.get(self.at + 1) == Some(&'\'') => {
                            s.push('\'');
                            self.at += 2;
                        }
                        Some('\'') => {
                            self.at += 1;
                            return Ok(self.node(ExprKind::Str(s)));
                        }
                        Some(c) => {
                            s.push(*c);
                            self.at += 1;
                        }
                    }
                }
            }
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' => {
                let start = self.at;
                self.at += 1;
                while self
                    .chars
                    .get(self.at)
                    .is_some_and(|c| c.is_ascii_digit() || *c == '.')
                {
                    self.at += 1;
                }
                let text: String = self.chars[start..self.at].iter().collect();
                match text.parse() {
                    Ok(x) => Ok(self.node(ExprKind::Num(x))),
                    Err(_) => Err(ArmSyntaxError::BadNumber(text)),
                }
            }
            Some(c) if c.is_alphabetic() || c == '_' => {
                let mut name = self.ident();
                // Namespaced user-defined functions: `ns.fn(...)`.
                while self.chars.get(self.at) == Some(&'.')
                    && self
                        .chars
                        .get(self.at + 1)
                        .is_some_and(|c| c.is_alphabetic())
                    && self.lookahead_call()
                {
                    self.at += 1;
                    name.push('.');
                    name.push_str(&self.ident());
                }
                if self.peek() != Some('(') {
                    return match name.to_ascii_lowercase().as_str() {
                        "true" => Ok(self.node(ExprKind::Bool(true))),
                        "false" => Ok(self.node(ExprKind::Bool(false))),
                        "null" => Ok(self.node(ExprKind::Null)),
                        _ => Err(ArmSyntaxError::ExpectedCall(name)),
                    };
                }
                self.at += 1;
                let mut args = Vec::new();
                if self.peek() == Some(')') {
                    self.at += 1;
                    return Ok(self.call(name, args));
                }
                loop {
                    args.push(self.expr()?);
                    match self.peek() {
                        Some(',') => self.at += 1,
                        Some(')') => {
                            self.at += 1;
                            return Ok(self.call(name, args));
                        }
                        found => return Err(ArmSyntaxError::ExpectedArgumentEnd(found)),
                    }
                }
            }
            Some(c) => Err(ArmSyntaxError::Unexpected(c)),
        }
    }

    /// A call; `parameters(x)` and `variables(x)` read a name, `if(c, a, b)` evaluates
    /// only the branch chosen, `tryGet(x, k)` is `x[?k]`.
    fn call(&self, name: String, mut args: Vec<Expr>) -> Expr {
        let lower = name.to_ascii_lowercase();
        if lower == "tryget" && args.len() == 2 {
            let (index, base) = (args.pop(), args.pop());
            if let (Some(base), Some(index)) = (base, index) {
                return self.node(ExprKind::Index {
                    base: Box::new(base),
                    index: Box::new(index),
                    safe: true,
                });
            }
        }
        if lower == "if" && args.len() == 3 {
            let (b, a, c) = (args.pop(), args.pop(), args.pop());
            if let (Some(c), Some(a), Some(b)) = (c, a, b) {
                return self.node(ExprKind::Cond(Box::new(c), Box::new(a), Box::new(b)));
            }
        }
        if matches!(lower.as_str(), "parameters" | "variables") && !args.is_empty() {
            let key = Box::new(args.swap_remove(0));
            return self.node(if lower == "parameters" {
                ExprKind::Parameter(key)
            } else {
                ExprKind::Variable(key)
            });
        }
        self.node(ExprKind::Call(name, args))
    }

    /// After `ident`, is `.ident(` next (a namespaced function call)?
    fn lookahead_call(&self) -> bool {
        let mut i = self.at + 1;
        while self
            .chars
            .get(i)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_')
        {
            i += 1;
        }
        self.chars.get(i) == Some(&'(')
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn parse(text: &str) -> Result<Expr, ArmSyntaxError> {
        parse_arm(text, Span::new(FileId::default(), 0..0))
    }

    /// Parameters by name; every variable read is recorded.
    #[derive(Default)]
    struct Scope {
        params: Vec<(&'static str, Value)>,
        read: Vec<String>,
    }

    impl Names for Scope {
        fn text(&self, _: Span) -> Option<&str> {
            None
        }

        fn parameter(&mut self, name: &str, at: Span) -> Value {
            match self.params.iter().find(|(n, _)| *n == name) {
                Some((_, v)) => Value {
                    span: at,
                    ..v.clone()
                },
                None => Value::unknown("undeclared", at),
            }
        }

        fn variable(&mut self, name: &str, at: Span) -> Value {
            self.read.push(name.to_string());
            Value::unknown("a variable", at)
        }
    }

    fn value(text: &str, scope: &mut Scope) -> Value {
        let budget = crate::eval::budget::Budget::default();
        let meter = Meter::new(&budget, "test");
        eval(&parse(text).unwrap(), scope, &meter)
    }

    #[test]
    fn the_branch_not_chosen_is_not_evaluated() {
        let sp = Span::new(FileId::default(), 0..0);
        let mut scope = Scope {
            params: vec![("a", Value::new(ValueKind::Number(1.0), sp))],
            ..Default::default()
        };
        let v = value(
            "if(equals(parameters('a'), 1), 'x', variables('v'))",
            &mut scope,
        );
        assert_eq!(v.as_str(), Some("x"));
        assert!(scope.read.is_empty(), "{:?}", scope.read);
        let v = value("if(parameters('b'), 'x', 'y')", &mut scope);
        assert!(v.is_unknown());
    }

    #[test]
    fn members_of_objects_lists_and_references() {
        let mut scope = Scope::default();
        let v = value("createObject('a', createArray(1, 'two')).a[1]", &mut scope);
        assert_eq!(v.as_str(), Some("two"));
        let v = value("createObject('a', 1).b", &mut scope);
        assert!(v.is_unknown());
        let v = value(
            "reference(resourceId('Microsoft.ContainerRegistry/registries', 'r')).loginServer",
            &mut scope,
        );
        match &v.kind {
            ValueKind::Ref(r) => assert_eq!(r.attr, "properties.loginServer"),
            other => panic!("not a reference: {other:?}"),
        }
    }

    #[test]
    fn parses_arm_expressions() {
        assert!(parse("concat('a', parameters('b').c[0], 'it''s')").is_ok());
        assert!(parse("ns.f(1)").is_ok());
        assert!(parse("resourceGroup().location").is_ok());
        assert!(matches!(
            parse("variables('x')").map(|e| e.kind),
            Ok(ExprKind::Variable(_))
        ));
        assert_eq!(
            parse("concat('a'").unwrap_err().to_string(),
            "expected `,` or `)`, found the end"
        );
        assert_eq!(
            parse("a b").unwrap_err().to_string(),
            "expected `(` after `a`"
        );
    }
}
