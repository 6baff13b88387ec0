//! The HTML renderer against html2lines' rules (`../shared/tools/html2lines.py`), its
//! charsets, and pages that break parsers. Expected lines of the two sample pages are
//! the reference renderer's own output.

use dechaff::document::split_lines;
use dechaff::render::html::{looks_like_html, render};
use dechaff::render::{tag, token_hash, Rendered};

fn lines(r: &Rendered) -> Vec<&str> {
    let mut spans = Vec::new();
    split_lines(&r.text, &mut spans);
    assert_eq!(
        spans.len(),
        r.lines.len(),
        "one markup per line of {:?}",
        r.text
    );
    spans.iter().map(|s| s.text(&r.text)).collect()
}

fn text_of(html: &str) -> Vec<String> {
    lines(&render(html.as_bytes()))
        .into_iter()
        .map(String::from)
        .collect()
}

/// The line whose text is `text`.
fn line_of(r: &Rendered, text: &str) -> usize {
    lines(r)
        .iter()
        .position(|l| *l == text)
        .unwrap_or_else(|| panic!("no line {text:?} in {:?}", r.text))
}

#[test]
fn sample_pages_match_the_reference() {
    let r = render(include_bytes!("../samples/html/news_article.html"));
    let want: &[(&str, u32, &str)] = &[
        ("Home", 4, "[Home](/)"),
        ("News", 4, "[News](/news)"),
        ("Weather", 7, "[Weather](/weather)"),
        ("", 0, ""),
        ("Harbour bridge reopens after repairs", 0, "Harbour bridge reopens after repairs"),
        ("", 0, ""),
        ("By Ann Lee · 3 May", 6, "By [Ann Lee](/staff/ann-lee) · 3 May"),
        ("", 0, ""),
        (
            "The old harbour bridge reopened on Monday after eight months of repairs to its deck and cables. Traffic was light in the morning rush.",
            0,
            "The old harbour bridge reopened on Monday after eight months of repairs to its deck and cables. Traffic was light in the morning rush.",
        ),
        ("", 0, ""),
        ("Engineers replaced 1 200 bolts", 0, "Engineers replaced 1 200 bolts"),
        ("and repainted the towers.", 0, "and repainted the towers."),
        ("", 0, ""),
        ("The bridge at dawn.", 0, "The bridge at dawn."),
        ("", 0, ""),
        ("Read more in our bridges section.", 17, "Read more in [our bridges section](/tags/bridges)."),
        ("", 0, ""),
        ("Related", 0, "Related"),
        ("", 0, ""),
        ("Ferry timetable changes", 21, "[Ferry timetable changes](/a)"),
        ("New cycle lanes", 13, "[New cycle lanes](/b)"),
        ("", 0, ""),
        ("© 2024 Harbour Times. Privacy", 7, "© 2024 Harbour Times. [Privacy](/privacy)"),
    ];
    let got: Vec<(&str, u32, &str)> = lines(&r)
        .into_iter()
        .enumerate()
        .map(|(i, t)| (t, r.lines[i].link_chars, r.line_md(i)))
        .collect();
    assert_eq!(got, want);
    assert_eq!(r.title, "Harbour bridge reopens after repairs");

    let r = render(include_bytes!("../samples/html/legacy_table.html"));
    assert_eq!(
        lines(&r),
        [
            "Club results",
            "Results of the spring meeting, as sent in by the secretary.",
            "",
            "Members who could not attend are listed below.",
            "",
            "Name",
            "Points",
            "Smith",
            "12",
            "Jones",
            "9",
            "",
            "Brown",
            "Green write",
            "",
            "Last updated 1998",
        ]
    );
    assert_eq!(r.line_md(13), "Green [write](mailto:green@example.org)");
    assert_eq!(r.title, "Club results");
}

#[test]
fn blocks_break_lines_and_paragraphs_leave_a_blank() {
    assert_eq!(text_of("<div>a</div><div>b</div>"), ["a", "b"]);
    assert_eq!(text_of("<p>a</p><p>b</p>"), ["a", "", "b"]);
    assert_eq!(text_of("a<span>b</span> <em>c</em>"), ["ab c"]);
    assert_eq!(text_of("<ul><li>x<li>y</ul>after"), ["x", "y", "", "after"]);
    // Trailing blank lines go; a blank never starts the page.
    assert_eq!(text_of("<p></p><p>only</p><p></p>"), ["only"]);
    assert_eq!(text_of("a<br>b<br/>c"), ["a", "b", "c"]);
}

