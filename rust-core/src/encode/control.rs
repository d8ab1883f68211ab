//! Transaction control events: GTID (MariaDB, type 162), GTID_LIST (163)
//! and XID (16).

use super::frame::{type_code, EventBuf, Framing};
use super::wire::put_uint;
use super::EncodeError;
use crate::server_consts::Log_event_type as t;

pub(crate) const GTID_EVENT: u8 = type_code(t::GTID_EVENT);
pub(crate) const GTID_LIST_EVENT: u8 = type_code(t::GTID_LIST_EVENT);
pub(crate) const XID_EVENT: u8 = type_code(t::XID_EVENT);
pub(crate) const ANNOTATE_ROWS_EVENT: u8 = type_code(t::ANNOTATE_ROWS_EVENT);

/// GTID flags2: the group has no terminating COMMIT/XID event.
pub const FL_STANDALONE: u8 = 1;
/// GTID flags2: the group is part of a group commit; a commit id follows.
/// [`gtid_event`] sets it exactly when [`GtidEvent::commit_id`] is `Some`.
pub const FL_GROUP_COMMIT_ID: u8 = 2;
/// GTID flags2: the group can be safely rolled back (transactional engine).
pub const FL_TRANSACTIONAL: u8 = 4;
/// GTID flags2: the group may be applied in parallel with others.
pub const FL_ALLOW_PARALLEL: u8 = 8;
/// GTID flags2: a row lock wait was detected while the group executed.
pub const FL_WAITED: u8 = 16;
/// GTID flags2: the group contains DDL.
pub const FL_DDL: u8 = 32;
/// GTID flags2 of XA transactions, which need an XID payload this encoder
/// does not write.
const FL_XA: u8 = 64 | 128;

/// GTID_LIST flag (top bits of `count`): the `UNTIL` position was reached.
pub const FLAG_UNTIL_REACHED: u32 = 1 << 28;
/// GTID_LIST flag: the listed GTIDs are to be ignored by the replica.
pub const FLAG_IGN_GTIDS: u32 = 1 << 29;
/// GTID_LIST flag of `LOAD DATA FROM MASTER` (a bit the server leaves
/// free): the provisioning stream is complete.
pub const FLAG_PROVISIONING_COMPLETE: u32 = 1 << 30;
/// The low 28 bits of a GTID_LIST's `count` hold the number of GTIDs.
const GTID_LIST_COUNT_MASK: u32 = (1 << 28) - 1;

/// Minimum GTID body: `seq_no[8] domain_id[4] flags2[1]` padded with zeros
/// (`GTID_HEADER_LEN`).
const GTID_BODY_MIN: usize = 19;

pub use crate::gtid::Gtid;

/// The body of a GTID event; its server id is the header's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GtidEvent {
    /// Replication domain of the GTID.
    pub domain_id: u32,
    /// Sequence number of the GTID.
    pub seq_no: u64,
    /// `FL_*` flags; [`FL_GROUP_COMMIT_ID`] is ignored here and derived
    /// from `commit_id`.  XA flags (64, 128) are refused.
    pub flags2: u8,
    /// Group commit id, written only when present.
    pub commit_id: Option<u64>,
}

/// A GTID event: `seq_no[8] domain_id[4] flags2[1]`, then the commit id
/// when there is one (body of 21 bytes), else zero padding to 19 bytes.
pub fn gtid_event(
    framing: &Framing,
    log_pos: u32,
    flags: u16,
    gtid: &GtidEvent,
) -> Result<Vec<u8>, EncodeError> {
    gtid_event_buf(framing, flags, gtid)?.finish(log_pos)
}

