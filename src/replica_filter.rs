//! The replica side of the bridge: the SQL thread's filter while a
//! connection is provisioned (`provision_core::filter`).

use provision_core::ddl_during_copy::{self, Edit, Run, TableDdl};
use provision_core::filter::{
    self, Action, Divergence, Ledger, RowOp, StreamRefused, StrictFailure, TableKind,
};
use provision_core::gtid::{Gtid, GtidPos};
use provision_core::index_build::{self, BuildContext};
use provision_core::parallel_apply::{self, CommitOrder, GroupKind};
use provision_core::progress::CopyProgress;
use provision_core::protocol::{
    self, parse_checksums_note, parse_history_note, parse_manifest_note, parse_plan_note,
    parse_plan_table_note, parse_resume_note, parse_start_note, parse_table_done_note,
    split_table_ident, table_ident, BinlogHistory, Request, Resume, ResumePoint, OBJECTS_DONE_NOTE,
    OBJECTS_NOTE,
};
use provision_core::saved_copy;
use provision_core::scheduler;
use provision_core::server_consts as errors;
use provision_core::statement_write;
use std::sync::Arc;

use crate::claims;

use crate::ffi;

/// One connection's copied ranges, and the completion a copy group's note
/// announced (it takes effect when the group is over: the note comes
/// before the group's rows).
pub struct ReplicaFilter {
    connection: String,
    ledger: Ledger,
    completing: Option<String>,
    /// The copy group being applied (its sequence number), and each
    /// table's state before the group changed it: a group the SQL thread
    /// rolls back and retries (lock wait timeout, deadlock) starts again
    /// from there.
    group: Option<u64>,
    undo: Vec<(String, filter::TableState)>,
    /// The master's checksums of the copied tables at the copy's last
    /// cut (`WITH CHECKSUM`).
    checksums: Vec<ffi::TableChecksum>,
    /// The quoted name of the table of the last row: rows come table by
    /// table, and quoting the name for each one was a measurable share
    /// of the replica's apply time.
    last_table: TableName,
    /// How far the copy is, shared with the statement's thread.
    progress: Arc<CopyProgress>,
    /// Rows the current copy group applied (taken back if it is retried).
    group_rows: i64,
    /// The same, by table, for each table's progress once it commits.
    group_tables: Vec<(String, u64)>,
    /// What the copy has applied for good, for a new dump to go on from
    /// (see [`ReplicaFilter::resume_request`]).
    applied: Applied,
    /// What the group being applied adds to it once it commits.
    pending: Pending,
    /// `gtid_slave_pos` when the copy started (see
    /// [`saved_copy::resume_position`]).
    baseline: String,
    /// The copy's manifest note (its multi-source claims), kept with its
    /// record so that a copy taken up after a restart claims them again.
    manifest: String,
    /// The copy was taken up from its record after a restart: until its
    /// next group of rows commits, a DDL group may be one applied before
    /// the server stopped (see [`saved_copy::redone_statement`]).
    redo: bool,
    /// The copy was taken up from its record after a restart (`Some`):
    /// the master's first group of each GTID domain received since may
    /// be a DDL statement applied before the server stopped whose GTID
    /// the record and `gtid_slave_pos` missed
    /// ([`saved_copy::ddl_applied_before_restart`],
    /// [`saved_copy::ddl_redo`]), whatever copy groups commit before it.
    /// The domains in which a group of the master's has committed since:
    /// no later group of theirs can be one.
    master_settled: Option<std::collections::BTreeSet<u32>>,
    /// The master's DDL group whose changes to the copy the restored
    /// record took before the statement ran
    /// ([`saved_copy::DDL_AHEAD_ROW`]).
    /// With the statement it runs instead when the master's is rewritten
    /// (empty: the master's).
    ddl_ahead: Option<(Gtid, String)>,
    /// The master's DDL group that changes a table's partitions in place,
    /// and the table's definition before it ran here, as the restored
    /// record holds them ([`saved_copy::PARTITIONS_AHEAD_ROW`]).
    partitions_ahead: Option<(Gtid, Vec<u8>)>,
    /// How often each table was copied again (DDL during its copy).
    recopies: std::collections::BTreeMap<String, u32>,
    /// Tables a restored record says were dropped to be copied again.
    recopy_drops: Vec<String>,
    /// Tables the copy's CREATEs made (see [`ReplicaFilter::copy_statement`]).
    created: std::collections::BTreeSet<String>,
    /// Complete tables whose rows went with a restart (see
    /// [`ReplicaFilter::rows_lost`]).
    lost: Vec<ffi::QualifiedName>,
    /// The table the copy works on (its last CREATE) and its Rows step:
    /// until the next CREATE, its deferred indexes may still be built.
    current: Option<(String, u32)>,
    /// Tables this server has whose copy starts again (a statement
    /// changed them during or after their copy): the master's next CREATE
    /// of each replaces it; a DROP or RENAME of it before then runs here
    /// too (see [`ddl_during_copy::decide`]).
    stale: std::collections::BTreeSet<String>,
    /// The stale tables an earlier copy of the connection took from the
    /// master (see [`ReplicaFilter::replaces`]).
    copied_before: std::collections::BTreeSet<String>,
    /// The copy's tables are done and its `Objects` unit applied: the
    /// master's DDL of views, routines, triggers and events applies from
    /// here on (before, the master reads them again at that unit).
    objects_begun: bool,
    /// The last object is created here too (the group of the copy's
    /// `OBJECTS_DONE_NOTE` applied).  A copy stopped after its `Objects`
    /// unit and before this sends its objects again from that unit
    /// (`Scheduler::resume`), and this server takes the master's DDL of
    /// objects as before the objects until then
    /// ([`ReplicaFilter::group_abandoned`]).
    objects_done: bool,
    /// The objects were begun by an earlier dump of this copy and are
    /// sent again: the views created then are here, for a RENAME TABLE
    /// naming one.
    objects_again: bool,
    /// Deferred index builds handed to a builder that have not ended (see
    /// [`index_build`]), in the order they came.
    builds: Vec<ffi::IndexBuild>,
    /// The last of the master's transactions parallel replication's
    /// workers committed in each GTID domain (see [`parallel_apply`]).
    commit_order: CommitOrder,
    /// The tables a builder works on now (handed over, not ended), which
    /// `builds` may have forgotten (see
    /// [`ReplicaFilter::index_build_running`]).
    building: std::collections::BTreeSet<String>,
    /// The number of the last copy group the SQL thread met (see
    /// [`ReplicaFilter::group_start`]).
    last_copy_group: u64,
    /// The first copy group whose number was not the next one, and the
    /// number before it: the groups between were lost on the way.
    gap: Option<(u64, u64)>,
}

/// `@@provision_max_recopies` by default: a table changed by DDL during
/// its copy more often than this stops the copy (each change copies it
/// again from its first row).
#[cfg(test)]
const MAX_RECOPIES: u32 = 5;

/// What the replica has applied of the copy, as of its last committed
/// event group.
#[derive(Clone, Default)]
struct Applied {
    /// The master's position: where its binlog stream started, then each
    /// of its transactions applied.
    position: Option<GtidPos>,
    /// Where the copy stands (the last copy group's resume point).
    point: Option<ResumePoint>,
    /// The sequence number of the last copy group applied.
    seq_no: u64,
    /// A copy group that changed this server (a statement or rows) is
    /// committed: a copy that stops now leaves it incomplete.
    changed: bool,
    /// The table of the point's `Rows` step is to be copied again from
    /// its CREATE (see [`ReplicaFilter::recopy`]); cleared by the first
    /// copy group of the new dump, that CREATE.
    recopy: bool,
    /// The master's binary log history the position refers to (from the
    /// last copy group's note), sent back when the copy goes on.
    history: Option<BinlogHistory>,
    /// A statement of the master since the point's copy group changed the
    /// copy's plan (see `Resume::plan_behind`); cleared by the next copy
    /// group's point.
    plan_behind: bool,
}

/// What the event group being applied adds to [`Applied`] when it commits.
#[derive(Default)]
struct Pending {
    /// The group's GTID, when it is one of the master's transactions.
    gtid: Option<Gtid>,
    start: Option<GtidPos>,
    history: Option<BinlogHistory>,
    point: Option<ResumePoint>,
    /// Non-transactional tables the group wrote copy rows to: a rolled
    /// back group leaves those rows behind.
    non_transactional: Vec<(String, String)>,
    /// The group is one of the master's and changed a non-transactional
    /// table: stopped part way, it cannot be applied again.
    master_non_transactional: bool,
    /// The group is a copy group that changes this server.
    changes: bool,
    /// The table the group's CREATE makes.
    created: Option<String>,
    /// The group is the copy's `Objects` unit.
    objects: bool,
    /// The group's note says every object is created once it commits.
    objects_done: bool,
    /// Rows of tables to copy again, recorded with the group's commit.
    recopy: Vec<ffi::ProgressRow>,
    /// The table whose deferred index build the group handed over: a
    /// group rolled back comes again, with its build.
    build: Option<String>,
}

/// The statement thread's handle on a copy's [`CopyProgress`].
pub struct ProgressHandle(Arc<CopyProgress>);

impl ProgressHandle {
    pub fn read(&self) -> ffi::CopyProgress {
        let r = self.0.read();
        let (rows_copied, rows_total) = r.report();
        ffi::CopyProgress {
            rows_copied,
            rows_total,
            tables_done: r.tables_done,
            tables_total: r.tables_total,
            elapsed: r.elapsed,
            rate: r.rate().unwrap_or(-1.0),
            left: r.left().unwrap_or(-1.0),
        }
    }

    /// The copy is complete: its elapsed time stops.
    pub fn finish(&self) {
        self.0.finish();
    }

    /// Each table's progress, for `information_schema.PROVISIONING_PROGRESS`.
    pub fn tables(&self) -> Vec<ffi::TableProgressRow> {
        self.0
            .tables_now()
            .into_iter()
            .map(|t| {
                let (db, table) = split_table_ident(&t.table).unwrap_or_default();
                ffi::TableProgressRow {
                    db,
                    table,
                    state: t.stage.name().to_owned(),
                    rows_copied: t.rows,
                    rows_estimated: t.estimated,
                    chunks: t.chunks,
                    recopies: t.recopies,
                    elapsed: t.elapsed,
                    rate: t.rate.unwrap_or(-1.0),
                    left: t.left.unwrap_or(-1.0),
                }
            })
            .collect()
    }
}

/// `db`.`table` and its [`table_ident`], kept for the next row.
#[derive(Default)]
struct TableName {
    db: String,
    table: String,
    ident: String,
}

impl TableName {
    fn ident(&mut self, db: &str, table: &str) -> &str {
        if self.ident.is_empty() || self.db != db || self.table != table {
            db.clone_into(&mut self.db);
            table.clone_into(&mut self.table);
            self.ident = table_ident(db, table);
        }
        &self.ident
    }
}

pub fn replica_filter_new(connection_name: &str) -> Box<ReplicaFilter> {
    Box::new(ReplicaFilter {
        connection: connection_name.to_owned(),
        ledger: Ledger::new(),
        completing: None,
        group: None,
        undo: Vec::new(),
        checksums: Vec::new(),
        last_table: TableName::default(),
        progress: Arc::default(),
        group_rows: 0,
        group_tables: Vec::new(),
        applied: Applied::default(),
        pending: Pending::default(),
        baseline: String::new(),
        manifest: String::new(),
        redo: false,
        master_settled: None,
        ddl_ahead: None,
        partitions_ahead: None,
        recopies: Default::default(),
        recopy_drops: Vec::new(),
        created: Default::default(),
        lost: Vec::new(),
        current: None,
        objects_begun: false,
        objects_done: false,
        objects_again: false,
        builds: Vec::new(),
        stale: Default::default(),
        copied_before: Default::default(),
        commit_order: CommitOrder::default(),
        building: Default::default(),
        last_copy_group: 0,
        gap: None,
    })
}

/// Whether record `rows` hold a copy that changed this server: its own
/// row.  A crash right after a copy with `REPLACE` started leaves only the
/// rows of the tables it replaces ([`ReplicaFilter::replaces`]): there is
/// nothing to take up, the copy starts again.
pub fn record_started(rows: &[ffi::ProgressRow]) -> bool {
    rows.iter()
        .any(|r| r.object.is_empty() && r.state == saved_copy::COPY_STATE)
}

/// The filter of `connection_name`'s copy as its record in
/// `mysql.provision_progress` left it (`rows`), with `slave_pos` the
/// server's `gtid_slave_pos` now.  Sets `error` (and returns an empty
/// filter) when the record cannot be used.
pub fn replica_filter_restore(
    connection_name: &str,
    rows: &[ffi::ProgressRow],
    slave_pos: &str,
    error: &mut String,
) -> Box<ReplicaFilter> {
    let mut filter = replica_filter_new(connection_name);
    if let Err(e) = filter.restore(rows, slave_pos) {
        *error = format!(
            "the record of the unfinished copy in mysql.{} cannot be used: {e}. \
             Copy again: LOAD DATA FROM MASTER '{connection_name}' REPLACE",
            saved_copy::PROGRESS_TABLE
        );
        return replica_filter_new(connection_name);
    }
    filter
}

/// The copy's claims end with its `LOAD DATA FROM MASTER` (the shim frees
/// the filter then).
impl Drop for ReplicaFilter {
    fn drop(&mut self) {
        claims::release(&self.connection);
    }
}

fn error_text(result: Result<(), impl ToString>) -> String {
    result.err().map(|e| e.to_string()).unwrap_or_default()
}

impl ReplicaFilter {
    /// A group starts: a copy group (`copy_group`) with sequence number
    /// `seq_no` in the copy domain, or one of the master's, GTID
    /// `domain_id`-`server_id`-`seq_no`.
    ///
    /// A dump numbers its copy groups one after the other from the one
    /// after the request's (a new copy's first is 1, a resumed one's the
    /// one after the last this server committed, which it met), so a
    /// copy group numbered more than one past the last one met means the
    /// groups between were lost on the way: the copy stops at that
    /// group's first note or row ([`ReplicaFilter::gap_refusal`]), before
    /// anything of it applies. Lower numbers are a group met again: the
    /// SQL thread's retry, or a resumed dump sending again what a stop
    /// rolled back.
    pub fn group_start(&mut self, copy_group: bool, domain_id: u32, server_id: u32, seq_no: u64) {
        if copy_group {
            if seq_no > self.last_copy_group + 1 && self.gap.is_none() {
                self.gap = Some((self.last_copy_group, seq_no));
            }
            self.last_copy_group = seq_no;
        }
        self.pending = Pending {
            gtid: (!copy_group).then_some(Gtid {
                domain_id,
                server_id,
                seq_no,
            }),
            ..Pending::default()
        };
        if copy_group && self.group == Some(seq_no) {
            // The same copy group again: the SQL thread rolled its first
            // attempt back.  So is what that attempt recorded.
            self.roll_back_group();
            return;
        }
        self.end_previous_group();
        self.group = copy_group.then_some(seq_no);
    }

    /// What the group before the one starting did is the copy's for good
    /// (it committed, or it was a copy group without a commit).
    fn end_previous_group(&mut self) {
        self.undo.clear();
        self.group_rows = 0;
        self.group_applied();
        self.group = None;
        self.complete_noted_table();
    }

    /// The SQL driver thread of a copy applied in parallel reads a GTID
    /// event: whether its group applies alone, on the driver thread after
    /// every group before it committed ([`parallel_apply::applies_alone`]).
    /// A group that does not goes to a worker, after the driver ended the
    /// group before it here (the worker does not call
    /// [`ReplicaFilter::group_start`]).
    pub fn group_queued(&mut self, kind: ffi::GroupKind) -> bool {
        let alone = parallel_apply::applies_alone(kind.into());
        if !alone {
            self.end_previous_group();
        }
        alone
    }

    /// The rows of the copy's record a worker's group writes in its
    /// transaction: only when a statement of it changed the ledger (a
    /// table is copied again, [`ReplicaFilter::query_verdict`]), else
    /// none.  The worker has waited for every group before it to commit,
    /// so no other group's statement can be pending.
    pub fn worker_progress_rows(&mut self, request: &str) -> Vec<ffi::ProgressRow> {
        if self.pending.recopy.is_empty() {
            return Vec::new();
        }
        let rows = self.progress_rows(request);
        self.pending.recopy.clear();
        rows
    }

    /// A worker committed the master's transaction
    /// `domain_id`-`server_id`-`seq_no`, the server's group `sub_id`: the
    /// copy's position has it unless a later group of its domain is there
    /// already.
    pub fn worker_group_committed(
        &mut self,
        domain_id: u32,
        server_id: u32,
        seq_no: u64,
        sub_id: u64,
    ) {
        self.master_group_committed(domain_id);
        if !self.commit_order.is_latest(domain_id, sub_id) {
            return;
        }
        if let Some(position) = self.applied.position.as_mut() {
            position.set(Gtid {
                domain_id,
                server_id,
                seq_no,
            });
        }
    }

    /// Takes back what the copy group being applied recorded: its ledger
    /// changes, its end-of-table note and its rows in the progress.
    fn roll_back_group(&mut self) {
        for (table, state) in self.undo.drain(..).rev() {
            self.ledger.restore(&table, state);
        }
        self.completing = None;
        self.progress.rows_applied(-self.group_rows);
        self.group_rows = 0;
        self.group_tables.clear();
    }

    /// The copy group's rows count in their tables' progress: it is
    /// applied for good.
    fn group_applied(&mut self) {
        for (table, rows) in self.group_tables.drain(..) {
            self.progress.chunk_applied(&table, rows);
        }
    }

    /// The table an applied group's note said is complete, now is.
    fn complete_noted_table(&mut self) {
        if let Some(table) = self.completing.take() {
            // The note named a table the group mapped, or an empty one.
            self.ledger.table_in_copy(&table);
            // Cannot fail: a table is completed once, by its last chunk.
            if self.ledger.table_complete(&table).is_ok() {
                self.progress.table_done(&table);
            }
        }
    }

    /// The group being applied committed: what it did is the copy's for
    /// good.  Called after the commit (an XID, or the statement that
    /// ends the group).
    pub fn group_committed(&mut self) {
        self.applied = self.applied_after_commit();
        let pending = std::mem::take(&mut self.pending);
        if let Some(gtid) = pending.gtid {
            self.master_group_committed(gtid.domain_id);
        }
        if self.group.take().is_some() {
            self.undo.clear();
            self.group_rows = 0;
            self.group_applied();
            self.complete_noted_table();
        }
        // The point after a table's CREATE is its Rows step: kept for a
        // copy of it again while its indexes are still to be built.  The
        // group after its BuildIndexes step ends that (the master's plan
        // sees the table complete from there, see ddl_during_copy).
        if let (Some((_, rows_step)), Some(point)) = (&self.current, &pending.point) {
            if point.step > rows_step + 1 {
                self.current = None;
            }
        }
        if let (Some(table), Some(point)) = (pending.created, pending.point) {
            self.current = Some((table, point.step));
        }
        self.objects_begun |= pending.objects;
        self.objects_done |= pending.objects_done;
    }

    /// What the copy has applied once the group being applied commits.
    fn applied_after_commit(&self) -> Applied {
        let pending = &self.pending;
        let mut applied = self.applied.clone();
        if let Some(start) = &pending.start {
            applied.position = Some(start.clone());
        }
        if let Some(history) = pending.history {
            applied.history = Some(history);
        }
        if let (Some(gtid), Some(position)) = (pending.gtid, applied.position.as_mut()) {
            position.set(gtid);
        }
        if let Some(seq_no) = self.group {
            applied.seq_no = seq_no;
            applied.recopy = false;
        }
        if let Some(point) = &pending.point {
            applied.point = Some(point.clone());
            applied.plan_behind = false;
        }
        applied.changed |= pending.changes;
        applied
    }

    /// A group of the master's in GTID domain `domain_id` committed: the
    /// window of [`ReplicaFilter::master_ddl_may_be_redone`] closes there.
    fn master_group_committed(&mut self, domain_id: u32) {
        if let Some(settled) = self.master_settled.as_mut() {
            settled.insert(domain_id);
        }
    }

    /// Whether the master's group being received in `domain_id` may be
    /// one applied here before a restart whose GTID was not recorded: the
    /// copy was taken up from its record, and no group of the master's in
    /// that domain has committed since.  Groups of a domain apply in
    /// order, and a DDL statement alone after every group before it
    /// committed, so only the first can be.
    fn master_ddl_may_be_redone(&self, domain_id: u32) -> bool {
        self.master_settled
            .as_ref()
            .is_some_and(|settled| !settled.contains(&domain_id))
    }

    /// The group being applied committed with its XID: as
    /// [`ReplicaFilter::group_committed`]; a copy group so committed ends
    /// the groups a restarted copy may be applying again.
    pub fn xid_committed(&mut self) {
        if self.group.is_some() {
            self.redo = false;
        }
        self.group_committed();
    }

    /// `gtid_slave_pos` as the copy starts.
    pub fn set_baseline(&mut self, slave_pos: &str) {
        slave_pos.clone_into(&mut self.baseline);
    }

