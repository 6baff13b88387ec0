//! JSON Lines: replacing one field of each record, and streaming records through
//! the cleaner in bounded memory.
//!
//! A record is rewritten by splicing: the bytes of the text field's value are replaced
//! by the cleaned text as a JSON string, and every other byte of the record is copied
//! as it was, so other fields keep their order, spacing and exact numbers. A record
//! that is not valid JSON, or has no string field of that name, is copied unchanged
//! and counted.
//!
//! Streaming reads the input in chunks of whole records (a few megabytes), cleans the
//! records of a chunk in parallel pieces, and writes the pieces in order; while one
//! chunk is cleaned the next one is read, on the same pool of threads.

use std::cell::RefCell;
use std::fmt;
use std::io::{self, Read, Write};
use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::format::{compress_into, Compression};
use super::stats::Stats;
use super::Ctx;
use crate::error::{Error, Result};
use crate::{InputKind, LineCounts};

/// What became of one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Its field was cleaned.
    Cleaned,
    /// Not valid JSON: copied unchanged.
    Malformed,
    /// Valid JSON without a string field of that name: copied unchanged.
    NoField,
    /// An empty or white-space line: copied unchanged, not a record.
    Blank,
}

/// Where the value of `field` is in a record: `Ok(Some(range))` for a string,
/// `Ok(None)` when the record is valid JSON without such a string field, `Err` when it
/// is not valid JSON.
pub(crate) fn locate(record: &[u8], field: &str) -> serde_json::Result<Option<Range<usize>>> {
    // JSON text is UTF-8, and serde_json does not check the strings it skips.
    let record = std::str::from_utf8(record).map_err(de::Error::custom)?;
    let mut de = serde_json::Deserializer::from_str(record);
    let raw = FindField { field }.deserialize(&mut de)?;
    de.end()?;
    Ok(raw.and_then(|raw| {
        let raw = raw.get();
        let start = raw.as_ptr() as usize - record.as_ptr() as usize;
        raw.starts_with('"').then(|| start..start + raw.len())
    }))
}

/// Visits a top-level value, validating all of it, and keeps the raw value of the last
/// member named `field` if it is an object.
struct FindField<'f> {
    field: &'f str,
}

impl<'de> DeserializeSeed<'de> for FindField<'_> {
    type Value = Option<&'de RawValue>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FindField<'_> {
    type Value = Option<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(is_field) = map.next_key_seed(KeyIs(self.field))? {
            if is_field {
                found = Some(map.next_value::<&'de RawValue>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
}

/// A map key, compared with a name without allocating.
struct KeyIs<'f>(&'f str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E>(self, key: &str) -> std::result::Result<bool, E> {
        Ok(key == self.0)
    }
}

/// Decodes a JSON string, appending it to a buffer.
struct AppendStr<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for AppendStr<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for AppendStr<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E>(self, s: &str) -> std::result::Result<(), E> {
        self.0.push_str(s);
        Ok(())
    }
}

/// Buffers of one thread, reused from record to record.
#[derive(Default)]
struct Scratch {
    text: String,
    cleaned: String,
    plain: Vec<u8>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Appends the output for one line of JSON Lines (`line` includes its `\n`, if any).
pub(crate) fn record(
    ctx: &Ctx,
    line: &[u8],
    out: &mut Vec<u8>,
    counts: &mut LineCounts,
) -> Outcome {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    if body.iter().all(u8::is_ascii_whitespace) {
        out.extend_from_slice(line);
        return Outcome::Blank;
    }
    let range = match locate(body, &ctx.options.field) {
        Ok(Some(range)) => range,
        Ok(None) => {
            out.extend_from_slice(line);
            return Outcome::NoField;
        }
        Err(_) => {
            out.extend_from_slice(line);
            return Outcome::Malformed;
        }
    };
    SCRATCH.with(|s| {
        let s = &mut *s.borrow_mut();
        s.text.clear();
        let mut de = serde_json::Deserializer::from_slice(&body[range.clone()]);
        if AppendStr(&mut s.text).deserialize(&mut de).is_err() {
            // A lone surrogate escape, say: valid to a lenient parser, not to us.
            out.extend_from_slice(line);
            return Outcome::Malformed;
        }
        s.cleaned.clear();
        counts.add(&ctx.transform(
            ctx.options.input.unwrap_or(InputKind::Text),
            &s.text,
            &mut s.cleaned,
        ));
        out.extend_from_slice(&body[..range.start]);
        serde_json::to_writer(&mut *out, s.cleaned.as_str()).expect("writing to a Vec cannot fail");
        out.extend_from_slice(&line[range.end..]);
        Outcome::Cleaned
    })
}

/// Whole records read from a stream, in one buffer.
#[derive(Default)]
struct Chunk {
    data: Vec<u8>,
    /// End of each record in `data`, after its `\n`.
    ends: Vec<usize>,
}

impl Chunk {
    #[cfg(test)]
    fn records(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let r = &self.data[start..end];
            start = end;
            r
        })
    }
}

