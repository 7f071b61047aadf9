//! Live pose hints ("靠近一点 / Move closer") and the hint-hold debouncer that keeps them from flickering.
//!
//! Owns the hint vocabulary with its Chinese and English texts and the pure debouncing rule. Does not decide
//! which hint a frame deserves: the live checks rank them; the shell maps check results to hints.

use std::time::Duration;

use crate::core::locale::Language;

/// One instruction for the person in front of the camera. Directions are as the student sees the mirrored
/// preview: `MoveLeft` asks them to move towards their own left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hint {
    NoFace,
    OneFaceOnly,
    MoveCloser,
    MoveBack,
    MoveLeft,
    MoveRight,
    MoveUp,
    MoveDown,
    LevelHead,
    FaceCamera,
    LookStraight,
    OpenEyes,
    CloseMouth,
    MoreLight,
    LessLight,
    HoldStill,
}

impl Hint {
    /// Every hint, in declaration order.
    pub const ALL: [Hint; 16] = [
        Hint::NoFace,
        Hint::OneFaceOnly,
        Hint::MoveCloser,
        Hint::MoveBack,
        Hint::MoveLeft,
        Hint::MoveRight,
        Hint::MoveUp,
        Hint::MoveDown,
        Hint::LevelHead,
        Hint::FaceCamera,
        Hint::LookStraight,
        Hint::OpenEyes,
        Hint::CloseMouth,
        Hint::MoreLight,
        Hint::LessLight,
        Hint::HoldStill,
    ];

    /// Stable snake_case code (logs, tests, the shell's check-to-hint table).
    pub fn as_str(self) -> &'static str {
        match self {
            Hint::NoFace => "no_face",
            Hint::OneFaceOnly => "one_face_only",
            Hint::MoveCloser => "move_closer",
            Hint::MoveBack => "move_back",
            Hint::MoveLeft => "move_left",
            Hint::MoveRight => "move_right",
            Hint::MoveUp => "move_up",
            Hint::MoveDown => "move_down",
            Hint::LevelHead => "level_head",
            Hint::FaceCamera => "face_camera",
            Hint::LookStraight => "look_straight",
            Hint::OpenEyes => "open_eyes",
            Hint::CloseMouth => "close_mouth",
            Hint::MoreLight => "more_light",
            Hint::LessLight => "less_light",
            Hint::HoldStill => "hold_still",
        }
    }

    /// The hint with this code.
    pub fn parse(code: &str) -> Option<Hint> {
        Hint::ALL.into_iter().find(|hint| hint.as_str() == code)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Hint::NoFace => "请站到镜头前",
            Hint::OneFaceOnly => "画面中只能有一个人",
            Hint::MoveCloser => "靠近一点",
            Hint::MoveBack => "后退一点",
            Hint::MoveLeft => "向左一点",
            Hint::MoveRight => "向右一点",
            Hint::MoveUp => "向上一点",
            Hint::MoveDown => "向下一点",
            Hint::LevelHead => "请摆正头部",
            Hint::FaceCamera => "请正对镜头",
            Hint::LookStraight => "请平视镜头",
            Hint::OpenEyes => "请睁开眼睛",
            Hint::CloseMouth => "请闭上嘴巴",
            Hint::MoreLight => "光线太暗",
            Hint::LessLight => "光线太亮",
            Hint::HoldStill => "请保持不动",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Hint::NoFace => "Please stand in front of the camera",
            Hint::OneFaceOnly => "Only one person in the picture, please",
            Hint::MoveCloser => "Move a little closer",
            Hint::MoveBack => "Move back a little",
            Hint::MoveLeft => "Move a little to your left",
            Hint::MoveRight => "Move a little to your right",
            Hint::MoveUp => "Move up a little",
            Hint::MoveDown => "Move down a little",
            Hint::LevelHead => "Keep your head level",
            Hint::FaceCamera => "Face the camera",
            Hint::LookStraight => "Look straight into the camera",
            Hint::OpenEyes => "Please open your eyes",
            Hint::CloseMouth => "Please close your mouth",
            Hint::MoreLight => "It is too dark",
            Hint::LessLight => "It is too bright",
            Hint::HoldStill => "Hold still",
        }
    }

    pub fn text(self, language: Language) -> &'static str {
        match language {
            Language::Zh => self.zh(),
            Language::En => self.en(),
        }
    }
}

/// Shows a hint only after it has been wanted continuously for `hold`, and keeps the shown hint while the
/// checks still report it, so alternating or one-frame hints never flicker on screen. Clearing is debounced
/// the same way: a hint disappears only after the checks have been quiet about it for `hold`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HintDebouncer {
    hold: Duration,
    shown: Option<Hint>,
    candidate: Option<Hint>,
    candidate_since: Duration,
}

impl HintDebouncer {
    pub fn new(hold: Duration) -> Self {
        Self {
            hold,
            shown: None,
            candidate: None,
            candidate_since: Duration::ZERO,
        }
    }

