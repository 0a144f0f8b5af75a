//! Choosing among the shipped languages for what a reader asked for.

use icu_locale_core::Locale;

/// The language ranges of an `Accept-Language` header, most preferred first (by q-value, then
/// order); `*` and ranges with q=0 are left out.
pub fn parse_accept_language(header: &str) -> Vec<String> {
    let mut ranges: Vec<(u16, usize, String)> = header
        .split(',')
        .enumerate()
        .filter_map(|(position, item)| {
            let mut parts = item.split(';');
            let range = parts.next()?.trim();
            if range.is_empty() || range == "*" {
                return None;
            }
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .next()
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let weight = (q.clamp(0.0, 1.0) * 1000.0) as u16;
            (weight > 0).then(|| (weight, position, range.to_owned()))
        })
        .collect();
    ranges.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.into_iter().map(|(_, _, range)| range).take(16).collect()
}

/// The index in `shipped` of the best language for `wanted`: for each wish in order, an exact
/// match, else a shipped language of the same language and no region conflict (pt → pt-BR,
/// en-GB → en).
pub(crate) fn best(wanted: &[Locale], shipped: &[Locale]) -> Option<usize> {
    for wish in wanted {
        let lang = wish.id.language;
        if let Some(i) = shipped.iter().position(|s| s.id == wish.id) {
            return Some(i);
        }
        if let Some(i) = shipped.iter().position(|s| s.id.language == lang && s.id.region == wish.id.region) {
            return Some(i);
        }
        if let Some(i) = shipped.iter().position(|s| s.id.language == lang) {
            return Some(i);
        }
    }
    None
}
