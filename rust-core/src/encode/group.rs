//! Whole event groups (transactions) of the provisioning stream.

use super::control::{
    annotate_rows_event_buf, gtid_event_buf, xid_event_buf, GtidEvent, FL_ALLOW_PARALLEL, FL_DDL,
    FL_STANDALONE, FL_TRANSACTIONAL,
};
use super::frame::{EventBuf, Framing, LogPos};
use super::query::{query_event_buf, QueryEvent};
use super::rows::{
    check_rows, table_map_event_buf, write_rows_event_buf, write_rows_overhead, RowImage, TableMap,
    WriteRows, STMT_END_F,
};
use super::EncodeError;

/// A chunk of rows of one table, sent as one transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowGroup<'a> {
    /// Replication domain of the group's GTID.
    pub domain_id: u32,
    /// Sequence number of the group's GTID.
    pub seq_no: u64,
    /// Also set `FL_ALLOW_PARALLEL` in the GTID (a master does unless
    /// `@@skip_parallel_replication`).
    pub allow_parallel: bool,
    /// The table the rows go to.
    pub table: &'a TableMap,
    /// One entry per column of `table`: the column is in the rows.
    pub present: &'a [bool],
    /// The rows, each with one value per present column; at least one
    /// unless there is a `note`.
    pub rows: &'a [RowImage],
    /// Text of an Annotate_rows event sent before the rows.
    pub note: Option<&'a str>,
    /// Rows flags for every Write_rows event (e.g. `NO_FOREIGN_KEY_CHECKS_F`);
    /// `STMT_END_F` is ignored here and set on the last event only.
    pub rows_flags: u16,
    /// The xid of the closing XID event.
    pub xid: u64,
    /// Largest length of a Write_rows event, header and checksum included;
    /// a row too big for it alone still gets an event of its own.
    pub max_event_size: usize,
}

/// The events of a chunk of rows: a GTID (`FL_TRANSACTIONAL`, and
/// `FL_ALLOW_PARALLEL` if asked), the note as an Annotate_rows event if
/// there is one, the Table_map and as many Write_rows V1 events as
/// `max_event_size` requires (the last one with `STMT_END_F`) if there are
/// rows, and an XID.  Every event gets the header `flags`; `pos` gives their
/// `log_pos`.
pub fn row_group(
    framing: &Framing,
    pos: LogPos,
    flags: u16,
    group: &RowGroup<'_>,
) -> Result<Vec<Vec<u8>>, EncodeError> {
    check_row_group(group)?;
    let mut events = Events::new(pos, group.rows.len().min(8) + 4);
    push_head(&mut events, framing, flags, group, !group.rows.is_empty())?;
    push_rows(&mut events, framing, flags, group, true)?;
    Ok(events.done())
}

/// The first events of a row group sent in pieces (a read too large to
/// hold at once): the GTID, the note if there is one, and the Table_map
/// when `with_table` (rows follow).  `group.rows` is not used.
pub fn row_group_head(
    framing: &Framing,
    pos: LogPos,
    flags: u16,
    group: &RowGroup<'_>,
    with_table: bool,
) -> Result<Vec<Vec<u8>>, EncodeError> {
    let mut events = Events::new(pos, 3);
    push_head(&mut events, framing, flags, group, with_table)?;
    Ok(events.done())
}

/// The Write_rows V1 events of `group.rows`, split at `max_event_size`,
/// after [`row_group_head`] (`pos` must continue from it).  With `last`,
/// the last event carries `STMT_END_F` and the XID follows; otherwise
/// more rows follow.
pub fn row_group_rows(
    framing: &Framing,
    pos: LogPos,
    flags: u16,
    group: &RowGroup<'_>,
    last: bool,
) -> Result<Vec<Vec<u8>>, EncodeError> {
    check_rows(group.present, group.rows)?;
    let mut events = Events::new(pos, group.rows.len().min(8) + 1);
    push_rows(&mut events, framing, flags, group, last)?;
    Ok(events.done())
}

fn push_head(
    events: &mut Events,
    framing: &Framing,
    flags: u16,
    group: &RowGroup<'_>,
    with_table: bool,
) -> Result<(), EncodeError> {
    let gtid = GtidEvent {
        domain_id: group.domain_id,
        seq_no: group.seq_no,
        flags2: FL_TRANSACTIONAL | parallel_flag(group.allow_parallel),
        commit_id: None,
    };
    events.push(gtid_event_buf(framing, flags, &gtid)?)?;
    if let Some(note) = group.note {
        events.push(annotate_rows_event_buf(framing, flags, note))?;
    }
    if with_table {
        events.push(table_map_event_buf(framing, flags, group.table)?)?;
    }
    Ok(())
}

