//! Bytes to text: which charset a page is in.
//!
//! The order is the one that reproduces the project's data (see docs/html.md): a BOM,
//! then UTF-8 whenever the bytes are valid UTF-8 (a page that is valid UTF-8 despite a
//! legacy `<meta charset>` is nearly always UTF-8 mislabelled by its template), then the
//! declared charset, then a guess by `chardetng` (GBK for Chinese, windows-1252 for
//! Western pages and so on).

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8};

/// How many bytes the `<meta>` prescan reads, as browsers do.
const PRESCAN: usize = 4096;

/// The page as text.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        return enc.decode_without_bom_handling(&bytes[bom..]).0;
    }
    let utf8 = match std::str::from_utf8(bytes) {
        Ok(s) => return Cow::Borrowed(s),
        // A page cut inside its last character is still UTF-8.
        Err(e) if e.error_len().is_none() => true,
        Err(_) => mostly_utf8(bytes),
    };
    let enc = if utf8 {
        UTF_8
    } else if let Some(enc) = prescan(&bytes[..bytes.len().min(PRESCAN)]) {
        enc
    } else {
        let mut det = chardetng::EncodingDetector::new();
        det.feed(bytes, true);
        det.guess(None, false)
    };
    enc.decode_without_bom_handling(bytes).0
}

/// Whether invalid UTF-8 is still far more UTF-8 than not: a few stray bytes in a page
/// of valid multi-byte characters.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                valid += s.bytes().filter(|&b| b >= 0xC0).count();
                break;
            }
            Err(e) => {
                let (ok, bad) = rest.split_at(e.valid_up_to());
                valid += ok.iter().filter(|&&b| b >= 0xC0).count();
                invalid += 1;
                let skip = e.error_len().unwrap_or(bad.len()).max(1);
                rest = &bad[skip.min(bad.len())..];
            }
        }
    }
    valid >= 8 * invalid
}

/// The charset a `<meta charset=…>` or `<meta http-equiv … content="…charset=…">` in
/// `head` declares, UTF-16 read as UTF-8 as browsers do.
fn prescan(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut at = 0;
    while let Some(off) = memchr::memmem::find(&lower[at..], b"<meta") {
        let start = at + off + 5;
        let end = memchr::memchr(b'>', &lower[start..]).map_or(lower.len(), |e| start + e);
        if let Some(enc) = meta_charset(&head[start..end], &lower[start..end]) {
            return Some(if enc.output_encoding() == UTF_8 { UTF_8 } else { enc });
        }
        at = end;
    }
    None
}

/// The charset named in one `<meta …>` tag's attributes.
fn meta_charset(tag: &[u8], lower: &[u8]) -> Option<&'static Encoding> {
    let pos = memchr::memmem::find(lower, b"charset")?;
    let mut i = pos + 7;
    while i < tag.len() && tag[i].is_ascii_whitespace() {
        i += 1;
    }
    if tag.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    while i < tag.len() && (tag[i].is_ascii_whitespace() || tag[i] == b'"' || tag[i] == b'\'') {
        i += 1;
    }
    let name_end = tag[i..]
        .iter()
        .position(|&b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b';' | b'/'))
        .map_or(tag.len(), |e| i + e);
    Encoding::for_label(&tag[i..name_end])
}

/// Whether `head`, the start of some input, is an HTML page: optional white space and
/// BOM, an optional `<?xml …?>` prolog and comments, then `<!doctype html` or `<html`.
pub fn looks_like_html(head: &[u8]) -> bool {
    let mut s = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    loop {
        s = trim_start(s);
        if starts_with_ci(s, b"<?xml") || starts_with_ci(s, b"<!--") {
            let close: &[u8] = if s[1] == b'?' { b"?>" } else { b"-->" };
            match memchr::memmem::find(s, close) {
                Some(e) => s = &s[e + close.len()..],
                None => return false,
            }
        } else {
            return starts_with_ci(s, b"<!doctype html") || starts_with_ci(s, b"<html");
        }
    }
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_wins() {
        assert_eq!(decode(b"\xEF\xBB\xBFh\xC3\xA9"), "hé");
        assert_eq!(decode(b"\xFF\xFEh\x00i\x00"), "hi");
    }

    #[test]
    fn valid_utf8_beats_a_legacy_meta() {
        let page = "<meta charset=\"iso-8859-1\"><p>Grüße</p>";
        assert_eq!(decode(page.as_bytes()), page);
    }

    #[test]
    fn meta_charset_declares() {
        let mut page = b"<meta charset=windows-1252><p>Gr".to_vec();
        page.extend_from_slice(b"\xFC\xDFe \x80</p>");
        assert!(decode(&page).ends_with("<p>Grüße €</p>"));

        let mut page = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">"
            .to_vec();
        page.extend_from_slice(b"\x93\xfa\x96\x7b"); // 日本
        assert!(decode(&page).ends_with("日本"));

        let mut page = b"<META HTTP-EQUIV='content-type' CONTENT='text/html;charset=gb2312'>".to_vec();
        page.extend_from_slice(b"\xd6\xd0\xce\xc4\xa1\xaa"); // 中文— (GBK's em dash)
        assert!(decode(&page).ends_with("中文—"));
    }

    #[test]
    fn undeclared_legacy_bytes_are_guessed() {
        let text = "Übergrößenträger für Straßenbahnen über Brücken, schön gemäß Ärger. ";
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text.repeat(4));
        assert_eq!(decode(&bytes), text.repeat(4));
    }

    #[test]
    fn stray_bytes_in_utf8_stay_utf8() {
        let mut page = "é".repeat(100).into_bytes();
        page.push(0xFF);
        page.extend_from_slice("ü".as_bytes());
        let text = decode(&page);
        assert!(text.starts_with("éé") && text.ends_with("\u{FFFD}ü"));
        // Cut inside the last character.
        assert_eq!(decode(b"ab\xC3"), "ab\u{FFFD}");
    }

    #[test]
    fn sniffs_html() {
        assert!(looks_like_html(b"  <!DOCTYPE html><html>"));
        assert!(looks_like_html(b"\xEF\xBB\xBF<html lang=en>"));
        assert!(looks_like_html(b"<?xml version=\"1.0\"?>\n<!-- x --><!doctype HTML PUBLIC"));
        assert!(!looks_like_html(b"# Title\n\n<html> later"));
        assert!(!looks_like_html(b"plain text"));
        assert!(!looks_like_html(b"<?xml version=\"1.0\"?><rss>"));
        assert!(!looks_like_html(b""));
    }
}
