//! The sandbox policy: what a component may use. On by default, and every limit is
//! a plain number a platform engineer can read and tune.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use url::Url;

/// Limits applied to every call into a component.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Linear memory a single instance may grow to.
    pub memory_bytes: usize,
    /// Guest execution time per export call. Time the guest spends waiting in host
    /// imports (HTTP) does not count: a slow TikTok must not look like a runaway loop.
    pub cpu_per_call: Duration,
    /// Wasm stack size; deep recursion traps instead of overflowing the host stack.
    pub max_wasm_stack: usize,
    /// HTTP calls one export call may make (validate makes 4; a send that isolates
    /// poison rows by bisection makes about 2·k·log2(n)).
    pub max_http_calls: u32,
    /// Largest response body handed to the guest.
    pub max_response_bytes: usize,
    /// Upper bound on any single HTTP call's timeout, whatever the guest asks for.
    pub max_http_timeout: Duration,
    /// Time all the HTTP calls of one export call may take together; past it, further
    /// calls time out at once (the guest sees `timeout`, a passing fault). Without it a
    /// slow server could hold one `send` for `max_http_calls` × `max_http_timeout`.
    pub http_time_per_call: Duration,
    /// Guest stderr kept, its last bytes (a panic's message is written last).
    pub max_stderr_bytes: usize,
    /// Hosts the operator lets the component reach; nothing unless said.
    pub allowed_hosts: AllowedHosts,
}

impl Policy {
    /// The default limits, the component reaching `hosts`.
    pub fn allowing(hosts: AllowedHosts) -> Policy {
        Policy {
            allowed_hosts: hosts,
            ..Policy::default()
        }
    }
}

/// What the operator lets a component reach. The effective allow-list is always
/// within what the component declares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AllowedHosts {
    /// No host: an embedder that says nothing gives a plugin no network.
    #[default]
    Nothing,
    /// The hosts the component declares, but IP addresses and local names: the CLI's
    /// choice when no `--allow-host` is given (it routes to `--endpoint` or its sandbox).
    Declared,
    /// These hosts, where the component declares them too. Naming an address or a
    /// name that resolves to a private one is what allows it.
    Only(Vec<String>),
}

impl AllowedHosts {
    /// The hosts the operator named, which may be addresses or resolve to private ones.
    pub fn named(&self) -> &[String] {
        match self {
            AllowedHosts::Only(hosts) => hosts,
            AllowedHosts::Nothing | AllowedHosts::Declared => &[],
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            memory_bytes: 64 << 20,
            cpu_per_call: Duration::from_secs(10),
            max_wasm_stack: 1 << 20,
            max_http_calls: 512,
            max_response_bytes: 4 << 20,
            max_http_timeout: Duration::from_secs(30),
            http_time_per_call: Duration::from_secs(5 * 60),
            max_stderr_bytes: 64 << 10,
            allowed_hosts: AllowedHosts::Nothing,
        }
    }
}

/// The HTTP egress allow-list, matched on the parsed URL (never on a guest-supplied
/// `Host` header): `https` only, default port, no credentials in the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Egress {
    hosts: Vec<String>,
}

impl Egress {
    /// The hosts the component declared, narrowed to those the operator allows. An IP
    /// address or a local name (`localhost`) declared by a component is dropped unless
    /// the operator names it: a plugin must not reach the host's own network
    /// (169.254.169.254, a database on 127.0.0.1) by declaring it.
    pub fn new(declared: &[String], allowed: &AllowedHosts) -> Egress {
        let named = |h: &str| allowed.named().iter().any(|x| x.eq_ignore_ascii_case(h));
        let hosts = declared
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .filter(|h| match allowed {
                AllowedHosts::Nothing => false,
                AllowedHosts::Declared => !is_address_or_local(h),
                AllowedHosts::Only(_) => named(h),
            })
            .collect();
        Egress { hosts }
    }

    pub fn hosts(&self) -> &[String] {
        &self.hosts
    }

    /// The parsed URL if the guest may reach it, else why not (safe to show the guest).
    pub fn check(&self, url: &str) -> Result<Url, String> {
        let parsed = Url::parse(url).map_err(|e| format!("not a valid URL ({e})"))?;
        if parsed.scheme() != "https" {
            return Err(format!(
                "scheme '{}' is not allowed; only https",
                parsed.scheme()
            ));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("credentials in the URL are not allowed".into());
        }
        if parsed.port().is_some() {
            return Err("only the default https port is allowed".into());
        }
        let host = parsed.host_str().unwrap_or_default();
        if !self.hosts.iter().any(|h| h == host) {
            return Err(format!("host '{host}' is not in the egress allow-list"));
        }
        Ok(parsed)
    }
}

/// An IP address in any of the forms a URL reads as one (`127.1`, `0x7f000001`,
/// `2130706433`, `[::ffff:127.0.0.1]`), or a name that is the machine itself.
fn is_address_or_local(host: &str) -> bool {
    let parsed = Url::parse(&format!("https://{host}/"));
    let address = parsed.as_ref().map_or(true, |url| {
        !matches!(url.host(), Some(url::Host::Domain(_)))
    });
    let name = host.trim_end_matches('.');
    address || name == "localhost" || name.ends_with(".localhost")
}

