//! The store's own query layer: one SQL text, run on whichever database the store opened.
//!
//! Modules write `sql::query("… $1 …").bind(x).fetch_all(conn)`, as they would with sqlx.
//! Underneath, the two engines take different roads:
//! - **SQLite** runs on the calling thread through SQLite's C API (`rusqlite`), with each
//!   connection's prepared statements cached. sqlx would run every statement on a thread of its
//!   own per connection and hand each result row across through a channel: measured, those
//!   hand-offs cost as much as SQLite's own work (see BENCHMARKS.md). A SQLite statement is
//!   short (microseconds to a few milliseconds), so it is cheaper to run it in place than to
//!   wake another thread for it.
//! - **PostgreSQL** goes through sqlx, which talks its wire protocol asynchronously.
//!
//! Values are bound by the number in `$N`, so one text serves both engines. Bulk statements
//! with thousands of parameters use anonymous `?` on SQLite instead (see `bulk`).

use crate::error::{Result, StoreError};
use crate::group_commit::{BUSY_TIMEOUT, WalSync};
use crate::write_batch::{Batches, Member, Released};
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::borrow::Cow;
use std::sync::{Arc, Mutex};

/// A SQL text built at run time (a column list or an `IN` list made from constants), as
/// opposed to a literal. Its name is the promise that no user input went into it.
pub struct AssertSqlSafe<T>(pub T);

/// What can serve as a statement's text.
pub trait SqlText<'q> {
    fn into_text(self) -> Cow<'q, str>;
}

impl<'q> SqlText<'q> for &'q str {
    fn into_text(self) -> Cow<'q, str> {
        Cow::Borrowed(self)
    }
}

impl<'q> SqlText<'q> for AssertSqlSafe<String> {
    fn into_text(self) -> Cow<'q, str> {
        Cow::Owned(self.0)
    }
}

impl<'q> SqlText<'q> for AssertSqlSafe<&'q str> {
    fn into_text(self) -> Cow<'q, str> {
        Cow::Borrowed(self.0)
    }
}

/// The type a NULL stands for: PostgreSQL wants to know it, SQLite does not care.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Int,
    Bool,
    Real,
    Text,
    Blob,
}

/// One bound value.
#[derive(Clone, Debug)]
pub enum Value<'q> {
    Null(Kind),
    Int(i64),
    Bool(bool),
    Real(f64),
    Text(Cow<'q, str>),
    Blob(Cow<'q, [u8]>),
}

/// A Rust value that binds as a statement parameter.
pub trait Bind<'q> {
    fn into_value(self) -> Value<'q>;
}

/// The kind of a bindable type, for its NULL.
pub trait Typed {
    const KIND: Kind;
}

macro_rules! bind_owned {
    ($($t:ty => $kind:ident, $v:ident => $make:expr);* $(;)?) => {$(
        impl<'q> Bind<'q> for $t {
            fn into_value(self) -> Value<'q> {
                let $v = self;
                $make
            }
        }
        impl Typed for $t {
            const KIND: Kind = Kind::$kind;
        }
    )*};
}

bind_owned! {
    i64 => Int, v => Value::Int(v);
    i32 => Int, v => Value::Int(i64::from(v));
    bool => Bool, v => Value::Bool(v);
    f64 => Real, v => Value::Real(v);
    String => Text, v => Value::Text(Cow::Owned(v));
    Vec<u8> => Blob, v => Value::Blob(Cow::Owned(v));
}

impl<'q> Bind<'q> for &'q str {
    fn into_value(self) -> Value<'q> {
        Value::Text(Cow::Borrowed(self))
    }
}

impl Typed for &str {
    const KIND: Kind = Kind::Text;
}

impl<'q> Bind<'q> for &'q String {
    fn into_value(self) -> Value<'q> {
        Value::Text(Cow::Borrowed(self.as_str()))
    }
}

impl Typed for &String {
    const KIND: Kind = Kind::Text;
}

