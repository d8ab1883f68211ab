//! What the master's dump thread sends next during a provisioning dump.
//!
//! Invariant (DESIGN I5): every database's CREATE precedes the tables'
//! CREATEs, a table's CREATE precedes its rows, the rows of a table come in
//! primary-key order as consecutive chunks each continuing after the last
//! key of the previous one, a table's copy starts only after the copies of
//! the tables its foreign keys reference are complete, stored routines come
//! after every table, views after the routines and each after the views it
//! reads, then triggers (after their tables' data, in each table's trigger
//! order) and events, and the end marker comes after everything else,
//! exactly once.

use std::time::Duration;

use crate::chunk_size::ChunkSize;
use crate::filter::TableState;
use crate::protocol::ResumePoint;

pub(crate) mod saved_plan;

/// Schemas that are never copied: they describe the server itself.
pub const SYSTEM_SCHEMAS: [&str; 4] = ["mysql", "information_schema", "performance_schema", "sys"];

/// The tables of the `mysql` schema that hold accounts, roles and
/// privileges (10.4 and later: `mysql.user` is a view of `global_priv`).
/// `LOAD DATA FROM MASTER ... WITH GRANTS` copies their rows.
pub const ACCOUNT_TABLES: [&str; 7] = [
    "global_priv",
    "roles_mapping",
    "db",
    "tables_priv",
    "columns_priv",
    "procs_priv",
    "proxies_priv",
];

/// Whether `db`.`table` is one of the replica's [`ACCOUNT_TABLES`]: `WITH
/// GRANTS` writes the master's rows over the replica's own by key, so a
/// copy group of it cut off part way is written again whole when the copy
/// goes on, and the table is never emptied (it holds the replica's own
/// accounts).
pub fn is_account_table(db: &str, table: &str) -> bool {
    db == "mysql" && ACCOUNT_TABLES.contains(&table)
}

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
    /// Every row of `db`.`table` is sent: send the `ALTER TABLE` that
    /// adds the secondary indexes its CREATE left out, if any.
    BuildIndexes {
        /// The table's database.
        db: &'a str,
        /// The table.
        table: &'a str,
    },
    /// The tables are copied, the views, routines, triggers and events
    /// come next: read them again if DDL changed them
    /// ([`Scheduler::replan_objects`]), and tell the replica that from
    /// here on their DDL applies.
    Objects,
    /// Send `CREATE OR REPLACE VIEW` for `db`.`view`.
    CreateView {
        /// The view's database.
        db: &'a str,
        /// The view.
        view: &'a str,
    },
    /// Send the definition of the routine, trigger or event number `index`
    /// (in the order of [`Scheduler::add_object`]).
    CreateObject {
        /// What it is.
        kind: ObjectKind,
        /// Its database.
        db: &'a str,
        /// Its name.
        name: &'a str,
        /// Its number.
        index: usize,
    },
    /// Send what the copy takes, before anything else (see
    /// [`crate::protocol::manifest_note`]).
    Manifest,
    /// The account tables' rows are sent: send `FLUSH PRIVILEGES`, so
    /// the replica's server takes its new accounts into use.
    ReloadAccounts,
    /// Everything is sent and the copy was asked to prove itself: send the
    /// checksum of every copied table, read at one exact cut.
    Checksums,
    /// Everything is sent: send the end marker.
    End,
    /// The end marker was sent; the dump is over.
    Finished,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Objects,
    CreateDatabase(usize),
    CreateTable(usize),
    Rows(usize),
    BuildIndexes(usize),
    CreateView(usize),
    CreateObject(usize),
    Manifest,
    ReloadAccounts,
    Checksums,
}

/// Whether `step` creates a view, routine, trigger or event.
fn creates_object(step: Option<&Step>) -> bool {
    matches!(step, Some(Step::CreateView(_) | Step::CreateObject(_)))
}

/// A stored object copied as its master's definition text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    /// A stored function.
    Function,
    /// A stored procedure.
    Procedure,
    /// A package specification (`sql_mode=ORACLE`).
    Package,
    /// A package body, after its specification.
    PackageBody,
    /// A trigger.
    Trigger,
    /// An event (the replica's SQL thread creates it `DISABLE ON SLAVE`).
    Event,
}

impl ObjectKind {
    /// The kind the server names `name` (`mysql.proc.type`, or `TRIGGER`,
    /// `EVENT`).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "FUNCTION" => ObjectKind::Function,
            "PROCEDURE" => ObjectKind::Procedure,
            "PACKAGE" => ObjectKind::Package,
            "PACKAGE BODY" => ObjectKind::PackageBody,
            "TRIGGER" => ObjectKind::Trigger,
            "EVENT" => ObjectKind::Event,
            _ => return None,
        })
    }

    /// The keyword of its `CREATE` statement.
    pub fn keyword(self) -> &'static str {
        match self {
            ObjectKind::Function => "FUNCTION",
            ObjectKind::Procedure => "PROCEDURE",
            ObjectKind::Package => "PACKAGE",
            ObjectKind::PackageBody => "PACKAGE BODY",
            ObjectKind::Trigger => "TRIGGER",
            ObjectKind::Event => "EVENT",
        }
    }

    fn is_routine(self) -> bool {
        self < ObjectKind::Trigger
    }
}

#[derive(Clone, Debug)]
struct Object {
    kind: ObjectKind,
    db: String,
    name: String,
}

/// Why the objects cannot be copied in any order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Views read each other in a circle.
    #[error(transparent)]
    Views(#[from] ViewCycle),
    /// Tables reference each other through foreign keys in a circle.
    #[error(
        "the tables {0} reference each other in a circle of foreign keys. A copy in \
         chunks cannot keep such tables consistent (InnoDB's cascades and checks between \
         them are not in the binary log): drop one of these foreign keys on the master \
         while the copy runs, or provision this replica with mariadb-backup"
    )]
    ForeignKeyCycle(String),
}

/// Orders nodes `0..deps.len()` so that each comes after the nodes it
/// depends on (`deps[n]`), otherwise in index order; a circle is returned
/// as the nodes on it.
fn dependency_order(deps: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    // Depth-first; state: 0 new, 1 on the current path, 2 done.
    let mut state = vec![0u8; deps.len()];
    let mut order = Vec::with_capacity(deps.len());
    for start in 0..deps.len() {
        let mut path = vec![(start, 0usize)];
        while let Some(&mut (n, ref mut next)) = path.last_mut() {
            if state[n] == 2 {
                path.pop();
                continue;
            }
            state[n] = 1;
            match deps[n].get(*next).copied() {
                Some(d) => {
                    *next += 1;
                    match state[d] {
                        1 => {
                            let from = path.iter().position(|&(p, _)| p == d).unwrap_or(0);
                            return Err(path[from..].iter().map(|&(p, _)| p).collect());
                        }
                        0 => path.push((d, 0)),
                        _ => {}
                    }
                }
                None => {
                    state[n] = 2;
                    order.push(n);
                    path.pop();
                }
            }
        }
    }
    Ok(order)
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
    /// `(database, table)` of the tables its foreign keys reference.
    parents: Vec<(String, String)>,
    /// Read whole in one chunk, at one cut (it references itself, a
    /// cascade can change its copy key, or it is an account table).
    single_cut: bool,
    /// A foreign key's cascade can change the copy key of its rows.
    cascade_moves_key: bool,
    /// One of [`ACCOUNT_TABLES`]: the replica has it already (no CREATE),
    /// and its rows are merged into the replica's.
    account: bool,
    /// Dropped on the master during the copy: no longer copied.
    gone: bool,
}

/// A referential action of a foreign key (`ON UPDATE` / `ON DELETE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FkRule {
    /// `RESTRICT`, `NO ACTION` or none: the child's rows are not changed.
    Keep,
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
}

/// Where the steps a table had left to do were (see
/// [`Scheduler::remove_steps_left`]).
struct StepsLeft {
    /// The first of them.
    first: usize,
    /// Its `Rows` step was among them.
    rows: bool,
}

/// What a foreign key's referential actions can do to its table's copy
/// key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForeignKeyMoves {
    /// `ON UPDATE`.
    pub on_update: FkRule,
    /// `ON DELETE`.
    pub on_delete: FkRule,
    /// A column of the foreign key is part of the table's copy key.
    pub in_copy_key: bool,
}

impl ForeignKeyMoves {
    /// Whether the key's referential actions change child rows when a
    /// parent row is deleted or its key updated (no binlog event says
    /// so).
    pub fn cascades(self) -> bool {
        let changes = |rule| matches!(rule, FkRule::Cascade | FkRule::SetNull | FkRule::SetDefault);
        changes(self.on_update) || changes(self.on_delete)
    }

    /// A key without referential actions that change rows.
    pub const NONE: ForeignKeyMoves = ForeignKeyMoves {
        on_update: FkRule::Keep,
        on_delete: FkRule::Keep,
        in_copy_key: false,
    };

