//! Cairn's server-rendered HTML interface.
//!
//! Pages work without JavaScript, escape all output and ship every asset
//! inside the binary. [`endpoint`] assembles the whole HTTP surface: health
//! checks and static files for every host, then the tenant resolver and the
//! apex or tenant pages.

mod app;
mod csrf;
mod error;
mod flow;
mod i18n;
mod middleware;
mod page;
mod routes;
mod session;

pub use app::App;
pub use i18n::{Texts, texts};
pub use routes::endpoint;