impl<'q> Bind<'q> for &'q [u8] {
    fn into_value(self) -> Value<'q> {
        Value::Blob(Cow::Borrowed(self))
    }
}

impl<'q> Bind<'q> for &'q Vec<u8> {
    fn into_value(self) -> Value<'q> {
        Value::Blob(Cow::Borrowed(self.as_slice()))
    }
}

/// Our typed ids bind as their text, so that a query takes the id its caller holds.
macro_rules! bind_ids {
    ($($id:ident),* $(,)?) => {$(
        impl<'q> Bind<'q> for &'q domain::ids::$id {
            fn into_value(self) -> Value<'q> {
                Value::Text(Cow::Borrowed(self.as_str()))
            }
        }
        impl Typed for &domain::ids::$id {
            const KIND: Kind = Kind::Text;
        }
        impl From<&domain::ids::$id> for Value<'static> {
            fn from(id: &domain::ids::$id) -> Self {
                Value::Text(Cow::Owned(id.as_str().to_owned()))
            }
        }
        impl From<Option<&domain::ids::$id>> for Value<'static> {
            fn from(id: Option<&domain::ids::$id>) -> Self {
                id.map_or(Value::Null(Kind::Text), Value::from)
            }
        }
    )*};
}

bind_ids! {
    OrgId, UserId, StaffId, InvitationId, ApiTokenId, AuditEventId, EmailId, GuessId, SessionId,
    RecoveryCodeId, PasskeyId, CeremonyId, OrderId, PaymentMethodId, PaymentAttemptId,
    SubscriptionId, InvoiceId, AcceptanceId, NotificationId, BenefitId, BenefitUnitId,
    LedgerEntryId, CompetencyApplicationId, ApplicationFileId, ServiceRequestId,
    RequestMessageId, RefundId, CreditNoteId, WebhookEndpointId, EventId, DeliveryId,
    DeliveryAttemptId, MembershipId, EmailLinkId, ResetRequestId,
}

impl<'q, T: Bind<'q> + Typed> Bind<'q> for Option<T> {
    fn into_value(self) -> Value<'q> {
        match self {
            Some(v) => v.into_value(),
            None => Value::Null(T::KIND),
        }
    }
}

impl<'q> Bind<'q> for Value<'q> {
    fn into_value(self) -> Value<'q> {
        self
    }
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null(_) => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Bool(b) => ValueRef::Integer(i64::from(*b)),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// A value read back from SQLite.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub enum Stored {
    Null,
    Int(i64),
    Real(f64),
    Text(Box<str>),
    Blob(Box<[u8]>),
}

impl Stored {
    fn read(v: ValueRef<'_>) -> Stored {
        match v {
            ValueRef::Null => Stored::Null,
            ValueRef::Integer(i) => Stored::Int(i),
            ValueRef::Real(r) => Stored::Real(r),
            ValueRef::Text(t) => Stored::Text(String::from_utf8_lossy(t).into()),
            ValueRef::Blob(b) => Stored::Blob(b.into()),
        }
    }
}

/// A Rust value that a column decodes into. SQLite's values are read as SQLite itself would
/// convert them; PostgreSQL's through sqlx.
pub trait Decode: Sized + sqlx::Type<sqlx::Any> + for<'r> sqlx::Decode<'r, sqlx::Any> {
    #[doc(hidden)]
    fn from_stored(v: &Stored) -> std::result::Result<Self, String>;
}

fn mismatch(want: &str, got: &Stored) -> String {
    match got {
        Stored::Null => "unexpected NULL".to_owned(),
        other => format!("expected {want}, found {other:?}"),
    }
}

impl Decode for i64 {
    fn from_stored(v: &Stored) -> std::result::Result<Self, String> {
        match v {
            Stored::Int(i) => Ok(*i),
            // SUM and AVG over integers can come back as REAL on SQLite.
            Stored::Real(r) if r.fract() == 0.0 => Ok(*r as i64),
            other => Err(mismatch("an integer", other)),
        }
    }
}

