//! The workspace's own settings, for its owners: name, branding, contacts,
//! privacy notice, logo, custom domains, and the first-run checklist.

use std::sync::Arc;

use cairn_auth::avatar;
use cairn_auth::policy::{Action, Resource, can};
use cairn_auth::{Role, invitations, users};
use cairn_store::audit::Actor;
use cairn_tenancy::domains::{self, CustomDomain};
use cairn_tenancy::{Tenant, TenantChange, settings};

use crate::{App, AppError, Caller, Reason};

/// What the settings page shows.
#[derive(Clone, Debug)]
pub struct WorkspaceSettings {
    /// The workspace as it is now.
    pub tenant: Tenant,
    /// Its custom domains, verified or waiting for their TXT record.
    pub domains: Vec<CustomDomain>,
    /// The host custom domains point at (a CNAME target).
    pub canonical_host: String,
}

/// A new owner's first steps, each ticked once done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checklist {
    /// An organization exists.
    pub organization: bool,
    /// A technician was invited (or is there).
    pub technician: bool,
    /// A customer was invited (or is there).
    pub customer: bool,
    /// A support phone or e-mail is set.
    pub support_contact: bool,
}

impl Checklist {
    /// Whether every step is done.
    pub fn complete(&self) -> bool {
        self.organization && self.technician && self.customer && self.support_contact
    }
}

impl App {
    /// Refuses anyone who may not manage the workspace, as "not found".
    fn workspace_owner(caller: &Caller) -> Result<(), AppError> {
        if can(&caller.principal(), Action::ManageWorkspace, &Resource::Tenant) {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// The workspace's settings (owners).
    pub async fn workspace_settings(&self, caller: &Caller) -> Result<WorkspaceSettings, AppError> {
        Self::workspace_owner(caller)?;
        let slug = cairn_tenancy::TenantSlug::parse(&caller.tenant().slug).map_err(AppError::internal)?;
        let tenant = self.directory().by_slug(&slug).await?;
        let id = tenant.id.clone();
        let domains = self.read(&id, move |tx| Ok(domains::list(tx.conn, tx.tenant)?)).await?;
        let canonical_host = self.public().tenant(&tenant.slug, "");
        let canonical_host = canonical_host.split("://").nth(1).unwrap_or(&canonical_host).trim_end_matches('/');
        let canonical_host = canonical_host.split(':').next().unwrap_or(canonical_host).to_owned();
        Ok(WorkspaceSettings { tenant, domains, canonical_host })
    }

    /// Changes the workspace's details (owners); audited with the fields changed.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn update_workspace(&self, caller: &Caller, change: TenantChange) -> Result<Tenant, AppError> {
        Self::workspace_owner(caller)?;
        let slug = cairn_tenancy::TenantSlug::parse(&caller.tenant().slug).map_err(AppError::internal)?;
        Ok(self.directory().update(&slug, change, caller.actor()).await?)
    }

    /// Sets the workspace's logo from an upload (owners): sniffed, decoded
    /// within limits (a few at a time), fitted and re-encoded as PNG.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), bytes = upload.len()))]
    pub async fn set_logo(&self, caller: &Caller, upload: Vec<u8>) -> Result<(), AppError> {
        Self::workspace_owner(caller)?;
        if upload.len() > avatar::MAX_UPLOAD_BYTES {
            return Err(AppError::invalid("logo", Reason::TooLarge));
        }
        let png = {
            let Ok(_permit) = self.image_decodes.try_acquire() else {
                return Err(AppError::Locked { seconds: 2 });
            };
            self.blocking(move || avatar::process_logo(&upload)).await?.map_err(|e| match AppError::from(e) {
                AppError::Invalid { reason, .. } => AppError::invalid("logo", reason),
                other => other,
            })?
        };
        let actor = caller.actor();
        self.write(&caller.tenant().id, move |tx| Ok(settings::set_logo(tx.conn, tx.tenant, Some(&png), actor)?))
            .await?;
        self.directory().changed().await;
        Ok(())
    }

    /// Removes the workspace's logo (owners).
    pub async fn remove_logo(&self, caller: &Caller) -> Result<(), AppError> {
        Self::workspace_owner(caller)?;
        let actor = caller.actor();
        self.write(&caller.tenant().id, move |tx| Ok(settings::set_logo(tx.conn, tx.tenant, None, actor)?)).await?;
        self.directory().changed().await;
        Ok(())
    }

    /// The workspace's logo (PNG), shown to anyone who reaches its host:
    /// the login page carries it.
    pub async fn logo(&self, tenant: &Arc<Tenant>) -> Result<Vec<u8>, AppError> {
        self.read(&tenant.id, move |tx| settings::logo(tx.conn, tx.tenant)?.ok_or(AppError::NotFound)).await
    }

    /// Adds a custom domain (owners); it answers once its TXT record is verified.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), domain = domain))]
    pub async fn add_custom_domain(&self, caller: &Caller, domain: &str) -> Result<CustomDomain, AppError> {
        Self::workspace_owner(caller)?;
        let domain = self.custom_domain_name(domain)?;
        let (tenant, actor) = (caller.tenant().id.clone(), caller.actor());
        // A platform transaction: a domain is unique across all tenants.
        self.platform(move |conn| Ok(domains::add(conn, &tenant, &domain, false, actor)?)).await
    }

    /// Checks a custom domain's TXT record and, when it holds the token,
    /// lets the workspace answer at the domain (owners).
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn verify_custom_domain(&self, caller: &Caller, id: &str) -> Result<CustomDomain, AppError> {
        Self::workspace_owner(caller)?;
        self.verify_domain_of(&caller.tenant().id, id, true, caller.actor()).await
    }

    /// Removes a custom domain (owners): the workspace stops answering at it.
    pub async fn remove_custom_domain(&self, caller: &Caller, id: &str) -> Result<(), AppError> {
        Self::workspace_owner(caller)?;
        let (id, actor) = (id.to_owned(), caller.actor());
        self.write(&caller.tenant().id, move |tx| {
            let domain = domains::find(tx.conn, tx.tenant, &id)?.ok_or(AppError::NotFound)?;
            Ok(domains::remove(tx.conn, tx.tenant, &domain, actor)?)
        })
        .await?;
        self.directory().changed().await;
        Ok(())
    }

    /// Verifies a tenant's custom domain for an operator: by its TXT record,
    /// or on the operator's word with `check_dns = false`.
    #[tracing::instrument(skip_all, fields(slug = slug, domain = domain, operator = operator))]
    pub async fn verify_tenant_domain(
        &self,
        slug: &str,
        domain: &str,
        check_dns: bool,
        operator: &str,
    ) -> Result<CustomDomain, AppError> {
        let (tenant, _) = self.tenant(slug).await?;
        let domain = self.custom_domain_name(domain)?;
        self.verify_domain_of(&tenant.id, &domain, check_dns, Actor::Operator(operator.to_owned())).await
    }

    /// A name that may be a custom domain: valid, and not under the base domain.
    fn custom_domain_name(&self, domain: &str) -> Result<String, AppError> {
        let domain = domains::parse(domain)?;
        let base = &self.public().base_domain;
        if domain == *base || domain.ends_with(&format!(".{base}")) {
            return Err(AppError::invalid(
                "domain",
                Reason::Text(format!("{domain} is under the base domain {base}; custom domains are other names")),
            ));
        }
        Ok(domain)
    }

    async fn verify_domain_of(
        &self,
        tenant: &cairn_store::TenantId,
        id_or_name: &str,
        check_dns: bool,
        actor: Actor,
    ) -> Result<CustomDomain, AppError> {
        let key = id_or_name.to_owned();
        let domain =
            self.read(tenant, move |tx| domains::find(tx.conn, tx.tenant, &key)?.ok_or(AppError::NotFound)).await?;
        if domain.verified {
            return Ok(domain);
        }
        if check_dns {
            let found = self.txt_records(&domain.record_name()).await;
            if !found.iter().any(|text| text.trim() == domain.record_value()) {
                return Err(AppError::invalid(
                    "domain",
                    Reason::Text(format!(
                        "no TXT record {} with the text {} was found yet; DNS changes can take a while to show",
                        domain.record_name(),
                        domain.record_value()
                    )),
                ));
            }
        }
        let how = if check_dns { "dns" } else { "operator" };
        let verified = domain.clone();
        self.write(tenant, move |tx| Ok(domains::mark_verified(tx.conn, tx.tenant, &verified, how, actor)?)).await?;
        self.directory().changed().await;
        Ok(CustomDomain { verified: true, ..domain })
    }

    /// The TXT records at `name`, through the system's resolver (or the
    /// configured DNS server); none when the lookup fails.
    async fn txt_records(&self, name: &str) -> Vec<String> {
        use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig};
        use hickory_resolver::name_server::TokioConnectionProvider;
        let provider = TokioConnectionProvider::default();
        let builder = match self.onboarding.dns_server {
            Some(server) => {
                let servers = NameServerConfigGroup::from_ips_clear(&[server.ip()], server.port(), true);
                Ok(hickory_resolver::Resolver::builder_with_config(
                    ResolverConfig::from_parts(None, vec![], servers),
                    provider,
                ))
            }
            None => hickory_resolver::Resolver::builder(provider),
        };
        let mut builder = match builder {
            Ok(builder) => builder,
            Err(error) => {
                tracing::warn!(%error, "no DNS resolver configured on this system");
                return Vec::new();
            }
        };
        builder.options_mut().timeout = std::time::Duration::from_secs(3);
        builder.options_mut().attempts = 1;
        builder.options_mut().cache_size = 0;
        match builder.build().txt_lookup(format!("{name}.")).await {
            Ok(found) => found.iter().map(|txt| txt.to_string()).collect(),
            Err(error) => {
                tracing::info!(%error, name, "TXT lookup found nothing");
                Vec::new()
            }
        }
    }

