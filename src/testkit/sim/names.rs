//! Name lists for people, firms and buyer-side job titles, and the draws that keep names
//! unique where they must be.

use rand::seq::SliceRandom;
use rand::Rng;
use std::collections::HashSet;

#[rustfmt::skip]
pub(crate) const FIRST_NAMES: &[&str] = &[
    "Aisha", "Alexander", "Alice", "Amara", "Andrew", "Anna", "Arjun", "Beatriz", "Benjamin",
    "Camille", "Carlos", "Charlotte", "Chen", "Chloe", "Christopher", "Claire", "Daniel", "David",
    "Dominic", "Eleanor", "Elena", "Emily", "Emma", "Ethan", "Fatima", "Felix", "Fiona",
    "Francesca", "Gabriel", "George", "Grace", "Hannah", "Harriet", "Henry", "Hiroshi", "Imogen",
    "Isabel", "Jack", "James", "Jasmine", "Javier", "Jessica", "Jonas", "Julia", "Karim",
    "Katherine", "Kenji", "Laura", "Leon", "Liam", "Lucas", "Lucy", "Maria", "Marcus", "Martin",
    "Matthew", "Maya", "Mei", "Michael", "Mohammed", "Natalie", "Nathan", "Nikhil", "Nina", "Noah",
    "Olivia", "Omar", "Oscar", "Patrick", "Paul", "Priya", "Rachel", "Rafael", "Rebecca",
    "Richard", "Robert", "Rohan", "Ruth", "Samuel", "Sara", "Sebastian", "Sofia", "Sophie",
    "Stefan", "Stephen", "Tara", "Thomas", "Tobias", "Valentina", "Victoria", "William", "Wei",
    "Yasmin", "Yuki", "Zara", "Zoe", "Adrian", "Bianca", "Conor", "Daria", "Edward", "Freya",
    "Gustav", "Helena", "Ivan", "Joanna", "Kwame", "Lena", "Mateo", "Niamh", "Otto", "Petra",
    "Quentin", "Rosa", "Simone", "Theo", "Ursula", "Vikram", "Wanjiru", "Xavier",
];

#[rustfmt::skip]
pub(crate) const LAST_NAMES: &[&str] = &[
    "Abbott", "Adeyemi", "Ahmed", "Alvarez", "Andersen", "Bailey", "Baker", "Banerjee", "Barnes",
    "Becker", "Bennett", "Bianchi", "Brooks", "Brown", "Campbell", "Carter", "Chandra", "Chen",
    "Clarke", "Collins", "Cooper", "Costa", "Dalton", "Davies", "Dubois", "Duncan", "Edwards",
    "Ellis", "Evans", "Fischer", "Fletcher", "Fontaine", "Foster", "Fraser", "Garcia", "Gibson",
    "Graham", "Grant", "Gupta", "Hall", "Hansen", "Harper", "Harris", "Hayes", "Hoffmann",
    "Hughes", "Hunter", "Iyer", "Jackson", "Jensen", "Johnson", "Jones", "Kapoor", "Keller",
    "Kennedy", "Khan", "Kim", "Klein", "Kowalski", "Kumar", "Lambert", "Larsen", "Lee", "Lewis",
    "Lindqvist", "Lopez", "Marshall", "Martin", "Mason", "Meyer", "Mitchell", "Moreau", "Morgan",
    "Murphy", "Murray", "Nakamura", "Nielsen", "Novak", "Okafor", "Olsen", "Osei", "Owen",
    "Palmer", "Park", "Patel", "Pearson", "Perez", "Petrov", "Phillips", "Price", "Quinn", "Rao",
    "Reed", "Reid", "Richter", "Roberts", "Robinson", "Rossi", "Russell", "Sato", "Schmidt",
    "Schneider", "Scott", "Shah", "Silva", "Singh", "Smith", "Stewart", "Sullivan", "Suzuki",
    "Tanaka", "Taylor", "Thompson", "Turner", "Varga", "Wagner", "Walker", "Wallace", "Walsh",
    "Ward", "Watson", "Weber", "White", "Williams", "Wilson", "Wong", "Wood", "Wright", "Yamamoto",
    "Young", "Zhang", "Zimmermann", "Achterberg", "Bergström", "Castellano", "Delacroix",
    "Eriksen", "Ferreira", "Gallagher", "Holloway", "Ibrahim", "Jovanovic", "Kaur", "Lindgren",
    "Mahmoud", "Nyberg", "Oyelaran", "Pellegrini", "Radcliffe", "Sandoval", "Thorne", "Vasquez",
];

