//! How a destination error reads, in one place: on one line, as a row's reason or a
//! log line ([`describe`]), and on the command line with what to do about it
//! ([`explain`]). The generated type's `Display` is its `Debug`.

use crate::bindings::types::DestinationError;

/// The error on one line: a row's reason, why a run stopped.
pub fn describe(error: &DestinationError) -> String {
    match error {
        DestinationError::InvalidSettings(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}", f.key, f.message))
                .collect();
            format!("invalid settings: {}", fields.join("; "))
        }
        DestinationError::Auth(message)
        | DestinationError::Transient(message)
        | DestinationError::Permanent(message) => message.clone(),
        DestinationError::RateLimited(limit) => limit.message.clone(),
    }
}

/// The error for a person at a terminal: one settings field per line, and what to do.
pub fn explain(error: &DestinationError) -> String {
    match error {
        DestinationError::InvalidSettings(fields) => {
            let lines: Vec<String> = fields
                .iter()
                .map(|f| format!("  {}: {}", f.key, f.message))
                .collect();
            format!("the settings need fixing:\n{}", lines.join("\n"))
        }
        DestinationError::Auth(_) => format!(
            "{}\nThe access token was refused: generate a new one (Events Manager, or re-authorise the app) and update access_token.",
            describe(error)
        ),
        DestinationError::RateLimited(_) | DestinationError::Transient(_) => {
            format!("{}; try again later", describe(error))
        }
        DestinationError::Permanent(_) => describe(error),
    }
}
