//! The replica's record of an unfinished copy in `mysql.provision_progress`,
//! and how a copy is taken up again from it after a restart or a crash.
//!
//! The SQL thread writes the record in the transaction of each event group
//! that ends with an XID while the copy runs: each group of rows and the
//! plan's groups (the copy's point, and the tables they changed), and
//! each of the master's transactions (the master's position).  So the
//! record and the data commit together or not at all.  What is not in
//! such a transaction has its own rule:
//!
//! - **An XA PREPARE** of the master's: the prepared transaction would
//!   hold the record's row until its XA COMMIT, further in the stream, so
//!   it is not recorded there.  `mysql.gtid_slave_pos` has its GTID,
//!   crash-safe when it is an InnoDB table: a copy taken up again takes
//!   the position's domains from it where it moved on since the copy
//!   started ([`resume_position`]).  The server writes that row in a
//!   transaction of its own after the prepare, so a crash between the two
//!   leaves no trace of the XA PREPARE but the prepared transaction: the
//!   resumed copy receives its group again and skips it, recording its
//!   GTID (`rpl_provision_sql_applied_here()`, docs/design.md "Resume").
//!   With `gtid_slave_pos` in a
//!   non-transactional engine (Aria, the default when InnoDB was missing
//!   at install), a crash right after an XA PREPARE makes the resumed copy
//!   fail on that XID, with a clear error: `ALTER TABLE
//!   mysql.gtid_slave_pos ENGINE=InnoDB`, as crash-safe replication needs.
//! - **A copy DDL group** (a lone Query: CREATE of an object, the deferred
//!   indexes' ALTER) commits on its own, before the record of the next
//!   group of rows.  After a crash it may be applied but not recorded, and
//!   the master sends it again: the first groups of a resumed copy accept
//!   "it already exists" from such a statement ([`redone_statement`]).
//!   Nothing else can have made the object: the copy only starts on a
//!   replica without the master's objects (or drops them, with REPLACE).
//! - **A DDL statement of the master's** commits on its own too, and the
//!   server records its GTID after it, in a transaction of its own (as
//!   it does for any replicated DDL).  A crash between the two (or one in
//!   the middle of the statement that the server's DDL recovery rolls
//!   forward, because the statement is in this server's binary log)
//!   leaves it applied with the copy's position before it: the resumed
//!   copy receives it again, and applying it again fails ("Duplicate
//!   column name", "Table ... already exists").  When the last GTID of
//!   the group's domain and server in this server's binary log is the
//!   group's own (it logs the master's transactions with their GTIDs,
//!   `log_slave_updates`), the
//!   group was applied here: it is skipped and its GTID recorded
//!   ([`ddl_applied_before_restart`]).  The binary log is the authority
//!   the server's own DDL recovery goes by.  Without it, nothing tells
//!   an applied statement from one that was not, and the copy stops on
//!   the statement's error, as plain replication would.
//! - **Non-transactional tables**: their rows are written whether the
//!   group commits or not.  The table being copied when the server stopped
//!   is emptied and copied again from its first row (chunks overwrite, and
//!   the table then holds nothing beyond its cursor).

use crate::ddl_during_copy::{self, TableDdl};
use crate::filter::TableState;
use crate::gtid::{Gtid, GtidPos};
use crate::server_consts as errors;

/// The table of the record, in the `mysql` database.
pub const PROGRESS_TABLE: &str = "provision_progress";

