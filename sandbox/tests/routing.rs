//! Paths as TikTok serves them: every API path ends with `/`.

mod common;

use common::{Client, TOKEN, purchase, seed, start, track_body};

#[test]
fn a_path_without_its_trailing_slash_is_a_plain_404() {
    let sandbox = start(seed());
    let client = Client::new(&sandbox);
    let body = track_body(&[purchase("slash-1")]);
    for path in ["/open_api/v1.3/event/track", "/open_api/v1.3/no/such/path/"] {
        let reply = client.post(path, Some(TOKEN), &body);
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.body, "404 page not found");
    }
    let info = client.get("/open_api/v1.3/user/info", Some(TOKEN), &[]);
    assert_eq!(info.status, 404);
    assert!(sandbox.accepted_events().is_empty());
    assert_eq!(sandbox.stats().requests_seen, 0);
}
