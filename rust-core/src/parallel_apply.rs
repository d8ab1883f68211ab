//! Parallel apply during a copy: which event groups a replica with
//! `slave_parallel_threads` applies alone, and when it may apply the
//! others in parallel at all.
//!
//! The copy's ledger (each table's copied key range) must see a table's
//! events in stream order.  Only copy groups (a chunk extends a cursor, an
//! end-of-table note completes a table, a CREATE creates one) and DDL
//! change it; the master's transactions of row events only read it.  So:
//!
//! 1. a group that may change the ledger *applies alone*: the SQL driver
//!    thread waits until every group queued before it has committed, and
//!    applies it itself before it queues the next one;
//! 2. between two such groups the ledger does not change, and the
//!    master's transactions go to MariaDB's parallel replication workers
//!    (in-order commit, optimistic retry) in one ordered queue: they decide
//!    every row against the same ledger whatever order they run in.
//!
//! A transaction of the master's may still hold a statement (a session
//! with `binlog_format=STATEMENT`) that changes the ledger: the table it
//! writes, part way or complete, is copied again.  Its worker waits for
//! every earlier group to commit before it decides, so those decide by the
//! ledger before the change, and the statements that change it do so one
//! at a time, in stream order.  A later group running meanwhile may decide
//! its rows of that table by the ledger before or after the change: either
//! way the master's CREATE of the table, further in the stream and applied
//! alone, replaces the table with its copy as of then, and nothing those
//! groups wrote to it is left.  Their decisions for other tables do not
//! change.

/// What the SQL driver thread knows of an event group from its GTID event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupKind {
    /// A group of the copy itself (its own GTID domain).
    pub copy_group: bool,
    /// `FL_TRANSACTIONAL`: the master logged it in its transaction cache.
    /// In row format that includes a statement that wrote a MyISAM or
    /// Aria table along with a transactional one (see
    /// [`waits_before_row`]).
    pub transactional: bool,
    /// `FL_STANDALONE`: a statement outside a transaction (DDL, or a write
    /// of a non-transactional table).
    pub standalone: bool,
    /// `FL_DDL`.
    pub ddl: bool,
    /// `FL_PREPARED_XA` or `FL_COMPLETED_XA`: an XA PREPARE or its XA
    /// COMMIT / ROLLBACK, which the copy tracks across the stream.
    pub xa: bool,
}

/// Whether a group applies alone (rule 1 of the module documentation):
/// anything but a transaction of the master's on transactional tables.
pub fn applies_alone(group: GroupKind) -> bool {
    group.copy_group || !group.transactional || group.standalone || group.ddl || group.xa
}

/// Whether a worker whose group runs beside an earlier group not
/// committed yet (`ahead`) waits for every group before it to commit
/// before it changes a row of a table of an engine without rollback.
/// The wait is a retry: the statement holds the table's lock, which the
/// earlier group may need, so the group is rolled back (a deadlock error)
/// and parallel replication runs it again once every group before it
/// committed.
///
/// In row format the master flags `FL_TRANSACTIONAL` a transaction whose
/// statement wrote a MyISAM or Aria table along with an InnoDB one (a
/// multi-table `UPDATE` or `DELETE`; `Gtid_log_event` clears the flag
/// only for such changes logged as statements).  Optimistic mode runs it
/// speculatively, ahead of the groups before it, and conservative mode
/// beside the others of its group commit.  Its change of a MyISAM row
/// cannot be rolled back: made before an earlier group's change of the
/// same row, it is overwritten by that one, or it fails the earlier one
/// ("Can't find record"), and a retry makes it a second time.  During a
/// copy that would be a difference the copy calls exact.  After the retry
/// nothing before it can touch the row.  A group that reaches such a row
/// after the groups before it committed goes on at once.
pub fn waits_before_row(ahead: bool, table_transactional: bool) -> bool {
    ahead && !table_transactional
}

/// Why a copy whose connection has parallel replication configured
/// applies serially anyway, or `None` when it applies in parallel.
///
/// A transaction applied by a worker does not write the copy's record in
/// `mysql.provision_progress` (every worker would queue on its one row);
/// after a crash the copy takes the master's position from
/// `gtid_slave_pos` instead, which is exact only when that table commits
/// with the data.
pub fn serial_reason(gtid_slave_pos_transactional: bool) -> Option<&'static str> {
    (!gtid_slave_pos_transactional).then_some(
        "mysql.gtid_slave_pos is not transactional (ALTER TABLE mysql.gtid_slave_pos \
         ENGINE=InnoDB, as parallel replication needs for its retries, lets the copy \
         apply in parallel)",
    )
}

/// The last group of each GTID domain committed by a worker, by the
/// server's sub_id (global, increasing in stream order): workers commit in
/// order, but the bookkeeping after a commit may run out of order.
#[derive(Clone, Debug, Default)]
pub struct CommitOrder(std::collections::BTreeMap<u32, u64>);

impl CommitOrder {
    /// Whether the group `sub_id` of `domain_id`, just committed, is the
    /// latest of its domain (its GTID is the domain's position); records it.
    pub fn is_latest(&mut self, domain_id: u32, sub_id: u64) -> bool {
        let last = self.0.entry(domain_id).or_default();
        if sub_id <= *last {
            return false;
        }
        *last = sub_id;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master(transactional: bool) -> GroupKind {
        GroupKind {
            transactional,
            ..GroupKind::default()
        }
    }

    #[test]
    fn only_the_masters_transactions_go_to_workers() {
        assert!(!applies_alone(master(true)));
        assert!(applies_alone(master(false)), "non-transactional tables");
        for group in [
            GroupKind {
                copy_group: true,
                ..master(true)
            },
            GroupKind {
                standalone: true,
                ..master(true)
            },
            GroupKind {
                ddl: true,
                ..master(true)
            },
            GroupKind {
                xa: true,
                ..master(true)
            },
        ] {
            assert!(applies_alone(group), "{group:?}");
        }
    }

    #[test]
    fn a_worker_ahead_waits_before_a_row_it_cannot_roll_back() {
        assert!(
            waits_before_row(true, false),
            "MyISAM beside an uncommitted group"
        );
        assert!(!waits_before_row(true, true), "InnoDB rows roll back");
        assert!(
            !waits_before_row(false, false),
            "nothing before it is uncommitted"
        );
        assert!(!waits_before_row(false, true));
    }

    #[test]
    fn parallel_needs_a_transactional_gtid_slave_pos() {
        assert_eq!(serial_reason(true), None);
        assert!(serial_reason(false).unwrap().contains("ENGINE=InnoDB"));
    }

    #[test]
    fn a_domains_position_is_its_last_group_in_stream_order() {
        let mut order = CommitOrder::default();
        assert!(order.is_latest(0, 5));
        // Group 4 committed first, its bookkeeping ran last.
        assert!(!order.is_latest(0, 4));
        assert!(order.is_latest(1, 3), "domains are apart");
        assert!(order.is_latest(0, 6));
    }
}