    /// A copy with `REPLACE` starts on a server that has `tables` (and
    /// views, in the copy's filter): each is here though the copy
    /// has not created it, so a DROP or RENAME of it by the master before
    /// the copy's CREATE replaces it runs here too.  Skipped, a table the
    /// master drops would stay here, and its next CREATE of that name
    /// would stop replication after the copy (the DDL and faults soak: a
    /// table an earlier, abandoned copy had made).  Returns the record's
    /// rows for them, written as the copy starts.
    ///
    /// `earlier` is the record of the connection's earlier copy (killed,
    /// or stopped on an error), which this one replaces: a table it took
    /// from the master that the master no longer has would stay here,
    /// and the master's next CREATE of the name would stop replication, so
    /// such tables are dropped when the copy ends
    /// ([`ReplicaFilter::copied_before_left`]).
    pub fn replaces(
        &mut self,
        tables: &[ffi::QualifiedName],
        earlier: &[ffi::ProgressRow],
    ) -> Vec<ffi::ProgressRow> {
        let copied: std::collections::BTreeSet<&str> = earlier
            .iter()
            .filter(|r| !r.object.is_empty() && saved_copy::copied_from_master(&r.state))
            .map(|r| r.object.as_str())
            .collect();
        let mut rows = Vec::new();
        for name in tables {
            let table = table_ident(&name.db, &name.table);
            if copied.contains(table.as_str()) {
                self.copied_before.insert(table.clone());
            }
            if self.stale.insert(table.clone()) {
                rows.push(self.record_row(&table));
            }
        }
        rows
    }

    /// At the end of the copy, the tables an earlier copy took from the
    /// master that this one did not replace: the master has none of their
    /// names.  The caller drops them.
    pub fn copied_before_left(&self) -> Vec<ffi::QualifiedName> {
        self.copied_before
            .intersection(&self.stale)
            .filter_map(|t| split_table_ident(t))
            .map(|(db, table)| ffi::QualifiedName { db, table })
            .collect()
    }

    /// At the end of the copy, the tables this server had as it started
    /// (see [`ReplicaFilter::replaces`]) that it did not replace: the
    /// master had none of their names, and they stay as they were.  (A
    /// table the copy takes again is stale until its CREATE, which comes
    /// before the end.)
    pub fn tables_left_as_they_were(&self) -> Vec<String> {
        self.stale
            .difference(&self.copied_before)
            .cloned()
            .collect()
    }

    /// The error log's note of [`ReplicaFilter::tables_left_as_they_were`];
    /// empty when none.
    pub fn tables_left_note(&self) -> String {
        provision_core::preflight::tables_left_note(&self.tables_left_as_they_were())
    }

    /// The rows of `mysql.provision_progress` that record the copy (first
    /// asked with `request`) as it will be once the group being applied
    /// commits: the copy's row (with the master's position) and one per
    /// table a copy group changed.  The SQL thread writes them in the
    /// group's transaction.  None before the copy changed anything (it
    /// then simply starts again).
    pub fn progress_rows(&self, request: &str) -> Vec<ffi::ProgressRow> {
        let applied = self.applied_after_commit();
        let resume = resume_request_of(&applied, request);
        if !applied.changed || resume.is_empty() {
            return Vec::new();
        }
        let mut rows = vec![self.record_of_copy(resume)];
        if self.pending.objects || self.pending.objects_done {
            // (An Objects unit comes again only while the objects are not
            // done: the state is this group's.)
            let state = if self.pending.objects_done {
                saved_copy::OBJECTS_DONE_STATE
            } else {
                saved_copy::OBJECTS_STATE
            };
            rows.push(object_row(saved_copy::OBJECTS_ROW, state, Vec::new()));
        }
        rows.extend(self.pending.recopy.iter().cloned());
        let changed = self.undo.iter().map(|(t, _)| t.as_str());
        let completed = self.completing.as_deref();
        for table in changed.chain(completed.filter(|c| !self.undo.iter().any(|(t, _)| t == c))) {
            let state = if Some(table) == completed {
                filter::TableState::Complete
            } else {
                self.ledger.state(table).clone()
            };
            if let Some((state, cursor)) = saved_copy::encode_table_state(&state) {
                rows.push(object_row(table, state, cursor));
            }
        }
        // Builds in flight: a crash from here runs them again.
        for build in &self.builds {
            if !rows.iter().any(|r| r.object == build.table) {
                let mut row =
                    object_row(&build.table, index_build::BUILDING, build.statement.clone());
                row.resume = BuildContext::from(build.context).encode();
                rows.push(row);
            }
        }
        // The table in progress while nothing of it is copied (created, or
        // emptied to be copied again): recorded, so that a crash in its
        // first chunk empties a non-transactional one (its rows are written
        // as they come) before that chunk comes again.
        let nothing_copied = filter::TableState::Created { cursor: None };
        if let (Some((table, _)), Some((state, cursor))) = (
            self.current.as_ref(),
            saved_copy::encode_table_state(&nothing_copied),
        ) {
            if self.ledger.skips_changes(table) && !rows.iter().any(|r| r.object == *table) {
                rows.push(object_row(table, state, cursor));
            }
        }
        rows
    }

    /// Takes up the copy its record left (see [`replica_filter_restore`]).
    fn restore(&mut self, rows: &[ffi::ProgressRow], slave_pos: &str) -> Result<(), String> {
        let copy = rows
            .iter()
            .find(|r| r.object.is_empty() && r.state == saved_copy::COPY_STATE)
            .ok_or("it has no row for the copy itself")?;
        let resume = Request::parse(&copy.resume)
            .map_err(|e| e.to_string())?
            .resume
            .ok_or("it has no resume point")?;
        let parse = |text: &str| GtidPos::parse(text).map_err(|e| e.to_string());
        let position = saved_copy::resume_position(
            &resume.position,
            &parse(&copy.baseline)?,
            &parse(slave_pos)?,
        );
        self.applied = Applied {
            position: Some(position),
            point: Some(resume.point),
            seq_no: resume.seq_no,
            changed: true,
            recopy: resume.recopy,
            history: resume.history,
            plan_behind: resume.plan_behind,
        };
        // The dump that takes it up numbers its groups from the next one.
        self.last_copy_group = resume.seq_no;
        for row in rows.iter().filter(|r| !r.object.is_empty()) {
            if row.object == saved_copy::OBJECTS_ROW {
                self.objects_begun = true;
                self.objects_done = row.state == saved_copy::OBJECTS_DONE_STATE;
                continue;
            }
            if row.object == saved_copy::DDL_AHEAD_ROW {
                let run = String::from_utf8(row.cursor.clone()).map_err(|e| e.to_string())?;
                self.ddl_ahead = one_gtid(&row.resume).map(|gtid| (gtid, run));
                continue;
            }
            if row.object == saved_copy::PARTITIONS_AHEAD_ROW {
                self.partitions_ahead = one_gtid(&row.resume).map(|g| (g, row.cursor.clone()));
                continue;
            }
            let state = saved_copy::decode_table_state(&row.state, &row.cursor)
                .ok_or_else(|| format!("table {} has state '{}'", row.object, row.state))?;
            if state == filter::TableState::Complete {
                self.progress.table_done(&row.object);
            }
            if row.state == saved_copy::RECOPY_STATE {
                self.recopy_drops.push(row.object.clone());
            }
            if row.state == saved_copy::REPLACED_STATE
                || row.state == saved_copy::COPIED_BEFORE_STATE
            {
                // Here, not created by the copy: unknown to its ledger.
                self.stale.insert(row.object.clone());
                if row.state == saved_copy::COPIED_BEFORE_STATE {
                    self.copied_before.insert(row.object.clone());
                }
                continue;
            }
            if row.state == index_build::BUILDING {
                let context = BuildContext::decode(&row.resume).ok_or_else(|| {
                    format!(
                        "the index build of table {} has session '{}'",
                        row.object, row.resume
                    )
                })?;
                self.builds.push(ffi::IndexBuild {
                    table: row.object.clone(),
                    statement: row.cursor.clone(),
                    context: context.into(),
                });
            }
            self.ledger.restore(&row.object, state);
        }
        copy.baseline.clone_into(&mut self.baseline);
        copy.manifest.clone_into(&mut self.manifest);
        if let Some(taken) = parse_manifest_note(self.manifest.as_bytes()) {
            claims::claim(&self.connection, taken)?;
        }
        self.redo = true;
        self.master_settled = Some(std::collections::BTreeSet::new());
        Ok(())
    }

    /// The tables whose copy was part way when the server stopped: the
    /// caller empties the non-transactional ones and restarts them
    /// ([`ReplicaFilter::restart_table`]).
    pub fn tables_part_way(&self) -> Vec<ffi::QualifiedName> {
        let mut tables = self.tables_where(|s| matches!(s, filter::TableState::Created { .. }));
        tables.retain(|t| !scheduler::is_account_table(&t.db, &t.table));
        tables
    }

    /// The tables of the ledger whose state passes `keep`.
    fn tables_where(&self, keep: impl Fn(&filter::TableState) -> bool) -> Vec<ffi::QualifiedName> {
        self.ledger
            .tables()
            .filter(|(_, s)| keep(s))
            .filter_map(|(t, _)| split_table_ident(t))
            .map(|(db, table)| ffi::QualifiedName { db, table })
            .collect()
    }

    /// The tables the copy completed, as its record says (a copy taken up
    /// after a restart): the caller picks those whose engine lost their
    /// rows with it (MEMORY, ARCHIVE), to copy again once the copy is done.
    pub fn tables_complete(&self) -> Vec<ffi::QualifiedName> {
        self.tables_where(|s| *s == filter::TableState::Complete)
    }

    /// `db`.`table`, complete, lost its rows with the restart the copy is
    /// taken up after (MEMORY, ARCHIVE): the master's changes to it are
    /// skipped from here, as for a table not copied yet, and the caller
    /// copies it again once the copy is done ([`ReplicaFilter::tables_lost`]).
    /// The record keeps it complete, so a crash before that finds it again.
    pub fn rows_lost(&mut self, db: &str, table: &str) {
        self.ledger
            .restore(&table_ident(db, table), filter::TableState::NotCreated);
        self.lost.push(ffi::QualifiedName {
            db: db.to_owned(),
            table: table.to_owned(),
        });
    }

    /// The tables [`ReplicaFilter::rows_lost`] named, to copy again once
    /// the copy is done.
    pub fn tables_lost(&self) -> Vec<ffi::QualifiedName> {
        self.lost.clone()
    }

    /// The tables of a restored copy to drop (again) before it goes on:
    /// they were dropped to be copied again (see
    /// [`saved_copy::RECOPY_STATE`]).
    pub fn recopy_drops(&mut self) -> Vec<ffi::QualifiedName> {
        std::mem::take(&mut self.recopy_drops)
            .iter()
            .filter_map(|t| split_table_ident(t))
            .map(|(db, table)| ffi::QualifiedName { db, table })
            .collect()
    }

    /// `db`.`table`, a non-transactional table part way that the caller
    /// could not empty (the restart left it unreadable,
    /// [`saved_copy::table_crashed`]) and drops, is copied again from its
    /// CREATE.  Returns the record's rows that say so, to write at once
    /// (a crash before the copy goes on drops it again).
    pub fn copy_table_again(
        &mut self,
        db: &str,
        table: &str,
        request: &str,
    ) -> Vec<ffi::ProgressRow> {
        self.recopy(db, table);
        self.recopy_rows(request, db, table)
    }

    /// The copy of `db`.`table`, a non-transactional table emptied by the
    /// caller, starts again from its first row.
    pub fn restart_table(&mut self, db: &str, table: &str) {
        self.ledger.restore(
            &table_ident(db, table),
            filter::TableState::Created { cursor: None },
        );
        if let Some(point) = self.applied.point.as_mut() {
            point.cursor = None;
        }
    }

    /// What to do with the master's statement `query`, run in
    /// `default_db`, in the copy first asked with `request` (see
    /// [`ddl_during_copy`]): the ledger follows the tables it creates,
    /// drops and renames, as the master's plan does; the table in
    /// progress that it changes is copied again, at most `max_recopies`
    /// times.
    pub fn query_verdict(
        &mut self,
        query: &[u8],
        default_db: &str,
        request: &str,
        max_recopies: u32,
        lower_case_table_names: u32,
    ) -> ffi::QueryVerdict {
        let verdict = verdict_of;
        let refused = match filter::check_statement(query) {
            Ok(()) => return verdict(ffi::QueryAction::Apply, String::new(), String::new()),
            Err(e) => e.to_string(),
        };
        // The ledger has this server's names: the connection's
        // replicate_rewrite_db applies to the statement's databases.
        let filter = copy_filter_of(request);
        let statement = query;
        let (query, default_db) =
            ddl_during_copy::names_as_compared(query, default_db, lower_case_table_names);
        let (query, default_db) = (query.as_ref(), default_db.as_ref());
        let decision = match ddl_during_copy::parse(query, default_db) {
            // The master reads the objects, and WITH GRANTS the account
            // tables, when the copy's objects begin: skipped before.
            Some(ddl @ (TableDdl::Object | TableDdl::Account)) => {
                let parsed = Request::parse(request);
                let read_then = if ddl == TableDdl::Account {
                    parsed.is_ok_and(|r| r.with_grants && r.tables.is_empty())
                } else if parsed.is_ok_and(|r| !r.tables.is_empty()) {
                    // LOAD TABLE reads the triggers of the tables it
                    // copies, nothing else: the replica has the rest.
                    ddl_during_copy::trigger_table(query, default_db).is_some_and(|(db, t)| {
                        *self.ledger.state(&table_ident(filter.rewrite(&db), &t))
                            != filter::TableState::Complete
                    })
                } else {
                    true
                };
                if !read_then || self.objects_begun {
                    return verdict(ffi::QueryAction::Apply, String::new(), String::new());
                }
                // A DROP runs for an object this server had before the
                // copy, which the copy's objects would not replace: one
                // the copy's filter takes (a view as a table, the others
                // by their database).
                let Some(drop) = ddl_during_copy::dropped_objects(query, default_db) else {
                    return verdict(ffi::QueryAction::Skip, String::new(), String::new());
                };
                let taken = |(db, name): &(String, String)| {
                    let db = filter.rewrite(db);
                    if drop.views {
                        filter.takes(db, name)
                    } else {
                        filter.database_ok(db) && !scheduler::is_system_schema(db)
                    }
                };
                // The text as the master wrote it (names not folded).
                let rewritten = ddl_during_copy::dropped_objects(statement, default_db);
                let (Some(rewritten), true) = (rewritten, drop.names.iter().all(taken)) else {
                    return verdict(ffi::QueryAction::Skip, String::new(), String::new());
                };
                let mut v = verdict(
                    ffi::QueryAction::Rewrite,
                    rewritten.if_exists,
                    String::new(),
                );
                // A view here that the copy was to replace is gone.
                for (db, view) in drop.names.iter().filter(|_| drop.views) {
                    let id = table_ident(filter.rewrite(db), view);
                    if self.stale.remove(&id) {
                        v.record.push(self.record_row(&id));
                    }
                }
                return self.recorded_at_commit(v);
            }
            Some(ddl) => {
                let ddl = ddl.map_databases(|db| filter.rewrite(db).to_owned());
                ddl_during_copy::decide(
                    &ddl,
                    |(db, table)| self.copy_state(&table_ident(db, table)),
                    // After the objects every table and view the copy
                    // takes is here (a RENAME TABLE may name a view).
                    |(db, table)| {
                        let ident = table_ident(db, table);
                        self.objects_begun
                            || self.objects_again
                            || self.stale.contains(&ident)
                            || self.ledger.reloaded_later(&ident)
                    },
                    // The names are this server's already.
                    |(db, table)| filter.takes(db, table),
                )
            }
            None => match statement_write::parse(query, default_db) {
                Some(mut write) => {
                    for (db, _) in &mut write.written {
                        *db = filter.rewrite(db).to_owned();
                    }
                    statement_write::decide(&write, self.objects_begun)
                }
                None => return verdict(ffi::QueryAction::Refuse, String::new(), refused),
            },
        };
        let shown = shown_statement(statement);
        let mut recopied = None;
        // The record's rows of the tables the edits change, written with
        // the statement (a restored ledger must not know a table dropped
        // or renamed since under its old name).
        let mut record = Vec::new();
        // The master's plan changes with these edits, after the point of
        // the last copy group: a resumed dump must not take the plan that
        // point names as the one at this position (see plan_cache).  Only
        // a copy again of the table in progress leaves the plan's steps
        // as they are (the point goes back to its Rows step, below).  Set
        // now, not at the commit: a worker applies a statement-logged
        // write too.
        if decision.changes_plan(|(db, table)| {
            matches!(
                self.copy_state(&table_ident(db, table)),
                filter::TableState::Created { .. }
            )
        }) {
            self.applied.plan_behind = true;
        }
        for edit in &decision.edits {
            match edit {
                // When the master sends it again does not matter here.
                Edit::Copy((db, table)) | Edit::CopyAfter((db, table), _) => {
                    let id = table_ident(db, table);
                    let state = self.copy_state(&id);
                    if state == filter::TableState::NotCreated {
                        continue;
                    }
                    let count = self.recopies.entry(id.clone()).or_default();
                    *count += 1;
                    if *count > max_recopies {
                        return verdict(
                            ffi::QueryAction::Refuse,
                            String::new(),
                            format!(
                                "LOAD DATA FROM MASTER: table {id} was changed during or after \
                                 its copy {count} time{} (last by '{shown}'), more than \
                                 @@provision_max_recopies={max_recopies}; the copy stops. Run \
                                 LOAD DATA FROM MASTER ... REPLACE when the changes pause, or \
                                 raise provision_max_recopies",
                                if *count == 1 { "" } else { "s" }
                            ),
                        );
                    }
                    if state == filter::TableState::Complete {
                        // Changed by a statement not applied: the master
                        // copies it again, and its new CREATE replaces it
                        // (its count of copies kept).  The record says so
                        // too: restored complete, the master's changes to
                        // it would apply to its old rows.
                        self.progress.table_recopied(&id);
                        self.ledger.copy_again(&id);
                        self.created.remove(&id);
                        record.push(object_row(&id, saved_copy::RECOPY_STATE, Vec::new()));
                        self.stale.insert(id);
                        continue;
                    }
                    self.recopy(db, table);
                    self.stale.insert(id);
                    recopied = Some((db.clone(), table.clone()));
                }
                Edit::Forget((db, table)) => {
                    let id = table_ident(db, table);
                    self.forget_table(&id);
                    record.push(self.record_row(&id));
                }
                Edit::Rename((db, table), (to_db, to)) => {
                    let (from, to) = (table_ident(db, table), table_ident(to_db, to));
                    self.rename_table(&from, &to);
                    record.extend([self.record_row(&from), self.record_row(&to)]);
                }
                // The copy of the table goes on: its rows are as they were.
                Edit::Redefined(_) => {}
                Edit::ForgetDatabase(db) => {
                    let gone: Vec<String> = self
                        .ledger
                        .tables()
                        .map(|(t, _)| t.to_owned())
                        .chain(self.created.iter().cloned())
                        .chain(self.stale.iter().cloned())
                        .filter(|t| split_table_ident(t).is_some_and(|(d, _)| d == *db))
                        .collect();
                    for table in gone {
                        self.forget_table(&table);
                        record.push(self.record_row(&table));
                    }
                }
            }
        }
        let (action, rewritten) = match decision.run {
            Run::Apply => (ffi::QueryAction::Apply, String::new()),
            Run::Skip => (ffi::QueryAction::Skip, String::new()),
            Run::Rewrite(sql) => (ffi::QueryAction::Rewrite, sql),
        };
        let mut v = verdict(action, rewritten, String::new());
        if let Some((db, table)) = recopied {
            v.record = self.recopy_rows(request, &db, &table);
            v.message = format!(
                "LOAD DATA FROM MASTER: '{shown}' changed {} during its copy: it is copied again",
                table_ident(&db, &table)
            );
        }
        v.record.extend(record);
        // A statement that runs here after the record takes its changes:
        // the record names it, so that a restart before it ran can tell
        // (saved_copy::ddl_redo).
        if !v.record.is_empty() && v.action != ffi::QueryAction::Skip {
            let run = if v.action == ffi::QueryAction::Rewrite {
                v.query.as_str()
            } else {
                ""
            };
            let row = self.ddl_ahead_row(run);
            v.record.push(row);
        }
        self.recorded_at_commit(v)
    }

    /// `v`, whose record rows a statement inside a transaction also
    /// writes with its commit (see `QueryVerdict::record`).
    fn recorded_at_commit(&mut self, v: ffi::QueryVerdict) -> ffi::QueryVerdict {
        self.pending
            .recopy
            .extend(v.record.iter().filter(|r| !r.object.is_empty()).cloned());
        v
    }

    /// The copy state of `table` (its quoted name) as a statement sees it:
    /// a table whose CREATE the copy applied is in progress until its
    /// last chunk, and after it until its indexes are built.
    fn copy_state(&self, table: &str) -> filter::TableState {
        let current = self.current.as_ref().map(|(t, _)| t.as_str());
        match self.ledger.state(table) {
            filter::TableState::NotCreated if self.created.contains(table) => {
                filter::TableState::Created { cursor: None }
            }
            filter::TableState::Complete if current == Some(table) => {
                filter::TableState::Created { cursor: None }
            }
            state => state.clone(),
        }
    }

    /// `table` was dropped on the master: this copy knows it no more.
    fn forget_table(&mut self, table: &str) {
        self.forget_index_build(table);
        self.progress.table_dropped(table);
        self.stale.remove(table);
        self.copied_before.remove(table);
        self.ledger.forget(table);
        self.created.remove(table);
        self.recopies.remove(table);
        if self.current.as_ref().is_some_and(|(t, _)| t == table) {
            self.current = None;
        }
    }

