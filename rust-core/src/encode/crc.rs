//! CRC-32 as zlib computes it, the binlog event checksum.

/// CRC-32 of `data` as zlib computes it (reflected polynomial 0xEDB88320,
/// initial value and final xor 0xFFFFFFFF): the checksum the server appends
/// to each binlog event when `binlog_checksum=CRC32`.  The checksum was the
/// largest single cost of a provisioning dump on the master: `crc32fast`
/// folds with the CPU's carry-less multiply where it has one.
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    /// Bit at a time, from the polynomial: every length and alignment
    /// must agree with it.
    fn crc32_bitwise(data: &[u8]) -> u32 {
        const POLY: u32 = 0xEDB8_8320;
        !data.iter().fold(!0u32, |mut crc, &byte| {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ POLY
                } else {
                    crc >> 1
                };
            }
            crc
        })
    }

    #[test]
    fn folded_equals_bit_at_a_time() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7919 % 251) as u8).collect();
        for start in 0..9 {
            for end in (start..data.len()).step_by(37) {
                assert_eq!(crc32(&data[start..end]), crc32_bitwise(&data[start..end]));
            }
        }
    }

    #[test]
    fn empty_input_is_zero() {
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn known_vectors() {
        assert_eq!(crc32(b"a"), 0xE8B7_BE43);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }
}