/// Creates [`PROGRESS_TABLE`] where it is missing.  InnoDB: the record
/// must commit in the copied rows' transaction.  `ROW_FORMAT=DYNAMIC`:
/// its key (1216 bytes) is longer than the 767 bytes an index of a
/// `COMPACT` or `REDUNDANT` table may take, which a server with
/// `innodb_default_row_format` set so (as 5.6-era configurations
/// have it) would otherwise give it.
pub const PROGRESS_TABLE_DDL: &str = "CREATE TABLE IF NOT EXISTS mysql.provision_progress (\
  connection_name VARBINARY(192) NOT NULL \
    COMMENT 'the master connection, lower case',\
  object VARBINARY(1024) NOT NULL \
    COMMENT 'a copied table (`db`.`table`), or empty: the copy itself',\
  state VARCHAR(16) CHARACTER SET latin1 NOT NULL \
    COMMENT 'copy, created (part way: see cursor), complete, indexes (complete, its indexes being built: see cursor), recopy, replaced or copied before',\
  key_cursor LONGBLOB NOT NULL \
    COMMENT 'a table: the copy key image of the last row copied, or its index build',\
  resume LONGBLOB NOT NULL \
    COMMENT 'the copy: the request that goes on with it; an index build: its session',\
  baseline TEXT CHARACTER SET latin1 NOT NULL \
    COMMENT 'the copy: gtid_slave_pos when it started',\
  manifest LONGBLOB NOT NULL \
    COMMENT 'the copy: what it takes (multi-source claims)',\
  PRIMARY KEY (connection_name, object)\
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC COMMENT='LOAD DATA FROM MASTER: unfinished copies'";

/// The `state` of the copy's own row.
pub const COPY_STATE: &str = "copy";
/// The `state` of a table dropped to be copied again (a DDL changed it
/// during its copy): a copy taken up after a restart drops it again
/// (the crash may have come before the drop) before the master sends its
/// CREATE.
pub const RECOPY_STATE: &str = "recopy";
/// The `state` of a table this server had as a copy with `REPLACE`
/// started, which the copy has not created yet: the master's DROP or
/// RENAME of it runs here too (the replica's copy filter calls it stale),
/// also in a copy taken up after a restart.
pub const REPLACED_STATE: &str = "replaced";
/// The `state` of such a table that an earlier copy of the connection took
/// from the master (a copy killed or failed, then started again with
/// `REPLACE`): as [`REPLACED_STATE`], and dropped at the end of the copy if
/// the master has no table of its name (it dropped or renamed it since).
pub const COPIED_BEFORE_STATE: &str = "copied before";

/// Whether a table's record row says the copy took it from the master
/// (any state but [`REPLACED_STATE`]: this server's own table).
pub fn copied_from_master(state: &str) -> bool {
    matches!(
        state,
        CREATED | COMPLETE | RECOPY_STATE | COPIED_BEFORE_STATE | crate::index_build::BUILDING
    )
}

/// The `object` of the row that says the copy's tables are done and its
/// objects begun (not a table: table names are back-quoted).
pub const OBJECTS_ROW: &str = "objects";

/// The `state` of that row.
pub const OBJECTS_STATE: &str = "begun";

/// The `state` of that row once every object is created (the group of
/// the copy's `OBJECTS_DONE_NOTE`): a copy taken up before sends its
/// objects again.
pub const OBJECTS_DONE_STATE: &str = "done";

/// The `object` of the row that names the last DDL group of the master's
/// whose changes to the copy (tables renamed, dropped, copied again) the
/// record took before the statement ran (its `resume` holds the group's
/// GTID); see [`ddl_redo`].
pub const DDL_AHEAD_ROW: &str = "ddl";

/// The `state` of that row.
pub const DDL_AHEAD_STATE: &str = "ahead";

/// What a copy taken up after a restart does with a DDL group of the
/// master's that it receives again (see [`ddl_redo`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DdlRedo {
    /// Not applied here before: apply it as any group.
    Apply,
    /// Applied here before the server stopped: skip it, recording its
    /// GTID.
    Skip,
    /// Its changes to the copy are in the record and it did not run here:
    /// run it as it was to run (the record names how), without deciding
    /// it again.
    RunRecorded,
    /// Its changes to the copy are in the record, and nothing tells
    /// whether it ran (this server does not log the master's
    /// transactions): the copy cannot go on exactly.
    Refuse,
}

