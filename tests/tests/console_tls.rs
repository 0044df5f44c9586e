//! An exercise console that listens beyond loopback is served over HTTPS (its access
//! tokens are never readable on the way), with a certificate from a CA made for the run.

use pocnet_tests::{binaries, read_json, scratch, workspace_root};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 request over TLS, trusting only `ca_pem`; returns the whole response.
async fn https(addr: std::net::SocketAddr, ca_pem: &[u8], method: &str, path: &str) -> Result<String, String> {
    https_as(addr, "127.0.0.1", ca_pem, method, path).await
}

/// The same, checking the certificate against `server_name`.
async fn https_as(
    addr: std::net::SocketAddr,
    server_name: &str,
    ca_pem: &[u8],
    method: &str,
    path: &str,
) -> Result<String, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        roots.add(cert.map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let name = ServerName::try_from(server_name.to_string()).map_err(|e| e.to_string())?;
    let mut tls = connector.connect(name, tcp).await.map_err(|e| e.to_string())?;
    let request =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response).await;
    Ok(String::from_utf8_lossy(&response).into_owned())
}

#[tokio::test(flavor = "current_thread")]
async fn a_console_beyond_loopback_is_served_over_https_with_the_runs_ca() {
    let dir = scratch("console-tls");
    let scenario = workspace_root().join("scenarios/tabletop-hour.toml");
    let out = dir.join("exercise");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let mut run = Command::new(&binaries().pocnet)
        .args(["run", scenario.to_str().expect("utf-8"), "--clock", "wall", "--speed", "60", "--engine", "inproc"])
        .args(["--console-listen", &format!("0.0.0.0:{port}"), "--out", out.to_str().expect("utf-8"), "-q"])
        .args(["--linger", "0s"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pocnet");
    let started = Instant::now();
    let console = console_of(&out).await;
    let control = console["control"].as_str().expect("control url").to_string();
    assert!(control.starts_with("https://"), "{control}");
    let path = control.split_once(&format!(":{port}")).map(|(_, p)| p.to_string()).expect("path");
    let api = path.replace("/control?", "/api/control?");
    let ca = std::fs::read(out.join("console-ca.pem")).expect("console-ca.pem");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let answer = https(addr, &ca, "GET", &api).await.expect("https");
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(300)]);
    assert!(answer.contains("\"clock\""), "{}", &answer[..answer.len().min(300)]);
    // Plain HTTP to the same port gets no page (and no token crossed in the clear).
    let mut plain = tokio::net::TcpStream::connect(addr).await.expect("tcp");
    plain.write_all(format!("GET {api} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.expect("write");
    let mut got = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut got)).await;
    assert!(!String::from_utf8_lossy(&got).contains("HTTP/1.1 200"), "plain HTTP was served");
    // A CA the console's certificate is not from is refused.
    let other = pocnet_node::pki::CertificateAuthority::new("another CA").expect("CA");
    assert!(https(addr, other.cert_pem().as_bytes(), "GET", &api).await.is_err());
    // End the exercise from the dashboard, over HTTPS.
    let end = https(addr, &ca, "POST", &path.replace("/control?", "/api/control/end?")).await.expect("end");
    assert!(end.starts_with("HTTP/1.1 202"), "{}", &end[..end.len().min(300)]);
    let status = loop {
        if let Some(status) = run.try_wait().expect("wait") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the exercise did not end");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}");
    // No --console-name on a wildcard address: a warning says what to add.
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut run.stderr.take().expect("stderr"), &mut stderr).expect("stderr");
    assert!(stderr.contains("no --console-name") && stderr.contains("add --console-name NAME"), "{stderr}");
}

