//! Booth flow identification: keypad input against hostile keys, roster answers, the QR code path.

mod flow_support;

use flow_support::{Booth, STUDENT_NO, passing, settings};
use idbooth::core::flow::{Effect, Event, InputError, Lookup, LookupResult, Screen, StudentKey};

#[test]
fn student_number_input_refuses_hostile_keys() {
    let mut config = settings();
    config.student_no.digits_only = true;
    config.student_no.max_len = 10;
    let mut booth = Booth::with(config);
    booth.reach_identify();
    let identify = |booth: &Booth| match booth.screen() {
        Screen::Identify(state) => state.clone(),
        other => panic!("{other:?}"),
    };
    for (key, problem) in [
        ('a', InputError::NotDigit),
        ('１', InputError::NotDigit),
        ('\u{0}', InputError::ControlChar),
        ('\u{8}', InputError::ControlChar),
        ('\r', InputError::ControlChar),
    ] {
        booth.send(Event::KeypadDigit(key));
        assert_eq!(identify(&booth).typed, "", "{key:?}");
        assert_eq!(identify(&booth).problem, Some(problem), "{key:?}");
    }
    booth.type_number("12345");
    assert_eq!(identify(&booth).problem, None);
    // Too short: explained, not looked up.
    let fx = booth.send(Event::SubmitNumber);
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::LookupStudent { .. })),
        "{fx:?}"
    );
    assert_eq!(
        identify(&booth).problem,
        Some(InputError::TooShort { min: 6 })
    );
    booth.type_number("67890");
    booth.send(Event::KeypadDigit('1'));
    assert_eq!(identify(&booth).typed, "1234567890");
    assert_eq!(
        identify(&booth).problem,
        Some(InputError::TooLong { max: 10 })
    );
    booth.send(Event::KeypadBackspace);
    assert_eq!(identify(&booth).typed, "123456789");
    assert_eq!(identify(&booth).problem, None);
    // Cannot go on without a looked-up number.
    booth.send(Event::ConfirmStudent);
    assert!(matches!(booth.screen(), Screen::Identify(_)));
    // Backspace on an empty field is harmless.
    for _ in 0..20 {
        booth.send(Event::KeypadBackspace);
    }
    assert_eq!(identify(&booth).typed, "");
    assert_eq!(booth.send(Event::SubmitNumber).len(), 0);
    assert_eq!(identify(&booth).problem, Some(InputError::Empty));
}

#[test]
fn letters_allowed_when_the_format_says_so() {
    let mut config = settings();
    config.student_no.digits_only = false;
    let mut booth = Booth::with(config);
    booth.reach_identify();
    booth.type_number("s2026x01");
    booth.send(Event::KeypadDigit('-'));
    let Screen::Identify(state) = booth.screen() else {
        panic!()
    };
    assert_eq!(state.typed, "S2026X01");
    assert_eq!(state.problem, Some(InputError::NotAlphanumeric));
}

