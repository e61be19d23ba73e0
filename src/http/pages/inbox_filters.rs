//! The inbox's filters as a person typed them: echoed into the form and its links, and read
//! as the API's item query (one parser for both).

use crate::http::api::items::ItemsQuery;

/// The filters as typed, echoed back into the form and the links.
#[derive(serde::Deserialize, Default, Clone)]
pub struct Filters {
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub rating: String,
    /// `replied`, `unreplied` or `attention`.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub since: String,
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub assignee: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub cursor: String,
}

impl Filters {
    pub(super) fn query(&self) -> ItemsQuery {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        ItemsQuery {
            limit: Some("25".into()),
            cursor: opt(&self.cursor),
            location: opt(&self.location),
            source: opt(&self.source),
            kind: opt(&self.kind),
            rating: opt(&self.rating),
            replied: match self.status.as_str() {
                "replied" => Some("true".into()),
                "unreplied" => Some("false".into()),
                _ => None,
            },
            attention: (self.status == "attention").then(|| "true".into()),
            q: opt(&self.q),
            since: opt(&self.since),
            until: opt(&self.until),
            tag: opt(&self.tag),
            assignee: opt(&self.assignee),
            language: opt(&self.language),
        }
    }

    /// The filters that are set, by their form names (no cursor): one list for the links,
    /// the search form's hidden fields and the "N on" count.
    pub fn set(&self) -> Vec<(&'static str, &str)> {
        [
            ("location", &self.location),
            ("source", &self.source),
            ("kind", &self.kind),
            ("rating", &self.rating),
            ("status", &self.status),
            ("since", &self.since),
            ("until", &self.until),
            ("tag", &self.tag),
            ("assignee", &self.assignee),
            ("language", &self.language),
            ("q", &self.q),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.as_str()))
        .collect()
    }

    /// The query string of these filters (no cursor), for links and the CSV export.
    pub fn link(&self) -> String {
        let mut u = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.set() {
            u.append_pair(k, v);
        }
        u.finish()
    }

    /// The same filters in the API's names, for the CSV export link.
    pub fn api_link(&self) -> String {
        let q = self.query();
        let mut u = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("location", &q.location),
            ("source", &q.source),
            ("kind", &q.kind),
            ("rating", &q.rating),
            ("replied", &q.replied),
            ("attention", &q.attention),
            ("since", &q.since),
            ("until", &q.until),
            ("tag", &q.tag),
            ("assignee", &q.assignee),
            ("language", &q.language),
            ("q", &q.q),
        ] {
            if let Some(v) = v {
                u.append_pair(k, v);
            }
        }
        u.finish()
    }
}
