//! The model file format: a fixed header, then the bincode payload.
//!
//! ```text
//! offset  size  field
//!      0     8  magic "DECHAFF\0"
//!      8     4  format version (u32, little-endian)
//!     12     8  feature-set fingerprint (u64, little-endian)
//!     20     8  payload length in bytes (u64, little-endian)
//!     28     8  xxh3 checksum of the payload (u64, little-endian)
//!     36     …  payload: the `Model`, bincode 2 standard configuration via serde
//! ```
//!
//! bincode is used nowhere else: a change of serialisation stays inside this module.

use std::sync::OnceLock;

use xxhash_rust::xxh3::xxh3_64;

use super::{stack, Model};
use crate::error::ModelError;
use crate::features;

const MAGIC: &[u8; 8] = b"DECHAFF\0";
/// The format version this build reads and writes.
pub const VERSION: u32 = 4;
const HEADER_LEN: usize = 36;

/// The fingerprint of everything a model's weights are indexed by: the line features
/// and the stage-2 inputs.
pub fn fingerprint() -> u64 {
    static FP: OnceLock<u64> = OnceLock::new();
    *FP.get_or_init(|| {
        let mut desc = features::fingerprint().to_le_bytes().to_vec();
        desc.extend(stack::names().join(",").bytes());
        xxh3_64(&desc)
    })
}

/// The most bytes a payload may claim for its contents: a model is a few megabytes, and
/// bincode allocates what a length field claims before reading it, so without a limit
/// a crafted length would abort the process on a failed allocation.
const PAYLOAD_LIMIT: usize = 64 << 20;

type Config = bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<PAYLOAD_LIMIT>,
>;

fn config() -> Config {
    bincode::config::standard().with_limit::<PAYLOAD_LIMIT>()
}

/// Serialises `model` with its header.
pub fn to_bytes(model: &Model) -> Vec<u8> {
    let payload =
        bincode::serde::encode_to_vec(model, config()).expect("a model always serialises");
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&fingerprint().to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&xxh3_64(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// Reads a model, checking in turn that it is a model file, of this format version,
/// for this feature set, complete and uncorrupted.
pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(if bytes.len() < MAGIC.len() && MAGIC.starts_with(bytes) {
            ModelError::Truncated {
                expected: HEADER_LEN as u64,
                found: bytes.len() as u64,
            }
        } else {
            ModelError::BadMagic
        });
    }
    if bytes.len() < HEADER_LEN {
        return Err(ModelError::Truncated {
            expected: HEADER_LEN as u64,
            found: bytes.len() as u64,
        });
    }
    let version = u32_at(bytes, 8);
    if version != VERSION {
        return Err(ModelError::WrongVersion {
            found: version,
            supported: VERSION,
        });
    }
    let found = u64_at(bytes, 12);
    if found != fingerprint() {
        return Err(ModelError::WrongFeatureSet {
            found,
            expected: fingerprint(),
        });
    }
    let len = u64_at(bytes, 20);
    let payload = &bytes[HEADER_LEN..];
    if (payload.len() as u64) < len {
        return Err(ModelError::Truncated {
            expected: (HEADER_LEN as u64).saturating_add(len),
            found: bytes.len() as u64,
        });
    }
    if payload.len() as u64 > len {
        return Err(ModelError::BadPayload(format!(
            "{} bytes of trailing data",
            payload.len() as u64 - len
        )));
    }
    if xxh3_64(payload) != u64_at(bytes, 28) {
        return Err(ModelError::BadChecksum);
    }
    let (model, used): (Model, usize) = bincode::serde::decode_from_slice(payload, config())
        .map_err(|e| ModelError::BadPayload(e.to_string()))?;
    if used != payload.len() {
        return Err(ModelError::BadPayload(
            "payload longer than the model".into(),
        ));
    }
    model.check_shape().map_err(ModelError::BadPayload)?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut m = Model::zeros();
        m.stage1.dense[3] = 0.5;
        m.provenance = "test".into();
        to_bytes(&m)
    }

    #[test]
    fn round_trips() {
        let bytes = sample();
        let m = from_bytes(&bytes).unwrap();
        assert_eq!(m.stage1.dense[3], 0.5);
        assert_eq!(to_bytes(&m), bytes);
    }

    #[test]
    fn refuses_each_kind_of_damage() {
        let good = sample();
        assert!(matches!(
            from_bytes(b"PK\x03\x04zipfile"),
            Err(ModelError::BadMagic)
        ));
        assert!(matches!(
            from_bytes(&good[..20]),
            Err(ModelError::Truncated { .. })
        ));
        assert!(matches!(
            from_bytes(&good[..good.len() - 1]),
            Err(ModelError::Truncated { .. })
        ));
        let mut v = good.clone();
        v[8] = 99;
        assert!(matches!(
            from_bytes(&v),
            Err(ModelError::WrongVersion { found: 99, .. })
        ));
        let mut f = good.clone();
        f[12] ^= 1;
        assert!(matches!(
            from_bytes(&f),
            Err(ModelError::WrongFeatureSet { .. })
        ));
        let mut c = good.clone();
        let last = c.len() - 1;
        c[last] ^= 0xff;
        assert!(matches!(from_bytes(&c), Err(ModelError::BadChecksum)));
    }

    /// A file with a valid header around `payload`.
    fn with_header(payload: &[u8]) -> Vec<u8> {
        let mut out = sample()[..20].to_vec();
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&xxh3_64(payload).to_le_bytes());
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn a_crafted_length_is_refused_before_allocating() {
        let good = sample();
        let payload = &good[HEADER_LEN..];
        // The provenance string comes last: its length, one byte for "test" (4), sits
        // five bytes from the end. Claim 2^62 bytes (varint: 0xfd then a u64).
        let mut crafted = payload[..payload.len() - 5].to_vec();
        crafted.push(0xfd);
        crafted.extend_from_slice(&(1u64 << 62).to_le_bytes());
        crafted.extend_from_slice(b"test");
        let err = from_bytes(&with_header(&crafted)).unwrap_err();
        assert!(matches!(err, ModelError::BadPayload(_)), "{err:?}");
    }

    #[test]
    fn a_huge_stated_length_is_a_truncation() {
        let mut bytes = sample();
        bytes[20..28].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            from_bytes(&bytes),
            Err(ModelError::Truncated {
                expected: u64::MAX,
                ..
            })
        ));
    }

    #[test]
    fn every_truncation_is_refused() {
        let good = sample();
        // Every length would take long on a 2 MB model; the header and a spread of
        // payload lengths exercise each branch.
        let step = (good.len() / 200).max(1);
        for len in (0..HEADER_LEN + 8).chain((HEADER_LEN..good.len()).step_by(step)) {
            assert!(from_bytes(&good[..len]).is_err(), "length {len} accepted");
        }
    }
}
