//! Resource identity: the keys that references resolve against.
//!
//! Every loader gives each resource one or more [`Key`]s, and every reference it evaluates
//! (`azurerm_container_registry.acr.id`, Bicep `acr.id`, ARM `resourceId(...)`) names one.
//! [`crate::model::Graph`] finds the resource of a reference by comparing keys as values.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::source::FileId;

/// What identifies a resource to the references that point at it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// A Terraform resource, or one instance of it: the root module's folder and the address
    /// inside it, module instances and the resource's instance included
    /// (`module.net["west"].azurerm_subnet.pe[0]`). `root` is `None` for values evaluated
    /// outside of any module (the literals of a tfvars file).
    Terraform {
        root: Option<Arc<Path>>,
        address: String,
    },
    /// An ARM resource of one template file. `scope` tells apart the deployments the
    /// template is evaluated in: empty at the top, `/<name>` per nested deployment, and for
    /// a compiled template a Bicep module calls, a label of that call first. Within a scope,
    /// a resource is known by its symbolic name or by its type and name.
    Arm {
        file: FileId,
        scope: String,
        local: ArmLocal,
    },
    /// A Bicep resource: the entry file it was reached from and its path inside it (the
    /// module calls on the way, then the resource's symbolic name: `module net/vnet`).
    Bicep { file: Arc<Path>, path: String },
    /// A Kubernetes object by `kind/namespace/name` (lower case), and the kustomization that
    /// rendered it, when one did.
    Kubernetes {
        address: String,
        kustomization: Option<String>,
    },
    /// The global key of any Azure resource whose name is known: its ARM type and name,
    /// both lower case (`microsoft.containerregistry/registries`, `acr`; a child's name is
    /// `parent/child`). Literal resource ids and `resourceId(...)` resolve through it.
    TypeName { arm_type: String, name: String },
}

/// How an ARM resource is known inside its template and scope.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ArmLocal {
    /// A symbolic name (language version 2.0 templates).
    Symbol(String),
    /// Its type and name, lower case.
    TypeName { arm_type: String, name: String },
}

impl Key {
    /// The global key of a resource of ARM type `arm_type` named `name` (both compared
    /// case-insensitively).
    pub fn type_name(arm_type: &str, name: &str) -> Key {
        Key::TypeName {
            arm_type: arm_type.to_ascii_lowercase(),
            name: name.to_ascii_lowercase(),
        }
    }
}

/// For messages and notes only (`a reference to ...`): never parsed.
impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Terraform {
                root: Some(root),
                address,
            } => write!(f, "tf:{}:{address}", root.display()),
            Key::Terraform {
                root: None,
                address,
            } => f.write_str(address),
            Key::Arm { file, scope, local } => write!(f, "arm:{}:{scope}:{local}", file.0),
            Key::Bicep { file, path } => write!(f, "bicep:{}:{path}", file.display()),
            Key::Kubernetes {
                address,
                kustomization,
            } => {
                write!(f, "k8s:{address}")?;
                match kustomization {
                    Some(k) => write!(f, " @{k}"),
                    None => Ok(()),
                }
            }
            Key::TypeName { arm_type, name } => write!(f, "id:{arm_type}/{name}"),
        }
    }
}

impl fmt::Display for ArmLocal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArmLocal::Symbol(s) => f.write_str(s),
            ArmLocal::TypeName { arm_type, name } => write!(f, "id:{arm_type}/{name}"),
        }
    }
}
