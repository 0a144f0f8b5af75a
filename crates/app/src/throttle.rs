//! Throttling of every secret a person can guess (`domain::throttle` has the doors and their
//! limits). A guess is claimed, counted and written in one transaction before it is checked,
//! so that guesses made at once each see the ones before them; then it is settled as right
//! ([`Guess::right`]) or wrong ([`Guess::wrong`]).

use crate::actor::Origin;
use crate::error::AppError;
use crate::state::App;
use domain::ids::GuessId;
use domain::throttle::Door;

/// A guess written and not yet settled. Dropped unsettled (an error while checking), it stays
/// counted as a failure at its subject and ages out with its window.
#[must_use = "settle the guess as right or wrong"]
pub struct Guess {
    id: GuessId,
    door: &'static Door,
    subject: String,
    address: String,
}

/// What a wrong guess did to its subject's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrong {
    /// Under the limits still.
    Counted,
    /// This guess reached a limit on the subject: the moment to tell the account's owner.
    LockedOut,
}

/// Counts the windows and writes the guess; refuses (429 with the wait) when a limit is
/// reached. `subject` is what is guessed at: the e-mail typed, an account's id.
pub async fn claim(app: &App, door: &'static Door, subject: &str, origin: &Origin) -> Result<Guess, AppError> {
    // An overlong subject is cut (an address has at most 254 characters) so that it always
    // fits its index.
    let subject: String = subject.chars().take(254).collect();
    let address = origin.address.clone().unwrap_or_default();
    let now = app.now();
    let mut tx = app.store().write().await?;
    store::guesses::lock(&mut tx, door.name, &subject).await?;
    let counts = store::guesses::counts(&mut tx, door.name, &subject, &address, windows(door, now)).await?;
    if let Some(minutes) = door.wait_minutes(counts.pair, counts.subject, counts.address) {
        return Err(AppError::RateLimited { retry_after_secs: (minutes * 60) as u64 });
    }
    let id = app.new_id(GuessId::from_random);
    let forget = now - chrono::Duration::minutes(door.longest_window_minutes());
    store::guesses::forget_before(&mut tx, door.name, &subject, &address, forget).await?;
    store::guesses::record(&mut tx, &id, door.name, &subject, &address, now).await?;
    tx.commit().await?;
    Ok(Guess { id, door, subject, address })
}

impl Guess {
    /// The guess was right: it is no failure, and the subject's earlier failures from this
    /// address are forgiven. Written in the caller's transaction, with what the right guess
    /// opens.
    pub async fn right(self, tx: &mut store::Conn) -> Result<(), AppError> {
        store::guesses::clear_success(tx, &self.id, self.door.name, &self.subject, &self.address).await?;
        Ok(())
    }

    /// The guess was wrong: it counts toward every limit now.
    pub async fn wrong(self, app: &App) -> Result<Wrong, AppError> {
        let mut tx = app.store().write().await?;
        store::guesses::checked_wrong(&mut tx, &self.id).await?;
        let window = windows(self.door, app.now());
        let counts = store::guesses::counts(&mut tx, self.door.name, &self.subject, &self.address, window).await?;
        tx.commit().await?;
        Ok(if self.door.reached_now(counts.pair, counts.subject) { Wrong::LockedOut } else { Wrong::Counted })
    }
}

/// Where each of a door's windows starts at `now`.
fn windows(door: &Door, now: chrono::DateTime<chrono::Utc>) -> store::guesses::Since {
    let since = |minutes: i64| now - chrono::Duration::minutes(minutes);
    store::guesses::Since {
        pair: since(door.pair.window_minutes),
        subject: since(door.subject.window_minutes),
        address: since(door.address.window_minutes),
    }
}
