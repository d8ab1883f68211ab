//! The cxx bridge between `mariadbd` and the Rust core of
//! `LOAD DATA FROM MASTER`.
//!
//! Kept short and boring on purpose: plain shared structs in, status values
//! out (never a `Result`, which cxx would turn into a C++ exception inside
//! server code), and no decisions here: each function converts and calls
//! into `provision_core`.

use provision_core::copy_filter::CopyFilter;
use provision_core::cut::{self, BinlogPos, CutFacts, CutVerdict};
use provision_core::dump::{self, ChunkPressure, DumpError, LockStep, RowsDefinition};
use provision_core::encode::{CharsetIds, Column};
use provision_core::key_image::{self, KeyPart};
use provision_core::preflight::{self, Refusal, ReplicaFacts, UseGtid};
use provision_core::protocol::{self, BinlogHistory, Request, TableChecksum};
use provision_core::scheduler::{FkRule, ForeignKeyMoves, Unit, View};
use std::time::{Duration, Instant};

#[cxx::bridge(namespace = "provision")]
mod ffi {
    /// Session and connection state read by the statement shim
    /// (`cpp-shim/rpl_provision_stmt.cc`) under the connection's locks.
    struct ReplicaState {
        connection_name: String,
        in_stored_program: bool,
        in_transaction: bool,
        connection_exists: bool,
        master_host_set: bool,
        io_thread_running: bool,
        sql_thread_running: bool,
        /// `Master_info::enum_using_gtid`.
        use_gtid: u8,
        /// The connection's `MASTER_DELAY` in seconds.
        master_delay: u32,
        /// The connection's pending `sql_slave_skip_counter`.
        skip_counter: u64,
        /// XA transactions prepared on this server, and one's XID.
        prepared_xa: u32,
        prepared_xid: String,
        /// `slave_skip_errors` covers `ER_PROVISION_FAILED` (or is `ALL`).
        skips_provision_errors: bool,
        /// `Slaves_connected`: binary log dump threads of this server.
        replicas_connected: u32,
        /// The replica's databases (for the "not empty" check).
        databases: Vec<DatabaseSummary>,
        /// The connection's replication filter: one `rule=list` line per
        /// non-empty rule (`do_db`, `ignore_db`, `do_table`,
        /// `ignore_table`, `wild_do_table`, `wild_ignore_table`,
        /// `rewrite_db`), each list as `SHOW SLAVE STATUS` prints it.
        filter_rules: String,
        /// `LOAD DATA FROM MASTER ... REPLACE`.
        replace: bool,
        /// The request the statement would send (`replica_request`).
        request: String,
        /// The request of the connection's unfinished copy this server
        /// keeps; empty when there is none.
        parked_request: String,
        /// The request of the connection's copy that stopped on an error
        /// (its marker says so); empty when there is none.
        failed_request: String,
    }

    /// A database and its tables.
    struct DatabaseSummary {
        name: String,
        tables: Vec<String>,
    }

    /// A decision the shim acts on: `error_code == 0` means go ahead,
    /// anything else is raised with `my_error(error_code, MYF(0), error_arg)`.
    struct Verdict {
        error_code: u32,
        error_arg: String,
        /// The statement goes on with the connection's unfinished copy.
        resume: bool,
    }

    /// What the replica makes of the copy's end marker
    /// (`ReplicaFilter::copy_end`).
    struct CopyEndVerdict {
        /// The master's position, for `gtid_slave_pos`.
        position: String,
        /// Why the copy is not complete (the SQL thread stops with it);
        /// empty when it is.
        refusal: String,
    }

    /// What the dump thread does next (`DumpSession::next_unit`).
    #[derive(Debug)]
    enum UnitKind {
        CreateDatabase,
        CreateTable,
        CreateView,
        CreateObject,
        Rows,
        BuildIndexes,
        Manifest,
        Objects,
        ReloadAccounts,
        Checksums,
        End,
        Finished,
    }

    /// The next unit; `db`, `table` and the key are empty when unused.
    struct UnitInfo {
        kind: UnitKind,
        db: String,
        table: String,
        has_after_key: bool,
        after_key: Vec<u8>,
        max_rows: u32,
    }

    /// A table's deferred index build, handed by the SQL thread to a
    /// builder of its own (see `provision_core::index_build`).
    #[derive(Clone, Default)]
    struct IndexBuild {
        /// The table, quoted: `db`.`table`; empty: no build.
        table: String,
        /// The `ALTER TABLE ... ADD KEY ...` the builder runs.
        statement: Vec<u8>,
        /// The session it runs in: the Query event's.
        context: IndexBuildContext,
    }

    /// The session of a Query event being applied, which an index build
    /// runs in (`provision_core::index_build::BuildContext`).
    #[derive(Clone, Copy, Default)]
    struct IndexBuildContext {
        sql_mode: u64,
        charset_client: u16,
        collation_connection: u16,
    }

    /// Session state a Query event carries (see `dump::QueryContext`).
    struct QueryContext {
        thread_id: u32,
        sql_mode: u64,
        flags2: u32,
        charset_client: u16,
        collation_connection: u16,
        collation_server: u16,
        /// `@@time_zone` of the text (the dump's, an event's own); empty
        /// when it does not matter.
        time_zone: String,
    }

    /// One column as `Field::binlog_type_info()` describes it.
    struct ColumnDesc {
        type_code: u8,
        metadata: u16,
        metadata_size: u8,
        nullable: bool,
    }

    /// A table's checksum (`protocol::TableChecksum`); `verifiable`: the
    /// master could read it at the cut (a transactional base table, not a
    /// sequence).
    /// How far a copy is on the replica (`provision_core::progress`).
    #[derive(Clone, Copy, Debug)]
    struct CopyProgress {
        /// Rows of the copy applied.
        rows_copied: u64,
        /// What to report them out of: the master's estimate, never below
        /// `rows_copied`.
        rows_total: u64,
        tables_done: u64,
        tables_total: u64,
        /// Seconds since the copy started in this server.
        elapsed: f64,
        /// Rows per second; negative: not known yet.
        rate: f64,
        /// Seconds left at that rate; negative: not known.
        left: f64,
    }

    /// One table's progress (`information_schema.PROVISIONING_PROGRESS`).
    #[derive(Clone, Debug)]
    struct TableProgressRow {
        db: String,
        table: String,
        /// waiting, copying, re-copying or done.
        state: String,
        rows_copied: u64,
        /// The master's estimate at plan time; 0 for none.
        rows_estimated: u64,
        chunks: u64,
        recopies: u32,
        /// Seconds since its first rows were applied (until it was done).
        elapsed: f64,
        /// Rows per second; negative: not known yet.
        rate: f64,
        /// Seconds left at that rate; negative: not known.
        left: f64,
    }

    /// One part of a key as `key_copy()` lays it out (`key_image::KeyPart`).
    struct KeyPartShape {
        nullable: bool,
        variable: bool,
        length: u16,
    }

    /// One row of `mysql.provision_progress`
    /// (`provision_core::saved_copy`): the copy's own (`object` empty)
    /// or one copied table's.
    #[derive(Clone, Debug)]
    struct ProgressRow {
        object: String,
        state: String,
        cursor: Vec<u8>,
        resume: String,
        baseline: String,
        manifest: String,
    }

    /// A table, by database and name.
    #[derive(Clone, Debug)]
    struct QualifiedName {
        db: String,
        table: String,
    }

    #[derive(Clone, Debug)]
    struct TableChecksum {
        db: String,
        table: String,
        sum: u32,
        verifiable: bool,
    }

    /// A master's event the dump thread sent (`dump::MasterEvent`).
    #[derive(Debug)]
    enum MasterEvent {
        /// A GTID event whose group is one statement (a DDL).
        GtidOneStatement,
        /// Any other GTID event.
        Gtid,
        /// An event that is part of a group (`is_part_of_group()`).
        InGroup,
        /// An XID or `XA PREPARE` event: the end of a transaction.
        GroupEnd,
        /// Any other event.
        Other,
    }

    /// What the dump thread does after a row of a chunk
    /// (`dump::ChunkPressure`).
    #[derive(Debug)]
    enum ChunkPressure {
        /// Read on.
        Room,
        /// Send the rows held (`drain_chunk`), then read on.
        Stream,
        /// End the chunk after this row.
        Stop,
    }

    /// A referential action, numbered as the server's `enum_fk_option`.
    #[derive(Debug)]
    #[repr(u8)]
    enum FkOption {
        Undefined = 0,
        Restrict = 1,
        NoAction = 2,
        Cascade = 3,
        SetNull = 4,
        SetDefault = 5,
    }

    /// A foreign key's referential actions and whether they reach the
    /// copy key (`scheduler::ForeignKeyMoves`).
    struct ForeignKeyRules {
        on_update: FkOption,
        on_delete: FkOption,
        in_copy_key: bool,
    }

    /// What the dump thread does with a chunk's snapshot (`cut::CutVerdict`).
    #[derive(Debug)]
    enum CutAction {
        /// Read the chunk now.
        Exact,
        /// Keep the snapshot; send the binlog up to `CutDecision::pos` first.
        SendEventsTo,
        /// Drop the snapshot; send the ready events, then try again.
        SendEventsFirst,
        /// Drop the snapshot; try again shortly.
        Wait,
    }

    /// What the master was doing when the dump thread took a cut for the
    /// next chunk (`cut::CutFacts`), gathered under the binlog's lock.
    struct CutFacts {
        /// Where the dump thread stands in the active binlog file.
        dump_pos: u64,
        /// How far that file is written, as the dump thread last read it.
        dump_end_pos: u64,
        /// The binlog's end when the cut was taken (`cut_file` of `judge_cut`).
        cut_pos: u64,
        /// The engines' commit position the cut sees (`commit_file`);
        /// `has_commit` false when the server has none.
        commit_pos: u64,
        has_commit: bool,
        /// No group commit was between the binlog and the engines.
        group_commit_idle: bool,
        /// Explicit XA transactions ended or prepared, not yet resolved.
        xa_pending: u32,
        /// One-phase commits in flight.
        one_phase_commits: u32,
        /// The types of the events between the commit position and the
        /// binlog's end in the same file, read whole; empty when they were
        /// not read (see `cut::commit_through_bookkeeping`).
        commit_tail: Vec<u8>,
    }

    /// A verdict of `judge_cut`; `pos` is set for `SendEventsTo`.
    struct CutDecision {
        action: CutAction,
        pos: u64,
    }

    /// The kind of a row operation of the master's.
    #[derive(Debug)]
    enum RowKind {
        Insert,
        Update,
        Delete,
    }

    /// What the SQL thread does with one row operation (`filter::Action`).
    #[derive(Debug)]
    enum RowAction {
        Skip,
        ApplyStrict,
        ApplyIdempotent,
        MoveIn,
        MoveOut,
    }

    /// What the dump thread does after a step of waiting for a table's
    /// lock (`provision_core::dump::LockStep`).
    #[derive(Debug)]
    enum LockWaitStep {
        /// Wait another step.
        Wait,
        /// Send a keepalive group (`encode_keepalive`), then wait.
        Keepalive,
        /// Return to the binlog and send what it has; the unit is tried
        /// again at the next transaction boundary.
        SendBinlog,
    }

    /// What the SQL thread does with a statement of the master's while
    /// the connection is provisioned (`ddl_during_copy::Run`).
    #[derive(Debug)]
    enum QueryAction {
        /// Apply it.
        Apply,
        /// Consume it without applying it.
        Skip,
        /// Run `query` instead.
        Rewrite,
        /// Stop with `message`.
        Refuse,
    }

    /// What the SQL driver thread knows of an event group from its GTID
    /// event (`provision_core::parallel_apply::GroupKind`).
    struct GroupKind {
        copy_group: bool,
        transactional: bool,
        standalone: bool,
        ddl: bool,
        xa: bool,
    }

    /// A GTID, as the C++ side builds a `rpl_gtid` of it.
    #[derive(Debug, Default, PartialEq, Eq)]
    struct GtidParts {
        domain_id: u32,
        server_id: u32,
        seq_no: u64,
    }

    /// A [`QueryAction`] and what it needs.
    struct QueryVerdict {
        action: QueryAction,
        /// The statement run instead (`Rewrite`).
        query: String,
        /// Rows of `mysql.provision_progress` that record what the
        /// statement does to the copy's tables (a table copied again,
        /// dropped or renamed; a crash from here goes on with that):
        /// written at once before a standalone statement;
        /// a statement inside a transaction has them written with the
        /// transaction's commit (`progress_rows()`), as a local write could
        /// wait for a later transaction of a parallel worker that waits
        /// for this one.
        record: Vec<ProgressRow>,
        /// The error (`Refuse`), or what the error log is told.
        message: String,
    }

