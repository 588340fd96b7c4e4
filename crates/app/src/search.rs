//! Search over everything the caller may see, never over secret values.

use cairn_assets::search::{self, Hit};

use crate::{App, AppError, Caller};

/// The longest query searched; longer input is cut.
const MAX_QUERY_CHARS: usize = 200;

impl App {
    /// Records, documents and organizations matching `query` that the caller may see.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn search(&self, caller: &Caller, query: &str) -> Result<Vec<Hit>, AppError> {
        let needle: String = query.chars().take(MAX_QUERY_CHARS).collect();
        self.read_for(caller, move |tx, caller| Ok(search::search(tx.conn, caller.require_user()?, &needle)?)).await
    }
}
