//! Chinese renderings of the diagnostics the tests produce: every diagnostic a check or
//! parameter test renders is also rendered in Chinese (as `i18n::localize` does), and must leave
//! no English word outside backticks beyond [`pol_compiler::i18n::ALLOWED_ENGLISH`]. A computed
//! text the catalogue cannot translate fails the test that produced it: add a `phrase-*` entry.

use pol_compiler::diagnostic::Diagnostic;

/// Fails when the Chinese rendering of `diagnostic` leaves English words that are not allowed.
pub fn assert_chinese(diagnostic: &Diagnostic) {
    let left = pol_compiler::i18n::english_left_in_chinese_diagnostic(diagnostic, pol_compiler::i18n::ALLOWED_ENGLISH);
    let code = diagnostic.code().unwrap_or_default();
    assert!(
        left.is_empty(),
        "English left in the Chinese rendering of {code}: {left:?}\nmessage: {}\nhelp: {:?}",
        diagnostic.error,
        diagnostic.error.help().map(|help| help.to_string())
    );
}