    /// How a strict apply failed (`filter::StrictFailure`).
    #[derive(Debug)]
    enum RowFailure {
        RowMissing,
        KeyTaken,
    }

    extern "Rust" {
        /// Decides whether `LOAD DATA FROM MASTER` may start.
        fn check_load_from_master(state: &ReplicaState) -> Verdict;
        /// Whether `LOAD TABLE ... FROM MASTER` may copy `tables` again;
        /// `state.request` is `reload_request()`'s.  An `ER_PROVISION_FAILED`
        /// verdict carries the whole message (the shim adds the
        /// connection's name).
        fn check_load_tables(state: &ReplicaState, tables: &Vec<QualifiedName>) -> Verdict;
        /// `request` (of `replica_request`) for `LOAD TABLE ... FROM
        /// MASTER` of `tables`: only they are copied, from the replica's
        /// position.
        fn reload_request(request: &str, tables: &Vec<QualifiedName>) -> String;
        /// The error log's note of `... REPLACE` naming the tables here the
        /// copy replaces; empty when none (or no `REPLACE`).
        fn replace_notice(state: &ReplicaState) -> String;
        /// The tables and views here that a fresh copy with `REPLACE`
        /// replaces where the master has them (for
        /// `ReplicaFilter::replaces`); empty without `REPLACE`.
        fn replaced_tables(state: &ReplicaState) -> Vec<QualifiedName>;
        /// The note for a statement that does not go on with the
        /// connection's unfinished copy (other options): how to resume
        /// it; empty when none.
        fn parked_copy_note(state: &ReplicaState) -> String;
        /// The core's version, for the server's startup log.
        fn core_version() -> &'static str;

        /// The `@slave_provision` value the IO thread of connection
        /// `connection_name` sets on the master; `with_grants` asks for
        /// the master's accounts too, `checksum` for the tables'
        /// checksums at the end.
        fn replica_request(
            connection_name: &str,
            with_grants: bool,
            checksum: bool,
            filter_rules: &str,
        ) -> String;
        /// `request` as the IO thread sends it, with the replica's
        /// `slave_max_allowed_packet` (`max_packet`): the master keeps
        /// the copy's events below it.
        fn request_with_max_packet(request: &str, max_packet: u64) -> String;
        /// The copy domain of connection `connection_name`.
        fn replica_copy_domain(connection_name: &str) -> u32;
        /// The Gtid_list flag that marks the end of the copy.
        fn end_marker_flag() -> u32;
        /// The master variable a replica probes to detect support.
        fn support_probe_variable() -> &'static str;

        /// Keeps the plans of the copies this master sends in `file` too,
        /// and takes up the ones it holds (`plan_cache::keep_in`): a
        /// master restarted during a copy whose plan its DDL changed goes
        /// on with it.  Only the first call does anything.  `file` is a
        /// path's bytes, which need not be UTF-8.
        fn plan_store_open(file: &[u8]);

        /// A provisioning dump on the master (`dump::DumpSession`).
        type DumpSession;
        /// Starts a dump; check `refusal()` before using it.
        /// `request` is the bytes of `@slave_provision`: any client sets
        /// it, so they need not even be UTF-8.
        fn dump_session_new(
            request: &[u8],
            master_pos: &str,
            server_id: u32,
            chunk_rows: u32,
        ) -> Box<DumpSession>;
        /// Why the dump cannot go on; empty while it can.
        fn refusal(self: &DumpSession) -> String;
        /// `LOAD TABLE ... FROM MASTER`: the binlog stream starts at the
        /// replica's `replica_pos` (its connect state), in the master's
        /// domains; sets `refusal()` if the master has not reached it.
        /// Nothing for another copy.
        fn start_at_replica(self: &mut DumpSession, replica_pos: &str);
        /// The master's binary log history: its `server_id`, when the
        /// server process `started` and how many `RESET MASTER`s it ran
        /// since (`protocol::BinlogHistory`); sets `refusal()` for a
        /// resumed copy that began in an earlier one of this process.
        fn binlog_history(self: &mut DumpSession, server_id: u32, started: u64, resets: u64);
        /// Whether the dump copies some tables into a replica that has the
        /// rest (`LOAD TABLE ... FROM MASTER`).
        fn is_reload(self: &DumpSession) -> bool;
        /// `refusal()` with every reason why the master is not ready,
        /// however long, for the master's error log.
        fn refusal_in_full(self: &DumpSession) -> String;
        fn set_checksum(self: &mut DumpSession, on: bool);
        /// Judges a cut for the next chunk (`dump::DumpSession::judge_cut`):
        /// the dump thread is in `dump_file`, the cut was taken at the end
        /// of `cut_file` with the engines' commit position in
        /// `commit_file`; `pending_xid` names a pending XA transaction, if
        /// any.  Sets `refusal()` (and says `Wait`) when pending XA
        /// transactions held the copy back too long.
        fn judge_cut(
            self: &mut DumpSession,
            dump_file: &str,
            cut_file: &str,
            commit_file: &str,
            facts: &CutFacts,
            pending_xid: &str,
        ) -> CutDecision;
        /// The master's database `db` and its tables; `binlogged`: the
        /// master's binary log takes its changes (`binlog_filter`).
        fn add_database(self: &mut DumpSession, db: &str, tables: &Vec<String>, binlogged: bool);
        /// Whether the plan takes the table or view `db`.`name`, as the
        /// replica's filter decides (call after `add_database`).
        fn copies_table(self: &DumpSession, db: &str, name: &str) -> bool;
        /// Whether the plan takes the database `db`, and with it its
        /// routines and events (never a system schema).
        fn copies_database(self: &DumpSession, db: &str) -> bool;
        /// A view of the master and what it reads (`reads_db[i]`.`reads_name[i]`).
        fn add_view(
            self: &mut DumpSession,
            db: &str,
            name: &str,
            reads_db: &Vec<String>,
            reads_name: &Vec<String>,
        );
        /// A foreign key of `db`.`table` references `parent_db`.`parent`,
        /// with referential actions `on_update` and `on_delete`;
        /// `in_copy_key`: one of its columns is in the table's copy key.
        /// The master's estimate of the rows of `db`.`table`.
        fn add_row_estimate(self: &mut DumpSession, db: &str, table: &str, rows: u64);
        /// The storage engine of `db`.`table` (its handlerton's name), and
        /// whether it is system-versioned by transaction id.
        fn add_table_engine(
            self: &mut DumpSession,
            db: &str,
            table: &str,
            engine: &str,
            trx_versioned: bool,
        );
        fn add_foreign_key(
            self: &mut DumpSession,
            db: &str,
            table: &str,
            parent_db: &str,
            parent: &str,
            rules: &ForeignKeyRules,
        );
        /// A foreign key of `child_db`.`child` (any table) that references
        /// `parent_db`.`parent`, a table the copy takes.
        fn add_referencing_key(
            self: &mut DumpSession,
            child_db: &str,
            child: &str,
            parent_db: &str,
            parent: &str,
        );
        /// A routine (`kind` as in `mysql.proc.type`), `TRIGGER` or
        /// `EVENT`: its `SHOW CREATE` text in its creation context `ctx`.
        fn add_object(
            self: &mut DumpSession,
            kind: &str,
            db: &str,
            name: &str,
            definition: &[u8],
            ctx: &QueryContext,
        );
        /// The view `db`.`name` reads a table, column or function the
        /// master no longer has: `refusal()` names it and what mends it.
        fn view_invalid(self: &mut DumpSession, db: &str, name: &str);
        /// The replica's `account` lacks `privilege` on `db`.`name`
        /// (`name` empty: on the database), which the copy would send:
        /// `refusal()` reports it with every other one found (and the
        /// master's settings), all at once; the plan is not made.
        fn privilege_missing(
            self: &mut DumpSession,
            account: &str,
            privilege: &str,
            db: &str,
            name: &str,
        );
        /// Refuses the dump (`refusal()`) when `running` others already
        /// run and `@@provision_max_dumps` is `max`.
        fn check_dump_slots(self: &mut DumpSession, running: u32, max: u32);
        /// Records each of the master's `@@binlog_row_image` and
        /// `@@binlog_optimize_thread_scheduling` that does not allow a
        /// copy (any `@@binlog_format` will do): `refusal()` reports them
        /// with the missing privileges, all at once.
        fn check_master_settings(
            self: &mut DumpSession,
            row_image: &str,
            optimize_thread_scheduling: bool,
        );
        /// The master's audit line for the dump (`replica`: who asked;
        /// `outcome`: how it ended).
        fn audit_line(self: &DumpSession, replica: &str, outcome: &str) -> String;
        /// The dump thread's processlist state while it copies `db`.`table`.
        fn state_text(self: &DumpSession, db: &str, table: &str, throttled: bool) -> String;
        /// The `mysql` tables `WITH GRANTS` copies (empty without it).
        fn account_tables(self: &DumpSession) -> Vec<String>;
        /// A DEFAULT of `db`.`table` calls NEXTVAL(`seq_db`.`seq`).
        fn add_default_sequence(
            self: &mut DumpSession,
            db: &str,
            table: &str,
            seq_db: &str,
            seq: &str,
        );
        /// Orders the copy once everything is added; `refusal()` is set
        /// if it cannot be ordered.
        fn plan(self: &mut DumpSession);
        fn next_unit(self: &DumpSession) -> UnitInfo;
        /// Encoders: the events to send, back to back; empty and
        /// `refusal()` set on error.
        fn encode_create_database(
            self: &mut DumpSession,
            log_pos: u32,
            charset: &str,
            collation: &str,
            comment: &[u8],
            ctx: &QueryContext,
        ) -> Vec<u8>;
        /// The current `CreateTable` or `CreateView` unit's events, from
        /// the master's `SHOW CREATE` text of the table, sequence or view.
        fn encode_create_definition(
            self: &mut DumpSession,
            log_pos: u32,
            show_create: &[u8],
            ctx: &QueryContext,
        ) -> Vec<u8>;
        /// As `encode_create_definition()` for a table's CREATE read
        /// ahead of the binlog, which goes to the replica at `log_pos`:
        /// kept, and encoded by `encode_deferred_create()` there.
        fn defer_create(
            self: &mut DumpSession,
            log_pos: u32,
            show_create: &[u8],
            ctx: &QueryContext,
        );
        /// Whether a CREATE read ahead waits for its place in the binlog.
        fn create_deferred(self: &DumpSession) -> bool;
        /// The events of the CREATE read ahead, at its place now.
        fn encode_deferred_create(self: &mut DumpSession) -> Vec<u8>;
        /// The note group that tells the replica where the copy stands,
        /// when a master's statement changed the plan since the last
        /// point sent; else empty.
        fn encode_moved_point(self: &mut DumpSession, log_pos: u32) -> Vec<u8>;
        /// The dump thread sent the master's event `event`, which ends at
        /// `log_pos`: the note of `encode_moved_point()` to send right
        /// after it when it ends a statement's group of its own that
        /// changed the plan; else empty.
        fn master_event_sent(self: &mut DumpSession, event: MasterEvent, log_pos: u32) -> Vec<u8>;
        /// The current `CreateObject` unit's events.
        fn encode_create_object(self: &mut DumpSession, log_pos: u32) -> Vec<u8>;
        /// The current `BuildIndexes` unit's events (none when the
        /// table's CREATE left no index out).
        fn encode_build_indexes(self: &mut DumpSession, log_pos: u32) -> Vec<u8>;
        /// The master's GTID position the dump's binlog stream starts
        /// at: the master's own, or the replica's when it resumes a copy.
        fn start_position(self: &DumpSession) -> String;
        /// Whether the dump goes on with a copy an earlier dump began.
        fn resumed(self: &DumpSession) -> bool;
        /// Whether it goes on with the plan the replica had, which the
        /// master's DDL during the copy changed.
        fn plan_recalled(self: &DumpSession) -> bool;
        /// Whether `image`, a cursor a replica sent, is a well-formed
        /// `key_copy()` image of a key of `parts`.
        fn key_image_valid(parts: &Vec<KeyPartShape>, image: &[u8]) -> bool;
        /// The current `Manifest` unit's events.
        fn encode_manifest(self: &mut DumpSession, log_pos: u32) -> Vec<u8>;
        /// The current `Objects` unit's events.
        fn encode_objects_marker(self: &mut DumpSession, log_pos: u32) -> Vec<u8>;
        /// Whether DDL came through the binary log before the `Objects`
        /// unit: the views, routines, triggers and events are read again
        /// (`reset_objects()`, `add_object()`, `add_view()` for each,
        /// `replan_objects()`).
        fn objects_stale(self: &DumpSession) -> bool;
        fn reset_objects(self: &mut DumpSession);
        fn replan_objects(self: &mut DumpSession);
        /// The tables the copy takes now (the master's names).
        fn copied_tables(self: &DumpSession) -> Vec<QualifiedName>;
        /// The databases the copy takes now.
        fn copied_databases(self: &DumpSession) -> Vec<String>;
        /// The current `ReloadAccounts` unit's events.
        fn encode_reload_accounts(
            self: &mut DumpSession,
            log_pos: u32,
            ctx: &QueryContext,
        ) -> Vec<u8>;
        /// The tables the current `Checksums` unit covers (master's names;
        /// `sum` unset).
        fn checksum_tables(self: &DumpSession) -> Vec<TableChecksum>;
        /// The current `Checksums` unit's events, for the tables of
        /// `sums` the master could verify.
        fn encode_checksums(
            self: &mut DumpSession,
            log_pos: u32,
            sums: &Vec<TableChecksum>,
        ) -> Vec<u8>;
        /// The dump could not lock `db`.`table` within one short step:
        /// what to do before the next (`binlog_ahead`: the binlog has
        /// events the dump has not sent).  Sets `refusal()` (and says
        /// `Wait`) once the wait is longer than `timeout_s`.
        fn lock_wait(
            self: &mut DumpSession,
            db: &str,
            table: &str,
            timeout_s: u64,
            binlog_ahead: bool,
        ) -> LockWaitStep;
        /// Milliseconds to wait before the next chunk under limits of
        /// `rows_per_second` and `bytes_per_second` (0: none); the binlog
        /// goes on meanwhile.
        fn throttle(self: &mut DumpSession, rows_per_second: u64, bytes_per_second: u64) -> u32;
        /// Milliseconds to wait before the next chunk while `running`
        /// client threads run statements on the master, over `limit`
        /// (`@@provision_max_threads_running`; 0: never).
        fn backoff(self: &DumpSession, running: u32, limit: u32) -> u32;
        /// The relay log bound while a copy runs: the connection's own
        /// `relay_log_space_limit` (bytes) when it has one, else
        /// `@@provision_relay_log_space_limit`.
        fn provision_relay_log_space_limit(configured: u64, provision_default: u64) -> u64;
        /// The largest relay log file while a copy runs under relay log
        /// bound `space_limit` (0: none): a quarter of it, so that the SQL
        /// thread frees space while the IO thread goes on; `configured`
        /// (bytes) when smaller.
        fn provision_relay_log_file_size(space_limit: u64, configured: u64) -> u64;
        /// How long a provisioning dump waits to write to its replica
        /// (seconds for `my_net_set_write_timeout()`): no limit, the
        /// replica's apply paces the copy, unless the dump holds a read
        /// lock that keeps the master's writers out (`locks_out_writers`):
        /// then `net_write_timeout`.
        fn provision_dump_write_timeout(locks_out_writers: bool, net_write_timeout: u32) -> u32;
        /// The lock the dump waited for is granted.
        fn lock_acquired(self: &mut DumpSession);
        /// The current unit's table `db`.`table` has no tablespace (it was
        /// discarded to import one): the copy waits for the import, the
        /// binlog going on.  Returns the state for SHOW PROCESSLIST; sets
        /// `refusal()` once the wait is longer than `timeout_s`.
        fn tablespace_discarded(
            self: &mut DumpSession,
            db: &str,
            table: &str,
            timeout_s: u64,
        ) -> String;
        /// The dump sent the replica events of its own (`send_events()`).
        fn note_sent(self: &mut DumpSession);
        /// The keepalive group to send the replica, at `log_pos`, while the
        /// dump has nothing to send for a moment: empty when the replica
        /// heard from it lately.
        fn encode_idle_keepalive(self: &mut DumpSession, log_pos: u32) -> Vec<u8>;
        /// A keepalive group for the replica while the dump waits for a
        /// lock on `db`.`table`.
        fn encode_keepalive(self: &mut DumpSession, log_pos: u32, db: &str, table: &str)
            -> Vec<u8>;
        /// Whether `db`.`table` still has the definition (`version`, its
        /// `tabledef_version`) it had when the copy first read it; sets
        /// `refusal()` when not.
        fn check_definition(self: &mut DumpSession, db: &str, table: &str, version: &[u8]) -> bool;
        /// For the table of a `Rows` unit: 0 when it has the definition the
        /// copy read, 1 when a DDL changed it (read nothing until the DDL
        /// is sent, which copies it again), 2 when that took too long
        /// (`refusal()` says so), 3 when a statement that keeps its rows
        /// (`OPTIMIZE`) gave it a new version: read nothing now, and hand
        /// its CREATE to `take_definition()`.
        fn check_rows_definition(
            self: &mut DumpSession,
            db: &str,
            table: &str,
            version: &[u8],
        ) -> u8;
        /// After `check_rows_definition()` gave 3: the copy reads
        /// `db`.`table` with this definition (`version`, and
        /// `show_create`, its SHOW CREATE TABLE) from the next chunk on if
        /// its definition is the one the copy read (but for the
        /// `AUTO_INCREMENT` counter and the comment).
        fn take_definition(
            self: &mut DumpSession,
            db: &str,
            table: &str,
            version: &[u8],
            show_create: &[u8],
        );
        /// The table of the current unit is not on the master: true to
        /// wait for the DDL that dropped or renamed it to come through the
        /// binary log; false when that took too long (`refusal()` says
        /// so).
        fn table_missing(self: &mut DumpSession, db: &str, table: &str) -> bool;
        /// The master's statement `query` (run in `db`) is sent now: the
        /// plan follows its tables as the replica does
        /// (`ddl_during_copy`).  `lower_case_table_names`: the master's.
        /// Returns whether the unit to do next changed.
        fn master_statement(
            self: &mut DumpSession,
            query: &[u8],
            db: &str,
            lower_case_table_names: u32,
        ) -> bool;
        fn begin_chunk(self: &mut DumpSession, columns: &Vec<ColumnDesc>);
        /// Whether the chunk being read may hold more rows (`keyless`: the
        /// table is read whole).
        fn chunk_pressure(self: &DumpSession, keyless: bool) -> ChunkPressure;
        /// The rows a whole-table read holds, sent ahead as part of its
        /// one transaction.
        fn drain_chunk(self: &mut DumpSession, log_pos: u32) -> Vec<u8>;
        fn add_value(self: &mut DumpSession, value: &[u8]);
        fn add_null(self: &mut DumpSession);
        fn end_row(self: &mut DumpSession);
        /// Empty with no error when the chunk had no rows; `exhausted`
        /// when the read reached the end of the table.
        fn finish_chunk(
            self: &mut DumpSession,
            log_pos: u32,
            last_key: &[u8],
            exhausted: bool,
        ) -> Vec<u8>;
        fn encode_end(self: &mut DumpSession, log_pos: u32, master_pos: &str) -> Vec<u8>;

        /// The replica's filter while it is provisioned (`filter::Ledger`),
        /// one per master connection.  Tables are named by database and
        /// table name; keys are mem-comparable images of the copy key.
        type ReplicaFilter;
        fn replica_filter_new(connection_name: &str) -> Box<ReplicaFilter>;
        /// The filter of a copy taken up from its record `rows` after a
        /// restart, `slave_pos` being `gtid_slave_pos`; `error` says why
        /// the record cannot be used.
        fn replica_filter_restore(
            connection_name: &str,
            rows: &[ProgressRow],
            slave_pos: &str,
            error: &mut String,
        ) -> Box<ReplicaFilter>;
        /// `CREATE TABLE IF NOT EXISTS mysql.provision_progress ...`.
        fn progress_table_ddl() -> &'static str;
        /// The `@@sql_mode` a provisioning dump reads definitions under
        /// (`provision_core::dump::DEFINITIONS_SQL_MODE`).
        fn definitions_sql_mode() -> u64;
        /// The `@@time_zone` a provisioning dump reads definitions in
        /// (`provision_core::dump::DEFINITIONS_TIME_ZONE`).
        fn definitions_time_zone() -> &'static str;
        /// The statement that recreates a table empty from its own `SHOW
        /// CREATE TABLE` text, for an engine that cannot delete its rows
        /// (`ARCHIVE`); empty if the text is not a table's.
        fn recreate_empty_table(show_create: &[u8]) -> Vec<u8>;
        /// `gtid_slave_pos` as the copy starts.
        fn set_baseline(self: &mut ReplicaFilter, slave_pos: &str);
        /// The rows recording the copy (first asked with `request`) once
        /// the copy group being applied commits; empty when none is due.
        fn progress_rows(self: &ReplicaFilter, request: &str) -> Vec<ProgressRow>;
        /// The tables of a restored copy to drop before it goes on.
        fn recopy_drops(self: &mut ReplicaFilter) -> Vec<QualifiedName>;
        /// A copy with `REPLACE` starts on a server that has `tables`
        /// and views (of `replaced_tables`), `earlier` being the record of
        /// the connection's copy before it; returns the record's rows for
        /// them.
        fn replaces(
            self: &mut ReplicaFilter,
            tables: &[QualifiedName],
            earlier: &[ProgressRow],
        ) -> Vec<ProgressRow>;
        /// At the end of a copy with `REPLACE`, the tables an earlier copy
        /// of the connection took from the master that the master has no
        /// more: the shim drops them.
        fn copied_before_left(self: &ReplicaFilter) -> Vec<QualifiedName>;
        /// The error log's note of the tables a copy with `REPLACE` found
        /// here and left as they were (the master has none of their
        /// names); empty when none.
        fn tables_left_note(self: &ReplicaFilter) -> String;
        /// Whether record `rows` hold a copy that changed this server (a
        /// crash right after the start leaves only the rows of the tables
        /// it replaces: the copy then starts again).
        fn record_started(rows: &[ProgressRow]) -> bool;
        /// The tables a restored copy completed.
        fn tables_complete(self: &ReplicaFilter) -> Vec<QualifiedName>;
        /// A complete table lost its rows with the restart (MEMORY, ARCHIVE).
        fn rows_lost(self: &mut ReplicaFilter, db: &str, table: &str);
        /// The tables `rows_lost()` named, to copy again after the copy.
        fn tables_lost(self: &ReplicaFilter) -> Vec<QualifiedName>;
        /// The tables part way when the copy stopped.
        fn tables_part_way(self: &ReplicaFilter) -> Vec<QualifiedName>;
        /// A non-transactional table, emptied, is copied again from its
        /// first row.
        fn restart_table(self: &mut ReplicaFilter, db: &str, table: &str);
        /// A non-transactional table part way that a restart left
        /// unreadable, dropped, is copied again from its CREATE (of the
        /// copy first asked with `request`); the record's rows to write.
        fn copy_table_again(
            self: &mut ReplicaFilter,
            db: &str,
            table: &str,
            request: &str,
        ) -> Vec<ProgressRow>;
        /// Whether the error of opening a table says it is unreadable.
        fn table_crashed(error_code: u32) -> bool;
        /// Whether a copy statement's error `error_code` means it was
        /// applied before a restart (it is then ignored).
        fn statement_redone(self: &ReplicaFilter, error_code: u32) -> bool;
        /// Whether the master's DDL group with this GTID was applied
        /// here before a restart that its record missed; `binlog_last`:
        /// the last GTID of its domain and server in this server's binary log
        /// (`d-s-n`, empty: none).
        fn ddl_applied_here(
            self: &ReplicaFilter,
            domain_id: u32,
            server_id: u32,
            seq_no: u64,
            binlog_last: &str,
        ) -> bool;
        /// Whether the master's DDL group being applied, received again
        /// after a restart, may be one that this server's DDL recovery
        /// finished and logged: true, with the GTID it would have logged
        /// it under (its domain and number, this server's `server_id`)
        /// in `logged`, which the caller then looks up.
        fn ddl_recovery_gtid(self: &ReplicaFilter, server_id: u32, logged: &mut GtidParts) -> bool;
        /// The verdict on the master's DDL statement `query` received
        /// again after a restart (run in `default_db`), when this server's
        /// binary log has the same statement, or the DROP that its DDL
        /// recovery wrote for it (`logged_statement`), under the GTID
        /// `logged` of `ddl_recovery_gtid()`: true when it sets `verdict`
        /// (skip it), false otherwise.
        fn ddl_recovered_verdict(
            self: &ReplicaFilter,
            query: &[u8],
            default_db: &str,
            logged: &GtidParts,
            logged_statement: &[u8],
            verdict: &mut QueryVerdict,
        ) -> bool;
        /// The table (this server's names, in `db` and `table`) whose
        /// partitions the master's statement `query` (run in
        /// `default_db`) changes in place, which the server's DDL log may
        /// finish after a crash without logging it: true for such a
        /// statement.
        fn partitions_changed_table(
            self: &ReplicaFilter,
            query: &[u8],
            default_db: &str,
            request: &str,
            lower_case_table_names: u32,
            db: &mut String,
            table: &mut String,
        ) -> bool;
        /// Before that statement runs with `verdict`, the table's
        /// definition (its `.frm`, empty: none) being `definition`: adds
        /// the row that holds it to `verdict.record` when the statement
        /// runs, for the caller to write before it runs.
        fn partitions_ahead(self: &ReplicaFilter, definition: &[u8], verdict: &mut QueryVerdict);
        /// The verdict on that statement received again after a restart,
        /// the table's definition now being `definition` (empty: none):
        /// true when it sets `verdict` (skip it: it ran before the stop),
        /// false otherwise.
        fn partitions_changed_verdict(
            self: &ReplicaFilter,
            query: &[u8],
            definition: &[u8],
            verdict: &mut QueryVerdict,
        ) -> bool;
        /// The verdict on the master's DDL statement `query` received
        /// again after a restart, whose changes the record took before it
        /// ran (run it as recorded, or the copy stops): true when it sets
        /// `verdict`, false for any other statement.
        fn ddl_redo_verdict(
            self: &ReplicaFilter,
            query: &[u8],
            binlog_last: &str,
            binlog_complete: bool,
            verdict: &mut QueryVerdict,
        ) -> bool;
        /// The event group being applied committed with its XID.
        fn xid_committed(self: &mut ReplicaFilter);
        /// What to do with the master's statement `query`, run in the
        /// database `default_db`, in the copy first asked with `request`;
        /// a table is copied again at most `max_recopies` times
        /// (`@@provision_max_recopies`).  `lower_case_table_names`: this
        /// server's.
        fn query_verdict(
            self: &mut ReplicaFilter,
            query: &[u8],
            default_db: &str,
            request: &str,
            max_recopies: u32,
            lower_case_table_names: u32,
        ) -> QueryVerdict;
        /// A handle on the copy's progress counters, for another thread
        /// (the `LOAD DATA FROM MASTER` statement's) than the SQL thread.
        fn progress_handle(self: &ReplicaFilter) -> Box<ProgressHandle>;
        /// Reads the copy's first `request`: `LOAD TABLE ... FROM MASTER`
        /// copies the tables it names, and every other table replicates
        /// as usual.  Before the first event.
        fn copy_only_from(self: &mut ReplicaFilter, request: &str);
        /// Progress counters shared with a [`ReplicaFilter`].
        type ProgressHandle;
        fn read(self: &ProgressHandle) -> CopyProgress;
        /// Each table's progress, in name order.
        fn tables(self: &ProgressHandle) -> Vec<TableProgressRow>;
        /// The copy is complete: its elapsed time stops.
        fn finish(self: &ProgressHandle);
        /// A new event group starts: a copy group, or the master's
        /// transaction `domain_id`-`server_id`-`seq_no`.
        fn group_start(
            self: &mut ReplicaFilter,
            copy_group: bool,
            domain_id: u32,
            server_id: u32,
            seq_no: u64,
        );
        /// The event group being applied is committed.
        fn group_committed(self: &mut ReplicaFilter);
        /// The SQL thread stopped; the group it applied, if not committed,
        /// is rolled back.  Returns the non-transactional tables whose
        /// rows the caller must delete (their copy starts again).
        fn group_abandoned(self: &mut ReplicaFilter) -> Vec<QualifiedName>;
        /// The request that resumes the copy first asked with `request`
        /// from what is applied; empty when nothing is.
        fn resume_request(self: &ReplicaFilter, request: &str) -> String;
        /// A statement (DDL) of a copy group is applied.
        fn copy_statement(self: &mut ReplicaFilter, query: &[u8], default_db: &str, request: &str);
        /// Whether the copy statement `query` builds the deferred indexes
        /// of the table in progress: it is then handed to a builder and
        /// returned; else the build has no table.
        fn index_build(
            self: &mut ReplicaFilter,
            query: &[u8],
            default_db: &str,
            request: &str,
            context: IndexBuildContext,
        ) -> IndexBuild;
        /// The builds handed over that did not end, to hand to builders
        /// again as the copy goes on, beside the SQL thread.
        fn resume_index_builds(self: &mut ReplicaFilter) -> Vec<IndexBuild>;
        /// The build of `table` ended with `error_code` (0: none): the
        /// record's rows to write now if it built the indexes.
        fn index_build_ended(
            self: &mut ReplicaFilter,
            table: &str,
            error_code: u32,
        ) -> Vec<ProgressRow>;
        /// Whether a statement (`copy`: of a copy group; `in_transaction`:
        /// inside a transaction) waits for every build in flight before
        /// it runs.
        fn waits_for_index_builds(
            self: &ReplicaFilter,
            query: &[u8],
            copy: bool,
            in_transaction: bool,
            default_db: &str,
            xa_prepared: bool,
        ) -> bool;
        /// Whether the build of `table` is still wanted (a failed one is
        /// run again).
        fn index_build_wanted(self: &ReplicaFilter, table: &str) -> bool;
        /// Whether a builder works on `db`.`table` now: a worker of
        /// parallel replication waits for the groups before it to commit
        /// before it opens the table.
        fn index_build_running(self: &ReplicaFilter, db: &str, table: &str) -> bool;
        /// How many builds a copy runs at once beside its SQL thread.
        fn index_builds_in_flight() -> usize;
        /// The settings a builder's session takes beside the build's own
        /// `sql_mode` and character sets (`SET SESSION ...` syntax).
        fn index_builder_settings() -> &'static str;
        /// Whether builds run beside the SQL thread on a server that may
        /// run on `cpus` CPUs (else the SQL thread runs them).
        fn index_builds_beside(cpus: usize) -> bool;
        /// Whether the dump sends a unit of `kind` only at an exact cut,
        /// with no XA transaction prepared on the master.
        fn unit_at_cut(kind: UnitKind) -> bool;
        /// Whether a build that ended with `error_code` (0: none) built
        /// its indexes (or found them built by an earlier run).
        fn index_built(error_code: u32) -> bool;
        /// Whether the error `error_code`, raised while the master
        /// prepares a view's SELECT, says that something the view reads
        /// is gone (as opposed to rights missing).
        fn view_reads_gone(error_code: u32) -> bool;
        /// Whether a build that failed with `error_code` runs again beside
        /// the SQL thread (it waited too long for a lock while the SQL
        /// thread did not wait for it, `sql_thread_waits`).
        fn index_build_runs_again_beside(error_code: u32, sql_thread_waits: bool) -> bool;
        /// The error that stops a copy whose index build of `table` failed
        /// twice, with `error_code` and `message`.
        fn index_build_failed_message(table: &str, error_code: u32, message: &[u8]) -> String;
        /// Whether the copy changed this server (so that stopping now
        /// leaves it incomplete).
        fn copy_changed_replica(self: &ReplicaFilter) -> bool;
        /// Why `START SLAVE` is refused on `connection`, whose copy
        /// (`request`) stopped before its end; `resumable`: the same
        /// statement goes on with it (else it stopped on an error).
        fn unfinished_copy_message(connection: &str, request: &str, resumable: bool) -> String;
        /// Why this server refuses a binlog dump while its connection
        /// `connection` has a copy running or unfinished.
        fn copying_here_message(connection: &str) -> String;
        /// `Slave_SQL_Running_State` while the connection is provisioned.
        fn provisioning_state(progress: &CopyProgress, resumes: u32) -> String;
        /// `Slave_SQL_Running_State` of a connection with an unfinished copy.
        fn unfinished_state(resumable: bool) -> String;
        /// The statement's error when the connection's threads stopped
        /// before the end of the copy with neither thread's error
        /// (`io_error`, `sql_error`: their error numbers; `sql_message`:
        /// the SQL thread's message): `STOP SLAVE`, or a `KILL` of a
        /// replication thread, stopped it, or an error of this server's
        /// that rolled the SQL thread's group back whole (a lock wait, a
        /// full disk), and the same statement goes on with it.  Empty when
        /// a thread failed otherwise, or when the master's group it
        /// stopped in changed a non-transactional table
        /// (`group_non_transactional`).
        fn stopped_copy_message(
            connection: &str,
            io_error: u32,
            sql_error: u32,
            sql_message: &[u8],
            group_non_transactional: bool,
        ) -> String;
        /// The message of the slave I/O thread's error `error_code` that stopped
        /// the copy, which was sending `request`.
        fn io_failure_message(
            connection: &str,
            request: &str,
            error_code: u32,
            message: &[u8],
        ) -> String;
        /// Whether the SQL thread's error `sql_error` (0: none) is why the
        /// copy stopped, whatever the slave I/O thread's: whenever it has
        /// one (a lost connection then does not let the copy go on).
        fn sql_error_decides(sql_error: u32) -> bool;
        /// Whether a copy is kept (its statement killed, or its SQL thread
        /// stopped), given the SQL thread's error when it stopped
        /// (`sql_error`, 0: none; `sql_message`) and whether its group
        /// had changed a non-transactional table.
        fn sql_stop_keeps_copy(
            sql_error: u32,
            sql_message: &[u8],
            group_non_transactional: bool,
        ) -> bool;
        /// Whether the copy stays resumable after the slave I/O thread's
        /// error `error_code` (`message`) stopped it: the master says so.
        fn io_failure_keeps_copy(error_code: u32, message: &[u8]) -> bool;
        /// What the statement reports of the SQL thread's error `message`
        /// (`connection_lost`: the connection to the master was lost).
        fn sql_failure_message(message: &[u8], connection_lost: bool) -> String;
        /// The error `message` that ended the copy of `connection` that
        /// sent `request`, its advice to copy again naming the statement.
        fn name_copy_again(message: &str, connection: &str, request: &str) -> String;
        /// Whether the Query event `query` ends its event group (it is a
        /// group of its own, `standalone`, or it ends a transaction).
        fn query_ends_group(standalone: bool, query: &[u8]) -> bool;
        /// Whether the master's Query event `query` may change the copy's
        /// ledger (anything but transaction control): a worker applying
        /// it in parallel waits for the groups before it to commit first.
        fn query_may_change_ledger(query: &[u8]) -> bool;
        /// Why a copy applies serially although its connection has
        /// parallel replication, empty when it applies in parallel.
        fn parallel_apply_serial_reason(gtid_slave_pos_transactional: bool) -> &'static str;
        /// Whether a worker beside an uncommitted earlier group waits for
        /// the groups before it before it changes a row of a table without
        /// rollback (`parallel_apply::waits_before_row`).
        fn parallel_apply_waits_before_row(ahead: bool, table_transactional: bool) -> bool;
        /// The SQL driver thread of a copy applied in parallel reads a
        /// group's GTID event: whether the group applies alone (on the
        /// driver thread, after every group before it committed).
        fn group_queued(self: &mut ReplicaFilter, kind: GroupKind) -> bool;
        /// Whether the master's group the SQL thread stopped in changed a
        /// non-transactional table (it cannot be applied again).
        fn group_changed_non_transactional(self: &ReplicaFilter) -> bool;
        /// The record rows a worker's group writes before it commits: only
        /// when one of its statements made a table be copied again.
        fn worker_progress_rows(self: &mut ReplicaFilter, request: &str) -> Vec<ProgressRow>;
        /// A worker committed the master's transaction
        /// `domain_id`-`server_id`-`seq_no`, the server's group `sub_id`.
        fn worker_group_committed(
            self: &mut ReplicaFilter,
            domain_id: u32,
            server_id: u32,
            seq_no: u64,
            sub_id: u64,
        );
        /// Whether the master's changes to a table are skipped because its
        /// copy has not started (the Table_map of a normal group).
        fn table_skipped(self: &ReplicaFilter, db: &str, table: &str) -> bool;
        /// A row of a chunk was applied; `key` is empty for a table
        /// without a copy key.  Returns an error message, empty if none.
        fn copy_row(
            self: &mut ReplicaFilter,
            db: &str,
            table: &str,
            transactional: bool,
            key: &[u8],
        ) -> String;
        /// The note (Annotate_rows text) of a copy group.  Returns an error
        /// message, empty if none.
        fn copy_note(self: &mut ReplicaFilter, text: &[u8]) -> String;
        /// The master's checksums, when the copy ended `WITH CHECKSUM`.
        fn master_checksums(self: &ReplicaFilter) -> Vec<TableChecksum>;
        /// The end marker's GTID list (`d-s-n` text) of a copy in
        /// `copy_domain`: the master's position, or why the copy is not
        /// complete (copy groups lost on the way).
        fn copy_end(self: &ReplicaFilter, list: &str, copy_domain: u32) -> CopyEndVerdict;
        /// The error of a table whose checksum differs from the master's;
        /// `io_filtered`: the connection filters the master's transactions
        /// by server or domain.
        fn checksum_mismatch_message(
            db: &str,
            table: &str,
            master: u32,
            replica: u32,
            io_filtered: bool,
        ) -> String;
        /// The error of a copied row the engine did not write.
        fn copy_row_refused_message(db: &str, table: &str, engine_error: &[u8]) -> String;
        /// What to do with a row operation of the master's.
        fn decide_row(
            self: &mut ReplicaFilter,
            db: &str,
            table: &str,
            transactional: bool,
            kind: RowKind,
            before_key: &[u8],
            after_key: &[u8],
        ) -> RowAction;
        /// The error message for a strict apply that failed; `key_text`
        /// is the key as the server prints it.
        fn divergence_message(
            db: &str,
            table: &str,
            kind: RowKind,
            failure: RowFailure,
            key_text: &[u8],
        ) -> String;
        /// The error message for a row event without full row images.
        fn partial_row_image_message(db: &str, table: &str) -> String;
    }
}

