//! The benchmark's ceiling: poem with nothing behind it, answering a page
//! the size of a Cairn page. Cairn's figures are read as a share of this
//! one, measured in the same run on the same machine.
//!
//! `cairn-ceiling <address>` (default 127.0.0.1:8090).

use poem::listener::TcpListener;
use poem::web::Html;
use poem::{Route, Server, get, handler};

/// About the size of a Cairn section page.
const PAGE_BYTES: usize = 5 * 1024;

#[handler]
fn page() -> Html<&'static str> {
    static PAGE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    Html(PAGE.get_or_init(|| {
        let mut page = String::from("<!doctype html><html><head><title>Ceiling</title></head><body><ul>");
        while page.len() < PAGE_BYTES {
            page.push_str("<li>a row of a list, as long as a row of a section list</li>");
        }
        page.push_str("</ul></body></html>");
        page
    }))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let address = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8090".into());
    Server::new(TcpListener::bind(address)).run(Route::new().at("/", get(page))).await
}
