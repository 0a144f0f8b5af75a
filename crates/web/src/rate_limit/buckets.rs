//! Token buckets in this node's memory, for many keys at once, that forget idle keys without
//! ever walking the whole map.
//!
//! A bucket holds `capacity` calls and refills evenly over `window`; one idle for a whole
//! window is full, the same as none. The keys live in shards (each its own lock), and each
//! shard keeps two generations: a call finds its bucket in the current one, or moves it over
//! from the previous one, or starts a full bucket. When a window has passed since the current
//! generation began, it becomes the previous one and the old previous one is dropped whole:
//! every bucket in it was idle for at least a window. A call costs one hash lookup or two,
//! whatever the number of keys (at 10,000 keys the old single map was walked on every call).

use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::net::IpAddr;
use std::sync::Mutex;

/// Whom a bucket counts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// An authenticated API token, by the hash of its secret.
    Token(String),
    /// A client address; IPv6 by its /64, what one host or site usually has.
    Address(IpAddr),
}

impl Key {
    pub fn address(ip: IpAddr) -> Key {
        match domain::net::canonical(ip) {
            IpAddr::V6(v6) => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                Key::Address(IpAddr::V6(network.into()))
            }
            v4 => Key::Address(v4),
        }
    }
}

const SHARDS: usize = 16;
/// Keys per generation of one shard beyond which the generation turns early (a flood of
/// addresses): memory stays bounded, and the least recently seen keys start over.
const MAX_KEYS_PER_GENERATION: usize = 64 * 1024;

pub struct Limiter {
    capacity: f64,
    per_second: f64,
    window: Duration,
    max_keys: usize,
    hasher: RandomState,
    shards: Vec<Mutex<Shard>>,
}

struct Shard {
    current: HashMap<Key, Bucket>,
    previous: HashMap<Key, Bucket>,
    began: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

impl Limiter {
    /// `capacity` calls, refilled evenly over `window`.
    pub fn new(capacity: u32, window: Duration) -> Limiter {
        let capacity = f64::from(capacity.max(1));
        let seconds = window.num_milliseconds().max(1) as f64 / 1000.0;
        let shards = (0..SHARDS)
            .map(|_| Mutex::new(Shard { current: HashMap::new(), previous: HashMap::new(), began: None }))
            .collect();
        let max_keys = MAX_KEYS_PER_GENERATION;
        Limiter { capacity, per_second: capacity / seconds, window, max_keys, hasher: RandomState::new(), shards }
    }

    /// Takes one call for `key` at `now`; `Err(seconds)` to wait when there is none left.
    pub fn take(&self, key: &Key, now: DateTime<Utc>) -> Result<(), u64> {
        let shard = &self.shards[self.hasher.hash_one(key) as usize % SHARDS];
        let mut shard = shard.lock().unwrap_or_else(|p| p.into_inner());
        let expired = shard.turn(now, self.window, self.max_keys);
        let found = shard.current.get(key).copied().or_else(|| shard.previous.remove(key));
        let mut bucket = found.unwrap_or(Bucket { tokens: self.capacity, at: now });
        let elapsed = (now - bucket.at).num_milliseconds().max(0) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.capacity);
        bucket.at = now.max(bucket.at);
        let answer = if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / self.per_second).ceil().max(1.0) as u64)
        };
        shard.current.insert(key.clone(), bucket);
        drop(shard);
        // Freed outside the lock.
        drop(expired);
        answer
    }

    /// How many keys each generation holds, summed over the shards: (current, previous).
    #[cfg(test)]
    fn sizes(&self) -> (usize, usize) {
        self.shards.iter().fold((0, 0), |(c, p), s| {
            let s = s.lock().unwrap();
            (c + s.current.len(), p + s.previous.len())
        })
    }
}

impl Shard {
    /// Starts a new generation when the current one is a window old (or too big); returns the
    /// generation that is forgotten, for the caller to free.
    fn turn(&mut self, now: DateTime<Utc>, window: Duration, max_keys: usize) -> HashMap<Key, Bucket> {
        let began = *self.began.get_or_insert(now);
        if now - began < window && self.current.len() < max_keys {
            return HashMap::new();
        }
        self.began = Some(now);
        let current = std::mem::take(&mut self.current);
        std::mem::replace(&mut self.previous, current)
    }
}

