//! The one place that reads the time. Everything else asks a [`Clock`], so tests and
//! `partnerhub jobs run --until` can set it.

use chrono::{DateTime, Utc};
use std::sync::Mutex;

pub trait Clock: Send + Sync {
    /// The time of the program: what days, terms, invoices and reminders are dated by.
    fn now(&self) -> DateTime<Utc>;

    /// The time that every process of one database shares, for claims one process holds on
    /// work another could take over: leases on renewals and webhook deliveries, a payment
    /// attempt given up on. The machine's clock, unless this clock moves it too: `jobs run`
    /// sets the program's time days ahead, and its leases must still mean to a server beside it
    /// what they mean to itself.
    fn wall(&self) -> DateTime<Utc> {
        Utc::now()
    }

    /// Whether [`Clock::wall`] moves on by itself (a test's manual clock does not).
    fn wall_runs(&self) -> bool {
        true
    }
}

/// The machine's time, for what must follow it whatever a [`Clock`] says: the order in which
/// this process makes ids and webhook events (`jobs run` holds the program's time still for a
/// whole day of work). Everything the program dates asks a [`Clock`].
pub fn machine_now() -> DateTime<Utc> {
    Utc::now()
}

/// Measures how long something takes on the machine's monotonic clock (a batch's pace, a
/// delivery's time, how often to show progress): a duration, never a date.
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch(std::time::Instant);

impl Stopwatch {
    pub fn start() -> Self {
        Stopwatch(std::time::Instant::now())
    }

    pub fn elapsed(&self) -> std::time::Duration {
        self.0.elapsed()
    }
}

/// The machine's clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until it is moved.
#[derive(Debug)]
pub struct ManualClock {
    at: Mutex<DateTime<Utc>>,
    /// Whether leases and give-up times follow the machine's clock rather than this one.
    wall_is_real: bool,
}

impl ManualClock {
    /// A clock that moves everything, leases included: for a test that owns the whole database.
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock { at: Mutex::new(at), wall_is_real: false }
    }

    /// A clock for the program's time only, beside processes on the real time: `jobs run`.
    pub fn beside_real_time(at: DateTime<Utc>) -> Self {
        ManualClock { at: Mutex::new(at), wall_is_real: true }
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = at;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.at.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.at.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn wall(&self) -> DateTime<Utc> {
        if self.wall_is_real { Utc::now() } else { self.now() }
    }

    fn wall_runs(&self) -> bool {
        self.wall_is_real
    }
}

/// The machine's clock shifted by a fixed offset: it runs at the real pace from a chosen start.
/// For browser tests that need a server living on another day (`serve --clock-start`).
#[derive(Debug)]
pub struct OffsetClock(chrono::Duration);

impl OffsetClock {
    /// A clock that reads `start` now and moves on from there.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        OffsetClock(start - Utc::now())
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.0
    }

    /// Shifted too: a test starts a server "later" to find a dead one's leases run out.
    fn wall(&self) -> DateTime<Utc> {
        self.now()
    }
}
