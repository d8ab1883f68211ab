//! What the master's dump thread sends next during a provisioning dump.
//!
//! Invariant (DESIGN I5, for databases, tables and views): a database's
//! CREATE precedes its tables' CREATEs, a table's CREATE precedes its rows,
//! the rows of a table come in primary-key order as consecutive chunks
//! each continuing after the last key of the previous one, views come
//! after every table and each after the views it reads, and the end marker
//! comes after everything else, exactly once.

/// Schemas that are never copied: they describe the server itself.
pub const SYSTEM_SCHEMAS: [&str; 4] = ["mysql", "information_schema", "performance_schema", "sys"];

/// Whether `db` is a system schema (compared as the server names them on
/// disk: lower-case ASCII).
pub fn is_system_schema(db: &str) -> bool {
    SYSTEM_SCHEMAS.iter().any(|s| s.eq_ignore_ascii_case(db))
}

/// The next unit of work for the dump thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unit<'a> {
    /// Send `CREATE DATABASE` for `db`.
    CreateDatabase {
        /// The database.
        db: &'a str,
    },
    /// Send `CREATE OR REPLACE TABLE` for `db`.`table`.
    CreateTable {
        /// The table's database.
        db: &'a str,
        /// The table.
        table: &'a str,
    },
    /// Read and send up to `max_rows` rows of `db`.`table` with primary
    /// keys after `after` (the key image of the last row sent; `None`:
    /// from the first row).
    Rows {
        /// The table's database.
        db: &'a str,
        /// The table.
        table: &'a str,
        /// Key image of the last row already sent.
        after: Option<&'a [u8]>,
        /// Upper bound on the rows of this chunk.
        max_rows: u32,
    },
    /// Send `CREATE OR REPLACE VIEW` for `db`.`view`.
    CreateView {
        /// The view's database.
        db: &'a str,
        /// The view.
        view: &'a str,
    },
    /// Everything is sent: send the end marker.
    End,
    /// The end marker was sent; the dump is over.
    Finished,
}

#[derive(Clone, Debug)]
enum Step {
    CreateDatabase(usize),
    CreateTable(usize),
    Rows(usize),
    CreateView(usize),
}

/// A view to copy, and the tables and views its definition reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    /// The view's database.
    pub db: String,
    /// The view.
    pub name: String,
    /// `(database, name)` of every table or view it reads directly.
    pub reads: Vec<(String, String)>,
}

/// Views that read each other in a circle (the server never lets that
/// happen; a damaged catalog could).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the views {0} read each other in a circle and cannot be created in any order")]
pub struct ViewCycle(pub String);

#[derive(Clone, Debug)]
struct Table {
    db: usize,
    name: String,
    cursor: Option<Vec<u8>>,
    rows_copied: u64,
}

/// Copy progress, for SHOW PROCESSLIST and the replica's status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Tables whose rows are all sent.
    pub tables_done: u64,
    /// Tables to copy in all.
    pub tables_total: u64,
    /// Rows sent so far.
    pub rows_copied: u64,
}

/// The plan of one provisioning dump and where it stands.
#[derive(Clone, Debug)]
pub struct Scheduler {
    databases: Vec<String>,
    tables: Vec<Table>,
    views: Vec<View>,
    steps: Vec<Step>,
    next: usize,
    end_sent: bool,
    chunk_rows: u32,
    progress: Progress,
}

impl Scheduler {
    /// An empty plan whose row chunks hold at most `chunk_rows` rows.
    pub fn new(chunk_rows: u32) -> Self {
        Scheduler {
            databases: Vec::new(),
            tables: Vec::new(),
            views: Vec::new(),
            steps: Vec::new(),
            next: 0,
            end_sent: false,
            chunk_rows: chunk_rows.max(1),
            progress: Progress::default(),
        }
    }

    /// Adds a database to copy, with its tables in the order given.  System
    /// schemas are ignored; returns whether the database was added.
    pub fn add_database<S: AsRef<str>>(&mut self, db: &str, tables: &[S]) -> bool {
        if is_system_schema(db) {
            return false;
        }
        let d = self.databases.len();
        self.databases.push(db.to_owned());
        self.steps.push(Step::CreateDatabase(d));
        for name in tables {
            let t = self.tables.len();
            self.tables.push(Table {
                db: d,
                name: name.as_ref().to_owned(),
                cursor: None,
                rows_copied: 0,
            });
            self.steps.push(Step::CreateTable(t));
            self.steps.push(Step::Rows(t));
        }
        self.progress.tables_total = self.tables.len() as u64;
        true
    }

