//! The `mediamagic-router` binary: Hive Router with Media Magic's plugins registered.
//! It reads its config from `ROUTER_CONFIG_FILE_PATH` (see `router/config/`).
#![recursion_limit = "256"]

use hive_router::{
    PluginRegistry, RouterGlobalAllocator, configure_global_allocator, error::RouterInitError,
    init_rustls_crypto_provider, ntex, router_entrypoint,
};
use mediamagic_router::{
    AuthPlugin, ConsolePlugin, ForwardPlugin, PlaygroundPlugin, RateLimitPlugin, SitePlugin,
};

configure_global_allocator!();

#[hive_router::main]
async fn main() -> Result<(), RouterInitError> {
    init_rustls_crypto_provider();
    // Order matters: the forward plugin sends the internal token the auth plugin minted, and
    // the rate limiter charges the caller the auth plugin found.
    // The site's page, the console's files and the playground need no credential; they answer before either.
    router_entrypoint(
        PluginRegistry::new()
            .register::<SitePlugin>()
            .register::<ConsolePlugin>()
            .register::<PlaygroundPlugin>()
            .register::<AuthPlugin>()
            .register::<RateLimitPlugin>()
            .register::<ForwardPlugin>(),
    )
    .await
}
