//! The mails Cairn sends, in German (informal "Du") and English.
//!
//! Every mail has one layout (branded header, heading, paragraphs, an
//! optional button with the link spelled out, notes, the MSP's support line)
//! rendered twice: as HTML and as plain text.

use askama::Template;
use cairn_tenancy::{Locale, Tenant};
use chrono::NaiveDateTime;

use crate::MailError;

/// What a mail says; rendered per recipient language at enqueue time.
#[derive(Clone, Debug)]
pub enum MailContent {
    /// "Accept invitation": the seed's first step.
    Invitation {
        /// Who invited (a name, or the MSP's name).
        inviter: String,
        /// The customer organization the invitation grants, if any.
        organization: Option<String>,
        /// The single-use link on the tenant's host.
        link: String,
        /// When the link expires (UTC).
        expires_at: NaiveDateTime,
    },
    /// A link to choose a new password.
    PasswordReset {
        /// The single-use link on the tenant's host.
        link: String,
        /// When the link expires (UTC).
        expires_at: NaiveDateTime,
    },
    /// The account's MFA was reset or changed.
    MfaChanged {
        /// Whether MSP staff reset it (else the user changed it).
        by_staff: bool,
    },
    /// Wrong codes after the right password locked the account's second
    /// factor for a while (to the account's owner).
    SecondFactorLocked,
    /// The operator's test mail.
    Test,
    /// "Confirm your address" after a sign-up on the apex (to the future owner).
    SignupConfirmation {
        /// The single-use link on the apex.
        link: String,
        /// When the link expires (UTC).
        expires_at: NaiveDateTime,
    },
    /// The new workspace is ready: the link sets up the first owner's account.
    WorkspaceReady {
        /// The owner's single-use invitation link on the tenant's host.
        link: String,
        /// When the link expires (UTC).
        expires_at: NaiveDateTime,
    },
    /// The weekly list of what expires soon (to the MSP's owners and technicians).
    ExpirationDigest {
        /// What expires: (date, what, organization), soonest first.
        items: Vec<(chrono::NaiveDate, String, String)>,
        /// How many days ahead the list looks.
        days: i64,
        /// The expirations page on the tenant's host.
        link: String,
    },
    /// Someone asks the MSP for access to their documentation (to the MSP's staff).
    AccessRequest {
        /// Who asks.
        name: String,
        /// Their address (the mail's Reply-To).
        email: String,
        /// Their company.
        company: String,
        /// What they wrote.
        message: String,
    },
}

/// The `src` of the logo in a mail's HTML: the worker attaches the tenant's
/// logo under this content id, inline (clients show no remote images by default).
pub const LOGO_SRC: &str = "cid:cairn-logo";

/// A rendered mail.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

#[derive(Template)]
#[template(path = "layout.html")]
struct HtmlLayout<'a> {
    lang: &'a str,
    subject: &'a str,
    accent: &'a str,
    tenant_name: &'a str,
    logo: bool,
    heading: &'a str,
    paragraphs: &'a [String],
    button: Option<(&'a str, &'a str)>,
    link_hint: &'a str,
    notes: &'a [String],
    support_line: &'a str,
}

#[derive(Template)]
#[template(path = "layout.txt")]
struct TextLayout<'a> {
    tenant_name: &'a str,
    heading: &'a str,
    paragraphs: &'a [String],
    button: Option<(&'a str, &'a str)>,
    notes: &'a [String],
    support_line: &'a str,
}

/// The parts of one mail before layout.
struct Parts {
    subject: String,
    heading: String,
    paragraphs: Vec<String>,
    button: Option<(String, String)>,
    notes: Vec<String>,
}

