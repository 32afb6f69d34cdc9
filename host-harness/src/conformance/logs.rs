//! The component's log lines during one call, as the host's `log` import emitted them
//! (to `tracing`, target `component`), collected so that every host reports the same.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Runs `f` on this thread with the component's log lines collected, as
/// `{"level": "info", "message": "…"}` in order.
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<Value>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let collector = tracing_subscriber::registry().with(Collect(lines.clone()));
    let result = tracing::subscriber::with_default(collector, f);
    let lines = std::mem::take(&mut *lines.lock().unwrap());
    (result, lines)
}

struct Collect(Arc<Mutex<Vec<Value>>>);

impl<S: Subscriber> Layer<S> for Collect {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "component" {
            return;
        }
        let level = match *event.metadata().level() {
            Level::ERROR => "error",
            Level::WARN => "warn",
            Level::INFO => "info",
            Level::DEBUG | Level::TRACE => "debug",
        };
        let mut message = Message(String::new());
        event.record(&mut message);
        self.0
            .lock()
            .unwrap()
            .push(json!({"level": level, "message": message.0}));
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}
