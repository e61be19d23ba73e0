//! Text for search and word counts: case and accents folded, words split, Chinese, Japanese and
//! Korean text cut into one- and two-character terms (they are written without spaces).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Longest term kept, in bytes; longer words are cut (at a character boundary).
const MAX_TERM: usize = 48;
/// Most distinct terms indexed per item.
const MAX_TERMS: usize = 2_000;

pub fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x3040..=0x30FF      // hiragana, katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0x20000..=0x2FFFF) // extensions B and later
}

/// Lower case without accents: `Crème Brûlée` → `creme brulee`; fullwidth forms become ASCII.
/// CJK characters are kept whole (decomposing Hangul or kana would change their meaning).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if is_cjk(c) {
            out.push(c);
        } else {
            for d in std::iter::once(c).nfkd().filter(|d| !is_combining_mark(*d)) {
                out.extend(d.to_lowercase());
            }
        }
    }
    out
}

fn cut(mut w: String) -> String {
    if w.len() > MAX_TERM {
        let mut end = MAX_TERM;
        while !w.is_char_boundary(end) {
            end -= 1;
        }
        w.truncate(end);
    }
    w
}

/// Runs of letters and digits of folded text, each marked CJK or not.
fn runs(folded: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut cur = String::new();
    let mut cur_cjk = false;
    for c in folded.chars() {
        let cjk = is_cjk(c);
        if !c.is_alphanumeric() || (!cur.is_empty() && cjk != cur_cjk) {
            if !cur.is_empty() {
                out.push((std::mem::take(&mut cur), cur_cjk));
            }
            if !c.is_alphanumeric() {
                continue;
            }
        }
        cur_cjk = cjk;
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push((cur, cur_cjk));
    }
    out
}

/// The terms an item is found by: its words, and every CJK character and pair of characters.
pub fn document_terms(parts: &[&str]) -> Vec<String> {
    let mut out = std::collections::BTreeSet::new();
    for part in parts {
        for (run, cjk) in runs(&fold(part)) {
            if cjk {
                let chars: Vec<char> = run.chars().collect();
                for (i, c) in chars.iter().enumerate() {
                    out.insert(c.to_string());
                    if let Some(next) = chars.get(i + 1) {
                        out.insert(format!("{c}{next}"));
                    }
                }
            } else {
                out.insert(cut(run));
            }
            if out.len() >= MAX_TERMS {
                return out.into_iter().collect();
            }
        }
    }
    out.into_iter().collect()
}

/// Whether an item with this text, reply and author's name is found by the query term
/// `term` (one of `query_terms`): a word of the text or reply starts with it, or it is a
/// whole word of the name. What the search index finds is checked with this.
pub fn finds(text: &str, reply: &str, name: &str, term: &str) -> bool {
    document_terms(&[name]).iter().any(|w| w == term)
        || document_terms(&[text, reply])
            .iter()
            .any(|w| w.starts_with(term))
}

