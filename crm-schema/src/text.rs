//! Text from a server made safe to show, log or write: the client's own token (and anything
//! shaped `Bearer <token>`) masked, control characters escaped, excerpts of bodies short; and
//! the small text helpers every crate's messages share ([`snippet`], [`edit_distance`],
//! [`without_position`]).
//!
//! A server may echo the request's `Authorization` header into an error message, a validation
//! message, a dictionary label or an HTML page, and may send raw control characters (ESC
//! sequences that repaint a terminal, CR that hides the start of a line). Every string from a
//! server that reaches a message, a log or a snapshot file goes through a [`Redactor`] first.
//! It lives here, in the lowest shared crate, so the runtime, the refresh and the `crm` command
//! apply one rule.
//!
//! Hand-written rather than a regex crate: the two patterns (a known secret, `Bearer` followed
//! by token characters) are simple, and the fragment rule below has no regex form.

use std::borrow::Cow;
use std::fmt;

/// What replaces a masked secret.
pub const MASK: &str = "[redacted]";

/// A run of at least this many characters of a secret is masked even when the rest of the
/// secret is not there: excerpts are cut, and a cut must not leave half a token behind.
const MIN_FRAGMENT: usize = 8;

/// Masks known secrets and `Bearer` credentials and escapes control characters.
///
/// Its `Debug` output shows how many secrets it holds, never the secrets.
///
/// ```
/// use crm_schema::text::Redactor;
/// let r = Redactor::default().with_secret("s3cr3t-token-value");
/// assert_eq!(
///     r.line("echo: s3cr3t-token-value\x1b[2J\r\n"),
///     "echo: [redacted]\\u{1b}[2J\\r\\n"
/// );
/// assert_eq!(r.line("Authorization: Bearer abc.def.ghi"), "Authorization: Bearer [redacted]");
/// ```
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Redactor {
    /// Adds a secret to mask (the access token). Blank secrets are ignored.
    #[must_use]
    pub fn with_secret(mut self, secret: &str) -> Self {
        let secret = secret.trim();
        if !secret.is_empty() && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
        }
        self
    }

    /// `text` with every secret (whole, or a run of at least eight of its characters) and every
    /// `Bearer <credential>` masked; nothing else changes.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.secrets {
            if let Some(masked) = mask_secret(&out, secret) {
                out = Cow::Owned(masked);
            }
        }
        match mask_bearer(&out) {
            Some(masked) => Cow::Owned(masked),
            None => out,
        }
    }

    /// [`mask`](Self::mask), then every control character escaped (`\n`, `\r`, `\t`, `\u{1b}`,
    /// and the invisible direction and line-separator characters): the result is one line.
    pub fn line(&self, text: &str) -> String {
        escape(&self.mask(text), false)
    }

    /// Like [`line`](Self::line) but keeps line feeds and tabs, for multi-line free text (a
    /// field description).
    pub fn text(&self, text: &str) -> String {
        escape(&self.mask(text), true)
    }

    /// A body as bytes with every whole secret masked, also in the JSON spellings a server
    /// may echo it in (`/` as `\/`), and `Bearer <credential>` masked; everything else is left
    /// byte for byte. For bodies saved to a file and bodies about to be parsed.
    pub fn mask_bytes<'a>(&self, body: &'a [u8]) -> Cow<'a, [u8]> {
        let mut out = Cow::Borrowed(body);
        for secret in &self.secrets {
            let escaped = secret.replace('/', "\\/");
            for form in [secret.as_str(), escaped.as_str()] {
                if let Some(masked) = replace_bytes(&out, form.as_bytes(), MASK.as_bytes()) {
                    out = Cow::Owned(masked);
                }
            }
        }
        match mask_bearer_bytes(&out) {
            Some(masked) => Cow::Owned(masked),
            None => out,
        }
    }

    /// A short, clean excerpt of a body for a message: for an HTML page its `<title>` (or its
    /// first visible text), otherwise its first characters, whitespace runs collapsed, at
    /// most `max_chars` characters, masked and escaped to one line. Empty for an empty body.
    pub fn excerpt(&self, body: &[u8], max_chars: usize) -> String {
        // Only the start is shown, so a huge body costs no more than its first bytes.
        let head = &body[..body.len().min(max_chars.saturating_mul(64).max(4096))];
        let text = String::from_utf8_lossy(head);
        let shown = match html_title_or_text(&text) {
            Some(html) => html,
            None => collapse(&text),
        };
        let masked = self.mask(&shown);
        let mut out: String = masked.chars().take(max_chars).collect();
        if masked.chars().nth(max_chars).is_some() {
            out.truncate(out.trim_end().len());
            out.push('…');
        }
        // A cut can leave a secret's first characters at the end; masking again after the
        // cut catches any fragment of eight or more.
        escape(&self.mask(&out), false)
    }
}

