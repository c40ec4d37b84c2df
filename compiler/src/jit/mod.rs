//! The cranelift JIT: a checked program compiled into a native batch evaluator.
