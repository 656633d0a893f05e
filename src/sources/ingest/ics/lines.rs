//! iCalendar content lines (RFC 5545 §3.1): reads a stream line by line, unfolds continuation
//! lines, splits each into name, parameters and value, and nests BEGIN/END blocks into a
//! component tree that keeps the line number of every component and property. Invalid UTF-8
//! costs the affected characters, never the file.

use std::io::BufRead;

/// Longest unfolded line accepted; real properties are far shorter, and the bound keeps a
/// file with no line breaks from growing one line without limit.
const MAX_LINE_BYTES: usize = 1 << 20;
/// Deepest BEGIN nesting accepted (VCALENDAR > VEVENT > VALARM is three).
const MAX_DEPTH: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// Uppercase.
    pub name: String,
    /// (uppercase name, values) in file order.
    pub params: Vec<(String, Vec<String>)>,
    pub value: String,
    pub line: u64,
}

impl Property {
    /// The first value of parameter `name` (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .and_then(|(_, values)| values.first())
            .map(String::as_str)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Component {
    /// Uppercase, e.g. `VEVENT`.
    pub name: String,
    pub line: u64,
    pub properties: Vec<Property>,
    pub children: Vec<Component>,
}

impl Component {
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    pub fn properties<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Property> + 'a {
        self.properties.iter().filter(move |p| p.name == name)
    }

    /// The property's value as text, with RFC 5545 escapes undone and surrounding space trimmed.
    pub fn text(&self, name: &str) -> Option<String> {
        self.property(name).map(|p| unescape_text(&p.value)).map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
    }
}

/// Why a calendar stream could not be read as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinesError {
    #[error("line {line}: cannot read: {reason}")]
    Read { line: u64, reason: String },
    #[error("line {line}: line longer than {MAX_LINE_BYTES} bytes")]
    TooLong { line: u64 },
    #[error("line {line}: END:{found} does not close BEGIN:{open} (line {open_line})")]
    Mismatched { line: u64, found: String, open: String, open_line: u64 },
    #[error("line {line}: END:{found} without a matching BEGIN")]
    UnexpectedEnd { line: u64, found: String },
    #[error("line {line}: BEGIN:{open} is never closed")]
    Unclosed { line: u64, open: String },
    #[error("line {line}: components nested deeper than {MAX_DEPTH} levels")]
    TooDeep { line: u64 },
    #[error("no BEGIN:VCALENDAR or other component found: not an iCalendar file")]
    NotCalendar,
}

/// The top-level components of a stream (normally one or more VCALENDARs), plus how many lines
/// were skipped because they were not content lines.
#[derive(Debug, Default)]
pub struct ParsedStream {
    pub components: Vec<Component>,
    pub skipped_lines: u64,
}

/// Reads one logical (unfolded) line at a time, with the number of its first physical line.
struct Unfolder<R> {
    reader: R,
    physical_line: u64,
    pending: Option<(u64, Vec<u8>)>,
    done: bool,
}