impl Decode for i32 {
    fn from_stored(v: &Stored) -> std::result::Result<Self, String> {
        i32::try_from(i64::from_stored(v)?).map_err(|e| e.to_string())
    }
}

impl Decode for bool {
    fn from_stored(v: &Stored) -> std::result::Result<Self, String> {
        Ok(i64::from_stored(v)? != 0)
    }
}

impl Decode for f64 {
    fn from_stored(v: &Stored) -> std::result::Result<Self, String> {
        match v {
            Stored::Real(r) => Ok(*r),
            Stored::Int(i) => Ok(*i as f64),
            other => Err(mismatch("a number", other)),
        }
    }
}

impl Decode for String {
    fn from_stored(v: &Stored) -> std::result::Result<Self, String> {
        match v {
            Stored::Text(t) => Ok(t.to_string()),
            Stored::Int(i) => Ok(i.to_string()),
            Stored::Real(r) => Ok(r.to_string()),
            other => Err(mismatch("text", other)),
        }
    }
}

impl Decode for Vec<u8> {
    fn from_stored(v: &Stored) -> std::result::Result<Self, String> {
        match v {
            Stored::Blob(b) => Ok(b.to_vec()),
            Stored::Text(t) => Ok(t.as_bytes().to_vec()),
            other => Err(mismatch("a blob", other)),
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn from_stored(v: &Stored) -> std::result::Result<Self, String> {
        match v {
            Stored::Null => Ok(None),
            other => T::from_stored(other).map(Some),
        }
    }
}

/// One result row.
pub enum Row {
    Sqlite(SqliteRow),
    Postgres(sqlx::any::AnyRow),
}

pub struct SqliteRow {
    columns: Arc<[Box<str>]>,
    values: Vec<Stored>,
}

/// A column by its name, or by its place (`0` is the first).
pub trait ColumnIndex: Copy + std::fmt::Display + sqlx::ColumnIndex<sqlx::any::AnyRow> {
    #[doc(hidden)]
    fn position(self, columns: &[Box<str>]) -> Option<usize>;
}

impl ColumnIndex for &str {
    fn position(self, columns: &[Box<str>]) -> Option<usize> {
        columns.iter().position(|c| &**c == self)
    }
}

impl ColumnIndex for usize {
    fn position(self, columns: &[Box<str>]) -> Option<usize> {
        (self < columns.len()).then_some(self)
    }
}

impl Row {
    pub fn try_get<T: Decode, I: ColumnIndex>(&self, column: I) -> Result<T> {
        match self {
            Row::Sqlite(row) => {
                let at = column
                    .position(&row.columns)
                    .ok_or_else(|| StoreError::Corrupt(format!("no column `{column}` in the result")))?;
                T::from_stored(&row.values[at]).map_err(|e| StoreError::Corrupt(format!("column `{column}`: {e}")))
            }
            Row::Postgres(row) => Ok(sqlx::Row::try_get(row, column)?),
        }
    }

    /// A stored word or id read as its domain type (`"past_due"` as a subscription status);
    /// a word the domain does not know means the row is corrupt.
    pub fn parse<T: std::str::FromStr, I: ColumnIndex>(&self, column: I) -> Result<T>
    where
        T::Err: std::fmt::Display,
    {
        let text: String = self.try_get(column)?;
        text.parse().map_err(|e| StoreError::Corrupt(format!("column `{column}`: {e}")))
    }

    /// [`Row::parse`] of a column that may be NULL.
    pub fn parse_opt<T: std::str::FromStr, I: ColumnIndex>(&self, column: I) -> Result<Option<T>>
    where
        T::Err: std::fmt::Display,
    {
        let text: Option<String> = self.try_get(column)?;
        let parsed = text.map(|t| t.parse()).transpose();
        parsed.map_err(|e| StoreError::Corrupt(format!("column `{column}`: {e}")))
    }
}

/// Which engine a [`crate::Store`] and its connections run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A statement with its bound values; run it with one of the `fetch_…` or `execute`.
pub struct Query<'q> {
    sql: Cow<'q, str>,
    values: Vec<Value<'q>>,
}

pub fn query<'q>(sql: impl SqlText<'q>) -> Query<'q> {
    Query { sql: sql.into_text(), values: Vec::new() }
}