/// What to do with the master's DDL group `group`, received again by a
/// copy taken up after a restart: `binlog_last` is the last GTID of its
/// domain and server in this server's binary log, `binlog_complete`
/// whether that log has every group of the master's applied here
/// (`log_bin` and `log_slave_updates`, no binary log filter),
/// `recorded_ahead` the group whose
/// changes to the copy the record took before it ran ([`DDL_AHEAD_ROW`]).
/// Applied here when the binary log has it (see
/// [`ddl_applied_before_restart`]).  Otherwise, when the record took its
/// changes already, it must not be decided a second time from its own
/// result (a `RENAME TABLE a TO b` seen with `a` gone and `b` complete
/// leaves `b` unknown to the copy, its changes skipped, and `a` here): it
/// runs as recorded, when the binary log says it did not run.
pub fn ddl_redo(
    group: Gtid,
    binlog_last: Option<Gtid>,
    binlog_complete: bool,
    recorded_ahead: Option<Gtid>,
) -> DdlRedo {
    if ddl_applied_before_restart(group, binlog_last) {
        DdlRedo::Skip
    } else if recorded_ahead != Some(group) {
        DdlRedo::Apply
    } else if binlog_complete {
        DdlRedo::RunRecorded
    } else {
        DdlRedo::Refuse
    }
}
const CREATED: &str = "created";
const COMPLETE: &str = "complete";

/// A table's state as the record holds it: `state` and `cursor`.  A table
/// not yet created has no row.
pub fn encode_table_state(state: &TableState) -> Option<(&'static str, Vec<u8>)> {
    match state {
        TableState::NotCreated => None,
        TableState::Created { cursor } => Some((CREATED, cursor.clone().unwrap_or_default())),
        TableState::Complete => Some((COMPLETE, Vec::new())),
    }
}

/// The state of a table's row ([`encode_table_state`]); `None` for a
/// state this version does not write.
pub fn decode_table_state(state: &str, cursor: &[u8]) -> Option<TableState> {
    match state {
        CREATED => Some(TableState::Created {
            cursor: (!cursor.is_empty()).then(|| cursor.to_vec()),
        }),
        // Its rows are all in; its indexes are being built (the build is
        // taken up again, see crate::index_build).
        COMPLETE | crate::index_build::BUILDING => Some(TableState::Complete),
        RECOPY_STATE | REPLACED_STATE | COPIED_BEFORE_STATE => Some(TableState::NotCreated),
        _ => None,
    }
}

/// The master position a recovered copy goes on from: `recorded` (in its
/// record), with each of its domains whose GTID in `slave_pos`
/// (`gtid_slave_pos` now, when it is transactional; else empty) differs
/// from `baseline` (when the copy started) taken from `slave_pos`: an XA
/// PREPARE applied after the last recorded group.  Only the recorded
/// domains count: other connections' domains change too.
pub fn resume_position(recorded: &GtidPos, baseline: &GtidPos, slave_pos: &GtidPos) -> GtidPos {
    let mut position = recorded.clone();
    for gtid in slave_pos.gtids() {
        let unchanged = baseline.gtids().contains(gtid);
        if !unchanged && recorded.has_domain(gtid.domain_id) {
            position.set(*gtid);
        }
    }
    position
}

/// Whether `error_code`, from opening a non-transactional table the copy
/// was writing when the server stopped, says the table is unreadable (a
/// crash cut off its engine's last write: ARCHIVE): it cannot be emptied,
/// so it is dropped and copied again from its CREATE.
pub fn table_crashed(error_code: u32) -> bool {
    matches!(
        error_code,
        errors::ER_NOT_KEYFILE | errors::ER_CRASHED_ON_USAGE | errors::ER_CRASHED_ON_REPAIR
    )
}

