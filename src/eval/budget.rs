//! The limits of one analysis, shared by the Terraform, ARM and Bicep evaluators.
//!
//! A scanned repository is untrusted: references may form cycles or chains thousands
//! long, module calls may fan out exponentially, values may double at every step. Every
//! evaluator keeps to the same limits, and whatever passes one becomes an Unknown value
//! (which never produces a finding) with a note that names the limit and the place.
//!
//! - [`MAX_DEPTH`]: nested evaluations on one thread (expressions inside expressions and
//!   references followed). The deepest evaluation stays far below the stacks acrlint
//!   runs on (8 MiB for the command line's threads, 2 MiB for any other thread: see
//!   `tests/hostile_eval.rs`, which evaluates at this depth on a 2 MiB thread).
//! - [`MAX_STRING_BYTES`], [`MAX_ELEMENTS`], [`MAX_VALUE_DEPTH`]: the size of one value.
//! - [`MAX_UNIT_WORK`], [`MAX_SCAN_WORK`]: the values made (approximate bytes, counted as
//!   they are made and reused) per evaluation unit (a Terraform root module, an ARM
//!   template, a Bicep entry file) and per scan (plus [`SCAN_WORK_PER_INPUT_BYTE`] per
//!   byte scanned): time and memory stay bounded however a file multiplies its values.
//! - [`MAX_MODULE_INSTANCES`], [`MAX_SCAN_MODULE_INSTANCES`]: module instances (Terraform
//!   module calls, Bicep modules) per evaluation unit and per scan (plus
//!   [`SCAN_MODULE_INSTANCES_PER_FILE`] per file scanned), whatever the depth.
//! - [`MAX_COPY`]: ARM `copy` iterations expanded per loop.
//! - [`MAX_ORIGINS`]: the provenance kept per value (see [`crate::model::Value::with_origin`]).

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::{Value, ValueKind};
use crate::source::Span;

/// Nested evaluations (expression nesting plus references followed) on one thread.
pub const MAX_DEPTH: usize = 128;
/// A string value longer than this is Unknown.
pub const MAX_STRING_BYTES: usize = 1 << 20;
/// A value with more elements than this (all list items and object entries inside it) is Unknown.
pub const MAX_ELEMENTS: usize = 100_000;
pub use crate::model::value::{MAX_ORIGINS, MAX_VALUE_DEPTH};
/// Values made per evaluation unit, in approximate bytes.
pub const MAX_UNIT_WORK: u64 = 128 << 20;
/// Values made per scan, in approximate bytes, besides [`SCAN_WORK_PER_INPUT_BYTE`].
pub const MAX_SCAN_WORK: u64 = 1 << 30;
/// What each byte of scanned input adds to the scan's budget: a large tree of ordinary
/// files never runs out, a small hostile one does.
pub const SCAN_WORK_PER_INPUT_BYTE: u64 = 64;
/// Module instances per evaluation unit.
pub const MAX_MODULE_INSTANCES: usize = 1000;
/// Module instances per scan, besides [`SCAN_MODULE_INSTANCES_PER_FILE`].
pub const MAX_SCAN_MODULE_INSTANCES: u64 = 10_000;
/// What each scanned file adds to the scan's module instances.
pub const SCAN_MODULE_INSTANCES_PER_FILE: u64 = 10;
/// ARM `copy` iterations (variable and property iteration) expanded per loop.
pub const MAX_COPY: i64 = 1000;

/// Notes about evaluations that went too deep, per unit.
const MAX_DEPTH_NOTES: usize = 5;

/// What one element of a value weighs in [`Meter`] units (about its size in memory).
const ELEMENT_WEIGHT: u64 = 64;

/// What the whole scan may still spend, shared by every evaluator and thread.
#[derive(Debug)]
pub struct Budget {
    work: AtomicU64,
    modules: AtomicU64,
    work_limit: u64,
    module_limit: u64,
}

