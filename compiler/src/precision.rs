//! Amounts computed finer than the cent (docs/language.md#precision).
//!
//! A policy that declares `currency EUR precision 0.000001` is computed as a system that never
//! rounds would compute it (OpenFisca's country template), to a millionth of a euro, while
//! everything outside the computation — outputs, tests, reports, `pol explain`, reconciliation,
//! the Python package — still sees every rule's value to the cent. [`Program::computed_finely`]
//! makes the program the engines evaluate: each money rule `x` gets a *fine* twin `x·fine`, the
//! rule's own definition computed in millionths, which every other rule reads; `x` itself
//! becomes `x·fine` rounded to the cent, half away from zero (`÷ 10⁴`, [`BinOp::DivRound`]).
//! Inputs, parameters, jurisdiction attributes, literals and the money brackets of a scale are
//! written to the cent; their reads are multiplied by the factor (exactly: a product beyond 64
//! bits is the evaluation's overflow, as any other). Both engines evaluate the same rewritten
//! program, so they agree by construction; a policy without `precision` is left as it is.
//!
//! Every operation of the language scales with its money operands (sums, products by an `int`
//! or a rate, quotients, comparisons, `min`/`max`, aggregates), so the fine program computes
//! the same amounts as the checked one, times the factor, each rounding made a millionth instead
//! of a cent.

use crate::tir::{BinOp, Bracket, Expr, ExprKind, Pat, Program, Rule, RuleId, RuleRole, ScaleKind, Ty, Word};

/// The suffix of a money rule's fine twin (`total_taxes·fine`).
pub const FINE_SUFFIX: &str = "·fine";

impl Program {
    /// The program the engines evaluate: `self` when amounts are computed to the cent (the
    /// policy declares no finer `precision`, or the program already is the fine one), else the
    /// program in which money rules read each other's values before rounding (see the module).
    /// Rule ids, slots, columns, parameters and outputs of `self` keep their meaning; the fine
    /// twins are added after the rules of each entity.
    pub fn computed_finely(&self) -> Program {
        let factor = fine_factor(self.money_decimals);
        if factor == 1 || self.fine_factor != 1 {
            return self.clone();
        }
        let mut fine = self.clone();
        fine.fine_factor = factor;
        // The twin of each money rule, added in rule order after the rules of its entity.
        let mut twins: Vec<Option<RuleId>> = Vec::with_capacity(self.rules.len());
        for rule in &self.rules {
            if !matches!(rule.ty, Ty::Money(_)) {
                twins.push(None);
                continue;
            }
            let slot = u32::try_from(fine.n_rules(rule.entity)).unwrap_or(u32::MAX);
            twins.push(Some(RuleId(fine.rules.len() as u32)));
            fine.rules.push(Rule {
                name: format!("{}{FINE_SUFFIX}", rule.name),
                slot,
                role: RuleRole::Hidden,
                ..rule.clone()
            });
        }
        let rewriter = Rewriter { twins: &twins, factor };
        for ((index, rule), twin) in self.rules.iter().enumerate().zip(&twins) {
            // The definition goes to the twin when there is one, and the rule reads it rounded.
            let (definition_at, rounded) = match twin {
                Some(twin) => (twin.0 as usize, Some(rounded_to_cent(*twin, rule, factor))),
                None => (index, None),
            };
            if let Some(target) = fine.rules.get_mut(definition_at) {
                target.body = rewriter.expr(&rule.body);
            }
            if let (Some(rounded), Some(target)) = (rounded, fine.rules.get_mut(index)) {
                target.body = rounded;
            }
        }
        // Each twin just before its rule: it reads what the rule read, all earlier.
        fine.order = self
            .order
            .iter()
            .flat_map(|id| twins.get(id.0 as usize).copied().flatten().into_iter().chain([*id]))
            .collect();
        for scale in &mut fine.scales {
            // A local scale's brackets are read from the county table, to the cent: the engines
            // scale their thresholds ([`Program::threshold_factor`]).
            if scale.is_local() || !matches!(scale.threshold_ty, Ty::Money(_)) {
                continue;
            }
            for brackets in scale.versions.iter_mut().filter_map(|version| version.brackets.as_mut()) {
                *brackets = scaled_brackets(brackets, factor).into_owned();
            }
        }
        fine
    }

