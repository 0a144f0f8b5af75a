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