/// What a statement that returns no rows did.
pub struct Done {
    rows_affected: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

impl<'q> Query<'q> {
    pub fn bind(mut self, value: impl Bind<'q>) -> Self {
        self.values.push(value.into_value());
        self
    }

    pub(crate) fn bind_all(mut self, values: impl IntoIterator<Item = Value<'q>>) -> Self {
        self.values.extend(values);
        self
    }

    pub async fn execute(self, conn: &mut Conn) -> Result<Done> {
        match conn.engine()? {
            Engine::Sqlite(c) => {
                let (_, rows_affected) = run_sqlite(c, &self.sql, &self.values, false)?;
                Ok(Done { rows_affected })
            }
            Engine::Postgres(c) => {
                let done = self.into_sqlx().execute(c).await?;
                Ok(Done { rows_affected: done.rows_affected() })
            }
        }
    }

    pub async fn fetch_all(self, conn: &mut Conn) -> Result<Vec<Row>> {
        match conn.engine()? {
            Engine::Sqlite(c) => Ok(run_sqlite(c, &self.sql, &self.values, true)?.0),
            Engine::Postgres(c) => Ok(self.into_sqlx().fetch_all(c).await?.into_iter().map(Row::Postgres).collect()),
        }
    }

    pub async fn fetch_optional(self, conn: &mut Conn) -> Result<Option<Row>> {
        match conn.engine()? {
            // Every statement here that returns one row at most says so in its WHERE clause
            // or its LIMIT, so reading all of its rows reads one.
            Engine::Sqlite(c) => Ok(run_sqlite(c, &self.sql, &self.values, true)?.0.into_iter().next()),
            Engine::Postgres(c) => Ok(self.into_sqlx().fetch_optional(c).await?.map(Row::Postgres)),
        }
    }

    pub async fn fetch_one(self, conn: &mut Conn) -> Result<Row> {
        self.fetch_optional(conn).await?.ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }

    fn into_sqlx(self) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(self.sql.into_owned()));
        for v in self.values {
            q = match v {
                Value::Null(Kind::Int) => q.bind(None::<i64>),
                Value::Null(Kind::Bool) => q.bind(None::<bool>),
                Value::Null(Kind::Real) => q.bind(None::<f64>),
                Value::Null(Kind::Text) => q.bind(None::<String>),
                Value::Null(Kind::Blob) => q.bind(None::<Vec<u8>>),
                Value::Int(i) => q.bind(i),
                Value::Bool(b) => q.bind(b),
                Value::Real(r) => q.bind(r),
                Value::Text(s) => q.bind(s.into_owned()),
                Value::Blob(b) => q.bind(b.into_owned()),
            };
        }
        q
    }
}

/// A statement whose rows are one value each (its first column).
pub struct QueryScalar<'q, T> {
    query: Query<'q>,
    _out: std::marker::PhantomData<T>,
}

pub fn query_scalar<'q, S: SqlText<'q>, T: Decode>(sql: S) -> QueryScalar<'q, T> {
    QueryScalar { query: query(sql), _out: std::marker::PhantomData }
}

impl<'q, T: Decode> QueryScalar<'q, T> {
    pub fn bind(self, value: impl Bind<'q>) -> Self {
        QueryScalar { query: self.query.bind(value), _out: self._out }
    }

    pub async fn fetch_all(self, conn: &mut Conn) -> Result<Vec<T>> {
        self.query.fetch_all(conn).await?.iter().map(|r| r.try_get(0usize)).collect()
    }

    pub async fn fetch_optional(self, conn: &mut Conn) -> Result<Option<T>> {
        self.query.fetch_optional(conn).await?.map(|r| r.try_get(0usize)).transpose()
    }

