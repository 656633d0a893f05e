//! Running the real `candor` binary from the integration tests: a command bound to a data
//! directory and cut off from any database or vector store the environment names, the check
//! that it succeeded, adding a user with a password piped to stdin, and `candor serve` on a
//! loopback port that is stopped when dropped. Each test adds its own environment settings to
//! the command [`candor`] returns.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long `candor serve` may take to say where it listens and to answer `/healthz`.
const SERVE_TIMEOUT: Duration = Duration::from_secs(60);

/// The binary with `--data-dir data_dir`, run in that directory. The database and vector store
/// URLs of the environment are removed so the data directory's SQLite store and local vector
/// memory are used, whatever the machine running the tests has configured.
pub fn candor(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_candor"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("CANDOR__DATABASE__URL")
        .env_remove("CANDOR__QDRANT__URL")
        .current_dir(data_dir);
    command
}

/// Stdout of a command that must have succeeded; otherwise fails with its stderr and stdout.
pub fn succeed(output: Output) -> String {
    assert!(
        output.status.success(),
        "candor failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `candor user add ID --role ROLE --person PERSON --password-stdin` on `command`, the password
/// piped in as the product expects it (never on the command line).
pub fn add_user(mut command: Command, id: &str, role: &str, person: &str, password: &str) -> String {
    let mut add = command
        .args(["user", "add", id, "--role", role, "--person", person, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    succeed(add.wait_with_output().unwrap())
}

/// `candor serve` on 127.0.0.1 (a free port) without the scheduler, killed when dropped (also
/// when the test fails); its stderr goes to `serve.log` in the data directory.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, as the server printed it.
    pub base_url: String,
    log: PathBuf,
}

impl Server {
    /// Starts `command` (from [`candor`], with the test's settings) as `serve` and waits until
    /// it has said where it listens and answers `/healthz`.
    pub fn start(mut command: Command, data_dir: &Path) -> Server {
        let log = data_dir.join("serve.log");
        let mut child = command
            .args(["serve", "--bind", "127.0.0.1:0", "--no-scheduler"])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        // Reads stdout to its end, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = sender.send(url.trim().to_owned());
                }
            }
        });
        // Owned by the guard from here on, so a failed start still kills the process.
        let mut server = Server { child, base_url: String::new(), log };
        let started = Instant::now();
        match receiver.recv_timeout(SERVE_TIMEOUT) {
            Ok(url) => server.base_url = url,
            Err(_) => panic!("candor serve did not say where it listens:\n{}", server.log_text()),
        }
        while !server.healthy() {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("candor serve exited ({status}):\n{}", server.log_text());
            }
            assert!(started.elapsed() < SERVE_TIMEOUT, "candor serve is not healthy:\n{}", server.log_text());
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Whether `GET /healthz` answers 200 (plain HTTP/1.1 on a std socket, so this works from
    /// sync and async tests alike).
    fn healthy(&self) -> bool {
        let Some(address) = self.base_url.strip_prefix("http://") else { return false };
        let Ok(mut stream) = TcpStream::connect(address) else { return false };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let request = format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer.starts_with("HTTP/1.1 200")
    }

    /// What the server has logged so far, for failure messages.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