/// The terms a search must all find: its words, and CJK runs as overlapping pairs.
pub fn query_terms(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (run, cjk) in runs(&fold(q)) {
        let terms: Vec<String> = if cjk {
            let chars: Vec<char> = run.chars().collect();
            if chars.len() == 1 {
                vec![run]
            } else {
                chars.windows(2).map(|w| w.iter().collect()).collect()
            }
        } else {
            vec![cut(run)]
        };
        for t in terms {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out.truncate(12);
    out
}

/// Words and two-word phrases worth counting in a review ("friendly staff"): folded, three
/// letters or more, common words of several languages left out, and so are `names` (the folded
/// words of the author's name: a name is no notable word, and no name may be kept outside the
/// sealed review). At most 40 per review.
pub fn notable_words(text: &str, names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev: Option<String> = None;
    for (run, cjk) in runs(&fold(text)) {
        let keep = !cjk
            && run.chars().count() >= 3
            && !run.chars().all(|c| c.is_ascii_digit())
            && !is_stop_word(&run)
            && !names.contains(&cut(run.clone()));
        if !keep {
            prev = None;
            continue;
        }
        let w = cut(run);
        if let Some(p) = prev.take() {
            let phrase = format!("{p} {w}");
            if !out.contains(&phrase) {
                out.push(phrase);
            }
        }
        if !out.contains(&w) {
            out.push(w.clone());
        }
        prev = Some(w);
        if out.len() >= 40 {
            break;
        }
    }
    out
}

/// Common words of English, French, German, Spanish, Italian, Portuguese and Dutch, and the
/// pieces contractions split into ("won't" → "won", "t"), space-separated.
const STOP_WORDS: &str = "\
    about after again ain all also and any are aren aux bei been being bien both but came can \
    che com come comme con could couldn cette del della dem den der did didn die does doesn \
    doing don done das een ein eine elle esta est etait even ever every fait for foi from fur \
    get got had hadn has hasn hat have haven heel her here het him his how ich ils into isn ist \
    its just leur les let los las made maar mais make mas may met mit molto more most much muito \
    mais nao new nicht noch non not now nous one only ook our out over own par para pas per pero \
    plus por pour que qui really say see sehr ser ses she should shouldn sich sie some son sono \
    such sur than that the their them then there these they this those too tout tres una und une \
    uma use van very voor vous war was wasn way were weren what when where which while who wie \
    will wir with won would wouldn your zeer zijn";

fn is_stop_word(w: &str) -> bool {
    STOP_WORDS.split_ascii_whitespace().any(|s| s == w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_accents_and_width_are_folded() {
        assert_eq!(fold("Crème BRÛLÉE"), "creme brulee");
        assert_eq!(fold("ＡＢＣ１"), "abc1");
        assert_eq!(fold("Straße"), "straße");
        assert_eq!(query_terms("CRÈME, brûlée!"), vec!["creme", "brulee"]);
        let doc = document_terms(&["La crème brûlée était parfaite", "Zoë"]);
        for t in ["creme", "brulee", "etait", "zoe"] {
            assert!(doc.contains(&t.to_string()), "{t}: {doc:?}");
        }
    }

    #[test]
    fn cjk_text_is_found_by_any_part() {
        let doc = document_terms(&["東京駅のラーメンは最高でした"]);
        for q in ["東京", "東京駅", "ラーメン", "最高", "駅"] {
            assert!(
                query_terms(q).iter().all(|t| doc.contains(t)),
                "{q}: {:?}",
                query_terms(q)
            );
        }
        assert!(!query_terms("大阪").iter().all(|t| doc.contains(t)));
        let ko = document_terms(&["서비스가 정말 좋아요"]);
        assert!(query_terms("서비스").iter().all(|t| ko.contains(t)));
        // Mixed scripts split where the script changes.
        assert_eq!(query_terms("iPhone修理"), vec!["iphone", "修理"]);
    }

    #[test]
    fn hostile_and_huge_input_stays_bounded() {
        let long = "a".repeat(10_000);
        assert_eq!(document_terms(&[&long])[0].len(), MAX_TERM);
        let many: String = (0..10_000).map(|i| format!("w{i} ")).collect();
        assert_eq!(document_terms(&[&many]).len(), MAX_TERMS);
        assert!(
            query_terms("<script>alert(1)</script>")
                .iter()
                .all(|t| t.chars().all(char::is_alphanumeric))
        );
        assert_eq!(query_terms(&many).len(), 12);
    }

    #[test]
    fn notable_words_skip_common_ones_and_keep_phrases() {
        let w = notable_words(
            "The staff was very friendly. Friendly staff, great coffee!",
            &[],
        );
        assert!(w.contains(&"friendly staff".to_string()), "{w:?}");
        assert!(w.contains(&"great coffee".to_string()));
        assert!(w.contains(&"coffee".to_string()));
        assert!(!w.iter().any(|x| x == "the" || x == "very" || x == "was"));
        // No phrase across a dropped word: "staff was very friendly" gives no "staff friendly".
        assert!(!w.contains(&"staff friendly".to_string()));
    }
}
