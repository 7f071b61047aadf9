//! Property-style test: random event sequences (taps, worker reports for current, ended and unknown visits,
//! faults, time jumps) against the flow, checking its invariants after every event.

mod flow_support;

use std::collections::BTreeSet;
use std::time::Duration;

use flow_support::{failing, green, passing, red, settings};
use idbooth::core::flow::{
    CameraStatus, Effect, Event, Fault, Flow, FlowSettings, Hint, LiveSummary, Lookup,
    LookupResult, MaintenancePage, Pin, PinOutcome, PinState, PrintJobState, ProcessingStage,
    RecordRef, SaveState, Screen, Session, SessionId, StudentKey, Worker,
};

/// Knuth's MMIX linear congruential generator: deterministic, no crates.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Everything the test has seen, to judge the flow by.
struct Observer {
    now: Duration,
    discarded: BTreeSet<SessionId>,
    seen: BTreeSet<SessionId>,
    current: Option<SessionId>,
    last_key: Option<StudentKey>,
    settings: FlowSettings,
}

impl Observer {
    fn pick_session(&mut self, rng: &mut Lcg) -> SessionId {
        let old: Vec<SessionId> = self.discarded.iter().copied().collect();
        match (rng.below(10), self.current) {
            (0..=6, Some(current)) => current,
            (7..=8, _) if !old.is_empty() => old[rng.below(old.len() as u64) as usize],
            _ => self
                .current
                .unwrap_or_else(|| old.first().copied().unwrap_or(self.any_id())),
        }
    }

    fn any_id(&self) -> SessionId {
        // A session id the flow never issued: start a throwaway flow far ahead to mint one.
        let mut settings = self.settings.clone();
        settings.out_of_service = false;
        let mut flow = Flow::new(settings, Duration::ZERO);
        flow.handle(Event::Start, Duration::ZERO);
        flow.session()
            .map_or_else(|| unreachable!("attract accepts Start"), Session::id)
    }

    /// The event that moves the current screen forward, as a cooperative student, worker or staff member
    /// would send it.
    fn forward_event(&mut self, rng: &mut Lcg, flow: &Flow) -> Event {
        let session = self.current.unwrap_or_else(|| self.any_id());
        match flow.screen() {
            Screen::Attract { .. } => Event::Start,
            Screen::Consent => Event::AcceptConsent,
            Screen::Identify(state) => match &state.lookup {
                Lookup::Typing if state.typed.len() < 8 => Event::KeypadDigit('7'),
                Lookup::Typing => Event::SubmitNumber,
                Lookup::Pending(key) => Event::StudentLookup {
                    session,
                    key: key.clone(),
                    result: if rng.chance(50) {
                        LookupResult::Found {
                            name: "张三".into(),
                        }
                    } else {
                        LookupResult::NoRoster
                    },
                },
                _ => Event::ConfirmStudent,
            },
            Screen::Pose(_) => {
                if rng.chance(20) {
                    Event::CaptureButton
                } else {
                    Event::LiveChecks {
                        session,
                        summary: green(),
                    }
                }
            }
            Screen::Processing {
                stage: ProcessingStage::Capturing,
                ..
            } => Event::StillCaptured { session },
            Screen::Processing { .. } => Event::Processed {
                session,
                outcome: if rng.chance(60) { passing() } else { failing() },
            },
            Screen::Review(review) => match review.save {
                SaveState::Saving { .. } => Event::Saved {
                    session,
                    record: RecordRef(rng.below(1000) as i64),
                },
                _ if review.can_accept() && rng.chance(70) => Event::Accept,
                _ => Event::Retake,
            },
            Screen::Done(_) => {
                if rng.chance(50) {
                    Event::Print
                } else {
                    Event::Cancel
                }
            }
            Screen::Failsafe { causes } => match causes.iter().next() {
                Some(Fault::CameraLost) => Event::CameraStatus(CameraStatus::Live),
                Some(fault) => Event::FaultCleared(*fault),
                None => Event::Tick,
            },
            Screen::StaffPin(PinState::Checking) => Event::PinResult(PinOutcome::Accepted {
                staff: "admin".into(),
            }),
            Screen::StaffPin(_) => Event::PinEntered(Pin::new("1234")),
            Screen::Maintenance(_) => {
                if rng.chance(50) {
                    Event::SetOutOfService(false)
                } else {
                    Event::Cancel
                }
            }
            Screen::Countdown { .. } | Screen::OutOfService => self.jump_to_deadline(flow),
        }
    }

