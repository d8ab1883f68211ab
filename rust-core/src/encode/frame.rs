//! The common event header, the checksum, and where events say they end.

use super::crc::crc32;
use super::wire::put_uint;
use super::EncodeError;

/// Length of the v4 common header:
/// `timestamp[4] type[1] server_id[4] event_len[4] log_pos[4] flags[2]`.
pub const HEADER_LEN: usize = 19;
/// Length of the CRC32 that ends an event when checksums are on.
pub const CHECKSUM_LEN: usize = 4;

/// Header flag: the Query event needs no `USE db` on the replica.
pub const LOG_EVENT_SUPPRESS_USE_F: u16 = 0x8;
/// Header flag: the event was generated, it is not in the master's binlog.
pub const LOG_EVENT_ARTIFICIAL_F: u16 = 0x20;
/// Header flag: the event was written by a replica's IO thread (relay log).
pub const LOG_EVENT_RELAY_LOG_F: u16 = 0x40;
/// Header flag: a replica that does not know the event type may skip it.
pub const LOG_EVENT_IGNORABLE_F: u16 = 0x80;
/// Header flag: `@@skip_replication` was set when the event was logged.
pub const LOG_EVENT_SKIP_REPLICATION_F: u16 = 0x8000;

const EVENT_LEN_OFFSET: usize = 9;
const LOG_POS_OFFSET: usize = 13;

/// What every event of a stream shares: who sent it, when, and whether it
/// carries a CRC32 (`binlog_checksum=CRC32` on the master).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Framing {
    /// `server_id` of the header (and of the GTIDs the stream creates).
    pub server_id: u32,
    /// `timestamp` of the header, seconds since the epoch.
    pub timestamp: u32,
    /// Append a CRC32 to every event, computed over the event's bytes as
    /// they are, as a replica verifies it (`event_checksum_test()`).  The
    /// server's writer leaves `LOG_EVENT_BINLOG_IN_USE_F` (0x1) out of the
    /// CRC, but only Format_description events carry that flag.
    pub checksum: bool,
}

/// The `log_pos` a group of events gives its events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogPos {
    /// Every event carries this same value (0 for artificial events).
    Fixed(u32),
    /// The first event starts at this offset and each event carries its own
    /// end offset, as the events of a real binlog file do.
    Advancing(u32),
}

impl LogPos {
    /// The `log_pos` of the next event, `len` bytes long, and the rule for
    /// the event after it.
    pub(crate) fn next(self, len: usize) -> Result<(u32, LogPos), EncodeError> {
        match self {
            LogPos::Fixed(pos) => Ok((pos, self)),
            LogPos::Advancing(start) => {
                let end = u32::try_from(len)
                    .ok()
                    .and_then(|len| start.checked_add(len))
                    .ok_or(EncodeError::LogPosOverflow { start, len })?;
                Ok((end, LogPos::Advancing(end)))
            }
        }
    }
}

/// An event being written: the header with `event_len` and `log_pos` still
/// open, then the body as it is appended.
pub(crate) struct EventBuf {
    buf: Vec<u8>,
    checksum: bool,
}

impl EventBuf {
    /// Starts an event of type `event_type` with header flags `flags`.
    pub(crate) fn new(framing: &Framing, event_type: u8, flags: u16) -> Self {
        Self::with_body_capacity(framing, event_type, flags, 64)
    }

    /// As [`EventBuf::new`], with room for a body of `body_len` bytes and
    /// the checksum: a large event (rows) is then never copied to grow.
    pub(crate) fn with_body_capacity(
        framing: &Framing,
        event_type: u8,
        flags: u16,
        body_len: usize,
    ) -> Self {
        let mut buf = Vec::with_capacity(HEADER_LEN + body_len + CHECKSUM_LEN);
        put_uint(&mut buf, framing.timestamp.into(), 4);
        buf.push(event_type);
        put_uint(&mut buf, framing.server_id.into(), 4);
        put_uint(&mut buf, 0, 4); // event_len, set by finish()
        put_uint(&mut buf, 0, 4); // log_pos, set by finish()
        put_uint(&mut buf, flags.into(), 2);
        EventBuf {
            buf,
            checksum: framing.checksum,
        }
    }

