//! The real camera: nokhwa's V4L2 backend behind [`FrameSource`], device listing and selector
//! resolution.
//!
//! Owns opening the device by index, name or path, converting nokhwa's formats to [`CameraMode`],
//! running negotiation against the device (each refusal kept for diagnostics), decoding frames, and
//! the still-mode switch. Must be used on a single thread: nokhwa's `Camera` is not `Send`.
//! Selector resolution and error classification are pure and unit-tested; the rest needs hardware.

use std::path::{Path, PathBuf};

use image::RgbImage;
use nokhwa::Camera;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
};

use super::CameraError;
use super::decode::decode_frame;
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

/// V4L device nodes are `/dev/video<N>`.
const V4L_NODE_PREFIX: &str = "/dev/video";

/// A connected camera as the OS lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// V4L index (`/dev/video<index>`), when the backend gives one.
    pub index: Option<u32>,
    pub name: String,
    pub description: String,
    pub misc: String,
}

/// Lists connected cameras (on this backend: every V4L node).
pub fn list_devices() -> Result<Vec<DeviceInfo>, CameraError> {
    let found = nokhwa::query(ApiBackend::Auto).map_err(|e| CameraError::Device(e.to_string()))?;
    Ok(found
        .into_iter()
        .map(|info| DeviceInfo {
            index: info.index().as_index().ok(),
            name: info.human_name(),
            description: info.description().to_owned(),
            misc: info.misc(),
        })
        .collect())
}

/// The V4L index of `/dev/video<N>` (after following links such as `/dev/v4l/by-id/...`).
pub fn video_index_of(node: &Path) -> Option<u32> {
    node.to_str()?.strip_prefix(V4L_NODE_PREFIX)?.parse().ok()
}

fn describe_devices(devices: &[DeviceInfo]) -> String {
    if devices.is_empty() {
        return "none".to_owned();
    }
    let names: Vec<String> = devices
        .iter()
        .map(|d| match d.index {
            Some(index) => format!("{index}: {}", d.name),
            None => d.name.clone(),
        })
        .collect();
    names.join(", ")
}

/// Picks the device index `selector` names among `devices`. `canonicalize` follows path links (the
/// file system in production, a table in tests).
pub fn resolve_selector(
    selector: &DeviceSelector,
    devices: &[DeviceInfo],
    canonicalize: impl Fn(&Path) -> Option<PathBuf>,
) -> Result<u32, CameraError> {
    if devices.is_empty() {
        return Err(CameraError::NoDevice);
    }
    let not_found = || CameraError::DeviceNotFound {
        selector: selector.to_string(),
        available: describe_devices(devices),
    };
    let listed = |index: u32| devices.iter().any(|d| d.index == Some(index));
    match selector {
        DeviceSelector::Index(index) => listed(*index).then_some(*index).ok_or_else(not_found),
        DeviceSelector::Path(path) => canonicalize(path)
            .as_deref()
            .and_then(video_index_of)
            .filter(|index| listed(*index))
            .ok_or_else(not_found),
        DeviceSelector::Name(name) => {
            let wanted = name.to_lowercase();
            let by_index = |a: &&DeviceInfo, b: &&DeviceInfo| a.index.cmp(&b.index);
            let exact = devices
                .iter()
                .filter(|d| d.name.to_lowercase() == wanted)
                .min_by(by_index);
            let partial = || {
                devices
                    .iter()
                    .filter(|d| d.name.to_lowercase().contains(&wanted))
                    .min_by(by_index)
            };
            exact
                .or_else(partial)
                .and_then(|d| d.index)
                .ok_or_else(not_found)
        }
    }
}

