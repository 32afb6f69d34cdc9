//! `report.html`: one self-contained page for the person who sent the file — what
//! happened to their rows and what to do about each group, what TikTok can match them
//! on, and the settings used. No script, no external asset: inline CSS and SVG, readable
//! from disk without a server. Every figure comes from the run's [`Summary`], the same
//! one the terminal shows, and every text from a row outcome or the guest is escaped.

use std::fmt::Write as _;
use std::path::Path;

use crate::bindings::guest::Spec;
use crate::bindings::types::{Setting, SettingValue};
use crate::job::{EventCounts, Summary};

/// Which job the page reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Rows were delivered to TikTok (or failed).
    Send,
    /// Rows were only prepared: nothing was sent.
    Transform,
}

/// What the page shows.
pub struct Report<'a> {
    pub job: Job,
    /// The input as the user named it.
    pub input: String,
    pub summary: &'a Summary,
    /// The settings the spec declares, as given, secrets masked ([`shown_settings`]).
    pub settings: Vec<(String, String)>,
    pub event_set_id: Option<&'a str>,
    /// Whether TikTok attributes the event set's events to campaigns; `None`: unknown.
    pub auto_tracking: Option<bool>,
}

impl<'a> Report<'a> {
    /// The report of `job` on `input`: the settings `spec` declares, secrets masked; no
    /// event set or auto-tracking known (a `send` adds them).
    pub fn new(
        job: Job,
        input: &Path,
        summary: &'a Summary,
        settings: &[Setting],
        spec: &Spec,
    ) -> Report<'a> {
        Report {
            job,
            input: input.display().to_string(),
            summary,
            settings: shown_settings(settings, spec),
            event_set_id: None,
            auto_tracking: None,
        }
    }
}

/// The name of the page in a run's output directory.
pub const FILE_NAME: &str = "report.html";

/// Writes the page to `dir`.
pub fn write(dir: &Path, report: &Report<'_>) -> std::io::Result<()> {
    std::fs::write(dir.join(FILE_NAME), html(report))
}

/// The settings `spec` declares, in its order, with their values as given; a secret's
/// value is never shown.
pub fn shown_settings(settings: &[Setting], spec: &Spec) -> Vec<(String, String)> {
    spec.settings
        .iter()
        .filter_map(|field| {
            let setting = settings.iter().find(|s| s.key == field.key)?;
            let value = match (&setting.value, field.secret) {
                (_, true) => "(secret, not shown)".to_string(),
                (SettingValue::Text(text), false) => text.clone(),
                (SettingValue::Integer(n), false) => n.to_string(),
                (SettingValue::Boolean(b), false) => b.to_string(),
            };
            Some((field.key.clone(), value))
        })
        .collect()
}

/// The warning rule (field `timestamp`) of rows older than TikTok's attribution window.
const TOO_OLD: &str = "timestamp: more than 28 days";

