//! Writes the synthetic organisation's meetings as iCalendar files and its emails as mbox
//! mailboxes — one calendar and one mailbox per person of the organisation, as each person's
//! own export would look — so the demo can bring them in through the real calendar and mail
//! importers and the engine's meeting and email signals come from real file formats. A
//! message or meeting that several people share appears in each of their files; the
//! importers land it once.

use crate::domain::{Activity, ActivityKind, Dataset, Participant, ParticipantRole, Party, PersonId};
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Host part of generated Message-IDs and UIDs.
const ID_HOST: &str = "sim.candor.example";

#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub(crate) struct ExportError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// What was written: the files, and how many distinct meetings and emails they hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ExportedFiles {
    pub calendars: Vec<PathBuf>,
    pub mailboxes: Vec<PathBuf>,
    pub meetings: usize,
    pub emails: usize,
}

/// Writes `calendars/<person>.ics` and `mail/<person>.mbox` under `dir` for every person who
/// took part in a meeting or an email. Calls, tasks and notes have no file format and are
/// left to the caller.
pub(crate) fn write_activity_files(data: &Dataset, dir: &Path) -> Result<ExportedFiles, ExportError> {
    let mut by_person: BTreeMap<&PersonId, (Vec<&Activity>, Vec<&Activity>)> = BTreeMap::new();
    let mut files = ExportedFiles::default();
    for activity in &data.activities {
        let is_meeting = match activity.kind {
            ActivityKind::Meeting => true,
            ActivityKind::Email => false,
            _ => continue,
        };
        if is_meeting {
            files.meetings += 1;
        } else {
            files.emails += 1;
        }
        for participant in &activity.participants {
            if let Some(Party::Person(person)) = &participant.party {
                let entry = by_person.entry(person).or_default();
                let list = if is_meeting { &mut entry.0 } else { &mut entry.1 };
                if list.last().is_none_or(|last| last.id != activity.id) {
                    list.push(activity);
                }
            }
        }
    }
    for (person, (meetings, emails)) in by_person {
        let name = file_stem(person);
        if !meetings.is_empty() {
            let path = dir.join("calendars").join(format!("{name}.ics"));
            write_file(&path, |out| write_calendar(out, &meetings))?;
            files.calendars.push(path);
        }
        if !emails.is_empty() {
            let path = dir.join("mail").join(format!("{name}.mbox"));
            write_file(&path, |out| write_mailbox(out, &emails))?;
            files.mailboxes.push(path);
        }
    }
    Ok(files)
}

/// A person id as a safe file name (`sim:rep-3` → `sim_rep-3`).
fn file_stem(person: &PersonId) -> String {
    person.as_str().chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
}

fn write_file(path: &Path, body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), ExportError> {
    let error = |source| ExportError { path: path.to_path_buf(), source };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(error)?;
    }
    let mut out = BufWriter::new(std::fs::File::create(path).map_err(error)?);
    body(&mut out).map_err(error)?;
    out.flush().map_err(error)
}

/// TEXT value escaping (RFC 5545 §3.3.11).
fn ics_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace("\r\n", "\\n").replace('\n', "\\n")
}

/// Folds a content line at 74 octets on character boundaries (RFC 5545 §3.1).
fn write_folded(out: &mut dyn Write, line: &str) -> std::io::Result<()> {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 74 {
            out.write_all(b"\r\n ")?;
            width = 1;
        }
        let mut buf = [0u8; 4];
        out.write_all(c.encode_utf8(&mut buf).as_bytes())?;
        width += c.len_utf8();
    }
    out.write_all(b"\r\n")
}

fn person_property(name: &str, participant: &Participant, partstat: bool) -> String {
    let mut line = name.to_owned();
    if let Some(cn) = &participant.name {
        let cn: String = cn.chars().filter(|c| !matches!(c, '"' | ';' | ':' | ',') && !c.is_control()).collect();
        line.push_str(&format!(";CN=\"{cn}\""));
    }
    if partstat {
        line.push_str(";PARTSTAT=ACCEPTED");
    }
    line.push_str(&format!(":mailto:{}", participant.address));
    line
}

fn write_calendar(out: &mut dyn Write, meetings: &[&Activity]) -> std::io::Result<()> {
    out.write_all(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Candor//Synthetic organisation//EN\r\nMETHOD:PUBLISH\r\n",
    )?;
    for meeting in meetings {
        write_folded(out, "BEGIN:VEVENT")?;
        write_folded(out, &format!("UID:{}@{ID_HOST}", meeting.external_id))?;
        write_folded(out, &format!("DTSTAMP:{}", meeting.occurred_at.format("%Y%m%dT%H%M%SZ")))?;
        write_folded(out, &format!("DTSTART:{}", meeting.occurred_at.format("%Y%m%dT%H%M%SZ")))?;
        if let Some(minutes) = meeting.duration_minutes {
            write_folded(out, &format!("DURATION:PT{minutes}M"))?;
        }
        if let Some(subject) = &meeting.subject {
            write_folded(out, &format!("SUMMARY:{}", ics_text(subject)))?;
        }
        if let Some(snippet) = &meeting.snippet {
            write_folded(out, &format!("DESCRIPTION:{}", ics_text(snippet)))?;
        }
        for participant in &meeting.participants {
            let line = match participant.role {
                ParticipantRole::Organizer | ParticipantRole::From => person_property("ORGANIZER", participant, false),
                _ => person_property("ATTENDEE", participant, true),
            };
            write_folded(out, &line)?;
        }
        write_folded(out, "END:VEVENT")?;
    }
    out.write_all(b"END:VCALENDAR\r\n")
}

