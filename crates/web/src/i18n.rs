//! The UI text catalogues, German (informal "Du", as the MSPs' customers are
//! addressed) and English.
//!
//! Each line below names a text and gives it in both languages, so a text
//! missing in one language does not compile. `{tenant}` and similar
//! placeholders are filled in by the templates.

use cairn_tenancy::Locale;

macro_rules! catalogue {
    ($($key:ident: $de:expr, $en:expr;)*) => {
        /// Every text of the interface in one language; the field names are the keys.
        #[allow(missing_docs)]
        #[derive(Debug)]
        pub struct Texts {
            $(pub $key: &'static str,)*
        }

        static DE: Texts = Texts { $($key: $de,)* };
        static EN: Texts = Texts { $($key: $en,)* };
    };
}

catalogue! {
    lang: "de", "en";
    email: "E-Mail", "E-mail";
    password: "Passwort", "Password";
    password_confirm: "Passwort wiederholen", "Repeat password";
    first_name: "Vorname", "First name";
    last_name: "Nachname", "Last name";
    subdomain: "Subdomain", "Subdomain";
    subdomain_hint: "Die Subdomain Deines IT-Dienstleisters, z. B. plusundplus.ch", "Your IT provider's subdomain, e.g. plusundplus.ch";
    login_title: "Anmelden", "Sign in";
    login_intro: "Melde Dich an, um die Dokumentation von {tenant} zu lesen.", "Sign in to read the documentation of {tenant}.";
    apex_login_intro: "Gib die Subdomain Deines IT-Dienstleisters, Deine E-Mail und Dein Passwort ein.", "Enter your IT provider's subdomain, your e-mail and your password.";
    login_button: "Anmelden", "Log in";
    login_failed: "E-Mail oder Passwort stimmt nicht. Prüfe beides und versuche es noch einmal.", "The e-mail or the password is wrong. Check both and try again.";
    apex_login_failed: "Subdomain, E-Mail oder Passwort stimmt nicht. Prüfe alles und versuche es noch einmal.", "The subdomain, e-mail or password is wrong. Check them and try again.";
    locked: "Zu viele Versuche. Warte {seconds} Sekunden und versuche es dann noch einmal.", "Too many attempts. Wait {seconds} seconds, then try again.";
    forgot_password: "Passwort vergessen?", "Forgot your password?";
    logout: "Abmelden", "Log out";
    footer_questions: "Fragen?", "Questions?";
    privacy_notice: "Mit der Nutzung dieser Seite bist Du mit unserer Datenschutzerklärung einverstanden.", "By using this site you agree to our privacy policy.";
    privacy_policy: "Datenschutzerklärung", "Privacy policy";
    privacy_understood: "Verstanden", "Understood";
    not_found_title: "Diesen Arbeitsbereich gibt es nicht", "There is no such workspace";
    not_found_text: "Prüfe die Adresse. Die Anmeldung ohne Subdomain findest Du auf der Startseite der Plattform.", "Check the address. You can also sign in on the platform's start page.";
    page_not_found_title: "Seite nicht gefunden", "Page not found";
    page_not_found_text: "Diese Seite gibt es nicht oder nicht mehr.", "This page does not exist, or no longer does.";
    suspended_title: "Dieser Arbeitsbereich ist gesperrt", "This workspace is suspended";
    suspended_text: "Der Zugang ist vorübergehend nicht möglich. Bitte wende Dich an Deinen IT-Dienstleister.", "Access is not possible at the moment. Please contact your IT provider.";
    error_title: "Etwas ist schiefgelaufen", "Something went wrong";
    error_text: "Bitte versuche es in einem Moment noch einmal.", "Please try again in a moment.";
    back_to_login: "Zur Anmeldung", "Back to sign-in";
    invite_welcome: "Willkommen bei der Dokumentation von {tenant}", "Welcome to {tenant}'s documentation";
    invite_intro: "Lege Dein Konto an. Danach richtest Du die Zwei-Faktor-Anmeldung ein.", "Create your account. Next you will set up two-factor sign-in.";
    create_account: "Mein Konto anlegen", "Create my account";
    password_hint: "Mindestens 12 Zeichen. Am besten ein paar Wörter, die nichts miteinander zu tun haben.", "At least 12 characters. A few unrelated words work best.";
    link_invalid_title: "Dieser Link ist nicht mehr gültig", "This link is no longer valid";
    link_invalid_text: "Der Link wurde schon verwendet, ist abgelaufen oder wurde ersetzt. Bitte {tenant} um einen neuen:", "The link was used already, has expired or was replaced. Ask {tenant} for a new one:";
    password_too_short: "Verwende mindestens 12 Zeichen. Ein paar Wörter, die nichts miteinander zu tun haben, sind stark und gut zu merken.", "Use at least 12 characters. A few unrelated words make a strong, memorable password.";
    password_too_long: "Verwende höchstens 256 Zeichen.", "Use at most 256 characters.";
    password_mismatch: "Die beiden Passwörter sind verschieden. Gib zweimal dasselbe ein.", "The two passwords differ. Type the same password twice.";
    password_identity: "Verwende weder Deine E-Mail-Adresse noch den Firmennamen im Passwort.", "Do not use your e-mail address or the company name in the password.";
    password_weak: "Dieses Passwort ist zu leicht zu erraten. Füge ein, zwei weitere Wörter hinzu.", "This password is too easy to guess. Add another word or two.";
    name_invalid: "Gib 1 bis 100 Zeichen ein.", "Enter 1 to 100 characters.";
    email_invalid: "Gib eine gültige E-Mail-Adresse ein.", "Enter a valid e-mail address.";
    mfa_title: "Zwei-Faktor-Anmeldung einrichten", "Set up two-factor sign-in";
    mfa_intro: "Zusätzlich zum Passwort fragen wir bei der Anmeldung nach einem Code aus einer App auf Deinem Handy. So bleibt Deine Dokumentation geschützt, auch wenn jemand Dein Passwort kennt.", "Besides your password, signing in asks for a code from an app on your phone. Your documentation stays protected even if someone learns your password.";
    mfa_step1: "Installiere Microsoft Authenticator auf Deinem Handy (jede TOTP-App funktioniert auch).", "Install Microsoft Authenticator on your phone (any TOTP app works too).";
    mfa_step2: "Tippe in der App auf «Konto hinzufügen», erlaube den Zugriff auf die Kamera und scanne diesen Code.", "In the app, tap \"Add account\", allow the camera and scan this code.";
    mfa_cant_scan: "Scannen klappt nicht? Gib diesen Schlüssel ein:", "Can't scan? Enter this key:";
    mfa_step3: "Gib den 6-stelligen Code aus der App ein. Er ändert sich alle 30 Sekunden.", "Type the 6-digit code from the app. It changes every 30 seconds.";
    code: "Code", "Code";
    save: "Speichern", "Save";
    code_wrong: "Der Code stimmt nicht oder wurde schon verwendet. Warte auf den nächsten Code und versuche es noch einmal.", "The code is wrong or was used already. Wait for the next code and try again.";
    challenge_over: "Zu viele falsche Codes. Melde Dich noch einmal an.", "Too many wrong codes. Please sign in again.";
    login_mfa_title: "Code eingeben", "Enter your code";
    login_mfa_intro: "Öffne Deine Authenticator-App und gib den 6-stelligen Code für {tenant} ein.", "Open your authenticator app and type the 6-digit code for {tenant}.";
    use_recovery_code: "Handy nicht zur Hand? Verwende einen Wiederherstellungscode:", "Phone not at hand? Use a recovery code:";
    recovery_code: "Wiederherstellungscode", "Recovery code";
    continue_button: "Weiter", "Continue";
    recovery_title: "Deine Wiederherstellungscodes", "Your recovery codes";
    recovery_intro: "Falls Du Dein Handy verlierst, meldest Du Dich mit einem dieser Codes an. Jeder Code funktioniert einmal. Bewahre sie sicher auf; wir zeigen sie nur jetzt.", "If you lose your phone, sign in with one of these codes. Each works once. Keep them safe; they are shown only now.";
    recovery_download: "Als .txt herunterladen", "Download .txt";
    recovery_print: "Drucken", "Print";
    recovery_stored: "Ich habe die Codes sicher aufbewahrt", "I have stored them safely";
    profile_title: "Dein Profil", "Your profile";
    profile_picture: "Profilbild", "Profile picture";
    upload: "Hochladen", "Upload";
    remove: "Entfernen", "Remove";
    avatar_hint: "PNG, JPEG, WebP oder GIF, höchstens 5 MB.", "PNG, JPEG, WebP or GIF, at most 5 MB.";
    avatar_invalid: "Dieses Bild können wir nicht verwenden. Nimm ein PNG-, JPEG-, WebP- oder GIF-Bild mit höchstens 5 MB und 24 Megapixeln.", "This picture cannot be used. Choose a PNG, JPEG, WebP or GIF of at most 5 MB and 24 megapixels.";
    theme: "Darstellung", "Theme";
    theme_light: "Hell", "Light";
    theme_dark: "Dunkel", "Dark";
    theme_system: "Wie das Gerät", "Like the device";
    language: "Sprache", "Language";
    time_zone: "Zeitzone", "Time zone";
    time_zone_filter: "Zeitzone suchen", "Search time zones";
    change_password: "Passwort ändern", "Change password";
    current_password: "Aktuelles Passwort", "Current password";
    new_password: "Neues Passwort", "New password";
    current_password_wrong: "Das aktuelle Passwort stimmt nicht.", "The current password is wrong.";
    password_changed: "Dein Passwort wurde geändert. Deine anderen Sitzungen sind beendet.", "Your password was changed. Your other sessions were ended.";
    mfa_section: "Zwei-Faktor-Anmeldung", "Two-factor sign-in";
    mfa_active_since: "Aktiv seit", "Active since";
    new_recovery_codes: "Neue Wiederherstellungscodes erzeugen", "Make new recovery codes";
    recovery_left: "Unbenutzte Wiederherstellungscodes:", "Unused recovery codes:";
    member_since: "Mitglied seit", "Member since";
    organizations_title: "Organisationen", "Organizations";
    organizations_intro: "Klicke auf Deine Organisation, um ihre Dokumentation zu sehen.", "Click your organization to see its documentation.";
    no_organizations: "Dir wurde noch keine Organisation freigegeben. Wende Dich an {tenant}, wenn Du Zugang brauchst.", "No organization has been shared with you yet. Contact {tenant} if you need access.";
    filter: "Filtern", "Filter";
    kind_customer: "Kunde", "Customer";
    kind_internal: "Intern", "Internal";
    kind_vendor: "Lieferant", "Vendor";
    users_title: "Benutzer", "Users";
    invite_title: "Jemanden einladen", "Invite someone";
    invite_button: "Einladung senden", "Send invitation";
    invited: "Die Einladung ist unterwegs.", "The invitation is on its way.";
    email_taken: "Zu dieser E-Mail gibt es schon ein Konto.", "An account with this e-mail exists already.";
    role: "Rolle", "Role";
    role_owner: "Inhaber", "Owner";
    role_technician: "Techniker", "Technician";
    role_customer: "Kunde", "Customer";
    organization: "Organisation", "Organization";
    no_organization: "Keine", "None";
    pending_invitations: "Offene Einladungen", "Pending invitations";
    expires: "Läuft ab", "Expires";
    resend: "Erneut senden", "Re-send";
    revoke: "Zurückziehen", "Revoke";
    status: "Status", "Status";
    active: "Aktiv", "Active";
    disabled: "Gesperrt", "Disabled";
    disable: "Sperren", "Disable";
    enable: "Entsperren", "Enable";
    reset_mfa: "Zwei-Faktor zurücksetzen", "Reset two-factor";
    mfa: "Zwei-Faktor", "Two-factor";
    yes: "Ja", "Yes";
    no: "Nein", "No";
    change_role: "Rolle ändern", "Change role";
    name: "Name", "Name";
    reset_title: "Passwort zurücksetzen", "Reset your password";
    reset_intro: "Gib Deine E-Mail ein. Wir schicken Dir einen Link, mit dem Du ein neues Passwort festlegst.", "Enter your e-mail. We will send you a link to choose a new password.";
    reset_button: "Link senden", "Send link";
    reset_sent: "Falls es zu dieser E-Mail ein Konto gibt, ist ein Link unterwegs. Er ist eine Stunde gültig.", "If an account exists for this e-mail, a link is on its way. It works for one hour.";
    reset_new_title: "Neues Passwort festlegen", "Choose a new password";
    reset_done: "Dein Passwort wurde geändert. Melde Dich mit dem neuen Passwort und Deinem Code an.", "Your password was changed. Sign in with the new password and your code.";
    edit: "Bearbeiten", "Edit";
    quick_notes: "Notizen", "Quick notes";
    support: "Support", "Support";
    more_guides: "Weitere Anleitungen", "More guides";
    access: "Zugriff", "Access";
    access_level: "Berechtigung", "Access level";
    grant_access: "Zugriff geben", "Grant access";
    invite_to_org: "Kontakt in diese Organisation einladen", "Invite a contact into this organization";
    short_name: "Kurzname", "Short name";
    kind: "Art", "Kind";
    alert_label: "Warnhinweis", "Alert";
    archive: "Archivieren", "Archive";
    new_record: "Neu", "New";
    new_organization: "Neue Organisation", "New organization";
    nothing_here: "Hier ist noch nichts erfasst.", "Nothing here yet.";
    pages: "Seiten", "Pages";
    staff_only: "Nur für Mitarbeitende sichtbar", "Visible to staff only";
    show: "Anzeigen", "Show";
    show_code: "Code anzeigen", "Show code";
    copy: "Kopieren", "Copy";
    wifi_join: "Mit dem WLAN verbinden", "Join this Wi-Fi";
    wifi_join_hint: "Scanne den Code mit der Kamera Deines Handys. Das Anzeigen wird protokolliert.", "Scan the code with your phone's camera. Showing it is logged.";
    show_qr: "QR-Code anzeigen", "Show QR code";
    changed_by: "Geändert von", "Changed by";
    secret_keep: "Leer lassen, um den Wert zu behalten", "Leave empty to keep the value";
    secret_clear: "Wert löschen", "Clear the value";
    visibility: "Sichtbar für", "Visible to";
    visibility_everyone: "Alle mit Zugriff auf die Organisation", "Everyone with access to the organization";
    visibility_staff: "Nur Mitarbeitende", "Staff only";
    reveal_logged: "Das Anzeigen wurde protokolliert. Diese Seite wird nicht zwischengespeichert.", "This reveal was logged. This page is not cached.";
    back: "Zurück", "Back";
    new_document: "Neues Dokument", "New document";
    revision: "Version", "Revision";
    revisions: "Versionen", "Revisions";
    author: "Autor", "Author";
    when: "Wann", "When";
    restore: "Wiederherstellen", "Restore";
    restored: "Die Version wurde wiederhergestellt.", "The revision was restored.";
    title: "Titel", "Title";
    body_markdown: "Inhalt (Markdown)", "Content (Markdown)";
    guides: "Anleitungen", "Guides";
    search: "Suchen", "Search";
    no_results: "Nichts gefunden.", "Nothing found.";
    audit_log: "Protokoll", "Audit log";
    user: "Benutzer", "User";
    action: "Aktion", "Action";
    what: "Was", "What";
    name_taken: "Diesen Namen gibt es schon.", "This name is taken already.";
    field_invalid: "Dieser Wert passt nicht:", "This value does not fit:";
    saved: "Gespeichert.", "Saved.";
    history: "Verlauf", "History";
    access_request_title: "Zugang anfragen", "Request access";
    access_request_link: "Möchtest Du auch Zugriff auf Deine eigene Dokumentation?", "Would you also like access to your own documentation?";
    access_request_intro: "Schreib {tenant}, wer Du bist und für welche Firma Du Zugang möchtest. Wir melden uns bei Dir.", "Tell {tenant} who you are and for which company you would like access. They will get back to you.";
    access_request_button: "Anfrage senden", "Send request";
    access_request_sent: "Danke! Deine Anfrage ist bei {tenant} angekommen.", "Thank you! Your request has reached {tenant}.";
    access_request_invalid: "Gib Deinen Namen und eine gültige E-Mail-Adresse an.", "Enter your name and a valid e-mail address.";
    company: "Firma", "Company";
    message: "Nachricht", "Message";
    access_granted: "Zugriff gegeben.", "Access granted.";
    skip_to_content: "Zum Inhalt", "Skip to content";
    menu: "Menü", "Menu";
    api_keys_title: "API-Schlüssel", "API keys";
    mfa_locked: "gesperrt bis", "locked until";
    mfa_locked_hint: "Zu viele falsche Codes nach dem richtigen Passwort", "Too many wrong codes after the right password";
    import_title: "Import", "Import";
    import_intro: "Lade den Export Deines IT-Glue-Kontos hoch (die ZIP-Datei, wie IT Glue sie liefert). Der Import läuft im Hintergrund; ein zweiter Lauf mit derselben Datei ändert nichts, ein unterbrochener macht dort weiter, wo er stand.", "Upload your IT Glue account export (the ZIP file as IT Glue makes it). The import runs in the background; running it again with the same file changes nothing, and an interrupted one continues where it stopped.";
    import_file: "IT-Glue-Export (.zip)", "IT Glue export (.zip)";
    import_start: "Import starten", "Start the import";
    import_none: "Noch keine Importe.", "No imports yet.";
    import_started: "Gestartet", "Started";
    import_file_name: "Datei", "File";
    import_phase: "Schritt", "Step";
    import_rows: "Zeilen", "Rows";
    import_status_queued: "wartet", "queued";
    import_status_running: "läuft", "running";
    import_status_done: "fertig", "done";
    import_status_failed: "fehlgeschlagen", "failed";
    import_summary: "Ergebnis", "Result";
    import_skipped: "Übersprungen", "Skipped";
    import_warnings: "Hinweise", "Warnings";
    import_report_json: "Bericht als JSON", "Report as JSON";
    import_line: "Zeile", "Line";
    import_code: "Grund", "Reason";
    import_refresh: "Diese Seite lädt sich neu, bis der Import fertig ist.", "This page reloads until the import is done.";
    api_keys_intro: "Mit einem API-Schlüssel lesen und schreiben Skripte, PSA und RMM die Dokumentation über die REST-API. Jeder Schlüssel handelt mit den Rechten seiner Rolle; jeder Aufruf steht im Audit-Log.", "With an API key, scripts, PSA and RMM read and write the documentation through the REST API. Each key acts with its role's rights; every call is in the audit log.";
    api_keys_docs: "API-Dokumentation", "API documentation";
    api_key_name: "Name", "Name";
    api_key_expires: "Gültig (Tage, leer: bis zum Widerruf)", "Valid for (days, empty: until revoked)";
    api_key_create: "Schlüssel erstellen", "Create key";
    api_key_created: "Dein neuer Schlüssel. Kopiere ihn jetzt: Er wird nur dieses eine Mal angezeigt.", "Your new key. Copy it now: it is shown this one time only.";
    api_key_orgs: "Organisationen (nur für Kunden-Schlüssel)", "Organizations (customer keys only)";
    api_key_prefix: "Kennung", "Prefix";
    api_key_last_used: "Zuletzt benutzt", "Last used";
    api_key_live: "aktiv", "live";
    api_key_revoked: "widerrufen", "revoked";
    api_key_expired: "abgelaufen", "expired";
    api_key_none: "Noch keine Schlüssel.", "No keys yet.";
    settings_title: "Einstellungen", "Settings";
    updated: "Geändert", "Updated";
    related_items: "Verknüpft", "Related items";
    nothing_related: "Noch nichts verknüpft.", "Nothing related yet.";
    archived: "archiviert", "archived";
    relate_to: "Verknüpfen mit …", "Relate to …";
    note: "Notiz", "Note";
    relate: "Verknüpfen", "Relate";
    attachments: "Anhänge", "Attachments";
    no_attachments: "Keine Anhänge.", "No attachments.";
    attach_file: "Datei anhängen", "Attach file";
    max_size: "höchstens", "at most";
    asset_types: "Asset-Typen", "Asset types";
    asset_types_intro: "Eigene Arten von Einträgen, z. B. SSL-Zertifikate, Lizenzen oder Internetanschlüsse. Jeder Typ erscheint in der Seitenleiste jeder Organisation.", "Your own kinds of entries, e.g. SSL certificates, licences or internet links. Each type appears in every organization's sidebar.";
    new_asset_type: "Neuer Asset-Typ", "New asset type";
    from_template: "Aus Vorlage", "From a template";
    slug: "Kürzel (in Adressen)", "Slug (in addresses)";
    icon: "Symbol (Emoji)", "Icon (emoji)";
    fields: "Felder", "Fields";
    field_name: "Feldname", "Field name";
    field_kind: "Feldart", "Field kind";
    field_options: "Auswahl (eine pro Zeile)", "Options (one per line)";
    field_hint: "Hinweis", "Hint";
    field_required: "Pflicht", "Required";
    field_in_list: "In Liste", "In list";
    field_title: "Als Titel", "As title";
    field_expiration: "Ablaufdatum", "Expires";
    field_links_to: "Verknüpft mit (Arten, Komma-getrennt)", "Links to (kinds, comma-separated)";
    field_position: "Position", "Position";
    field_remove: "Feld entfernen", "Remove field";
    add_field: "Feld hinzufügen", "Add field";
    confirm_removal: "Diese Felder enthalten Werte, die aus den Einträgen verschwinden (der Verlauf behält sie):", "These fields hold values that leave the entries (their history keeps them):";
    confirm_removal_button: "Trotzdem entfernen und speichern", "Remove anyway and save";
    restore_type: "Wiederherstellen", "Restore";
    values: "Werte", "Values";
    expirations: "Abläufe", "Expirations";
    expirations_intro: "Was in den nächsten Tagen abläuft: Zertifikate, Domains, Lizenzen, Garantien.", "What expires in the coming days: certificates, domains, licences, warranties.";
    within_days: "Innerhalb von Tagen", "Within days";
    include_expired: "Abgelaufene zeigen", "Show expired";
    expires_on: "Läuft ab am", "Expires on";
    expired: "abgelaufen", "expired";
    all_organizations: "Alle Organisationen", "All organizations";
}

/// The catalogue of `locale`.
pub fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::De => &DE,
        Locale::En => &EN,
    }
}