pub(crate) fn gtid_event_buf(
    framing: &Framing,
    flags: u16,
    gtid: &GtidEvent,
) -> Result<EventBuf, EncodeError> {
    if gtid.flags2 & FL_XA != 0 {
        return Err(EncodeError::UnsupportedGtidFlags(gtid.flags2));
    }
    let mut event = EventBuf::new(framing, GTID_EVENT, flags);
    let body = event.body();
    let start = body.len();
    put_uint(body, gtid.seq_no, 8);
    put_uint(body, gtid.domain_id.into(), 4);
    match gtid.commit_id {
        Some(commit_id) => {
            body.push(gtid.flags2 | FL_GROUP_COMMIT_ID);
            put_uint(body, commit_id, 8);
        }
        None => {
            body.push(gtid.flags2 & !FL_GROUP_COMMIT_ID);
            body.resize(start + GTID_BODY_MIN, 0);
        }
    }
    Ok(event)
}

/// The body of a GTID_LIST event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GtidListEvent<'a> {
    /// The GTIDs, in the order to write them.
    pub gtids: &'a [Gtid],
    /// `FLAG_*` bits for the top 4 bits of `count`.
    pub flags: u32,
}

/// A GTID_LIST event: `count[4]` (low 28 bits the number of GTIDs, top 4
/// bits `flags`), then `domain_id[4] server_id[4] seq_no[8]` per GTID.  An
/// empty list is padded with two zero bytes, as the server does for older
/// replicas (`Gtid_list_log_event::get_data_size()`).
pub fn gtid_list_event(
    framing: &Framing,
    log_pos: u32,
    flags: u16,
    list: &GtidListEvent<'_>,
) -> Result<Vec<u8>, EncodeError> {
    if list.flags & GTID_LIST_COUNT_MASK != 0 {
        return Err(EncodeError::GtidListFlagsOverlapCount(list.flags));
    }
    let count = u32::try_from(list.gtids.len())
        .ok()
        .filter(|count| *count <= GTID_LIST_COUNT_MASK)
        .ok_or(EncodeError::GtidListTooLong(list.gtids.len()))?;
    let mut event = EventBuf::new(framing, GTID_LIST_EVENT, flags);
    let body = event.body();
    put_uint(body, (count | list.flags).into(), 4);
    if count == 0 {
        put_uint(body, 0, 2);
    }
    for gtid in list.gtids {
        put_uint(body, gtid.domain_id.into(), 4);
        put_uint(body, gtid.server_id.into(), 4);
        put_uint(body, gtid.seq_no, 8);
    }
    event.finish(log_pos)
}

/// An ANNOTATE_ROWS event: the text of the statement (here a note) the
/// following row events came from, with no post-header.
pub(crate) fn annotate_rows_event_buf(framing: &Framing, flags: u16, text: &str) -> EventBuf {
    let mut event = EventBuf::new(framing, ANNOTATE_ROWS_EVENT, flags);
    event.body().extend_from_slice(text.as_bytes());
    event
}

/// An XID event, the commit of a transactional group: `xid[8]`.
pub fn xid_event(
    framing: &Framing,
    log_pos: u32,
    flags: u16,
    xid: u64,
) -> Result<Vec<u8>, EncodeError> {
    xid_event_buf(framing, flags, xid).finish(log_pos)
}

