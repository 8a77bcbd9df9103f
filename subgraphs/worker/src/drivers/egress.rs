//! Network egress for sandboxed runs of models that declare `network`: they share the
//! host's network, so packets from the sandbox uid to loopback, private, link-local and
//! shared ranges (IPv4 and IPv6) are rejected by an iptables chain of ours,
//! `MEDIAMAGIC-SANDBOX`, jumped to from `OUTPUT` for that uid only. Installed once per
//! process, idempotently (an existing chain is flushed and filled again).

use std::{process::Command, sync::OnceLock};

/// The chain's name.
const CHAIN: &str = "MEDIAMAGIC-SANDBOX";

const IPV4_REFUSED: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/3",
];

const IPV6_REFUSED: &[&str] = &[
    "::1/128",
    "::/128",
    "::ffff:0:0/96",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
];

static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();

/// Makes sure the rules for `uid` are in place; `Err` says why they cannot be.
pub fn ensure(uid: u32) -> Result<(), String> {
    INSTALLED
        .get_or_init(|| {
            install("iptables", IPV4_REFUSED, uid)?;
            // A host without IPv6 has nothing to guard there.
            if let Err(e) = install("ip6tables", IPV6_REFUSED, uid) {
                tracing::warn!(error = %e, "no IPv6 egress rules for sandboxed runs");
            }
            tracing::info!(
                uid,
                "sandboxed runs with network egress are kept off loopback and private ranges"
            );
            Ok(())
        })
        .clone()
}

fn install(tool: &str, refused: &[&str], uid: u32) -> Result<(), String> {
    let run = |args: &[&str]| -> Result<bool, String> {
        Command::new(tool)
            .args(["-w", "5"])
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map(|s| s.success())
            .map_err(|e| format!("`{tool}` cannot run ({e}); apt-get install iptables"))
    };
    if !run(&["-n", "-L", CHAIN])? && !run(&["-N", CHAIN])? {
        return Err(format!("`{tool} -N {CHAIN}` failed"));
    }
    if !run(&["-F", CHAIN])? {
        return Err(format!("`{tool} -F {CHAIN}` failed"));
    }
    for range in refused {
        if !run(&["-A", CHAIN, "-d", range, "-j", "REJECT"])? {
            return Err(format!("`{tool}` could not refuse {range}"));
        }
    }
    let uid = uid.to_string();
    let jump = [
        "OUTPUT",
        "-m",
        "owner",
        "--uid-owner",
        uid.as_str(),
        "-j",
        CHAIN,
    ];
    let mut check = vec!["-C"];
    check.extend(jump);
    if !run(&check)? {
        let mut insert = vec!["-I"];
        insert.extend(jump);
        if !run(&insert)? {
            return Err(format!("`{tool}` could not add the OUTPUT rule"));
        }
    }
    Ok(())
}
