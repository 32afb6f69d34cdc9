//! The numbering-plan table: per calling code, the countries that use it, how their
//! national and international prefixes are written, and which national significant
//! numbers (NSNs) exist.
//!
//! Which NSNs exist, and whose (a person's: fixed line, mobile, VoIP, personal; or no
//! one's: toll-free, premium rate, ...), is libphonenumber's, from its number patterns
//! compiled into `patterns.rs` (`scripts/phone_patterns.py`). International prefixes
//! list only the forms people write; carrier-selection variants are kept for Brazil and
//! Colombia, where they are common in stored numbers.

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
    /// Where the plan's automaton starts in `patterns.rs`.
    start: u16,
}

/// Whose number an NSN is, by libphonenumber's patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// No number of the plan.
    None,
    /// Fixed line, mobile, VoIP or personal number: someone's phone.
    Person,
    /// Toll-free, premium rate, shared cost, UAN, pager, voicemail: no one's phone.
    Other,
}

/// A region's general description in libphonenumber: the digits it allows as a
/// national number, with which libphonenumber tells a national number that starts
/// like the calling code from the code and a number.
#[derive(Debug, Clone, Copy)]
pub(super) struct General {
    start: u16,
    /// The most digits it allows: more are "too long" to be national.
    longest: u8,
}

impl General {
    pub fn allows(&self, nsn: &str) -> bool {
        walk(self.start, nsn) == 3
    }

    pub fn too_long(&self, nsn: &str) -> bool {
        nsn.len() > usize::from(self.longest)
    }
}

/// The region's number with its area code, when `digits` are one of its numbers
/// written without it (`LOCAL` in `patterns.rs`, libphonenumber's rule).
pub(super) fn with_area_code(region: &str, digits: &str) -> Option<super::Digits> {
    use super::patterns::LOCAL;
    let at = LOCAL
        .binary_search_by_key(&region, |&(code, ..)| code)
        .ok()?;
    let (_, first_digits, length, area) = LOCAL[at];
    let first = digits.bytes().next()?.wrapping_sub(b'0');
    let local =
        digits.len() == usize::from(length) && first < 10 && first_digits & (1 << first) != 0;
    local.then(|| super::digits(&[area, digits]))
}

/// The region's general description; every region of the table has one.
pub(super) fn general(region: &str) -> Option<General> {
    use super::patterns::REGIONS;
    let at = REGIONS
        .binary_search_by_key(&region, |&(code, _, _)| code)
        .ok()?;
    let (_, start, longest) = REGIONS[at];
    Some(General { start, longest })
}

/// The kind of state `nsn`'s digits lead to from `start` (`patterns.rs`): 0 when they
/// lead nowhere.
fn walk(start: u16, nsn: &str) -> u8 {
    use super::patterns::{KINDS, NEXT};
    let mut state = usize::from(start);
    for &byte in nsn.as_bytes() {
        let digit = usize::from(byte.wrapping_sub(b'0'));
        match NEXT[state].get(digit) {
            None | Some(&u16::MAX) => return 0,
            Some(&next) => state = usize::from(next),
        }
    }
    KINDS[state]
}

impl Plan {
    /// Whether `nsn` (ASCII digits) is a person's number in this plan, and the whole
    /// number has 7 to 15 digits (E.164 allows 15; Niue, Tokelau and St Helena have 7).
    pub fn fits(&self, nsn: &str) -> bool {
        let total = nsn.len() + self.code_len();
        (7..=15).contains(&total) && self.kind(nsn) == Kind::Person
    }

    /// Whether `nsn` is a valid number of this plan of any type, a person's or not.
    pub fn dialable(&self, nsn: &str) -> bool {
        self.kind(nsn) != Kind::None
    }