    /// `from` was renamed `to` on the master: its copy goes on under it.
    fn rename_table(&mut self, from: &str, to: &str) {
        self.forget_index_build(from);
        self.progress.table_renamed(from, to);
        if self.stale.remove(from) {
            self.stale.insert(to.to_owned());
        }
        if self.copied_before.remove(from) {
            self.copied_before.insert(to.to_owned());
        }
        self.ledger.rename(from, to);
        if self.created.remove(from) {
            self.created.insert(to.to_owned());
        }
        if let Some(count) = self.recopies.remove(from) {
            self.recopies.insert(to.to_owned(), count);
        }
        if let Some((t, _)) = self.current.as_mut().filter(|(t, _)| t == from) {
            to.clone_into(t);
        }
    }

    /// `db`.`table`, whose copy was in progress, starts again: the master
    /// sends its CREATE and all its rows again (a copy taken up after a
    /// crash from here sends them too: the record says `recopy`).
    fn recopy(&mut self, db: &str, table: &str) {
        let id = table_ident(db, table);
        self.forget_index_build(&id);
        self.progress.table_recopied(&id);
        self.created.remove(&id);
        self.ledger.restore(&id, filter::TableState::NotCreated);
        if let Some(point) = self.applied.point.as_mut() {
            point.cursor = None;
            // Rows copied, indexes not built yet: back to its Rows step.
            match self.current.take() {
                Some((current, rows_step)) if current == id => point.step = rows_step,
                other => self.current = other,
            }
        }
        self.applied.recopy = true;
    }

    /// The record's row of `table` as the ledger has it now: none (a row
    /// to delete) for a table it does not know.
    fn record_row(&self, table: &str) -> ffi::ProgressRow {
        match self
            .ledger
            .known_state(table)
            .and_then(saved_copy::encode_table_state)
        {
            Some((state, cursor)) => object_row(table, state, cursor),
            None if self.copied_before.contains(table) => {
                object_row(table, saved_copy::COPIED_BEFORE_STATE, Vec::new())
            }
            None if self.stale.contains(table) => {
                object_row(table, saved_copy::REPLACED_STATE, Vec::new())
            }
            None => object_row(table, "", Vec::new()),
        }
    }

    /// The record after [`ReplicaFilter::recopy`].
    fn recopy_rows(&self, request: &str, db: &str, table: &str) -> Vec<ffi::ProgressRow> {
        vec![
            self.record_of_copy(resume_request_of(&self.applied, request)),
            object_row(
                &table_ident(db, table),
                saved_copy::RECOPY_STATE,
                Vec::new(),
            ),
        ]
    }

    /// The record's row for the copy itself, with its resume request.
    fn record_of_copy(&self, resume: String) -> ffi::ProgressRow {
        ffi::ProgressRow {
            object: String::new(),
            state: saved_copy::COPY_STATE.to_owned(),
            cursor: Vec::new(),
            resume,
            baseline: self.baseline.clone(),
            manifest: self.manifest.clone(),
        }
    }

    /// Whether a copy DDL group that failed with `error_code` is one the
    /// server applied before it stopped (see
    /// [`saved_copy::redone_statement`]): the error is then ignored.
    pub fn statement_redone(&self, error_code: u32) -> bool {
        self.redo && saved_copy::redone_statement(error_code)
    }

    /// Whether the master's DDL group `domain_id-server_id-seq_no` is one
    /// this server applied before it stopped, in a copy taken up from its
    /// record, whose GTID the record and `gtid_slave_pos` missed:
    /// `binlog_last` is the last GTID of its domain and server in this
    /// server's binary log (empty: none).  The group is then skipped (see
    /// [`saved_copy::ddl_applied_before_restart`]).
    pub fn ddl_applied_here(
        &self,
        domain_id: u32,
        server_id: u32,
        seq_no: u64,
        binlog_last: &str,
    ) -> bool {
        let group = Gtid {
            domain_id,
            server_id,
            seq_no,
        };
        self.master_ddl_may_be_redone(domain_id)
            && saved_copy::ddl_applied_before_restart(group, one_gtid(binlog_last))
    }

    /// The GTID under which this server's DDL recovery would have logged
    /// the master's DDL group being applied, received again by a copy
    /// taken up from its record (its domain and number, `server_id` this
    /// server's): `None` for any other group (see
    /// [`saved_copy::ddl_finished_by_recovery`]).
    fn recovery_gtid(&self, server_id: u32) -> Option<Gtid> {
        let group = self.pending.gtid?;
        (self.master_ddl_may_be_redone(group.domain_id) && group.server_id != server_id)
            .then_some(Gtid { server_id, ..group })
    }

    /// Whether the master's DDL group being applied may be one that this
    /// server's DDL recovery finished: true, with the GTID to look up in
    /// this server's binary log in `logged`, for
    /// [`ReplicaFilter::ddl_recovered_verdict`].
    pub fn ddl_recovery_gtid(&self, server_id: u32, logged: &mut ffi::GtidParts) -> bool {
        self.recovery_gtid(server_id)
            .map(|gtid| *logged = gtid.into())
            .is_some()
    }

    /// The master's DDL statement `query` (run in `default_db`) received
    /// again after a restart, when this server's binary log has the same
    /// statement, or the DROP that its DDL recovery wrote for it
    /// (`logged_statement`), under `logged`, the GTID of
    /// [`ReplicaFilter::ddl_recovery_gtid`] (see
    /// [`saved_copy::ddl_finished_by_recovery`]): sets `verdict` (skip it,
    /// its GTID recorded) and returns true; false otherwise, also when
    /// the group being applied is no longer the one `logged` was made for.
    pub fn ddl_recovered_verdict(
        &self,
        query: &[u8],
        default_db: &str,
        logged: &ffi::GtidParts,
        logged_statement: &[u8],
        verdict: &mut ffi::QueryVerdict,
    ) -> bool {
        let logged = Gtid::from(logged);
        let Some(group) = self.pending.gtid else {
            return false;
        };
        if self.recovery_gtid(logged.server_id) != Some(logged)
            || !saved_copy::ddl_finished_by_recovery(
                group,
                query,
                default_db,
                logged,
                logged_statement,
            )
        {
            return false;
        }
        *verdict = verdict_of(
            ffi::QueryAction::Skip,
            String::new(),
            format!(
                "LOAD DATA FROM MASTER: the master's DDL statement '{}' (GTID {group}) \
                 ran here before the server stopped, which this server's DDL recovery \
                 finished and logged as {logged}, and its GTID was not recorded; it is \
                 not applied again, and the GTID is recorded",
                shown_statement(query)
            ),
        );
        true
    }

    /// A copy taken up after a restart receives again the master's DDL
    /// statement `query` whose changes to the copy its record took before
    /// the statement ran (see [`saved_copy::ddl_redo`]): sets `verdict`
    /// (run it as recorded, or the copy stops) and returns true; false
    /// for any other statement, which [`ReplicaFilter::query_verdict`]
    /// decides.  `binlog_last` as for [`ReplicaFilter::ddl_applied_here`],
    /// `binlog_complete`: this server logs the master's transactions.
    pub fn ddl_redo_verdict(
        &self,
        query: &[u8],
        binlog_last: &str,
        binlog_complete: bool,
        verdict: &mut ffi::QueryVerdict,
    ) -> bool {
        let (Some(group), Some((ahead, run))) = (self.pending.gtid, &self.ddl_ahead) else {
            return false;
        };
        if !self.master_ddl_may_be_redone(group.domain_id) {
            return false;
        }
        let shown = shown_statement(query);
        let redo =
            saved_copy::ddl_redo(group, one_gtid(binlog_last), binlog_complete, Some(*ahead));
        let (action, message) = match redo {
            saved_copy::DdlRedo::RunRecorded => (
                if run.is_empty() {
                    ffi::QueryAction::Apply
                } else {
                    ffi::QueryAction::Rewrite
                },
                format!(
                    "LOAD DATA FROM MASTER: the master's DDL statement '{shown}' (GTID \
                     {group}) had not run here when the server stopped, after the copy's \
                     record took its changes: it runs now"
                ),
            ),
            saved_copy::DdlRedo::Refuse => (
                ffi::QueryAction::Refuse,
                format!(
                    "LOAD DATA FROM MASTER: this server stopped while it applied the master's \
                     DDL statement '{shown}' (GTID {group}), after the copy's record took \
                     its changes to the copied tables, and nothing tells whether the statement \
                     ran here: this server does not log the master's transactions (log_bin \
                     and log_slave_updates), so the copy cannot go on exactly. Copy again: \
                     LOAD DATA FROM MASTER '{}' REPLACE",
                    self.connection
                ),
            ),
            saved_copy::DdlRedo::Apply | saved_copy::DdlRedo::Skip => return false,
        };
        *verdict = verdict_of(action, run.clone(), message);
        true
    }

    /// The table, as this server names it, whose partitions the master's
    /// statement `query` (run in `default_db`, in the copy first asked
    /// with `request`) changes in place
    /// ([`ddl_during_copy::partitions_changed_in_place`]): true, with its
    /// names in `db` and `table`, for such a statement during the copy.
    pub fn partitions_changed_table(
        &self,
        query: &[u8],
        default_db: &str,
        request: &str,
        lower_case_table_names: u32,
        db: &mut String,
        table: &mut String,
    ) -> bool {
        let (query, default_db) =
            ddl_during_copy::names_as_compared(query, default_db, lower_case_table_names);
        let Some((in_db, name)) = ddl_during_copy::partitions_changed_in_place(&query, &default_db)
        else {
            return false;
        };
        copy_filter_of(request).rewrite(&in_db).clone_into(db);
        *table = name;
        true
    }

    /// Before the master's DDL group being applied, which changes the
    /// partitions of a table in place, runs with `verdict`: when it runs
    /// (applied or rewritten) and the table is here, with the definition
    /// `definition`, adds to `verdict.record` the row that holds that
    /// definition ([`saved_copy::PARTITIONS_AHEAD_ROW`]), which the caller
    /// writes before the statement runs.
    pub fn partitions_ahead(&self, definition: &[u8], verdict: &mut ffi::QueryVerdict) {
        let runs = matches!(
            verdict.action,
            ffi::QueryAction::Apply | ffi::QueryAction::Rewrite
        );
        let Some(group) = self.pending.gtid.filter(|_| runs && !definition.is_empty()) else {
            return;
        };
        let mut row = object_row(
            saved_copy::PARTITIONS_AHEAD_ROW,
            saved_copy::PARTITIONS_AHEAD_STATE,
            definition.to_vec(),
        );
        row.resume = group.to_string();
        verdict.record.push(row);
    }

    /// The master's DDL statement `query`, which changes the partitions of
    /// a table in place, received again after a restart, when the table's
    /// definition is now `definition` (empty: no table): sets `verdict`
    /// (skip it, its GTID recorded) and returns true when it ran here
    /// before the server stopped, finished by the server's DDL log at the
    /// start (see [`saved_copy::partitions_changed_before_restart`]); false
    /// otherwise.
    pub fn partitions_changed_verdict(
        &self,
        query: &[u8],
        definition: &[u8],
        verdict: &mut ffi::QueryVerdict,
    ) -> bool {
        let Some(group) = self.pending.gtid else {
            return false;
        };
        let recorded = self
            .partitions_ahead
            .as_ref()
            .map(|(g, before)| (*g, before.as_slice()));
        if !self.master_ddl_may_be_redone(group.domain_id)
            || !saved_copy::partitions_changed_before_restart(group, recorded, definition)
        {
            return false;
        }
        *verdict = verdict_of(
            ffi::QueryAction::Skip,
            String::new(),
            format!(
                "LOAD DATA FROM MASTER: the master's DDL statement '{}' (GTID {group}) \
                 changed the table's partitions here before the server stopped, which \
                 this server's DDL log finished at its start without logging it or \
                 recording its GTID; it is not applied again, and the GTID is recorded",
                shown_statement(query)
            ),
        );
        true
    }

    /// The record's row that names the master's DDL group being applied as
    /// the one whose changes to the copy it takes before the statement
    /// runs ([`saved_copy::DDL_AHEAD_ROW`]), with the statement it runs
    /// instead of the master's (`run`, empty: none): written with them.
    fn ddl_ahead_row(&self, run: &str) -> ffi::ProgressRow {
        let mut row = object_row(
            saved_copy::DDL_AHEAD_ROW,
            saved_copy::DDL_AHEAD_STATE,
            run.as_bytes().to_vec(),
        );
        row.resume = self.pending.gtid.map(|g| g.to_string()).unwrap_or_default();
        row
    }

    /// A statement (DDL) of a copy group, `query` run in `default_db`, is
    /// applied (in the copy first asked with `request`).  A table it
    /// creates exists from then on: a DDL that changes it copies it again
    /// (the master's row changes to it are still skipped until its first
    /// chunk, which holds them).
    pub fn copy_statement(&mut self, query: &[u8], default_db: &str, request: &str) {
        self.pending.changes = true;
        if let Some((db, table)) = ddl_during_copy::created_table(query, default_db) {
            let ident = table_ident(copy_filter_of(request).rewrite(&db), &table);
            self.stale.remove(&ident);
            self.copied_before.remove(&ident);
            self.created.insert(ident.clone());
            self.pending.created = Some(ident);
        } else if let Some((db, view)) = ddl_during_copy::created_view(query, default_db) {
            // A view here in its way is replaced (see `replaces`).
            self.stale
                .remove(&table_ident(copy_filter_of(request).rewrite(&db), &view));
            self.current = None;
        } else if !matches!(
            ddl_during_copy::parse(query, default_db),
            Some(ddl_during_copy::TableDdl::Change(_))
        ) {
            // Past the tables (views, routines, ...): a table copied again
            // now would send them again.
            self.current = None;
        }
    }

    /// Whether the copy statement `query`, in `default_db`, of the copy
    /// first asked with `request`, builds the deferred indexes of the
    /// table in progress: then it is handed to a builder (see
    /// [`index_build`]) and returned, to run in the session `context`
    /// describes; else the returned build has no table, and the SQL
    /// thread applies `query` itself.
    pub fn index_build(
        &mut self,
        query: &[u8],
        default_db: &str,
        request: &str,
        context: ffi::IndexBuildContext,
    ) -> ffi::IndexBuild {
        let Some((table, _)) = self.current.as_ref().filter(|_| self.group.is_some()) else {
            return ffi::IndexBuild::default();
        };
        let copy_filter = copy_filter_of(request);
        let Some(statement) = index_build::build_statement(query, default_db, table, |db| {
            copy_filter.rewrite(db).to_owned()
        }) else {
            return ffi::IndexBuild::default();
        };
        let build = ffi::IndexBuild {
            table: table.clone(),
            statement,
            context,
        };
        if !self.builds.iter().any(|b| b.table == build.table) {
            self.builds.push(build.clone());
        }
        self.pending.build = Some(build.table.clone());
        self.building.insert(build.table.clone());
        build
    }

    /// Whether a builder works on `db`.`table` now.  A worker of parallel
    /// replication waits for the groups before it to commit before it
    /// opens such a table: the build waits for the metadata lock of every
    /// transaction that has the table open, and a later transaction that
    /// had it open while waiting for an earlier one, itself queued behind
    /// the build's lock, would close a cycle no deadlock detector sees.
    pub fn index_build_running(&self, db: &str, table: &str) -> bool {
        !self.building.is_empty() && self.building.contains(&table_ident(db, table))
    }

    /// The builds handed over that have not ended (a failed one, or,
    /// after a restart, the ones the record names), handed to builders
    /// again as the copy goes on: beside the SQL thread, as when it first
    /// handed them over, and with their tables counted as being built
    /// ([`ReplicaFilter::index_build_running`]).  Not before the SQL
    /// thread starts: a build waits for the locks of an XA transaction
    /// prepared here on its table, whose `XA COMMIT` may be further on in
    /// the stream (see [`index_build`]).
    pub fn resume_index_builds(&mut self) -> Vec<ffi::IndexBuild> {
        self.building
            .extend(self.builds.iter().map(|b| b.table.clone()));
        self.builds.clone()
    }

    /// The build of `table` ended: it built the indexes when `error_code`
    /// says so ([`index_build::built`]), and returns the record's rows
    /// that say it, to write at once (a statement that waited for it may
    /// drop one of those indexes next).  A build that failed stays, to
    /// run again; no rows.
    pub fn index_build_ended(&mut self, table: &str, error_code: u32) -> Vec<ffi::ProgressRow> {
        self.building.remove(table);
        if !index_build::built(error_code)
            || !self.forget_index_build(table)
            || !self.applied.changed
        {
            return Vec::new();
        }
        saved_copy::encode_table_state(&filter::TableState::Complete)
            .map(|(state, cursor)| object_row(table, state, cursor))
            .into_iter()
            .collect()
    }

    /// Whether the statement `query`, of a copy group (`copy`) or the
    /// master's, in `default_db`, starts only after every build in flight
    /// ended (see [`index_build::statement_waits`]); `in_transaction`:
    /// the SQL thread is inside a transaction, whose locks a build may
    /// be waiting for; `xa_prepared`: an XA transaction is prepared on
    /// this server, and a statement of the master that names none of the
    /// tables being built goes on beside them
    /// ([`index_build::statement_passes_builds`]).
    pub fn waits_for_index_builds(
        &self,
        query: &[u8],
        copy: bool,
        in_transaction: bool,
        default_db: &str,
        xa_prepared: bool,
    ) -> bool {
        !self.builds.is_empty()
            && index_build::statement_waits(query, copy, in_transaction, default_db)
            && !(xa_prepared
                && !copy
                && index_build::statement_passes_builds(
                    query,
                    self.builds.iter().map(|b| b.table.as_str()),
                ))
    }

    /// Whether the build of `table` is still wanted: a statement of the
    /// master may have had the table copied again, dropped or renamed
    /// meanwhile, and a failed build of it is then not run again.
    pub fn index_build_wanted(&self, table: &str) -> bool {
        self.builds.iter().any(|b| b.table == table)
    }

    /// `table` is copied again, dropped or renamed, or its build ended: a
    /// build of it in flight builds nothing the copy keeps (see
    /// [`ReplicaFilter::index_build_ended`]).  Whether there was one.
    fn forget_index_build(&mut self, table: &str) -> bool {
        let before = self.builds.len();
        self.builds.retain(|b| b.table != table);
        self.builds.len() != before
    }

    /// Whether the copy changed this server: a copy that stops after
    /// that leaves it incomplete, and the connection must not replicate
    /// into it (see [`unfinished_copy_message`]).
    pub fn copy_changed_replica(&self) -> bool {
        self.applied.changed || self.pending.changes
    }

    /// The SQL thread stopped (the connection to the master was lost):
    /// a copy group it did not commit is rolled back, and so is what it
    /// recorded.  Returns the non-transactional tables that group wrote
    /// rows to, which the caller empties: their copy starts again (the
    /// resume point of a table whose rows are in doubt goes back to its
    /// first row).
    pub fn group_abandoned(&mut self) -> Vec<ffi::QualifiedName> {
        let pending = std::mem::take(&mut self.pending);
        if self.group.take().is_some() {
            self.roll_back_group();
        }
        // The master sends the group again: a build it handed over that
        // did not build (stopped before it started, or failed) is handed
        // over again then, not when the copy goes on as well.
        if let Some(table) = &pending.build {
            self.forget_index_build(table);
            self.building.remove(table);
        }
        self.complete_noted_table();
        // Stopped among its objects: the next dump sends them all again
        // from its Objects unit, after the master's statements since this
        // server's position, which take the objects as before them.
        if self.objects_begun && !self.objects_done {
            self.objects_begun = false;
            self.objects_again = true;
        }
        for (db, table) in &pending.non_transactional {
            self.ledger.restore(
                &table_ident(db, table),
                filter::TableState::Created { cursor: None },
            );
            if let Some(point) = self.applied.point.as_mut() {
                point.cursor = None;
            }
        }
        pending
            .non_transactional
            .into_iter()
            .map(|(db, table)| ffi::QualifiedName { db, table })
            .collect()
    }

    /// Whether the master's group being applied (the one the SQL thread
    /// stopped in) changed a non-transactional table: what it changed
    /// stays, and it cannot be applied again.
    pub fn group_changed_non_transactional(&self) -> bool {
        self.pending.master_non_transactional
    }

    /// The request that goes on with this copy from what the replica
    /// applied, given the copy's first `request`; empty when nothing of
    /// the copy is applied yet (a new copy then starts: the first groups
    /// change no data).
    pub fn resume_request(&self, request: &str) -> String {
        resume_request_of(&self.applied, request)
    }

    /// The copy's first request: `LOAD TABLE ... FROM MASTER` copies the
    /// tables it names only, and every other table is complete.
    pub fn copy_only_from(&mut self, request: &str) {
        if let Ok(r) = Request::parse(request.trim()) {
            if !r.tables.is_empty() {
                self.ledger
                    .copy_only(r.tables.iter().map(|(db, t)| table_ident(db, t)));
            }
        }
    }

    pub fn progress_handle(&self) -> Box<ProgressHandle> {
        Box::new(ProgressHandle(Arc::clone(&self.progress)))
    }

    /// Whether the master's changes to `db`.`table` are skipped (at its
    /// Table_map): nothing of it is copied yet.
    pub fn table_skipped(&self, db: &str, table: &str) -> bool {
        self.ledger.skips_changes(&table_ident(db, table))
    }

