//! lifeline-model
