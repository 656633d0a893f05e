//! A draft's text as HTML: the small Markdown the drafter writes (headings, paragraphs,
//! bulleted and numbered lists with one level of nesting, `**bold**`, simple tables), and
//! nothing else. Every piece of text is escaped first and only these known tags are added, so a
//! reviewer's edit or a model's output cannot inject markup. Deal ids the draft cites become
//! links to their deal pages.

use super::html::{escape, href};

/// Renders `text`; each id in `deal_ids` found in the text links to `/deals/{id}`.
pub(super) fn render(text: &str, deal_ids: &[String]) -> String {
    let mut out = String::new();
    let mut paragraph: Vec<String> = Vec::new();
    let mut list: Option<List> = None;
    let mut table: Vec<Vec<String>> = Vec::new();
    let inline = |t: &str| inline(t, deal_ids);
    for raw in text.lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        let indented = line.len() - trimmed.len() >= 2;
        if trimmed.starts_with('|') {
            flush_paragraph(&mut out, &mut paragraph);
            flush_list(&mut out, &mut list);
            if !is_separator_row(trimmed) {
                table.push(cells(trimmed).iter().map(|c| inline(c)).collect());
            }
            continue;
        }
        flush_table(&mut out, &mut table);
        if trimmed.is_empty() {
            flush_paragraph(&mut out, &mut paragraph);
            continue;
        }
        if let Some((level, heading)) = heading(trimmed) {
            flush_paragraph(&mut out, &mut paragraph);
            flush_list(&mut out, &mut list);
            out.push_str(&format!("<h{level}>{}</h{level}>", inline(heading)));
            continue;
        }
        if let Some((ordered, item)) = list_item(trimmed) {
            flush_paragraph(&mut out, &mut paragraph);
            let current = list.get_or_insert_with(|| List { ordered, items: Vec::new() });
            match current.items.last_mut() {
                Some(last) if indented => last.1.push(inline(item)),
                _ if current.ordered != ordered && !indented => {
                    flush_list(&mut out, &mut list);
                    list = Some(List { ordered, items: vec![(inline(item), Vec::new())] });
                }
                _ => current.items.push((inline(item), Vec::new())),
            }
            continue;
        }
        if indented {
            if let Some(last) = list.as_mut().and_then(|l| l.items.last_mut()) {
                last.0.push_str("<br>");
                last.0.push_str(&inline(trimmed));
                continue;
            }
        }
        flush_list(&mut out, &mut list);
        paragraph.push(inline(trimmed));
    }
    flush_table(&mut out, &mut table);
    flush_paragraph(&mut out, &mut paragraph);
    flush_list(&mut out, &mut list);
    out
}

struct List {
    ordered: bool,
    /// Each item's HTML and its nested bullets.
    items: Vec<(String, Vec<String>)>,
}

fn heading(line: &str) -> Option<(usize, &str)> {
    let hashes = line.bytes().take_while(|b| *b == b'#').count();
    let rest = line.get(hashes..)?;
    // `#` is the page's own title level; drafts start one below it.
    (1..=4).contains(&hashes).then_some(())?;
    let text = rest.strip_prefix(' ')?;
    Some(((hashes + 1).min(5), text))
}

fn list_item(line: &str) -> Option<(bool, &str)> {
    if let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        return Some((false, item));
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=3).contains(&digits) {
        return line.get(digits..)?.strip_prefix(". ").map(|item| (true, item));
    }
    None
}

fn cells(row: &str) -> Vec<&str> {
    let inner = row.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    inner.split('|').map(str::trim).collect()
}

fn is_separator_row(row: &str) -> bool {
    cells(row).iter().all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
}

fn flush_paragraph(out: &mut String, paragraph: &mut Vec<String>) {
    if !paragraph.is_empty() {
        out.push_str(&format!("<p>{}</p>", paragraph.join("<br>")));
        paragraph.clear();
    }
}