mod claims;
mod replica_filter;
use replica_filter::{
    checksum_mismatch_message, copying_here_message, divergence_message, partial_row_image_message,
    provisioning_state, query_ends_group, query_may_change_ledger, record_started,
    replica_filter_new, replica_filter_restore, unfinished_copy_message, unfinished_state,
    ProgressHandle, ReplicaFilter,
};

// The server's error messages come as bytes: the slave I/O thread's
// carries the master's text, which may name tables in a character set of
// its own, and the SQL thread's may quote row data; text that is not
// UTF-8 must not reach a `&str` (cxx would throw, and abort the server).

fn stopped_copy_message(
    connection: &str,
    io_error: u32,
    sql_error: u32,
    sql_message: &[u8],
    group_non_transactional: bool,
) -> String {
    replica_filter::stopped_copy_message(
        connection,
        io_error,
        sql_error,
        &String::from_utf8_lossy(sql_message),
        group_non_transactional,
    )
}

fn io_failure_message(connection: &str, request: &str, error_code: u32, message: &[u8]) -> String {
    replica_filter::io_failure_message(
        connection,
        request,
        error_code,
        &String::from_utf8_lossy(message),
    )
}

fn sql_error_decides(sql_error: u32) -> bool {
    replica_filter::sql_error_decides(sql_error)
}