    /// Whether a cascade can change the copy key of a child row (and so
    /// move it across the copy's cursor without a binlog event).
    pub fn moves_copy_key(self) -> bool {
        let changes = |rule| matches!(rule, FkRule::Cascade | FkRule::SetNull | FkRule::SetDefault);
        self.in_copy_key
            && (changes(self.on_update)
                || matches!(self.on_delete, FkRule::SetNull | FkRule::SetDefault))
    }
}

/// FNV-1a, 64 bits: stable across builds and platforms.
pub(crate) struct Fnv(pub(crate) u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub(crate) fn add(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Why a copy cannot go on from where a replica says it stopped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResumeError {
    /// The master's catalog changed since: its plan is another one.
    #[error(
        "the master's databases, tables or objects changed since the copy started, \
         so it cannot go on where it stopped"
    )]
    PlanChanged,
    /// The step is not in the plan.
    #[error("the copy has no step {0}")]
    NoSuchStep(u32),
    /// A cursor for a step that reads no rows.
    #[error("step {0} of the copy reads no rows, yet a key was sent for it")]
    CursorOutsideRows(u32),
    /// A table to copy again at a step that copies no table's rows.
    #[error("step {0} of the copy reads no table's rows, yet it was asked to copy it again")]
    RecopyOutsideRows(u32),
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
    objects: Vec<Object>,
    steps: Vec<Step>,
    next: usize,
    /// The step a resumed copy goes on at once the current `CreateTable`
    /// unit is re-read.
    resume_to: Option<usize>,
    /// The resumed table is copied again: its CREATE is sent, not only
    /// read (see [`Scheduler::resume`]).
    recopy: bool,
    end_sent: bool,
    /// How many rows the next chunk reads (see [`ChunkSize`]).
    chunk_size: ChunkSize,
    progress: Progress,
    checksums: bool,
    /// `LOAD TABLE ... FROM MASTER`: the replica has the databases, so
    /// the plan creates none (see [`Scheduler::tables_only`]).
    tables_only: bool,
}

impl Scheduler {
    /// An empty plan whose row chunks hold at most `chunk_rows` rows (0:
    /// sized toward a time target, see [`crate::chunk_size`]).
    pub fn new(chunk_rows: u32) -> Self {
        Scheduler {
            databases: Vec::new(),
            tables: Vec::new(),
            views: Vec::new(),
            objects: Vec::new(),
            steps: Vec::new(),
            next: 0,
            resume_to: None,
            recopy: false,
            tables_only: false,
            end_sent: false,
            chunk_size: ChunkSize::new(chunk_rows),
            progress: Progress::default(),
            checksums: false,
        }
    }

    /// How many rows the next chunks read, and whether a chunk's read
    /// has gone on too long (a table read whole at one cut is not split
    /// whatever this says).
    pub fn chunk_size(&self) -> ChunkSize {
        self.chunk_size
    }

    /// A chunk read `rows` rows in `elapsed`: the next ones are sized
    /// from that (see [`ChunkSize::chunk_read`]).
    pub fn chunk_read(&mut self, rows: u64, elapsed: Duration) {
        self.chunk_size.chunk_read(rows, elapsed);
    }

    /// Ends the plan with the checksums of the copied tables (call before
    /// [`Scheduler::plan`]).
    pub fn add_checksums(&mut self) {
        self.checksums = true;
    }

    /// Adds a database to copy, with its tables in the order given.  System
    /// schemas are ignored; returns whether the database was added.
    pub fn add_database<S: AsRef<str>>(&mut self, db: &str, tables: &[S]) -> bool {
        if is_system_schema(db) {
            return false;
        }
        let d = self.databases.len();
        self.databases.push(db.to_owned());
        if !self.tables_only {
            self.steps.push(Step::CreateDatabase(d));
        }
        for name in tables {
            let t = self.tables.len();
            self.tables.push(Table {
                db: d,
                name: name.as_ref().to_owned(),
                cursor: None,
                rows_copied: 0,
                parents: Vec::new(),
                single_cut: false,
                cascade_moves_key: false,
                account: false,
                gone: false,
            });
            self.steps.push(Step::CreateTable(t));
            self.steps.push(Step::Rows(t));
            self.steps.push(Step::BuildIndexes(t));
        }
        self.progress.tables_total = self.tables.len() as u64;
        true
    }

    /// Adds the rows of the master's [`ACCOUNT_TABLES`], each read whole
    /// at one cut, after everything else, then a reload of the replica's
    /// privileges.  The tables are not created: the replica has its own,
    /// and the master's rows are written over them by key.
    pub fn add_accounts(&mut self) {
        let d = self.databases.len();
        self.databases.push("mysql".to_owned());
        for name in ACCOUNT_TABLES {
            self.tables.push(Table {
                db: d,
                name: name.to_owned(),
                cursor: None,
                rows_copied: 0,
                parents: Vec::new(),
                single_cut: true,
                cascade_moves_key: false,
                account: true,
                gone: false,
            });
        }
        self.progress.tables_total = self.tables.len() as u64;
    }

    /// Records that a foreign key of `db`.`table` references
    /// `parent_db`.`parent`.  Call it after the databases, before
    /// [`Scheduler::plan`]; keys of tables not copied are ignored.
    ///
    /// `moves` says what the key's referential actions do to the rows
    /// of `table`: when a cascade can change their copy key, `table` is
    /// read whole at one cut.  InnoDB does not binlog cascades; the
    /// replica repeats them on the rows it has, and a row the cascade
    /// moves from beyond the copied range into it (or back) would be
    /// missed between two chunks.
    pub fn add_foreign_key(
        &mut self,
        db: &str,
        table: &str,
        parent_db: &str,
        parent: &str,
        moves: ForeignKeyMoves,
    ) {
        if let Some(t) = self.table_mut(db, table) {
            t.parents.push((parent_db.to_owned(), parent.to_owned()));
            t.cascade_moves_key |= moves.moves_copy_key();
        }
    }

    /// Records that `db`.`table` is copied after `parent_db`.`parent`
    /// (the sequence a DEFAULT of the table calls NEXTVAL() of).
    pub fn add_dependency(&mut self, db: &str, table: &str, parent_db: &str, parent: &str) {
        if let Some(t) = self.table_mut(db, table) {
            t.parents.push((parent_db.to_owned(), parent.to_owned()));
        }
    }

    fn table_mut(&mut self, db: &str, table: &str) -> Option<&mut Table> {
        let databases = &self.databases;
        self.tables
            .iter_mut()
            .find(|t| !t.gone && databases[t.db] == db && t.name == table)
    }

    fn table_index(&self, db: &str, table: &str) -> Option<usize> {
        self.tables
            .iter()
            .position(|t| !t.gone && self.databases[t.db] == db && t.name == table)
    }

    fn database_index(&mut self, db: &str) -> usize {
        match self.databases.iter().position(|d| d == db) {
            Some(d) => d,
            None => {
                self.databases.push(db.to_owned());
                self.databases.len() - 1
            }
        }
    }

    /// Where `db`.`table` stands in the copy, as the replica sees it at
    /// the same place in the stream (see [`crate::ddl_during_copy`]):
    /// `NotCreated` before its CREATE went out (`create_pending`: the
    /// CREATE is read but waits for its place in the binlog), or when the
    /// plan does not copy it; `Created` until its indexes are built;
    /// `Complete` after.
    pub fn table_state(&self, db: &str, table: &str, create_pending: bool) -> TableState {
        let Some(t) = self.table_index(db, table) else {
            return TableState::NotCreated;
        };
        // A table copied again has its steps twice: its last CREATE sent,
        // or to send, counts.
        let Some(create) = self.steps.iter().rposition(|s| *s == Step::CreateTable(t)) else {
            return TableState::NotCreated;
        };
        if self.resume_window_of(t) {
            // The replica has it from the dump that stopped, with rows up
            // to the cursor: the CREATE re-read is not sent.
            return TableState::Created {
                cursor: self.tables[t].cursor.clone(),
            };
        }
        match self.steps.get(self.next) {
            _ if self.next <= create => TableState::NotCreated,
            Some(Step::Rows(c) | Step::BuildIndexes(c)) if *c == t => {
                if create_pending {
                    TableState::NotCreated
                } else {
                    TableState::Created {
                        cursor: self.tables[t].cursor.clone(),
                    }
                }
            }
            _ => TableState::Complete,
        }
    }

    /// Whether table `t` is the one a resumed copy goes on with and its
    /// `CreateTable` unit, read again but not sent, is not done yet (see
    /// [`Scheduler::resume`]): its copy is in progress as the replica sees
    /// it, though the plan stands at its CREATE.  A statement that comes
    /// through the binary log meanwhile must see it so, as the replica
    /// does (found by `scripts/stress-workload.sh`: a table the replica
    /// copied again after a `CREATE INDEX` in that moment, and the master
    /// went on after its cursor; test `copy_resume_window_ddl`: the
    /// re-read waits for a lock while the binary log streams).
    fn resume_window_of(&self, t: usize) -> bool {
        !self.recopy
            && matches!(
                self.resume_to.and_then(|step| self.steps.get(step)),
                Some(Step::Rows(c) | Step::BuildIndexes(c)) if *c == t
            )
            && matches!(self.steps.get(self.next), Some(Step::CreateTable(c)) if *c == t)
    }

