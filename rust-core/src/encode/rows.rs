//! Row events: Table_map (type 19) and Write_rows V1 (type 23), and the
//! row image that `pack_row()` (`sql/rpl_record.cc`) writes.

use super::frame::{type_code, EventBuf, Framing, CHECKSUM_LEN, HEADER_LEN};
use super::wire::{bitmap_len, packed_int_len, put_bitmap, put_name_nul, put_packed_int, put_uint};
use super::{EncodeError, NameKind};
use crate::server_consts::Log_event_type as t;

pub(crate) const TABLE_MAP_EVENT: u8 = type_code(t::TABLE_MAP_EVENT);
pub(crate) const WRITE_ROWS_EVENT_V1: u8 = type_code(t::WRITE_ROWS_EVENT_V1);

/// Table_map flag: bit lengths of BIT columns are exact.
pub const TM_BIT_LEN_EXACT_F: u16 = 1;

/// Rows flag: the last rows event of the statement.
pub const STMT_END_F: u16 = 1;
/// Rows flag: apply with `foreign_key_checks=0`.
pub const NO_FOREIGN_KEY_CHECKS_F: u16 = 2;
/// Rows flag: apply with `unique_checks=0`.
pub const RELAXED_UNIQUE_CHECKS_F: u16 = 4;
/// Rows flag: the rows hold every column of the table.
pub const COMPLETE_ROWS_F: u16 = 8;

/// The largest table id: row events store it in 6 bytes.
pub const MAX_TABLE_ID: u64 = (1 << 48) - 1;

/// Length of the post-header of Table_map and of Rows V1 events:
/// `table_id[6] flags[2]`.
const ID_AND_FLAGS_LEN: usize = 8;
/// The most metadata bytes a MariaDB column has.
const MAX_COLUMN_METADATA: usize = 2;

/// One column of a [`TableMap`], as the server's `binlog_type_info()`
/// describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Binlog type code (`enum_field_types`, e.g. 15 for VARCHAR).
    pub type_code: u8,
    /// The column's metadata bytes (0, 1 or 2), in the server's order.
    pub metadata: Vec<u8>,
    /// The column can be NULL.
    pub nullable: bool,
}

/// What a Table_map event says about a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableMap {
    /// The id the row events of the group refer to, at most [`MAX_TABLE_ID`].
    pub table_id: u64,
    /// `TM_*` flags, usually [`TM_BIT_LEN_EXACT_F`].
    pub flags: u16,
    /// Database name, at most 255 bytes.
    pub db: String,
    /// Table name, at most 255 bytes.
    pub table: String,
    /// The table's columns, in table order; at least one.
    pub columns: Vec<Column>,
}

fn check_table_id(table_id: u64) -> Result<(), EncodeError> {
    if table_id > MAX_TABLE_ID {
        return Err(EncodeError::TableIdTooLarge(table_id));
    }
    Ok(())
}

fn check_columns(columns: &[Column]) -> Result<(), EncodeError> {
    if columns.is_empty() {
        return Err(EncodeError::NoColumns);
    }
    match columns
        .iter()
        .position(|c| c.metadata.len() > MAX_COLUMN_METADATA)
    {
        Some(column) => Err(EncodeError::ColumnMetadataTooLong {
            column,
            len: columns[column].metadata.len(),
        }),
        None => Ok(()),
    }
}

/// A Table_map event: post-header `table_id[6] flags[2]`, then `db` and
/// `table` (each `len[1] name NUL`), the column count (packed), the type
/// codes, the metadata (packed length, then each column's bytes) and the
/// nullable-columns bitmap.  No optional metadata is written
/// (`binlog_row_metadata=NO_LOG`).
pub fn table_map_event(
    framing: &Framing,
    log_pos: u32,
    flags: u16,
    map: &TableMap,
) -> Result<Vec<u8>, EncodeError> {
    table_map_event_buf(framing, flags, map)?.finish(log_pos)
}

