//! The zh + en wording of every check: what is wrong, in words a student understands, and what to do.
//!
//! Owns only static text; the measures decide which `Cue` applies. Must not format numbers: values and
//! limits travel in the result, and staff screens show them next to the message.

use super::report::{CheckCode, CheckStatus};

/// Which variant of a code's message applies (the edge that is cut, the direction of the pose).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    /// The code has a single wording.
    None,
    /// The crop leaves the frame at the top (no room above the head).
    CutTop,
    /// The crop leaves the frame at the bottom (chin or shoulders missing).
    CutBottom,
    /// The crop leaves the frame at both top and bottom: the student is too close.
    CutTooClose,
    /// The crop leaves the frame at a side (face at an edge).
    CutSide,
    /// Chin raised (pitch up).
    PitchUp,
    /// Chin lowered (pitch down).
    PitchDown,
}

/// The four texts of one result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Texts {
    pub message_zh: &'static str,
    pub message_en: &'static str,
    pub hint_zh: &'static str,
    pub hint_en: &'static str,
}

const fn texts4(
    message_zh: &'static str,
    message_en: &'static str,
    hint_zh: &'static str,
    hint_en: &'static str,
) -> Texts {
    Texts {
        message_zh,
        message_en,
        hint_zh,
        hint_en,
    }
}

/// The texts for `code` in `status`. Passing checks get a short "OK" line and no hint.
pub fn texts(code: CheckCode, status: CheckStatus, cue: Cue) -> Texts {
    match status {
        CheckStatus::Pass => passed(code),
        CheckStatus::Warn => warned(code).unwrap_or_else(|| problem(code, cue)),
        CheckStatus::Fail => problem(code, cue),
    }
}

fn passed(code: CheckCode) -> Texts {
    let (zh, en) = match code {
        CheckCode::NoFace => ("检测到人脸", "Face found"),
        CheckCode::MultipleFaces => ("画面中只有一人", "Only one person in the picture"),
        CheckCode::FaceCutOff => ("构图完整", "Head and shoulders fit the photo"),
        CheckCode::LowResolution => ("清晰度足够", "Enough pixels for the photo"),
        CheckCode::HeadTilted => ("头部端正", "Head is level"),
        CheckCode::HeadTurned => ("正对镜头", "Facing the camera"),
        CheckCode::HeadPitched => ("头部不仰不低", "Chin level"),
        CheckCode::EyesClosed => ("双眼睁开", "Eyes open"),
        CheckCode::MouthOpen => ("嘴巴闭合", "Mouth closed"),
        CheckCode::Blurry => ("照片清晰", "Photo is sharp"),
        CheckCode::Noisy => ("照片噪点少", "Little noise"),
        CheckCode::CompressionArtifacts => ("没有压缩痕迹", "No compression artefacts"),
        CheckCode::Underexposed => ("脸部亮度足够", "Face bright enough"),
        CheckCode::Overexposed => ("脸部没有过曝", "Face not overexposed"),
        CheckCode::UnevenLighting => ("脸部光线均匀", "Even light on the face"),
        CheckCode::Grayscale => ("彩色照片", "Colour photo"),
        CheckCode::ColorCast => ("肤色自然", "Natural skin colour"),
        CheckCode::BusyBackground => ("背景纯净", "Plain background"),
        CheckCode::LowContrastClothing => (
            "衣服与背景区分明显",
            "Clothes stand out from the background",
        ),
        CheckCode::TintedGlasses => ("未戴有色眼镜", "No tinted glasses"),
    };
    texts4(zh, en, "", "")
}

/// Wording for the codes whose warning means something else than their failure.
fn warned(code: CheckCode) -> Option<Texts> {
    match code {
        CheckCode::BusyBackground => Some(texts4(
            "背景不是纯色，将自动替换为标准底色",
            "The background is not plain; it will be replaced with the standard colour",
            "如果头发或肩膀边缘不自然，请站到纯色背景前重拍",
            "If the edges of your hair or shoulders look wrong, retake in front of a plain background",
        )),
        CheckCode::LowContrastClothing => Some(texts4(
            "衣服颜色与所选底色太接近",
            "Your clothes are close to the chosen background colour",
            "建议改选其他底色，或换一件颜色不同的上衣",
            "Choose another background colour, or wear a top of a different colour",
        )),
        _ => None,
    }
}

