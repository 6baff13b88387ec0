//! What a file holds and how it is packed: detection, readers and compressors.
//!
//! The format (plain text or JSON Lines) comes from the file name, or from
//! `--format`; the compression (none, gzip or zstd) from the first bytes, so a
//! misnamed file is still read right. Outputs keep the input's compression.

use std::cell::RefCell;
use std::fmt;
use std::io::{self, Cursor, Read};
use std::path::Path;
use std::str::FromStr;

/// What the text of a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// One document: the whole file.
    Text,
    /// One JSON object per line, whose text field is a document.
    Jsonl,
}

impl Format {
    /// The format a file name says: `.jsonl` and `.ndjson` (before any `.gz` or
    /// `.zst`) are JSON Lines, anything else is text.
    pub fn from_path(path: &Path) -> Format {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let name = strip_compression_suffix(&name);
        if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
            Format::Jsonl
        } else {
            Format::Text
        }
    }

    /// The name used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Jsonl => "jsonl",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s.to_ascii_lowercase().as_str() {
            "text" | "txt" | "plain" => Ok(Format::Text),
            "jsonl" | "ndjson" | "json-lines" => Ok(Format::Jsonl),
            _ => Err(format!("unknown format '{s}' (expected text or jsonl)")),
        }
    }
}

pub(crate) fn strip_compression_suffix(name: &str) -> &str {
    for suffix in [".gz", ".gzip", ".zst", ".zstd"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return stem;
        }
    }
    name
}

/// How a file's bytes are packed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Not compressed.
    #[default]
    None,
    /// gzip (`.gz`), one member or several.
    Gzip,
    /// Zstandard (`.zst`).
    Zstd,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

impl Compression {
    /// The compression that the first bytes of a file show.
    pub fn from_magic(head: &[u8]) -> Compression {
        if head.starts_with(&GZIP_MAGIC) {
            Compression::Gzip
        } else if head.starts_with(&ZSTD_MAGIC) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// The compression a file name says (`.gz`, `.zst`).
    pub fn from_path(path: &Path) -> Compression {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".gz") || name.ends_with(".gzip") {
            Compression::Gzip
        } else if name.ends_with(".zst") || name.ends_with(".zstd") {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// Its name in messages: `none`, `gzip` or `zstd`.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// Reads the first bytes of `reader` to tell its compression, and returns a reader of
/// its decompressed bytes. Concatenated gzip members and zstd frames are all read.
pub fn decompressed<'a, R: Read + Send + 'a>(
    mut reader: R,
) -> io::Result<(Compression, Box<dyn Read + Send + 'a>)> {
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < head.len() {
        match reader.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let compression = Compression::from_magic(&head[..n]);
    let whole = Cursor::new(head).take(n as u64).chain(reader);
    let read: Box<dyn Read + Send + 'a> = match compression {
        Compression::None => Box::new(whole),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(whole)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(whole)?),
    };
    Ok((compression, read))
}

/// Compression level of gzip outputs (zlib's default).
const GZIP_LEVEL: u32 = 6;
/// Compression level of zstd outputs (zstd's default).
const ZSTD_LEVEL: i32 = 3;

/// Compressors reused by one thread, so that compressing a piece allocates nothing
/// once they are warm.
#[derive(Default)]
struct Compressors {
    gzip: Option<flate2::Compress>,
    zstd: Option<zstd::bulk::Compressor<'static>>,
    scratch: Vec<u8>,
}

thread_local! {
    static COMPRESSORS: RefCell<Compressors> = RefCell::new(Compressors::default());
}

/// Appends `data` to `out` packed as one complete unit of `compression`: a gzip
/// member or a zstd frame. Units concatenate into a valid file, so pieces of one
/// output can be compressed on different threads and written one after the other.
pub fn compress_into(compression: Compression, data: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
    match compression {
        Compression::None => {
            out.extend_from_slice(data);
            Ok(())
        }
        Compression::Gzip => COMPRESSORS.with(|c| {
            let c = &mut *c.borrow_mut();
            let z = c.gzip.get_or_insert_with(|| {
                flate2::Compress::new_gzip(flate2::Compression::new(GZIP_LEVEL), 15)
            });
            z.reset();
            let start_in = z.total_in();
            loop {
                out.reserve(data.len() / 2 + 4096);
                let consumed = (z.total_in() - start_in) as usize;
                let status = z
                    .compress_vec(&data[consumed..], out, flate2::FlushCompress::Finish)
                    .map_err(io::Error::other)?;
                if status == flate2::Status::StreamEnd {
                    return Ok(());
                }
            }
        }),
        Compression::Zstd => COMPRESSORS.with(|c| {
            let c = &mut *c.borrow_mut();
            if c.zstd.is_none() {
                c.zstd = Some(zstd::bulk::Compressor::new(ZSTD_LEVEL)?);
            }
            let z = c.zstd.as_mut().expect("just set");
            c.scratch.clear();
            c.scratch
                .reserve(zstd::zstd_safe::compress_bound(data.len()));
            z.compress_to_buffer(data, &mut c.scratch)?;
            out.extend_from_slice(&c.scratch);
            if c.scratch.capacity() > 16 << 20 {
                c.scratch = Vec::new();
            }
            Ok(())
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_name() {
        assert_eq!(Format::from_path(Path::new("a/b.jsonl")), Format::Jsonl);
        assert_eq!(Format::from_path(Path::new("b.NDJSON.gz")), Format::Jsonl);
        assert_eq!(Format::from_path(Path::new("b.jsonl.zst")), Format::Jsonl);
        assert_eq!(Format::from_path(Path::new("b.txt.gz")), Format::Text);
        assert_eq!(Format::from_path(Path::new("page")), Format::Text);
        assert_eq!("JSONL".parse::<Format>(), Ok(Format::Jsonl));
        assert!("xml".parse::<Format>().is_err());
    }

    fn round_trip(c: Compression, pieces: &[&[u8]]) -> (Compression, Vec<u8>) {
        let mut packed = Vec::new();
        for p in pieces {
            compress_into(c, p, &mut packed).unwrap();
        }
        let (found, mut r) = decompressed(&packed[..]).unwrap();
        let mut back = Vec::new();
        r.read_to_end(&mut back).unwrap();
        (found, back)
    }

    #[test]
    fn units_concatenate() {
        let big: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let pieces: [&[u8]; 4] = [b"hello ", b"", &big, b" world"];
        let mut want = Vec::new();
        for p in pieces {
            want.extend_from_slice(p);
        }
        for c in [Compression::None, Compression::Gzip, Compression::Zstd] {
            let (found, back) = round_trip(c, &pieces);
            assert_eq!(back, want, "{c:?}");
            if c != Compression::None {
                assert_eq!(found, c);
            }
        }
    }

    #[test]
    fn short_inputs_are_not_mistaken() {
        for input in [&b""[..], b"\x1f", b"ab"] {
            let (c, mut r) = decompressed(input).unwrap();
            assert_eq!(c, Compression::None);
            let mut back = Vec::new();
            r.read_to_end(&mut back).unwrap();
            assert_eq!(back, input);
        }
    }
}