/// A display name safe inside a quoted header phrase.
fn header_address(participant: &Participant) -> String {
    match &participant.name {
        Some(name) => {
            let name: String = name.chars().filter(|c| !matches!(c, '"' | '\\') && !c.is_control()).collect();
            format!("\"{name}\" <{}>", participant.address)
        }
        None => format!("<{}>", participant.address),
    }
}

fn addresses(email: &Activity, role: ParticipantRole) -> Vec<String> {
    email.participants.iter().filter(|p| p.role == role).map(header_address).collect()
}

/// Header text on one line: no line breaks or control characters.
fn header_text(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn write_mailbox(out: &mut dyn Write, emails: &[&Activity]) -> std::io::Result<()> {
    for email in emails {
        let Some(sender) = email.participants.iter().find(|p| p.role == ParticipantRole::From) else { continue };
        let at = email.occurred_at;
        writeln!(out, "From {} {}", sender.address, at.format("%a %b %e %H:%M:%S %Y"))?;
        writeln!(out, "From: {}", header_address(sender))?;
        for (header, role) in [("To", ParticipantRole::To), ("Cc", ParticipantRole::Cc)] {
            let list = addresses(email, role);
            if !list.is_empty() {
                writeln!(out, "{header}: {}", list.join(", "))?;
            }
        }
        writeln!(out, "Date: {}", at.format("%a, %d %b %Y %H:%M:%S +0000"))?;
        writeln!(out, "Message-ID: <{}@{ID_HOST}>", header_text(&email.external_id))?;
        if let Some(thread) = &email.thread_id {
            // Every message of a thread names the same root, so the thread is the root id.
            writeln!(out, "References: <{}@{ID_HOST}>", header_text(thread))?;
        }
        if let Some(subject) = &email.subject {
            writeln!(out, "Subject: {}", header_text(subject))?;
        }
        writeln!(out, "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n")?;
        for line in email.snippet.as_deref().unwrap_or("").lines() {
            // mboxrd: a body line that could read as a separator gains one '>'.
            let quoted = line.trim_start_matches('>').starts_with("From ");
            writeln!(out, "{}{line}", if quoted { ">" } else { "" })?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::sources::ingest::activities::ActivitySettings;
    use crate::sources::ingest::{ics, mail};
    use crate::testkit::sim::{generate, SimParams};
    use chrono::{NaiveDate, Utc};

    fn small_org() -> crate::testkit::sim::SimOrg {
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 16).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc();
        generate(&SimParams {
            seed: 7,
            leaders: 1,
            managers: 1,
            reps: 3,
            months_of_history: 12,
            as_of,
            org_domain: "northbridge-fs.example".into(),
            fiscal_year_start_month: 1,
        })
    }

    #[test]
    fn every_exported_meeting_and_email_comes_back_through_the_importers() {
        let org = small_org();
        let dir = tempfile::tempdir().unwrap();
        let files = write_activity_files(&org.dataset, dir.path()).unwrap();
        assert!(files.meetings > 0 && files.emails > 0, "{files:?}");
        let mut config = Config::default();
        config.org.domains = vec!["northbridge-fs.example".into()];
        config.ingest.recurrence_days_back = 36_500;
        let settings = ActivitySettings::from_config(&config, Utc::now());
        let mut known = org.dataset.clone();
        known.activities.clear();
        let meetings = ics::import_ics(&files.calendars, &settings, &known);
        let emails = mail::import_mail(&files.mailboxes, &settings, &known);
        assert!(meetings.outcome.report.rejections.is_empty(), "{:?}", meetings.outcome.report.rejections);
        assert!(emails.outcome.report.rejections.is_empty(), "{:?}", emails.outcome.report.rejections);
        assert_eq!(meetings.outcome.data.activities.len(), files.meetings);
        assert_eq!(emails.outcome.data.activities.len(), files.emails);
        assert!(emails.outcome.data.contacts.is_empty(), "every sim address resolves to a known person or contact");
        let original: BTreeMap<&str, &Activity> =
            org.dataset.activities.iter().map(|a| (a.external_id.as_str(), a)).collect();
        for imported in meetings.outcome.data.activities.iter().chain(&emails.outcome.data.activities) {
            let key = imported.external_id.trim_end_matches(&format!("@{ID_HOST}"));
            let source = original.get(key).unwrap_or_else(|| panic!("{key} was not exported"));
            assert_eq!(imported.occurred_at, source.occurred_at);
            assert_eq!(imported.direction, source.direction, "{key}");
            assert_eq!(imported.participants.len(), source.participants.len(), "{key}");
        }
        let linked = emails.outcome.data.activities.iter().filter(|a| !a.deals.is_empty()).count();
        assert!(
            linked * 2 > files.emails,
            "most emails link to a deal by identity resolution ({linked}/{})",
            files.emails
        );
    }
}
