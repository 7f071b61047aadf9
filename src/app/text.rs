//! Every sentence the booth shows, in Chinese and English, looked up by key. Screens never hold literal
//! user-facing text.

/// Display language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

impl From<crate::config::Language> for Lang {
    fn from(language: crate::config::Language) -> Self {
        match language {
            crate::config::Language::Zh => Lang::Zh,
            crate::config::Language::En => Lang::En,
        }
    }
}

/// (key, Chinese, English).
const TEXTS: &[(&str, &str, &str)] = &[
    ("attract.title", "自助证件照", "Self-service ID photo"),
    (
        "attract.line1",
        "校园卡、学信网学历图像、身份证规格照片，一次拍好",
        "Campus card, CHSI graduation image and ID-card photos, right first time",
    ),
    (
        "attract.line2",
        "屏幕会提示您调整姿势，合格后自动拍照",
        "The screen guides your pose and takes the photo when everything is right",
    ),
    (
        "attract.line3",
        "拍完即可看到初审结果，工作人员审核后生效",
        "See the pre-check result at once; staff approve it afterwards",
    ),
    ("language.toggle", "English", "中文"),
    (
        "camera.demo",
        "演示摄像头：未连接摄像头",
        "Demo camera: no camera connected",
    ),
    ("camera.starting", "正在打开摄像头…", "Opening the camera…"),
    ("camera.reconnecting", "摄像头重连中", "Reconnecting camera"),
    (
        "camera.failed",
        "摄像头不可用，请联系工作人员",
        "Camera unavailable, please ask staff",
    ),
    (
        "attract.mirror",
        "看看镜头里的自己",
        "This is what the camera sees",
    ),
];

/// The text for `key` in `lang`; the key itself when it is missing (a test keeps that from happening).
pub fn tr(lang: Lang, key: &str) -> &str {
    TEXTS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or(key, |(_, zh, en)| match lang {
            Lang::Zh => zh,
            Lang::En => en,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages_and_keys_are_unique() {
        for (i, (key, zh, en)) in TEXTS.iter().enumerate() {
            assert!(!zh.is_empty() && !en.is_empty(), "{key}");
            assert!(
                TEXTS[i + 1..].iter().all(|(k, _, _)| k != key),
                "duplicate {key}"
            );
        }
        assert_eq!(tr(Lang::Zh, "attract.title"), "自助证件照");
        assert_eq!(tr(Lang::En, "attract.title"), "Self-service ID photo");
    }
}
