//! The `timestamp` column to TikTok's `event_time` (Unix seconds, UTC).
//!
//! Accepted: ISO 8601 (`2023-05-20T11:19:55+02:00`, `+0200`, `+02`, `Z` or no offset for
//! UTC, `T` or a space between date and time, optional seconds and fractions, a date
//! alone for midnight UTC), and Unix seconds or milliseconds as numbers or digit text.
//! Hand-written: the grammar is small, and no date crate is needed in the component.

/// How far ahead of the host's clock an event may be: clocks drift, a future event is
/// a broken row.
pub const MAX_FUTURE_MS: i64 = 10 * 60 * 1000;

/// Unix numbers from here on are milliseconds: as seconds they would be after the year
/// 5000, as milliseconds they are after 1973.
pub const MILLIS_FROM: i64 = 100_000_000_000;

/// Why a timestamp is not used. Never contains the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("not an ISO 8601 date-time, Unix seconds or Unix milliseconds")]
    Unreadable,
    #[error("not a valid date or time of day")]
    OutOfRange,
    #[error("before 1970")]
    BeforeEpoch,
    #[error("more than 10 minutes in the future")]
    InFuture,
}

/// A point in time, in Unix milliseconds. Wide enough for any input, so nothing overflows
/// before the range checks of [`UnixMillis::event_time`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnixMillis(i64);

impl UnixMillis {
    /// Unix seconds, or milliseconds from [`MILLIS_FROM`] on.
    pub fn from_integer(n: i64) -> UnixMillis {
        UnixMillis(if n >= MILLIS_FROM {
            n
        } else {
            n.saturating_mul(1000)
        })
    }

    /// Like [`UnixMillis::from_integer`], with fractions of a second (e.g. a Python
    /// `time.time()`) cut off at the millisecond.
    pub fn from_float(x: f64) -> Result<UnixMillis, TimestampError> {
        if !x.is_finite() {
            return Err(TimestampError::Unreadable);
        }
        // `as` saturates: a value too large for i64 is still far in the future.
        let ms = if x >= MILLIS_FROM as f64 {
            x.floor()
        } else {
            (x * 1000.0).floor()
        };
        Ok(UnixMillis(ms as i64))
    }

    /// ISO 8601, or Unix seconds/milliseconds written as digits.
    pub fn parse(text: &str) -> Result<UnixMillis, TimestampError> {
        let text = crate::row::trim(text);
        let bytes = text.as_bytes();
        // One look at the leading digits tells the three forms apart (ISO 8601 has
        // four, then `-`), instead of a scan of the whole text per form.
        let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0 && digits == bytes.len() {
            return text
                .parse::<i64>()
                .map(UnixMillis::from_integer)
                .map_err(|_| TimestampError::InFuture);
        }
        if bytes.get(digits) == Some(&b'.') && is_decimal(bytes) {
            return crate::number::decimal(text)
                .ok_or(TimestampError::Unreadable)
                .and_then(UnixMillis::from_float);
        }
        iso8601(bytes).map(UnixMillis)
    }

    /// TikTok's `event_time`: whole seconds. Events older than TikTok's 28-day
    /// attribution window are still sent: whether TikTok rejects them is unconfirmed,
    /// and it can only tell by receiving them.
    pub fn event_time(self, now_ms: u64) -> Result<i64, TimestampError> {
        if self.0 < 0 {
            return Err(TimestampError::BeforeEpoch);
        }
        let latest = i64::try_from(now_ms)
            .unwrap_or(i64::MAX)
            .saturating_add(MAX_FUTURE_MS);
        if self.0 > latest {
            return Err(TimestampError::InFuture);
        }
        Ok(self.0 / 1000)
    }
}

/// `digits.digits`: Unix seconds with a fraction, written as text.
fn is_decimal(bytes: &[u8]) -> bool {
    match bytes.iter().position(|&b| b == b'.') {
        Some(dot) => {
            let (int, frac) = (&bytes[..dot], &bytes[dot + 1..]);
            !int.is_empty() && !frac.is_empty() && int.iter().chain(frac).all(u8::is_ascii_digit)
        }
        None => false,
    }
}

