//! Calendar and mail import against real third-party files and arbitrary bytes: every file
//! either yields records or a rejection that names it, nothing panics, and importing into the
//! store twice changes nothing the second time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use candor::config::Config;
use candor::domain::{ActivityKind, Dataset};
use candor::sources::ingest::activities::{ActivitySettings, CollectedImport};
use candor::sources::ingest::{ics, mail};
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn settings() -> ActivitySettings {
    let mut config = Config::default();
    // A century back, so old fixtures' recurring series still produce instances to check.
    config.ingest.recurrence_days_back = 36_500;
    let now = DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z").unwrap().with_timezone(&Utc);
    ActivitySettings::from_config(&config, now)
}

fn shared_data(folder: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(folder);
    if path.is_dir() {
        Some(path)
    } else {
        println!("skipping: {} is not present", path.display());
        None
    }
}

fn files_under(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if keep(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// How many rejections give each reason (record ids and values stripped), most common first.
fn reasons(reasons: &mut std::collections::BTreeMap<String, usize>, import: &CollectedImport) {
    for rejection in &import.outcome.report.rejections {
        // Quoted values (the bad text itself) and everything after a colon vary by file.
        let unquoted: String = rejection.reason.split('"').step_by(2).collect::<Vec<_>>().join("…");
        let general = unquoted.split(':').next().unwrap_or("").trim().to_owned();
        let key = match &rejection.field {
            Some(field) => format!("{field}: {general}"),
            None => general,
        };
        *reasons.entry(key).or_default() += 1;
    }
}

fn print_reasons(label: &str, reasons: std::collections::BTreeMap<String, usize>) {
    let mut sorted: Vec<(String, usize)> = reasons.into_iter().collect();
    sorted.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    for (reason, count) in sorted {
        println!("{label} rejections: {count:>4} × {reason}");
    }
}

/// Records or a rejection naming `file`; never a crash of the readers.
fn verdict(file: &Path, import: &CollectedImport) -> bool {
    let report = &import.outcome.report;
    for rejection in &report.rejections {
        assert!(!rejection.reason.contains("crashed"), "{rejection}");
    }
    let produced = !import.outcome.data.activities.is_empty() || !import.cancelled.is_empty();
    let rejected = report.rejections.iter().any(|r| r.file == file);
    assert!(produced || rejected, "{} neither imported nor was rejected: {report:?}", file.display());
    produced
}

#[test]
fn every_python_icalendar_file_imports_or_is_rejected_by_name() {
    let Some(dir) = shared_data("ics-python-icalendar") else { return };
    let files = files_under(&dir, &|p| p.extension().is_some_and(|e| e == "ics"));
    assert!(files.len() > 150, "expected the full corpus, found {}", files.len());
    let settings = settings();
    let known = Dataset::default();
    let (mut imported, mut rejected, mut meetings) = (0, 0, 0);
    let mut why = std::collections::BTreeMap::new();
    for file in &files {
        let import = ics::import_ics(std::slice::from_ref(file), &settings, &known);
        reasons(&mut why, &import);
        meetings += import.outcome.data.activities.len();
        assert!(import.outcome.data.activities.iter().all(|a| a.kind == ActivityKind::Meeting));
        if verdict(file, &import) {
            imported += 1;
        } else {
            rejected += 1;
        }
    }
    println!("ics corpus: {} files, {imported} imported ({meetings} meetings), {rejected} rejected", files.len());
    print_reasons("ics", why);
    assert!(imported > 60, "most event files should import, got {imported}");
    // The whole folder at once: versions of one UID across files merge, nothing crashes.
    let all = ics::import_ics(&[dir], &settings, &known);
    assert!(!all.outcome.data.activities.is_empty());
}

#[test]
fn every_mail_parser_fixture_imports_or_is_rejected_by_name() {
    let Some(dir) = shared_data("mail-parser-fixtures") else { return };
    let is_message = |p: &Path| {
        p.extension().is_some_and(|e| e == "eml")
            || p.components().any(|c| c.as_os_str() == "cur" || c.as_os_str() == "new")
    };
    let files = files_under(&dir, &is_message);
    assert!(files.len() > 100, "expected the full corpus, found {}", files.len());
    let settings = settings();
    let known = Dataset::default();
    let (mut imported, mut rejected) = (0, 0);
    let mut why = std::collections::BTreeMap::new();
    for file in &files {
        let import = mail::import_mail(std::slice::from_ref(file), &settings, &known);
        reasons(&mut why, &import);
        if verdict(file, &import) {
            imported += 1;
        } else {
            rejected += 1;
        }
    }
    println!("mail corpus: {} messages, {imported} imported, {rejected} rejected", files.len());
    print_reasons("mail", why);
    assert!(imported > 70, "most fixtures are real messages, got {imported}");
    let maildir = mail::import_mail(&[dir.join("maildir")], &settings, &known);
    assert_eq!(maildir.outcome.report.records_read, 6, "cur/ and new/ of the box and its Maildir++ subfolders");
}

#[tokio::test]
async fn reimporting_the_same_mail_and_calendar_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = dir.path().join("inbox.mbox");
    std::fs::write(
        &mbox,
        "From a Mon Feb  9 09:00:00 2026\nFrom: x@client.example\nTo: y@northbridge-fs.example\nMessage-ID: <a@x>\n\
Date: Mon, 09 Feb 2026 09:00:00 +0000\nSubject: fees\n\nOur fee question.\n",
    )
    .unwrap();
    let calendar = dir.path().join("cal.ics");
    std::fs::write(
        &calendar,
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:s\nDTSTART:20260105T090000Z\nRRULE:FREQ=WEEKLY;COUNT=3\n\
ORGANIZER:mailto:y@northbridge-fs.example\nATTENDEE:mailto:x@client.example\nEND:VEVENT\nEND:VCALENDAR\n",
    )
    .unwrap();
    let db = common::TestDb::sqlite().await;
    let settings = settings();
    for round in 0..2 {
        // As the CLI does: each import resolves against what the store holds by then.
        let known = db.store.load_dataset().await.unwrap();
        let mail = mail::import_mail(std::slice::from_ref(&mbox), &settings, &known);
        let mut written = db.store.save_dataset(&mail.outcome.data).await.unwrap().total();
        let known = db.store.load_dataset().await.unwrap();
        let calendar = ics::import_ics(std::slice::from_ref(&calendar), &settings, &known);
        written += db.store.save_dataset(&calendar.outcome.data).await.unwrap().total();
        if round == 0 {
            assert!(written > 0);
        } else {
            assert_eq!(written, 0, "a second import of the same files must change no row");
            assert!(mail.outcome.data.contacts.is_empty(), "the contact made the first time is found again");
        }
    }
    let stored = db.store.load_dataset().await.unwrap();
    assert_eq!(stored.activities.len(), 4);
    assert_eq!(stored.contacts.len(), 1);
    let mut terms: Vec<&str> = stored.activity_signals.iter().map(|s| s.detail.as_str()).collect();
    terms.sort();
    assert_eq!(terms, vec!["fee", "fees"], "subject and body both count, each term once");
    db.cleanup().await;
}

/// Lines that look like iCalendar, to reach past the line parser into events and recurrence.
fn calendar_line() -> impl Strategy<Value = String> {
    let fixed = [
        "BEGIN:VEVENT",
        "END:VEVENT",
        "BEGIN:VTIMEZONE",
        "END:VTIMEZONE",
        "BEGIN:STANDARD",
        "END:STANDARD",
        "METHOD:CANCEL",
        "STATUS:CANCELLED",
    ];
    let patterns = [
        "UID:[a-c]{1,2}",
        "DTSTART(;TZID=[A-Za-z/ .]{0,20})?(;VALUE=DATE)?:[0-9]{8}(T[0-9]{6}Z?)?",
        "DTEND:[0-9]{8}(T[0-9]{4,6})?",
        "DURATION:-?P[0-9WDTHMS]{0,8}",
        "RECURRENCE-ID:[0-9]{8}(T[0-9]{6}Z?)?",
        "RRULE:FREQ=(DAILY|WEEKLY|MONTHLY|YEARLY|HOURLY|MINUTELY|SECONDLY|X)(;INTERVAL=[0-9]{1,3})?(;COUNT=[0-9]{1,4})?(;BYDAY=[-+]?[0-9]?(MO|SU|XX))?(;BYMONTHDAY=-?[0-9]{1,2})?(;BYSETPOS=-?[0-9]{1,3})?(;BYWEEKNO=-?[0-9]{1,2})?(;UNTIL=[0-9]{8}(T[0-9]{6}Z)?)?",
        "(EXDATE|RDATE)(;VALUE=(DATE|PERIOD))?:[0-9]{8}(T[0-9]{6}Z?)?(/P?T?[0-9]{1,2}H?)?",
        "TZID:[A-Za-z/ ]{0,12}",
        "TZOFFSET(FROM|TO):[-+][0-9]{4}",
        "ATTENDEE(;PARTSTAT=DECLINED)?(;CN=[^:]{0,5})?:mailto:[a-z]{1,3}@[a-z]{1,3}\\.example",
        "[ \\t][\\PC]{0,20}",
        "[\\PC]{0,30}",
    ];
    let mut arms: Vec<BoxedStrategy<String>> = fixed.iter().map(|line| Just((*line).to_owned()).boxed()).collect();
    arms.extend(patterns.iter().map(|pattern| proptest::string::string_regex(pattern).unwrap().boxed()));
    proptest::strategy::Union::new(arms)
}

fn assert_survives(import: &CollectedImport) {
    for rejection in &import.outcome.report.rejections {
        assert!(!rejection.reason.contains("crashed"), "{rejection}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn calendar_reader_survives_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let import = ics::import_ics_bytes(&bytes, Path::new("fuzz.ics"), &settings(), &Dataset::default());
        assert_survives(&import);
    }

    #[test]
    fn calendar_reader_survives_calendar_shaped_input(lines in proptest::collection::vec(calendar_line(), 0..40)) {
        let text = format!("BEGIN:VCALENDAR\r\n{}\r\nEND:VCALENDAR\r\n", lines.join("\r\n"));
        let import = ics::import_ics_bytes(text.as_bytes(), Path::new("fuzz.ics"), &settings(), &Dataset::default());
        assert_survives(&import);
    }

    #[test]
    fn mail_reader_survives_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let import = mail::import_mail_bytes(&bytes, Path::new("fuzz.eml"), &settings(), &Dataset::default());
        assert_survives(&import);
    }

    #[test]
    fn mail_reader_survives_mail_shaped_input(
        headers in proptest::collection::vec("(From|To|Cc|Date|Message-ID|References|Subject|Content-Type|Content-Transfer-Encoding): [\\PC]{0,40}", 0..10),
        body in "[\\PC\\r\\n]{0,400}",
        as_mbox in any::<bool>(),
    ) {
        let message = format!("{}\r\n\r\n{body}", headers.join("\r\n"));
        let text = if as_mbox { format!("From x Mon Feb  9 09:00:00 2026\n{message}\nFrom y\n>From z\n{message}") } else { message };
        let import = mail::import_mail_bytes(text.as_bytes(), Path::new("fuzz.mbox"), &settings(), &Dataset::default());
        assert_survives(&import);
    }
}
