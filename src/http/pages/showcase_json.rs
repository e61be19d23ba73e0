//! A showcase as data: the JSON the script embed draws (and any site may fetch), and the
//! schema.org JSON-LD of its first-party answers for the wall of love.

use super::showcase_public::View;
use crate::services::showcase_entries::Entry;
use crate::services::showcase_public::Public;
use serde_json::json;

/// schema.org markup for the set's **first-party** answers only: review rich results are not
/// given for a business's own reviews drawn from other sites, so those are never marked up.
pub(super) fn json_ld(p: &Public) -> Option<String> {
    let own: Vec<&Entry> = p.entries.iter().filter(|e| e.first_party).collect();
    if own.is_empty() {
        return None;
    }
    let stars: Vec<u8> = own.iter().filter_map(|e| e.stars).collect();
    let avg = f64::from(stars.iter().map(|s| u32::from(*s)).sum::<u32>()) / stars.len() as f64;
    let reviews: Vec<_> = own
        .iter()
        .map(|e| {
            json!({
                "@type": "Review",
                "author": {"@type": "Person", "name": e.author},
                "datePublished": e.at.date().to_string(),
                "reviewBody": e.text,
                "reviewRating": {
                    "@type": "Rating",
                    "ratingValue": e.stars.unwrap_or(1),
                    "bestRating": 5,
                    "worstRating": 1
                }
            })
        })
        .collect();
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "name": p.brand.sender_name,
        "aggregateRating": {
            "@type": "AggregateRating",
            "ratingValue": format!("{avg:.1}"),
            "reviewCount": stars.len(),
            "bestRating": 5,
            "worstRating": 1
        },
        "review": reviews,
    });
    if !p.brand.postal_address.trim().is_empty() {
        doc["address"] = json!(p.brand.postal_address);
    }
    // Inside a <script> element: no `<`, `>` or `&` may appear raw, whatever a review says.
    Some(
        doc.to_string()
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026"),
    )
}

/// The JSON form: what the script embed draws, and what a site may draw itself.
pub(super) fn json_body(p: &Public, v: &View) -> serde_json::Value {
    let entries: Vec<_> = p
        .entries
        .iter()
        .map(|e| {
            json!({
                "id": e.pick.to_string(),
                "author": e.author,
                "stars": e.stars,
                "recommends": e.recommends,
                "date": e.at.date().to_string(),
                "text": e.text,
                "source": e.source.as_str(),
                "source_name": e.source.label(),
                "url": e.link,
                "pinned": e.pinned,
            })
        })
        .collect();
    json!({
        "name": v.title,
        "business": v.business,
        "layout": v.layout,
        "theme": v.theme,
        "colour": v.colour,
        "average": p.average.map(|a| (a * 10.0).round() / 10.0),
        "count": p.count,
        "entries": entries,
    })
}