fn problem(code: CheckCode, cue: Cue) -> Texts {
    match code {
        CheckCode::NoFace => texts4(
            "没有检测到人脸",
            "No face found",
            "请正对镜头，露出整张脸",
            "Face the camera with your whole face visible",
        ),
        CheckCode::MultipleFaces => texts4(
            "画面中有多张人脸",
            "More than one face in the picture",
            "请确保画面中只有您一人",
            "Make sure only you are in the picture",
        ),
        CheckCode::FaceCutOff => cut_off(cue),
        CheckCode::LowResolution => texts4(
            "脸部像素太少，照片会模糊",
            "Too few pixels on your face: the photo would be blurred",
            "请靠近镜头一点，或换一张分辨率更高的照片",
            "Move a little closer to the camera, or use a higher-resolution photo",
        ),
        CheckCode::HeadTilted => texts4(
            "头部歪斜",
            "Your head is tilted",
            "请把头摆正",
            "Please keep your head level",
        ),
        CheckCode::HeadTurned => texts4(
            "头部向一侧转动",
            "Your head is turned to the side",
            "请正对镜头",
            "Please face the camera directly",
        ),
        CheckCode::HeadPitched => pitched(cue),
        CheckCode::EyesClosed => texts4(
            "眼睛闭上或睁得不够",
            "Your eyes are closed or not open enough",
            "请自然睁开双眼，看向镜头",
            "Open your eyes naturally and look at the camera",
        ),
        CheckCode::MouthOpen => texts4(
            "嘴巴张开或露出牙齿",
            "Your mouth is open or your teeth show",
            "请自然闭上嘴巴，不要露齿",
            "Close your lips naturally, without showing your teeth",
        ),
        CheckCode::Blurry => texts4(
            "照片模糊",
            "The photo is blurred",
            "拍照时请保持不动",
            "Please hold still while the photo is taken",
        ),
        CheckCode::Noisy => texts4(
            "照片噪点太多（光线不足）",
            "The photo is grainy (not enough light)",
            "请联系工作人员检查灯光",
            "Please ask staff to check the lighting",
        ),
        CheckCode::CompressionArtifacts => texts4(
            "照片压缩过度，出现马赛克",
            "The photo is over-compressed and blocky",
            "请使用原始照片，不要使用压缩后的图片",
            "Please use the original photo, not a compressed copy",
        ),
        CheckCode::Underexposed => texts4(
            "脸部太暗",
            "Your face is too dark",
            "请面向灯光，不要遮挡光线；仍然太暗请联系工作人员",
            "Face the lights and don't block them; if it stays dark, ask staff",
        ),
        CheckCode::Overexposed => texts4(
            "脸部过亮，细节丢失",
            "Your face is too bright: details are washed out",
            "请稍微远离灯光；仍然过亮请联系工作人员",
            "Move a little away from the light; if it stays too bright, ask staff",
        ),
        CheckCode::UnevenLighting => texts4(
            "脸部一侧亮一侧暗（阴阳脸）",
            "One side of your face is darker than the other",
            "请站在两盏灯中间，正对镜头",
            "Stand centred between the lights, facing the camera",
        ),
        CheckCode::Grayscale => texts4(
            "照片是黑白的",
            "The photo is black and white",
            "请使用彩色照片",
            "Please use a colour photo",
        ),
        CheckCode::ColorCast => texts4(
            "肤色不自然（照片偏色）",
            "Unnatural skin colour (colour cast)",
            "请在白光下拍摄；仍然偏色请联系工作人员",
            "Take the photo under white light; if the colour stays wrong, ask staff",
        ),
        CheckCode::BusyBackground => texts4(
            "背景不是纯色",
            "The background is not plain",
            "请站到纯色背景前",
            "Please stand in front of a plain background",
        ),
        CheckCode::LowContrastClothing => texts4(
            "衣服颜色与背景色太接近",
            "Your clothes are too close to the background colour",
            "请换一件颜色明显不同的上衣（例如深色）",
            "Please wear a top of a clearly different colour (a dark one, for example)",
        ),
        CheckCode::TintedGlasses => texts4(
            "佩戴了墨镜或有色眼镜",
            "You are wearing sunglasses or tinted glasses",
            "请摘下墨镜或有色眼镜",
            "Please take off sunglasses or tinted glasses",
        ),
    }
}

fn cut_off(cue: Cue) -> Texts {
    match cue {
        Cue::CutTop => texts4(
            "头顶上方没有留出空间",
            "There is no room above your head",
            "请坐低一点，或稍微后退",
            "Sit a little lower, or move back a little",
        ),
        Cue::CutBottom => texts4(
            "下巴或肩膀不在画面内",
            "Your chin or shoulders are outside the picture",
            "请稍微后退，或坐高一点",
            "Move back a little, or sit a little higher",
        ),
        Cue::CutTooClose => texts4(
            "离镜头太近，头部或肩膀超出画面",
            "You are too close: your head or shoulders leave the picture",
            "请后退一点",
            "Please move back a little",
        ),
        _ => texts4(
            "脸太靠近画面边缘",
            "Your face is too close to the edge of the picture",
            "请移到画面中间",
            "Please move to the middle of the picture",
        ),
    }
}

fn pitched(cue: Cue) -> Texts {
    match cue {
        Cue::PitchDown => texts4(
            "头部低垂",
            "Your head is lowered",
            "请微微抬头，平视镜头",
            "Raise your chin slightly and look straight at the camera",
        ),
        _ => texts4(
            "头部上仰",
            "Your chin is raised",
            "请微微低头，平视镜头",
            "Lower your chin slightly and look straight at the camera",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_has_both_languages_and_a_hint() {
        let cues = [
            Cue::None,
            Cue::CutTop,
            Cue::CutBottom,
            Cue::CutTooClose,
            Cue::CutSide,
            Cue::PitchUp,
            Cue::PitchDown,
        ];
        for code in CheckCode::ALL {
            for status in [CheckStatus::Warn, CheckStatus::Fail] {
                for cue in cues {
                    let t = texts(code, status, cue);
                    assert!(
                        !t.message_zh.is_empty() && !t.message_en.is_empty(),
                        "{code}"
                    );
                    assert!(!t.hint_zh.is_empty() && !t.hint_en.is_empty(), "{code}");
                    assert!(!t.message_zh.is_ascii(), "{code}: zh text is not Chinese");
                }
            }
            let ok = texts(code, CheckStatus::Pass, Cue::None);
            assert!(!ok.message_en.is_empty() && ok.hint_en.is_empty(), "{code}");
        }
    }

    #[test]
    fn cues_pick_the_direction() {
        let up = texts(CheckCode::HeadPitched, CheckStatus::Fail, Cue::PitchUp);
        let down = texts(CheckCode::HeadPitched, CheckStatus::Fail, Cue::PitchDown);
        assert!(up.hint_en.contains("Lower") && down.hint_en.contains("Raise"));
        let top = texts(CheckCode::FaceCutOff, CheckStatus::Fail, Cue::CutTop);
        let side = texts(CheckCode::FaceCutOff, CheckStatus::Fail, Cue::CutSide);
        assert_ne!(top, side);
    }
}
