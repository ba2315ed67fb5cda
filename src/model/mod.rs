//! The resource graph: resources of every format in one model, with typed views.

pub mod access;
pub mod image;
pub mod key;
pub mod kubernetes;
pub mod network;
pub mod policy;
pub mod registry;
pub mod value;

use std::collections::HashMap;
use std::sync::Arc;

use crate::source::Span;
pub use key::{ArmKey, ArmLocal, ArmScope, Key, TypeName};
pub use value::{Origin, Ref, Str, Value, ValueKind};

/// The format a resource was declared in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Terraform,
    Arm,
    Bicep,
    Kubernetes,
}

impl Format {
    /// ARM JSON and Bicep share the ARM resource shape (`sku.name`, `properties.*`).
    pub fn is_azure_resource_manager(self) -> bool {
        matches!(self, Format::Arm | Format::Bicep)
    }
}

/// What a resource is, independent of the format it was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    ContainerRegistry,
    RegistryReplication,
    PrivateEndpoint,
    /// An ARM `privateEndpoints/privateDnsZoneGroups` child declared as its own resource.
    PrivateDnsZoneGroup,
    PrivateDnsZone,
    PrivateDnsZoneVnetLink,
    VirtualNetwork,
    Subnet,
    KubernetesCluster,
    RoleAssignment,
    DiagnosticSetting,
    PolicyAssignment,
    /// An Azure Policy definition: one declared in the scan, or a Terraform lookup of one
    /// (`data "azurerm_policy_definition"`), read for what it names.
    PolicyDefinition,
    /// An Azure Policy initiative: read for the definitions it contains.
    PolicySetDefinition,
    /// A Kubernetes object (workload, policy, anything with apiVersion + kind).
    KubernetesObject,
    Other,
}

impl Kind {
    /// The kind of a Terraform resource type.
    pub fn from_terraform(ty: &str) -> Kind {
        match ty {
            "azurerm_container_registry" => Kind::ContainerRegistry,
            "azurerm_private_endpoint" => Kind::PrivateEndpoint,
            "azurerm_private_dns_zone" => Kind::PrivateDnsZone,
            "azurerm_private_dns_zone_virtual_network_link" => Kind::PrivateDnsZoneVnetLink,
            "azurerm_virtual_network" => Kind::VirtualNetwork,
            "azurerm_subnet" => Kind::Subnet,
            "azurerm_kubernetes_cluster" => Kind::KubernetesCluster,
            "azurerm_role_assignment" => Kind::RoleAssignment,
            "azurerm_monitor_diagnostic_setting" => Kind::DiagnosticSetting,
            "azurerm_resource_policy_assignment"
            | "azurerm_resource_group_policy_assignment"
            | "azurerm_subscription_policy_assignment"
            | "azurerm_management_group_policy_assignment"
            | "azurerm_policy_assignment" => Kind::PolicyAssignment,
            "azurerm_policy_definition" => Kind::PolicyDefinition,
            "azurerm_policy_set_definition" => Kind::PolicySetDefinition,
            _ => Kind::Other,
        }
    }

    /// The kind of an ARM resource type (full type, e.g. `Microsoft.Network/privateEndpoints`).
    pub fn from_arm(ty: &str) -> Kind {
        match ty.to_ascii_lowercase().as_str() {
            "microsoft.containerregistry/registries" => Kind::ContainerRegistry,
            "microsoft.containerregistry/registries/replications" => Kind::RegistryReplication,
            "microsoft.network/privateendpoints" => Kind::PrivateEndpoint,
            "microsoft.network/privateendpoints/privatednszonegroups" => Kind::PrivateDnsZoneGroup,
            "microsoft.network/privatednszones" => Kind::PrivateDnsZone,
            "microsoft.network/privatednszones/virtualnetworklinks" => Kind::PrivateDnsZoneVnetLink,
            "microsoft.network/virtualnetworks" => Kind::VirtualNetwork,
            "microsoft.network/virtualnetworks/subnets" => Kind::Subnet,
            "microsoft.containerservice/managedclusters" => Kind::KubernetesCluster,
            "microsoft.authorization/roleassignments" => Kind::RoleAssignment,
            "microsoft.insights/diagnosticsettings" => Kind::DiagnosticSetting,
            "microsoft.authorization/policyassignments" => Kind::PolicyAssignment,
            "microsoft.authorization/policydefinitions" => Kind::PolicyDefinition,
            "microsoft.authorization/policysetdefinitions" => Kind::PolicySetDefinition,
            _ => Kind::Other,
        }
    }
}

