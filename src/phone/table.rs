//! The numbering-plan table: per calling code, the countries that use it, how their
//! national and international prefixes are written, and which national significant
//! numbers (NSNs) exist.
//!
//! Derived from Google libphonenumber's metadata (v9.0.x): the NSN lengths are those
//! of fixed-line, mobile, VoIP and personal numbers, per first digit of the NSN, so a
//! person's number is accepted and a toll-free or premium one (no one's phone) is not.
//! International prefixes list only the forms people write; carrier-selection variants
//! are kept for Brazil and Colombia, where they are common in stored numbers.

/// One calling code's numbering plan.
#[derive(Debug)]
pub(super) struct Plan {
    pub calling_code: u16,
    /// ISO 3166 alpha-2 codes, space-separated, the main country first.
    pub countries: &'static str,
    /// National (trunk) prefixes dialled before an NSN, in any order.
    pub trunk_prefixes: &'static [&'static str],
    /// Prefixes dialled before a calling code from this country, in any order.
    pub international_prefixes: &'static [&'static str],
    /// Bit `n` of entry `d`: an NSN starting with digit `d` may have `n` digits.
    nsn_lengths: [u16; 10],
    /// Bit `n`: an NSN that starts with the calling code's own digits may have `n`
    /// digits. Only countries without a trunk prefix have it (see
    /// [`Plan::national_despite_code`]).
    own_code_lengths: u16,
}

impl Plan {
    /// Whether `nsn` (ASCII digits) has a length this plan allows for its first digit,
    /// and the whole number fits E.164's 15 digits.
    pub fn fits(&self, nsn: &str) -> bool {
        let Some(&first) = nsn.as_bytes().first() else {
            return false;
        };
        let total = nsn.len() + self.code_len();
        first.is_ascii_digit()
            && (8..=15).contains(&total)
            && self.nsn_lengths[usize::from(first - b'0')] & (1 << nsn.len()) != 0
    }

    /// Whether `digits`, which start with this plan's calling code and are valid both as
    /// an NSN and as calling code + NSN, are an NSN. In countries with a trunk prefix
    /// national numbers are written with it, so there they are not; elsewhere they are
    /// when an NSN starting with those digits can have that length.
    pub fn national_despite_code(&self, digits: &str) -> bool {
        self.trunk_prefixes.is_empty() && self.own_code_lengths & (1 << digits.len().min(15)) != 0
    }

    /// Digits of the calling code.
    pub fn code_len(&self) -> usize {
        match self.calling_code {
            0..=9 => 1,
            10..=99 => 2,
            _ => 3,
        }
    }
}

/// The plan a country (case-insensitive ISO alpha-2) uses, and its code as written in
/// the table. A lookup in [`BY_COUNTRY`]: it runs once per row.
pub(super) fn by_country(code: &str) -> Option<(&'static Plan, &'static str)> {
    let &[a, b] = code.as_bytes() else {
        return None;
    };
    let slot = alpha2_slot(a.to_ascii_uppercase(), b.to_ascii_uppercase())?;
    let (plan, at) = BY_COUNTRY[slot]?;
    let plan = &PLANS[usize::from(plan)];
    let at = usize::from(at);
    Some((plan, &plan.countries[at..at + 2]))
}

/// The plan whose calling code starts `digits`, and the digits after it. Calling codes
/// are prefix-free, so at most one matches.
pub(super) fn by_calling_code(digits: &str) -> Option<(&'static Plan, &str)> {
    let bytes = digits.as_bytes();
    let mut code = 0usize;
    for (len, &digit) in bytes.iter().take(3).enumerate() {
        if !digit.is_ascii_digit() {
            return None;
        }
        code = code * 10 + usize::from(digit - b'0');
        if let Some(plan) = BY_CALLING_CODE[code] {
            let plan = &PLANS[usize::from(plan)];
            if plan.code_len() == len + 1 {
                return Some((plan, &digits[len + 1..]));
            }
        }
    }
    None
}

