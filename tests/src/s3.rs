//! A real S3 server for tests: PyPI's moto in server mode, on loopback,
//! installed by `./test` (its path in `CAIRN_MOTO`).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::free_port;

/// The variable naming moto's `moto_server`.
pub const MOTO_ENV: &str = "CAIRN_MOTO";

/// An S3 server on `127.0.0.1:<port>` with one bucket.
pub struct S3Server {
    /// Its endpoint, `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// The bucket made for the test.
    pub bucket: String,
    child: Child,
}

impl S3Server {
    /// Starts moto and makes the bucket `bucket`. Panics when moto is not
    /// installed: `./test` installs it, and a test never skips silently.
    pub async fn start(bucket: &str) -> Self {
        let program = std::env::var(MOTO_ENV).unwrap_or_else(|_| {
            panic!("{MOTO_ENV} is not set; run the tests with ./test, which installs moto[server]")
        });
        let port = free_port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        let mut server = S3Server { endpoint: format!("http://127.0.0.1:{port}"), bucket: bucket.to_owned(), child };
        let started = Instant::now();
        let client = reqwest::Client::new();
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("moto_server exited at start ({status})");
            }
            // moto takes any credentials; a plain PUT makes the bucket.
            if let Ok(response) = client.put(format!("{}/{bucket}", server.endpoint)).send().await
                && response.status().is_success()
            {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "moto_server did not start on port {port}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server
    }

    /// The settings that store attachments in this server.
    pub fn storage_toml(&self) -> String {
        format!(
            r#"
[storage]
backend = "s3"
[storage.s3]
bucket = "{bucket}"
region = "us-east-1"
endpoint = "{endpoint}"
access_key_id = "testing"
secret_access_key = "testing"
allow_http = true
"#,
            bucket = self.bucket,
            endpoint = self.endpoint,
        )
    }

    /// The keys of the objects in the bucket (moto's ListObjectsV2).
    pub async fn keys(&self) -> Vec<String> {
        let url = format!("{}/{}?list-type=2", self.endpoint, self.bucket);
        let xml = reqwest::get(url).await.expect("list").text().await.expect("xml");
        xml.split("<Key>").skip(1).filter_map(|s| s.split("</Key>").next()).map(str::to_owned).collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
