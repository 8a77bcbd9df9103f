//! Test hosts of their own: a Linux network namespace joined to this machine by a veth pair
//! (`ip netns`, `ip link`, from iproute2), so that a process started in it reaches only the
//! addresses bound to the host's end of the pair, never this machine's loopback. A
//! partition is the host's end of the pair taken down.
//!
//! Needs root (CI and the development machines run tests as root); a test that cannot make
//! its host fails with the command's own words rather than skipping.

use std::{
    process::Command,
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

/// Distinguishes the hosts one test binary makes.
static NEXT: AtomicU32 = AtomicU32::new(0);

/// A network namespace with one link to this machine.
pub struct TestHost {
    name: String,
    host_link: String,
    /// This machine's address on the link (what the test host can reach).
    pub host_ip: String,
    /// The test host's own address.
    pub guest_ip: String,
}

fn ip(args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new("ip").args(args).output()?;
    anyhow::ensure!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(())
}

impl TestHost {
    /// Makes the namespace and its link (a /30 of 10.213.0.0/16 picked from this process's
    /// id, so that test binaries running at once do not collide).
    pub fn create() -> anyhow::Result<Self> {
        let pid = std::process::id();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("mm{pid}n{n}");
        let host_link = format!("mmh{pid}n{n}");
        let guest_link = format!("mma{pid}n{n}");
        // 64 blocks of four addresses per third octet: (pid, n) picks one.
        let block = (pid % 1000) * 8 + n % 8;
        let (third, fourth) = (block / 64 % 256, (block % 64) * 4);
        let host_ip = format!("10.213.{third}.{}", fourth + 1);
        let guest_ip = format!("10.213.{third}.{}", fourth + 2);
        ip(&["netns", "add", &name])?;
        let host = Self {
            name,
            host_link,
            host_ip,
            guest_ip,
        };
        host.wire(&guest_link)?;
        Ok(host)
    }

    fn wire(&self, guest_link: &str) -> anyhow::Result<()> {
        let ns = self.name.as_str();
        ip(&[
            "link",
            "add",
            &self.host_link,
            "type",
            "veth",
            "peer",
            "name",
            guest_link,
        ])?;
        ip(&["link", "set", guest_link, "netns", ns])?;
        ip(&[
            "addr",
            "add",
            &format!("{}/30", self.host_ip),
            "dev",
            &self.host_link,
        ])?;
        ip(&["link", "set", &self.host_link, "up"])?;
        let guest_addr = format!("{}/30", self.guest_ip);
        ip(&[
            "netns",
            "exec",
            ns,
            "ip",
            "addr",
            "add",
            &guest_addr,
            "dev",
            guest_link,
        ])?;
        ip(&["netns", "exec", ns, "ip", "link", "set", guest_link, "up"])?;
        ip(&["netns", "exec", ns, "ip", "link", "set", "lo", "up"])
    }

    /// `program` to be started inside the test host.
    pub fn command(&self, program: &std::path::Path) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.name]).arg(program);
        command
    }

    /// Whether a TCP connection from inside the test host to `ip:port` opens within two
    /// seconds.
    pub fn can_connect(&self, ip_address: &str, port: u16) -> bool {
        Command::new("ip")
            .args(["netns", "exec", &self.name, "timeout", "2", "bash", "-c"])
            .arg(format!("exec 3<>/dev/tcp/{ip_address}/{port}"))
            .output()
            .map(|out| out.status.success())
            .unwrap_or(false)
    }

    /// Cuts the test host off (its link down on this machine's side).
    pub fn partition(&self) -> anyhow::Result<()> {
        ip(&["link", "set", &self.host_link, "down"])
    }

    /// Joins it again; waits until the link carries traffic.
    pub async fn heal(&self) -> anyhow::Result<()> {
        ip(&["link", "set", &self.host_link, "up"])?;
        ip(&[
            "addr",
            "replace",
            &format!("{}/30", self.host_ip),
            "dev",
            &self.host_link,
        ])?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok(())
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        // Deleting the namespace deletes its end of the pair, and with it this end.
        let _ = ip(&["netns", "del", &self.name]);
        let _ = ip(&["link", "del", &self.host_link]);
    }
}
