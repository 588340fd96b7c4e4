//! The one access policy. Handlers ask [`can`]; they never decide on their own.

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
    /// Reads and edits the documentation.
    Editor,
}

/// What they want to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Open an organization, given the asker's grant on it (if any).
    ViewOrganization(Option<Access>),
    /// See the tenant's users and their invitations.
    ListUsers,
    /// Invite, re-send, revoke, change roles, disable, reset MFA.
    ManageUsers,
    /// Invite a customer into an organization.
    InviteCustomer,
    /// Give someone the owner or technician role.
    GrantStaffRole,
}

/// Whether `principal` may do `action`.
pub fn can(principal: &Principal, action: Action) -> bool {
    match action {
        Action::ListUsers | Action::ManageUsers | Action::GrantStaffRole => principal.role == Role::Owner,
        Action::InviteCustomer => principal.role.is_staff(),
        Action::ViewOrganization(grant) => principal.role.is_staff() || grant.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_matrix() {
        use Action::*;
        use Role::*;
        let table = [
            (Owner, ListUsers, true),
            (Owner, ManageUsers, true),
            (Owner, InviteCustomer, true),
            (Owner, GrantStaffRole, true),
            (Technician, ListUsers, false),
            (Technician, ManageUsers, false),
            (Technician, InviteCustomer, true),
            (Technician, GrantStaffRole, false),
            (Customer, ListUsers, false),
            (Customer, ManageUsers, false),
            (Customer, InviteCustomer, false),
            (Customer, GrantStaffRole, false),
            (Owner, ViewOrganization(None), true),
            (Technician, ViewOrganization(None), true),
            (Customer, ViewOrganization(None), false),
            (Customer, ViewOrganization(Some(Access::Viewer)), true),
            (Customer, ViewOrganization(Some(Access::Editor)), true),
        ];
        for (role, action, allowed) in table {
            assert_eq!(can(&Principal { role }, action), allowed, "{role:?} {action:?}");
        }
    }
}