    /// The factor by which the engines multiply the thresholds of `scale` read from a county
    /// table (which holds them to the cent): the program's [`Program::fine_factor`] for a local
    /// scale of money thresholds, 1 for any other (a province's scale has its thresholds in the
    /// program's own words).
    pub fn threshold_factor(&self, scale: crate::tir::ScaleId) -> Word {
        match self.scales.get(scale.0 as usize) {
            Some(def) if def.is_local() && matches!(def.threshold_ty, Ty::Money(_)) => self.fine_factor,
            Some(_) | None => 1,
        }
    }
}

/// `10^(decimals − 2)`: fine words per cent (1 for the cent itself).
pub fn fine_factor(decimals: u32) -> Word {
    10_i64.pow(decimals.saturating_sub(crate::tir::CENT_DECIMALS).min(crate::tir::MAX_MONEY_DECIMALS))
}

/// The brackets of a local scale read from a county table with thresholds multiplied by
/// `factor` (saturating, which is exact: see [`Program::computed_finely`]); `brackets` itself
/// when `factor` is 1.
pub fn scaled_brackets(brackets: &[Bracket], factor: Word) -> std::borrow::Cow<'_, [Bracket]> {
    if factor == 1 {
        return std::borrow::Cow::Borrowed(brackets);
    }
    std::borrow::Cow::Owned(
        brackets
            .iter()
            .map(|bracket| Bracket { threshold: bracket.threshold.saturating_mul(factor), value: bracket.value })
            .collect(),
    )
}

/// `round(twin ÷ factor)`: the rule's value to the cent.
fn rounded_to_cent(twin: RuleId, rule: &Rule, factor: Word) -> Expr {
    let span = rule.span;
    let read = Expr { kind: ExprKind::Rule(twin), ty: rule.ty, span };
    let divisor = Expr { kind: ExprKind::Const(factor), ty: Ty::Int, span };
    Expr { kind: ExprKind::Binary(BinOp::DivRound, Box::new(read), Box::new(divisor)), ty: rule.ty, span }
}

/// Rewrites expressions of the checked program into the fine program's.
struct Rewriter<'a> {
    twins: &'a [Option<RuleId>],
    factor: Word,
}

