//! Benchmarks for the calendar and mail importers, printed by `candor bench`: a generated
//! 100k-message mbox parsed, resolved and stored on SQLite (messages/s), and a calendar of 10k
//! recurring series expanded over a year (events/s), each with peak resident memory. Parsing
//! runs on its own thread and hands batches to the store through a bounded channel, so memory
//! stays flat however large the input is.

use crate::config::Config;
use crate::domain::*;
use crate::sources::ingest::activities::{ActivitySettings, SinkError, DEFAULT_BATCH_SIZE};
use crate::sources::ingest::{ics, mail};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::fmt;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub(super) enum BenchError {
    #[error("benchmark scratch files: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sink(#[from] SinkError),
    #[error("the import thread stopped unexpectedly")]
    Thread,
}

/// One measured run.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct BenchFigures {
    pub what: String,
    pub records: u64,
    pub unit: &'static str,
    pub input_bytes: u64,
    pub seconds: f64,
    pub peak_rss_mib: Option<f64>,
}

impl fmt::Display for BenchFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rate = if self.seconds > 0.0 { self.records as f64 / self.seconds } else { 0.0 };
        write!(
            f,
            "{}: {} {} from {:.0} MiB in {:.2}s = {:.0} {}/s; peak RSS {}",
            self.what,
            self.records,
            self.unit,
            self.input_bytes as f64 / 1_048_576.0,
            self.seconds,
            rate,
            self.unit,
            self.peak_rss_mib.map_or("n/a".to_owned(), |m| format!("{m:.0} MiB"))
        )
    }
}

/// Peak resident memory of this process in MiB (Linux).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Restarts the peak-memory mark so the next reading covers only what follows.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn bench_now() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2026, 11, 16).unwrap_or_default().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

const ORG_DOMAIN: &str = "northbridge-fs.example";
const PEOPLE: usize = 50;
const ACCOUNTS: usize = 400;
const CONTACTS_PER_ACCOUNT: usize = 3;

/// A known organisation to resolve against: reps, accounts with domains, contacts with deal
/// roles, and one or two live deals per account.
fn known_organisation() -> Dataset {
    let source = SourceName::parse("bench").unwrap_or_else(|_| unreachable!("valid source name"));
    let id = |prefix: &str, n: usize| format!("{prefix}{n}");
    let now = bench_now();
    let mut data = Dataset::default();
    for n in 0..PEOPLE {
        let Ok(person_id) = PersonId::from_source(&source, &id("rep", n)) else { continue };
        data.people.push(Person {
            id: person_id,
            source: source.clone(),
            external_id: id("rep", n),
            name: format!("Rep {n}"),
            emails: vec![format!("rep{n}@{ORG_DOMAIN}")],
            role: Role::Rep,
            manager_id: None,
            timezone: "Europe/London".into(),
            team: None,
            region: None,
        });
    }
    for a in 0..ACCOUNTS {
        let (Ok(account_id), Ok(owner)) =
            (AccountId::from_source(&source, &id("acct", a)), PersonId::from_source(&source, &id("rep", a % PEOPLE)))
        else {
            continue;
        };
        data.accounts.push(Account {
            id: account_id.clone(),
            source: source.clone(),
            external_id: id("acct", a),
            name: format!("Client {a}"),
            domains: vec![format!("client{a}.example")],
            segment: None,
            sector: None,
        });
        for d in 0..(1 + a % 2) {
            let Ok(deal_id) = DealId::from_source(&source, &format!("deal{a}-{d}")) else { continue };
            data.deals.push(Deal {
                id: deal_id.clone(),
                source: source.clone(),
                external_id: format!("deal{a}-{d}"),
                name: format!("Client {a} mandate {d}"),
                account_id: Some(account_id.clone()),
                owner_id: owner.clone(),
                pipeline: "default".into(),
                stage: "proposal".into(),
                amount: Money::new(25_000_000, Currency::USD),
                close_date: Some((now + Duration::days(90)).date_naive()),
                forecast_category: ForecastCategory::Pipeline,
                next_step: None,
                next_step_updated_at: None,
                products: Vec::new(),
                revenue: RevenueType::OneOff,
                created_at: now - Duration::days(400),
                closed_at: None,
                splits: Vec::new(),
            });
            for c in 0..CONTACTS_PER_ACCOUNT {
                let Ok(contact_id) = ContactId::from_source(&source, &format!("c{a}-{c}")) else { continue };
                if d == 0 {
                    data.contacts.push(Contact {
                        id: contact_id.clone(),
                        source: source.clone(),
                        external_id: format!("c{a}-{c}"),
                        account_id: Some(account_id.clone()),
                        name: format!("Contact {a}-{c}"),
                        email: Some(format!("c{c}@client{a}.example")),
                        title: None,
                        seniority: Seniority::Manager,
                    });
                }
                if c == d {
                    data.contact_roles.push(DealContactRole {
                        deal_id: deal_id.clone(),
                        contact_id,
                        role: ContactRole::Champion,
                    });
                }
            }
        }
    }
    data
}

