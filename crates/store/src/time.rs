//! Times are stored as microseconds since the Unix epoch, in UTC; this is the one conversion.

use crate::StoreError;
use chrono::{DateTime, Utc};

pub(crate) fn to_db(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

pub(crate) fn from_db(micros: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {micros} is out of range")))
}

pub(crate) fn opt_from_db(micros: Option<i64>) -> Result<Option<DateTime<Utc>>, StoreError> {
    micros.map(from_db).transpose()
}

/// A stored IANA time-zone name ("Asia/Tokyo"), or none.
pub(crate) fn time_zone(name: Option<String>) -> Result<Option<chrono_tz::Tz>, StoreError> {
    name.map(|name| {
        name.parse::<chrono_tz::Tz>().map_err(|_| StoreError::Corrupt(format!("time zone `{name}` is unknown")))
    })
    .transpose()
}
