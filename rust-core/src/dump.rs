//! One provisioning dump on the master: the request, the plan, and the
//! event groups it sends.
//!
//! Invariant: every group this session encodes is a complete transaction
//! in the copy domain with the next sequence number (so the replica sees
//! one gap-free copy sequence), row chunks go out only after their table's
//! CREATE, and the end marker carries the master position given by the
//! caller for exactly the point where it is sent.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::copy_filter::CopyFilter;
use crate::cut::{self, BinlogPos, CutFacts, CutVerdict, XaWait, XA_WAIT_LIMIT};
use crate::ddl::{self, DdlError};
use crate::ddl_during_copy::{self, Edit, TableDdl};
use crate::encode::{
    self, CharsetIds, Column, DdlGroup, EncodeError, Framing, GtidListEvent, LogPos, QueryEvent,
    QueryStatusVars, RowBuilder, RowGroup, RowImage, TableMap, NO_FOREIGN_KEY_CHECKS_F,
    STD_CATALOG, TM_BIT_LEN_EXACT_F,
};
use crate::gtid::{BadGtidPos, Gtid, GtidPos};
use crate::plan_cache;
use crate::protocol::{
    checksums_note, history_note, manifest_note, plan_note, plan_table_note, resume_note,
    start_note, table_done_note, table_ident, BinlogHistory, CopyClaim, Request, RequestError,
    Resume, ResumePoint, TableChecksum, GTID_LIST_FLAG_PROVISION_DONE, OBJECTS_DONE_NOTE,
    OBJECTS_NOTE,
};
use crate::scheduler::{
    self, ForeignKeyMoves, ObjectKind, PlanError, Progress, ResumeError, Scheduler, Unit, View,
};
use crate::statement_write;

/// How often a dump that waits for a lock sends the replica a keepalive
/// group: well under any `slave_net_timeout` worth having.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(2);

/// How long a table without its tablespace is waited for when no
/// `DISCARD TABLESPACE` of it came through the binary log (see
/// [`DumpSession::tablespace_discarded`]): InnoDB discards the tablespace
/// before the statement is written there.
pub const DISCARD_GRACE: Duration = Duration::from_secs(5);

/// What the dump does after a step of waiting for a table's lock
/// ([`DumpSession::lock_wait`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockStep {
    /// Wait another step.
    Wait,
    /// Send the replica a keepalive group, then wait another step.
    Keepalive,
    /// Go back to the binary log and send what it has; the unit is tried
    /// again at the next transaction boundary, the wait going on.
    SendBinlog,
}

/// How long a dump waits, once DDL changed (or dropped) the table it
/// copies, for that statement to come through the binary log it sends
/// (it then changes the plan, see [`DumpSession::master_statement`]).
pub const DDL_IN_BINLOG_WAIT: Duration = Duration::from_secs(30);

/// Largest Write_rows event a chunk produces (a single larger row still
/// gets an event of its own); well under the default
/// `slave_max_allowed_packet`.  A replica with a smaller one gets smaller
/// events ([`max_event_size`]).
pub const MAX_ROWS_EVENT_SIZE: usize = 8 << 20;

/// The `@@sql_mode` a provisioning dump reads definitions under, and the
/// copy's `CREATE` statements carry to the replica: `NO_ENGINE_SUBSTITUTION`
/// alone (`1 << 30`).  The dump thread's session has the master's global
/// mode, which may hide what a definition is: `NO_TABLE_OPTIONS` drops a
/// table's engine, `NO_KEY_OPTIONS` and `NO_FIELD_OPTIONS` key and column
/// options, `MAXDB` prints `TIMESTAMP` as `DATETIME`, `ORACLE` does all of
/// that and has the replica parse the text with its own grammar.  So the
/// copy reads them as mariadb-dump does, under an empty mode, but for
/// `NO_ENGINE_SUBSTITUTION`: a replica without a table's engine refuses
/// its `CREATE` rather than making the table in another engine.  Names
/// are always quoted too (`sql_quote_show_create`, which a server may
/// turn off globally): the core reads definitions by their quotes.
pub const DEFINITIONS_SQL_MODE: u64 = 1 << 30;

/// The `@@time_zone` a provisioning dump reads definitions in, and the
/// copy's `CREATE` statements carry to the replica: UTC as an offset,
/// which needs no time zone tables.  `SHOW CREATE TABLE` prints a
/// `TIMESTAMP` column's constant default (and a system-versioned table's
/// partition `STARTS`) in the session's zone, and the replica reads the
/// text in the zone the event names; without one, in its own, which
/// moved the default by the difference between the servers' zones (and
/// two servers' `SYSTEM` zones may differ too).  mariadb-dump dumps in
/// `+00:00` for the same reason (`--tz-utc`).
pub const DEFINITIONS_TIME_ZONE: &str = "+00:00";

/// What a copy event leaves below the replica's `slave_max_allowed_packet`
/// (the packet's own header, and room to spare).
const PACKET_HEADROOM: usize = 1024;

/// The largest Write_rows event for a replica whose
/// `slave_max_allowed_packet` is `max_packet` (`None`: not sent): its IO
/// thread stops on a larger one, while the master's own row events (split
/// at `binlog_row_event_max_size`) pass.  A single row larger than that
/// still gets an event of its own, which fails there as it would in
/// replication.
pub fn max_event_size(max_packet: Option<u32>) -> usize {
    match max_packet {
        Some(packet) => usize::try_from(packet)
            .unwrap_or(usize::MAX)
            .saturating_sub(PACKET_HEADROOM)
            .clamp(1, MAX_ROWS_EVENT_SIZE),
        None => MAX_ROWS_EVENT_SIZE,
    }
}

/// The error of a master that is not ready for a copy in several ways at
/// once (settings, privileges): what fixes each of `problems`, so that
/// the DBA fixes everything in one go, within about `budget` bytes (the
/// replica's error message is short); the others are counted, with
/// `more` left out before.  One problem is reported as itself.
pub fn not_ready_text(problems: &[DumpError], more: usize, budget: usize) -> String {
    if let ([only], 0) = (problems, more) {
        return only.to_string();
    }
    let mut text = String::from(
        "LOAD DATA FROM MASTER: the master is not ready, nothing was sent. Fix all of \
         this on the master, then run LOAD DATA FROM MASTER again:",
    );
    let mut left_out = more;
    for (i, problem) in problems.iter().enumerate() {
        let fix = problem.fix();
        if i > 0 && text.len() + fix.len() + 2 > budget {
            left_out += problems.len() - i;
            break;
        }
        text.push_str(if i == 0 { " " } else { "; " });
        text.push_str(&fix);
    }
    if left_out > 0 {
        text.push_str(&format!(
            "; and {left_out} more (the master's error log lists them all)"
        ));
    }
    text
}

/// What the master adds to an error after which the replica keeps its
/// copy, as it was, for the same statement to go on with
/// ([`DumpError::keeps_copy`]); the replica recognises it
/// ([`keeps_copy_said`]).
pub const COPY_KEPT: &str =
    "The copy so far is kept: once fixed, the statement without REPLACE goes on with it";

/// Whether `message`, a master's error as the replica's I/O thread got
/// it, says that the replica's copy is kept ([`COPY_KEPT`]).
pub fn keeps_copy_said(message: &str) -> bool {
    message.contains(COPY_KEPT)
}

impl DumpError {
    /// Whether the replica keeps its copy, for the same statement to go
    /// on with once the cause is fixed, after this error ended the dump
    /// (`resuming`: the request resumed a copy).  The replica's data and
    /// record always agree (they commit together), so this is about
    /// whether going on can work:
    /// - yes after what a DBA fixes on the master while the copy waits (a
    ///   lock, an XA transaction, a discarded tablespace) or what stops a
    ///   copy that has begun (a view it cannot open), and, for a
    ///   resumed copy, after a refusal before anything was sent (settings,
    ///   privileges, the number of dumps, a master whose binary log has
    ///   not reached the copy's position: a standby promoted too early);
    /// - no when the copy cannot go on (another plan, `RESET MASTER`), or
    ///   would meet the same statement or DDL again; a first copy refused
    ///   before anything was sent has nothing to keep.
    pub fn keeps_copy(&self, resuming: bool) -> bool {
        match self {
            DumpError::LockWait { .. }
            | DumpError::XaPending { .. }
            | DumpError::TablespaceDiscarded { .. } => true,
            DumpError::ViewInvalid { copy_begun, .. } => resuming || *copy_begun,
            DumpError::Request(RequestError::ResumeAhead(_))
            | DumpError::MasterSettings { .. }
            | DumpError::CommitScheduling
            | DumpError::MissingPrivilege { .. }
            | DumpError::TooManyDumps { .. } => resuming,
            _ => false,
        }
    }

    /// What fixes this error, in a few words (see [`not_ready_text`]).
    fn fix(&self) -> String {
        match self {
            DumpError::MasterSettings { variable, fix, .. } => {
                format!("SET GLOBAL {variable}={fix}")
            }
            DumpError::CommitScheduling => {
                "restart it with binlog_optimize_thread_scheduling=ON".to_owned()
            }
            DumpError::MissingPrivilege {
                account,
                privilege,
                grant_on,
                ..
            } => format!("GRANT {privilege} ON {grant_on} TO {account}"),
            other => {
                let text = other.to_string();
                text.strip_prefix("LOAD DATA FROM MASTER: ")
                    .unwrap_or(&text)
                    .to_owned()
            }
        }
    }
}

/// Whether the server's error `errno`, raised while the master prepares
/// a view's SELECT as `SHOW CREATE VIEW` does, says that something the
/// view reads is gone (a table, a column, a function), which `CREATE
/// VIEW` on a replica refuses too ([`DumpError::ViewInvalid`]), rather
/// than that rights are missing (of a definer that does not exist, of an
/// invoker), with which the replica's SQL thread creates the view.
pub fn view_reads_gone(errno: u32) -> bool {
    use crate::server_consts as errors;
    matches!(
        errno,
        errors::ER_BAD_FIELD_ERROR
            | errors::ER_NO_SUCH_TABLE
            | errors::ER_SP_DOES_NOT_EXIST
            | errors::ER_FUNC_INEXISTENT_NAME_COLLISION
    )
}

/// Engines whose tables keep their rows in other tables (`MRG_MyISAM`) or
/// on another server: a copy cannot take them.
pub const ROWS_ELSEWHERE: [&str; 5] = ["MRG_MyISAM", "FEDERATED", "SPIDER", "CONNECT", "S3"];

/// Why a dump cannot go on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DumpError {
    /// A bug: the dump's code panicked.  The panic is caught at the
    /// server boundary, so that it stops this copy, not the master.
    #[error(
        "LOAD DATA FROM MASTER: internal error in the provisioning dump ({0}); this copy \
         stopped, the master goes on. Please report it with the master's error log"
    )]
    Internal(String),
    /// The replica's request was refused.
    #[error("LOAD DATA FROM MASTER: {0}")]
    Request(#[from] RequestError),
    /// A GTID position from the server could not be parsed.
    #[error("LOAD DATA FROM MASTER: {0}")]
    Position(#[from] BadGtidPos),
    /// An event could not be encoded.
    #[error("LOAD DATA FROM MASTER: {0}")]
    Encode(#[from] EncodeError),
    /// A DDL statement could not be built.
    #[error("LOAD DATA FROM MASTER: {0}")]
    Ddl(#[from] DdlError),
    /// The master logs in a way a provisioning replica cannot follow.
    #[error(
        "LOAD DATA FROM MASTER: the master has {variable}={value}; a copy of a master \
         that takes writes needs {variable}={needed} (every row change with its full \
         row images). Run SET GLOBAL {variable}={fix} on the master (and in its \
         configuration) and run LOAD DATA FROM MASTER again"
    )]
    MasterSettings {
        /// The master's system variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// The values a copy works with.
        needed: &'static str,
        /// The value that fixes it.
        fix: &'static str,
    },
    /// The master's tables or views cannot be ordered.
    #[error("LOAD DATA FROM MASTER: {0}")]
    Plan(#[from] PlanError),
    /// A resumed copy cannot go on from where the replica says it stopped.
    #[error(
        "LOAD DATA FROM MASTER: {0}; the copy must start again: LOAD DATA FROM \
         MASTER ... REPLACE on the replica"
    )]
    Resume(#[from] ResumeError),
    /// A resumed copy whose plan the master's DDL changed, and whose
    /// replica's plan this dump cannot take up (see
    /// [`crate::plan_cache`]): why not.
    #[error(
        "LOAD DATA FROM MASTER: the master's databases, tables or objects changed since \
         the copy started, and {0}, so it cannot go on where it stopped; the copy must \
         start again: LOAD DATA FROM MASTER ... REPLACE on the replica"
    )]
    PlanNotTakenUp(&'static str),
    /// The replica's account on the master may not read what the copy
    /// would send.
    #[error(
        "LOAD DATA FROM MASTER: nothing was sent: the replication account {account} \
         lacks the {privilege} privilege on {object} (a copy sends only what its account \
         may read). Grant it (GRANT {privilege} ON {grant_on} TO {account}), or leave \
         the object out with the connection's replicate_* filters"
    )]
    MissingPrivilege {
        /// `'user'@'host'`.
        account: String,
        /// The privilege (`SELECT`, `SHOW VIEW`, ...).
        privilege: String,
        /// The object, `db`.`name` (or a database).
        object: String,
        /// What to grant it on (`db`.`name`, `db`.*).
        grant_on: String,
    },
    /// A view of the master that reads a table, column or function the
    /// master no longer has.  `CREATE VIEW` refuses such a view, so no
    /// replica can be given it; the DBA mends or drops it, or filters it
    /// out.  (Short: the replica's I/O thread keeps 320 bytes of it, with
    /// [`COPY_KEPT`].)
    #[error(
        "LOAD DATA FROM MASTER: view {view} reads a table, column or function that is \
         gone, so no replica can create it: mend it (CREATE OR REPLACE VIEW) or drop it, \
         or filter it out"
    )]
    ViewInvalid {
        /// `db`.`name`.
        view: String,
        /// Whether the copy had sent anything, in this dump or in one
        /// before it that this one resumes.
        copy_begun: bool,
    },
    /// The master runs as many provisioning dumps as it may.
    #[error(
        "LOAD DATA FROM MASTER: the master already runs {running} provisioning dumps, \
         @@provision_max_dumps={max}: run LOAD DATA FROM MASTER again when one has \
         ended, or raise provision_max_dumps on the master"
    )]
    TooManyDumps {
        /// Dumps running.
        running: u32,
        /// `@@provision_max_dumps`.
        max: u32,
    },
    /// `LOAD TABLE` names a table of a database the master leaves out of
    /// its binary log.
    #[error(
        "LOAD TABLE ... FROM MASTER: the master's binlog_do_db or binlog_ignore_db leaves \
         database {db} out of its binary log, so no copy of {table} could stay exact; \
         nothing was sent. Change them on the master (a restart) or leave the table out"
    )]
    ReloadTableUnlogged {
        /// The database, the master's name.
        db: String,
        /// `db`.`table`, the replica's names.
        table: String,
    },
    /// `LOAD TABLE` names a table the master does not have.
    #[error(
        "LOAD TABLE ... FROM MASTER: the master has no table {table} that this \
         connection replicates (a view is not loaded); nothing was sent. Name tables of \
         the master, or copy everything with LOAD DATA FROM MASTER"
    )]
    ReloadTableMissing {
        /// `db`.`table`, the replica's names.
        table: String,
    },
    /// `LOAD TABLE` names a table that other tables' foreign keys
    /// reference, and not those tables.
    #[error(
        "LOAD TABLE ... FROM MASTER: {child} references {parent} by a foreign key, which a \
         copy of {parent} alone breaks; nothing was sent. Load them together: LOAD TABLE \
         {tables} FROM MASTER"
    )]
    ReloadChildLeftOut {
        /// `db`.`table`, a table `LOAD TABLE` names (the replica's names).
        parent: String,
        /// `db`.`table`, a table referencing it that it does not name.
        child: String,
        /// The tables named, and those that must come with them.
        tables: String,
    },
    /// A table the copy takes references, by a foreign key, a table the
    /// connection's filter leaves out.
    #[error(
        "LOAD DATA FROM MASTER: {child} references {parent} by a foreign key, and this \
         connection's replication filter leaves {parent} out; nothing was sent. Let the \
         filter take {parent} too, or leave {child} out as well"
    )]
    ParentLeftOut {
        /// `db`.`table`, the table copied (the replica's names).
        child: String,
        /// `db`.`table`, the table its key references.
        parent: String,
    },
    /// A table's DEFAULT calls NEXTVAL() of a sequence the copy leaves out.
    #[error(
        "LOAD DATA FROM MASTER: {table} has a DEFAULT that calls NEXTVAL({sequence}), and \
         this connection's replication filter leaves the sequence out, so the replica \
         could not create the table. Let the filter copy the sequence too \
         (replicate_do_table, replicate_wild_do_table), or leave the table out as well"
    )]
    SequenceLeftOut {
        /// `db`.`table`.
        table: String,
        /// `db`.`sequence`.
        sequence: String,
    },
    /// A copied table's rows live in other tables or on another server:
    /// copying them would write them there a second time, and a write
    /// through a MERGE table changes the tables under it without binary
    /// log events of theirs.
    #[error(
        "LOAD DATA FROM MASTER: nothing was sent: {table} is a {engine} table, whose rows \
         live in other tables or servers, which a copy cannot follow. Leave it out \
         (replicate_ignore_table) and create it on the replica after the copy, or use \
         mariadb-backup"
    )]
    RowsElsewhere {
        /// `db`.`table`.
        table: String,
        /// The table's engine.
        engine: String,
    },
    /// A copied table is system-versioned by transaction id: its history
    /// names transactions of the master's `mysql.transaction_registry`,
    /// which no other server has, and the master logs every change to it
    /// as a statement (as MariaDB does for such tables), which the copy
    /// takes as a reason to read the table again.
    #[error(
        "LOAD DATA FROM MASTER: nothing was sent: {table} is system-versioned by transaction \
         id: its history names this master's transactions and its changes are logged as \
         statements. Leave it out (replicate_ignore_table) and copy it with mariadb-dump \
         after the copy, or use mariadb-backup"
    )]
    TrxVersioned {
        /// `db`.`table`.
        table: String,
    },
    /// The master commits in a way no cut can follow.
    #[error(
        "LOAD DATA FROM MASTER: the master runs with binlog_optimize_thread_scheduling=OFF: \
         its transactions become visible one by one after their binary log group is \
         written, so no copy can be read at an exact binary log position. Restart the \
         master with binlog_optimize_thread_scheduling=ON (the default) and run LOAD DATA \
         FROM MASTER again"
    )]
    CommitScheduling,
    /// An XA transaction held the copy back too long.
    #[error(
        "LOAD DATA FROM MASTER: XA transaction {xid} has been ended or prepared on the \
         master for more than {seconds} s; its XA PREPARE is in the binary log while its changes \
         stay invisible, so no chunk can be read at an exact cut until it is committed \
         or rolled back. Finish it on the master (XA RECOVER lists it; XA COMMIT or XA \
         ROLLBACK) and run LOAD DATA FROM MASTER again"
    )]
    XaPending {
        /// The XID, as `XA RECOVER FORMAT='SQL'` shows it.
        xid: String,
        /// How long the copy waits at most.
        seconds: u64,
    },
    /// A lock on the master kept a table from being read too long.
    #[error(
        "LOAD DATA FROM MASTER: waited {seconds} s (@@lock_wait_timeout) for a lock on \
         {table} on the master: a LOCK TABLES, a DDL statement or a transaction that \
         wrote this table holds it. Release it and run LOAD DATA FROM MASTER again"
    )]
    LockWait {
        /// `db`.`table`.
        table: String,
        /// How long the copy waited.
        seconds: u64,
    },
    /// A table to copy had no tablespace on the master too long.
    #[error(
        "LOAD DATA FROM MASTER: {table} has no tablespace on the master (ALTER TABLE ... \
         DISCARD TABLESPACE), and the copy waited {seconds} s (@@lock_wait_timeout) for \
         its ALTER TABLE ... IMPORT TABLESPACE. Import it, or drop the table, and run LOAD \
         DATA FROM MASTER again"
    )]
    TablespaceDiscarded {
        /// `db`.`table`.
        table: String,
        /// How long the copy waited.
        seconds: u64,
    },
    /// A table to copy had no tablespace on the master when the copy
    /// began.
    #[error(
        "LOAD DATA FROM MASTER: {0} has no tablespace on the master (ALTER TABLE ... \
         DISCARD TABLESPACE before the copy began). Import it (ALTER TABLE ... IMPORT \
         TABLESPACE), or drop the table, and run LOAD DATA FROM MASTER again"
    )]
    TablespaceDiscardedBefore(String),
    /// A copied table was changed by DDL on the master during the copy.
    #[error(
        "LOAD DATA FROM MASTER: {table} was changed on the master during its copy, \
         and no statement that changed it came through the binary log (it was changed \
         with sql_log_bin=0?). Run LOAD DATA FROM MASTER ... REPLACE once the DDL is done"
    )]
    DefinitionChanged {
        /// `db`.`table`.
        table: String,
    },
    /// A table of the plan vanished from the master, and no statement
    /// that dropped or renamed it came through the binary log.
    #[error(
        "LOAD DATA FROM MASTER: {table} is no longer on the master, and no DROP or \
         RENAME of it came through the binary log (it was dropped with sql_log_bin=0?). \
         Run LOAD DATA FROM MASTER ... REPLACE"
    )]
    TableGone {
        /// `db`.`table`.
        table: String,
    },
    /// A statement-logged write during the copy that may change tables
    /// it does not name.
    #[error(
        "LOAD DATA FROM MASTER: '{statement}' {why}, logged as a statement before the \
         copy had its triggers and routines: its effect cannot be copied. Log writes in \
         rows (binlog_format=ROW or MIXED), then LOAD DATA FROM MASTER ... REPLACE"
    )]
    StatementWrite {
        /// The statement, shortened.
        statement: String,
        /// Why.
        why: String,
    },
    /// The shim called out of order (a bug, reported rather than risked).
    #[error("LOAD DATA FROM MASTER: internal error: {0}")]
    Protocol(&'static str),
}