const SUBJECTS: &[&str] = &[
    "Custody fee proposal",
    "Follow-up on our meeting",
    "RFP timeline",
    "Draft IMA for review",
    "Quarterly performance review",
    "Introductions",
];
const BODIES: &[&str] = &[
    "Thanks for the time today. As discussed, our fee for the custody mandate would be 4 basis points, with a discount for assets above 5bn.",
    "Our procurement team will send the due diligence questionnaire next week; legal will need the redline of the MSA by month end.",
    "We are also speaking with State Street and Northern Trust, so timing matters. Could we schedule a call with your CIO?",
    "Unfortunately there is a budget freeze until next quarter, so we need to put the project on hold for now.",
    "Please find attached the performance report for the quarter. Happy to walk you through the attribution.",
];

/// Writes an mbox of `messages` threaded conversations between reps and client contacts.
fn write_mbox(path: &Path, messages: usize) -> std::io::Result<u64> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    let start = bench_now() - Duration::days(365);
    for n in 0..messages {
        let account = n % ACCOUNTS;
        let rep = account % PEOPLE;
        let contact = n % CONTACTS_PER_ACCOUNT;
        let (from, to) = if n % 3 == 0 {
            (format!("c{contact}@client{account}.example"), format!("rep{rep}@{ORG_DOMAIN}"))
        } else {
            (format!("rep{rep}@{ORG_DOMAIN}"), format!("c{contact}@client{account}.example"))
        };
        let at = start + Duration::seconds((n as i64) * 300);
        let date = at.format("%a, %d %b %Y %H:%M:%S +0000");
        let envelope = at.format("%a %b %e %H:%M:%S %Y");
        let thread = n - n % 4;
        writeln!(out, "From {from} {envelope}")?;
        writeln!(out, "From: {from}\nTo: {to}\nCc: new{}@client{account}.example", n % 7)?;
        writeln!(out, "Date: {date}\nMessage-ID: <m{n}@bench.example>")?;
        if thread != n {
            writeln!(out, "In-Reply-To: <m{}@bench.example>\nReferences: <m{thread}@bench.example>", n - 1)?;
        }
        writeln!(out, "Subject: {}{}\n", if thread != n { "Re: " } else { "" }, SUBJECTS[thread % SUBJECTS.len()])?;
        writeln!(out, "{}\n", BODIES[n % BODIES.len()])?;
        writeln!(out, "Kind regards\n\n>From the previous message:\n> {}\n", BODIES[(n + 1) % BODIES.len()])?;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// Writes one calendar of `series` weekly, daily-on-weekdays and monthly series with
/// exceptions, overrides, IANA and Windows zone names.
fn write_calendar(path: &Path, series: usize) -> std::io::Result<u64> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//candor//bench//EN\r")?;
    let start = bench_now() - Duration::days(200);
    let zones = ["Europe/London", "W. Europe Standard Time", "America/New_York", "Eastern Standard Time"];
    for n in 0..series {
        let account = n % ACCOUNTS;
        let rep = account % PEOPLE;
        let day = (start + Duration::days((n % 28) as i64)).format("%Y%m%d");
        let zone = zones[n % zones.len()];
        let rule = match n % 10 {
            0 => "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
            1 | 2 => "FREQ=MONTHLY;BYDAY=2TU",
            _ => "FREQ=WEEKLY",
        };
        writeln!(out, "BEGIN:VEVENT\r\nUID:series-{n}@bench.example\r\nDTSTAMP:20260101T000000Z\r")?;
        writeln!(out, "DTSTART;TZID={zone}:{day}T{:02}0000\r\nDURATION:PT45M\r\nRRULE:{rule}\r", 8 + n % 9)?;
        if n % 5 == 0 {
            let skipped = (start + Duration::days((n % 28) as i64 + 7)).format("%Y%m%d");
            writeln!(out, "EXDATE;TZID={zone}:{skipped}T{:02}0000\r", 8 + n % 9)?;
        }
        writeln!(out, "SUMMARY:{} (client {account})\r", SUBJECTS[n % SUBJECTS.len()])?;
        writeln!(out, "ORGANIZER;CN=Rep {rep}:mailto:rep{rep}@{ORG_DOMAIN}\r")?;
        writeln!(
            out,
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:c{}@client{account}.example\r\nEND:VEVENT\r",
            n % CONTACTS_PER_ACCOUNT
        )?;
    }
    writeln!(out, "END:VCALENDAR\r")?;
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

fn bench_config(days_back: u32, days_forward: u32) -> Config {
    let mut config = Config::default();
    config.org.domains = vec![ORG_DOMAIN.to_owned()];
    config.ingest.recurrence_days_back = days_back;
    config.ingest.recurrence_days_forward = days_forward;
    config
}

type Importer = fn(
    &[PathBuf],
    &ActivitySettings,
    &Dataset,
    usize,
    &mut crate::sources::ingest::activities::BatchSink<'_>,
) -> Result<crate::sources::ingest::activities::ActivityImport, SinkError>;

/// Runs `importer` on a thread and stores each batch as it arrives; returns records stored.
async fn import_and_store(
    importer: Importer,
    path: PathBuf,
    config: Config,
    known: Dataset,
    store: Option<&Store>,
) -> Result<u64, BenchError> {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Dataset>(2);
    let worker = std::thread::spawn(move || {
        let settings = ActivitySettings::from_config(&config, bench_now());
        let mut sink = |batch: Dataset| sender.blocking_send(batch).map_err(|e| SinkError(e.to_string()));
        importer(&[path], &settings, &known, DEFAULT_BATCH_SIZE, &mut sink)
    });
    let mut stored = 0;
    while let Some(batch) = receiver.recv().await {
        stored += batch.activities.len() as u64;
        if let Some(store) = store {
            store.save_dataset(&batch).await?;
        }
    }
    worker.join().map_err(|_| BenchError::Thread)??;
    Ok(stored)
}

/// Generates an mbox of `messages` messages in a scratch folder and measures parse, identity
/// resolution and storage on a scratch SQLite database.
pub(super) async fn bench_mail(messages: usize) -> Result<BenchFigures, BenchError> {
    let scratch = tempfile::tempdir()?;
    let path = scratch.path().join("bench.mbox");
    let bytes = write_mbox(&path, messages)?;
    let store = Store::open("", scratch.path(), 4).await?;
    let known = known_organisation();
    store.save_dataset(&known).await?;
    reset_peak_rss();
    let started = Instant::now();
    let stored = import_and_store(mail::import_mail_into, path, bench_config(730, 180), known, Some(&store)).await?;
    let seconds = started.elapsed().as_secs_f64();
    store.close().await;
    Ok(BenchFigures {
        what: "import mail (mbox parse + resolve + store on SQLite)".into(),
        records: stored,
        unit: "messages",
        input_bytes: bytes,
        seconds,
        peak_rss_mib: peak_rss_mib(),
    })
}

/// Generates a calendar of `series` recurring series and measures parsing, expansion over a
/// year and identity resolution (the instances are counted, not stored).
pub(super) async fn bench_ics(series: usize) -> Result<BenchFigures, BenchError> {
    let scratch = tempfile::tempdir()?;
    let path = scratch.path().join("bench.ics");
    let bytes = write_calendar(&path, series)?;
    reset_peak_rss();
    let started = Instant::now();
    let events =
        import_and_store(ics::import_ics_into, path, bench_config(182, 183), known_organisation(), None).await?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(BenchFigures {
        what: format!("import ics ({series} recurring series expanded over a year + resolve)"),
        records: events,
        unit: "events",
        input_bytes: bytes,
        seconds,
        peak_rss_mib: peak_rss_mib(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn small_benchmarks_run_and_count_what_they_made() {
        let mail = bench_mail(200).await.unwrap();
        assert_eq!(mail.records, 200);
        assert!(mail.to_string().contains("messages/s"));
        let calendar = bench_ics(20).await.unwrap();
        // Weekly series give about 27 instances in the 200 days since they began; the daily
        // ones more, the monthly ones fewer.
        assert!(calendar.records > 20 * 10, "{calendar}");
    }
}
