//! Terraform (HCL) front end: hcl-edit keeps byte spans on every block, attribute and
//! expression.

use hcl_edit::structure::Body;

use crate::finding::Finding;
use crate::rules::parse_error;
use crate::source::{FileId, SourceFile, Span};

/// Parse one `.tf` or `.tfvars` file; a syntax error becomes a LINT001 finding at the
/// parser's position.
pub fn parse(id: FileId, file: &SourceFile) -> Result<Body, Box<Finding>> {
    hcl_edit::parser::parse_body(&file.text).map_err(|e| {
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
            format!("cannot parse Terraform: {}", e.message()),
        ))
    })
}
