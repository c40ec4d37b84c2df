//! The type checker: untyped AST to typed IR, every error reported.
