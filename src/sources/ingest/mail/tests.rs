//! Mail import end to end: mbox, .eml with an invitation, maildir; threads, direction,
//! duplicates, signals, retention, batching and bad messages.

use super::*;
use crate::config::BodyRetention;
use crate::domain::{Direction, SignalKind};
use crate::sources::ingest::identity::tests::{known, settings, ts};

const OUTBOUND: &str = "From: Alice <alice@northbridge-fs.example>\n\
To: Carol <carol@harbourpension.example>\n\
Date: Mon, 09 Feb 2026 09:00:00 +0000\n\
Message-ID: <first-1@northbridge-fs.example>\n\
Subject: Fee proposal\n\n\
Hi Carol, our custody fee is 4 basis points; BlackRock quoted 5.\n";

const REPLY: &str = "From: carol@harbourpension.example\n\
To: alice@northbridge-fs.example\n\
Date: Tue, 10 Feb 2026 10:30:00 +0100\n\
Message-ID: <reply-2@harbourpension.example>\n\
In-Reply-To: <first-1@northbridge-fs.example>\n\
References: <first-1@northbridge-fs.example>\n\
Subject: Re: Fee proposal\n\n\
Agreed. Our legal team will send the redline.\n\n\
On Mon, Alice wrote:\n> our custody fee is 4 basis points\n";

const UNDATED: &str = "From: carol@harbourpension.example\n\
To: alice@northbridge-fs.example\n\
Message-ID: <undated-3@harbourpension.example>\n\
Subject: quick one\n\nok\n";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn mbox() -> String {
    format!(
        "From alice Mon Feb  9 09:00:00 2026\n{OUTBOUND}\nFrom carol Tue Feb 10 09:30:00 2026\n{REPLY}\n\
From alice Mon Feb  9 09:00:00 2026\n{OUTBOUND}\nFrom nobody Wed Feb 11 09:00:00 2026\n\u{0}\u{1}binary junk\n\n\
From carol Thu Feb 12 08:15:00 2026\n{UNDATED}"
    )
}

#[test]
fn an_mbox_imports_threads_directions_signals_and_deals() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "inbox.mbox", &mbox());
    let import = import_mail(std::slice::from_ref(&path), &settings(), &known());
    let data = &import.outcome.data;
    let report = &import.outcome.report;
    assert_eq!(report.records_read, 5);
    let ids: Vec<&str> = data.activities.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "mail:first-1@northbridge-fs.example",
            "mail:reply-2@harbourpension.example",
            "mail:undated-3@harbourpension.example"
        ],
        "the repeated message lands once"
    );
    let (first, reply, undated) = (&data.activities[0], &data.activities[1], &data.activities[2]);
    assert_eq!(first.direction, Direction::Outbound);
    assert_eq!(reply.direction, Direction::Inbound);
    assert_eq!(reply.occurred_at, ts("2026-02-10T09:30:00Z"));
    assert_eq!(reply.thread_id.as_deref(), Some("first-1@northbridge-fs.example"));
    assert_eq!(first.thread_id.as_deref(), Some("first-1@northbridge-fs.example"));
    assert_eq!(
        reply.snippet.as_deref(),
        Some("Agreed. Our legal team will send the redline."),
        "quoted history dropped"
    );
    assert_eq!(undated.occurred_at, ts("2026-02-12T08:15:00Z"), "dated from the mbox separator");
    for activity in [first, reply] {
        assert_eq!(activity.deals.len(), 1, "{:?}", activity.deals);
        assert_eq!(activity.deals[0].deal_id.as_str(), "crm:harbour-custody");
    }
    let signals: Vec<(&str, SignalKind, &str)> =
        data.activity_signals.iter().map(|s| (s.activity_id.as_str(), s.kind, s.detail.as_str())).collect();
    assert!(
        signals.contains(&("mail:first-1@northbridge-fs.example", SignalKind::CompetitorNamed, "BlackRock")),
        "{signals:?}"
    );
    assert!(signals.contains(&("mail:first-1@northbridge-fs.example", SignalKind::PricingDiscussed, "basis points")));
    assert!(signals.contains(&("mail:reply-2@harbourpension.example", SignalKind::LegalInvolved, "legal")));
    assert!(
        !signals
            .iter()
            .any(|(id, _, detail)| *id == "mail:reply-2@harbourpension.example" && *detail == "basis points"),
        "signals come from the author's words, not the quote"
    );
    assert_eq!(report.rejections.len(), 1, "{:?}", report.rejections);
    assert_eq!(report.rejections[0].file, path);
    assert_eq!(report.rejections[0].line, 33, "the separator line of the junk message");
    assert!(report.notes.iter().any(|n| n.contains("landed once")), "{:?}", report.notes);
    assert!(report.fixes.iter().any(|f| f.contains("mbox separator")), "{:?}", report.fixes);
}