    /// Copies `db`.`table` from its first row with its definition as it
    /// is now: the table in progress starts again at its CREATE; a
    /// complete one, or one not in the plan, joins the tables still to
    /// copy, after them (one not in the plan is read whole at one cut:
    /// what its foreign keys do is not known).  Returns whether the unit
    /// to do next changed.
    pub fn copy_table(&mut self, db: &str, table: &str) -> bool {
        let t = match self.table_index(db, table) {
            // The replica merges the account tables' rows: never again.
            Some(t) if self.tables[t].account => return false,
            Some(t) => {
                let create = self.steps.iter().rposition(|s| *s == Step::CreateTable(t));
                let resumed = self.resume_window_of(t);
                let in_progress = resumed
                    || matches!(
                        self.steps.get(self.next),
                        Some(Step::Rows(c) | Step::BuildIndexes(c)) if *c == t
                    );
                match create {
                    // Not started: its copy reads it as it is.
                    Some(create) if create >= self.next && !resumed => return false,
                    Some(create) if in_progress => {
                        // In the resume window the plan stands at its
                        // CREATE already: sent now, not only read.
                        if !resumed {
                            self.next = create;
                        }
                        self.tables[t].cursor = None;
                        self.resume_to = None;
                        return true;
                    }
                    _ => {
                        self.tables[t].cursor = None;
                        self.progress.tables_done = self.progress.tables_done.saturating_sub(1);
                        t
                    }
                }
            }
            None => {
                let d = self.database_index(db);
                self.tables.push(Table {
                    db: d,
                    name: table.to_owned(),
                    cursor: None,
                    rows_copied: 0,
                    parents: Vec::new(),
                    single_cut: true,
                    cascade_moves_key: false,
                    account: false,
                    gone: false,
                });
                self.progress.tables_total += 1;
                self.tables.len() - 1
            }
        };
        let at = self.after_planned_tables();
        self.insert_table_steps(at, t);
        at == self.next
    }

    /// Copies `db`.`table` from its first row, as [`Scheduler::copy_table`],
    /// once `parents` are complete: a statement gave it foreign keys to
    /// them (I5: a child's copy starts once its parents are complete).
    /// The table goes after the tables planned whatever its state: one
    /// not started or in progress leaves its place (its CREATE is sent
    /// again there).  A table among its own parents is read at one cut.
    /// Returns whether the unit to do next changed.
    pub fn copy_table_after(
        &mut self,
        db: &str,
        table: &str,
        parents: &[(String, String)],
    ) -> bool {
        let Some(t) = self.table_index(db, table) else {
            return self.copy_table(db, table);
        };
        for parent in parents {
            if parent.0 == db && parent.1 == table {
                self.tables[t].single_cut = true;
            } else if !self.tables[t].parents.contains(parent) {
                self.tables[t].parents.push(parent.clone());
            }
        }
        let Some(left) = self.remove_steps_left(t) else {
            // Complete: copied again after the others.
            return self.copy_table(db, table);
        };
        self.tables[t].cursor = None;
        let at = self.after_planned_tables();
        self.insert_table_steps(at, t);
        left.first == self.next
    }

    /// Where a table joins the plan: after the steps of every table left
    /// to copy (before the objects and the account tables), so after
    /// every parent it may have among them.
    fn after_planned_tables(&self) -> usize {
        let table_step = |s: &Step| match *s {
            Step::CreateTable(t) | Step::Rows(t) | Step::BuildIndexes(t) => !self.tables[t].account,
            _ => false,
        };
        (self.next..self.steps.len())
            .rfind(|&i| table_step(&self.steps[i]))
            .map_or(self.next, |last| last + 1)
    }

    /// `db`.`table` was dropped: what is left of its copy is not done.
    /// Returns whether the unit to do next changed.
    pub fn forget_table(&mut self, db: &str, table: &str) -> bool {
        let Some(t) = self.table_index(db, table) else {
            return false;
        };
        self.tables[t].gone = true;
        let Some(left) = self.remove_steps_left(t) else {
            return false;
        };
        if left.rows {
            self.progress.tables_total = self.progress.tables_total.saturating_sub(1);
        }
        left.first == self.next
    }

    /// Removes the steps of table `t` still to do, if it has any.
    fn remove_steps_left(&mut self, t: usize) -> Option<StepsLeft> {
        let of_table = |s: &Step| matches!(s, Step::CreateTable(c) | Step::Rows(c) | Step::BuildIndexes(c) if *c == t);
        let next = self.next;
        let first = (next..self.steps.len()).find(|&i| of_table(&self.steps[i]))?;
        let rows = self.steps[first..]
            .iter()
            .any(|s| matches!(s, Step::Rows(c) if *c == t));
        self.remove_steps_after_next(of_table);
        Some(StepsLeft { first, rows })
    }

    /// Removes the steps from the next one on that `remove` selects.  A
    /// resumed copy's step to go on at (`resume_to`) moves with the steps
    /// before it, and is gone with its own: the statement that removed
    /// another table's steps leaves the resumed table's CREATE a re-read,
    /// not sent (the replica has the table with rows up to the cursor; a
    /// `DROP` of another table in that window sent it, and the copy went
    /// on after the cursor in a table the CREATE had emptied: found by
    /// `scripts/stress-workload.sh`).
    fn remove_steps_after_next(&mut self, remove: impl Fn(&Step) -> bool) {
        let next = self.next;
        let resume_to = self.resume_to.take();
        let mut removed_before = 0;
        let mut kept_resume_to = resume_to.is_some();
        let mut i = 0;
        self.steps.retain(|s| {
            let keep = i < next || !remove(s);
            if !keep {
                match resume_to {
                    Some(r) if i < r => removed_before += 1,
                    Some(r) if i == r => kept_resume_to = false,
                    _ => {}
                }
            }
            i += 1;
            keep
        });
        self.resume_to = resume_to
            .filter(|_| kept_resume_to)
            .map(|r| r - removed_before);
    }

    /// Puts table `t`'s steps at `at` (at or after the next step), the
    /// step a resumed copy goes on at moving with them.
    fn insert_table_steps(&mut self, at: usize, t: usize) {
        let steps = [Step::CreateTable(t), Step::Rows(t), Step::BuildIndexes(t)];
        if let Some(r) = self.resume_to.as_mut().filter(|r| at <= **r) {
            *r += steps.len();
        }
        self.steps.splice(at..at, steps);
    }

    /// `from` was renamed `to`: its copy goes on under the new name.
    pub fn rename_table(&mut self, from: (&str, &str), to: (&str, &str)) {
        let d = self.database_index(to.0);
        if let Some(t) = self.table_mut(from.0, from.1) {
            t.db = d;
            to.1.clone_into(&mut t.name);
        }
    }

    /// The database `db` was dropped: none of its tables, views and
    /// objects is copied any more.  Returns whether the unit to do next
    /// changed.
    pub fn forget_database(&mut self, db: &str) -> bool {
        let names: Vec<String> = self
            .tables
            .iter()
            .filter(|t| !t.gone && self.databases[t.db] == db)
            .map(|t| t.name.clone())
            .collect();
        let mut changed = false;
        for name in names {
            changed |= self.forget_table(db, &name);
        }
        let next = self.next;
        let before = self.steps.len();
        let views: Vec<bool> = self.views.iter().map(|v| v.db == db).collect();
        let objects: Vec<bool> = self.objects.iter().map(|o| o.db == db).collect();
        let databases: Vec<bool> = self.databases.iter().map(|d| d == db).collect();
        self.remove_steps_after_next(|s| match s {
            Step::CreateView(v) => views[*v],
            Step::CreateObject(o) => objects[*o],
            Step::CreateDatabase(d) => databases[*d],
            _ => false,
        });
        changed || (before != self.steps.len() && self.steps.get(next).is_some())
    }

    /// A copy of some tables into a replica that has their databases
    /// (`LOAD TABLE ... FROM MASTER`): no database is created or altered.
    /// Before any database is added.
    pub fn tables_only(&mut self) {
        self.tables_only = true;
    }

    /// Adds a routine, trigger or event; returns its number (see
    /// [`Unit::CreateObject`]).  Triggers are created in the order added,
    /// which must be each table's trigger order.  Objects of system
    /// schemas are ignored (`None`).
    pub fn add_object(&mut self, kind: ObjectKind, db: &str, name: &str) -> Option<usize> {
        if is_system_schema(db) {
            return None;
        }
        self.objects.push(Object {
            kind,
            db: db.to_owned(),
            name: name.to_owned(),
        });
        Some(self.objects.len() - 1)
    }

