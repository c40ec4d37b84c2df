//! The reference interpreter: the semantics of a checked program.