    fn jump_to_deadline(&mut self, flow: &Flow) -> Event {
        if let Some(at) = flow.next_deadline() {
            self.now = self.now.max(at);
        }
        Event::Tick
    }

    fn random_event(&mut self, rng: &mut Lcg, flow: &Flow) -> Event {
        if rng.chance(50) {
            return self.forward_event(rng, flow);
        }
        let session = self.pick_session(rng);
        let key = self
            .last_key
            .clone()
            .unwrap_or(StudentKey::StudentNo("2026000001".into()));
        let hints = [
            Hint::MoveCloser,
            Hint::LevelHead,
            Hint::OpenEyes,
            Hint::NoFace,
        ];
        match rng.below(40) {
            0 => Event::Start,
            1 => Event::ToggleLanguage,
            2 => Event::AcceptConsent,
            3 => Event::Decline,
            4..=6 => Event::KeypadDigit(
                ['1', '2', '0', '9', 'a', '\u{0}', '学', ' '][rng.below(8) as usize],
            ),
            7 => Event::KeypadBackspace,
            8 => Event::SubmitNumber,
            9 => Event::ConfirmStudent,
            10 => Event::CaptureButton,
            11 => Event::Accept,
            12 => Event::Retake,
            13 => Event::Print,
            14 => Event::Cancel,
            15 => Event::CornerPress,
            16 => Event::CornerRelease,
            17 => Event::PinEntered(Pin::new(
                ["1234", "12", "00000000", "abcd"][rng.below(4) as usize],
            )),
            18 => Event::PinResult(match rng.below(3) {
                0 => PinOutcome::Accepted {
                    staff: "admin".into(),
                },
                1 => PinOutcome::Wrong { attempts_left: 2 },
                _ => PinOutcome::LockedOut {
                    retry_after: Duration::from_secs(rng.below(400)),
                },
            }),
            19 => Event::MaintenancePage(MaintenancePage::Camera),
            20 => Event::SetOutOfService(rng.chance(50)),
            21 => Event::SelectProfile("chsi".into()),
            22..=25 => Event::LiveChecks {
                session,
                summary: match rng.below(3) {
                    0 => green(),
                    1 => red(&[hints[rng.below(4) as usize]]),
                    _ => LiveSummary::default(),
                },
            },
            26 => Event::CameraStatus(if rng.chance(50) {
                CameraStatus::Lost
            } else {
                CameraStatus::Live
            }),
            27 => Event::StillCaptured { session },
            28 => Event::StillFailed { session },
            29 => Event::Processed {
                session,
                outcome: if rng.chance(50) { passing() } else { failing() },
            },
            30 => Event::ProcessFailed { session },
            31 => Event::Saved {
                session,
                record: RecordRef(rng.below(1000) as i64),
            },
            32 => Event::SaveFailed {
                session,
                disk_full: rng.chance(30),
            },
            33 => Event::PrintStatus {
                session,
                state: [
                    PrintJobState::Queued,
                    PrintJobState::Printing,
                    PrintJobState::Printed,
                    PrintJobState::Failed,
                ][rng.below(4) as usize],
            },
            34 => Event::StudentLookup {
                session,
                key,
                result: [
                    LookupResult::Found {
                        name: "张三".into(),
                    },
                    LookupResult::Ineligible {
                        name: "李四".into(),
                    },
                    LookupResult::NotFound,
                    LookupResult::NoRoster,
                    LookupResult::Failed,
                ][rng.below(5) as usize]
                    .clone(),
            },
            35 => Event::QrDecoded {
                session,
                text: ["CHSI:abcdefgh12345", "2026000002", "no", "\u{7}bell-code"]
                    [rng.below(4) as usize]
                    .into(),
            },
            36 => {
                let faults = [
                    Fault::CameraLost,
                    Fault::DiskFull,
                    Fault::PrinterError,
                    Fault::WorkerFailed(Worker::Pipeline),
                ];
                Event::FaultRaised(faults[rng.below(4) as usize])
            }
            37 => {
                let faults = [
                    Fault::CameraLost,
                    Fault::DiskFull,
                    Fault::PrinterError,
                    Fault::WorkerFailed(Worker::Pipeline),
                ];
                Event::FaultCleared(faults[rng.below(4) as usize])
            }
            _ if rng.chance(70) => self.jump_to_deadline(flow),
            _ => Event::Tick,
        }
    }

