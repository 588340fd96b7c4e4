//! A small browser for black-box tests: one host, its cookies, its forms.
//!
//! Requests go to the test server on 127.0.0.1 with the Host header of a
//! tenant or the apex, as a browser on `*.localhost` would send them.
//! Cookies are kept per browser (one host each), so a cookie of one tenant
//! is only ever sent where a test sends it on purpose.

use std::collections::BTreeMap;

use reqwest::header::{COOKIE, HOST, LOCATION, SET_COOKIE};

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    /// The status code.
    pub status: u16,
    /// `Location`, for redirects.
    pub location: Option<String>,
    /// The headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as text (lossy).
    pub body: String,
    /// The body as bytes.
    pub bytes: Vec<u8>,
}

impl Page {
    /// The value of the hidden `csrf_token` field of the page's first form.
    pub fn csrf(&self) -> String {
        field_value(&self.body, "csrf_token").unwrap_or_default()
    }
}

/// The `value` of the first `<input name="{name}" … value="…">` in `html`.
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let start = html.find(&marker)?;
    let tag_start = html[..start].rfind('<')?;
    let tag_end = start + html[start..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let value = tag.split("value=\"").nth(1)?.split('"').next()?;
    Some(value.replace("&#x2f;", "/").replace("&#47;", "/").replace("&amp;", "&"))
}

/// A browser talking to one host of a test server.
pub struct Browser {
    client: reqwest::Client,
    address: String,
    host: String,
    /// Cookies by name.
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    /// A browser that connects to `address` (e.g. one node, or a proxy) and sends `host`.
    pub fn new(address: &str, host: &str) -> Self {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { client, address: address.to_owned(), host: host.to_owned(), cookies: BTreeMap::new() }
    }

    /// The Host header this browser sends.
    pub fn host(&self) -> &str {
        &self.host
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = request.header(HOST, &self.host);
        let request = if self.cookies.is_empty() { request } else { request.header(COOKIE, self.cookie_header()) };
        let response = request.send().await.expect("request");
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().expect("ascii cookie");
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let expired = text.to_ascii_lowercase().contains("max-age=0");
                if value.is_empty() || expired {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        let status = response.status().as_u16();
        let location = response.headers().get(LOCATION).map(|v| v.to_str().expect("ascii").to_owned());
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body").to_vec();
        Page { status, location, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes }
    }

    /// GET `path`.
    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.address));
        self.send(request).await
    }

    /// POST a url-encoded form (fields as given; add `csrf_token` yourself).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let request = self.client.post(format!("{}{path}", self.address)).form(fields);
        self.send(request).await
    }

    /// GETs `path` for its form's CSRF token, then POSTs the fields with it.
    pub async fn submit(&mut self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.get(form_page).await.csrf();
        assert!(!token.is_empty(), "{form_page} has a form with a CSRF token");
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post(action, &all).await
    }

    /// POST a url-encoded form asking for JSON (`Accept: application/json`).
    pub async fn post_json_accepting(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let request = self
            .client
            .post(format!("{}{path}", self.address))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(fields);
        self.send(request).await
    }

    /// POST a multipart form.
    pub async fn post_multipart(&mut self, path: &str, form: reqwest::multipart::Form) -> Page {
        let request = self.client.post(format!("{}{path}", self.address)).multipart(form);
        self.send(request).await
    }

    /// Follows a redirect's `Location` on this host (a path).
    pub async fn follow(&mut self, page: &Page) -> Page {
        let location = page.location.clone().expect("a redirect");
        assert!(location.starts_with('/'), "a local redirect: {location}");
        self.get(&location).await
    }
}