#[test]
fn libxml2_closes_elements_its_own_way() {
    // A new <p> closes an open one (and the <b> inside it); a <div> closes a <p>.
    assert_eq!(text_of("<p>a<b>bold<p>b"), ["abold", "", "b"]);
    assert_eq!(text_of("<p>a<div>b</div>c"), ["a", "", "b", "c"]);
    // <section> is unknown to HTML 4: it stays inside the <p>.
    assert_eq!(
        text_of("<p>a<section>b</section>c</p>d"),
        ["a", "b", "", "c", "", "d"]
    );
    // A stray end tag is dropped; one behind a <div> cannot close across it.
    assert_eq!(text_of("<div>a</span>b</div>"), ["ab"]);
    assert_eq!(text_of("<span><div>a</span>b</div>c"), ["ab", "c"]);
    // Cells and rows close each other.
    assert_eq!(
        text_of("<table><tr><td>a<td>b<tr><td>c</table>"),
        ["a", "b", "c"]
    );
    // What follows </body> is outside the body; what follows </html> is gone.
    assert_eq!(text_of("<body><p>in</p></body><p>out</p>"), ["in"]);
    assert_eq!(text_of("<p>in</html><p>gone"), ["in"]);
}

#[test]
fn skipped_and_hidden_elements_keep_their_tails() {
    assert_eq!(text_of("a<script>var x = '<p>no</p>';</script>b"), ["ab"]);
    assert_eq!(
        text_of("<style>p{}</style><p>x</p><noscript>js</noscript>"),
        ["x"]
    );
    assert_eq!(text_of("a<div hidden>no</div>b"), ["ab"]);
    assert_eq!(
        text_of("a<div aria-hidden=\"true\">no</div>b<div aria-hidden=false>yes</div>"),
        ["ab", "yes"]
    );
    assert_eq!(
        text_of("a<span style=\"Display : None\">no</span>b"),
        ["ab"]
    );
    assert_eq!(
        text_of("a<span style=\"visibility:hidden;color:red\">no</span>b"),
        ["ab"]
    );
    assert_eq!(text_of("<p>x<!-- a comment -->y</p>"), ["xy"]);
    assert_eq!(
        text_of("<svg><text>no</text></svg>yes<iframe><p>no</p></iframe>"),
        ["yes"]
    );
}

#[test]
fn entities_and_white_space() {
    assert_eq!(
        text_of("a&amp;b &lt;c&gt; &eacute; &#x41;&#128; &nbsp;x&foo;"),
        ["a&b <c> é A€ x&foo;"]
    );
    assert_eq!(
        text_of("  lots \n\t of \u{3000} space  "),
        ["lots of space"]
    );
    // Zero-width characters at a line's ends go; a line of only them is blank.
    assert_eq!(
        text_of("<p>\u{200b}x\u{feff}</p><p>\u{200b}\u{ad}</p>"),
        ["x"]
    );
    let r = render(b"<p>a\r\nb\rc</p><pre>d\n\ne</pre>");
    assert!(!r.text.contains('\r'));
    assert_eq!(lines(&r), ["a b c", "", "d e"]);
}

#[test]
fn links_count_and_become_markdown() {
    let r = render(b"<p>See <a href=\"/x\">the  x</a> and <a href=\"/y\"> y </a>.</p>");
    assert_eq!(lines(&r), ["See the x and y ."]);
    assert_eq!(r.lines[0].link_chars, 5);
    assert_eq!(r.line_md(0), "See [the x](/x) and [y](/y) .");
    // An <a> without href is no link; adjacent links to one place are one.
    let r = render(b"<a name=top>top</a> <a href=/p>a</a><a href=/p>b</a>");
    assert_eq!(r.line_md(0), "top [ab](/p)");
    assert_eq!(r.lines[0].link_chars, 2);
    // A link broken by a block stays balanced on each line.
    let r = render(b"<a href=/l>one<div>two</div></a>");
    assert_eq!(lines(&r), ["one", "two"]);
    assert_eq!((r.line_md(0), r.line_md(1)), ("[one](/l)", "[two](/l)"));
}

#[test]
fn markup_of_lines() {
    let r = render(
        b"<body><nav class=\"Top-Menu main\"><ul><li><a href=/>Home</a></li></ul></nav>\
          <article id=story><h2>Head <small>line</small></h2><p>Body <strong>text</strong></p>\
          <table><tr><td>cell</td></tr></table></article></body>",
    );
    let home = &r.lines[line_of(&r, "Home")];
    assert_eq!(home.tags, tag::NAV | tag::LIST | tag::LI);
    assert_eq!(home.heading, 0);
    let tokens = r.line_tokens(line_of(&r, "Home"));
    for t in ["top", "menu", "main"] {
        assert!(tokens.contains(&token_hash(t.as_bytes())), "{t}");
    }
    let head = line_of(&r, "Head line");
    assert_eq!(r.lines[head].heading, 2);
    assert_eq!(r.lines[head].tags, tag::ARTICLE | tag::SMALL);
    assert_eq!(r.line_tokens(head), [token_hash(b"story")]);
    let body = &r.lines[line_of(&r, "Body text")];
    assert_eq!(body.tags, tag::ARTICLE | tag::P | tag::STRONG);
    assert!(body.depth >= 4);
    assert_eq!(r.lines[line_of(&r, "cell")].tags, tag::ARTICLE | tag::TABLE);
    // Blank lines carry nothing.
    let blank = lines(&r).iter().position(|l| l.is_empty()).unwrap();
    assert_eq!(r.lines[blank].tags, 0);
    assert!(r.lines[blank].md.is_empty() && r.line_tokens(blank).is_empty());
}