/// Sorts a driver error into what the worker can act on: busy (someone else holds the device), gone
/// (unplugged) or another device error.
pub fn classify_device_error(text: &str) -> CameraError {
    let lower = text.to_lowercase();
    if lower.contains("busy") {
        CameraError::Busy(text.to_owned())
    } else if lower.contains("no such device") || lower.contains("no such file") {
        CameraError::Disconnected(text.to_owned())
    } else {
        CameraError::Device(text.to_owned())
    }
}

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

    /// Opens device `index` and negotiates its preview mode.
    fn open_index(
        &mut self,
        index: u32,
        devices: &[DeviceInfo],
    ) -> Result<SourceInfo, CameraError> {
        let any_decodable = RequestedFormat::with_formats(RequestedFormatType::None, &DECODABLE);
        let mut camera = Camera::new(CameraIndex::Index(index), any_decodable)
            .map_err(|e| classify_device_error(&e.to_string()))?;
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
        taken.map(|image| StillImage {
            image,
            mode: *still,
        })
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

    fn device(index: u32, name: &str) -> DeviceInfo {
        DeviceInfo {
            index: Some(index),
            name: name.to_owned(),
            description: String::new(),
            misc: String::new(),
        }
    }

    fn devices() -> Vec<DeviceInfo> {
        vec![
            device(0, "Integrated Camera"),
            device(2, "HD Pro Webcam C920"),
            device(3, "HD Pro Webcam C920"),
        ]
    }

    fn links(path: &Path) -> Option<PathBuf> {
        match path.to_str()? {
            "/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920-video-index0" => {
                Some(PathBuf::from("/dev/video2"))
            }
            other if other.starts_with(V4L_NODE_PREFIX) => Some(path.to_path_buf()),
            _ => None,
        }
    }

    #[test]
    fn selectors_resolve_by_index_name_and_path() {
        let index = |s: &str| {
            DeviceSelector::parse(s)
                .and_then(|sel| resolve_selector(&sel, &devices(), links))
                .ok()
        };
        assert_eq!(index("2"), Some(2));
        assert_eq!(
            index("c920"),
            Some(2),
            "name match is case-insensitive and takes the lowest index"
        );
        assert_eq!(index("Integrated Camera"), Some(0));
        assert_eq!(index("/dev/video3"), Some(3));
        assert_eq!(
            index("/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920-video-index0"),
            Some(2)
        );
    }

    #[test]
    fn missing_devices_name_what_is_connected() {
        let result = resolve_selector(&DeviceSelector::Index(5), &devices(), links);
        let Err(CameraError::DeviceNotFound { available, .. }) = result else {
            panic!("{result:?}")
        };
        assert_eq!(
            available,
            "0: Integrated Camera, 2: HD Pro Webcam C920, 3: HD Pro Webcam C920"
        );
        let unplugged_link =
            DeviceSelector::Path(PathBuf::from("/dev/v4l/by-id/usb-gone-video-index0"));
        assert!(matches!(
            resolve_selector(&unplugged_link, &devices(), links),
            Err(CameraError::DeviceNotFound { .. })
        ));
        assert!(matches!(
            resolve_selector(&DeviceSelector::Index(0), &[], links),
            Err(CameraError::NoDevice)
        ));
    }

    #[test]
    fn driver_errors_are_classified() {
        assert!(matches!(
            classify_device_error("Device or resource busy (os error 16)"),
            CameraError::Busy(_)
        ));
        assert!(matches!(
            classify_device_error("No such device (os error 19)"),
            CameraError::Disconnected(_)
        ));
        assert!(matches!(
            classify_device_error("Invalid argument"),
            CameraError::Device(_)
        ));
    }

    #[test]
    fn formats_convert_both_ways() {
        for format in DECODABLE {
            assert_eq!(frame_format_of(pixel_format_of(format)), format);
        }
        let mode = CameraMode::new(1280, 720, 30, PixelFormat::Mjpeg);
        assert_eq!(mode_of(&format_of(&mode)), mode);
        assert_eq!(video_index_of(Path::new("/dev/video12")), Some(12));
        assert_eq!(video_index_of(Path::new("/dev/media0")), None);
    }

    #[test]
    fn listing_cameras_on_this_machine_does_not_fail() {
        // No camera can exist in CI; the listing must still work (and the auto source then uses the demo).
        assert!(list_devices().is_ok());
    }
}