impl MailContent {
    /// A short name of the mail's kind, stored with it.
    pub fn kind(&self) -> &'static str {
        match self {
            MailContent::Invitation { .. } => "invitation",
            MailContent::PasswordReset { .. } => "password_reset",
            MailContent::MfaChanged { .. } => "mfa_changed",
            MailContent::SecondFactorLocked => "second_factor_locked",
            MailContent::Test => "test",
            MailContent::AccessRequest { .. } => "access_request",
            MailContent::ExpirationDigest { .. } => "expiration_digest",
            MailContent::SignupConfirmation { .. } => "signup_confirmation",
            MailContent::WorkspaceReady { .. } => "workspace_ready",
        }
    }

    /// When the mail's link stops working, if it carries one.
    pub fn links_expire_at(&self) -> Option<NaiveDateTime> {
        match self {
            MailContent::Invitation { expires_at, .. }
            | MailContent::PasswordReset { expires_at, .. }
            | MailContent::SignupConfirmation { expires_at, .. }
            | MailContent::WorkspaceReady { expires_at, .. } => Some(*expires_at),
            _ => None,
        }
    }

    /// Where replies should go instead of the MSP's support address, if anywhere.
    pub fn reply_to(&self) -> Option<&str> {
        match self {
            MailContent::AccessRequest { email, .. } => Some(email),
            _ => None,
        }
    }

    /// Renders the mail for `tenant` in `locale`.
    pub fn render(&self, tenant: &Tenant, locale: Locale) -> Result<Rendered, MailError> {
        let parts = self.parts(tenant, locale);
        let support_line = support_line(tenant, locale);
        let link_hint = match locale {
            Locale::De => "Falls der Knopf nicht funktioniert, kopiere diesen Link in Deinen Browser:",
            Locale::En => "If the button does not work, copy this link into your browser:",
        };
        let button = parts.button.as_ref().map(|(label, url)| (label.as_str(), url.as_str()));
        let html = HtmlLayout {
            lang: locale.as_str(),
            subject: &parts.subject,
            accent: &tenant.accent_color,
            tenant_name: &tenant.name,
            logo: tenant.logo_version.is_some(),
            heading: &parts.heading,
            paragraphs: &parts.paragraphs,
            button,
            link_hint,
            notes: &parts.notes,
            support_line: &support_line,
        }
        .render()
        .map_err(|e| MailError::Template(e.to_string()))?;
        let text = TextLayout {
            tenant_name: &tenant.name,
            heading: &parts.heading,
            paragraphs: &parts.paragraphs,
            button,
            notes: &parts.notes,
            support_line: &support_line,
        }
        .render()
        .map_err(|e| MailError::Template(e.to_string()))?;
        Ok(Rendered { subject: parts.subject, text, html })
    }

    fn parts(&self, tenant: &Tenant, locale: Locale) -> Parts {
        let name = &tenant.name;
        let de = locale == Locale::De;
        match self {
            MailContent::Invitation { inviter, organization, link, expires_at } => {
                let expiry = format_time(*expires_at, tenant, locale);
                let what = match (organization, de) {
                    (Some(org), true) => {
                        format!("{inviter} lädt Dich ein, die IT-Dokumentation von {org} bei {name} zu lesen.")
                    }
                    (Some(org), false) => {
                        format!("{inviter} invites you to read the IT documentation of {org} at {name}.")
                    }
                    (None, true) => format!("{inviter} lädt Dich zur IT-Dokumentation von {name} ein."),
                    (None, false) => format!("{inviter} invites you to the IT documentation of {name}."),
                };
                let (subject, heading, steps, button, until) = if de {
                    (
                        format!("Einladung zur IT-Dokumentation von {name}"),
                        "Du bist eingeladen".to_owned(),
                        "Klicke auf «Einladung annehmen», lege Dein Konto an und richte die Zwei-Faktor-Anmeldung mit einer App wie Microsoft Authenticator ein.".to_owned(),
                        "Einladung annehmen".to_owned(),
                        format!("Der Link ist einmal verwendbar und gültig bis {expiry}."),
                    )
                } else {
                    (
                        format!("Invitation to {name}'s IT documentation"),
                        "You are invited".to_owned(),
                        "Click \"Accept invitation\", create your account and set up two-factor sign-in with an app such as Microsoft Authenticator.".to_owned(),
                        "Accept invitation".to_owned(),
                        format!("The link works once and is valid until {expiry}."),
                    )
                };
                let ignore = if de {
                    "Falls Du diese Einladung nicht erwartet hast, kannst Du diese E-Mail ignorieren."
                } else {
                    "If you did not expect this invitation, you can ignore this e-mail."
                };
                Parts {
                    subject,
                    heading,
                    paragraphs: vec![what, steps],
                    button: Some((button, link.clone())),
                    notes: vec![until, ignore.to_owned()],
                }
            }
            MailContent::PasswordReset { link, expires_at } => {
                let expiry = format_time(*expires_at, tenant, locale);
                if de {
                    Parts {
                        subject: format!("Neues Passwort für {name}"),
                        heading: "Passwort zurücksetzen".into(),
                        paragraphs: vec!["Du hast ein neues Passwort angefordert. Mit dem Knopf unten legst Du es fest; danach meldest Du Dich wie gewohnt mit Deinem Code aus der Authenticator-App an.".into()],
                        button: Some(("Neues Passwort festlegen".into(), link.clone())),
                        notes: vec![format!("Der Link ist einmal verwendbar und gültig bis {expiry}."), "Falls Du das nicht warst, ignoriere diese E-Mail; Dein Passwort bleibt unverändert.".into()],
                    }
                } else {
                    Parts {
                        subject: format!("New password for {name}"),
                        heading: "Reset your password".into(),
                        paragraphs: vec!["You asked for a new password. Choose it with the button below; then sign in as usual with the code from your authenticator app.".into()],
                        button: Some(("Choose a new password".into(), link.clone())),
                        notes: vec![format!("The link works once and is valid until {expiry}."), "If this was not you, ignore this e-mail; your password stays as it is.".into()],
                    }
                }
            }
            MailContent::SignupConfirmation { link, expires_at } => {
                let expiry = format_time(*expires_at, tenant, locale);
                if de {
                    Parts {
                        subject: format!("Bestätige Deinen Arbeitsbereich {name}"),
                        heading: "Fast geschafft".into(),
                        paragraphs: vec![format!(
                            "Du hast für {name} einen Arbeitsbereich bei Cairn angelegt. Bestätige mit dem Knopf unten Deine E-Mail-Adresse; danach legst Du Dein Konto an."
                        )],
                        button: Some(("E-Mail-Adresse bestätigen".into(), link.clone())),
                        notes: vec![
                            format!("Der Link ist einmal verwendbar und gültig bis {expiry}."),
                            "Falls Du das nicht warst, ignoriere diese E-Mail; ohne Bestätigung wird nichts angelegt."
                                .into(),
                        ],
                    }
                } else {
                    Parts {
                        subject: format!("Confirm your workspace {name}"),
                        heading: "Almost there".into(),
                        paragraphs: vec![format!(
                            "You signed up for a Cairn workspace for {name}. Confirm your e-mail address with the button below; then you set up your account."
                        )],
                        button: Some(("Confirm e-mail address".into(), link.clone())),
                        notes: vec![
                            format!("The link works once and is valid until {expiry}."),
                            "If this was not you, ignore this e-mail; nothing is created without the confirmation."
                                .into(),
                        ],
                    }
                }
            }
            MailContent::WorkspaceReady { link, expires_at } => {
                let expiry = format_time(*expires_at, tenant, locale);
                if de {
                    Parts {
                        subject: format!("Dein Arbeitsbereich {name} ist bereit"),
                        heading: "Willkommen bei Cairn".into(),
                        paragraphs: vec![format!(
                            "Der Arbeitsbereich von {name} ist eingerichtet. Lege mit dem Knopf unten Dein Konto als Inhaber an und richte die Zwei-Faktor-Anmeldung ein."
                        )],
                        button: Some(("Konto anlegen".into(), link.clone())),
                        notes: vec![format!("Der Link ist einmal verwendbar und gültig bis {expiry}.")],
                    }
                } else {
                    Parts {
                        subject: format!("Your workspace {name} is ready"),
                        heading: "Welcome to Cairn".into(),
                        paragraphs: vec![format!(
                            "The workspace of {name} is set up. Create your owner account with the button below and set up two-factor sign-in."
                        )],
                        button: Some(("Create account".into(), link.clone())),
                        notes: vec![format!("The link works once and is valid until {expiry}.")],
                    }
                }
            }
            MailContent::SecondFactorLocked => {
                let (subject, heading, what, advice) = if de {
                    (
                        format!("Anmeldung gesperrt – {name}"),
                        "Zu viele falsche Codes".to_owned(),
                        "Bei der Anmeldung mit Deinem Konto wurde das richtige Passwort eingegeben, danach aber mehrmals ein falscher Code aus der Authenticator-App. Die Anmeldung ist deshalb für eine Weile gesperrt; jeder weitere falsche Code verlängert die Sperre.".to_owned(),
                        format!("Warst Du das nicht, kennt jemand Dein Passwort: ändere es sofort und melde Dich bei {name}."),
                    )
                } else {
                    (
                        format!("Sign-in locked – {name}"),
                        "Too many wrong codes".to_owned(),
                        "Someone signing in to your account entered the right password, then several wrong codes from the authenticator app. Sign-in is therefore locked for a while; each further wrong code makes the lock longer.".to_owned(),
                        format!("If that was not you, someone knows your password: change it at once and tell {name}."),
                    )
                };
                Parts { subject, heading, paragraphs: vec![what, advice], button: None, notes: Vec::new() }
            }
            MailContent::MfaChanged { by_staff } => {
                let what = match (by_staff, de) {
                    (true, true) => format!(
                        "{name} hat die Zwei-Faktor-Anmeldung Deines Kontos zurückgesetzt. Bei der nächsten Anmeldung richtest Du sie neu ein."
                    ),
                    (true, false) => format!(
                        "{name} reset the two-factor sign-in of your account. You will set it up again at your next sign-in."
                    ),
                    (false, true) => "Die Zwei-Faktor-Anmeldung Deines Kontos wurde geändert.".to_owned(),
                    (false, false) => "The two-factor sign-in of your account was changed.".to_owned(),
                };
                let warn = if de {
                    format!("Falls Du das nicht erwartet hast, melde Dich sofort bei {name}.")
                } else {
                    format!("If you did not expect this, contact {name} at once.")
                };
                Parts {
                    subject: if de {
                        format!("Zwei-Faktor-Anmeldung geändert – {name}")
                    } else {
                        format!("Two-factor sign-in changed – {name}")
                    },
                    heading: if de {
                        "Zwei-Faktor-Anmeldung geändert".into()
                    } else {
                        "Two-factor sign-in changed".into()
                    },
                    paragraphs: vec![what],
                    button: None,
                    notes: vec![warn],
                }
            }
            MailContent::ExpirationDigest { items, days, link } => {
                let lines: Vec<String> = items
                    .iter()
                    .map(|(date, what, org)| {
                        let date = if de { date.format("%d.%m.%Y") } else { date.format("%Y-%m-%d") };
                        format!("{date} · {what} · {org}")
                    })
                    .collect();
                let count = items.len();
                let (subject, heading, intro, button) = if de {
                    (
                        format!("{count} Einträge laufen in den nächsten {days} Tagen ab – {name}"),
                        "Was bald abläuft".to_owned(),
                        format!("In den nächsten {days} Tagen laufen ab:"),
                        "Alle Abläufe ansehen".to_owned(),
                    )
                } else {
                    (
                        format!("{count} items expire in the next {days} days – {name}"),
                        "Expiring soon".to_owned(),
                        format!("These expire in the next {days} days:"),
                        "See all expirations".to_owned(),
                    )
                };
                let mut paragraphs = vec![intro];
                paragraphs.extend(lines);
                let note = if de {
                    "Diese Übersicht kommt einmal pro Woche an die Inhaber und Techniker."
                } else {
                    "This summary goes to the owners and technicians once a week."
                };
                Parts { subject, heading, paragraphs, button: Some((button, link.clone())), notes: vec![note.into()] }
            }
            MailContent::AccessRequest { name: who, email, company, message } => {
                let mut paragraphs = vec![if de {
                    format!("{who} ({email}) möchte Zugang zur IT-Dokumentation.")
                } else {
                    format!("{who} ({email}) asks for access to their IT documentation.")
                }];
                if !company.is_empty() {
                    paragraphs.push(format!("{}: {company}", if de { "Firma" } else { "Company" }));
                }
                if !message.is_empty() {
                    paragraphs.push(message.clone());
                }
                Parts {
                    subject: if de {
                        format!("Zugangsanfrage von {who}")
                    } else {
                        format!("Access request from {who}")
                    },
                    heading: if de { "Neue Zugangsanfrage".into() } else { "New access request".into() },
                    paragraphs,
                    button: None,
                    notes: vec![if de {
                        "Antworte direkt auf diese E-Mail, oder lade die Person in Cairn zu ihrer Organisation ein."
                            .into()
                    } else {
                        "Reply to this e-mail directly, or invite the person into their organization in Cairn.".into()
                    }],
                }
            }
            MailContent::Test => Parts {
                subject: if de { format!("Testnachricht von {name}") } else { format!("Test message from {name}") },
                heading: if de { "Der Mailversand funktioniert".into() } else { "Mail delivery works".into() },
                paragraphs: vec![if de {
                    "Diese Nachricht bestätigt, dass Cairn E-Mails über den eingerichteten Weg zustellen kann.".into()
                } else {
                    "This message confirms that Cairn can deliver e-mail through the configured transport.".into()
                }],
                button: None,
                notes: vec![],
            },
        }
    }
}

