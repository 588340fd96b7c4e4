//! A real SMTP server for tests: Debian's aiosmtpd, storing into a Maildir.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The interpreter that has Debian's `python3-aiosmtpd` installed.
const PYTHON: &str = "/usr/bin/python3";

/// A free TCP port on loopback (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// An SMTP server on `127.0.0.1:<port>` that stores every mail it accepts.
pub struct SmtpServer {
    /// The port it listens on.
    pub port: u16,
    maildir: tempfile::TempDir,
    child: Child,
}

/// A mail as the server received it.
#[derive(Debug)]
pub struct ReceivedMail {
    /// The whole message as stored.
    pub raw: Vec<u8>,
}

impl ReceivedMail {
    /// The message parsed.
    pub fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(&self.raw).expect("a well-formed message")
    }

    /// A header's decoded value.
    pub fn header(&self, name: &str) -> Option<String> {
        use mailparse::MailHeaderMap;
        self.parsed().headers.get_first_value(name)
    }
}

impl SmtpServer {
    /// Starts the server on `port` (or a free one) and waits until it accepts connections.
    pub fn start(port: Option<u16>) -> Self {
        let port = port.unwrap_or_else(free_port);
        let maildir = tempfile::tempdir().expect("maildir");
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("box"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {PYTHON} -m aiosmtpd (install python3-aiosmtpd): {e}"));
        let mut server = SmtpServer { port, maildir, child };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("aiosmtpd exited at start ({status}); is python3-aiosmtpd installed?");
            }
            assert!(started.elapsed() < Duration::from_secs(15), "aiosmtpd did not start listening on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Every mail received so far.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let mut mails = Vec::new();
        for sub in ["new", "cur"] {
            let dir: PathBuf = self.maildir.path().join("box").join(sub);
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                mails.push(ReceivedMail { raw: std::fs::read(entry.path()).expect("read mail") });
            }
        }
        mails
    }

    /// Waits until at least `count` mails arrived (or panics after `timeout`).
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let started = Instant::now();
        loop {
            let mails = self.messages();
            if mails.len() >= count {
                return mails;
            }
            assert!(started.elapsed() < timeout, "only {} of {count} mails arrived", mails.len());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