    pub async fn fetch_one(self, conn: &mut Conn) -> Result<T> {
        self.query.fetch_one(conn).await?.try_get(0usize)
    }
}

/// Runs one statement on a SQLite connection: binds, steps to the end, and keeps the rows if
/// asked. Returns the rows and how many rows the statement changed.
fn run_sqlite(conn: &rusqlite::Connection, sql: &str, values: &[Value<'_>], keep: bool) -> Result<(Vec<Row>, u64)> {
    let mut stmt = conn.prepare_cached(sql)?;
    for at in 1..=stmt.parameter_count() {
        // `$N` takes the N-th value wherever it stands; an anonymous `?` takes the next.
        let from = match stmt.parameter_name(at) {
            Some(name) => name[1..].parse::<usize>().map_err(|_| StoreError::Unsupported("named SQL parameters"))?,
            None => at,
        };
        let value = values
            .get(from - 1)
            .ok_or_else(|| StoreError::Corrupt(format!("statement wants parameter {from}, {} bound", values.len())))?;
        stmt.raw_bind_parameter(at, value)?;
    }
    let width = stmt.column_count();
    let columns: Arc<[Box<str>]> =
        if keep { stmt.column_names().into_iter().map(Box::from).collect() } else { Arc::from(Vec::new()) };
    let mut out = Vec::new();
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next()? {
        if keep {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(Stored::read(row.get_ref(i)?));
            }
            out.push(Row::Sqlite(SqliteRow { columns: columns.clone(), values }));
        }
    }
    drop(rows);
    Ok((out, conn.changes()))
}

/// A connection of the store: a SQLite connection lent by its pool, or a PostgreSQL one (on
/// its own, or inside a transaction).
pub struct Conn {
    inner: Inner,
}

enum Inner {
    Sqlite(Lease),
    Postgres(sqlx::pool::PoolConnection<sqlx::Any>),
    PostgresTx(sqlx::Transaction<'static, sqlx::Any>),
    /// A transaction already committed.
    Spent,
}

enum Engine<'c> {
    // `&mut`: a shared reference to a SQLite connection may not cross an `.await`.
    Sqlite(&'c mut rusqlite::Connection),
    Postgres(&'c mut sqlx::AnyConnection),
}

impl Conn {
    pub(crate) fn sqlite(lease: Lease) -> Conn {
        Conn { inner: Inner::Sqlite(lease) }
    }

    pub(crate) fn postgres(conn: sqlx::pool::PoolConnection<sqlx::Any>) -> Conn {
        Conn { inner: Inner::Postgres(conn) }
    }

    pub(crate) fn postgres_tx(tx: sqlx::Transaction<'static, sqlx::Any>) -> Conn {
        Conn { inner: Inner::PostgresTx(tx) }
    }

    fn engine(&mut self) -> Result<Engine<'_>> {
        match &mut self.inner {
            Inner::Sqlite(lease) => Ok(Engine::Sqlite(lease.conn())),
            Inner::Postgres(c) => Ok(Engine::Postgres(c)),
            Inner::PostgresTx(t) => Ok(Engine::Postgres(t)),
            Inner::Spent => Err(StoreError::Closed),
        }
    }

    /// The engine this connection talks to, for the few statements that must differ.
    pub fn backend(&self) -> Backend {
        match self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            _ => Backend::Postgres,
        }
    }

