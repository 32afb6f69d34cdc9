//! Injected failures: what goes wrong on the next requests to a path, either from a
//! queue (exactly these, in order) or at random with a seeded, repeatable generator.
//!
//! A faulted request is not processed and stores nothing, except with
//! [`Fault::ProcessThenStall`]. Rate limits are modelled here too (`Code(40100)`):
//! normal traffic is never throttled.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use axum::http::StatusCode;
use serde::Deserialize;

use crate::prng::SplitMix64;
use crate::routes::API_PREFIX;

/// The path faults target unless told otherwise, relative to `/open_api/v1.3`.
pub(crate) const TRACK_PATH: &str = "/event/track/";

/// One failure, as a client would see it.
///
/// Over HTTP (`POST /_sandbox/faults`) a fault is written `{"code": 40100}`,
/// `{"status": 503}`, `{"stall_ms": 5000}`, `{"process_then_stall_ms": 5000}`,
/// `"reset"` or `"not_json"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "FaultSpec")]
pub enum Fault {
    /// HTTP 200 with TikTok's envelope carrying this code and TikTok's message for it.
    Code(u32),
    /// This HTTP status with an HTML body, as a gateway in front of TikTok sends.
    Status(StatusCode),
    /// The request is not processed; a gateway's 504 comes after the delay (a client
    /// with a shorter timeout sees a timeout).
    Stall(Duration),
    /// The request is processed (events stored) and the answer held back for the
    /// delay: the client times out although TikTok has the events, and its re-send
    /// must be absorbed by deduplication.
    ProcessThenStall(Duration),
    /// Status line, headers and part of the body, then the connection drops.
    Reset,
    /// HTTP 200 with an HTML body instead of JSON.
    NotJson,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultError {
    #[error("status {0} is not an HTTP error status (400-599)")]
    Status(u16),
    #[error("probability {0} is not between 0 and 1")]
    Probability(f64),
    #[error("random faults need at least one fault kind")]
    NoKinds,
}

/// A fault as written over HTTP.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum FaultSpec {
    Code(u32),
    Status(u16),
    StallMs(u64),
    ProcessThenStallMs(u64),
    Reset,
    NotJson,
}

impl TryFrom<FaultSpec> for Fault {
    type Error = FaultError;

    fn try_from(spec: FaultSpec) -> Result<Self, FaultError> {
        Ok(match spec {
            FaultSpec::Code(code) => Fault::Code(code),
            FaultSpec::Status(status) => Fault::Status(
                StatusCode::from_u16(status)
                    .ok()
                    .filter(|s| s.is_client_error() || s.is_server_error())
                    .ok_or(FaultError::Status(status))?,
            ),
            FaultSpec::StallMs(ms) => Fault::Stall(Duration::from_millis(ms)),
            FaultSpec::ProcessThenStallMs(ms) => Fault::ProcessThenStall(Duration::from_millis(ms)),
            FaultSpec::Reset => Fault::Reset,
            FaultSpec::NotJson => Fault::NotJson,
        })
    }
}

/// Each request is faulted with `probability`, the fault drawn uniformly from `kinds`;
/// the same seed and the same arrival order give the same faults.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RandomSpec")]
pub struct RandomFaults {
    probability: f64,
    kinds: Vec<Fault>,
    seed: u64,
}

#[derive(Deserialize)]
struct RandomSpec {
    probability: f64,
    kinds: Vec<Fault>,
    seed: u64,
}

impl TryFrom<RandomSpec> for RandomFaults {
    type Error = FaultError;

    fn try_from(spec: RandomSpec) -> Result<Self, FaultError> {
        RandomFaults::new(spec.probability, spec.kinds, spec.seed)
    }
}

impl RandomFaults {
    pub fn new(probability: f64, kinds: Vec<Fault>, seed: u64) -> Result<Self, FaultError> {
        if !(0.0..=1.0).contains(&probability) {
            return Err(FaultError::Probability(probability));
        }
        if kinds.is_empty() {
            return Err(FaultError::NoKinds);
        }
        Ok(Self {
            probability,
            kinds,
            seed,
        })
    }
}

#[derive(Debug)]
struct RandomState {
    faults: RandomFaults,
    rng: SplitMix64,
}

