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
///
/// Keys sit in every resource and in every reference of an evaluated body, so they are
/// kept small: text in boxed strings, shared folders and file names behind an `Arc`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// A Terraform resource, or one instance of it: the root module's folder and the address
    /// inside it, module instances and the resource's instance included
    /// (`module.net["west"].azurerm_subnet.pe[0]`). `root` is `None` for values evaluated
    /// outside of any module (the literals of a tfvars file).
    Terraform {
        root: Option<Arc<Path>>,
        address: Box<str>,
    },
    /// An ARM resource of one template file (see [`ArmKey`]).
    Arm(Box<ArmKey>),
    /// A Bicep resource: the entry file it was reached from and its path inside it (the
    /// module calls on the way, then the resource's symbolic name: `module net/vnet`).
    Bicep { file: Arc<Path>, path: Box<str> },
    /// A Kubernetes object by `kind/namespace/name` (lower case), and the kustomization that
    /// rendered it, when one did.
    Kubernetes {
        address: Box<str>,
        kustomization: Option<Arc<str>>,
    },
    /// The global key of any Azure resource whose name is known: its ARM type and name.
    /// Literal resource ids and `resourceId(...)` resolve through it.
    TypeName(TypeName),
}

/// An ARM resource of one template file, in one of the deployments the template is
/// evaluated in (`scope`); there it is known by its symbolic name or by its type and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ArmKey {
    pub file: FileId,
    pub scope: ArmScope,
    pub local: ArmLocal,
}

/// A deployment an ARM template is evaluated in: the Bicep module call that evaluates it
/// (a compiled registry module), if any, and the nested deployments inside that (`/<name>`
/// each; empty at the top).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ArmScope {
    pub caller: Option<Key>,
    pub nested: String,
}

/// How an ARM resource is known inside its template and scope.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ArmLocal {
    /// A symbolic name (language version 2.0 templates).
    Symbol(String),
    TypeName(TypeName),
}

/// An ARM resource type and name, both lower case (`microsoft.containerregistry/registries`,
/// `acr`; a child's name is `parent/child`), held as one `type/name` text. Two are equal
/// when that text is, as two resource ids naming the same path are.
#[derive(Clone, Debug)]
pub struct TypeName {
    text: Box<str>,
    /// The length of the type in `text`.
    type_len: u32,
}

impl TypeName {
    /// Both compared case-insensitively: kept lower case.
    pub fn new(arm_type: &str, name: &str) -> TypeName {
        let mut text = String::with_capacity(arm_type.len() + 1 + name.len());
        text.push_str(arm_type);
        text.push('/');
        text.push_str(name);
        text.make_ascii_lowercase();
        TypeName {
            text: text.into_boxed_str(),
            // A type longer than 4 GiB is beyond every size limit of the evaluators.
            type_len: u32::try_from(arm_type.len()).unwrap_or(u32::MAX),
        }
    }

    /// The type, lower case: `microsoft.network/virtualnetworks/subnets`.
    pub fn arm_type(&self) -> &str {
        self.text.get(..self.type_len as usize).unwrap_or_default()
    }

    /// The name, lower case: `vnet/snet`.
    pub fn name(&self) -> &str {
        self.text
            .get(self.type_len as usize + 1..)
            .unwrap_or_default()
    }
}

impl PartialEq for TypeName {
    fn eq(&self, other: &TypeName) -> bool {
        self.text == other.text
    }
}

impl Eq for TypeName {}

impl std::hash::Hash for TypeName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl Key {
    /// The global key of a resource of ARM type `arm_type` named `name` (both compared
    /// case-insensitively).
    pub fn type_name(arm_type: &str, name: &str) -> Key {
        Key::TypeName(TypeName::new(arm_type, name))
    }

    /// The type and name of a global key.
    pub fn as_type_name(&self) -> Option<&TypeName> {
        match self {
            Key::TypeName(t) => Some(t),
            _ => None,
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
            Key::Arm(k) => {
                write!(f, "arm:{}:", k.file.0)?;
                if let Some(caller) = &k.scope.caller {
                    write!(f, "{caller}")?;
                }
                write!(f, "{}:{}", k.scope.nested, k.local)
            }
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
            Key::TypeName(t) => t.fmt(f),
        }
    }
}

impl fmt::Display for ArmLocal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArmLocal::Symbol(s) => f.write_str(s),
            ArmLocal::TypeName(t) => t.fmt(f),
        }
    }
}

impl fmt::Display for TypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "id:{}", self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_name_keys_ignore_case_and_split_type_from_name() {
        let a = Key::type_name("Microsoft.Network/virtualNetworks/subnets", "VNet/snet");
        let b = Key::type_name("microsoft.network/virtualnetworks/subnets", "vnet/SNET");
        assert_eq!(a, b);
        let t = a.as_type_name().unwrap();
        assert_eq!(t.arm_type(), "microsoft.network/virtualnetworks/subnets");
        assert_eq!(t.name(), "vnet/snet");
        assert_eq!(
            a.to_string(),
            "id:microsoft.network/virtualnetworks/subnets/vnet/snet"
        );
        assert!(std::mem::size_of::<Key>() <= 40);
    }

    #[test]
    fn keys_show_as_before_in_notes() {
        let caller = Key::Bicep {
            file: Arc::from(Path::new("/p/main.bicep")),
            path: "module acr".into(),
        };
        let arm = Key::Arm(Box::new(ArmKey {
            file: FileId(3),
            scope: ArmScope {
                caller: Some(caller),
                nested: "/inner".into(),
            },
            local: ArmLocal::Symbol("registry".into()),
        }));
        assert_eq!(
            arm.to_string(),
            "arm:3:bicep:/p/main.bicep:module acr/inner:registry"
        );
        let tf = Key::Terraform {
            root: Some(Arc::from(Path::new("/p/infra"))),
            address: "module.net[\"west\"].azurerm_subnet.pe[0]".into(),
        };
        assert_eq!(
            tf.to_string(),
            "tf:/p/infra:module.net[\"west\"].azurerm_subnet.pe[0]"
        );
    }
}
