//! One pass for each PReLU of the face mesh. tract's ONNX importer expands `PRelu` into three
//! element-wise ops (`0 > x`, `x · slope`, a select of the two), each a full pass over the tensor through
//! generic ndarray iteration; the mesh has 23 of them, about a fifth of its run time. This op computes
//! the same select with the same single multiplication in one pass over the tensor it is handed, so
//! the outputs are bit-identical (a test compares the whole mesh with and without it).
//!
//! Owns only that op and the swap of the three-op pattern in an optimised model; anything that does
//! not match the pattern exactly is left to tract.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::{EvalContext, EvalOp, Op, StaticName, ensure, format_err};
use tract_onnx::tract_core::ops::logic::Iff;
use tract_onnx::tract_core::{as_op, op_as_typed_op, op_out_of_plan};

/// Replaces every `Iff(0 > x, x · slope, x)` of `model` (f32, rank 4, one slope per channel of axis 1)
/// with [`ChannelPrelu`], then drops the comparisons and products nothing reads any more. Returns how
/// many were replaced.
pub(crate) fn fuse_prelus(model: &mut TypedModel) -> TractResult<usize> {
    let mut fused = 0;
    // One at a time, compacting in between: a PReLU whose input is another PReLU's output then sees
    // the fused node, never the replaced one.
    while let Some((id, (input, op))) = first_prelu(model)? {
        let patch = TypedModelPatch::replace_single_op(model, &model.nodes[id], &[input], op)?;
        patch.apply(model)?;
        model.compact()?;
        fused += 1;
    }
    Ok(fused)
}

/// The first node of `model` that is a PReLU's select, with its input and the fused op.
fn first_prelu(model: &TypedModel) -> TractResult<Option<(usize, (OutletId, ChannelPrelu))>> {
    for node in &model.nodes {
        if let Some(prelu) = prelu_pattern(model, node)? {
            return Ok(Some((node.id, prelu)));
        }
    }
    Ok(None)
}

/// The input and the fused op of `node` if it is the select of a PReLU as tract's importer writes it.
fn prelu_pattern(
    model: &TypedModel,
    node: &TypedNode,
) -> TractResult<Option<(OutletId, ChannelPrelu)>> {
    if node.op_as::<Iff>().is_none() {
        return Ok(None);
    }
    let &[test, product, input] = node.inputs.as_slice() else {
        return Ok(None);
    };
    let (test_node, product_node) = (&model.nodes[test.node], &model.nodes[product.node]);
    // The comparison and the product are matched by the names tract gives them: `GT` (a > b) and the
    // per-channel `Mul` it optimises to `OptMulByScalar`.
    if test_node.op.name() != "GT" || product_node.op.name() != "OptMulByScalar" {
        return Ok(None);
    }
    let &[zero, compared] = test_node.inputs.as_slice() else {
        return Ok(None);
    };
    let &[multiplied, slope] = product_node.inputs.as_slice() else {
        return Ok(None);
    };
    if compared != input || multiplied != input {
        return Ok(None);
    }
    let fact = model.outlet_fact(input)?;
    let Some(shape) = fact.shape.as_concrete() else {
        return Ok(None);
    };
    if fact.datum_type != f32::datum_type() || shape.len() != 4 {
        return Ok(None);
    }
    let channels = shape[1];
    let (Some(zero), Some(slope)) = (
        model.outlet_fact(zero)?.konst.clone(),
        model.outlet_fact(slope)?.konst.clone(),
    ) else {
        return Ok(None);
    };
    if zero.datum_type() != f32::datum_type()
        || zero.len() != 1
        || zero.try_as_plain_ram()?.as_slice::<f32>()?.first() != Some(&0.0)
        || slope.datum_type() != f32::datum_type()
        || slope.shape() != [1, channels, 1, 1]
    {
        return Ok(None);
    }
    let slopes = slope.try_as_plain_ram()?.as_slice::<f32>()?.to_vec();
    Ok(Some((input, ChannelPrelu { slopes })))
}

