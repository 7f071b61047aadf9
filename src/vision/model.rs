//! One ONNX model on tract: parsed, typed and optimised once at load (with two direct kernels swapped
//! in, see `upsample_op` and `prelu_op`), then run any number of times
//! with one reusable run state and one reusable NHWC input tensor. Knows nothing of faces or images.

use std::path::Path;
use std::sync::Arc;

use tract_onnx::prelude::*;

use super::VisionError;

/// A loaded model with its single float input of a fixed NHWC shape.
pub(crate) struct OnnxModel {
    name: &'static str,
    state: TypedSimpleState,
    input: Arc<Tensor>,
}

impl std::fmt::Debug for OnnxModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxModel")
            .field("name", &self.name)
            .field("input_shape", &self.input.shape())
            .finish_non_exhaustive()
    }
}

impl OnnxModel {
    /// Loads `path`, fixes its input to `input_shape` (f32) and builds the optimised plan.
    pub fn load(
        path: &Path,
        name: &'static str,
        input_shape: [usize; 4],
    ) -> Result<Self, VisionError> {
        let load_error = |error: TractError| VisionError::ModelLoad {
            path: path.to_path_buf(),
            reason: format!("{error:#}"),
        };
        if !path.is_file() {
            return Err(VisionError::ModelLoad {
                path: path.to_path_buf(),
                reason: "file not found".to_owned(),
            });
        }
        let plan = tract_onnx::onnx()
            .model_for_path(path)
            .and_then(|model| model.with_input_fact(0, f32::fact(input_shape).into()))
            .and_then(tract_onnx::prelude::InferenceModelExt::into_optimized)
            .and_then(|mut model| {
                // Direct kernels for two patterns tract runs generically (same outputs, bit for bit).
                let replaced = super::upsample_op::replace_resizes(&mut model)?;
                let fused = super::prelu_op::fuse_prelus(&mut model)?;
                tracing::debug!(
                    model = name,
                    replaced,
                    fused,
                    "2x upsamplings and PReLUs swapped"
                );
                Ok(model)
            })
            .and_then(IntoRunnable::into_runnable)
            .map_err(load_error)?;
        let state = plan.spawn().map_err(load_error)?;
        let input = Arc::new(Tensor::zero::<f32>(&input_shape).map_err(load_error)?);
        Ok(Self { name, state, input })
    }

    /// The input buffer, row-major NHWC, to be filled before [`OnnxModel::run`].
    pub fn input_mut(&mut self) -> Result<&mut [f32], VisionError> {
        let name = self.name;
        // After a run the plan has released its reference, so this does not copy.
        Arc::make_mut(&mut self.input)
            .to_plain_array_view_mut::<f32>()
            .ok()
            .and_then(tract_ndarray::ArrayBase::into_slice)
            .ok_or(VisionError::Inference {
                model: name,
                reason: "input tensor is not a contiguous f32 buffer".to_owned(),
            })
    }

    /// Runs the model on the current input and returns its outputs.
    pub fn run(&mut self) -> Result<ModelOutputs, VisionError> {
        let input = TValue::from_const(Arc::clone(&self.input));
        let values = self
            .state
            .run(tvec![input])
            .map_err(|error| VisionError::Inference {
                model: self.name,
                reason: format!("{error:#}"),
            })?;
        Ok(ModelOutputs {
            model: self.name,
            values,
        })
    }
}

/// The outputs of one run, read as flat f32 slices.
pub(crate) struct ModelOutputs {
    model: &'static str,
    values: TVec<TValue>,
}

impl ModelOutputs {
    /// Output `index` as a flat slice, checked to hold at least `expected_len` values.
    pub fn slice(&self, index: usize, expected_len: usize) -> Result<&[f32], VisionError> {
        let shape_error = |got| VisionError::OutputShape {
            model: self.model,
            output: index,
            got,
            expected: expected_len,
        };
        let value = self.values.get(index).ok_or_else(|| shape_error(0))?;
        let values = value
            .to_plain_array_view::<f32>()
            .ok()
            .and_then(|view| view.to_slice())
            .ok_or_else(|| shape_error(0))?;
        if values.len() < expected_len {
            return Err(shape_error(values.len()));
        }
        Ok(&values[..expected_len])
    }
}

/// Helpers for the tests of the kernels swapped into the models at load.
#[cfg(test)]
pub(crate) mod test_models {
    use super::{Tensor, TypedModel};
    use tract_onnx::prelude::*;

    /// Model `file` of `assets/models` with a `side` x `side` RGB input, optimised by tract and
    /// nothing swapped yet.
    pub fn optimised(file: &str, side: usize) -> TypedModel {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/models")
            .join(file);
        tract_onnx::onnx()
            .model_for_path(path)
            .and_then(|model| model.with_input_fact(0, f32::fact([1, side, side, 3]).into()))
            .and_then(tract_onnx::prelude::InferenceModelExt::into_optimized)
            .unwrap()
    }

    /// The f32 values of `tensor` as bits, for exact comparison.
    pub fn bits(tensor: &Tensor) -> Vec<u32> {
        tensor
            .try_as_plain_ram()
            .unwrap()
            .as_slice::<f32>()
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect()
    }

    /// Every output of `model` on `input`, as bits.
    pub fn run_bits(model: TypedModel, input: &Tensor) -> Vec<Vec<u32>> {
        model
            .into_runnable()
            .unwrap()
            .run(tvec![input.clone().into_tvalue()])
            .unwrap()
            .iter()
            .map(|output| bits(output))
            .collect()
    }
}