/// The session of a statement a Query event replays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryContext {
    /// Id of the dump thread.
    pub thread_id: u32,
    /// `@@sql_mode` the text was produced under.
    pub sql_mode: u64,
    /// `OPTION_*` bits for `Q_FLAGS2` (foreign key checks off, ...).
    pub flags2: u32,
    /// Character set and collations of the text.
    pub charset: CharsetIds,
    /// `@@time_zone` the text's times are in ([`DEFINITIONS_TIME_ZONE`],
    /// an event's own), if known.
    pub time_zone: Option<String>,
}

/// A routine, trigger or event, ready to send.
#[derive(Clone, Debug)]
struct ObjectDef {
    db: String,
    sql: Vec<u8>,
    ctx: QueryContext,
}

/// A master's event the dump thread sent, as far as the copy's notes
/// care: where its event groups end (see
/// [`DumpSession::master_event_sent`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MasterEvent {
    /// A GTID event whose group is one statement (`FL_STANDALONE`, not an
    /// XA transaction's: a DDL): the group ends at the first event after
    /// it that is not part of a group (its context events come first).
    GtidOneStatement,
    /// Any other GTID event (a transaction: it ends at its XID, `XA
    /// PREPARE` or `COMMIT`).
    Gtid,
    /// An event that is part of a group (`Log_event::is_part_of_group()`:
    /// a statement's context, a table map, an annotation).
    InGroup,
    /// The event that ends a transaction's group: an XID or an `XA
    /// PREPARE` (a `COMMIT` or `ROLLBACK` is a statement, see
    /// [`DumpSession::master_statement`]).
    GroupEnd,
    /// Any other event.
    Other,
}

/// The master's event group the dump thread is sending, as far as where
/// it ends (see [`DumpSession::master_event_sent`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum OpenGroup {
    /// Between groups, or in one whose end is not looked for.
    #[default]
    None,
    /// A group of one statement (a DDL), not ended yet.
    OneStatement,
    /// A transaction, not ended yet.
    Transaction,
}

/// A table's CREATE read ahead of the binlog, sent at its place (see
/// [`DumpSession::defer_create`]).
#[derive(Debug)]
struct DeferredCreate {
    log_pos: u32,
    db: String,
    sql: Vec<u8>,
    ctx: QueryContext,
}

/// A chunk of rows being collected for one table.
#[derive(Debug)]
struct Chunk {
    table: TableMap,
    rows: Vec<RowImage>,
    row: RowBuilder,
    /// Bytes of the rows held.
    bytes: usize,
    /// Rows already sent (a whole-table read sent in pieces).
    rows_sent: u64,
    /// The group's head (GTID, note, Table_map) is sent.
    streamed: bool,
    /// When its read began (see [`crate::chunk_size`]).
    started: Instant,
}

impl Chunk {
    /// The rows held, as a copy group with sequence number `seq_no`.
    fn group<'a>(
        &'a self,
        domain_id: u32,
        seq_no: u64,
        present: &'a [bool],
        note: Option<&'a str>,
        max_event_size: usize,
    ) -> RowGroup<'a> {
        RowGroup {
            domain_id,
            seq_no,
            table: &self.table,
            present,
            rows: &self.rows,
            note,
            rows_flags: NO_FOREIGN_KEY_CHECKS_F,
            xid: seq_no,
            max_event_size,
            allow_parallel: false,
        }
    }
}

/// How much a chunk may hold on the master before it ends early (a chunk
/// in key order) or sends what it holds (a table read whole at one cut,
/// one transaction sent in pieces): the dump thread's memory stays
/// bounded whatever the table.
pub const CHUNK_BUFFER_BYTES: usize = MAX_ROWS_EVENT_SIZE;

/// An adaptive chunk's read looks at the clock once every this many rows
/// (see [`crate::chunk_size::ChunkSize::overran`]).
const TIME_CHECK_ROWS: usize = 64;

/// What the dump thread does after a row of a chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkPressure {
    /// Read on.
    Room,
    /// Send the rows held ([`DumpSession::drain_chunk`]), then read on:
    /// the table is read whole at one cut.
    Stream,
    /// End the chunk here (the next one starts after this row's key).
    Stop,
}

/// A rate limit in force: units (rows or bytes) per second, since when,
/// and the units sent by then.
#[derive(Clone, Copy, Debug)]
struct Rate {
    per_second: u64,
    since: Instant,
    done_then: u64,
}

impl Rate {
    /// The wait before more is sent under `per_second` (0: no limit,
    /// forgotten) when `done` units are sent in all; a new limit counts
    /// afresh from now.
    fn wait(slot: &mut Option<Rate>, per_second: u64, done: u64) -> Duration {
        if per_second == 0 {
            *slot = None;
            return Duration::ZERO;
        }
        let rate = match *slot {
            Some(r) if r.per_second == per_second => r,
            _ => *slot.insert(Rate {
                per_second,
                since: Instant::now(),
                done_then: done,
            }),
        };
        let due = Duration::from_secs_f64(
            done.saturating_sub(rate.done_then) as f64 / rate.per_second as f64,
        );
        due.saturating_sub(rate.since.elapsed())
    }
}

/// Moves the value of `from` in `map` to `to` (a table renamed).
fn rekey<V>(
    map: &mut BTreeMap<(String, String), V>,
    from: &(String, String),
    to: &(String, String),
) {
    if let Some(v) = map.remove(from) {
        map.insert(to.clone(), v);
    }
}

/// What a dump knows of a table's definition.
#[derive(Debug)]
struct Definition {
    /// `TABLE_SHARE::tabledef_version` when the copy first read the table
    /// (its CREATE or first chunk), or took a new one (`redefined`).
    version: Vec<u8>,
    /// Its definition but for its counter and comment
    /// ([`ddl::definition_shape`]), from the CREATE read with that version.
    shape: Option<u64>,
    /// A statement sent since keeps its rows, columns and keys but may
    /// have given it a new version (`OPTIMIZE` of InnoDB,
    /// [`Edit::Redefined`]).
    redefined: bool,
}

/// What [`DumpSession::check_rows_definition`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowsDefinition {
    /// The definition the copy read: read the chunk.
    Same,
    /// Another one: read nothing until the DDL that made it is sent.
    Changed,
    /// Another version after a statement that keeps the rows, columns
    /// and keys: read nothing now; [`DumpSession::take_definition`] with
    /// the table's CREATE says whether the copy goes on with it.
    Redefined,
}

/// A provisioning dump in progress.
#[derive(Debug)]
pub struct DumpSession {
    copy_domain: u32,
    framing: Framing,
    /// The largest Write_rows event the replica takes ([`max_event_size`]).
    max_event_size: usize,
    scheduler: Scheduler,
    next_seq_no: u64,
    next_table_id: u64,
    chunk: Option<Chunk>,
    objects: Vec<ObjectDef>,
    filter: CopyFilter,
    /// The master's databases in the plan.
    databases: BTreeSet<String>,
    /// What the copy takes on the replica (see [`manifest_note`]).
    claims: Vec<CopyClaim>,
    /// Every base table of the master's databases, copied or not.
    master_tables: BTreeSet<(String, String)>,
    /// The master's databases its binary log leaves out (its
    /// `binlog_do_db`, `binlog_ignore_db`), which the replica's filter
    /// would take: not copied, since no change to them reaches the
    /// replica (the audit line names them).
    unlogged_databases: BTreeSet<String>,
    /// The base tables the plan copies.
    copied_tables: BTreeSet<(String, String)>,
    /// `WITH GRANTS`: the account tables are copied too.
    with_grants: bool,
    /// The replica's name of its master connection (for the audit line).
    connection: String,
    /// `WITH CHECKSUM`.
    checksums: bool,
    /// When the dump started.
    started: Instant,
    /// Tables whose DEFAULT calls NEXTVAL(), with the sequence (master's
    /// names): the sequence must be copied too.
    default_sequences: Vec<((String, String), (String, String))>,
    /// How long pending XA transactions have held back the next chunk.
    xa_wait: XaWait,
    /// Since when the dump waits for a lock on the master, and when it
    /// last sent the replica a keepalive group.
    lock_wait: Option<(Instant, Option<Instant>)>,
    /// Since when the current unit's table has had no tablespace (see
    /// [`DumpSession::tablespace_discarded`]).
    discarded_since: Option<Instant>,
    /// The tables whose `DISCARD TABLESPACE` the dump sent and whose
    /// `IMPORT TABLESPACE` it did not yet: the copy waits for those.
    discarded: BTreeSet<(String, String)>,
    /// When the dump last sent the replica something of its own (see
    /// [`DumpSession::idle_keepalive`]).
    last_sent: Instant,
    /// The rate limits in force, rows/s and bytes/s (see
    /// [`DumpSession::throttle`]).
    throttle: Option<Rate>,
    byte_throttle: Option<Rate>,
    /// Bytes of rows read so far.
    bytes_copied: u64,
    /// The definition of each table the copy read (see [`Definition`]).
    definitions: BTreeMap<(String, String), Definition>,
    /// Since when the table being copied has had another definition than
    /// the copy read (see [`DumpSession::check_rows_definition`]).
    changed_since: Option<Instant>,
    /// Tables with a foreign key, as child or as parent (master's names).
    foreign_key_tables: BTreeSet<(String, String)>,
    /// The `ALTER TABLE` that adds a table's deferred secondary indexes
    /// after its last chunk (see [`ddl::defer_secondary_indexes`]), with
    /// the context of its `CREATE`.
    deferred_indexes: BTreeMap<(String, String), (Vec<u8>, QueryContext)>,
    /// The master's row estimate of each table (master's names).
    row_estimates: BTreeMap<(String, String), u64>,
    /// Copied tables whose rows live elsewhere, and their engine (see
    /// [`DumpSession::add_table_engine`]).
    rows_elsewhere: Vec<((String, String), String)>,
    /// Copied tables system-versioned by transaction id (see
    /// [`DumpSession::add_table_engine`]).
    trx_versioned: Vec<(String, String)>,
    /// Where the binlog stream starts (see [`DumpSession::start_position`]).
    start_position: GtidPos,
    /// The request goes on with a copy that stopped.
    resume: Option<Resume>,
    /// The master's binary log history (see [`DumpSession::binlog_history`]).
    history: Option<BinlogHistory>,
    /// `LOAD TABLE ... FROM MASTER`: the tables to copy (the replica's
    /// names); every other table is the replica's, complete, and its
    /// changes replicate as usual.  Empty for `LOAD DATA FROM MASTER`.
    reload: BTreeSet<(String, String)>,
    /// The master's `@@gtid_binlog_pos` when the dump started.
    master_position: GtidPos,
    /// DDL came through the binary log before the `Objects` unit: the
    /// objects are read again there.
    objects_stale: bool,
    /// The tables with triggers, and the stored functions (lower case):
    /// a statement-logged write that runs them before the copy's
    /// objects stops it (see [`crate::statement_write`]).
    trigger_tables: BTreeSet<(String, String)>,
    /// Tables whose rows the referential actions of another table's
    /// foreign keys follow (cascade parents; master's names): a
    /// statement-logged write to one may change the other.
    cascade_parents: BTreeSet<(String, String)>,
    /// `(child, parent)`, master's names: a foreign key of `child`
    /// references `parent`, where one of them is a table the copy takes
    /// ([`DumpSession::add_foreign_key`],
    /// [`DumpSession::add_referencing_key`]).
    foreign_keys: BTreeSet<((String, String), (String, String))>,
    functions: BTreeSet<String>,
    /// The copy this dump serves: the replica's request without its
    /// resume point (see [`crate::plan_cache`]).
    copy_key: String,
    /// The fingerprint of the last plan remembered in
    /// [`crate::plan_cache`] (a resume point named it).
    remembered_plan: Cell<Option<u64>>,
    /// A master's statement changed the plan since the last resume point
    /// sent (see [`DumpSession::moved_point`]).
    point_due: Cell<bool>,
    /// The CREATE of the table whose rows come next, read ahead of the
    /// binlog: sent at its place (see [`DumpSession::defer_create`]).
    deferred_create: Option<DeferredCreate>,
    /// The master's group being sent (see [`MasterEvent`]).
    open_group: OpenGroup,
    /// The master's statement just seen (being sent) ends its
    /// transaction's group (`COMMIT`, `ROLLBACK`, `XA COMMIT`).
    statement_ends_group: bool,
    /// A resumed copy goes on with the plan its replica had, from
    /// [`crate::plan_cache`]: the master's catalog makes another one now.
    plan_recalled: bool,
}

impl DumpSession {
    /// Starts a dump for the replica's `request` (the value of
    /// `@slave_provision`) on a master whose binlog is at `master_pos`.
    pub fn new(
        request: impl AsRef<[u8]>,
        master_pos: &str,
        server_id: u32,
        chunk_rows: u32,
        timestamp: u32,
    ) -> Result<Self, DumpError> {
        let request = Request::parse(request)?;
        let master_pos = GtidPos::parse(master_pos)?;
        request.check_against(&master_pos)?;
        let start_position = match &request.resume {
            Some(r) => r.position.clone(),
            None => master_pos.clone(),
        };
        let reload: BTreeSet<(String, String)> = request.tables.iter().cloned().collect();
        let copy_key = Request {
            resume: None,
            max_packet: None,
            ..request.clone()
        }
        .encode();
        let mut scheduler = Scheduler::new(chunk_rows);
        if !reload.is_empty() {
            scheduler.tables_only();
        } else if request.with_grants {
            scheduler.add_accounts();
        }
        if request.checksum {
            scheduler.add_checksums();
        }
        Ok(DumpSession {
            copy_domain: request.copy_domain,
            framing: Framing {
                server_id,
                timestamp,
                checksum: true,
            },
            max_event_size: max_event_size(request.max_packet),
            scheduler,
            next_seq_no: request.resume.as_ref().map_or(1, |r| r.seq_no + 1),
            start_position,
            resume: request.resume.clone(),
            history: None,
            reload,
            master_position: master_pos,
            next_table_id: 1,
            chunk: None,
            objects: Vec::new(),
            filter: request.filter,
            databases: Default::default(),
            claims: Vec::new(),
            master_tables: BTreeSet::new(),
            unlogged_databases: BTreeSet::new(),
            copied_tables: BTreeSet::new(),
            with_grants: request.with_grants && request.tables.is_empty(),
            connection: request.connection.clone(),
            checksums: request.checksum,
            started: Instant::now(),
            default_sequences: Vec::new(),
            xa_wait: XaWait::default(),
            lock_wait: None,
            discarded_since: None,
            discarded: BTreeSet::new(),
            last_sent: Instant::now(),
            throttle: None,
            byte_throttle: None,
            bytes_copied: 0,
            definitions: BTreeMap::new(),
            changed_since: None,
            foreign_key_tables: BTreeSet::new(),
            deferred_indexes: BTreeMap::new(),
            row_estimates: BTreeMap::new(),
            rows_elsewhere: Vec::new(),
            trx_versioned: Vec::new(),
            objects_stale: false,
            trigger_tables: BTreeSet::new(),
            cascade_parents: BTreeSet::new(),
            foreign_keys: BTreeSet::new(),
            functions: BTreeSet::new(),
            copy_key,
            remembered_plan: Cell::new(None),
            point_due: Cell::new(false),
            deferred_create: None,
            open_group: OpenGroup::None,
            statement_ends_group: false,
            plan_recalled: false,
        })
    }

    /// Checks the master's `@@binlog_row_image`: a replica being
    /// provisioned filters the master's row changes by key and needs full
    /// row images (DESIGN I2).  Any `@@binlog_format` will do: while a
    /// provisioning dump runs the master logs the changes of `MIXED`
    /// sessions in rows (`rpl_provision_rows_wanted()`), and the copy
    /// follows statements (see [`crate::statement_write`]), though under
    /// `STATEMENT` each write to a table copied already copies it again:
    /// `ROW` or `MIXED` suit a master under load.
    pub fn check_master_settings(row_image: &str) -> Result<(), DumpError> {
        if row_image.eq_ignore_ascii_case("FULL") {
            Ok(())
        } else {
            Err(DumpError::MasterSettings {
                variable: "binlog_row_image",
                value: row_image.to_owned(),
                needed: "FULL",
                fix: "FULL",
            })
        }
    }

    /// Refuses a master whose group commit runs each transaction's engine
    /// commit in its own thread (`binlog_optimize_thread_scheduling=OFF`):
    /// a cut then sees part of a group that is wholly in the binlog.
    pub fn check_commit_scheduling(optimized: bool) -> Result<(), DumpError> {
        if optimized {
            Ok(())
        } else {
            Err(DumpError::CommitScheduling)
        }
    }

    /// Judges a cut for the next chunk (DESIGN I1): the dump thread stands
    /// at `dump` in a file written up to `end_pos`; `facts` say what the
    /// master was doing when the cut was taken.  A cut held back by
    /// pending XA transactions (`pending_xid` names one) for longer than
    /// [`XA_WAIT_LIMIT`] ends the copy.
    pub fn judge_cut(
        &mut self,
        dump: BinlogPos<'_>,
        end_pos: u64,
        facts: &CutFacts<'_>,
        pending_xid: &str,
        now: Instant,
    ) -> Result<CutVerdict, DumpError> {
        let settled = facts.settled();
        if self
            .xa_wait
            .observe(settled.err(), now, XA_WAIT_LIMIT)
            .is_some()
        {
            return Err(DumpError::XaPending {
                xid: pending_xid.to_owned(),
                seconds: XA_WAIT_LIMIT.as_secs(),
            });
        }
        Ok(cut::judge(dump, end_pos, facts.binlog_end, settled.is_ok()))
    }

    /// Whether events carry a CRC32 (the binlog's `binlog_checksum`).
    pub fn set_checksum(&mut self, on: bool) {
        self.framing.checksum = on;
    }

    /// Sets the header timestamp of the events encoded from now on.
    pub fn set_timestamp(&mut self, timestamp: u32) {
        self.framing.timestamp = timestamp;
    }

    /// Adds a database and its base tables to the plan, as far as the
    /// replica's filter takes them: the tables it lets through, and the
    /// database when it lets the database or one of those tables through.
    ///
    /// `binlogged`: the master writes the database's changes to its
    /// binary log (`binlog_filter->db_ok()`).  A database it leaves out is
    /// not copied: the copy's cuts and the replica's filter (DESIGN I1,
    /// I2) follow the binary log, and no change to such a table reaches
    /// it, so no copy of it could stay exact.
    pub fn add_database<S: AsRef<str>>(&mut self, db: &str, tables: &[S], binlogged: bool) {
        self.master_tables.extend(
            tables
                .iter()
                .map(|t| (db.to_owned(), t.as_ref().to_owned())),
        );
        let target = self.filter.rewrite(db);
        if !binlogged {
            if !scheduler::is_system_schema(db) && self.filter.database_ok(target) {
                self.unlogged_databases.insert(db.to_owned());
            }
            return;
        }
        let kept: Vec<&str> = tables
            .iter()
            .map(AsRef::as_ref)
            .filter(|t| self.filter.table_ok(target, t) && self.reloads(target, t))
            .collect();
        if (kept.is_empty() && (!self.reload.is_empty() || !self.filter.database_ok(target)))
            || !self.scheduler.add_database(db, &kept)
        {
            return;
        }
        // A filter without table rules takes whole databases; else each
        // connection may take its own tables of a shared database.
        if self.filter.has_table_rules() || !self.reload.is_empty() {
            self.claims.extend(
                kept.iter()
                    .map(|t| CopyClaim::Table(target.to_owned(), (*t).to_owned())),
            );
        } else {
            self.claims.push(CopyClaim::Database(target.to_owned()));
        }
        self.copied_tables
            .extend(kept.iter().map(|t| (db.to_owned(), (*t).to_owned())));
        self.databases.insert(db.to_owned());
    }

