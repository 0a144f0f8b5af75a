//! The renewal run: one pass for today (reminders, the due subscriptions batch by batch, the
//! grants and the refunds due), and `run_until`, day after day, for `jobs run`.

use super::{batch, one_by_one, reminders};
use crate::error::AppError;
use crate::state::App;
use chrono::NaiveDate;
use domain::term::program_day;
use std::sync::Mutex;

/// How many subscriptions a worker claims at a time when charges are paced by a rate limit or
/// sent one by one (Stripe): small enough that each is sent well within the lease and long
/// before reconciliation would give its attempt up.
const PACED_BATCH: i64 = 50;
/// How many when the sandbox takes a whole batch of charges at once.
const SANDBOX_BATCH: i64 = 1000;

/// What one pass of the renewal run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunReport {
    /// Renewal charges this run sent to the gateway (whatever their answer).
    pub charged: usize,
    /// Earlier tries this run found settled at the gateway and recorded (left by a worker that
    /// died between the charge and its record).
    pub finished: usize,
    pub expired: usize,
    pub reminders: usize,
    /// Monthly credits and support balances granted.
    pub grants: usize,
    /// Pending refunds the gateway made (after a failed or interrupted first try).
    pub refunds: usize,
}

/// One pass of the renewal run for today: reminders, then every due subscription (automatic
/// renewal, retry or expiry), batch by batch, until none is left, then the benefit grants due
/// (after the renewals, so that a grant on the renewal day belongs to the renewed term and
/// none is made for a subscription that expired today), and last the pending refunds due
/// another try. Safe to run on several workers at
/// once.
pub async fn run_due(app: &App) -> Result<RunReport, AppError> {
    run_due_with(app, |_| {}).await
}

/// [`run_due`], telling `progress` the totals so far after each batch.
pub async fn run_due_with(app: &App, progress: impl FnMut(RunReport) + Send) -> Result<RunReport, AppError> {
    let report = Mutex::new(RunReport { reminders: reminders::send_reminders(app).await?, ..RunReport::default() });
    let progress = Mutex::new(progress);
    let size = match app.settings().renewal_batch {
        Some(n) => i64::from(n.max(1)),
        None if app.paces_charges() || !matches!(app.gateway(), payments::Gateway::Sandbox(_)) => PACED_BATCH,
        None => SANDBOX_BATCH,
    };
    // On PostgreSQL two lanes of batches: while one waits on the database (or the gateway),
    // the other builds its rows or runs its statements on another backend. SQLite has one
    // writer; a second lane only makes the two queue for it (measured: slower).
    let lanes = match app.store().backend() {
        store::Backend::Postgres => 2,
        store::Backend::Sqlite => 1,
    };
    let (report_ref, progress_ref) = (&report, &progress);
    let lane = |n: usize| async move {
        if n >= lanes {
            return Ok(());
        }
        loop {
            let Some(done) = batch::renew(app, size).await? else { return Ok::<(), AppError>(()) };
            let handled = one_by_one::one_by_one(app, done.one_by_one).await?;
            let lane_report = RunReport {
                charged: done.charged + handled.charged,
                finished: handled.finished,
                expired: handled.expired,
                ..RunReport::default()
            };
            let so_far = {
                let mut total = report_ref.lock().unwrap_or_else(|p| p.into_inner());
                total.charged += lane_report.charged;
                total.finished += lane_report.finished;
                total.expired += lane_report.expired;
                *total
            };
            (progress_ref.lock().unwrap_or_else(|p| p.into_inner()))(so_far);
        }
    };
    let (first, second) = tokio::join!(lane(0), lane(1));
    first?;
    second?;
    let mut report = report.into_inner().unwrap_or_else(|p| p.into_inner());
    report.grants = crate::benefits::grant_due(app).await?;
    report.refunds = crate::cancellation::send_due(app).await?;
    Ok(report)
}

