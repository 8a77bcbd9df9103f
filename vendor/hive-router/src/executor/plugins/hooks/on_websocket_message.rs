//! PATCH (Media Magic, see PATCHES.md): a hook on the messages of a graphql-transport-ws
//! connection, so plugins can authenticate `connection_init` credentials, rewrite the headers
//! an operation runs with, and bound the subscriptions of one connection.

use ntex::http::HeaderMap;

use crate::executor::plugin_context::PluginContext;
use crate::executor::response::graphql_error::GraphQLError;

/// Which client message the hook sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebSocketMessageKind {
    /// `connection_init`: refusing closes the connection with 4403 before it is acknowledged.
    ConnectionInit,
    /// `subscribe`: refusing answers this operation with an `error` message.
    Subscribe,
}

/// What the hook sees of one message.
pub struct OnWebSocketMessagePayload<'a> {
    /// The message.
    pub kind: WebSocketMessageKind,
    /// The headers the router reads from the message: the `connection_init` payload's (its
    /// `headers` object, else its top-level fields), merged for `subscribe` with the
    /// operation's `extensions.headers`. For `subscribe`, changes made here are the headers
    /// the operation runs with (header propagation, plugin hooks, connection pooling); for
    /// `connection_init` they are discarded.
    pub headers: &'a mut HeaderMap,
    /// Subscriptions already active on this connection (without this one).
    pub active_subscriptions: usize,
    /// The plugin context of the HTTP upgrade request, shared by the whole connection.
    pub context: Option<&'a PluginContext>,
}

/// A plugin's answer.
pub enum OnWebSocketMessageResult {
    /// Go on (with the headers as the plugin left them).
    Proceed,
    /// Refuse the message with this error.
    Refuse(GraphQLError),
}
