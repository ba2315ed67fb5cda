//! Kubernetes manifests into the model. (To be built.)

use crate::config::Config;
use crate::source::{FileId, SourceMap};
use crate::{Loaded, Workspace};

/// Load Kubernetes YAML files.
pub fn load(
    _ws: &Workspace,
    _sources: &mut SourceMap,
    _files: &[FileId],
    _config: &Config,
) -> Loaded {
    Loaded::default()
}