impl<R: BufRead> Unfolder<R> {
    fn physical(&mut self) -> Result<Option<Vec<u8>>, LinesError> {
        let mut buf = Vec::new();
        let read = std::io::Read::take(&mut self.reader, MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| LinesError::Read { line: self.physical_line + 1, reason: e.to_string() })?;
        if read == 0 {
            return Ok(None);
        }
        self.physical_line += 1;
        if buf.len() > MAX_LINE_BYTES {
            return Err(LinesError::TooLong { line: self.physical_line });
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        Ok(Some(buf))
    }

    fn next_logical(&mut self) -> Result<Option<(u64, String)>, LinesError> {
        let mut current = match self.pending.take() {
            Some(line) => line,
            None if self.done => return Ok(None),
            None => match self.physical()? {
                Some(bytes) => (self.physical_line, bytes),
                None => return Ok(None),
            },
        };
        loop {
            match self.physical()? {
                None => {
                    self.done = true;
                    break;
                }
                Some(next) if matches!(next.first(), Some(b' ' | b'\t')) => {
                    current.1.extend_from_slice(&next[1..]);
                    if current.1.len() > MAX_LINE_BYTES {
                        return Err(LinesError::TooLong { line: current.0 });
                    }
                }
                Some(next) => {
                    self.pending = Some((self.physical_line, next));
                    break;
                }
            }
        }
        Ok(Some((current.0, String::from_utf8_lossy(&current.1).into_owned())))
    }
}

/// Parses a whole stream into components. `first_line` numbers the first line (1 for a file,
/// the part's position for a calendar inside an email).
pub fn parse_stream<R: BufRead>(reader: R, first_line: u64) -> Result<ParsedStream, LinesError> {
    let mut lines = Unfolder { reader, physical_line: first_line.saturating_sub(1), pending: None, done: false };
    let mut stack: Vec<Component> = Vec::new();
    let mut parsed = ParsedStream::default();
    let mut saw_calendar = false;
    while let Some((line, text)) = lines.next_logical()? {
        let text = text.trim_start_matches('\u{feff}');
        if text.trim().is_empty() {
            continue;
        }
        let Some(property) = parse_content_line(text, line) else {
            parsed.skipped_lines += 1;
            continue;
        };
        match property.name.as_str() {
            "BEGIN" => {
                if stack.len() >= MAX_DEPTH {
                    return Err(LinesError::TooDeep { line });
                }
                let name = property.value.trim().to_ascii_uppercase();
                saw_calendar |= name == "VCALENDAR";
                stack.push(Component { name, line, ..Component::default() });
            }
            "END" => {
                let name = property.value.trim().to_ascii_uppercase();
                let Some(open) = stack.pop() else {
                    return Err(LinesError::UnexpectedEnd { line, found: name });
                };
                if open.name != name {
                    return Err(LinesError::Mismatched { line, found: name, open: open.name, open_line: open.line });
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(open),
                    None => parsed.components.push(open),
                }
            }
            _ => match stack.last_mut() {
                Some(component) => component.properties.push(property),
                None => parsed.skipped_lines += 1,
            },
        }
    }
    if let Some(open) = stack.pop() {
        return Err(LinesError::Unclosed { line: open.line, open: open.name });
    }
    if !saw_calendar {
        // Bare components (a lone VEVENT, as some tools export one event) read as if they
        // were wrapped in a calendar.
        if parsed.components.is_empty() {
            return Err(LinesError::NotCalendar);
        }
        let line = parsed.components.first().map_or(1, |c| c.line);
        let children = std::mem::take(&mut parsed.components);
        parsed.components.push(Component { name: "VCALENDAR".to_owned(), line, properties: Vec::new(), children });
    }
    Ok(parsed)
}

/// `NAME;PARAM=a,"b";P2=c:value`. `None` when the line has no name or no colon.
pub(super) fn parse_content_line(text: &str, line: u64) -> Option<Property> {
    let name_end = text.find([';', ':'])?;
    let name = text[..name_end].trim();
    let valid_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_name {
        return None;
    }
    let mut params = Vec::new();
    let mut rest = &text[name_end..];
    while let Some(after) = rest.strip_prefix(';') {
        let (param, remaining) = parse_param(after)?;
        params.push(param);
        rest = remaining;
    }
    let value = rest.strip_prefix(':')?;
    Some(Property { name: name.to_ascii_uppercase(), params, value: value.to_owned(), line })
}

/// One `NAME=v1,"v2"` parameter and the text after it (starting at `;` or `:`).
fn parse_param(text: &str) -> Option<((String, Vec<String>), &str)> {
    let eq = text.find(['=', ':', ';'])?;
    let name = text[..eq].trim().to_ascii_uppercase();
    if !text[eq..].starts_with('=') {
        // A bare parameter without a value (seen in broken files): keep the name, empty value.
        return Some(((name, Vec::new()), &text[eq..]));
    }
    let mut values = Vec::new();
    let mut rest = &text[eq + 1..];
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let close = quoted.find('"')?;
            values.push(quoted[..close].to_owned());
            rest = &quoted[close + 1..];
        } else {
            let end = rest.find([',', ';', ':']).unwrap_or(rest.len());
            values.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
        match rest.strip_prefix(',') {
            Some(after) => rest = after,
            None => break,
        }
    }
    Some(((name, values), rest))
}

/// Undoes TEXT escapes: `\n`, `\N`, `\,`, `\;`, `\\`.
pub(super) fn unescape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn lines_unfold_and_split_into_name_params_and_value() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Fee re\r\n view\\, Q3\r\nATTENDEE;CN=\"Doe, Jane\";PARTSTAT=ACCEPTED:mailto:j@x.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let parsed = parse_stream(text.as_bytes(), 1).unwrap();
        let calendar = &parsed.components[0];
        let event = &calendar.children[0];
        assert_eq!(event.name, "VEVENT");
        assert_eq!(event.line, 2);
        assert_eq!(event.text("SUMMARY").as_deref(), Some("Fee review, Q3"));
        let attendee = event.property("ATTENDEE").unwrap();
        assert_eq!(attendee.param("cn"), Some("Doe, Jane"));
        assert_eq!(attendee.param("PARTSTAT"), Some("ACCEPTED"));
        assert_eq!(attendee.value, "mailto:j@x.example");
        assert_eq!(attendee.line, 5);
    }

    #[test]
    fn structural_errors_name_the_line() {
        let err = parse_stream("BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VTODO\n".as_bytes(), 1).unwrap_err();
        assert_eq!(err.to_string(), "line 3: END:VTODO does not close BEGIN:VEVENT (line 2)");
        let err = parse_stream("BEGIN:VCALENDAR\n".as_bytes(), 1).unwrap_err();
        assert!(matches!(err, LinesError::Unclosed { line: 1, .. }));
        assert_eq!(parse_stream("hello".as_bytes(), 1).unwrap_err(), LinesError::NotCalendar);
        let bare = parse_stream("BEGIN:VEVENT\nUID:x\nEND:VEVENT\n".as_bytes(), 1).unwrap();
        assert_eq!(bare.components[0].name, "VCALENDAR");
        assert_eq!(bare.components[0].children[0].name, "VEVENT");
    }

    #[test]
    fn garbage_lines_are_skipped_and_counted() {
        let parsed = parse_stream("BEGIN:VCALENDAR\n\u{0}\u{1}junk\nX-OK:1\nEND:VCALENDAR".as_bytes(), 1).unwrap();
        assert_eq!(parsed.skipped_lines, 1);
        assert_eq!(parsed.components[0].properties.len(), 1);
    }

    #[test]
    fn text_escapes_are_undone() {
        assert_eq!(unescape_text(r"a\nb\;c\\d\,e\"), "a\nb;c\\d,e\\");
    }
}