#[test]
fn an_invitation_in_an_eml_becomes_a_meeting_too() {
    let dir = tempfile::tempdir().unwrap();
    let eml = "From: carol@harbourpension.example\r\nTo: alice@northbridge-fs.example\r\n\
Date: Tue, 10 Feb 2026 10:30:00 +0000\r\nMessage-ID: <invite-1@harbourpension.example>\r\nSubject: Invitation: Pricing call\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nPlease join.\r\n\
--b\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:call-1\r\n\
DTSTART:20260212T150000Z\r\nDTEND:20260212T153000Z\r\nSUMMARY:Pricing call\r\nORGANIZER:mailto:carol@harbourpension.example\r\n\
ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@northbridge-fs.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n--b--\r\n";
    let path = write(dir.path(), "invite.eml", eml);
    let import = import_mail(&[path], &settings(), &known());
    let data = &import.outcome.data;
    assert!(import.outcome.report.rejections.is_empty(), "{:?}", import.outcome.report.rejections);
    let kinds: Vec<(&str, ActivityKind)> = data.activities.iter().map(|a| (a.id.as_str(), a.kind)).collect();
    assert_eq!(
        kinds,
        vec![("mail:invite-1@harbourpension.example", ActivityKind::Email), ("ics:call-1", ActivityKind::Meeting)]
    );
    let meeting = &data.activities[1];
    assert_eq!(meeting.duration_minutes, Some(30));
    assert_eq!(meeting.direction, Direction::Inbound);
    assert_eq!(data.activities[0].snippet.as_deref(), Some("Please join."));
}

#[test]
fn maildir_folders_read_cur_and_new_but_not_tmp() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Maildir/cur/1770000000.M1P1.host:2,S", OUTBOUND);
    write(dir.path(), "Maildir/new/1770000001.M2P2.host", UNDATED);
    write(dir.path(), "Maildir/tmp/1770000002.M3P3.host", REPLY);
    write(dir.path(), "Maildir/.Sent/cur/1770000003.M4P4.host:2,S", REPLY);
    write(dir.path(), "notes.txt", "not mail");
    let import = import_mail(&[dir.path().to_path_buf()], &settings(), &known());
    let data = &import.outcome.data;
    assert_eq!(import.outcome.report.records_read, 3);
    let mut ids: Vec<&str> = data.activities.iter().map(|a| a.external_id.as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        vec!["first-1@northbridge-fs.example", "reply-2@harbourpension.example", "undated-3@harbourpension.example"]
    );
    let undated = data.activities.iter().find(|a| a.external_id.starts_with("undated")).unwrap();
    assert_eq!(undated.occurred_at, DateTime::from_timestamp(1_770_000_001, 0).unwrap(), "dated from the file name");
}

#[test]
fn retention_decides_how_much_text_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("{OUTBOUND}{}\n", "word ".repeat(200));
    let path = write(dir.path(), "long.eml", &long);
    let mut settings = settings();
    let snippet = import_mail(std::slice::from_ref(&path), &settings, &known()).outcome.data.activities[0]
        .snippet
        .clone()
        .unwrap();
    assert_eq!(snippet.chars().count(), crate::domain::activity::SNIPPET_MAX_CHARS);
    settings.ingest.body_retention = BodyRetention::Full;
    let full = import_mail(std::slice::from_ref(&path), &settings, &known()).outcome.data.activities[0]
        .snippet
        .clone()
        .unwrap();
    assert!(full.len() > 1000 && full.ends_with("word"));
    settings.ingest.body_retention = BodyRetention::None;
    let none = import_mail(&[path], &settings, &known());
    assert_eq!(none.outcome.data.activities[0].snippet, None);
    assert!(!none.outcome.data.activity_signals.is_empty(), "signals survive without any text kept");
}

#[test]
fn batches_stay_bounded_and_carry_the_contacts_they_need() {
    let dir = tempfile::tempdir().unwrap();
    let mut mbox = String::new();
    for n in 0..7 {
        mbox.push_str(&format!(
            "From x Mon Feb  9 09:00:00 2026\nFrom: p{n}@newclient.example\nTo: alice@northbridge-fs.example\n\
Date: Mon, 09 Feb 2026 09:00:00 +0000\nMessage-ID: <m{n}@newclient.example>\n\nhello\n\n"
        ));
    }
    let path = write(dir.path(), "many.mbox", &mbox);
    let mut batches = Vec::new();
    let mut sink = |batch: Dataset| {
        batches.push(batch);
        Ok(())
    };
    let done = import_mail_into(&[path], &settings(), &known(), 3, &mut sink).unwrap();
    assert_eq!(batches.iter().map(|b| b.activities.len()).collect::<Vec<_>>(), vec![3, 3, 1]);
    for batch in &batches {
        for activity in &batch.activities {
            let sender = &activity.participants[0];
            assert!(batch.contacts.iter().any(|c| c.email.as_deref() == Some(sender.address.as_str())));
        }
    }
    assert!(done.report.notes.iter().any(|n| n.contains("7 new contacts")), "{:?}", done.report.notes);
}

#[test]
fn envelope_and_maildir_dates_parse() {
    assert_eq!(envelope_date("MAILER-DAEMON Thu Feb 12 08:15:00 2026"), Some(ts("2026-02-12T08:15:00Z")));
    assert_eq!(envelope_date("a Mon Feb  9 09:00:00 2026"), Some(ts("2026-02-09T09:00:00Z")));
    assert_eq!(envelope_date("short"), None);
    assert_eq!(
        maildir_date(Path::new("x/1276533073.M242911P3632.kurkku;2,FP")),
        DateTime::from_timestamp(1_276_533_073, 0)
    );
    assert_eq!(maildir_date(Path::new("x/abc")), None);
}
