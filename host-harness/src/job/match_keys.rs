//! Match keys: how many of the rows sent carry an email, a phone or both, which is what
//! TikTok matches offline events on. Read off TikTok's request bodies, where each event's
//! `user` object lists the hashed values it carries (an order's rows share its event, so
//! a row counts with its order's keys). The scan finds each event's `,"user":{` (inside a
//! JSON string a quote is always escaped, so that text cannot occur there) and the object
//! after it, which holds only keys and hex strings; it costs a `memmem` over the body,
//! where parsing it was a tenth of `host-harness transform`'s time. A body of another
//! shape (another component) counts nothing.

use memchr::memmem;

/// Rows by the match keys their event carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchKeys {
    pub email_and_phone: u64,
    pub email_only: u64,
    pub phone_only: u64,
    /// Events with neither (an external id alone): TikTok cannot match them.
    pub neither: u64,
}

impl MatchKeys {
    /// Rows counted.
    pub fn rows(&self) -> u64 {
        self.email_and_phone + self.email_only + self.phone_only + self.neither
    }

    /// Counts the rows of each event of `body`, `event_sizes` rows each, in order.
    /// Nothing is counted unless the body has one `user` object per event.
    pub(crate) fn count(&mut self, body: &str, event_sizes: &[u32]) {
        let keys: Vec<(bool, bool)> = users(body).collect();
        if keys.len() != event_sizes.len() {
            return;
        }
        for ((email, phone), &rows) in keys.into_iter().zip(event_sizes) {
            let rows = u64::from(rows);
            match (email, phone) {
                (true, true) => self.email_and_phone += rows,
                (true, false) => self.email_only += rows,
                (false, true) => self.phone_only += rows,
                (false, false) => self.neither += rows,
            }
        }
    }
}

/// Whether each event's `user` object carries an email and a phone, in body order.
fn users(body: &str) -> impl Iterator<Item = (bool, bool)> + '_ {
    let bytes = body.as_bytes();
    memmem::find_iter(bytes, br#","user":{"#).map(move |at| {
        let object = &bytes[at..];
        let object = &object[..memchr::memchr(b'}', object).unwrap_or(object.len())];
        (
            memmem::find(object, br#""email":"#).is_some(),
            memmem::find(object, br#""phone":"#).is_some(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_counted_with_their_event_s_keys() {
        let body = r#"{"event_source":"offline","data":[
            {"event":"Purchase","event_id":"a","user":{"email":["aa"],"phone":["bb"]},"properties":{"content_name":"x\",\"user\":{\"email\":"}},
            {"event":"Lead","event_id":"b","user":{"email":["cc"]}},
            {"event":"Lead","event_id":"c","user":{"phone":["dd"],"external_id":["ee"]}},
            {"event":"Lead","event_id":"d","user":{"external_id":["ff"]}}]}"#;
        let mut keys = MatchKeys::default();
        keys.count(body, &[3, 1, 2, 1]);
        assert_eq!(
            keys,
            MatchKeys {
                email_and_phone: 3,
                email_only: 1,
                phone_only: 2,
                neither: 1
            }
        );
        // Another shape: nothing counted.
        let mut other = MatchKeys::default();
        other.count(r#"{"records":[1,2]}"#, &[1, 1]);
        assert_eq!(other, MatchKeys::default());
    }
}
