//! How far a provisioning copy is, as the replica sees it: the master's
//! estimate of what it will send (its plan note) and what the replica's
//! SQL thread has applied.  The SQL thread writes it; the thread of the
//! `LOAD DATA FROM MASTER` statement reads it for the client's progress
//! report and the processlist, so the totals are atomic counters.  Each
//! table's progress (`information_schema.PROVISIONING_PROGRESS`) is kept
//! under a lock that the SQL thread takes once per applied group.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

/// Counters of one copy (see the module documentation).
#[derive(Debug)]
pub struct CopyProgress {
    started: Instant,
    /// Nanoseconds from `started` to the copy's end; 0 while it runs.
    finished_after: AtomicU64,
    rows_copied: AtomicU64,
    rows_estimated: AtomicU64,
    tables_done: AtomicU64,
    tables_total: AtomicU64,
    tables: Mutex<BTreeMap<String, TableProgress>>,
}

impl Default for CopyProgress {
    fn default() -> Self {
        CopyProgress {
            started: Instant::now(),
            finished_after: AtomicU64::default(),
            rows_copied: AtomicU64::default(),
            rows_estimated: AtomicU64::default(),
            tables_done: AtomicU64::default(),
            tables_total: AtomicU64::default(),
            tables: Mutex::default(),
        }
    }
}

/// Where one table of a copy is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableStage {
    /// Planned; no row of it applied yet.
    Waiting,
    /// Its rows are being applied.
    Copying,
    /// Copied again from its start (DDL or a statement during its copy).
    Recopying,
    /// Completely copied: a replica table like any other.
    Done,
}

impl TableStage {
    /// The name the progress view shows.
    pub fn name(self) -> &'static str {
        match self {
            TableStage::Waiting => "waiting",
            TableStage::Copying => "copying",
            TableStage::Recopying => "re-copying",
            TableStage::Done => "done",
        }
    }
}

/// One table's progress.
#[derive(Clone, Debug)]
struct TableProgress {
    stage: TableStage,
    rows: u64,
    estimated: u64,
    chunks: u64,
    recopies: u32,
    started: Option<Instant>,
    finished: Option<Instant>,
}

impl TableProgress {
    fn new(estimated: u64) -> Self {
        TableProgress {
            stage: TableStage::Waiting,
            rows: 0,
            estimated,
            chunks: 0,
            recopies: 0,
            started: None,
            finished: None,
        }
    }
}

/// A reading of one table's progress.
#[derive(Clone, Debug, PartialEq)]
pub struct TableReading {
    /// The table, as the copy stream names it (`` `db`.`table` ``).
    pub table: String,
    /// Where it is.
    pub stage: TableStage,
    /// Rows applied (of its last copy, if it was copied again).
    pub rows: u64,
    /// The master's estimate at plan time (0: none, e.g. a table created
    /// during the copy).
    pub estimated: u64,
    /// Copy groups of its rows applied.
    pub chunks: u64,
    /// Times it was copied again.
    pub recopies: u32,
    /// Seconds since its first row was applied (until it was done).
    pub elapsed: f64,
    /// Rows per second over `elapsed`, if any time passed.
    pub rate: Option<f64>,
    /// Seconds left at `rate` for the estimated rows not applied yet.
    pub left: Option<f64>,
}

/// A consistent enough reading of [`CopyProgress`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
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
    /// Seconds since the copy started (in this server's life).
    pub elapsed: f64,
}

impl ProgressReading {
    /// `(done, total)` for the server's progress report: rows, with the
    /// total never below what is done (the estimate can be low).
    pub fn report(&self) -> (u64, u64) {
        (self.rows_copied, self.rows_estimated.max(self.rows_copied))
    }

    /// Rows per second so far, if any time passed.
    pub fn rate(&self) -> Option<f64> {
        (self.elapsed > 0.0).then(|| self.rows_copied as f64 / self.elapsed)
    }

    /// Seconds left at [`ProgressReading::rate`] for the estimated rows
    /// not copied yet, if known.
    pub fn left(&self) -> Option<f64> {
        self.rate()
            .filter(|r| *r > 0.0 && self.rows_estimated > 0)
            .map(|r| self.rows_estimated.saturating_sub(self.rows_copied) as f64 / r)
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

    /// The copy is complete: its elapsed time stops.
    pub fn finish(&self) {
        let nanos = u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let _ = self.finished_after.compare_exchange(
            0,
            nanos.max(1),
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }

    /// `table` completely copied.
    pub fn table_done(&self, table: &str) {
        self.tables_done.fetch_add(1, Ordering::Relaxed);
        let mut tables = self.tables();
        let t = tables
            .entry(table.to_owned())
            .or_insert_with(|| TableProgress::new(0));
        t.stage = TableStage::Done;
        t.finished = Some(Instant::now());
    }

    /// The master's estimate of the rows of each table of its plan.
    pub fn planned_tables(&self, estimates: impl IntoIterator<Item = (String, u64)>) {
        let mut tables = self.tables();
        for (table, rows) in estimates {
            tables
                .entry(table)
                .or_insert_with(|| TableProgress::new(0))
                .estimated = rows;
        }
    }

    /// A copy group with `rows` rows of `table` was applied.
    pub fn chunk_applied(&self, table: &str, rows: u64) {
        let mut tables = self.tables();
        let t = tables
            .entry(table.to_owned())
            .or_insert_with(|| TableProgress::new(0));
        if t.stage == TableStage::Waiting {
            t.stage = TableStage::Copying;
        }
        t.started.get_or_insert_with(Instant::now);
        t.rows += rows;
        t.chunks += 1;
    }

    /// `table`, whose copy was in progress, is copied again from its start.
    pub fn table_recopied(&self, table: &str) {
        let mut tables = self.tables();
        let t = tables
            .entry(table.to_owned())
            .or_insert_with(|| TableProgress::new(0));
        let done = t.stage == TableStage::Done;
        *t = TableProgress {
            stage: TableStage::Recopying,
            recopies: t.recopies + 1,
            ..TableProgress::new(t.estimated)
        };
        drop(tables);
        if done {
            let _ = self
                .tables_done
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                    Some(n.saturating_sub(1))
                });
        }
    }