    pub fn copy_row(&mut self, db: &str, table: &str, transactional: bool, key: &[u8]) -> String {
        if let Some(refusal) = self.gap_refusal() {
            return refusal;
        }
        // A non-transactional table keeps what a group cut off wrote: the
        // copy empties it and takes it again, but never an account table.
        if !transactional
            && !scheduler::is_account_table(db, table)
            && !self
                .pending
                .non_transactional
                .iter()
                .any(|(d, t)| d == db && t == table)
        {
            self.pending
                .non_transactional
                .push((db.to_owned(), table.to_owned()));
        }
        let table = self.last_table.ident(db, table);
        if !self.undo.iter().any(|(t, _)| t == table) {
            let before = self.ledger.state(table).clone();
            self.undo.push((table.to_owned(), before));
        }
        self.ledger.table_in_copy(table);
        self.pending.changes = true;
        self.progress.rows_applied(1);
        self.group_rows += 1;
        match self.group_tables.last_mut() {
            Some((t, rows)) if t == table => *rows += 1,
            _ => self.group_tables.push((table.to_owned(), 1)),
        }
        if key.is_empty() {
            // Copied whole in one chunk: complete once the group is over.
            return String::new();
        }
        error_text(self.ledger.chunk_row(table, key))
    }

    /// A copy group's note: one message a line.  Returns an error message,
    /// empty if none.
    pub fn copy_note(&mut self, text: &[u8]) -> String {
        if let Some(refusal) = self.gap_refusal() {
            return refusal;
        }
        for line in text.split(|&b| b == b'\n') {
            let error = self.copy_note_line(line);
            if !error.is_empty() {
                return error;
            }
        }
        String::new()
    }

    /// The refusal of a copy whose groups skipped a number (see
    /// [`ReplicaFilter::group_start`]).
    fn gap_refusal(&self) -> Option<String> {
        self.gap
            .map(|(after, next)| StreamRefused::GroupGap { after, next }.to_string())
    }

    fn copy_note_line(&mut self, text: &[u8]) -> String {
        if let Some(point) = parse_resume_note(text) {
            self.pending.point = Some(point);
            return String::new();
        }
        if let Some(start) = parse_start_note(text) {
            self.pending.start = Some(start);
            return String::new();
        }
        if let Some(history) = parse_history_note(text) {
            self.pending.history = Some(history);
            return String::new();
        }
        if text == OBJECTS_NOTE.as_bytes() {
            self.pending.objects = true;
            return String::new();
        }
        if text == OBJECTS_DONE_NOTE.as_bytes() {
            self.pending.objects_done = true;
            return String::new();
        }
        if let Some(taken) = parse_manifest_note(text) {
            self.manifest = String::from_utf8_lossy(text).into_owned();
            return error_text(claims::claim(&self.connection, taken));
        }
        if let Some((tables, rows)) = parse_plan_note(text) {
            self.progress.planned(tables, rows);
            return String::new();
        }
        if let Some(estimate) = parse_plan_table_note(text) {
            self.progress.planned_tables([estimate]);
            return String::new();
        }
        if let Some(sums) = parse_checksums_note(text) {
            self.checksums = sums
                .into_iter()
                .map(|c| ffi::TableChecksum {
                    db: c.db,
                    table: c.table,
                    sum: c.sum,
                    verifiable: true,
                })
                .collect();
            return String::new();
        }
        match parse_table_done_note(text) {
            Some(table) if self.completing.is_none() => {
                self.completing = Some(table.to_owned());
                String::new()
            }
            Some(table) => format!(
                "LOAD DATA FROM MASTER: copy stream out of order: two tables \
                 completed by one group ({table})"
            ),
            None => String::new(),
        }
    }

    pub fn master_checksums(&self) -> Vec<ffi::TableChecksum> {
        self.checksums.clone()
    }

    /// The end marker's list: the master's position, unless the master's
    /// last copy group is one this replica never saw.  Every copy group
    /// before the marker went through [`ReplicaFilter::group_start`] (a
    /// copy taken up after a restart starts from its record's last one),
    /// so a later one can only have been lost on the way.  A marker
    /// without the copy's last group (not this protocol's) is taken as it
    /// is.
    pub fn copy_end(&self, list: &str, copy_domain: u32) -> ffi::CopyEndVerdict {
        let end = GtidPos::parse(list)
            .ok()
            .and_then(|pos| protocol::copy_end(pos, copy_domain));
        let Some(end) = end else {
            return ffi::CopyEndVerdict {
                position: list.to_owned(),
                refusal: String::new(),
            };
        };
        let refusal = if let Some(refusal) = self.gap_refusal() {
            refusal
        } else if end.last_group > self.last_copy_group {
            StreamRefused::LostGroups {
                sent: end.last_group,
                seen: self.last_copy_group,
            }
            .to_string()
        } else {
            String::new()
        };
        ffi::CopyEndVerdict {
            position: end.master.to_string(),
            refusal,
        }
    }

    #[allow(clippy::too_many_arguments)] // flat values across the bridge
    pub fn decide_row(
        &mut self,
        db: &str,
        table: &str,
        transactional: bool,
        kind: ffi::RowKind,
        before_key: &[u8],
        after_key: &[u8],
    ) -> ffi::RowAction {
        let kind_of_table = if transactional {
            TableKind::Keyed
        } else {
            TableKind::NonTransactional
        };
        let Some(op) = row_op(kind, before_key, after_key) else {
            return ffi::RowAction::Skip;
        };
        let action = self
            .ledger
            .decide_for(self.last_table.ident(db, table), kind_of_table, &op);
        if !transactional && action != Action::Skip {
            self.pending.master_non_transactional = true;
        }
        match action {
            Action::Skip => ffi::RowAction::Skip,
            Action::ApplyStrict => ffi::RowAction::ApplyStrict,
            Action::ApplyIdempotent => ffi::RowAction::ApplyIdempotent,
            Action::MoveIn => ffi::RowAction::MoveIn,
            Action::MoveOut => ffi::RowAction::MoveOut,
        }
    }
}

/// The connection's replication filter, as the copy's first `request`
/// carries it (its `replicate_rewrite_db` names this server's databases).
fn copy_filter_of(request: &str) -> provision_core::copy_filter::CopyFilter {
    Request::parse(request.trim())
        .map(|r| r.filter)
        .unwrap_or_default()
}

/// The request that goes on from `applied` with the copy first asked with
/// `request`; empty when nothing of the copy is applied.
fn resume_request_of(applied: &Applied, request: &str) -> String {
    let (Ok(mut request), Some(position), Some(point)) = (
        Request::parse(request),
        applied.position.clone(),
        applied.point.clone(),
    ) else {
        return String::new();
    };
    request.resume = Some(Resume {
        position,
        point,
        seq_no: applied.seq_no,
        recopy: applied.recopy,
        history: applied.history,
        plan_behind: applied.plan_behind,
    });
    request.encode()
}

fn row_op<'a>(kind: ffi::RowKind, before_key: &'a [u8], after_key: &'a [u8]) -> Option<RowOp<'a>> {
    match kind {
        ffi::RowKind::Insert => Some(RowOp::Insert { key: before_key }),
        ffi::RowKind::Update => Some(RowOp::Update {
            before_key,
            after_key,
        }),
        ffi::RowKind::Delete => Some(RowOp::Delete { key: before_key }),
        _ => None,
    }
}

pub fn divergence_message(
    db: &str,
    table: &str,
    kind: ffi::RowKind,
    failure: ffi::RowFailure,
    key_text: &[u8],
) -> String {
    let failure = match failure {
        ffi::RowFailure::KeyTaken => StrictFailure::KeyTaken,
        _ => StrictFailure::RowMissing,
    };
    // The key named is the one the caller printed, for either image.
    let Some(op) = row_op(kind, key_text, key_text) else {
        return String::new();
    };
    Divergence::strict_failed(&table_ident(db, table), &op, failure).to_string()
}

/// Why `START SLAVE` is refused on master connection `connection`, whose
/// copy (`request`, what its marker file holds) stopped before its end.
pub fn unfinished_copy_message(connection: &str, request: &str, resumable: bool) -> String {
    let options = provision_core::preflight::request_options(request);
    let (how, go_on) = if resumable {
        (
            "",
            "To go on with it: the same statement again, without REPLACE; to",
        )
    } else {
        (" on an error", "To")
    };
    format!(
        "a copy by LOAD DATA FROM MASTER '{connection}'{options} stopped{how} before its \
         end, and replicating into a partial copy would diverge. {go_on} copy again: LOAD \
         DATA FROM MASTER '{connection}' REPLACE{options}; to keep this server's data as \
         it is: RESET SLAVE '{connection}'"
    )
}

/// Why this server refuses a binlog dump (a replica of its own, or a copy
/// from it) while its connection `connection` has a copy running or
/// stopped unfinished: its data is not what its binary log says.
pub fn copying_here_message(connection: &str) -> String {
    format!(
        "this server is being provisioned by LOAD DATA FROM MASTER '{connection}' (or that \
         copy stopped unfinished), and its binary log does not hold the copied data: a \
         replica of it would silently miss that data; once the copy is done, provision this \
         replica from it with LOAD DATA FROM MASTER"
    )
}

/// The statement's error when its copy's threads stopped with no error of
/// the copy's own (`STOP SLAVE`, a `KILL` of one of them), or on an error
/// of this server's that leaves the copy whole ([`server_error_advice`]);
/// empty when the copy is not kept ([`sql_stop_keeps_copy`]).
///
/// A `KILL` of the SQL thread fails the event it was applying with the
/// kill's own error (`sql_error`): its group rolls back as at any stop, and
/// the same statement takes up again any non-transactional table a copy
/// group had written part of.  A group of the master's that had changed a
/// non-transactional table cannot be taken up: the server reports that
/// instead, and it is a failure; so is a kill that failed an event of
/// such a group (`group_non_transactional`,
/// [`ReplicaFilter::group_changed_non_transactional`]).  A kill that
/// lands in the commit of a master's transaction fails its record of the
/// GTID instead (`ER_CANNOT_UPDATE_GTID_STATE`, the kill's error in its
/// message, `sql_message`): that transaction rolls back too, and an XA
/// PREPARE left prepared is not applied again
/// (`rpl_provision_sql_applied_here()`).
pub fn stopped_copy_message(
    connection: &str,
    io_error: u32,
    sql_error: u32,
    sql_message: &str,
    group_non_transactional: bool,
) -> String {
    if io_error != 0 || !sql_stop_keeps_copy(sql_error, sql_message, group_non_transactional) {
        return String::new();
    }
    let go_on = format!(
        "the same statement without REPLACE goes on with it, LOAD DATA FROM MASTER \
         '{connection}' REPLACE copies again, RESET SLAVE '{connection}' forgets it"
    );
    match server_error_advice(sql_error, sql_message) {
        Some(advice) => {
            let error = sql_message
                .split_once(", Error_code: ")
                .map_or(sql_message, |(error, _)| error);
            format!(
                "the replica's SQL thread stopped on an error of this server's ({error}); \
                 the copy is kept: {advice}, then {go_on}"
            )
        }
        None => format!(
            "the replication threads were stopped (STOP SLAVE '{connection}', or a KILL of \
             one of them) before the end of the copy; {go_on}"
        ),
    }
}

/// What to do about an error `sql_error` (`sql_message`) of this
/// server's own that stops the SQL thread in an event and rolls its
/// transaction back whole, as a `KILL` does, and says nothing of the
/// copy: a lock a session of this server held past
/// `innodb_lock_wait_timeout` and the SQL thread's retries, a full disk
/// or table (InnoDB's, or a write of a temporary or binary log file that
/// found no space: `ENOSPC`, `EDQUOT`), InnoDB's lock table full.  `None`
/// for any other error.  A copy stopped by one is kept for the same
/// statement once the cause is gone, instead of a copy from the start.
pub fn server_error_advice(sql_error: u32, sql_message: &str) -> Option<&'static str> {
    const DISK: &str = "free disk space on this server (or raise the table's size limit)";
    match sql_error {
        errors::ER_LOCK_WAIT_TIMEOUT | errors::ER_LOCK_DEADLOCK => Some(
            "end the session of this server that holds the lock (or raise \
             @@slave_transaction_retries)",
        ),
        errors::ER_RECORD_FILE_FULL | errors::ER_DISK_FULL => Some(DISK),
        errors::EE_WRITE | errors::ER_ERROR_ON_WRITE if no_space(sql_message) => Some(DISK),
        errors::ER_LOCK_TABLE_FULL => Some("raise @@innodb_buffer_pool_size"),
        _ => None,
    }
}

/// Whether the server's message of a failed write says the disk was full
/// (`ENOSPC`, 28) or the quota used up (`EDQUOT`, 122): "(Errcode: 28 ...)"
/// from the server's file layer, "(errno: 28 ...)" from the server.
fn no_space(message: &str) -> bool {
    ["Errcode: ", "errno: "].iter().any(|tag| {
        message.match_indices(tag).any(|(at, _)| {
            let number = &message[at + tag.len()..];
            let digits = number.bytes().take_while(u8::is_ascii_digit).count();
            matches!(&number[..digits], "28" | "122")
        })
    })
}

/// Whether a copy is kept, for the same statement to go on with, given
/// how the SQL thread stopped: without an error (`sql_error` 0), or on a
/// `KILL`'s own error or an error of this server's that rolls the group
/// back whole ([`server_error_advice`]), in a group that changed no
/// non-transactional table (as in [`stopped_copy_message`]).
///
/// Any other error of the SQL thread's says something of the copy, or is
/// not a clean stop: above all, asked
/// to stop in a group of the master's that changed a non-transactional
/// table whose rest the slave I/O thread had not queued (the connection
/// lost, or the I/O thread stopped first), it waits a minute for the rest
/// and stops with "incomplete event group having non-transactional
/// changes", the group's changes so far applied.  The master would send
/// the group again from its start: such a copy is not kept.
pub fn sql_stop_keeps_copy(
    sql_error: u32,
    sql_message: &str,
    group_non_transactional: bool,
) -> bool {
    sql_error == 0
        || ((is_kill_error(sql_error, sql_message)
            || server_error_advice(sql_error, sql_message).is_some())
            && !group_non_transactional)
}

/// What the statement reports of the SQL thread's error `message` that
/// stopped the copy: the copy's own error when the server wrapped it in a
/// row event's ("Could not execute Update_rows_v1 event on table d.t;
/// Can't find record in 't', Error_code: 1032; LOAD DATA FROM MASTER: the
/// replica diverged ..., Error_code: 4199; handler error ...; the event's
/// master log ..."), whose advice would otherwise be cut off with the
/// statement's error at its 512 bytes.  The whole text stays in `SHOW
/// SLAVE STATUS` and the error log.  Any other error of the server's (a
/// KILL in a transaction that changed MyISAM, an index the replica's row
/// format refuses) comes after the advice to copy again, which it lacks.
///
/// When the connection to the master was lost too (`connection_lost`),
/// the SQL thread most likely stopped in a group of the master's that
/// changed a non-transactional table, whose rest never came (see
/// [`sql_error_decides`]): the message says so, since the server's last
/// error is then a "Relay log read failure".
pub fn sql_failure_message(message: &str, connection_lost: bool) -> String {
    const OURS: &str = "; LOAD DATA FROM MASTER";
    if message.starts_with("LOAD DATA FROM MASTER") {
        return message.to_owned();
    }
    if message.starts_with("Could not execute ") {
        if let Some(start) = message.find(OURS) {
            let ours = &message[start + 2..];
            let end = ours.find(", Error_code: ").unwrap_or(ours.len());
            return ours[..end].to_owned();
        }
    }
    let why = if connection_lost {
        "the connection to the master was lost, and the slave SQL thread stopped on an \
         error, most likely in a transaction of the master's that changed a \
         non-transactional table, whose changes so far stay; the copy cannot go on"
    } else {
        "the slave SQL thread stopped on an error, and the copy cannot go on"
    };
    format!(
        "{why} ({} copies again): {message}",
        provision_core::preflight::COPY_AGAIN
    )
}

/// Whether the SQL thread's error `code` (`message`) is a `KILL`'s: the
/// kill's own error, or the failed record of a GTID whose inner error
/// ("... failed to update GTID state in mysql.gtid_slave_pos: 1927: ...")
/// is.
fn is_kill_error(code: u32, message: &str) -> bool {
    let kill = |code| {
        matches!(
            code,
            errors::ER_CONNECTION_KILLED | errors::ER_QUERY_INTERRUPTED
        )
    };
    if kill(code) {
        return true;
    }
    if code != errors::ER_CANNOT_UPDATE_GTID_STATE {
        return false;
    }
    // "... in <db>.<table>: <code>: <message>"
    let Some((_, rest)) = message.split_once("failed to update GTID state in ") else {
        return false;
    };
    rest.split_once(": ")
        .and_then(|(_, inner)| inner.split_once(':'))
        .and_then(|(number, _)| number.trim().parse::<u32>().ok())
        .is_some_and(kill)
}

/// What to report of the slave I/O thread's error `error_code` (`message`)
/// that stopped the copy of `connection` sending `request`: when the
/// master lost the binary logs a resumed copy needs, that the copy must
/// start again, and how.
pub fn io_failure_message(
    connection: &str,
    request: &str,
    error_code: u32,
    message: &str,
) -> String {
    let parsed = Request::parse(request.trim());
    let resuming = parsed.as_ref().is_ok_and(|r| r.resume.is_some());
    let reload = parsed.as_ref().is_ok_and(|r| !r.tables.is_empty());
    // The master's own refusals of a copy travel in the same error as a
    // purged binary log: they say what is wrong themselves.
    let from_the_dump = ["'LOAD DATA FROM MASTER: ", "'LOAD TABLE ... FROM MASTER: "]
        .iter()
        .any(|prefix| message.contains(prefix));
    if error_code != errors::ER_MASTER_FATAL_ERROR_READING_BINLOG || from_the_dump {
        return message.to_owned();
    }
    if let Some((file, position)) = event_cut_short(message) {
        // Short: the server's error message holds 512 bytes, and the fix
        // must fit (the I/O thread's whole error is in SHOW SLAVE STATUS).
        return format!(
            "binary log file '{file}' of the master ends in an event cut short at {position} \
             (the master was killed, or out of disk space, while it wrote it): on the master, \
             cut the file at the start of that event's transaction, which never committed \
             (truncate -s <position of its GTID event: mariadb-binlog shows it> {file}). {}",
            provision_core::dump::COPY_KEPT
        );
    }
    if reload && !resuming {
        // The stream starts where this replica is: the binary logs from
        // there are gone, so is replication from there.
        return format!(
            "LOAD TABLE ... FROM MASTER cannot copy from this replica's position: the \
             master no longer has its binary logs ({message}), so this replica cannot \
             replicate from there either. Provision it again: LOAD DATA FROM MASTER \
             '{connection}' REPLACE"
        );
    }
    if !resuming {
        return message.to_owned();
    }
    let options = provision_core::preflight::request_options(request);
    format!(
        "the copy cannot go on: the master no longer has the binary logs from the \
         position this server reached ({message}). Copy again: LOAD DATA FROM MASTER \
         '{connection}' REPLACE{options}"
    )
}

/// Whether the SQL thread's error `sql_error` (0: none) is the reason a
/// copy stopped, whatever the slave I/O thread's: whenever it has one.
/// An I/O error (a lost connection above all) says what the master sent
/// no longer comes; an error of the SQL thread says what it applied.
///
/// A connection lost in the middle of a master's group that changed a
/// non-transactional table leaves the SQL thread in that group: it waits
/// a minute for the rest, then stops with an error ("incomplete event
/// group having non-transactional changes"), and the changes it made
/// stay.  The group comes again from its start when the copy goes on: a
/// keyless table would get its rows twice, and a write the master logged
/// as a statement would run twice.  Such a copy does not go on, by itself
/// or by the same statement.
pub fn sql_error_decides(sql_error: u32) -> bool {
    sql_error != 0
}

/// Whether the replica keeps its copy, for the same statement to go on
/// with, after the slave I/O thread's error `error_code` (`message`)
/// stopped it: the master's error says so (it decides,
/// `DumpError::keeps_copy`: a lock or an XA transaction that held the copy
/// too long, a resumed copy refused before anything was sent).
pub fn io_failure_keeps_copy(error_code: u32, message: &str) -> bool {
    error_code == errors::ER_MASTER_FATAL_ERROR_READING_BINLOG
        && (provision_core::dump::keeps_copy_said(message) || event_cut_short(message).is_some())
}

/// The binary log file and position of the event cut short that the
/// master's `message` names ("binlog truncated in the middle of event",
/// `LOG_READ_TRUNC` in `sql_repl.cc`): a master killed while it wrote a
/// large event leaves it at the end of the file its restart closes, and
/// its dump threads stop there, every time.  The event's transaction never
/// committed; once the DBA cut the file, the copy goes on from where it
/// was (the replica applied no row of that transaction: its rows were
/// never sent whole), so it is kept.
fn event_cut_short(message: &str) -> Option<(&str, u64)> {
    if !message.contains("binlog truncated in the middle of event") {
        return None;
    }
    let (_, rest) = message.split_once("the last event read from '")?;
    let (file, rest) = rest.split_once('\'')?;
    let digits = rest.trim_start().strip_prefix("at ")?;
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let position = digits[..end].parse().ok()?;
    let file = file.rsplit('/').next().unwrap_or(file);
    Some((file, position))
}