fn sql_stop_keeps_copy(sql_error: u32, sql_message: &[u8], group_non_transactional: bool) -> bool {
    replica_filter::sql_stop_keeps_copy(
        sql_error,
        &String::from_utf8_lossy(sql_message),
        group_non_transactional,
    )
}

fn io_failure_keeps_copy(error_code: u32, message: &[u8]) -> bool {
    replica_filter::io_failure_keeps_copy(error_code, &String::from_utf8_lossy(message))
}

fn sql_failure_message(message: &[u8], connection_lost: bool) -> String {
    replica_filter::sql_failure_message(&String::from_utf8_lossy(message), connection_lost)
}

fn index_build_failed_message(table: &str, error_code: u32, message: &[u8]) -> String {
    replica_filter::index_build_failed_message(table, error_code, &String::from_utf8_lossy(message))
}

fn copy_row_refused_message(db: &str, table: &str, engine_error: &[u8]) -> String {
    replica_filter::copy_row_refused_message(db, table, &String::from_utf8_lossy(engine_error))
}

fn name_copy_again(message: &str, connection: &str, request: &str) -> String {
    provision_core::preflight::name_copy_again(message, connection, request)
}

fn index_builds_in_flight() -> usize {
    provision_core::index_build::MAX_IN_FLIGHT
}