fn push_rows(
    events: &mut Events,
    framing: &Framing,
    flags: u16,
    group: &RowGroup<'_>,
    last: bool,
) -> Result<(), EncodeError> {
    let overhead = write_rows_overhead(framing, group.present.len());
    let chunks = split_rows(group.rows, overhead, group.max_event_size);
    let end_at = if last {
        chunks.len().checked_sub(1)
    } else {
        None
    };
    for (i, rows) in chunks.into_iter().enumerate() {
        let end = if Some(i) == end_at { STMT_END_F } else { 0 };
        let write = WriteRows {
            table_id: group.table.table_id,
            flags: (group.rows_flags & !STMT_END_F) | end,
            present: group.present,
            rows,
        };
        events.push(write_rows_event_buf(framing, flags, &write)?)?;
    }
    if last {
        events.push(xid_event_buf(framing, flags, group.xid))?;
    }
    Ok(())
}

/// A group that carries only a note (an Annotate_rows event, shown by
/// `mariadb-binlog`) between its GTID and its XID: a message to the
/// replica in the copy stream that changes no data.
pub fn note_group(
    framing: &Framing,
    pos: LogPos,
    flags: u16,
    domain_id: u32,
    seq_no: u64,
    note: &str,
) -> Result<Vec<Vec<u8>>, EncodeError> {
    let gtid = GtidEvent {
        domain_id,
        seq_no,
        flags2: FL_TRANSACTIONAL,
        commit_id: None,
    };
    let mut events = Events::new(pos, 3);
    events.push(gtid_event_buf(framing, flags, &gtid)?)?;
    events.push(annotate_rows_event_buf(framing, flags, note))?;
    events.push(xid_event_buf(framing, flags, seq_no))?;
    Ok(events.done())
}

fn parallel_flag(allow_parallel: bool) -> u8 {
    if allow_parallel {
        FL_ALLOW_PARALLEL
    } else {
        0
    }
}

fn check_row_group(group: &RowGroup<'_>) -> Result<(), EncodeError> {
    if group.present.len() != group.table.columns.len() {
        return Err(EncodeError::PresentColumnsMismatch {
            expected: group.table.columns.len(),
            got: group.present.len(),
        });
    }
    if group.rows.is_empty() && group.note.is_none() {
        return Err(EncodeError::NoRows);
    }
    check_rows(group.present, group.rows)
}

/// Splits `rows` into runs whose event (`overhead` plus the rows) stays
/// within `max` bytes; a row that alone exceeds `max` forms its own run.
/// Never returns an empty run; returns one run per row at worst.
fn split_rows(rows: &[RowImage], overhead: usize, max: usize) -> Vec<&[RowImage]> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut size = overhead;
    for (i, row) in rows.iter().enumerate() {
        let len = row.as_bytes().len();
        if i > start && size + len > max {
            chunks.push(&rows[start..i]);
            start = i;
            size = overhead;
        }
        size += len;
    }
    if start < rows.len() {
        chunks.push(&rows[start..]);
    }
    chunks
}

/// A DDL statement, sent as one standalone transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DdlGroup<'a> {
    /// Replication domain of the group's GTID.
    pub domain_id: u32,
    /// Sequence number of the group's GTID.
    pub seq_no: u64,
    /// Also set `FL_ALLOW_PARALLEL` in the GTID (a master does unless
    /// `@@skip_parallel_replication`).
    pub allow_parallel: bool,
    /// The statement.
    pub query: &'a QueryEvent,
    /// Text of an Annotate_rows event sent before the statement.
    pub note: Option<&'a str>,
}

/// The events of a DDL statement: a GTID (`FL_STANDALONE | FL_DDL`, and
/// `FL_ALLOW_PARALLEL` if asked), the note as an Annotate_rows event if
/// there is one (the replica's SQL thread takes it as part of the
/// statement's group: it ends at the Query event), and the Query event.  Every event gets the header `flags`; `pos` gives their
/// `log_pos`.
pub fn ddl_group(
    framing: &Framing,
    pos: LogPos,
    flags: u16,
    group: &DdlGroup<'_>,
) -> Result<Vec<Vec<u8>>, EncodeError> {
    let gtid = GtidEvent {
        domain_id: group.domain_id,
        seq_no: group.seq_no,
        flags2: FL_STANDALONE | FL_DDL | parallel_flag(group.allow_parallel),
        commit_id: None,
    };
    let mut events = Events::new(pos, 3);
    events.push(gtid_event_buf(framing, flags, &gtid)?)?;
    if let Some(note) = group.note {
        events.push(annotate_rows_event_buf(framing, flags, note))?;
    }
    events.push(query_event_buf(framing, flags, group.query)?)?;
    Ok(events.done())
}