/// `Slave_SQL_Running_State` in `SHOW SLAVE STATUS` while the connection
/// is provisioned: how far the copy is, and how often it resumed.
pub fn provisioning_state(progress: &ffi::CopyProgress, resumes: u32) -> String {
    let tables = if progress.tables_total > 0 {
        format!(
            "{} of {} tables",
            progress.tables_done, progress.tables_total
        )
    } else {
        format!("{} tables", progress.tables_done)
    };
    let mut text = format!(
        "Provisioning (LOAD DATA FROM MASTER): {tables}, {} of about {} rows",
        progress.rows_copied, progress.rows_total
    );
    if resumes > 0 {
        let s = if resumes == 1 { "" } else { "s" };
        text.push_str(&format!(", resumed {resumes} time{s}"));
    }
    text
}

/// `Slave_SQL_Running_State` of a connection whose copy is unfinished.
pub fn unfinished_state(resumable: bool) -> String {
    if resumable {
        "LOAD DATA FROM MASTER unfinished: START SLAVE is refused; the same statement \
         goes on with the copy, REPLACE copies again, RESET SLAVE forgets it"
    } else {
        "LOAD DATA FROM MASTER stopped on an error: START SLAVE is refused; REPLACE \
         copies again, RESET SLAVE forgets it"
    }
    .to_owned()
}

pub fn query_ends_group(standalone: bool, query: &[u8]) -> bool {
    standalone || filter::ends_transaction(query)
}

/// Whether the master's Query event `query` may change the ledger
/// ([`ReplicaFilter::query_verdict`] decides it): anything but transaction
/// control.
pub fn query_may_change_ledger(query: &[u8]) -> bool {
    filter::check_statement(query).is_err()
}

impl From<Gtid> for ffi::GtidParts {
    fn from(g: Gtid) -> Self {
        ffi::GtidParts {
            domain_id: g.domain_id,
            server_id: g.server_id,
            seq_no: g.seq_no,
        }
    }
}

impl From<&ffi::GtidParts> for Gtid {
    fn from(g: &ffi::GtidParts) -> Self {
        Gtid {
            domain_id: g.domain_id,
            server_id: g.server_id,
            seq_no: g.seq_no,
        }
    }
}

impl From<ffi::GroupKind> for GroupKind {
    fn from(k: ffi::GroupKind) -> Self {
        GroupKind {
            copy_group: k.copy_group,
            transactional: k.transactional,
            standalone: k.standalone,
            ddl: k.ddl,
            xa: k.xa,
        }
    }
}

/// The session of a build, as the record keeps it.
impl From<ffi::IndexBuildContext> for BuildContext {
    fn from(c: ffi::IndexBuildContext) -> Self {
        BuildContext {
            sql_mode: c.sql_mode,
            charset_client: c.charset_client,
            collation_connection: c.collation_connection,
        }
    }
}

impl From<BuildContext> for ffi::IndexBuildContext {
    fn from(c: BuildContext) -> Self {
        ffi::IndexBuildContext {
            sql_mode: c.sql_mode,
            charset_client: c.charset_client,
            collation_connection: c.collation_connection,
        }
    }
}

/// A row of the record for one of the copy's objects (a table, or the
/// objects' start): its state and cursor; the copy's own row has the rest.
/// The first 100 characters of a statement, for messages.
fn shown_statement(query: &[u8]) -> String {
    String::from_utf8_lossy(query).chars().take(100).collect()
}

/// The one GTID of `text` (`d-s-n`, as the server prints it); `None` for
/// anything else.
fn one_gtid(text: &str) -> Option<Gtid> {
    match GtidPos::parse(text).ok()?.gtids() {
        [gtid] => Some(*gtid),
        _ => None,
    }
}

/// A verdict on a statement, with no rows for the record.
fn verdict_of(action: ffi::QueryAction, query: String, message: String) -> ffi::QueryVerdict {
    ffi::QueryVerdict {
        action,
        query,
        record: Vec::new(),
        message,
    }
}

fn object_row(object: &str, state: &str, cursor: Vec<u8>) -> ffi::ProgressRow {
    ffi::ProgressRow {
        object: object.to_owned(),
        state: state.to_owned(),
        cursor,
        resume: String::new(),
        baseline: String::new(),
        manifest: String::new(),
    }
}

pub fn partial_row_image_message(db: &str, table: &str) -> String {
    StreamRefused::PartialRowImage(table_ident(db, table)).to_string()
}

/// The error of a copy whose table differs from the master's at the end;
/// `io_filtered`: the connection has `IGNORE_SERVER_IDS`, `DO_DOMAIN_IDS`
/// or `IGNORE_DOMAIN_IDS`, which may have left out the master's changes.
pub fn checksum_mismatch_message(
    db: &str,
    table: &str,
    master: u32,
    replica: u32,
    io_filtered: bool,
) -> String {
    let filtered = if io_filtered {
        " (the connection's IGNORE_SERVER_IDS, DO_DOMAIN_IDS or IGNORE_DOMAIN_IDS \
         leave out some of the master's transactions: those must not write the \
         tables the copy takes; filter the table out, or clear them for the copy)"
    } else {
        ""
    };
    format!(
        "LOAD DATA FROM MASTER ... WITH CHECKSUM: table {} differs from the master: \
         checksum {master:08x} on the master at the end of the copy, {replica:08x} here. \
         Something wrote to the replica's copy, or the copy missed a change of the \
         master's{filtered}. gtid_slave_pos was not set: do not START SLAVE on this copy; \
         copy again: LOAD DATA FROM MASTER ... REPLACE",
        table_ident(db, table)
    )
}

/// The error of a copied row the replica's engine did not write (a
/// chunk is written overwriting, so no error of an idempotent apply may
/// pass it by: the row would be lost); `engine_error` is the server's
/// message for it.
pub fn copy_row_refused_message(db: &str, table: &str, engine_error: &str) -> String {
    format!(
        "LOAD DATA FROM MASTER: a copied row of table {} was not written here: {engine_error}. \
         Provisioning stopped; the table's engine or definition on this server refuses rows \
         the master holds. Mend that, then copy again: LOAD DATA FROM MASTER ... REPLACE",
        table_ident(db, table)
    )
}

