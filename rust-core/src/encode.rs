//! Encoder of the MariaDB binlog (v4) events that the master's dump thread
//! sends to a provisioning replica.
//!
//! Invariant: every byte vector this module returns is one complete,
//! well-formed event (or a list of them): a 19-byte common header whose
//! `event_len` is the exact length of the vector, the body laid out as
//! MariaDB 10.11 writes it (`sql/log_event_server.cc`, `sql/rpl_record.cc`),
//! and, when [`Framing::checksum`] is on, a trailing CRC32 over everything
//! before it.  Input that cannot be encoded faithfully (a name longer than
//! its one-byte length, a table id wider than six bytes, a row that does not
//! match its columns, an event over 4 GiB ...) is refused with an
//! [`EncodeError`]; nothing is ever truncated or guessed.
//!
//! The encoder does not interpret column values: the C++ shim hands over
//! each column's binlog type code, its metadata bytes (from
//! `Field::binlog_type_info()`) and each value's packed bytes (from
//! `Field::pack()`), and this module lays them out.
//!
//! Layout of the module:
//! - [`Framing`], [`LogPos`] and the header flags: the common header and the
//!   checksum ([`crc32`]), for any body ([`Framing::frame`]);
//! - [`gtid_event`], [`gtid_list_event`], [`xid_event`]: transaction control;
//! - [`query_event`]: statements (DDL);
//! - [`table_map_event`], [`RowImage`], [`write_rows_event`]: row data;
//! - [`row_group`], [`ddl_group`]: whole event groups (transactions).

mod control;
mod crc;
mod frame;
mod group;
mod query;
mod rows;
mod wire;

pub use control::{
    gtid_event, gtid_list_event, xid_event, Gtid, GtidEvent, GtidListEvent, FLAG_IGN_GTIDS,
    FLAG_PROVISIONING_COMPLETE, FLAG_UNTIL_REACHED, FL_ALLOW_PARALLEL, FL_DDL, FL_GROUP_COMMIT_ID,
    FL_STANDALONE, FL_TRANSACTIONAL, FL_WAITED,
};
pub use crc::crc32;
pub(crate) use frame::type_code;
pub use frame::{
    Framing, LogPos, CHECKSUM_LEN, HEADER_LEN, LOG_EVENT_ARTIFICIAL_F, LOG_EVENT_IGNORABLE_F,
    LOG_EVENT_RELAY_LOG_F, LOG_EVENT_SKIP_REPLICATION_F, LOG_EVENT_SUPPRESS_USE_F,
};
pub use group::{
    ddl_group, note_group, row_group, row_group_head, row_group_rows, DdlGroup, RowGroup,
};
pub use query::{query_event, CharsetIds, QueryEvent, QueryStatusVars, STD_CATALOG};
pub use rows::{
    table_map_event, write_rows_event, Column, RowBuilder, RowImage, TableMap, WriteRows,
    COMPLETE_ROWS_F, MAX_TABLE_ID, NO_FOREIGN_KEY_CHECKS_F, RELAXED_UNIQUE_CHECKS_F, STMT_END_F,
    TM_BIT_LEN_EXACT_F,
};
pub use wire::put_packed_int;

/// What a name is, in [`EncodeError::NameTooLong`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// A database (schema) name.
    Database,
    /// A table name.
    Table,
    /// The catalog of a Query event's status variables.
    Catalog,
    /// The time zone of a Query event's status variables.
    TimeZone,
}

impl std::fmt::Display for NameKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NameKind::Database => "database",
            NameKind::Table => "table",
            NameKind::Catalog => "catalog",
            NameKind::TimeZone => "time zone",
        })
    }
}

/// Why an event could not be encoded.  No partial event is ever returned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A name is stored with a one-byte length and is longer than 255 bytes.
    #[error("{kind} name is {len} bytes long; a binlog event allows at most 255")]
    NameTooLong {
        /// Which name.
        kind: NameKind,
        /// Its length in bytes.
        len: usize,
    },
    /// A table id does not fit the six bytes the events give it.
    #[error("table id {0} does not fit in 6 bytes")]
    TableIdTooLarge(u64),
    /// A table map must describe at least one column.
    #[error("a table map needs at least one column")]
    NoColumns,
    /// A column's metadata is longer than the two bytes a server writes.
    #[error("column {column} has {len} metadata bytes; at most 2 are allowed")]
    ColumnMetadataTooLong {
        /// Index of the column in the table.
        column: usize,
        /// Number of metadata bytes given.
        len: usize,
    },
    /// The present-columns bitmap does not have one entry per table column.
    #[error("the present-columns bitmap has {got} entries, the table has {expected} columns")]
    PresentColumnsMismatch {
        /// Number of columns of the table.
        expected: usize,
        /// Number of entries of the bitmap.
        got: usize,
    },
    /// A row does not have one value per present column.
    #[error("row {row} has {got} values, {expected} columns are present")]
    RowWidthMismatch {
        /// Index of the row in its event or group.
        row: usize,
        /// Number of present columns.
        expected: usize,
        /// Number of values of the row.
        got: usize,
    },
    /// Rows were given but no column is present: their images would be
    /// empty and the replica could not count them.
    #[error("rows need at least one present column")]
    NoPresentColumns,
    /// A row group needs at least one row.
    #[error("a row group needs at least one row")]
    NoRows,
    /// GTID flags the encoder cannot honour (XA flags need an XID payload).
    #[error("GTID flags2 {0:#04x} are not supported by this encoder")]
    UnsupportedGtidFlags(u8),
    /// A GTID list's flags touch its low 28 bits, which hold the count.
    #[error("GTID list flags {0:#010x} overlap the 28-bit count")]
    GtidListFlagsOverlapCount(u32),
    /// A GTID list has more entries than its 28-bit count can say.
    #[error("GTID list has {0} entries; at most 2^28-1 fit")]
    GtidListTooLong(usize),
    /// An event would be longer than its 4-byte `event_len` can say.
    #[error("event of {0} bytes does not fit a 4-byte event length")]
    EventTooLarge(usize),
    /// An advancing `log_pos` would pass 4 GiB.
    #[error("log position {start} + {len} passes 4 GiB")]
    LogPosOverflow {
        /// The position the event starts at.
        start: u32,
        /// The event's length.
        len: usize,
    },
}