fn index_builder_settings() -> &'static str {
    provision_core::index_build::BUILDER_SETTINGS
}

fn table_crashed(error_code: u32) -> bool {
    provision_core::saved_copy::table_crashed(error_code)
}

fn parallel_apply_waits_before_row(ahead: bool, table_transactional: bool) -> bool {
    provision_core::parallel_apply::waits_before_row(ahead, table_transactional)
}

fn parallel_apply_serial_reason(gtid_slave_pos_transactional: bool) -> &'static str {
    provision_core::parallel_apply::serial_reason(gtid_slave_pos_transactional).unwrap_or_default()
}

fn index_builds_beside(cpus: usize) -> bool {
    provision_core::index_build::beside_sql_thread(cpus)
}

/// Whether the dump sends a unit of `kind` only at an exact cut, as a
/// chunk (DESIGN I1): the units the slave SQL thread waits for the index
/// builds beside it at ([`provision_core::index_build::statement_waits`]:
/// the next table's build, the objects and their note, the accounts, the
/// end).  Not for their data (they read nothing a cut would make exact)
/// but for XA: at a cut no XA transaction is prepared on the master, so
/// the slave holds no prepared transaction's locks there, and a build,
/// which waits for such locks, cannot be waiting for an `XA COMMIT` that
/// comes behind the unit.  The manifest (first, before any build, and
/// before the slave applies anything of the master's), the CREATEs of
/// databases and tables (which do not wait) and the chunks and checksums
/// (read at a cut of their own) are not.
fn unit_at_cut(kind: ffi::UnitKind) -> bool {
    use ffi::UnitKind as K;
    [
        K::CreateView,
        K::CreateObject,
        K::BuildIndexes,
        K::Objects,
        K::ReloadAccounts,
        K::End,
    ]
    .contains(&kind)
}

fn index_built(error_code: u32) -> bool {
    provision_core::index_build::built(error_code)
}

fn view_reads_gone(error_code: u32) -> bool {
    dump::view_reads_gone(error_code)
}

fn index_build_runs_again_beside(error_code: u32, sql_thread_waits: bool) -> bool {
    provision_core::index_build::runs_again_beside(error_code, sql_thread_waits)
}

fn definitions_sql_mode() -> u64 {
    provision_core::dump::DEFINITIONS_SQL_MODE
}

fn definitions_time_zone() -> &'static str {
    provision_core::dump::DEFINITIONS_TIME_ZONE
}

fn progress_table_ddl() -> &'static str {
    provision_core::saved_copy::PROGRESS_TABLE_DDL
}

fn recreate_empty_table(show_create: &[u8]) -> Vec<u8> {
    provision_core::ddl::create_table(show_create).unwrap_or_default()
}

/// What a caught panic said.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned())
}

/// A dump session, or the reason it stopped.
/// How many reasons why the master is not ready one refusal keeps.
const MAX_PROBLEMS: usize = 100;

/// The length the list of reasons why the master is not ready is kept
/// within: the replica shows it inside two error messages of its own
/// (the IO thread's, then the statement's, which names the connection),
/// and the server cuts an error message at `MYSQL_ERRMSG_SIZE` (512).
const NOT_READY_BUDGET: usize = 250;

pub struct DumpSession {
    session: Option<dump::DumpSession>,
    error: Option<DumpError>,
    /// What makes the master not ready for the copy (settings, missing
    /// privileges), reported together; at most `MAX_PROBLEMS`.
    problems: Vec<DumpError>,
    /// Problems beyond `MAX_PROBLEMS`.
    more_problems: usize,
    /// Views added, until `plan()`.
    views: Vec<View>,
    /// The request resumes a copy (also when the master refused it).
    resuming: bool,
}