/// The error of a copy whose deferred index build of `table` (quoted)
/// failed twice, the second time with `error_code` and `message`.
pub fn index_build_failed_message(table: &str, error_code: u32, message: &str) -> String {
    let what = if index_build::lock_wait(error_code) {
        "a session or a prepared XA transaction that holds locks on the table: SHOW \
         PROCESSLIST and XA RECOVER list them"
    } else {
        "space in tmpdir or the data directory, innodb_online_alter_log_max_size"
    };
    format!(
        "LOAD DATA FROM MASTER: the secondary indexes of table {table} could not be built: \
         {message}. Every row of the table is copied; the copy stops unfinished. Mend what \
         the error names ({what}), then run the same LOAD DATA FROM MASTER: it builds them \
         again as it goes on"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checksum_difference_names_the_connections_io_filters_when_it_has_them() {
        let plain = checksum_mismatch_message("d", "t", 1, 2, false);
        assert!(
            plain.contains("table `d`.`t` differs from the master"),
            "{plain}"
        );
        assert!(!plain.contains("DO_DOMAIN_IDS"), "{plain}");
        let filtered = checksum_mismatch_message("d", "t", 1, 2, true);
        assert!(
            filtered.contains("IGNORE_SERVER_IDS, DO_DOMAIN_IDS or IGNORE_DOMAIN_IDS"),
            "{filtered}"
        );
        assert!(
            filtered.ends_with("LOAD DATA FROM MASTER ... REPLACE"),
            "{filtered}"
        );
    }

    #[test]
    fn an_sql_thread_error_decides_over_a_lost_connection() {
        // "Slave SQL Thread stopped with incomplete event group having
        // non-transactional changes" (ER_SLAVE_FATAL_ERROR)
        assert!(sql_error_decides(1593));
        assert!(sql_error_decides(errors::ER_PROVISION_FAILED));
        assert!(!sql_error_decides(0));
    }

    #[test]
    fn a_killed_copy_is_kept_unless_the_sql_thread_stopped_on_its_own_error() {
        // The SQL thread stopped at a group's end, or a copy group's
        // non-transactional changes the copy takes up again.
        assert!(sql_stop_keeps_copy(0, "", false));
        assert!(sql_stop_keeps_copy(0, "", true));
        // The kill's own error, in a group that rolls back whole.
        assert!(sql_stop_keeps_copy(
            errors::ER_CONNECTION_KILLED,
            "Connection was killed",
            false
        ));
        assert!(sql_stop_keeps_copy(
            errors::ER_CANNOT_UPDATE_GTID_STATE,
            "Error during XID COMMIT: failed to update GTID state in \
             mysql.gtid_slave_pos: 1927: Connection was killed",
            false
        ));
        // ... in a group of the master's that changed MyISAM.
        assert!(!sql_stop_keeps_copy(
            errors::ER_QUERY_INTERRUPTED,
            "interrupted",
            true
        ));
        // Stopped waiting for the rest of such a group (ER_SLAVE_FATAL_ERROR).
        let incomplete = "Fatal error: ... Slave SQL Thread stopped with incomplete event \
                          group having non-transactional changes.";
        assert!(!sql_stop_keeps_copy(1593, incomplete, false));
        assert!(!sql_stop_keeps_copy(1593, incomplete, true));
        assert!(!sql_stop_keeps_copy(
            errors::ER_PROVISION_FAILED,
            "LOAD DATA FROM MASTER: ...",
            false
        ));
    }

    #[test]
    fn a_row_event_failure_reports_the_copys_own_error() {
        let wrapped = "Could not execute Update_rows_v1 event on table test.a; Can't find record \
                       in 'a', Error_code: 1032; LOAD DATA FROM MASTER: the replica diverged \
                       from the master: UPDATE found no row in table `test`.`a` at key '2'; \
                       provisioning stopped. Copy again: LOAD DATA FROM MASTER ... REPLACE, \
                       Error_code: 4199; handler error HA_ERR_GENERIC; the event's master log \
                       master-bin.000001, end_log_pos 1234";
        assert_eq!(
            sql_failure_message(wrapped, false),
            "LOAD DATA FROM MASTER: the replica diverged from the master: UPDATE found no row \
             in table `test`.`a` at key '2'; provisioning stopped. Copy again: LOAD DATA FROM \
             MASTER ... REPLACE"
        );
        // The copy's own error as it is.
        let ours =
            "LOAD DATA FROM MASTER: the secondary indexes of table `d`.`t` could not be built";
        assert_eq!(sql_failure_message(ours, false), ours);
        // The server's own errors, and a query's text that holds the
        // words: whole, after the advice to copy again.
        for message in [
            "Could not execute Write_rows_v1 event on table test.a; Duplicate entry '1' for key \
             'PRIMARY', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY",
            "Error 'Table 'x' doesn't exist' on query. Default database: 'd'. Query: 'INSERT \
             INTO t VALUES ('; LOAD DATA FROM MASTER')'",
            "Error 'Connection was killed' on query. Default database: 'sw'. Query: 'COMMIT'",
        ] {
            let text = sql_failure_message(message, false);
            assert!(
                text.starts_with(
                    "the slave SQL thread stopped on an error, and the copy cannot go on \
                     (LOAD DATA FROM MASTER ... REPLACE copies again): "
                ) && text.ends_with(message),
                "{text}"
            );
        }
        // After a lost connection: what most likely stopped it
        let text = sql_failure_message("Relay log read failure: ...", true);
        assert!(
            text.starts_with("the connection to the master was lost, and the slave SQL thread")
                && text.contains("non-transactional table")
                && text.ends_with("REPLACE copies again): Relay log read failure: ..."),
            "{text}"
        );
    }

    #[test]
    fn a_failed_build_names_what_to_mend() {
        let lock = index_build_failed_message("`d`.`t`", 1205, "Lock wait timeout exceeded");
        assert!(
            lock.contains("`d`.`t`") && lock.contains("XA RECOVER"),
            "{lock}"
        );
        let space = index_build_failed_message("`d`.`t`", 1021, "Disk full");
        assert!(
            space.contains("tmpdir") && !space.contains("XA RECOVER"),
            "{space}"
        );
    }

    #[test]
    fn provisioning_state_says_how_far() {
        let mut p = ffi::CopyProgress {
            rows_copied: 10,
            rows_total: 40,
            tables_done: 1,
            tables_total: 3,
            elapsed: 1.0,
            rate: 10.0,
            left: 3.0,
        };
        assert_eq!(
            provisioning_state(&p, 0),
            "Provisioning (LOAD DATA FROM MASTER): 1 of 3 tables, 10 of about 40 rows"
        );
        p.tables_total = 0;
        assert!(
            provisioning_state(&p, 2).ends_with(": 1 tables, 10 of about 40 rows, resumed 2 times")
        );
    }

    #[test]
    fn lost_binlogs_of_a_resumed_copy_say_to_copy_again() {
        let request = "v=1;domain=7;grants=1;resume=0-1-5;plan=00000000000000ab;step=3;seq=4";
        let err = errors::ER_MASTER_FATAL_ERROR_READING_BINLOG;
        let text = io_failure_message("m1", request, err, "purged");
        assert!(
            text.contains("LOAD DATA FROM MASTER 'm1' REPLACE WITH GRANTS"),
            "{text}"
        );
        assert!(text.contains("(purged)"), "{text}");
        // A first request, or another error: the server's message as it is.
        assert_eq!(io_failure_message("m1", "v=1;domain=7", err, "x"), "x");
        assert_eq!(io_failure_message("m1", request, 2003, "x"), "x");
        // LOAD TABLE starts where the replica is: the replica must be
        // provisioned again.
        let text = io_failure_message("m1", "v=1;domain=7;tables=640974", err, "purged");
        assert!(
            text.starts_with("LOAD TABLE ... FROM MASTER cannot copy"),
            "{text}"
        );
        assert!(
            text.contains("LOAD DATA FROM MASTER 'm1' REPLACE"),
            "{text}"
        );
        // The master refused the copy: its own words, not a purged binlog.
        let refused = "Got fatal error 1236 from master when reading data from binary log: \
                       'LOAD TABLE ... FROM MASTER: the master has no table `d`.`t`'";
        for r in ["v=1;domain=7;tables=640974", request] {
            assert_eq!(io_failure_message("m1", r, err, refused), refused);
            assert!(!io_failure_keeps_copy(err, refused));
        }
    }

    #[test]
    fn an_event_cut_short_names_the_file_and_keeps_the_copy() {
        let err = errors::ER_MASTER_FATAL_ERROR_READING_BINLOG;
        let cut = "Got fatal error 1236 from master when reading data from binary log: \
                   'binlog truncated in the middle of event; consider out of disk space on \
                   master; the first event 'master-bin.000001' at 15126823, the last event \
                   read from './master-bin.000001' at 16132214, the last byte read from \
                   './master-bin.000001' at 16132233.'";
        assert_eq!(
            event_cut_short(cut),
            Some(("master-bin.000001", 16_132_214))
        );
        assert!(io_failure_keeps_copy(err, cut));
        assert!(!io_failure_keeps_copy(2003, cut));
        for request in [
            "v=1;domain=7;resume=0-1-5;plan=00000000000000ab;step=3;seq=4",
            "v=1;domain=7",
            "v=1;domain=7;tables=640974",
        ] {
            let text = io_failure_message("m1", request, err, cut);
            assert!(
                text.starts_with(
                    "binary log file 'master-bin.000001' of the master ends in an event \
                     cut short at 16132214"
                ),
                "{text}"
            );
            assert!(text.contains("> master-bin.000001)"), "{text}");
            // Within the server's error message, with a long connection name
            let full = format!(
                "LOAD DATA FROM MASTER for master connection '{}' failed: {text}",
                "c".repeat(40)
            );
            assert!(full.len() < 512, "{} bytes: {full}", full.len());
            assert!(provision_core::dump::keeps_copy_said(&text), "{text}");
            assert!(!text.contains("' REPLACE"), "{text}");
        }
        // Another fatal read error: not this one.
        let other = "Got fatal error 1236 from master when reading data from binary log: \
                     'Could not find first log file name in binary log index file'";
        assert_eq!(event_cut_short(other), None);
        assert!(!io_failure_keeps_copy(err, other));
    }

    #[test]
    fn the_masters_error_says_whether_the_copy_is_kept() {
        let err = errors::ER_MASTER_FATAL_ERROR_READING_BINLOG;
        let refused = format!(
            "Got fatal error 1236 from master when reading data from binary log: \
             'LOAD DATA FROM MASTER: waited 1 s (@@lock_wait_timeout) for a lock. {}'",
            provision_core::dump::COPY_KEPT
        );
        assert!(io_failure_keeps_copy(err, &refused));
        assert!(!io_failure_keeps_copy(2003, &refused));
        assert!(!io_failure_keeps_copy(err, "purged"));
        let request = "v=1;domain=7;resume=0-1-5;plan=00000000000000ab;step=3;seq=4";
        assert_eq!(io_failure_message("m1", request, err, &refused), refused);
    }

    #[test]
    fn progress_counts_applied_rows_and_tables_and_forgets_a_retried_group() {
        let mut f = replica_filter_new("filter-test-progress");
        let handle = f.progress_handle();
        f.group_start(true, 0, 1, 1);
        assert_eq!(
            f.copy_note(
                b"LOAD DATA FROM MASTER: plan tables=2 rows=10\n\
                  LOAD DATA FROM MASTER: plan rows=4 table=`d`.`t`\n\
                  LOAD DATA FROM MASTER: plan rows=6 table=`d`.`u`"
            ),
            ""
        );
        f.group_start(true, 0, 1, 2);
        for key in [[1u8], [2]] {
            assert_eq!(f.copy_row("d", "t", true, &key), "");
        }
        // The SQL thread rolls group 2 back and applies it again.
        f.group_start(true, 0, 1, 2);
        for key in [[1u8], [2], [3]] {
            assert_eq!(f.copy_row("d", "t", true, &key), "");
        }
        f.copy_note(b"LOAD DATA FROM MASTER: end of table `d`.`t`");
        f.group_start(false, 0, 1, 7);
        let p = handle.read();
        assert_eq!(
            (p.rows_copied, p.rows_total, p.tables_done, p.tables_total),
            (3, 10, 1, 2)
        );
        // Each table: the rows of the group applied for good, once.
        let tables = handle
            .tables()
            .into_iter()
            .map(|t| (t.table, t.state, t.rows_copied, t.rows_estimated, t.chunks))
            .collect::<Vec<_>>();
        assert_eq!(
            tables,
            vec![
                ("t".to_owned(), "done".to_owned(), 3, 4, 1),
                ("u".to_owned(), "waiting".to_owned(), 0, 6, 0),
            ]
        );
        // A statement-logged write to t, complete: the master copies it
        // again, and the progress says so.
        assert_eq!(f.copy_state("`d`.`t`"), filter::TableState::Complete);
        let v = f.query_verdict(b"UPDATE t SET v = 2", "d", "v=1;domain=7", 5, 0);
        assert_eq!(v.action, ffi::QueryAction::Skip);
        let t = handle
            .tables()
            .into_iter()
            .find(|t| t.table == "t")
            .unwrap();
        assert_eq!((t.state.as_str(), t.recopies), ("re-copying", 1));
        assert_eq!(handle.read().tables_done, 0);
    }

    #[test]
    fn maintenance_of_the_table_in_progress_lets_its_copy_go_on() {
        let req = "v=1;domain=7";
        let mut f = replica_filter_new("filter-test-maintenance");
        f.group_start(true, 0, 1, 1);
        f.copy_statement(b"CREATE OR REPLACE TABLE `part` (id INT)", "d", req);
        f.group_committed();
        f.group_start(true, 0, 1, 2);
        f.copy_row("d", "part", true, &[5]);
        f.group_committed();
        f.group_start(false, 0, 1, 9);
        // More than the copies again a table may take, none of them one.
        for _ in 0..=MAX_RECOPIES {
            for (q, action) in [
                ("OPTIMIZE TABLE part", ffi::QueryAction::Skip),
                ("ALTER TABLE part FORCE", ffi::QueryAction::Skip),
                (
                    "ALTER TABLE part REBUILD PARTITION p1",
                    ffi::QueryAction::Skip,
                ),
                ("ALTER TABLE part COMMENT 'x'", ffi::QueryAction::Apply),
                (
                    "ALTER TABLE part AUTO_INCREMENT = 9",
                    ffi::QueryAction::Apply,
                ),
            ] {
                let v = f.query_verdict(q.as_bytes(), "d", req, MAX_RECOPIES, 0);
                assert_eq!(v.action, action, "{q}");
                assert!(v.record.is_empty() && v.message.is_empty(), "{q}");
            }
        }
        // Its copy goes on after the cursor.
        assert_eq!(
            f.copy_state("`d`.`part`"),
            filter::TableState::Created {
                cursor: Some(vec![5])
            }
        );
        // REPAIR may drop rows: the table is copied again.
        let v = f.query_verdict(b"REPAIR TABLE part", "d", req, MAX_RECOPIES, 0);
        assert_eq!(v.action, ffi::QueryAction::Skip);
        assert!(v.message.contains("it is copied again"), "{}", v.message);
    }

    #[test]
    fn ddl_during_the_copy_applies_skips_or_copies_the_table_again() {
        let req = "v=1;domain=7";
        let mut f = replica_filter_new("filter-test-ddl");
        // `d`.`done` complete, `d`.`part` part way, `d`.`made` created
        // without rows, `d`.`later` not started.
        f.group_start(true, 0, 1, 1);
        f.copy_row("d", "done", true, &[1]);
        f.copy_note(b"LOAD DATA FROM MASTER: end of table `d`.`done`");
        f.group_committed();
        f.group_start(true, 0, 1, 2);
        f.copy_row("d", "part", true, &[5]);
        f.group_committed();
        f.group_start(true, 0, 1, 3);
        f.copy_statement(b"CREATE OR REPLACE TABLE `made` (id INT)", "d", req);
        f.group_committed();
        f.group_start(false, 0, 1, 9);
        // (what runs, whether the table in progress is copied again: the
        // record's row of the copy itself goes back to its point)
        let action = |f: &mut ReplicaFilter, q: &str| {
            let v = f.query_verdict(q.as_bytes(), "d", req, MAX_RECOPIES, 0);
            (
                v.action,
                v.record.iter().any(|r| r.object.is_empty()),
                v.query,
            )
        };
        assert!(matches!(
            action(&mut f, "ALTER TABLE done ADD c INT"),
            (ffi::QueryAction::Apply, false, _)
        ));
        assert!(matches!(
            action(&mut f, "TRUNCATE later"),
            (ffi::QueryAction::Skip, false, _)
        ));
        assert!(matches!(
            action(&mut f, "ALTER TABLE d.made ADD c INT"),
            (ffi::QueryAction::Skip, true, _)
        ));
        assert!(matches!(
            action(&mut f, "COMMIT"),
            (ffi::QueryAction::Apply, false, _)
        ));
        // A table created during the copy: the master copies it later.
        assert!(matches!(
            action(&mut f, "CREATE TABLE x (a INT)"),
            (ffi::QueryAction::Skip, false, _)
        ));
        // Objects: skipped before the copy's objects, applied after.
        assert!(matches!(
            action(&mut f, "CREATE VIEW v AS SELECT 1"),
            (ffi::QueryAction::Skip, false, _)
        ));
        // Copied again, the table is not started: a second DDL is skipped.
        assert!(matches!(
            action(&mut f, "ALTER TABLE part ADD c INT"),
            (ffi::QueryAction::Skip, true, _)
        ));
        assert!(matches!(
            action(&mut f, "ALTER TABLE part ADD c INT"),
            (ffi::QueryAction::Skip, false, _)
        ));
        // Dropped: a table the replica has, and one it has not.
        assert!(matches!(
            action(&mut f, "DROP TABLE done, later"),
            (ffi::QueryAction::Rewrite, false, q) if q == "DROP TABLE IF EXISTS `d`.`done`"
        ));
        assert!(matches!(
            action(&mut f, "ALTER TABLE done ADD c INT"),
            (ffi::QueryAction::Skip, false, _)
        ));
        // A table changed again and again during its copy stops the copy.
        f.group_start(true, 0, 1, 4);
        f.copy_statement(b"CREATE OR REPLACE TABLE `made` (id INT)", "d", req);
        f.group_committed();
        for _ in 2..=MAX_RECOPIES {
            assert!(matches!(
                action(&mut f, "REPAIR TABLE made"),
                (ffi::QueryAction::Skip, true, _)
            ));
            f.group_start(true, 0, 1, 4);
            f.copy_statement(b"CREATE OR REPLACE TABLE `made` (id INT)", "d", req);
            f.group_committed();
        }
        let v = f.query_verdict(b"REPAIR TABLE made", "d", req, MAX_RECOPIES, 0);
        assert!(matches!(v.action, ffi::QueryAction::Refuse));
        assert!(
            v.message.contains("`d`.`made` was changed"),
            "{}",
            v.message
        );
        // After the copy's objects: their DDL, and every DROP and RENAME.
        f.group_start(true, 0, 1, 3);
        assert_eq!(f.copy_note(OBJECTS_NOTE.as_bytes()), "");
        f.group_committed();
        assert!(matches!(
            action(&mut f, "CREATE VIEW v AS SELECT 1"),
            (ffi::QueryAction::Apply, false, _)
        ));
        assert!(matches!(
            action(&mut f, "GRANT ALL ON *.* TO u"),
            (ffi::QueryAction::Apply, false, _)
        ));
        // A statement-logged write applies (LOAD DATA is one).
        assert!(matches!(
            action(&mut f, "LOAD DATA INFILE 'x' INTO TABLE t"),
            (ffi::QueryAction::Apply, false, _)
        ));
        // One the copy knows nothing of stops it.
        assert!(matches!(
            action(&mut f, "DO RELEASE_ALL_LOCKS()"),
            (ffi::QueryAction::Refuse, false, _)
        ));
        assert!(matches!(
            action(&mut f, "RENAME TABLE v TO w"),
            (ffi::QueryAction::Apply, false, _)
        ));
    }

    #[test]
    fn a_copy_stopped_among_its_objects_takes_their_ddl_as_before_them_again() {
        let req = "v=1;domain=7";
        let mut f = filter_with_table_created("filter-test-objects-again", req);
        let mut record = std::collections::BTreeMap::new();
        let mut seq = 10;
        let mut verdict = |f: &mut ReplicaFilter, q: &str| {
            seq += 1;
            f.group_start(false, 0, 1, seq);
            let v = f.query_verdict(q.as_bytes(), "d", req, 5, 0);
            f.group_committed();
            (v.action, v.query)
        };
        // A copy group of the copy's objects, ending at plan step `step`.
        let unit = |f: &mut ReplicaFilter, record: &mut _, seq, lines: &[&str], step| {
            f.group_start(true, 0, 1, seq);
            for line in lines.iter().copied().chain([step_note(step).as_str()]) {
                assert_eq!(f.copy_note(line.as_bytes()), "");
            }
            write_record(record, f.progress_rows(req));
            f.group_committed();
        };
        let (apply, skip) = (ffi::QueryAction::Apply, ffi::QueryAction::Skip);
        unit(&mut f, &mut record, 2, &[OBJECTS_NOTE], 5);
        assert_eq!(record["objects"].state, saved_copy::OBJECTS_STATE);
        assert!(verdict(&mut f, "CREATE VIEW v AS SELECT 1").0 == apply);
        // Stopped before the last object: the master sends them all again
        // from its Objects unit, after its statements since.
        f.group_abandoned();
        let create_trigger = "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET @a=1";
        assert!(verdict(&mut f, create_trigger).0 == skip);
        let (action, query) = verdict(&mut f, "DROP TRIGGER tr");
        assert!(action == ffi::QueryAction::Rewrite);
        assert_eq!(query, "DROP TRIGGER IF EXISTS tr");
        // A view the earlier dump created is here to rename.
        assert!(verdict(&mut f, "RENAME TABLE v TO w").0 == apply);
        unit(&mut f, &mut record, 3, &[OBJECTS_NOTE], 5);
        assert!(verdict(&mut f, "DROP TRIGGER tr").0 == apply);
        // A crash before the last object: taken up from the record, the
        // same.
        let rows: Vec<ffi::ProgressRow> = record.values().cloned().collect();
        let mut error = String::new();
        let mut g = replica_filter_restore("filter-test-objects-again-2", &rows, "", &mut error);
        assert_eq!(error, "");
        g.group_abandoned();
        assert!(verdict(&mut g, create_trigger).0 == skip);
        // Once the last object is here, a stop or a crash changes nothing.
        unit(&mut f, &mut record, 4, &[OBJECTS_DONE_NOTE], 7);
        assert_eq!(record["objects"].state, saved_copy::OBJECTS_DONE_STATE);
        f.group_abandoned();
        assert!(verdict(&mut f, create_trigger).0 == apply);
        let rows: Vec<ffi::ProgressRow> = record.into_values().collect();
        let mut g = replica_filter_restore("filter-test-objects-again-3", &rows, "", &mut error);
        assert_eq!(error, "");
        g.group_abandoned();
        assert!(verdict(&mut g, create_trigger).0 == apply);
    }

    #[test]
    fn a_renamed_table_keeps_its_copy_state() {
        let req = "v=1;domain=7";
        let mut f = replica_filter_new("filter-test-rename");
        f.group_start(true, 0, 1, 1);
        f.copy_row("d", "t", true, &[1]);
        f.copy_note(b"LOAD DATA FROM MASTER: end of table `d`.`t`");
        f.group_committed();
        f.group_start(false, 0, 1, 9);
        let v = f.query_verdict(b"RENAME TABLE t TO t_old, t_new TO t", "d", req, 5, 0);
        assert!(matches!(v.action, ffi::QueryAction::Rewrite));
        assert_eq!(v.query, "RENAME TABLE `d`.`t` TO `d`.`t_old`");
        assert!(!f.table_skipped("d", "t_old"));
        assert!(f.table_skipped("d", "t"));
    }

    #[test]
    fn a_table_whose_indexes_are_not_built_yet_is_copied_again_from_its_rows_step() {
        let req = "v=1;domain=7";
        // CREATE of `d`.`t` (its point: the Rows step 4), its one chunk,
        // complete (the point: its BuildIndexes step 5).
        let mut f = filter_with_table_created("filter-test-indexes", req);
        f.group_start(true, 0, 1, 2);
        f.copy_row("d", "t", true, &[1]);
        f.copy_note(b"LOAD DATA FROM MASTER: end of table `d`.`t`");
        assert_eq!(f.copy_note(step_note(5).as_bytes()), "");
        f.group_committed();
        f.group_start(false, 0, 1, 9);
        let v = f.query_verdict(b"ALTER TABLE t DROP KEY k", "d", req, 5, 0);
        assert!(matches!(v.action, ffi::QueryAction::Skip));
        assert!(!v.record.is_empty());
        let request = f.resume_request(req);
        assert!(request.contains(";step=4;"), "{request}");
        assert!(request.ends_with(";recopy=1"), "{request}");
    }

    #[test]
    fn the_record_follows_tables_dropped_renamed_and_copied_again() {
        let req = "v=1;domain=7";
        let mut f = filter_with_table_created("filter-test-record-ddl", req);
        // mysql.provision_progress, as the SQL thread writes it.
        let mut record = std::collections::BTreeMap::new();
        // `d`.`t`, `d`.`u` and `d`.`w` copied whole.
        for (seq, table) in [(2, "t"), (3, "u"), (4, "w")] {
            f.group_start(true, 0, 1, seq);
            if table != "t" {
                f.copy_statement(
                    format!("CREATE OR REPLACE TABLE `{table}` (id INT)").as_bytes(),
                    "d",
                    req,
                );
            }
            f.copy_row("d", table, true, &[1]);
            f.copy_note(format!("LOAD DATA FROM MASTER: end of table `d`.`{table}`").as_bytes());
            write_record(&mut record, f.progress_rows(req));
            f.group_committed();
        }
        assert_eq!(record["`d`.`t`"].state, "complete");
        // The master drops one, renames one, and writes the third with a
        // statement the replica does not apply (copied again later).
        for (seq, statement) in [
            (10, "DROP TABLE t"),
            (11, "RENAME TABLE u TO u2"),
            (12, "UPDATE w SET id = id + 1"),
        ] {
            f.group_start(false, 0, 1, seq);
            let v = f.query_verdict(statement.as_bytes(), "d", req, 5, 0);
            assert!(!v.record.is_empty(), "{statement}");
            write_record(&mut record, v.record);
            f.group_committed();
        }
        assert!(!record.contains_key("`d`.`t`"));
        assert!(!record.contains_key("`d`.`u`"));
        assert_eq!(record["`d`.`u2`"].state, "complete");
        assert_eq!(record["`d`.`w`"].state, saved_copy::RECOPY_STATE);
        // A crash: the copy taken up from its record knows them as the
        // SQL thread did.
        let rows: Vec<ffi::ProgressRow> = record.into_values().collect();
        let mut error = String::new();
        let mut g = replica_filter_restore("filter-test-record-ddl-2", &rows, "", &mut error);
        assert_eq!(error, "");
        assert!(g.table_skipped("d", "t"), "dropped: not complete");
        assert!(g.table_skipped("d", "u"));
        assert!(!g.table_skipped("d", "u2"));
        assert!(g.table_skipped("d", "w"), "copied again: not complete");
        let drops = g.recopy_drops();
        assert_eq!(drops.len(), 1);
        assert_eq!((drops[0].db.as_str(), drops[0].table.as_str()), ("d", "w"));
        let complete: Vec<String> = g.tables_complete().into_iter().map(|t| t.table).collect();
        assert_eq!(complete, ["u2"]);
    }

    #[test]
    fn a_partition_change_finished_by_the_ddl_log_is_not_applied_twice() {
        let req = "v=1;domain=7";
        let mut f = filter_with_table_created("filter-test-partitions", req);
        let mut record = std::collections::BTreeMap::new();
        f.group_start(true, 0, 1, 2);
        f.copy_row("d", "t", true, &[1]);
        f.copy_note(b"LOAD DATA FROM MASTER: end of table `d`.`t`");
        write_record(&mut record, f.progress_rows(req));
        f.group_committed();
        // The copy goes on past its indexes.
        f.group_start(true, 0, 1, 3);
        f.copy_note(step_note(20).as_bytes());
        write_record(&mut record, f.progress_rows(req));
        f.group_committed();
        // The master's partition change of the complete table: the caller
        // asks for the table (this server's names) and records its
        // definition before the statement runs.
        let coalesce = b"ALTER TABLE t COALESCE PARTITION 1";
        f.group_start(false, 0, 1, 10);
        let (mut db, mut table) = (String::new(), String::new());
        assert!(!f.partitions_changed_table(
            b"ALTER TABLE t TRUNCATE PARTITION p1",
            "d",
            req,
            0,
            &mut db,
            &mut table
        ));
        assert!(f.partitions_changed_table(coalesce, "d", req, 0, &mut db, &mut table));
        assert_eq!((db.as_str(), table.as_str()), ("d", "t"));
        let mut v = f.query_verdict(coalesce, "d", req, 5, 0);
        assert!(v.action == ffi::QueryAction::Apply && v.record.is_empty());
        // Not when it is skipped, or the table is not here.
        let mut skipped = verdict_of(ffi::QueryAction::Skip, String::new(), String::new());
        f.partitions_ahead(b"frm 4", &mut skipped);
        f.partitions_ahead(b"", &mut v);
        assert!(skipped.record.is_empty() && v.record.is_empty());
        f.partitions_ahead(b"frm 4", &mut v);
        assert_eq!(v.record.len(), 1);
        assert_eq!(
            (v.record[0].state.as_str(), v.record[0].resume.as_str()),
            ("before", "0-1-10")
        );
        write_record(&mut record, v.record);
        // A crash inside it: taken up from the record, the group comes
        // again before any other of the master's.
        let rows: Vec<ffi::ProgressRow> = record.into_values().collect();
        let mut error = String::new();
        let mut g = replica_filter_restore("filter-test-partitions-2", &rows, "", &mut error);
        assert_eq!(error, "");
        g.group_start(false, 0, 1, 10);
        let mut v = ffi::QueryVerdict {
            action: ffi::QueryAction::Apply,
            query: String::new(),
            record: Vec::new(),
            message: String::new(),
        };
        // The definition as before: it did not run, or the DDL log undid
        // it; it applies.
        assert!(!g.partitions_changed_verdict(coalesce, b"frm 4", &mut v));
        // Another definition: the DDL log finished it; skipped.
        assert!(g.partitions_changed_verdict(coalesce, b"frm 3", &mut v));
        assert!(v.action == ffi::QueryAction::Skip && v.record.is_empty());
        assert!(v.message.contains("GTID 0-1-10"), "{}", v.message);
        // Another group, or once a group of the domain committed: no.
        g.group_start(false, 0, 1, 11);
        assert!(!g.partitions_changed_verdict(coalesce, b"frm 3", &mut v));
        g.group_committed();
        g.group_start(false, 0, 1, 10);
        assert!(!g.partitions_changed_verdict(coalesce, b"frm 3", &mut v));
    }

    #[test]
    fn a_replace_copy_runs_the_masters_drop_and_rename_of_tables_it_has_not_replaced_yet() {
        let req = "v=1;domain=7";
        let name = |db: &str, table: &str| ffi::QualifiedName {
            db: db.into(),
            table: table.into(),
        };
        let mut f = replica_filter_new("filter-test-replaced");
        // This server has `d`.`t` (the copy's first table), `d`.`b`,
        // `d`.`c`, `d`.`e`, `d`.`own`, view `d`.`v` and `x`.`y`.
        let here = ["t", "b", "c", "e", "own", "v"].map(|t| name("d", t));
        let mut record = std::collections::BTreeMap::new();
        write_record(
            &mut record,
            f.replaces(&[here.as_slice(), &[name("x", "y")]].concat(), &[]),
        );
        assert_eq!(record.len(), 7);
        assert!(record
            .values()
            .all(|r| r.state == saved_copy::REPLACED_STATE));
        start_copy(&mut f);
        f.copy_statement(b"CREATE OR REPLACE TABLE `t` (id INT)", "d", req);
        f.copy_row("d", "t", true, &[1]);
        write_record(&mut record, f.progress_rows(req));
        f.group_committed();
        assert_eq!(record["`d`.`t`"].state, "created");
        // The master drops and renames tables the copy has not reached:
        // this server has them, so the statements run here too.  So does
        // an object's DROP before the copy's objects, if it exists.
        let (apply, rewrite, skip) = (
            ffi::QueryAction::Apply,
            ffi::QueryAction::Rewrite,
            ffi::QueryAction::Skip,
        );
        for (seq, text, action, rewritten) in [
            (10, "DROP TABLE b", apply, ""),
            (11, "RENAME TABLE c TO c2", apply, ""),
            (
                12,
                "ALTER TABLE e RENAME TO e2",
                rewrite,
                "RENAME TABLE `d`.`e` TO `d`.`e2`",
            ),
            (13, "DROP VIEW v", rewrite, "DROP VIEW IF EXISTS v"),
            (
                14,
                "DROP PROCEDURE p",
                rewrite,
                "DROP PROCEDURE IF EXISTS p",
            ),
            // A table this server does not have is still skipped.
            (15, "DROP TABLE nothere", skip, ""),
            // The master drops the whole of `x`: its tables are gone here.
            (16, "DROP DATABASE x", apply, ""),
        ] {
            f.group_start(false, 0, 1, seq);
            let v = f.query_verdict(text.as_bytes(), "d", req, 5, 0);
            f.group_committed();
            assert!(v.action == action, "{text}: {:?}", v.action);
            assert_eq!(v.query, rewritten, "{text}");
            write_record(&mut record, v.record);
        }
        let objects: Vec<&str> = record.keys().map(String::as_str).collect();
        assert_eq!(
            objects,
            ["", "`d`.`c2`", "`d`.`e2`", "`d`.`own`", "`d`.`t`", "ddl"],
            "the record follows them"
        );
        assert_eq!(record["`d`.`c2`"].state, saved_copy::REPLACED_STATE);
        // It names the last statement that ran after it took its changes.
        assert_eq!(record["ddl"].state, saved_copy::DDL_AHEAD_STATE);
        assert_eq!(record["ddl"].resume, "0-1-16");
        // Taken up after a crash: the same, from the record.
        let rows: Vec<ffi::ProgressRow> = record.into_values().collect();
        assert!(record_started(&rows));
        let mut error = String::new();
        let mut g = replica_filter_restore("filter-test-replaced-2", &rows, "", &mut error);
        assert_eq!(error, "");
        // A copy group that commits first (the dump may send one before
        // the master's first group) leaves the master's first one what it
        // may be.
        g.group_start(true, 0, 1, 40);
        g.xid_committed();
        // The last statement, received again: it ran when the binary log
        // has it (skipped); otherwise the record's changes are ahead of
        // this server's tables, and it runs as recorded when the binary
        // log says it did not run, or the copy stops when nothing tells.
        g.group_start(false, 0, 1, 16);
        let mut v = ffi::QueryVerdict {
            action: ffi::QueryAction::Skip,
            query: String::new(),
            record: Vec::new(),
            message: String::new(),
        };
        assert!(g.ddl_applied_here(0, 1, 16, "0-1-16"));
        assert!(!g.ddl_redo_verdict(b"DROP DATABASE x", "0-1-16", true, &mut v));
        assert!(!g.ddl_applied_here(0, 1, 16, "0-1-15"));
        // Not in the binary log: it runs as recorded, not decided again.
        assert!(g.ddl_redo_verdict(b"DROP DATABASE x", "0-1-15", true, &mut v));
        assert!(v.action == ffi::QueryAction::Apply && v.record.is_empty());
        // Without a binary log that tells: the copy stops.
        assert!(g.ddl_redo_verdict(b"DROP DATABASE x", "", false, &mut v));
        assert!(v.action == ffi::QueryAction::Refuse);
        assert!(
            v.message.contains("GTID 0-1-16") && v.message.contains("REPLACE"),
            "{}",
            v.message
        );
        // Finished by this server's DDL recovery, logged with its own id
        // and the group's number: skipped when the statement is the same.
        let mut logged = ffi::GtidParts::default();
        assert!(!g.ddl_recovery_gtid(1, &mut logged));
        assert!(g.ddl_recovery_gtid(2, &mut logged));
        assert_eq!(
            logged,
            ffi::GtidParts {
                domain_id: 0,
                server_id: 2,
                seq_no: 16
            }
        );
        let verdict = |g: &ReplicaFilter, logged, statement: &[u8], v: &mut _| {
            g.ddl_recovered_verdict(b"DROP DATABASE x", "d", logged, statement, v)
        };
        assert!(!verdict(&g, &logged, b"DROP TABLE y", &mut v));
        assert!(!verdict(&g, &logged, b"", &mut v));
        // Made for another group: not this one's.
        let other = ffi::GtidParts {
            seq_no: 15,
            ..logged
        };
        assert!(!verdict(&g, &other, b"DROP DATABASE x", &mut v));
        assert!(verdict(&g, &logged, b"DROP DATABASE x", &mut v));
        assert!(v.action == ffi::QueryAction::Skip && v.record.is_empty());
        assert!(v.message.contains("0-2-16"), "{}", v.message);
        // Another one is decided as any group.
        g.group_start(false, 0, 1, 15);
        assert!(!g.ddl_redo_verdict(b"DROP TABLE own", "", false, &mut v));
        g.group_start(false, 0, 1, 17);
        let v = g.query_verdict(b"DROP TABLE c2", "d", req, 5, 0);
        assert!(
            matches!(v.action, ffi::QueryAction::Apply),
            "{:?}",
            v.action
        );
        g.group_committed();
        // A group of the master's committed in domain 0: no later one of
        // it was applied before the restart; other domains' first may be.
        assert!(!g.ddl_applied_here(0, 1, 18, "0-1-18"));
        assert!(g.ddl_applied_here(1, 1, 18, "1-1-18"));
        // The master's CREATE of `e2` replaces it; `own` the master has
        // not: it stays, and the statement says so.
        g.group_start(true, 0, 1, 18);
        g.copy_statement(b"CREATE OR REPLACE TABLE `e2` (id INT)", "d", req);
        g.group_committed();
        assert_eq!(g.tables_left_as_they_were(), ["`d`.`own`"]);
        assert!(
            g.tables_left_note().contains("left `d`.`own` as they were"),
            "{}",
            g.tables_left_note()
        );
        // Only the tables it replaces: a record of them alone is no copy
        // to take up (a crash right after the start).
        let only: Vec<ffi::ProgressRow> =
            rows.into_iter().filter(|r| !r.object.is_empty()).collect();
        assert!(!record_started(&only));
    }

    #[test]
    fn an_objects_drop_runs_only_for_what_the_copys_filter_takes() {
        let hex: String = b"ignore_db=x\n"
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let req = format!("v=1;domain=7;filter={hex}");
        let mut f = filter_with_table_created("filter-test-object-drop", &req);
        for (seq, text, rewritten) in [
            (5, "DROP VIEW v", "DROP VIEW IF EXISTS v"),
            (6, "DROP VIEW x.v", ""),
            (7, "DROP VIEW v, x.w", ""),
            (8, "DROP PROCEDURE x.p", ""),
            (9, "DROP EVENT e.ev", "DROP EVENT IF EXISTS e.ev"),
            (10, "DROP FUNCTION mysql.f", ""),
        ] {
            f.group_start(false, 0, 1, seq);
            let v = f.query_verdict(text.as_bytes(), "d", &req, 5, 0);
            f.group_committed();
            assert_eq!(v.query, rewritten, "{text}");
            let action = if rewritten.is_empty() {
                ffi::QueryAction::Skip
            } else {
                ffi::QueryAction::Rewrite
            };
            assert!(v.action == action, "{text}: {:?}", v.action);
        }
    }

    /// The tables [`ReplicaFilter::copied_before_left`] names.
    fn dropped_at_end(f: &ReplicaFilter) -> Vec<String> {
        f.copied_before_left()
            .into_iter()
            .map(|t| t.table)
            .collect()
    }

    #[test]
    fn tables_an_earlier_copy_took_that_the_master_has_no_more_are_dropped_at_the_end() {
        let req = "v=1;domain=7";
        let name = |table: &str| ffi::QualifiedName {
            db: "d".into(),
            table: table.into(),
        };
        let row = |object: &str, state: &str| object_row(object, state, Vec::new());
        // The record of the copy killed before: it took `gone` and `kept`
        // from the master; `mine` was this server's, in its way.
        let earlier = [
            ffi::ProgressRow {
                object: String::new(),
                state: saved_copy::COPY_STATE.into(),
                cursor: Vec::new(),
                resume: String::new(),
                baseline: String::new(),
                manifest: String::new(),
            },
            row("`d`.`gone`", "complete"),
            row("`d`.`kept`", "created"),
            row("`d`.`mine`", saved_copy::REPLACED_STATE),
        ];
        let mut f = replica_filter_new("filter-test-copied-before");
        let here = ["gone", "kept", "mine", "own"].map(name);
        let record: std::collections::BTreeMap<String, String> = f
            .replaces(&here, &earlier)
            .into_iter()
            .map(|r| (r.object, r.state))
            .collect();
        let state = |t: &str| record[t].as_str();
        assert_eq!(state("`d`.`gone`"), saved_copy::COPIED_BEFORE_STATE);
        assert_eq!(state("`d`.`kept`"), saved_copy::COPIED_BEFORE_STATE);
        assert_eq!(state("`d`.`mine`"), saved_copy::REPLACED_STATE);
        assert_eq!(state("`d`.`own`"), saved_copy::REPLACED_STATE);
        // The master still has `kept`: the copy replaces it.  It renamed
        // `gone` before this copy started: nothing of the master's
        // replaces it.
        start_copy(&mut f);
        f.copy_statement(b"CREATE OR REPLACE TABLE `kept` (id INT)", "d", req);
        f.copy_row("d", "kept", true, &[1]);
        let copy_row = f
            .progress_rows(req)
            .into_iter()
            .find(|r| r.object.is_empty())
            .unwrap();
        f.group_committed();
        // A RENAME during the copy moves what it knows.
        f.group_start(false, 0, 1, 6);
        let v = f.query_verdict(b"RENAME TABLE mine TO mine2", "d", req, 5, 0);
        f.group_committed();
        assert_eq!(v.record[1].object, "`d`.`mine2`");
        assert_eq!(v.record[1].state, saved_copy::REPLACED_STATE);
        assert_eq!(dropped_at_end(&f), ["gone"]);
        assert_eq!(f.tables_left_as_they_were(), ["`d`.`mine2`", "`d`.`own`"]);
        // The same from a record taken up after a restart.
        let rows: Vec<ffi::ProgressRow> = [
            copy_row,
            row("`d`.`gone`", saved_copy::COPIED_BEFORE_STATE),
            row("`d`.`own`", saved_copy::REPLACED_STATE),
        ]
        .into();
        let mut error = String::new();
        let g = replica_filter_restore("filter-test-copied-before-2", &rows, "", &mut error);
        assert_eq!(error, "");
        assert_eq!(dropped_at_end(&g), ["gone"]);
        assert_eq!(g.tables_left_as_they_were(), ["`d`.`own`"]);
    }

    #[test]
    fn a_sequence_created_by_the_copy_is_dropped_with_the_masters_drop() {
        let req = "v=1;domain=7";
        let mut f = filter_with_table_created("filter-test-sequence", req);
        // The sequence's CREATE, its row not sent yet (a group of its own).
        f.group_start(true, 0, 1, 2);
        f.copy_statement(
            b"CREATE OR REPLACE SEQUENCE `s` start with 5 increment by 1",
            "d",
            req,
        );
        f.group_committed();
        f.group_start(false, 0, 1, 9);
        let v = f.query_verdict(b"DROP SEQUENCE IF EXISTS `s`", "d", req, 5, 0);
        assert!(
            matches!(
                v.action,
                ffi::QueryAction::Apply | ffi::QueryAction::Rewrite
            ),
            "the replica has it: {:?} {}",
            v.action,
            v.query
        );
        if matches!(v.action, ffi::QueryAction::Rewrite) {
            assert!(v.query.contains("`d`.`s`"), "{}", v.query);
        }
        f.group_committed();
        assert!(f.table_skipped("d", "s"));
    }

    /// The note of a copy group whose point is `step` of plan 9.
    fn step_note(step: u32) -> String {
        provision_core::protocol::resume_note(&ResumePoint {
            plan: 9,
            step,
            cursor: None,
        })
    }

    /// `mysql.provision_progress` as the SQL thread writes `rows` to it.
    fn write_record(
        record: &mut std::collections::BTreeMap<String, ffi::ProgressRow>,
        rows: Vec<ffi::ProgressRow>,
    ) {
        for row in rows {
            if row.state.is_empty() {
                record.remove(&row.object);
            } else {
                record.insert(row.object.clone(), row);
            }
        }
    }

    /// The copy's first group begins: its start, at step 4 of its plan.
    fn start_copy(f: &mut ReplicaFilter) {
        f.group_start(true, 0, 1, 1);
        let start = provision_core::protocol::start_note(&GtidPos::parse("0-1-5").unwrap());
        assert_eq!(f.copy_note(start.as_bytes()), "");
        assert_eq!(f.copy_note(step_note(4).as_bytes()), "");
    }

    /// A filter whose copy (asked with `req`) created `d`.`t`, its point
    /// the Rows step 4.
    fn filter_with_table_created(name: &str, req: &str) -> Box<ReplicaFilter> {
        let mut f = replica_filter_new(name);
        start_copy(&mut f);
        f.copy_statement(b"CREATE OR REPLACE TABLE `t` (id INT)", "d", req);
        f.group_committed();
        f
    }

    #[test]
    fn the_end_marker_refuses_a_copy_that_lost_groups_on_the_way() {
        let req = "v=1;domain=7";
        // Copy group 1 created the table; group 2 is the last one here.
        let mut f = filter_with_table_created("filter-test-end", req);
        f.group_start(true, 7, 1, 2);
        assert_eq!(f.copy_note(step_note(5).as_bytes()), "");
        let mut record = std::collections::BTreeMap::new();
        write_record(&mut record, f.progress_rows(req));
        f.group_committed();
        let end = f.copy_end("0-1-9,7-1-2", 7);
        assert_eq!((end.position.as_str(), end.refusal.as_str()), ("0-1-9", ""));
        let lost = f.copy_end("0-1-9,7-1-3", 7);
        assert!(
            lost.refusal
                .contains("the master's last group of the copy is number 3, and the slave SQL thread saw up to number 2"),
            "{}",
            lost.refusal
        );
        assert!(lost.refusal.ends_with("LOAD DATA FROM MASTER ... REPLACE"));
        // A marker without the copy's last group is taken as it is
        let old = f.copy_end("0-1-9", 7);
        assert_eq!((old.position.as_str(), old.refusal.as_str()), ("0-1-9", ""));
        // A copy taken up after a restart knows its last group from its
        // record, before any group of the new dump
        let rows: Vec<ffi::ProgressRow> = record.into_values().collect();
        let mut error = String::new();
        let g = replica_filter_restore("filter-test-end-2", &rows, "0-1-5", &mut error);
        assert_eq!(error, "");
        assert_eq!(g.copy_end("0-1-9,7-1-2", 7).refusal, "");
        assert!(!g.copy_end("0-1-9,7-1-3", 7).refusal.is_empty());
    }

    #[test]
    fn a_copy_group_after_a_gap_in_the_numbers_stops_the_copy_before_it_applies() {
        let req = "v=1;domain=7";
        // Group 1 created the table; groups 2 and 3 bring rows.
        let mut f = filter_with_table_created("filter-test-gap", req);
        let mut record = std::collections::BTreeMap::new();
        for seq_no in 2..=3 {
            f.group_start(true, 7, 1, seq_no);
            assert_eq!(f.copy_note(step_note(4).as_bytes()), "");
            assert_eq!(f.copy_row("d", "t", true, &[seq_no as u8]), "");
            write_record(&mut record, f.progress_rows(req));
            f.group_committed();
        }
        // The SQL thread's retry meets group 4 twice; a stop rolls it back
        // and the resumed dump sends it again: no gap.
        f.group_start(true, 7, 1, 4);
        assert_eq!(f.copy_row("d", "t", true, &[4]), "");
        f.group_start(true, 7, 1, 4);
        assert_eq!(f.copy_row("d", "t", true, &[4]), "");
        f.group_abandoned();
        assert!(
            f.resume_request(req).contains(";seq=3"),
            "{}",
            f.resume_request(req)
        );
        f.group_start(true, 7, 1, 4);
        assert_eq!(f.copy_note(step_note(4).as_bytes()), "");
        assert_eq!(f.copy_row("d", "t", true, &[4]), "");
        f.group_committed();
        // Group 5 lost: group 6 stops the copy at its note, or its first
        // row, before it changes anything; so does the end marker.
        f.group_start(true, 7, 1, 6);
        let refusal = f.copy_note(step_note(4).as_bytes());
        assert!(
            refusal.contains("copy group number 6 came after number 4"),
            "{refusal}"
        );
        assert!(refusal.ends_with("LOAD DATA FROM MASTER ... REPLACE"));
        assert_eq!(f.copy_row("d", "t", true, &[6]), refusal);
        assert_eq!(f.copy_end("0-1-9,7-1-6", 7).refusal, refusal);
        f.group_abandoned();
        assert!(f.resume_request(req).contains(";seq=4"));

        // A copy taken up after a restart goes on from its record's group.
        let rows: Vec<ffi::ProgressRow> = record.into_values().collect();
        let mut error = String::new();
        let mut g = replica_filter_restore("filter-test-gap-2", &rows, "0-1-5", &mut error);
        assert_eq!(error, "");
        g.group_start(true, 7, 1, 4);
        assert_eq!(g.copy_note(step_note(4).as_bytes()), "");
        g.group_committed();
        g.group_start(true, 7, 1, 6);
        assert!(g
            .copy_note(step_note(4).as_bytes())
            .contains("number 6 came after number 4"));
        // A restored copy's first group after a gap is refused too.
        let mut h = replica_filter_restore("filter-test-gap-3", &rows, "0-1-5", &mut error);
        h.group_start(true, 7, 1, 5);
        assert!(h
            .copy_note(step_note(4).as_bytes())
            .contains("number 5 came after number 3"));
        // The master's own groups have numbers of their own.
        let mut m = replica_filter_restore("filter-test-gap-4", &rows, "0-1-5", &mut error);
        m.group_start(false, 0, 1, 90);
        m.group_committed();
        m.group_start(true, 7, 1, 4);
        assert_eq!(m.copy_note(step_note(4).as_bytes()), "");
    }

    #[test]
    fn a_master_statement_that_changes_the_plan_puts_the_point_behind_until_the_next_group() {
        let req = "v=1;domain=7";
        let mut f = filter_with_table_created("filter-test-behind", req);
        // A table created on the master during the copy: copied after the
        // others, the master's plan has more steps than the point's.
        f.group_start(false, 0, 1, 6);
        let v = f.query_verdict(b"CREATE TABLE n (i INT)", "d", req, 5, 0);
        assert!(matches!(v.action, ffi::QueryAction::Skip));
        f.group_committed();
        let request = f.resume_request(req);
        assert!(request.ends_with(";behind=1"), "{request}");
        assert!(
            Request::parse(&request)
                .unwrap()
                .resume
                .unwrap()
                .plan_behind
        );
        // The next copy group's point is the plan's again.
        f.group_start(true, 0, 1, 2);
        f.copy_row("d", "t", true, &[1]);
        assert_eq!(f.copy_note(step_note(4).as_bytes()), "");
        f.group_committed();
        let request = f.resume_request(req);
        assert!(!request.contains("behind"), "{request}");
        // The table in progress copied again changes no step of the plan.
        f.group_start(false, 0, 1, 7);
        f.query_verdict(b"ALTER TABLE t ADD COLUMN w INT", "d", req, 5, 0);
        f.group_committed();
        let request = f.resume_request(req);
        assert!(!request.contains("behind"), "{request}");
        assert!(request.ends_with(";recopy=1"), "{request}");
    }

    #[test]
    fn a_table_is_skipped_until_its_copy_starts_and_complete_after_its_note() {
        let mut f = replica_filter_new("filter-test-1");
        assert!(f.table_skipped("d", "t"));
        f.group_start(true, 0, 1, 1);
        assert_eq!(
            f.copy_note(b"LOAD DATA FROM MASTER: end of table `d`.`t`"),
            ""
        );
        assert_eq!(f.copy_row("d", "t", true, b"\x80\x01"), "");
        assert!(!f.table_skipped("d", "t"));
        // Not complete before the group is over ...
        let action = f.decide_row("d", "t", true, ffi::RowKind::Insert, b"\x80\x09", b"");
        assert_eq!(action, ffi::RowAction::ApplyIdempotent);
        f.group_start(false, 0, 1, 70);
        // ... and everything is inside the copied range after.
        let action = f.decide_row("d", "t", true, ffi::RowKind::Insert, b"\x80\x09", b"");
        assert_eq!(action, ffi::RowAction::ApplyStrict);
    }

    #[test]
    fn a_masters_group_that_changed_a_non_transactional_table_is_known() {
        let mut f = replica_filter_new("filter-test-nontrans");
        f.group_start(true, 0, 1, 1);
        assert_eq!(f.copy_row("d", "m", false, b"\x01"), "");
        assert_eq!(f.copy_row("d", "t", true, b"\x01"), "");
        // Copy rows are the copy's own business (emptied and copied again).
        assert!(!f.group_changed_non_transactional());
        f.group_start(false, 0, 1, 50);
        let action = f.decide_row("d", "t", true, ffi::RowKind::Insert, b"\x09", b"");
        assert_eq!(action, ffi::RowAction::ApplyIdempotent);
        assert!(!f.group_changed_non_transactional());
        // A row skipped (its table not copied yet) changes nothing.
        let action = f.decide_row("d", "n", false, ffi::RowKind::Insert, b"\x09", b"");
        assert_eq!(action, ffi::RowAction::Skip);
        assert!(!f.group_changed_non_transactional());
        let action = f.decide_row("d", "m", false, ffi::RowKind::Insert, b"\x09", b"");
        assert_ne!(action, ffi::RowAction::Skip);
        assert!(f.group_changed_non_transactional());
        // The next group starts clean.
        f.group_start(false, 0, 1, 51);
        assert!(!f.group_changed_non_transactional());
    }

    #[test]
    fn a_retried_copy_group_starts_again_from_where_it_started() {
        let mut f = replica_filter_new("filter-test-retry");
        f.group_start(true, 0, 1, 1);
        assert_eq!(f.copy_row("d", "t", true, b"\x01"), "");
        assert_eq!(f.copy_row("d", "t", true, b"\x02"), "");
        f.group_start(false, 0, 1, 40);
        f.group_start(true, 0, 1, 2);
        assert_eq!(f.copy_row("d", "t", true, b"\x03"), "");
        assert_eq!(f.copy_row("d", "t", true, b"\x04"), "");
        // A lock wait timeout at the next row: the SQL thread retries.
        f.group_start(true, 0, 1, 2);
        assert_eq!(f.copy_row("d", "t", true, b"\x03"), "");
        assert_eq!(f.copy_row("d", "t", true, b"\x04"), "");
        assert_eq!(f.copy_row("d", "t", true, b"\x05"), "");
        // The note of a failed attempt is dropped with it.
        f.group_start(true, 0, 1, 3);
        assert_eq!(
            f.copy_note(b"LOAD DATA FROM MASTER: end of table `d`.`t`"),
            ""
        );
        f.group_start(true, 0, 1, 3);
        f.group_start(true, 0, 1, 4);
        let action = f.decide_row("d", "t", true, ffi::RowKind::Insert, b"\x09", b"");
        assert_eq!(action, ffi::RowAction::ApplyIdempotent);
        // Rows the first group copied stay copied.
        let action = f.decide_row("d", "t", true, ffi::RowKind::Insert, b"\x01", b"");
        assert_eq!(action, ffi::RowAction::ApplyStrict);
    }

    #[test]
    fn a_manifest_claims_and_the_end_of_the_copy_releases() {
        let note = |db: &str| format!("LOAD DATA FROM MASTER: copies `{db}`");
        let mut a = replica_filter_new("filter-test-a");
        assert_eq!(a.copy_note(note("filter_db").as_bytes()), "");
        let mut b = replica_filter_new("filter-test-b");
        let err = b.copy_note(note("filter_db").as_bytes());
        assert!(err.contains("master connection 'filter-test-a'"), "{err}");
        drop(a);
        assert_eq!(b.copy_note(note("filter_db").as_bytes()), "");
    }

    #[test]
    fn backwards_keys_and_double_notes_are_errors() {
        let mut f = replica_filter_new("filter-test-2");
        assert_eq!(f.copy_row("d", "t", true, b"b"), "");
        assert!(f.copy_row("d", "t", true, b"a").contains("out of order"));
        assert_eq!(
            f.copy_note(b"LOAD DATA FROM MASTER: end of table `d`.`t`"),
            ""
        );
        assert!(f
            .copy_note(b"LOAD DATA FROM MASTER: end of table `d`.`u`")
            .contains("out of order"));
    }

    #[test]
    fn a_resume_goes_on_from_the_last_committed_group_only() {
        let mut f = replica_filter_new("filter-test-resume");
        let request = "v=1;domain=9";
        assert_eq!(f.resume_request(request), "", "nothing applied yet");
        f.group_start(true, 9, 1, 1);
        f.copy_note(
            b"LOAD DATA FROM MASTER: plan tables=1 rows=2\n\
              LOAD DATA FROM MASTER: starts at 0-1-5\n\
              LOAD DATA FROM MASTER: resume plan=00000000000000aa step=1",
        );
        f.group_committed();
        // A master transaction, committed.
        f.group_start(false, 0, 1, 6);
        f.group_committed();
        let at = f.resume_request(request);
        assert!(
            at.contains(";resume=0-1-6;plan=00000000000000aa;step=1;seq=1"),
            "{at}"
        );
        // A chunk of a MyISAM table, cut off before its commit.
        f.group_start(true, 9, 1, 2);
        f.copy_note(b"LOAD DATA FROM MASTER: resume plan=00000000000000aa step=3 cursor=0a");
        assert_eq!(f.copy_row("d", "m", false, b"\x0a"), "");
        // And a master transaction that never committed either.
        let left = f.group_abandoned();
        assert_eq!(left.len(), 1);
        assert_eq!((left[0].db.as_str(), left[0].table.as_str()), ("d", "m"));
        // Its copy starts again from its first row: nothing is copied, and
        // the master's changes are skipped until its first chunk.
        assert!(f.table_skipped("d", "m"));
        assert_eq!(f.resume_request(request), at, "as before the group");
        // A part way table the restart left unreadable, dropped: copied
        // again from its CREATE, and so recorded at once
        let rows = f.copy_table_again("d", "m", request);
        assert!(rows
            .iter()
            .any(|r| r.object == "`d`.`m`" && r.state == "recopy"));
        let again = f.resume_request(request);
        assert!(again.contains(";recopy"), "{again}");
        assert!(f.table_skipped("d", "m"));
    }

    #[test]
    fn an_account_table_cut_off_is_written_again_not_emptied() {
        let mut f = replica_filter_new("filter-test-accounts");
        let request = "v=1;domain=9;grants=1";
        f.group_start(true, 9, 1, 1);
        f.copy_note(
            b"LOAD DATA FROM MASTER: plan tables=1 rows=2\n\
              LOAD DATA FROM MASTER: starts at 0-1-5\n\
              LOAD DATA FROM MASTER: resume plan=00000000000000aa step=7",
        );
        f.group_committed();
        let at = f.resume_request(request);
        // The rows of mysql.db (Aria), merged by key into the replica's
        // own, cut off before the group's end.
        f.group_start(true, 9, 1, 2);
        f.copy_note(b"LOAD DATA FROM MASTER: resume plan=00000000000000aa step=8");
        assert_eq!(f.copy_row("mysql", "db", false, b""), "");
        // Not emptied: that would drop the replica's own accounts' rows.
        // The same step is sent again and writes them over.
        assert!(f.group_abandoned().is_empty());
        assert_eq!(f.resume_request(request), at, "as before the group");
        // Another database's table of that name is no account table.
        f.group_start(true, 9, 1, 2);
        assert_eq!(f.copy_row("app", "db", false, b""), "");
        assert_eq!(f.group_abandoned().len(), 1);
    }

    #[test]
    fn a_resume_sends_back_the_masters_binlog_history() {
        let mut f = replica_filter_new("filter-test-history");
        let request = "v=1;domain=9";
        f.group_start(true, 9, 1, 1);
        f.copy_note(
            b"LOAD DATA FROM MASTER: starts at 0-1-5\n\
              LOAD DATA FROM MASTER: binlog history 1.1700000000.2\n\
              LOAD DATA FROM MASTER: resume plan=00000000000000aa step=1",
        );
        // Not before the plan group commits.
        assert_eq!(f.resume_request(request), "");
        f.group_committed();
        let at = f.resume_request(request);
        assert!(at.ends_with(";history=1.1700000000.2"), "{at}");
        let parsed = Request::parse(&at).unwrap().resume.unwrap();
        assert_eq!(
            parsed.history,
            Some(BinlogHistory {
                server_id: 1,
                started: 1_700_000_000,
                resets: 2
            })
        );
        // A master restarted since names its own history in its groups.
        f.group_start(true, 9, 1, 2);
        f.copy_note(
            b"LOAD DATA FROM MASTER: binlog history 1.1700000500.0\n\
              LOAD DATA FROM MASTER: resume plan=00000000000000aa step=2",
        );
        f.group_committed();
        let at = f.resume_request(request);
        assert!(at.ends_with(";history=1.1700000500.0"), "{at}");
    }

    #[test]
    fn a_table_created_and_not_copied_yet_is_recorded() {
        let mut f = replica_filter_new("filter-test-created");
        let request = "v=1;domain=9";
        // The record's row of `d`.`m` once the group commits: its state and
        // cursor, and how many rows it has.
        let recorded = |f: &ReplicaFilter| {
            let rows = f.progress_rows(request);
            let mine: Vec<_> = rows.iter().filter(|r| r.object == "`d`.`m`").collect();
            assert_eq!(mine.len(), 1, "one row of the table");
            (mine[0].state.clone(), mine[0].cursor.clone())
        };
        let nothing_copied = ("created".to_owned(), Vec::new());
        f.group_start(true, 9, 1, 1);
        f.copy_note(
            b"LOAD DATA FROM MASTER: plan tables=1 rows=2\n\
              LOAD DATA FROM MASTER: starts at 0-1-5\n\
              LOAD DATA FROM MASTER: resume plan=00000000000000aa step=1",
        );
        f.copy_statement(b"CREATE OR REPLACE TABLE `d`.`m` (a INT)", "d", request);
        f.group_committed();
        assert!(f.table_skipped("d", "m"));
        // A master transaction commits before the table's first chunk: a
        // crash in that chunk finds the table in the record, to empty it.
        f.group_start(false, 0, 1, 6);
        assert_eq!(recorded(&f), nothing_copied);
        f.group_committed();
        // Once its chunk is applied, the chunk's own row records it.
        f.group_start(true, 9, 1, 2);
        f.copy_note(b"LOAD DATA FROM MASTER: resume plan=00000000000000aa step=2 cursor=0a");
        assert_eq!(f.copy_row("d", "m", false, b"\x0a"), "");
        assert_eq!(recorded(&f), ("created".to_owned(), vec![0x0a]));
        // The chunk is cut off: the table is emptied, to be copied again,
        // and so recorded with the next commit.
        assert_eq!(f.group_abandoned().len(), 1);
        assert!(f.table_skipped("d", "m"));
        f.group_start(false, 0, 1, 7);
        assert_eq!(recorded(&f), nothing_copied);
    }

    #[test]
    fn a_build_whose_group_was_rolled_back_comes_again_with_it() {
        let mut f = replica_filter_new("filter-test-builds-abandoned");
        let request = "v=1;domain=9";
        let alter = b"ALTER TABLE `m` ADD KEY `k` (`a`)";
        f.group_start(true, 9, 1, 1);
        f.copy_note(
            b"LOAD DATA FROM MASTER: starts at 0-1-5\n\
              LOAD DATA FROM MASTER: resume plan=00000000000000aa step=1",
        );
        f.copy_statement(b"CREATE OR REPLACE TABLE `d`.`m` (a INT)", "d", request);
        f.group_committed();
        f.group_start(true, 9, 1, 2);
        f.copy_note(b"LOAD DATA FROM MASTER: resume plan=00000000000000aa step=3");
        let build = f.index_build(alter, "d", request, Default::default());
        assert_eq!(build.table, "`d`.`m`");
        assert!(f.index_build_running("d", "m"));
        // The SQL thread stopped before the group committed (an earlier
        // build failed at this hand-over, or the connection was lost)
        f.group_abandoned();
        assert!(
            f.resume_index_builds().is_empty(),
            "the master sends it again"
        );
        assert!(!f.index_build_running("d", "m"));
        f.group_start(true, 9, 1, 2);
        f.copy_note(b"LOAD DATA FROM MASTER: resume plan=00000000000000aa step=3");
        assert_eq!(
            f.index_build(alter, "d", request, Default::default()).table,
            "`d`.`m`"
        );
        f.copy_statement(alter, "d", request);
        f.group_committed();
        f.group_abandoned();
        assert_eq!(f.resume_index_builds().len(), 1, "committed: it stays");
    }

    #[test]
    fn an_index_build_is_handed_over_recorded_and_taken_up_after_a_restart() {
        let mut f = replica_filter_new("filter-test-builds");
        let request = "v=1;domain=9";
        let context = || ffi::IndexBuildContext {
            sql_mode: 1 << 18,
            charset_client: 33,
            collation_connection: 33,
        };
        let alter = b"ALTER TABLE `m` ADD KEY `k` (`a`)";
        f.group_start(true, 9, 1, 1);
        f.copy_note(
            b"LOAD DATA FROM MASTER: starts at 0-1-5\n\
              LOAD DATA FROM MASTER: resume plan=00000000000000aa step=1",
        );
        // Not the table in progress yet: no build
        assert!(f
            .index_build(alter, "d", request, context())
            .table
            .is_empty());
        f.copy_statement(b"CREATE OR REPLACE TABLE `d`.`m` (a INT)", "d", request);
        f.group_committed();
        f.group_start(true, 9, 1, 2);
        f.copy_note(
            b"LOAD DATA FROM MASTER: resume plan=00000000000000aa step=2\n\
              LOAD DATA FROM MASTER: end of table `d`.`m`",
        );
        f.copy_row("d", "m", true, b"");
        f.xid_committed();
        // The build group: handed over, the statement naming its table
        f.group_start(true, 9, 1, 3);
        f.copy_note(b"LOAD DATA FROM MASTER: resume plan=00000000000000aa step=3");
        assert!(!f.waits_for_index_builds(
            b"ALTER TABLE `d`.`m` DROP KEY `k`",
            false,
            false,
            "d",
            false
        ));
        let build = f.index_build(alter, "d", request, context());
        assert_eq!(build.table, "`d`.`m`");
        assert_eq!(build.statement, b"ALTER TABLE `d`.`m` ADD KEY `k` (`a`)");
        f.copy_statement(alter, "d", request);
        f.group_committed();
        // Statements wait for it, transaction control and rows do not
        let waits = |q: &[u8], copy, in_trx, xa| f.waits_for_index_builds(q, copy, in_trx, "d", xa);
        assert!(waits(
            b"ALTER TABLE `d`.`m` DROP KEY `k`",
            false,
            false,
            false
        ));
        assert!(!waits(b"BEGIN", false, false, false));
        // Inside a transaction, whose locks the build may wait for: no
        assert!(!waits(
            b"INSERT INTO `d`.`m` VALUES (1)",
            false,
            true,
            false
        ));
        // An XA transaction prepared here: a statement on another table
        // goes on beside the build, one naming its table still waits, and
        // so do the copy's
        assert!(waits(b"CREATE TABLE `d`.`n` (a INT)", false, false, false));
        assert!(!waits(b"CREATE TABLE `d`.`n` (a INT)", false, false, true));
        assert!(waits(
            b"CREATE TABLE `d`.`n` LIKE `d`.`m`",
            false,
            false,
            true
        ));
        assert!(waits(b"CREATE VIEW `d`.`v` AS SELECT 1", true, false, true));
        assert!(f.index_build_wanted("`d`.`m`"));
        // The next group records it
        f.group_start(false, 0, 1, 6);
        let rows = f.progress_rows(request);
        let row = rows
            .iter()
            .find(|r| r.object == "`d`.`m`")
            .expect("the build's row");
        assert_eq!(row.state, "indexes");
        assert_eq!(row.cursor, build.statement);
        f.xid_committed();
        // A restart: the record gives the build back, to run again
        let copy_row = rows.iter().find(|r| r.object.is_empty()).unwrap().clone();
        let mut error = String::new();
        let mut g = replica_filter_restore(
            "filter-test-builds-2",
            &[copy_row.clone(), row.clone()],
            "",
            &mut error,
        );
        assert_eq!(error, "");
        let again = g.resume_index_builds();
        assert_eq!(again.len(), 1);
        assert!(g.index_build_running("d", "m"), "beside the SQL thread");
        assert_eq!(again[0].statement, build.statement);
        assert_eq!(again[0].context.sql_mode, 1 << 18);
        assert!(g.tables_part_way().is_empty(), "its rows are complete");
        // A failed build stays; one that found its keys there is built
        assert!(g.index_build_ended("`d`.`m`", 1205).is_empty());
        assert!(!g.index_build_running("d", "m"));
        assert_eq!(g.resume_index_builds().len(), 1);
        let done = g.index_build_ended("`d`.`m`", 1061);
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].state, "complete");
        assert!(g.resume_index_builds().is_empty());
        // Ended in the first filter: the record says complete at once
        let done = f.index_build_ended("`d`.`m`", 0);
        assert_eq!(done[0].state, "complete");
        assert!(f
            .progress_rows(request)
            .iter()
            .all(|r| r.state != "indexes"));
        // A build whose table the master dropped meanwhile is no longer
        // wanted: its end records nothing, and a failure is not run again
        f.group_start(true, 9, 1, 4);
        f.copy_note(b"LOAD DATA FROM MASTER: resume plan=00000000000000aa step=4");
        f.copy_statement(b"CREATE OR REPLACE TABLE `d`.`n` (a INT)", "d", request);
        f.group_committed();
        f.group_start(true, 9, 1, 5);
        f.copy_note(b"LOAD DATA FROM MASTER: resume plan=00000000000000aa step=6");
        let b = f.index_build(
            b"ALTER TABLE `n` ADD KEY `k` (`a`)",
            "d",
            request,
            context(),
        );
        assert_eq!(b.table, "`d`.`n`");
        f.group_committed();
        assert!(f.index_build_wanted("`d`.`n`"));
        f.group_start(false, 0, 1, 7);
        f.query_verdict(b"DROP TABLE `d`.`n`", "d", request, 5, 0);
        assert!(!f.index_build_wanted("`d`.`n`"));
        assert!(f.index_build_ended("`d`.`n`", 0).is_empty());
        assert!(f.resume_index_builds().is_empty());
    }

    #[test]
    fn a_copy_that_changed_nothing_leaves_nothing_unfinished() {
        let mut f = replica_filter_new("filter-test-changed");
        f.group_start(true, 0, 1, 1);
        f.copy_note(b"LOAD DATA FROM MASTER: plan tables=1 rows=1");
        f.group_committed();
        assert!(!f.copy_changed_replica());
        f.group_start(true, 0, 1, 2);
        f.copy_statement(b"CREATE DATABASE d", "", "v=1;domain=7");
        assert!(f.copy_changed_replica(), "a statement may be applied");
        f.group_committed();
        assert!(f.copy_changed_replica());
        let m = unfinished_copy_message("east", "v=1;domain=5;grants=1", true);
        assert!(
            m.contains("LOAD DATA FROM MASTER 'east' REPLACE WITH GRANTS"),
            "{m}"
        );
        assert!(m.contains("RESET SLAVE 'east'"), "{m}");
        assert!(m.contains("the same statement again"), "{m}");
        // Stopped on an error: it cannot go on, only REPLACE copies.
        let m = unfinished_copy_message("east", "v=1;domain=5", false);
        assert!(m.contains("stopped on an error"), "{m}");
        assert!(!m.contains("the same statement"), "{m}");
        assert!(!unfinished_state(false).contains("the same statement"));
        assert!(unfinished_state(true).contains("the same statement"));
    }

    #[test]
    fn threads_stopped_without_an_error_leave_a_copy_to_go_on_with() {
        let m = stopped_copy_message("east", 0, 0, "", false);
        assert!(m.contains("STOP SLAVE 'east'"), "{m}");
        assert!(
            m.contains("the same statement without REPLACE goes on with it"),
            "{m}"
        );
        assert_eq!(stopped_copy_message("east", 2013, 0, "", false), "");
        assert_eq!(stopped_copy_message("east", 0, 4199, "diverged", false), "");
        // A KILL of the SQL thread fails its event with the kill's error.
        assert_eq!(
            stopped_copy_message("east", 0, 1927, "Connection was killed", false),
            m
        );
        assert_eq!(stopped_copy_message("east", 0, 1317, "", false), m);
        // ... and a group of the master's cut in its non-transactional part
        // is the server's fatal error.
        assert_eq!(
            stopped_copy_message("east", 0, 1593, "Fatal error", false),
            ""
        );
    }

    #[test]
    fn a_server_error_that_rolls_the_group_back_keeps_the_copy() {
        let lock = "Could not execute Update_rows_v1 event on table d.t; Lock wait timeout \
                    exceeded; try restarting transaction, Error_code: 1205; handler error \
                    HA_ERR_LOCK_WAIT_TIMEOUT; the event's master log master-bin.000001, \
                    end_log_pos 1234";
        let m = stopped_copy_message("east", 0, errors::ER_LOCK_WAIT_TIMEOUT, lock, false);
        assert!(
            m.contains("(Could not execute Update_rows_v1 event on table d.t; Lock wait timeout exceeded; try restarting transaction);"),
            "{m}"
        );
        assert!(
            m.contains("end the session of this server that holds the lock"),
            "{m}"
        );
        assert!(
            m.contains("the same statement without REPLACE goes on with it"),
            "{m}"
        );
        assert!(m.contains("REPLACE copies again"), "{m}");
        assert!(!m.contains("Error_code"), "{m}");
        assert!(sql_stop_keeps_copy(
            errors::ER_LOCK_DEADLOCK,
            "Deadlock",
            false
        ));
        let full = "Could not execute Write_rows_v1 event on table d.t; The table 't' is full, \
                    Error_code: 1114; handler error HA_ERR_RECORD_FILE_FULL";
        let m = stopped_copy_message("east", 0, errors::ER_RECORD_FILE_FULL, full, false);
        assert!(m.contains("free disk space"), "{m}");
        assert!(m.contains("The table 't' is full)"), "{m}");
        assert!(
            stopped_copy_message("east", 0, errors::ER_LOCK_TABLE_FULL, "", false)
                .contains("innodb_buffer_pool_size")
        );
        // Not in a group of the master's that changed a non-transactional
        // table (what it changed stays), nor with an error of the I/O
        // thread's, nor for an error that says something of the copy.
        assert_eq!(stopped_copy_message("east", 0, 1205, lock, true), "");
        assert_eq!(stopped_copy_message("east", 2013, 1205, lock, false), "");
        assert!(!sql_stop_keeps_copy(1032, "Can't find record", false));
        assert!(server_error_advice(errors::ER_PROVISION_FAILED, "").is_none());
        // A write that found the disk full, as a soak run met it (the
        // binary log's cache of a row event).
        let enospc = "Could not execute Update_rows_v1 event on table sw.t_blob; Error writing \
                      file '/tmp/#sql/fd=69' (Errcode: 28 \"No space left on device\"), \
                      Error_code: 3; Error writing file 'replica-bin' (errno: 28 \"No space \
                      left on device\"), Error_code: 1026; handler error \
                      HA_ERR_RBR_LOGGING_FAILED";
        let m = stopped_copy_message("east", 0, errors::EE_WRITE, enospc, false);
        assert!(m.contains("free disk space"), "{m}");
        assert!(sql_stop_keeps_copy(
            errors::ER_ERROR_ON_WRITE,
            "(errno: 122 \"Disk quota exceeded\")",
            false
        ));
        // Any other failed write is not known to roll back whole.
        assert!(!sql_stop_keeps_copy(
            errors::EE_WRITE,
            "(Errcode: 5 \"Input/output error\")",
            false
        ));
        assert!(!sql_stop_keeps_copy(
            errors::ER_ERROR_ON_WRITE,
            "(errno: 280 ...)",
            false
        ));
    }

    #[test]
    fn a_kill_in_the_record_of_a_gtid_is_a_stop() {
        let stop = stopped_copy_message("east", 0, 0, "", false);
        // As the server words it (an XID's commit; a COMMIT's; with the
        // table gtid_pos_auto_engines makes).
        for message in [
            "Error during XID COMMIT: failed to update GTID state in mysql.gtid_slave_pos: \
             1927:  Connection was killed, Error_code: 1927; the event's master log \
             master-bin.000004, end_log_pos 932314841",
            "Error during COMMIT: failed to update GTID state in mysql.gtid_slave_pos: 1317: \
             Query execution was interrupted",
            "Error during XID COMMIT: failed to update GTID state in \
             mysql.gtid_slave_pos_InnoDB: 1927: Connection was killed",
        ] {
            assert_eq!(
                stopped_copy_message("east", 0, 1942, message, false),
                stop,
                "{message}"
            );
        }
        // Any other failure to record it is a failure.
        for message in [
            "Error during XID COMMIT: failed to update GTID state in mysql.gtid_slave_pos: \
             1062: Duplicate entry '0-71143' for key 'PRIMARY'",
            "Error during XID COMMIT: failed to update GTID state in mysql.gtid_slave_pos: \
             1205: Lock wait timeout exceeded; 1927 times",
            "failed to update GTID state in mysql.gtid_slave_pos",
            "",
        ] {
            assert_eq!(
                stopped_copy_message("east", 0, 1942, message, false),
                "",
                "{message}"
            );
        }
        // Not when the group changed a non-transactional table.
        let killed = "Connection was killed";
        assert_eq!(stopped_copy_message("east", 0, 1927, killed, true), "");
        assert_eq!(stopped_copy_message("east", 0, 0, "", true), stop);
        // The kill's number in another error's message is not a kill.
        let other = "Could not execute Write_rows: 1927: Connection was killed";
        assert_eq!(stopped_copy_message("east", 0, 1032, other, false), "");
    }

    #[test]
    fn a_dump_refused_during_a_copy_names_the_copy_and_what_to_do() {
        let m = copying_here_message("east");
        assert!(m.contains("LOAD DATA FROM MASTER 'east'"), "{m}");
        assert!(m.contains("stopped unfinished"), "{m}");
        assert!(m.contains("provision this replica from it"), "{m}");
    }

    #[test]
    fn messages_name_the_table_and_the_key() {
        let m = divergence_message(
            "shop",
            "items",
            ffi::RowKind::Delete,
            ffi::RowFailure::RowMissing,
            b"42",
        );
        assert!(
            m.contains("DELETE found no row in table `shop`.`items` at key '42'"),
            "{m}"
        );
        assert!(partial_row_image_message("a", "b").contains("`a`.`b`"));
    }
}