#[tokio::test(flavor = "current_thread")]
async fn links_name_the_console_name_and_its_certificate_covers_it() {
    let dir = scratch("console-name");
    let scenario = workspace_root().join("scenarios/tabletop-hour.toml");
    let out = dir.join("exercise");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let name = "exercise.pocnet.test";
    let mut run = Command::new(&binaries().pocnet)
        .args(["run", scenario.to_str().expect("utf-8"), "--clock", "wall", "--speed", "60", "--engine", "inproc"])
        .args(["--console-listen", &format!("0.0.0.0:{port}"), "--console-name", name, "--linger", "0s"])
        .args(["--out", out.to_str().expect("utf-8"), "-q"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pocnet");
    let started = Instant::now();
    let console = console_of(&out).await;
    let control = console["control"].as_str().expect("control url").to_string();
    assert!(control.starts_with(&format!("https://{name}:{port}/control?token=")), "{control}");
    let ca = std::fs::read(out.join("console-ca.pem")).expect("console-ca.pem");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let path = control.split_once(&format!(":{port}")).map(|(_, p)| p.to_string()).expect("path");
    // The certificate names the console name: a client that checks that name accepts it.
    let end = https_as(addr, name, &ca, "POST", &path.replace("/control?", "/api/control/end?")).await.expect("end");
    assert!(end.starts_with("HTTP/1.1 202"), "{}", &end[..end.len().min(300)]);
    let status = loop {
        if let Some(status) = run.try_wait().expect("wait") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the exercise did not end");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut run.stderr.take().expect("stderr"), &mut stderr).expect("stderr");
    assert!(!stderr.contains("no --console-name"), "named: no warning: {stderr}");
}

#[tokio::test(flavor = "current_thread")]
async fn idle_connections_do_not_keep_a_player_from_the_https_console() {
    let dir = scratch("console-idle");
    let scenario = workspace_root().join("scenarios/tabletop-hour.toml");
    let out = dir.join("exercise");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let mut run = Command::new(&binaries().pocnet)
        .args(["run", scenario.to_str().expect("utf-8"), "--clock", "wall", "--speed", "60", "--engine", "inproc"])
        .args(["--console-listen", &format!("127.0.0.1:{port}"), "--console-tls", "--linger", "0s"])
        .args(["--out", out.to_str().expect("utf-8"), "-q"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pocnet");
    let started = Instant::now();
    let console = console_of(&out).await;
    let link = console["players"]["FRA"].as_str().expect("FRA's link").to_string();
    let token = link.split("token=").nth(1).expect("token").to_string();
    let ca = std::fs::read(out.join("console-ca.pem")).expect("console-ca.pem");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    // 300 connections that never say a word, all from the player's own address.
    let mut idle = Vec::new();
    for _ in 0..300 {
        if let Ok(Ok(tcp)) = tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(addr)).await {
            idle.push(tcp);
        }
    }
    assert!(idle.len() >= 250, "only {} idle connections opened", idle.len());
    tokio::time::sleep(Duration::from_millis(300)).await;
    for attempt in 0..2 {
        let asked = Instant::now();
        let answer = tokio::time::timeout(
            Duration::from_secs(10),
            https(addr, &ca, "GET", &format!("/api/console?token={token}")),
        )
        .await
        .expect("the player's request timed out")
        .expect("https");
        let took = asked.elapsed();
        assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(300)]);
        assert!(took < Duration::from_secs(3), "attempt {attempt}: the player waited {took:?}");
    }
    drop(idle);
    let control = console["control"].as_str().expect("control").to_string();
    let path = control.split_once(&format!(":{port}")).map(|(_, p)| p.to_string()).expect("path");
    let end = https(addr, &ca, "POST", &path.replace("/control?", "/api/control/end?")).await.expect("end");
    assert!(end.starts_with("HTTP/1.1 202"), "{}", &end[..end.len().min(300)]);
    let status = loop {
        if let Some(status) = run.try_wait().expect("wait") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the exercise did not end");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}");
}

/// The run's console.json, once the run has written it (within 30 s), and a moment for
/// the console to listen.
async fn console_of(out: &std::path::Path) -> serde_json::Value {
    let started = Instant::now();
    while !out.join("console.json").is_file() {
        assert!(started.elapsed() < Duration::from_secs(30), "no console.json");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    read_json(&out.join("console.json"))
}
