//! The fake providers' data: Google accounts, locations and reviews; Facebook pages with
//! ratings, posts, comments and tagged posts; the faults a test asks for; what was called.

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use time::{Duration, OffsetDateTime};

#[derive(Debug, Clone, Serialize)]
pub struct GReview {
    pub id: String,
    pub reviewer: String,
    pub anonymous: bool,
    pub stars: u8,
    pub comment: Option<String>,
    pub created: OffsetDateTime,
    pub updated: OffsetDateTime,
    pub reply: Option<(String, OffsetDateTime)>,
}

#[derive(Debug, Clone)]
pub struct GLocation {
    pub account: String,
    pub id: String,
    pub title: String,
    pub reviews: Vec<GReview>,
}

#[derive(Debug, Clone)]
pub struct FbComment {
    pub id: String,
    pub from: (String, String),
    pub message: String,
    pub created: OffsetDateTime,
    pub parent: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FbPost {
    pub id: String,
    pub from: (String, String),
    pub message: String,
    pub created: OffsetDateTime,
    pub comments: Vec<FbComment>,
}

#[derive(Debug, Clone)]
pub struct FbRating {
    pub story: String,
    pub reviewer: (String, String),
    pub recommends: Option<bool>,
    pub stars: Option<u8>,
    pub text: String,
    pub created: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct FbPage {
    pub id: String,
    pub name: String,
    pub token: String,
    pub ratings: Vec<FbRating>,
    pub posts: Vec<FbPost>,
    pub tagged: Vec<FbPost>,
    /// Comment threads under ratings' stories (not listed in the feed).
    pub threads: Vec<FbPost>,
    /// Ratings answer error 12 (Graph v22+).
    pub ratings_deprecated: bool,
}

/// A fault injected into the next data calls of one provider.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// 429 (Google RESOURCE_EXHAUSTED / Facebook code 4), with Retry-After seconds if given.
    RateLimit,
    /// 500.
    ServerError,
    /// A 200 whose JSON breaks off.
    Truncated,
    /// A 200 with a string where a list belongs.
    WrongTypes,
    /// A 200 of 50 MB.
    Huge,
}

#[derive(Default)]
pub struct World {
    pub now: Option<OffsetDateTime>,
    pub next_id: u64,
    pub google_accounts: Vec<(String, String)>,
    pub google_locations: Vec<GLocation>,
    /// Access token → expiry.
    pub access_tokens: HashMap<String, OffsetDateTime>,
    pub refresh_tokens: HashSet<String>,
    pub facebook_pages: Vec<FbPage>,
    pub facebook_user_tokens: HashSet<String>,
    pub faults: HashMap<String, VecDeque<(Fault, Option<u64>)>>,
    /// What was asked, for tests: reply PUTs per review, reply POSTs per Facebook object,
    /// review pages served, refreshes, revokes.
    pub counts: Counts,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Counts {
    pub google_reply_puts: BTreeMap<String, u32>,
    pub facebook_replies: BTreeMap<String, u32>,
    pub review_pages: u64,
    pub facebook_pages_served: u64,
    pub refreshes: u64,
    pub revokes: u64,
    pub requests: u64,
}

const FIRST: [&str; 12] = [
    "Ana", "Bruno", "Chloé", "Dmitri", "Emma", "Farid", "Grace", "Hiro", "Inès", "João", "Kofi",
    "Lena",
];
const LAST: [&str; 8] = [
    "M.", "S.", "K.", "Dubois", "Tanaka", "Okafor", "Silva", "Novak",
];
const GOOD: [&str; 6] = [
    "Great coffee and friendly staff.",
    "Lovely place, we will come back!",
    "Excellent service, quick and kind.",
    "Très bon accueil, je recommande.",
    "最高のサービスでした。",
    "Best croissants in town <3",
];
const BAD: [&str; 5] = [
    "Waited 40 minutes for a table.",
    "The order was wrong and nobody apologised.",
    "Too expensive for what you get.",
    "Service lent, café froid.",
    "Dirty tables; won't return.",
];

impl World {
    pub fn now(&self) -> OffsetDateTime {
        #[allow(clippy::disallowed_methods)] // the fake stands in for the outside world
        self.now.unwrap_or_else(OffsetDateTime::now_utc)
    }

    pub fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
    }

    fn person(rng: &mut StdRng) -> String {
        format!(
            "{} {}",
            FIRST[rng.random_range(0..FIRST.len())],
            LAST[rng.random_range(0..LAST.len())]
        )
    }

    fn text(rng: &mut StdRng, stars: u8) -> String {
        if stars >= 4 {
            GOOD[rng.random_range(0..GOOD.len())].into()
        } else {
            BAD[rng.random_range(0..BAD.len())].into()
        }
    }

