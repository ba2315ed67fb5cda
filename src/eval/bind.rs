//! The named values of every language, bound once: Terraform variables, locals, module
//! outputs and resource attributes; ARM variables; Bicep parameters and variables.
//!
//! A [`Bindings`] table evaluates a name the first time it is asked for and keeps the
//! value; later uses get the kept value (and pay for it again: [`Meter::reuse`]). While a
//! name is being evaluated it is on the table's stack of active names, so a name that
//! needs itself is a cycle: an Unknown value with a note naming the chain. Each evaluation
//! goes one level deeper ([`Meter::enter`]) and is measured once ([`Meter::admit`]).
//!
//! The names are typed, one enum per language ([`TfName`], [`ArmName`], [`BicepName`]);
//! their `Display` is what notes show (`local.a`, `variables('a')`, `var a`).
//!
//! Two ways to use a table: [`Memo::get`] (a table behind a `RefCell`, for evaluators
//! that work through `&self`), or [`Bindings::begin`] then [`Bindings::end`] around the
//! evaluation (for evaluators that work through `&mut self` and hold the table).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};

use crate::eval::budget::{Level, Meter};
use crate::model::{Str, Value};
use crate::source::Span;

/// Evaluated names with their weight, and the names being evaluated (outermost first).
#[derive(Debug)]
pub struct Bindings<K> {
    /// Put before every name in notes (a Terraform module's `module.a.`).
    prefix: String,
    /// Each evaluated name's place in `kept` (a small map: the values are out of it).
    done: HashMap<K, usize>,
    /// The evaluated values with their weight.
    kept: Vec<(Value, u64)>,
    active: Vec<K>,
}

/// A name being evaluated: its level of depth, given back by [`Bindings::end`].
#[must_use]
pub struct Entered<'m, K> {
    key: K,
    level: Level<'m>,
}

impl<K> Default for Bindings<K> {
    fn default() -> Self {
        Bindings::new(String::new())
    }
}

impl<K> Bindings<K> {
    /// An empty table whose names notes show after `prefix`.
    pub fn new(prefix: String) -> Self {
        Bindings {
            prefix,
            done: HashMap::new(),
            kept: Vec::new(),
            active: Vec::new(),
        }
    }
}

impl<K: Eq + Hash + Clone + fmt::Display> Bindings<K> {
    fn shown(&self, key: &K) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Start evaluating `key` (used at `at`). `Err` holds the value to use instead: the
    /// kept one (paid for again), or an Unknown for a spent budget, a cycle or a chain
    /// too deep (with a note). `Ok` means: evaluate, then give the value to [`Self::end`].
    pub fn begin<'m>(
        &mut self,
        meter: &'m Meter,
        key: K,
        at: Span,
    ) -> Result<Entered<'m, K>, Value> {
        if let Some((v, units)) = self.done.get(&key).and_then(|&i| self.kept.get(i)) {
            if meter.reuse(*units) {
                return Err(v.clone());
            }
            return Err(Value::unknown("the evaluation budget is spent", at));
        }
        if let Some(i) = self.active.iter().position(|k| *k == key) {
            let chain: Vec<String> = self.active[i..]
                .iter()
                .chain([&key])
                .map(|k| self.shown(k))
                .collect();
            let chain: Vec<&str> = chain.iter().map(String::as_str).collect();
            return Err(meter.cycle(&chain, at));
        }
        let Some(level) = meter.enter() else {
            return Err(meter.too_deep(&self.shown(&key), at));
        };
        self.active.push(key.clone());
        Ok(Entered { key, level })
    }

    /// Finish evaluating a name: `v` is measured, kept and returned.
    pub fn end(&mut self, meter: &Meter, entered: Entered<K>, v: Value) -> Value {
        let Entered { key, level } = entered;
        // Names end in the reverse order they began: this one is the last active.
        if let Some(i) = self.active.iter().rposition(|k| *k == key) {
            self.active.remove(i);
        }
        drop(level);
        let (v, units) = meter.admit(v, &self.shown(&key));
        self.done.insert(key, self.kept.len());
        self.kept.push((v.clone(), units));
        v
    }
}

impl<K: Eq> Bindings<K> {
    /// True while `key` is being evaluated (or worked on: [`Self::activate`]).
    pub fn is_active(&self, key: &K) -> bool {
        self.active.contains(key)
    }

