//! Arithmetic that can fail: checked `+ - *`, and the rounded divisions and scaled products
//! of [`crate::arith`], inline on their 64-bit paths.

use super::FunctionTranslator;
use crate::jit::abi::HELPER_OK;
use crate::jit::error::JitError;
use crate::tir::{BinOp, RATIO_SCALE, Word};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{BlockArg, FuncRef, InstBuilder, StackSlotData, StackSlotKind, Value};

impl FunctionTranslator<'_, '_> {
    /// Checked `+`, `-`, `*`.
    pub(super) fn translate_checked(&mut self, op: BinOp, a: Value, b: Value) -> Result<Value, JitError> {
        let (result, overflow) = match op {
            BinOp::Add => self.builder.ins().sadd_overflow(a, b),
            BinOp::Sub => self.builder.ins().ssub_overflow(a, b),
            _ => self.builder.ins().smul_overflow(a, b),
        };
        self.give_up_if(overflow)?;
        Ok(result)
    }

    /// `round(a / b)`: division by zero and `MIN / -1` are tested first (`sdiv` would trap);
    /// the tests are left out for a constant divisor that cannot hit them.
    pub(super) fn translate_div_round(&mut self, a: Value, b: Value, divisor: Option<Word>) -> Result<Value, JitError> {
        let mut failed = None;
        if divisor.is_none_or(|divisor| divisor == 0) {
            failed = Some(self.builder.ins().icmp_imm_s(IntCC::Equal, b, 0));
        }
        if divisor.is_none_or(|divisor| divisor == -1) {
            let minimum = self.builder.ins().icmp_imm_s(IntCC::Equal, a, Word::MIN);
            let minus_one = self.builder.ins().icmp_imm_s(IntCC::Equal, b, -1);
            let overflow = self.builder.ins().band(minimum, minus_one);
            failed = Some(match failed {
                Some(zero) => self.builder.ins().bor(zero, overflow),
                None => overflow,
            });
        }
        if let Some(failed) = failed {
            self.give_up_if(failed)?;
        }
        Ok(self.round_quotient(a, b))
    }

    /// `round(a / b)` half away from zero, for `b != 0` and not `MIN / -1`: the truncated
    /// quotient, moved one away from zero when `2|r| >= |b|` (compared unsigned, so that
    /// `|MIN|` is 2⁶³). The result cannot overflow.
    pub(super) fn round_quotient(&mut self, a: Value, b: Value) -> Value {
        let quotient = self.builder.ins().sdiv(a, b);
        let remainder = self.builder.ins().srem(a, b);
        let remainder_abs = self.builder.ins().iabs(remainder);
        let twice = self.builder.ins().ishl_imm_u(remainder_abs, 1);
        let divisor_abs = self.builder.ins().iabs(b);
        let round_away = self.builder.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, twice, divisor_abs);
        let signs = self.builder.ins().bxor(a, b);
        let negative = self.builder.ins().icmp_imm_s(IntCC::SignedLessThan, signs, 0);
        let one = self.builder.ins().iconst(I64, 1);
        let minus_one = self.builder.ins().iconst(I64, -1);
        let zero = self.builder.ins().iconst(I64, 0);
        let step = self.builder.ins().select(negative, minus_one, one);
        let adjust = self.builder.ins().select(round_away, step, zero);
        self.builder.ins().iadd(quotient, adjust)
    }

    /// `round(a × b / 10⁹)`: inline when `a × b` fits in 64 bits (the exact quotient is the
    /// same as over 128 bits), else the cold helper computes it over `i128`.
    pub(super) fn translate_mul_scaled(&mut self, a: Value, b: Value) -> Result<Value, JitError> {
        let (product, overflow) = self.builder.ins().smul_overflow(a, b);
        let scale = self.builder.ins().iconst(I64, RATIO_SCALE);
        self.narrow_or_wide(overflow, (product, scale), (self.helpers.mul_scaled, a, b))
    }

    /// `round(a × 10⁹ / b)`: division by zero first; inline when `a × 10⁹` fits in 64 bits
    /// (then it is a multiple of 5⁹, so never `MIN`, and `MIN / -1` cannot occur), else the helper.
    pub(super) fn translate_div_scaled(&mut self, a: Value, b: Value) -> Result<Value, JitError> {
        let zero = self.builder.ins().icmp_imm_s(IntCC::Equal, b, 0);
        self.give_up_if(zero)?;
        let scale = self.builder.ins().iconst(I64, RATIO_SCALE);
        let (numerator, overflow) = self.builder.ins().smul_overflow(a, scale);
        self.narrow_or_wide(overflow, (numerator, b), (self.helpers.div_scaled, a, b))
    }

    /// `round(numerator / divisor)` inline when the 64-bit product before it did not overflow,
    /// else (a cold block) the 128-bit helper on the original operands.
    fn narrow_or_wide(
        &mut self,
        overflow: Value,
        (numerator, divisor): (Value, Value),
        (helper, a, b): (FuncRef, Value, Value),
    ) -> Result<Value, JitError> {
        let (narrow, wide, merge) =
            (self.builder.create_block(), self.builder.create_block(), self.builder.create_block());
        let result = self.builder.append_block_param(merge, I64);
        self.builder.set_cold_block(wide);
        self.builder.ins().brif(overflow, wide, &[], narrow, &[]);
        self.builder.switch_to_block(narrow);
        let rounded = self.round_quotient(numerator, divisor);
        self.builder.ins().jump(merge, &[BlockArg::Value(rounded)]);
        self.builder.switch_to_block(wide);
        let rounded = self.call_wide(helper, a, b)?;
        self.builder.ins().jump(merge, &[BlockArg::Value(rounded)]);
        self.builder.switch_to_block(merge);
        Ok(result)
    }

    /// Calls a 128-bit helper `(a, b, out) -> status` and gives up on a failed status.
    pub(super) fn call_wide(&mut self, helper: FuncRef, a: Value, b: Value) -> Result<Value, JitError> {
        let slot = self.builder.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
        let out = self.builder.ins().stack_addr(self.pointer, slot, 0);
        let call = self.builder.ins().call(helper, &[a, b, out]);
        let status = self.first_result(call)?;
        let failed = self.builder.ins().icmp_imm_s(IntCC::NotEqual, status, i64::from(HELPER_OK));
        self.give_up_if(failed)?;
        Ok(self.builder.ins().stack_load(self.pointer, I64, slot, 0))
    }

    /// The one result of a helper call.
    pub(super) fn first_result(&self, call: cranelift_codegen::ir::Inst) -> Result<Value, JitError> {
        self.builder.inst_results(call).first().copied().ok_or_else(|| JitError::codegen("helper without result"))
    }
}
