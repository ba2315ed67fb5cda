//! Bicep source into the model. (To be built.)

use crate::config::Config;
use crate::source::{FileId, SourceMap};
use crate::{Loaded, Workspace};

/// Load `.bicep` files (`files`) with `.bicepparam` files (`params`).
pub fn load(
    _ws: &Workspace,
    _sources: &mut SourceMap,
    _files: &[FileId],
    _params: &[FileId],
    _config: &Config,
) -> Loaded {
    Loaded::default()
}