/// The page.
pub fn html(report: &Report<'_>) -> String {
    let summary = report.summary;
    let (sent_label, sent_rows) = match report.job {
        Job::Send => ("delivered", summary.rows_delivered),
        Job::Transform => ("accepted", summary.rows_accepted),
    };
    let mut page = String::new();
    page.push_str(HEAD);
    let _ = write!(
        page,
        "<h1>What happened to your rows</h1>\n<p class=\"sub\">{}: <code>{}</code>{}</p>\n",
        match report.job {
            Job::Send => "Sent to TikTok",
            Job::Transform => "Prepared for TikTok (nothing was sent)",
        },
        escape(&report.input),
        report
            .event_set_id
            .map(|id| format!(", offline event set <code>{}</code>", escape(id)))
            .unwrap_or_default()
    );

    // Outcomes.
    let groups = [
        (sent_label, sent_rows, "ok"),
        ("rejected", summary.rows_rejected(), "bad"),
        ("failed", summary.rows_failed(), "warn"),
    ];
    page.push_str("<section><h2>Rows</h2>\n<table class=\"figures\">\n");
    let _ = writeln!(
        page,
        "<tr><th>read</th><td data-figure=\"rows-read\">{}</td><td></td></tr>",
        summary.rows_read
    );
    for (label, rows, _) in groups {
        let _ = writeln!(
            page,
            "<tr><th>{label}</th><td data-figure=\"rows-{label}\">{rows}</td><td>{}</td></tr>",
            what_to_do(report.job, label, rows)
        );
    }
    page.push_str("</table>\n");
    page.push_str(&bar(
        "rows",
        &groups.map(|(label, rows, class)| (label, rows, class)),
    ));
    page.push_str("</section>\n");

    // Match keys.
    let keys = &summary.match_keys;
    page.push_str("<section><h2>What TikTok can match them on</h2>\n");
    if keys.rows() == 0 {
        page.push_str("<p>No row was accepted.</p>\n");
    } else {
        let parts = [
            ("email and phone", keys.email_and_phone, "ok"),
            ("email only", keys.email_only, "mid"),
            ("phone only", keys.phone_only, "alt"),
            ("neither", keys.neither, "bad"),
        ];
        page.push_str("<table class=\"figures\">\n");
        for (label, rows, _) in parts {
            let _ = writeln!(
                page,
                "<tr><th>{label}</th><td data-figure=\"match-{}\">{rows}</td></tr>",
                label.replace(' ', "-")
            );
        }
        page.push_str("</table>\n");
        page.push_str(&bar("match keys", &parts));
        page.push_str("<p>A row counts with its order's keys. Rows with neither an email nor a phone are among the rejected below; phones that could not be used are among the warnings.</p>\n");
    }
    page.push_str("</section>\n");

    // Events.
    events(&mut page, report.job, &summary.events);

    // Reasons.
    reasons(
        &mut page,
        "Rejected",
        "rejected",
        &summary.rejected,
        &summary.examples.rejected,
    );
    reasons(
        &mut page,
        "Failed",
        "failed",
        &summary.failed,
        &summary.examples.failed,
    );
    reasons(
        &mut page,
        "Warnings (the row went, with this caveat)",
        "warned",
        &summary.warnings,
        &summary.examples.warned,
    );

    // Attribution.
    let too_old: u64 = summary
        .warnings
        .iter()
        .filter(|(warning, _)| warning.starts_with(TOO_OLD))
        .map(|(_, rows)| rows)
        .sum();
    page.push_str("<section><h2>Attribution</h2>\n<table class=\"figures\">\n");
    let _ = writeln!(
        page,
        "<tr><th>rows older than 28 days</th><td data-figure=\"too-old\">{too_old}</td><td>TikTok accepts them, but attributes conversions only up to 28 days after the ad interaction.</td></tr>"
    );
    let tracking = match report.auto_tracking {
        Some(true) => "on: campaigns use these events",
        Some(false) => {
            "off: TikTok accepts the events, but campaigns use them only when auto-tracking is on (host-harness event-sets update --auto-tracking true)"
        }
        None => "unknown (the token does not list the ad account's event sets)",
    };
    let _ = writeln!(
        page,
        "<tr><th>auto-tracking</th><td data-figure=\"auto-tracking\">{}</td><td>{}</td></tr>",
        match report.auto_tracking {
            Some(true) => "on",
            Some(false) => "off",
            None => "unknown",
        },
        escape(tracking)
    );
    if report.job == Job::Send {
        let _ = writeln!(
            page,
            "<tr><th>requests</th><td data-figure=\"requests\">{}</td><td>{} pauses for TikTok's throttle</td></tr>",
            summary.requests, summary.throttled_waits
        );
    }
    page.push_str("</table>\n</section>\n");

    // Settings.
    page.push_str("<section><h2>Settings used</h2>\n<table>\n");
    for (key, value) in &report.settings {
        let _ = writeln!(
            page,
            "<tr><th><code>{}</code></th><td>{}</td></tr>",
            escape(key),
            escape(value)
        );
    }
    page.push_str("</table>\n</section>\n</body>\n</html>\n");
    page
}

/// Events by offline event set and by currency: where the rows went, and the money
/// they carry.
fn events(page: &mut String, job: Job, events: &EventCounts) {
    if events.by_event_set.is_empty() {
        return;
    }
    let _ = writeln!(
        page,
        "<section><h2>Events {}</h2>\n<p>An order's rows are one event.</p>\n<table class=\"figures\">",
        match job {
            Job::Send => "prepared for TikTok",
            Job::Transform => "prepared",
        }
    );
    for (title, slug, counts) in [
        ("offline event set", "event-set", &events.by_event_set),
        ("currency", "currency", &events.by_currency),
    ] {
        for (key, n) in counts {
            let _ = writeln!(
                page,
                "<tr><th>{title} <code>{key}</code></th><td data-figure=\"{slug}-{key}\">{n}</td></tr>",
                key = escape(key),
            );
        }
    }
    page.push_str("</table>\n</section>\n");
}

