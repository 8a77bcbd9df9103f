//! The command line: what `mediamagic` accepts (clap), with the roles and subgraphs as listed
//! values so `--help` names every one and a typo is refused with the list.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The command line.
#[derive(Parser)]
#[command(
    name = "mediamagic",
    version,
    about = "Media Magic: media, models, GPU jobs and billing behind one GraphQL API"
)]
pub struct Cli {
    /// Config file (TOML) layered over the built-in defaults; env: MEDIAMAGIC_CONFIG.
    #[arg(long, env = "MEDIAMAGIC_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// A service `serve` runs (the router is the `mediamagic-router` binary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// Users, teams, API keys, sessions (subgraph).
    Accounts,
    /// The model registry and catalogue (subgraph).
    Models,
    /// Media, tags, uploads and downloads (subgraph).
    Media,
    /// Deployments, jobs, subscriptions, callbacks (subgraph).
    Jobs,
    /// Claims jobs and runs them on a cluster driver (subgraph `cluster`).
    Worker,
    /// Prices, usage, invoices, budgets (subgraph).
    Billing,
    /// The seed systems' REST APIs (not a subgraph).
    Compat,
}

impl Role {
    /// Its name in config, logs and keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Accounts => "accounts",
            Role::Models => "models",
            Role::Media => "media",
            Role::Jobs => "jobs",
            Role::Worker => "worker",
            Role::Billing => "billing",
            Role::Compat => "compat",
        }
    }
}

/// What `doctor --role` checks: a service `serve` runs, or an agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DoctorRole {
    /// `serve accounts`.
    Accounts,
    /// `serve models`.
    Models,
    /// `serve media`.
    Media,
    /// `serve jobs`.
    Jobs,
    /// `serve worker`.
    Worker,
    /// `serve billing`.
    Billing,
    /// `serve compat`.
    Compat,
    /// `mediamagic agent`: the sandbox, GPUs, and the platform taking its token.
    Agent,
}

impl DoctorRole {
    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            DoctorRole::Accounts => "accounts",
            DoctorRole::Models => "models",
            DoctorRole::Media => "media",
            DoctorRole::Jobs => "jobs",
            DoctorRole::Worker => "worker",
            DoctorRole::Billing => "billing",
            DoctorRole::Compat => "compat",
            DoctorRole::Agent => "agent",
        }
    }
}

/// A subgraph whose SDL `sdl` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Subgraph {
    /// Users, teams, API keys, sessions.
    Accounts,
    /// The model registry and catalogue.
    Models,
    /// Media, tags, uploads and downloads.
    Media,
    /// Deployments, jobs, subscriptions, callbacks.
    Jobs,
    /// The cluster and the worker's fields on jobs.
    Worker,
    /// Prices, usage, invoices, budgets.
    Billing,
}

impl Subgraph {
    /// Its name in the supergraph.
    pub fn as_str(self) -> &'static str {
        match self {
            Subgraph::Accounts => "accounts",
            Subgraph::Models => "models",
            Subgraph::Media => "media",
            Subgraph::Jobs => "jobs",
            Subgraph::Worker => "worker",
            Subgraph::Billing => "billing",
        }
    }
}