impl Default for Budget {
    /// The budget of a scan of nothing: the fixed part of each limit.
    fn default() -> Budget {
        Budget::for_input(0, 0)
    }
}

impl Budget {
    /// The budget of a scan of `files` files of `bytes` bytes in all.
    pub fn for_input(files: usize, bytes: usize) -> Budget {
        Budget {
            work: AtomicU64::new(0),
            modules: AtomicU64::new(0),
            work_limit: MAX_SCAN_WORK
                .saturating_add(SCAN_WORK_PER_INPUT_BYTE.saturating_mul(bytes as u64)),
            module_limit: MAX_SCAN_MODULE_INSTANCES
                .saturating_add(SCAN_MODULE_INSTANCES_PER_FILE.saturating_mul(files as u64)),
        }
    }

    fn spend_work(&self, units: u64) -> bool {
        self.work.fetch_add(units, Ordering::Relaxed) + units <= self.work_limit
    }

    /// Count one module instance: `Ok` within the cap, `Err(true)` for the first one past it.
    fn spend_module(&self) -> Result<(), bool> {
        let before = self.modules.fetch_add(1, Ordering::Relaxed);
        if before < self.module_limit {
            Ok(())
        } else {
            Err(before == self.module_limit)
        }
    }
}

/// The size of a value, as far as it was measured (measuring stops past the limits).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Size {
    pub elements: usize,
    pub string_bytes: usize,
    pub depth: usize,
    /// The longest string inside.
    pub longest: usize,
}

impl Size {
    /// Approximate bytes, the unit of [`Meter`].
    pub fn units(&self) -> u64 {
        (self.elements as u64 + 1) * ELEMENT_WEIGHT + self.string_bytes as u64
    }

    /// Why the value is too large, if it is.
    pub fn excess(&self) -> Option<String> {
        if self.longest > MAX_STRING_BYTES {
            Some(format!("a string longer than {MAX_STRING_BYTES} bytes"))
        } else if self.elements > MAX_ELEMENTS {
            Some(format!("a value of more than {MAX_ELEMENTS} elements"))
        } else if self.depth > MAX_VALUE_DEPTH {
            Some(format!(
                "a value nested deeper than {MAX_VALUE_DEPTH} levels"
            ))
        } else {
            None
        }
    }
}

/// What a function gives instead of a string it would make longer than
/// [`MAX_STRING_BYTES`] (noted by [`Meter::admit`] with the name of the value).
pub fn oversized_string() -> ValueKind {
    ValueKind::Unknown(format!("a string longer than {MAX_STRING_BYTES} bytes"))
}

/// What a function gives instead of a list longer than [`MAX_ELEMENTS`].
pub fn oversized_list() -> ValueKind {
    ValueKind::Unknown(format!("a value of more than {MAX_ELEMENTS} elements"))
}

/// The length of `s` with every `pat` replaced by `rep`, when it stays within
/// [`MAX_STRING_BYTES`]: string functions check before they build their result.
pub fn replaced_len(s: &str, pat: &str, rep: &str) -> Option<usize> {
    let n = if pat.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(pat).count()
    };
    let len = (s.len() - n * pat.len()).checked_add(n.checked_mul(rep.len())?)?;
    (len <= MAX_STRING_BYTES).then_some(len)
}

/// The length of the parts joined by `sep`, when it stays within [`MAX_STRING_BYTES`].
pub fn joined_len<S: AsRef<str>>(parts: &[S], sep: &str) -> Option<usize> {
    let mut len = sep.len().checked_mul(parts.len().saturating_sub(1))?;
    for p in parts {
        len = len.checked_add(p.as_ref().len())?;
    }
    (len <= MAX_STRING_BYTES).then_some(len)
}

