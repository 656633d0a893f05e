//! The simulated sales force: leaders, managers and reps with regions, teams and time zones,
//! plus each rep's hidden traits (skill, optimism, capacity, conduct pattern).

use super::calendar::uniform;
use super::names::{email_local, NameDraw};
use crate::domain::{IdError, Person, PersonId, Role, SourceName};
use rand::seq::SliceRandom;
use rand::Rng;

struct Region {
    name: &'static str,
    /// (IANA zone, UTC offset in standard time).
    zones: &'static [(&'static str, i32)],
}

const REGIONS: &[Region] = &[
    Region {
        name: "EMEA",
        zones: &[("Europe/London", 0), ("Europe/Zurich", 1), ("Europe/Berlin", 1), ("Europe/Dublin", 0)],
    },
    Region { name: "Americas", zones: &[("America/New_York", -5), ("America/Chicago", -6), ("America/Toronto", -5)] },
    Region {
        name: "APAC",
        zones: &[("Asia/Singapore", 8), ("Asia/Hong_Kong", 8), ("Australia/Sydney", 10), ("Asia/Tokyo", 9)],
    },
];

const DESKS: &[&str] = &["Asset Managers", "Pensions & Insurance", "Wealth & Family Office", "Banks & Brokers"];

/// A seller's pattern that conduct-risk indicators should surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Conduct {
    /// Won deals land in the last two weeks of the quarter.
    Bunching,
    /// Most deals are higher-commission products.
    ProductMix,
    Both,
}

impl Conduct {
    pub(super) fn bunches(self) -> bool {
        matches!(self, Conduct::Bunching | Conduct::Both)
    }

    pub(super) fn skews_mix(self) -> bool {
        matches!(self, Conduct::ProductMix | Conduct::Both)
    }

    pub(super) fn describe(self) -> &'static str {
        match self {
            Conduct::Bunching => "period_end_bunching: closes bunched in the last two weeks of each quarter",
            Conduct::ProductMix => "high_commission_mix: product mix skewed to higher-commission products (securities lending, FX overlay, transition management)",
            Conduct::Both => "period_end_bunching+high_commission_mix: closes bunched at quarter end and product mix skewed to higher-commission products",
        }
    }
}

/// Hidden traits of one rep.
pub(crate) struct RepInfo {
    /// Index into the people list.
    pub person: usize,
    /// Index into the people list.
    pub manager: usize,
    pub utc_offset_h: i32,
    /// Scales the win rate: 1.0 is average.
    pub skill: f64,
    /// Calls commit on deals the evidence does not support and never downgrades.
    pub optimistic: bool,
    /// Scales how many deals the rep opens.
    pub capacity: f64,
    pub conduct: Option<Conduct>,
    /// Accounts in the rep's book, as indices into the account list.
    pub accounts: std::ops::Range<usize>,
    /// Other reps (indices into `Org::reps`) on the same team, for credit splits.
    pub peers: Vec<usize>,
}

pub(crate) struct Org {
    pub people: Vec<Person>,
    /// First name of each person, for greetings in generated mail.
    pub people_first: Vec<&'static str>,
    pub reps: Vec<RepInfo>,
}

pub(crate) struct OrgShape<'a> {
    pub leaders: usize,
    pub managers: usize,
    pub reps: usize,
    pub domain: &'a str,
    pub accounts_per_rep: usize,
}

struct NewPerson<'a> {
    external_id: String,
    role: Role,
    region: usize,
    manager: Option<usize>,
    team: Option<String>,
    domain: &'a str,
}

fn add_person(
    org: &mut Org,
    source: &SourceName,
    names: &mut NameDraw,
    spec: NewPerson<'_>,
    rng: &mut impl Rng,
) -> Result<(usize, i32), IdError> {
    let (first, name) = names.draw(rng);
    let region = &REGIONS[spec.region % REGIONS.len()];
    let (zone, offset) = region.zones.choose(rng).copied().unwrap_or(("Europe/London", 0));
    let manager_id = spec.manager.and_then(|m| org.people.get(m)).map(|p| p.id.clone());
    org.people.push(Person {
        id: PersonId::from_source(source, &spec.external_id)?,
        source: source.clone(),
        external_id: spec.external_id,
        emails: vec![format!("{}@{}", email_local(&name), spec.domain)],
        name,
        role: spec.role,
        manager_id,
        timezone: zone.to_owned(),
        team: spec.team,
        region: Some(region.name.to_owned()),
    });
    org.people_first.push(first);
    Ok((org.people.len() - 1, offset))
}