/// The finished events of a group and the `log_pos` rule for the next one.
struct Events {
    pos: LogPos,
    events: Vec<Vec<u8>>,
}

impl Events {
    fn new(pos: LogPos, capacity: usize) -> Self {
        Events {
            pos,
            events: Vec::with_capacity(capacity),
        }
    }

    fn push(&mut self, event: EventBuf) -> Result<(), EncodeError> {
        let (event, next) = event.finish_at(self.pos)?;
        self.events.push(event);
        self.pos = next;
        Ok(())
    }

    fn done(self) -> Vec<Vec<u8>> {
        self.events
    }
}

#[cfg(test)]
mod tests {
    use super::super::control::{GTID_EVENT, XID_EVENT};
    use super::super::query::QUERY_EVENT;
    use super::super::rows::{
        Column, NO_FOREIGN_KEY_CHECKS_F, TABLE_MAP_EVENT, WRITE_ROWS_EVENT_V1,
    };
    use super::super::{QueryStatusVars, TM_BIT_LEN_EXACT_F};
    use super::*;

    const FRAMING: Framing = Framing {
        server_id: 9,
        timestamp: 1_700_000_000,
        checksum: true,
    };

    fn table() -> TableMap {
        TableMap {
            table_id: 70,
            flags: TM_BIT_LEN_EXACT_F,
            db: "db".into(),
            table: "t".into(),
            columns: vec![Column {
                type_code: 252,
                metadata: vec![2],
                nullable: true,
            }],
        }
    }

    /// Rows of one BLOB column whose image is `len` bytes long.
    fn rows(lens: &[usize]) -> Vec<RowImage> {
        lens.iter()
            .map(|&len| {
                let data = len - 3;
                let mut value = (data as u16).to_le_bytes().to_vec();
                value.resize(2 + data, b'x');
                RowImage::new(&[Some(value)])
            })
            .collect()
    }

    fn group<'a>(table: &'a TableMap, rows: &'a [RowImage], max: usize) -> RowGroup<'a> {
        RowGroup {
            domain_id: 0,
            seq_no: 5,
            allow_parallel: false,
            table,
            present: &[true],
            rows,
            note: None,
            rows_flags: NO_FOREIGN_KEY_CHECKS_F | STMT_END_F,
            xid: 11,
            max_event_size: max,
        }
    }

    fn rows_flags(event: &[u8]) -> u16 {
        u16::from_le_bytes([event[19 + 6], event[19 + 7]])
    }

    #[test]
    fn a_note_comes_after_the_gtid_and_can_stand_without_rows() {
        let (t, r) = (table(), rows(&[10]));
        let mut g = group(&t, &r, 1 << 20);
        g.note = Some("LOAD DATA FROM MASTER: end of table `d`.`t`");
        let events = row_group(&FRAMING, LogPos::Fixed(0), 0, &g).unwrap();
        let types: Vec<u8> = events.iter().map(|e| e[4]).collect();
        assert_eq!(
            types,
            [
                GTID_EVENT,
                160,
                TABLE_MAP_EVENT,
                WRITE_ROWS_EVENT_V1,
                XID_EVENT
            ]
        );
        assert_eq!(
            &events[1][19..events[1].len() - 4],
            g.note.unwrap().as_bytes()
        );

        let empty: [RowImage; 0] = [];
        g.rows = &empty;
        let events = row_group(&FRAMING, LogPos::Fixed(0), 0, &g).unwrap();
        let types: Vec<u8> = events.iter().map(|e| e[4]).collect();
        assert_eq!(types, [GTID_EVENT, 160, XID_EVENT]);
        g.note = None;
        assert!(row_group(&FRAMING, LogPos::Fixed(0), 0, &g).is_err());
    }

    #[test]
    fn one_write_rows_event_when_everything_fits() {
        let (t, r) = (table(), rows(&[10, 20]));
        let events = row_group(&FRAMING, LogPos::Fixed(0), 0, &group(&t, &r, 1 << 20)).unwrap();
        let types: Vec<u8> = events.iter().map(|e| e[4]).collect();
        assert_eq!(
            types,
            [GTID_EVENT, TABLE_MAP_EVENT, WRITE_ROWS_EVENT_V1, XID_EVENT]
        );
        assert_eq!(events[0][19 + 12], FL_TRANSACTIONAL);
        assert_eq!(rows_flags(&events[2]), STMT_END_F | NO_FOREIGN_KEY_CHECKS_F);
        let parallel = RowGroup {
            allow_parallel: true,
            ..group(&t, &r, 1 << 20)
        };
        let events = row_group(&FRAMING, LogPos::Fixed(0), 0, &parallel).unwrap();
        assert_eq!(events[0][19 + 12], FL_TRANSACTIONAL | FL_ALLOW_PARALLEL);
        assert_eq!(events[2].len(), write_rows_overhead(&FRAMING, 1) + 30);
    }