/// At most `max` characters of `text`, trimmed, with an ellipsis when cut: a value quoted in
/// a message, which may be a long text.
pub fn snippet(text: &str, max: usize) -> String {
    let text = text.trim();
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// How many edits apart two names are, a swap of neighbours counting as one (`nmae` ->
/// `name` is 1), for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

/// serde_json's message without the " at line L column C" it appends: callers report the
/// position apart (a JSON path, a file position), or it tells a reader nothing.
pub fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(message) => message.to_owned(),
        None => text,
    }
}

/// Whether `c` must not reach a terminal as it is: C0 and C1 controls, DEL, and the invisible
/// characters that reorder or break lines (bidi overrides, line and paragraph separators,
/// zero-width marks, BOM).
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

fn escape(text: &str, keep_lines: bool) -> String {
    if !text.chars().any(is_unsafe) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\t' if keep_lines => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Masks every run of `secret` in `text` that is the whole secret or at least
/// [`MIN_FRAGMENT`] characters of it. `None` when there is nothing to mask.
fn mask_secret(text: &str, secret: &str) -> Option<String> {
    let t = text.as_bytes();
    let s = secret.as_bytes();
    let min = MIN_FRAGMENT.min(s.len());
    if t.len() < min {
        return None;
    }
    // Ranges to mask, found by the longest run of secret bytes starting at each position.
    // Texts here are messages and excerpts (a few kilobytes), so the quadratic scan is cheap.
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i + min <= t.len() {
        let longest = (0..s.len())
            .map(|a| {
                t[i..]
                    .iter()
                    .zip(&s[a..])
                    .take_while(|(x, y)| x == y)
                    .count()
            })
            .max()
            .unwrap_or(0);
        if longest >= min {
            ranges.push((i, i + longest));
            i += longest;
        } else {
            i += 1;
        }
    }
    if ranges.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in ranges {
        // A secret with non-ASCII characters could match from inside a character: widen the
        // range to character boundaries so the text stays valid UTF-8.
        let start = (0..=start)
            .rev()
            .find(|&b| text.is_char_boundary(b))
            .unwrap_or(0);
        let end = (end..=text.len())
            .find(|&b| text.is_char_boundary(b))
            .unwrap_or(text.len());
        if start < last {
            continue;
        }
        out.push_str(&text[last..start]);
        out.push_str(MASK);
        last = end;
    }
    out.push_str(&text[last..]);
    Some(out)
}

/// Characters of an RFC 6750 `b64token`, plus `\` for a JSON-escaped `/`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/=\\".contains(&b)
}

