//! Little-endian integers, packed (length-encoded) integers and
//! length-prefixed names, as the binlog stores them.

use super::{EncodeError, NameKind};

/// Appends the low `width` bytes of `value`, little-endian (the server's
/// `int2store` .. `int8store`, and `int6store` for table ids).
pub(crate) fn put_uint(buf: &mut Vec<u8>, value: u64, width: usize) {
    debug_assert!(width <= 8 && (width == 8 || value >> (8 * width) == 0));
    buf.extend_from_slice(&value.to_le_bytes()[..width]);
}

/// Appends `value` as a packed (length-encoded) integer, as the server's
/// `net_store_length()`: one byte below 251, else a marker byte (0xFC,
/// 0xFD, 0xFE) followed by 2, 3 or 8 little-endian bytes.
pub fn put_packed_int(buf: &mut Vec<u8>, value: u64) {
    match value {
        0..=250 => buf.push(value as u8),
        251..=0xFFFF => {
            buf.push(0xFC);
            put_uint(buf, value, 2);
        }
        0x1_0000..=0xFF_FFFF => {
            buf.push(0xFD);
            put_uint(buf, value, 3);
        }
        _ => {
            buf.push(0xFE);
            put_uint(buf, value, 8);
        }
    }
}

/// Number of bytes [`put_packed_int`] writes for `value`.
pub(crate) fn packed_int_len(value: u64) -> usize {
    match value {
        0..=250 => 1,
        251..=0xFFFF => 3,
        0x1_0000..=0xFF_FFFF => 4,
        _ => 9,
    }
}

/// Checks that a name fits its one-byte length and returns that length.
pub(crate) fn name_len(kind: NameKind, name: &[u8]) -> Result<u8, EncodeError> {
    u8::try_from(name.len()).map_err(|_| EncodeError::NameTooLong {
        kind,
        len: name.len(),
    })
}

/// Appends `len[1] name NUL`, the way a Table_map event stores its names.
pub(crate) fn put_name_nul(
    buf: &mut Vec<u8>,
    kind: NameKind,
    name: &[u8],
) -> Result<(), EncodeError> {
    buf.push(name_len(kind, name)?);
    buf.extend_from_slice(name);
    buf.push(0);
    Ok(())
}

/// Number of bytes of a bitmap of `bits` bits.
pub(crate) fn bitmap_len(bits: usize) -> usize {
    bits.div_ceil(8)
}

/// Appends a bitmap with bit `i` (byte `i / 8`, least significant bit
/// first) set when `bits[i]` is true; unused high bits are zero.
pub(crate) fn put_bitmap(buf: &mut Vec<u8>, bits: impl ExactSizeIterator<Item = bool>) {
    let start = buf.len();
    buf.resize(start + bitmap_len(bits.len()), 0);
    for (i, bit) in bits.enumerate() {
        if bit {
            buf[start + i / 8] |= 1 << (i % 8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed(value: u64) -> Vec<u8> {
        let mut buf = Vec::new();
        put_packed_int(&mut buf, value);
        assert_eq!(buf.len(), packed_int_len(value), "length of {value}");
        buf
    }

    #[test]
    fn packed_int_one_byte() {
        assert_eq!(packed(0), [0]);
        assert_eq!(packed(250), [250]);
    }

    #[test]
    fn packed_int_two_bytes() {
        assert_eq!(packed(251), [0xFC, 251, 0]);
        assert_eq!(packed(0xFFFF), [0xFC, 0xFF, 0xFF]);
    }

    #[test]
    fn packed_int_three_bytes() {
        assert_eq!(packed(0x1_0000), [0xFD, 0, 0, 1]);
        assert_eq!(packed(0xFF_FFFF), [0xFD, 0xFF, 0xFF, 0xFF]);
    }

    #[test]
    fn packed_int_eight_bytes() {
        assert_eq!(packed(0x100_0000), [0xFE, 0, 0, 0, 1, 0, 0, 0, 0]);
        assert_eq!(
            packed(u64::MAX),
            [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        );
    }

    #[test]
    fn uint_is_little_endian() {
        let mut buf = Vec::new();
        put_uint(&mut buf, 0x0605_0403_0201, 6);
        put_uint(&mut buf, 0xBEEF, 2);
        assert_eq!(buf, [1, 2, 3, 4, 5, 6, 0xEF, 0xBE]);
    }

    #[test]
    fn name_is_length_prefixed_and_nul_terminated() {
        let mut buf = Vec::new();
        put_name_nul(&mut buf, NameKind::Table, b"t1").unwrap();
        assert_eq!(buf, [2, b't', b'1', 0]);
    }

    #[test]
    fn name_of_255_bytes_fits_256_does_not() {
        let mut buf = Vec::new();
        assert!(put_name_nul(&mut buf, NameKind::Database, &[b'd'; 255]).is_ok());
        assert_eq!(
            put_name_nul(&mut buf, NameKind::Database, &[b'd'; 256]),
            Err(EncodeError::NameTooLong {
                kind: NameKind::Database,
                len: 256
            })
        );
    }

    #[test]
    fn bitmap_is_lsb_first_with_zero_padding() {
        let mut buf = Vec::new();
        let bits = [
            true, false, true, false, false, false, false, false, false, true,
        ];
        put_bitmap(&mut buf, bits.into_iter());
        assert_eq!(buf, [0b0000_0101, 0b0000_0010]);
    }
}
