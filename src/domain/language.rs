//! A review's language, guessed from its script (Japanese, Korean, Chinese, Cyrillic, Greek,
//! Arabic, Hebrew, Thai) or, for Latin script, from the common words of seven languages it
//! uses most. Good enough to filter an inbox; a short text with no telling words has none.

use super::text::fold;

/// Languages the inbox can filter by: (code, name).
pub const LANGUAGES: [(&str, &str); 15] = [
    ("en", "English"),
    ("fr", "French"),
    ("de", "German"),
    ("es", "Spanish"),
    ("it", "Italian"),
    ("pt", "Portuguese"),
    ("nl", "Dutch"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("zh", "Chinese"),
    ("ru", "Russian"),
    ("el", "Greek"),
    ("ar", "Arabic"),
    ("he", "Hebrew"),
    ("th", "Thai"),
];

const WORDS: [(&str, &str); 7] = [
    (
        "en",
        "the and was were with this that very great good staff food service not but for they have had our you would will again place",
    ),
    (
        "fr",
        "le la les et est tres pas une des du pour avec nous sont mais tout bien bon accueil je vous qui que dans au etait ete chez ce cette sur ou on en parfait",
    ),
    (
        "de",
        "der die das und ist sehr nicht ein eine mit war wir auch fur sich aber ich sie es auf zu den dem gut",
    ),
    (
        "es",
        "el la los las y es muy no una con por para pero que del lo como fue todo bien buena servicio comida",
    ),
    (
        "it",
        "il la le e molto non una con per che di del della sono ma era tutto bene buono servizio anche ottimo",
    ),
    (
        "pt",
        "o a os as e muito nao uma com por para que do da mas foi tudo bem bom atendimento comida otimo",
    ),
    (
        "nl",
        "de het een en is zeer niet met van voor maar ook was wij heel goed eten lekker personeel",
    ),
];

/// The language code of `text`, if it can tell.
pub fn detect(text: &str) -> Option<&'static str> {
    let mut counts = [0usize; 9];
    for c in text.chars() {
        let i = match u32::from(c) {
            0x3040..=0x30FF => 0,                   // kana: Japanese
            0xAC00..=0xD7AF | 0x1100..=0x11FF => 1, // Hangul
            0x4E00..=0x9FFF | 0x3400..=0x4DBF => 2, // Han
            0x0400..=0x04FF => 3,
            0x0370..=0x03FF => 4,
            0x0600..=0x06FF => 5,
            0x0590..=0x05FF => 6,
            0x0E00..=0x0E7F => 7,
            _ if c.is_alphabetic() => 8,
            _ => continue,
        };
        counts[i] += 1;
    }
    let total: usize = counts.iter().sum();
    if total == 0 {
        return None;
    }
    // Any kana makes Han text Japanese; Han alone is Chinese.
    if counts[0] > 0 && counts[0] + counts[2] >= total / 2 {
        return Some("ja");
    }
    let scripts = ["ja", "ko", "zh", "ru", "el", "ar", "he", "th"];
    let (best, n) = counts[..8]
        .iter()
        .enumerate()
        .max_by_key(|(_, n)| **n)
        .map(|(i, n)| (i, *n))
        .unwrap_or((0, 0));
    if n * 2 >= total && n > 0 {
        return Some(scripts[best]);
    }
    let folded = fold(text);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut scores: Vec<(usize, &str)> = WORDS
        .iter()
        .map(|(code, list)| {
            let hits = words
                .iter()
                .filter(|w| list.split_ascii_whitespace().any(|x| x == **w))
                .count();
            (hits, *code)
        })
        .collect();
    scores.sort_by_key(|s| std::cmp::Reverse(s.0));
    match (scores[0], scores[1]) {
        ((top, code), (second, _)) if top >= 2 && top > second => Some(code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn languages_are_told_apart() {
        for (text, lang) in [
            ("Great coffee and the staff were very friendly", Some("en")),
            (
                "Très bon accueil, je recommande vivement ce restaurant",
                Some("fr"),
            ),
            ("Das Essen war sehr gut und der Service auch", Some("de")),
            ("La comida muy buena y el servicio rápido", Some("es")),
            (
                "Il servizio è stato ottimo e il cibo molto buono",
                Some("it"),
            ),
            ("O atendimento foi muito bom e a comida ótima", Some("pt")),
            (
                "Het eten was heel lekker en het personeel zeer vriendelijk",
                Some("nl"),
            ),
            ("最高のサービスでした。また来ます。", Some("ja")),
            ("서비스가 정말 좋아요", Some("ko")),
            ("服务很好，食物也很好吃", Some("zh")),
            ("Отличный сервис", Some("ru")),
            ("ok", None),
            ("", None),
        ] {
            assert_eq!(detect(text), lang, "{text}");
        }
    }
}