impl Rewriter<'_> {
    /// `expr` (of money type) times the factor, evaluated (its overflow is the evaluation's).
    fn scaled(&self, expr: Expr) -> Expr {
        let span = expr.span;
        let ty = expr.ty;
        let factor = Expr { kind: ExprKind::Const(self.factor), ty: Ty::Int, span };
        Expr { kind: ExprKind::Binary(BinOp::Mul, Box::new(expr), Box::new(factor)), ty, span }
    }

    /// The read `expr` scaled when it is money.
    fn scaled_if_money(&self, expr: &Expr) -> Expr {
        if matches!(expr.ty, Ty::Money(_)) { self.scaled(expr.clone()) } else { expr.clone() }
    }

    fn pattern(&self, pattern: Pat) -> Pat {
        // Saturating is exact: no fine amount reaches the bounds of a word.
        match pattern {
            Pat::Eq(word) => Pat::Eq(word.saturating_mul(self.factor)),
            Pat::Range(low, high) => {
                Pat::Range(low.saturating_mul(self.factor), high.map(|high| high.saturating_mul(self.factor)))
            }
            Pat::Any => Pat::Any,
        }
    }

    fn expr(&self, expr: &Expr) -> Expr {
        let span = expr.span;
        let boxed = |inner: &Expr| Box::new(self.expr(inner));
        let kind = match &expr.kind {
            ExprKind::Const(word) => match expr.ty {
                Ty::Money(_) => match word.checked_mul(self.factor) {
                    Some(fine) => ExprKind::Const(fine),
                    None => return self.scaled(expr.clone()),
                },
                Ty::Bool | Ty::Int | Ty::Ratio | Ty::Date | Ty::Text | Ty::Enum(_) => ExprKind::Const(*word),
            },
            ExprKind::Rule(rule) => match self.twins.get(rule.0 as usize).copied().flatten() {
                Some(twin) => ExprKind::Rule(twin),
                None => ExprKind::Rule(*rule),
            },
            ExprKind::Column(..)
            | ExprKind::Param(_)
            | ExprKind::CountyAttr(_)
            | ExprKind::LastYear(_)
            | ExprKind::Province(_) => return self.scaled_if_money(expr),
            ExprKind::AsOf => ExprKind::AsOf,
            ExprKind::Unary(op, operand) => ExprKind::Unary(*op, boxed(operand)),
            ExprKind::Binary(op, left, right) => ExprKind::Binary(*op, boxed(left), boxed(right)),
            ExprKind::If(cond, then, otherwise) => ExprKind::If(boxed(cond), boxed(then), boxed(otherwise)),
            ExprKind::Match(scrutinee, arms) => {
                let money = matches!(scrutinee.ty, Ty::Money(_));
                let arms = arms
                    .iter()
                    .map(|(pattern, arm)| (if money { self.pattern(*pattern) } else { *pattern }, self.expr(arm)))
                    .collect();
                ExprKind::Match(boxed(scrutinee), arms)
            }
            ExprKind::Aggregate { kind, filter, value } => ExprKind::Aggregate {
                kind: *kind,
                filter: filter.as_deref().map(boxed),
                value: value.as_deref().map(boxed),
            },
            ExprKind::Mask(text) => ExprKind::Mask(boxed(text)),
            ExprKind::Scale(kind, scale, operand) => {
                let applied = Expr { kind: ExprKind::Scale(*kind, *scale, boxed(operand)), ty: expr.ty, span };
                // The thresholds are fine (see `computed_finely` and `threshold_factor`); a rate
                // scale's `marginal` is then in the operand's fine words, but the amounts and
                // rates of brackets stay as written: an amount read from one is scaled.
                let amount = match kind {
                    ScaleKind::Marginal => false,
                    ScaleKind::MarginalAmount | ScaleKind::Bracket => matches!(expr.ty, Ty::Money(_)),
                };
                return if amount { self.scaled(applied) } else { applied };
            }
            // Left for the engines to refuse, as in any program: `Program::on` unrolls periods,
            // and another place's or year's brackets are read by `require`s alone.
            ExprKind::Periodic(read, operand) => ExprKind::Periodic(*read, boxed(operand)),
            ExprKind::OtherScale(other, kind, scale, operand) => {
                ExprKind::OtherScale(*other, *kind, *scale, boxed(operand))
            }
        };
        Expr { kind, ty: expr.ty, span }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precisions_are_powers_of_ten_from_the_cent_to_the_millionth() {
        use crate::tir::precision_decimals;
        assert_eq!(precision_decimals("0.01"), Some(2));
        assert_eq!(precision_decimals("0.0001"), Some(4));
        assert_eq!(precision_decimals("0.000001"), Some(6));
        for bad in ["0.1", "0.02", "1", "0.0000001", "0.", "0.011", "00.01", ".01"] {
            assert_eq!(precision_decimals(bad), None, "{bad}");
        }
        assert_eq!(fine_factor(2), 1);
        assert_eq!(fine_factor(6), 10_000);
    }

    #[test]
    fn scaled_brackets_saturate_and_keep_values() {
        let brackets = [Bracket { threshold: 100, value: 7 }, Bracket { threshold: Word::MAX / 2, value: 9 }];
        assert_eq!(scaled_brackets(&brackets, 1).as_ref(), &brackets);
        let scaled = scaled_brackets(&brackets, 100);
        assert_eq!(
            scaled.as_ref(),
            &[Bracket { threshold: 10_000, value: 7 }, Bracket { threshold: Word::MAX, value: 9 }]
        );
    }
}

#[cfg(test)]
mod semantics {
    use crate::diagnostic::{SourceKind, Sources, render_plain};
    use crate::engine::{Engine, Outcome};
    use crate::interp::Interpreter;
    use crate::jit::JitEngine;
    use crate::policy::{Policy, compile};
    use crate::tir::Word;

