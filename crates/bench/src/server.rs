//! The server under test: the real `partnerhub` binary as a child process on 127.0.0.1, and what
//! `/proc` says about it (resident memory, CPU time).

use anyhow::{Context, bail};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const RUNNING: &str = "partnerhub is running at ";

pub struct Server {
    child: Child,
    pub url: String,
    pub pid: u32,
    log: PathBuf,
}

impl Server {
    /// Starts `partnerhub serve` on a free loopback port over `database_url`, in `dir` (so no
    /// `partnerhub.toml` of the caller's folder is read), with a clean environment (no
    /// `DATABASE_URL`, `PARTNERHUB_*`, `RUST_LOG` leaking in): the defaults a fresh install has.
    /// `env` adds variables for experiments (e.g. `MALLOC_MMAP_THRESHOLD_=131072`).
    pub fn start(bin: &Path, dir: &Path, database_url: &str, env: &[(String, String)]) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let listen = format!("127.0.0.1:{port}");
        let log = (1..).map(|n| dir.join(format!("server-{n}.log"))).find(|p| !p.exists()).expect("a free log name");
        let mut child = Command::new(bin)
            .args(["serve", "--listen", &listen, "--database-url", database_url])
            // The benchmark measures throughput; the rate limits are not what it is about (it
            // signs up and signs in every buyer from this one address).
            .args(["--api-rate", "100000000", "--signup-rate", "100000000", "--form-rate", "100000000"])
            // Nor are second factors: its buyers sign up and pay with a password alone.
            .args(["--mfa-staff", "off", "--mfa-partner-roles", "none"])
            .current_dir(dir)
            .env_clear()
            .envs(env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(File::create(&log)?))
            .spawn()
            .with_context(|| {
                format!("cannot start {} (build it with `cargo build --release -p partnerhub`)", bin.display())
            })?;
        let pid = child.id();
        let stdout = child.stdout.take().context("server stdout")?;
        let (tx, rx) = mpsc::channel();
        // Drains stdout to its end so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix(RUNNING) {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let mut server = Server { child, url: String::new(), pid, log };
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => server.url = url,
            Err(_) => {
                server.kill();
                bail!("the server did not say it was running within 60 s; its log:\n{}", server.log_tail());
            }
        }
        if !server.url.starts_with("http://127.0.0.1:") {
            bail!("the server runs at {}, not on 127.0.0.1", server.url);
        }
        Ok(server)
    }

    /// The last lines of the server's stderr, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    pub fn rss_kb(&self) -> u64 {
        status_kb(self.pid, "VmRSS:")
    }

    /// The peak resident set since the process started (VmHWM).
    pub fn peak_kb(&self) -> u64 {
        status_kb(self.pid, "VmHWM:")
    }

    /// User + system CPU time of the whole process (all threads) so far.
    pub fn cpu(&self) -> Duration {
        process_cpu(self.pid)
    }

    /// SIGTERM, then up to 15 s for a clean exit, then SIGKILL.
    pub fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.pid.to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
    }

    fn kill(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn status_kb(pid: u32, key: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// CPU time used by this benchmark process itself (the load generator).
pub fn own_cpu() -> Duration {
    cpu_of("/proc/self/stat")
}

/// CPU time used so far by any process (zero if it is gone).
pub fn process_cpu(pid: u32) -> Duration {
    cpu_of(&format!("/proc/{pid}/stat"))
}

fn cpu_of(stat_path: &str) -> Duration {
    let text = std::fs::read_to_string(stat_path).unwrap_or_default();
    // Fields after the command name in parentheses: state is field 3, utime 14, stime 15.
    let after = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    Duration::from_secs_f64((ticks(11) + ticks(12)) as f64 / clock_ticks_per_second())
}

fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// Machine-wide CPU time from /proc/stat, in clock ticks.
#[derive(Clone, Copy, Default)]
pub struct MachineCpu {
    /// Running anything, including time stolen by the hypervisor.
    pub busy: u64,
    pub iowait: u64,
    /// Stolen by the hypervisor for other guests (part of `busy`).
    pub steal: u64,
    pub total: u64,
}

pub fn machine_cpu() -> MachineCpu {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = text.lines().find(|l| l.starts_with("cpu ")) else { return MachineCpu::default() };
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let v: Vec<u64> = line.split_whitespace().skip(1).take(8).map(|x| x.parse().unwrap_or(0)).collect();
    let get = |i: usize| v.get(i).copied().unwrap_or(0);
    let total: u64 = v.iter().sum();
    MachineCpu { busy: total - get(3) - get(4), iowait: get(4), steal: get(7), total }
}

/// The number of CPUs this process may run on.
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The 1-minute load average when the run started (a hint that something else was running).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}
