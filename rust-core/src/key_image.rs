//! Key images a replica sends back to the master.
//!
//! A resumed copy goes on after the key of the last row the replica
//! applied: the master's own `key_copy()` image of the table's copy key,
//! which the replica got in the copy stream and returns in its request.
//! A replica can send anything, and the master hands the image to
//! `handler::index_read_map()`, which trusts its length bytes.
//!
//! Invariant: [`well_formed`] accepts an image only if it has exactly the
//! key's length, each NULL flag is 0 or 1, and each variable-length
//! part's length fits its part; so reading it touches no byte outside it.

/// One part of a key as `key_copy()` lays it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyPart {
    /// The part has a NULL flag byte before its value.
    pub nullable: bool,
    /// The value is a 2-byte length then `length` bytes (VARCHAR, BLOB
    /// prefix).
    pub variable: bool,
    /// The bytes of the value (the part's `length`).
    pub length: u16,
}

/// Length in bytes of the variable-length prefix (`HA_KEY_BLOB_LENGTH`).
const LENGTH_BYTES: usize = 2;

/// Whether `image` is a well-formed image of a key made of `parts`.
pub fn well_formed(parts: &[KeyPart], image: &[u8]) -> bool {
    let mut rest = image;
    for part in parts {
        if part.nullable {
            match rest.split_first() {
                Some((0 | 1, tail)) => rest = tail,
                _ => return false,
            }
        }
        if part.variable {
            let Some((len, tail)) = rest.split_at_checked(LENGTH_BYTES) else {
                return false;
            };
            if usize::from(u16::from_le_bytes([len[0], len[1]])) > usize::from(part.length) {
                return false;
            }
            rest = tail;
        }
        let Some((_, tail)) = rest.split_at_checked(usize::from(part.length)) else {
            return false;
        };
        rest = tail;
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    const INT: KeyPart = KeyPart {
        nullable: false,
        variable: false,
        length: 4,
    };
    const NULLABLE_VARCHAR: KeyPart = KeyPart {
        nullable: true,
        variable: true,
        length: 10,
    };

    #[test]
    fn images_of_the_key_shape_are_accepted() {
        let parts = [INT, NULLABLE_VARCHAR];
        let mut image = vec![1, 0, 0, 0, 0, 3, 0];
        image.extend_from_slice(b"abc\0\0\0\0\0\0\0");
        assert!(well_formed(&parts, &image));
        image[4] = 1; // NULL
        assert!(well_formed(&parts, &image));
    }

    #[test]
    fn wrong_lengths_flags_and_sizes_are_refused() {
        let parts = [INT, NULLABLE_VARCHAR];
        let good: Vec<u8> = [&[1, 0, 0, 0, 0, 3, 0][..], &[b'a'; 10]].concat();
        assert!(well_formed(&parts, &good));
        let mut bad = good.clone();
        bad[4] = 2; // not a NULL flag
        assert!(!well_formed(&parts, &bad));
        let mut bad = good.clone();
        bad[5] = 11; // longer than the part
        assert!(!well_formed(&parts, &bad));
        let mut bad = good.clone();
        bad[6] = 1; // 259 bytes
        assert!(!well_formed(&parts, &bad));
        assert!(!well_formed(&parts, &good[..good.len() - 1]));
        assert!(!well_formed(&parts, &[good.clone(), vec![0]].concat()));
        assert!(!well_formed(&parts, &[]));
        assert!(well_formed(&[], &[]));
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_judged_without_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            shape in proptest::collection::vec(
                (proptest::prelude::any::<bool>(), proptest::prelude::any::<bool>(), 0u16..20), 0..4),
        ) {
            let parts: Vec<KeyPart> = shape
                .into_iter()
                .map(|(nullable, variable, length)| KeyPart { nullable, variable, length })
                .collect();
            let _ = well_formed(&parts, &bytes);
        }
    }
}