/// `if 0 > x { x · slope[c] } else { x }` on an f32 NCHW tensor, one slope per channel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChannelPrelu {
    slopes: Vec<f32>,
}

impl Eq for ChannelPrelu {}

impl std::hash::Hash for ChannelPrelu {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for slope in &self.slopes {
            slope.to_bits().hash(state);
        }
    }
}

impl Op for ChannelPrelu {
    fn name(&self) -> StaticName {
        "ChannelPrelu".into()
    }

    op_as_typed_op!();
}

impl EvalOp for ChannelPrelu {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, mut inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        ensure!(inputs.len() == 1, "ChannelPrelu takes one input");
        // The plan hands over the last reference when nothing else reads the input: no copy then.
        let mut tensor = inputs.remove(0).into_tensor();
        let shape = tensor.shape().to_vec();
        ensure!(
            shape.len() == 4 && shape[1] == self.slopes.len(),
            "ChannelPrelu expects NCHW with {} channels, got {shape:?}",
            self.slopes.len()
        );
        let plane = shape[2] * shape[3];
        let mut values = tensor.try_as_plain_ram_mut()?;
        let values = values.as_slice_mut::<f32>()?;
        if plane > 0 {
            for (index, plane_values) in values.chunks_exact_mut(plane).enumerate() {
                let slope = self.slopes[index % self.slopes.len()];
                // A select, not a branch: the signs are random, and the loop vectorises.
                for value in plane_values {
                    let v = *value;
                    *value = if 0.0 > v { v * slope } else { v };
                }
            }
        }
        Ok(tvec!(tensor.into_tvalue()))
    }
}

impl TypedOp for ChannelPrelu {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let input = inputs
            .first()
            .ok_or_else(|| format_err!("ChannelPrelu takes one input"))?;
        Ok(tvec!(f32::fact(input.shape.clone())))
    }

    as_op!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vision::model::test_models::{optimised, run_bits};

    #[test]
    fn the_meshs_prelus_are_fused_and_its_outputs_are_unchanged() {
        let plain = optimised(super::super::mesh::MODEL_FILE, 192);
        let mut fused = plain.clone();
        assert_eq!(fuse_prelus(&mut fused).unwrap(), 23);
        assert_eq!(fuse_prelus(&mut fused).unwrap(), 0, "no pattern left");
        assert!(
            fused.nodes.len() < plain.nodes.len() - 2 * 23,
            "the comparisons and products are gone"
        );
        // The middle of a real portrait, scaled to the mesh input as the mesher feeds it.
        let photo = image::open(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/faces/good_london_003_neutral.jpg"),
        )
        .unwrap()
        .to_rgb8();
        let crop = image::imageops::crop_imm(&photo, 400, 350, 560, 560).to_image();
        let crop = image::imageops::resize(&crop, 192, 192, image::imageops::FilterType::Triangle);
        let values: Vec<f32> = crop
            .as_raw()
            .iter()
            .map(|&v| f32::from(v) / 255.0)
            .collect();
        let input = Tensor::from_shape(&[1, 192, 192, 3], &values).unwrap();
        let expected = run_bits(plain, &input);
        assert!(!expected.is_empty());
        assert_eq!(run_bits(fused, &input), expected);
    }

    #[test]
    fn negative_values_take_their_channels_slope() {
        let op = ChannelPrelu {
            slopes: vec![0.5, -2.0],
        };
        let input =
            Tensor::from_shape(&[1, 2, 1, 3], &[-1.0_f32, 0.0, 3.0, -4.0, -0.0, 2.0]).unwrap();
        let output = op
            .eval(&EvalContext::out_of_plan(), tvec![input.into_tvalue()])
            .unwrap();
        let values = output[0]
            .try_as_plain_ram()
            .unwrap()
            .as_slice::<f32>()
            .unwrap()
            .to_vec();
        assert_eq!(values, [-0.5, 0.0, 3.0, 8.0, 0.0, 2.0]);
    }
}
