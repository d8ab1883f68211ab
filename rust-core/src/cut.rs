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
