//! Terraform (HCL) front end: hcl-edit keeps byte spans on every block, attribute and
//! expression.

use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;

use crate::finding::Finding;
use crate::rules::parse_error;
use crate::source::{FileId, SourceFile, Span};

/// Parse one `.tf` or `.tfvars` file; a syntax error becomes a LINT001 finding at the
/// parser's position.
pub fn parse(id: FileId, file: &SourceFile) -> Result<Body, Box<Finding>> {
    hcl_edit::parser::parse_body(&file.text).map_err(|e| error(id, file, &e, "Terraform"))
}

/// Parse one file in Terraform's JSON syntax (`.tf.json`, `.tfvars.json`). A JSON object
/// is also an HCL object expression (`"key": value` entries, strings as templates, so
/// `${...}` is interpolation as Terraform reads it), parsed as one with the spans of the
/// file.
pub fn parse_json(id: FileId, file: &SourceFile) -> Result<Expression, Box<Finding>> {
    // Whitespace around the object is not part of an expression: the trailing part is
    // cut, the leading part (with a byte order mark) becomes `(` and spaces, so the object
    // keeps its offsets inside a parenthesis.
    let text = file.text.trim_end();
    let body = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let lead = text.len() - body.len();
    let parsed = if lead == 0 {
        hcl_edit::parser::parse_expr(text)
    } else {
        let mut padded = String::with_capacity(text.len() + 1);
        padded.push('(');
        padded.extend(std::iter::repeat_n(' ', lead - 1));
        padded.push_str(body);
        padded.push(')');
        hcl_edit::parser::parse_expr(&padded).map(|e| match e {
            Expression::Parenthesis(p) => p.into_inner(),
            e => e,
        })
    };
    match parsed {
        Ok(e @ Expression::Object(_)) => Ok(e),
        Ok(_) => Err(Box::new(parse_error::finding(
            Span::new(id, 0..0),
            "cannot parse Terraform JSON: the file is not a JSON object".to_string(),
        ))),
        Err(e) => Err(error(id, file, &e, "Terraform JSON")),
    }
}

fn error(id: FileId, file: &SourceFile, e: &hcl_edit::parser::Error, what: &str) -> Box<Finding> {
    // The parser's offset may fall inside a multi-byte character: step back to its start.
    let mut offset = e.location().offset().min(file.text.len());
    while !file.text.is_char_boundary(offset) {
        offset -= 1;
    }
    let end = file.text[offset..]
        .chars()
        .next()
        .filter(|c| *c != '\n' && *c != '\r')
        .map_or(offset, |c| offset + c.len_utf8());
    Box::new(parse_error::finding(
        Span::new(id, offset..end),
        format!("cannot parse {what}: {}", e.message()),
    ))
}

/// True for the files in Terraform's JSON syntax.
pub fn is_json(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}
