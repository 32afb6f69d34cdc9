//! TikTok-shaped identifiers: 19-digit numeric ids, hex tokens and auth codes.
//!
//! All are deterministic (derived from a name or a counter) so test runs repeat.

use crate::prng::SplitMix64;

/// A 19-digit id derived from a name (FNV-1a), for an event set seeded by name only.
pub(crate) fn id_from_name(name: &str) -> String {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    format!(
        "{}",
        7_000_000_000_000_000_000 + hash % 1_000_000_000_000_000_000
    )
}

/// Hands out new ids, tokens and codes, in a fixed sequence.
#[derive(Debug)]
pub(crate) struct IdSource {
    created_sets: u64,
    secrets: SplitMix64,
}

impl Default for IdSource {
    fn default() -> Self {
        Self {
            created_sets: 0,
            secrets: SplitMix64::new(0x5eed),
        }
    }
}

impl IdSource {
    /// The id of an event set created over the API: 19 digits, starting "72".
    pub(crate) fn next_event_set_id(&mut self) -> String {
        self.created_sets += 1;
        format!("72{:017}", self.created_sets)
    }

    /// 40 hex characters, the shape of TikTok's long-term access tokens.
    pub(crate) fn next_access_token(&mut self) -> String {
        let (a, b, c) = (
            self.secrets.next(),
            self.secrets.next(),
            self.secrets.next(),
        );
        format!("{a:016x}{b:016x}{:08x}", c >> 32)
    }

    /// 32 hex characters.
    pub(crate) fn next_auth_code(&mut self) -> String {
        format!("{:016x}{:016x}", self.secrets.next(), self.secrets.next())
    }
}
