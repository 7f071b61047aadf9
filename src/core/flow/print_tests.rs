//! Unit tests of the Done screen's print outcomes: a printer failure is a fault (Failsafe once the visit
//! ends), a copy-limit refusal is not.

use std::collections::BTreeSet;
use std::time::Duration;

use super::*;
use crate::core::locale::StudentNoFormat;

const DONE_RETURN: Duration = Duration::from_secs(20);

fn settings() -> FlowSettings {
    FlowSettings {
        default_language: Language::Zh,
        idle_timeout: Duration::from_mins(1),
        done_return: DONE_RETURN,
        out_of_service: false,
        countdown_secs: 3,
        auto_shutter: false,
        auto_shutter_hold: Duration::from_millis(800),
        hint_hold: Duration::from_millis(400),
        max_retakes: 2,
        corner_hold: Duration::from_secs(3),
        student_no: StudentNoFormat {
            min_len: 6,
            max_len: 12,
            digits_only: true,
        },
        notice: ConsentNotice {
            version: "v1".to_owned(),
            zh: "同意".to_owned(),
            en: "Agree".to_owned(),
        },
        printer_configured: true,
    }
}

/// A booth showing the Done screen of session 1 with the print button offered.
fn at_done() -> (Flow, SessionId, Duration) {
    let now = Duration::from_secs(100);
    let mut flow = Flow::new(settings(), now);
    let session = SessionId::new(1);
    flow.session = Some(Session::new(session, now));
    flow.screen = Screen::Done(DoneState {
        record: RecordRef(7),
        passed: true,
        print: PrintState::Offered,
        until: now + DONE_RETURN,
    });
    (flow, session, now)
}

fn done_print(flow: &Flow) -> Option<PrintState> {
    match flow.screen() {
        Screen::Done(done) => Some(done.print),
        _ => None,
    }
}

/// Taps Print, gets `state` back, and lets the Done screen run out.
fn print_then(state: PrintJobState) -> Flow {
    let (mut flow, session, now) = at_done();
    let fx = flow.handle(Event::Print, now);
    assert!(
        fx.iter().any(
            |effect| matches!(effect, Effect::Print { record, .. } if *record == RecordRef(7))
        ),
        "{fx:?}"
    );
    flow.handle(
        Event::PrintStatus { session, state },
        now + Duration::from_secs(1),
    );
    assert_eq!(done_print(&flow), Some(PrintState::Failed));
    flow.handle(Event::Tick, now + DONE_RETURN * 3);
    flow
}

#[test]
fn a_copy_limit_refusal_shows_on_done_but_does_not_put_the_booth_in_failsafe() {
    let flow = print_then(PrintJobState::Refused);
    assert!(flow.faults().is_empty(), "{:?}", flow.faults());
    assert!(
        matches!(flow.screen(), Screen::Attract { .. }),
        "{:?}",
        flow.screen()
    );
}

#[test]
fn a_failed_print_is_a_printer_fault_once_the_visit_ends() {
    let flow = print_then(PrintJobState::Failed);
    assert_eq!(flow.faults(), &BTreeSet::from([Fault::PrinterError]));
    assert_eq!(
        flow.screen(),
        &Screen::Failsafe {
            causes: BTreeSet::from([Fault::PrinterError])
        }
    );
}
