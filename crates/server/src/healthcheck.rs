//! `cairn healthcheck`: asks the server on this machine whether it is ready,
//! for container health checks on images that carry no HTTP client.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// How long the whole check may take before it counts as failed.
const TIMEOUT: Duration = Duration::from_secs(3);

/// Where a server bound to `bind` answers from this machine: a wildcard
/// address is reached on loopback.
pub fn local_address(bind: SocketAddr) -> SocketAddr {
    match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), bind.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), bind.port()),
        _ => bind,
    }
}

/// Sends `GET /readyz` to `address`; Ok when the server says it is ready
/// (200: it answers and its database does), else why not.
pub fn check(address: SocketAddr) -> anyhow::Result<()> {
    let mut stream = TcpStream::connect_timeout(&address, TIMEOUT)
        .map_err(|e| anyhow::anyhow!("no server answers on {address}: {e}"))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    // /readyz answers on any host; HTTP/1.0 so that the server closes after it.
    stream.write_all(b"GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut head = Vec::with_capacity(256);
    let mut buf = [0u8; 256];
    while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 4096 {
        match stream.read(&mut buf)? {
            0 => break,
            n => head.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&head);
    let status = line.split_whitespace().nth(1).unwrap_or("no answer").to_owned();
    if status == "200" { Ok(()) } else { anyhow::bail!("{address} is not ready: HTTP {status}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().expect("a socket address")
    }

    #[test]
    fn wildcard_binds_are_reached_on_loopback() {
        assert_eq!(local_address(addr("0.0.0.0:8080")), addr("127.0.0.1:8080"));
        assert_eq!(local_address(addr("[::]:8080")), addr("[::1]:8080"));
        assert_eq!(local_address(addr("10.0.0.5:80")), addr("10.0.0.5:80"));
    }

    #[test]
    fn nothing_listening_fails() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        drop(listener);
        let error = check(address).expect_err("nothing listens");
        assert!(error.to_string().contains("no server answers"), "{error}");
    }
}