impl DumpSession {
    /// Runs `f` on the live session, recording its error; returns `None`
    /// once an error happened (the dump is then over).  A panic in `f` (a
    /// bug) becomes the dump's error and ends the session: it would
    /// otherwise abort the master, which serves more than this copy.
    fn with<T>(
        &mut self,
        f: impl FnOnce(&mut dump::DumpSession) -> Result<T, DumpError>,
    ) -> Option<T> {
        if self.error.is_some() {
            return None;
        }
        let session = self.session.as_mut()?;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(session))) {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                self.error = Some(e);
                None
            }
            Err(panic) => {
                self.session = None;
                self.error = Some(DumpError::Internal(panic_text(&*panic)));
                None
            }
        }
    }

    fn refusal(&self) -> String {
        self.refusal_within(NOT_READY_BUDGET)
    }

    /// The dump's error, with the list of reasons why the master is not
    /// ready kept within `budget`; saying so when the replica keeps its
    /// copy ([`DumpError::keeps_copy`]).
    fn refusal_within(&self, budget: usize) -> String {
        let (mut text, kept) = if self.problems.is_empty() {
            match &self.error {
                Some(e) => (e.to_string(), e.keeps_copy(self.resuming)),
                None => return String::new(),
            }
        } else {
            let kept = self.problems.iter().all(|p| p.keeps_copy(self.resuming));
            let room = budget.saturating_sub(if kept { dump::COPY_KEPT.len() } else { 0 });
            let text = dump::not_ready_text(&self.problems, self.more_problems, room);
            (text, kept)
        };
        if kept {
            text.push_str(". ");
            text.push_str(dump::COPY_KEPT);
        }
        text
    }

    fn start_at_replica(&mut self, replica_pos: &str) {
        self.with(|s| s.start_at_replica(replica_pos));
    }

    fn binlog_history(&mut self, server_id: u32, started: u64, resets: u64) {
        self.with(|s| {
            s.binlog_history(BinlogHistory {
                server_id,
                started,
                resets,
            })
        });
    }

    fn is_reload(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(dump::DumpSession::is_reload)
    }

    fn refusal_in_full(&self) -> String {
        self.refusal_within(usize::MAX)
    }

    /// Records one reason why the master is not ready for the copy.
    fn not_ready(&mut self, problem: DumpError) {
        if self.problems.contains(&problem) {
            return;
        }
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(problem);
        } else {
            self.more_problems += 1;
        }
    }

    fn judge_cut(
        &mut self,
        dump_file: &str,
        cut_file: &str,
        commit_file: &str,
        facts: &ffi::CutFacts,
        pending_xid: &str,
    ) -> ffi::CutDecision {
        let dump = BinlogPos {
            file: dump_file,
            pos: facts.dump_pos,
        };
        let binlog_end = BinlogPos {
            file: cut_file,
            pos: facts.cut_pos,
        };
        let cut_facts = CutFacts {
            group_commit_idle: facts.group_commit_idle,
            binlog_end,
            commit: facts.has_commit.then(|| {
                cut::commit_through_bookkeeping(
                    BinlogPos {
                        file: commit_file,
                        pos: facts.commit_pos,
                    },
                    binlog_end,
                    &facts.commit_tail,
                )
            }),
            xa_pending: facts.xa_pending,
            one_phase_commits: facts.one_phase_commits,
        };
        let verdict = self
            .with(|s| {
                s.judge_cut(
                    dump,
                    facts.dump_end_pos,
                    &cut_facts,
                    pending_xid,
                    Instant::now(),
                )
            })
            .unwrap_or(CutVerdict::Wait);
        let (action, pos) = match verdict {
            CutVerdict::Exact => (ffi::CutAction::Exact, facts.dump_pos),
            CutVerdict::SendEventsTo(pos) => (ffi::CutAction::SendEventsTo, pos),
            CutVerdict::SendEventsFirst => (ffi::CutAction::SendEventsFirst, 0),
            CutVerdict::Wait => (ffi::CutAction::Wait, 0),
        };
        ffi::CutDecision { action, pos }
    }

    fn set_checksum(&mut self, on: bool) {
        if let Some(s) = self.session.as_mut() {
            s.set_checksum(on);
            s.set_timestamp(now());
        }
    }

    #[allow(clippy::ptr_arg)] // the bridge hands over a rust::Vec
    fn add_database(&mut self, db: &str, tables: &Vec<String>, binlogged: bool) {
        if let Some(s) = self.session.as_mut() {
            s.add_database(db, tables, binlogged);
        }
    }

    fn copies_table(&self, db: &str, name: &str) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.copies_table(db, name))
    }

    fn copies_database(&self, db: &str) -> bool {
        self.session.as_ref().is_some_and(|s| s.copies_database(db))
    }

    fn next_unit(&self) -> ffi::UnitInfo {
        let mut info = ffi::UnitInfo {
            kind: ffi::UnitKind::Finished,
            db: String::new(),
            table: String::new(),
            has_after_key: false,
            after_key: Vec::new(),
            max_rows: 0,
        };
        let Some(s) = self
            .session
            .as_ref()
            .filter(|_| self.error.is_none() && self.problems.is_empty())
        else {
            return info;
        };
        match s.next_unit() {
            Unit::CreateDatabase { db } => {
                info.kind = ffi::UnitKind::CreateDatabase;
                info.db = db.to_owned();
            }
            Unit::CreateTable { db, table } => {
                info.kind = ffi::UnitKind::CreateTable;
                info.db = db.to_owned();
                info.table = table.to_owned();
            }
            Unit::CreateView { db, view } => {
                info.kind = ffi::UnitKind::CreateView;
                info.db = db.to_owned();
                info.table = view.to_owned();
            }
            Unit::CreateObject { db, name, .. } => {
                info.kind = ffi::UnitKind::CreateObject;
                info.db = db.to_owned();
                info.table = name.to_owned();
            }
            Unit::Rows {
                db,
                table,
                after,
                max_rows,
            } => {
                info.kind = ffi::UnitKind::Rows;
                info.db = db.to_owned();
                info.table = table.to_owned();
                info.has_after_key = after.is_some();
                info.after_key = after.unwrap_or_default().to_vec();
                info.max_rows = s.chunk_rows_limit(max_rows);
            }
            Unit::BuildIndexes { db, table } => {
                info.kind = ffi::UnitKind::BuildIndexes;
                info.db = db.to_owned();
                info.table = table.to_owned();
            }
            Unit::Manifest => info.kind = ffi::UnitKind::Manifest,
            Unit::Objects => info.kind = ffi::UnitKind::Objects,
            Unit::ReloadAccounts => info.kind = ffi::UnitKind::ReloadAccounts,
            Unit::Checksums => info.kind = ffi::UnitKind::Checksums,
            Unit::End => info.kind = ffi::UnitKind::End,
            Unit::Finished => {}
        }
        info
    }

    fn encode_create_database(
        &mut self,
        log_pos: u32,
        charset: &str,
        collation: &str,
        comment: &[u8],
        ctx: &ffi::QueryContext,
    ) -> Vec<u8> {
        let ctx = query_context(ctx);
        self.with(|s| s.create_database(log_pos, charset, collation, comment, &ctx))
            .unwrap_or_default()
    }

    fn encode_create_definition(
        &mut self,
        log_pos: u32,
        show_create: &[u8],
        ctx: &ffi::QueryContext,
    ) -> Vec<u8> {
        let ctx = query_context(ctx);
        self.with(|s| s.create_definition(log_pos, show_create, &ctx))
            .unwrap_or_default()
    }

    fn defer_create(&mut self, log_pos: u32, show_create: &[u8], ctx: &ffi::QueryContext) {
        let ctx = query_context(ctx);
        self.with(|s| s.defer_create(log_pos, show_create, &ctx));
    }

    fn create_deferred(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.create_deferred())
    }

    fn encode_deferred_create(&mut self) -> Vec<u8> {
        self.with(|s| s.encode_deferred_create())
            .unwrap_or_default()
    }

    fn encode_moved_point(&mut self, log_pos: u32) -> Vec<u8> {
        self.with(|s| s.moved_point(log_pos)).unwrap_or_default()
    }

    fn master_event_sent(&mut self, event: ffi::MasterEvent, log_pos: u32) -> Vec<u8> {
        let event = match event {
            ffi::MasterEvent::GtidOneStatement => dump::MasterEvent::GtidOneStatement,
            ffi::MasterEvent::Gtid => dump::MasterEvent::Gtid,
            ffi::MasterEvent::InGroup => dump::MasterEvent::InGroup,
            ffi::MasterEvent::GroupEnd => dump::MasterEvent::GroupEnd,
            _ => dump::MasterEvent::Other,
        };
        self.with(|s| s.master_event_sent(event, log_pos))
            .unwrap_or_default()
    }

    fn encode_manifest(&mut self, log_pos: u32) -> Vec<u8> {
        self.with(|s| s.manifest(log_pos)).unwrap_or_default()
    }

    fn encode_objects_marker(&mut self, log_pos: u32) -> Vec<u8> {
        self.with(|s| s.objects_marker(log_pos)).unwrap_or_default()
    }

    fn objects_stale(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.objects_stale())
    }

    fn reset_objects(&mut self) {
        self.views.clear();
        self.with(|s| {
            s.reset_objects();
            Ok(())
        });
    }

    fn replan_objects(&mut self) {
        let views = std::mem::take(&mut self.views);
        self.with(|s| s.replan_objects(views));
    }

    fn copied_tables(&self) -> Vec<ffi::QualifiedName> {
        self.session
            .as_ref()
            .map(|s| {
                s.copied_tables()
                    .into_iter()
                    .map(|(db, table)| ffi::QualifiedName { db, table })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn copied_databases(&self) -> Vec<String> {
        self.session
            .as_ref()
            .map(|s| s.copied_databases())
            .unwrap_or_default()
    }

    fn encode_reload_accounts(&mut self, log_pos: u32, ctx: &ffi::QueryContext) -> Vec<u8> {
        let ctx = query_context(ctx);
        self.with(|s| s.reload_accounts(log_pos, &ctx))
            .unwrap_or_default()
    }

    #[allow(clippy::ptr_arg)] // the bridge hands over a rust::Vec
    fn add_view(&mut self, db: &str, name: &str, reads_db: &Vec<String>, reads_name: &Vec<String>) {
        self.views.push(View {
            db: db.to_owned(),
            name: name.to_owned(),
            reads: reads_db
                .iter()
                .cloned()
                .zip(reads_name.iter().cloned())
                .collect(),
        });
    }

    fn add_row_estimate(&mut self, db: &str, table: &str, rows: u64) {
        if let Some(s) = self.session.as_mut() {
            s.add_row_estimate(db, table, rows);
        }
    }

    fn add_table_engine(&mut self, db: &str, table: &str, engine: &str, trx_versioned: bool) {
        if let Some(s) = self.session.as_mut() {
            s.add_table_engine(db, table, engine, trx_versioned);
        }
    }

    fn add_foreign_key(
        &mut self,
        db: &str,
        table: &str,
        parent_db: &str,
        parent: &str,
        rules: &ffi::ForeignKeyRules,
    ) {
        let rule = |option| match option {
            ffi::FkOption::Cascade => FkRule::Cascade,
            ffi::FkOption::SetNull => FkRule::SetNull,
            ffi::FkOption::SetDefault => FkRule::SetDefault,
            _ => FkRule::Keep,
        };
        let moves = ForeignKeyMoves {
            on_update: rule(rules.on_update),
            on_delete: rule(rules.on_delete),
            in_copy_key: rules.in_copy_key,
        };
        self.with(|s| {
            s.add_foreign_key(db, table, parent_db, parent, moves);
            Ok(())
        });
    }

    fn add_referencing_key(&mut self, child_db: &str, child: &str, parent_db: &str, parent: &str) {
        self.with(|s| {
            s.add_referencing_key(child_db, child, parent_db, parent);
            Ok(())
        });
    }

    fn add_object(
        &mut self,
        kind: &str,
        db: &str,
        name: &str,
        definition: &[u8],
        ctx: &ffi::QueryContext,
    ) {
        let ctx = query_context(ctx);
        self.with(|s| s.add_object(kind, db, name, definition, ctx));
    }

    fn view_invalid(&mut self, db: &str, name: &str) {
        self.with(|s| Err::<(), _>(s.view_invalid(db, name)));
    }

    fn privilege_missing(&mut self, account: &str, privilege: &str, db: &str, name: &str) {
        if let Some(problem) = self
            .session
            .as_ref()
            .map(|s| s.privilege_missing(account, privilege, db, name))
        {
            self.not_ready(problem);
        }
    }

    fn check_master_settings(&mut self, row_image: &str, optimize_thread_scheduling: bool) {
        for problem in
            dump::DumpSession::master_settings_problems(row_image, optimize_thread_scheduling)
        {
            self.not_ready(problem);
        }
    }

    fn check_dump_slots(&mut self, running: u32, max: u32) {
        self.with(|_| dump::DumpSession::check_dump_slots(running, max));
    }

    fn state_text(&self, db: &str, table: &str, throttled: bool) -> String {
        self.session
            .as_ref()
            .map(|s| s.state_text(db, table, throttled))
            .unwrap_or_default()
    }

    fn audit_line(&self, replica: &str, outcome: &str) -> String {
        match &self.session {
            Some(s) => s.audit_line(replica, outcome),
            None => format!("LOAD DATA FROM MASTER: provisioning dump for {replica}; {outcome}"),
        }
    }

    fn account_tables(&self) -> Vec<String> {
        self.session
            .as_ref()
            .map(|s| s.account_tables())
            .unwrap_or_default()
    }

    fn add_default_sequence(&mut self, db: &str, table: &str, seq_db: &str, seq: &str) {
        self.with(|s| {
            s.add_default_sequence(db, table, seq_db, seq);
            Ok(())
        });
    }

    fn plan(&mut self) {
        if !self.problems.is_empty() {
            return;
        }
        let views = std::mem::take(&mut self.views);
        self.with(|s| s.plan(views));
    }

    fn encode_create_object(&mut self, log_pos: u32) -> Vec<u8> {
        self.with(|s| s.create_object(log_pos)).unwrap_or_default()
    }

    fn encode_build_indexes(&mut self, log_pos: u32) -> Vec<u8> {
        self.with(|s| s.build_indexes(log_pos)).unwrap_or_default()
    }

    fn start_position(&self) -> String {
        self.session
            .as_ref()
            .map(dump::DumpSession::start_position)
            .unwrap_or_default()
    }

    fn resumed(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(dump::DumpSession::resumed)
    }

    fn plan_recalled(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(dump::DumpSession::plan_recalled)
    }

    fn checksum_tables(&self) -> Vec<ffi::TableChecksum> {
        self.session
            .as_ref()
            .map(|s| s.checksum_tables())
            .unwrap_or_default()
            .into_iter()
            .map(|(db, table)| ffi::TableChecksum {
                db,
                table,
                sum: 0,
                verifiable: false,
            })
            .collect()
    }

    #[allow(clippy::ptr_arg)] // the bridge hands over a rust::Vec
    fn encode_checksums(&mut self, log_pos: u32, sums: &Vec<ffi::TableChecksum>) -> Vec<u8> {
        let sums: Vec<TableChecksum> = sums
            .iter()
            .filter(|c| c.verifiable)
            .map(|c| TableChecksum {
                db: c.db.clone(),
                table: c.table.clone(),
                sum: c.sum,
            })
            .collect();
        self.with(|s| s.checksums(log_pos, &sums))
            .unwrap_or_default()
    }

    fn backoff(&self, running: u32, limit: u32) -> u32 {
        let wait = dump::DumpSession::backoff(running, limit);
        u32::try_from(wait.as_millis()).unwrap_or(u32::MAX)
    }

    fn throttle(&mut self, rows_per_second: u64, bytes_per_second: u64) -> u32 {
        self.with(|s| Ok(s.throttle(rows_per_second, bytes_per_second)))
            .map_or(0, |wait| wait.as_millis().try_into().unwrap_or(u32::MAX))
    }

    fn lock_wait(
        &mut self,
        db: &str,
        table: &str,
        timeout_s: u64,
        binlog_ahead: bool,
    ) -> ffi::LockWaitStep {
        let timeout = Duration::from_secs(timeout_s);
        match self.with(|s| s.lock_wait(db, table, timeout, binlog_ahead, Instant::now())) {
            Some(LockStep::Keepalive) => ffi::LockWaitStep::Keepalive,
            Some(LockStep::SendBinlog) => ffi::LockWaitStep::SendBinlog,
            Some(LockStep::Wait) | None => ffi::LockWaitStep::Wait,
        }
    }

    fn tablespace_discarded(&mut self, db: &str, table: &str, timeout_s: u64) -> String {
        let timeout = Duration::from_secs(timeout_s);
        self.with(|s| s.tablespace_discarded(db, table, timeout, Instant::now()))
            .unwrap_or_default()
    }

    fn lock_acquired(&mut self) {
        if let Some(s) = self.session.as_mut() {
            s.lock_acquired();
        }
    }

    fn note_sent(&mut self) {
        self.with(|s| {
            s.note_sent(Instant::now());
            Ok(())
        });
    }

    fn encode_idle_keepalive(&mut self, log_pos: u32) -> Vec<u8> {
        self.with(|s| s.idle_keepalive(log_pos, Instant::now()))
            .unwrap_or_default()
    }

    fn encode_keepalive(&mut self, log_pos: u32, db: &str, table: &str) -> Vec<u8> {
        self.with(|s| s.keepalive(log_pos, db, table))
            .unwrap_or_default()
    }

    fn check_rows_definition(&mut self, db: &str, table: &str, version: &[u8]) -> u8 {
        match self.with(|s| s.check_rows_definition(db, table, version)) {
            Some(RowsDefinition::Same) => 0,
            Some(RowsDefinition::Changed) => 1,
            Some(RowsDefinition::Redefined) => 3,
            None => 2,
        }
    }

    fn take_definition(&mut self, db: &str, table: &str, version: &[u8], show_create: &[u8]) {
        self.with(|s| {
            s.take_definition(db, table, version, show_create);
            Ok(())
        });
    }

    fn table_missing(&mut self, db: &str, table: &str) -> bool {
        self.with(|s| s.table_missing(db, table)).unwrap_or(false)
    }

    fn master_statement(&mut self, query: &[u8], db: &str, lower_case_table_names: u32) -> bool {
        self.with(|s| s.master_statement(query, db, lower_case_table_names))
            .unwrap_or(false)
    }

    fn check_definition(&mut self, db: &str, table: &str, version: &[u8]) -> bool {
        self.with(|s| s.check_definition(db, table, version))
            .is_some()
    }

    #[allow(clippy::ptr_arg)] // the bridge hands over a rust::Vec
    fn begin_chunk(&mut self, columns: &Vec<ffi::ColumnDesc>) {
        let columns = columns.iter().map(column).collect();
        self.with(|s| s.begin_chunk(columns));
    }

    fn chunk_pressure(&self, keyless: bool) -> ffi::ChunkPressure {
        match self.session.as_ref().map(|s| s.chunk_pressure(keyless)) {
            Some(ChunkPressure::Stream) => ffi::ChunkPressure::Stream,
            Some(ChunkPressure::Stop) => ffi::ChunkPressure::Stop,
            _ => ffi::ChunkPressure::Room,
        }
    }

    fn drain_chunk(&mut self, log_pos: u32) -> Vec<u8> {
        self.with(|s| s.drain_chunk(log_pos)).unwrap_or_default()
    }

    fn add_value(&mut self, value: &[u8]) {
        self.with(|s| s.add_value(Some(value)));
    }

    fn add_null(&mut self) {
        self.with(|s| s.add_value(None));
    }

    fn end_row(&mut self) {
        self.with(|s| s.end_row());
    }

    fn finish_chunk(&mut self, log_pos: u32, last_key: &[u8], exhausted: bool) -> Vec<u8> {
        self.with(|s| s.finish_chunk(log_pos, last_key, exhausted))
            .unwrap_or_default()
    }

    fn encode_end(&mut self, log_pos: u32, master_pos: &str) -> Vec<u8> {
        self.with(|s| s.end(log_pos, master_pos))
            .unwrap_or_default()
    }
}

fn provision_relay_log_space_limit(configured: u64, provision_default: u64) -> u64 {
    dump::relay_log_space_limit(configured, provision_default)
}

fn provision_relay_log_file_size(space_limit: u64, configured: u64) -> u64 {
    dump::relay_log_file_size(space_limit, configured)
}

fn provision_dump_write_timeout(locks_out_writers: bool, net_write_timeout: u32) -> u32 {
    dump::replica_write_timeout(locks_out_writers, net_write_timeout)
}

#[allow(clippy::ptr_arg)] // the bridge hands over a rust::Vec
fn key_image_valid(parts: &Vec<ffi::KeyPartShape>, image: &[u8]) -> bool {
    let parts: Vec<KeyPart> = parts
        .iter()
        .map(|p| KeyPart {
            nullable: p.nullable,
            variable: p.variable,
            length: p.length,
        })
        .collect();
    key_image::well_formed(&parts, image)
}

fn dump_session_new(
    request: &[u8],
    master_pos: &str,
    server_id: u32,
    chunk_rows: u32,
) -> Box<DumpSession> {
    let (session, error) =
        match dump::DumpSession::new(request, master_pos, server_id, chunk_rows, now()) {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(e)),
        };
    let resuming = Request::parse(request).is_ok_and(|r| r.resume.is_some());
    Box::new(DumpSession {
        session,
        error,
        problems: Vec::new(),
        more_problems: 0,
        views: Vec::new(),
        resuming,
    })
}

fn query_context(ctx: &ffi::QueryContext) -> dump::QueryContext {
    dump::QueryContext {
        thread_id: ctx.thread_id,
        sql_mode: ctx.sql_mode,
        flags2: ctx.flags2,
        charset: CharsetIds {
            client: ctx.charset_client,
            connection: ctx.collation_connection,
            server: ctx.collation_server,
        },
        time_zone: (!ctx.time_zone.is_empty()).then(|| ctx.time_zone.clone()),
    }
}

/// The server writes `m_metadata` with `int2store` and keeps the first
/// `m_metadata_size` bytes.
fn column(desc: &ffi::ColumnDesc) -> Column {
    let size = usize::from(desc.metadata_size).min(2);
    Column {
        type_code: desc.type_code,
        metadata: desc.metadata.to_le_bytes()[..size].to_vec(),
        nullable: desc.nullable,
    }
}

/// Seconds since the epoch, for event headers.
fn now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
}