/// Runs the renewal run day by day from the clock's day to `until` (inclusive), moving the
/// clock to the start of each day in the program's time zone: `partnerhub jobs run --until`
/// for operators catching up, and for tests that travel years ahead. `progress` hears the
/// day's totals after each batch and at the end of the day.
///
/// A day is done only when nothing due on it is left: what another worker holds (or a dead
/// one held) is waited for until its lease or its payment attempt may be taken over, then done
/// here; what still cannot be done ends the run with an error that says what is left and why.
pub async fn run_until(
    app: &App,
    clock: &crate::clock::ManualClock,
    until: NaiveDate,
    mut progress: impl FnMut(NaiveDate, RunReport) + Send,
) -> Result<RunReport, AppError> {
    use crate::clock::Clock;
    let tz = app.catalog().program().time_zone();
    let mut day = program_day(clock.now(), tz);
    let mut total = RunReport::default();
    while day <= until {
        if let Some(start) = day.and_hms_opt(0, 0, 1).and_then(|t| t.and_local_timezone(tz).earliest()) {
            let start = start.with_timezone(&chrono::Utc);
            if start > clock.now() {
                clock.set(start);
            }
        }
        let mut rounds = 0;
        loop {
            let report = run_due_with(app, |so_far| progress(day, so_far)).await?;
            total.charged += report.charged;
            total.finished += report.finished;
            total.expired += report.expired;
            total.reminders += report.reminders;
            total.grants += report.grants;
            total.refunds += report.refunds;
            progress(day, report);
            rounds += 1;
            match wait_for_left(app, clock, day, rounds).await? {
                Left::Nothing => break,
                Left::Ready => {}
            }
        }
        day = day.succ_opt().ok_or_else(|| AppError::internal("the calendar ended"))?;
    }
    Ok(total)
}

/// Passes of one day after which work still left is reported rather than tried again.
const MAX_PASSES: u32 = 5;

enum Left {
    Nothing,
    /// Something is left that may be taken over now: run the day again.
    Ready,
}

/// Looks for work due on `day` that the passes left (held by a lease, or waiting for an
/// earlier payment attempt to be given up on) and waits, looking again every second, until
/// the first of it can be taken or none is left (the worker holding it finished).
async fn wait_for_left(
    app: &App,
    clock: &crate::clock::ManualClock,
    day: NaiveDate,
    passes: u32,
) -> Result<Left, AppError> {
    use crate::clock::Clock;
    let mut told = false;
    loop {
        let left = store::subscriptions::due_left(&mut app.store().read().await?, day, 1000).await?;
        let Some(ready_at) = left.iter().map(|l| taken_over_at(app, l)).min() else { return Ok(Left::Nothing) };
        let wait = ready_at - app.wall_now();
        if wait <= chrono::Duration::zero() && passes < MAX_PASSES {
            return Ok(Left::Ready);
        }
        // A clock whose wall time does not run by itself (a test's) would wait for ever, and
        // no lease is longer than the lease setting.
        let can_wait = clock.wall_runs() && wait <= app.settings().lease + chrono::Duration::seconds(5);
        if passes >= MAX_PASSES || !can_wait {
            let ids: Vec<&str> = left.iter().take(5).map(|l| l.id.as_str()).collect();
            let more =
                if left.len() > ids.len() { format!(" and {} more", left.len() - ids.len()) } else { String::new() };
            return Err(AppError::Conflict {
                code: "work_left",
                message: format!(
                    "{} subscription(s) due on or before {day} are still due after {passes} passes ({}{more}): \
                     held by another worker until {ready_at}, or failing each time (see the warnings above); \
                     run again later",
                    left.len(),
                    ids.join(", ")
                )
                .into(),
            });
        }
        if !told {
            tracing::warn!(
                left = left.len(),
                %day,
                seconds = wait.num_seconds(),
                "work due is held by another worker (or one that died); waiting until it is done or can be taken over"
            );
            told = true;
        }
        let step = wait.to_std().unwrap_or_default().min(std::time::Duration::from_secs(1));
        tokio::time::sleep(step + std::time::Duration::from_millis(20)).await;
    }
}

/// When a subscription left due can be taken over: its lease has run out, and its earlier
/// payment attempt, if any, may be given up on.
fn taken_over_at(app: &App, left: &store::subscriptions::DueLeft) -> chrono::DateTime<chrono::Utc> {
    let never = chrono::DateTime::<chrono::Utc>::MIN_UTC;
    let held = left.lease_until.unwrap_or(never);
    let attempt = left.pending_since.map_or(never, |p| p + app.settings().abandon_after);
    held.max(attempt)
}