fn flush_list(out: &mut String, list: &mut Option<List>) {
    let Some(list) = list.take() else { return };
    let tag = if list.ordered { "ol" } else { "ul" };
    out.push_str(&format!("<{tag}>"));
    for (item, nested) in list.items {
        out.push_str("<li>");
        out.push_str(&item);
        if !nested.is_empty() {
            out.push_str("<ul>");
            for child in nested {
                out.push_str(&format!("<li>{child}</li>"));
            }
            out.push_str("</ul>");
        }
        out.push_str("</li>");
    }
    out.push_str(&format!("</{tag}>"));
}

fn flush_table(out: &mut String, rows: &mut Vec<Vec<String>>) {
    if rows.is_empty() {
        return;
    }
    out.push_str("<div class=\"table-wrap\"><table class=\"md-table\">");
    for (i, row) in rows.iter().enumerate() {
        let cell = if i == 0 { "th" } else { "td" };
        out.push_str("<tr>");
        for text in row {
            out.push_str(&format!("<{cell}>{text}</{cell}>"));
        }
        out.push_str("</tr>");
    }
    out.push_str("</table></div>");
    rows.clear();
}

/// Escapes `text`, then adds `<strong>` for `**…**` pairs and links for cited deal ids.
fn inline(text: &str, deal_ids: &[String]) -> String {
    let mut out = String::new();
    for (i, part) in text.split("**").enumerate() {
        let escaped = link_deals(&escape(part), deal_ids);
        // Odd parts sit between a pair of `**`; a lone trailing `**` stays as written.
        let closed = i % 2 == 1 && text.split("**").count() > i + 1;
        if closed {
            out.push_str(&format!("<strong>{escaped}</strong>"));
        } else {
            if i > 0 && i % 2 == 1 {
                out.push_str("**");
            }
            out.push_str(&escaped);
        }
    }
    out
}

/// Wraps each `(deal_id)` in the escaped text with a link to the deal.
fn link_deals(escaped: &str, deal_ids: &[String]) -> String {
    let mut text = escaped.to_owned();
    for id in deal_ids {
        let needle = format!("({})", escape(id));
        if text.contains(&needle) {
            let link = format!("(<a class=\"deal-ref\" href=\"{}\">{}</a>)", escape(&href("deals", id)), escape(id));
            text = text.replace(&needle, &link);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_drafters_markdown_becomes_html() {
        let text = "# Your week, Ann\n\nHeadline here.\nSecond line.\n\n## Deals that need you\n\n\
                    1. **Big deal** (deal-1)\n   - What is wrong: stalled\n   - Next step: call\n\
                    2. **Other** (deal-2)\n\n- a\n- b\n";
        let html = render(text, &["deal-1".to_owned()]);
        assert!(html.starts_with("<h2>Your week, Ann</h2><p>Headline here.<br>Second line.</p><h3>"), "{html}");
        assert!(html.contains("<ol><li><strong>Big deal</strong> (<a class=\"deal-ref\" href=\"/deals/deal-1\">deal-1</a>)<ul><li>What is wrong: stalled</li><li>Next step: call</li></ul></li><li><strong>Other</strong> (deal-2)</li></ol>"), "{html}");
        assert!(html.ends_with("<ul><li>a</li><li>b</li></ul>"), "{html}");
    }

    #[test]
    fn tables_render_without_their_separator_row() {
        let html = render("| | GBP |\n|---|---|\n| P10 | £1m |\n", &[]);
        assert_eq!(
            html,
            "<div class=\"table-wrap\"><table class=\"md-table\"><tr><th></th><th>GBP</th></tr><tr><td>P10</td><td>£1m</td></tr></table></div>"
        );
    }

    #[test]
    fn markup_in_the_text_is_escaped() {
        let html = render("<script>alert(1)</script>\n- <img src=x onerror=y>\n**<b>**", &["<x>".to_owned()]);
        assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert_eq!(render("a ** b", &[]), "<p>a ** b</p>");
        assert_eq!(render("#nohead", &[]), "<p>#nohead</p>");
    }
}