/// Whether a copy DDL group that failed with `error_code` was applied
/// before the server stopped (see the module documentation): its object
/// is already there, as the statement would have made it.
pub fn redone_statement(error_code: u32) -> bool {
    [
        errors::ER_DB_CREATE_EXISTS,
        errors::ER_TABLE_EXISTS_ERROR,
        errors::ER_DUP_KEYNAME,
        errors::ER_SP_ALREADY_EXISTS,
        errors::ER_TRG_ALREADY_EXISTS,
        errors::ER_EVENT_ALREADY_EXISTS,
        errors::ER_CANNOT_USER,
        errors::ER_DUP_CONSTRAINT_NAME,
    ]
    .contains(&error_code)
}

/// Whether the master's DDL group `group`, received again by a copy
/// taken up after a restart, was applied here before the server stopped
/// (see the module documentation): `binlog_last`, the last GTID of its
/// domain and server in this server's binary log, is the group's own.
/// Later groups of the master's applied here would have recorded the
/// copy's position past it; an earlier life of this server that logged
/// other groups of the master's cannot have left this exact sequence
/// number last unless the master numbered two groups alike.
pub fn ddl_applied_before_restart(group: Gtid, binlog_last: Option<Gtid>) -> bool {
    binlog_last == Some(group)
}

/// Whether the master's DDL group `group`, whose statement is `query` (run
/// in `default_db`), received again by a copy taken up after a restart,
/// was finished here by the server's DDL recovery: a statement that a
/// crash interrupted after it took effect, and before it reached the
/// binary log, is finished at the next start and logged then under this
/// server's own id, with the domain's next sequence number, which is the
/// group's own when the group before it was the last one logged here.
/// `logged` is that GTID (the group's domain and number, this server's
/// id) and `logged_statement` the statement this server's binary log has
/// under it (empty: none).  It says the recovery finished the group when
/// it is the very same statement (an `ALTER TABLE`), or the `DROP TABLE
/// IF EXISTS ... /* generated by ddl recovery */` that recovery writes for
/// the tables of a `DROP TABLE` it finished, when the master's statement
/// drops them all.  The group is then skipped as one the binary log has
/// ([`ddl_applied_before_restart`]): applying it again would fail ("Can't
/// DROP COLUMN", "Duplicate column name", "Unknown table"), or do it
/// twice.
pub fn ddl_finished_by_recovery(
    group: Gtid,
    query: &[u8],
    default_db: &str,
    logged: Gtid,
    logged_statement: &[u8],
) -> bool {
    if logged.domain_id != group.domain_id
        || logged.server_id == group.server_id
        || logged.seq_no != group.seq_no
        || query.is_empty()
    {
        return false;
    }
    if logged_statement == query {
        return true;
    }
    if !logged_statement.ends_with(RECOVERY_MARK) {
        return false;
    }
    match (
        ddl_during_copy::parse(logged_statement, default_db),
        ddl_during_copy::parse(query, default_db),
    ) {
        (Some(TableDdl::Drop(finished)), Some(TableDdl::Drop(dropped))) => {
            !finished.is_empty() && finished.iter().all(|t| dropped.contains(t))
        }
        _ => false,
    }
}

/// The `object` of the row that holds the definition (`.frm`) that a
/// table had before the master's DDL group that changes its partitions in
/// place ran here ([`ddl_during_copy::partitions_changed_in_place`]): its
/// `resume` holds the group's GTID, its `key_cursor` the definition.  See
/// [`partitions_changed_before_restart`].
pub const PARTITIONS_AHEAD_ROW: &str = "partitions";

/// The `state` of that row.
pub const PARTITIONS_AHEAD_STATE: &str = "before";