/// The node's buckets.
pub struct Limits {
    pub(super) api: Limiter,
    pub(super) signups: Limiter,
    pub(super) forms: Limiter,
}

impl Limits {
    pub fn new(settings: &app::Settings) -> Limits {
        Limits {
            api: Limiter::new(settings.api_rate_per_minute, Duration::minutes(1)),
            signups: Limiter::new(settings.signup_rate_per_hour, Duration::hours(1)),
            forms: Limiter::new(settings.form_rate_per_minute, Duration::minutes(1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn token(name: &str) -> Key {
        Key::Token(name.to_owned())
    }

    #[test]
    fn a_bucket_allows_a_window_of_calls_then_refills_evenly() {
        let limiter = Limiter::new(60, Duration::minutes(1));
        for _ in 0..60 {
            assert_eq!(limiter.take(&token("a"), t0()), Ok(()));
        }
        assert_eq!(limiter.take(&token("a"), t0()), Err(1));
        assert_eq!(limiter.take(&token("b"), t0()), Ok(()), "another token has its own bucket");
        assert_eq!(limiter.take(&token("a"), t0() + Duration::seconds(1)), Ok(()));
        assert!(limiter.take(&token("a"), t0() + Duration::seconds(1)).is_err());
    }

    #[test]
    fn an_emptied_bucket_stays_empty_across_a_change_of_generation() {
        let limiter = Limiter::new(60, Duration::minutes(1));
        let drained = t0() + Duration::seconds(59);
        for _ in 0..60 {
            limiter.take(&token("a"), drained).unwrap();
        }
        // The generation turns at one minute; the bucket moves over with what it holds.
        let later = t0() + Duration::seconds(60);
        assert_eq!(limiter.take(&token("a"), later), Ok(()), "one second refilled one call");
        assert!(limiter.take(&token("a"), later).is_err());
        assert_eq!(limiter.sizes().0, 1);
    }

    #[test]
    fn idle_buckets_are_forgotten_whole_without_a_walk_over_them() {
        let limiter = Limiter::new(600, Duration::minutes(1));
        for n in 0..100_000u32 {
            limiter.take(&Key::Address(IpAddr::from(n.to_be_bytes())), t0()).unwrap();
        }
        assert_eq!(limiter.sizes(), (100_000, 0));
        // A window later, a call per shard turns its generation: the idle buckets move to the
        // previous generation as one map, untouched, and only the caller's bucket is current.
        let later = t0() + Duration::seconds(61);
        let callers: Vec<Key> = (0..).map(|n| token(&format!("t{n}"))).take(2_000).collect();
        for key in &callers {
            limiter.take(key, later).unwrap();
        }
        let (current, previous) = limiter.sizes();
        assert_eq!(current, callers.len());
        assert_eq!(previous, 100_000, "moved, not scanned or refilled");
        // Another window on, they are gone; a returning address starts with a full bucket.
        let much_later = later + Duration::seconds(61);
        for key in &callers {
            limiter.take(key, much_later).unwrap();
        }
        assert_eq!(limiter.sizes(), (callers.len(), 0));
        assert_eq!(limiter.take(&Key::Address(IpAddr::from([0, 0, 0, 7])), much_later), Ok(()));
    }

    #[test]
    fn a_flood_of_keys_turns_generations_early_so_memory_stays_bounded() {
        let limiter = Limiter { max_keys: 100, ..Limiter::new(10, Duration::hours(1)) };
        for n in 0..(SHARDS * 100 * 5) as u32 {
            limiter.take(&Key::Address(IpAddr::from(n.to_be_bytes())), t0()).unwrap();
        }
        let (current, previous) = limiter.sizes();
        assert!(current + previous <= 2 * SHARDS * 100, "{current} + {previous}");
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_bit_network() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(Key::address(a), Key::address(b));
        assert_ne!(Key::address(a), Key::address(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(Key::address(mapped), Key::Address("192.0.2.1".parse().unwrap()));
    }
}