/// `AA` = 0 … `ZZ` = 675, for upper-case ASCII letters.
const fn alpha2_slot(a: u8, b: u8) -> Option<usize> {
    if a.is_ascii_uppercase() && b.is_ascii_uppercase() {
        Some((a - b'A') as usize * 26 + (b - b'A') as usize)
    } else {
        None
    }
}

/// Per alpha-2 slot: the index in [`PLANS`] of the country's plan and where its code
/// sits in `countries`. Built at compile time; a country listed twice fails the build.
static BY_COUNTRY: [Option<(u8, u8)>; 676] = {
    assert!(PLANS.len() <= 256, "plan indices fit a u8");
    let mut index = [None; 676];
    let mut plan = 0;
    while plan < PLANS.len() {
        let codes = PLANS[plan].countries.as_bytes();
        let mut at = 0;
        while at + 1 < codes.len() {
            let Some(slot) = alpha2_slot(codes[at], codes[at + 1]) else {
                panic!("country codes are upper-case alpha-2, space-separated");
            };
            assert!(index[slot].is_none(), "a country has one plan");
            index[slot] = Some((plan as u8, at as u8));
            at += 3;
        }
        plan += 1;
    }
    index
};

/// Per calling code (its value, 1 to 999): the index in [`PLANS`] of its plan.
static BY_CALLING_CODE: [Option<u8>; 1000] = {
    let mut index = [None; 1000];
    let mut plan = 0;
    while plan < PLANS.len() {
        let code = PLANS[plan].calling_code as usize;
        assert!(index[code].is_none(), "a calling code has one plan");
        index[code] = Some(plan as u8);
        plan += 1;
    }
    index
};

const fn p(
    calling_code: u16,
    countries: &'static str,
    trunk_prefixes: &'static [&'static str],
    international_prefixes: &'static [&'static str],
    nsn: &str,
    own_code: &str,
) -> Plan {
    Plan {
        calling_code,
        countries,
        trunk_prefixes,
        international_prefixes,
        nsn_lengths: nsn_lengths(nsn),
        own_code_lengths: length_list(own_code.as_bytes(), 0).0,
    }
}

/// Parses an NSN spec at compile time: space-separated groups `DIGITS:LENGTHS`, where
/// DIGITS are first digits and LENGTHS as in [`length_list`] (`"1:10,11 2579:6-15"`).
/// A malformed spec fails the build.
const fn nsn_lengths(spec: &str) -> [u16; 10] {
    let s = spec.as_bytes();
    let mut masks = [0u16; 10];
    let mut i = 0;
    while i < s.len() {
        let digits_start = i;
        while i < s.len() && s[i] != b':' {
            assert!(s[i].is_ascii_digit(), "first digits must be digits");
            i += 1;
        }
        assert!(
            i > digits_start && i < s.len(),
            "group needs DIGITS:LENGTHS"
        );
        let (mask, next) = length_list(s, i + 1);
        assert!(mask != 0, "group needs lengths");
        let mut d = digits_start;
        while d < i {
            masks[(s[d] - b'0') as usize] |= mask;
            d += 1;
        }
        i = next;
        if i < s.len() {
            assert!(s[i] == b' ', "groups are separated by one space");
            i += 1;
        }
    }
    masks
}

/// Parses a comma list of lengths `n` or ranges `n-m` (1 to 15) at `s[i..]` into a mask
/// with bit `n` set per length; returns it and the index after the list. Empty at the
/// end of `s` is an empty mask.
const fn length_list(s: &[u8], mut i: usize) -> (u16, usize) {
    let mut mask = 0u16;
    if i == s.len() {
        return (mask, i);
    }
    loop {
        let (low, next) = number(s, i);
        i = next;
        let mut high = low;
        if i < s.len() && s[i] == b'-' {
            let (h, next) = number(s, i + 1);
            high = h;
            i = next;
        }
        assert!(low >= 1 && low <= high && high <= 15, "lengths are 1 to 15");
        let mut len = low;
        while len <= high {
            mask |= 1 << len;
            len += 1;
        }
        if i < s.len() && s[i] == b',' {
            i += 1;
            continue;
        }
        return (mask, i);
    }
}

