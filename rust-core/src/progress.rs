//! How far a provisioning copy is, as the replica sees it: the master's
//! estimate of what it will send (its plan note) and what the replica's
//! SQL thread has applied.  The SQL thread writes it; the thread of the
//! `LOAD DATA FROM MASTER` statement reads it for the client's progress
//! report and the processlist, so it is a set of atomic counters.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of one copy (see the module documentation).
#[derive(Debug, Default)]
pub struct CopyProgress {
    rows_copied: AtomicU64,
    rows_estimated: AtomicU64,
    tables_done: AtomicU64,
    tables_total: AtomicU64,
}

/// A consistent enough reading of [`CopyProgress`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProgressReading {
    /// Rows of the copy applied.
    pub rows_copied: u64,
    /// The master's estimate of the rows it sends (table statistics at
    /// plan time); 0 until its plan note is applied.
    pub rows_estimated: u64,
    /// Tables completely copied.
    pub tables_done: u64,
    /// Tables the copy takes.
    pub tables_total: u64,
}

impl ProgressReading {
    /// `(done, total)` for the server's progress report: rows, with the
    /// total never below what is done (the estimate can be low).
    pub fn report(&self) -> (u64, u64) {
        (self.rows_copied, self.rows_estimated.max(self.rows_copied))
    }
}

impl CopyProgress {
    /// The master's plan: `tables` tables, about `rows` rows.
    pub fn planned(&self, tables: u64, rows: u64) {
        self.tables_total.store(tables, Ordering::Relaxed);
        self.rows_estimated.store(rows, Ordering::Relaxed);
    }

    /// `rows` more rows applied (negative after a retried group is
    /// rolled back: its rows are applied again).
    pub fn rows_applied(&self, rows: i64) {
        if rows >= 0 {
            self.rows_copied
                .fetch_add(rows.unsigned_abs(), Ordering::Relaxed);
        } else {
            let _ = self
                .rows_copied
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                    Some(n.saturating_sub(rows.unsigned_abs()))
                });
        }
    }

    /// One more table completely copied.
    pub fn table_done(&self) {
        self.tables_done.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn read(&self) -> ProgressReading {
        ProgressReading {
            rows_copied: self.rows_copied.load(Ordering::Relaxed),
            rows_estimated: self.rows_estimated.load(Ordering::Relaxed),
            tables_done: self.tables_done.load(Ordering::Relaxed),
            tables_total: self.tables_total.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_tables_add_up_and_a_retry_takes_its_rows_back() {
        let p = CopyProgress::default();
        assert_eq!(p.read().report(), (0, 0));
        p.planned(3, 100);
        p.rows_applied(40);
        p.rows_applied(-10);
        p.rows_applied(-100);
        p.rows_applied(30);
        p.table_done();
        let r = p.read();
        assert_eq!(
            r,
            ProgressReading {
                rows_copied: 30,
                rows_estimated: 100,
                tables_done: 1,
                tables_total: 3
            }
        );
        assert_eq!(r.report(), (30, 100));
        // An estimate below the rows copied does not go backwards.
        p.rows_applied(90);
        assert_eq!(p.read().report(), (120, 120));
    }
}
