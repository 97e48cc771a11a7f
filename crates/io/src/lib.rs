//! lifeline-io