    /// The body, to append to.
    pub(crate) fn body(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Length of the finished event, checksum included.
    pub(crate) fn final_len(&self) -> usize {
        self.buf.len() + if self.checksum { CHECKSUM_LEN } else { 0 }
    }

    /// Closes the header and appends the checksum.
    pub(crate) fn finish(mut self, log_pos: u32) -> Result<Vec<u8>, EncodeError> {
        let len = self.final_len();
        let event_len = u32::try_from(len).map_err(|_| EncodeError::EventTooLarge(len))?;
        self.buf[EVENT_LEN_OFFSET..LOG_POS_OFFSET].copy_from_slice(&event_len.to_le_bytes());
        self.buf[LOG_POS_OFFSET..LOG_POS_OFFSET + 4].copy_from_slice(&log_pos.to_le_bytes());
        if self.checksum {
            let crc = crc32(&self.buf);
            self.buf.extend_from_slice(&crc.to_le_bytes());
        }
        Ok(self.buf)
    }

    /// Closes the event at the `log_pos` the rule gives it; returns the event
    /// and the rule for the next one.
    pub(crate) fn finish_at(self, pos: LogPos) -> Result<(Vec<u8>, LogPos), EncodeError> {
        let (log_pos, next) = pos.next(self.final_len())?;
        Ok((self.finish(log_pos)?, next))
    }
}

impl Framing {
    /// Wraps `body` (post-header and payload) into a complete event of type
    /// `event_type`: the common header with the given `log_pos` and header
    /// `flags`, the body, and the CRC32 when [`Framing::checksum`] is on.
    pub fn frame(
        &self,
        event_type: u8,
        log_pos: u32,
        flags: u16,
        body: &[u8],
    ) -> Result<Vec<u8>, EncodeError> {
        let mut event = EventBuf::new(self, event_type, flags);
        event.body().extend_from_slice(body);
        event.finish(log_pos)
    }
}

/// The event type code of a `Log_event_type` constant, checked at compile
/// time to fit the header's one byte.
pub(crate) const fn type_code(server_type: u32) -> u8 {
    assert!(server_type <= 0xFF);
    server_type as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAMING: Framing = Framing {
        server_id: 0x0102_0304,
        timestamp: 0x6543_2100,
        checksum: false,
    };

    #[test]
    fn header_layout_without_checksum() {
        let event = FRAMING.frame(16, 0x0000_1234, 0x0008, &[0xAA]).unwrap();
        assert_eq!(
            event,
            [
                0x00, 0x21, 0x43, 0x65, // timestamp
                16,   // type
                0x04, 0x03, 0x02, 0x01, // server_id
                20, 0, 0, 0, // event_len
                0x34, 0x12, 0, 0, // log_pos
                0x08, 0x00, // flags
                0xAA, // body
            ]
        );
    }

    #[test]
    fn checksum_covers_header_and_body() {
        let framing = Framing {
            checksum: true,
            ..FRAMING
        };
        let event = framing.frame(16, 7, 0, b"body").unwrap();
        assert_eq!(event.len(), HEADER_LEN + 4 + CHECKSUM_LEN);
        assert_eq!(&event[9..13], &27u32.to_le_bytes());
        let (data, crc) = event.split_at(event.len() - CHECKSUM_LEN);
        assert_eq!(crc, crc32(data).to_le_bytes());
    }

    #[test]
    fn fixed_log_pos_repeats() {
        let (pos, next) = LogPos::Fixed(9).next(100).unwrap();
        assert_eq!((pos, next), (9, LogPos::Fixed(9)));
    }

    #[test]
    fn advancing_log_pos_is_the_end_offset() {
        let (pos, next) = LogPos::Advancing(256).next(100).unwrap();
        assert_eq!((pos, next), (356, LogPos::Advancing(356)));
    }

    #[test]
    fn advancing_log_pos_refuses_to_wrap() {
        assert_eq!(
            LogPos::Advancing(u32::MAX - 10).next(11),
            Err(EncodeError::LogPosOverflow {
                start: u32::MAX - 10,
                len: 11
            })
        );
    }
}
