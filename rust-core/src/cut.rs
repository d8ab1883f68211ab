//! Where a chunk of rows sits in the master's binlog stream (DESIGN I1).
//!
//! A chunk read from an InnoDB consistent snapshot reflects exactly the
//! transactions whose commit precedes the snapshot's binlog position
//! (`mysql_bin_log_commit_pos`), and none after it.  The dump thread may
//! send the chunk only when it has sent exactly that prefix of the binlog:
//! then the replica applies the chunk at the point of the stream its
//! contents belong to.  [`judge`] compares the two positions and says what
//! the dump thread does.
//!
//! A transaction is written to the binlog (and may be sent) before the
//! storage engine makes it visible, so a snapshot can lag what was sent
//! ("behind": take a new snapshot); it can also include transactions the
//! dump thread has not sent yet ("ahead": send the binlog up to the
//! snapshot, then the chunk).

use std::cmp::Ordering;
use std::time::{Duration, Instant};

/// How long pending XA transactions may hold back the next chunk before
/// the copy gives up with an error naming one of them: under the
/// replica's default `slave_net_timeout` (60 s), so that the replica
/// hears why rather than losing the connection.
pub const XA_WAIT_LIMIT: Duration = Duration::from_secs(20);

/// A position in the master's binary log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BinlogPos<'a> {
    /// The binlog file, with or without its directory.
    pub file: &'a str,
    /// The offset in it.
    pub pos: u64,
}

/// What the dump thread does with a snapshot taken for the next chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CutVerdict {
    /// The snapshot is exactly at the dump thread's position: read the
    /// chunk from it and send it now.
    Exact,
    /// The snapshot is ahead, at `pos` of the file being sent: keep it,
    /// send the binlog up to `pos`, then read the chunk from it.
    SendEventsTo(u64),
    /// Drop the snapshot and send the binlog events that are ready; try
    /// again at the next event group boundary.
    SendEventsFirst,
    /// Drop the snapshot and try again shortly: the dump thread has sent
    /// everything, and the snapshot does not match it yet (transactions
    /// in the binlog are still committing in the engine, or the binlog
    /// rotated under us).
    Wait,
}

/// The base name of a binlog file (`./master-bin.000007` -> `master-bin.000007`).
fn base_name(file: &str) -> &str {
    file.rsplit('/').next().unwrap_or(file)
}

/// What the master was doing when a cut was taken.  The shim gathers it
/// under the binlog's `LOCK_log`, so that no transaction is written to the
/// binary log meanwhile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CutFacts<'a> {
    /// `LOCK_after_binlog_sync` was free: no group commit was between
    /// writing the binlog and committing in the engines.
    pub group_commit_idle: bool,
    /// Where the binlog ends.
    pub binlog_end: BinlogPos<'a>,
    /// The engines' commit position the snapshot (or the read lock) sees
    /// (`mysql_bin_log_commit_pos`); `None` when the server has none.
    pub commit: Option<BinlogPos<'a>>,
    /// Explicit XA transactions past `XA END` (ended or prepared, also
    /// recovered ones).  Their `XA PREPARE` may be in the binlog while
    /// their changes stay invisible in the engines until `XA COMMIT`.
    pub xa_pending: u32,
    /// One-phase commits in flight (`ha_commit_one_phase()`: a transaction
    /// with an engine without two-phase commit, such as Aria, even read
    /// only).  Their binlog group is written and finished before the
    /// engines commit them.
    pub one_phase_commits: u32,
}

/// Why a cut is not exact: something in the binlog is not yet visible in
/// the engines, or may not be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsettled {
    /// A group commit is between the binlog and the engines, or the
    /// engines' commit position is not the binlog's end.
    CommitInFlight,
    /// An XA transaction is ended or prepared: its `XA PREPARE` may be in
    /// the binlog while its changes are invisible until `XA COMMIT`.
    XaPending,
    /// A one-phase commit's binlog group is written before its engines
    /// commit.
    OnePhaseCommit,
}