    /// The views the filter lets through whose every table and view of the
    /// master is copied too: a view over a table the filter leaves out
    /// cannot be created on the replica.
    fn copied_views(&self, views: Vec<View>) -> Vec<View> {
        let master_views: BTreeSet<(String, String)> = views
            .iter()
            .map(|v| (v.db.clone(), v.name.clone()))
            .collect();
        let mut kept: Vec<View> = views
            .into_iter()
            .filter(|v| self.copies_table(&v.db, &v.name))
            .collect();
        loop {
            let kept_names: BTreeSet<(String, String)> = kept
                .iter()
                .map(|v| (v.db.clone(), v.name.clone()))
                .collect();
            let before = kept.len();
            kept.retain(|v| {
                v.reads.iter().all(|read| {
                    let of_master =
                        self.master_tables.contains(read) || master_views.contains(read);
                    !of_master || self.copied_tables.contains(read) || kept_names.contains(read)
                })
            });
            if kept.len() == before {
                return kept;
            }
        }
    }

    /// Whether the plan takes the table or view `db`.`name` (the master's
    /// names): its database is in the plan and the filter lets it through.
    pub fn copies_table(&self, db: &str, name: &str) -> bool {
        let target = self.filter.rewrite(db);
        self.databases.contains(db)
            && self.filter.table_ok(target, name)
            && self.reloads(target, name)
    }

    /// Whether the plan takes the database `db` (the master's name), and
    /// with it the database's routines and events (never with `LOAD
    /// TABLE`, which copies tables and their triggers only).
    pub fn copies_database(&self, db: &str) -> bool {
        self.databases.contains(db) && self.reload.is_empty()
    }

    /// Whether `LOAD TABLE` names `db`.`table` (the replica's names), or
    /// the copy is a whole `LOAD DATA FROM MASTER`.
    fn reloads(&self, db: &str, table: &str) -> bool {
        self.reload.is_empty() || self.reload.contains(&(db.to_owned(), table.to_owned()))
    }

    /// Whether this dump copies some tables into a replica that has the
    /// rest (`LOAD TABLE ... FROM MASTER`).
    pub fn is_reload(&self) -> bool {
        !self.reload.is_empty()
    }

    /// The master's binary log history now: the plan note names it, and a
    /// resumed copy whose history is an earlier one of this server
    /// process (`RESET MASTER` ran since it began) is refused.
    pub fn binlog_history(&mut self, history: BinlogHistory) -> Result<(), DumpError> {
        self.history = Some(history);
        match &self.resume {
            Some(r) => Ok(r.check_history(&self.connection, &history)?),
            None => Ok(()),
        }
    }

    /// `LOAD TABLE ... FROM MASTER` starts the binlog stream where the
    /// replica is: `replica_pos` (what its IO thread sent, its
    /// `gtid_slave_pos`) in the master's domains, which the master's binlog
    /// must have reached.  Nothing for another copy.
    pub fn start_at_replica(&mut self, replica_pos: &str) -> Result<(), DumpError> {
        if self.reload.is_empty() || self.resume.is_some() {
            return Ok(());
        }
        let replica = GtidPos::parse(replica_pos)?;
        let mut start = GtidPos::default();
        for g in replica.gtids() {
            if self.master_position.has_domain(g.domain_id) {
                start.set(*g);
            }
        }
        crate::protocol::check_reached(&start, &self.master_position)?;
        self.start_position = start;
        Ok(())
    }

