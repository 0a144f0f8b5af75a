//! Slow clients: connections that send half a request neither use up the server's
//! connections nor keep `/healthz` from answering, and are closed after the header timeout.

use crate::helpers::*;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn half_request(address: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: partnerhub\r\n").await.expect("write");
    stream
}

/// Whether the server closed `stream` within `within` (what it sent before closing, if
/// anything, does not matter).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn a_flood_of_half_sent_requests_leaves_healthz_answering_and_is_cut_off() {
    let header_timeout = Duration::from_secs(3);
    let limits = web::ConnectionLimits {
        max_connections: 100,
        header_timeout,
        idle_timeout: Duration::from_secs(30),
        body_timeout: Duration::from_secs(30),
    };
    let t = spawn_app_with_limits(limits).await;
    let address = t.url.strip_prefix("http://").unwrap().to_owned();

    let opened = Instant::now();
    let mut flood = Vec::new();
    for _ in 0..300 {
        flood.push(half_request(&address).await);
    }
    // Over the cap, the connections that waited longest for a request gave way at once.
    assert!(closed_within(&mut flood[0], Duration::from_millis(500)).await, "the oldest half request was closed");
    assert!(opened.elapsed() < header_timeout, "closed to make room, not by the header timeout");

    // More keep coming while /healthz is asked, each on a new connection.
    let stop = Arc::new(AtomicBool::new(false));
    let flooder = tokio::spawn({
        let (address, stop) = (address.clone(), stop.clone());
        async move {
            let mut held = VecDeque::new();
            for _ in 0..2_000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                held.push_back(half_request(&address).await);
                if held.len() > 200 {
                    held.pop_front();
                }
                tokio::task::yield_now().await;
            }
        }
    });
    let probe = http_client().pool_max_idle_per_host(0).timeout(Duration::from_secs(5)).build().unwrap();
    for _ in 0..5 {
        let started = Instant::now();
        let r = probe.get(format!("{}/healthz", t.url)).send().await.expect("/healthz answers during the flood");
        assert_eq!(r.status(), reqwest::StatusCode::OK);
        assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    }
    stop.store(true, Ordering::Relaxed);
    flooder.await.unwrap();

    // Every half request still held is closed by the header timeout.
    let started = Instant::now();
    for stream in flood.iter_mut() {
        assert!(closed_within(stream, header_timeout + Duration::from_secs(2)).await, "a half request stayed open");
    }
    assert!(started.elapsed() <= header_timeout + Duration::from_secs(2));
}

#[tokio::test]
async fn a_body_sent_a_byte_at_a_time_is_cut_off_at_the_body_timeout_and_changes_nothing() {
    let body_timeout = Duration::from_secs(2);
    let limits = web::ConnectionLimits {
        max_connections: 100,
        header_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(30),
        body_timeout,
    };
    let t = spawn_app_with_limits(limits).await;
    let address = t.url.strip_prefix("http://").unwrap().to_owned();
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let head = "POST /api/v1/signup HTTP/1.1\r\nHost: partnerhub\r\nContent-Type: application/json\r\n\
                Content-Length: 400\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    // A byte every 300 ms: never idle long enough for the idle timeout, never done.
    let started = Instant::now();
    let mut answered = false;
    let mut buf = [0u8; 1024];
    while started.elapsed() < body_timeout + Duration::from_secs(3) {
        if stream.write_all(b" ").await.is_err() {
            answered = true;
            break;
        }
        match tokio::time::timeout(Duration::from_millis(300), stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => {
                answered = true;
                break;
            }
            Ok(Ok(n)) => {
                assert!(!String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 2"), "no success for a cut body");
                answered = true;
                break;
            }
            Err(_) => {}
        }
    }
    assert!(answered, "the trickled body was cut off");
    assert!(
        started.elapsed() >= body_timeout - Duration::from_millis(500),
        "not before its time: {:?}",
        started.elapsed()
    );
    let mut conn = t.app.store().read().await.unwrap();
    let orgs: i64 = store::sql::query_scalar("SELECT COUNT(*) FROM orgs").fetch_one(&mut conn).await.unwrap();
    assert_eq!(orgs, 0, "nothing was signed up");
}