/// How many instances a declaration makes, when it is a loop.
#[derive(Clone, Debug, PartialEq, Hash)]
pub struct Instances {
    /// The loop as written: `count = var.n`, `for_each = var.regions`, `copy: acrLoop`.
    pub describe: String,
    pub span: Span,
}

/// A resource's place in [`Graph::resources`]: how rules and views tell resources apart
/// (set by [`Graph::new`]; a resource not yet in a graph has id 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceId(pub u32);

impl ResourceId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One declared resource, in any format.
#[derive(Clone, Debug)]
pub struct Resource {
    /// Its index in the graph (see [`ResourceId`]).
    pub id: ResourceId,
    pub kind: Kind,
    pub format: Format,
    /// The native type: `azurerm_container_registry`, `Microsoft.ContainerRegistry/registries`,
    /// or `apps/v1/Deployment` for Kubernetes.
    pub native_type: String,
    /// How the user names it: `azurerm_container_registry.acr`,
    /// `module.acr.azurerm_container_registry.this`, a Bicep symbolic name, an ARM name expression.
    pub address: String,
    /// Identity keys that references resolve against (see [`Key`]). An Azure resource
    /// whose name is known also gets the global [`Key::TypeName`].
    pub keys: Vec<Key>,
    /// The declaration's head (`resource "azurerm_container_registry" "acr"`, the ARM
    /// `type`, the Bicep `resource acr '...'` line): where findings about absent
    /// attributes point.
    pub span: Span,
    /// The evaluated body: Terraform arguments and blocks, or the ARM resource object
    /// (`sku`, `properties`, ...), or the Kubernetes object.
    pub body: Value,
    /// The resource's name, when known (`name` argument, ARM `name`).
    pub name: Option<Value>,
    /// Set when the declaration is a loop (`count`, `for_each`, `copy`, Bicep `for`).
    pub instances: Option<Instances>,
    /// Where a module call brought this resource in: the call sites, outermost first.
    pub via: Vec<Origin>,
    /// A reference to a resource deployed elsewhere (Bicep/ARM `existing`): a graph node
    /// for edges, never judged by rules about its settings.
    pub existing: bool,
}

impl Resource {
    /// The known string value of `name`.
    pub fn name_str(&self) -> Option<&str> {
        self.name.as_ref().and_then(Value::as_str)
    }

    /// The file of the outermost declaration: the resource's own file, or the file of the
    /// first module call that brought it in.
    pub fn entry_file(&self) -> crate::source::FileId {
        self.via.first().map_or(self.span.file, |o| o.span.file)
    }
}

/// A unit's resources as a session keeps them (a Terraform root module, an ARM template, a
/// Kubernetes manifest): the graphs of the analyses that reuse the unit share them instead
/// of each holding a copy. Their ids run on from the first; a graph that places them
/// elsewhere numbers a copy and keeps that one for the next analysis.
#[derive(Debug)]
pub struct Kept {
    resources: std::sync::Mutex<Arc<Vec<Resource>>>,
    /// What the session's fingerprints take from these resources, computed once.
    pub(crate) print: std::sync::OnceLock<PartPrint>,
}

/// A fingerprint of some resources (ids aside): of their identities, of what the graph's
/// [`Index`] reads of them, and per kind of those of that kind whole (see
/// `session::Fingerprints`).
#[derive(Debug)]
pub(crate) struct PartPrint {
    pub(crate) identity: u64,
    pub(crate) index: u64,
    pub(crate) by_kind: Vec<(Kind, u64)>,
}

impl Kept {
    pub fn new(mut resources: Vec<Resource>) -> Kept {
        resources.shrink_to_fit();
        number(&mut resources, 0);
        Kept {
            resources: std::sync::Mutex::new(Arc::new(resources)),
            print: std::sync::OnceLock::new(),
        }
    }

    /// The resources numbered from `first`.
    fn numbered(&self, first: usize) -> Arc<Vec<Resource>> {
        let mut kept = self
            .resources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.first().is_some_and(|r| r.id != id_at(first)) {
            // Copied only when an earlier analysis's graph still holds these.
            let copy: &mut Vec<Resource> = Arc::make_mut(&mut kept);
            number(copy, first);
        }
        kept.clone()
    }
}

/// Resources in a graph's order: owned by the analysis, or kept by a session.
#[derive(Clone, Debug)]
pub enum Part {
    Owned(Vec<Resource>),
    Kept(Arc<Kept>),
}

impl Part {
    /// Run `f` over the resources.
    pub fn with<R>(&self, f: impl FnOnce(&[Resource]) -> R) -> R {
        match self {
            Part::Owned(v) => f(v),
            Part::Kept(k) => {
                let run = k
                    .resources
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .clone();
                f(&run)
            }
        }
    }
}

