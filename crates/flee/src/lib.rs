//! lifeline-flee
