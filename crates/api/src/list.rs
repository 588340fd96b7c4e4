//! Lists: `page`, `per_page`, `q`, `sort`, and the `meta` every list answers with.

use poem_openapi::Object;

/// Rows per page unless asked otherwise.
pub const DEFAULT_PER_PAGE: u32 = 50;
/// The most rows one page holds.
pub const MAX_PER_PAGE: u32 = 1000;

/// Where a page stands in the whole list.
#[derive(Debug, Clone, Object)]
pub struct Meta {
    /// This page, from 1.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
    /// How many rows match in all.
    pub total: u64,
}

/// A list request's paging, checked.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    /// The page, from 1.
    pub page: u32,
    /// Rows per page, 1 to 1000.
    pub per_page: u32,
}

impl Paging {
    /// Checks `page` and `per_page`.
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Result<Self, crate::problem::ApiError> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if page == 0 {
            return Err(crate::problem::ApiError::invalid("page", "pages count from 1"));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(crate::problem::ApiError::invalid("per_page", "1 to 1000"));
        }
        Ok(Paging { page, per_page })
    }

    /// The page of `items`, with its meta.
    pub fn slice<T>(&self, items: Vec<T>) -> (Vec<T>, Meta) {
        let total = items.len() as u64;
        let skip = (self.page as usize - 1).saturating_mul(self.per_page as usize);
        let data = items.into_iter().skip(skip).take(self.per_page as usize).collect();
        (data, Meta { page: self.page, per_page: self.per_page, total })
    }
}

/// `sort=field` or `sort=-field`: the field, and whether descending.
pub fn sort_of(sort: Option<&str>) -> (String, bool) {
    match sort.map(str::trim).unwrap_or_default() {
        "" => (String::new(), false),
        text => match text.strip_prefix('-') {
            Some(field) => (field.to_owned(), true),
            None => (text.to_owned(), false),
        },
    }
}
