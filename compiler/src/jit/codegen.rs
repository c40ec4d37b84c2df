//! The cranelift module and its functions: one [`Codegen`] owns the `JITModule` and the
//! reusable contexts while a program is compiled, declares the helpers, defines one function
//! per group of rules and the batch driver, and hands the finalized code to [`CompiledCode`].

use cranelift_codegen::Context;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{AbiParam, InstBuilder, Signature, Type, UserFuncName};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module, default_libcall_names};
use pol_grammar::Span;

use super::abi::{self, CompiledCode};
use super::error::JitError;
use super::translate::{FunctionTranslator, HelperRefs, RuleParams};
use crate::tir::{Program, RuleId};

/// The helpers, as declared in the module.
struct HelperIds {
    mul_scaled: FuncId,
    div_scaled: FuncId,
    years_between: FuncId,
    text_eq: FuncId,
}

/// A program being compiled.
pub(super) struct Codegen<'a> {
    program: &'a Program,
    module: JITModule,
    context: Context,
    builder_context: FunctionBuilderContext,
    helpers: HelperIds,
    /// The span of every operation that can fail, indexed by the site in a failure code.
    sites: Vec<Span>,
    /// How many rule groups are defined (to name them).
    n_groups: usize,
}

/// The cranelift settings: optimise for speed, keep the verifier on, non-PIC code for the JIT.
pub(super) const SETTINGS: [(&str, &str); 4] =
    [("opt_level", "speed"), ("is_pic", "false"), ("use_colocated_libcalls", "false"), ("enable_verifier", "true")];

/// The host's ISA with these settings.
fn host_isa(settings: &[(&str, &str)]) -> Result<cranelift_codegen::isa::OwnedTargetIsa, JitError> {
    let mut flags = settings::builder();
    for (name, value) in settings {
        flags.set(name, value).map_err(JitError::codegen)?;
    }
    cranelift_native::builder()
        .map_err(JitError::codegen)?
        .finish(settings::Flags::new(flags))
        .map_err(JitError::codegen)
}