    /// Runs statements without values (`BEGIN`, `COMMIT`, pragmas).
    pub(crate) async fn batch(&mut self, sql: &str) -> Result<()> {
        match self.engine()? {
            Engine::Sqlite(c) => c.execute_batch(sql)?,
            Engine::Postgres(c) => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(c).await?;
            }
        }
        Ok(())
    }

    /// Starts a write transaction on this connection: on the SQLite writer a savepoint in its
    /// open batch (see `write_batch`), elsewhere `BEGIN IMMEDIATE`.
    pub(crate) async fn begin_write(&mut self) -> Result<()> {
        if let Inner::Sqlite(lease) = &mut self.inner
            && let Some(batches) = lease.pool.batches.clone()
        {
            return batches.begin(lease.conn());
        }
        self.batch("BEGIN IMMEDIATE").await
    }

    /// Commits the PostgreSQL transaction this connection holds, or ends the SQLite one. On
    /// the SQLite writer the commit is not on disk yet, maybe not even made: the caller lets
    /// go of the connection, then waits with what this returns.
    pub(crate) async fn commit(&mut self) -> Result<Committed> {
        match &mut self.inner {
            Inner::PostgresTx(_) => match std::mem::replace(&mut self.inner, Inner::Spent) {
                Inner::PostgresTx(tx) => {
                    tx.commit().await?;
                    Ok(Committed::Done)
                }
                _ => unreachable!("matched just above"),
            },
            Inner::Sqlite(lease) => match lease.pool.batches.clone() {
                Some(batches) => Ok(match batches.release(lease.conn())? {
                    Released::Committed(seq) => Committed::Made(lease.pool.clone(), seq),
                    Released::Pending(member) => Committed::Pending(lease.pool.clone(), member),
                }),
                None => {
                    lease.conn().execute_batch("COMMIT")?;
                    Ok(Committed::Done)
                }
            },
            _ => Err(StoreError::Closed),
        }
    }

    /// A connection already given back (what a committed transaction leaves behind).
    pub(crate) fn spent() -> Conn {
        Conn { inner: Inner::Spent }
    }

    /// On SQLite, ends a transaction left open (a write dropped without its commit, or one
    /// whose commit failed). PostgreSQL's transaction rolls back on its own when dropped.
    pub(crate) fn rollback_if_open(&mut self) {
        if let Inner::Sqlite(lease) = &mut self.inner {
            if let Some(batches) = lease.pool.batches.clone() {
                batches.abandon(lease.conn());
                return;
            }
            let conn = lease.conn();
            if !conn.is_autocommit()
                && let Err(e) = conn.execute_batch("ROLLBACK")
            {
                tracing::error!(error = %e, "rolling back a SQLite transaction failed");
            }
        }
    }

    /// On the SQLite writer, commits the batch left open, for a statement that cannot run
    /// inside a transaction.
    pub(crate) fn close_batch(&mut self) {
        if let Inner::Sqlite(lease) = &mut self.inner
            && let Some(batches) = lease.pool.batches.clone()
        {
            batches.close(lease.conn(), None);
        }
    }
}

/// What a committed write transaction waits for before it is durable.
pub(crate) enum Committed {
    /// Nothing: PostgreSQL, or SQLite syncing in its own `COMMIT`.
    Done,
    /// The flush of the SQLite log past this commit number.
    Made(Arc<SqlitePool>, u64),
    /// The `COMMIT` of the batch it was released into, then its flush.
    Pending(Arc<SqlitePool>, Member),
}

impl Committed {
    /// Waits until the transaction is on disk, or fails if it was lost. Call it without
    /// holding the writer.
    pub(crate) async fn wait(self) -> Result<()> {
        self.wait_for(true).await
    }

    /// Waits until the transaction is committed and, with `flushed`, on disk.
    pub(crate) async fn wait_for(self, flushed: bool) -> Result<()> {
        let (pool, seq) = match self {
            Committed::Done => return Ok(()),
            Committed::Made(pool, seq) => (pool, seq),
            Committed::Pending(pool, mut member) => {
                let mut waiting = Waiting { pool: &pool, batch: member.batch(), settled: false };
                let seq = loop {
                    if let Some(seq) = member.outcome().await {
                        break seq;
                    }
                    // Nobody committed the batch: take the writer's turn and commit it.
                    let mut lease = pool.lease().await?;
                    if let Some(batches) = pool.batches.as_ref() {
                        batches.close(lease.conn(), Some(member.batch()));
                    }
                };
                waiting.settled = true;
                drop(waiting);
                (pool.clone(), seq?)
            }
        };
        match pool.batches.as_ref() {
            Some(batches) if flushed => batches.wal().wait(seq).await.map_err(StoreError::Disk),
            _ => Ok(()),
        }
    }
}

