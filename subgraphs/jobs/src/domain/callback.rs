//! Callback URLs and the SSRF rule: a callback may not point at loopback, private, link-local
//! or other internal addresses unless config allows it. The rule applies to the URL when a
//! deployment is made and to every resolved address again when a callback is sent (a name
//! may resolve elsewhere later).

use mediamagic_kit::ApiError;
use reqwest::Url;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local fc00::/7 and link-local fe80::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Documentation 2001:db8::/32.
        || (first == 0x2001 && ip.segments()[1] == 0x0db8))
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
            .map_err(|e| format!("the callback host `{host}` does not resolve: {e}"))?
            .map(|addr| addr.ip())
            .collect(),
    };
    if addresses.is_empty() {
        return Err(format!("the callback host `{host}` does not resolve"));
    }
    match addresses.into_iter().find(|ip| !is_public(*ip)) {
        Some(ip) => Err(format!(
            "callback URLs may not point at internal addresses ({ip})"
        )),
        None => Ok(()),
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
