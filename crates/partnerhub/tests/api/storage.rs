//! Storage faults answer as what they are: a database on a full filesystem gives 503
//! `storage_unavailable` with `Retry-After` (not a 500 that reads like a bug), readiness says
//! so, nothing is half saved, and writes work again once there is room.

use crate::crash::launch_with;
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;
use std::process::Command;

/// A small tmpfs of its own, unmounted at the end; `None` where mounting is not allowed.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(dir: &std::path::Path, size: &str) -> Option<SmallDisk> {
        let path = dir.join("disk");
        std::fs::create_dir_all(&path).ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .ok()?;
        mounted.success().then_some(SmallDisk(path))
    }

    /// Writes a filler file until the filesystem is full.
    fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.0.join("filler")).unwrap();
        let block = vec![0u8; 4096];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
    }

    fn free(&self) {
        std::fs::remove_file(self.0.join("filler")).unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn signup(n: usize) -> serde_json::Value {
    json!({"company_name": format!("Diskco {n}"), "country": "US", "name": "Ada",
        "email": format!("ada{n}@diskco.example"), "password": PASSWORD})
}

#[tokio::test]
async fn a_full_disk_answers_storage_unavailable_and_recovers_when_there_is_room() {
    if on_postgres() {
        return; // The database file is SQLite's; PostgreSQL's disk is its server's.
    }
    let dir = tempdir::TempDir::new();
    let Some(disk) = SmallDisk::mount(&dir.0, "24m") else {
        eprintln!("skipped: this machine does not let the test mount a small filesystem");
        return;
    };
    let url = format!("sqlite://{}?mode=rwc", disk.0.join("partnerhub.db").display());
    // Many sign-ups from one address: the test's own, not an attack.
    let server = launch_with(&url, &dir.0, None, None, &[("PARTNERHUB_SIGNUP_RATE", "100000")]);
    let api = Api { url: server.url.clone(), token: None, client: http_client().build().unwrap() };
    assert_eq!(api.post("/api/v1/signup", signup(0)).await.0, StatusCode::CREATED);

    disk.fill();
    let mut full = None;
    // The first writes may still fit in pages the database file has; a few more fill them.
    for n in 1..200 {
        let r = api.client.post(format!("{}/api/v1/signup", api.url)).json(&signup(n)).send().await.unwrap();
        if r.status() != StatusCode::CREATED {
            full = Some((
                r.status(),
                r.headers().get("retry-after").cloned(),
                r.json::<serde_json::Value>().await.unwrap(),
            ));
            break;
        }
    }
    let (status, retry_after, body) = full.expect("a write refused on the full disk");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "storage_unavailable", "{body}");
    assert!(retry_after.is_some(), "Retry-After is sent");
    let ready = api.client.get(format!("{}/readyz", api.url)).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE, "readiness says the database cannot take writes");
    let health = api.client.get(format!("{}/healthz", api.url)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK, "the process is alive");

    disk.free();
    let (status, body) = api.post("/api/v1/signup", signup(500)).await;
    assert_eq!(status, StatusCode::CREATED, "writes work again once there is room: {body}");
    let (status, body) = api.post("/api/v1/signup", signup(0)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("email_taken")), "the first org is there");
    drop(server);
}

#[tokio::test]
async fn a_shared_memory_file_that_cannot_be_written_is_refused_at_start_with_its_name() {
    if on_postgres() {
        return;
    }
    let dir = tempdir::TempDir::new();
    let db = dir.0.join("partnerhub.db");
    let url = format!("sqlite://{}?mode=rwc", db.display());
    // A server killed leaves its -wal and -shm files beside the database.
    let mut server = launch_with(&url, &dir.0, None, None, &[]);
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let shm = dir.0.join("partnerhub.db-shm");
    assert!(shm.exists());
    let frozen = Command::new("chattr").arg("+i").arg(&shm).status().is_ok_and(|s| s.success());
    if !frozen {
        eprintln!("skipped: this filesystem cannot make a file immutable");
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_partnerhub"))
        .args(["--database-url", &url, "serve", "--listen", "127.0.0.1:0"])
        .current_dir(&dir.0)
        .output()
        .unwrap();
    let _ = Command::new("chattr").arg("-i").arg(&shm).status();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "refused to start");
    assert!(err.contains("partnerhub.db-shm") && err.contains("cannot be written"), "{err}");
}
