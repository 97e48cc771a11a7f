//! lifeline-scenario