    /// The first-run checklist for an owner who has not put it away; `None`
    /// for everyone else.
    pub async fn checklist(&self, caller: &Caller) -> Result<Option<Checklist>, AppError> {
        if Self::workspace_owner(caller).is_err() || caller.tenant().checklist_dismissed {
            return Ok(None);
        }
        let Some(user) = caller.signed_in_user().cloned() else { return Ok(None) };
        let support_contact = !caller.tenant().support_email.is_empty() || !caller.tenant().support_phone.is_empty();
        self.read(&caller.tenant().id, move |tx| {
            let organization = !cairn_assets::organizations::visible(tx.conn, &user)?.is_empty();
            let people = users::list(tx.conn, tx.tenant)?;
            let pending = invitations::pending(tx.conn, tx.tenant)?;
            let has =
                |role: Role| people.iter().any(|u| u.role == role) || pending.iter().any(|i| i.role == role.as_str());
            Ok(Some(Checklist {
                organization,
                technician: has(Role::Technician),
                customer: has(Role::Customer),
                support_contact,
            }))
        })
        .await
    }

    /// Puts the first-run checklist away for good (owners).
    pub async fn dismiss_checklist(&self, caller: &Caller) -> Result<(), AppError> {
        Self::workspace_owner(caller)?;
        let actor = caller.actor();
        self.write(&caller.tenant().id, move |tx| Ok(settings::dismiss_checklist(tx.conn, tx.tenant, actor)?)).await?;
        self.directory().changed().await;
        Ok(())
    }
}