fn replica_request(
    connection_name: &str,
    with_grants: bool,
    checksum: bool,
    filter_rules: &str,
) -> String {
    Request {
        with_grants,
        checksum,
        filter: copy_filter(filter_rules),
        ..Request::for_connection(connection_name)
    }
    .encode()
}

/// The filter of `ReplicaState::filter_rules`.  The server writes its
/// lists itself (a rewrite always as `from->to`), so none is malformed; a
/// line that were would be left out, which copies more, never less.
fn copy_filter(rules: &str) -> CopyFilter {
    let mut filter = CopyFilter::default();
    for line in rules.lines() {
        if let Some((rule, list)) = line.split_once('=') {
            let _ = filter.add_list(rule, list);
        }
    }
    filter
}

fn request_with_max_packet(request: &str, max_packet: u64) -> String {
    Request::with_max_packet(request, max_packet)
}

fn replica_copy_domain(connection_name: &str) -> u32 {
    protocol::copy_domain_for(connection_name)
}

fn end_marker_flag() -> u32 {
    protocol::GTID_LIST_FLAG_PROVISION_DONE
}

fn plan_store_open(file: &[u8]) {
    #[cfg(unix)]
    let file = {
        use std::os::unix::ffi::OsStrExt;
        std::path::PathBuf::from(std::ffi::OsStr::from_bytes(file))
    };
    #[cfg(not(unix))]
    let file = std::path::PathBuf::from(String::from_utf8_lossy(file).into_owned());
    provision_core::plan_cache::keep_in(&file);
}

fn support_probe_variable() -> &'static str {
    protocol::SUPPORT_PROBE_VARIABLE
}

impl From<&ffi::ReplicaState> for ReplicaFacts {
    fn from(s: &ffi::ReplicaState) -> Self {
        ReplicaFacts {
            connection_name: s.connection_name.clone(),
            in_stored_program: s.in_stored_program,
            in_transaction: s.in_transaction,
            connection_exists: s.connection_exists,
            master_host_set: s.master_host_set,
            io_thread_running: s.io_thread_running,
            sql_thread_running: s.sql_thread_running,
            use_gtid: UseGtid::from_server(s.use_gtid),
            master_delay: s.master_delay,
            skip_counter: s.skip_counter,
            prepared_xa: s.prepared_xa,
            prepared_xid: s.prepared_xid.clone(),
            skips_provision_errors: s.skips_provision_errors,
            replicas_connected: s.replicas_connected,
            databases: s
                .databases
                .iter()
                .map(|d| (d.name.clone(), d.tables.clone()))
                .collect(),
            filter: copy_filter(&s.filter_rules),
            replace: s.replace,
            request: s.request.clone(),
            parked_request: s.parked_request.clone(),
            failed_request: s.failed_request.clone(),
        }
    }
}

impl From<Result<preflight::Start, Refusal>> for ffi::Verdict {
    fn from(r: Result<preflight::Start, Refusal>) -> Self {
        match r {
            Ok(start) => ffi::Verdict {
                error_code: 0,
                error_arg: String::new(),
                resume: start == preflight::Start::Resume,
            },
            Err(refusal) => ffi::Verdict {
                error_code: refusal.error_code(),
                error_arg: refusal.error_arg(),
                resume: false,
            },
        }
    }
}

fn check_load_from_master(state: &ffi::ReplicaState) -> ffi::Verdict {
    preflight::check_replica(&ReplicaFacts::from(state)).into()
}

fn reload_list(tables: &[ffi::QualifiedName]) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = tables
        .iter()
        .map(|t| (t.db.clone(), t.table.clone()))
        .collect();
    list.sort();
    list.dedup();
    list
}

#[allow(clippy::ptr_arg)] // the bridge hands over a rust::Vec
fn check_load_tables(state: &ffi::ReplicaState, tables: &Vec<ffi::QualifiedName>) -> ffi::Verdict {
    preflight::check_reload(&ReplicaFacts::from(state), &reload_list(tables)).into()
}

#[allow(clippy::ptr_arg)] // the bridge hands over a rust::Vec
fn reload_request(request: &str, tables: &Vec<ffi::QualifiedName>) -> String {
    match Request::parse(request) {
        Ok(mut r) => {
            r.tables = reload_list(tables);
            r.encode()
        }
        Err(_) => request.to_owned(),
    }
}

fn replace_notice(state: &ffi::ReplicaState) -> String {
    preflight::replace_notice(&ReplicaFacts::from(state))
}

fn replaced_tables(state: &ffi::ReplicaState) -> Vec<ffi::QualifiedName> {
    preflight::replaced_tables(&ReplicaFacts::from(state))
        .into_iter()
        .map(|(db, table)| ffi::QualifiedName { db, table })
        .collect()
}

fn parked_copy_note(state: &ffi::ReplicaState) -> String {
    preflight::parked_copy_note(&ReplicaFacts::from(state))
}

