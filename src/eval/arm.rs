//! ARM JSON templates (and parameter files) into the model. (To be built.)

use crate::config::Config;
use crate::source::{FileId, SourceMap};
use crate::{Loaded, Workspace};

/// Load ARM templates (`templates`) with their parameter files (`parameters`).
pub fn load(
    _ws: &Workspace,
    _sources: &mut SourceMap,
    _templates: &[FileId],
    _parameters: &[FileId],
    _config: &Config,
) -> Loaded {
    Loaded::default()
}