/// Measure a value without recursion; stops as soon as a limit is passed.
pub fn measure(v: &Value) -> Size {
    let mut size = Size::default();
    let mut stack: Vec<(&Value, usize)> = vec![(v, 1)];
    while let Some((v, depth)) = stack.pop() {
        size.depth = size.depth.max(depth);
        match &v.kind {
            ValueKind::String(s) => {
                size.string_bytes += s.len();
                size.longest = size.longest.max(s.len());
            }
            ValueKind::Unknown(s) => size.string_bytes += s.len(),
            ValueKind::List(items) => {
                size.elements += items.len();
                stack.extend(items.iter().map(|i| (i, depth + 1)));
            }
            ValueKind::Object(entries) => {
                size.elements += entries.len();
                for (k, v) in entries {
                    size.string_bytes += k.len();
                    size.longest = size.longest.max(k.len());
                    stack.push((v, depth + 1));
                }
            }
            _ => {}
        }
        if size.excess().is_some() {
            break;
        }
    }
    size
}

/// The limits of one evaluation unit (one thread evaluates it), drawing on the scan's
/// [`Budget`]. Evaluators ask it before they go deeper, make a module instance, or keep
/// or reuse a value; notes about what passed a limit are collected once each.
#[derive(Debug)]
pub struct Meter<'b> {
    scan: &'b Budget,
    depth: Cell<usize>,
    work: Cell<u64>,
    modules: Cell<usize>,
    exhausted: Cell<bool>,
    /// How many evaluations that went too deep were noted.
    deep_notes: Cell<usize>,
    notes: RefCell<Vec<String>>,
    /// The unit, for notes: `main.tf`'s folder, a template's file.
    unit: String,
}

/// One level of evaluation depth, given back when dropped.
#[must_use]
pub struct Level<'m>(&'m Cell<usize>);

impl Drop for Level<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

impl<'b> Meter<'b> {
    pub fn new(scan: &'b Budget, unit: impl Into<String>) -> Meter<'b> {
        Meter {
            scan,
            depth: Cell::new(0),
            work: Cell::new(0),
            modules: Cell::new(0),
            exhausted: Cell::new(false),
            deep_notes: Cell::new(0),
            notes: RefCell::new(Vec::new()),
            unit: unit.into(),
        }
    }

    /// Go one evaluation level deeper; `None` past [`MAX_DEPTH`].
    pub fn enter(&self) -> Option<Level<'_>> {
        let d = self.depth.get();
        if d >= MAX_DEPTH {
            return None;
        }
        self.depth.set(d + 1);
        Some(Level(&self.depth))
    }

    /// The Unknown value for an evaluation that went too deep at `at` (e.g. `local.l700`).
    pub fn too_deep(&self, at: &str, span: Span) -> Value {
        let why = format!(
            "evaluation deeper than {MAX_DEPTH} levels at {}",
            crate::sanitize::excerpt(at)
        );
        // A long chain meets the limit again from each of its links: the first few tell.
        let n = self.deep_notes.get();
        if n < MAX_DEPTH_NOTES {
            self.deep_notes.set(n + 1);
            self.note(why.clone());
        }
        Value::unknown(why, span)
    }

    /// The Unknown value for a cycle; `chain` lists the names from the first to the repeat.
    pub fn cycle(&self, chain: &[&str], span: Span) -> Value {
        let shown: Vec<String> = chain
            .iter()
            .map(|n| crate::sanitize::excerpt(n).into_owned())
            .collect();
        let mut text = shown.join(" -> ");
        if text.len() > 400 {
            let mut cut = 400;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push_str(" ...");
        }
        let why = format!("cycle: {text}");
        self.note(why.clone());
        Value::unknown(why, span)
    }

    /// Count one module instance; false (with a note) past the unit's or the scan's cap.
    pub fn module_instance(&self, what: &str) -> bool {
        let n = self.modules.get() + 1;
        self.modules.set(n);
        if n > MAX_MODULE_INSTANCES {
            if n > MAX_MODULE_INSTANCES + 1 {
                return false;
            }
            self.note(format!(
                "more than {MAX_MODULE_INSTANCES} module instances; `{}` and later module calls are not followed, their resources and outputs are unknown",
                crate::sanitize::excerpt(what)
            ));
            return false;
        }
        if let Err(first) = self.scan.spend_module() {
            if !first {
                return false;
            }
            self.note(format!(
                "more than {} module instances in the scan; `{}` and later module calls are not followed, their resources and outputs are unknown",
                self.scan.module_limit,
                crate::sanitize::excerpt(what)
            ));
            return false;
        }
        true
    }

