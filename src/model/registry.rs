//! Typed view of a container registry, whatever format declared it. Rules read registries
//! only through this view, so each rule is written once for Terraform, ARM and Bicep.

use super::{Format, Kind, Resource, Value};

/// A setting as the deployment would see it.
#[derive(Clone, Debug)]
pub enum Prop<'a, T> {
    /// Written in the source, with a known value.
    Set { value: T, at: &'a Value },
    /// Absent: the provider or API default applies.
    Default { value: T },
    /// Written, but not statically known. Never produces a finding.
    Unknown,
}

impl<T: Copy> Prop<'_, T> {
    pub fn value(&self) -> Option<T> {
        match self {
            Prop::Set { value, .. } | Prop::Default { value } => Some(*value),
            Prop::Unknown => None,
        }
    }
}

/// A registry setting: its state and the native attribute it lives in.
#[derive(Clone, Debug)]
pub struct Setting<'a, T> {
    pub prop: Prop<'a, T>,
    /// The native attribute, as a user would search for it: `admin_enabled`,
    /// `properties.adminUserEnabled`.
    pub native: &'static str,
}

pub struct RegistryView<'a> {
    pub resource: &'a Resource,
}

fn bool_prop(v: Option<&Value>, default: bool) -> Prop<'_, bool> {
    match v {
        None => Prop::Default { value: default },
        Some(v) if matches!(v.kind, super::ValueKind::Null) => Prop::Default { value: default },
        Some(v) => match v.as_bool() {
            Some(b) => Prop::Set { value: b, at: v },
            None => Prop::Unknown,
        },
    }
}

/// ARM `enabled`/`disabled` status strings (compared case-insensitively).
fn status_prop(v: Option<&Value>, default: bool) -> Prop<'_, bool> {
    match v {
        None => Prop::Default { value: default },
        Some(v) if matches!(v.kind, super::ValueKind::Null) => Prop::Default { value: default },
        Some(v) => match v.as_str().map(str::to_ascii_lowercase).as_deref() {
            Some("enabled") => Prop::Set { value: true, at: v },
            Some("disabled") => Prop::Set {
                value: false,
                at: v,
            },
            _ => Prop::Unknown,
        },
    }
}

fn str_prop<'a>(v: Option<&'a Value>) -> Prop<'a, &'a str> {
    match v {
        None => Prop::Unknown,
        Some(v) => match v.as_str() {
            Some(s) => Prop::Set { value: s, at: v },
            None => Prop::Unknown,
        },
    }
}

impl<'a> RegistryView<'a> {
    pub fn of(resource: &'a Resource) -> Option<RegistryView<'a>> {
        (resource.kind == Kind::ContainerRegistry).then_some(RegistryView { resource })
    }

    fn tf(&self) -> bool {
        self.resource.format == Format::Terraform
    }

    /// The value at `path`; an unknown value on the way is returned as it is (the
    /// setting is then unknown, not absent).
    fn at(&self, path: &[&str]) -> Option<&'a Value> {
        let mut v = &self.resource.body;
        for key in path {
            if matches!(
                v.kind,
                super::ValueKind::Unknown(_) | super::ValueKind::Ref(_)
            ) {
                return Some(v);
            }
            v = v.get(key)?;
        }
        Some(v)
    }

    fn setting<T>(&self, prop: Prop<'a, T>, tf: &'static str, arm: &'static str) -> Setting<'a, T> {
        Setting {
            prop,
            native: if self.tf() { tf } else { arm },
        }
    }

    /// The SKU tier name (`Basic`, `Standard`, `Premium`).
    pub fn sku(&self) -> Setting<'a, &'a str> {
        if self.tf() {
            self.setting(str_prop(self.at(&["sku"])), "sku", "")
        } else {
            self.setting(str_prop(self.at(&["sku", "name"])), "", "sku.name")
        }
    }

    pub fn admin_user_enabled(&self) -> Setting<'a, bool> {
        if self.tf() {
            self.setting(
                bool_prop(self.at(&["admin_enabled"]), false),
                "admin_enabled",
                "",
            )
        } else {
            let v = self.at(&["properties", "adminUserEnabled"]);
            self.setting(bool_prop(v, false), "", "properties.adminUserEnabled")
        }
    }