    /// A Google location with `n` reviews spread over the last `n` hours.
    pub fn add_google_location(&mut self, title: &str, n: usize, seed: u64) -> String {
        if self.google_accounts.is_empty() {
            self.google_accounts
                .push(("1001".into(), "Demo Agency".into()));
        }
        let account = self.google_accounts[0].0.clone();
        let id = self.id("");
        let mut rng = StdRng::seed_from_u64(seed);
        let now = self.now();
        let mut reviews = Vec::with_capacity(n);
        for i in 0..n {
            let stars = [5, 5, 4, 4, 5, 3, 2, 1, 5, 4][rng.random_range(0..10)];
            let created =
                now - Duration::hours(i64::try_from(n - i).unwrap_or(0)) - Duration::minutes(5);
            reviews.push(GReview {
                id: format!("r{id}x{i}"),
                reviewer: Self::person(&mut rng),
                anonymous: rng.random_range(0..20) == 0,
                stars,
                comment: (rng.random_range(0..6) != 0).then(|| Self::text(&mut rng, stars)),
                created,
                updated: created,
                reply: None,
            });
        }
        self.google_locations.push(GLocation {
            account: account.clone(),
            id: id.clone(),
            title: title.into(),
            reviews,
        });
        format!("accounts/{account}/locations/{id}")
    }

    /// Spreads every Google review over the last `days` days, and answers most of those older
    /// than a week within a few hours to a few days, as a business that keeps up would: what
    /// the demo's dashboards need to show a year of history.
    pub fn age_google_reviews(&mut self, days: i64, seed: u64) {
        let now = self.now();
        let mut rng = StdRng::seed_from_u64(seed);
        for loc in &mut self.google_locations {
            let n = i64::try_from(loc.reviews.len()).unwrap_or(1).max(1);
            for (i, r) in loc.reviews.iter_mut().enumerate() {
                let back = (n - i64::try_from(i).unwrap_or(0)) * days * 24 / n;
                r.created =
                    now - Duration::hours(back) - Duration::minutes(rng.random_range(5..600));
                r.updated = r.created;
                if back > 24 * 7 && rng.random_range(0..10) < 7 {
                    let after = Duration::minutes(rng.random_range(20..5_000));
                    let text = if r.stars >= 4 {
                        "Thank you so much, see you soon!"
                    } else {
                        "We are sorry to hear this; please call us so we can make it right."
                    };
                    r.reply = Some((text.into(), r.created + after));
                }
            }
        }
    }

    pub fn google_location(&mut self, name: &str) -> Option<&mut GLocation> {
        self.google_locations
            .iter_mut()
            .find(|l| format!("accounts/{}/locations/{}", l.account, l.id) == name)
    }

    /// A Facebook page with ratings, posts with comments, and tagged posts.
    pub fn add_facebook_page(
        &mut self,
        name: &str,
        ratings: usize,
        posts: usize,
        comments: usize,
        tagged: usize,
        seed: u64,
    ) -> String {
        let mut rng = StdRng::seed_from_u64(seed);
        let now = self.now();
        let page = self.id("9");
        let token = format!("EAAFAKEPAGE{}", super::random());
        let mut p = FbPage {
            id: page.clone(),
            name: name.into(),
            token,
            ratings: Vec::new(),
            posts: Vec::new(),
            tagged: Vec::new(),
            threads: Vec::new(),
            ratings_deprecated: false,
        };
        for i in 0..ratings {
            let stars = [5, 4, 1, 5, 2][rng.random_range(0..5)];
            let modern = i % 2 == 0;
            p.ratings.push(FbRating {
                story: format!("{page}_{}", self.id("")),
                reviewer: (self.id("5"), Self::person(&mut rng)),
                recommends: modern.then_some(stars >= 4),
                stars: (!modern).then_some(stars),
                text: Self::text(&mut rng, stars),
                created: now - Duration::hours(i64::try_from(ratings - i).unwrap_or(0) * 3),
            });
        }
        for i in 0..posts {
            let post_id = format!("{page}_{}", self.id(""));
            let created = now - Duration::hours(i64::try_from(posts - i).unwrap_or(0) * 24);
            let visitor = i % 3 == 2;
            let mut post = FbPost {
                id: post_id.clone(),
                from: if visitor {
                    (self.id("5"), Self::person(&mut rng))
                } else {
                    (page.clone(), name.into())
                },
                message: format!("Post {i}: {}", Self::text(&mut rng, 5)),
                created,
                comments: Vec::new(),
            };
            for j in 0..comments {
                let stars = if j % 4 == 3 { 2 } else { 5 };
                post.comments.push(FbComment {
                    id: format!("{post_id}_{}", self.id("")),
                    from: (self.id("5"), Self::person(&mut rng)),
                    message: Self::text(&mut rng, stars),
                    created: created + Duration::minutes(i64::try_from(j + 1).unwrap_or(0) * 7),
                    parent: None,
                });
            }
            p.posts.push(post);
        }
        for i in 0..tagged {
            p.tagged.push(FbPost {
                id: format!("{}_{}", self.id("7"), self.id("")),
                from: (self.id("5"), Self::person(&mut rng)),
                message: format!("Had a great time at {name}! #{i}"),
                created: now - Duration::hours(i64::try_from(tagged - i).unwrap_or(0) * 5),
                comments: Vec::new(),
            });
        }
        self.facebook_pages.push(p);
        page
    }

    pub fn facebook_page(&mut self, id: &str) -> Option<&mut FbPage> {
        self.facebook_pages.iter_mut().find(|p| p.id == id)
    }

    pub fn next_fault(&mut self, provider: &str) -> Option<(Fault, Option<u64>)> {
        self.faults.get_mut(provider)?.pop_front()
    }
}