pub(crate) fn table_map_event_buf(
    framing: &Framing,
    flags: u16,
    map: &TableMap,
) -> Result<EventBuf, EncodeError> {
    check_table_id(map.table_id)?;
    check_columns(&map.columns)?;
    let mut event = EventBuf::new(framing, TABLE_MAP_EVENT, flags);
    let body = event.body();
    put_uint(body, map.table_id, 6);
    put_uint(body, map.flags.into(), 2);
    put_name_nul(body, NameKind::Database, map.db.as_bytes())?;
    put_name_nul(body, NameKind::Table, map.table.as_bytes())?;
    put_packed_int(body, map.columns.len() as u64);
    body.extend(map.columns.iter().map(|c| c.type_code));
    let metadata_len: usize = map.columns.iter().map(|c| c.metadata.len()).sum();
    put_packed_int(body, metadata_len as u64);
    for column in &map.columns {
        body.extend_from_slice(&column.metadata);
    }
    put_bitmap(body, map.columns.iter().map(|c| c.nullable));
    Ok(event)
}

/// One row as `pack_row()` writes it: a NULL bitmap with one bit per
/// present column (set for NULL, unused high bits of the last byte set),
/// then the packed bytes of each non-NULL value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowImage {
    columns: usize,
    bytes: Vec<u8>,
}

impl RowImage {
    /// Packs a row from its values, one per present column in table order:
    /// `None` for NULL, else the bytes `Field::pack()` wrote for the value
    /// (taken as they are).
    pub fn new<V: AsRef<[u8]>>(values: &[Option<V>]) -> Self {
        let data_len: usize = values.iter().flatten().map(|v| v.as_ref().len()).sum();
        let mut row = RowBuilder::new(values.len());
        row.bytes.reserve(data_len);
        for value in values {
            row.push(value.as_ref().map(AsRef::as_ref));
        }
        row.finish()
            .expect("a builder sized for the values takes all of them")
    }

    /// Number of columns (values) of the row.
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// The row image as it goes into a rows event.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// A [`RowImage`] built one value at a time: the NULL bitmap is sized for
/// the row's columns up front, so each value is copied once, straight into
/// the image.
#[derive(Clone, Debug)]
pub struct RowBuilder {
    columns: usize,
    pushed: usize,
    bytes: Vec<u8>,
}

impl RowBuilder {
    /// A row of `columns` present columns, all still NULL in the bitmap.
    pub fn new(columns: usize) -> Self {
        Self::with_capacity(columns, 0)
    }

    /// As [`RowBuilder::new`], with room for `value_bytes` of values: the
    /// previous row's size, so that a row of a table is allocated once.
    pub fn with_capacity(columns: usize, value_bytes: usize) -> Self {
        let mut bytes = Vec::with_capacity(bitmap_len(columns) + value_bytes);
        bytes.resize(bitmap_len(columns), 0xFF);
        RowBuilder {
            columns,
            pushed: 0,
            bytes,
        }
    }

    /// Appends the next value (`None`: NULL); false, and nothing appended,
    /// when the row already has all its columns.
    pub fn push(&mut self, value: Option<&[u8]>) -> bool {
        if self.pushed == self.columns {
            return false;
        }
        if let Some(value) = value {
            let i = self.pushed;
            self.bytes[i / 8] &= !(1 << (i % 8));
            self.bytes.extend_from_slice(value);
        }
        self.pushed += 1;
        true
    }

    /// Bytes of the row so far, its null bitmap included.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the row has no bytes yet (a table of no column).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The finished row; back the builder (to finish pushing) when fewer
    /// values than columns were pushed.
    pub fn finish(self) -> Result<RowImage, RowBuilder> {
        if self.pushed != self.columns {
            return Err(self);
        }
        Ok(RowImage {
            columns: self.columns,
            bytes: self.bytes,
        })
    }
}

/// What a Write_rows event holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteRows<'a> {
    /// The table id of the Table_map event the rows belong to.
    pub table_id: u64,
    /// Rows flags (`STMT_END_F`, `NO_FOREIGN_KEY_CHECKS_F`, ...).
    pub flags: u16,
    /// One entry per table column: the column is in the rows.
    pub present: &'a [bool],
    /// The rows, each with one value per present column.
    pub rows: &'a [RowImage],
}

/// A Write_rows V1 event: post-header `table_id[6] flags[2]`, then the
/// table width (packed), the present-columns bitmap and the row images.
pub fn write_rows_event(
    framing: &Framing,
    log_pos: u32,
    flags: u16,
    rows: &WriteRows<'_>,
) -> Result<Vec<u8>, EncodeError> {
    write_rows_event_buf(framing, flags, rows)?.finish(log_pos)
}