    /// Feeds one live-check result (hints ranked most important first) observed at `now`; returns the hint
    /// to show.
    pub fn observe(&mut self, ranked: &[Hint], now: Duration) -> Option<Hint> {
        let wanted = match self.shown {
            Some(shown) if ranked.contains(&shown) => Some(shown),
            _ => ranked.first().copied(),
        };
        if wanted == self.shown {
            // Nothing to change: any challenger has to start holding again from scratch.
            self.candidate = wanted;
            self.candidate_since = now;
            return self.shown;
        }
        if wanted != self.candidate {
            self.candidate = wanted;
            self.candidate_since = now;
        }
        if now.saturating_sub(self.candidate_since) >= self.hold {
            self.shown = wanted;
        }
        self.shown
    }

    /// The hint on screen.
    pub fn shown(&self) -> Option<Hint> {
        self.shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOLD: Duration = Duration::from_millis(500);
    /// Live checks arrive at 10 Hz (config live_check_hz default).
    const FRAME: Duration = Duration::from_millis(100);

    fn at(frame: u32) -> Duration {
        FRAME * frame
    }

    #[test]
    fn codes_round_trip_and_texts_exist() {
        for hint in Hint::ALL {
            assert_eq!(Hint::parse(hint.as_str()), Some(hint));
            assert!(!hint.zh().is_empty() && !hint.en().is_empty());
            assert_eq!(hint.text(Language::Zh), hint.zh());
            assert_eq!(hint.text(Language::En), hint.en());
        }
        assert_eq!(Hint::parse("nonsense"), None);
        assert_eq!(Hint::MoveCloser.zh(), "靠近一点");
    }

    #[test]
    fn a_hint_shows_only_after_it_held() {
        let mut debouncer = HintDebouncer::new(HOLD);
        for frame in 0..5 {
            assert_eq!(
                debouncer.observe(&[Hint::MoveCloser], at(frame)),
                None,
                "frame {frame}"
            );
        }
        assert_eq!(
            debouncer.observe(&[Hint::MoveCloser], at(5)),
            Some(Hint::MoveCloser)
        );
        assert_eq!(debouncer.shown(), Some(Hint::MoveCloser));
    }

    #[test]
    fn one_frame_glitches_never_show() {
        let mut debouncer = HintDebouncer::new(HOLD);
        for frame in 0..50 {
            let ranked: &[Hint] = if frame % 3 == 0 {
                &[Hint::OpenEyes]
            } else {
                &[]
            };
            assert_eq!(debouncer.observe(ranked, at(frame)), None, "frame {frame}");
        }
    }

    #[test]
    fn alternating_top_hints_do_not_flicker() {
        let mut debouncer = HintDebouncer::new(HOLD);
        for frame in 0..6 {
            debouncer.observe(&[Hint::MoveLeft], at(frame));
        }
        assert_eq!(debouncer.shown(), Some(Hint::MoveLeft));
        // The checks now rank another hint first on every other frame while MoveLeft is still reported.
        for frame in 6..40 {
            let ranked: &[Hint] = if frame % 2 == 0 {
                &[Hint::LevelHead, Hint::MoveLeft]
            } else {
                &[Hint::MoveLeft]
            };
            assert_eq!(
                debouncer.observe(ranked, at(frame)),
                Some(Hint::MoveLeft),
                "frame {frame}"
            );
        }
    }

    #[test]
    fn clearing_is_debounced_too() {
        let mut debouncer = HintDebouncer::new(HOLD);
        for frame in 0..6 {
            debouncer.observe(&[Hint::LevelHead], at(frame));
        }
        // Two quiet frames, then the hint again: it stays up the whole time.
        assert_eq!(debouncer.observe(&[], at(6)), Some(Hint::LevelHead));
        assert_eq!(debouncer.observe(&[], at(7)), Some(Hint::LevelHead));
        assert_eq!(
            debouncer.observe(&[Hint::LevelHead], at(8)),
            Some(Hint::LevelHead)
        );
        // Quiet long enough: it goes.
        for frame in 9..14 {
            assert_eq!(
                debouncer.observe(&[], at(frame)),
                Some(Hint::LevelHead),
                "frame {frame}"
            );
        }
        assert_eq!(debouncer.observe(&[], at(14)), None);
    }

    #[test]
    fn a_new_hint_replaces_the_old_one_after_holding() {
        let mut debouncer = HintDebouncer::new(HOLD);
        for frame in 0..6 {
            debouncer.observe(&[Hint::MoveCloser], at(frame));
        }
        for frame in 6..11 {
            assert_eq!(
                debouncer.observe(&[Hint::OpenEyes], at(frame)),
                Some(Hint::MoveCloser)
            );
        }
        assert_eq!(
            debouncer.observe(&[Hint::OpenEyes], at(11)),
            Some(Hint::OpenEyes)
        );
    }

    #[test]
    fn zero_hold_shows_at_once() {
        let mut debouncer = HintDebouncer::new(Duration::ZERO);
        assert_eq!(
            debouncer.observe(&[Hint::NoFace], at(0)),
            Some(Hint::NoFace)
        );
        assert_eq!(debouncer.observe(&[], at(1)), None);
    }
}