impl CutFacts<'_> {
    /// Whether everything written to the binlog up to its end was
    /// committed in the engines when the cut was taken.
    pub fn settled(&self) -> Result<(), Unsettled> {
        if self.xa_pending > 0 {
            return Err(Unsettled::XaPending);
        }
        if self.one_phase_commits > 0 {
            return Err(Unsettled::OnePhaseCommit);
        }
        let at_end = self.commit.is_some_and(|c| {
            compare_files(c.file, self.binlog_end.file) == Ordering::Equal
                && c.pos == self.binlog_end.pos
        });
        if self.group_commit_idle && at_end {
            Ok(())
        } else {
            Err(Unsettled::CommitInFlight)
        }
    }
}

/// `BINLOG_CHECKPOINT_EVENT`: the binlog's own bookkeeping (the oldest
/// file crash recovery still needs), no data.
pub const BINLOG_CHECKPOINT_EVENT: u8 =
    crate::encode::type_code(crate::server_consts::Log_event_type::BINLOG_CHECKPOINT_EVENT);

/// The engines' commit position `commit`, carried to the binlog's `end`
/// when everything between them in the same file is bookkeeping: `tail`
/// holds the types of those events, read whole (empty when they were not
/// read).  The engines then hold at `commit` the state at `end`.  After a
/// rotation the binlog's background thread writes a checkpoint event, at
/// times after the last commit: an idle master would otherwise never have
/// a settled cut, and a copy would wait for its next write.
pub fn commit_through_bookkeeping<'a>(
    commit: BinlogPos<'a>,
    end: BinlogPos<'a>,
    tail: &[u8],
) -> BinlogPos<'a> {
    let bookkeeping = !tail.is_empty() && tail.iter().all(|&t| t == BINLOG_CHECKPOINT_EVENT);
    if bookkeeping
        && compare_files(commit.file, end.file) == Ordering::Equal
        && commit.pos < end.pos
    {
        BinlogPos {
            file: commit.file,
            pos: end.pos,
        }
    } else {
        commit
    }
}

/// How long the cuts for the next chunk have been held back by pending XA
/// transactions, without a moment free of them.
#[derive(Clone, Debug, Default)]
pub struct XaWait {
    since: Option<Instant>,
}

impl XaWait {
    /// Records a cut judged at `now`; returns how long pending XA
    /// transactions have held the copy back when that is longer than
    /// `limit`.
    pub fn observe(
        &mut self,
        unsettled: Option<Unsettled>,
        now: Instant,
        limit: Duration,
    ) -> Option<Duration> {
        if unsettled != Some(Unsettled::XaPending) {
            // Free of XA (or settled): the next XA starts a new wait.
            if unsettled.is_none() {
                self.since = None;
            }
            return None;
        }
        let since = *self.since.get_or_insert(now);
        let waited = now.saturating_duration_since(since);
        (waited > limit).then_some(waited)
    }
}

