//! One cgroup per sandboxed run: a memory limit and a process limit the kernel enforces on
//! every process of the run together, and afterwards the counters that say which limit a
//! failed run hit. Works with cgroup v1 (`memory` and `pids` hierarchies) and v2 (one
//! unified hierarchy), wherever the worker may create groups.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

/// Name of the parent group the worker creates its runs' groups under.
const PARENT: &str = "mediamagic";

/// Where this machine lets the worker create groups.
#[derive(Clone, Debug)]
pub enum CgroupRoot {
    /// cgroup v1: separate `memory` and `pids` hierarchies.
    V1 {
        /// `<root>/memory/mediamagic`.
        memory: PathBuf,
        /// `<root>/pids/mediamagic`.
        pids: PathBuf,
    },
    /// cgroup v2: `<root>/mediamagic` with both controllers enabled.
    V2(PathBuf),
}

impl CgroupRoot {
    /// Finds a writable hierarchy under `root` (normally `/sys/fs/cgroup`), creating the
    /// worker's parent group; `None` when there is none.
    pub fn detect(root: &Path) -> Option<Self> {
        let (memory, pids) = (root.join("memory"), root.join("pids"));
        if memory.join("cgroup.procs").is_file() && pids.join("cgroup.procs").is_file() {
            let found = CgroupRoot::V1 {
                memory: memory.join(PARENT),
                pids: pids.join(PARENT),
            };
            return found.create_parent().then_some(found);
        }
        let controllers = std::fs::read_to_string(root.join("cgroup.controllers")).ok()?;
        if !(controllers.contains("memory") && controllers.contains("pids")) {
            return None;
        }
        // Controllers reach a group's children only when enabled in its parent.
        let _ = std::fs::write(root.join("cgroup.subtree_control"), "+memory +pids");
        let parent = root.join(PARENT);
        std::fs::create_dir_all(&parent).ok()?;
        std::fs::write(parent.join("cgroup.subtree_control"), "+memory +pids").ok()?;
        Some(CgroupRoot::V2(parent))
    }

    fn create_parent(&self) -> bool {
        match self {
            CgroupRoot::V1 { memory, pids } => {
                std::fs::create_dir_all(memory).is_ok() && std::fs::create_dir_all(pids).is_ok()
            }
            CgroupRoot::V2(parent) => std::fs::create_dir_all(parent).is_ok(),
        }
    }

    /// A new group `name` with the given limits.
    pub fn create(
        &self,
        name: &str,
        memory_bytes: u64,
        processes: u64,
    ) -> std::io::Result<RunCgroup> {
        let dirs = match self {
            CgroupRoot::V1 { memory, pids } => vec![memory.join(name), pids.join(name)],
            CgroupRoot::V2(parent) => vec![parent.join(name)],
        };
        for dir in &dirs {
            std::fs::create_dir_all(dir)?;
        }
        let group = RunCgroup {
            v2: matches!(self, CgroupRoot::V2(_)),
            dirs,
        };
        group.set_limits(memory_bytes, processes)?;
        Ok(group)
    }
}

/// A run's group; removed (its processes killed first) on drop, which may wait up to a
/// second for the kernel to reap them: drop it on a blocking thread.
#[derive(Debug)]
pub struct RunCgroup {
    v2: bool,
    dirs: Vec<PathBuf>,
}

/// A limit a run hit, read from its group's counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CgroupLimitHit {
    /// The kernel killed a process for memory.
    Memory,
    /// A fork or thread creation was refused.
    Processes,
}

impl RunCgroup {
    fn write(&self, dir: usize, file: &str, value: &str) -> std::io::Result<()> {
        let dir = self.dirs.get(dir).unwrap_or(&self.dirs[0]);
        std::fs::write(dir.join(file), value)
    }

    fn read(&self, dir: usize, file: &str) -> String {
        let dir = self.dirs.get(dir).unwrap_or(&self.dirs[0]);
        std::fs::read_to_string(dir.join(file)).unwrap_or_default()
    }

    /// Sets the group's memory limit (bytes) and process limit.
    pub fn set_limits(&self, memory_bytes: u64, processes: u64) -> std::io::Result<()> {
        if self.v2 {
            self.write(0, "memory.max", &memory_bytes.to_string())?;
            // Swap would let a run exceed its memory unseen.
            let _ = self.write(0, "memory.swap.max", "0");
            self.write(0, "pids.max", &processes.to_string())
        } else {
            // memsw must stay at or above the memory limit: lower it last, raise it first.
            let _ = self.write(0, "memory.memsw.limit_in_bytes", &memory_bytes.to_string());
            self.write(0, "memory.limit_in_bytes", &memory_bytes.to_string())?;
            let _ = self.write(0, "memory.memsw.limit_in_bytes", &memory_bytes.to_string());
            self.write(1, "pids.max", &processes.to_string())
        }
    }

    /// The `cgroup.procs` files a process must join (written by the run's launcher).
    pub fn procs_files(&self) -> Vec<PathBuf> {
        self.dirs.iter().map(|d| d.join("cgroup.procs")).collect()
    }

    /// Which limit the run hit, memory first (an OOM kill also makes forks fail).
    pub fn limit_hit(&self) -> Option<CgroupLimitHit> {
        let (memory_events, pids_events) = if self.v2 {
            (self.read(0, "memory.events"), self.read(0, "pids.events"))
        } else {
            (
                self.read(0, "memory.oom_control"),
                self.read(1, "pids.events"),
            )
        };
        if counter(&memory_events, "oom_kill") > 0 {
            return Some(CgroupLimitHit::Memory);
        }
        if counter(&pids_events, "max") > 0 {
            return Some(CgroupLimitHit::Processes);
        }
        None
    }

    /// Kills whatever is left in the group.
    fn kill_all(&self) {
        if self.v2 && self.write(0, "cgroup.kill", "1").is_ok() {
            return;
        }
        for file in self.procs_files() {
            for pid in std::fs::read_to_string(file).unwrap_or_default().lines() {
                if let Ok(pid) = pid.trim().parse::<i32>() {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
            }
        }
    }
}

impl Drop for RunCgroup {
    fn drop(&mut self) {
        self.kill_all();
        for dir in &self.dirs {
            // A group can be removed once its last process is gone (reaped).
            for _ in 0..200 {
                if std::fs::remove_dir(dir).is_ok() || !dir.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

/// The value of `name` in a flat-keyed cgroup file (`name value` lines).
fn counter(text: &str, name: &str) -> u64 {
    text.lines()
        .filter_map(|line| line.split_once(' '))
        .find(|(key, _)| *key == name)
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_read_by_name_from_flat_keyed_files() {
        let oom_control = "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n";
        assert_eq!(counter(oom_control, "oom_kill"), 2);
        assert_eq!(counter(oom_control, "oom_kill_disable"), 0);
        assert_eq!(counter("max 0\n", "max"), 0);
        assert_eq!(counter("", "max"), 0);
    }
}