impl RandomState {
    fn draw(&mut self) -> Option<Fault> {
        if self.rng.next_unit() >= self.faults.probability {
            return None;
        }
        let kinds = &self.faults.kinds;
        let pick = (self.rng.next() % kinds.len() as u64) as usize;
        Some(kinds[pick].clone())
    }
}

#[derive(Debug, Default)]
struct PathFaults {
    queue: VecDeque<Fault>,
    random: Option<RandomState>,
}

/// Faults per path (relative to `/open_api/v1.3`, e.g. `/event/track/`).
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    paths: HashMap<String, PathFaults>,
}

/// Accepts `/event/track/` and `/open_api/v1.3/event/track/` alike.
pub(crate) fn relative_path(path: &str) -> &str {
    path.strip_prefix(API_PREFIX).unwrap_or(path)
}

impl FaultPlan {
    fn at(&mut self, path: &str) -> &mut PathFaults {
        self.paths
            .entry(relative_path(path).to_owned())
            .or_default()
    }

    pub(crate) fn push(&mut self, path: &str, fault: Fault) {
        self.at(path).queue.push_back(fault);
    }

    /// Replaces the path's random mode, restarting its generator from the seed.
    pub(crate) fn randomise(&mut self, path: &str, faults: RandomFaults) {
        let rng = SplitMix64::new(faults.seed);
        self.at(path).random = Some(RandomState { faults, rng });
    }

    pub(crate) fn clear(&mut self) {
        self.paths.clear();
    }

    /// The fault for the next request to `path`: queued ones first, then random ones.
    pub(crate) fn next(&mut self, path: &str) -> Option<Fault> {
        let faults = self.paths.get_mut(relative_path(path))?;
        faults
            .queue
            .pop_front()
            .or_else(|| faults.random.as_mut().and_then(RandomState::draw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_faults_come_first_and_in_order_on_their_path_only() {
        let mut plan = FaultPlan::default();
        plan.push(TRACK_PATH, Fault::Code(40100));
        plan.push("/open_api/v1.3/event/track/", Fault::Reset);
        assert_eq!(plan.next("/user/info/"), None);
        assert_eq!(plan.next(TRACK_PATH), Some(Fault::Code(40100)));
        assert_eq!(plan.next(TRACK_PATH), Some(Fault::Reset));
        assert_eq!(plan.next(TRACK_PATH), None);
    }

    fn draws(seed: u64) -> Vec<Option<Fault>> {
        let mut plan = FaultPlan::default();
        let kinds = vec![Fault::Code(50000), Fault::NotJson];
        plan.randomise(TRACK_PATH, RandomFaults::new(0.3, kinds, seed).unwrap());
        (0..1000).map(|_| plan.next(TRACK_PATH)).collect()
    }

    #[test]
    fn random_faults_repeat_from_their_seed_at_about_their_rate() {
        let first = draws(9);
        assert_eq!(first, draws(9));
        assert_ne!(first, draws(10));
        let faulted = first.iter().flatten().count();
        assert!((250..350).contains(&faulted), "{faulted} of 1000 faulted");
        assert!(first.contains(&Some(Fault::NotJson)));
        assert!(first.contains(&Some(Fault::Code(50000))));
    }

    #[test]
    fn faults_read_from_json() {
        let faults: Vec<Fault> = serde_json::from_str(
            r#"[{"code":40100},{"status":503},{"stall_ms":1500},{"process_then_stall_ms":20},"reset","not_json"]"#,
        )
        .unwrap();
        assert_eq!(
            faults,
            [
                Fault::Code(40100),
                Fault::Status(StatusCode::SERVICE_UNAVAILABLE),
                Fault::Stall(Duration::from_millis(1500)),
                Fault::ProcessThenStall(Duration::from_millis(20)),
                Fault::Reset,
                Fault::NotJson,
            ]
        );
        let not_an_error = serde_json::from_str::<Fault>(r#"{"status":200}"#).unwrap_err();
        assert!(
            not_an_error
                .to_string()
                .contains("status 200 is not an HTTP error status")
        );
    }

    #[test]
    fn random_faults_need_a_probability_and_kinds() {
        assert_eq!(
            RandomFaults::new(1.5, vec![Fault::Reset], 1),
            Err(FaultError::Probability(1.5))
        );
        assert_eq!(RandomFaults::new(0.5, vec![], 1), Err(FaultError::NoKinds));
    }
}
