//! The one access policy. Handlers ask [`can`]; they never decide on their own.
//!
//! Staff (owners and technicians) see and write everything in their tenant;
//! owners alone manage users and read the audit log. Customers reach only
//! the organizations granted to them — `viewer` reads, `editor` also writes —
//! and never records whose visibility is `staff`.

use crate::Role;

/// Who is asking.
#[derive(Clone, Copy, Debug)]
pub struct Principal {
    /// The user's role in the tenant.
    pub role: Role,
}

/// A customer's access to one organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Reads the documentation.
    Viewer,
    /// Reads and writes the documentation.
    Editor,
}

impl Access {
    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<Access> {
        match text {
            "viewer" => Some(Access::Viewer),
            "editor" => Some(Access::Editor),
            _ => None,
        }
    }

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Viewer => "viewer",
            Access::Editor => "editor",
        }
    }
}

/// Who may see a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// Everyone with access to the organization.
    Everyone,
    /// Owners and technicians only.
    Staff,
}

impl Visibility {
    /// Parses the stored text (anything unknown is treated as `staff`: fail closed).
    pub fn parse(text: &str) -> Visibility {
        if text == "everyone" { Visibility::Everyone } else { Visibility::Staff }
    }

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Everyone => "everyone",
            Visibility::Staff => "staff",
        }
    }
}

/// What is acted on, with what the policy needs to know about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// The tenant as a whole (its users, its audit log, new organizations).
    Tenant,
    /// One organization; `grant` is the asker's grant on it, if any.
    Organization {
        /// The asker's grant.
        grant: Option<Access>,
    },
    /// One documentation record or document of an organization.
    Record {
        /// The asker's grant on the record's organization.
        grant: Option<Access>,
        /// The record's visibility.
        visibility: Visibility,
    },
}

/// What they want to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// See it (a record: that it exists and its plain fields).
    View,
    /// Create something inside it (an organization in the tenant, a record in an organization).
    Create,
    /// Change it.
    Edit,
    /// Archive it.
    Archive,
    /// Show a record's sealed secret.
    Reveal,
    /// Grant or revoke customers' access to an organization.
    ManageAccess,
    /// Invite a customer (into the tenant or an organization).
    InviteCustomer,
    /// See and manage users: invite, re-send, revoke, roles, disable, reset MFA.
    ManageUsers,
    /// Read the audit log.
    ViewAudit,
    /// Define, change and archive the tenant's asset types.
    ManageAssetTypes,
    /// Import another product's export into the tenant.
    Import,
    /// Change the workspace's settings: name, branding, contacts, custom domains.
    ManageWorkspace,
}