/// Whether an address is on the public internet: not this machine, not a private or
/// shared (carrier NAT) network, not link-local (169.254.169.254, the cloud metadata
/// service), unique-local, multicast, broadcast or reserved. An IPv6 address that carries
/// an IPv4 one (mapped, compatible, NAT64) is judged by the IPv4 address.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_public_v4(v4),
            None => {
                let first = v6.segments()[0];
                !(v6.is_unspecified()
                    || v6.is_loopback()
                    || v6.is_multicast()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local()
                    || (first == 0x2001 && v6.segments()[1] == 0x0db8)
                    || first & 0xffc0 == 0xfec0)
            }
        },
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    !(v4.is_unspecified()
        || a == 0
        || v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_broadcast()
        || v4.is_documentation()
        || v4.is_multicast()
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (18..20).contains(&b))
        || (a == 192 && b == 0 && v4.octets()[2] == 0)
        || a >= 240)
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`)
/// or NAT64 (`64:ff9b::a.b.c.d`) address.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s[..6] {
        [0, 0, 0, 0, 0, 0xffff] | [0x64, 0xff9b, 0, 0, 0, 0] => Some(low),
        [0, 0, 0, 0, 0, 0] if !v6.is_loopback() && !v6.is_unspecified() => Some(low),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a component declares is no licence to reach the host's own network: IP
    /// literals in every spelling and local names are dropped unless the operator
    /// names them.
    #[test]
    fn declared_addresses_and_local_names_need_the_operator() {
        let declared: Vec<String> = [
            "127.0.0.1",
            "127.1",
            "0x7f000001",
            "2130706433",
            "169.254.169.254",
            "10.0.0.1",
            "[::1]",
            "[::ffff:127.0.0.1]",
            "localhost",
            "api.localhost",
            "business-api.tiktok.com",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            Egress::new(&declared, &AllowedHosts::Declared).hosts(),
            ["business-api.tiktok.com"]
        );
        let operator = AllowedHosts::Only(vec![
            "127.0.0.1".to_string(),
            "business-api.tiktok.com".to_string(),
        ]);
        assert_eq!(
            Egress::new(&declared, &operator).hosts(),
            ["127.0.0.1", "business-api.tiktok.com"]
        );
        let numeric = Egress::new(&declared, &AllowedHosts::Declared);
        for url in [
            "https://2130706433/",
            "https://0x7f000001/",
            "https://127.1/",
        ] {
            assert_eq!(
                numeric.check(url).unwrap_err(),
                "host '127.0.0.1' is not in the egress allow-list",
                "{url}"
            );
        }
    }

    /// A library embedder who says nothing gives the component no network.
    #[test]
    fn the_default_policy_allows_no_host() {
        let declared = ["business-api.tiktok.com".to_string()];
        let egress = Egress::new(&declared, &Policy::default().allowed_hosts);
        assert_eq!(egress.hosts(), [] as [String; 0]);
        assert_eq!(
            egress
                .check("https://business-api.tiktok.com/open_api/v1.3/user/info/")
                .unwrap_err(),
            "host 'business-api.tiktok.com' is not in the egress allow-list"
        );
    }

    #[test]
    fn only_public_addresses_are_public() {
        let public = [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ];
        for address in public {
            assert!(is_public(address.parse().unwrap()), "{address}");
        }
        let not_public = [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "192.0.0.8",
            "198.18.0.1",
            "192.0.2.1",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::10.0.0.1",
        ];
        for address in not_public {
            assert!(!is_public(address.parse().unwrap()), "{address}");
        }
    }

    fn tiktok() -> Egress {
        Egress::new(&["business-api.tiktok.com".into()], &AllowedHosts::Declared)
    }

    #[test]
    fn allows_declared_https_host() {
        let url = tiktok().check("https://business-api.tiktok.com/open_api/v1.3/user/info/");
        assert_eq!(url.unwrap().path(), "/open_api/v1.3/user/info/");
    }

    #[test]
    fn refuses_everything_else() {
        let e = tiktok();
        let refused = |u: &str| e.check(u).unwrap_err();
        assert_eq!(
            refused("http://business-api.tiktok.com/"),
            "scheme 'http' is not allowed; only https"
        );
        assert_eq!(
            refused("https://evil.example/"),
            "host 'evil.example' is not in the egress allow-list"
        );
        assert_eq!(
            refused("https://business-api.tiktok.com.evil.example/"),
            "host 'business-api.tiktok.com.evil.example' is not in the egress allow-list"
        );
        assert_eq!(
            refused("https://user:pw@business-api.tiktok.com/"),
            "credentials in the URL are not allowed"
        );
        assert_eq!(
            refused("https://business-api.tiktok.com:8443/"),
            "only the default https port is allowed"
        );
        assert_eq!(
            refused("https://127.0.0.1/"),
            "host '127.0.0.1' is not in the egress allow-list"
        );
    }

    #[test]
    fn operator_policy_narrows_the_declaration() {
        let declared = [
            "business-api.tiktok.com".to_string(),
            "sandbox-ads.tiktok.com".to_string(),
        ];
        let e = Egress::new(
            &declared,
            &AllowedHosts::Only(vec![
                "SANDBOX-ADS.tiktok.com".to_string(),
                "other.example".to_string(),
            ]),
        );
        assert_eq!(e.hosts(), ["sandbox-ads.tiktok.com"]);
    }
}