    /// Spend `units` (approximate bytes) of the unit's and the scan's budget; false once
    /// either is spent.
    pub fn spend(&self, units: u64) -> bool {
        if self.exhausted.get() {
            return false;
        }
        let w = self.work.get() + units;
        self.work.set(w);
        if w > MAX_UNIT_WORK || !self.scan.spend_work(units) {
            self.exhausted.set(true);
            self.note(format!(
                "the values made by evaluation passed the limit of {} MiB; later values are unknown",
                if w > MAX_UNIT_WORK {
                    MAX_UNIT_WORK >> 20
                } else {
                    self.scan.work_limit >> 20
                }
            ));
            return false;
        }
        true
    }

    /// A value about to be kept or reused (`what` names it, e.g. `local.a`): measured and
    /// paid for. Too large, or over budget, it becomes Unknown with a note; of an object,
    /// only the entries at fault do (its keys stay: an attribute that is written is never
    /// taken for one that is absent). Returns the value and its weight, which a cache pays
    /// again on each reuse ([`Meter::reuse`]).
    pub fn admit(&self, v: Value, what: &str) -> (Value, u64) {
        if matches!(&v.kind, ValueKind::Unknown(_))
            && (v.kind == oversized_string() || v.kind == oversized_list())
            && let ValueKind::Unknown(why) = &v.kind
        {
            let why = format!("{} is {why}", crate::sanitize::excerpt(what));
            self.note(why.clone());
            return (Value::unknown(why, v.span), ELEMENT_WEIGHT);
        }
        if matches!(
            v.kind,
            ValueKind::Null
                | ValueKind::Bool(_)
                | ValueKind::Number(_)
                | ValueKind::Ref(_)
                | ValueKind::Unknown(_)
        ) {
            return (v, ELEMENT_WEIGHT);
        }
        let size = measure(&v);
        if let Some(excess) = size.excess() {
            if let ValueKind::Object(entries) = v.kind {
                let mut units = ELEMENT_WEIGHT;
                let entries = entries
                    .into_iter()
                    .map(|(k, e)| {
                        let (e, u) = self.admit(e, &format!("{what}.{k}"));
                        units += u;
                        (k, e)
                    })
                    .collect();
                return (
                    Value {
                        kind: ValueKind::Object(entries),
                        ..v
                    },
                    units,
                );
            }
            let why = format!("{} is {excess}", crate::sanitize::excerpt(what));
            self.note(why.clone());
            return (Value::unknown(why, v.span), ELEMENT_WEIGHT);
        }
        let units = size.units();
        if !self.spend(units) {
            let spent = |span| Value::unknown("the evaluation budget is spent", span);
            let kind = match v.kind {
                ValueKind::Object(entries) => ValueKind::Object(
                    entries
                        .into_iter()
                        .map(|(k, e)| {
                            let u = spent(e.span);
                            (k, u)
                        })
                        .collect(),
                ),
                _ => return (spent(v.span), ELEMENT_WEIGHT),
            };
            return (Value { kind, ..v }, ELEMENT_WEIGHT);
        }
        (v, units)
    }

    /// True once the unit's or the scan's budget is spent: evaluators stop evaluating.
    pub fn spent(&self) -> bool {
        self.exhausted.get()
    }

    /// [`Meter::admit`] without the weight.
    pub fn check(&self, v: Value, what: &str) -> Value {
        self.admit(v, what).0
    }

    /// Pay for reusing a kept value of `units`; false when the budget is spent (the
    /// caller then uses an Unknown instead of a copy).
    pub fn reuse(&self, units: u64) -> bool {
        units <= ELEMENT_WEIGHT || self.spend(units)
    }

