//! Callback URLs and the SSRF rule: a callback may not point at loopback, private, link-local
//! or other internal addresses unless config allows it. The rule applies to the URL when a
//! deployment is made and again when a callback is sent, and the HTTP client resolves names
//! only through [`PublicResolver`], which drops every address the rule refuses: the address
//! that is checked is the address connected to (no second lookup a rebinding DNS server
//! could answer differently). Errors never echo resolved addresses.

use mediamagic_kit::ApiError;
use reqwest::Url;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Longest callback URL.
pub const MAX_URL_LENGTH: usize = 2048;

/// Parses a callback URL: http or https, a host, no credentials, at most [`MAX_URL_LENGTH`].
pub fn parse_url(raw: &str) -> Result<Url, ApiError> {
    let bad = |message: &str| ApiError::bad_input("callbackUrl", message);
    let raw = raw.trim();
    if raw.len() > MAX_URL_LENGTH {
        return Err(bad("the callback URL is too long"));
    }
    let url = Url::parse(raw).map_err(|e| bad(&format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the callback URL must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("the callback URL needs a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("the callback URL may not carry credentials"));
    }
    Ok(url)
}

/// Whether `ip` is an address a callback may reach without `allow_private`.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Carrier-grade NAT 100.64.0.0/10 and reserved 240.0.0.0/4.
        || (a == 100 && (64..128).contains(&b))
        || a >= 240
        // 192.0.0.0/24 (IETF protocol assignments) and 198.18.0.0/15 (benchmarking).
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (b == 18 || b == 19)))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let first = segments[0];
    let embedded = |high: u16, low: u16| {
        Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8)
    };
    // Forms that carry an IPv4 address: NAT64 64:ff9b::/96, 6to4 2002::/16 and the
    // deprecated IPv4-compatible ::a.b.c.d reach that address, so it must be public too.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || segments[..6] == [0, 0, 0, 0, 0, 0] {
        return segments[6..] != [0, 0]
            && segments[6..] != [0, 1]
            && is_public_v4(embedded(segments[6], segments[7]));
    }
    if first == 0x2002 {
        return is_public_v4(embedded(segments[1], segments[2]));
    }
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local fc00::/7 and link-local fe80::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Documentation 2001:db8::/32, Teredo 2001::/32 (tunnels to anywhere), discard 100::/64.
        || (first == 0x2001 && (segments[1] == 0x0db8 || segments[1] == 0))
        || (first == 0x0100 && segments[1..4] == [0, 0, 0]))
}

/// A DNS resolver for outbound calls to addresses clients chose: it returns only the
/// addresses [`is_public`] accepts (all of them when private ones are allowed), so the
/// connection goes to an address that passed the rule.
#[derive(Clone, Copy, Debug)]
pub struct PublicResolver {
    /// Let private and loopback addresses through (operator's choice).
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| allow_private || is_public(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err("the host resolves to no address outbound calls may reach".into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// An HTTP client for outbound calls to client-chosen URLs: names resolve through
/// [`PublicResolver`], redirects are never followed (one could lead past the rule).
pub fn pinned_client(
    allow_private: bool,
    timeout: Option<std::time::Duration>,
) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .dns_resolver(std::sync::Arc::new(PublicResolver { allow_private }))
        .redirect(reqwest::redirect::Policy::none());
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build()
}

/// Resolves the URL's host and checks every address; the error is for the client.
pub async fn check_destination(url: &Url, allow_private: bool) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| format!("the callback host `{host}` does not resolve"))?
            .map(|addr| addr.ip())
            .collect(),
    };
    if addresses.is_empty() {
        return Err(format!("the callback host `{host}` does not resolve"));
    }
    // The address itself is not said: it would map internal names for whoever asks.
    match addresses.into_iter().any(|ip| !is_public(ip)) {
        true => Err(format!(
            "callback URLs may not point at internal addresses (`{host}` resolves to one)"
        )),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn ipv6_forms_that_embed_an_internal_ipv4_address_are_not_public() {
        for internal in [
            "64:ff9b::7f00:1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
            "::7f00:1",
            "::1",
            "::",
            "2001::1",
            "fe80::1",
            "fd00::1",
        ] {
            assert!(!is_public(internal.parse().unwrap()), "{internal}");
        }
        assert!(is_public("2606:4700::1111".parse().unwrap()));
        assert!(is_public("64:ff9b::808:808".parse().unwrap()));
    }

    #[tokio::test]
    async fn the_public_resolver_drops_internal_addresses_so_nothing_connects_to_them() {
        use reqwest::dns::Resolve;
        let name = || "localhost".parse::<reqwest::dns::Name>().unwrap();

        let refused = PublicResolver {
            allow_private: false,
        }
        .resolve(name())
        .await;
        let allowed = PublicResolver {
            allow_private: true,
        }
        .resolve(name())
        .await;

        assert!(refused.is_err());
        assert!(allowed.unwrap().any(|a| a.ip().is_loopback()));
    }

    #[tokio::test]
    async fn a_refused_destination_does_not_say_which_address_it_resolved_to() {
        let url = parse_url("http://localhost:9/hook").unwrap();

        let err = check_destination(&url, false).await.unwrap_err();

        assert!(!err.contains("127.0.0.1") && !err.contains("::1"), "{err}");
    }

    #[test]
    fn callback_urls_must_be_http_with_a_host_and_no_credentials() {
        assert!(parse_url("https://example.com/hook").is_ok());
        for bad in [
            "ftp://example.com/",
            "not a url",
            "https://user:pw@example.com/",
            "file:///etc/passwd",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn loopback_destinations_are_refused_unless_allowed() {
        let url = parse_url("http://127.0.0.1:9/hook").unwrap();
        assert!(check_destination(&url, false).await.is_err());
        assert!(check_destination(&url, true).await.is_ok());
        let named = parse_url("http://localhost:9/hook").unwrap();
        assert!(check_destination(&named, false).await.is_err());
    }
}