pub(crate) fn write_rows_event_buf(
    framing: &Framing,
    flags: u16,
    rows: &WriteRows<'_>,
) -> Result<EventBuf, EncodeError> {
    check_table_id(rows.table_id)?;
    check_rows(rows.present, rows.rows)?;
    let width = rows.present.len();
    let body_len =
        rows_body_head_len(width) + rows.rows.iter().map(|r| r.as_bytes().len()).sum::<usize>();
    let mut event = EventBuf::with_body_capacity(framing, WRITE_ROWS_EVENT_V1, flags, body_len);
    let body = event.body();
    put_uint(body, rows.table_id, 6);
    put_uint(body, rows.flags.into(), 2);
    put_packed_int(body, rows.present.len() as u64);
    put_bitmap(body, rows.present.iter().copied());
    for row in rows.rows {
        body.extend_from_slice(row.as_bytes());
    }
    Ok(event)
}

/// Checks that every row has one value per present column, and that rows
/// have a column at all (rows of no column would be empty, uncountable).
pub(crate) fn check_rows(present: &[bool], rows: &[RowImage]) -> Result<(), EncodeError> {
    let expected = present.iter().filter(|p| **p).count();
    if expected == 0 && !rows.is_empty() {
        return Err(EncodeError::NoPresentColumns);
    }
    match rows.iter().position(|r| r.columns != expected) {
        Some(row) => Err(EncodeError::RowWidthMismatch {
            row,
            expected,
            got: rows[row].columns,
        }),
        None => Ok(()),
    }
}

/// Length of a Write_rows event of a `width`-column table without its rows.
pub(crate) fn write_rows_overhead(framing: &Framing, width: usize) -> usize {
    let checksum = if framing.checksum { CHECKSUM_LEN } else { 0 };
    HEADER_LEN + rows_body_head_len(width) + checksum
}

/// Length of a rows event's body before its rows: the post-header, the
/// packed table width and the present-columns bitmap.
fn rows_body_head_len(width: usize) -> usize {
    ID_AND_FLAGS_LEN + packed_int_len(width as u64) + bitmap_len(width)
}

#[cfg(test)]
mod tests {
    #[test]
    fn row_builder_matches_row_image_and_keeps_its_width() {
        let values = [Some(&[1u8, 2][..]), None, Some(&[3u8][..])];
        let mut b = RowBuilder::new(3);
        assert!(b.push(values[0]));
        let b = b.finish().expect_err("two values missing");
        let mut b = b;
        assert!(b.push(values[1]));
        assert!(b.push(values[2]));
        assert!(!b.push(Some(&[9])), "a fourth value is refused");
        assert_eq!(b.finish().unwrap(), RowImage::new(&values));
    }

    use super::*;

    const FRAMING: Framing = Framing {
        server_id: 2,
        timestamp: 0,
        checksum: false,
    };

    fn header(event_type: u8, len: u32, log_pos: u32) -> Vec<u8> {
        let mut h = vec![0, 0, 0, 0, event_type, 2, 0, 0, 0];
        h.extend_from_slice(&len.to_le_bytes());
        h.extend_from_slice(&log_pos.to_le_bytes());
        h.extend_from_slice(&[0, 0]);
        h
    }

    fn column(type_code: u8, metadata: &[u8], nullable: bool) -> Column {
        Column {
            type_code,
            metadata: metadata.to_vec(),
            nullable,
        }
    }

    fn map() -> TableMap {
        TableMap {
            table_id: 0x0000_0102_0304,
            flags: TM_BIT_LEN_EXACT_F,
            db: "db".into(),
            table: "t".into(),
            columns: vec![
                column(3, &[], false),
                column(15, &[80, 0], true),
                column(252, &[2], true),
            ],
        }
    }

    #[test]
    fn table_map_layout() {
        let event = table_map_event(&FRAMING, 300, 0, &map()).unwrap();
        let body: &[u8] = &[
            4, 3, 2, 1, 0, 0, 1, 0, // table_id, flags
            2, b'd', b'b', 0, 1, b't', 0, // names
            3, 3, 15, 252, // column count and types
            3, 80, 0, 2,     // metadata
            0b110, // nullable columns
        ];
        let mut expected = header(19, (19 + body.len()) as u32, 300);
        expected.extend_from_slice(body);
        assert_eq!(event, expected);
    }

    #[test]
    fn table_map_keeps_mariadb_compressed_types_and_their_metadata() {
        let mut m = map();
        m.columns = vec![column(140, &[4], true), column(141, &[0x2C, 0x01], false)];
        let event = table_map_event(&FRAMING, 0, 0, &m).unwrap();
        let tail: &[u8] = &[2, 140, 141, 3, 4, 0x2C, 0x01, 0b01];
        assert!(event.ends_with(tail));
    }