impl<'a> Codegen<'a> {
    /// A module for the host with these cranelift settings, the helpers registered and declared.
    pub(super) fn new(program: &'a Program, settings: &[(&str, &str)]) -> Result<Codegen<'a>, JitError> {
        let mut jit_builder = JITBuilder::with_isa(host_isa(settings)?, default_libcall_names());
        jit_builder.symbol("pol_jit_mul_scaled", abi::pol_jit_mul_scaled as *const u8);
        jit_builder.symbol("pol_jit_div_scaled", abi::pol_jit_div_scaled as *const u8);
        jit_builder.symbol("pol_jit_years_between", abi::pol_jit_years_between as *const u8);
        jit_builder.symbol("pol_jit_text_eq", abi::pol_jit_text_eq as *const u8);
        let mut module = JITModule::new(jit_builder);
        if module.target_config().pointer_type() != I64 {
            return Err(JitError::Codegen("the host does not have 64-bit pointers".into()));
        }
        let helpers = HelperIds {
            mul_scaled: declare_helper(&mut module, "pol_jit_mul_scaled", &[I64, I64, I64], I32)?,
            div_scaled: declare_helper(&mut module, "pol_jit_div_scaled", &[I64, I64, I64], I32)?,
            years_between: declare_helper(&mut module, "pol_jit_years_between", &[I64, I64], I64)?,
            text_eq: declare_helper(
                &mut module,
                "pol_jit_text_eq",
                &[I64, I64, I64],
                cranelift_codegen::ir::types::I8,
            )?,
        };
        let context = module.make_context();
        Ok(Codegen {
            program,
            module,
            context,
            builder_context: FunctionBuilderContext::new(),
            helpers,
            sites: Vec::new(),
            n_groups: 0,
        })
    }

    /// `fn(ctx, first, end)`.
    fn rule_signature(&self) -> Signature {
        let mut signature = self.module.make_signature();
        signature.params.extend([AbiParam::new(I64), AbiParam::new(I64), AbiParam::new(I64)]);
        signature
    }

    /// Defines the function computing a group of consecutive rules of the order for every
    /// record of households `first..end` that have not failed.
    pub(super) fn compile_group(&mut self, rules: &[RuleId]) -> Result<FuncId, JitError> {
        let program = self.program;
        let mut group = Vec::with_capacity(rules.len());
        for id in rules {
            let rule = program.rule(*id).ok_or_else(|| JitError::Codegen(format!("rule {} in the order", id.0)))?;
            group.push((*id, rule));
        }
        let signature = self.rule_signature();
        let name = format!("rules{}", self.n_groups);
        self.n_groups += 1;
        let func_id = self.module.declare_function(&name, Linkage::Local, &signature).map_err(JitError::codegen)?;
        self.context.func.signature = signature;
        self.context.func.name = UserFuncName::user(0, func_id.as_u32());
        let mut builder = FunctionBuilder::new(&mut self.context.func, &mut self.builder_context);
        let helpers = HelperRefs {
            mul_scaled: self.module.declare_func_in_func(self.helpers.mul_scaled, builder.func),
            div_scaled: self.module.declare_func_in_func(self.helpers.div_scaled, builder.func),
            years_between: self.module.declare_func_in_func(self.helpers.years_between, builder.func),
            text_eq: self.module.declare_func_in_func(self.helpers.text_eq, builder.func),
        };
        let entry = builder.create_block();
        builder.append_block_params_for_function_params(entry);
        builder.switch_to_block(entry);
        let params = match builder.block_params(entry) {
            [ctx, first, end] => RuleParams { ctx: *ctx, first: *first, end: *end },
            _ => return Err(JitError::codegen("group function parameters")),
        };
        let mut translator = FunctionTranslator::new(builder, program, helpers, &mut self.sites, params);
        translator.emit_group(&group)?;
        let mut builder = translator.into_builder();
        builder.seal_all_blocks();
        builder.finalize(self.module.target_config());
        self.define(func_id)?;
        Ok(func_id)
    }

    /// Defines the driver: for each block of [`HOUSEHOLDS_PER_BLOCK`] households of
    /// `start..end`, each group function in order over the block.
    pub(super) fn compile_driver(&mut self, rules: &[FuncId]) -> Result<FuncId, JitError> {
        let signature = abi::entry_signature(&self.module);
        let func_id =
            self.module.declare_function("evaluate_batch", Linkage::Export, &signature).map_err(JitError::codegen)?;
        self.context.func.signature = signature;
        self.context.func.name = UserFuncName::user(0, func_id.as_u32());
        let mut builder = FunctionBuilder::new(&mut self.context.func, &mut self.builder_context);
        let mut callees = Vec::with_capacity(rules.len());
        for func in rules {
            callees.push(self.module.declare_func_in_func(*func, builder.func));
        }
        emit_driver(&mut builder, &callees)?;
        builder.seal_all_blocks();
        builder.finalize(self.module.target_config());
        self.define(func_id)?;
        Ok(func_id)
    }

    /// Compiles the function in the context into the module.
    fn define(&mut self, func_id: FuncId) -> Result<(), JitError> {
        let defined = self.module.define_function(func_id, &mut self.context);
        self.module.clear_context(&mut self.context);
        defined.map_err(|error| JitError::Codegen(format!("{error:?}")))
    }

    /// Finalizes the module: the code and the failure sites' spans.
    pub(super) fn finish(mut self, entry: FuncId) -> Result<(CompiledCode, Vec<Span>), JitError> {
        self.module.finalize_definitions().map_err(JitError::codegen)?;
        let code = CompiledCode::new(self.module, entry).ok_or_else(|| JitError::codegen("entry signature"))?;
        Ok((code, self.sites))
    }
}

/// Declares an imported helper `fn(params) -> ret`.
fn declare_helper(module: &mut JITModule, name: &str, params: &[Type], ret: Type) -> Result<FuncId, JitError> {
    let mut signature = module.make_signature();
    signature.params.extend(params.iter().map(|ty| AbiParam::new(*ty)));
    signature.returns.push(AbiParam::new(ret));
    module.declare_function(name, Linkage::Import, &signature).map_err(JitError::codegen)
}

/// Households evaluated group by group together: each group function runs over a block, so
/// that it streams through consecutive rows of its columns (a block's rows of 100 rule
/// columns fit in the L2 cache), and calls cost once per group and block instead of per
/// household. Households are independent, so the order across them changes no result.
pub(super) const HOUSEHOLDS_PER_BLOCK: i64 = 256;

/// The driver's body (see [`Codegen::compile_driver`]).
fn emit_driver(builder: &mut FunctionBuilder<'_>, callees: &[cranelift_codegen::ir::FuncRef]) -> Result<(), JitError> {
    let entry = builder.create_block();
    builder.append_block_params_for_function_params(entry);
    builder.switch_to_block(entry);
    let (ctx, start, end) = match builder.block_params(entry) {
        [ctx, start, end] => (*ctx, *start, *end),
        _ => return Err(JitError::codegen("driver parameters")),
    };
    let first = builder.declare_var(I64);
    builder.def_var(first, start);
    let (header, body, exit) = (builder.create_block(), builder.create_block(), builder.create_block());
    builder.ins().jump(header, &[]);

    builder.switch_to_block(header);
    let block_first = builder.use_var(first);
    let more = builder.ins().icmp(IntCC::SignedLessThan, block_first, end);
    builder.ins().brif(more, body, &[], exit, &[]);

    builder.switch_to_block(body);
    let block_first = builder.use_var(first);
    let block_end = builder.ins().iadd_imm_u(block_first, HOUSEHOLDS_PER_BLOCK);
    let block_end = builder.ins().smin(block_end, end);
    for callee in callees {
        builder.ins().call(*callee, &[ctx, block_first, block_end]);
    }
    builder.def_var(first, block_end);
    builder.ins().jump(header, &[]);

    builder.switch_to_block(exit);
    builder.ins().return_(&[]);
    Ok(())
}