    /// `from` was renamed to `to` on the master during the copy.
    pub fn table_renamed(&self, from: &str, to: &str) {
        let mut tables = self.tables();
        if let Some(t) = tables.remove(from) {
            tables.insert(to.to_owned(), t);
        }
    }

    /// `table` was dropped on the master during the copy: not copied.
    pub fn table_dropped(&self, table: &str) {
        self.tables().remove(table);
    }

    /// Every table's progress now, in name order.
    pub fn tables_now(&self) -> Vec<TableReading> {
        let now = Instant::now();
        self.tables()
            .iter()
            .map(|(table, t)| {
                let elapsed = t
                    .started
                    .map(|s| t.finished.unwrap_or(now).duration_since(s).as_secs_f64())
                    .unwrap_or(0.0);
                let rate = (elapsed > 0.0).then(|| t.rows as f64 / elapsed);
                let left = match t.stage {
                    TableStage::Done => Some(0.0),
                    _ => rate
                        .filter(|r| *r > 0.0 && t.estimated > 0)
                        .map(|r| t.estimated.saturating_sub(t.rows) as f64 / r),
                };
                TableReading {
                    table: table.clone(),
                    stage: t.stage,
                    rows: t.rows,
                    estimated: t.estimated,
                    chunks: t.chunks,
                    recopies: t.recopies,
                    elapsed,
                    rate,
                    left,
                }
            })
            .collect()
    }

    fn tables(&self) -> MutexGuard<'_, BTreeMap<String, TableProgress>> {
        // A panic while the lock was held left counters, nothing unsafe.
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The counters now.
    pub fn read(&self) -> ProgressReading {
        ProgressReading {
            rows_copied: self.rows_copied.load(Ordering::Relaxed),
            rows_estimated: self.rows_estimated.load(Ordering::Relaxed),
            tables_done: self.tables_done.load(Ordering::Relaxed),
            tables_total: self.tables_total.load(Ordering::Relaxed),
            elapsed: match self.finished_after.load(Ordering::Relaxed) {
                0 => self.started.elapsed().as_secs_f64(),
                nanos => nanos as f64 / 1e9,
            },
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
        p.table_done("`d`.`t`");
        let r = ProgressReading {
            elapsed: 0.0,
            ..p.read()
        };
        assert_eq!(
            r,
            ProgressReading {
                rows_copied: 30,
                rows_estimated: 100,
                tables_done: 1,
                tables_total: 3,
                elapsed: 0.0,
            }
        );
        assert_eq!(r.rate(), None);
        p.finish();
        let frozen = p.read().elapsed;
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert_eq!(p.read().elapsed, frozen);
        let later = ProgressReading { elapsed: 2.0, ..r };
        assert_eq!(
            (later.rate(), later.left()),
            (Some(15.0), Some(70.0 / 15.0))
        );
        assert_eq!(r.report(), (30, 100));
        // An estimate below the rows copied does not go backwards.
        p.rows_applied(90);
        assert_eq!(p.read().report(), (120, 120));
    }

    #[test]
    fn each_table_goes_from_waiting_to_done_and_back_when_copied_again() {
        let p = CopyProgress::default();
        p.planned_tables([("`d`.`a`".to_owned(), 10), ("`d`.`b`".to_owned(), 5)]);
        let stages = |p: &CopyProgress| {
            p.tables_now()
                .into_iter()
                .map(|t| (t.table, t.stage, t.rows, t.chunks, t.recopies))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            stages(&p),
            vec![
                ("`d`.`a`".to_owned(), TableStage::Waiting, 0, 0, 0),
                ("`d`.`b`".to_owned(), TableStage::Waiting, 0, 0, 0),
            ]
        );
        p.chunk_applied("`d`.`a`", 4);
        p.chunk_applied("`d`.`a`", 6);
        p.table_done("`d`.`a`");
        p.chunk_applied("`d`.`b`", 2);
        assert_eq!(
            stages(&p),
            vec![
                ("`d`.`a`".to_owned(), TableStage::Done, 10, 2, 0),
                ("`d`.`b`".to_owned(), TableStage::Copying, 2, 1, 0),
            ]
        );
        assert_eq!(p.read().tables_done, 1);
        let a = &p.tables_now()[0];
        assert_eq!((a.estimated, a.left), (10, Some(0.0)));
        // Copied again: its rows start over, the estimate stays.
        p.table_recopied("`d`.`a`");
        p.table_renamed("`d`.`b`", "`d`.`c`");
        assert_eq!(
            stages(&p),
            vec![
                ("`d`.`a`".to_owned(), TableStage::Recopying, 0, 0, 1),
                ("`d`.`c`".to_owned(), TableStage::Copying, 2, 1, 0),
            ]
        );
        assert_eq!(p.read().tables_done, 0);
        assert_eq!(p.tables_now()[0].estimated, 10);
        p.chunk_applied("`d`.`a`", 3);
        assert_eq!(p.tables_now()[0].stage, TableStage::Recopying);
        p.table_dropped("`d`.`c`");
        assert_eq!(p.tables_now().len(), 1);
        // A table the plan did not name (created during the copy).
        p.chunk_applied("`d`.`new`", 1);
        assert_eq!(p.tables_now()[1].estimated, 0);
        assert_eq!(p.tables_now()[1].left, None);
    }
}
