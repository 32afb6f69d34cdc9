//! Numbers written as text (`"19.90"` from a spreadsheet export) and floats written as
//! text (an id that arrived as `1077218.5`).

/// A decimal number as Rust reads it (`5`, `-5`, `+5`, `5.`, `.5`, `5.25`, `1e3`,
/// `2.5E-2`); `None` for anything else, including `inf` and `NaN`, and for numbers too
/// large for an `f64`.
pub fn decimal(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// A finite float as text, in its shortest form that reads back the same (`8.5`,
/// `1e-7`): as serde_json writes a JSON number.
pub fn float_text(x: f64) -> String {
    serde_json::to_string(&x).expect("a float always serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_rust_reads_and_only_finite_numbers() {
        for (text, value) in [
            ("19.90", 19.9),
            ("+5", 5.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("2.5E-2", 0.025),
            ("007.50", 7.5),
        ] {
            assert_eq!(decimal(text), Some(value), "{text}");
        }
        for text in [
            "", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "1,5", " 1", "1 ", "inf", "NaN",
            "infinity", "0x10", "1e999", "--1", "1_000",
        ] {
            assert_eq!(decimal(text), None, "{text}");
        }
    }

    #[test]
    fn floats_print_in_their_shortest_form() {
        assert_eq!(float_text(8.5), "8.5");
        assert_eq!(float_text(1077218.25), "1077218.25");
        assert_eq!(float_text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(float_text(1e-7), "1e-7");
    }
}