    /// Whose number `nsn` is: the plan's automaton (`patterns.rs`) run over its digits.
    pub fn kind(&self, nsn: &str) -> Kind {
        match walk(self.start, nsn) {
            1 => Kind::Person,
            2 => Kind::Other,
            _ => Kind::None,
        }
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
) -> Plan {
    Plan {
        calling_code,
        countries,
        trunk_prefixes,
        international_prefixes,
        start: start_of(calling_code),
    }
}

/// The start state of a calling code's automaton; a code without one fails the build.
const fn start_of(calling_code: u16) -> u16 {
    let starts = &super::patterns::STARTS;
    let mut at = 0;
    while at < starts.len() {
        if starts[at].0 == calling_code {
            return starts[at].1;
        }
        at += 1;
    }
    panic!("every calling code of the table has patterns");
}

/// Columns: calling code; countries (ISO alpha-2, main one first); trunk prefixes and
/// international prefixes, each shortest first.
#[rustfmt::skip]
pub(super) static PLANS: [Plan; 206] = [
    p(247, "AC", &[], &["00"]),
    p(376, "AD", &[], &["00"]),
    p(971, "AE", &["0"], &["00"]),
    p(93, "AF", &["0"], &["00"]),
    p(355, "AL", &["0"], &["00"]),
    p(374, "AM", &["0"], &["00"]),
    p(244, "AO", &[], &["00"]),
    p(54, "AR", &["0"], &["00"]),
    p(43, "AT", &["0"], &["00"]),
    p(61, "AU CC CX", &["0"], &["0011", "0014", "0015", "0016", "0018", "0019", "14110011", "14140011", "14340011", "14410011", "14470011", "14560011", "14660011", "14740011", "14770011", "14880011"]),
    p(297, "AW", &[], &["00"]),
    p(994, "AZ", &["0"], &["00"]),
    p(387, "BA", &["0"], &["00"]),
    p(880, "BD", &["0"], &["00"]),
    p(32, "BE", &["0"], &["00"]),
    p(226, "BF", &[], &["00"]),
    p(359, "BG", &["0"], &["00"]),
    p(973, "BH", &[], &["00"]),
    p(257, "BI", &[], &["00"]),
    p(229, "BJ", &[], &["00"]),
    p(673, "BN", &[], &["00"]),
    p(591, "BO", &["0"], &["00", "0010", "0011", "0012", "0013", "0014", "0015", "0016", "0017", "0018", "0019"]),
    p(55, "BR", &["0", "012", "014", "015", "021", "022", "023", "025", "031", "041", "043", "055", "065", "099"], &["0012", "0014", "0015", "0021", "0022", "0023", "0025", "0031", "0041", "0043", "0055", "0065", "0099"]),
    p(975, "BT", &[], &["00"]),
    p(267, "BW", &[], &["00"]),
    p(375, "BY", &["8", "0", "80"], &["810"]),
    p(501, "BZ", &[], &["00"]),
    p(243, "CD", &["0"], &["00"]),
    p(236, "CF", &[], &["00"]),
    p(242, "CG", &[], &["00"]),
    p(41, "CH", &["0"], &["00"]),
    p(225, "CI", &[], &["00"]),
    p(682, "CK", &[], &["00"]),
    p(56, "CL", &[], &["00", "1100", "1110", "1120", "1130", "1140", "1150", "1160", "1190", "1200", "1220", "1230", "1240", "1250", "1510", "1530", "1540", "1550", "1580", "1690", "1700", "1710", "1760", "1770", "1800", "1810", "1880"]),
    p(237, "CM", &[], &["00"]),
    p(86, "CN", &["0"], &["00"]),
    p(57, "CO", &["0", "03", "05", "07", "09", "0414", "0444", "0456"], &["005", "007", "009", "00414", "00444", "00456"]),
    p(506, "CR", &[], &["00"]),
    p(53, "CU", &["0"], &["119"]),
    p(238, "CV", &[], &["0"]),
    p(599, "CW BQ", &[], &["00"]),
    p(357, "CY", &[], &["00"]),
    p(420, "CZ", &[], &["00"]),
    p(49, "DE", &["0"], &["00"]),
    p(253, "DJ", &[], &["00"]),
    p(45, "DK", &[], &["00"]),
    p(213, "DZ", &["0"], &["00"]),
    p(593, "EC", &["0"], &["00"]),
    p(372, "EE", &[], &["00"]),
    p(20, "EG", &["0"], &["00"]),
    p(291, "ER", &["0"], &["00"]),
    p(34, "ES", &[], &["00"]),
    p(251, "ET", &["0"], &["00"]),
    p(358, "FI AX", &["0"], &["00", "990", "991", "994", "996", "999", "99511", "99532", "99533", "99541", "99555", "99559", "99577", "99588", "99590", "99599"]),
    p(679, "FJ", &[], &["00", "052"]),
    p(500, "FK", &[], &["00"]),
    p(691, "FM", &[], &["00"]),
    p(298, "FO", &[], &["00"]),
    p(33, "FR", &["0"], &["00"]),
    p(241, "GA", &[], &["00"]),
    p(44, "GB GG IM JE", &["0"], &["00"]),
    p(995, "GE", &["0"], &["00"]),
    p(594, "GF", &["0"], &["00"]),
    p(233, "GH", &["0"], &["00"]),
    p(350, "GI", &[], &["00"]),
    p(299, "GL", &[], &["00"]),
    p(220, "GM", &[], &["00"]),
    p(224, "GN", &[], &["00"]),
    p(590, "GP BL MF", &["0"], &["00"]),
    p(240, "GQ", &[], &["00"]),
    p(30, "GR", &[], &["00"]),
    p(502, "GT", &[], &["00"]),
    p(245, "GW", &[], &["00"]),
    p(592, "GY", &[], &["001"]),
    p(852, "HK", &[], &["00", "001", "002", "006", "007", "008", "009", "0030", "0050", "0059"]),
    p(504, "HN", &[], &["00"]),
    p(385, "HR", &["0"], &["00"]),
    p(509, "HT", &[], &["00"]),
    p(36, "HU", &["06"], &["00"]),
    p(62, "ID", &["0"], &["008", "009"]),
    p(353, "IE", &["0"], &["00"]),
    p(972, "IL", &["0"], &["00", "012", "013", "014", "015", "016", "017", "018", "019"]),
    p(91, "IN", &["0"], &["00"]),
    p(246, "IO", &[], &["00"]),
    p(964, "IQ", &["0"], &["00"]),
    p(98, "IR", &["0"], &["00"]),
    p(354, "IS", &[], &["00", "1001", "1010", "1020", "1100"]),
    p(39, "IT VA", &[], &["00"]),
    p(962, "JO", &["0"], &["00"]),
    p(81, "JP", &["0"], &["010"]),
    p(254, "KE", &["0"], &["000"]),
    p(996, "KG", &["0"], &["00"]),
    p(855, "KH", &["0"], &["001", "004", "005", "006", "007", "008", "009"]),
    p(686, "KI", &["0"], &["00"]),
    p(269, "KM", &[], &["00"]),
    p(850, "KP", &["0"], &["00", "99"]),
    p(82, "KR", &["0"], &["001", "002", "005", "006", "008", "009", "0073", "00345", "00365", "00391", "00700", "00727", "00755", "00761", "00762", "00766"]),
    p(965, "KW", &[], &["00"]),
    p(856, "LA", &["0"], &["00"]),
    p(961, "LB", &["0"], &["00"]),
    p(423, "LI", &["0"], &["00"]),
    p(94, "LK", &["0"], &["00"]),
    p(231, "LR", &["0"], &["00"]),
    p(266, "LS", &[], &["00"]),
    p(370, "LT", &["8", "0"], &["00"]),
    p(352, "LU", &[], &["00"]),
    p(371, "LV", &[], &["00"]),
    p(218, "LY", &["0"], &["00"]),
    p(212, "MA EH", &["0"], &["00"]),
    p(377, "MC", &["0"], &["00"]),
    p(373, "MD", &["0"], &["00"]),
    p(382, "ME", &["0"], &["00"]),
    p(261, "MG", &["0"], &["00"]),
    p(692, "MH", &["1"], &["011"]),
    p(389, "MK", &["0"], &["00"]),
    p(223, "ML", &[], &["00"]),
    p(95, "MM", &["0"], &["00"]),
    p(976, "MN", &["0"], &["001"]),
    p(853, "MO", &[], &["00"]),
    p(596, "MQ", &["0"], &["00"]),
    p(222, "MR", &[], &["00"]),
    p(356, "MT", &[], &["00"]),
    p(230, "MU", &[], &["00", "020", "030", "033", "040", "050", "060", "070"]),
    p(960, "MV", &[], &["00", "019"]),
    p(265, "MW", &["0"], &["00"]),
    p(52, "MX", &["1", "01", "044", "045"], &["00", "09"]),
    p(60, "MY", &["0"], &["00"]),
    p(258, "MZ", &[], &["00"]),
    p(264, "NA", &["0"], &["00"]),
    p(687, "NC", &[], &["00"]),
    p(227, "NE", &[], &["00"]),
    p(672, "NF", &[], &["00"]),
    p(234, "NG", &["0"], &["009"]),
    p(505, "NI", &[], &["00"]),
    p(31, "NL", &["0"], &["00"]),
    p(47, "NO SJ", &[], &["00"]),
    p(977, "NP", &["0"], &["00"]),
    p(674, "NR", &[], &["00"]),
    p(683, "NU", &[], &["00"]),
    p(64, "NZ", &["0"], &["00", "0161"]),
    p(968, "OM", &[], &["00"]),
    p(507, "PA", &[], &["00"]),
    p(51, "PE", &["0"], &["00", "191100", "191200", "191400", "197700", "199000"]),
    p(689, "PF", &[], &["00"]),
    p(675, "PG", &[], &["00", "1401", "1402", "1403"]),
    p(63, "PH", &["0"], &["00"]),
    p(92, "PK", &["0"], &["00"]),
    p(48, "PL", &[], &["00"]),
    p(508, "PM", &["0"], &["00"]),
    p(970, "PS", &["0"], &["00"]),
    p(351, "PT", &[], &["00"]),
    p(680, "PW", &[], &["011", "012"]),
    p(595, "PY", &["0"], &["00"]),
    p(974, "QA", &[], &["00"]),
    p(262, "RE YT", &["0"], &["00"]),
    p(40, "RO", &["0"], &["00"]),
    p(381, "RS", &["0"], &["00"]),
    p(7, "RU KZ", &["8"], &["810"]),
    p(250, "RW", &["0"], &["00"]),
    p(966, "SA", &["0"], &["00"]),
    p(677, "SB", &[], &["00", "01"]),
    p(248, "SC", &[], &["00", "01", "02", "010"]),
    p(249, "SD", &["0"], &["00"]),
    p(46, "SE", &["0"], &["00"]),
    p(65, "SG", &[], &["001", "002", "008", "012", "013", "018", "019"]),
    p(290, "SH TA", &[], &["00"]),
    p(386, "SI", &["0"], &["00", "1022", "1066", "1088", "1099"]),
    p(421, "SK", &["0"], &["00"]),
    p(232, "SL", &["0"], &["00"]),
    p(378, "SM", &[], &["00"]),
    p(221, "SN", &[], &["00"]),
    p(252, "SO", &["0"], &["00"]),
    p(597, "SR", &[], &["00"]),
    p(211, "SS", &["0"], &["00"]),
    p(239, "ST", &[], &["00"]),
    p(503, "SV", &[], &["00"]),
    p(963, "SY", &["0"], &["00"]),
    p(268, "SZ", &[], &["00"]),
    p(235, "TD", &[], &["00", "16"]),
    p(228, "TG", &[], &["00"]),
    p(66, "TH", &["0"], &["001", "002", "003", "004", "005", "006", "007", "008", "009"]),
    p(992, "TJ", &[], &["810"]),
    p(690, "TK", &[], &["00"]),
    p(670, "TL", &[], &["00"]),
    p(993, "TM", &["8"], &["810"]),
    p(216, "TN", &[], &["00"]),
    p(676, "TO", &[], &["00"]),
    p(90, "TR", &["0"], &["00"]),
    p(688, "TV", &[], &["00"]),
    p(886, "TW", &["0"], &["002", "005", "006", "007", "009", "019"]),
    p(255, "TZ", &["0"], &["000", "005", "006"]),
    p(380, "UA", &["0"], &["00"]),
    p(256, "UG", &["0"], &["000", "005", "007"]),
    p(1, "US AG AI AS BB BM BS CA DM DO GD GU JM KN KY LC MP MS PR SX TC TT VC VG VI", &["1"], &["011"]),
    p(598, "UY", &["0"], &["00"]),
    p(998, "UZ", &[], &["00"]),
    p(58, "VE", &["0"], &["00"]),
    p(84, "VN", &["0"], &["00"]),
    p(678, "VU", &[], &["00"]),
    p(681, "WF", &[], &["00"]),
    p(685, "WS", &[], &["0"]),
    p(383, "XK", &["0"], &["00"]),
    p(967, "YE", &["0"], &["00"]),
    p(27, "ZA", &["0"], &["00"]),
    p(260, "ZM", &["0"], &["00"]),
    p(263, "ZW", &["0"], &["00"]),
];
