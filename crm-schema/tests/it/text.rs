//! The sanitiser for server text: masking the token and `Bearer` credentials, escaping
//! control characters, excerpts of HTML and huge bodies.

use crm_schema::text::Redactor;

const TOKEN: &str = "tok_9f8e7d6c5b4a3210";

fn r() -> Redactor {
    Redactor::default().with_secret(TOKEN)
}

#[test]
fn the_token_is_masked_whole_and_in_fragments() {
    assert_eq!(
        r().line(&format!("you sent {TOKEN}.")),
        "you sent [redacted]."
    );
    assert_eq!(r().line(&format!("{TOKEN}{TOKEN}")), "[redacted][redacted]");
    // An excerpt cut in the middle of the token keeps no part of it of eight characters or
    // more, at either end.
    assert_eq!(
        r().line(&format!("cut: {}", &TOKEN[..10])),
        "cut: [redacted]"
    );
    assert_eq!(
        r().line(&format!("{} (more)", &TOKEN[6..])),
        "[redacted] (more)"
    );
    // Seven characters are not enough to call it the token.
    assert_eq!(r().line(&TOKEN[..7]), &TOKEN[..7]);
    assert_eq!(r().line("nothing to see"), "nothing to see");
}

#[test]
fn anything_shaped_bearer_credential_is_masked() {
    let none = Redactor::default();
    assert_eq!(
        none.line("Authorization: Bearer abcdefgh.ijk/lmn=="),
        "Authorization: [redacted]".replace(": ", ": Bearer ")
    );
    assert_eq!(
        none.line("header was bearer\tAAAABBBBCCCC, refused"),
        "header was bearer\\t[redacted], refused"
    );
    assert_eq!(none.line("Bearer token missing"), "Bearer token missing");
    assert_eq!(none.line("Bearer [redacted]"), "Bearer [redacted]");
    assert_eq!(none.line("NoBearer abcdefghijk"), "NoBearer abcdefghijk");
}

#[test]
fn control_characters_are_escaped_and_lines_stay_one() {
    assert_eq!(
        r().line("a\x1b[31mred\x1b[0m\rover\nnext\ttab\u{7f}\u{202e}"),
        "a\\u{1b}[31mred\\u{1b}[0m\\rover\\nnext\\ttab\\u{7f}\\u{202e}"
    );
    assert_eq!(r().text("two\nlines\r\x07"), "two\nlines\\r\\u{7}");
}

#[test]
fn bodies_as_bytes_keep_everything_but_the_secret() {
    let body = format!(r#"{{"label": "{TOKEN}", "x": "Bearer {TOKEN}", "raw": "\u001b"}}"#);
    let masked = r().mask_bytes(body.as_bytes()).into_owned();
    assert_eq!(
        String::from_utf8(masked).unwrap(),
        r#"{"label": "[redacted]", "x": "Bearer [redacted]", "raw": "\u001b"}"#
    );
    // PHP's json_encode writes `/` as `\/`.
    let slashed = Redactor::default().with_secret("abc/defghijk");
    assert_eq!(
        slashed.mask_bytes(br#"{"m": "abc\/defghijk"}"#).as_ref(),
        br#"{"m": "[redacted]"}"#
    );
    assert_eq!(r().mask_bytes(b"plain").as_ref(), b"plain");
}

#[test]
fn an_html_page_is_excerpted_by_its_title_or_visible_text() {
    let page = format!(
        "<!DOCTYPE html>\n<html><head><title>502 Bad\n Gateway &amp; {TOKEN}</title>\
         <style>body{{}}</style></head><body>{}</body></html>",
        "x".repeat(5 * 1024 * 1024)
    );
    assert_eq!(
        r().excerpt(page.as_bytes(), 120),
        "502 Bad Gateway & [redacted]"
    );
    let untitled = "<html><head><script>var a = 1;</script></head>\
                    <body><h1>Server\x1b[2J error</h1><p>Try later</p></body></html>";
    assert_eq!(
        r().excerpt(untitled.as_bytes(), 120),
        "Server\\u{1b}[2J error Try later"
    );
}

#[test]
fn a_huge_plain_body_is_cut_short_and_clean() {
    let body = format!("{}\r\n{TOKEN}", "word ".repeat(2_000_000));
    let out = r().excerpt(body.as_bytes(), 40);
    assert_eq!(out, format!("{}…", "word ".repeat(8).trim_end()));
    // A cut through the token leaves none of it.
    let body = format!("error {TOKEN} end");
    assert_eq!(r().excerpt(body.as_bytes(), 16), "error [redacted]…");
    assert_eq!(r().excerpt(b"", 40), "");
}

#[test]
fn debug_never_shows_the_secret() {
    let text = format!("{:?}", r());
    assert_eq!(text, "Redactor { secrets: 1 }");
}

#[test]
fn a_snippet_is_trimmed_and_marks_a_cut() {
    use crm_schema::text::snippet;
    assert_eq!(snippet("  short  ", 10), "short");
    assert_eq!(snippet("exactly10!", 10), "exactly10!");
    assert_eq!(snippet("éééééééééééé", 3), "ééé…");
    assert_eq!(snippet("", 3), "");
}

#[test]
fn edit_distance_counts_a_swap_as_one_edit() {
    use crm_schema::text::edit_distance;
    assert_eq!(edit_distance("label", "lable"), 1);
    assert_eq!(edit_distance("nmae", "name"), 1);
    assert_eq!(edit_distance("label", "label"), 0);
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("read_only", "readonly"), 1);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
}

#[test]
fn without_position_drops_only_serde_jsons_suffix() {
    use crm_schema::text::without_position;
    let e = serde_json::from_str::<u8>("[1]").unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid type: sequence, expected u8 at line 1 column 0"
    );
    assert_eq!(without_position(&e), "invalid type: sequence, expected u8");
    let e = serde_json::from_str::<u8>("\n\n  x").unwrap_err();
    assert_eq!(without_position(&e), "expected value");
    // A message without a position (line 0) is kept whole.
    let e = <serde_json::Error as serde::de::Error>::custom("no record");
    assert_eq!(without_position(&e), "no record");
}
