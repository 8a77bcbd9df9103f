//! Certificates for test servers that must speak HTTPS (pgBackRest talks to object stores
//! only over TLS): self-signed for 127.0.0.1, made with openssl.

use std::{path::Path, path::PathBuf, process::Command};

/// Writes a self-signed certificate for 127.0.0.1 and its key into `dir`: (cert, key).
pub fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("tls-cert.pem"), dir.join("tls-key.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl (scripts/install-deps.sh installs it)");
    assert!(made.status.success(), "{made:?}");
    (cert, key)
}