    /// Two persons each paying 15% and a marginal contribution of a tiny salary, and a money
    /// scale of amounts: with `precision`, the household's total is the exact sum rounded once
    /// and a comparison reads the exact amount; each person's amounts are still to the cent.
    const TAXES: &str = "currency EUR PRECISION
household {
  household_id: key
  rent: EUR/月 = 0
}
person {
  person_id: key
  household_id: household
  salary: EUR/月 = 0
}
param rate: ratio {
  = 15%
}
param contribution: scale(EUR/月, ratio) {
  = [0: 2%, 0.02: 50%]
}
param bonus: scale(EUR/月, EUR/月) {
  = [0: 0, 0.03: 0.01]
}
person tax: EUR/月 = salary * rate
person contribution_paid: EUR/月 = marginal(contribution, salary)
person bonus_paid: EUR/月 = bracket(bonus, salary + salary * rate)
household taxes: EUR/月 = sum(members, tax)
household contributions: EUR/月 = sum(members, contribution_paid) + rent / 3
household bonuses: EUR/月 = sum(members, bonus_paid)
household over_a_cent: bool = taxes >= 0.01 EUR/月
output household_results for household {
  household_id
  taxes
  contributions
  bonuses
  over_a_cent
}
test \"tiny salaries\" {
  as_of 2020-01-01
  household { rent: 0.01 }
  person { salary: 0.03 }
  person { salary: 0.03 }
}
";

    fn policy(precision: &str) -> Policy {
        let text = TAXES.replace(" PRECISION", precision);
        let mut sources = Sources::default();
        sources.add("policy.pol", &text, SourceKind::Pol);
        match compile(&sources) {
            Ok(policy) => policy,
            Err(errors) => {
                let rendered: Vec<String> = errors.into_iter().map(|error| render_plain(&sources, error)).collect();
                panic!("the policy does not compile:\n{}", rendered.join("\n"))
            }
        }
    }

    /// (taxes, contributions, bonuses, over_a_cent) and each person's (tax, contribution, bonus)
    /// on both engines, which must agree.
    fn evaluate(precision: &str) -> (Vec<Word>, Vec<Vec<Word>>) {
        let policy = policy(precision);
        let (dated, counties) = policy.on(crate::date::parse_iso("2020-01-01").unwrap_or(0)).unwrap_or_else(|errors| {
            panic!("{} errors", errors.len());
        });
        let program = &dated.program;
        // Salaries of 0.03 (3 fen) and a rent of 0.01.
        let test = program.tests.first().unwrap_or_else(|| panic!("no test"));
        let batch = crate::testing::test_batch(program, test).unwrap_or_else(|error| panic!("{error}"));
        let jit = JitEngine::compile(program).unwrap_or_else(|error| panic!("{error}"));
        let expected = Interpreter::new(program).evaluate(&batch, &counties);
        let actual = jit.evaluate(&batch, &counties);
        assert_eq!(actual, expected, "the JIT disagrees with the interpreter");
        assert_eq!(actual.outcomes, vec![Outcome::Ok]);
        let rule = |name: &str| program.rules.iter().find(|rule| rule.name == name).map(|rule| rule.slot as usize);
        let household_values = ["taxes", "contributions", "bonuses", "over_a_cent"]
            .map(|name| actual.household[rule(name).unwrap_or(usize::MAX)][0])
            .to_vec();
        let person_values = ["tax", "contribution_paid", "bonus_paid"]
            .map(|name| actual.person[rule(name).unwrap_or(usize::MAX)].clone())
            .to_vec();
        (household_values, person_values)
    }

    #[test]
    fn amounts_computed_finely_are_rounded_once_where_they_are_read_from_outside() {
        // To the cent: each tax 0.0045 → 0.00; each contribution 2% × 0.02 + 50% × 0.01 =
        // 0.0054 → 0.01; each bonus bracket(0.03 + 0.00) = 0.01; rent / 3 = 0.00.
        let (household, persons) = evaluate("");
        assert_eq!(household, vec![0, 2, 2, 0]);
        assert_eq!(persons, vec![vec![0, 0], vec![1, 1], vec![1, 1]]);
        // To the millionth: taxes 0.009 → 0.01, contributions 0.0108 + 0.00333… = 0.0141… →
        // 0.01, bonuses bracket(0.0345) = 0.01 each; `over_a_cent` reads 0.009, not 0.01.
        // Each person's amounts are the same as to the cent: each is rounded once anyway.
        let (household, persons) = evaluate(" precision 0.000001");
        assert_eq!(household, vec![1, 1, 2, 0]);
        assert_eq!(persons, vec![vec![0, 0], vec![1, 1], vec![1, 1]]);
    }
}