/// `YYYY-MM-DD[(T| )hh:mm[:ss[(.|,)fff…]][Z|±hh[[:]mm]]]`, in Unix milliseconds.
fn iso8601(bytes: &[u8]) -> Result<i64, TimestampError> {
    let mut c = Cursor { bytes, at: 0 };
    let date = (|| {
        let year = c.four_digits()?;
        c.expect(b"-")?;
        let month = c.two_digits()?;
        c.expect(b"-")?;
        Some((year, month, c.two_digits()?))
    })()
    .ok_or(TimestampError::Unreadable)?;
    let (time, offset_minutes) = if c.done() {
        (Time::MIDNIGHT, 0)
    } else {
        time_and_offset(&mut c)?
    };
    let (year, month, day) = date;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(TimestampError::OutOfRange);
    }
    let days = days_from_civil(i64::from(year), month, day);
    let minutes = (days * 24 + i64::from(time.hour)) * 60 + i64::from(time.minute)
        - i64::from(offset_minutes);
    Ok((minutes * 60 + i64::from(time.second)) * 1000 + i64::from(time.millis))
}

struct Time {
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
}

impl Time {
    const MIDNIGHT: Time = Time {
        hour: 0,
        minute: 0,
        second: 0,
        millis: 0,
    };
}

/// The part after the date; the offset in minutes east of UTC (0 for `Z` or none).
fn time_and_offset(c: &mut Cursor) -> Result<(Time, i32), TimestampError> {
    let unreadable = TimestampError::Unreadable;
    c.expect(b"Tt ").ok_or(unreadable)?;
    let hour = c.two_digits().ok_or(unreadable)?;
    c.expect(b":").ok_or(unreadable)?;
    let minute = c.two_digits().ok_or(unreadable)?;
    let (mut second, mut millis) = (0, 0);
    if c.expect(b":").is_some() {
        second = c.two_digits().ok_or(unreadable)?;
        if c.expect(b".,").is_some() {
            millis = c.fraction_millis().ok_or(unreadable)?;
        }
    }
    let offset = match c.expect(b"Zz+-") {
        None => 0,
        Some(b'Z' | b'z') => 0,
        Some(sign) => {
            let hours = c.two_digits().ok_or(unreadable)?;
            let minutes = if c.expect(b":").is_some() || !c.done() {
                c.two_digits().ok_or(unreadable)?
            } else {
                0
            };
            if hours > 23 || minutes > 59 {
                return Err(TimestampError::OutOfRange);
            }
            let offset = (hours * 60 + minutes) as i32;
            if sign == b'-' { -offset } else { offset }
        }
    };
    if !c.done() {
        return Err(unreadable);
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(TimestampError::OutOfRange);
    }
    Ok((
        Time {
            hour,
            minute,
            second,
            millis,
        },
        offset,
    ))
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    /// Consumes one byte if it is one of `any`.
    fn expect(&mut self, any: &[u8]) -> Option<u8> {
        let byte = *self.bytes.get(self.at).filter(|b| any.contains(b))?;
        self.at += 1;
        Some(byte)
    }

    /// Exactly two decimal digits, written out: at `opt-level = "s"` LLVM keeps a
    /// loop, and in wasmtime every loop iteration pays an epoch check.
    fn two_digits(&mut self) -> Option<u32> {
        let &[tens, ones] = self.bytes.get(self.at..)?.first_chunk()?;
        let (tens, ones) = (tens.wrapping_sub(b'0'), ones.wrapping_sub(b'0'));
        if tens > 9 || ones > 9 {
            return None;
        }
        self.at += 2;
        Some(u32::from(tens) * 10 + u32::from(ones))
    }

    /// Exactly four decimal digits (a year).
    fn four_digits(&mut self) -> Option<u32> {
        Some(self.two_digits()? * 100 + self.two_digits()?)
    }

    /// One or more digits of a fraction of a second, as milliseconds (cut, not rounded:
    /// rounding could carry into the next second).
    fn fraction_millis(&mut self) -> Option<u32> {
        let len = self.bytes[self.at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if len == 0 {
            return None;
        }
        let digits = &self.bytes[self.at..self.at + len];
        self.at += len;
        Some((0..3).fold(0, |ms, i| {
            ms * 10 + digits.get(i).map_or(0, |d| u32::from(d - b'0'))
        }))
    }
}

fn is_leap_year(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2023-05-20T09:19:55Z, TikTok's example `event_time`.
    const EXAMPLE: i64 = 1_684_574_395;
    const NOW_MS: u64 = 1_700_000_000_000;

    fn seconds(text: &str) -> Result<i64, TimestampError> {
        UnixMillis::parse(text)?.event_time(NOW_MS)
    }

    #[test]
    fn iso_8601_with_every_offset_form() {
        for text in [
            "2023-05-20T09:19:55Z",
            "2023-05-20t09:19:55z",
            "2023-05-20 09:19:55",
            "2023-05-20T09:19:55",
            "2023-05-20T11:19:55+02:00",
            "2023-05-20T11:19:55+0200",
            "2023-05-20 11:19:55+02",
            "2023-05-20T04:49:55-04:30",
            "2023-05-20T09:19:55-00:00",
            " 2023-05-20T09:19:55.999Z ",
            "2023-05-20T09:19:55,5+00:00",
            "2023-05-20T09:19:55.123456789Z",
        ] {
            assert_eq!(seconds(text), Ok(EXAMPLE), "{text}");
        }
    }

    #[test]
    fn seconds_and_dates_may_be_left_out() {
        assert_eq!(seconds("2023-05-20T09:19"), Ok(EXAMPLE - 55));
        assert_eq!(seconds("2023-05-20 11:19+02:00"), Ok(EXAMPLE - 55));
        assert_eq!(seconds("2023-05-20"), Ok(1_684_540_800));
        assert_eq!(seconds("1970-01-01"), Ok(0));
    }

    #[test]
    fn fractions_are_kept_to_the_millisecond_for_the_future_check() {
        assert_eq!(
            UnixMillis::parse("2023-05-20T09:19:55.5Z"),
            Ok(UnixMillis(1_684_574_395_500))
        );
        assert_eq!(
            UnixMillis::parse("2023-05-20T09:19:55.0129Z"),
            Ok(UnixMillis(1_684_574_395_012))
        );
    }

    #[test]
    fn leap_years_and_month_lengths_are_checked() {
        assert_eq!(seconds("2020-02-29"), Ok(1_582_934_400));
        assert_eq!(seconds("2023-03-01"), Ok(1_677_628_800));
        assert_eq!(seconds("2000-02-29"), Ok(951_782_400));
        assert_eq!(seconds("2022-12-31T23:59:59Z"), Ok(1_672_531_199));
        for text in [
            "2023-02-29",
            "1900-02-29",
            "2023-04-31",
            "2023-13-01",
            "2023-00-10",
            "2023-05-00",
            "2023-05-20T24:00:00Z",
            "2023-05-20T12:60:00Z",
            "2023-05-20T12:00:60Z",
            "2023-05-20T12:00:00+24:00",
            "2023-05-20T12:00:00+02:60",
        ] {
            assert_eq!(seconds(text), Err(TimestampError::OutOfRange), "{text}");
        }
    }

    #[test]
    fn anything_else_is_unreadable() {
        for text in [
            "",
            "yesterday",
            "20/05/2023",
            "2023-5-20",
            "2023-05-20T",
            "2023-05-20T9:19",
            "2023-05-20T09:19:55.Z",
            "2023-05-20T09:19:55+2",
            "2023-05-20T09:19:55+02:",
            "2023-05-20T09:19:55 +02:00",
            "2023-05-20T09:19:55Z junk",
            "2023-05-20Z",
            "1684574395.",
            "-1684574395",
            "1.6e9",
            "２０２３-05-20",
        ] {
            assert_eq!(seconds(text), Err(TimestampError::Unreadable), "{text}");
        }
    }

    #[test]
    fn unix_seconds_and_milliseconds_as_numbers_or_text() {
        assert_eq!(
            UnixMillis::from_integer(1_684_574_395).event_time(NOW_MS),
            Ok(EXAMPLE)
        );
        assert_eq!(
            UnixMillis::from_integer(1_684_574_395_123).event_time(NOW_MS),
            Ok(EXAMPLE)
        );
        assert_eq!(
            UnixMillis::from_float(1_684_574_395.75)
                .unwrap()
                .event_time(NOW_MS),
            Ok(EXAMPLE)
        );
        assert_eq!(
            UnixMillis::from_float(1_684_574_395_123.0)
                .unwrap()
                .event_time(NOW_MS),
            Ok(EXAMPLE)
        );
        assert_eq!(seconds("1684574395"), Ok(EXAMPLE));
        assert_eq!(seconds(" 1684574395123 "), Ok(EXAMPLE));
        assert_eq!(seconds("1684574395.999"), Ok(EXAMPLE));
        assert_eq!(seconds("0"), Ok(0));
        // The boundary: the first number read as milliseconds.
        assert_eq!(
            UnixMillis::from_integer(99_999_999_999),
            UnixMillis(99_999_999_999_000)
        );
        assert_eq!(
            UnixMillis::from_integer(100_000_000_000),
            UnixMillis(100_000_000_000)
        );
    }

    #[test]
    fn the_future_is_limited_to_ten_minutes() {
        let now_s = (NOW_MS / 1000) as i64;
        assert_eq!(
            UnixMillis::from_integer(now_s + 600).event_time(NOW_MS),
            Ok(now_s + 600)
        );
        assert_eq!(
            UnixMillis::from_integer(NOW_MS as i64 + 600_000).event_time(NOW_MS),
            Ok(now_s + 600)
        );
        assert_eq!(
            UnixMillis::from_integer(NOW_MS as i64 + 600_001).event_time(NOW_MS),
            Err(TimestampError::InFuture)
        );
        assert_eq!(seconds("2023-11-14T22:13:20Z"), Ok(now_s));
        assert_eq!(seconds("2023-11-14T22:23:20Z"), Ok(now_s + 600));
        assert_eq!(
            seconds("2023-11-14T22:23:21Z"),
            Err(TimestampError::InFuture)
        );
        assert_eq!(seconds("9999-12-31"), Err(TimestampError::InFuture));
        assert_eq!(
            TimestampError::InFuture.to_string(),
            "more than 10 minutes in the future"
        );
    }

    #[test]
    fn huge_and_negative_numbers_do_not_overflow() {
        assert_eq!(
            seconds(&u64::MAX.to_string()),
            Err(TimestampError::InFuture)
        );
        assert_eq!(seconds(&"9".repeat(100)), Err(TimestampError::InFuture));
        assert_eq!(
            UnixMillis::from_integer(i64::MAX).event_time(NOW_MS),
            Err(TimestampError::InFuture)
        );
        assert_eq!(
            UnixMillis::from_float(f64::MAX).unwrap().event_time(NOW_MS),
            Err(TimestampError::InFuture)
        );
        assert_eq!(
            UnixMillis::from_float(1e300 * 1e10),
            Err(TimestampError::Unreadable)
        );
        assert_eq!(
            UnixMillis::from_integer(-1).event_time(NOW_MS),
            Err(TimestampError::BeforeEpoch)
        );
        assert_eq!(
            UnixMillis::from_float(-0.5).unwrap().event_time(NOW_MS),
            Err(TimestampError::BeforeEpoch)
        );
        assert_eq!(
            seconds("1969-12-31T23:59:59Z"),
            Err(TimestampError::BeforeEpoch)
        );
        assert_eq!(seconds("0000-01-01"), Err(TimestampError::BeforeEpoch));
        assert_eq!(
            seconds("1970-01-01T01:00:00+02:00"),
            Err(TimestampError::BeforeEpoch)
        );
    }

    #[test]
    fn old_events_are_still_sent() {
        // Far outside TikTok's 28-day attribution window.
        assert_eq!(seconds("2001-01-01"), Ok(978_307_200));
    }
}