    /// Whether public network access is enabled (azurerm default true, ARM default `Enabled`).
    pub fn public_network_access(&self) -> Setting<'a, bool> {
        if self.tf() {
            let v = self.at(&["public_network_access_enabled"]);
            self.setting(bool_prop(v, true), "public_network_access_enabled", "")
        } else {
            let v = self.at(&["properties", "publicNetworkAccess"]);
            self.setting(status_prop(v, true), "", "properties.publicNetworkAccess")
        }
    }

    /// The network rule set's default action (`Allow` when absent).
    pub fn network_default_action(&self) -> Setting<'a, &'a str> {
        let (path, native): (&[&str], _) = if self.tf() {
            (
                &["network_rule_set", "default_action"],
                "network_rule_set.default_action",
            )
        } else {
            (
                &["properties", "networkRuleSet", "defaultAction"],
                "properties.networkRuleSet.defaultAction",
            )
        };
        let prop = match self.at(path) {
            None => Prop::Default { value: "Allow" },
            Some(v) => str_prop(Some(v)),
        };
        Setting { prop, native }
    }

    pub fn anonymous_pull_enabled(&self) -> Setting<'a, bool> {
        if self.tf() {
            let v = self.at(&["anonymous_pull_enabled"]);
            self.setting(bool_prop(v, false), "anonymous_pull_enabled", "")
        } else {
            let v = self.at(&["properties", "anonymousPullEnabled"]);
            self.setting(bool_prop(v, false), "", "properties.anonymousPullEnabled")
        }
    }

    /// Whether export is allowed (azurerm `export_policy_enabled` default true; ARM
    /// `policies.exportPolicy.status` default `enabled`).
    pub fn export_enabled(&self) -> Setting<'a, bool> {
        if self.tf() {
            let v = self.at(&["export_policy_enabled"]);
            self.setting(bool_prop(v, true), "export_policy_enabled", "")
        } else {
            let v = self.at(&["properties", "policies", "exportPolicy", "status"]);
            self.setting(
                status_prop(v, true),
                "",
                "properties.policies.exportPolicy.status",
            )
        }
    }

    /// Whether untagged manifests are purged by a retention policy.
    pub fn retention_enabled(&self) -> Setting<'a, bool> {
        if self.tf() {
            if let Some(v) = self.at(&["retention_policy_in_days"]) {
                let prop = match v.as_number() {
                    Some(n) => Prop::Set {
                        value: n > 0.0,
                        at: v,
                    },
                    None => Prop::Unknown,
                };
                return self.setting(prop, "retention_policy_in_days", "");
            }
            if let Some(block) = self.at(&["retention_policy"]) {
                let prop = match block.get("enabled") {
                    Some(v) => bool_prop(Some(v), false),
                    // v3: a block without `enabled` keeps it off.
                    None => Prop::Set {
                        value: false,
                        at: block,
                    },
                };
                return self.setting(prop, "retention_policy.enabled", "");
            }
            self.setting(
                Prop::Default { value: false },
                "retention_policy_in_days",
                "",
            )
        } else {
            let v = self.at(&["properties", "policies", "retentionPolicy", "status"]);
            self.setting(
                status_prop(v, false),
                "",
                "properties.policies.retentionPolicy.status",
            )
        }
    }

    /// Content trust; `None` where the provider generation has no such setting (azurerm v5
    /// removed it; a registry that uses neither the v3 block nor the v4 argument is not judged).
    pub fn content_trust_enabled(&self) -> Option<Setting<'a, bool>> {
        if self.tf() {
            if let Some(v) = self.at(&["trust_policy_enabled"]) {
                return Some(self.setting(bool_prop(Some(v), false), "trust_policy_enabled", ""));
            }
            let block = self.at(&["trust_policy"])?;
            let prop = match block.get("enabled") {
                Some(v) => bool_prop(Some(v), false),
                None => Prop::Set {
                    value: false,
                    at: block,
                },
            };
            Some(self.setting(prop, "trust_policy.enabled", ""))
        } else {
            let v = self.at(&["properties", "policies", "trustPolicy", "status"]);
            Some(self.setting(
                status_prop(v, false),
                "",
                "properties.policies.trustPolicy.status",
            ))
        }
    }

    pub fn quarantine_enabled(&self) -> Setting<'a, bool> {
        if self.tf() {
            let v = self.at(&["quarantine_policy_enabled"]);
            self.setting(bool_prop(v, false), "quarantine_policy_enabled", "")
        } else {
            let v = self.at(&["properties", "policies", "quarantinePolicy", "status"]);
            self.setting(
                status_prop(v, false),
                "",
                "properties.policies.quarantinePolicy.status",
            )
        }
    }

    pub fn zone_redundancy_enabled(&self) -> Setting<'a, bool> {
        if self.tf() {
            let v = self.at(&["zone_redundancy_enabled"]);
            self.setting(bool_prop(v, false), "zone_redundancy_enabled", "")
        } else {
            let v = self.at(&["properties", "zoneRedundancy"]);
            self.setting(status_prop(v, false), "", "properties.zoneRedundancy")
        }
    }

    /// The registry's login server host (`<name>.azurecr.io`), when the name is known.
    pub fn login_server(&self) -> Option<String> {
        self.resource
            .name_str()
            .map(|n| format!("{}.azurecr.io", n.to_ascii_lowercase()))
    }

    /// True when the SKU is known to be Premium.
    pub fn is_known_premium(&self) -> bool {
        matches!(self.sku().prop, Prop::Set { value, .. } if value.eq_ignore_ascii_case("premium"))
    }
}
