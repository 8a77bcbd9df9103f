//! Worker agents for tests: tokens issued as an operator would (`mediamagic agents create`,
//! through the same library call, on the worker service's role).

use crate::TestStack;
use mediamagic_worker::commands::agents::{self, NewAgent};

/// A pool on the worker service's database role (where agents are kept).
pub fn worker_pool(stack: &TestStack) -> mediamagic_kit::db::DbPool {
    mediamagic_kit::db::pool(&stack.infra.database_url_for("worker"), 2).expect("worker pool")
}

/// Issues agent `name` a token for `machine_types` (at `site`); the token.
pub async fn issue(
    stack: &TestStack,
    name: &str,
    machine_types: &[&str],
    site: Option<&str>,
) -> String {
    let created = agents::create(
        &worker_pool(stack),
        NewAgent {
            name: name.into(),
            machine_types: machine_types.iter().map(|t| t.to_string()).collect(),
            site: site.map(str::to_owned),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("issuing agent {name}: {}", e.message()));
    created.token.reveal().to_owned()
}