/// Leaders own a region each (round robin), managers report to leaders, reps are spread evenly
/// over managers; the last `conduct_count` patterns go to reps picked at random.
pub(crate) fn build_org(source: &SourceName, shape: &OrgShape<'_>, rng: &mut impl Rng) -> Result<Org, IdError> {
    let leaders = shape.leaders.max(1);
    let managers = shape.managers.max(1);
    let mut names = NameDraw::new();
    let mut org = Org {
        people: Vec::with_capacity(leaders + managers + shape.reps),
        people_first: Vec::with_capacity(leaders + managers + shape.reps),
        reps: Vec::with_capacity(shape.reps),
    };
    let mut leader_index = Vec::with_capacity(leaders);
    for l in 0..leaders {
        let spec = NewPerson {
            external_id: format!("ldr-{:03}", l + 1),
            role: Role::Leader,
            region: l,
            manager: None,
            team: Some(format!("{} Sales", REGIONS[l % REGIONS.len()].name)),
            domain: shape.domain,
        };
        leader_index.push(add_person(&mut org, source, &mut names, spec, rng)?.0);
    }
    let mut manager_index = Vec::with_capacity(managers);
    let mut manager_team = Vec::with_capacity(managers);
    for m in 0..managers {
        let leader = m % leaders;
        let region = leader % REGIONS.len();
        let team = format!(
            "{} {} {}",
            REGIONS[region].name,
            DESKS[(m / leaders) % DESKS.len()],
            m / (leaders * DESKS.len()) + 1
        );
        let spec = NewPerson {
            external_id: format!("mgr-{:04}", m + 1),
            role: Role::Manager,
            region,
            manager: leader_index.get(leader).copied(),
            team: Some(team.clone()),
            domain: shape.domain,
        };
        manager_index.push(add_person(&mut org, source, &mut names, spec, rng)?.0);
        manager_team.push((region, team));
    }
    for r in 0..shape.reps {
        let m = r % managers;
        let (region, team) = manager_team.get(m).cloned().unwrap_or((0, String::from("Sales")));
        let spec = NewPerson {
            external_id: format!("rep-{:05}", r + 1),
            role: Role::Rep,
            region,
            manager: manager_index.get(m).copied(),
            team: Some(team),
            domain: shape.domain,
        };
        let (person, utc_offset_h) = add_person(&mut org, source, &mut names, spec, rng)?;
        org.reps.push(RepInfo {
            person,
            manager: manager_index.get(m).copied().unwrap_or(0),
            utc_offset_h,
            skill: uniform(rng, 0.75, 1.25),
            optimistic: rng.gen_bool(0.2),
            capacity: uniform(rng, 0.8, 1.2),
            conduct: None,
            accounts: r * shape.accounts_per_rep..(r + 1) * shape.accounts_per_rep,
            peers: (0..shape.reps).filter(|other| *other != r && other % managers == m).take(8).collect(),
        });
    }
    assign_conduct(&mut org.reps, rng);
    Ok(org)
}

fn assign_conduct(reps: &mut [RepInfo], rng: &mut impl Rng) {
    let count = match reps.len() {
        0 => 0,
        1..=7 => 1,
        8..=19 => 2,
        _ => 3,
    };
    let picks: Vec<usize> = rand::seq::index::sample(rng, reps.len(), count).into_vec();
    let patterns = [Conduct::Bunching, Conduct::ProductMix, Conduct::Both];
    for (pick, pattern) in picks.into_iter().zip(patterns) {
        if let Some(rep) = reps.get_mut(pick) {
            rep.conduct = Some(pattern);
        }
    }
}