    /// Checks one step's effects and the state it left.
    fn check(&mut self, flow: &Flow, before: &Screen, event: &Event, effects: &[Effect]) {
        let context = || {
            format!(
                "{} --{event:?}--> {}: {effects:?}",
                before.name(),
                flow.screen().name()
            )
        };
        for effect in effects {
            match effect {
                Effect::DiscardSession { session } => {
                    assert!(
                        self.discarded.insert(*session),
                        "discarded twice: {}",
                        context()
                    );
                }
                Effect::RequestRepaintAt(at) => {
                    assert!(*at >= self.now, "repaint in the past: {}", context());
                }
                Effect::SaveRecord(request) => {
                    assert_eq!(
                        request.consent.version,
                        self.settings.notice.version,
                        "{}",
                        context()
                    );
                    assert!(
                        request.retakes_used <= self.settings.max_retakes,
                        "{}",
                        context()
                    );
                    assert!(
                        request.passed || request.retakes_used == self.settings.max_retakes,
                        "{}",
                        context()
                    );
                }
                Effect::LookupStudent { key, .. } => self.last_key = Some(key.clone()),
                _ => {}
            }
            if let Some(session) = effect
                .session()
                .filter(|_| !matches!(effect, Effect::DiscardSession { .. }))
            {
                assert!(
                    !self.discarded.contains(&session),
                    "effect for a discarded visit: {}",
                    context()
                );
            }
        }
        let current = flow.session().map(Session::id);
        if current != self.current {
            if let Some(previous) = self.current {
                assert!(
                    self.discarded.contains(&previous),
                    "visit dropped without discard: {}",
                    context()
                );
            }
            if let Some(new) = current {
                assert!(self.seen.insert(new), "session id reused: {}", context());
            }
            self.current = current;
        }
        let screen = flow.screen();
        assert_eq!(
            current.is_some(),
            screen.in_session(),
            "session iff visit screen: {}",
            context()
        );
        match screen {
            Screen::Attract { .. } => {
                assert!(current.is_none(), "{}", context());
                assert!(
                    flow.faults().is_empty() && !flow.out_of_service(),
                    "{}",
                    context()
                );
            }
            Screen::Failsafe { causes } => {
                assert!(!causes.is_empty(), "{}", context());
                assert_eq!(causes, flow.faults(), "{}", context());
            }
            Screen::OutOfService => assert!(flow.out_of_service(), "{}", context()),
            Screen::Pose(_)
            | Screen::Countdown { .. }
            | Screen::Processing { .. }
            | Screen::Review(_)
            | Screen::Done(_) => {
                let session = flow.session().unwrap_or_else(|| unreachable!());
                assert!(
                    session.consent().is_some() && session.student().is_some(),
                    "{}",
                    context()
                );
                if let Screen::Review(review) = screen {
                    let left = self.settings.max_retakes - session.retakes_used();
                    assert_eq!(review.retakes_left, left, "{}", context());
                }
            }
            _ => {}
        }
        if !screen.in_session() {
            assert!(flow.session().is_none(), "{}", context());
        }
        if let Some(at) = flow.next_deadline() {
            assert!(
                at > self.now || matches!(screen, Screen::Failsafe { .. }),
                "overdue deadline: {}",
                context()
            );
        }
    }
}

