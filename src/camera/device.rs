//! The real camera: nokhwa's V4L2 backend behind [`FrameSource`], device listing and selector
//! resolution.
//!
//! Owns opening the device by index, name or path, converting nokhwa's formats to [`CameraMode`],
//! running negotiation against the device (each refusal kept for diagnostics), decoding frames, and
//! the still-mode switch. Must be used on a single thread: nokhwa's `Camera` is not `Send`.
//! Selector resolution and error classification are pure and unit-tested; the rest needs hardware.

use image::RgbImage;
use nokhwa::Camera;
use nokhwa::utils::{CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType};

use super::CameraError;
use super::decode::decode_frame;
use super::device_list::{DeviceInfo, classify_device_error, list_devices, resolve_selector};
use super::mode::{CameraMode, ModeRequest, PixelFormat, negotiate, still_mode};
use super::settings::DeviceSelector;
use super::source::{FrameSource, SourceInfo, SourceKind, StillImage, StillRequest};

/// Every format `decode` handles, offered to nokhwa as acceptable.
const DECODABLE: [FrameFormat; 6] = [
    FrameFormat::MJPEG,
    FrameFormat::YUYV,
    FrameFormat::NV12,
    FrameFormat::GRAY,
    FrameFormat::RAWRGB,
    FrameFormat::RAWBGR,
];

/// A burst of corrupt MJPEG frames (USB bandwidth trouble) is skipped; this many in a row (one second
/// at 30 fps) ends the session so the worker reconnects.
const MAX_CONSECUTIVE_DECODE_ERRORS: u32 = 30;

pub fn pixel_format_of(format: FrameFormat) -> PixelFormat {
    match format {
        FrameFormat::MJPEG => PixelFormat::Mjpeg,
        FrameFormat::YUYV => PixelFormat::Yuyv,
        FrameFormat::NV12 => PixelFormat::Nv12,
        FrameFormat::GRAY => PixelFormat::Gray,
        FrameFormat::RAWRGB => PixelFormat::Rgb,
        FrameFormat::RAWBGR => PixelFormat::Bgr,
    }
}

pub fn frame_format_of(format: PixelFormat) -> FrameFormat {
    match format {
        PixelFormat::Mjpeg => FrameFormat::MJPEG,
        PixelFormat::Yuyv => FrameFormat::YUYV,
        PixelFormat::Nv12 => FrameFormat::NV12,
        PixelFormat::Gray => FrameFormat::GRAY,
        PixelFormat::Rgb => FrameFormat::RAWRGB,
        PixelFormat::Bgr => FrameFormat::RAWBGR,
    }
}

fn mode_of(format: &CameraFormat) -> CameraMode {
    CameraMode::new(
        format.width(),
        format.height(),
        format.frame_rate(),
        pixel_format_of(format.format()),
    )
}

fn format_of(mode: &CameraMode) -> CameraFormat {
    CameraFormat::new_from(
        mode.width,
        mode.height,
        frame_format_of(mode.format),
        mode.fps,
    )
}

/// Which device a [`DeviceSource`] opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceTarget {
    /// The one the configuration names.
    Selected(DeviceSelector),
    /// The first listed device (in index order) that opens with a usable mode (`auto`).
    AnyCamera,
}

/// A V4L2 camera through nokhwa.
pub struct DeviceSource {
    target: DeviceTarget,
    request: ModeRequest,
    camera: Option<Camera>,
    offered: Vec<CameraMode>,
    mode: Option<CameraMode>,
    consecutive_decode_errors: u32,
}

impl DeviceSource {
    pub fn new(target: DeviceTarget, request: ModeRequest) -> Self {
        Self {
            target,
            request,
            camera: None,
            offered: Vec::new(),
            mode: None,
            consecutive_decode_errors: 0,
        }
    }

    fn candidate_indices(&self, devices: &[DeviceInfo]) -> Result<Vec<u32>, CameraError> {
        match &self.target {
            DeviceTarget::Selected(selector) => {
                resolve_selector(selector, devices, |p| std::fs::canonicalize(p).ok())
                    .map(|i| vec![i])
            }
            DeviceTarget::AnyCamera => {
                let mut indices: Vec<u32> = devices.iter().filter_map(|d| d.index).collect();
                indices.sort_unstable();
                if indices.is_empty() {
                    Err(CameraError::NoDevice)
                } else {
                    Ok(indices)
                }
            }
        }
    }