/// A member of a batch waiting for it. If the wait is given up (the request was cancelled)
/// while the writer is free, nobody may come to commit the batch: commit it on the way out.
/// While somebody holds the writer, they commit it or pass it on, as every holder does.
struct Waiting<'a> {
    pool: &'a Arc<SqlitePool>,
    batch: u64,
    settled: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        if let Some(mut lease) = self.pool.try_lease()
            && let Some(batches) = self.pool.batches.as_ref()
        {
            batches.close(lease.conn(), Some(self.batch));
        }
    }
}

/// How each SQLite connection of a pool is opened.
pub(crate) struct SqliteConfig {
    pub path: std::path::PathBuf,
    pub flags: rusqlite::OpenFlags,
    pub cache_kib: i64,
    /// Readers refuse to write: every write must go through the one writer connection and its
    /// turn, or it would wait on SQLite's lock on the caller's thread.
    pub query_only: bool,
    /// The writer commits without syncing the log and syncs it after (see `group_commit`).
    pub group_commit: bool,
}

/// A few SQLite connections to one file, lent one at a time.
pub(crate) struct SqlitePool {
    config: SqliteConfig,
    idle: Mutex<Vec<rusqlite::Connection>>,
    permits: Arc<tokio::sync::Semaphore>,
    /// The writer's batches of transactions and its log's flusher (see `write_batch`).
    pub(crate) batches: Option<Arc<Batches>>,
}

/// Prepared statements kept per connection: every text the store runs, bulk chunks included,
/// fits, so each is compiled once per connection.
const STATEMENT_CACHE: usize = 512;

impl SqlitePool {
    pub fn new(config: SqliteConfig, size: usize) -> Arc<SqlitePool> {
        let batches = config.group_commit.then(|| Arc::new(Batches::new(Arc::new(WalSync::new(&config.path)))));
        Arc::new(SqlitePool {
            config,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(tokio::sync::Semaphore::new(size)),
            batches,
        })
    }

    #[cfg(test)]
    pub fn wal(&self) -> Option<&Arc<WalSync>> {
        self.batches.as_ref().map(|b| b.wal())
    }

    /// Opens one connection now, so that a wrong path or a locked file is an error at start.
    pub fn warm(self: &Arc<Self>) -> Result<()> {
        let conn = self.open()?;
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
        Ok(())
    }