    /// Adds the views to copy, after every table (a view may read tables
    /// of any database), each after the views it reads.  Views of system
    /// schemas are ignored.  Call it once, after the databases.
    pub fn add_views(&mut self, views: Vec<View>) -> Result<(), ViewCycle> {
        let mut views: Vec<View> = views
            .into_iter()
            .filter(|v| !is_system_schema(&v.db))
            .collect();
        views.sort_by(|a, b| (&a.db, &a.name).cmp(&(&b.db, &b.name)));
        let index = |db: &str, name: &str| {
            views
                .binary_search_by(|v| (v.db.as_str(), v.name.as_str()).cmp(&(db, name)))
                .ok()
        };
        // Depth-first: a view's step is pushed after those of the views it
        // reads.  State: 0 new, 1 on the current path, 2 done.
        let mut state = vec![0u8; views.len()];
        let mut order = Vec::with_capacity(views.len());
        for start in 0..views.len() {
            let mut path = vec![(start, 0usize)];
            while let Some(&mut (v, ref mut next)) = path.last_mut() {
                if state[v] == 2 {
                    path.pop();
                    continue;
                }
                state[v] = 1;
                let read = views[v].reads.get(*next).cloned();
                *next += 1;
                match read.and_then(|(db, name)| index(&db, &name).map(Some)) {
                    Some(Some(w)) if state[w] == 1 => {
                        let names: Vec<String> = path
                            .iter()
                            .map(|&(p, _)| format!("`{}`.`{}`", views[p].db, views[p].name))
                            .collect();
                        return Err(ViewCycle(names.join(", ")));
                    }
                    Some(Some(w)) if state[w] == 0 => path.push((w, 0)),
                    Some(_) => {}
                    None if *next > views[v].reads.len() => {
                        state[v] = 2;
                        order.push(v);
                        path.pop();
                    }
                    None => {}
                }
            }
        }
        let base = self.views.len();
        self.steps
            .extend(order.into_iter().map(|v| Step::CreateView(base + v)));
        self.views.extend(views);
        Ok(())
    }