    /// Opens device `index` in whatever decodable mode it starts in; if it refuses that, in the mode
    /// closest to the request.
    fn open_camera(&self, index: u32) -> Result<Camera, CameraError> {
        let any_decodable = RequestedFormat::with_formats(RequestedFormatType::None, &DECODABLE);
        Camera::new(CameraIndex::Index(index), any_decodable)
            .or_else(|first_error| {
                let wanted = CameraMode::new(
                    self.request.width,
                    self.request.height,
                    self.request.fps,
                    self.request
                        .formats
                        .first()
                        .copied()
                        .unwrap_or(PixelFormat::Mjpeg),
                );
                let closest = RequestedFormat::with_formats(
                    RequestedFormatType::Closest(format_of(&wanted)),
                    &DECODABLE,
                );
                Camera::new(CameraIndex::Index(index), closest).map_err(|_| first_error)
            })
            .map_err(|e| classify_device_error(&e.to_string()))
    }

    /// Opens device `index` and negotiates its preview mode.
    fn open_index(
        &mut self,
        index: u32,
        devices: &[DeviceInfo],
    ) -> Result<SourceInfo, CameraError> {
        let mut camera = self.open_camera(index)?;
        let mut offered: Vec<CameraMode> = match camera.compatible_camera_formats() {
            Ok(formats) => formats.iter().map(mode_of).collect(),
            Err(e) => {
                tracing::warn!(index, error = %e, "camera does not list its formats; trying its current one");
                Vec::new()
            }
        };
        if offered.is_empty() {
            offered.push(mode_of(&camera.camera_format()));
        }
        let negotiation = negotiate(&offered, &self.request, |mode| try_mode(&mut camera, mode))?;
        let name = camera.info().human_name();
        tracing::info!(
            camera = %name, index, mode = %negotiation.chosen, refused = negotiation.refused.len(),
            "camera mode negotiated"
        );
        self.offered = offered;
        self.mode = Some(negotiation.chosen);
        self.camera = Some(camera);
        self.consecutive_decode_errors = 0;
        Ok(SourceInfo {
            kind: SourceKind::Device,
            name: format!("{name} (/dev/video{index})"),
            mode: negotiation.chosen,
            demo: false,
            negotiation: Some(negotiation),
            devices: devices.to_vec(),
        })
    }

    /// Reads one raw frame from the device and drops it undecoded (MJPEG is only counted; YUYV/NV12 are
    /// not converted): the stream keeps running and the watchdog keeps seeing frames.
    fn grab_raw(&mut self) -> Result<(), CameraError> {
        let camera = self
            .camera
            .as_mut()
            .ok_or_else(|| CameraError::Device("camera not open".to_owned()))?;
        camera
            .frame_raw()
            .map(drop)
            .map_err(|e| classify_device_error(&e.to_string()))
    }

    fn grab(&mut self) -> Result<RgbImage, CameraError> {
        let camera = self
            .camera
            .as_mut()
            .ok_or_else(|| CameraError::Device("camera not open".to_owned()))?;
        let buffer = camera
            .frame()
            .map_err(|e| classify_device_error(&e.to_string()))?;
        let resolution = buffer.resolution();
        let format = pixel_format_of(buffer.source_frame_format());
        decode_frame(
            format,
            resolution.width(),
            resolution.height(),
            buffer.buffer(),
        )
    }

    /// Switches the stream to `mode` and throws away `discard` frames.
    fn switch_to(&mut self, mode: &CameraMode, discard: u32) -> Result<(), CameraError> {
        let camera = self
            .camera
            .as_mut()
            .ok_or_else(|| CameraError::Device("camera not open".to_owned()))?;
        let device_error = |e: nokhwa::NokhwaError| classify_device_error(&e.to_string());
        camera.stop_stream().map_err(device_error)?;
        camera
            .set_camera_requset(RequestedFormat::with_formats(
                RequestedFormatType::Exact(format_of(mode)),
                &DECODABLE,
            ))
            .map_err(device_error)?;
        camera.open_stream().map_err(device_error)?;
        for _ in 0..discard {
            camera.frame().map_err(device_error)?;
        }
        Ok(())
    }