    fn open(&self) -> Result<rusqlite::Connection> {
        let c = &self.config;
        let conn = rusqlite::Connection::open_with_flags(&c.path, c.flags).map_err(|e| {
            let why = match &e {
                rusqlite::Error::SqliteFailure(code, _) => code.to_string(),
                other => other.to_string(),
            };
            StoreError::Open(c.path.display().to_string(), why)
        })?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // WAL lets readers go on while one writer writes. A committed transaction survives a
        // power cut, which money needs: synchronous=FULL syncs the log in each COMMIT, and with
        // group commit the caller waits for a sync of the log after it (see `group_commit`).
        // A statement that writes many rows keeps a journal of its own, to undo just itself:
        // in memory, not in a file.
        // With group commit, checkpoints run on a thread of their own, not in the writer's
        // COMMIT (see `group_commit`).
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {}; PRAGMA foreign_keys = ON; \
             PRAGMA cache_size = -{}; PRAGMA temp_store = MEMORY; PRAGMA query_only = {}; \
             PRAGMA wal_autocheckpoint = {};",
            if c.group_commit { "NORMAL" } else { "FULL" },
            c.cache_kib,
            if c.query_only { "ON" } else { "OFF" },
            if c.group_commit { 0 } else { 1000 }
        ))?;
        Ok(conn)
    }

    /// Waits for a free connection (in order), opening one if none is idle.
    pub async fn lease(self: &Arc<Self>) -> Result<Lease> {
        let permit = self.permits.clone().acquire_owned().await.map_err(|_| StoreError::Closed)?;
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.open()?,
        };
        Ok(Lease { conn: Some(conn), pool: self.clone(), _permit: permit })
    }

    /// A connection if one is free now, without waiting.
    fn try_lease(self: &Arc<Self>) -> Option<Lease> {
        let permit = self.permits.clone().try_acquire_owned().ok()?;
        let conn = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop()?;
        Some(Lease { conn: Some(conn), pool: self.clone(), _permit: permit })
    }

    /// The writer's turn for a write transaction: while it waits, a batch is passed on to it
    /// rather than committed (see `write_batch`).
    pub async fn lease_writer(self: &Arc<Self>) -> Result<Lease> {
        let _queued = self.batches.as_ref().map(|b| b.queue());
        self.lease().await
    }

    /// Closes the idle connections and lends no more.
    pub fn close(&self) {
        self.permits.close();
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// A SQLite connection on loan; it goes back to its pool when dropped.
pub(crate) struct Lease {
    conn: Option<rusqlite::Connection>,
    pool: Arc<SqlitePool>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Lease {
    fn conn(&mut self) -> &mut rusqlite::Connection {
        self.conn.as_mut().expect("a lease holds its connection until dropped")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take()
            && !self.pool.permits.is_closed()
        {
            self.pool.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
        }
    }
}

/// Whether a failed statement broke a unique constraint (the thing already exists).
pub(crate) fn is_unique_violation(e: &StoreError) -> bool {
    match e {
        StoreError::Database(sqlx::Error::Database(db)) => db.is_unique_violation(),
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
            f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn memory() -> Conn {
        let pool = SqlitePool::new(
            SqliteConfig {
                path: ":memory:".into(),
                flags: rusqlite::OpenFlags::default(),
                cache_kib: 2048,
                query_only: false,
                group_commit: false,
            },
            1,
        );
        Conn::sqlite(pool.lease().await.unwrap())
    }

    #[tokio::test]
    async fn binds_by_number_wherever_the_number_stands() {
        let mut conn = memory().await;
        let row =
            query("SELECT $2 AS b, $1 AS a, $2 || $1 AS ba").bind("x").bind("y").fetch_one(&mut conn).await.unwrap();
        assert_eq!(row.try_get::<String, _>("a").unwrap(), "x");
        assert_eq!(row.try_get::<String, _>("b").unwrap(), "y");
        assert_eq!(row.try_get::<String, _>("ba").unwrap(), "yx");
    }

    #[tokio::test]
    async fn nulls_decode_as_none_and_refuse_a_plain_type() {
        let mut conn = memory().await;
        let row = query("SELECT $1 AS n, 5 AS five").bind(None::<i64>).fetch_one(&mut conn).await.unwrap();
        assert_eq!(row.try_get::<Option<i64>, _>("n").unwrap(), None);
        assert!(row.try_get::<i64, _>("n").is_err());
        assert_eq!(row.try_get::<Option<i64>, _>("five").unwrap(), Some(5));
        assert!(row.try_get::<i64, _>("missing").is_err());
    }

    #[tokio::test]
    async fn counts_changed_rows_and_spots_a_duplicate() {
        let mut conn = memory().await;
        query("CREATE TABLE t (id TEXT PRIMARY KEY, on_ BOOLEAN NOT NULL)").execute(&mut conn).await.unwrap();
        let done = query("INSERT INTO t VALUES ($1, $2), ($3, $2)")
            .bind("a")
            .bind(true)
            .bind("b")
            .execute(&mut conn)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 2);
        let again = query("INSERT INTO t VALUES ($1, $2)").bind("a").bind(false).execute(&mut conn).await;
        assert!(is_unique_violation(&again.err().unwrap()));
        let on: Vec<bool> = query_scalar("SELECT on_ FROM t ORDER BY id").fetch_all(&mut conn).await.unwrap();
        assert_eq!(on, [true, true]);
    }
}