    /// The unit to send next.
    pub fn next_unit(&self) -> Unit<'_> {
        self.scheduler.next_unit()
    }

    /// How far the copy is.
    pub fn progress(&self) -> Progress {
        self.scheduler.progress()
    }

    /// The dump thread's processlist state while it copies `db`.`table`
    /// (`throttled`: waiting for the rate limit).  The rows come first:
    /// the processlist keeps 64 characters of a state.
    pub fn state_text(&self, db: &str, table: &str, throttled: bool) -> String {
        format!(
            "Provisioning: {} rows sent, {} {}",
            self.progress().rows_copied,
            if throttled { "throttled at" } else { "copying" },
            table_ident(db, table),
        )
    }

    /// The wait before the next chunk under limits of `rows_per_second`
    /// and `bytes_per_second` (this dump's shares of
    /// `@@provision_max_rows_per_second` and
    /// `@@provision_max_bytes_per_second`; 0: no limit): what was sent
    /// since a limit took effect, at its rate, less the time since then;
    /// the longer of the two.  At most 100 ms, so that the caller goes
    /// back to sending the binary log in between: the throttle slows the
    /// copy, never the master's own transactions.
    pub fn throttle(&mut self, rows_per_second: u64, bytes_per_second: u64) -> Duration {
        let rows = self.progress().rows_copied;
        let by_rows = Rate::wait(&mut self.throttle, rows_per_second, rows);
        let by_bytes = Rate::wait(&mut self.byte_throttle, bytes_per_second, self.bytes_copied);
        by_rows.max(by_bytes).min(Duration::from_millis(100))
    }

    /// The wait before the next chunk while `running` client threads run
    /// statements on the master and `limit` (`@@provision_max_threads_running`)
    /// is lower: the copy backs off while the master is busy, 100 ms at a
    /// time (the binary log goes on in between).  0 never waits.
    pub fn backoff(running: u32, limit: u32) -> Duration {
        if limit != 0 && running > limit {
            Duration::from_millis(100)
        } else {
            Duration::ZERO
        }
    }

    /// `max_rows` of a chunk under the rate limit in force: one second's
    /// worth at most, so that the replica hears from the master at least
    /// about once a second whatever the limit.  A table read whole at one
    /// cut (`u32::MAX`) is not split.
    pub fn chunk_rows_limit(&self, max_rows: u32) -> u32 {
        match self.throttle {
            Some(rate) if max_rows != u32::MAX => {
                max_rows.min(u32::try_from(rate.per_second).unwrap_or(u32::MAX).max(1))
            }
            _ => max_rows,
        }
    }

    /// The bytes a chunk holds at most: [`CHUNK_BUFFER_BYTES`], or one
    /// second's worth under a bytes/s limit.
    fn chunk_bytes_limit(&self) -> usize {
        match self.byte_throttle {
            Some(rate) => usize::try_from(rate.per_second)
                .unwrap_or(usize::MAX)
                .clamp(1, CHUNK_BUFFER_BYTES),
            None => CHUNK_BUFFER_BYTES,
        }
    }

    /// The GTID domain of the copy groups.
    pub fn copy_domain(&self) -> u32 {
        self.copy_domain
    }

    fn take_seq_no(&mut self) -> u64 {
        let seq_no = self.next_seq_no;
        self.next_seq_no += 1;
        seq_no
    }

    /// The note of a group that ends the current unit: `messages`, one a
    /// line, then the resume point after the unit.
    fn ending_note(&self, mut messages: Vec<String>) -> String {
        if self.scheduler.objects_end_with_current() {
            messages.push(OBJECTS_DONE_NOTE.to_owned());
        }
        messages.push(self.point_note(&self.scheduler.resume_point(None)));
        messages.join("\n")
    }

    /// The lines of a group's note that say where the copy stands after
    /// it: the master's binary log history (every group: a master
    /// restarted since the copy began names its own) and the point.
    fn point_note(&self, point: &ResumePoint) -> String {
        self.point_due.set(false);
        // The replica may go on from this point: the plan it names is
        // remembered while the copy runs (see crate::plan_cache).
        if self.remembered_plan.get() != Some(point.plan) {
            plan_cache::remember(&self.copy_key, point.plan, &self.scheduler);
            self.remembered_plan.set(Some(point.plan));
        }
        match &self.history {
            Some(history) => format!("{}\n{}", history_note(history), resume_note(point)),
            None => resume_note(point),
        }
    }

    /// One DDL statement as a standalone group with the next copy GTID;
    /// when it `ends_unit`, it carries the resume point after the unit.
    fn ddl_group(
        &mut self,
        log_pos: u32,
        db: &str,
        sql: impl Into<Vec<u8>>,
        ctx: &QueryContext,
        ends_unit: bool,
    ) -> Result<Vec<u8>, DumpError> {
        let note = ends_unit.then(|| self.ending_note(vec![]));
        self.query_group(log_pos, db, sql.into(), ctx, note.as_deref())
    }

    /// One statement as a standalone group with the next copy GTID and
    /// `note`.
    fn query_group(
        &mut self,
        log_pos: u32,
        db: &str,
        sql: Vec<u8>,
        ctx: &QueryContext,
        note: Option<&str>,
    ) -> Result<Vec<u8>, DumpError> {
        let query = QueryEvent {
            thread_id: ctx.thread_id,
            exec_time: 0,
            error_code: 0,
            status: QueryStatusVars {
                flags2: Some(ctx.flags2),
                sql_mode: Some(ctx.sql_mode),
                catalog: Some(STD_CATALOG.to_owned()),
                charset: Some(ctx.charset),
                time_zone: ctx.time_zone.clone(),
            },
            db: db.to_owned(),
            query: sql,
        };
        let group = DdlGroup {
            domain_id: self.copy_domain,
            seq_no: self.next_seq_no,
            query: &query,
            allow_parallel: false,
            note,
        };
        let events = encode::ddl_group(&self.framing, LogPos::Fixed(log_pos), 0, &group)?;
        self.take_seq_no();
        Ok(events.concat())
    }

    /// Encodes the current `CreateDatabase` unit and marks it sent.
    pub fn create_database(
        &mut self,
        log_pos: u32,
        charset: &str,
        collation: &str,
        comment: &[u8],
        ctx: &QueryContext,
    ) -> Result<Vec<u8>, DumpError> {
        let Unit::CreateDatabase { db } = self.next_unit() else {
            return Err(DumpError::Protocol("create_database() out of order"));
        };
        // The statement names the replica's database; the event's current
        // database is the master's, as the server logs CREATE DATABASE, so
        // that the replica's SQL thread filters and rewrites it as it
        // would the master's own.
        let master_db = db.to_owned();
        let [create, alter] =
            ddl::create_database(self.filter.rewrite(db), charset, collation, comment);
        // Sent again if the copy resumes between the two: IF NOT EXISTS.
        let mut events = self.ddl_group(log_pos, &master_db, create, ctx, false)?;
        events.extend(self.ddl_group(log_pos, &master_db, alter, ctx, true)?);
        self.scheduler.ddl_sent();
        Ok(events)
    }

    /// Encodes the current `CreateTable` or `CreateView` unit from the
    /// master's `SHOW CREATE TABLE` (or `SEQUENCE`) or `SHOW CREATE VIEW`
    /// text, as the unit expects, and marks it sent.  For a view, `ctx`
    /// carries its creation context (its client character set and
    /// connection collation).
    pub fn create_definition(
        &mut self,
        log_pos: u32,
        show_create: &[u8],
        ctx: &QueryContext,
    ) -> Result<Vec<u8>, DumpError> {
        let Some((db, sql)) = self.create_statement(show_create, ctx)? else {
            self.scheduler.ddl_sent();
            return Ok(Vec::new());
        };
        let events = self.ddl_group(log_pos, &db, sql, ctx, true)?;
        self.scheduler.ddl_sent();
        Ok(events)
    }

    /// As [`DumpSession::create_definition`] for a table's CREATE read
    /// ahead of the binlog, which goes to the replica at `log_pos`, after
    /// every event before it ([`DumpSession::encode_deferred_create`]).
    /// Its unit counts as sent: a master's statement in between sees the
    /// table as one whose CREATE is still to come.
    pub fn defer_create(
        &mut self,
        log_pos: u32,
        show_create: &[u8],
        ctx: &QueryContext,
    ) -> Result<(), DumpError> {
        if !matches!(self.next_unit(), Unit::CreateTable { .. }) {
            return Err(DumpError::Protocol("defer_create() out of order"));
        }
        if let Some((db, sql)) = self.create_statement(show_create, ctx)? {
            self.deferred_create = Some(DeferredCreate {
                log_pos,
                db,
                sql,
                ctx: ctx.clone(),
            });
        }
        self.scheduler.ddl_sent();
        Ok(())
    }

    /// Whether a CREATE read ahead waits for its place in the binlog.
    pub fn create_deferred(&self) -> bool {
        self.deferred_create.is_some()
    }

    /// The events of the CREATE read ahead ([`DumpSession::defer_create`]),
    /// at its place now.  Its resume point is taken now, not when it was
    /// read: a master's statement in between may have changed the plan
    /// (a table created, dropped, renamed), and a point of the plan
    /// before it would let a resumed dump take up that plan without the
    /// change (see [`crate::plan_cache`]).
    pub fn encode_deferred_create(&mut self) -> Result<Vec<u8>, DumpError> {
        let Some(create) = self.deferred_create.take() else {
            return Ok(Vec::new());
        };
        let note = self.point_note(&self.scheduler.current_point());
        self.query_group(
            create.log_pos,
            &create.db,
            create.sql,
            &create.ctx,
            Some(&note),
        )
    }

    /// The statement of the current `CreateTable` or `CreateView` unit
    /// and its database; none when the replica has the table already
    /// (a resumed copy re-reads it for what it left out).
    fn create_statement(
        &mut self,
        show_create: &[u8],
        ctx: &QueryContext,
    ) -> Result<Option<(String, Vec<u8>)>, DumpError> {
        Ok(Some(match self.next_unit() {
            Unit::CreateTable { db, table } => {
                let key = (db.to_owned(), table.to_owned());
                // Read under the lock its version was checked under.
                if let Some(known) = self.definitions.get_mut(&key) {
                    known.shape = Some(ddl::definition_shape(show_create));
                }
                let sql = ddl::create_table(show_create)?;
                let has_foreign_keys = self.foreign_key_tables.contains(&key);
                let deferred = ddl::defer_secondary_indexes(&sql, has_foreign_keys);
                if self.scheduler.resumed_create() {
                    // The replica has the table from the dump that
                    // stopped: only what its CREATE left out matters.
                    if let Some(deferred) = deferred {
                        self.deferred_indexes
                            .insert(key, (deferred.alter, ctx.clone()));
                    }
                    return Ok(None);
                }
                match deferred {
                    Some(deferred) => {
                        let db = key.0.clone();
                        self.deferred_indexes
                            .insert(key, (deferred.alter, ctx.clone()));
                        (db, deferred.create)
                    }
                    None => (key.0, sql),
                }
            }
            Unit::CreateView { db, .. } => (db.to_owned(), ddl::create_view(show_create)?),
            _ => return Err(DumpError::Protocol("create_definition() out of order")),
        }))
    }

    /// Refuses the copy: the replica's `account` may not `privilege` on
    /// `db`.`name` (`name` empty: on the database), which the copy would
    /// send.  Checked while the plan is made, before anything is sent.
    pub fn privilege_missing(
        &self,
        account: &str,
        privilege: &str,
        db: &str,
        name: &str,
    ) -> DumpError {
        let (object, grant_on) = if name.is_empty() {
            let db = ddl::quote_ident(db);
            (format!("database {db}"), format!("{db}.*"))
        } else {
            let table = ddl::ident(db, name);
            (table.clone(), table)
        };
        DumpError::MissingPrivilege {
            account: account.to_owned(),
            privilege: privilege.to_owned(),
            object,
            grant_on,
        }
    }

    /// The view `db`.`name` reads what the master no longer has: found
    /// when the copy is planned or when it comes to its views.
    pub fn view_invalid(&self, db: &str, name: &str) -> DumpError {
        DumpError::ViewInvalid {
            view: ddl::ident(db, name),
            copy_begun: self.next_seq_no > 1,
        }
    }

    /// Checks `@@binlog_row_image` (`row_image`) and
    /// `@@binlog_optimize_thread_scheduling` (`optimized`): every setting
    /// of the master that does not allow a copy.
    pub fn master_settings_problems(row_image: &str, optimized: bool) -> Vec<DumpError> {
        [
            Self::check_master_settings(row_image),
            Self::check_commit_scheduling(optimized),
        ]
        .into_iter()
        .filter_map(Result::err)
        .collect()
    }

    /// Refuses a dump when `running` others already run and
    /// `@@provision_max_dumps` is `max`.
    pub fn check_dump_slots(running: u32, max: u32) -> Result<(), DumpError> {
        if running < max {
            Ok(())
        } else {
            Err(DumpError::TooManyDumps { running, max })
        }
    }

    /// The master's audit line for this dump, logged when it ends:
    /// `replica` says who asked (server id, host, account), `outcome` how
    /// it ended.
    pub fn audit_line(&self, replica: &str, outcome: &str) -> String {
        let p = self.progress();
        let filter = self.filter.encode();
        let filter = if filter.is_empty() {
            "none".to_owned()
        } else {
            filter.lines().collect::<Vec<_>>().join(", ")
        };
        let unlogged = if self.unlogged_databases.is_empty() {
            String::new()
        } else {
            let dbs: Vec<String> = self
                .unlogged_databases
                .iter()
                .map(|db| ddl::quote_ident(db))
                .collect();
            format!(
                ", not copied (binlog_do_db, binlog_ignore_db leave them out of the binary \
                 log): {}",
                dbs.join(", ")
            )
        };
        format!(
            "LOAD DATA FROM MASTER: provisioning dump for {replica}, master connection \
             '{}' (copy domain {}), filter: {filter}{unlogged}, with grants: {}, with checksum: {}: \
             {} of {} tables and {} rows sent in {:.1} s; {outcome}",
            self.connection,
            self.copy_domain,
            if self.with_grants { "yes" } else { "no" },
            if self.checksums { "yes" } else { "no" },
            p.tables_done,
            p.tables_total,
            p.rows_copied,
            self.started.elapsed().as_secs_f64(),
        )
    }

    /// The tables whose rows `WITH GRANTS` copies (in `mysql`), empty
    /// without it: the account needs SELECT on them.
    pub fn account_tables(&self) -> Vec<String> {
        if self.with_grants {
            scheduler::ACCOUNT_TABLES
                .iter()
                .map(|t| t.to_string())
                .collect()
        } else {
            Vec::new()
        }
    }

    /// Records that a DEFAULT of `db`.`table` calls NEXTVAL() of
    /// `seq_db`.`seq`: the sequence is created (and its value copied)
    /// before the table, whose CREATE needs it, and must be copied too.
    pub fn add_default_sequence(&mut self, db: &str, table: &str, seq_db: &str, seq: &str) {
        self.scheduler.add_dependency(db, table, seq_db, seq);
        self.default_sequences.push((
            (db.to_owned(), table.to_owned()),
            (seq_db.to_owned(), seq.to_owned()),
        ));
    }

    /// Records the master's estimate of the rows of `db`.`table` (its
    /// statistics), for the replica's progress report.
    pub fn add_row_estimate(&mut self, db: &str, table: &str, rows: u64) {
        self.row_estimates
            .insert((db.to_owned(), table.to_owned()), rows);
    }

    /// Records the storage engine of `db`.`table`, a table the copy takes
    /// (the handlerton's name), and whether it is system-versioned by
    /// transaction id (`trx_versioned`).  A table whose rows live in
    /// other tables or on another server ([`ROWS_ELSEWHERE`]), or one
    /// versioned by transaction id, refuses the copy when it is planned.
    pub fn add_table_engine(&mut self, db: &str, table: &str, engine: &str, trx_versioned: bool) {
        if trx_versioned {
            self.trx_versioned.push((db.to_owned(), table.to_owned()));
        }
        if ROWS_ELSEWHERE
            .iter()
            .any(|e| e.eq_ignore_ascii_case(engine))
        {
            self.rows_elsewhere
                .push(((db.to_owned(), table.to_owned()), engine.to_owned()));
        }
    }

    /// Records a foreign key (see [`Scheduler::add_foreign_key`]).
    pub fn add_foreign_key(
        &mut self,
        db: &str,
        table: &str,
        parent_db: &str,
        parent: &str,
        moves: ForeignKeyMoves,
    ) {
        self.foreign_key_tables
            .insert((db.to_owned(), table.to_owned()));
        self.foreign_key_tables
            .insert((parent_db.to_owned(), parent.to_owned()));
        self.foreign_keys.insert((
            (db.to_owned(), table.to_owned()),
            (parent_db.to_owned(), parent.to_owned()),
        ));
        if moves.cascades() {
            self.cascade_parents
                .insert((parent_db.to_owned(), parent.to_owned()));
        }
        self.scheduler
            .add_foreign_key(db, table, parent_db, parent, moves);
    }

    /// Records a foreign key of `child_db`.`child`, which may be a table
    /// the copy does not take, that references `parent_db`.`parent`, one
    /// it does: `LOAD TABLE` of the parent without the child is refused
    /// when it is planned ([`DumpSession::plan`]).
    pub fn add_referencing_key(
        &mut self,
        child_db: &str,
        child: &str,
        parent_db: &str,
        parent: &str,
    ) {
        self.foreign_keys.insert((
            (child_db.to_owned(), child.to_owned()),
            (parent_db.to_owned(), parent.to_owned()),
        ));
    }

    /// `LOAD TABLE`: refused when a table it leaves out references one it
    /// names by a foreign key.  Such a child keeps replicating while its
    /// parent is copied, and the parent's rows beyond the copy's cursor
    /// are missing on the replica: the master's deletes and key updates
    /// of them, which the replica skips, change the child on the master
    /// alone by the key's referential actions (`CASCADE`, `SET NULL`,
    /// not logged), and the master's writes to the child that name them
    /// fail the replica's check of the key.  A named child is skipped
    /// until its own copy, after its parents'.  A child the connection's
    /// filter leaves out is not on the replica.  The error names every
    /// table to load together (the replica's names).
    fn reload_missing_child(&self) -> Option<DumpError> {
        let rename = |(db, t): &(String, String)| (self.filter.rewrite(db).to_owned(), t.clone());
        let missing: Vec<((String, String), (String, String))> = self
            .foreign_keys
            .iter()
            .filter(|(child, _)| self.filter.takes_master_table(&child.0, &child.1))
            .map(|(child, parent)| (rename(parent), rename(child)))
            .filter(|(parent, child)| self.reload.contains(parent) && !self.reload.contains(child))
            .collect();
        let (parent, child) = missing.first()?;
        let tables: BTreeSet<&(String, String)> = self
            .reload
            .iter()
            .chain(missing.iter().map(|(_, c)| c))
            .collect();
        Some(DumpError::ReloadChildLeftOut {
            parent: ddl::ident(&parent.0, &parent.1),
            child: ddl::ident(&child.0, &child.1),
            tables: tables
                .into_iter()
                .map(|(db, t)| ddl::ident(db, t))
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// Adds a routine, trigger or event of the master: `kind` as the
    /// server names it, its `SHOW CREATE` text in the character set of
    /// `ctx` (its creation context and `sql_mode`).  It is sent as
    /// `CREATE OR REPLACE` in its database.
    pub fn add_object(
        &mut self,
        kind: &str,
        db: &str,
        name: &str,
        definition: &[u8],
        ctx: QueryContext,
    ) -> Result<(), DumpError> {
        let kind = ObjectKind::from_name(kind)
            .ok_or_else(|| DdlError::UnknownObject(kind.to_owned(), ddl::ident(db, name)))?;
        let copied = match kind {
            // Triggers come with the tables the copy takes (the shim adds
            // those of copied tables only): with LOAD TABLE, the only
            // objects it copies.
            ObjectKind::Trigger if self.is_reload() => true,
            _ => self.copies_database(db),
        };
        if !copied {
            return Ok(());
        }
        match kind {
            ObjectKind::Trigger => {
                self.trigger_tables
                    .extend(ddl_during_copy::trigger_table(definition, db));
            }
            ObjectKind::Function => {
                self.functions.insert(name.to_ascii_lowercase());
            }
            _ => {}
        }
        let sql = ddl::create_object(kind, db, name, definition)?;
        if self.scheduler.add_object(kind, db, name).is_some() {
            self.objects.push(ObjectDef {
                db: db.to_owned(),
                sql,
                ctx,
            });
        }
        Ok(())
    }

    /// Orders the copy once everything is added (see [`Scheduler::plan`]).
    pub fn plan(&mut self, views: Vec<View>) -> Result<(), DumpError> {
        let copied: BTreeSet<(String, String)> = self
            .copied_tables
            .iter()
            .map(|(db, t)| (self.filter.rewrite(db).to_owned(), t.clone()))
            .collect();
        if let Some((db, table)) = self.reload.iter().find(|(db, _)| {
            self.unlogged_databases
                .iter()
                .any(|u| self.filter.rewrite(u) == db.as_str())
        }) {
            return Err(DumpError::ReloadTableUnlogged {
                db: ddl::quote_ident(db),
                table: ddl::ident(db, table),
            });
        }
        if let Some((db, table)) = self.reload.iter().find(|t| !copied.contains(*t)) {
            return Err(DumpError::ReloadTableMissing {
                table: ddl::ident(db, table),
            });
        }
        if let Some(err) = self.reload_missing_child() {
            return Err(err);
        }
        if let Some((child, parent)) = self.foreign_keys.iter().find(|(child, parent)| {
            self.copied_tables.contains(child)
                && self.master_tables.contains(parent)
                && !self.filter.takes_master_table(&parent.0, &parent.1)
        }) {
            let name = |(db, t): &(String, String)| ddl::ident(self.filter.rewrite(db), t);
            return Err(DumpError::ParentLeftOut {
                child: name(child),
                parent: name(parent),
            });
        }
        if let Some(((db, table), engine)) = self.rows_elsewhere.first() {
            return Err(DumpError::RowsElsewhere {
                table: ddl::ident(db, table),
                engine: engine.clone(),
            });
        }
        if let Some((db, table)) = self.trx_versioned.first() {
            return Err(DumpError::TrxVersioned {
                table: ddl::ident(db, table),
            });
        }
        for ((db, table), (seq_db, seq)) in &self.default_sequences {
            // LOAD TABLE: a sequence it does not name is the replica's,
            // replicated, unless the filter leaves it out.
            let on_replica = self.is_reload() && self.filter.takes_master_table(seq_db, seq);
            if !on_replica && !self.copied_tables.contains(&(seq_db.clone(), seq.clone())) {
                return Err(DumpError::SequenceLeftOut {
                    table: ddl::ident(db, table),
                    sequence: ddl::ident(seq_db, seq),
                });
            }
        }
        let views = self.copied_views(views);
        if self.filter.has_table_rules() {
            let filter = &self.filter;
            self.claims.extend(
                views
                    .iter()
                    .map(|v| CopyClaim::Table(filter.rewrite(&v.db).to_owned(), v.name.clone())),
            );
        }
        self.claims.sort();
        self.scheduler.plan(views)?;
        if let Some(r) = self.resume.clone() {
            let mut not_taken_up = None;
            if r.point.plan != self.scheduler.fingerprint() {
                // A point behind the plan at the replica's position names a
                // plan the binary log from there would not change as it did.
                not_taken_up = match r.plan_behind {
                    true => Some("the copy stopped right after such a change"),
                    false => self.recall_plan(r.point.plan, r.point.step).err(),
                };
            }
            match (self.scheduler.resume(&r.point, r.recopy), not_taken_up) {
                (Err(ResumeError::PlanChanged), Some(why)) => {
                    return Err(DumpError::PlanNotTakenUp(why))
                }
                (result, _) => result?,
            }
        }
        Ok(())
    }

    /// A resumed copy whose plan the master's catalog no longer makes (DDL
    /// during the copy changed it): the plan the replica's point `plan`
    /// names, if this process remembers it and the copy's objects are
    /// still to send from `step` (see [`crate::plan_cache`],
    /// [`Scheduler::objects_to_send`]).  Its tables still to
    /// copy must be ones this dump copies, or gone from the master (their
    /// DROP or RENAME comes through the binary log again).
    /// Else why not.
    fn recall_plan(&mut self, plan: u64, step: u32) -> Result<(), &'static str> {
        let earlier = plan_cache::recall(&self.copy_key, plan)
            .ok_or("this master does not remember its plan (restarted since?)")?;
        if !earlier.objects_to_send(step) {
            return Err("the copy stopped after its objects");
        }
        let left = earlier.tables_left(step);
        if !left
            .iter()
            .all(|t| self.copied_tables.contains(t) || !self.master_tables.contains(t))
        {
            return Err("a table it had still to copy is no longer one it takes");
        }
        self.scheduler.adopt_plan(earlier);
        // The objects as the master has them now, at the Objects unit.
        self.objects_stale = true;
        self.plan_recalled = true;
        Ok(())
    }

    /// Whether this resumed copy goes on with the plan its replica had,
    /// which the master's DDL during the copy changed (see
    /// [`crate::plan_cache`]).
    pub fn plan_recalled(&self) -> bool {
        self.plan_recalled
    }

    /// Encodes the current `CreateObject` unit and marks it sent.
    pub fn create_object(&mut self, log_pos: u32) -> Result<Vec<u8>, DumpError> {
        let Unit::CreateObject { index, .. } = self.next_unit() else {
            return Err(DumpError::Protocol("create_object() out of order"));
        };
        let def = self.objects[index].clone();
        let events = self.ddl_group(log_pos, &def.db, def.sql, &def.ctx, true)?;
        self.scheduler.ddl_sent();
        Ok(events)
    }

    /// A copy group of its own that carries only `note` (it changes no
    /// data on the replica).
    fn note_events(&mut self, log_pos: u32, note: &str) -> Result<Vec<u8>, DumpError> {
        let events = encode::note_group(
            &self.framing,
            LogPos::Fixed(log_pos),
            0,
            self.copy_domain,
            self.next_seq_no,
            note,
        )?;
        self.take_seq_no();
        Ok(events.concat())
    }

    /// Encodes the current `Manifest` unit (the note of everything the
    /// copy takes, in a group of its own) and marks it sent.
    pub fn manifest(&mut self, log_pos: u32) -> Result<Vec<u8>, DumpError> {
        if self.next_unit() != Unit::Manifest {
            return Err(DumpError::Protocol("manifest() out of order"));
        }
        let note = manifest_note(&self.claims);
        let mut events = self.note_events(log_pos, &note)?;
        // Then the size of the copy, for the replica's progress report.
        let rows = self
            .copied_tables
            .iter()
            .filter_map(|t| self.row_estimates.get(t))
            .sum();
        // With where the binlog stream starts and the first resume point:
        // from here on, a lost connection does not lose the copy.
        let mut notes = vec![plan_note(self.copied_tables.len() as u64, rows)];
        notes.extend(self.copied_tables.iter().map(|t| {
            let estimate = self.row_estimates.get(t).copied().unwrap_or(0);
            plan_table_note(self.filter.rewrite(&t.0), &t.1, estimate)
        }));
        notes.push(start_note(&self.start_position));
        let plan = self.ending_note(notes);
        events.extend(self.note_events(log_pos, &plan)?);
        self.scheduler.ddl_sent();
        Ok(events)
    }

    /// Whether the views, routines, triggers and events must be read
    /// again at the `Objects` unit: DDL came through the binary log
    /// before it (the replica skipped it).
    pub fn objects_stale(&self) -> bool {
        self.objects_stale
    }

    /// Starts reading the objects again ([`DumpSession::objects_stale`]):
    /// [`DumpSession::add_object`] and the views, then
    /// [`DumpSession::replan_objects`].
    pub fn reset_objects(&mut self) {
        self.objects.clear();
        self.scheduler.reset_objects();
    }

    /// The objects read again make the rest of the plan.
    pub fn replan_objects(&mut self, views: Vec<View>) -> Result<(), DumpError> {
        let views = self.copied_views(views);
        self.scheduler.replan_objects(views)?;
        self.objects_stale = false;
        Ok(())
    }

    /// The tables and the databases the copy takes now (the master's
    /// names), for reading their objects again.
    pub fn copied_tables(&self) -> Vec<(String, String)> {
        self.copied_tables.iter().cloned().collect()
    }

    /// See [`DumpSession::copied_tables`].
    pub fn copied_databases(&self) -> Vec<String> {
        self.databases.iter().cloned().collect()
    }

    /// Encodes the current `Objects` unit (a note: from here on the
    /// replica applies the master's DDL of objects) and marks it sent.
    pub fn objects_marker(&mut self, log_pos: u32) -> Result<Vec<u8>, DumpError> {
        if self.next_unit() != Unit::Objects {
            return Err(DumpError::Protocol("objects_marker() out of order"));
        }
        let note = self.ending_note(vec![OBJECTS_NOTE.to_owned()]);
        let events = self.note_events(log_pos, &note)?;
        self.scheduler.ddl_sent();
        Ok(events)
    }

    /// Encodes the current `ReloadAccounts` unit (`FLUSH PRIVILEGES`, after
    /// the account tables' rows) and marks it sent.
    pub fn reload_accounts(
        &mut self,
        log_pos: u32,
        ctx: &QueryContext,
    ) -> Result<Vec<u8>, DumpError> {
        if self.next_unit() != Unit::ReloadAccounts {
            return Err(DumpError::Protocol("reload_accounts() out of order"));
        }
        let events = self.ddl_group(log_pos, "mysql", "FLUSH PRIVILEGES", ctx, true)?;
        self.scheduler.ddl_sent();
        Ok(events)
    }

    /// The base tables whose checksums the current `Checksums` unit sends,
    /// in the master's names (the account tables are merged into the
    /// replica's own, so they are not compared).
    pub fn checksum_tables(&self) -> Vec<(String, String)> {
        self.copied_tables
            .iter()
            .filter(|(db, _)| !scheduler::is_system_schema(db))
            .cloned()
            .collect()
    }

    /// Encodes the current `Checksums` unit: a note with the checksum of
    /// each table (master's names) in `sums`, under the replica's names,
    /// and marks it sent.
    pub fn checksums(
        &mut self,
        log_pos: u32,
        sums: &[TableChecksum],
    ) -> Result<Vec<u8>, DumpError> {
        if self.next_unit() != Unit::Checksums {
            return Err(DumpError::Protocol("checksums() out of order"));
        }
        let renamed: Vec<TableChecksum> = sums
            .iter()
            .map(|c| TableChecksum {
                db: self.filter.rewrite(&c.db).to_owned(),
                ..c.clone()
            })
            .collect();
        let note = self.ending_note(vec![checksums_note(&renamed)]);
        let events = self.note_events(log_pos, &note)?;
        self.scheduler.ddl_sent();
        Ok(events)
    }

    /// The dump could not lock `db`.`table` within one short step: says
    /// what to do before the next step, or gives up once the wait is
    /// longer than `timeout` (the master's `@@lock_wait_timeout`).
    ///
    /// `binlog_ahead`: the master's binary log has events the dump has not
    /// sent.  They go first ([`LockStep::SendBinlog`]): a lock held for
    /// long on one table (`LOCK TABLES`, a DDL queued behind a long
    /// transaction) must not hold back the master's transactions on the
    /// others, which a semi-synchronous master waits for this replica to
    /// acknowledge.  Otherwise the replica, which hears nothing from the
    /// binlog meanwhile, gets a keepalive group every
    /// [`KEEPALIVE_INTERVAL`], so that its connection does not time out.
    pub fn lock_wait(
        &mut self,
        db: &str,
        table: &str,
        timeout: Duration,
        binlog_ahead: bool,
        now: Instant,
    ) -> Result<LockStep, DumpError> {
        // The first step already took a second the replica heard nothing.
        let (since, keepalive) = self.lock_wait.get_or_insert((now, None));
        if now.saturating_duration_since(*since) >= timeout {
            self.lock_wait = None;
            return Err(DumpError::LockWait {
                table: format!("`{db}`.`{table}`"),
                seconds: timeout.as_secs(),
            });
        }
        if binlog_ahead {
            // The binlog's events keep the replica's connection alive.
            *keepalive = Some(now);
            return Ok(LockStep::SendBinlog);
        }
        if keepalive.is_none_or(|k| now.saturating_duration_since(k) >= KEEPALIVE_INTERVAL) {
            *keepalive = Some(now);
            return Ok(LockStep::Keepalive);
        }
        Ok(LockStep::Wait)
    }

    /// The current unit's table `db`.`table` has no tablespace on the
    /// master: it was discarded (`ALTER TABLE ... DISCARD TABLESPACE`) to
    /// import one.  When the dump sent that DISCARD, the copy waits for
    /// the import, which comes through the binary log and copies the
    /// table again ([`crate::ddl_during_copy::TableDdl::Import`]); the
    /// binary log goes on meanwhile.  Returns the dump thread's state for
    /// `SHOW PROCESSLIST`; an error once the wait is longer than `timeout`
    /// (`@@lock_wait_timeout`, as for a lock), and after [`DISCARD_GRACE`]
    /// for a table whose DISCARD did not come: one discarded before the
    /// copy (or its resume) began, which may stay so.
    pub fn tablespace_discarded(
        &mut self,
        db: &str,
        table: &str,
        timeout: Duration,
        now: Instant,
    ) -> Result<String, DumpError> {
        let sent = self.discarded.contains(&(db.to_owned(), table.to_owned()));
        let since = *self.discarded_since.get_or_insert(now);
        let waited = now.saturating_duration_since(since);
        let table = table_ident(db, table);
        // InnoDB discards before the statement reaches the binary log:
        // a moment for its DISCARD to come through.
        if !sent && waited >= DISCARD_GRACE {
            self.discarded_since = None;
            return Err(DumpError::TablespaceDiscardedBefore(table));
        }
        if waited >= timeout {
            self.discarded_since = None;
            return Err(DumpError::TablespaceDiscarded {
                table,
                seconds: timeout.as_secs(),
            });
        }
        // The table last: SHOW PROCESSLIST's state is cut at 64 characters.
        Ok(format!(
            "Provisioning: waiting for IMPORT TABLESPACE of {table}"
        ))
    }

    /// The lock the dump waited for is granted.
    pub fn lock_acquired(&mut self) {
        self.lock_wait = None;
    }

    /// The dump sent the replica events of its own (a unit, a keepalive
    /// group).
    pub fn note_sent(&mut self, now: Instant) {
        self.last_sent = now;
    }

    /// A copy group of its own that tells the replica where the copy
    /// stands now, when a master's statement sent since the last resume
    /// point changed the plan; else nothing.  Sent at the next group
    /// boundary, so a copy stopped after the statement goes on from there
    /// (its point is no longer behind, see [`crate::plan_cache`]) instead
    /// of starting again, however long the copy then waits for its next
    /// unit (a lock, an XA transaction, the throttle).
    pub fn moved_point(&mut self, log_pos: u32) -> Result<Vec<u8>, DumpError> {
        if !self.point_due.get() {
            return Ok(Vec::new());
        }
        let note = [
            "LOAD DATA FROM MASTER: a statement of the master changed the copy's plan".to_owned(),
            self.point_note(&self.scheduler.current_point()),
        ]
        .join("\n");
        self.note_events(log_pos, &note)
    }

    /// The dump thread sent the master's event `event`, which ends at
    /// `log_pos`: when it ends a group that changed the plan, the note of
    /// [`DumpSession::moved_point`] to send right after it, else nothing.
    /// Else the note would wait for the binlog's end, where the copy's
    /// units go, and the replica would apply every transaction sent up to
    /// there with its point behind.  A group of one statement (a DDL)
    /// ends at its first event that is not part of a group (its context
    /// events come first), as the server's own skipping of such groups
    /// has it; a transaction (`CREATE ... SELECT`, a write the master
    /// logged as a statement, an `XA PREPARE`) at its XID, `XA PREPARE`,
    /// or the statement that ends it (`COMMIT`, `ROLLBACK`, `XA COMMIT`:
    /// [`crate::filter::ends_transaction`], as the replica finds it).
    pub fn master_event_sent(
        &mut self,
        event: MasterEvent,
        log_pos: u32,
    ) -> Result<Vec<u8>, DumpError> {
        let ends_group = std::mem::take(&mut self.statement_ends_group);
        let ended = match event {
            MasterEvent::GtidOneStatement => {
                self.open_group = OpenGroup::OneStatement;
                false
            }
            MasterEvent::Gtid => {
                self.open_group = OpenGroup::Transaction;
                false
            }
            MasterEvent::InGroup => false,
            MasterEvent::GroupEnd => self.open_group == OpenGroup::Transaction,
            MasterEvent::Other => match self.open_group {
                OpenGroup::OneStatement => true,
                OpenGroup::Transaction => ends_group,
                OpenGroup::None => false,
            },
        };
        if !ended {
            return Ok(Vec::new());
        }
        self.open_group = OpenGroup::None;
        self.moved_point(log_pos)
    }

    /// The keepalive group a dump that has nothing to send for a moment
    /// (throttled, waiting for a commit to reach the engines or for XA
    /// transactions) sends the replica at `log_pos`, when it sent it
    /// nothing for [`KEEPALIVE_INTERVAL`]; else nothing.  Without it a
    /// long wait would look like a lost master after `slave_net_timeout`.
    pub fn idle_keepalive(&mut self, log_pos: u32, now: Instant) -> Result<Vec<u8>, DumpError> {
        if now.saturating_duration_since(self.last_sent) < KEEPALIVE_INTERVAL {
            return Ok(Vec::new());
        }
        self.note_events(log_pos, "LOAD DATA FROM MASTER: the copy waits")
    }

    /// A keepalive group: a note that the copy waits for a lock on
    /// `db`.`table`, in a copy group of its own (the replica applies it as
    /// an empty transaction).
    pub fn keepalive(&mut self, log_pos: u32, db: &str, table: &str) -> Result<Vec<u8>, DumpError> {
        let note = format!(
            "LOAD DATA FROM MASTER: waiting for a lock on {}",
            table_ident(db, table)
        );
        self.note_events(log_pos, &note)
    }

    /// The master's statement `query` (run in `default_db`), which the
    /// dump thread sends now: the plan follows the master's tables as the
    /// replica does when it applies it (see [`crate::ddl_during_copy`]).
    /// Returns whether the unit to do next changed (a snapshot held for
    /// it is of no use).
    pub fn master_statement(
        &mut self,
        query: &[u8],
        default_db: &str,
        lower_case_table_names: u32,
    ) -> Result<bool, DumpError> {
        // The end of a transaction's group (master_event_sent()).
        if crate::filter::ends_transaction(query) {
            self.statement_ends_group = true;
            return Ok(false);
        }
        // The CREATE of the table whose rows come next was read but waits
        // for its place in the binlog.
        let create_pending = self.deferred_create.is_some();
        let objects_begun = self.scheduler.objects_begun();
        let statement = query;
        let (query, default_db) =
            ddl_during_copy::names_as_compared(query, default_db, lower_case_table_names);
        let (query, default_db) = (query.as_ref(), default_db.as_ref());
        let decision = match ddl_during_copy::parse(query, default_db) {
            Some(ddl) => {
                // Any DDL before the objects may change them (a trigger
                // goes with its table): they are read again.
                if !objects_begun {
                    self.objects_stale = true;
                }
                if ddl == TableDdl::Object {
                    self.trigger_tables
                        .extend(ddl_during_copy::trigger_table(query, default_db));
                }
                // Whose tablespace the copy may wait for.
                if let TableDdl::Import(table) = &ddl {
                    self.discarded.remove(table);
                }
                self.discarded
                    .extend(ddl_during_copy::discarded_table(query, default_db));
                let plan = &self.scheduler;
                let copied = &self.copied_tables;
                let reload = !self.reload.is_empty();
                let filter = &self.filter;
                ddl_during_copy::decide(
                    &ddl,
                    |(db, table)| {
                        // LOAD TABLE: a table it does not copy is the
                        // replica's, complete.
                        if reload && !copied.contains(&(db.clone(), table.clone())) {
                            crate::filter::TableState::Complete
                        } else {
                            plan.table_state(db, table, create_pending)
                        }
                    },
                    |_| false,
                    |(db, table)| filter.takes_master_table(db, table),
                )
            }
            None => match statement_write::parse(query, default_db) {
                Some(write) => {
                    if !objects_begun {
                        self.check_statement_write(statement, &write)?;
                    }
                    statement_write::decide(&write, objects_begun)
                }
                None => return Ok(false),
            },
        };
        // The plan changes after the last point sent: the replica marks
        // its point behind (replica_filter, `plan_behind`) until a group
        // brings a point of the new plan (moved_point()).
        if decision.changes_plan(|(db, table)| {
            matches!(
                self.scheduler.table_state(db, table, create_pending),
                crate::filter::TableState::Created { .. }
            )
        }) {
            self.point_due.set(true);
        }
        let mut changed = false;
        for edit in decision.edits {
            let after = match &edit {
                Edit::CopyAfter(_, parents) => Some(parents.clone()),
                _ => None,
            };
            match edit {
                Edit::Copy((db, table)) | Edit::CopyAfter((db, table), _) => {
                    let key = (db.clone(), table.clone());
                    let planned = self.copied_tables.contains(&key);
                    if !planned && !self.filter.takes_master_table(&db, &table) {
                        continue;
                    }
                    // Read again from its first row, with what its CREATE
                    // is now.
                    self.definitions.remove(&key);
                    self.deferred_indexes.remove(&key);
                    if !planned {
                        // Its keys are not known: no index is deferred.
                        self.foreign_key_tables.insert(key.clone());
                        self.databases.insert(db.clone());
                        self.copied_tables.insert(key.clone());
                    }
                    changed |= match after {
                        Some(parents) => {
                            self.foreign_key_tables.insert(key);
                            self.foreign_key_tables.extend(parents.iter().cloned());
                            // Its actions are not known: they may cascade.
                            self.cascade_parents.extend(parents.iter().cloned());
                            self.scheduler.copy_table_after(&db, &table, &parents)
                        }
                        None => self.scheduler.copy_table(&db, &table),
                    };
                }
                Edit::Forget((db, table)) => {
                    let key = (db.clone(), table.clone());
                    self.copied_tables.remove(&key);
                    self.definitions.remove(&key);
                    self.deferred_indexes.remove(&key);
                    changed |= self.scheduler.forget_table(&db, &table);
                }
                Edit::Rename(from, to) => {
                    if self.copied_tables.remove(&from) {
                        self.copied_tables.insert(to.clone());
                        self.databases.insert(to.0.clone());
                    }
                    rekey(&mut self.row_estimates, &from, &to);
                    rekey(&mut self.definitions, &from, &to);
                    if self.foreign_key_tables.remove(&from) {
                        self.foreign_key_tables.insert(to.clone());
                    }
                    // Its deferred indexes' ALTER names the old table: the
                    // copy of a table in progress starts again (a Copy
                    // edit follows), any other has none pending.
                    self.deferred_indexes.remove(&from);
                    self.scheduler
                        .rename_table((&from.0, &from.1), (&to.0, &to.1));
                }
                Edit::Redefined(key) => {
                    if let Some(known) = self.definitions.get_mut(&key) {
                        known.redefined = true;
                    }
                }
                Edit::ForgetDatabase(db) => {
                    self.copied_tables.retain(|(d, _)| *d != db);
                    self.definitions.retain(|(d, _), _| *d != db);
                    self.deferred_indexes.retain(|(d, _), _| *d != db);
                    self.databases.remove(&db);
                    changed |= self.scheduler.forget_database(&db);
                }
            }
        }
        // The unit a stall waited on is another one now.
        if changed {
            self.changed_since = None;
        }
        Ok(changed)
    }

    /// Refuses a statement-logged write before the copy's objects that
    /// runs triggers or stored functions (see [`crate::statement_write`]).
    fn check_statement_write(
        &self,
        query: &[u8],
        write: &statement_write::StatementWrite,
    ) -> Result<(), DumpError> {
        let why = if let Some((db, table)) = write
            .written
            .iter()
            .find(|t| self.trigger_tables.contains(*t))
        {
            format!("writes {}, which has triggers", table_ident(db, table))
        } else if let Some((db, table)) = write
            .written
            .iter()
            .find(|t| self.cascade_parents.contains(*t))
        {
            format!(
                "writes {}, whose changes cascade to other tables",
                table_ident(db, table)
            )
        } else if let Some(f) = write.calls.iter().find(|f| self.functions.contains(*f)) {
            format!("calls the stored function {f}()")
        } else {
            return Ok(());
        };
        Err(DumpError::StatementWrite {
            statement: String::from_utf8_lossy(query).chars().take(50).collect(),
            why,
        })
    }

    /// Checks that `db`.`table` still has the definition it had when the
    /// copy first read it (`version`: its `tabledef_version`): a chunk
    /// read with another definition would not fit the replica's table,
    /// and its key no longer fits the copy's cursor.
    pub fn check_definition(
        &mut self,
        db: &str,
        table: &str,
        version: &[u8],
    ) -> Result<(), DumpError> {
        let known = self
            .definitions
            .entry((db.to_owned(), table.to_owned()))
            .or_insert_with(|| Definition {
                version: version.to_owned(),
                shape: None,
                redefined: false,
            });
        if known.version == version {
            Ok(())
        } else {
            Err(DumpError::DefinitionChanged {
                table: format!("`{db}`.`{table}`"),
            })
        }
    }

    /// The table of the current `CreateTable` or `Rows` unit is not on
    /// the master: a DDL dropped or renamed it.  `Ok(true)`: wait; its
    /// statement is on its way in the binary log, which goes on
    /// streaming, and changes the plan when it is sent
    /// ([`DumpSession::master_statement`]).  After
    /// [`DDL_IN_BINLOG_WAIT`] without it, the copy stops.
    pub fn table_missing(&mut self, db: &str, table: &str) -> Result<bool, DumpError> {
        let since = *self.changed_since.get_or_insert_with(Instant::now);
        if since.elapsed() > DDL_IN_BINLOG_WAIT {
            Err(DumpError::TableGone {
                table: table_ident(db, table),
            })
        } else {
            Ok(true)
        }
    }

    /// [`DumpSession::check_definition`] for the table of a `Rows` unit:
    /// `Ok(false)` when a DDL changed it.  The binary log goes on
    /// streaming; when the DDL is sent, the table is copied again
    /// ([`DumpSession::master_statement`]); until then this dump reads no
    /// more of it.  After [`DDL_IN_BINLOG_WAIT`] without it (a DDL not in
    /// the binary log), the copy stops.
    ///
    /// After a statement that keeps the table's rows, columns and keys
    /// ([`Edit::Redefined`]), a new version is [`RowsDefinition::Redefined`]:
    /// the copy goes on with it if the table's definition is still the one
    /// the copy read ([`DumpSession::take_definition`]).  The chunk is
    /// read at a later cut, never from this one: a snapshot taken before
    /// InnoDB rebuilt the table cannot read it.
    pub fn check_rows_definition(
        &mut self,
        db: &str,
        table: &str,
        version: &[u8],
    ) -> Result<RowsDefinition, DumpError> {
        let key = (db.to_owned(), table.to_owned());
        let found = match self.check_definition(db, table, version) {
            Ok(()) => {
                self.changed_since = None;
                if let Some(known) = self.definitions.get_mut(&key) {
                    known.redefined = false;
                }
                return Ok(RowsDefinition::Same);
            }
            Err(e) => e,
        };
        let since = *self.changed_since.get_or_insert_with(Instant::now);
        if since.elapsed() > DDL_IN_BINLOG_WAIT {
            return Err(found);
        }
        let redefined = self
            .definitions
            .get(&key)
            .is_some_and(|known| known.redefined && known.shape.is_some());
        Ok(if redefined {
            RowsDefinition::Redefined
        } else {
            RowsDefinition::Changed
        })
    }

    /// After [`RowsDefinition::Redefined`]: the copy reads `db`.`table`
    /// with its new version (`version`, its CREATE `show_create`) from
    /// now on if its definition is the one the copy read but for its
    /// `AUTO_INCREMENT` counter and its comment.  Otherwise another DDL
    /// changed it, which is still on its way in the binary log and copies
    /// the table again when it is sent.
    pub fn take_definition(&mut self, db: &str, table: &str, version: &[u8], show_create: &[u8]) {
        let shape = ddl::definition_shape(show_create);
        if let Some(known) = self.definitions.get_mut(&(db.to_owned(), table.to_owned())) {
            if known.redefined && known.shape == Some(shape) {
                known.version = version.to_owned();
            } else {
                known.redefined = false;
            }
        }
    }

    /// Starts collecting the current `Rows` unit's chunk.
    pub fn begin_chunk(&mut self, columns: Vec<Column>) -> Result<(), DumpError> {
        // Its table is readable (again).
        self.discarded_since = None;
        let Unit::Rows { db, table, .. } = self.next_unit() else {
            return Err(DumpError::Protocol("begin_chunk() out of order"));
        };
        let table = TableMap {
            table_id: self.next_table_id,
            flags: TM_BIT_LEN_EXACT_F,
            db: db.to_owned(),
            table: table.to_owned(),
            columns,
        };
        self.next_table_id += 1;
        let row = RowBuilder::new(table.columns.len());
        self.chunk = Some(Chunk {
            table,
            rows: Vec::new(),
            row,
            bytes: 0,
            rows_sent: 0,
            streamed: false,
            started: Instant::now(),
        });
        Ok(())
    }

    fn chunk_mut(&mut self) -> Result<&mut Chunk, DumpError> {
        self.chunk
            .as_mut()
            .ok_or(DumpError::Protocol("row data outside a chunk"))
    }

    /// Adds the next column value of the current row (`None`: NULL), as
    /// `Field::pack()` wrote it.
    pub fn add_value(&mut self, value: Option<&[u8]>) -> Result<(), DumpError> {
        if self.chunk_mut()?.row.push(value) {
            Ok(())
        } else {
            Err(DumpError::Protocol("row width differs from the table's"))
        }
    }

    /// Ends the current row.
    pub fn end_row(&mut self) -> Result<(), DumpError> {
        let chunk = self.chunk_mut()?;
        // Room for a row like this one: no reallocation while it grows.
        let next = RowBuilder::with_capacity(chunk.table.columns.len(), chunk.row.len());
        match std::mem::replace(&mut chunk.row, next).finish() {
            Ok(row) => {
                let bytes = row.as_bytes().len();
                chunk.bytes += bytes;
                chunk.rows.push(row);
                self.bytes_copied += bytes as u64;
                Ok(())
            }
            Err(partial) => {
                chunk.row = partial;
                Err(DumpError::Protocol("row width differs from the table's"))
            }
        }
    }

    /// Whether the chunk being read may hold more rows; `keyless`: the
    /// table has no copy key (it is read whole, whatever the unit's
    /// `max_rows`).
    pub fn chunk_pressure(&self, keyless: bool) -> ChunkPressure {
        let whole_table = keyless
            || matches!(self.next_unit(), Unit::Rows { max_rows, .. } if max_rows == u32::MAX);
        match &self.chunk {
            Some(chunk) if chunk.bytes >= self.chunk_bytes_limit() => {
                if whole_table {
                    ChunkPressure::Stream
                } else {
                    ChunkPressure::Stop
                }
            }
            // The clock is read every few rows, not for each.
            Some(chunk)
                if !whole_table
                    && chunk.rows.len() % TIME_CHECK_ROWS == 0
                    && self.scheduler.chunk_size().overran(chunk.started.elapsed()) =>
            {
                ChunkPressure::Stop
            }
            _ => ChunkPressure::Room,
        }
    }

    /// Encodes the rows held by a table read whole at one cut (see
    /// [`DumpSession::chunk_pressure`]) but the
    /// last one (the group's last event must carry rows), the group's
    /// head first if it is not sent yet: the transaction goes out in
    /// pieces.  The table's note comes with the head: such a read is the
    /// table's last chunk.
    pub fn drain_chunk(&mut self, log_pos: u32) -> Result<Vec<u8>, DumpError> {
        let Unit::Rows { db, table, .. } = self.next_unit() else {
            return Err(DumpError::Protocol("drain_chunk() out of order"));
        };
        // A chunk sent in pieces is a whole table: its group ends the step.
        let note = self.ending_note(vec![table_done_note(self.filter.rewrite(db), table)]);
        let (framing, domain_id, seq_no) = (self.framing, self.copy_domain, self.next_seq_no);
        let max_event_size = self.max_event_size;
        let chunk = self.chunk_mut()?;
        if chunk.rows.len() < 2 {
            return Ok(Vec::new());
        }
        let keep = chunk.rows.pop().expect("two rows or more");
        let present = vec![true; chunk.table.columns.len()];
        let group = chunk.group(domain_id, seq_no, &present, Some(&note), max_event_size);
        let pos = LogPos::Fixed(log_pos);
        let mut events = Vec::new();
        if !chunk.streamed {
            events.extend(encode::row_group_head(&framing, pos, 0, &group, true)?);
        }
        events.extend(encode::row_group_rows(&framing, pos, 0, &group, false)?);
        chunk.streamed = true;
        chunk.rows_sent += chunk.rows.len() as u64;
        chunk.rows.clear();
        chunk.bytes = keep.as_bytes().len();
        chunk.rows.push(keep);
        Ok(events.concat())
    }

    /// Encodes the collected chunk, moves the table's cursor to `last_key`
    /// and marks the chunk sent; `exhausted` when the read reached the end
    /// of the table.  The last chunk of a table carries the note that the
    /// table is complete (and is sent even without rows, for that note);
    /// another chunk without rows sends nothing.
    pub fn finish_chunk(
        &mut self,
        log_pos: u32,
        last_key: &[u8],
        exhausted: bool,
    ) -> Result<Vec<u8>, DumpError> {
        let chunk = self
            .chunk
            .take()
            .ok_or(DumpError::Protocol("finish_chunk() without begin_chunk()"))?;
        let rows = u32::try_from(chunk.rows_sent + chunk.rows.len() as u64)
            .map_err(|_| DumpError::Protocol("more rows than a chunk can hold"))?;
        // The replica's name: its SQL thread rewrites the table map's.
        // The end of the table if it is, and where the copy stands after.
        let resume = self.point_note(
            &self
                .scheduler
                .resume_point((!exhausted && !last_key.is_empty()).then_some(last_key)),
        );
        let note = match exhausted {
            true => [
                table_done_note(self.filter.rewrite(&chunk.table.db), &chunk.table.table),
                resume,
            ]
            .join("\n"),
            false => resume,
        };
        let note = Some(note);
        let events = if chunk.streamed {
            // The head and the note went out with the first piece.
            if !exhausted {
                return Err(DumpError::Protocol(
                    "a chunk sent in pieces must end its table",
                ));
            }
            let present = vec![true; chunk.table.columns.len()];
            let group = chunk.group(
                self.copy_domain,
                self.next_seq_no,
                &present,
                None,
                self.max_event_size,
            );
            let events =
                encode::row_group_rows(&self.framing, LogPos::Fixed(log_pos), 0, &group, true)?;
            self.take_seq_no();
            events.concat()
        } else if rows == 0 && !exhausted {
            Vec::new()
        } else {
            let present = vec![true; chunk.table.columns.len()];
            let group = chunk.group(
                self.copy_domain,
                self.next_seq_no,
                &present,
                note.as_deref(),
                self.max_event_size,
            );
            let events = encode::row_group(&self.framing, LogPos::Fixed(log_pos), 0, &group)?;
            self.take_seq_no();
            events.concat()
        };
        if !exhausted && (rows == 0 || last_key.is_empty()) {
            return Err(DumpError::Protocol(
                "an unfinished table needs a cursor key",
            ));
        }
        let key = (!exhausted).then(|| last_key.to_vec());
        self.scheduler.rows_sent(rows, key, exhausted);
        if !chunk.streamed {
            self.scheduler
                .chunk_read(u64::from(rows), chunk.started.elapsed());
        }
        Ok(events)
    }

    /// Encodes the current `BuildIndexes` unit: every row of the table is
    /// in, so the indexes left out of its CREATE are built, each in one
    /// sorted pass (if none were, a note with the resume point only: the
    /// replica sees where the table's copy ends, see
    /// [`crate::ddl_during_copy`]).  Marks it sent.
    pub fn build_indexes(&mut self, log_pos: u32) -> Result<Vec<u8>, DumpError> {
        let Unit::BuildIndexes { db, table } = self.next_unit() else {
            return Err(DumpError::Protocol("build_indexes() out of order"));
        };
        let key = (db.to_owned(), table.to_owned());
        let events = match self.deferred_indexes.remove(&key) {
            Some((alter, ctx)) => self.ddl_group(log_pos, &key.0, alter, &ctx, true)?,
            None => {
                let note = self.ending_note(vec![]);
                self.note_events(log_pos, &note)?
            }
        };
        self.scheduler.ddl_sent();
        Ok(events)
    }

    /// The master's GTID position the dump's binlog stream starts at: the
    /// master's own for a new copy, the replica's for a resumed one.
    pub fn start_position(&self) -> String {
        self.start_position.to_string()
    }

    /// Whether this dump goes on with a copy an earlier dump began.
    pub fn resumed(&self) -> bool {
        self.resume.is_some()
    }

    /// Encodes the end marker: a Gtid_list event flagged
    /// [`GTID_LIST_FLAG_PROVISION_DONE`] carrying `master_pos`, the master's
    /// GTID position at `log_pos`, then the copy's last group (its domain
    /// and sequence number; 0 when it sent none), for the replica to check
    /// that none was lost on the way (`protocol::copy_end`).
    pub fn end(&mut self, log_pos: u32, master_pos: &str) -> Result<Vec<u8>, DumpError> {
        if self.next_unit() != Unit::End {
            return Err(DumpError::Protocol("end marker before the copy is done"));
        }
        let mut gtids = GtidPos::parse(master_pos)?.gtids().to_vec();
        gtids.push(Gtid {
            domain_id: self.copy_domain,
            server_id: self.framing.server_id,
            seq_no: self.next_seq_no - 1,
        });
        let list = GtidListEvent {
            gtids: &gtids,
            flags: GTID_LIST_FLAG_PROVISION_DONE,
        };
        let event = encode::gtid_list_event(&self.framing, log_pos, 0, &list)?;
        self.scheduler.end_sent();
        // The copy's plans stay remembered: the replica may lose the
        // connection before it applied the end (its relay log holds up to
        // `provision_relay_log_space_limit` of the copy), and its copy
        // then goes on from a point of one of them.  A later copy's plans
        // and the cache's bounds replace them.
        Ok(event)
    }
}

/// The replica's relay log bound while it is provisioned: a master's dump
/// reads much faster than the replica applies, and an unbounded relay log
/// (`relay_log_space_limit=0`, the default) would buffer most of the copy
/// on the replica's disk.  A connection's own limit is kept; without one,
/// `provision_default` (`@@provision_relay_log_space_limit`; 0: none).
pub fn relay_log_space_limit(configured: u64, provision_default: u64) -> u64 {
    if configured != 0 {
        configured
    } else {
        provision_default
    }
}

/// The smallest relay log file a copy asks for (`max_relay_log_size`'s
/// own minimum).
const MIN_RELAY_LOG_FILE: u64 = 4096;

/// The largest relay log file while a copy runs under relay log bound
/// `space_limit` (0: none), given the connection's own largest file
/// `configured` (`max_relay_log_size`, else `max_binlog_size`).
///
/// The SQL thread frees relay log space a whole file at a time, once it
/// has applied the file.  With files larger than the bound (1 GB by
/// default against 256 MB) the IO thread waits until the SQL thread has
/// applied everything it holds, and the master's dump, and its binary log
/// with it, stalls meanwhile.  A quarter of the bound keeps three
/// quarters of it flowing while the SQL thread finishes a file.
pub fn relay_log_file_size(space_limit: u64, configured: u64) -> u64 {
    if space_limit == 0 {
        return configured;
    }
    configured.min((space_limit / 4).max(MIN_RELAY_LOG_FILE))
}

/// Seconds that the server's network layer reads as no time limit:
/// `vio_timeout()` takes any value above `i32::MAX / 1000` (its limit in
/// milliseconds) as infinite.
pub const NO_NET_TIMEOUT: u32 = i32::MAX as u32 / 1000 + 1;

/// How long a provisioning dump waits to write to its replica, in
/// seconds, given the server's `net_write_timeout`: without a limit,
/// unless it holds a read lock that keeps the master's writers out
/// (`locks_out_writers`).
///
/// The relay log bound makes the replica's apply the pace of the copy.
/// While its SQL thread is held up (a deferred index build on a large
/// table, a long statement of the master's, a lock on the replica), its
/// IO thread waits for relay log space and stops reading, and the dump's
/// writes wait with it.  After `net_write_timeout` (60 s by default) the
/// master dropped the connection: the copy resumed from what the replica
/// had applied, or, if the master's tables had changed meanwhile (its
/// plan changed), had to copy everything again.  The wait still ends
/// when it should: a replica that stops or dies closes the connection
/// (its kernel resets it), TCP's retransmission timeout ends it for a
/// host that vanished, and `KILL` of the dump thread, or the master's
/// shutdown, shuts the socket down.
///
/// A table of an engine without transactions is read under a read lock
/// that keeps the master's writers out, and one read whole at one cut is
/// sent while it holds it: there the master's clients come first, and a
/// stalled replica loses the connection after `net_write_timeout` as
/// before (the copy resumes and reads the table again).
pub fn replica_write_timeout(locks_out_writers: bool, net_write_timeout: u32) -> u32 {
    if locks_out_writers {
        net_write_timeout
    } else {
        NO_NET_TIMEOUT
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::copy_domain_for;

    #[test]
    fn relay_log_files_are_a_quarter_of_the_copys_bound() {
        assert_eq!(relay_log_file_size(256 << 20, 1 << 30), 64 << 20);
        assert_eq!(relay_log_file_size(256 << 20, 16 << 20), 16 << 20);
        assert_eq!(relay_log_file_size(65536, 1 << 30), 16384);
        assert_eq!(relay_log_file_size(8192, 1 << 30), MIN_RELAY_LOG_FILE);
        assert_eq!(relay_log_file_size(0, 1 << 30), 1 << 30);
    }

    #[test]
    fn the_copy_backs_off_while_the_master_is_busy() {
        assert_eq!(DumpSession::backoff(50, 0), Duration::ZERO);
        assert_eq!(DumpSession::backoff(8, 8), Duration::ZERO);
        assert_eq!(DumpSession::backoff(9, 8), Duration::from_millis(100));
    }

    #[test]
    fn the_relay_log_is_bounded_during_a_copy_unless_the_dba_bounded_it() {
        assert_eq!(relay_log_space_limit(0, 1 << 30), 1 << 30);
        assert_eq!(relay_log_space_limit(4096, 1 << 30), 4096);
        assert_eq!(relay_log_space_limit(0, 0), 0);
    }

    #[test]
    fn a_provisioning_dump_waits_for_its_replica_without_a_time_limit() {
        let secs = replica_write_timeout(false, 60);
        // vio's milliseconds overflow: read as infinite, not as a limit
        assert!(u64::from(secs) * 1000 > i32::MAX as u64);
        assert!(i32::try_from(secs).is_ok(), "passed to vio as an int");
        // ... but not while writers wait for the dump's read lock
        assert_eq!(replica_write_timeout(true, 60), 60);
    }

    const CTX: QueryContext = QueryContext {
        thread_id: 7,
        sql_mode: 0,
        flags2: 0,
        charset: CharsetIds {
            client: 33,
            connection: 33,
            server: 8,
        },
        time_zone: None,
    };

    fn int_column() -> Column {
        Column {
            type_code: 3,
            metadata: vec![],
            nullable: false,
        }
    }

    /// (type, event_len) of each event in a concatenation.
    fn events(bytes: &[u8]) -> Vec<(u8, usize)> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let len = u32::from_le_bytes(rest[9..13].try_into().unwrap()) as usize;
            out.push((rest[4], len));
            rest = &rest[len..];
        }
        out
    }

    /// Sends (as far as the plan knows) every unit before the first chunk.
    fn advance_to_rows(d: &mut DumpSession) {
        while !matches!(d.next_unit(), Unit::Rows { .. }) {
            match d.next_unit() {
                Unit::Manifest => drop(d.manifest(4).unwrap()),
                _ => d.scheduler.ddl_sent(),
            }
        }
    }

    /// Begins a chunk of an INT key and a VARCHAR(65535) value.
    fn begin_int_varchar_chunk(d: &mut DumpSession) {
        d.begin_chunk(vec![
            int_column(),
            Column {
                type_code: 15,
                metadata: vec![0xff, 0xff],
                nullable: false,
            },
        ])
        .unwrap();
    }

    fn session(chunk_rows: u32) -> DumpSession {
        let request = Request::for_connection("").encode();
        let mut s = DumpSession::new(&request, "0-1-10", 1, chunk_rows, 0).unwrap();
        s.add_database("shop", &["items"], true);
        s
    }

    #[test]
    fn events_stay_below_the_replicas_packet_limit() {
        assert_eq!(max_event_size(None), MAX_ROWS_EVENT_SIZE);
        assert_eq!(max_event_size(Some(1 << 20)), (1 << 20) - PACKET_HEADROOM);
        assert_eq!(max_event_size(Some(u32::MAX)), MAX_ROWS_EVENT_SIZE);
        assert_eq!(max_event_size(Some(1024)), 1);

        let request = Request::with_max_packet(&Request::for_connection("").encode(), 65536);
        let mut d = DumpSession::new(&request, "0-1-10", 1, 1000, 0).unwrap();
        d.add_database("shop", &["items"], true);
        d.plan(Vec::new()).unwrap();
        advance_to_rows(&mut d);
        begin_int_varchar_chunk(&mut d);
        let mut value = vec![0xe8, 0x03];
        value.extend_from_slice(&[b'x'; 1000]);
        for i in 0..500u32 {
            d.add_value(Some(&i.to_le_bytes())).unwrap();
            d.add_value(Some(&value)).unwrap();
            d.end_row().unwrap();
        }
        let sent = d.finish_chunk(9, &499u32.to_be_bytes(), false).unwrap();
        let all = events(&sent);
        let rows_events = all.iter().filter(|&&(t, _)| t == 23).count();
        assert!(rows_events >= 8, "{rows_events} Write_rows events");
        for (kind, len) in all {
            assert!(
                len <= 65536 - PACKET_HEADROOM,
                "event {kind} of {len} bytes"
            );
        }
    }

    #[test]
    fn a_whole_table_read_goes_out_in_pieces_with_bounded_memory() {
        let mut d = session(10);
        d.plan(Vec::new()).unwrap();
        advance_to_rows(&mut d);
        assert_eq!(
            d.next_unit(),
            Unit::Rows {
                db: "shop",
                table: "items",
                after: None,
                max_rows: 10,
            }
        );
        begin_int_varchar_chunk(&mut d);
        let big = vec![b'x'; 60_000];
        let mut value = vec![0x60, 0xea];
        value.extend_from_slice(&big);
        let mut sent = Vec::new();
        let mut drains = 0;
        for i in 0..1000u32 {
            d.add_value(Some(&i.to_le_bytes())).unwrap();
            d.add_value(Some(&value)).unwrap();
            d.end_row().unwrap();
            assert!(d.chunk.as_ref().unwrap().bytes <= CHUNK_BUFFER_BYTES + 70_000);
            if d.chunk_pressure(true) == ChunkPressure::Stream {
                sent.extend(d.drain_chunk(9).unwrap());
                drains += 1;
            }
        }
        assert!(drains >= 2, "{drains}");
        // A keyed chunk under the same pressure ends instead.
        assert_eq!(d.chunk_pressure(false), ChunkPressure::Room);
        sent.extend(d.finish_chunk(9, b"", true).unwrap());
        let kinds: Vec<u8> = events(&sent).into_iter().map(|(t, _)| t).collect();
        // One transaction: one GTID, one note, one table map, one XID.
        let count = |t: u8| kinds.iter().filter(|&&k| k == t).count();
        assert_eq!(count(162), 1);
        assert_eq!(count(160), 1);
        assert_eq!(count(19), 1);
        assert_eq!(count(16), 1);
        assert_eq!(kinds.first(), Some(&162));
        assert_eq!(kinds.last(), Some(&16));
        assert_eq!(d.scheduler.progress().rows_copied, 1000);
    }

    /// Reads `rows` rows of the current chunk as if it had begun `ago`.
    fn read_rows_for(d: &mut DumpSession, rows: u32, ago: Duration) {
        begin_int_varchar_chunk(d);
        for i in 0..rows {
            d.add_value(Some(&i.to_le_bytes())).unwrap();
            d.add_value(Some(&[1, 0, b'x'])).unwrap();
            d.end_row().unwrap();
        }
        let chunk = d.chunk.as_mut().unwrap();
        chunk.started = Instant::now() - ago;
    }

    fn next_max_rows(d: &DumpSession) -> u32 {
        match d.next_unit() {
            Unit::Rows { max_rows, .. } => max_rows,
            unit => panic!("{unit:?}"),
        }
    }

    #[test]
    fn an_adaptive_chunk_ends_at_its_time_limit_and_sizes_the_next() {
        use crate::chunk_size::{FIRST_ROWS, OVERRUN};
        let mut d = session(0);
        d.plan(Vec::new()).unwrap();
        advance_to_rows(&mut d);
        assert_eq!(next_max_rows(&d), FIRST_ROWS);
        // Within its time the chunk reads on, past it the chunk ends.
        read_rows_for(&mut d, 128, OVERRUN / 2);
        assert_eq!(d.chunk_pressure(false), ChunkPressure::Room);
        d.chunk.as_mut().unwrap().started = Instant::now() - OVERRUN;
        assert_eq!(d.chunk_pressure(false), ChunkPressure::Stop);
        // A table read whole at one cut is never split by time.
        assert_eq!(d.chunk_pressure(true), ChunkPressure::Room);
        // 128 rows in 200 ms: the next chunk is smaller, one step down.
        d.finish_chunk(9, &127u32.to_be_bytes(), false).unwrap();
        assert_eq!(next_max_rows(&d), FIRST_ROWS / 4);
        // Fast reads make it larger again.
        read_rows_for(&mut d, 2_000, Duration::from_millis(5));
        d.finish_chunk(9, &2_127u32.to_be_bytes(), false).unwrap();
        assert_eq!(next_max_rows(&d), FIRST_ROWS);
    }

    #[test]
    fn a_fixed_chunk_size_ignores_the_clock() {
        let mut d = session(20);
        d.plan(Vec::new()).unwrap();
        advance_to_rows(&mut d);
        read_rows_for(&mut d, 128, Duration::from_secs(60));
        assert_eq!(d.chunk_pressure(false), ChunkPressure::Room);
        d.finish_chunk(9, &127u32.to_be_bytes(), false).unwrap();
        assert_eq!(next_max_rows(&d), 20);
    }

    #[test]
    fn a_view_the_master_cannot_open_keeps_a_copy_that_has_begun() {
        let mut d = session(20);
        d.plan(Vec::new()).unwrap();
        let first = d.view_invalid("d", "v");
        let text = first.to_string();
        assert!(text.contains("view `d`.`v` reads a table"), "{text}");
        assert!(text.contains("CREATE OR REPLACE VIEW"), "{text}");
        // Within the 320 bytes the replica's I/O thread shows of it, with
        // the copy kept, for names of up to 60 bytes together.
        assert!(
            text.len() + COPY_KEPT.len() + 2 + 60 <= 320,
            "{}",
            text.len()
        );
        // Refused while planning a first copy: nothing to keep.
        assert!(!first.keeps_copy(false) && first.keeps_copy(true));
        advance_to_rows(&mut d);
        read_rows_for(&mut d, 128, Duration::from_secs(60));
        d.finish_chunk(9, &127u32.to_be_bytes(), false).unwrap();
        // Met again when the copy comes to its objects: the rows stay.
        assert!(d.view_invalid("d", "v").keeps_copy(false));
    }

    #[test]
    fn a_view_reads_gone_what_it_cannot_find_not_what_it_may_not_read() {
        use crate::server_consts as errors;
        assert!(view_reads_gone(errors::ER_BAD_FIELD_ERROR));
        assert!(view_reads_gone(errors::ER_NO_SUCH_TABLE));
        assert!(view_reads_gone(errors::ER_SP_DOES_NOT_EXIST));
        // ER_TABLEACCESS_DENIED_ERROR, ER_NO_SUCH_USER: rights.
        assert!(!view_reads_gone(1142) && !view_reads_gone(1449));
    }

    #[test]
    fn errors_a_dba_fixes_on_the_master_keep_the_copy() {
        let lock = DumpError::LockWait {
            table: "`d`.`t`".to_owned(),
            seconds: 5,
        };
        assert!(lock.keeps_copy(false) && lock.keeps_copy(true));
        let slots = DumpSession::check_dump_slots(1, 1).unwrap_err();
        assert!(slots.keeps_copy(true) && !slots.keeps_copy(false));
        let ahead = DumpError::Request(RequestError::ResumeAhead("0-1-5".to_owned()));
        assert!(ahead.keeps_copy(true));
        // LOAD TABLE's own start position: nothing to keep.
        assert!(!ahead.keeps_copy(false));
        let reset = DumpError::Request(RequestError::BinlogReset {
            position: "0-1-5".to_owned(),
            connection: "m1".to_owned(),
        });
        assert!(!reset.keeps_copy(true));
        let gone = DumpError::TablespaceDiscardedBefore("`d`.`t`".to_owned());
        assert!(!gone.keeps_copy(true));
        assert!(keeps_copy_said(&format!("x. {COPY_KEPT}")));
        assert!(!keeps_copy_said(&lock.to_string()));
    }

    #[test]
    fn dumps_beyond_the_maximum_are_refused() {
        assert_eq!(DumpSession::check_dump_slots(0, 4), Ok(()));
        assert_eq!(DumpSession::check_dump_slots(3, 4), Ok(()));
        let err = DumpSession::check_dump_slots(4, 4).unwrap_err().to_string();
        assert!(err.contains("@@provision_max_dumps=4"), "{err}");
        assert!(DumpSession::check_dump_slots(0, 0).is_err());
    }

    #[test]
    fn load_table_copies_the_tables_it_names_from_the_replicas_position() {
        let mut request = Request::for_connection("");
        request.tables = vec![("db".to_owned(), "b".to_owned())];
        let mut d = DumpSession::new(request.encode(), "0-1-10,5-2-3", 1, 10, 0).unwrap();
        assert!(d.is_reload());
        // Other masters' domains are not this one's; its own must be reached.
        d.start_at_replica("0-1-7,9-9-9").unwrap();
        assert_eq!(d.start_position(), "0-1-7");
        assert!(d.start_at_replica("0-1-11").is_err());
        d.add_database("db", &["a", "b", "c"], true);
        d.add_database("other", &["x"], true);
        assert!(d.copies_table("db", "b") && !d.copies_table("db", "a"));
        assert!(!d.copies_database("db"), "no routines or events");
        d.plan(Vec::new()).unwrap();
        let mut units = Vec::new();
        loop {
            match d.next_unit() {
                Unit::Rows { .. } => break,
                Unit::CreateDatabase { .. } => units.push("database".to_owned()),
                Unit::CreateTable { table, .. } => units.push(table.to_owned()),
                _ => {}
            }
            d.scheduler.ddl_sent();
        }
        assert_eq!(units, ["b"], "no database created, one table");
        // The master's DDL of a table it does not copy applies as usual;
        // a table created during the copy is not added to it.
        assert_eq!(
            d.master_statement(b"ALTER TABLE a ADD COLUMN z INT", "db", 0),
            Ok(false)
        );
        assert_eq!(
            d.master_statement(b"CREATE TABLE db.n (i INT)", "db", 0),
            Ok(false)
        );
        assert!(!d
            .copied_tables()
            .contains(&("db".to_owned(), "n".to_owned())));

        // A table the master lacks refuses the copy, naming it.
        request.tables.push(("db".to_owned(), "gone".to_owned()));
        let mut d = DumpSession::new(request.encode(), "0-1-10", 1, 10, 0).unwrap();
        d.add_database("db", &["a", "b"], true);
        let err = d.plan(Vec::new()).unwrap_err().to_string();
        assert!(err.contains("the master has no table `db`.`gone`"), "{err}");
    }

    #[test]
    fn load_table_of_a_parent_needs_the_tables_that_reference_it() {
        let plan = |tables: &[&str], ignore_db: &str| {
            let mut request = Request::for_connection("");
            request.tables = tables
                .iter()
                .map(|t| {
                    let (db, t) = t.split_once('.').unwrap();
                    (db.to_owned(), t.to_owned())
                })
                .collect();
            if !ignore_db.is_empty() {
                request.filter.add_list("ignore_db", ignore_db).unwrap();
            }
            let mut d = DumpSession::new(request.encode(), "0-1-10", 1, 10, 0).unwrap();
            d.add_database("db", &["c", "p", "r", "s"], true);
            d.add_database("other", &["o"], true);
            // c, r and s reference p, o from another database, p itself;
            // each named table reports the keys that reference it.
            for (child_db, child) in [("db", "c"), ("db", "r"), ("db", "s"), ("other", "o")] {
                d.add_referencing_key(child_db, child, "db", "p");
            }
            d.add_referencing_key("db", "p", "db", "p");
            d.plan(Vec::new()).map_err(|e| e.to_string())
        };
        let err = plan(&["db.p"], "").unwrap_err();
        assert!(
            err.contains("`db`.`c` references `db`.`p` by a foreign key")
                && err.contains(
                    "LOAD TABLE `db`.`c`, `db`.`p`, `db`.`r`, `db`.`s`, `other`.`o` FROM MASTER"
                ),
            "{err}"
        );
        let err = plan(&["db.p", "db.c", "db.r", "db.s"], "").unwrap_err();
        assert!(err.contains("`other`.`o` references `db`.`p`"), "{err}");
        // Every child named, or the filter leaves it out: planned.  A
        // child alone needs nothing: its parents stay whole.
        plan(&["db.p", "db.c", "db.r", "db.s", "other.o"], "").unwrap();
        plan(&["db.p", "db.c", "db.r", "db.s"], "other").unwrap();
        plan(&["db.c"], "").unwrap();
        // A whole copy takes every table after those it references.
        let mut d =
            DumpSession::new(Request::for_connection("").encode(), "0-1-10", 1, 10, 0).unwrap();
        d.add_database("db", &["c", "p"], true);
        d.add_referencing_key("db", "c", "db", "p");
        d.plan(Vec::new()).unwrap();
    }

    #[test]
    fn a_copy_is_refused_when_the_filter_leaves_out_a_parent_of_a_table_it_takes() {
        let plan = |ignore_table: &str, parent_db: &str, parent: &str| {
            let mut request = Request::for_connection("");
            request
                .filter
                .add_list("ignore_table", ignore_table)
                .unwrap();
            let mut d = DumpSession::new(request.encode(), "0-1-10", 1, 10, 0).unwrap();
            d.add_database("db", &["c", "p"], true);
            d.add_foreign_key("db", "c", parent_db, parent, ForeignKeyMoves::NONE);
            d.plan(Vec::new()).map_err(|e| e.to_string())
        };
        let err = plan("db.p", "db", "p").unwrap_err();
        assert!(
            err.contains("`db`.`c` references `db`.`p` by a foreign key")
                && err.contains("leaves `db`.`p` out"),
            "{err}"
        );
        // The child left out too, or a parent the master lacks: planned.
        plan("db.c", "db", "p").unwrap();
        plan("db.x", "db", "gone").unwrap();
    }

    #[test]
    fn a_statement_logged_write_to_a_cascade_parent_stops_the_copy() {
        use crate::scheduler::FkRule;
        let request = Request::for_connection("");
        let mut d = DumpSession::new(request.encode(), "0-1-10", 1, 10, 0).unwrap();
        d.add_database("db", &["c", "k", "p", "r"], true);
        let rules = |on_delete| ForeignKeyMoves {
            on_update: FkRule::Keep,
            on_delete,
            in_copy_key: false,
        };
        d.add_foreign_key("db", "c", "db", "p", rules(FkRule::Cascade));
        d.add_foreign_key("db", "k", "db", "r", rules(FkRule::Keep));
        d.plan(Vec::new()).unwrap();
        let err = d
            .master_statement(b"DELETE FROM p WHERE id < 10", "db", 0)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("writes `db`.`p`, whose changes cascade to other tables"),
            "{err}"
        );
        // A parent whose keys only restrict, a child: their rows only.
        assert!(d
            .master_statement(b"DELETE FROM r WHERE id < 10", "db", 0)
            .is_ok());
        assert!(d.master_statement(b"UPDATE c SET v = 1", "db", 0).is_ok());
        // A key added during the copy, its actions not known.
        d.master_statement(
            b"ALTER TABLE k ADD FOREIGN KEY (x) REFERENCES c (id)",
            "db",
            0,
        )
        .unwrap();
        assert!(d.master_statement(b"DELETE FROM c", "db", 0).is_err());
    }

    #[test]
    fn a_table_is_created_after_the_sequence_its_default_calls() {
        let request = Request::for_connection("").encode();
        let mut d = DumpSession::new(&request, "0-1-10", 1, 10, 0).unwrap();
        d.add_database("db", &["n", "z_seq"], true);
        d.add_default_sequence("db", "n", "db", "z_seq");
        d.plan(Vec::new()).unwrap();
        let mut creates = Vec::new();
        loop {
            match d.next_unit() {
                Unit::CreateTable { table, .. } => creates.push(table.to_owned()),
                Unit::Rows { .. } => break,
                _ => {}
            }
            d.scheduler.ddl_sent();
        }
        assert_eq!(creates, ["z_seq"]);
    }

    #[test]
    fn load_table_of_a_table_whose_default_calls_a_sequence_it_does_not_name() {
        let reload = |ignore_table: &str| {
            let mut request = Request::for_connection("");
            request.tables = vec![("db".to_owned(), "n".to_owned())];
            if !ignore_table.is_empty() {
                request
                    .filter
                    .add_list("ignore_table", ignore_table)
                    .unwrap();
            }
            let mut d = DumpSession::new(request.encode(), "0-1-10", 1, 10, 0).unwrap();
            d.add_database("db", &["n", "z_seq"], true);
            d.add_default_sequence("db", "n", "db", "z_seq");
            d.plan(Vec::new()).map_err(|e| e.to_string())
        };
        // The replica replicates the sequence: it has it.
        reload("").unwrap();
        // Left out by the filter: the replica has none.
        let err = reload("db.z_seq").unwrap_err();
        assert!(err.contains("NEXTVAL(`db`.`z_seq`)"), "{err}");
    }

    #[test]
    fn an_idle_dump_keeps_the_replica_alive_once_it_sent_nothing_for_a_while() {
        let mut d = session(10);
        let t0 = Instant::now();
        d.note_sent(t0);
        assert!(d
            .idle_keepalive(7, t0 + Duration::from_secs(1))
            .unwrap()
            .is_empty());
        let group = d.idle_keepalive(7, t0 + KEEPALIVE_INTERVAL).unwrap();
        let note: &[u8] = b"LOAD DATA FROM MASTER: the copy waits";
        assert!(group.windows(note.len()).any(|w| w == note));
        // The group is sent (the shim says so): the next one waits again.
        d.note_sent(t0 + KEEPALIVE_INTERVAL);
        let soon = t0 + KEEPALIVE_INTERVAL + Duration::from_secs(1);
        assert!(d.idle_keepalive(7, soon).unwrap().is_empty());
    }

    #[test]
    fn a_lock_wait_keeps_the_replica_alive_and_ends_at_the_timeout() {
        use LockStep::{Keepalive, SendBinlog, Wait};
        let mut d = session(10);
        let t0 = Instant::now();
        let limit = Duration::from_secs(10);
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert_eq!(d.lock_wait("db", "t", limit, false, at(0)), Ok(Keepalive));
        assert_eq!(d.lock_wait("db", "t", limit, false, at(1)), Ok(Wait));
        assert_eq!(d.lock_wait("db", "t", limit, false, at(2)), Ok(Keepalive));
        assert_eq!(d.lock_wait("db", "t", limit, false, at(3)), Ok(Wait));
        assert!(!d.keepalive(4, "db", "t").unwrap().is_empty());
        // The master writes meanwhile: its binlog goes first, and counts
        // as the replica hearing from the master.
        assert_eq!(d.lock_wait("db", "t", limit, true, at(4)), Ok(SendBinlog));
        assert_eq!(d.lock_wait("db", "t", limit, false, at(5)), Ok(Wait));
        assert_eq!(d.lock_wait("db", "t", limit, false, at(6)), Ok(Keepalive));
        // The wait goes on across the returns to the binlog.
        let err = d.lock_wait("db", "t", limit, true, at(10)).unwrap_err();
        assert!(err.to_string().contains("for a lock on `db`.`t`"), "{err}");
        // A granted lock starts the next wait afresh.
        assert_eq!(d.lock_wait("db", "u", limit, false, at(20)), Ok(Keepalive));
        d.lock_acquired();
        assert_eq!(d.lock_wait("db", "u", limit, false, at(29)), Ok(Keepalive));
        assert_eq!(d.lock_wait("db", "u", limit, false, at(38)), Ok(Keepalive));
    }

    #[test]
    fn a_table_whose_definition_changes_stops_the_copy() {
        let mut d = session(10);
        assert_eq!(d.check_definition("db", "t", b"v1"), Ok(()));
        assert_eq!(d.check_definition("db", "t", b"v1"), Ok(()));
        assert_eq!(d.check_definition("db", "u", b"v2"), Ok(()));
        let err = d.check_definition("db", "t", b"v3").unwrap_err();
        assert!(
            err.to_string()
                .contains("`db`.`t` was changed on the master"),
            "{err}"
        );
    }

    #[test]
    fn refuses_requests_it_cannot_serve() {
        assert!(matches!(
            DumpSession::new("v=9;domain=1", "", 1, 10, 0),
            Err(DumpError::Request(RequestError::Version(9)))
        ));
        let domain = copy_domain_for("x");
        let request = format!("v=1;domain={domain}");
        let in_use = format!("0-1-5,{domain}-1-1");
        assert!(matches!(
            DumpSession::new(&request, &in_use, 1, 10, 0),
            Err(DumpError::Request(RequestError::DomainInUse(_)))
        ));
    }

    #[test]
    fn a_whole_dump_in_order() {
        let _serial = plan_cache::test_serial();
        let mut s = session(2);
        let db = s
            .create_database(100, "utf8mb4", "utf8mb4_general_ci", b"", &CTX)
            .unwrap();
        let types: Vec<u8> = events(&db).iter().map(|(t, _)| *t).collect();
        // The ALTER ends the unit: it carries the resume point.
        assert_eq!(types, [162, 2, 162, 160, 2], "CREATE and ALTER DATABASE");
        let show = "CREATE TABLE `shop`.`items` (`id` int(11) NOT NULL, PRIMARY KEY (`id`))";
        let t = s.create_definition(100, show.as_bytes(), &CTX).unwrap();
        assert_eq!(events(&t).len(), 3);

        for chunk in [vec![1u8, 2], vec![3]] {
            s.begin_chunk(vec![int_column()]).unwrap();
            for k in &chunk {
                s.add_value(Some(&[*k, 0, 0, 0])).unwrap();
                s.end_row().unwrap();
            }
            let exhausted = chunk.len() < 2;
            let e = s
                .finish_chunk(100, &[*chunk.last().unwrap()], exhausted)
                .unwrap();
            let types: Vec<u8> = events(&e).iter().map(|(t, _)| *t).collect();
            // Every chunk notes where the copy stands after it, the last
            // one also that the table is complete.
            assert_eq!(types, [162, 160, 19, 23, 16]);
        }
        // No index deferred: a note with the resume point only.
        let note = s.build_indexes(100).unwrap();
        let types: Vec<u8> = events(&note).iter().map(|(t, _)| *t).collect();
        assert_eq!(types, [162, 160, 16]);
        assert_eq!(s.next_unit(), Unit::End);
        let plan = s.scheduler.fingerprint();
        plan_cache::remember(&s.copy_key, plan, &s.scheduler);
        let end = s.end(100, "0-1-10").unwrap();
        // Its replica may not apply the end before the connection drops:
        // the copy's plans are still there for it to go on with.
        assert!(plan_cache::recall(&s.copy_key, plan).is_some());
        plan_cache::forget(&s.copy_key);
        assert_eq!(end[4], 163);
        let count = u32::from_le_bytes(end[19..23].try_into().unwrap());
        // The master's position, then the copy's last group
        assert_eq!(count, 2 | GTID_LIST_FLAG_PROVISION_DONE);
        let last = |at: usize| u64::from_le_bytes(end[at..at + 8].try_into().unwrap());
        assert_eq!(
            u32::from_le_bytes(end[39..43].try_into().unwrap()),
            s.copy_domain
        );
        assert_eq!(last(47), 6);
        assert_eq!(s.next_unit(), Unit::Finished);
        assert_eq!(s.progress().rows_copied, 3);
        // Six groups, sequence numbers 1..=6 in the copy domain.
        assert_eq!(s.next_seq_no, 7);
    }

    #[test]
    fn the_throttle_spaces_chunks_by_the_rows_sent_and_caps_their_size() {
        let mut s = session(1000);
        s.plan(Vec::new()).unwrap();
        assert_eq!(s.throttle(0, 0), Duration::ZERO);
        assert_eq!(s.chunk_rows_limit(1000), 1000);
        // The limit takes effect: nothing sent since, no wait.
        assert_eq!(s.throttle(10, 0), Duration::ZERO);
        assert_eq!(s.chunk_rows_limit(1000), 10);
        assert_eq!(s.chunk_rows_limit(u32::MAX), u32::MAX);
        while !matches!(s.next_unit(), Unit::Rows { .. }) {
            match s.next_unit() {
                Unit::CreateDatabase { .. } => {
                    s.create_database(4, "a", "b", b"", &CTX).unwrap();
                }
                Unit::CreateTable { .. } => {
                    s.create_definition(4, b"CREATE TABLE `items` (`a` int)", &CTX)
                        .unwrap();
                }
                Unit::Manifest => {
                    s.manifest(4).unwrap();
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        s.begin_chunk(vec![int_column()]).unwrap();
        for k in 0..5u8 {
            s.add_value(Some(&[k, 0, 0, 0])).unwrap();
            s.end_row().unwrap();
        }
        s.finish_chunk(4, &[4], false).unwrap();
        // Five rows at ten a second: half a second from the start, in
        // steps of at most 100 ms.
        let wait = s.throttle(10, 0);
        assert!(
            wait > Duration::from_millis(50) && wait <= Duration::from_millis(100),
            "{wait:?}"
        );
        assert_eq!(
            s.state_text("shop", "items", true),
            "Provisioning: 5 rows sent, throttled at `shop`.`items`"
        );
        // A new limit starts counting afresh.
        assert_eq!(s.throttle(1_000_000, 0), Duration::ZERO);
        assert_eq!(s.throttle(0, 0), Duration::ZERO);
        assert_eq!(s.chunk_rows_limit(1000), 1000);
        // Bytes: 5 rows of 4 bytes sent; at 10 bytes a second a wait
        // follows, and a chunk holds at most 10 bytes.
        assert_eq!(s.throttle(0, 10), Duration::ZERO);
        assert_eq!(s.chunk_bytes_limit(), 10);
        s.bytes_copied += 20;
        let wait = s.throttle(0, 10);
        assert!(wait > Duration::from_millis(50), "{wait:?}");
        assert_eq!(s.throttle(0, 0), Duration::ZERO);
        assert_eq!(s.chunk_bytes_limit(), CHUNK_BUFFER_BYTES);
    }

    #[test]
    fn plain_secondary_indexes_are_built_after_the_last_chunk() {
        use crate::ddl::contains;
        let mut s = session(2);
        s.create_database(100, "utf8mb4", "utf8mb4_general_ci", b"", &CTX)
            .unwrap();
        let show = b"CREATE TABLE `items` (\n  `id` int(11) NOT NULL,\n  \
                     PRIMARY KEY (`id`),\n  KEY `k` (`id`)\n) ENGINE=InnoDB";
        let t = s.create_definition(100, show, &CTX).unwrap();
        let create = &t[events(&t)[0].1..];
        assert!(contains(create, b"PRIMARY KEY (`id`)\n) ENGINE=InnoDB"));
        assert!(!contains(create, b"KEY `k`"));
        for (keys, exhausted) in [(vec![1u8, 2], false), (vec![3], true)] {
            s.begin_chunk(vec![int_column()]).unwrap();
            for k in &keys {
                s.add_value(Some(&[*k, 0, 0, 0])).unwrap();
                s.end_row().unwrap();
            }
            let e = s
                .finish_chunk(100, &keys[keys.len() - 1..], exhausted)
                .unwrap();
            assert!(!contains(&e, b"ALTER TABLE"));
        }
        // After the group that completes the table, in its own group.
        assert_eq!(
            s.next_unit(),
            Unit::BuildIndexes {
                db: "shop",
                table: "items"
            }
        );
        let e = s.build_indexes(100).unwrap();
        assert!(contains(&e, b"ALTER TABLE `items` ADD KEY `k` (`id`)"));
        let types: Vec<u8> = events(&e).iter().map(|(t, _)| *t).collect();
        assert_eq!(types, [162, 160, 2]);
        assert_eq!(s.next_unit(), Unit::End);
    }

    #[test]
    fn with_grants_the_account_rows_and_a_privilege_reload_come_last() {
        let mut request = Request::for_connection("");
        request.with_grants = true;
        let mut s = DumpSession::new(request.encode(), "0-1-10", 1, 2, 0).unwrap();
        s.plan(Vec::new()).unwrap();
        assert!(s.reload_accounts(4, &CTX).is_err(), "rows come first");
        s.manifest(4).unwrap();
        s.objects_marker(4).unwrap();
        for table in crate::scheduler::ACCOUNT_TABLES {
            assert!(
                matches!(s.next_unit(), Unit::Rows { db: "mysql", table: t, .. } if t == table)
            );
            s.begin_chunk(vec![int_column()]).unwrap();
            s.finish_chunk(4, &[], true).unwrap();
        }
        let e = s.reload_accounts(4, &CTX).unwrap();
        assert!(
            e.windows(16).any(|w| w == b"FLUSH PRIVILEGES"),
            "the reload is a query in the copy stream"
        );
        assert_eq!(s.next_unit(), Unit::End);
        // Without the option nothing of the mysql schema is planned.
        let mut plain = session(2);
        plain.plan(Vec::new()).unwrap();
        plain.manifest(4).unwrap();
        assert!(matches!(
            plain.next_unit(),
            Unit::CreateDatabase { db: "shop" }
        ));
    }

    #[test]
    fn databases_the_masters_binlog_leaves_out_are_not_copied() {
        let mut s = DumpSession::new(Request::for_connection("").encode(), "", 1, 10, 0).unwrap();
        s.add_database("shop", &["items"], true);
        s.add_database("scratch", &["t"], false);
        s.add_database("mysql", &["user"], false);
        s.plan(Vec::new()).unwrap();
        assert!(s.copies_table("shop", "items"));
        assert!(!s.copies_table("scratch", "t"));
        assert!(!s.copies_database("scratch"));
        let line = s.audit_line("slave server 2", "done");
        assert!(
            line.contains("leave them out of the binary log): `scratch`, with grants"),
            "{line}"
        );
        assert!(!line.contains("`mysql`"), "{line}");

        // LOAD TABLE of such a table: refused, naming why.
        let mut request = Request::for_connection("");
        request.tables = vec![("scratch".to_owned(), "t".to_owned())];
        let mut s = DumpSession::new(request.encode(), "", 1, 10, 0).unwrap();
        s.add_database("scratch", &["t"], false);
        let err = s.plan(Vec::new()).unwrap_err();
        assert!(
            matches!(&err, DumpError::ReloadTableUnlogged { db, .. } if db == "`scratch`"),
            "{err}"
        );
        assert!(err.to_string().contains("binlog_ignore_db"), "{err}");

        // Left out by the replica's filter anyway: not named.
        let mut request = Request::for_connection("");
        request.filter.add_list("do_db", "shop").unwrap();
        let mut s = DumpSession::new(request.encode(), "", 1, 10, 0).unwrap();
        s.add_database("scratch", &["t"], false);
        s.plan(Vec::new()).unwrap();
        assert!(!s.audit_line("r", "done").contains("scratch"));
    }

    #[test]
    fn the_replicas_filter_decides_what_is_planned_under_its_names() {
        let mut request = Request::for_connection("m1");
        let f = &mut request.filter;
        f.add_list("rewrite_db", "shop->copy").unwrap();
        f.add_list("do_db", "copy").unwrap();
        f.add_list("ignore_table", "copy.secret").unwrap();
        let mut s = DumpSession::new(request.encode(), "", 1, 10, 0).unwrap();
        s.add_database("other", &["t"], true);
        s.add_database("shop", &["items", "secret"], true);
        s.add_object(
            "EVENT",
            "other",
            "e",
            b"CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO SET @a=1",
            CTX,
        )
        .unwrap();
        let view = |name: &str, reads: &[(&str, &str)]| View {
            db: "shop".into(),
            name: name.into(),
            reads: reads
                .iter()
                .map(|(d, n)| ((*d).to_owned(), (*n).to_owned()))
                .collect(),
        };
        s.plan(vec![
            view("v", &[("shop", "items"), ("mysql", "user")]),
            View {
                db: "other".into(),
                name: "w".into(),
                reads: vec![],
            },
            // Over a table the filter leaves out, or over such a view:
            // they could not be created on the replica.
            view("v_secret", &[("shop", "secret")]),
            view("v_over", &[("shop", "v_secret")]),
        ])
        .unwrap();
        assert!(s.copies_table("shop", "items") && s.copies_table("shop", "v"));
        assert!(!s.copies_table("shop", "secret") && !s.copies_table("other", "t"));
        assert!(!s.copies_database("other"));
        let m = s.manifest(4).unwrap();
        let note = manifest_note(&[
            CopyClaim::Table("copy".into(), "items".into()),
            CopyClaim::Table("copy".into(), "v".into()),
        ]);
        assert!(
            m.windows(note.len()).any(|w| w == note.as_bytes()),
            "table claims under the replica's names"
        );
        let db = s
            .create_database(4, "utf8mb4", "utf8mb4_bin", b"", &CTX)
            .unwrap();
        assert!(db.windows(6).any(|w| w == b"`copy`"), "the replica's name");
        assert_eq!(
            s.next_unit(),
            Unit::CreateTable {
                db: "shop",
                table: "items"
            }
        );
        s.create_definition(4, b"CREATE TABLE `items` (`a` int)", &CTX)
            .unwrap();
        s.begin_chunk(vec![int_column()]).unwrap();
        let e = s.finish_chunk(4, &[], true).unwrap();
        assert!(e.windows(14).any(|w| w == b"`copy`.`items`"));
        assert!(!s.build_indexes(4).unwrap().is_empty());
        let marker = s.objects_marker(4).unwrap();
        assert!(marker
            .windows(OBJECTS_NOTE.len())
            .any(|w| w == OBJECTS_NOTE.as_bytes()));
        assert_eq!(
            s.next_unit(),
            Unit::CreateView {
                db: "shop",
                view: "v"
            }
        );
        s.create_definition(4, b"CREATE ALGORITHM=UNDEFINED VIEW `v` AS SELECT 1", &CTX)
            .unwrap();
        assert_eq!(s.next_unit(), Unit::End, "no view over a table left out");
    }

    #[test]
    fn the_master_must_log_full_row_images() {
        assert_eq!(DumpSession::check_master_settings("FULL"), Ok(()));
        assert_eq!(DumpSession::check_master_settings("full"), Ok(()));
        let err = DumpSession::check_master_settings("MINIMAL").unwrap_err();
        assert!(err.to_string().contains("binlog_row_image=FULL"), "{err}");
    }

    #[test]
    fn an_empty_last_chunk_sends_only_the_note_and_finishes_the_table() {
        let mut s = session(2);
        let history = BinlogHistory {
            server_id: 1,
            started: 100,
            resets: 1,
        };
        s.binlog_history(history).unwrap();
        s.create_database(4, "latin1", "latin1_swedish_ci", b"", &CTX)
            .unwrap();
        s.create_definition(4, b"CREATE TABLE `shop`.`items` (`a` int)", &CTX)
            .unwrap();
        s.begin_chunk(vec![int_column()]).unwrap();
        let e = s.finish_chunk(4, &[], true).unwrap();
        let types: Vec<u8> = events(&e).iter().map(|(t, _)| *t).collect();
        assert_eq!(types, [162, 160, 16]);
        let note = &e[events(&e)[0].1 + 19..][..events(&e)[1].1 - 19 - 4];
        let mut lines = note.split(|&b| b == b'\n');
        assert_eq!(
            crate::protocol::parse_table_done_note(lines.next().unwrap()),
            Some("`shop`.`items`")
        );
        assert_eq!(
            crate::protocol::parse_history_note(lines.next().unwrap()),
            Some(history)
        );
        let point = crate::protocol::parse_resume_note(lines.next().unwrap()).unwrap();
        assert_eq!(point.cursor, None);
        assert!(matches!(s.next_unit(), Unit::BuildIndexes { .. }));
        s.build_indexes(4).unwrap();
        assert_eq!(s.next_unit(), Unit::End);
    }

    #[test]
    fn a_discarded_tablespace_is_waited_for_as_long_as_a_lock() {
        let mut s = session(2);
        let t0 = Instant::now();
        let timeout = Duration::from_secs(5);
        // Discarded before the copy: it may stay so, the copy stops once
        // its DISCARD had time to reach the binary log.
        assert!(s.tablespace_discarded("shop", "items", timeout, t0).is_ok());
        let err = s
            .tablespace_discarded("shop", "items", timeout, t0 + DISCARD_GRACE)
            .unwrap_err();
        assert!(err.to_string().contains("before the copy began"), "{err}");
        s.master_statement(b"ALTER TABLE items DISCARD TABLESPACE", "shop", 0)
            .unwrap();
        let state = s
            .tablespace_discarded("shop", "items", timeout, t0)
            .unwrap();
        assert_eq!(
            state,
            "Provisioning: waiting for IMPORT TABLESPACE of `shop`.`items`"
        );
        assert!(s
            .tablespace_discarded("shop", "items", timeout, t0 + Duration::from_secs(4))
            .is_ok());
        let err = s
            .tablespace_discarded("shop", "items", timeout, t0 + Duration::from_secs(5))
            .unwrap_err();
        assert!(
            err.to_string().contains("IMPORT TABLESPACE. Import it"),
            "{err}"
        );
        // The wait starts again with the next one.
        let later = t0 + Duration::from_secs(100);
        assert!(s
            .tablespace_discarded("shop", "items", timeout, later)
            .is_ok());
    }

    /// The resume point a group's events carry in their note.
    fn point_in(events: &[u8]) -> Option<ResumePoint> {
        let prefix = crate::protocol::resume_note(&ResumePoint {
            plan: 0,
            step: 0,
            cursor: None,
        });
        let prefix = &prefix.as_bytes()[..prefix.find("plan=").unwrap()];
        let at = events.windows(prefix.len()).position(|w| w == prefix)?;
        let line = &events[at..];
        let end = line
            .iter()
            .position(|&b| b == b'\n' || !(0x20..0x7f).contains(&b))
            .unwrap_or(line.len());
        // The event's checksum follows the note: its bytes may print.
        (0..=end)
            .rev()
            .find_map(|end| crate::protocol::parse_resume_note(&line[..end]))
    }

    /// A copy of `db`.`a` and `db`.`b`, two rows a chunk, planned.
    fn session_of_a_and_b() -> DumpSession {
        let mut d =
            DumpSession::new(Request::for_connection("").encode(), "0-1-10", 1, 2, 0).unwrap();
        d.add_database("db", &["a", "b"], true);
        d.plan(Vec::new()).unwrap();
        d
    }

    #[test]
    fn optimize_of_the_table_in_progress_takes_its_new_version() {
        let mut d = session_of_a_and_b();
        while !matches!(d.next_unit(), Unit::CreateTable { table: "a", .. }) {
            match d.next_unit() {
                Unit::Manifest => drop(d.manifest(4).unwrap()),
                _ => d.scheduler.ddl_sent(),
            }
        }
        let create = |comment: &str, column: &str| {
            format!(
                "CREATE TABLE `a` (\n  `id` int(11) NOT NULL,\n  {column},\n  \
                 PRIMARY KEY (`id`)\n) ENGINE=InnoDB AUTO_INCREMENT=3{comment}"
            )
        };
        d.check_definition("db", "a", b"v1").unwrap();
        d.create_definition(4, create("", "`v` int(11)").as_bytes(), &CTX)
            .unwrap();
        let read = |d: &mut DumpSession, version: &[u8]| {
            d.check_rows_definition("db", "a", version).unwrap()
        };
        assert_eq!(read(&mut d, b"v1"), RowsDefinition::Same);
        // OPTIMIZE rebuilt it (a new version) before it is sent: wait.
        assert_eq!(read(&mut d, b"v2"), RowsDefinition::Changed);
        assert!(!d.master_statement(b"OPTIMIZE TABLE a", "db", 0).unwrap());
        assert!(matches!(d.next_unit(), Unit::Rows { table: "a", .. }));
        // Sent: the new version, with the same columns and keys (a new
        // counter), is read from the next cut on.
        assert_eq!(read(&mut d, b"v2"), RowsDefinition::Redefined);
        d.take_definition("db", "a", b"v2", create("", "`v` int(11)").as_bytes());
        assert_eq!(read(&mut d, b"v2"), RowsDefinition::Same);
        // The old one is another definition now; and a version without
        // a statement that keeps the rows is a change.
        assert_eq!(read(&mut d, b"v1"), RowsDefinition::Changed);
        assert_eq!(read(&mut d, b"v3"), RowsDefinition::Changed);
        // A comment, then a column changed before the comment is sent:
        // the comment's statement does not let the column's version in.
        assert!(!d
            .master_statement(b"ALTER TABLE a COMMENT 'x'", "db", 0)
            .unwrap());
        assert_eq!(read(&mut d, b"v4"), RowsDefinition::Redefined);
        d.take_definition(
            "db",
            "a",
            b"v4",
            create(" COMMENT='x'", "`v` bigint(20)").as_bytes(),
        );
        assert_eq!(read(&mut d, b"v4"), RowsDefinition::Changed);
        // The ALTER that changed it copies the table again.
        d.master_statement(b"ALTER TABLE a MODIFY v BIGINT", "db", 0)
            .unwrap();
        assert!(matches!(
            d.next_unit(),
            Unit::CreateTable { table: "a", .. }
        ));
    }

    #[test]
    fn a_statement_that_changes_the_plan_is_followed_by_the_point_now() {
        let mut d = session_of_a_and_b();
        advance_to_rows(&mut d);
        d.begin_chunk(vec![int_column()]).unwrap();
        d.add_value(Some(&[1, 0, 0, 0])).unwrap();
        d.end_row().unwrap();
        let key = 1u32.to_be_bytes();
        d.finish_chunk(9, &key, false).unwrap();
        // Nothing changed since the chunk's point: nothing to send.
        assert!(d.moved_point(9).unwrap().is_empty());
        // A copy again of the table in progress keeps the plan's steps
        // (the replica's point goes back to its Rows step by itself).
        d.master_statement(b"ALTER TABLE a ADD COLUMN z INT", "db", 0)
            .unwrap();
        assert!(d.moved_point(9).unwrap().is_empty());
        assert!(matches!(
            d.next_unit(),
            Unit::CreateTable { table: "a", .. }
        ));
        d.scheduler.ddl_sent();
        d.begin_chunk(vec![int_column()]).unwrap();
        d.add_value(Some(&[1, 0, 0, 0])).unwrap();
        d.end_row().unwrap();
        d.finish_chunk(9, &key, false).unwrap();
        // A table created on the master is copied after the others: the
        // point goes out at once, in the new plan, with the cursor.
        let before = d.scheduler.fingerprint();
        d.master_statement(b"CREATE TABLE db.c (i INT PRIMARY KEY)", "db", 0)
            .unwrap();
        let events = d.moved_point(10).unwrap();
        let point = point_in(&events).expect("a point in the note");
        assert_ne!(point.plan, before);
        assert_eq!(point, d.scheduler.resume_point(Some(&key)));
        assert!(d.moved_point(10).unwrap().is_empty());
        // The plan it names is remembered for a resumed dump.
        assert!(plan_cache::recall(&d.copy_key, point.plan).is_some());
        // A table dropped leaves the steps done as they are, but the
        // replica marks its point behind: the point goes out too.
        d.master_statement(b"DROP TABLE db.c", "db", 0).unwrap();
        assert!(point_in(&d.moved_point(11).unwrap()).is_some());
    }

    #[test]
    fn the_point_goes_out_right_after_the_statements_group() {
        let mut d = session_of_a_and_b();
        advance_to_rows(&mut d);
        let sent = |d: &mut DumpSession, event, pos| d.master_event_sent(event, pos).unwrap();
        // A transaction's statement (CREATE ... SELECT): after its XID.
        assert!(sent(&mut d, MasterEvent::Gtid, 5).is_empty());
        d.master_statement(
            b"CREATE TABLE db.c (i INT PRIMARY KEY) SELECT 1 AS i",
            "db",
            0,
        )
        .unwrap();
        assert!(sent(&mut d, MasterEvent::Other, 6).is_empty());
        assert!(sent(&mut d, MasterEvent::InGroup, 6).is_empty());
        assert!(sent(&mut d, MasterEvent::Other, 6).is_empty());
        let note = sent(&mut d, MasterEvent::GroupEnd, 6);
        assert_eq!(
            point_in(&note).map(|p| p.plan),
            Some(d.scheduler.fingerprint())
        );
        // ... or its COMMIT (a statement of the server's), not a
        // ROLLBACK TO SAVEPOINT inside it.
        assert!(sent(&mut d, MasterEvent::Gtid, 6).is_empty());
        d.master_statement(b"DROP TABLE db.c", "db", 0).unwrap();
        assert!(sent(&mut d, MasterEvent::Other, 6).is_empty());
        d.master_statement(b"ROLLBACK TO SAVEPOINT s", "db", 0)
            .unwrap();
        assert!(sent(&mut d, MasterEvent::Other, 6).is_empty());
        d.master_statement(b"COMMIT", "db", 0).unwrap();
        assert!(point_in(&sent(&mut d, MasterEvent::Other, 6)).is_some());
        // An XID outside a transaction's group (an XA COMMIT's) ends
        // nothing.
        assert!(sent(&mut d, MasterEvent::GroupEnd, 6).is_empty());
        // A group of one statement, its context first: after the statement.
        assert!(sent(&mut d, MasterEvent::GtidOneStatement, 7).is_empty());
        assert!(sent(&mut d, MasterEvent::InGroup, 8).is_empty());
        d.master_statement(b"CREATE TABLE db.d (i INT PRIMARY KEY)", "db", 0)
            .unwrap();
        let note = sent(&mut d, MasterEvent::Other, 9);
        assert_eq!(
            point_in(&note).map(|p| p.plan),
            Some(d.scheduler.fingerprint())
        );
        // Once: the next statement of its own changed nothing.
        assert!(sent(&mut d, MasterEvent::GtidOneStatement, 10).is_empty());
        d.master_statement(b"ALTER TABLE db.b ADD COLUMN z INT", "db", 0)
            .unwrap();
        assert!(sent(&mut d, MasterEvent::Other, 11).is_empty());
    }

    #[test]
    fn a_create_read_ahead_carries_the_point_of_the_plan_it_is_sent_in() {
        let mut d = session_of_a_and_b();
        while !matches!(d.next_unit(), Unit::CreateTable { .. }) {
            match d.next_unit() {
                Unit::Manifest => drop(d.manifest(4).unwrap()),
                _ => d.scheduler.ddl_sent(),
            }
        }
        d.defer_create(20, b"CREATE TABLE `a` (`i` int, PRIMARY KEY (`i`))", &CTX)
            .unwrap();
        assert!(d.create_deferred());
        // Before its place in the binlog, the master creates a table.
        let before = d.scheduler.fingerprint();
        d.master_statement(b"CREATE TABLE db.c (i INT PRIMARY KEY)", "db", 0)
            .unwrap();
        let events = d.encode_deferred_create().unwrap();
        assert!(!d.create_deferred());
        let point = point_in(&events).expect("a point in the CREATE's note");
        assert_ne!(point.plan, before);
        assert_eq!(point.plan, d.scheduler.fingerprint());
        assert!(matches!(d.next_unit(), Unit::Rows { table: "a", .. }));
        assert_eq!(
            point.step as usize,
            d.scheduler.current_point().step as usize
        );
        assert_eq!(point.cursor, None);
        // The CREATE's point was the new plan's: no note of its own.
        assert!(d.moved_point(20).unwrap().is_empty());
    }

    /// A copy of `db`.`a` and `db`.`b` (2 rows a chunk) for connection
    /// `name`: `a` copied, one chunk of `b` sent after the master created
    /// `db`.`a0`.  Returns the request a replica sends to go on from there.
    fn copy_changed_by_ddl(name: &str) -> String {
        let mut d =
            DumpSession::new(Request::for_connection(name).encode(), "0-1-10", 1, 2, 0).unwrap();
        d.add_database("db", &["a", "b"], true);
        d.plan(Vec::new()).unwrap();
        advance_to_rows(&mut d);
        d.begin_chunk(vec![int_column()]).unwrap();
        d.add_value(Some(&[1, 0, 0, 0])).unwrap();
        d.end_row().unwrap();
        d.finish_chunk(9, b"", true).unwrap();
        advance_to_rows(&mut d);
        assert!(matches!(d.next_unit(), Unit::Rows { table: "b", .. }));
        // Copied after the others: the plan is another one now.
        let before = d.scheduler.fingerprint();
        d.master_statement(b"CREATE TABLE a0 (i INT PRIMARY KEY)", "db", 0)
            .unwrap();
        assert_ne!(d.scheduler.fingerprint(), before);
        d.begin_chunk(vec![int_column()]).unwrap();
        d.add_value(Some(&[2, 0, 0, 0])).unwrap();
        d.end_row().unwrap();
        let key = 2u32.to_be_bytes();
        d.finish_chunk(9, &key, false).unwrap();
        let mut request = Request::for_connection(name);
        request.resume = Some(Resume {
            position: GtidPos::parse("0-1-12").unwrap(),
            point: d.scheduler.resume_point(Some(&key)),
            seq_no: d.next_seq_no - 1,
            recopy: false,
            history: None,
            plan_behind: false,
        });
        request.encode()
    }

    #[test]
    fn a_copy_whose_plan_ddl_changed_goes_on_with_the_plan_its_replica_had() {
        let _serial = plan_cache::test_serial();
        let request = copy_changed_by_ddl("plan-changed");
        // The master's catalog now plans `a0` before `b`.
        let resumed = |request: &str| {
            let mut d = DumpSession::new(request, "0-1-12", 1, 2, 0).unwrap();
            d.add_database("db", &["a", "a0", "b"], true);
            d.plan(Vec::new()).map(|()| d)
        };
        let mut d = resumed(&request).unwrap();
        assert!(d.plan_recalled());
        // `b` goes on after its key (its CREATE read again, not sent),
        // then `a0`, as the replica's plan has it.
        assert_eq!(
            d.next_unit(),
            Unit::CreateTable {
                db: "db",
                table: "b"
            }
        );
        assert!(d.scheduler.resumed_create());
        d.scheduler.ddl_sent();
        let key = 2u32.to_be_bytes();
        assert!(
            matches!(d.next_unit(), Unit::Rows { table: "b", after: Some(k), .. } if k == key),
            "{:?}",
            d.next_unit()
        );
        d.scheduler.rows_sent(0, None, true);
        d.scheduler.ddl_sent(); // b's indexes
        assert_eq!(
            d.next_unit(),
            Unit::CreateTable {
                db: "db",
                table: "a0"
            }
        );

        // A point behind the plan at its position (the master's DDL after
        // its copy group changed the plan) is not taken up from there.
        let mut behind = Request::parse(&request).unwrap();
        if let Some(r) = behind.resume.as_mut() {
            r.plan_behind = true;
        }
        let err = resumed(&behind.encode()).map(|_| ()).unwrap_err();
        assert_eq!(
            err,
            DumpError::PlanNotTakenUp("the copy stopped right after such a change")
        );
        assert!(
            err.to_string().contains("changed since the copy started"),
            "{err}"
        );

        // The copy ended: its plans are forgotten, and a plan changed
        // without this process remembering it refuses as before.
        plan_cache::forget(&Request::for_connection("plan-changed").encode());
        let err = resumed(&request).map(|_| ()).unwrap_err();
        assert!(
            err.to_string().contains("does not remember its plan"),
            "{err}"
        );
        // A table still to copy that this dump would not copy (another
        // filter) is not taken from the plan remembered.
        let request = copy_changed_by_ddl("plan-filtered");
        let mut d = DumpSession::new(&request, "0-1-12", 1, 2, 0).unwrap();
        d.add_database("db", &["a", "a0"], true);
        d.master_tables.insert(("db".to_owned(), "b".to_owned()));
        let err = d.plan(Vec::new()).unwrap_err();
        assert!(err.to_string().contains("no longer one it takes"), "{err}");
        assert!(!d.plan_recalled());
        // Each reason fits what the replica's IO error keeps of the text
        // (320 bytes), with a long connection name for the `...`.
        for why in [
            "the copy stopped right after such a change",
            "this master does not remember its plan (restarted since?)",
            "the copy stopped after its objects",
            "a table it had still to copy is no longer one it takes",
        ] {
            let text = DumpError::PlanNotTakenUp(why).to_string();
            assert!(text.len() + 30 <= 320, "{} bytes: {text}", text.len());
        }
        plan_cache::forget(&Request::for_connection("plan-filtered").encode());
    }

    #[test]
    fn a_resume_from_before_a_reset_master_is_refused() {
        let resumed = |started, resets| {
            let mut request = Request::for_connection("m");
            request.resume = Some(Resume {
                position: GtidPos::parse("0-1-5").unwrap(),
                point: ResumePoint {
                    plan: 1,
                    step: 1,
                    cursor: None,
                },
                seq_no: 1,
                recopy: false,
                history: Some(BinlogHistory {
                    server_id: 1,
                    started,
                    resets,
                }),
                plan_behind: false,
            });
            DumpSession::new(request.encode(), "0-1-10", 1, 100, 0).unwrap()
        };
        let now = BinlogHistory {
            server_id: 1,
            started: 100,
            resets: 2,
        };
        assert!(resumed(100, 2).binlog_history(now).is_ok());
        assert!(
            resumed(50, 0).binlog_history(now).is_ok(),
            "restarted since"
        );
        let err = resumed(100, 1).binlog_history(now).unwrap_err();
        assert!(
            matches!(err, DumpError::Request(RequestError::BinlogReset { .. })),
            "{err}"
        );
    }

    #[test]
    fn out_of_order_calls_are_errors_not_events() {
        let mut s = session(2);
        assert!(s.begin_chunk(vec![int_column()]).is_err());
        assert!(s.end(4, "").is_err());
        s.create_database(4, "latin1", "latin1_swedish_ci", b"", &CTX)
            .unwrap();
        assert!(s.create_database(4, "a", "b", b"", &CTX).is_err());
        s.create_definition(4, b"CREATE TABLE `shop`.`items` (`a` int)", &CTX)
            .unwrap();
        s.begin_chunk(vec![int_column(), int_column()]).unwrap();
        s.add_value(Some(&[1, 0, 0, 0])).unwrap();
        assert!(s.end_row().is_err(), "row narrower than the table");
        s.add_value(None).unwrap();
        s.end_row().unwrap();
        s.add_value(None).unwrap();
        s.add_value(None).unwrap();
        assert!(s.add_value(None).is_err(), "row wider than the table");
    }
}
