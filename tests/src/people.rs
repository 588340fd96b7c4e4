//! Test people: users made through the application's own use cases, without
//! walking the pages each time (the accounts tests walk them in full).

use std::sync::Arc;

use cairn_app::{AccountInput, Caller, Invite, OrganizationRef};
use cairn_auth::{Role, User};
use cairn_tenancy::Tenant;

use crate::{Browser, TestApp};

/// The password every test person has.
pub const TEST_PASSWORD: &str = "Kiesel-Alpaka-Fernrohr-42";

/// Who to make: a role in a tenant, maybe in an organization.
pub struct PersonBuilder<'a> {
    app: &'a TestApp,
    tenant: Arc<Tenant>,
    email: String,
    role: Role,
    organization: Option<String>,
}

/// A signed-in person: MFA enrolled, a full session in a browser.
pub struct TestUser {
    /// A browser on the tenant's host holding the session cookie.
    pub browser: Browser,
    /// The TOTP secret (base32), for signing in again.
    pub secret: String,
    /// The user.
    pub user: User,
    /// The user as a caller of use cases.
    pub caller: Caller,
}

impl TestApp {
    /// A person to make in `tenant` (a technician unless told otherwise).
    pub fn person(&self, tenant: &Tenant, email: &str) -> PersonBuilder<'_> {
        PersonBuilder {
            app: self,
            tenant: Arc::new(tenant.clone()),
            email: email.to_owned(),
            role: Role::Technician,
            organization: None,
        }
    }

    /// A signed-in owner of `tenant`.
    pub async fn with_owner(&self, tenant: &Tenant, email: &str) -> TestUser {
        self.person(tenant, email).role(Role::Owner).signed_in().await
    }

    /// A signed-in customer of `tenant` with access to the organization named `organization`.
    pub async fn with_customer(&self, tenant: &Tenant, email: &str, organization: &str) -> TestUser {
        self.person(tenant, email).role(Role::Customer).in_org(organization).signed_in().await
    }
}

impl PersonBuilder<'_> {
    /// Their role.
    pub fn role(mut self, role: Role) -> Self {
        self.role = role;
        self
    }

    /// Grants them the organization of this name (viewer).
    pub fn in_org(mut self, name: &str) -> Self {
        self.organization = Some(name.to_owned());
        self
    }

    /// Invites, accepts, enrols MFA and signs in through the use cases.
    pub async fn signed_in(self) -> TestUser {
        let app = &self.app.app;
        let tenant = self.tenant;
        let operator = Caller::operator(Arc::clone(&tenant), "test");
        let invite = Invite {
            email: self.email.clone(),
            role: self.role,
            organization: self.organization.map(OrganizationRef::Name),
        };
        let (_, link) = app.invite(&operator, invite).await.expect("invited");
        let token = link.rsplit('/').next().expect("a token").to_owned();
        let account = AccountInput {
            first_name: "Test".into(),
            last_name: "Person".into(),
            password: TEST_PASSWORD.into(),
            password_confirm: TEST_PASSWORD.into(),
        };
        let session = app.accept_invitation(&tenant, token, &account, "127.0.0.1").await.expect("account created");
        let session_token = session.token;
        let enrolling = app.session(&tenant, session_token.clone()).await.expect("session").expect("a live session");
        let enrolment = app.mfa_enrolment(&tenant, &enrolling).await.expect("enrolment");
        let secret = secrecy::ExposeSecret::expose_secret(&enrolment.secret_base32).to_owned();
        let code = cairn_auth::mfa::current_code(&secret).expect("a code");
        // As the next request would: the user now carries the secret to check against.
        let enrolling = app.session(&tenant, session_token).await.expect("session").expect("a live session");
        let full = app.complete_mfa_enrolment(&tenant, &enrolling, &code, "127.0.0.1").await.expect("enrolled");
        let signed = app.session(&tenant, full.token.clone()).await.expect("session").expect("a full session");
        let mut browser = self.app.browser(&tenant.slug);
        browser.cookies.insert("cairn_session".into(), full.token);
        let caller = Caller::user(Arc::clone(&tenant), signed.user.clone(), "127.0.0.1").expect("a caller");
        TestUser { browser, secret, user: signed.user, caller }
    }
}