/// "Questions? 031 511 22 33 · team@plusundplus.ch" in the mail's language.
fn support_line(tenant: &Tenant, locale: Locale) -> String {
    let contacts: Vec<&str> =
        [tenant.support_phone.as_str(), tenant.support_email.as_str()].into_iter().filter(|s| !s.is_empty()).collect();
    let lead = match locale {
        Locale::De => "Fragen?",
        Locale::En => "Questions?",
    };
    if contacts.is_empty() {
        tenant.name.clone()
    } else {
        format!("{} – {lead} {}", tenant.name, contacts.join(" · "))
    }
}

/// A UTC time in the tenant's zone, written as people of the language expect.
fn format_time(at: NaiveDateTime, tenant: &Tenant, locale: Locale) -> String {
    let local = at.and_utc().with_timezone(&tenant.time_zone);
    let pattern = match locale {
        Locale::De => "%d.%m.%Y, %H:%M",
        Locale::En => "%-d %b %Y, %H:%M",
    };
    format!("{} ({})", local.format(pattern), tenant.time_zone.name())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_store::TenantId;
    use cairn_tenancy::TenantStatus;

    fn tenant() -> Tenant {
        Tenant {
            id: TenantId::new("t1"),
            slug: "plusundplus.ch".into(),
            name: "plus+plus <AG>".into(),
            support_email: "team@plusundplus.ch".into(),
            support_phone: "031 511 22 33".into(),
            locale: Locale::De,
            time_zone: chrono_tz::Europe::Zurich,
            accent_color: "#1d4ed8".into(),
            privacy_url: None,
            mfa_required: true,
            status: TenantStatus::Active,
            created_at: cairn_store::now(),
            privacy_notice: String::new(),
            sender_name: String::new(),
            logo_version: None,
            checklist_dismissed: false,
        }
    }

    #[test]
    fn every_mail_renders_in_both_languages_with_support_contact() {
        let expires_at =
            chrono::NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(12, 0, 0)).expect("date");
        let contents = [
            MailContent::Invitation {
                inviter: "Anna".into(),
                organization: None,
                link: "https://x.example/i/t".into(),
                expires_at,
            },
            MailContent::PasswordReset { link: "https://x.example/r/t".into(), expires_at },
            MailContent::MfaChanged { by_staff: true },
            MailContent::Test,
            MailContent::AccessRequest {
                name: "Max".into(),
                email: "max@muster.ch".into(),
                company: "Muster AG".into(),
                message: "Bitte".into(),
            },
        ];
        for content in &contents {
            for locale in Locale::ALL {
                let mail = content.render(&tenant(), locale).expect("renders");
                assert!(
                    mail.text.contains("031 511 22 33") && mail.html.contains("team@plusundplus.ch"),
                    "{}",
                    content.kind()
                );
                assert!(!mail.subject.contains('\n'));
                assert!(mail.html.contains(&format!("lang=\"{locale}\"")));
            }
        }
        let de = contents[0].render(&tenant(), Locale::De).expect("renders");
        assert!(de.text.contains("01.12.2026, 13:00 (Europe/Zurich)"), "UTC noon is 13:00 in Zurich: {}", de.text);
        let en = contents[0].render(&tenant(), Locale::En).expect("renders");
        assert!(en.text.contains("1 Dec 2026, 13:00"));
    }

    #[test]
    fn html_part_escapes_tenant_text() {
        let mail = MailContent::Test.render(&tenant(), Locale::En).expect("renders");
        assert!(
            mail.html.contains("plus+plus &#60;AG&#62;") || mail.html.contains("plus+plus &lt;AG&gt;"),
            "{}",
            mail.html
        );
        assert!(mail.text.contains("plus+plus <AG>"), "the text part is not HTML");
    }
}