    /// The work spent by this unit so far.
    #[cfg(test)]
    pub(crate) fn work_done(&self) -> u64 {
        self.work.get()
    }

    /// A note for verbose output, once.
    pub fn note(&self, msg: String) {
        let msg = if self.unit.is_empty() {
            msg
        } else {
            format!("{}: {msg}", self.unit)
        };
        let mut notes = self.notes.borrow_mut();
        if notes.len() < 100 && !notes.contains(&msg) {
            notes.push(msg);
        }
    }

    /// The notes so far, taken.
    pub fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut *self.notes.borrow_mut())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn sp() -> Span {
        Span::new(FileId(0), 0..0)
    }

    #[test]
    fn depth_is_given_back() {
        let b = Budget::default();
        let m = Meter::new(&b, "");
        {
            let mut levels = Vec::new();
            for _ in 0..MAX_DEPTH {
                levels.push(m.enter().expect("within the limit"));
            }
            assert!(m.enter().is_none());
        }
        assert!(m.enter().is_some());
    }

    #[test]
    fn large_values_become_unknown_with_a_note() {
        let b = Budget::default();
        let m = Meter::new(&b, "main.tf");
        let long = Value::string("x".repeat(MAX_STRING_BYTES + 1), sp());
        let v = m.check(long, "local.a");
        assert!(
            matches!(&v.kind, ValueKind::Unknown(w) if w.contains("local.a") && w.contains("string longer"))
        );
        let many = Value::new(
            ValueKind::List(vec![Value::bool(true, sp()); MAX_ELEMENTS + 1]),
            sp(),
        );
        assert!(m.check(many, "x").is_unknown());
        let fine = Value::new(ValueKind::List(vec![Value::bool(true, sp()); 10]), sp());
        assert!(!m.check(fine, "y").is_unknown());
        assert!(m.take_notes()[0].starts_with("main.tf: local.a is a string longer"));
    }

    #[test]
    fn work_is_bounded_per_unit_and_scan() {
        let b = Budget::default();
        let m = Meter::new(&b, "");
        assert!(m.spend(MAX_UNIT_WORK / 2));
        assert!(!m.spend(MAX_UNIT_WORK));
        assert!(!m.spend(1), "spent stays spent");
        let b = Budget::default();
        let full_units = (0..20)
            .filter(|_| Meter::new(&b, "").spend(MAX_UNIT_WORK))
            .count() as u64;
        assert_eq!(full_units, MAX_SCAN_WORK / MAX_UNIT_WORK);
        // 16 MiB of input add 1 GiB: twice as many units.
        let b = Budget::for_input(1, 16 << 20);
        let full_units = (0..40)
            .filter(|_| Meter::new(&b, "").spend(MAX_UNIT_WORK))
            .count() as u64;
        assert_eq!(full_units, 2 * MAX_SCAN_WORK / MAX_UNIT_WORK);
    }

    #[test]
    fn string_functions_check_the_size_of_their_result_first() {
        let big = "a".repeat(1 << 10);
        assert_eq!(replaced_len("abcab", "ab", "x"), Some(3));
        assert_eq!(replaced_len("ab", "", "-"), Some(5), "-a-b-");
        // Every character replaced by a KiB: past the limit before anything is built.
        assert_eq!(replaced_len(&big.repeat(2), "a", &big), None);
        assert_eq!(replaced_len(&big, "", &big), None);
        assert_eq!(joined_len(&["ab", "c"], ", "), Some(5));
        assert_eq!(joined_len(&vec![big.as_str(); 2000], ""), None);
    }

    #[test]
    fn module_instances_are_capped() {
        let b = Budget::default();
        let m = Meter::new(&b, "");
        let made = (0..MAX_MODULE_INSTANCES + 10)
            .filter(|_| m.module_instance("module.m"))
            .count();
        assert_eq!(made, MAX_MODULE_INSTANCES);
    }
}