    #[test]
    fn table_map_refuses_long_table_name() {
        let mut m = map();
        m.table = "t".repeat(256);
        assert_eq!(
            table_map_event(&FRAMING, 0, 0, &m),
            Err(EncodeError::NameTooLong {
                kind: NameKind::Table,
                len: 256
            })
        );
    }

    #[test]
    fn table_map_refuses_wide_table_id() {
        let mut m = map();
        m.table_id = MAX_TABLE_ID + 1;
        assert_eq!(
            table_map_event(&FRAMING, 0, 0, &m),
            Err(EncodeError::TableIdTooLarge(MAX_TABLE_ID + 1))
        );
    }

    #[test]
    fn table_map_refuses_long_metadata_and_no_columns() {
        let mut m = map();
        m.columns[2].metadata = vec![1, 2, 3];
        assert_eq!(
            table_map_event(&FRAMING, 0, 0, &m),
            Err(EncodeError::ColumnMetadataTooLong { column: 2, len: 3 })
        );
        m.columns.clear();
        assert_eq!(
            table_map_event(&FRAMING, 0, 0, &m),
            Err(EncodeError::NoColumns)
        );
    }

    #[test]
    fn row_image_null_bitmap_pads_with_ones() {
        let row = RowImage::new(&[Some(&[1u8, 0, 0, 0][..]), None, Some(&[2, b'h', b'i'][..])]);
        assert_eq!(row.as_bytes(), [0b1111_1010, 1, 0, 0, 0, 2, b'h', b'i']);
        assert_eq!(row.columns(), 3);
    }

    #[test]
    fn row_image_of_nine_columns_has_two_null_bytes() {
        let mut values: Vec<Option<Vec<u8>>> = vec![Some(vec![7]); 9];
        values[8] = None;
        let row = RowImage::new(&values);
        assert_eq!(&row.as_bytes()[..2], [0x00, 0xFF]);
        assert_eq!(row.as_bytes().len(), 2 + 8);
        let all_values: Vec<Option<Vec<u8>>> = vec![Some(vec![7]); 8];
        assert_eq!(RowImage::new(&all_values).as_bytes()[0], 0x00);
    }

    #[test]
    fn write_rows_layout() {
        let rows = [
            RowImage::new(&[Some(&[5u8, 0, 0, 0][..]), None]),
            RowImage::new(&[Some(&[6u8, 0, 0, 0][..]), Some(&[1, b'x'][..])]),
        ];
        let write = WriteRows {
            table_id: 0x0102_0304,
            flags: STMT_END_F | NO_FOREIGN_KEY_CHECKS_F,
            present: &[true, true, false],
            rows: &rows,
        };
        let event = write_rows_event(&FRAMING, 400, 0, &write).unwrap();
        let body: &[u8] = &[
            4,
            3,
            2,
            1,
            0,
            0,
            3,
            0, // table_id, flags
            3,
            0b011, // width, present columns
            0b1111_1110,
            5,
            0,
            0,
            0, // row 1
            0b1111_1100,
            6,
            0,
            0,
            0,
            1,
            b'x', // row 2
        ];
        let mut expected = header(23, (19 + body.len()) as u32, 400);
        expected.extend_from_slice(body);
        assert_eq!(event, expected);
        assert_eq!(write_rows_overhead(&FRAMING, 3), 19 + 8 + 1 + 1);
    }

    #[test]
    fn write_rows_refuses_rows_without_columns() {
        let rows = [RowImage::new::<&[u8]>(&[])];
        let write = WriteRows {
            table_id: 1,
            flags: 0,
            present: &[false, false],
            rows: &rows,
        };
        assert_eq!(
            write_rows_event(&FRAMING, 0, 0, &write),
            Err(EncodeError::NoPresentColumns)
        );
    }

    #[test]
    fn write_rows_refuses_a_row_of_the_wrong_width() {
        let rows = [RowImage::new(&[Some(&[5u8][..])])];
        let write = WriteRows {
            table_id: 1,
            flags: 0,
            present: &[true, true],
            rows: &rows,
        };
        assert_eq!(
            write_rows_event(&FRAMING, 0, 0, &write),
            Err(EncodeError::RowWidthMismatch {
                row: 0,
                expected: 2,
                got: 1
            })
        );
    }
}