/// The decimal number at `s[i..]` and the index after it.
const fn number(s: &[u8], mut i: usize) -> (u32, usize) {
    let start = i;
    let mut n = 0u32;
    while i < s.len() && s[i].is_ascii_digit() && i - start < 2 {
        n = n * 10 + (s[i] - b'0') as u32;
        i += 1;
    }
    assert!(i > start, "expected a length");
    (n, i)
}

/// Columns: calling code; countries (ISO alpha-2, main one first); trunk prefixes and
/// international prefixes, each shortest first; NSN lengths by first digit; lengths of
/// NSNs that start with the calling code's digits (countries without trunk prefix).
#[rustfmt::skip]
pub(super) static PLANS: [Plan; 206] = [
    p(247, "AC", &[], &["00"], "23467:5", "5"),
    p(376, "AD", &[], &["00"], "3578:6 6:6,9", "6"),
    p(971, "AE", &["0"], &["00"], "234679:8 5:9", ""),
    p(93, "AF", &["0"], &["00"], "234567:9", ""),
    p(355, "AL", &["0"], &["00"], "234578:8 6:9", ""),
    p(374, "AM", &["0"], &["00"], "123456789:8", ""),
    p(244, "AO", &[], &["00"], "29:9", "9"),
    p(54, "AR", &["0"], &["00"], "1236:10 9:11", ""),
    p(43, "AT", &["0"], &["00"], "1:4-13 2:7-13 3467:6-13 5:5-13", ""),
    p(61, "AU CC CX", &["0"], &["0011", "0014", "0015", "0016", "0018", "0019"], "123478:9", ""),
    p(297, "AW", &[], &["00"], "25679:7", ""),
    p(994, "AZ", &["0"], &["00"], "12345679:9", ""),
    p(387, "BA", &["0"], &["00"], "345:8 6:8,9", ""),
    p(880, "BD", &["0"], &["00"], "1:10 2:8-10 346:7-10 578:6-9 9:6-10", ""),
    p(32, "BE", &["0"], &["00"], "12356789:8 4:8,9", ""),
    p(226, "BF", &[], &["00"], "024567:8", ""),
    p(359, "BG", &["0"], &["00"], "2:6-8 34567:7,8 89:7-9", ""),
    p(973, "BH", &[], &["00"], "1367:8", ""),
    p(257, "BI", &[], &["00"], "2367:8", ""),
    p(229, "BJ", &[], &["00"], "0:10", ""),
    p(673, "BN", &[], &["00"], "234578:7", ""),
    p(591, "BO", &["0"], &["00", "0010", "0011", "0012", "0013", "0014", "0015", "0016", "0017", "0018", "0019"], "234567:8", ""),
    p(55, "BR", &["0", "012", "014", "015", "021", "022", "023", "025", "031", "041", "043", "055", "065", "099"], &["0012", "0014", "0015", "0021", "0022", "0023", "0025", "0031", "0041", "0043", "0055", "0065", "0099"], "123456789:10,11", ""),
    p(975, "BT", &[], &["00"], "1:8 23456:7 78:7,8", ""),
    p(267, "BW", &[], &["00"], "23456:7 7:8", "7"),
    p(375, "BY", &["8", "0", "80"], &["810"], "1234:9", ""),
    p(501, "BZ", &[], &["00"], "2345678:7", "7"),
    p(243, "CD", &["0"], &["00"], "18:7,9 2:7,8 346:7 5:7,10 9:9", ""),
    p(236, "CF", &[], &["00"], "267:8", ""),
    p(242, "CG", &[], &["00"], "02:9", ""),
    p(41, "CH", &["0"], &["00"], "23456789:9", ""),
    p(225, "CI", &[], &["00"], "02:10", ""),
    p(682, "CK", &[], &["00"], "234578:5", ""),
    p(56, "CL", &[], &["00"], "23456789:9", ""),
    p(237, "CM", &[], &["00"], "26:9", ""),
    p(86, "CN", &["0"], &["00"], "1:7,8,10,11 2:7,8,10 34578:7-11 69:7-10", ""),
    p(57, "CO", &["0", "03", "05", "07", "09", "0414", "0444", "0456"], &["00", "005", "007", "009", "00414", "00444", "00456"], "369:10 4:8", ""),
    p(506, "CR", &[], &["00"], "2345678:8", "8"),
    p(53, "CU", &["0"], &["119"], "27:7,8 34:6-8 56:8 8:10", ""),
    p(238, "CV", &[], &["0"], "23459:7", "7"),
    p(599, "CW BQ", &[], &["00"], "347:7 9:8", ""),
    p(357, "CY", &[], &["00"], "279:8", ""),
    p(420, "CZ", &[], &["00"], "2345679:9", ""),
    p(49, "DE", &["0"], &["00"], "1:10,11 2579:6-15 3468:5-15", ""),
    p(253, "DJ", &[], &["00"], "27:8", ""),
    p(45, "DK", &[], &["00"], "23456789:8", "8"),
    p(213, "DZ", &["0"], &["00"], "1234:8 5679:9", ""),
    p(593, "EC", &["0"], &["00"], "234567:8 9:9", ""),
    p(372, "EE", &[], &["00"], "346:7 578:7,8", ""),
    p(20, "EG", &["0"], &["00"], "1:8-10 24689:9 3:8 5:8,9", ""),
    p(291, "ER", &["0"], &["00"], "178:7", ""),
    p(34, "ES", &[], &["00"], "46789:9", ""),
    p(251, "ET", &["0"], &["00"], "12345789:9", ""),
    p(358, "FI AX", &["0"], &["00", "990", "991", "994", "996", "999"], "123689:5-9 4:6-10 5:5-10", ""),
    p(679, "FJ", &[], &["00", "052"], "23456789:7", "7"),
    p(500, "FK", &[], &["00"], "234567:5", "5"),
    p(691, "FM", &[], &["00"], "389:7", ""),
    p(298, "FO", &[], &["00"], "23456789:6", "6"),
    p(33, "FR", &["0"], &["00"], "12345679:9", ""),
    p(241, "GA", &[], &["00"], "01:8 2345:7 67:7,8", "7"),
    p(44, "GB GG IM JE", &["0"], &["00"], "1:9,10 257:10", ""),
    p(995, "GE", &["0"], &["00"], "3457:9", ""),
    p(594, "GF", &["0"], &["00"], "56789:9", ""),
    p(233, "GH", &["0"], &["00"], "235:9", ""),
    p(350, "GI", &[], &["00"], "256:8", ""),
    p(299, "GL", &[], &["00"], "123456789:6", "6"),
    p(220, "GM", &[], &["00"], "235679:7 48:7,9", "7"),
    p(224, "GN", &[], &["00"], "3:8 67:9", ""),
    p(590, "GP BL MF", &["0"], &["00"], "56789:9", ""),
    p(240, "GQ", &[], &["00"], "235:9", ""),
    p(30, "GR", &[], &["00"], "2679:10", ""),
    p(502, "GT", &[], &["00"], "2345678:8", "8"),
    p(245, "GW", &[], &["00"], "4:7,9 9:9", ""),
    p(592, "GY", &[], &["001"], "234567:7", ""),
    p(852, "HK", &[], &["00", "001", "002", "006", "007", "008", "009", "0030", "0050", "0059"], "23456789:8", ""),
    p(504, "HN", &[], &["00"], "23789:8", ""),
    p(385, "HR", &["0"], &["00"], "17:8 23459:8,9", ""),
    p(509, "HT", &[], &["00"], "23459:8", ""),
    p(36, "HU", &["06"], &["00"], "14689:8 2357:8,9", ""),
    p(62, "ID", &["0"], &["00", "001", "007", "008", "009"], "236:7-11 4579:8-11 8:9-12", ""),
    p(353, "IE", &["0"], &["00"], "1:8,9 2569:7-9 4:7-10 78:9", ""),
    p(972, "IL", &["0"], &["00", "012", "013", "014", "015", "016", "017", "018", "019", "0105"], "1:11,12 23489:8 57:9", ""),
    p(91, "IN", &["0"], &["00"], "123456789:10", ""),
    p(246, "IO", &[], &["00"], "3:7", ""),
    p(964, "IQ", &["0"], &["00"], "1:8 23456:8,9 7:10", ""),
    p(98, "IR", &["0"], &["00"], "12345678:6,7,10 9:10", ""),
    p(354, "IS", &[], &["00"], "3:9 45678:7", ""),
    p(39, "IT VA", &[], &["00"], "0:6-12 13:9,10 45:10", "9,10"),
    p(962, "JO", &["0"], &["00"], "23568:8 47:9", ""),
    p(81, "JP", &["0"], &["010"], "1234:9 56789:9,10", ""),
    p(254, "KE", &["0"], &["000"], "17:9 2:8,9 456:7-9", ""),
    p(996, "KG", &["0"], &["00"], "2356789:9", ""),
    p(855, "KH", &["0"], &["001", "004", "005", "006", "007", "008", "009"], "123456789:8,9", ""),
    p(686, "KI", &["0"], &["00"], "2458:5 3:5,8 67:8", ""),
    p(269, "KM", &[], &["00"], "347:7", ""),
    p(850, "KP", &["0"], &["00", "99"], "1:10 2345678:8", ""),
    p(82, "KR", &["0"], &["001", "002", "005", "006", "008", "009", "0073", "00345", "00365", "00391", "00700", "00727", "00755", "00761", "00762", "00766"], "1:9,10 2:8,9 346:5,6,9,10 5:5,6,9-11 7:10", ""),
    p(965, "KW", &[], &["00"], "24569:8", "8"),
    p(856, "LA", &["0"], &["00"], "2:8,10 3:8,9 45678:8", ""),
    p(961, "LB", &["0"], &["00"], "134569:7 2:8 78:7,8", ""),
    p(423, "LI", &["0"], &["00"], "237:7 6:9", ""),
    p(94, "LK", &["0"], &["00"], "123456789:9", ""),
    p(231, "LR", &["0"], &["00"], "2:8,9 378:9 45:7,9 6:7", ""),
    p(266, "LS", &[], &["00"], "256:8", "8"),
    p(370, "LT", &["8", "0"], &["00"], "3456789:8", ""),
    p(352, "LU", &[], &["00"], "2345789:4-11 6:9", ""),
    p(371, "LV", &[], &["00"], "26:8", ""),
    p(218, "LY", &["0"], &["00"], "23456789:9", ""),
    p(212, "MA EH", &["0"], &["00"], "5678:9", ""),
    p(377, "MC", &["0"], &["00"], "3489:8 67:9", ""),
    p(373, "MD", &["0"], &["00"], "23567:8", ""),
    p(382, "ME", &["0"], &["00"], "234567:8", ""),
    p(261, "MG", &["0"], &["00"], "23:9", ""),
    p(692, "MH", &["1"], &["011"], "23456:7", ""),
    p(389, "MK", &["0"], &["00"], "2347:8", ""),
    p(223, "ML", &[], &["00"], "2456789:8", ""),
    p(95, "MM", &["0"], &["00"], "1:6-8 2:6-9 45678:7-9 9:8-10", ""),
    p(976, "MN", &["0"], &["001"], "12:8-10 56789:8", ""),
    p(853, "MO", &[], &["00"], "268:8", "8"),
    p(596, "MQ", &["0"], &["00"], "56789:9", ""),
    p(222, "MR", &[], &["00"], "234:8", "8"),
    p(356, "MT", &[], &["00"], "2379:8", ""),
    p(230, "MU", &[], &["00", "020", "030", "033", "040", "050", "060", "070"], "23468:7 57:8", "7"),
    p(960, "MV", &[], &["00", "019"], "34679:7", "7"),
    p(265, "MW", &["0"], &["00"], "1:7,9 23789:9", ""),
    p(52, "MX", &["1", "01", "044", "045"], &["00", "09"], "23456789:10", ""),
    p(60, "MY", &["0"], &["00"], "1:9,10 3:9 456789:8", ""),
    p(258, "MZ", &[], &["00"], "2:8 8:9", ""),
    p(264, "NA", &["0"], &["00"], "68:8,9", ""),
    p(687, "NC", &[], &["00"], "2345789:6", ""),
    p(227, "NE", &[], &["00"], "2789:8", ""),
    p(672, "NF", &[], &["00"], "13:6", ""),
    p(234, "NG", &["0"], &["009"], "2789:10", ""),
    p(505, "NI", &[], &["00"], "25678:8", ""),
    p(31, "NL", &["0"], &["00"], "12345678:9 9:9,11", ""),
    p(47, "NO SJ", &[], &["00"], "23456789:8", "8"),
    p(977, "NP", &["0"], &["00"], "12345678:8 9:8,10", ""),
    p(674, "NR", &[], &["00"], "2456789:7", ""),
    p(683, "NU", &[], &["00"], "4567:4 8:7", "4"),
    p(64, "NZ", &["0"], &["00", "0161"], "2:8-10 3469:8 7:8,9", ""),
    p(968, "OM", &[], &["00"], "1279:8", "8"),
    p(507, "PA", &[], &["00"], "12345789:7 6:8", "7"),
    p(51, "PE", &["0"], &["00"], "145678:8 9:9", ""),
    p(689, "PF", &[], &["00"], "48:8", ""),
    p(675, "PG", &[], &["00"], "234569:7 7:8 8:7,8", ""),
    p(63, "PH", &["0"], &["00"], "2:6,9 34567:9 8:8-10 9:10", ""),
    p(92, "PK", &["0"], &["00"], "1:9 2456789:9,10 3:10", ""),
    p(48, "PL", &[], &["00"], "123456789:7,9", "7,9"),
    p(508, "PM", &["0"], &["00"], "234569:6 78:6,9", ""),
    p(970, "PS", &["0"], &["00"], "2489:8 5:9", ""),
    p(351, "PT", &[], &["00"], "123689:9", ""),
    p(680, "PW", &[], &["011", "012"], "23456789:7", "7"),
    p(595, "PY", &["0"], &["00"], "25:8,9 34678:7-9 9:9", ""),
    p(974, "QA", &[], &["00"], "34567:8", ""),
    p(262, "RE YT", &["0"], &["00"], "2679:9", ""),
    p(40, "RO", &["0"], &["00"], "23:6,9 7:9", ""),
    p(381, "RS", &["0"], &["00"], "123:7-12 6:8-10", ""),
    p(7, "RU KZ", &["8"], &["810"], "34789:10", ""),
    p(250, "RW", &["0"], &["00"], "0:8 27:9", ""),
    p(966, "SA", &["0"], &["00"], "15:9", ""),
    p(677, "SB", &[], &["00", "01"], "12345:5 6:5,7 789:7", "5"),
    p(248, "SC", &[], &["00", "01", "02", "010"], "2469:7", ""),
    p(249, "SD", &["0"], &["00"], "19:9", ""),
    p(46, "SE", &["0"], &["00"], "1234689:7-9 5:8,9 7:9", ""),
    p(65, "SG", &[], &["001", "002", "008", "012", "013", "018", "019"], "3689:8", "8"),
    p(290, "SH TA", &[], &["00"], "2569:5 8:4", "5"),
    p(386, "SI", &["0"], &["00"], "12345678:8", ""),
    p(421, "SK", &["0"], &["00"], "2345:6,7,9 689:9", ""),
    p(232, "SL", &["0"], &["00"], "236789:8", ""),
    p(378, "SM", &[], &["00"], "0:10 56:8", ""),
    p(221, "SN", &[], &["00"], "379:9", ""),
    p(252, "SO", &["0"], &["00"], "1:6-8 2:7,8 34:6,7,9 5:7 679:8,9 8:6,9", ""),
    p(597, "SR", &[], &["00"], "2345:6 6789:7", ""),
    p(211, "SS", &["0"], &["00"], "19:9", ""),
    p(239, "ST", &[], &["00"], "29:7", ""),
    p(503, "SV", &[], &["00"], "2567:8", "8"),
    p(963, "SY", &["0"], &["00"], "1235:8,9 4:8 9:9", ""),
    p(268, "SZ", &[], &["00"], "237:8", ""),
    p(235, "TD", &[], &["00", "16"], "236789:8", ""),
    p(228, "TG", &[], &["00"], "279:8", ""),
    p(66, "TH", &["0"], &["00", "001", "002", "003", "004", "005", "006", "007", "008", "009"], "1:8,9 23457:8 689:9", ""),
    p(992, "TJ", &[], &["810"], "0123456789:9", "9"),
    p(690, "TK", &[], &["00"], "2347:4-7", ""),
    p(670, "TL", &[], &["00"], "234:7 7:7,8", ""),
    p(993, "TM", &["8"], &["810"], "1234567:8", ""),
    p(216, "TN", &[], &["00"], "2345789:8", "8"),
    p(676, "TO", &[], &["00"], "234:5 5678:5,7 9:7", ""),
    p(90, "TR", &["0"], &["00"], "23458:10", ""),
    p(688, "TV", &[], &["00"], "2:5 7:7 9:6", ""),
    p(886, "TW", &["0"], &["002", "005", "006", "007", "009", "019"], "234568:8,9 7:8,10,11 9:9", ""),
    p(255, "TZ", &["0"], &["000", "005", "006"], "2467:9", ""),
    p(380, "UA", &["0"], &["00"], "3456789:9", ""),
    p(256, "UG", &["0"], &["000", "005", "007"], "2347:9", ""),
    p(1, "US AG AI AS BB BM BS CA DM DO GD GU JM KN KY LC MP MS PR SX TC TT VC VG VI", &["1"], &["011"], "23456789:10", ""),
    p(598, "UY", &["0"], &["00"], "1249:8", ""),
    p(998, "UZ", &[], &["00"], "2356789:9", "9"),
    p(58, "VE", &["0"], &["00"], "2456:10", ""),
    p(84, "VN", &["0"], &["00"], "1356789:9 2:10", ""),
    p(678, "VU", &[], &["00"], "234:5 579:7 8:5,7", ""),
    p(681, "WF", &[], &["00"], "789:6", ""),
    p(685, "WS", &[], &["0"], "2345:5 6:5,6 7:7 8:7,10", "5"),
    p(383, "XK", &["0"], &["00"], "2:8,9 3:8-12 4:8", ""),
    p(967, "YE", &["0"], &["00"], "1:7,8 23456:7 7:7,9", ""),
    p(27, "ZA", &["0"], &["00"], "1234567:9 8:5-9", ""),
    p(260, "ZM", &["0"], &["00"], "25679:9", ""),
    p(263, "ZW", &["0"], &["00"], "23567:9 8:9,10", ""),
];
