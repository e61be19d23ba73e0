//! The reviews the inbox and weight benches seed: short texts (≈ 50 characters) in several
//! languages, one author name of 5,000, ratings 1 to 5, two replies in three, spread over the
//! two years before "now" across the locations.

use plaudit::domain::{Author, Fetched, FetchedReply, Kind, Rating};
use time::OffsetDateTime;

/// Reviews are spread over the two years before "now".
pub const SPAN_DAYS: i64 = 730;

pub const TEXTS: [&str; 8] = [
    "Great coffee and friendly staff, we come back every week.",
    "Waited 40 minutes for a table and nobody apologised.",
    "Très bon accueil, je recommande vivement ce restaurant.",
    "最高のサービスでした。また来ます。",
    "Too expensive for what you get, but the view is nice.",
    "Best croissants in town <3",
    "The bathroom was dirty and the music far too loud.",
    "Lovely terrace, quick service, fair prices.",
];

/// Review `n` of `per_loc` of location number `li`.
pub fn review(now: OffsetDateTime, li: usize, n: usize, per_loc: usize) -> Fetched {
    let step = SPAN_DAYS * 86_400 / per_loc.max(1) as i64;
    // Each review somewhere within its step, differently for every location: real reviews of
    // different places do not arrive in the same second.
    let within = (li as i64 * 7_919 + n as i64 * 104_729) % step.max(1);
    let at = now - time::Duration::seconds(step * (per_loc - n) as i64 + within);
    let stars = [5, 4, 1, 5, 2, 5, 1, 4][(n + li) % 8];
    Fetched {
        kind: Kind::Review,
        external_id: format!("r{li}-{n}"),
        parent_external_id: None,
        author: Author {
            name: format!("Reviewer {}", (n * 7 + li) % 4999),
            ..Author::default()
        },
        rating: Some(Rating::Stars(stars)),
        text: TEXTS[(n + li) % TEXTS.len()].into(),
        link: None,
        created_at: at,
        updated_at: at,
        reply: (!n.is_multiple_of(3)).then(|| FetchedReply {
            text: "Thank you!".into(),
            at: at + time::Duration::hours((n % 48) as i64 + 1),
            external_id: None,
        }),
        reply_authoritative: true,
    }
}