/// The commands.
#[derive(Subcommand)]
pub enum Command {
    /// Run the whole stack locally (private Postgres and Redis unless configured).
    Dev,
    /// Run one service (for Kubernetes; the router is the `mediamagic-router` binary).
    Serve {
        /// The service to run.
        #[arg(value_enum)]
        role: Role,
    },
    /// Check what running needs (database, Redis, ffmpeg, the job sandbox, storage, keys)
    /// and say what to fix; exits 1 when something is missing.
    Doctor {
        /// Check what `serve <role>` (or, for `agent`, `mediamagic agent`) needs instead of
        /// what `dev` needs.
        #[arg(long, value_enum)]
        role: Option<DoctorRole>,
    },
    /// Apply database migrations.
    Migrate,
    /// Print a subgraph's SDL.
    Sdl {
        /// The subgraph.
        #[arg(value_enum)]
        subgraph: Subgraph,
    },
    /// Operate event triggers: list dead events, redeliver, invoke by hand.
    Events {
        /// What to do.
        #[command(subcommand)]
        command: EventsCommand,
    },
    /// Check media rows and stored objects against each other (after a restore, for
    /// instance); `--repair` fixes what it finds.
    Storage {
        /// What to do.
        #[command(subcommand)]
        command: StorageCommand,
    },
    /// Take a backup of the running database now (`backup list`, `backup check` too);
    /// pgBackRest underneath, configured from `[backup]`.
    #[command(args_conflicts_with_subcommands = true)]
    Backup {
        /// What else to do.
        #[command(subcommand)]
        command: Option<BackupCommand>,
        /// Full, differential or incremental; by default what the schedule would take
        /// (full when none is younger than `backup.full_every_hours`).
        #[arg(long = "type", value_enum)]
        kind: Option<BackupKind>,
    },
    /// Bring the stopped database back to a point in time from the backups (tried beside
    /// the old data first: a restore that cannot reach its target changes nothing).
    Restore {
        /// The time to restore to (`2026-12-06T17:12:12Z`); the last archived change when
        /// absent.
        #[arg(long)]
        to: Option<String>,
    },
    /// Work for a platform as an agent: claim and run jobs over HTTPS with an agent token,
    /// holding no database or Redis credential (`[worker]` settings: machine types, sandbox,
    /// limits, GPUs).
    Agent {
        /// The platform's public URL (`https://api.example.com`); or `agent.url`.
        #[arg(long, env = "MEDIAMAGIC_AGENT_URL")]
        url: Option<String>,
        /// The agent token (`mediamagic agents create`); or `agent.token`.
        #[arg(long, env = "MEDIAMAGIC_AGENT_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
    /// Worker agents (hosts that work for the platform over HTTPS): issue a token, list,
    /// revoke. Runs as the worker service's role (`database.roles.worker`).
    Agents {
        /// What to do.
        #[command(subcommand)]
        command: AgentsCommand,
    },
    /// Platform admins (the admin scope): grant, revoke (audited).
    Admin {
        /// What to do.
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Token utilities.
    Tokens {
        /// What to do.
        #[command(subcommand)]
        command: TokensCommand,
    },
}

/// What `mediamagic backup` does besides taking one.
#[derive(Subcommand)]
pub enum BackupCommand {
    /// The backups in the repository and the window a restore may target.
    List,
    /// Push the current WAL into the repository and wait for it: everything committed so
    /// far can then be restored.
    Check,
}

/// A kind of backup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BackupKind {
    /// Every file.
    Full,
    /// Files changed since the last full backup.
    Diff,
    /// Files changed since the last backup.
    Incr,
}

/// `mediamagic events ...`.
#[derive(Subcommand)]
pub enum EventsCommand {
    /// Print dead events as JSON lines.
    Dead {
        /// Only this trigger.
        #[arg(long)]
        trigger: Option<String>,
    },
    /// Queue an event again (by id), or every dead event of a trigger (--trigger).
    Redeliver {
        /// The event id.
        id: Option<String>,
        /// Every dead event of this trigger.
        #[arg(long)]
        trigger: Option<String>,
    },
    /// Invoke a trigger by hand (op MANUAL) with a JSON payload as the new row.
    Invoke {
        /// The trigger.
        trigger: String,
        /// The payload, e.g. '{"id": "..."}'.
        payload: String,
    },
}

/// `mediamagic storage ...`.
#[derive(Subcommand)]
pub enum StorageCommand {
    /// Report live media whose object is missing and objects no media names (JSON lines,
    /// then a summary; exits 1 when it found any). Runs as the media service's role
    /// (`database.roles.media`, else `mediamagic_media` on `DATABASE_URL`'s server).
    Check {
        /// Mark missing media `failed` with a reason, and remove orphans.
        #[arg(long)]
        repair: bool,
        /// Orphans last written within this many hours are kept (uploads in flight).
        #[arg(long, default_value_t = 24)]
        orphan_age_hours: u32,
    },
}

/// `mediamagic agents ...`.
#[derive(Subcommand)]
pub enum AgentsCommand {
    /// Issue a token for a new agent and print it (once: only its hash is kept).
    Create {
        /// The agent's name (`rack-7`), unique among live agents.
        #[arg(long)]
        name: String,
        /// The machine types it may claim, comma-separated (`gpu,cpu`).
        #[arg(long, value_delimiter = ',', required = true)]
        machine_types: Vec<String>,
        /// Where it runs (a rack, a region), for operators.
        #[arg(long)]
        site: Option<String>,
    },
    /// The agents, live ones first: machine types, site, last call, version.
    List,
    /// Revoke an agent: its next call is refused and the jobs it holds go back to the queue.
    Revoke {
        /// The agent's name.
        name: String,
    },
    /// Print a new random agent token without storing anything (for a deployment's
    /// `[worker.provided_agent]` secret, which the worker service makes live at start).
    Token,
}

/// `mediamagic admin ...`.
#[derive(Subcommand)]
pub enum AdminCommand {
    /// Make an existing user an admin (from their next log-in).
    Grant {
        /// The user's email.
        email: String,
    },
    /// Take the admin scope away and revoke the user's sessions at once.
    Revoke {
        /// The user's email.
        email: String,
    },
}

/// `mediamagic tokens ...`.
#[derive(Subcommand)]
pub enum TokensCommand {
    /// Print a new Ed25519 key pair (hex) for `auth.*_private_key` / `auth.*_public_key`, and
    /// a random 32-byte secret for `auth.internal_secret`, `auth.events_secret` or
    /// `auth.webhook_secrets_key`.
    Keygen,
    /// Print a complete, fresh key set as `name=value` lines, the keys Secret of the Helm
    /// chart: `mediamagic tokens keyset > keys.env; kubectl create secret generic
    /// mediamagic-keys --from-env-file=keys.env`.
    Keyset,
}