    /// Orders the whole copy, once everything is added: the manifest of
    /// what it takes, the databases,
    /// then each table (its CREATE and rows) after the tables it
    /// references, then routines, views (after the views they read),
    /// triggers and events.  A table that references itself is read at a
    /// single cut (one chunk): chunks of it could miss a cascade or a
    /// check between its rows.  Views of system schemas are ignored.
    pub fn plan(&mut self, views: Vec<View>) -> Result<(), PlanError> {
        let table_order = self.table_order()?;
        let mut steps = vec![Step::Manifest];
        steps.extend(
            (0..self.databases.len())
                .filter(|&d| !self.tables_only && !is_system_schema(&self.databases[d]))
                .map(Step::CreateDatabase),
        );
        let (accounts, tables): (Vec<usize>, Vec<usize>) = table_order
            .into_iter()
            .partition(|&t| self.tables[t].account);
        for t in tables {
            steps.push(Step::CreateTable(t));
            steps.push(Step::Rows(t));
            steps.push(Step::BuildIndexes(t));
        }
        steps.push(Step::Objects);
        steps.extend(self.object_steps(views)?);
        if !accounts.is_empty() {
            steps.extend(accounts.into_iter().map(Step::Rows));
            steps.push(Step::ReloadAccounts);
        }
        if self.checksums {
            steps.push(Step::Checksums);
        }
        self.steps = steps;
        Ok(())
    }