fn id_at(i: usize) -> ResourceId {
    // Past 4 billion resources (beyond any machine's memory) ids would repeat.
    ResourceId(u32::try_from(i).unwrap_or(u32::MAX))
}

fn number(resources: &mut [Resource], first: usize) {
    for (i, r) in resources.iter_mut().enumerate() {
        r.id = id_at(first + i);
    }
}

/// The resources of a graph, indexed by [`ResourceId`]: one run, or (through a session)
/// runs shared with other analyses.
#[derive(Debug, Default)]
pub struct Resources {
    parts: Vec<Run>,
    /// Per resource, its part and place in it; empty when there is one part.
    at: Vec<(u32, u32)>,
}

impl Resources {
    pub fn len(&self) -> usize {
        match self.parts.as_slice() {
            [(only, _)] => only.len(),
            _ => self.at.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<&Resource> {
        if self.at.is_empty() {
            self.parts.first()?.0.get(i)
        } else {
            let &(p, j) = self.at.get(i)?;
            self.parts[p as usize].0.get(j as usize)
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        self.parts.iter().flat_map(run_of)
    }

    /// The runs in order, each with the session's record when a session keeps it.
    pub(crate) fn parts(&self) -> impl Iterator<Item = (&[Resource], Option<&Kept>)> {
        self.parts.iter().map(|(p, k)| (p.as_slice(), k.as_deref()))
    }
}

impl std::ops::Index<usize> for Resources {
    type Output = Resource;

    fn index(&self, i: usize) -> &Resource {
        if self.at.is_empty() {
            &self.parts[0].0[i]
        } else {
            let (p, j) = self.at[i];
            &self.parts[p as usize].0[j as usize]
        }
    }
}

type Run = (Arc<Vec<Resource>>, Option<Arc<Kept>>);

fn run_of(run: &Run) -> std::slice::Iter<'_, Resource> {
    run.0.iter()
}

/// The resources of a graph in order.
pub type Iter<'a> = std::iter::FlatMap<
    std::slice::Iter<'a, Run>,
    std::slice::Iter<'a, Resource>,
    fn(&'a Run) -> std::slice::Iter<'a, Resource>,
>;

impl<'a> IntoIterator for &'a Resources {
    type Item = &'a Resource;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// All resources of an analysis, with lookup by identity key.
#[derive(Debug, Default)]
pub struct Graph {
    pub resources: Resources,
    index: Arc<Index>,
}

/// How a graph finds its resources. It reads only each resource's kind, keys, name and
/// file, and its place: a session reuses it while those stay the same.
#[derive(Debug, Default)]
pub struct Index {
    by_key: Map<Key, Vec<usize>>,
    /// Resources by kind and lower-case name.
    by_name: Map<(Kind, String), Vec<usize>>,
    /// Resources by kind: rules look up kinds inside loops over other resources.
    by_kind: Map<Kind, Vec<usize>>,
    /// Child resources (`parent/child` names) by kind and lower-case parent name.
    by_parent: Map<(Kind, String), Vec<usize>>,
}

impl Index {
    fn of(resources: &Resources) -> Index {
        let mut by_key: Map<Key, Vec<usize>> =
            Map::with_capacity_and_hasher(resources.len(), Default::default());
        let mut by_name: Map<(Kind, String), Vec<usize>> =
            Map::with_capacity_and_hasher(resources.len(), Default::default());
        let mut by_kind: Map<Kind, Vec<usize>> = Map::default();
        let mut by_parent: Map<(Kind, String), Vec<usize>> = Map::default();
        for (i, r) in resources.iter().enumerate() {
            for k in &r.keys {
                // A global `type/name` key is shared by every project that reuses the name:
                // copied once, not per resource.
                match by_key.get_mut(k) {
                    Some(v) => v.push(i),
                    None => {
                        by_key.insert(k.clone(), vec![i]);
                    }
                }
            }
            by_kind.entry(r.kind).or_default().push(i);
            if let Some(n) = r.name_str() {
                let lower = n.to_ascii_lowercase();
                if let Some((parent, _)) = lower.split_once('/') {
                    by_parent
                        .entry((r.kind, parent.to_string()))
                        .or_default()
                        .push(i);
                }
                by_name.entry((r.kind, lower)).or_default().push(i);
            }
        }
        // Buckets sorted by file: "the one in the same file" is a binary search, also when
        // hundreds of projects of a monorepo declare the same name.
        let by_file = |v: &mut Vec<usize>| v.sort_unstable_by_key(|&i| (resources[i].span.file, i));
        by_key.values_mut().for_each(by_file);
        by_name.values_mut().for_each(by_file);
        Index {
            by_key,
            by_name,
            by_kind,
            by_parent,
        }
    }
}

impl Resources {
    /// Resources in runs (numbered in order): those a session keeps are shared.
    pub fn of_parts(parts: Vec<Part>) -> Resources {
        let mut runs = Vec::with_capacity(parts.len());
        let mut total = 0;
        for part in parts {
            let run = match part {
                Part::Owned(mut v) => {
                    // Loaders append file by file; the graph lives for the whole run.
                    v.shrink_to_fit();
                    number(&mut v, total);
                    (Arc::new(v), None)
                }
                Part::Kept(k) => (k.numbered(total), Some(k)),
            };
            if !run.0.is_empty() || runs.is_empty() {
                total += run.0.len();
                runs.push(run);
            }
        }
        let mut at = Vec::new();
        if runs.len() > 1 {
            at.reserve_exact(total);
            for (p, (run, _)) in runs.iter().enumerate() {
                let p = u32::try_from(p).unwrap_or(u32::MAX);
                at.extend((0..run.len()).map(|j| (p, u32::try_from(j).unwrap_or(u32::MAX))));
            }
        }
        Resources { parts: runs, at }
    }
}

/// The graph's indexes: a fast hash, seeded per map.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// What a reference points to.
#[derive(Debug)]
pub enum Target<'a> {
    Resource(&'a Resource),
    /// A reference whose target is not in the graph or not statically known.
    Unknown,
    /// Not a reference at all (absent, null, a literal that names nothing).
    None,
}

impl Graph {
    pub fn new(resources: Vec<Resource>) -> Graph {
        Graph::of_parts(vec![Part::Owned(resources)])
    }

    /// The graph of resources in runs: those a session keeps are shared, not copied.
    pub fn of_parts(parts: Vec<Part>) -> Graph {
        Graph::with_index(Resources::of_parts(parts), None)
    }

    /// The graph of these resources, with `index` when it was built over resources of the
    /// same kinds, keys, names and files in the same places (else a new one).
    pub fn with_index(resources: Resources, index: Option<Arc<Index>>) -> Graph {
        let index = index.unwrap_or_else(|| Arc::new(Index::of(&resources)));
        Graph { resources, index }
    }

    /// The graph's index, to reuse ([`Graph::with_index`]).
    pub fn index(&self) -> &Arc<Index> {
        &self.index
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Resource> {
        self.indexed(self.index.by_kind.get(&kind))
    }

    /// The resources of a kind named `parent/...` (ARM child resources declared on their own).
    pub fn children(&self, kind: Kind, parent: &str) -> impl Iterator<Item = &Resource> {
        self.indexed(
            self.index
                .by_parent
                .get(&(kind, parent.to_ascii_lowercase())),
        )
    }

    /// The resource with an id of this graph.
    pub fn get(&self, id: ResourceId) -> Option<&Resource> {
        self.resources.get(id.index())
    }

    fn indexed<'a>(&'a self, at: Option<&'a Vec<usize>>) -> impl Iterator<Item = &'a Resource> {
        at.into_iter().flatten().map(|&i| &self.resources[i])
    }

    /// The resources of a kind that the scanned files deploy (not `existing` references):
    /// the ones rules judge.
    pub fn declared(&self, kind: Kind) -> impl Iterator<Item = &Resource> {
        self.of_kind(kind).filter(|r| !r.existing)
    }

    pub fn by_key(&self, key: &Key) -> Option<&Resource> {
        self.first(self.index.by_key.get(key)?.iter())
    }

    /// The resource with a key; when several have it (the same name in two projects of
    /// one scan), the one declared in the same file as `near`, else in the same folder.
    pub fn by_key_near(&self, key: &Key, near: &Resource) -> Option<&Resource> {
        let candidates = self.index.by_key.get(key)?;
        if let [only] = candidates.as_slice() {
            return Some(&self.resources[*only]);
        }
        self.in_file(candidates, near.span.file)
            .or_else(|| {
                let entry = near.entry_file();
                self.first(
                    candidates
                        .iter()
                        .filter(|&&i| self.resources[i].entry_file() == entry),
                )
            })
            .or_else(|| self.first(candidates.iter()))
    }

    /// The first declared (lowest index) of some resources.
    fn first<'a>(&self, indices: impl Iterator<Item = &'a usize>) -> Option<&Resource> {
        indices.min().map(|&i| &self.resources[i])
    }

    /// The first declared resource of a bucket (sorted by file) that is in `file`.
    fn in_file(&self, bucket: &[usize], file: crate::source::FileId) -> Option<&Resource> {
        let at = bucket.partition_point(|&i| self.resources[i].span.file < file);
        bucket
            .get(at)
            .map(|&i| &self.resources[i])
            .filter(|r| r.span.file == file)
    }

    /// The resources of a kind with a known name (names compared case-insensitively), sorted
    /// by file.
    fn all_named(&self, kind: Kind, name: &str) -> &[usize] {
        self.index
            .by_name
            .get(&(kind, name.to_ascii_lowercase()))
            .map_or(&[], Vec::as_slice)
    }

    /// The resource of a kind with a known name (names compared case-insensitively).
    pub fn named(&self, kind: Kind, name: &str) -> Option<&Resource> {
        self.first(self.all_named(kind, name).iter())
    }

    /// Like [`Graph::named`], preferring a resource declared in the same file as `near`
    /// (names are only unique within a deployment; separate projects may reuse them).
    pub fn named_near(&self, kind: Kind, name: &str, near: &Resource) -> Option<&Resource> {
        let found = self.all_named(kind, name);
        self.in_file(found, near.span.file)
            .or_else(|| self.first(found.iter()))
    }

    /// The resource a scan declares for `r`: `r` itself, or for an `existing` reference to
    /// a registry the registry of that name that the scan deploys (the usual Bicep module
    /// pattern: the registry a deployment creates, referred to again by name). Unknown for
    /// such a reference whose name is not known (it may be any); one that names nothing
    /// declared stays itself. Only registries: their names are unique in all of Azure (the
    /// login server), where a DNS zone or a network of the same name in another resource
    /// group is another resource.
    pub fn declared_for<'a>(&'a self, r: &'a Resource) -> Target<'a> {
        if !r.existing || r.kind != Kind::ContainerRegistry {
            return Target::Resource(r);
        }
        let Some(name) = r.name_str() else {
            return Target::Unknown;
        };
        let found = self.all_named(r.kind, name);
        let declared = |i: &&usize| !self.resources[**i].existing;
        // The one of the same deployment first (names are unique only within one).
        found
            .iter()
            .filter(declared)
            .find(|&&i| self.resources[i].entry_file() == r.entry_file())
            .or_else(|| found.iter().find(declared))
            .map_or(Target::Resource(r), |&i| {
                Target::Resource(&self.resources[i])
            })
    }

    /// What a value that should identify a resource reaches among the resources the scan
    /// declares: one of them ([`Graph::target`], an `existing` reference standing for the
    /// declared resource of its name), none of them (absent, null, or an id or reference
    /// that names a resource the scan does not declare), or not known (a value not known
    /// statically, which may be any).
    pub fn reach(&self, v: Option<&Value>, near: &Resource) -> Target<'_> {
        match self.target(v, near) {
            Target::Resource(t) => self.declared_for(t),
            _ if v.is_some_and(|v| v.as_ref().is_none() && v.has_unknown()) => Target::Unknown,
            _ => Target::None,
        }
    }

    /// Resolve a value that should identify a resource: a [`Ref`], or a literal ARM
    /// resource id (`/subscriptions/.../providers/Microsoft.X/y/name`).
    /// `near` is the resource the value belongs to: it decides between resources of the
    /// same name in separate projects of one scan.
    pub fn target(&self, v: Option<&Value>, near: &Resource) -> Target<'_> {
        let Some(v) = v else { return Target::None };
        match &v.kind {
            ValueKind::Ref(r) => self
                .by_key_near(&r.target, near)
                .map_or(Target::Unknown, Target::Resource),
            ValueKind::String(s) => match arm_id_key(s) {
                Some(key) => self
                    .by_key_near(&key, near)
                    .map_or(Target::Unknown, Target::Resource),
                None => Target::None,
            },
            ValueKind::Null => Target::None,
            _ => Target::Unknown,
        }
    }
}

/// The global key of a literal ARM resource id, from its last provider segment; also of
/// the relative form `Microsoft.X/type/name` that extension resources use as `scope`.
pub fn arm_id_key(id: &str) -> Option<Key> {
    let lower = id.to_ascii_lowercase();
    let rest = match lower.rfind("/providers/") {
        Some(at) => &id[at + "/providers/".len()..],
        None if !id.starts_with('/') && id.split('/').next()?.contains('.') => id,
        None => return None,
    };
    let parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    if parts.len() < 3 || parts.len().is_multiple_of(2) {
        return None;
    }
    let mut ty = parts[0].to_string();
    let mut names = Vec::new();
    for pair in parts[1..].chunks(2) {
        ty.push('/');
        ty.push_str(pair[0]);
        names.push(pair[1]);
    }
    Some(Key::type_name(&ty, &names.join("/")))
}
