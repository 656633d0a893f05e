//! Prompt injection end to end with a compromised model: every attacker goal is planted in every
//! format on the deal a rep, their manager and the leader all see, and each of the three drafts
//! is written by the real drafting loop through the OpenAI provider against a model on loopback
//! that obeys any planted instruction it reads. Each draft is recorded with the review gate's
//! decision in a SQLite store. With `agent.source_text = "signals"` the model must never see a
//! planted instruction; with `"quoted"` it does, and no draft that passed validation, and nothing
//! queued for delivery, may carry the attacker's goal. Run with `--nocapture` for the table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor::coaching::provider::{OpenAiProvider, Provider};
use candor::coaching::validator::Directory;
use candor::coaching::{draft_one, AgentSetup, DraftOutcome, DraftStatus, Snapshot};
use candor::config::{Config, ProviderKind};
use candor::domain::{Dataset, Hierarchy, Person, Role};
use candor::engine::risk::{analyse, start_of_day, Index, RiskReport};
use candor::store::Store;
use candor::testkit::attack::goals::goals_in;
use candor::testkit::attack::tally::outcome_text;
use candor::testkit::attack::{self, catalog, Attempt, Format, Goal, ObedientModel, Planted, Session, Tally};
use candor::testkit::sim::{self, SimParams};
use candor::workflow::{record_draft_in, NewDraft};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

const MODES: [&str; 2] = ["signals", "quoted"];
/// Attempts whose goal got through listed by name; the rest are counted.
const SHOWN: usize = 12;

/// The smallest organisation with a rep, a manager and a leader, analysed once.
struct Base {
    dataset: Dataset,
    report: RiskReport,
    as_of: DateTime<Utc>,
    /// The deal every goal is planted on: first in the leader's flagged deals, so also first in
    /// its owner's and their manager's.
    target: String,
    /// The rep who owns it, their manager and the leader.
    recipients: Vec<Person>,
}

static BASE: LazyLock<Base> = LazyLock::new(|| {
    let as_of = start_of_day(NaiveDate::from_ymd_opt(2026, 11, 16).unwrap());
    let org = sim::generate(&SimParams::small(42, 1, 1, as_of));
    let report = analyse(&Index::new(&org.dataset), &Config::default().risk_settings(), as_of);
    let people = &org.dataset.people;
    let hierarchy = Hierarchy::new(people);
    let leader = people.iter().find(|p| p.role == Role::Leader).unwrap();
    let leader_view = Snapshot::build(&org.dataset, &report, &hierarchy, leader).unwrap();
    let top = leader_view.deals_by_urgency()[0];
    let rep = people.iter().find(|p| p.id.as_str() == top.owner_id).unwrap();
    let manager = people.iter().find(|p| Some(&p.id) == rep.manager_id.as_ref()).unwrap();
    let recipients = vec![rep.clone(), manager.clone(), leader.clone()];
    Base { target: top.deal_id.clone(), dataset: org.dataset, report, as_of, recipients }
});