    /// Work on `key` without keeping a value for it (a Bicep resource's identity, which
    /// has its own cache): names evaluated meanwhile show it in their cycle notes. Ended
    /// by [`Self::deactivate`].
    pub fn activate(&mut self, key: K) {
        self.active.push(key);
    }

    /// The end of the innermost [`Self::activate`].
    pub fn deactivate(&mut self) {
        self.active.pop();
    }
}

/// A [`Bindings`] table used through `&self`.
#[derive(Debug)]
pub struct Memo<K>(RefCell<Bindings<K>>);

impl<K> Memo<K> {
    pub fn new(prefix: String) -> Self {
        Memo(RefCell::new(Bindings::new(prefix)))
    }
}

impl<K: Eq + Hash + Clone + fmt::Display> Memo<K> {
    /// The value of `key`, evaluated by `f` the first time (see [`Bindings::begin`]).
    pub fn get(&self, meter: &Meter, key: K, at: Span, f: impl FnOnce() -> Value) -> Value {
        let entered = match self.0.borrow_mut().begin(meter, key, at) {
            Ok(e) => e,
            Err(v) => return v,
        };
        let v = f();
        self.0.borrow_mut().end(meter, entered, v)
    }
}

/// A Terraform name of one module instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TfName {
    /// `var.x`: a variable's value (given, or its default).
    Var(Str),
    Local(Str),
    Output(Str),
    /// A `resource` or `data` block's body. Blocks are boxed: names are map keys, and
    /// small keys keep the tables of long chains small.
    Body(Box<TfBlock>),
    /// One attribute of a block.
    Attr(Box<TfBlock>, Str),
}

/// A `resource` block (of one instance, `["k"]` or `[0]`, or of all) or a `data` block.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TfBlock {
    pub data: bool,
    pub ty: Str,
    pub name: Str,
    pub instance: Str,
}

impl TfName {
    /// The body of a `resource` (or, with `data`, a `data`) block.
    pub fn body(data: bool, ty: &str, name: &str, instance: &str) -> TfName {
        TfName::Body(TfBlock::boxed(data, ty, name, instance))
    }

    /// The attribute `attr` of a block.
    pub fn attr(data: bool, ty: &str, name: &str, instance: &str, attr: &str) -> TfName {
        TfName::Attr(TfBlock::boxed(data, ty, name, instance), attr.into())
    }
}

impl TfBlock {
    fn boxed(data: bool, ty: &str, name: &str, instance: &str) -> Box<TfBlock> {
        Box::new(TfBlock {
            data,
            ty: ty.into(),
            name: name.into(),
            instance: instance.into(),
        })
    }
}

impl fmt::Display for TfName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TfName::Var(n) => write!(f, "var.{n}"),
            TfName::Local(n) => write!(f, "local.{n}"),
            TfName::Output(n) => write!(f, "output.{n}"),
            TfName::Body(b) if b.data => write!(f, "data.{}.{}{}", b.ty, b.name, b.instance),
            TfName::Body(b) => write!(f, "resource.{}.{}{}", b.ty, b.name, b.instance),
            TfName::Attr(b, attr) => {
                let data = if b.data { "data." } else { "" };
                write!(f, "{data}resource.{}.{}{}.{attr}", b.ty, b.name, b.instance)
            }
        }
    }
}

/// An ARM variable. ARM names are case-insensitive: `variables('A')` is
/// `variables('a')`; notes show the name as the reference spelled it.
#[derive(Clone, Debug)]
pub enum ArmName {
    Variable(Str),
}

impl PartialEq for ArmName {
    fn eq(&self, other: &ArmName) -> bool {
        let (ArmName::Variable(a), ArmName::Variable(b)) = (self, other);
        a.eq_ignore_ascii_case(b)
    }
}

impl Eq for ArmName {}

impl Hash for ArmName {
    fn hash<H: Hasher>(&self, h: &mut H) {
        let ArmName::Variable(n) = self;
        for b in n.bytes() {
            h.write_u8(b.to_ascii_lowercase());
        }
        h.write_u8(0xff);
    }
}

impl fmt::Display for ArmName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ArmName::Variable(n) = self;
        write!(f, "variables('{n}')")
    }
}