/// The visit a worker report is about.
fn report_session(event: &Event) -> Option<SessionId> {
    match event {
        Event::LiveChecks { session, .. }
        | Event::StillCaptured { session }
        | Event::StillFailed { session }
        | Event::Processed { session, .. }
        | Event::ProcessFailed { session }
        | Event::Saved { session, .. }
        | Event::SaveFailed { session, .. }
        | Event::PrintStatus { session, .. }
        | Event::StudentLookup { session, .. }
        | Event::QrDecoded { session, .. } => Some(*session),
        _ => None,
    }
}

/// Reports that change the fault set whichever visit they are about.
fn touches_faults(event: &Event) -> bool {
    matches!(
        event,
        Event::SaveFailed {
            disk_full: true,
            ..
        } | Event::PrintStatus {
            state: PrintJobState::Failed | PrintJobState::Printed,
            ..
        }
    )
}

fn run(seed: u64, settings: FlowSettings, steps: usize) -> usize {
    let mut rng = Lcg(seed);
    let mut observer = Observer {
        now: Duration::from_secs(5),
        discarded: BTreeSet::new(),
        seen: BTreeSet::new(),
        current: None,
        last_key: None,
        settings: settings.clone(),
    };
    let mut flow = Flow::new(settings, observer.now);
    let mut visits_done = 0;
    for _ in 0..steps {
        observer.now += match rng.below(20) {
            0 => Duration::from_secs(rng.below(200)),
            1..=9 => Duration::from_millis(rng.below(400)),
            _ => Duration::ZERO,
        };
        let event = observer.random_event(&mut rng, &flow);
        let before = flow.screen().clone();
        let stale = report_session(&event).is_some_and(|s| Some(s) != observer.current)
            && !touches_faults(&event);
        // A report about another visit must act exactly like a tick.
        let mut twin = stale.then(|| flow.clone());
        let effects = flow.handle(event.clone(), observer.now);
        if let Some(twin) = twin.as_mut() {
            let tick_effects = twin.handle(Event::Tick, observer.now);
            assert_eq!(
                effects,
                tick_effects,
                "stale {event:?} acted on {}",
                before.name()
            );
            assert_eq!(
                flow.screen(),
                twin.screen(),
                "stale {event:?} acted on {}",
                before.name()
            );
            assert_eq!(
                flow.session(),
                twin.session(),
                "stale {event:?} acted on {}",
                before.name()
            );
        }
        observer.check(&flow, &before, &event, &effects);
        if matches!(flow.screen(), Screen::Done(_)) && !matches!(before, Screen::Done(_)) {
            visits_done += 1;
        }
    }
    // Whatever state it is in, left alone the booth lets go of the visit.
    for _ in 0..5 {
        observer.now += Duration::from_hours(1);
        let effects = flow.handle(Event::Tick, observer.now);
        observer.check(&flow, &flow.screen().clone(), &Event::Tick, &effects);
    }
    assert!(
        flow.session().is_none(),
        "seed {seed}: a visit outlived every timeout: {:?}",
        flow.screen()
    );
    visits_done
}

#[test]
fn random_sequences_keep_the_invariants() {
    let mut done = 0;
    for seed in 0..40 {
        done += run(seed, settings(), 4000);
    }
    // The generator does reach the end of the path, so the checks above cover the whole flow.
    eprintln!("visits reaching Done: {done}");
    assert!(done > 0, "no random walk reached Done");
}

#[test]
fn random_sequences_with_edge_settings() {
    let variants: [fn(&mut FlowSettings); 4] = [
        |s| s.countdown_secs = 0,
        |s| {
            s.max_retakes = 0;
            s.printer_configured = true;
        },
        |s| {
            s.hint_hold = Duration::ZERO;
            s.auto_shutter = false;
            s.student_no.digits_only = true;
        },
        |s| {
            s.out_of_service = true;
            s.idle_timeout = Duration::from_secs(10);
        },
    ];
    for (index, variant) in variants.iter().enumerate() {
        let mut settings = settings();
        variant(&mut settings);
        for seed in 0..10 {
            run(1000 * (index as u64 + 1) + seed, settings.clone(), 3000);
        }
    }
}
