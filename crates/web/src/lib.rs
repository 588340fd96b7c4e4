//! Cairn's server-rendered HTML interface.
//!
//! Pages work without JavaScript, escape all output and ship every asset
//! inside the binary. This crate only routes and renders: every handler
//! calls one use case of [`cairn_app::App`] and presents its answer. [`endpoint`] assembles the whole HTTP surface: health
//! checks and static files for every host, then the tenant resolver and the
//! apex or tenant pages.

mod csrf;
mod error;
mod extract;
mod flow;
mod i18n;
mod labels;
mod messages;
mod middleware;
mod org_frame;
mod page;
mod panels;
mod routes;
mod section_view;
mod session;
mod upload;

pub use i18n::{Texts, texts};
pub use routes::endpoint;