/// Reads a stream into chunks of whole records, carrying a partial last record over to
/// the next chunk.
struct Chunker<R> {
    reader: R,
    carry: Vec<u8>,
    target: usize,
    eager: bool,
    /// How much to ask of the reader next: small at first, so that a small file costs
    /// little, doubling up to [`READ_SIZE`].
    read_size: usize,
}

/// The most to ask of the reader at a time.
const READ_SIZE: usize = 1 << 20;
/// The least.
const FIRST_READ: usize = 64 << 10;

impl<R: Read> Chunker<R> {
    /// Fills `chunk` with the next records: until it holds `target` bytes, or, when
    /// eager, as soon as a read brings at least one whole record. Returns `true` at the
    /// end of the stream, when `chunk` holds the last records (perhaps none).
    fn fill(&mut self, chunk: &mut Chunk) -> io::Result<bool> {
        chunk.data.clear();
        chunk.ends.clear();
        chunk.data.append(&mut self.carry);
        let mut scanned = 0;
        loop {
            for i in memchr::memchr_iter(b'\n', &chunk.data[scanned..]) {
                chunk.ends.push(scanned + i + 1);
            }
            scanned = chunk.data.len();
            if !chunk.ends.is_empty() && (self.eager || chunk.data.len() >= self.target) {
                let last = *chunk.ends.last().expect("not empty");
                self.carry.extend_from_slice(&chunk.data[last..]);
                chunk.data.truncate(last);
                return Ok(false);
            }
            let len = chunk.data.len();
            let want = self
                .target
                .saturating_sub(len)
                .clamp(FIRST_READ, self.read_size);
            self.read_size = (self.read_size * 2).min(READ_SIZE);
            chunk.data.resize(len + want, 0);
            let n = loop {
                match self.reader.read(&mut chunk.data[len..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        chunk.data.truncate(len);
                        return Err(e);
                    }
                }
            };
            chunk.data.truncate(len + n);
            if n == 0 {
                if chunk.ends.last().copied().unwrap_or(0) < chunk.data.len() {
                    chunk.ends.push(chunk.data.len());
                }
                return Ok(true);
            }
        }
    }
}

/// The output of a run of consecutive records of a chunk.
#[derive(Default)]
struct Piece {
    records: Range<usize>,
    out: Vec<u8>,
    stats: Stats,
}

/// Pieces per thread in a chunk: enough that threads finishing early find work.
const PIECES_PER_THREAD: usize = 8;
/// Largest piece worth splitting further.
const PIECE_BYTES: usize = 256 << 10;

/// Splits the records of `chunk` into consecutive runs of about equal bytes.
fn plan(chunk: &Chunk, pieces: &mut Vec<Piece>) {
    let n = chunk.ends.len();
    let bytes = chunk.data.len();
    let wanted = (bytes / PIECE_BYTES)
        .max(rayon::current_num_threads() * PIECES_PER_THREAD)
        .clamp(1, n.max(1));
    let per_piece = bytes.div_ceil(wanted).max(1);
    let mut count = 0;
    let mut first = 0;
    let mut start_byte = 0;
    for (i, &end) in chunk.ends.iter().enumerate() {
        if end - start_byte >= per_piece || i + 1 == n {
            if pieces.len() <= count {
                pieces.push(Piece::default());
            }
            pieces[count].records = first..i + 1;
            count += 1;
            first = i + 1;
            start_byte = end;
        }
    }
    pieces.truncate(count);
}

/// Cleans the records of `chunk` into `pieces`, each compressed on its own when the
/// output is compressed.
fn process(
    ctx: &Ctx,
    chunk: &Chunk,
    pieces: &mut [Piece],
    compression: Compression,
) -> io::Result<()> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(chunk.ends.iter().copied())
        .collect();
    pieces.par_iter_mut().try_for_each(|piece| {
        piece.out.clear();
        piece.stats = Stats::default();
        if piece.records.is_empty() {
            return Ok(());
        }
        let lines = piece
            .records
            .clone()
            .map(|i| &chunk.data[starts[i]..starts[i + 1]]);
        let compress = compression != Compression::None;
        SCRATCH.with(|s| {
            let mut plain = if compress {
                std::mem::take(&mut s.borrow_mut().plain)
            } else {
                Vec::new()
            };
            plain.clear();
            let target = if compress { &mut plain } else { &mut piece.out };
            let mut counts = LineCounts::default();
            for line in lines {
                let outcome = record(ctx, line, target, &mut counts);
                piece.stats.count_record(outcome);
                piece.stats.bytes_in += line.len() as u64;
            }
            piece.stats.add_counts(&counts);
            piece.stats.bytes_out += target.len() as u64;
            let result = if compress {
                compress_into(compression, &plain, &mut piece.out)
            } else {
                Ok(())
            };
            if compress {
                if plain.capacity() > 8 * PIECE_BYTES {
                    plain = Vec::new();
                }
                s.borrow_mut().plain = plain;
            }
            result
        })
    })
}