fn core_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_units_the_sql_thread_waits_for_builds_at_go_at_a_cut() {
        use ffi::UnitKind as K;
        let own_cut = [K::Rows, K::Checksums];
        let no_wait = [K::Manifest, K::CreateDatabase, K::CreateTable];
        for kind in own_cut.into_iter().chain(no_wait).chain([K::Finished]) {
            assert!(!unit_at_cut(kind));
        }
        for kind in [K::BuildIndexes, K::Objects, K::CreateView, K::End] {
            assert!(unit_at_cut(kind));
        }
    }

    fn state(name: &str) -> ffi::ReplicaState {
        ffi::ReplicaState {
            connection_name: name.into(),
            in_stored_program: false,
            in_transaction: false,
            connection_exists: false,
            master_host_set: false,
            io_thread_running: false,
            sql_thread_running: false,
            use_gtid: 2,
            master_delay: 0,
            skip_counter: 0,
            prepared_xa: 0,
            prepared_xid: String::new(),
            skips_provision_errors: false,
            replicas_connected: 0,
            databases: Vec::new(),
            filter_rules: String::new(),
            replace: false,
            request: String::new(),
            parked_request: String::new(),
            failed_request: String::new(),
        }
    }

    #[test]
    fn the_connections_filter_reaches_the_master_and_the_preflight() {
        let rules = "do_db=a,b\nrewrite_db=p->a\nwild_ignore_table=a.tmp%\n";
        let request = replica_request("m1", true, false, rules);
        let d = dump_session_new(request.as_bytes(), "", 1, 10);
        assert_eq!(d.refusal(), "");
        let mut d = d;
        d.add_database("p", &vec!["t".to_owned(), "tmp1".to_owned()], true);
        d.add_database("c", &vec!["t".to_owned()], true);
        assert!(d.copies_table("p", "t"));
        assert!(!d.copies_table("p", "tmp1") && !d.copies_table("c", "t"));
        let mut s = state("m1");
        s.connection_exists = true;
        s.master_host_set = true;
        s.filter_rules = rules.to_owned();
        s.databases = vec![ffi::DatabaseSummary {
            name: "c".into(),
            tables: vec!["x".into()],
        }];
        assert_eq!(check_load_from_master(&s).error_code, 0, "c is not copied");
        s.databases[0].name = "b".into();
        assert_ne!(check_load_from_master(&s).error_code, 0);
    }

    #[test]
    fn a_refused_request_reaches_the_shim_as_text() {
        let d = dump_session_new(b"nonsense", "", 1, 10);
        assert!(d.refusal().contains("malformed provisioning request"));
        assert_eq!(d.next_unit().kind, ffi::UnitKind::Finished);
    }

    #[test]
    fn the_master_says_when_the_replica_keeps_its_copy() {
        let resume = "v=1;domain=7;resume=0-1-14;plan=00000000000000ab;step=3;seq=4";
        // A standby promoted before it applied the copy's position.
        let d = dump_session_new(resume.as_bytes(), "0-1-13", 1, 10);
        let refusal = d.refusal();
        assert!(refusal.contains("never reached it"), "{refusal}");
        assert!(dump::keeps_copy_said(&refusal), "{refusal}");
        // Too many dumps, or settings: kept when resuming only (a first
        // copy refused before anything was sent has nothing to keep).
        for (request, kept) in [(resume, true), ("v=1;domain=7", false)] {
            let mut d = dump_session_new(request.as_bytes(), "0-1-20", 1, 10);
            d.check_dump_slots(1, 1);
            assert_eq!(dump::keeps_copy_said(&d.refusal()), kept, "{request}");
            let mut d = dump_session_new(request.as_bytes(), "0-1-20", 1, 10);
            d.check_master_settings("MINIMAL", false);
            let refusal = d.refusal();
            assert_eq!(dump::keeps_copy_said(&refusal), kept, "{refusal}");
            assert!(refusal.len() < 512, "{refusal}");
        }
        // RESET MASTER since: the copy cannot go on.
        let reset = format!("{resume};history=1.100.0");
        let mut d = dump_session_new(reset.as_bytes(), "0-1-20", 1, 10);
        d.binlog_history(1, 100, 1);
        let refusal = d.refusal();
        assert!(refusal.contains("RESET MASTER"), "{refusal}");
        assert!(!dump::keeps_copy_said(&refusal), "{refusal}");
    }

    #[test]
    fn a_panic_in_the_dump_stops_the_copy_not_the_server() {
        let mut d = dump_session_new(replica_request("", false, false, "").as_bytes(), "", 1, 10);
        let out: Option<()> = d.with(|_| panic!("an unexpected column type"));
        assert!(out.is_none());
        let refusal = d.refusal();
        assert!(
            refusal.contains("internal error in the provisioning dump (an unexpected column type)"),
            "{refusal}"
        );
        // Nothing more is sent.
        assert_eq!(d.next_unit().kind, ffi::UnitKind::Finished);
        assert!(d.encode_manifest(4).is_empty());
    }

    #[test]
    fn a_dump_runs_through_the_bridge() {
        let mut d = dump_session_new(
            replica_request("east", false, false, "").as_bytes(),
            "0-1-3",
            1,
            10,
        );
        assert_eq!(d.refusal(), "");
        d.set_checksum(true);
        d.add_database("db", &vec!["t".to_owned()], true);
        let ctx = ffi::QueryContext {
            thread_id: 1,
            sql_mode: 0,
            flags2: 0,
            charset_client: 33,
            collation_connection: 33,
            collation_server: 8,
            time_zone: "+00:00".into(),
        };
        d.add_object(
            "EVENT",
            "db",
            "e",
            b"CREATE DEFINER=`u`@`%` EVENT `e` ON SCHEDULE EVERY 1 HOUR DO SET @x=1",
            &ctx,
        );
        d.plan();
        assert_eq!(d.next_unit().kind, ffi::UnitKind::Manifest);
        assert!(!d.encode_manifest(4).is_empty());
        assert_eq!(d.next_unit().kind, ffi::UnitKind::CreateDatabase);
        assert!(!d
            .encode_create_database(4, "latin1", "latin1_swedish_ci", b"", &ctx)
            .is_empty());
        assert!(!d
            .encode_create_definition(4, b"CREATE TABLE `db`.`t` (`a` int)", &ctx)
            .is_empty());
        let unit = d.next_unit();
        assert_eq!(unit.kind, ffi::UnitKind::Rows);
        assert!(!unit.has_after_key);
        d.begin_chunk(&vec![ffi::ColumnDesc {
            type_code: 3,
            metadata: 0,
            metadata_size: 0,
            nullable: true,
        }]);
        d.add_null();
        d.end_row();
        assert!(!d.finish_chunk(4, &[0, 0, 0, 0, 0], true).is_empty());
        let progress = d.session.as_ref().unwrap().progress();
        assert_eq!(progress.rows_copied, 1);
        assert_eq!(progress.tables_done, 1);
        // The table had no index to defer: its resume point only.
        assert_eq!(d.next_unit().kind, ffi::UnitKind::BuildIndexes);
        assert!(!d.encode_build_indexes(4).is_empty());
        assert_eq!(d.next_unit().kind, ffi::UnitKind::Objects);
        assert!(!d.objects_stale());
        assert!(!d.encode_objects_marker(4).is_empty());
        let unit = d.next_unit();
        assert_eq!(
            (unit.kind, unit.table.as_str()),
            (ffi::UnitKind::CreateObject, "e")
        );
        let events = d.encode_create_object(4);
        let text = b"CREATE OR REPLACE DEFINER=`u`@`%` EVENT";
        assert!(events.windows(text.len()).any(|w| w == text));
        assert_eq!(d.next_unit().kind, ffi::UnitKind::End);
        assert!(!d.encode_end(4, "0-1-3").is_empty());
        assert_eq!(d.next_unit().kind, ffi::UnitKind::Finished);
        assert_eq!(d.refusal(), "");
    }

    #[test]
    fn encoder_errors_stop_the_dump() {
        let mut d = dump_session_new(replica_request("", false, false, "").as_bytes(), "", 1, 10);
        d.add_database("db", &vec!["t".to_owned()], true);
        // An event for the end marker before the copy is done is refused.
        assert!(d.encode_end(4, "").is_empty());
        assert!(d.refusal().contains("internal error"));
        assert_eq!(d.next_unit().kind, ffi::UnitKind::Finished);
    }

    #[test]
    fn a_table_whose_default_sequence_the_filter_leaves_out_stops_the_dump() {
        let rules = "do_table=db.n\n";
        let mut d = dump_session_new(
            replica_request("", false, false, rules).as_bytes(),
            "",
            1,
            10,
        );
        d.add_database("db", &vec!["n".to_owned(), "z_seq".to_owned()], true);
        d.add_default_sequence("db", "n", "db", "z_seq");
        d.plan();
        let refusal = d.refusal();
        assert!(
            refusal.contains("`db`.`n` has a DEFAULT that calls NEXTVAL(`db`.`z_seq`)"),
            "{refusal}"
        );
        assert_eq!(d.next_unit().kind, ffi::UnitKind::Finished);
    }

    #[test]
    fn a_merge_table_refuses_the_copy_before_anything_is_sent() {
        let mut d = dump_session_new(replica_request("", false, false, "").as_bytes(), "", 1, 10);
        d.add_database("db", &vec!["all".to_owned(), "t1".to_owned()], true);
        d.add_table_engine("db", "t1", "MyISAM", false);
        d.add_table_engine("db", "all", "MRG_MYISAM", false);
        d.plan();
        let refusal = d.refusal();
        assert!(
            refusal.contains("nothing was sent: `db`.`all` is a MRG_MYISAM table"),
            "{refusal}"
        );
        assert_eq!(d.next_unit().kind, ffi::UnitKind::Finished);
        let mut d = dump_session_new(replica_request("", false, false, "").as_bytes(), "", 1, 10);
        d.add_database("db", &vec!["t1".to_owned()], true);
        d.add_table_engine("db", "t1", "ARCHIVE", false);
        d.plan();
        assert!(d.refusal().is_empty());
    }

    #[test]
    fn a_table_versioned_by_transaction_id_refuses_the_copy() {
        let mut d = dump_session_new(replica_request("", false, false, "").as_bytes(), "", 1, 10);
        d.add_database("db", &vec!["h".to_owned(), "t".to_owned()], true);
        d.add_table_engine("db", "t", "InnoDB", false);
        d.add_table_engine("db", "h", "InnoDB", true);
        d.plan();
        let refusal = d.refusal();
        assert!(
            refusal.contains("nothing was sent: `db`.`h` is system-versioned by transaction id"),
            "{refusal}"
        );
        assert_eq!(d.next_unit().kind, ffi::UnitKind::Finished);
    }

    #[test]
    fn a_missing_privilege_stops_the_dump_naming_account_privilege_and_object() {
        let mut d = dump_session_new(replica_request("", true, false, "").as_bytes(), "", 1, 10);
        assert_eq!(d.account_tables().len(), 7);
        d.add_database("db", &vec!["t".to_owned()], true);
        d.privilege_missing("'repl'@'%'", "SELECT", "db", "t");
        let refusal = d.refusal();
        assert!(
            refusal.contains("'repl'@'%' lacks the SELECT privilege on `db`.`t`"),
            "{refusal}"
        );
        assert!(
            refusal.contains("GRANT SELECT ON `db`.`t` TO 'repl'@'%'"),
            "{refusal}"
        );
        // Everything missing, and the master's settings, in one refusal.
        d.privilege_missing("'repl'@'%'", "EVENT", "db", "");
        d.privilege_missing("'repl'@'%'", "SELECT", "db", "t");
        d.check_master_settings("MINIMAL", false);
        assert_eq!(
            d.refusal_in_full(),
            "LOAD DATA FROM MASTER: the master is not ready, nothing was sent. Fix all of \
             this on the master, then run LOAD DATA FROM MASTER again: \
             GRANT SELECT ON `db`.`t` TO 'repl'@'%'; GRANT EVENT ON `db`.* TO 'repl'@'%'; \
             SET GLOBAL binlog_row_image=FULL; restart it with \
             binlog_optimize_thread_scheduling=ON"
        );
        for i in 0..50 {
            d.privilege_missing("'repl'@'%'", "SELECT", "db", &format!("t{i}"));
        }
        let refusal = d.refusal();
        assert!(refusal.len() < 320, "{refusal}");
        assert!(
            refusal.ends_with(" more (the master's error log lists them all)"),
            "{refusal}"
        );
        let full = d.refusal_in_full();
        assert!(full.contains("GRANT SELECT ON `db`.`t49` TO"), "{full}");
        d.plan();
        assert_eq!(d.next_unit().kind, ffi::UnitKind::Finished);
        let plain = dump_session_new(replica_request("", false, false, "").as_bytes(), "", 1, 10);
        assert!(plain.account_tables().is_empty());
    }

    #[test]
    fn tables_in_a_circle_of_foreign_keys_stop_the_dump() {
        let mut d = dump_session_new(replica_request("", false, false, "").as_bytes(), "", 1, 10);
        d.add_database("db", &vec!["a".to_owned(), "b".to_owned()], true);
        let rules = ffi::ForeignKeyRules {
            on_update: ffi::FkOption::Restrict,
            on_delete: ffi::FkOption::Restrict,
            in_copy_key: false,
        };
        d.add_foreign_key("db", "a", "db", "b", &rules);
        d.add_foreign_key("db", "b", "db", "a", &rules);
        d.plan();
        assert!(
            d.refusal()
                .contains("`db`.`a`, `db`.`b` reference each other"),
            "{}",
            d.refusal()
        );
        assert_eq!(d.next_unit().kind, ffi::UnitKind::Finished);
    }

    #[test]
    fn column_metadata_keeps_the_servers_bytes() {
        let c = column(&ffi::ColumnDesc {
            type_code: 246,
            metadata: 0x020a,
            metadata_size: 2,
            nullable: false,
        });
        assert_eq!(c.metadata, [0x0a, 0x02]);
    }

    #[test]
    fn unknown_connection_reaches_the_shim_as_an_error_code() {
        let v = check_load_from_master(&state("nope"));
        assert_eq!(
            v.error_code,
            provision_core::server_consts::ER_PROVISION_NO_CONNECTION
        );
        assert_eq!(v.error_arg, "nope");
    }
}
