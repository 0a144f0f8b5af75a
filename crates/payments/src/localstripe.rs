//! Test support: a localstripe (a stateful Stripe emulator, from PyPI) for one test, started
//! with `scripts/localstripe PORT` on a free port of 127.0.0.1 and stopped when dropped, so
//! tests share no state and may run in parallel. With `LOCALSTRIPE_URL` set, that server is
//! used instead (each test then works with its own customers and keys). Used by this crate's
//! tests and by the HTTP tests of the app that run with the Stripe gateway; the script lives
//! in the source tree, so this is of no use to an installed binary.

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A localstripe for one test, stopped on drop (or one given by `LOCALSTRIPE_URL`).
pub struct Localstripe {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    child: Option<Child>,
    log: Option<PathBuf>,
}

impl Localstripe {
    pub fn start() -> Localstripe {
        if let Ok(url) = std::env::var("LOCALSTRIPE_URL") {
            return Localstripe { url: url.trim_end_matches('/').to_owned(), child: None, log: None };
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/localstripe");
        // A free port may be taken again between our probe and localstripe's bind: try a few.
        let mut last_failure = String::new();
        for _ in 0..3 {
            match Localstripe::spawn(&script) {
                Ok(server) => return server,
                Err(why) => last_failure = why,
            }
        }
        panic!(
            "could not start localstripe with {}: {last_failure}\n\
             It needs python3 and pip (the script installs localstripe from PyPI); \
             or set LOCALSTRIPE_URL to a running localstripe.",
            script.display()
        );
    }

    fn spawn(script: &Path) -> Result<Localstripe, String> {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let log = std::env::temp_dir().join(format!("localstripe-{}-{port}.log", std::process::id()));
        let out = File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(script)
            .arg(port.to_string())
            .env("LOCALSTRIPE_EXIT_WITH_PARENT", "1")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot run the script: {e}"))?;
        let mut server = Localstripe { url: format!("http://127.0.0.1:{port}"), child: Some(child), log: Some(log) };
        // The first run may install localstripe with pip: allow for that.
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(server);
            }
            let child = server.child.as_mut().expect("spawned");
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("it exited ({status}) before answering:\n{}", server.log_text()));
            }
            if Instant::now() > deadline {
                return Err(format!("it did not answer on port {port} within 180 s:\n{}", server.log_text()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_text(&self) -> String {
        self.log.as_ref().and_then(|path| std::fs::read_to_string(path).ok()).unwrap_or_default()
    }
}

impl Drop for Localstripe {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(log) = &self.log {
            let _ = std::fs::remove_file(log);
        }
    }
}