/// Binlog files in the order the server creates them: by the number after
/// the last dot (which grows beyond six digits), then by name.
pub fn compare_files(a: &str, b: &str) -> Ordering {
    let (a, b) = (base_name(a), base_name(b));
    let number = |f: &str| f.rsplit_once('.').and_then(|(_, n)| n.parse::<u64>().ok());
    match (number(a), number(b)) {
        (Some(x), Some(y)) if x != y => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// Judges a snapshot for the next chunk.
///
/// `dump` is where the dump thread stands in the active binlog file (an
/// event group boundary: everything before it is sent), `end_pos` how far
/// that file is written, and `snapshot` the binlog position of the
/// snapshot's last committed transaction.  `settled` says that every
/// transaction written to the binlog up to `snapshot` was committed in the
/// engines when the snapshot was taken.  It is not when a group commit was
/// between writing the binlog and committing, notably right after a
/// rotation: the server's commit position then already names the new file
/// while the old file's last transactions are still invisible (a snapshot
/// position at a file start is suspect).
pub fn judge(
    dump: BinlogPos<'_>,
    end_pos: u64,
    snapshot: BinlogPos<'_>,
    settled: bool,
) -> CutVerdict {
    let idle = dump.pos >= end_pos;
    let lagging = if idle {
        CutVerdict::Wait
    } else {
        CutVerdict::SendEventsFirst
    };
    if !settled {
        return lagging;
    }
    match compare_files(snapshot.file, dump.file) {
        // Behind, or in a file the binlog rotated to after the dump thread
        // read its end position (the start of the new file is the same
        // state as the end of the old one, but the dump is not there yet).
        Ordering::Less | Ordering::Greater => lagging,
        Ordering::Equal => match snapshot.pos.cmp(&dump.pos) {
            Ordering::Equal => CutVerdict::Exact,
            Ordering::Less => lagging,
            // Never read past what the dump thread knows is written.
            Ordering::Greater if snapshot.pos <= end_pos => CutVerdict::SendEventsTo(snapshot.pos),
            Ordering::Greater => CutVerdict::Wait,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(file: &str, pos: u64) -> BinlogPos<'_> {
        BinlogPos { file, pos }
    }

    fn facts<'a>(end: BinlogPos<'a>, commit: BinlogPos<'a>) -> CutFacts<'a> {
        CutFacts {
            group_commit_idle: true,
            binlog_end: end,
            commit: Some(commit),
            xa_pending: 0,
            one_phase_commits: 0,
        }
    }

    #[test]
    fn a_checkpoint_after_the_last_commit_does_not_hold_a_cut_back() {
        let end = at("b.000002", 598);
        let commit = at("b.000002", 554);
        let cp = BINLOG_CHECKPOINT_EVENT;
        let carried = commit_through_bookkeeping(commit, end, &[cp]);
        assert_eq!(carried.pos, 598);
        assert!(facts(end, carried).settled().is_ok());
        // Anything else after the commit, or a tail not read: not settled.
        assert_eq!(commit_through_bookkeeping(commit, end, &[cp, 162]).pos, 554);
        assert_eq!(commit_through_bookkeeping(commit, end, &[]).pos, 554);
        assert_eq!(
            commit_through_bookkeeping(at("b.000001", 554), end, &[cp]).pos,
            554
        );
        assert!(facts(end, commit).settled().is_err());
    }

    #[test]
    fn a_cut_is_settled_only_when_the_engines_hold_the_whole_binlog() {
        let ok = facts(at("./b.000003", 900), at("b.000003", 900));
        assert_eq!(ok.settled(), Ok(()));
        let busy = CutFacts {
            group_commit_idle: false,
            ..ok
        };
        assert_eq!(busy.settled(), Err(Unsettled::CommitInFlight));
        let behind = facts(at("b.000003", 900), at("b.000003", 600));
        assert_eq!(behind.settled(), Err(Unsettled::CommitInFlight));
        // Right after a rotation the commit position may name the old file.
        let rotated = facts(at("b.000004", 256), at("b.000003", 900));
        assert_eq!(rotated.settled(), Err(Unsettled::CommitInFlight));
        let none = CutFacts { commit: None, ..ok };
        assert_eq!(none.settled(), Err(Unsettled::CommitInFlight));
    }

    #[test]
    fn a_pending_xa_or_one_phase_commit_unsettles_an_otherwise_exact_cut() {
        // XA PREPARE is in the binlog, the positions agree, and still the
        // snapshot does not see the transaction's rows.
        let ok = facts(at("b.000003", 900), at("b.000003", 900));
        let xa = CutFacts {
            xa_pending: 1,
            ..ok
        };
        assert_eq!(xa.settled(), Err(Unsettled::XaPending));
        let one_phase = CutFacts {
            one_phase_commits: 2,
            ..ok
        };
        assert_eq!(one_phase.settled(), Err(Unsettled::OnePhaseCommit));
    }

    #[test]
    fn an_xa_wait_is_bounded_and_ends_at_the_first_free_cut() {
        let limit = Duration::from_secs(20);
        let t0 = Instant::now();
        let mut wait = XaWait::default();
        let xa = Some(Unsettled::XaPending);
        assert_eq!(wait.observe(xa, t0, limit), None);
        assert_eq!(wait.observe(xa, t0 + Duration::from_secs(19), limit), None);
        // Other reasons to retry do not end the XA wait...
        let other = Some(Unsettled::CommitInFlight);
        assert_eq!(
            wait.observe(other, t0 + Duration::from_secs(20), limit),
            None
        );
        assert_eq!(
            wait.observe(xa, t0 + Duration::from_secs(21), limit),
            Some(Duration::from_secs(21))
        );
        // ... a settled cut does.
        assert_eq!(
            wait.observe(None, t0 + Duration::from_secs(22), limit),
            None
        );
        assert_eq!(wait.observe(xa, t0 + Duration::from_secs(30), limit), None);
    }

    #[test]
    fn files_compare_by_number_even_past_six_digits() {
        assert_eq!(
            compare_files("./m-bin.000009", "m-bin.000010"),
            Ordering::Less
        );
        assert_eq!(
            compare_files("m-bin.999999", "/var/lib/m-bin.1000000"),
            Ordering::Less
        );
        assert_eq!(compare_files("./m.000002", "m.000002"), Ordering::Equal);
    }

    #[test]
    fn the_same_position_is_exact() {
        let v = judge(at("./b.000001", 900), 900, at("b.000001", 900), true);
        assert_eq!(v, CutVerdict::Exact);
        // Busy: events wait behind the chunk, which is still exact.
        let v = judge(at("b.000001", 900), 5000, at("b.000001", 900), true);
        assert_eq!(v, CutVerdict::Exact);
    }

    #[test]
    fn a_snapshot_ahead_sends_the_events_up_to_it_first() {
        let v = judge(at("b.000001", 900), 5000, at("b.000001", 1200), true);
        assert_eq!(v, CutVerdict::SendEventsTo(1200));
        // Never beyond the written end the dump thread knows of.
        let v = judge(at("b.000001", 900), 1000, at("b.000001", 1200), true);
        assert_eq!(v, CutVerdict::Wait);
    }

    #[test]
    fn a_snapshot_behind_is_retried() {
        // Idle: the commit is on its way into the engine; wait for it.
        let v = judge(at("b.000001", 900), 900, at("b.000001", 600), true);
        assert_eq!(v, CutVerdict::Wait);
        // Busy: send what is ready, then try again.
        let v = judge(at("b.000001", 900), 1500, at("b.000001", 600), true);
        assert_eq!(v, CutVerdict::SendEventsFirst);
        let v = judge(at("b.000002", 300), 300, at("b.000001", 600), true);
        assert_eq!(v, CutVerdict::Wait);
    }

    #[test]
    fn an_unsettled_snapshot_is_never_used() {
        // Even when the positions agree: after a rotation, the old file's
        // last transactions may not be visible in the snapshot yet.
        let v = judge(at("b.000002", 380), 380, at("b.000002", 380), false);
        assert_eq!(v, CutVerdict::Wait);
        let v = judge(at("b.000002", 380), 900, at("b.000002", 380), false);
        assert_eq!(v, CutVerdict::SendEventsFirst);
        let v = judge(at("b.000002", 300), 900, at("b.000002", 380), false);
        assert_eq!(v, CutVerdict::SendEventsFirst);
    }

    #[test]
    fn a_snapshot_in_a_newer_file_waits_for_the_rotation() {
        // The start of a new file is the same state as the end of the old
        // one, but the dump thread is not there yet.
        let v = judge(at("b.000001", 900), 900, at("b.000002", 256), true);
        assert_eq!(v, CutVerdict::Wait);
        let v = judge(at("b.000001", 900), 4000, at("b.000002", 256), true);
        assert_eq!(v, CutVerdict::SendEventsFirst);
    }
}