/// A Bicep name of one file (or module instance).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BicepName {
    Param(Str),
    Var(Str),
    /// A resource's full type and name, by its symbolic path (`vnet::subnet`).
    Identity(Str),
}

impl fmt::Display for BicepName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BicepName::Param(n) => write!(f, "param {n}"),
            BicepName::Var(n) => write!(f, "var {n}"),
            BicepName::Identity(p) => write!(f, "identity {p}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::budget::{Budget, MAX_DEPTH};
    use crate::model::ValueKind;
    use crate::source::FileId;
    use std::cell::Cell;

    fn sp() -> Span {
        Span::new(FileId(0), 0..0)
    }

    fn local(n: &str) -> TfName {
        TfName::Local(n.into())
    }

    #[test]
    fn a_name_is_evaluated_once_and_each_reuse_is_paid_for() {
        let b = Budget::default();
        let m = Meter::new(&b, "");
        let memo = Memo::new(String::new());
        let calls = Cell::new(0);
        let big = || {
            calls.set(calls.get() + 1);
            Value::string("x".repeat(1000), sp())
        };
        let first = memo.get(&m, local("a"), sp(), big);
        let spent = m.work_done();
        let again = memo.get(&m, local("a"), sp(), big);
        assert_eq!(first, again);
        assert_eq!(calls.get(), 1);
        assert!(
            m.work_done() > spent,
            "a reuse of a large value is paid for"
        );
    }

    #[test]
    fn a_cycle_is_unknown_with_a_note_naming_the_chain() {
        let b = Budget::default();
        let m = Meter::new(&b, "main.tf");
        let memo = Memo::new("module.m.".to_string());
        let v = memo.get(&m, local("a"), sp(), || {
            memo.get(&m, local("b"), sp(), || {
                memo.get(&m, local("a"), sp(), || unreachable!())
            })
        });
        let want = "cycle: module.m.local.a -> module.m.local.b -> module.m.local.a";
        assert!(
            matches!(&v.kind, ValueKind::Unknown(w) if w == want),
            "{v:?}"
        );
        assert_eq!(m.take_notes(), vec![format!("main.tf: {want}")]);
        // Both names are kept unknown: asking again gives the same, without a new note.
        assert!(
            memo.get(&m, local("b"), sp(), || unreachable!())
                .is_unknown()
        );
    }

    #[test]
    fn a_chain_deeper_than_the_limit_is_unknown() {
        fn chain(memo: &Memo<TfName>, m: &Meter, i: usize) -> Value {
            memo.get(m, TfName::Local(format!("l{i}").into()), sp(), || {
                if i == 1000 {
                    Value::bool(true, sp())
                } else {
                    chain(memo, m, i + 1)
                }
            })
        }
        let b = Budget::default();
        let m = Meter::new(&b, "");
        let memo = Memo::new(String::new());
        let v = chain(&memo, &m, 0);
        assert!(v.is_unknown());
        let notes = m.take_notes();
        assert!(
            notes[0].contains(&format!(
                "deeper than {MAX_DEPTH} levels at local.l{MAX_DEPTH}"
            )),
            "{notes:?}"
        );
        // The depth is given back: a fresh name evaluates.
        assert!(
            !memo
                .get(&m, local("z"), sp(), || Value::bool(true, sp()))
                .is_unknown()
        );
    }

    #[test]
    fn arm_names_ignore_case_and_show_their_spelling() {
        let b = Budget::default();
        let m = Meter::new(&b, "");
        let mut table: Bindings<ArmName> = Bindings::default();
        let Ok(e) = table.begin(&m, ArmName::Variable("Sku".into()), sp()) else {
            panic!("a new name")
        };
        let Err(cycle) = table.begin(&m, ArmName::Variable("sku".into()), sp()) else {
            panic!("a cycle")
        };
        assert!(matches!(&cycle.kind, ValueKind::Unknown(w)
            if w == "cycle: variables('Sku') -> variables('sku')"));
        table.end(&m, e, Value::string("Basic", sp()));
        let Err(kept) = table.begin(&m, ArmName::Variable("SKU".into()), sp()) else {
            panic!("kept")
        };
        assert_eq!(kept.as_str(), Some("Basic"));
    }
}
