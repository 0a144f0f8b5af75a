//! Many rows per statement. The renewal run and the bulk set-ups write thousands of rows per
//! transaction; one statement per row would spend the time on round trips to the database (or
//! and binding) rather than on writing. A record type states its table and
//! columns once ([`Rows`]); the one-row insert of its module goes through here too, so the
//! column list is never written twice.

use crate::sql::{Kind, Row};
use std::borrow::Cow;

/// One bound value: the query layer's own, owned, so that a record can hand its values over.
pub(crate) type Value = crate::sql::Value<'static>;

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(Cow::Owned(v.to_owned()))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(Cow::Owned(v))
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::from(v.as_str())
    }
}

impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Value {
        v.map_or(Value::Null(Kind::Text), Value::from)
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Value {
        v.map_or(Value::Null(Kind::Text), Value::from)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Value {
        v.map_or(Value::Null(Kind::Int), Value::Int)
    }
}

/// A record that can be inserted: `INTO` is the table with its column list, and `values` pushes
/// the record's values in that order.
pub(crate) trait Rows {
    const INTO: &'static str;
    const WIDTH: usize;
    fn values(&self, out: &mut Vec<Value>);
}

/// Rows per statement: enough to make round trips rare, few enough that the prepared
/// statement stays small and cached (a full chunk always has the same text).
const CHUNK_ROWS: usize = 200;
/// Below SQLite's limit of bound parameters per statement (32,766) and PostgreSQL's (65,535).
const MAX_PARAMS: usize = 30_000;

fn chunk_rows(width: usize) -> usize {
    CHUNK_ROWS.min(MAX_PARAMS / width.max(1)).max(1)
}

/// How a statement names its parameters. SQLite gets anonymous `?`: SQLite finds a
/// parameter's name by walking the list of names, so binding a statement of a few thousand
/// `$N` parameters by name costs time quadratic in their number.
#[derive(Clone, Copy)]
enum Style {
    Numbered,
    Anonymous,
}

fn style(conn: &crate::Conn) -> Style {
    if conn.backend() == crate::Backend::Postgres { Style::Numbered } else { Style::Anonymous }
}

/// `($1, $2), ($3, $4)` (or `(?, ?), (?, ?)`) for two rows of width two.
fn values_list(rows: usize, width: usize, style: Style) -> String {
    let mut out = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..width {
            if c > 0 {
                out.push_str(", ");
            }
            match style {
                Style::Numbered => {
                    out.push('$');
                    out.push_str(&(r * width + c + 1).to_string());
                }
                Style::Anonymous => out.push('?'),
            }
        }
        out.push(')');
    }
    out
}

/// Inserts `rows`, chunk by chunk, each statement ending with `tail` (e.g. an `ON CONFLICT`
/// clause); returns how many rows went in.
pub(crate) async fn insert<R: Rows>(conn: &mut crate::Conn, rows: &[R], tail: &str) -> crate::Result<u64> {
    let mut inserted = 0;
    for chunk in rows.chunks(chunk_rows(R::WIDTH)) {
        let list = values_list(chunk.len(), R::WIDTH, style(conn));
        let sql = format!("INSERT INTO {} VALUES {list} {tail}", R::INTO);
        let mut values = Vec::with_capacity(chunk.len() * R::WIDTH);
        for row in chunk {
            row.values(&mut values);
        }
        debug_assert_eq!(values.len(), chunk.len() * R::WIDTH);
        inserted += crate::sql::query(crate::sql::AssertSqlSafe(sql))
            .bind_all(values)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(inserted)
}

/// Runs `template` once per chunk of `rows` (each row `width` values, flattened), with
/// `{values}` replaced by the chunk's VALUES list, and returns every row the statements
/// returned. For `UPDATE … FROM (VALUES {values}) AS v WHERE … = v.column1` (both engines name
/// a VALUES list's columns column1, column2, …) and for `IN ({values})` lists of one column.
pub(crate) async fn with_values(
    conn: &mut crate::Conn,
    template: &str,
    width: usize,
    rows: Vec<Value>,
) -> crate::Result<Vec<Row>> {
    debug_assert!(width > 0 && rows.len().is_multiple_of(width));
    let per_chunk = chunk_rows(width) * width;
    let mut out = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Value> = rows.by_ref().take(per_chunk).collect();
        let sql = template.replace("{values}", &values_list(chunk.len() / width, width, style(conn)));
        out.extend(crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind_all(chunk).fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_the_parameters_row_by_row() {
        use super::{Style, values_list};
        assert_eq!(values_list(2, 3, Style::Numbered), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values_list(1, 1, Style::Numbered), "($1)");
        assert_eq!(values_list(2, 2, Style::Anonymous), "(?, ?), (?, ?)");
    }

    #[test]
    fn chunks_stay_under_the_parameter_limit() {
        assert_eq!(super::chunk_rows(20), 200);
        assert_eq!(super::chunk_rows(500), 60);
        assert_eq!(super::chunk_rows(0), 200);
    }
}