#[test]
fn tokens_are_unique_and_capped() {
    let mut page = String::new();
    for i in 0..50 {
        page.push_str(&format!("<div class=\"c{i} shared\">"));
    }
    page.push_str("deep");
    let r = render(page.as_bytes());
    let t = r.line_tokens(0);
    assert_eq!(t.len(), 32);
    assert_eq!(t[0], token_hash(b"c49"));
    let mut sorted = t.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 32);
}

#[test]
fn title() {
    assert_eq!(render(b"<title> A \n title </title><p>x").title, "A title");
    assert_eq!(render(b"<p>x").title, "");
    assert_eq!(render(b"<title>&lt;b&gt; &amp;</title>").title, "<b> &");
}

#[test]
fn charsets() {
    let mut page = b"<meta charset=\"windows-1252\"><p>caf".to_vec();
    page.extend_from_slice(b"\xe9 \x93quoted\x94</p>");
    assert_eq!(text_of_bytes(&page), ["café “quoted”"]);

    let mut page =
        b"<meta http-equiv=Content-Type content=\"text/html; charset=Shift_JIS\"><p>".to_vec();
    page.extend_from_slice(b"\x93\xfa\x96\x7b\x8c\xea</p>");
    assert_eq!(text_of_bytes(&page), ["日本語"]);

    let mut page = b"<meta charset=gbk><p>".to_vec();
    page.extend_from_slice(b"\xd6\xd0\xce\xc4</p>");
    assert_eq!(text_of_bytes(&page), ["中文"]);

    let mut page = b"\xef\xbb\xbf<p>bom \xc3\xa9</p>".to_vec();
    assert_eq!(text_of_bytes(&page), ["bom é"]);
    // Stray bytes among enough UTF-8 stay UTF-8.
    page = b"<p>bad \xff utf-8".to_vec();
    page.extend_from_slice(" é".repeat(8).as_bytes());
    assert_eq!(
        text_of_bytes(&page),
        [format!("bad \u{fffd} utf-8{}", " é".repeat(8))]
    );

    assert!(looks_like_html(b"\n<!DOCTYPE html>"));
    assert!(!looks_like_html(b"{\"json\": 1}"));
}

fn text_of_bytes(b: &[u8]) -> Vec<String> {
    lines(&render(b)).into_iter().map(String::from).collect()
}

#[test]
fn deep_nesting_does_not_recurse() {
    let n = 100_000;
    let page = format!(
        "{}deep{}",
        "<div><span>".repeat(n),
        "</span></div>".repeat(n)
    );
    let r = render(page.as_bytes());
    assert_eq!(lines(&r), ["deep"]);
    assert_eq!(r.lines[0].depth, u16::MAX);
    // Unclosed too, and links nested in links.
    let r = render("<a href=x><b>".repeat(n).as_bytes());
    assert!(r.text.is_empty());
    // End tags that close nothing, under a deep page: each costs little.
    let page = format!("<span>{}x{}", "<div>".repeat(n), "</span>".repeat(n));
    assert_eq!(text_of(&page), ["x"]);
    let page = format!("<head>{}x", "<my-tag>".repeat(n));
    assert!(
        text_of(&page).is_empty(),
        "unknown elements stay in <head>, as in lxml"
    );
}

#[test]
fn bad_pages_give_something_sane() {
    // Truncated anywhere.
    let page = include_bytes!("../samples/html/news_article.html");
    for cut in (0..page.len()).step_by(97) {
        let r = render(&page[..cut]);
        lines(&r);
    }
    assert_eq!(text_of("<p>cut in the mid<a href=\"/x"), ["cut in the mid"]);
    assert_eq!(text_of("<p>text<!-- never closed <p>more"), ["text"]);
    // All script, empty body, nothing at all.
    assert!(text_of(
        "<html><head><script>document.write('<p>x</p>')</script></head><body></body></html>"
    )
    .is_empty());
    assert!(text_of("<body>   </body>").is_empty());
    assert!(text_of("").is_empty());
    assert!(text_of(" \n ").is_empty());
    // A frameset has no body: its <noframes> is read as text, as lxml does.
    assert_eq!(
        text_of("<html><head><title>f</title></head><frameset><frame src=a><noframes>No frames</noframes></frameset></html>"),
        ["No frames"]
    );
    // Binary bytes.
    let bin: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    lines(&render(&bin));
    let r = render(b"\x00\x01<p>\x00x\x00</p>\xff\xfe\xfd");
    lines(&r);
}

#[test]
fn big_pages_render() {
    let para = "<div class=post><p>Some words of a long forum thread, <a href=/u/1>user</a> wrote.</p></div>\n";
    let page = para.repeat(20_000);
    let r = render(page.as_bytes());
    assert_eq!(r.lines.len(), 20_000 * 2 - 1);
}