    fn still_in_mode(
        &mut self,
        still: &CameraMode,
        preview: &CameraMode,
        discard: u32,
    ) -> Result<StillImage, CameraError> {
        let taken = self.switch_to(still, discard).and_then(|()| self.grab());
        if let Err(e) = self.switch_to(preview, 0) {
            tracing::warn!(error = %e, "could not return to the preview mode after a still");
            return Err(e);
        }
        match taken {
            Ok(image) => Ok(StillImage {
                image,
                mode: *still,
            }),
            // The larger mode failed but the preview works: a preview-size still beats none.
            Err(e) => {
                tracing::warn!(error = %e, mode = %still, "still mode failed; using the preview mode");
                self.next_frame().map(|image| StillImage {
                    image,
                    mode: *preview,
                })
            }
        }
    }
}

/// One negotiation trial: set the mode, start the stream, decode a first frame.
fn try_mode(camera: &mut Camera, mode: &CameraMode) -> Result<(), String> {
    let exact =
        RequestedFormat::with_formats(RequestedFormatType::Exact(format_of(mode)), &DECODABLE);
    let attempt = camera
        .set_camera_requset(exact)
        .and_then(|_| camera.open_stream())
        .and_then(|()| camera.frame())
        .map_err(|e| e.to_string())
        .and_then(|buffer| {
            let resolution = buffer.resolution();
            decode_frame(
                mode.format,
                resolution.width(),
                resolution.height(),
                buffer.buffer(),
            )
            .map(|_| ())
            .map_err(|e| e.to_string())
        });
    if attempt.is_err() {
        let _ = camera.stop_stream();
    }
    attempt
}

impl FrameSource for DeviceSource {
    fn open(&mut self) -> Result<SourceInfo, CameraError> {
        let devices = list_devices()?;
        let indices = self.candidate_indices(&devices)?;
        let mut last_error = CameraError::NoDevice;
        for index in indices {
            match self.open_index(index, &devices) {
                Ok(info) => return Ok(info),
                Err(e) => {
                    tracing::debug!(index, error = %e, "camera node not usable");
                    last_error = e;
                }
            }
        }
        Err(last_error)
    }

    fn next_frame(&mut self) -> Result<RgbImage, CameraError> {
        loop {
            match self.grab() {
                Ok(image) => {
                    self.consecutive_decode_errors = 0;
                    return Ok(image);
                }
                Err(CameraError::Decode(reason)) => {
                    self.consecutive_decode_errors += 1;
                    if self.consecutive_decode_errors == 1 {
                        tracing::warn!(%reason, "skipping a corrupt camera frame");
                    }
                    if self.consecutive_decode_errors >= MAX_CONSECUTIVE_DECODE_ERRORS {
                        return Err(CameraError::Decode(format!(
                            "{MAX_CONSECUTIVE_DECODE_ERRORS} corrupt frames in a row, last: {reason}"
                        )));
                    }
                }
                Err(other) => return Err(other),
            }
        }
    }

    fn skip_frame(&mut self) -> Result<(), CameraError> {
        self.grab_raw()
    }

    fn still(&mut self, request: &StillRequest) -> Result<StillImage, CameraError> {
        let preview = self
            .mode
            .ok_or_else(|| CameraError::Device("camera not open".to_owned()))?;
        let larger = if request.highest_mode {
            still_mode(&self.offered, &self.request, &preview)
        } else {
            None
        };
        match larger {
            Some(still) => self.still_in_mode(&still, &preview, request.discard_frames),
            None => self.next_frame().map(|image| StillImage {
                image,
                mode: preview,
            }),
        }
    }

    fn close(&mut self) {
        if let Some(mut camera) = self.camera.take()
            && let Err(e) = camera.stop_stream()
        {
            tracing::warn!(error = %e, "camera stream did not stop cleanly");
        }
        self.mode = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_without_a_camera_is_a_clear_error_not_a_panic() {
        if !list_devices().is_ok_and(|d| d.is_empty()) {
            return; // a machine with cameras: nothing to check here
        }
        let request = ModeRequest {
            width: 1280,
            height: 720,
            fps: 30,
            formats: vec![PixelFormat::Mjpeg],
        };
        for target in [
            DeviceTarget::AnyCamera,
            DeviceTarget::Selected(DeviceSelector::Index(0)),
        ] {
            let mut source = DeviceSource::new(target, request.clone());
            assert!(matches!(source.open(), Err(CameraError::NoDevice)));
            assert!(source.next_frame().is_err());
            source.close();
        }
    }

    #[test]
    fn formats_convert_both_ways() {
        for format in DECODABLE {
            assert_eq!(frame_format_of(pixel_format_of(format)), format);
        }
        let mode = CameraMode::new(1280, 720, 30, PixelFormat::Mjpeg);
        assert_eq!(mode_of(&format_of(&mode)), mode);
    }
}
