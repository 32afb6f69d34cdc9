//! Stopping a run cleanly on Ctrl-C or SIGTERM. Once raised, a run reads no more input,
//! starts no new request and no retry, lets the requests in flight finish, and settles
//! every row it read but did not deliver as `failed`: its results file then says exactly
//! which rows were delivered, and `send --retry-failed` resends the rest.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A flag shared by the signal handler and the run; backoff pauses wake when it is raised.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<(Mutex<bool>, Condvar)>);

impl Interrupt {
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    pub fn raise(&self) {
        let (raised, wake) = &*self.0;
        *raised.lock().unwrap() = true;
        wake.notify_all();
    }

    pub fn is_raised(&self) -> bool {
        *self.0.0.lock().unwrap()
    }

    /// Pauses for `duration`, or less if the interrupt is raised meanwhile.
    pub fn sleep(&self, duration: Duration) {
        let deadline = Instant::now() + duration;
        let (raised, wake) = &*self.0;
        let mut is_raised = raised.lock().unwrap();
        while !*is_raised {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            is_raised = wake.wait_timeout(is_raised, left).unwrap().0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_ends_when_the_interrupt_is_raised() {
        let interrupt = Interrupt::new();
        let raiser = interrupt.clone();
        let started = Instant::now();
        let pause = std::thread::spawn(move || interrupt.sleep(Duration::from_secs(60)));
        raiser.raise();
        pause.join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(30));
    }

    #[test]
    fn a_pause_lasts_its_duration_without_an_interrupt() {
        let started = Instant::now();
        Interrupt::new().sleep(Duration::from_millis(20));
        assert!(started.elapsed() >= Duration::from_millis(20));
    }
}