    /// The steps that create the routines, the views (after the views
    /// they read), the triggers and the events; keeps `views`.
    fn object_steps(&mut self, views: Vec<View>) -> Result<Vec<Step>, PlanError> {
        let mut views: Vec<View> = views
            .into_iter()
            .filter(|v| !is_system_schema(&v.db))
            .collect();
        views.sort_by(|a, b| (&a.db, &a.name).cmp(&(&b.db, &b.name)));
        let view_index = |db: &str, name: &str| {
            views
                .binary_search_by(|v| (v.db.as_str(), v.name.as_str()).cmp(&(db, name)))
                .ok()
        };
        let view_deps: Vec<Vec<usize>> = views
            .iter()
            .map(|v| {
                v.reads
                    .iter()
                    .filter_map(|(db, name)| view_index(db, name))
                    .collect()
            })
            .collect();
        let view_order = dependency_order(&view_deps).map_err(|circle| {
            ViewCycle(
                circle
                    .iter()
                    .map(|&v| format!("`{}`.`{}`", views[v].db, views[v].name))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })?;
        let mut routines: Vec<usize> = (0..self.objects.len())
            .filter(|&o| self.objects[o].kind.is_routine())
            .collect();
        routines.sort_by_key(|&o| self.objects[o].kind);
        let objects = &self.objects;
        let of_kind = |kind| {
            (0..objects.len())
                .filter(move |&o| objects[o].kind == kind)
                .map(Step::CreateObject)
                .collect::<Vec<_>>()
        };
        let mut steps: Vec<Step> = routines.into_iter().map(Step::CreateObject).collect();
        steps.extend(view_order.into_iter().map(Step::CreateView));
        steps.extend(of_kind(ObjectKind::Trigger));
        steps.extend(of_kind(ObjectKind::Event));
        self.views = views;
        Ok(steps)
    }

    /// Whether the copy is past its tables: the `Objects` unit is sent,
    /// and the master's DDL of views, routines, triggers and events
    /// applies on the replica from there.
    pub fn objects_begun(&self) -> bool {
        self.objects_step().is_none_or(|i| i < self.next)
    }

    /// The index of the `Objects` step.
    fn objects_step(&self) -> Option<usize> {
        self.steps.iter().position(|s| *s == Step::Objects)
    }

    /// Whether the current unit is the `Objects` unit or creates an
    /// object, and the step after it creates none: the replica has every
    /// object once it applied the unit (see [`crate::protocol::OBJECTS_DONE_NOTE`]).
    pub fn objects_end_with_current(&self) -> bool {
        let current = self.steps.get(self.next);
        (current == Some(&Step::Objects) || creates_object(current))
            && !creates_object(self.steps.get(self.next + 1))
    }

    /// Forgets the routines, triggers and events, to be added again as
    /// the master has them now (at the `Objects` unit, before
    /// [`Scheduler::replan_objects`]).
    pub fn reset_objects(&mut self) {
        self.objects.clear();
    }

    /// At the `Objects` unit: the objects to create are the ones added
    /// since [`Scheduler::reset_objects`], and `views`.
    pub fn replan_objects(&mut self, views: Vec<View>) -> Result<(), PlanError> {
        if self.steps.get(self.next) != Some(&Step::Objects) {
            return Ok(());
        }
        let steps = self.object_steps(views)?;
        let next = self.next;
        let mut i = 0;
        self.steps.retain(|s| {
            let keep = i <= next || !creates_object(Some(s));
            i += 1;
            keep
        });
        self.steps.splice(next + 1..next + 1, steps);
        Ok(())
    }

    /// Tables in the order of the copy: each after those it references.
    fn table_order(&mut self) -> Result<Vec<usize>, PlanError> {
        let databases = &self.databases;
        let index = |db: &str, name: &str| {
            self.tables
                .iter()
                .position(|t| databases[t.db] == db && t.name == name)
        };
        let mut deps = Vec::with_capacity(self.tables.len());
        let mut single_cut = Vec::with_capacity(self.tables.len());
        for (t, table) in self.tables.iter().enumerate() {
            let mut parents: Vec<usize> = table
                .parents
                .iter()
                .filter_map(|(db, name)| index(db, name))
                .collect();
            single_cut.push(parents.contains(&t) || table.cascade_moves_key);
            parents.retain(|&p| p != t);
            deps.push(parents);
        }
        for (table, single) in self.tables.iter_mut().zip(single_cut) {
            table.single_cut = single || table.account;
        }
        dependency_order(&deps).map_err(|circle| {
            PlanError::ForeignKeyCycle(
                circle
                    .iter()
                    .map(|&t| {
                        let t = &self.tables[t];
                        format!("`{}`.`{}`", self.databases[t.db], t.name)
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
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
                    max_rows: if table.single_cut {
                        u32::MAX
                    } else {
                        self.chunk_size.rows()
                    },
                }
            }
            Some(Step::BuildIndexes(t)) => Unit::BuildIndexes {
                db: &self.databases[self.tables[*t].db],
                table: &self.tables[*t].name,
            },
            Some(Step::CreateView(v)) => Unit::CreateView {
                db: &self.views[*v].db,
                view: &self.views[*v].name,
            },
            Some(Step::CreateObject(o)) => Unit::CreateObject {
                kind: self.objects[*o].kind,
                db: &self.objects[*o].db,
                name: &self.objects[*o].name,
                index: *o,
            },
            Some(Step::Manifest) => Unit::Manifest,
            Some(Step::Objects) => Unit::Objects,
            Some(Step::ReloadAccounts) => Unit::ReloadAccounts,
            Some(Step::Checksums) => Unit::Checksums,
            None if self.end_sent => Unit::Finished,
            None => Unit::End,
        }
    }

    /// Reports the current `CreateDatabase`, `CreateTable`, `BuildIndexes`, `CreateView`,
    /// `CreateObject`, `Manifest`, `ReloadAccounts` or `Checksums` unit
    /// sent.
    ///
    /// # Panics
    /// If the current unit is not a CREATE: a caller bug that would send
    /// rows or the end marker out of order.
    pub fn ddl_sent(&mut self) {
        assert!(
            matches!(
                self.steps.get(self.next),
                Some(
                    Step::CreateDatabase(_)
                        | Step::CreateTable(_)
                        | Step::BuildIndexes(_)
                        | Step::CreateView(_)
                        | Step::CreateObject(_)
                        | Step::Manifest
                        | Step::Objects
                        | Step::ReloadAccounts
                        | Step::Checksums
                )
            ),
            "ddl_sent() while the current unit is {:?}",
            self.next_unit()
        );
        self.next = match self.resume_to.take() {
            Some(step) => step,
            None => self.next + 1,
        };
        self.recopy = false;
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

    /// Where the copy stands once the current unit is sent, for the
    /// replica to record with it (see [`ResumePoint`]): the next step, or
    /// this one again after `cursor` when it is a `Rows` step that goes
    /// on.
    pub fn resume_point(&self, cursor: Option<&[u8]>) -> ResumePoint {
        match (self.steps.get(self.next), cursor) {
            (Some(Step::Rows(_)), Some(key)) => ResumePoint {
                plan: self.fingerprint(),
                step: self.next as u32,
                cursor: Some(key.to_vec()),
            },
            _ => ResumePoint {
                plan: self.fingerprint(),
                step: (self.next + 1) as u32,
                cursor: None,
            },
        }
    }

    /// Where the copy stands between two units, for a group that ends
    /// none (see `DumpSession::moved_point`): the next step, after its
    /// table's cursor when it is a `Rows` step under way.  A resumed copy
    /// re-reading a CREATE it does not send stands at the step it goes on
    /// with (the replica has the table, with rows up to the cursor); one
    /// that sends it again (a copy again) stands at that CREATE.
    pub fn current_point(&self) -> ResumePoint {
        let step = match self.resume_to {
            Some(step) if !self.recopy => step,
            _ => self.next,
        };
        let cursor = match self.steps.get(step) {
            Some(Step::Rows(t)) => self.tables[*t].cursor.clone(),
            _ => None,
        };
        ResumePoint {
            plan: self.fingerprint(),
            step: step as u32,
            cursor,
        }
    }

    /// Identifies the plan: the kind and the names of every step, in
    /// order (FNV-1a).  Two dumps of a master whose catalog did not change
    /// make the same plan, so a step number of one means the same in the
    /// other.
    pub fn fingerprint(&self) -> u64 {
        let mut hash = Fnv::default();
        for step in &self.steps {
            let (tag, names): (u8, Vec<&str>) = match step {
                Step::Manifest => (0, vec![]),
                Step::Objects => (22, vec![]),
                Step::CreateDatabase(d) => (1, vec![&self.databases[*d]]),
                Step::CreateTable(t) => (2, self.table_names(*t)),
                Step::Rows(t) => (3, self.table_names(*t)),
                Step::BuildIndexes(t) => (4, self.table_names(*t)),
                Step::CreateView(v) => (5, vec![&self.views[*v].db, &self.views[*v].name]),
                Step::CreateObject(o) => {
                    let o = &self.objects[*o];
                    (6 + o.kind as u8, vec![&o.db, &o.name])
                }
                Step::ReloadAccounts => (20, vec![]),
                Step::Checksums => (21, vec![]),
            };
            hash.add(&[tag]);
            for name in names {
                hash.add(name.as_bytes());
                hash.add(&[0]);
            }
        }
        hash.0
    }

    fn table_names(&self, t: usize) -> Vec<&str> {
        vec![&self.databases[self.tables[t].db], &self.tables[t].name]
    }

    /// Goes on from `point`, where an earlier dump of this plan stopped.
    /// A `Rows` or `BuildIndexes` step of a table whose CREATE was sent
    /// before is taken up at its `CreateTable` step, which the caller
    /// reads again but does not send (see [`Scheduler::resumed_create`]):
    /// it tells what the CREATE left out.
    ///
    /// With `recopy`, the step is the `Rows` step of a table the replica
    /// dropped to copy it again (a DDL changed it during its copy): its
    /// `CreateTable` step is sent, and its rows from the first.
    pub fn resume(&mut self, point: &ResumePoint, recopy: bool) -> Result<(), ResumeError> {
        if point.plan != self.fingerprint() {
            return Err(ResumeError::PlanChanged);
        }
        let step = point.step as usize;
        if recopy && !matches!(self.steps.get(step), Some(Step::Rows(_))) {
            return Err(ResumeError::RecopyOutsideRows(point.step));
        }
        self.recopy = recopy;
        let table = match (self.steps.get(step), &point.cursor) {
            (Some(Step::Rows(t)), _) if recopy => {
                self.tables[*t].cursor = None;
                Some(*t)
            }
            (None, _) if step == self.steps.len() => None,
            (None, _) => return Err(ResumeError::NoSuchStep(point.step)),
            (Some(Step::Rows(t)), cursor) => {
                self.tables[*t].cursor.clone_from(cursor);
                Some(*t)
            }
            (Some(Step::BuildIndexes(t)), None) => Some(*t),
            (Some(_), None) => None,
            (Some(_), Some(_)) => return Err(ResumeError::CursorOutsideRows(point.step)),
        };
        // A copy stopped among its objects sends them all again from its
        // Objects unit: this dump reads them as they are now, and sends
        // the master's statements since the replica's position first,
        // which the replica could not apply with part of the objects (a
        // DROP of one it does not have yet, a CREATE ... IF NOT EXISTS
        // of one the master has elsewhere).  Before that unit both ends
        // take the master's DDL of objects as before the objects; the
        // replica knows the copy stopped there (it had not applied the
        // note of the objects' end, OBJECTS_DONE_NOTE).
        let step = if creates_object(self.steps.get(step)) {
            self.objects_step()
                .expect("object steps follow the Objects step")
        } else {
            step
        };
        self.progress.tables_done = self.steps[..step]
            .iter()
            .filter(|s| matches!(s, Step::Rows(_)))
            .count() as u64;
        self.next = step;
        self.resume_to = None;
        if let Some(t) = table.filter(|&t| !self.tables[t].account) {
            // A table copied again has its steps twice: the CREATE of the
            // copy the step belongs to.
            let create = self.steps[..step]
                .iter()
                .rposition(|s| matches!(s, Step::CreateTable(c) if *c == t))
                .expect("every copied table has a CreateTable step before its rows");
            self.resume_to = Some(step);
            self.next = create;
        }
        Ok(())
    }

    /// Takes the plan of `earlier`, a plan of the same copy as its replica
    /// last heard of it (see [`crate::plan_cache`]): its databases, tables,
    /// views, objects and steps, not this one's settings (chunk size,
    /// checksums, `LOAD TABLE`).  Then [`Scheduler::resume`].
    pub fn adopt_plan(&mut self, earlier: Scheduler) {
        self.databases = earlier.databases;
        // The plan, not how far the dump that remembered it had got: a
        // fingerprint names the steps, and a dump remembers a plan again
        // each time its DDL comes back to the same steps (a table created
        // and dropped again), with the cursors of that moment.  A table
        // after the replica's point starts from its first row, as in a
        // plan made from the catalog; the point sets its own table's.
        self.tables = earlier
            .tables
            .into_iter()
            .map(|table| Table {
                cursor: None,
                rows_copied: 0,
                ..table
            })
            .collect();
        self.views = earlier.views;
        self.objects = earlier.objects;
        self.steps = earlier.steps;
        self.progress = Progress {
            rows_copied: 0,
            ..earlier.progress
        };
        self.next = 0;
        self.resume_to = None;
        self.recopy = false;
        self.end_sent = false;
    }

    /// Whether the objects are still to send from `step`: it is the
    /// `Objects` unit or comes before it (after it the plan's objects are
    /// the ones read there), or among the object steps, which a copy
    /// taken up there sends again from that unit (see
    /// [`Scheduler::resume`]).
    pub fn objects_to_send(&self, step: u32) -> bool {
        let step = step as usize;
        self.objects_step().is_some_and(|objects| step <= objects)
            || creates_object(self.steps.get(step))
    }

    /// The tables whose steps from `step` on are still to do (master's
    /// names), account tables left out.
    pub fn tables_left(&self, step: u32) -> Vec<(String, String)> {
        let mut left: Vec<(String, String)> = self
            .steps
            .iter()
            .skip(step as usize)
            .filter_map(|s| match *s {
                Step::CreateTable(t) | Step::Rows(t) | Step::BuildIndexes(t)
                    if !self.tables[t].account =>
                {
                    Some((
                        self.databases[self.tables[t].db].clone(),
                        self.tables[t].name.clone(),
                    ))
                }
                _ => None,
            })
            .collect();
        left.sort();
        left.dedup();
        left
    }

    /// About how many bytes the plan holds (names, steps, cursors).
    pub fn approx_bytes(&self) -> usize {
        // Two names and their allocations.
        let pairs = |names: &[(String, String)]| -> usize {
            names.iter().map(|(d, n)| d.len() + n.len() + 48).sum()
        };
        let databases: usize = self.databases.iter().map(|d| d.len() + 24).sum();
        let tables: usize = self
            .tables
            .iter()
            .map(|t| {
                std::mem::size_of::<Table>()
                    + t.name.len()
                    + t.cursor.as_ref().map_or(0, Vec::len)
                    + pairs(&t.parents)
            })
            .sum();
        let views: usize = self
            .views
            .iter()
            .map(|v| std::mem::size_of::<View>() + v.db.len() + v.name.len() + pairs(&v.reads))
            .sum();
        let objects: usize = self
            .objects
            .iter()
            .map(|o| std::mem::size_of::<Object>() + o.db.len() + o.name.len())
            .sum();
        databases + tables + views + objects + self.steps.len() * std::mem::size_of::<Step>()
    }

    /// Whether the current `CreateTable` unit only re-reads a definition
    /// the replica already has (see [`Scheduler::resume`]).
    pub fn resumed_create(&self) -> bool {
        self.resume_to.is_some() && !self.recopy
    }

    /// How far the copy is.
    pub fn progress(&self) -> Progress {
        self.progress
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ResumePoint;

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
                Unit::Manifest | Unit::Objects => s.ddl_sent(),
                Unit::End => return out,
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    /// A resumed dump at the CREATE of `d`.`b`, read again, not sent.
    fn assert_rereads_create_of_b(r: &Scheduler) {
        assert_eq!(
            r.next_unit(),
            Unit::CreateTable {
                db: "d",
                table: "b"
            }
        );
        assert!(r.resumed_create());
    }

    /// A replica's point in the rows of `d`.`b`, after key 7.
    fn point_in_rows_of_b(s: &Scheduler) -> ResumePoint {
        let rows_b = s
            .steps
            .iter()
            .position(|st| matches!(st, Step::Rows(t) if s.tables[*t].name == "b"))
            .unwrap();
        ResumePoint {
            plan: s.fingerprint(),
            step: rows_b as u32,
            cursor: Some(vec![7]),
        }
    }

    #[test]
    fn a_statement_in_the_resume_window_sees_the_table_in_progress_as_the_replica_does() {
        let mut s = Scheduler::new(10);
        s.add_database("d", &["a", "b"]);
        s.plan(Vec::new()).unwrap();
        let point = point_in_rows_of_b(&s);
        let mut r = s.clone();
        r.resume(&point, false).unwrap();
        assert_rereads_create_of_b(&r);
        // As the replica has it: created, copied up to the cursor.
        assert_eq!(
            r.table_state("d", "b", false),
            TableState::Created {
                cursor: Some(vec![7])
            }
        );
        assert_eq!(r.table_state("d", "a", false), TableState::Complete);
        // A DDL on it then copies it again from its CREATE, sent this time.
        assert!(r.copy_table("d", "b"));
        assert_eq!(
            r.next_unit(),
            Unit::CreateTable {
                db: "d",
                table: "b"
            }
        );
        assert!(!r.resumed_create());
        r.ddl_sent();
        assert!(matches!(
            r.next_unit(),
            Unit::Rows {
                table: "b",
                after: None,
                ..
            }
        ));

        // A resume that copies the table again already sends its CREATE.
        let mut again = s.clone();
        again.resume(&point, true).unwrap();
        assert!(!again.resumed_create());
        assert_eq!(again.table_state("d", "b", false), TableState::NotCreated);
    }

    #[test]
    fn another_tables_ddl_in_the_resume_window_leaves_the_create_a_re_read() {
        let mut s = Scheduler::new(10);
        s.add_database("d", &["a", "b", "c", "e"]);
        s.add_database("o", &["t"]);
        s.plan(Vec::new()).unwrap();
        let point = point_in_rows_of_b(&s);
        let mut r = s.clone();
        r.resume(&point, false).unwrap();
        // Each statement the binary log may bring in the window, none of
        // them about `b`: a table dropped, one created, a foreign key
        // added to a table not copied yet, a database dropped.
        assert!(!r.forget_table("d", "c"));
        assert!(!r.copy_table("d", "new"));
        r.copy_table_after("d", "e", &[("d".into(), "a".into())]);
        assert!(!r.forget_database("o"));
        assert_rereads_create_of_b(&r);
        assert_eq!(
            r.table_state("d", "b", false),
            TableState::Created {
                cursor: Some(vec![7])
            }
        );
        assert_eq!(r.current_point().cursor, Some(vec![7]));
        // The CREATE only re-read: the rows go on after the cursor.
        r.ddl_sent();
        assert_eq!(
            r.next_unit(),
            Unit::Rows {
                db: "d",
                table: "b",
                after: Some(&[7][..]),
                max_rows: 10,
            }
        );
    }

    #[test]
    fn checksums_come_last_when_asked_for() {
        let mut s = Scheduler::new(10);
        s.add_database("d", &["t"]);
        s.add_checksums();
        s.plan(Vec::new()).unwrap();
        let log = run(&mut s, &[3]);
        let tail: Vec<&str> = log.iter().rev().take(3).rev().map(String::as_str).collect();
        assert_eq!(tail, ["Checksums", "End", "Finished"]);
    }

    #[test]
    fn views_come_after_the_views_they_read_whatever_their_names() {
        let mut s = Scheduler::new(10);
        s.plan(vec![
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
        s.plan(vec![view("d", "v", &[("d", "t")])]).unwrap();
        run(&mut s, &[0]);
        let mut s = Scheduler::new(10);
        s.add_database("d", &["t"]);
        s.plan(vec![view("d", "v", &[("d", "t")])]).unwrap();
        assert_eq!(s.next_unit(), Unit::Manifest);
        s.ddl_sent();
        assert!(matches!(s.next_unit(), Unit::CreateDatabase { .. }));
        s.ddl_sent();
        s.ddl_sent();
        s.rows_sent(0, None, true);
        assert_eq!(
            s.next_unit(),
            Unit::BuildIndexes {
                db: "d",
                table: "t"
            }
        );
        s.ddl_sent();
        assert_eq!(s.next_unit(), Unit::Objects);
        assert!(!s.objects_begun());
        s.ddl_sent();
        assert!(s.objects_begun());
        assert_eq!(s.next_unit(), Unit::CreateView { db: "d", view: "v" });
    }

    #[test]
    fn the_plan_follows_tables_created_dropped_and_renamed() {
        let mut s = Scheduler::new(10);
        s.add_database("d", &["a", "b", "c"]);
        s.plan(Vec::new()).unwrap();
        // Manifest, CREATE DATABASE, CREATE of `a`: `a` in progress.
        for _ in 0..3 {
            s.ddl_sent();
        }
        assert_eq!(
            s.table_state("d", "a", false),
            TableState::Created { cursor: None }
        );
        assert_eq!(s.table_state("d", "a", true), TableState::NotCreated);
        assert_eq!(s.table_state("d", "b", false), TableState::NotCreated);
        // `b` dropped before its copy, `c` renamed, `n` created.
        assert!(!s.forget_table("d", "b"));
        s.rename_table(("d", "c"), ("e", "c2"));
        assert!(!s.copy_table("d", "n"));
        assert_eq!(s.progress().tables_total, 3);
        // `a` changed during its copy: from its CREATE again.
        s.rows_sent(5, Some(vec![5]), false);
        assert!(s.copy_table("d", "a"));
        assert_eq!(
            s.next_unit(),
            Unit::CreateTable {
                db: "d",
                table: "a"
            }
        );
        s.ddl_sent();
        assert!(matches!(s.next_unit(), Unit::Rows { after: None, .. }));
        s.rows_sent(1, None, true);
        s.ddl_sent();
        assert_eq!(s.table_state("d", "a", false), TableState::Complete);
        let mut order = Vec::new();
        loop {
            match s.next_unit() {
                Unit::CreateTable { db, table } => order.push(format!("{db}.{table}")),
                Unit::Rows { max_rows, .. } => {
                    // A table created during the copy: read at one cut.
                    assert_eq!(max_rows == u32::MAX, order.last().unwrap() == "d.n");
                    s.rows_sent(0, None, true);
                    continue;
                }
                Unit::End => break,
                _ => {}
            }
            s.ddl_sent();
        }
        assert_eq!(order, ["e.c2", "d.n"]);
    }

    #[test]
    fn the_objects_are_planned_again_at_their_unit() {
        let mut s = Scheduler::new(10);
        s.add_database("d", &["t"]);
        s.add_object(ObjectKind::Procedure, "d", "p");
        s.plan(Vec::new()).unwrap();
        while s.next_unit() != Unit::Objects {
            match s.next_unit() {
                Unit::Rows { .. } => s.rows_sent(0, None, true),
                _ => s.ddl_sent(),
            }
        }
        s.reset_objects();
        s.add_object(ObjectKind::Function, "d", "f");
        s.replan_objects(vec![View {
            db: "d".into(),
            name: "v".into(),
            reads: vec![],
        }])
        .unwrap();
        s.ddl_sent();
        assert!(matches!(
            s.next_unit(),
            Unit::CreateObject { name: "f", .. }
        ));
        s.ddl_sent();
        assert_eq!(s.next_unit(), Unit::CreateView { db: "d", view: "v" });
        s.ddl_sent();
        assert_eq!(s.next_unit(), Unit::End);
    }

    #[test]
    fn views_in_a_circle_are_refused() {
        let mut s = Scheduler::new(10);
        let err = s
            .plan(vec![
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
                | Unit::CreateView { .. }
                | Unit::CreateObject { .. }
                | Unit::Manifest
                | Unit::ReloadAccounts
                | Unit::Checksums => s.ddl_sent(),
                Unit::BuildIndexes { .. } | Unit::Objects => {
                    log.pop();
                    s.ddl_sent();
                }
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
    fn accounts_come_last_whole_and_without_a_create() {
        let mut s = Scheduler::new(2);
        s.add_accounts();
        s.add_database("d", &["t"]);
        s.add_object(ObjectKind::Event, "d", "e");
        s.plan(Vec::new()).unwrap();
        let mut rows = vec![3, 5];
        rows.extend([0; ACCOUNT_TABLES.len() - 1]);
        let log = run(&mut s, &rows);
        assert_eq!(log[0], "Manifest");
        let tail: Vec<&str> = log.iter().map(String::as_str).skip(5).collect();
        let mut expected: Vec<String> =
            vec![r#"CreateObject { kind: Event, db: "d", name: "e", index: 0 }"#.to_owned()];
        expected.extend(ACCOUNT_TABLES.iter().map(|t| {
            format!(r#"Rows {{ db: "mysql", table: "{t}", after: None, max_rows: 4294967295 }}"#)
        }));
        expected.extend(["ReloadAccounts", "End", "Finished"].map(str::to_owned));
        assert_eq!(tail, expected);
        assert!(!log
            .iter()
            .any(|l| l.contains("CreateDatabase { db: \"mysql\"")));
        assert_eq!(s.progress().tables_total, 1 + ACCOUNT_TABLES.len() as u64);
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
        assert!(matches!(s.next_unit(), Unit::BuildIndexes { .. }));
        s.ddl_sent();
        assert_eq!(s.next_unit(), Unit::End);
        assert_eq!(s.progress().rows_copied, 5);
    }

    /// The tables in the order their CREATEs come, and whether each is
    /// read at one cut, from the next unit to the end.
    fn tables_left(s: &mut Scheduler) -> Vec<(String, bool)> {
        let mut order: Vec<(String, bool)> = Vec::new();
        loop {
            match s.next_unit() {
                Unit::CreateTable { db, table } => order.push((format!("{db}.{table}"), false)),
                Unit::Rows { max_rows, .. } => {
                    order.last_mut().unwrap().1 = max_rows == u32::MAX;
                    s.rows_sent(0, None, true);
                    continue;
                }
                Unit::End | Unit::Finished => return order,
                _ => {}
            }
            s.ddl_sent();
        }
    }

    #[test]
    fn a_table_given_a_foreign_key_is_copied_after_its_parents() {
        let names = |order: Vec<(String, bool)>| -> Vec<String> {
            order.into_iter().map(|(t, _)| t).collect()
        };
        let parent = [("d".to_owned(), "z".to_owned())];
        let three_tables = || {
            let mut s = Scheduler::new(10);
            s.add_database("d", &["a", "m", "z"]);
            s.plan(Vec::new()).unwrap();
            s
        };
        let at_m = |s: &mut Scheduler| {
            advance_to(
                s,
                &Unit::CreateTable {
                    db: "d",
                    table: "m",
                },
            )
        };
        // `m` not started, its new parent `z` after it in the plan.
        let mut t = three_tables();
        assert!(
            !t.copy_table_after("d", "m", &parent),
            "the next unit is the manifest"
        );
        assert_eq!(names(tables_left(&mut t)), ["d.a", "d.z", "d.m"]);

        // `m` in progress: it starts again after `z`.
        let mut s = three_tables();
        at_m(&mut s);
        s.ddl_sent();
        s.rows_sent(5, Some(vec![5]), false);
        assert!(s.copy_table_after("d", "m", &parent));
        assert_eq!(s.table_state("d", "m", false), TableState::NotCreated);
        assert_eq!(names(tables_left(&mut s)), ["d.z", "d.m"]);
        assert_eq!(s.progress().tables_total, 3);

        // `a` complete: copied again after `z`; `m` references itself:
        // read at one cut.
        let mut s = three_tables();
        at_m(&mut s);
        assert!(!s.copy_table_after("d", "a", &parent));
        assert!(s.copy_table_after("d", "m", &[("d".to_owned(), "m".to_owned())]));
        assert_eq!(
            tables_left(&mut s),
            [
                ("d.z".to_owned(), false),
                ("d.a".to_owned(), false),
                ("d.m".to_owned(), true)
            ]
        );
    }

    fn two_tables() -> Scheduler {
        let mut s = Scheduler::new(2);
        s.add_database("d", &["a", "b"]);
        s.plan(Vec::new()).unwrap();
        s
    }

    /// Sends units until `stop` is the next one.
    fn advance_to(s: &mut Scheduler, stop: &Unit<'_>) {
        while s.next_unit() != *stop {
            match s.next_unit() {
                Unit::Rows { .. } => s.rows_sent(1, None, true),
                Unit::End | Unit::Finished => panic!("never reached {stop:?}"),
                _ => s.ddl_sent(),
            }
        }
    }

    /// The resume point once `unit` of [`two_tables`] is sent.
    fn point_after(unit: &Unit<'_>) -> ResumePoint {
        let mut s = two_tables();
        advance_to(&mut s, unit);
        s.resume_point(None)
    }

    /// A new dump of [`two_tables`] that resumes after `unit`.
    fn resumed_after(unit: &Unit<'_>) -> Scheduler {
        let mut r = two_tables();
        r.resume(&point_after(unit), false).unwrap();
        r
    }

    #[test]
    fn a_table_copied_again_has_its_create_sent_and_its_rows_from_the_first() {
        let mut s = two_tables();
        advance_to(
            &mut s,
            &Unit::CreateTable {
                db: "d",
                table: "b",
            },
        );
        s.ddl_sent();
        s.rows_sent(2, Some(vec![2]), false);
        let point = s.resume_point(Some(&[4]));

        let mut r = two_tables();
        r.resume(&point, true).unwrap();
        assert_eq!(
            r.next_unit(),
            Unit::CreateTable {
                db: "d",
                table: "b"
            }
        );
        assert!(!r.resumed_create(), "the CREATE is sent");
        r.ddl_sent();
        assert!(matches!(
            r.next_unit(),
            Unit::Rows {
                db: "d",
                table: "b",
                after: None,
                ..
            }
        ));
        // Only a table's rows can be copied again.
        let mut t = two_tables();
        let manifest = ResumePoint {
            cursor: None,
            step: 0,
            ..point
        };
        assert_eq!(
            t.resume(&manifest, true),
            Err(ResumeError::RecopyOutsideRows(0))
        );
    }

    #[test]
    fn a_copy_stopped_among_its_objects_sends_them_all_again() {
        let plan = || {
            let mut s = Scheduler::new(10);
            s.add_database("d", &["t"]);
            s.add_object(ObjectKind::Procedure, "d", "p");
            s.add_object(ObjectKind::Trigger, "d", "tr1");
            s.add_object(ObjectKind::Trigger, "d", "tr2");
            s.plan(Vec::new()).unwrap();
            s
        };
        let mut s = plan();
        advance_to(&mut s, &Unit::Objects);
        // The note of the objects' end goes with the last one only.
        assert!(!s.objects_end_with_current());
        s.ddl_sent();
        let mut ends = Vec::new();
        while let Unit::CreateObject { name, .. } = s.next_unit() {
            ends.push((name.to_owned(), s.objects_end_with_current()));
            if name == "tr1" {
                // The replica stopped here: tr1 is still to create.
                let mut r = plan();
                r.resume(&s.current_point(), false).unwrap();
                assert_eq!(r.next_unit(), Unit::Objects);
                assert!(!r.objects_begun());
                assert!(r.objects_to_send(r.current_point().step));
                // After tr1: tr2 is still to create, and so the objects.
                let mut r = plan();
                r.resume(&s.resume_point(None), false).unwrap();
                assert_eq!(r.next_unit(), Unit::Objects);
            }
            s.ddl_sent();
        }
        assert_eq!(
            ends,
            [
                ("p".to_owned(), false),
                ("tr1".to_owned(), false),
                ("tr2".to_owned(), true)
            ]
        );
        // After the last object: none is sent again.
        let point = s.current_point();
        assert!(!s.objects_to_send(point.step));
        let mut r = plan();
        r.resume(&point, false).unwrap();
        assert_eq!(r.next_unit(), Unit::End);

        // No object: the Objects unit ends them.
        let mut s = Scheduler::new(10);
        s.add_database("d", &["t"]);
        s.plan(Vec::new()).unwrap();
        advance_to(&mut s, &Unit::Objects);
        assert!(s.objects_end_with_current());
    }

    #[test]
    fn a_copy_resumes_at_the_step_and_key_its_last_group_noted() {
        let mut s = two_tables();
        advance_to(
            &mut s,
            &Unit::CreateTable {
                db: "d",
                table: "b",
            },
        );
        s.ddl_sent();
        s.rows_sent(2, Some(vec![2]), false);
        let point = s.resume_point(Some(&[4]));
        assert_eq!(point.cursor.as_deref(), Some(&[4u8][..]));

        // A new dump of the same plan: b's CREATE is read again, not
        // sent, then its rows go on after key 4.
        let mut r = two_tables();
        r.resume(&point, false).unwrap();
        assert_rereads_create_of_b(&r);
        r.ddl_sent();
        assert!(!r.resumed_create());
        assert_eq!(
            r.next_unit(),
            Unit::Rows {
                db: "d",
                table: "b",
                after: Some(&[4]),
                max_rows: 2
            }
        );
        assert_eq!(r.progress().tables_done, 1);

        // After a DDL unit: the next step, with no CREATE read again.
        let r = resumed_after(&Unit::CreateDatabase { db: "d" });
        assert_eq!(
            r.next_unit(),
            Unit::CreateTable {
                db: "d",
                table: "a"
            }
        );
        assert!(!r.resumed_create());

        // After a table's indexes: the next table's CREATE.
        let point = point_after(&Unit::BuildIndexes {
            db: "d",
            table: "a",
        });
        assert_eq!(point.step, 5, "after a's indexes: b's CREATE");

        // After a table's last chunk: its indexes, its CREATE read again.
        let rows = Unit::Rows {
            db: "d",
            table: "a",
            after: None,
            max_rows: 2,
        };
        let mut r = resumed_after(&rows);
        assert_eq!(
            r.next_unit(),
            Unit::CreateTable {
                db: "d",
                table: "a"
            }
        );
        r.ddl_sent();
        assert_eq!(
            r.next_unit(),
            Unit::BuildIndexes {
                db: "d",
                table: "a"
            }
        );
    }

    #[test]
    fn an_adopted_plan_brings_no_cursor_of_the_dump_that_remembered_it() {
        // A dump got into `b`'s rows under a plan the replica's point
        // (in `a`'s rows) also names: the plan remembered then carries
        // `b`'s cursor.
        let mut ahead = two_tables();
        advance_to(
            &mut ahead,
            &Unit::Rows {
                db: "d",
                table: "a",
                after: None,
                max_rows: 2,
            },
        );
        ahead.rows_sent(2, Some(vec![2]), false);
        let point = ahead.resume_point(Some(&[2]));
        while !matches!(ahead.next_unit(), Unit::Rows { table: "b", .. }) {
            match ahead.next_unit() {
                Unit::Rows { .. } => ahead.rows_sent(1, Some(vec![3]), true),
                _ => ahead.ddl_sent(),
            }
        }
        ahead.rows_sent(2, Some(vec![9]), false);
        // A resumed dump takes that plan up at the replica's point: `a`
        // goes on after its cursor, `b` starts from its first row.
        let mut s = Scheduler::new(2);
        s.add_database("d", &["b", "c"]);
        s.plan(Vec::new()).unwrap();
        s.adopt_plan(ahead.clone());
        s.resume(&point, false).unwrap();
        let mut seen = Vec::new();
        loop {
            match s.next_unit() {
                Unit::Rows { table, after, .. } => {
                    seen.push((table.to_owned(), after.map(<[u8]>::to_vec)));
                    s.rows_sent(1, Some(vec![9]), true);
                }
                Unit::End | Unit::Finished => break,
                _ => s.ddl_sent(),
            }
        }
        assert_eq!(
            seen,
            [("a".to_owned(), Some(vec![2])), ("b".to_owned(), None)]
        );
    }

    #[test]
    fn a_resume_point_of_another_plan_or_out_of_it_is_refused() {
        let mut s = two_tables();
        let good = s.resume_point(None);
        let mut other = Scheduler::new(2);
        other.add_database("d", &["a", "c"]);
        other.plan(Vec::new()).unwrap();
        assert_eq!(other.resume(&good, false), Err(ResumeError::PlanChanged));
        let far = ResumePoint {
            step: 99,
            ..good.clone()
        };
        assert_eq!(s.resume(&far, false), Err(ResumeError::NoSuchStep(99)));
        let keyed = ResumePoint {
            cursor: Some(vec![1]),
            ..good.clone()
        };
        assert_eq!(
            s.resume(&keyed, false),
            Err(ResumeError::CursorOutsideRows(1))
        );
        // The end of the plan is a step too: only the end marker is left.
        let mut t = two_tables();
        let end = ResumePoint {
            step: t.steps.len() as u32,
            ..good
        };
        t.resume(&end, false).unwrap();
        assert_eq!(t.next_unit(), Unit::End);
    }

    /// The tables in the order their CREATEs come, and which are read at
    /// a single cut.
    fn table_plan(s: &Scheduler) -> Vec<String> {
        s.steps
            .iter()
            .filter_map(|step| match step {
                Step::CreateTable(t) => {
                    let t = &s.tables[*t];
                    Some(format!("{}{}", t.name, if t.single_cut { "*" } else { "" }))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_table_is_copied_after_the_tables_it_references() {
        let mut s = Scheduler::new(10);
        s.add_database("app", &["audit", "lines", "orders", "tree"]);
        s.add_database("crm", &["customers"]);
        s.add_foreign_key("app", "lines", "app", "orders", ForeignKeyMoves::NONE);
        s.add_foreign_key("app", "orders", "crm", "customers", ForeignKeyMoves::NONE);
        s.add_foreign_key("app", "tree", "app", "tree", ForeignKeyMoves::NONE);
        s.add_foreign_key("app", "audit", "gone", "missing", ForeignKeyMoves::NONE);
        s.plan(Vec::new()).unwrap();
        assert_eq!(
            table_plan(&s),
            ["audit", "customers", "orders", "lines", "tree*"]
        );
        // The manifest, then databases: a parent may live in a later one.
        assert_eq!(s.next_unit(), Unit::Manifest);
        s.ddl_sent();
        assert_eq!(s.next_unit(), Unit::CreateDatabase { db: "app" });
        s.ddl_sent();
        assert_eq!(s.next_unit(), Unit::CreateDatabase { db: "crm" });
    }

    #[test]
    fn a_table_referencing_itself_is_read_in_one_chunk() {
        let mut s = Scheduler::new(2);
        s.add_database("d", &["tree"]);
        s.add_foreign_key("d", "tree", "d", "tree", ForeignKeyMoves::NONE);
        s.plan(Vec::new()).unwrap();
        let log = run(&mut s, &[7]);
        let rows: Vec<&String> = log.iter().filter(|l| l.starts_with("Rows")).collect();
        assert_eq!(rows.len(), 1, "{log:?}");
        assert!(rows[0].contains(&format!("max_rows: {}", u32::MAX)));
    }

    #[test]
    fn a_table_whose_copy_key_a_cascade_changes_is_read_at_one_cut() {
        let moves = |on_update, on_delete, in_copy_key| ForeignKeyMoves {
            on_update,
            on_delete,
            in_copy_key,
        };
        let mut s = Scheduler::new(10);
        s.add_database(
            "d",
            &["by_key", "by_other", "cascade", "parent", "restrict"],
        );
        // ON UPDATE CASCADE on a column of the child's primary key.
        let m = moves(FkRule::Cascade, FkRule::Cascade, true);
        s.add_foreign_key("d", "by_key", "d", "parent", m);
        // The same rule on a column outside the copy key moves nothing.
        let m = moves(FkRule::Cascade, FkRule::SetNull, false);
        s.add_foreign_key("d", "by_other", "d", "parent", m);
        // ON DELETE CASCADE removes rows; it never moves them.
        let m = moves(FkRule::Keep, FkRule::Cascade, true);
        s.add_foreign_key("d", "cascade", "d", "parent", m);
        let m = moves(FkRule::Keep, FkRule::Keep, true);
        s.add_foreign_key("d", "restrict", "d", "parent", m);
        s.plan(Vec::new()).unwrap();
        assert_eq!(
            table_plan(&s),
            ["parent", "by_key*", "by_other", "cascade", "restrict"]
        );
        assert!(moves(FkRule::SetNull, FkRule::Keep, true).moves_copy_key());
        assert!(moves(FkRule::Keep, FkRule::SetDefault, true).moves_copy_key());
    }

    #[test]
    fn tables_referencing_each_other_in_a_circle_are_refused() {
        let mut s = Scheduler::new(10);
        s.add_database("d", &["a", "b", "c"]);
        s.add_foreign_key("d", "a", "d", "b", ForeignKeyMoves::NONE);
        s.add_foreign_key("d", "b", "d", "c", ForeignKeyMoves::NONE);
        s.add_foreign_key("d", "c", "d", "b", ForeignKeyMoves::NONE);
        let err = s.plan(Vec::new()).unwrap_err();
        assert_eq!(err, PlanError::ForeignKeyCycle("`d`.`b`, `d`.`c`".into()));
        assert!(err.to_string().contains("mariadb-backup"), "{err}");
    }

    #[test]
    fn routines_views_triggers_and_events_come_in_that_order() {
        let mut s = Scheduler::new(10);
        s.add_database("d", &["t"]);
        assert_eq!(s.add_object(ObjectKind::Event, "d", "nightly"), Some(0));
        s.add_object(ObjectKind::Trigger, "d", "t_bi");
        s.add_object(ObjectKind::Trigger, "d", "t_bi2");
        s.add_object(ObjectKind::Procedure, "d", "p");
        s.add_object(ObjectKind::PackageBody, "d", "pkg");
        s.add_object(ObjectKind::Package, "d", "pkg");
        s.add_object(ObjectKind::Function, "d", "f");
        assert_eq!(s.add_object(ObjectKind::Function, "mysql", "x"), None);
        s.plan(vec![view("d", "v", &[("d", "t")])]).unwrap();
        let log = run(&mut s, &[1]);
        let names: Vec<String> = log
            .iter()
            .filter(|l| l.starts_with("CreateObject") || l.starts_with("CreateView"))
            .map(|l| l.split(", index").next().unwrap().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                r#"CreateObject { kind: Function, db: "d", name: "f""#,
                r#"CreateObject { kind: Procedure, db: "d", name: "p""#,
                r#"CreateObject { kind: Package, db: "d", name: "pkg""#,
                r#"CreateObject { kind: PackageBody, db: "d", name: "pkg""#,
                r#"CreateView { db: "d", view: "v" }"#,
                r#"CreateObject { kind: Trigger, db: "d", name: "t_bi""#,
                r#"CreateObject { kind: Trigger, db: "d", name: "t_bi2""#,
                r#"CreateObject { kind: Event, db: "d", name: "nightly""#,
            ]
        );
        for name in [
            "FUNCTION",
            "PROCEDURE",
            "PACKAGE",
            "PACKAGE BODY",
            "TRIGGER",
            "EVENT",
        ] {
            assert_eq!(ObjectKind::from_name(name).unwrap().keyword(), name);
        }
        assert_eq!(ObjectKind::from_name("VIEW"), None);
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