#[test]
fn roster_answers_ineligible_unknown_and_stale() {
    let mut booth = Booth::new();
    booth.reach_identify();
    let session = booth.session();
    booth.type_number("20260001");
    booth.send(Event::SubmitNumber);
    let first = StudentKey::StudentNo("20260001".into());
    // Double tap: one lookup only.
    assert!(
        booth
            .send(Event::SubmitNumber)
            .iter()
            .all(|e| !matches!(e, Effect::LookupStudent { .. }))
    );
    booth.send(Event::StudentLookup {
        session,
        key: first.clone(),
        result: LookupResult::Ineligible {
            name: "王五".into(),
        },
    });
    let Screen::Identify(state) = booth.screen() else {
        panic!()
    };
    assert_eq!(
        state.lookup,
        Lookup::Ineligible {
            key: first.clone(),
            name: "王五".into()
        }
    );
    booth.send(Event::ConfirmStudent);
    assert!(
        matches!(booth.screen(), Screen::Identify(_)),
        "an ineligible student cannot continue"
    );

    // Correcting the number: the old answer no longer applies.
    booth.send(Event::KeypadBackspace);
    booth.send(Event::KeypadDigit('2'));
    booth.send(Event::SubmitNumber);
    let second = StudentKey::StudentNo("20260002".into());
    booth.send(Event::StudentLookup {
        session,
        key: first.clone(),
        result: LookupResult::Found {
            name: "王五".into(),
        },
    });
    let Screen::Identify(state) = booth.screen() else {
        panic!()
    };
    assert_eq!(
        state.lookup,
        Lookup::Pending(second.clone()),
        "a late answer for the old number is ignored"
    );
    booth.send(Event::StudentLookup {
        session,
        key: second.clone(),
        result: LookupResult::NotFound,
    });
    booth.send(Event::ConfirmStudent);
    assert!(
        matches!(booth.screen(), Screen::Identify(_)),
        "unknown numbers are explained, not accepted"
    );

    // A roster read error: continue as without a roster, staff complete the record.
    booth.send(Event::KeypadBackspace);
    booth.send(Event::KeypadDigit('3'));
    booth.send(Event::SubmitNumber);
    let third = StudentKey::StudentNo("20260003".into());
    booth.send(Event::StudentLookup {
        session,
        key: third.clone(),
        result: LookupResult::Failed,
    });
    booth.send(Event::ConfirmStudent);
    assert!(matches!(booth.screen(), Screen::Pose(_)));
    let student = booth.flow.session().unwrap().student().unwrap().clone();
    assert_eq!(student.key, third);
    assert_eq!(student.name, None);
}

#[test]
fn qr_code_path() {
    let mut booth = Booth::new();
    booth.reach_identify();
    let session = booth.session();
    // Some other QR code (a poster's URL with spaces, or too short) is explained.
    booth.send(Event::QrDecoded {
        session,
        text: "see you".into(),
    });
    let Screen::Identify(state) = booth.screen() else {
        panic!()
    };
    assert_eq!(state.problem, Some(InputError::QrNotACode));

    // A 学信网 image-collection code carries no student number, and records are keyed by it: the code is
    // explained and nothing is looked up, however often the scanner reports it.
    let code = "CHSI:v2:Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==";
    for _ in 0..10 {
        let fx = booth.send(Event::QrDecoded {
            session,
            text: code.into(),
        });
        assert!(
            !fx.iter().any(|e| matches!(e, Effect::LookupStudent { .. })),
            "{fx:?}"
        );
    }
    let Screen::Identify(state) = booth.screen() else {
        panic!()
    };
    assert_eq!(state.problem, Some(InputError::QrNoStudentNo));
    assert_eq!(state.lookup, Lookup::Typing);
    assert!(state.typed.is_empty());

    // The student types the number instead and carries on.
    booth.type_number(STUDENT_NO);
    booth.send(Event::SubmitNumber);
    let key = StudentKey::StudentNo(STUDENT_NO.into());
    booth.send(Event::StudentLookup {
        session,
        key: key.clone(),
        result: LookupResult::NoRoster,
    });
    booth.send(Event::ConfirmStudent);
    assert!(matches!(booth.screen(), Screen::Pose(_)));
    // QR codes after identification are ignored.
    booth.send(Event::QrDecoded {
        session,
        text: "CHSI:other-code-123".into(),
    });
    assert!(matches!(booth.screen(), Screen::Pose(_)));

    booth.reach_review(passing());
    let fx = booth.send(Event::Accept);
    let Some(Effect::SaveRecord(request)) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!(request.student.key, key);
    assert_eq!(
        request.student.name, None,
        "without a roster staff complete the name"
    );
}

#[test]
fn a_qr_code_holding_a_student_number_fills_the_keypad() {
    let mut booth = Booth::new();
    booth.reach_identify();
    let session = booth.session();
    booth.type_number("99");
    booth.send(Event::QrDecoded {
        session,
        text: format!(" {STUDENT_NO}\n"),
    });
    let Screen::Identify(state) = booth.screen() else {
        panic!()
    };
    assert_eq!(state.typed, STUDENT_NO);
    assert_eq!(
        state.lookup,
        Lookup::Pending(StudentKey::StudentNo(STUDENT_NO.into()))
    );
}
