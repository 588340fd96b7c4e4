//! Proofs of access: a value that only the policy check can make.

use cairn_auth::policy::{Access, Action};

use crate::AssetError;
use crate::organizations::Organization;

/// Something the asker was found allowed to act on, with what was checked.
/// Only the `authorize` functions of this crate make one, so a function that
/// takes an `Authorized<T>` cannot be reached without the policy's yes.
#[derive(Clone, Debug)]
pub struct Authorized<T> {
    item: T,
    organization: Organization,
    grant: Option<Access>,
    action: Action,
}

impl<T> Authorized<T> {
    pub(crate) fn new(item: T, organization: Organization, grant: Option<Access>, action: Action) -> Self {
        Self { item, organization, grant, action }
    }

    /// The authorized thing.
    pub fn get(&self) -> &T {
        &self.item
    }

    /// Its organization.
    pub fn organization(&self) -> &Organization {
        &self.organization
    }

    /// The asker's grant on the organization (customers), if any.
    pub fn grant(&self) -> Option<Access> {
        self.grant
    }

    /// What the check allowed.
    pub fn action(&self) -> Action {
        self.action
    }

    /// The thing, if this proof was made for `action`; a proof for viewing
    /// never opens a secret.
    pub(crate) fn require(&self, action: Action) -> Result<&T, AssetError> {
        if self.action == action { Ok(&self.item) } else { Err(AssetError::NotFound) }
    }
}