    #[test]
    fn rows_split_at_the_size_limit_and_only_the_last_ends_the_statement() {
        let overhead = write_rows_overhead(&FRAMING, 1);
        let (t, r) = (table(), rows(&[10, 10, 10, 10, 10]));
        let g = group(&t, &r, overhead + 20);
        let events = row_group(&FRAMING, LogPos::Fixed(0), 0, &g).unwrap();
        let writes: Vec<&Vec<u8>> = events[2..events.len() - 1].iter().collect();
        assert_eq!(writes.len(), 3);
        let lens: Vec<usize> = writes.iter().map(|e| e.len()).collect();
        assert_eq!(lens, [overhead + 20, overhead + 20, overhead + 10]);
        let flags: Vec<u16> = writes.iter().map(|e| rows_flags(e)).collect();
        let nfk = NO_FOREIGN_KEY_CHECKS_F;
        assert_eq!(flags, [nfk, nfk, nfk | STMT_END_F]);
    }

    #[test]
    fn an_oversized_row_gets_an_event_of_its_own() {
        let overhead = write_rows_overhead(&FRAMING, 1);
        let (t, r) = (table(), rows(&[10, 100, 10]));
        let g = group(&t, &r, overhead + 20);
        let events = row_group(&FRAMING, LogPos::Fixed(0), 0, &g).unwrap();
        let lens: Vec<usize> = events[2..5].iter().map(|e| e.len()).collect();
        assert_eq!(lens, [overhead + 10, overhead + 100, overhead + 10]);
        assert_eq!(events.len(), 6);
    }

    #[test]
    fn advancing_log_pos_chains_the_events() {
        let (t, r) = (table(), rows(&[10]));
        let events = row_group(&FRAMING, LogPos::Advancing(1000), 0, &group(&t, &r, 4096)).unwrap();
        let mut end = 1000;
        for event in &events {
            end += event.len() as u32;
            assert_eq!(&event[13..17], &end.to_le_bytes());
        }
    }

    #[test]
    fn group_needs_rows_and_a_matching_bitmap() {
        let t = table();
        assert_eq!(
            row_group(&FRAMING, LogPos::Fixed(0), 0, &group(&t, &[], 4096)),
            Err(EncodeError::NoRows)
        );
        let r = rows(&[10]);
        let mut g = group(&t, &r, 4096);
        g.present = &[true, false];
        assert_eq!(
            row_group(&FRAMING, LogPos::Fixed(0), 0, &g),
            Err(EncodeError::PresentColumnsMismatch {
                expected: 1,
                got: 2
            })
        );
    }

    #[test]
    fn ddl_group_is_a_standalone_gtid_and_the_query() {
        let query = QueryEvent {
            thread_id: 1,
            exec_time: 0,
            error_code: 0,
            status: QueryStatusVars::default(),
            db: "db".into(),
            query: b"CREATE TABLE t (a INT)".to_vec(),
        };
        let mut g = DdlGroup {
            note: None,
            domain_id: 2,
            seq_no: 3,
            allow_parallel: false,
            query: &query,
        };
        let events = ddl_group(&FRAMING, LogPos::Fixed(4), 0, &g).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!((events[0][4], events[1][4]), (GTID_EVENT, QUERY_EVENT));
        assert_eq!(events[0][19 + 12], FL_STANDALONE | FL_DDL);
        let query_event = &events[1][..events[1].len() - 4];
        assert!(query_event.ends_with(b"db\0CREATE TABLE t (a INT)"));
        g.allow_parallel = true;
        let events = ddl_group(&FRAMING, LogPos::Fixed(4), 0, &g).unwrap();
        assert_eq!(
            events[0][19 + 12],
            FL_STANDALONE | FL_DDL | FL_ALLOW_PARALLEL
        );
    }

    #[test]
    fn a_note_group_is_gtid_note_xid() {
        let framing = Framing {
            server_id: 1,
            timestamp: 0,
            checksum: true,
        };
        let events = note_group(&framing, LogPos::Fixed(4), 0, 7, 3, "hello").unwrap();
        let types: Vec<u8> = events.iter().map(|e| e[4]).collect();
        assert_eq!(types, [162, 160, 16]);
        assert!(events[1].windows(5).any(|w| w == b"hello"));
    }
}
