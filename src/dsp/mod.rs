//! The pure DSP core: no files, devices, terminals, clocks, threads or printing.
//! Everything here is deterministic (randomness only from explicit seeds).

pub mod analysis;
pub mod builtin;
pub mod chain;
pub mod channels;
pub mod correction;
pub mod deviation;
pub mod dither;
pub mod filter;
pub mod fit;
pub mod generate;
pub mod levels;
pub mod live_match;
pub mod loudness;
pub mod profile;
pub mod response;

/// The independent float64 RBJ cookbook reference the unit tests check filters against (typed in
/// from the cookbook, not via this crate's filters; the integration tests' `common::rbj`).
#[cfg(test)]
#[path = "../../tests/common/rbj.rs"]
pub mod rbj_reference;

pub use chain::{db_to_gain, gain_to_db, Chain, ChannelStages, Stages};
pub use filter::{Coefficients, FilterError, FilterKind, FilterSpec};
pub use profile::{ChannelFilters, DroppedFilter, Preamp, Profile, ProfileError};
