//! The end-to-end harness: the real services (in-process, from the same library code the
//! binary runs) and the real router binary, on a database of the test's own.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

pub mod agents;
pub mod billing;
pub mod browser;
pub mod chaos;
pub mod compare;
pub mod dev;
pub mod fake_gcs;
pub mod gpus;
pub mod jobs;
pub mod js_clients;
pub mod k8s;
pub mod kube_mock;
pub mod load;
pub mod media;
pub mod netns;
pub mod oidc_provider;
pub mod own_servers;
pub mod public_api;
pub mod rest;
pub mod seaweed;
pub mod seed_examples;
pub mod subscriptions;
pub mod tls;

use mediamagic::{
    config::PlatformConfig,
    router_process::{self, RouterLaunch},
    secrets::Keys,
    stack::{self, Infra},
};
use mediamagic_kit::{local_services::free_port, testing};
use serde_json::{Value, json};
use std::net::SocketAddr;
use tokio::process::Child;
use tokio_util::sync::CancellationToken;

/// A running stack: subgraphs plus one or more routers.
pub struct TestStack {
    /// The platform config the services run with.
    pub config: PlatformConfig,
    /// Connection details the services use.
    pub infra: Infra,
    /// The accounts service's address.
    pub accounts_addr: SocketAddr,
    /// `(name, GraphQL URL)` of every subgraph.
    pub subgraph_urls: Vec<(&'static str, String)>,
    /// `(name, base URL)` of every service (the subgraphs and `compat`).
    pub service_urls: Vec<(&'static str, String)>,
    routers: Vec<(String, Child, tempfile::TempDir)>,
    /// Local object storage of this stack.
    pub objects: tempfile::TempDir,
    shutdown: CancellationToken,
    http: reqwest::Client,
}

impl Drop for TestStack {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A GraphQL response: `data` and `errors`.
#[derive(Debug)]
pub struct GqlResponse {
    /// HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: Value,
}

impl GqlResponse {
    /// `data` at a JSON pointer such as `/me/id`; panics with the body when absent.
    pub fn data(&self, pointer: &str) -> &Value {
        self.body
            .pointer(&format!("/data{pointer}"))
            .filter(|v| !v.is_null())
            .unwrap_or_else(|| panic!("no data at {pointer}: {}", self.body))
    }

    /// The `extensions.code` of the first error; panics when there is none.
    pub fn error_code(&self) -> &str {
        self.body
            .pointer("/errors/0/extensions/code")
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("expected an error: {}", self.body))
    }

    /// The message of the first error.
    pub fn error_message(&self) -> &str {
        self.body
            .pointer("/errors/0/message")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// A credential to send.
#[derive(Clone, Copy, Debug)]
pub enum Cred<'a> {
    /// No credential.
    None,
    /// `Authorization: Bearer`.
    Bearer(&'a str),
    /// `x-mediamagic-key`.
    Key(&'a str),
}

/// Starts every subgraph and a router on a fresh database.
pub async fn spawn_stack() -> TestStack {
    spawn_stack_with(|_| {}).await
}

/// [`spawn_stack`] with the platform config adjusted first.
pub async fn spawn_stack_with(adjust: impl FnOnce(&mut PlatformConfig)) -> TestStack {
    spawn_stack_on(None, testing::redis_url(), adjust).await
}

/// [`spawn_stack_with`] on the Redis at `redis_url`, and on the (migrated) database at
/// `database_url` when given: a test's own servers, for fault tests that stop them, instead
/// of the shared test servers.
pub async fn spawn_stack_on(
    database_url: Option<String>,
    redis_url: String,
    adjust: impl FnOnce(&mut PlatformConfig),
) -> TestStack {
    let database_url = match database_url {
        Some(url) => url,
        None => testing::test_database().await,
    };
    let infra = Infra {
        database_url,
        role_urls: Default::default(),
        redis_url,
        keys: Keys::generate(),
    };
    let mut config: PlatformConfig =
        mediamagic_kit::config::load(mediamagic::config::DEFAULTS, None).expect("default config");
    let objects = tempfile::tempdir().expect("objects dir");
    config.media.storage = mediamagic_media::config::StorageConfig::Directory {
        path: objects.path().to_path_buf(),
    };
    // Most tests play the worker through the queue API; worker tests turn the real one on.
    config.worker.enabled = false;
    // The test operator expects a GPU pool and seed 000's `container2` (models name them).
    config.models.expected_machine_types = vec!["gpu".into(), "container2".into()];
    // The REST surfaces call the first router, whose port is chosen now and held until the
    // router starts, so that no service listening on an OS-chosen port can take it.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").expect("reserve a port");
    let router_port = reserved.local_addr().expect("reserved port").port();
    config.compat.graphql_url = Some(format!("http://127.0.0.1:{router_port}/graphql"));
    adjust(&mut config);
    let shutdown = CancellationToken::new();
    let subgraphs = stack::start_services(&config, &infra, "127.0.0.1", |_| 0, &shutdown)
        .await
        .expect("services start");
    let accounts_addr = subgraphs
        .iter()
        .find(|s| s.name == "accounts")
        .map(|s| s.addr)
        .expect("accounts subgraph");
    if config.jobs.media_url.is_none() {
        config.jobs.media_url = stack::graphql_urls(&subgraphs)
            .into_iter()
            .find(|(name, _)| *name == "media")
            .map(|(_, url)| url);
    }
    let mut stack = TestStack {
        config,
        infra,
        accounts_addr,
        subgraph_urls: stack::graphql_urls(&subgraphs),
        service_urls: stack::base_urls(&subgraphs),
        routers: Vec::new(),
        objects,
        shutdown,
        http: reqwest::Client::new(),
    };
    drop(reserved);
    stack
        .add_router_on(router_process::DEV_CONFIG, "127.0.0.1", router_port)
        .await;
    stack
}

impl TestStack {
    /// Starts another router instance on the same services and Redis; returns its index.
    pub async fn add_router(&mut self) -> usize {
        self.add_router_with(router_process::DEV_CONFIG).await
    }

    /// Starts a router with another base config (for example `router/config/production.yaml`).
    pub async fn add_router_with(&mut self, base_config: &str) -> usize {
        let port = free_port().expect("port");
        self.add_router_on(base_config, "127.0.0.1", port).await
    }

    /// Starts another router listening on `host:port` (an address other than loopback, for
    /// a test host in a network namespace of its own); returns its index.
    pub async fn add_router_at(&mut self, host: &str, port: u16) -> usize {
        self.add_router_on(router_process::DEV_CONFIG, host, port)
            .await
    }

    /// Starts another router whose forward plugin sends service `name`'s routes to `url`
    /// (a second instance started by the test with another config); returns its index.
    pub async fn add_router_with_service(&mut self, name: &'static str, url: String) -> usize {
        let saved = self.service_urls.clone();
        self.service_urls.retain(|(service, _)| *service != name);
        self.service_urls.push((name, url));
        let index = self.add_router().await;
        self.service_urls = saved;
        index
    }

    /// Starts another router whose supergraph sends subgraph `name` to `graphql_url` (an
    /// instance started by the test as its own process); returns its index.
    pub async fn add_router_with_subgraph(
        &mut self,
        name: &'static str,
        graphql_url: String,
    ) -> usize {
        let saved = self.subgraph_urls.clone();
        self.subgraph_urls.retain(|(subgraph, _)| *subgraph != name);
        self.subgraph_urls.push((name, graphql_url));
        let index = self.add_router().await;
        self.subgraph_urls = saved;
        index
    }

    async fn add_router_on(&mut self, base_config: &str, host: &str, port: u16) -> usize {
        let dir = tempfile::tempdir().expect("router dir");
        // production.yaml serves metrics on port 9090; tests run many routers at once.
        let metrics_port = free_port().expect("port");
        let base_config = base_config.replace("port: 9090", &format!("port: {metrics_port}"));
        let base_config = base_config.as_str();
        let accounts_url = format!("http://{}", self.accounts_addr);
        let child = router_process::spawn(RouterLaunch {
            binary: router_process::default_binary(),
            base_config: base_config.to_owned(),
            work_dir: dir.path(),
            host,
            port,
            subgraphs: self.subgraph_urls.clone(),
            services: self.service_urls.clone(),
            keys: &self.infra.keys,
            redis_url: &self.infra.redis_url,
            accounts_url,
        })
        .await
        .expect("router starts");
        self.routers
            .push((format!("http://{host}:{port}/graphql"), child, dir));
        self.routers.len() - 1
    }

    /// The process id of router `index` (for CPU accounting and pinning in benchmarks).
    pub fn router_pid(&self, index: usize) -> Option<u32> {
        self.routers.get(index).and_then(|(_, child, _)| child.id())
    }

    /// The GraphQL URL of router `index`.
    pub fn router_url(&self, index: usize) -> &str {
        &self.routers[index].0
    }

    /// The accounts subgraph's GraphQL URL (bypassing the router).
    pub fn accounts_url(&self) -> String {
        format!("http://{}/graphql", self.accounts_addr)
    }

    /// An internal token for a user account with read and write scopes, as the router would
    /// mint it (to call a subgraph directly).
    pub fn internal_token(&self, user_id: &str) -> String {
        self.internal_token_for(user_id, std::time::Duration::from_secs(60))
    }

    /// [`TestStack::internal_token`] valid for `ttl` (benchmarks outlast a minute).
    pub fn internal_token_for(&self, user_id: &str, ttl: std::time::Duration) -> String {
        use mediamagic_kit::{
            AccountKind, Scope,
            tokens::{Claims, TokenIssuer},
        };
        let account = user_id.parse().expect("a user id");
        TokenIssuer::from_hex(&self.infra.keys.internal_private_key)
            .expect("internal key")
            .mint(&Claims {
                user_id: Some(account),
                account_id: account,
                account_kind: AccountKind::User,
                scopes: vec![Scope::Read, Scope::Write],
                expires_at: chrono::Utc::now()
                    + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::minutes(1)),
                session: None,
                api_key: None,
            })
            .expect("minted")
            .token
    }

    /// The GraphQL URL of subgraph `name` (bypassing the router).
    pub fn subgraph_url(&self, name: &str) -> &str {
        self.subgraph_urls
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, url)| url.as_str())
            .expect("known subgraph")
    }

    /// Sends a GraphQL request through router 0.
    pub async fn gql(&self, cred: Cred<'_>, query: &str, variables: Value) -> GqlResponse {
        self.gql_at(self.router_url(0), cred, &[], query, variables)
            .await
    }

    /// Sends a GraphQL request to `url` with a credential and extra headers.
    pub async fn gql_at(
        &self,
        url: &str,
        cred: Cred<'_>,
        headers: &[(&str, &str)],
        query: &str,
        variables: Value,
    ) -> GqlResponse {
        let mut request = self
            .http
            .post(url)
            .json(&json!({"query": query, "variables": variables}));
        match cred {
            Cred::None => {}
            Cred::Bearer(token) => request = request.bearer_auth(token),
            Cred::Key(key) => request = request.header("x-mediamagic-key", key),
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let body = response.json().await.expect("JSON body");
        GqlResponse { status, body }
    }

    /// Signs up a new user with a unique email; returns (session token, user id, email).
    pub async fn sign_up(&self, name: &str) -> (String, String, String) {
        let email = format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple());
        self.sign_up_with_email(name, &email).await
    }

    /// Signs up a user with `email`; returns (session token, user id, email).
    pub async fn sign_up_with_email(&self, name: &str, email: &str) -> (String, String, String) {
        let email = email.to_owned();
        let response = self
            .gql(
                Cred::None,
                "mutation($email: String!, $name: String!) {
                    signUp(input: {email: $email, password: \"correct horse 1\", name: $name}) {
                        token user { id }
                    }
                }",
                json!({"email": email, "name": name}),
            )
            .await;
        (
            response.data("/signUp/token").as_str().unwrap().to_owned(),
            response
                .data("/signUp/user/id")
                .as_str()
                .unwrap()
                .to_owned(),
            email,
        )
    }

    /// Makes the user with `email` a platform admin the way an operator does (`mediamagic
    /// admin grant`) and logs them in again; returns their new session token, which carries
    /// the admin scope.
    pub async fn make_admin(&self, email: &str) -> String {
        let pool = mediamagic_kit::db::pool(&self.infra.database_url, 2).expect("pool");
        mediamagic_accounts::commands::admins::grant(&pool, email, "test")
            .await
            .unwrap_or_else(|e| panic!("grant failed: {}", e.message()));
        let logged_in = self
            .gql(
                Cred::None,
                "mutation($e: String!) { logIn(input: {email: $e, password: \"correct horse 1\"}) { token } }",
                json!({"e": email}),
            )
            .await;
        logged_in.data("/logIn/token").as_str().unwrap().to_owned()
    }

    /// Creates a team as `token`'s user; returns its id.
    pub async fn create_team(&self, token: &str, name: &str) -> String {
        let response = self
            .gql(
                Cred::Bearer(token),
                "mutation($name: String!) { createTeam(name: $name) { id } }",
                json!({"name": name}),
            )
            .await;
        response.data("/createTeam/id").as_str().unwrap().to_owned()
    }

    /// Invites `member_email` into `team` with `role` (`MEMBER` or `ADMIN`) as `owner`, and
    /// accepts as `member`; returns the member's role as the team reports it.
    pub async fn join_team(
        &self,
        owner: &str,
        team: &str,
        member: &str,
        member_email: &str,
        role: &str,
    ) -> String {
        let invite = self
            .gql(
                Cred::Bearer(owner),
                "mutation($t: ID!, $e: String!, $r: Role!) { inviteMember(teamId: $t, email: $e, role: $r) { token } }",
                json!({"t": team, "e": member_email, "r": role}),
            )
            .await;
        let invite_token = invite
            .data("/inviteMember/token")
            .as_str()
            .unwrap()
            .to_owned();
        let accepted = self
            .gql(
                Cred::Bearer(member),
                "mutation($k: String!) { acceptInvite(token: $k) { myRole } }",
                json!({"k": invite_token}),
            )
            .await;
        accepted
            .data("/acceptInvite/myRole")
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Creates an API key (for `team` when given); returns (secret, key id).
    pub async fn create_key(&self, token: &str, team: Option<&str>) -> (String, String) {
        let response = self
            .gql(
                Cred::Bearer(token),
                "mutation($team: ID) {
                    createApiKey(input: {name: \"test key\", teamId: $team}) { secret apiKey { id } }
                }",
                json!({"team": team}),
            )
            .await;
        (
            response
                .data("/createApiKey/secret")
                .as_str()
                .unwrap()
                .to_owned(),
            response
                .data("/createApiKey/apiKey/id")
                .as_str()
                .unwrap()
                .to_owned(),
        )
    }
}

/// Path of a binary of this workspace built next to this executable (a benchmark in
/// `target/<profile>/`) or next to its directory (a test in `target/<profile>/deps/`); build
/// it first with `cargo build --bins`.
pub fn workspace_binary(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("executable path");
    let here = exe.parent().expect("executable directory");
    let candidates = [here.join(name), here.parent().unwrap_or(here).join(name)];
    candidates
        .iter()
        .find(|path| path.exists())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "{name} is missing next to {}: run `cargo build --bins` first (the README's test command does)",
                exe.display()
            )
        })
}