pub(crate) fn xid_event_buf(framing: &Framing, flags: u16, xid: u64) -> EventBuf {
    let mut event = EventBuf::new(framing, XID_EVENT, flags);
    put_uint(event.body(), xid, 8);
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAMING: Framing = Framing {
        server_id: 7,
        timestamp: 0x1122_3344,
        checksum: false,
    };

    fn header(event_type: u8, len: u32, log_pos: u32, flags: u16) -> Vec<u8> {
        let mut h = vec![0x44, 0x33, 0x22, 0x11, event_type, 7, 0, 0, 0];
        h.extend_from_slice(&len.to_le_bytes());
        h.extend_from_slice(&log_pos.to_le_bytes());
        h.extend_from_slice(&flags.to_le_bytes());
        h
    }

    #[test]
    fn gtid_without_commit_id_is_padded_to_19_bytes() {
        let gtid = GtidEvent {
            domain_id: 0x0A0B,
            seq_no: 0x0102_0304_0506_0708,
            flags2: FL_STANDALONE | FL_DDL,
            commit_id: None,
        };
        let event = gtid_event(&FRAMING, 500, 0, &gtid).unwrap();
        let mut expected = header(162, 38, 500, 0);
        expected.extend_from_slice(&[8, 7, 6, 5, 4, 3, 2, 1, 0x0B, 0x0A, 0, 0, 33]);
        expected.extend_from_slice(&[0; 6]);
        assert_eq!(event, expected);
    }

    #[test]
    fn gtid_with_commit_id_sets_the_flag_and_has_21_bytes() {
        let gtid = GtidEvent {
            domain_id: 1,
            seq_no: 2,
            flags2: FL_TRANSACTIONAL,
            commit_id: Some(0x99),
        };
        let event = gtid_event(&FRAMING, 0, 0x20, &gtid).unwrap();
        let mut expected = header(162, 40, 0, 0x20);
        expected.extend_from_slice(&[2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4 | 2]);
        expected.extend_from_slice(&[0x99, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(event, expected);
    }

    #[test]
    fn gtid_group_commit_flag_follows_commit_id() {
        let gtid = GtidEvent {
            domain_id: 0,
            seq_no: 1,
            flags2: FL_GROUP_COMMIT_ID | FL_TRANSACTIONAL,
            commit_id: None,
        };
        let event = gtid_event(&FRAMING, 0, 0, &gtid).unwrap();
        assert_eq!(event[19 + 12], FL_TRANSACTIONAL);
        assert_eq!(event.len(), 19 + 19);
    }

    #[test]
    fn gtid_refuses_xa_flags() {
        let gtid = GtidEvent {
            domain_id: 0,
            seq_no: 1,
            flags2: 64,
            commit_id: None,
        };
        assert_eq!(
            gtid_event(&FRAMING, 0, 0, &gtid),
            Err(EncodeError::UnsupportedGtidFlags(64))
        );
    }

    #[test]
    fn gtid_list_with_flags() {
        let gtids = [
            Gtid {
                domain_id: 0,
                server_id: 7,
                seq_no: 42,
            },
            Gtid {
                domain_id: 3,
                server_id: 0x0100,
                seq_no: 0x1_0000_0000,
            },
        ];
        let list = GtidListEvent {
            gtids: &gtids,
            flags: FLAG_PROVISIONING_COMPLETE,
        };
        let event = gtid_list_event(&FRAMING, 1000, 0, &list).unwrap();
        let mut expected = header(163, 19 + 4 + 32, 1000, 0);
        expected.extend_from_slice(&[2, 0, 0, 0x40]);
        expected.extend_from_slice(&[0, 0, 0, 0, 7, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0]);
        expected.extend_from_slice(&[3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(event, expected);
    }

    #[test]
    fn empty_gtid_list_is_padded_to_six_bytes() {
        let list = GtidListEvent {
            gtids: &[],
            flags: FLAG_UNTIL_REACHED,
        };
        let event = gtid_list_event(&FRAMING, 4, 0, &list).unwrap();
        let mut expected = header(163, 25, 4, 0);
        expected.extend_from_slice(&[0, 0, 0, 0x10, 0, 0]);
        assert_eq!(event, expected);
    }

    #[test]
    fn gtid_list_flags_must_stay_in_the_top_bits() {
        let list = GtidListEvent {
            gtids: &[],
            flags: FLAG_IGN_GTIDS | 1,
        };
        assert_eq!(
            gtid_list_event(&FRAMING, 4, 0, &list),
            Err(EncodeError::GtidListFlagsOverlapCount(FLAG_IGN_GTIDS | 1))
        );
    }

    #[test]
    fn xid_body_is_eight_bytes() {
        let event = xid_event(&FRAMING, 77, 0, 0x0102_0304_0506_0708).unwrap();
        let mut expected = header(16, 27, 77, 0);
        expected.extend_from_slice(&[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(event, expected);
    }
}
