//! A test driver for `core::flow`: a manual clock, the flow, and every effect it emitted.

#![allow(dead_code, clippy::missing_panics_doc)]

use std::time::Duration;

use idbooth::config::KioskConfig;
use idbooth::core::flow::{
    CheckLine, CheckMark, Effect, Event, Flow, FlowSettings, LiveSummary, LookupResult,
    ProcessOutcome, RecordRef, Screen, SessionId, StudentKey,
};

pub const STUDENT_NO: &str = "2026123456";

pub fn settings() -> FlowSettings {
    KioskConfig::default().flow_settings()
}

pub fn ms(value: u64) -> Duration {
    Duration::from_millis(value)
}

pub fn secs(value: u64) -> Duration {
    Duration::from_secs(value)
}

pub fn green() -> LiveSummary {
    LiveSummary {
        all_green: true,
        face_present: true,
        hints: Vec::new(),
    }
}

pub fn red(hints: &[idbooth::core::flow::Hint]) -> LiveSummary {
    LiveSummary {
        all_green: false,
        face_present: true,
        hints: hints.to_vec(),
    }
}

pub fn line(code: &str, mark: CheckMark) -> CheckLine {
    CheckLine {
        code: code.to_string(),
        mark,
        message_zh: format!("{code} 中文"),
        message_en: format!("{code} english"),
    }
}

pub fn passing() -> ProcessOutcome {
    ProcessOutcome {
        checks: vec![
            line("no_face", CheckMark::Pass),
            line("head_tilted", CheckMark::Pass),
            line("busy_background", CheckMark::Warn),
        ],
        elapsed: ms(640),
    }
}

pub fn failing() -> ProcessOutcome {
    ProcessOutcome {
        checks: vec![
            line("no_face", CheckMark::Pass),
            line("eyes_closed", CheckMark::Fail),
        ],
        elapsed: ms(700),
    }
}

pub struct Booth {
    pub flow: Flow,
    pub now: Duration,
    /// Every effect emitted so far, in order.
    pub log: Vec<Effect>,
}

impl Booth {
    pub fn new() -> Booth {
        Booth::with(settings())
    }

    pub fn with(settings: FlowSettings) -> Booth {
        let now = secs(1000);
        Booth {
            flow: Flow::new(settings, now),
            now,
            log: Vec::new(),
        }
    }

    /// Sends one event; returns the effects other than repaint requests.
    pub fn send(&mut self, event: Event) -> Vec<Effect> {
        self.send_raw(event)
            .into_iter()
            .filter(|e| !matches!(e, Effect::RequestRepaintAt(_)))
            .collect()
    }

    /// Sends one event; returns every effect.
    pub fn send_raw(&mut self, event: Event) -> Vec<Effect> {
        let effects = self.flow.handle(event, self.now);
        self.log.extend(effects.iter().cloned());
        effects
    }

    /// Lets `step` pass, then ticks.
    pub fn wait(&mut self, step: Duration) -> Vec<Effect> {
        self.now += step;
        self.send(Event::Tick)
    }

    pub fn screen(&self) -> &Screen {
        self.flow.screen()
    }

    pub fn session(&self) -> SessionId {
        self.flow.session().map_or_else(
            || panic!("no session on {:?}", self.screen()),
            idbooth::core::flow::Session::id,
        )
    }

    pub fn type_number(&mut self, number: &str) {
        for key in number.chars() {
            self.send(Event::KeypadDigit(key));
        }
    }

    /// Attract → Consent → Identify.
    pub fn reach_identify(&mut self) {
        self.send(Event::Start);
        self.send(Event::AcceptConsent);
        assert!(
            matches!(self.screen(), Screen::Identify(_)),
            "{:?}",
            self.screen()
        );
    }

    /// … → Pose, identified by keypad without a roster.
    pub fn reach_pose(&mut self) {
        self.reach_identify();
        self.type_number(STUDENT_NO);
        self.send(Event::SubmitNumber);
        let session = self.session();
        self.send(Event::StudentLookup {
            session,
            key: StudentKey::StudentNo(STUDENT_NO.into()),
            result: LookupResult::NoRoster,
        });
        self.send(Event::ConfirmStudent);
        assert!(
            matches!(self.screen(), Screen::Pose(_)),
            "{:?}",
            self.screen()
        );
    }

    /// … → Processing (analysing), by the capture button and the countdown.
    pub fn reach_processing(&mut self) {
        if !matches!(self.screen(), Screen::Pose(_)) {
            self.reach_pose();
        }
        self.send(Event::CaptureButton);
        for _ in 0..self.flow.settings().countdown_secs {
            self.wait(secs(1));
        }
        let session = self.session();
        self.send(Event::StillCaptured { session });
    }

    /// … → Review with `outcome`.
    pub fn reach_review(&mut self, outcome: ProcessOutcome) {
        self.reach_processing();
        let session = self.session();
        self.send(Event::Processed { session, outcome });
        assert!(
            matches!(self.screen(), Screen::Review(_)),
            "{:?}",
            self.screen()
        );
    }

    /// … → Done with record 42.
    pub fn reach_done(&mut self) {
        self.reach_review(passing());
        self.send(Event::Accept);
        let session = self.session();
        self.send(Event::Saved {
            session,
            record: RecordRef(42),
        });
        assert!(
            matches!(self.screen(), Screen::Done(_)),
            "{:?}",
            self.screen()
        );
    }

    /// Whether the log discarded `session`.
    pub fn discarded(&self, session: SessionId) -> bool {
        self.log
            .iter()
            .any(|e| matches!(e, Effect::DiscardSession { session: s } if *s == session))
    }
}