/// Place and heritage words that firm names are built from.
#[rustfmt::skip]
pub(crate) const FIRM_WORDS: &[&str] = &[
    "Aldgate", "Alder", "Anchor", "Ardent", "Ashford", "Atlas", "Aurora", "Avon", "Bastion",
    "Beacon", "Belgrave", "Birch", "Blackfriars", "Bramley", "Bridgewater", "Brook", "Cadogan",
    "Calder", "Cambrian", "Canary", "Carlton", "Cedar", "Chalcot", "Charter", "Chelsea",
    "Clarendon", "Clifton", "Cobalt", "Compass", "Coniston", "Cornhill", "Crescent", "Crown",
    "Dart", "Delphi", "Derwent", "Dover", "Eastgate", "Eden", "Elm", "Ember", "Falcon", "Fenwick",
    "Fleet", "Forth", "Foxhall", "Garnet", "Glenmore", "Granite", "Greenwich", "Grosvenor",
    "Halcyon", "Harbour", "Harrow", "Hawthorn", "Heron", "Highgate", "Holborn", "Horizon", "Ivy",
    "Juniper", "Kensal", "Kestrel", "Kingsway", "Lancaster", "Larch", "Ledger", "Linden",
    "Lombard", "Loxley", "Ludgate", "Madison", "Maple", "Marlow", "Mayfair", "Meridian", "Milford",
    "Monument", "Moorgate", "Morrow", "Northbank", "Oakridge", "Orchard", "Orion", "Pembroke",
    "Pinnacle", "Portman", "Quay", "Radnor", "Raven", "Regent", "Richmond", "Rowan", "Sable",
    "Saxon", "Severn", "Sextant", "Sheffield", "Silverstone", "Solent", "Sovereign", "Spire",
    "Stafford", "Sterling", "Strand", "Summit", "Tamar", "Temple", "Thames", "Thistle", "Tower",
    "Trafalgar", "Trent", "Trinity", "Tudor", "Union", "Vale", "Vantage", "Vauxhall", "Victoria",
    "Walbrook", "Waverley", "Wessex", "Westbourne", "Whitehall", "Willow", "Windsor", "Wren",
    "York", "Zenith", "Hudson", "Lakeshore", "Pacific", "Alpine", "Rhine", "Lugano", "Geneva",
    "Raffles", "Marina", "Kowloon", "Harbourfront", "Sentosa", "Bondi", "Yarra",
];

/// Buyer-side titles by seniority band: senior (sign or sponsor), middle (run the evaluation),
/// junior (do the work).
pub(crate) const SENIOR_TITLES: &[&str] = &[
    "Chief Investment Officer",
    "Chief Operating Officer",
    "Chief Financial Officer",
    "Chief Risk Officer",
    "Head of Operations",
    "Head of Investment Operations",
    "Head of Treasury",
    "Managing Director, Operations",
    "Head of Fund Services",
];
pub(crate) const MIDDLE_TITLES: &[&str] = &[
    "Director of Fund Accounting",
    "Director of Operations",
    "Director, Investment Operations",
    "Operations Manager",
    "Treasury Manager",
    "Portfolio Manager",
    "Investment Operations Lead",
    "Director of Client Reporting",
];
pub(crate) const JUNIOR_TITLES: &[&str] = &[
    "Analyst",
    "Operations Analyst",
    "Fund Accountant",
    "Reconciliations Specialist",
    "Investment Associate",
    "Reporting Associate",
];

/// Lowercase ASCII letters and digits only, for email local parts and domains.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            'ö' | 'ø' | 'Ö' => out.push('o'),
            'ä' | 'å' | 'Ä' | 'Å' => out.push('a'),
            'é' | 'è' | 'É' => out.push('e'),
            _ => {}
        }
    }
    out
}

/// Draws person names, never the same full name twice. When random draws keep colliding
/// (a very large organisation), a middle initial and then a number make the name unique.
pub(crate) struct NameDraw {
    used: HashSet<String>,
}

impl NameDraw {
    pub(super) fn new() -> Self {
        Self { used: HashSet::new() }
    }

    /// Returns (first name, full name).
    pub(super) fn draw(&mut self, rng: &mut impl Rng) -> (&'static str, String) {
        for attempt in 0..200u32 {
            let first = FIRST_NAMES.choose(rng).copied().unwrap_or("Alex");
            let last = LAST_NAMES.choose(rng).copied().unwrap_or("Smith");
            let full = if attempt < 40 {
                format!("{first} {last}")
            } else {
                let initial = char::from(b'A' + rng.gen_range(0..26u8));
                format!("{first} {initial}. {last}")
            };
            if self.used.insert(full.clone()) {
                return (first, full);
            }
        }
        let first = FIRST_NAMES.choose(rng).copied().unwrap_or("Alex");
        let mut n = self.used.len();
        loop {
            let full = format!("{first} Smith {n}");
            if self.used.insert(full.clone()) {
                return (first, full);
            }
            n += 1;
        }
    }
}

/// `first.last` for an email local part, from a full name.
pub(crate) fn email_local(full_name: &str) -> String {
    let parts: Vec<String> = full_name.split_whitespace().map(slug).filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        "contact".to_owned()
    } else {
        parts.join(".")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::Seniority;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn title_bands_match_seniority_rules() {
        assert!(SENIOR_TITLES.iter().all(|t| Seniority::from_title(t).is_senior()));
        assert!(MIDDLE_TITLES
            .iter()
            .all(|t| matches!(Seniority::from_title(t), Seniority::Director | Seniority::Manager)));
        assert!(JUNIOR_TITLES.iter().all(|t| Seniority::from_title(t) == Seniority::Individual));
    }

    #[test]
    fn names_stay_unique_beyond_the_list_size() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut draw = NameDraw::new();
        let mut seen = HashSet::new();
        for _ in 0..30_000 {
            let (_, full) = draw.draw(&mut rng);
            assert!(seen.insert(full));
        }
        assert_eq!(email_local("Anna Bergström"), "anna.bergstrom");
        assert_eq!(email_local("Anna Q. Lee"), "anna.q.lee");
    }
}
