//! Which cameras are connected and which one the configuration means: device listing (nokhwa
//! query), selector resolution by index, name or path (following `/dev/v4l/by-id` links, which survive
//! re-plugging), and sorting driver errors into busy / unplugged / other.
//!
//! Resolution and classification are pure and unit-tested; only `list_devices` and the link lookup in
//! `device` touch the system. Must not open devices.

use std::path::{Path, PathBuf};

use nokhwa::utils::ApiBackend;

use super::CameraError;
use super::settings::DeviceSelector;

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
    fn video_nodes_have_an_index() {
        assert_eq!(video_index_of(Path::new("/dev/video12")), Some(12));
        assert_eq!(video_index_of(Path::new("/dev/media0")), None);
    }

    #[test]
    fn listing_cameras_on_this_machine_does_not_fail() {
        // No camera can exist in CI; the listing must still work (and the auto source then uses the demo).
        assert!(list_devices().is_ok());
    }
}
