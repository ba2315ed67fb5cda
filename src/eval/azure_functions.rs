//! The ARM template language's functions, shared by the ARM and Bicep evaluators
//! (Bicep compiles to them, with the same names and semantics). (To be built.)

use crate::model::Value;
use crate::source::Span;

/// Call an ARM/Bicep function by name (case-insensitive) on evaluated arguments.
/// Unknown arguments, deployment-time functions and unknown functions give an Unknown.
pub fn call(name: &str, args: Vec<Value>, span: Span) -> Value {
    let _ = args;
    Value::unknown(format!("`{name}()` is not known statically"), span)
}