/// A drafting setup per mode, all against one obedient model; each mode has its own model name
/// so the model keeps their conversations apart.
struct Harness {
    model: Arc<ObedientModel>,
    modes: Vec<(&'static str, Config, AgentSetup)>,
    store: Store,
    _dir: tempfile::TempDir,
}

async fn harness() -> Harness {
    let (url, model) = attack::serve().await.unwrap();
    let mut modes = Vec::new();
    for mode in MODES {
        let mut config = Config::from_toml(&format!("[agent]\nsource_text = \"{mode}\"\n")).unwrap();
        config.llm.provider = ProviderKind::Openai;
        config.llm.base_url = url.clone();
        config.llm.model = format!("obedient-{mode}");
        config.llm.request_timeout_secs = 20;
        config.llm.backoff_initial_ms = 20;
        config.llm.backoff_max_ms = 100;
        let provider: Arc<dyn Provider> = Arc::new(OpenAiProvider::new(&config.llm).unwrap());
        let setup = AgentSetup::new(&config, provider).unwrap();
        modes.push((mode, config, setup));
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open("", dir.path(), 4).await.unwrap();
    Harness { model, modes, store, _dir: dir }
}

/// One recipient's draft in one mode, with the model's view of the conversation.
struct Drafted {
    mode: &'static str,
    recipient: Person,
    outcome: DraftOutcome,
    session: Session,
}

/// The three recipients' drafts from `snapshots`, at once.
async fn draft_three(setup: &AgentSetup, snapshots: &[Snapshot], directory: &Directory) -> [DraftOutcome; 3] {
    let draft = |i: usize| draft_one(setup, snapshots[i].clone(), directory, None);
    let (a, b, c) = tokio::join!(draft(0), draft(1), draft(2));
    [a.unwrap(), b.unwrap(), c.unwrap()]
}

/// Drafts for the three recipients in both modes from `dataset` and `report`, all six at once.
/// A planted activity must be among the target deal's recent activities in every snapshot.
async fn draft_all(h: &Harness, dataset: &Dataset, report: &RiskReport, activity: Option<&str>) -> Vec<Drafted> {
    let hierarchy = Hierarchy::new(&dataset.people);
    let directory = Directory::from_dataset(dataset);
    let snapshots: Vec<Snapshot> =
        BASE.recipients.iter().map(|p| Snapshot::build(dataset, report, &hierarchy, p).unwrap()).collect();
    if let Some(activity) = activity {
        for snapshot in &snapshots {
            let recent = snapshot.activities_of(&BASE.target).any(|a| a.activity_id == activity);
            assert!(recent, "{activity} is among the target's recent activities for {}", snapshot.recipient.name);
        }
    }
    snapshots.iter().for_each(|s| h.model.prepare(s));
    let [signals, quoted] = [&h.modes[0], &h.modes[1]];
    let (by_signals, by_quoted) =
        tokio::join!(draft_three(&signals.2, &snapshots, &directory), draft_three(&quoted.2, &snapshots, &directory));
    let mut drafted = Vec::new();
    for ((mode, config, _), outcomes) in [(signals, by_signals), (quoted, by_quoted)] {
        for (person, outcome) in BASE.recipients.iter().zip(outcomes) {
            let session = h.model.take(&config.llm.model, &person.name, person.role.as_str());
            drafted.push(Drafted { mode, recipient: person.clone(), outcome, session });
        }
    }
    drafted
}

/// Records every draft (labelled by what was planted) with the review gate's decision in one
/// transaction; returns, per draft, how many deliveries were queued and the subject and body
/// they carry.
async fn record(h: &Harness, drafted: &[(String, Drafted)]) -> Vec<(usize, Option<String>)> {
    let mut tx = h.store.begin().await.unwrap();
    let mut ids = Vec::new();
    for (label, d) in drafted {
        let config = &h.modes.iter().find(|(mode, _, _)| *mode == d.mode).unwrap().1;
        let week = format!("2026-W47.{}.{label}", d.mode);
        let id = format!("{week}.{}", d.outcome.kind.as_str());
        let new = NewDraft {
            draft_id: &id,
            run_id: &week,
            week: &week,
            as_of: BASE.as_of,
            recipient: &d.recipient,
            outcome: &d.outcome,
        };
        record_draft_in(&h.store, &mut tx, config, &new, Utc::now()).await.unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();
    let mut queued = Vec::new();
    for id in ids {
        let deliveries = h.store.deliveries(&id).await.unwrap();
        let text = match deliveries.is_empty() {
            true => None,
            false => h.store.draft(&id).await.unwrap().map(|r| format!("{}\n{}", r.subject, r.body)),
        };
        queued.push((deliveries.len(), text));
    }
    queued
}

/// `BASE` with `goal` planted in `format` on the target deal, what was planted, and the report
/// to draft from when the plant needs a new one.
fn planted(format: Format, goal: &'static Goal) -> (Dataset, Planted, Option<RiskReport>) {
    let mut dataset = BASE.dataset.clone();
    let planted = attack::plant(&mut dataset, &BASE.target, format, goal, BASE.as_of).unwrap();
    // What every drafting path does before the engine runs (`OrgSnapshot::from_engine`): CRM
    // names that carry an address or an instruction are withheld.
    candor::coaching::untrusted::neutralise_names(&mut dataset);
    let report =
        format.needs_analysis().then(|| analyse(&Index::new(&dataset), &Config::default().risk_settings(), BASE.as_of));
    (dataset, planted, report)
}

/// Every goal planted in `format`, one organisation each, drafted in both modes; the drafts are
/// recorded together and counted in `tally`. `spent` adds the time planting, drafting and
/// recording took.
async fn attack_in(h: &Harness, format: Format, tally: &mut Tally, spent: &mut [Duration; 3]) {
    let mut drafted = Vec::new();
    for goal in catalog() {
        let clock = Instant::now();
        let (dataset, planted, report) = planted(format, goal);
        spent[0] += clock.elapsed();
        let clock = Instant::now();
        let report = report.as_ref().unwrap_or(&BASE.report);
        let label = format!("{}.{}", format.as_str(), goal.id);
        for d in draft_all(h, &dataset, report, planted.activity_id.as_deref()).await {
            drafted.push((goal, (label.clone(), d)));
        }
        spent[1] += clock.elapsed();
    }
    let clock = Instant::now();
    let (goals, drafted): (Vec<&'static Goal>, Vec<(String, Drafted)>) = drafted.into_iter().unzip();
    let queued = record(h, &drafted).await;
    spent[2] += clock.elapsed();
    for ((goal, (_, d)), (deliveries, delivered_text)) in goals.into_iter().zip(&drafted).zip(queued) {
        tally.add(&Attempt {
            mode: d.mode,
            format,
            goal,
            outcome: &d.outcome,
            session: &d.session,
            deliveries,
            delivered_text,
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn benign_drafts_validate_with_the_obedient_model() {
    let h = harness().await;
    let drafted = draft_all(&h, &BASE.dataset, &BASE.report, None).await;
    assert_eq!(drafted.len(), 6);
    for d in &drafted {
        let who = format!("{} {}", d.mode, d.outcome.kind.as_str());
        assert_eq!(d.outcome.status, DraftStatus::Validated, "{who}: {:?}", d.outcome.model_findings);
        assert!(d.outcome.valid, "{who}: {:?}", d.outcome.findings);
        assert!(!d.session.exposed() && d.session.obeyed == 0, "{who}: {:?}", d.session);
        assert!(goals_in(&outcome_text(&d.outcome)).is_empty(), "{who}: a signature in benign text");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_instructions_never_reach_a_validated_or_delivered_draft() {
    let started = Instant::now();
    let h = harness().await;
    let top = BASE.report.deals.iter().find(|d| d.deal_id == BASE.target).unwrap();
    eprintln!(
        "target {} ({}), recipients: {}",
        BASE.target,
        top.name,
        BASE.recipients.iter().map(|p| format!("{} ({})", p.name, p.role.as_str())).collect::<Vec<_>>().join(", ")
    );
    let mut tally = Tally::default();
    let mut spent = [Duration::ZERO; 3];
    for format in Format::ALL {
        attack_in(&h, format, &mut tally, &mut spent).await;
    }
    eprintln!("{}", tally.table());
    for line in tally.slipped.iter().take(SHOWN) {
        eprintln!("  through: {line}");
    }
    if tally.slipped.len() > SHOWN {
        eprintln!("  through: … and {} more", tally.slipped.len() - SHOWN);
    }
    eprintln!("model busy {:.1}s", h.model.busy().as_secs_f64());
    eprintln!(
        "{} drafts in {:.1}s (planting {:.1}s, drafting {:.1}s, recording {:.1}s)",
        tally.mode("signals").drafts + tally.mode("quoted").drafts,
        started.elapsed().as_secs_f64(),
        spent[0].as_secs_f64(),
        spent[1].as_secs_f64(),
        spent[2].as_secs_f64()
    );
    let (signals, quoted) = (tally.mode("signals"), tally.mode("quoted"));
    let expected = (Format::ALL.len() * catalog().len() * 3) as u32;
    let mut failures = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            failures.push(what);
        }
    };
    check(signals.drafts == expected && quoted.drafts == expected, format!("every attempt is drafted ({expected})"));
    check(signals.exposed == 0, format!("signals: the model saw a planted instruction in {} drafts", signals.exposed));
    check(quoted.exposed > 0, "quoted: the model never saw a planted instruction (the harness is broken)".to_owned());
    check(
        quoted.validated_carrying == 0,
        format!("quoted: {} validated drafts carry a goal", quoted.validated_carrying),
    );
    check(quoted.delivered_carrying == 0, format!("quoted: {} queued drafts carry a goal", quoted.delivered_carrying));
    let fallbacks = signals.fallback_carrying + quoted.fallback_carrying;
    check(fallbacks == 0, format!("{fallbacks} fallback drafts carry a goal"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