/// Where each `Bearer <credential>` credential is: `(start, end)` of the credential, after
/// the scheme word and its blanks.
fn bearer_credentials(t: &[u8]) -> Vec<(usize, usize)> {
    const WORD: &[u8] = b"bearer";
    let mut found = Vec::new();
    let mut i = 0;
    while i + WORD.len() < t.len() {
        let word_starts = i == 0 || !t[i - 1].is_ascii_alphanumeric();
        if word_starts && t[i..i + WORD.len()].eq_ignore_ascii_case(WORD) {
            let mut j = i + WORD.len();
            let blanks = t[j..]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .count();
            j += blanks;
            let token = t[j..].iter().take_while(|&&b| is_token_byte(b)).count();
            // "Bearer [redacted]" is already masked, and "Bearer token missing" names no
            // credential: one is a token-like run of at least eight characters.
            if blanks > 0 && token >= MIN_FRAGMENT && &t[j..j + token] != MASK.as_bytes() {
                found.push((j, j + token));
                i = j + token;
                continue;
            }
        }
        i += 1;
    }
    found
}

fn mask_bearer(text: &str) -> Option<String> {
    // Credentials are ASCII runs, replaced by ASCII: the bytes stay valid UTF-8.
    mask_bearer_bytes(text.as_bytes()).and_then(|b| String::from_utf8(b).ok())
}

fn mask_bearer_bytes(body: &[u8]) -> Option<Vec<u8>> {
    let ranges = bearer_credentials(body);
    if ranges.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut last = 0;
    for (start, end) in ranges {
        out.extend_from_slice(&body[last..start]);
        out.extend_from_slice(MASK.as_bytes());
        last = end;
    }
    out.extend_from_slice(&body[last..]);
    Some(out)
}

fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Option<Vec<u8>> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let mut out = Vec::new();
    let mut last = 0;
    let mut i = 0;
    while i + needle.len() <= haystack.len() {
        if &haystack[i..i + needle.len()] == needle {
            out.extend_from_slice(&haystack[last..i]);
            out.extend_from_slice(with);
            i += needle.len();
            last = i;
        } else {
            i += 1;
        }
    }
    if last == 0 {
        return None;
    }
    out.extend_from_slice(&haystack[last..]);
    Some(out)
}

/// Whitespace runs (line breaks included) as one space, ends trimmed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// For a body that looks like HTML: the text of its `<title>`, or else its visible text (tags,
/// scripts and styles removed), collapsed. `None` when it does not look like HTML.
fn html_title_or_text(text: &str) -> Option<String> {
    let start = text.trim_start().get(..64).unwrap_or(text.trim_start());
    let lower = start.to_ascii_lowercase();
    if !(lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || lower.starts_with("<?xml")
        || lower.starts_with("<head")
        || lower.starts_with("<body"))
    {
        return None;
    }
    let lower_all = text.to_ascii_lowercase();
    if let Some(open) = lower_all.find("<title")
        && let Some(gt) = lower_all[open..].find('>')
    {
        let from = open + gt + 1;
        let to = lower_all[from..]
            .find("</title")
            .map_or(text.len(), |e| from + e);
        if let Some(title) = text.get(from..to) {
            let title = collapse(&decode_entities(title));
            if !title.is_empty() {
                return Some(title);
            }
        }
    }
    Some(collapse(&decode_entities(&visible_text(text))))
}

/// The text outside tags, with `<script>` and `<style>` contents left out.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        out.push(' ');
        let tag = &rest[lt..];
        let lower = tag.get(..8).unwrap_or(tag).to_ascii_lowercase();
        let skip_to = if lower.starts_with("<script") {
            "</script"
        } else if lower.starts_with("<style") {
            "</style"
        } else {
            ""
        };
        let after_tag = if skip_to.is_empty() {
            tag.find('>').map_or(tag.len(), |g| g + 1)
        } else {
            let lower_tag = tag.to_ascii_lowercase();
            lower_tag
                .find(skip_to)
                .and_then(|e| tag[e..].find('>').map(|g| e + g + 1))
                .unwrap_or(tag.len())
        };
        rest = &tag[after_tag..];
    }
    out.push_str(rest);
    out
}

/// The few entities error pages use; others are shown as written.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}
