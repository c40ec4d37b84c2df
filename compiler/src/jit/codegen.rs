//! The cranelift module and its function: one [`Codegen`] owns the `JITModule` and the
//! reusable contexts while a program is compiled, declares the helpers, defines the one
//! function evaluating a range of households, and hands the finalized code to [`CompiledCode`].

use cranelift_codegen::Context;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{AbiParam, Type, UserFuncName};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module, default_libcall_names};

use super::abi::{self, CompiledCode};
use super::error::JitError;
use super::plan::Plan;
use super::translate::{FunctionParams, FunctionTranslator, HelperRefs};
use crate::tir::{Bracket, Program};

/// The helpers, as declared in the module.
struct HelperIds {
    mul_scaled: FuncId,
    div_scaled: FuncId,
    years_between: FuncId,
    text_eq: FuncId,
    scale: FuncId,
    county_scale: FuncId,
}

/// A program being compiled.
pub(super) struct Codegen<'a> {
    program: &'a Program,
    module: JITModule,
    context: Context,
    builder_context: FunctionBuilderContext,
    helpers: HelperIds,
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
        jit_builder.symbol("pol_jit_scale", abi::pol_jit_scale as *const u8);
        jit_builder.symbol("pol_jit_county_scale", abi::pol_jit_county_scale as *const u8);
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
            scale: declare_helper(&mut module, "pol_jit_scale", &[I64, I64, I64, I64, I64], I32)?,
            county_scale: declare_helper(
                &mut module,
                "pol_jit_county_scale",
                &[I64, I64, I64, I64, I64, I64, I64],
                I32,
            )?,
        };
        let context = module.make_context();
        Ok(Codegen { program, module, context, builder_context: FunctionBuilderContext::new(), helpers })
    }

    /// Defines the function evaluating every household of `start..end` by the plan.
    pub(super) fn compile_function(&mut self, plan: &Plan<'_>, scales: &[Vec<Bracket>]) -> Result<FuncId, JitError> {
        let signature = abi::entry_signature(&self.module);
        let func_id =
            self.module.declare_function("evaluate_batch", Linkage::Export, &signature).map_err(JitError::codegen)?;
        self.context.func.signature = signature;
        self.context.func.name = UserFuncName::user(0, func_id.as_u32());
        let mut builder = FunctionBuilder::new(&mut self.context.func, &mut self.builder_context);
        let helpers = HelperRefs {
            mul_scaled: self.module.declare_func_in_func(self.helpers.mul_scaled, builder.func),
            div_scaled: self.module.declare_func_in_func(self.helpers.div_scaled, builder.func),
            years_between: self.module.declare_func_in_func(self.helpers.years_between, builder.func),
            text_eq: self.module.declare_func_in_func(self.helpers.text_eq, builder.func),
            scale: self.module.declare_func_in_func(self.helpers.scale, builder.func),
            county_scale: self.module.declare_func_in_func(self.helpers.county_scale, builder.func),
        };
        let entry = builder.create_block();
        builder.append_block_params_for_function_params(entry);
        builder.switch_to_block(entry);
        let params = match builder.block_params(entry) {
            [ctx, start, end] => FunctionParams { ctx: *ctx, start: *start, end: *end },
            _ => return Err(JitError::codegen("function parameters")),
        };
        let mut translator = FunctionTranslator::new(builder, self.program, plan, helpers, params, scales);
        translator.emit_function()?;
        let mut builder = translator.into_builder();
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

    /// Finalizes the module: the code.
    pub(super) fn finish(mut self, entry: FuncId, county_width: usize) -> Result<CompiledCode, JitError> {
        self.module.finalize_definitions().map_err(JitError::codegen)?;
        CompiledCode::new(self.module, entry, county_width).ok_or_else(|| JitError::codegen("entry signature"))
    }
}

/// Declares an imported helper `fn(params) -> ret`.
fn declare_helper(module: &mut JITModule, name: &str, params: &[Type], ret: Type) -> Result<FuncId, JitError> {
    let mut signature = module.make_signature();
    signature.params.extend(params.iter().map(|ty| AbiParam::new(*ty)));
    signature.returns.push(AbiParam::new(ret));
    module.declare_function(name, Linkage::Import, &signature).map_err(JitError::codegen)
}
