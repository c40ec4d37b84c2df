//! Why a checked program could not be compiled. Every variant is a bug (in the checker or the
//! JIT), never a user error: a checked program always compiles.

use pol_grammar::Span;

/// A failure to compile a checked program into native code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum JitError {
    /// The program holds a node or reference the compiled engine cannot translate.
    #[error("internal error: the compiled engine cannot translate {what}; please report this")]
    #[diagnostic(
        code(pol::jit::internal),
        help("evaluate with the interpreter instead (`--engine interp`), and please report this with the policy")
    )]
    Untranslatable {
        /// What could not be translated, e.g. ```last_year` outside a parameter constraint``.
        what: String,
        /// The node.
        #[label("this cannot be compiled")]
        span: Span,
    },
    /// Cranelift rejected the generated code, or the host is not supported.
    #[error("internal error: native code generation failed ({0}); please report this")]
    #[diagnostic(
        code(pol::jit::codegen),
        help("evaluate with the interpreter instead (`--engine interp`), and please report this with the policy")
    )]
    Codegen(String),
}

impl JitError {
    /// An [`JitError::Untranslatable`] node.
    pub(super) fn untranslatable(what: impl Into<String>, span: Span) -> JitError {
        JitError::Untranslatable { what: what.into(), span }
    }

    /// A [`JitError::Codegen`] from any cranelift error.
    pub(super) fn codegen(error: impl std::fmt::Display) -> JitError {
        JitError::Codegen(error.to_string())
    }
}
