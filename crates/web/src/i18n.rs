//! The UI text catalogues, German (informal "Du", as the MSPs' customers are
//! addressed) and English.
//!
//! A catalogue is a struct, so a text missing in one language does not compile.

use cairn_tenancy::Locale;

/// Every text of the interface in one language.
#[derive(Debug)]
pub struct Texts {
    /// `lang` attribute of pages.
    pub lang: &'static str,
    /// Label of the e-mail field.
    pub email: &'static str,
    /// Label of the password field.
    pub password: &'static str,
    /// Label of the subdomain field on the apex sign-in page.
    pub subdomain: &'static str,
    /// Hint below the subdomain field.
    pub subdomain_hint: &'static str,
    /// Title of sign-in pages.
    pub login_title: &'static str,
    /// Greeting on a tenant's sign-in page; `{tenant}` stands for its name.
    pub login_intro: &'static str,
    /// Intro of the apex sign-in page.
    pub apex_login_intro: &'static str,
    /// The sign-in button.
    pub login_button: &'static str,
    /// Footer lead-in before the support contact.
    pub footer_questions: &'static str,
    /// The privacy notice.
    pub privacy_notice: &'static str,
    /// Link text to the privacy policy.
    pub privacy_policy: &'static str,
    /// Button that dismisses the privacy notice.
    pub privacy_understood: &'static str,
    /// Title of the page for unknown hosts.
    pub not_found_title: &'static str,
    /// Text of the page for unknown hosts.
    pub not_found_text: &'static str,
    /// Title of the page of unknown paths.
    pub page_not_found_title: &'static str,
    /// Text of the page of unknown paths.
    pub page_not_found_text: &'static str,
    /// Title of the page of suspended workspaces.
    pub suspended_title: &'static str,
    /// Text of the page of suspended workspaces.
    pub suspended_text: &'static str,
    /// Title of the error page.
    pub error_title: &'static str,
    /// Text of the error page.
    pub error_text: &'static str,
    /// Link back to the sign-in page.
    pub back_to_login: &'static str,
}

static DE: Texts = Texts {
    lang: "de",
    email: "E-Mail",
    password: "Passwort",
    subdomain: "Subdomain",
    subdomain_hint: "Die Subdomain Deines IT-Dienstleisters, z. B. plusundplus.ch",
    login_title: "Anmelden",
    login_intro: "Melde Dich an, um die Dokumentation von {tenant} zu lesen.",
    apex_login_intro: "Gib die Subdomain Deines IT-Dienstleisters, Deine E-Mail und Dein Passwort ein.",
    login_button: "Anmelden",
    footer_questions: "Fragen?",
    privacy_notice: "Mit der Nutzung dieser Seite bist Du mit unserer Datenschutzerklärung einverstanden.",
    privacy_policy: "Datenschutzerklärung",
    privacy_understood: "Verstanden",
    not_found_title: "Diesen Arbeitsbereich gibt es nicht",
    not_found_text: "Prüfe die Adresse. Die Anmeldung ohne Subdomain findest Du auf der Startseite der Plattform.",
    page_not_found_title: "Seite nicht gefunden",
    page_not_found_text: "Diese Seite gibt es nicht oder nicht mehr.",
    suspended_title: "Dieser Arbeitsbereich ist gesperrt",
    suspended_text: "Der Zugang ist vorübergehend nicht möglich. Bitte wende Dich an Deinen IT-Dienstleister.",
    error_title: "Etwas ist schiefgelaufen",
    error_text: "Bitte versuche es in einem Moment noch einmal.",
    back_to_login: "Zur Anmeldung",
};

static EN: Texts = Texts {
    lang: "en",
    email: "E-mail",
    password: "Password",
    subdomain: "Subdomain",
    subdomain_hint: "Your IT provider's subdomain, e.g. plusundplus.ch",
    login_title: "Sign in",
    login_intro: "Sign in to read the documentation of {tenant}.",
    apex_login_intro: "Enter your IT provider's subdomain, your e-mail and your password.",
    login_button: "Log in",
    footer_questions: "Questions?",
    privacy_notice: "By using this site you agree to our privacy policy.",
    privacy_policy: "Privacy policy",
    privacy_understood: "Understood",
    not_found_title: "There is no such workspace",
    not_found_text: "Check the address. You can also sign in on the platform's start page.",
    page_not_found_title: "Page not found",
    page_not_found_text: "This page does not exist, or no longer does.",
    suspended_title: "This workspace is suspended",
    suspended_text: "Access is not possible at the moment. Please contact your IT provider.",
    error_title: "Something went wrong",
    error_text: "Please try again in a moment.",
    back_to_login: "Back to sign-in",
};

/// The catalogue of `locale`.
pub fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::De => &DE,
        Locale::En => &EN,
    }
}
