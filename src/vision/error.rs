//! The one error type of the `vision` module: every way loading a model, decoding an image or running
//! an analysis can fail, each with the facts an operator needs to act on it.

use std::path::PathBuf;

/// Why vision could not load its models, decode an image or analyse it.
#[derive(Debug, thiserror::Error)]
pub enum VisionError {
    /// No directory holding the three model files was found.
    #[error("no model directory found (looked in: {searched})")]
    ModelsNotFound { searched: String },

    /// A model file is missing, unreadable or not a model tract can run.
    #[error("cannot load model {path}: {reason}")]
    ModelLoad { path: PathBuf, reason: String },

    /// Inference itself failed (a shape mismatch or an internal tract error).
    #[error("{model} inference failed: {reason}")]
    Inference { model: &'static str, reason: String },

    /// A model returned fewer values than its documented output shape.
    #[error("{model} returned {got} values for output {output}, expected {expected}")]
    OutputShape {
        model: &'static str,
        output: usize,
        got: usize,
        expected: usize,
    },

    /// The image file could not be read.
    #[error("cannot read image {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The file or buffer holds no bytes at all.
    #[error("the image file is empty")]
    EmptyFile,

    /// The file is larger than any photo the booth accepts.
    #[error("the image file is {bytes} bytes, more than the {max_bytes}-byte limit")]
    FileTooLarge { bytes: u64, max_bytes: u64 },

    /// The bytes are not in a format the booth decodes (JPEG or PNG).
    #[error("not a JPEG or PNG image")]
    UnsupportedFormat,

    /// The decoder rejected the data (truncated or corrupt file, unsupported variant).
    #[error("cannot decode the image: {reason}")]
    Decode { reason: String },

    /// The image has more pixels than vision accepts.
    #[error("the image is {width}x{height} pixels, more than the {max_megapixels} megapixel limit")]
    ImageTooLarge {
        width: u32,
        height: u32,
        max_megapixels: u32,
    },

    /// The image is too small to hold an analysable face.
    #[error(
        "the image is {width}x{height} pixels; each side must be at least {min_side_px} pixels"
    )]
    ImageTooSmall {
        width: u32,
        height: u32,
        min_side_px: u32,
    },

    /// A requested mask region or output size is empty or absurd.
    #[error("invalid mask request: {reason}")]
    InvalidRegion { reason: String },

    /// A resize could not be performed (buffer sizes disagree: a bug, reported rather than panicking).
    #[error("resize failed: {reason}")]
    Resize { reason: String },
}
