//! Streaming mbox reader: splits a mailbox into messages at `From ` separator lines, reading
//! one line at a time so memory holds one message, never the file. Body lines quoted as
//! `>From ` (mboxo) or `>>From ` (mboxrd) lose one `>`: exact for mboxrd, and for mboxo it
//! only changes an original `>From ` line, which is harmless for what is kept.

use std::io::{self, BufRead};

/// Largest message kept; a bigger one is reported as oversized instead of filling memory.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MboxMessage {
    /// Line of the `From ` separator (1-based).
    pub line: u64,
    /// The separator line without `From ` and the line end: `sender date`.
    pub envelope: String,
    pub bytes: Vec<u8>,
    /// The message went past [`MAX_MESSAGE_BYTES`]; `bytes` holds only its beginning.
    pub oversized: bool,
}

pub struct MboxReader<R> {
    reader: R,
    line: u64,
    /// The separator that starts the next message, once read.
    next_start: Option<(u64, String)>,
    started: bool,
    max_bytes: usize,
}

impl<R: BufRead> MboxReader<R> {
    pub fn new(reader: R) -> Self {
        Self::with_limit(reader, MAX_MESSAGE_BYTES)
    }

    pub fn with_limit(reader: R, max_bytes: usize) -> Self {
        Self { reader, line: 0, next_start: None, started: false, max_bytes }
    }

    fn read_line(&mut self, buf: &mut Vec<u8>) -> io::Result<bool> {
        buf.clear();
        // One line is bounded too, so a file with no line breaks cannot exhaust memory.
        let read = io::Read::take(&mut self.reader, self.max_bytes as u64 + 1).read_until(b'\n', buf)?;
        if read > 0 {
            self.line += 1;
        }
        Ok(read > 0)
    }
}

fn envelope_of(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line.get(5..).unwrap_or_default());
    text.trim_end_matches(['\r', '\n']).to_owned()
}

/// `>From `, `>>From `, … → one `>` fewer.
fn unquote_from(line: &[u8]) -> &[u8] {
    let quotes = line.iter().take_while(|&&b| b == b'>').count();
    if quotes > 0 && line[quotes..].starts_with(b"From ") {
        &line[1..]
    } else {
        line
    }
}

impl<R: BufRead> Iterator for MboxReader<R> {
    type Item = io::Result<MboxMessage>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut buf = Vec::new();
        let (line, envelope) = match self.next_start.take() {
            Some(start) => start,
            None => {
                // Find the first separator; anything before it is not part of any message.
                loop {
                    match self.read_line(&mut buf) {
                        Ok(false) => return None,
                        Ok(true) if buf.starts_with(b"From ") => break (self.line, envelope_of(&buf)),
                        Ok(true) => {
                            if !self.started && !buf.iter().all(u8::is_ascii_whitespace) {
                                self.started = true;
                                return Some(Err(io::Error::new(
                                    io::ErrorKind::InvalidData,
                                    format!("line {}: text before the first \"From \" separator", self.line),
                                )));
                            }
                        }
                        Err(error) => return Some(Err(error)),
                    }
                }
            }
        };
        self.started = true;
        let mut message = MboxMessage { line, envelope, bytes: Vec::new(), oversized: false };
        loop {
            match self.read_line(&mut buf) {
                Ok(false) => break,
                Ok(true) if buf.starts_with(b"From ") => {
                    self.next_start = Some((self.line, envelope_of(&buf)));
                    break;
                }
                Ok(true) => {
                    let content = unquote_from(&buf);
                    if message.bytes.len() + content.len() > self.max_bytes {
                        message.oversized = true;
                    } else {
                        message.bytes.extend_from_slice(content);
                    }
                }
                Err(error) => return Some(Err(error)),
            }
        }
        // The blank line that precedes the next separator belongs to the format, not the message.
        if message.bytes.ends_with(b"\r\n\r\n") {
            message.bytes.truncate(message.bytes.len() - 2);
        } else if message.bytes.ends_with(b"\n\n") {
            message.bytes.pop();
        }
        Some(Ok(message))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<MboxMessage> {
        MboxReader::new(text.as_bytes()).collect::<Result<Vec<_>, _>>().unwrap()
    }

    #[test]
    fn messages_split_at_separators_with_their_line_numbers() {
        let mbox = "From a@x.example Mon Jan  5 09:00:00 2026\nSubject: one\n\nbody\n\nFrom b@x.example Tue Jan  6 09:00:00 2026\nSubject: two\n\nsecond\n";
        let messages = split(mbox);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].line, 1);
        assert_eq!(messages[0].envelope, "a@x.example Mon Jan  5 09:00:00 2026");
        assert_eq!(messages[0].bytes, b"Subject: one\n\nbody\n");
        assert_eq!(messages[1].line, 6);
        assert_eq!(messages[1].bytes, b"Subject: two\n\nsecond\n");
    }

    #[test]
    fn quoted_from_lines_lose_one_quote() {
        let mbox = "From a Mon Jan  5 09:00:00 2026\n\n>From here\n>>From there\n> From kept\n";
        let messages = split(mbox);
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].bytes, b"\nFrom here\n>From there\n> From kept\n");
    }

    #[test]
    fn oversized_messages_are_flagged_and_the_next_one_still_reads() {
        let mbox = format!("From a\n{}\nFrom b\nSubject: small\n", "x".repeat(100));
        let messages: Vec<MboxMessage> =
            MboxReader::with_limit(mbox.as_bytes(), 50).collect::<Result<Vec<_>, _>>().unwrap();
        assert_eq!(messages.len(), 2);
        assert!(messages[0].oversized);
        assert!(!messages[1].oversized);
        assert_eq!(messages[1].bytes, b"Subject: small\n");
    }

    #[test]
    fn text_before_the_first_separator_is_reported_once() {
        let mut reader = MboxReader::new("garbage\nFrom a\nSubject: x\n".as_bytes());
        assert!(reader.next().unwrap().is_err());
        assert_eq!(reader.next().unwrap().unwrap().bytes, b"Subject: x\n");
        assert!(reader.next().is_none());
    }
}