/// What the user does about a group of rows.
fn what_to_do(job: Job, label: &str, rows: u64) -> &'static str {
    match (job, label, rows) {
        (_, _, 0) => "",
        (Job::Send, "delivered", _) => "Nothing: TikTok has them.",
        (Job::Transform, "accepted", _) => "Ready: send would deliver them.",
        (_, "rejected", _) => {
            "Fix them in the export (each reason names the field and the rule; the example row is one to look at) and send those rows again."
        }
        (_, "failed", _) => {
            "Safe to send again: host-harness send --retry-failed on this run's results.ndjson sends exactly these (TikTok drops an event it already has)."
        }
        _ => "",
    }
}

/// A table of reasons with their rows and an example row, most frequent first.
fn reasons(
    page: &mut String,
    title: &str,
    kind: &str,
    counts: &std::collections::BTreeMap<String, u64>,
    examples: &std::collections::BTreeMap<String, u64>,
) {
    if counts.is_empty() {
        return;
    }
    let mut sorted: Vec<(&String, &u64)> = counts.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let _ = writeln!(
        page,
        "<section><h2>{title}</h2>\n<table class=\"reasons\" data-table=\"{kind}\">\n<tr><th>rows</th><th>reason</th><th>example row</th></tr>"
    );
    for (reason, rows) in sorted {
        let example = examples.get(reason).map(u64::to_string).unwrap_or_default();
        let _ = writeln!(
            page,
            "<tr><td>{rows}</td><td>{}</td><td>{example}</td></tr>",
            escape(reason)
        );
    }
    page.push_str("</table>\n</section>\n");
}

/// A horizontal bar of `parts`, each as wide as its share.
fn bar(title: &str, parts: &[(&str, u64, &str)]) -> String {
    let total: u64 = parts.iter().map(|(_, n, _)| n).sum();
    let mut svg = format!(
        "<svg class=\"bar\" viewBox=\"0 0 600 28\" width=\"600\" height=\"28\" role=\"img\" aria-label=\"{}\">",
        escape(title)
    );
    let mut x = 0.0;
    for (label, n, class) in parts {
        if *n == 0 || total == 0 {
            continue;
        }
        let width = 600.0 * *n as f64 / total as f64;
        let _ = write!(
            svg,
            "<rect class=\"{class}\" x=\"{x:.1}\" y=\"0\" width=\"{width:.1}\" height=\"28\"><title>{label}: {n}</title></rect>"
        );
        x += width;
    }
    svg.push_str("</svg>\n");
    svg
}

/// Text for HTML: `&`, `<`, `>`, `"` and `'` escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const HEAD: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TikTok offline conversions: report</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; color: #1b1b1f; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0; }
.sub { color: #555; margin-top: .3rem; }
section { margin: 1.6rem 0; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { text-align: left; padding: .25rem .8rem .25rem 0; vertical-align: top; }
.figures td:nth-child(2) { font-variant-numeric: tabular-nums; font-weight: 600; text-align: right; min-width: 5rem; }
.reasons td:first-child, .reasons td:last-child { font-variant-numeric: tabular-nums; text-align: right; }
.reasons tr + tr td { border-top: 1px solid #e4e4e7; }
code { background: #f4f4f5; padding: 0 .2rem; }
.bar rect.ok { fill: #2e9d5b; } .bar rect.mid { fill: #7ab8e8; }
.bar rect.bad { fill: #d9534f; } .bar rect.warn { fill: #e8a33d; } .bar rect.alt { fill: #a98fd6; }
</style>
</head>
<body>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_from_a_row_or_the_guest_is_escaped() {
        let mut summary = Summary {
            rows_read: 1,
            ..Summary::default()
        };
        summary
            .rejected
            .insert("<script>alert('x')</script> & more".into(), 1);
        let page = html(&Report {
            job: Job::Transform,
            input: "a<b>.csv".into(),
            summary: &summary,
            settings: vec![("name".into(), "\"quoted\"".into())],
            event_set_id: None,
            auto_tracking: None,
        });
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"));
        assert!(page.contains("<code>a&lt;b&gt;.csv</code>"));
        assert!(page.contains("&quot;quoted&quot;"));
    }
}
