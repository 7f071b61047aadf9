//! The kiosk.toml file as serde sees it: every section with `deny_unknown_fields` and the built-in
//! defaults, so an empty file means "all defaults". Nothing outside `config` reads these types: they are
//! turned into [`super::KioskConfig`] once, with every value checked.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    pub kiosk: RawKiosk,
    pub camera: RawCamera,
    pub capture: RawCapture,
    pub checks: crate::core::checks::CheckThresholds,
    pub profiles: BTreeMap<String, RawProfile>,
    pub storage: RawStorage,
    pub print: RawPrint,
    pub export: RawExport,
    pub staff: RawStaff,
    pub privacy: RawPrivacy,
    pub ui: RawUi,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawKiosk {
    pub booth_id: String,
    pub fullscreen: bool,
    pub idle_timeout_secs: u32,
    pub done_return_secs: u32,
    pub out_of_service: bool,
}

impl Default for RawKiosk {
    fn default() -> Self {
        Self {
            booth_id: "booth-1".into(),
            fullscreen: true,
            idle_timeout_secs: 90,
            done_return_secs: 20,
            out_of_service: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawCamera {
    pub source: String,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub format: String,
    pub mirror_preview: bool,
    pub watchdog_ms: u32,
    pub reconnect_initial_ms: u32,
    pub reconnect_max_ms: u32,
    pub still_highest_mode: bool,
    pub settle_ms: u32,
    pub discard_frames: u32,
}

impl Default for RawCamera {
    fn default() -> Self {
        Self {
            source: "auto".into(),
            width: 1280,
            height: 720,
            fps: 30,
            format: "mjpeg".into(),
            mirror_preview: true,
            watchdog_ms: 2000,
            reconnect_initial_ms: 250,
            reconnect_max_ms: 5000,
            still_highest_mode: false,
            settle_ms: 300,
            discard_frames: 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawCapture {
    pub profile: String,
    pub background: String,
    pub countdown_secs: u32,
    pub auto_shutter: bool,
    pub auto_shutter_hold_ms: u32,
    pub hint_hold_ms: u32,
    pub live_check_hz: u32,
    pub max_retakes: u32,
}

impl Default for RawCapture {
    fn default() -> Self {
        Self {
            profile: "campus_card".into(),
            background: String::new(),
            countdown_secs: 3,
            auto_shutter: true,
            auto_shutter_hold_ms: 1000,
            hint_hold_ms: 500,
            live_check_hz: 10,
            max_retakes: 3,
        }
    }
}

/// One `[profiles.NAME]` table: every key optional; missing keys come from the built-in profile of the
/// same name, or from `base`.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RawProfile {
    pub base: Option<String>,
    pub title_zh: Option<String>,
    pub title_en: Option<String>,
    pub width_px: Option<u32>,
    pub height_px: Option<u32>,
    pub dpi: Option<u32>,
    pub format: Option<String>,
    pub background: Option<String>,
    pub background_choices: Option<Vec<String>>,
    pub replace_background: Option<bool>,
    pub jpeg_quality_min: Option<u8>,
    pub jpeg_quality_max: Option<u8>,
    pub bytes: Option<Vec<u64>>,
    pub head_height_frac: Option<Vec<f32>>,
    pub crown_from_top_px: Option<Vec<f32>>,
    pub eye_line_from_top_px: Option<Vec<f32>>,
    pub eye_line_from_bottom_px: Option<Vec<f32>>,
    pub eye_line_from_bottom_frac: Option<Vec<f32>>,
    pub face_width_px: Option<Vec<f32>>,
    pub center_tolerance_frac: Option<f32>,
    pub allow_rotation: Option<bool>,
    pub max_roll_deg: Option<f32>,
    pub max_yaw_deg: Option<f32>,
    pub max_pitch_deg: Option<f32>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawStorage {
    pub data_dir: String,
    pub database_file: String,
    pub keep_originals_days: u32,
}

impl Default for RawStorage {
    fn default() -> Self {
        Self {
            data_dir: String::new(),
            database_file: "idbooth.sqlite3".into(),
            keep_originals_days: 30,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawPrint {
    pub printer: String,
    pub layout: String,
    pub caption: bool,
    pub copies_per_record: u32,
    pub retries: u32,
    pub retry_delay_secs: u32,
    pub job_timeout_secs: u32,
}

impl Default for RawPrint {
    fn default() -> Self {
        Self {
            printer: String::new(),
            layout: "six_inch".into(),
            caption: true,
            copies_per_record: 2,
            retries: 2,
            retry_delay_secs: 5,
            job_timeout_secs: 120,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawExport {
    pub file_name: String,
    pub zip: bool,
}

impl Default for RawExport {
    fn default() -> Self {
        Self {
            file_name: "{student_no}.jpg".into(),
            zip: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawStaff {
    pub pin_attempts: u32,
    pub lockout_secs: u32,
    pub corner_hold_ms: u32,
    pub student_no_min_len: u32,
    pub student_no_max_len: u32,
    pub student_no_digits_only: bool,
    /// In key order: the staff station's keys 1–9 pick the first nine.
    pub reasons: Vec<RawReason>,
}

impl Default for RawStaff {
    fn default() -> Self {
        Self {
            pin_attempts: 5,
            lockout_secs: 300,
            corner_hold_ms: 3000,
            student_no_min_len: 6,
            student_no_max_len: 20,
            student_no_digits_only: false,
            reasons: default_reasons(),
        }
    }
}

/// A rejection reason a reviewer can pick: the check codes plus `other`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReason {
    pub code: String,
    pub zh: String,
    pub en: String,
}

fn reason(code: &str, zh: &str, en: &str) -> RawReason {
    RawReason {
        code: code.into(),
        zh: zh.into(),
        en: en.into(),
    }
}

/// The built-in rejection reasons, in the shipped kiosk.toml's order (= the staff station's key order:
/// what a reviewer sees that the automatic checks may let through comes first, `other` is key 9).
pub fn default_reasons() -> Vec<RawReason> {
    vec![
        reason(
            "hair_over_eyes",
            "头发遮挡眉毛或眼睛",
            "Hair covers eyebrows or eyes",
        ),
        reason("glasses_glare", "眼镜反光", "Glare on glasses"),
        reason("head_covering", "佩戴帽子或头饰", "Head covering"),
        reason("eyes_closed", "眼睛未睁开", "Eyes closed"),
        reason(
            "uneven_lighting",
            "面部光线不均（阴阳脸）",
            "Uneven light on the face",
        ),
        reason("busy_background", "背景不纯", "Background not plain"),
        reason(
            "low_contrast_clothing",
            "衣服颜色与背景太接近",
            "Clothes too close to the background colour",
        ),
        reason("blurry", "照片模糊", "Photo blurred"),
        reason("other", "其他原因（见备注）", "Other (see note)"),
        reason("head_tilted", "头部歪斜", "Head tilted"),
        reason("head_turned", "头部偏转，未正对镜头", "Head turned away"),
        reason("head_pitched", "低头或仰头", "Head tipped up or down"),
        reason("mouth_open", "嘴巴张开", "Mouth open"),
        reason("tinted_glasses", "佩戴有色眼镜", "Tinted glasses"),
        reason("underexposed", "照片过暗", "Too dark"),
        reason("overexposed", "照片过亮", "Too bright"),
        reason("color_cast", "肤色失真（偏色）", "Unnatural colour cast"),
        reason("grayscale", "需要彩色照片", "Colour photo required"),
        reason(
            "face_cut_off",
            "头部或肩部不完整",
            "Head or shoulders cut off",
        ),
        reason("low_resolution", "照片分辨率过低", "Resolution too low"),
        reason("multiple_faces", "照片中有多人", "More than one person"),
        reason("no_face", "未检测到人脸", "No face found"),
    ]
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawPrivacy {
    pub notice_version: String,
    pub notice_zh: String,
    pub notice_en: String,
    pub keep_records_days: u32,
}

impl Default for RawPrivacy {
    fn default() -> Self {
        Self {
            notice_version: "2026-09".into(),
            notice_zh: DEFAULT_NOTICE_ZH.into(),
            notice_en: DEFAULT_NOTICE_EN.into(),
            keep_records_days: 365,
        }
    }
}

pub const DEFAULT_NOTICE_ZH: &str = "本机拍摄的照片仅用于校园卡及学历证书图像采集。我们保存：学号、姓名、原始照片（30 天后删除）、标准照片及审核记录（保存 365 天）。只有校园卡服务中心工作人员可以查看。照片不会上传到互联网。";
pub const DEFAULT_NOTICE_EN: &str = "Photos taken here are used only for your campus card and graduation image. We keep your student number, name, the original capture (deleted after 30 days), the standardized photo and review history (kept 365 days). Only campus-card centre staff can see them. Nothing is uploaded to the internet.";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawUi {
    pub language: String,
    pub scale: f32,
    pub show_second_language: bool,
}

impl Default for RawUi {
    fn default() -> Self {
        Self {
            language: "zh".into(),
            scale: 1.0,
            show_second_language: true,
        }
    }
}