/// Whether the master's DDL group `group`, which changes a table's
/// partitions in place, received again by a copy taken up after a
/// restart, ran here before the server stopped: the server's DDL log
/// finishes such a statement that a crash stopped past its last logged
/// step at the next start, and neither logs it nor records its GTID, so
/// nothing but the table tells.  `recorded` is the group and the table's
/// definition the record took before the statement ran
/// ([`PARTITIONS_AHEAD_ROW`]), `definition_now` the table's definition
/// now (empty: none).  A definition other than the one before says it
/// ran (every such statement writes a new one, with a new version); the
/// same says it did not, or the DDL log undid it.
pub fn partitions_changed_before_restart(
    group: Gtid,
    recorded: Option<(Gtid, &[u8])>,
    definition_now: &[u8],
) -> bool {
    recorded.is_some_and(|(ahead, before)| {
        ahead == group
            && !before.is_empty()
            && !definition_now.is_empty()
            && before != definition_now
    })
}

/// How the server's DDL recovery ends a statement it writes itself
/// (`ddl_log.cc`).
const RECOVERY_MARK: &[u8] = b" /* generated by ddl recovery */";

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(text: &str) -> GtidPos {
        GtidPos::parse(text).unwrap()
    }

    #[test]
    fn table_states_round_trip() {
        for state in [
            TableState::Created { cursor: None },
            TableState::Created {
                cursor: Some(vec![0, 1, 2]),
            },
            TableState::Complete,
        ] {
            let (name, cursor) = encode_table_state(&state).unwrap();
            assert_eq!(decode_table_state(name, &cursor), Some(state));
        }
        assert_eq!(encode_table_state(&TableState::NotCreated), None);
        assert_eq!(decode_table_state("copying", b""), None);
    }

    #[test]
    fn position_takes_changed_domains_of_the_copy_only() {
        // Domain 0 moved on after the last copy group; domain 1 did not
        // change (a stale value from before the copy stays out); domain 7
        // is another connection's.
        let recorded = pos("0-1-100,1-1-20");
        let baseline = pos("0-9-3,1-9-500,7-2-4");
        let slave_pos = pos("0-1-104,1-9-500,7-2-9");
        assert_eq!(
            resume_position(&recorded, &baseline, &slave_pos).to_string(),
            "0-1-104,1-1-20"
        );
    }

    #[test]
    fn position_without_changes_is_the_recorded_one() {
        let recorded = pos("0-1-100");
        assert_eq!(
            resume_position(&recorded, &pos(""), &pos("")).to_string(),
            "0-1-100"
        );
    }

    fn gtid(domain_id: u32, server_id: u32, seq_no: u64) -> Gtid {
        Gtid {
            domain_id,
            server_id,
            seq_no,
        }
    }

    #[test]
    fn a_ddl_group_was_applied_here_when_the_binlog_ends_its_domain_with_it() {
        let group = gtid(0, 1, 87343);
        assert!(ddl_applied_before_restart(group, Some(group)));
        // The binary log stops before it: not applied here.
        assert!(!ddl_applied_before_restart(group, Some(gtid(0, 1, 87342))));
        // An earlier group of the master's last: not applied here.
        assert!(!ddl_applied_before_restart(group, Some(gtid(0, 1, 5))));
        // No binary log, or none of the domain.
        assert!(!ddl_applied_before_restart(group, None));
    }

    #[test]
    fn a_partition_change_that_the_ddl_log_finished_is_told_by_the_definition() {
        let group = gtid(0, 1, 25216);
        let before: &[u8] = b"frm of 9 partitions";
        let after: &[u8] = b"frm of 8 partitions";
        let changed =
            |recorded, now: &[u8]| partitions_changed_before_restart(group, recorded, now);
        // Another definition than the one before: it ran.
        assert!(changed(Some((group, before)), after));
        // The same: it did not run, or the DDL log undid it.
        assert!(!changed(Some((group, before)), before));
        // Recorded for another group, or not at all.
        assert!(!changed(Some((gtid(0, 1, 25215), before)), after));
        assert!(!changed(None, after));
        // No definition then or now (the table is not here): nothing tells.
        assert!(!changed(Some((group, b"")), after));
        assert!(!changed(Some((group, before)), b""));
    }

    #[test]
    fn a_ddl_group_that_recovery_logged_is_told_by_its_number_and_its_text() {
        let group = gtid(0, 1, 128740);
        let query = b"ALTER TABLE t_comp DROP COLUMN w";
        let finished =
            |q: &[u8], own, logged: &[u8]| ddl_finished_by_recovery(group, q, "sw", own, logged);
        // Logged by this server's DDL recovery: its own id, the group's
        // domain and number, the same statement.
        let own = gtid(0, 2, 128740);
        assert!(finished(query, own, query));
        // Another statement of this server's under that number: a write
        // of its own after the group before, not the group.
        assert!(!finished(query, own, b"CREATE TABLE own (a INT)"));
        assert!(!finished(query, own, b""));
        // Another number or domain, or the master's own id
        // (ddl_applied_before_restart's case): not this.
        for other in [gtid(0, 2, 128741), gtid(1, 2, 128740), group] {
            assert!(!finished(query, other, query));
        }
        // A DROP TABLE that recovery finished, logged in its own words:
        // the tables it dropped are among the master's statement's.
        let drop = b"DROP TABLE a, sw.b, other.c";
        let recovered = b"DROP TABLE IF EXISTS `a`,`b`,`other`.`c` /* generated by ddl recovery */";
        assert!(finished(drop, own, recovered));
        assert!(finished(
            drop,
            own,
            b"DROP TABLE IF EXISTS `other`.`c` /* generated by ddl recovery */"
        ));
        // A table the master's statement does not drop, or no mark.
        assert!(!finished(
            drop,
            own,
            b"DROP TABLE IF EXISTS `d` /* generated by ddl recovery */"
        ));
        assert!(!finished(drop, own, b"DROP TABLE IF EXISTS `a`"));
        assert!(!finished(
            b"ALTER TABLE a ADD c INT",
            own,
            b"DROP TABLE IF EXISTS `a` /* generated by ddl recovery */"
        ));
    }

    #[test]
    fn a_ddl_group_recorded_ahead_that_did_not_run_runs_as_recorded() {
        let g = |seq_no| Gtid {
            domain_id: 0,
            server_id: 1,
            seq_no,
        };
        // Ran here: skipped, whether the record took its changes or not.
        assert_eq!(ddl_redo(g(9), Some(g(9)), true, Some(g(9))), DdlRedo::Skip);
        assert_eq!(ddl_redo(g(9), Some(g(9)), true, None), DdlRedo::Skip);
        // Its changes recorded, the statement not in a binary log that
        // has every group applied here: it did not run, it runs now.
        assert_eq!(
            ddl_redo(g(9), Some(g(8)), true, Some(g(9))),
            DdlRedo::RunRecorded
        );
        // ... and when the binary log does not say: nothing tells.
        assert_eq!(
            ddl_redo(g(9), Some(g(8)), false, Some(g(9))),
            DdlRedo::Refuse
        );
        assert_eq!(ddl_redo(g(9), None, false, Some(g(9))), DdlRedo::Refuse);
        // Nothing recorded ahead of it: applied as any group.
        assert_eq!(ddl_redo(g(9), Some(g(8)), true, Some(g(4))), DdlRedo::Apply);
        assert_eq!(ddl_redo(g(9), None, false, None), DdlRedo::Apply);
    }

    #[test]
    fn only_already_exists_errors_are_redone() {
        assert!(redone_statement(errors::ER_TABLE_EXISTS_ERROR));
        assert!(redone_statement(errors::ER_DUP_KEYNAME));
        assert!(!redone_statement(errors::ER_NO_SUCH_TABLE));
        assert!(!redone_statement(0));
        assert!(table_crashed(errors::ER_NOT_KEYFILE));
        assert!(table_crashed(errors::ER_CRASHED_ON_USAGE));
        assert!(!table_crashed(errors::ER_NO_SUCH_TABLE));
    }
}
