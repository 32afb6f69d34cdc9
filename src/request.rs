//! Request bodies for `POST /event/track/`: events of one event set, in chunks TikTok takes.

/// TikTok rejects a whole request of more events than this.
pub const MAX_EVENTS_PER_REQUEST: usize = 1_000;
/// Request bodies are kept under 1 MB of JSON.
pub const MAX_REQUEST_BYTES: usize = 1_000_000;