    /// The unit to do next.  It stays the same until reported done.
    pub fn next_unit(&self) -> Unit<'_> {
        match self.steps.get(self.next) {
            Some(Step::CreateDatabase(d)) => Unit::CreateDatabase {
                db: &self.databases[*d],
            },
            Some(Step::CreateTable(t)) => Unit::CreateTable {
                db: &self.databases[self.tables[*t].db],
                table: &self.tables[*t].name,
            },
            Some(Step::Rows(t)) => {
                let table = &self.tables[*t];
                Unit::Rows {
                    db: &self.databases[table.db],
                    table: &table.name,
                    after: table.cursor.as_deref(),
                    max_rows: self.chunk_rows,
                }
            }
            Some(Step::CreateView(v)) => Unit::CreateView {
                db: &self.views[*v].db,
                view: &self.views[*v].name,
            },
            None if self.end_sent => Unit::Finished,
            None => Unit::End,
        }
    }

    /// Reports the current `CreateDatabase`, `CreateTable` or `CreateView`
    /// unit sent.
    ///
    /// # Panics
    /// If the current unit is not a CREATE: a caller bug that would send
    /// rows or the end marker out of order.
    pub fn ddl_sent(&mut self) {
        assert!(
            matches!(
                self.steps.get(self.next),
                Some(Step::CreateDatabase(_) | Step::CreateTable(_) | Step::CreateView(_))
            ),
            "ddl_sent() while the current unit is {:?}",
            self.next_unit()
        );
        self.next += 1;
    }

    /// Reports a chunk of the current `Rows` unit sent: `rows` rows, the
    /// last of which has key image `last_key`; `exhausted` when the read
    /// reached the end of the table (also when it had no key to continue
    /// from and so read the table whole).
    ///
    /// # Panics
    /// If the current unit is not `Rows`, or a table not `exhausted` has
    /// no key to continue from.
    pub fn rows_sent(&mut self, rows: u32, last_key: Option<Vec<u8>>, exhausted: bool) {
        let Some(Step::Rows(t)) = self.steps.get(self.next) else {
            panic!(
                "rows_sent() while the current unit is {:?}",
                self.next_unit()
            );
        };
        let table = &mut self.tables[*t];
        if !exhausted {
            // The next chunk continues after this one's last key.
            table.cursor = Some(last_key.expect("an unfinished table has a cursor key"));
        }
        table.rows_copied += u64::from(rows);
        self.progress.rows_copied += u64::from(rows);
        if exhausted {
            self.progress.tables_done += 1;
            self.next += 1;
        }
    }

    /// Reports the end marker sent.
    pub fn end_sent(&mut self) {
        assert_eq!(self.next_unit(), Unit::End, "end marker out of order");
        self.end_sent = true;
    }

    /// How far the copy is.
    pub fn progress(&self) -> Progress {
        self.progress
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(db: &str, name: &str, reads: &[(&str, &str)]) -> View {
        View {
            db: db.to_owned(),
            name: name.to_owned(),
            reads: reads
                .iter()
                .map(|(d, n)| ((*d).to_owned(), (*n).to_owned()))
                .collect(),
        }
    }

    fn drain_views(s: &mut Scheduler) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            match s.next_unit() {
                Unit::CreateView { db, view } => {
                    out.push(format!("{db}.{view}"));
                    s.ddl_sent();
                }
                Unit::End => return out,
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn views_come_after_the_views_they_read_whatever_their_names() {
        let mut s = Scheduler::new(10);
        s.add_views(vec![
            view("a", "top", &[("b", "middle"), ("a", "t1")]),
            view("b", "middle", &[("c", "bottom")]),
            view("c", "bottom", &[("c", "t2")]),
            view("a", "alone", &[]),
            view("mysql", "ignored", &[]),
        ])
        .unwrap();
        assert_eq!(
            drain_views(&mut s),
            ["a.alone", "c.bottom", "b.middle", "a.top"]
        );
    }

    #[test]
    fn views_come_after_every_table() {
        let mut s = Scheduler::new(10);
        s.add_database("d", &["t"]);
        s.add_views(vec![view("d", "v", &[("d", "t")])]).unwrap();
        run(&mut s, &[0]);
        let mut s = Scheduler::new(10);
        s.add_database("d", &["t"]);
        s.add_views(vec![view("d", "v", &[("d", "t")])]).unwrap();
        assert!(matches!(s.next_unit(), Unit::CreateDatabase { .. }));
        s.ddl_sent();
        s.ddl_sent();
        s.rows_sent(0, None, true);
        assert_eq!(s.next_unit(), Unit::CreateView { db: "d", view: "v" });
    }

    #[test]
    fn views_in_a_circle_are_refused() {
        let mut s = Scheduler::new(10);
        let err = s
            .add_views(vec![
                view("d", "x", &[("d", "y")]),
                view("d", "y", &[("d", "x")]),
            ])
            .unwrap_err();
        assert!(err.to_string().contains("`d`.`x`, `d`.`y`"), "{err}");
    }

    /// Drives a scheduler to the end, with `rows[t]` rows in table t.
    fn run(s: &mut Scheduler, rows: &[u32]) -> Vec<String> {
        let mut left = rows.to_vec();
        let mut log = Vec::new();
        let mut table_index = 0;
        loop {
            let unit = s.next_unit();
            log.push(format!("{unit:?}"));
            match unit {
                Unit::CreateDatabase { .. }
                | Unit::CreateTable { .. }
                | Unit::CreateView { .. } => s.ddl_sent(),
                Unit::Rows {
                    max_rows, after, ..
                } => {
                    let t = table_index;
                    let n = left[t].min(max_rows);
                    let start = rows[t] - left[t];
                    assert_eq!(after.is_some(), start > 0, "cursor continues");
                    left[t] -= n;
                    let key = (n > 0).then(|| (start + n).to_be_bytes().to_vec());
                    s.rows_sent(n, key, n < max_rows);
                    if n < max_rows {
                        table_index += 1;
                    }
                }
                Unit::End => s.end_sent(),
                Unit::Finished => return log,
            }
        }
    }

    #[test]
    fn creates_come_before_rows_and_end_comes_last() {
        let mut s = Scheduler::new(2);
        s.add_database("shop", &["items", "orders"]);
        s.add_database("empty", &[] as &[&str]);
        let log = run(&mut s, &[3, 0]);
        let expected = [
            r#"CreateDatabase { db: "shop" }"#,
            r#"CreateTable { db: "shop", table: "items" }"#,
            r#"Rows { db: "shop", table: "items", after: None, max_rows: 2 }"#,
            r#"Rows { db: "shop", table: "items", after: Some([0, 0, 0, 2]), max_rows: 2 }"#,
            r#"CreateTable { db: "shop", table: "orders" }"#,
            r#"Rows { db: "shop", table: "orders", after: None, max_rows: 2 }"#,
            r#"CreateDatabase { db: "empty" }"#,
            "End",
            "Finished",
        ];
        assert_eq!(log, expected);
        assert_eq!(
            s.progress(),
            Progress {
                tables_done: 2,
                tables_total: 2,
                rows_copied: 3
            }
        );
    }

    #[test]
    fn a_full_last_chunk_is_followed_by_an_empty_one() {
        let mut s = Scheduler::new(2);
        s.add_database("d", &["t"]);
        let log = run(&mut s, &[4]);
        assert_eq!(log.iter().filter(|l| l.starts_with("Rows")).count(), 3);
    }

    #[test]
    fn a_table_read_whole_is_done_after_one_chunk() {
        let mut s = Scheduler::new(2);
        s.add_database("d", &["no_key"]);
        s.ddl_sent();
        s.ddl_sent();
        s.rows_sent(5, None, true);
        assert_eq!(s.next_unit(), Unit::End);
        assert_eq!(s.progress().rows_copied, 5);
    }

    #[test]
    fn system_schemas_are_not_copied() {
        let mut s = Scheduler::new(10);
        for db in ["mysql", "information_schema", "PERFORMANCE_SCHEMA", "sys"] {
            assert!(!s.add_database(db, &["t"]));
        }
        assert_eq!(s.next_unit(), Unit::End);
    }

    #[test]
    fn an_empty_master_sends_only_the_end_marker() {
        let mut s = Scheduler::new(10);
        assert_eq!(run(&mut s, &[]), ["End", "Finished"]);
    }

    #[test]
    #[should_panic(expected = "rows_sent()")]
    fn out_of_order_reports_are_bugs() {
        let mut s = Scheduler::new(10);
        s.add_database("d", &["t"]);
        s.rows_sent(1, Some(vec![1]), false);
    }
}
