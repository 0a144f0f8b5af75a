//! Cursor pagination, the same on every list: `?limit=` (1 to 100, default 50) and
//! `?starting_after=<id of the last item seen>`; the answer says `has_more` and gives the
//! `next_cursor` to pass on. Lists come from `app` whole and in a stable order (an org's own
//! lists are short); the two staff lists that grow without bound (orgs, audit events) page in
//! SQL by keyset instead, through [`PageQuery::fetch_size`] and [`Page::from_fetched`].

use crate::error::ApiError;
use app::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use domain::account::InvalidInput;
use serde::Deserialize;
use utoipa::IntoParams;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 100;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// How many items at most.
    #[param(minimum = 1, maximum = 100, default = 50)]
    pub limit: Option<i64>,
    /// The id of the last item of the previous page (its `next_cursor`).
    pub starting_after: Option<String>,
}

impl PageQuery {
    fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(invalid("limit", format!("write a number from 1 to {MAX_LIMIT}"))),
        }
    }

    /// How many rows to ask the database for: one more than a page, to know if more follow.
    pub fn fetch_size(&self) -> Result<i64, ApiError> {
        Ok(self.limit()? + 1)
    }
}

fn invalid(field: &'static str, message: String) -> ApiError {
    ApiError(AppError::Invalid(InvalidInput::new(field, message)))
}

/// A list narrowed to the items made (or issued) between two days, both included, in UTC.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateFilter {
    /// From this day on (YYYY-MM-DD).
    pub from: Option<NaiveDate>,
    /// Up to this day, included (YYYY-MM-DD).
    pub to: Option<NaiveDate>,
}

/// From (included) and until (excluded), either open.
pub type Bounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

impl DateFilter {
    /// The instants it keeps: `[from, to + 1 day)`; refused when `to` is before `from`.
    pub fn bounds(&self) -> Result<Bounds, ApiError> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to < from
        {
            return Err(invalid("to", "the last day comes before the first".into()));
        }
        let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        Ok((self.from.and_then(start), self.to.and_then(|d| d.succ_opt()).and_then(start)))
    }

    pub fn keep<T>(&self, items: Vec<T>, at: impl Fn(&T) -> DateTime<Utc>) -> Result<Vec<T>, ApiError> {
        let (from, until) = self.bounds()?;
        Ok(items
            .into_iter()
            .filter(|item| from.is_none_or(|f| at(item) >= f) && until.is_none_or(|u| at(item) < u))
            .collect())
    }
}

/// Keeps the items in `status` (when asked), which must be one of `known`.
pub fn with_status<T>(
    items: Vec<T>,
    status: Option<&str>,
    known: &[&str],
    of: impl Fn(&T) -> &str,
) -> Result<Vec<T>, ApiError> {
    let Some(wanted) = status else { return Ok(items) };
    if !known.contains(&wanted) {
        return Err(invalid("status", format!("write one of: {}", known.join(", "))));
    }
    Ok(items.into_iter().filter(|item| of(item) == wanted).collect())
}

/// One page of a list.
pub struct Page<T> {
    pub data: Vec<T>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The page of `items` (the whole list, in its order) that `q` asks for; `id` names each.
    pub fn of(items: Vec<T>, id: impl Fn(&T) -> &str, q: &PageQuery) -> Result<Page<T>, ApiError> {
        let limit = usize::try_from(q.limit()?).unwrap_or(usize::MAX);
        let start = match q.starting_after.as_deref() {
            None => 0,
            Some(cursor) => {
                let at = items.iter().position(|item| id(item) == cursor);
                at.map(|i| i + 1).ok_or_else(|| invalid("starting_after", "no item of this list has that id".into()))?
            }
        };
        let fetched: Vec<T> = items.into_iter().skip(start).take(limit + 1).collect();
        Ok(Page::cut(fetched, limit, id))
    }

    /// A page from rows the database gave after the cursor (at most `fetch_size` of them).
    pub fn from_fetched(rows: Vec<T>, id: impl Fn(&T) -> &str, q: &PageQuery) -> Result<Page<T>, ApiError> {
        let limit = usize::try_from(q.limit()?).unwrap_or(usize::MAX);
        Ok(Page::cut(rows, limit, id))
    }

    fn cut(mut rows: Vec<T>, limit: usize, id: impl Fn(&T) -> &str) -> Page<T> {
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if has_more { rows.last().map(|last| id(last).to_owned()) } else { None };
        Page { data: rows, has_more, next_cursor }
    }
}

/// Declares a list answer: the page's items, `has_more` and `next_cursor`.
macro_rules! list_of {
    ($(#[$doc:meta])* $name:ident, $item:ty) => {
        $(#[$doc])*
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub data: Vec<$item>,
            /// More items follow this page.
            pub has_more: bool,
            /// Pass as `starting_after` to get the next page.
            pub next_cursor: Option<String>,
        }

        impl From<$crate::api::page::Page<$item>> for $name {
            fn from(p: $crate::api::page::Page<$item>) -> $name {
                $name { data: p.data, has_more: p.has_more, next_cursor: p.next_cursor }
            }
        }
    };
}
pub(crate) use list_of;

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("it_{i}")).collect()
    }

    #[test]
    fn pages_follow_each_other_without_gaps_or_repeats() {
        let mut q = PageQuery { limit: Some(3), starting_after: None };
        let mut seen = Vec::new();
        loop {
            let Ok(page) = Page::of(ids(8), |s| s.as_str(), &q) else { panic!("a page") };
            seen.extend(page.data.clone());
            if !page.has_more {
                assert_eq!(page.next_cursor, None);
                break;
            }
            q.starting_after = page.next_cursor;
        }
        assert_eq!(seen, ids(8));
    }

    #[test]
    fn a_bad_limit_or_cursor_is_refused() {
        for limit in [0, -1, 101] {
            assert!(Page::of(ids(3), |s| s.as_str(), &PageQuery { limit: Some(limit), starting_after: None }).is_err());
        }
        let q = PageQuery { limit: None, starting_after: Some("nope".into()) };
        assert!(Page::of(ids(3), |s| s.as_str(), &q).is_err());
    }
}