/// Whether `principal` may do `action` on `resource`.
pub fn can(principal: &Principal, action: Action, resource: &Resource) -> bool {
    use Action::*;
    use Resource::*;
    let staff = principal.role.is_staff();
    let owner = principal.role == Role::Owner;
    match (action, *resource) {
        (ManageUsers | ViewAudit | ManageAssetTypes | Import | ManageWorkspace, Tenant) => owner,
        (InviteCustomer, Tenant | Organization { .. }) => staff,
        (Create, Tenant) => staff,
        (View, Organization { grant }) => staff || grant.is_some(),
        (Create, Organization { grant }) => staff || grant == Some(Access::Editor),
        (Edit | Archive | ManageAccess, Organization { .. }) => staff,
        (View | Reveal, Record { grant, visibility }) => {
            staff || (grant.is_some() && visibility == Visibility::Everyone)
        }
        (Edit | Archive, Record { grant, visibility }) => {
            staff || (grant == Some(Access::Editor) && visibility == Visibility::Everyone)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every role × action × resource, spelled out: a change of the policy
    /// must change this table.
    #[test]
    fn the_whole_matrix() {
        use Action::*;
        use Role::*;
        let org = |grant| Resource::Organization { grant };
        let rec = |grant, visibility| Resource::Record { grant, visibility };
        let everyone = Visibility::Everyone;
        let staff_only = Visibility::Staff;
        let (v, e) = (Some(Access::Viewer), Some(Access::Editor));
        let resources = [
            Resource::Tenant,
            org(None),
            org(v),
            org(e),
            rec(None, everyone),
            rec(v, everyone),
            rec(e, everyone),
            rec(None, staff_only),
            rec(v, staff_only),
            rec(e, staff_only),
        ];
        let actions = [
            View,
            Create,
            Edit,
            Archive,
            Reveal,
            ManageAccess,
            InviteCustomer,
            ManageUsers,
            ViewAudit,
            ManageAssetTypes,
            Import,
            ManageWorkspace,
        ];
        // One row per role and action; one column per resource above.
        #[rustfmt::skip]
        let table: &[(Role, Action, [bool; 10])] = &[
            //                          tenant org-   org-v  org-e  rec-   rec-v  rec-e  stf-   stf-v  stf-e
            (Owner, View,           [false, true,  true,  true,  true,  true,  true,  true,  true,  true ]),
            (Owner, Create,         [true,  true,  true,  true,  false, false, false, false, false, false]),
            (Owner, Edit,           [false, true,  true,  true,  true,  true,  true,  true,  true,  true ]),
            (Owner, Archive,        [false, true,  true,  true,  true,  true,  true,  true,  true,  true ]),
            (Owner, Reveal,         [false, false, false, false, true,  true,  true,  true,  true,  true ]),
            (Owner, ManageAccess,   [false, true,  true,  true,  false, false, false, false, false, false]),
            (Owner, InviteCustomer, [true,  true,  true,  true,  false, false, false, false, false, false]),
            (Owner, ManageUsers,    [true,  false, false, false, false, false, false, false, false, false]),
            (Owner, ViewAudit,      [true,  false, false, false, false, false, false, false, false, false]),
            (Owner, ManageAssetTypes, [true, false, false, false, false, false, false, false, false, false]),
            (Owner, Import,         [true , false, false, false, false, false, false, false, false, false]),
            (Owner, ManageWorkspace, [true, false, false, false, false, false, false, false, false, false]),
            (Technician, View,           [false, true,  true,  true,  true,  true,  true,  true,  true,  true ]),
            (Technician, Create,         [true,  true,  true,  true,  false, false, false, false, false, false]),
            (Technician, Edit,           [false, true,  true,  true,  true,  true,  true,  true,  true,  true ]),
            (Technician, Archive,        [false, true,  true,  true,  true,  true,  true,  true,  true,  true ]),
            (Technician, Reveal,         [false, false, false, false, true,  true,  true,  true,  true,  true ]),
            (Technician, ManageAccess,   [false, true,  true,  true,  false, false, false, false, false, false]),
            (Technician, InviteCustomer, [true,  true,  true,  true,  false, false, false, false, false, false]),
            (Technician, ManageUsers,    [false, false, false, false, false, false, false, false, false, false]),
            (Technician, ViewAudit,      [false, false, false, false, false, false, false, false, false, false]),
            (Technician, ManageAssetTypes, [false, false, false, false, false, false, false, false, false, false]),
            (Technician, Import,         [false, false, false, false, false, false, false, false, false, false]),
            (Technician, ManageWorkspace, [false, false, false, false, false, false, false, false, false, false]),
            (Customer, View,           [false, false, true,  true,  false, true,  true,  false, false, false]),
            (Customer, Create,         [false, false, false, true,  false, false, false, false, false, false]),
            (Customer, Edit,           [false, false, false, false, false, false, true,  false, false, false]),
            (Customer, Archive,        [false, false, false, false, false, false, true,  false, false, false]),
            (Customer, Reveal,         [false, false, false, false, false, true,  true,  false, false, false]),
            (Customer, ManageAccess,   [false, false, false, false, false, false, false, false, false, false]),
            (Customer, InviteCustomer, [false, false, false, false, false, false, false, false, false, false]),
            (Customer, ManageUsers,    [false, false, false, false, false, false, false, false, false, false]),
            (Customer, ViewAudit,      [false, false, false, false, false, false, false, false, false, false]),
            (Customer, ManageAssetTypes, [false, false, false, false, false, false, false, false, false, false]),
            (Customer, Import,         [false, false, false, false, false, false, false, false, false, false]),
            (Customer, ManageWorkspace, [false, false, false, false, false, false, false, false, false, false]),
        ];
        assert_eq!(table.len(), 3 * actions.len(), "every role and action has a row");
        for (role, action, expected) in table {
            for (resource, allowed) in resources.iter().zip(expected) {
                assert_eq!(
                    can(&Principal { role: *role }, *action, resource),
                    *allowed,
                    "{role:?} {action:?} {resource:?}"
                );
            }
        }
    }
}