/// Where the records come from and go, for error messages.
pub(crate) struct Names<'a> {
    pub input: &'a Path,
    pub output: &'a Path,
}

/// Streams JSON Lines from `reader` to `writer`, compressing the output as asked, and
/// returns what it counted. Errors name the input or the output, whichever failed.
pub(crate) fn stream<R: Read + Send, W: Write + Send>(
    ctx: &Ctx,
    reader: R,
    writer: &mut W,
    compression: Compression,
    names: &Names,
) -> Result<Stats> {
    let mut chunker = Chunker {
        reader,
        carry: Vec::new(),
        target: ctx.options.chunk_bytes.max(1),
        eager: ctx.eager,
        read_size: FIRST_READ,
    };
    let mut total = Stats::default();
    let mut cur = Chunk::default();
    let mut next = Chunk::default();
    let mut pieces: Vec<Piece> = Vec::new();
    let mut done = chunker
        .fill(&mut cur)
        .map_err(|e| Error::io(names.input, e))?;
    loop {
        plan(&cur, &mut pieces);
        // The current chunk first: on one thread, its records are written before the
        // next read waits for more input (a pipe may be slow to bring it); on more,
        // another thread takes the read while this one starts on the pieces.
        let (written, filled) = rayon::join(
            || -> Result<()> {
                process(ctx, &cur, &mut pieces, compression)
                    .map_err(|e| Error::io(names.output, e))?;
                for p in pieces.iter() {
                    writer
                        .write_all(&p.out)
                        .map_err(|e| Error::io(names.output, e))?;
                }
                if ctx.eager {
                    writer.flush().map_err(|e| Error::io(names.output, e))?;
                }
                Ok(())
            },
            || {
                if done {
                    Ok(true)
                } else {
                    chunker.fill(&mut next)
                }
            },
        );
        written?;
        let mut records = 0;
        for p in &pieces {
            records += p.stats.records;
            total.merge(&p.stats);
        }
        ctx.observer.records(records);
        if done {
            break;
        }
        done = filled.map_err(|e| Error::io(names.input, e))?;
        std::mem::swap(&mut cur, &mut next);
    }
    writer.flush().map_err(|e| Error::io(names.output, e))?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(record: &'a str, field: &str) -> Option<&'a str> {
        locate(record.as_bytes(), field)
            .unwrap()
            .map(|r| &record[r])
    }

    #[test]
    fn finds_the_string_field() {
        assert_eq!(
            at(r#"{"id":1,"text":"a\nb","x":[1]}"#, "text"),
            Some(r#""a\nb""#)
        );
        assert_eq!(at(r#" { "text" : "" } "#, "text"), Some(r#""""#));
        assert_eq!(
            at(r#"{"te\u0078t":"esc key"}"#, "text"),
            Some(r#""esc key""#)
        );
        assert_eq!(at(r#"{"a":{"text":"nested"}}"#, "text"), None);
        assert_eq!(at(r#"{"text":null}"#, "text"), None);
        assert_eq!(at(r#"{"text":5}"#, "text"), None);
        assert_eq!(at(r#"[{"text":"x"}]"#, "text"), None);
        assert_eq!(at(r#""text""#, "text"), None);
        assert_eq!(at(r#"{"body":"x"}"#, "body"), Some(r#""x""#));
        assert_eq!(
            at(r#"{"text":"first","text":"last"}"#, "text"),
            Some(r#""last""#)
        );
    }

    #[test]
    fn rejects_invalid_json() {
        for bad in [
            r#"{"text":"x""#,
            r#"{"text":"x"} extra"#,
            "{text:1}",
            "[1,",
            "nul",
            r#"{"a":1,}"#,
        ] {
            assert!(locate(bad.as_bytes(), "text").is_err(), "{bad}");
        }
        assert!(locate(b"{\"text\":\"\xff\"}", "text").is_err());
        assert!(locate(b"{\"a\":\"\xff\",\"text\":\"x\"}", "text").is_err());
    }

    #[test]
    fn chunker_keeps_records_whole() {
        let input = b"a\nbb\n\nccc\nlast".repeat(50_000);
        for (target, eager) in [(1, false), (100, false), (1 << 20, false), (1 << 20, true)] {
            let mut c = Chunker {
                reader: &input[..],
                carry: Vec::new(),
                target,
                eager,
                read_size: FIRST_READ,
            };
            let mut chunk = Chunk::default();
            let mut back = Vec::new();
            let mut records = 0;
            loop {
                let done = c.fill(&mut chunk).unwrap();
                for r in chunk.records() {
                    assert!(r.ends_with(b"\n") || back.len() + r.len() == input.len());
                    back.extend_from_slice(r);
                    records += 1;
                }
                if done {
                    break;
                }
            }
            assert_eq!(back, input);
            assert_eq!(records, 4 * 50_000 + 1);
        }
    }
}
