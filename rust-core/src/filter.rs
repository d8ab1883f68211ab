//! The replica's row filter while it is being provisioned from a live
//! master: what the SQL thread does with each row of the master's own
//! transactions, given how much of the row's table the copy has reached.
//!
//! Invariant (DESIGN I2): for every table the replica's rows whose keys lie
//! in the copied range equal the master's rows there, after exactly the
//! same stream prefix; a row the replica holds beyond the copied range
//! equals the master's row of that key (the replica may lack rows there,
//! never hold wrong ones).  Row operations inside the range are therefore
//! applied strictly and any error in them is a [`Divergence`] that stops
//! provisioning; beyond the range they are applied idempotently, because
//! the table's later chunks bring those rows anyway.  A chunk, read at the
//! exact cut that is its place in the stream, is the truth for its key
//! range: the replica's rows there become exactly the chunk's rows, and the
//! range joins the copied range.
//!
//! Keys are the mem-comparable images of the table's copy index (the C++
//! side produces them so that byte order is index order), compared as
//! byte strings.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::server_consts as sc;

/// One row operation of a master's transaction, by the keys it touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowOp<'a> {
    /// A row is inserted (Write_rows).
    Insert {
        /// Key of the new row.
        key: &'a [u8],
    },
    /// A row is changed (Update_rows); the key may change with it.
    Update {
        /// Key of the before-image: the row as it was.
        before_key: &'a [u8],
        /// Key of the after-image: the row as it is now.
        after_key: &'a [u8],
    },
    /// A row is deleted (Delete_rows).
    Delete {
        /// Key of the deleted row.
        key: &'a [u8],
    },
}

impl RowOp<'_> {
    /// The statement the operation replays, for messages.
    fn verb(&self) -> &'static str {
        match self {
            RowOp::Insert { .. } => "INSERT",
            RowOp::Update { .. } => "UPDATE",
            RowOp::Delete { .. } => "DELETE",
        }
    }
}

/// What the SQL thread does with one row operation.
///
/// "Strict" means as a normal replica does: a missing row or a taken key
/// is an error, which the caller turns into a [`Divergence`] with
/// [`Divergence::strict_failed`].  "Idempotent" means as
/// `slave_exec_mode=IDEMPOTENT` does for a table with a primary key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// The table is not created on the replica yet: do nothing.  Its
    /// CREATE and chunks will bring the row as it is then.
    Skip,
    /// The keys are inside the copied range: apply strictly.  An INSERT
    /// must find its key free; an UPDATE must find its before-row and, if
    /// the key changes, its new key free; a DELETE must find its row.
    ApplyStrict,
    /// The keys are beyond the copied range: apply idempotently.  An
    /// INSERT overwrites (REPLACE); an UPDATE or DELETE that finds no row
    /// does nothing; an UPDATE that finds its row replaces it with the
    /// after-image (overwriting a row at a changed key).
    ApplyIdempotent,
    /// An UPDATE moves a row from beyond the copied range into it: delete
    /// the before-row if the replica has it (it may not: it was never
    /// copied), then insert the after-image strictly (its key must be
    /// free).  Skipping it as an idempotent update of a missing row would
    /// lose the row: its chunk is already past.
    MoveIn,
    /// An UPDATE moves a row from inside the copied range beyond it:
    /// delete the before-row strictly (it must exist), then write the
    /// after-image by overwriting (its chunk will bring it again anyway).
    MoveOut,
}

/// How much of one table the replica has copied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TableState {
    /// The table's CREATE has not been applied.
    #[default]
    NotCreated,
    /// The table exists; keys up to and including `cursor` are copied
    /// (`None`: nothing is copied yet).
    Created {
        /// Key of the last row of the last chunk applied.
        cursor: Option<Vec<u8>>,
    },
    /// Every chunk is applied: the whole key space is copied.
    Complete,
}

impl TableState {
    /// Whether the master's changes to the table are skipped: nothing of
    /// it is copied yet (see [`Ledger::skips_changes`]).
    pub fn skips_changes(&self) -> bool {
        matches!(
            self,
            TableState::NotCreated | TableState::Created { cursor: None }
        )
    }

    /// Whether `key` lies in the copied range.
    pub fn covers(&self, key: &[u8]) -> bool {
        match self {
            TableState::NotCreated | TableState::Created { cursor: None } => false,
            TableState::Created { cursor: Some(c) } => key <= c.as_slice(),
            TableState::Complete => true,
        }
    }
}

/// What the replica can rely on for a table's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    /// Transactional: its changes are visible exactly at their commit.
    Keyed,
    /// A non-transactional engine (MyISAM, Aria, ...).
    NonTransactional,
}

/// Why the replica cannot go on applying the master's stream while it is
/// being provisioned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StreamRefused {
    /// A Query event that changes data or schema.
    #[error(
        "LOAD DATA FROM MASTER: the master logged the statement '{0}' during the copy, \
         which a copy does not follow (it follows DDL of tables, databases, views, \
         routines, triggers and events, and INSERT, UPDATE, DELETE, REPLACE and \
         LOAD DATA statements; see the README). Copy again: LOAD DATA FROM MASTER ... REPLACE"
    )]
    Statement(String),
    /// A row event without the full before or after image.
    #[error(
        "LOAD DATA FROM MASTER: the master logged a row change of table {0} without full \
         row images; a replica being provisioned needs binlog_row_image=FULL in every \
         session that writes on the master. Set it globally on the master, reconnect \
         the writers and copy again: LOAD DATA FROM MASTER ... REPLACE"
    )]
    PartialRowImage(String),
    /// The end marker names a later last copy group than the replica saw.
    #[error(
        "LOAD DATA FROM MASTER: copy groups were lost on the way: the master's last group \
         of the copy is number {sent}, and the slave SQL thread saw up to number {seen}. \
         Something between the master's dump and this replica's SQL thread dropped them, \
         so the copy is not complete; gtid_slave_pos was not set. Copy again: \
         LOAD DATA FROM MASTER ... REPLACE"
    )]
    LostGroups {
        /// The master's last copy group.
        sent: u64,
        /// The last copy group the replica saw.
        seen: u64,
    },
    /// A copy group numbered more than one past the one before it.
    #[error(
        "LOAD DATA FROM MASTER: copy groups were lost on the way: copy group number {next} \
         came after number {after}. Something between the master's dump and this replica's \
         SQL thread dropped the groups between, so the copy stopped before it applied \
         anything after them; gtid_slave_pos was not set. Copy again: \
         LOAD DATA FROM MASTER ... REPLACE"
    )]
    GroupGap {
        /// The last copy group met before the gap.
        after: u64,
        /// The copy group met after it.
        next: u64,
    },
}

impl StreamRefused {
    /// The server error code to raise (`ER_*` from `mysqld_error.h`).
    pub fn error_code(&self) -> u32 {
        sc::ER_PROVISION_FAILED
    }
}

/// Longest part of a statement quoted in a message.
const STATEMENT_TEXT_MAX: usize = 100;

/// Whether a Query event of the master's (outside the copy groups) may be
/// applied while provisioning: only transaction control and FLUSH, which
/// change no rows.  Anything else (statement-based DML, DDL) cannot be
/// filtered by copied range, so it stops provisioning.
pub fn check_statement(query: &[u8]) -> Result<(), StreamRefused> {
    const ALLOWED: [&str; 7] = [
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "XA",
        "SAVEPOINT",
        "RELEASE",
        "FLUSH",
    ];
    let text = String::from_utf8_lossy(query);
    let first = text
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    if ALLOWED.iter().any(|k| first.eq_ignore_ascii_case(k)) {
        return Ok(());
    }
    let shown: String = text.trim().chars().take(STATEMENT_TEXT_MAX).collect();
    let ellipsis = if text.trim().chars().count() > STATEMENT_TEXT_MAX {
        "..."
    } else {
        ""
    };
    Err(StreamRefused::Statement(format!("{shown}{ellipsis}")))
}

/// Whether a Query event of the master's ends its transaction: `COMMIT`,
/// `ROLLBACK` (not `ROLLBACK TO SAVEPOINT`), `XA COMMIT`, `XA ROLLBACK`.
pub fn ends_transaction(query: &[u8]) -> bool {
    let text = String::from_utf8_lossy(query).to_ascii_uppercase();
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .take(2)
        .collect();
    match words.as_slice() {
        ["COMMIT", ..] => true,
        ["ROLLBACK", next] => *next != "TO",
        ["ROLLBACK"] => true,
        ["XA", "COMMIT" | "ROLLBACK"] => true,
        _ => false,
    }
}

/// A key range `(after, through]` a chunk is the truth for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRange {
    /// Exclusive lower bound (`None`: from the first key).
    pub after: Option<Vec<u8>>,
    /// Inclusive upper bound (`None`: to the end of the key space).
    pub through: Option<Vec<u8>>,
}

impl KeyRange {
    /// Whether `key` lies in the range.
    pub fn contains(&self, key: &[u8]) -> bool {
        self.after.as_deref().is_none_or(|a| key > a)
            && self.through.as_deref().is_none_or(|t| key <= t)
    }
}

/// A copy stream that does not fit the ledger: the master sent copy units
/// out of order (or the caller reported them so).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// A chunk for a table whose CREATE was not applied.
    #[error(
        "LOAD DATA FROM MASTER: copy stream out of order: rows for table {0} before its CREATE"
    )]
    NotCreated(String),
    /// A chunk for a table already complete.
    #[error(
        "LOAD DATA FROM MASTER: copy stream out of order: rows for table {0} after its last chunk"
    )]
    AlreadyComplete(String),
    /// A chunk that neither names its last key nor completes the table.
    #[error(
        "LOAD DATA FROM MASTER: copy stream out of order: a chunk of table {0} \
         neither advances nor completes the copy"
    )]
    NoProgress(String),
    /// A chunk whose last key does not come after the cursor.
    #[error(
        "LOAD DATA FROM MASTER: copy stream out of order: a chunk of table {table} \
         ends at key {key}, not after the rows already copied"
    )]
    Backwards {
        /// The table.
        table: String,
        /// The chunk's last key, as printed in messages.
        key: String,
    },
}

impl LedgerError {
    /// The server error code to raise (`ER_*` from `mysqld_error.h`).
    pub fn error_code(&self) -> u32 {
        sc::ER_PROVISION_FAILED
    }
}

/// How a strict apply failed, as the storage engine reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrictFailure {
    /// The row to update or delete is not there (`HA_ERR_KEY_NOT_FOUND`,
    /// `HA_ERR_END_OF_FILE`).
    RowMissing,
    /// The key to insert, or an UPDATE's new key, is already taken
    /// (`HA_ERR_FOUND_DUPP_KEY`).
    KeyTaken,
}

/// The replica no longer matches the master inside the copied range: a
/// strict apply failed.  Provisioning must stop with this error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "LOAD DATA FROM MASTER: the replica diverged from the master: {what} in table {table} \
     at key {key}; provisioning stopped. Copy again: LOAD DATA FROM MASTER ... REPLACE",
    key = KeyText(key)
)]
pub struct Divergence {
    /// The table, as the caller names it (e.g. `` `db`.`t` ``).
    pub table: String,
    /// The key image the failure concerns.
    pub key: Vec<u8>,
    /// What failed, e.g. "UPDATE found no row".
    pub what: String,
}

impl Divergence {
    /// The divergence of a strict apply of `op` on `table` that failed
    /// with `failure`.  The key named is the one that failed: the
    /// before-key of an UPDATE whose row is missing, the after-key of one
    /// whose new key is taken.
    pub fn strict_failed(table: &str, op: &RowOp<'_>, failure: StrictFailure) -> Self {
        let key = match (op, failure) {
            (RowOp::Insert { key } | RowOp::Delete { key }, _) => key,
            (RowOp::Update { before_key, .. }, StrictFailure::RowMissing) => before_key,
            (RowOp::Update { after_key, .. }, StrictFailure::KeyTaken) => after_key,
        };
        let what = match failure {
            StrictFailure::RowMissing => "found no row",
            StrictFailure::KeyTaken => "found the key already taken",
        };
        Divergence {
            table: table.to_owned(),
            key: key.to_vec(),
            what: format!("{} {what}", op.verb()),
        }
    }

    /// The server error code to raise (`ER_*` from `mysqld_error.h`).
    pub fn error_code(&self) -> u32 {
        sc::ER_PROVISION_FAILED
    }
}

/// Longest part of a key printed in a message (the server's messages are
/// short; a key image can be kilobytes).
const KEY_TEXT_MAX: usize = 64;

/// A key for messages: `'text'` when every byte is printable ASCII,
/// `0x..` hex otherwise; cut after [`KEY_TEXT_MAX`] bytes.
struct KeyText<'a>(&'a [u8]);

impl fmt::Display for KeyText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = &self.0[..self.0.len().min(KEY_TEXT_MAX)];
        if shown.iter().all(|b| (0x20..0x7f).contains(b)) {
            f.write_str("'")?;
            for &b in shown {
                if b == b'\'' {
                    f.write_str("''")?;
                } else {
                    write!(f, "{}", char::from(b))?;
                }
            }
            f.write_str("'")?;
        } else {
            f.write_str("0x")?;
            for b in shown {
                write!(f, "{b:02x}")?;
            }
        }
        if shown.len() < self.0.len() {
            write!(f, "... ({} bytes)", self.0.len())?;
        }
        Ok(())
    }
}

/// The copied range of every table, and the filter's decisions from it.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    tables: BTreeMap<String, TableState>,
    /// `LOAD TABLE ... FROM MASTER`: the tables it copies; every other
    /// table the ledger does not know is the replica's, complete.
    only: Option<BTreeSet<String>>,
}

static NOT_CREATED: TableState = TableState::NotCreated;
static COMPLETE: TableState = TableState::Complete;

impl Ledger {
    /// A ledger in which no table is created.
    pub fn new() -> Self {
        Ledger::default()
    }

    /// How much of `table` is copied (`NotCreated` for a table never seen,
    /// `Complete` for one `LOAD TABLE` does not copy).
    pub fn state(&self, table: &str) -> &TableState {
        match self.tables.get(table) {
            Some(state) => state,
            None if self.only.as_ref().is_some_and(|o| !o.contains(table)) => &COMPLETE,
            None => &NOT_CREATED,
        }
    }

    /// The state this ledger holds for `table`, if it holds one (not the
    /// state [`Ledger::state`] infers for a table it does not know).
    pub fn known_state(&self, table: &str) -> Option<&TableState> {
        self.tables.get(table)
    }

    /// A copy of `tables` only (`LOAD TABLE ... FROM MASTER`) into a
    /// replica that has every other table.
    pub fn copy_only(&mut self, tables: impl IntoIterator<Item = String>) {
        self.only = Some(tables.into_iter().collect());
    }

    /// Whether `table` is one `LOAD TABLE` copies that the replica still
    /// has as it was (its copy has not begun).
    pub fn reloaded_later(&self, table: &str) -> bool {
        self.only.as_ref().is_some_and(|o| o.contains(table)) && !self.tables.contains_key(table)
    }

    /// Every table the ledger knows, with its state.
    pub fn tables(&self) -> impl Iterator<Item = (&str, &TableState)> {
        self.tables.iter().map(|(t, s)| (t.as_str(), s))
    }

    /// Forgets `table`: it was dropped (a table of that name created
    /// later is another one).
    pub fn forget(&mut self, table: &str) {
        self.tables.remove(table);
        if let Some(only) = self.only.as_mut() {
            only.remove(table);
        }
    }

    /// The master copies `table` again from its first row (a statement
    /// the replica skipped changed it): until its CREATE it is not
    /// created here, also in a `LOAD TABLE` copy, which now takes it.
    pub fn copy_again(&mut self, table: &str) {
        self.tables.remove(table);
        if let Some(only) = self.only.as_mut() {
            only.insert(table.to_owned());
        }
    }

    /// `from` is now called `to`, with its copy state.
    pub fn rename(&mut self, from: &str, to: &str) {
        if let Some(state) = self.tables.remove(from) {
            self.tables.insert(to.to_owned(), state);
        }
        if let Some(only) = self.only.as_mut() {
            if only.remove(from) {
                only.insert(to.to_owned());
            }
        }
    }

    /// Puts `table` back into `state`, which it had before a copy group
    /// that the SQL thread rolled back (to retry it).
    pub fn restore(&mut self, table: &str, state: TableState) {
        self.tables.insert(table.to_owned(), state);
    }

    /// The range a chunk of `table` with last key `last_key` (`None`: no
    /// rows) is the truth for, `complete` when it is the table's last
    /// chunk: from after the cursor to `last_key`, or to the end of the
    /// key space when complete.
    ///
    /// The caller applies the chunk in one transaction: it deletes the
    /// replica's rows in this range whose keys the chunk does not hold
    /// (the master had no such row at the chunk's cut), writes the chunk's
    /// rows as REPLACE, and then reports [`Ledger::chunk_applied`].  While
    /// the invariant holds the deletion finds nothing; it keeps the chunk
    /// the truth for its range whatever the idempotent applies did.
    pub fn chunk_range(
        &self,
        table: &str,
        last_key: Option<&[u8]>,
        complete: bool,
    ) -> Result<KeyRange, LedgerError> {
        let cursor = match self.state(table) {
            TableState::NotCreated => return Err(LedgerError::NotCreated(table.to_owned())),
            TableState::Complete => return Err(LedgerError::AlreadyComplete(table.to_owned())),
            TableState::Created { cursor } => cursor,
        };
        match (last_key, cursor) {
            (None, _) if !complete => Err(LedgerError::NoProgress(table.to_owned())),
            (Some(last), Some(c)) if last <= c.as_slice() => Err(LedgerError::Backwards {
                table: table.to_owned(),
                key: KeyText(last).to_string(),
            }),
            _ => Ok(KeyRange {
                after: cursor.clone(),
                through: if complete {
                    None
                } else {
                    last_key.map(<[u8]>::to_vec)
                },
            }),
        }
    }

    /// Records a chunk of `table` applied (see [`Ledger::chunk_range`]):
    /// keys up to `last_key` are copied, or all of them when `complete`.
    /// Returns the range the chunk covered.
    pub fn chunk_applied(
        &mut self,
        table: &str,
        last_key: Option<&[u8]>,
        complete: bool,
    ) -> Result<KeyRange, LedgerError> {
        let range = self.chunk_range(table, last_key, complete)?;
        let state = if complete {
            TableState::Complete
        } else {
            TableState::Created {
                cursor: range.through.clone(),
            }
        };
        self.tables.insert(table.to_owned(), state);
        Ok(range)
    }

    /// Whether the master's changes to `table` are skipped: nothing of it
    /// is copied yet (not created, or created, or emptied to be copied
    /// again from its first row), so its first chunk, read at a later
    /// cut, holds their effect.  Applying them instead would be harmless
    /// for a table with a copy key (the chunk overwrites the rows by key)
    /// but not for one read whole: each row inserted before its read
    /// would be there twice.
    pub fn skips_changes(&self, table: &str) -> bool {
        self.state(table).skips_changes()
    }

    /// Records that a copy group maps `table`: its CREATE is applied (it
    /// precedes the table's chunks in the copy stream).  Until then the
    /// master's changes to the table are skipped: its chunks, read later,
    /// hold their effect.
    pub fn table_in_copy(&mut self, table: &str) {
        if *self.state(table) == TableState::NotCreated {
            self.tables
                .insert(table.to_owned(), TableState::Created { cursor: None });
        }
    }

    /// Records one row of a chunk of `table` applied, with key `key`:
    /// chunks come in key order, so the row's key is the new end of the
    /// copied range.  A key that does not come after the cursor means the
    /// master's index order and the replica's key images disagree (or the
    /// stream is out of order): continuing could lose rows, so it is an
    /// error.
    pub fn chunk_row(&mut self, table: &str, key: &[u8]) -> Result<(), LedgerError> {
        match self.state(table) {
            TableState::NotCreated => return Err(LedgerError::NotCreated(table.to_owned())),
            TableState::Complete => return Err(LedgerError::AlreadyComplete(table.to_owned())),
            TableState::Created { cursor: Some(c) } if key <= c.as_slice() => {
                return Err(LedgerError::Backwards {
                    table: table.to_owned(),
                    key: KeyText(key).to_string(),
                })
            }
            TableState::Created { .. } => {}
        }
        self.tables.insert(
            table.to_owned(),
            TableState::Created {
                cursor: Some(key.to_vec()),
            },
        );
        Ok(())
    }

    /// Records that the chunk group being applied holds the last rows of
    /// `table` (the master's note): from then on the whole table is copied.
    pub fn table_complete(&mut self, table: &str) -> Result<(), LedgerError> {
        if *self.state(table) == TableState::Complete {
            return Err(LedgerError::AlreadyComplete(table.to_owned()));
        }
        self.tables.insert(table.to_owned(), TableState::Complete);
        Ok(())
    }

    /// [`Ledger::decide`] for a table of the given kind.  A non-transactional table
    /// changes before the master logs the change, so no cut is exact for
    /// it: its changes are applied idempotently wherever they fall (an
    /// UPDATE moving a row into the copied range still inserts it).
    pub fn decide_for(&self, table: &str, kind: TableKind, op: &RowOp<'_>) -> Action {
        match kind {
            TableKind::Keyed => self.decide(table, op),
            TableKind::NonTransactional => match self.decide(table, op) {
                Action::ApplyStrict | Action::MoveOut => Action::ApplyIdempotent,
                other => other,
            },
        }
    }

    /// What to do with `op`, a row operation of the master's on `table`.
    /// An UPDATE that keeps its key is judged by that key; one that moves
    /// it across the end of the copied range moves the row in or out.
    pub fn decide(&self, table: &str, op: &RowOp<'_>) -> Action {
        let state = self.state(table);
        if state.skips_changes() {
            return Action::Skip;
        }
        let by_key = |inside| {
            if inside {
                Action::ApplyStrict
            } else {
                Action::ApplyIdempotent
            }
        };
        match *op {
            RowOp::Insert { key } | RowOp::Delete { key } => by_key(state.covers(key)),
            RowOp::Update {
                before_key,
                after_key,
            } => match (state.covers(before_key), state.covers(after_key)) {
                (true, true) => Action::ApplyStrict,
                (false, false) => Action::ApplyIdempotent,
                (false, true) => Action::MoveIn,
                (true, false) => Action::MoveOut,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_table_knows_every_other_table_complete() {
        let mut l = Ledger::new();
        l.copy_only(["`d`.`a`".to_owned()]);
        assert_eq!(*l.state("`d`.`a`"), TableState::NotCreated);
        assert_eq!(*l.state("`d`.`b`"), TableState::Complete);
        assert!(l.reloaded_later("`d`.`a`") && !l.reloaded_later("`d`.`b`"));
        // Renamed before its copy: the new name is the one copied.
        l.rename("`d`.`a`", "`d`.`a2`");
        assert_eq!(*l.state("`d`.`a`"), TableState::Complete);
        assert_eq!(*l.state("`d`.`a2`"), TableState::NotCreated);
        l.table_in_copy("`d`.`a2`");
        assert!(!l.reloaded_later("`d`.`a2`"));
        // Dropped: a table of that name created later is the replica's.
        l.forget("`d`.`a2`");
        assert_eq!(*l.state("`d`.`a2`"), TableState::Complete);
        // Changed by a statement it skipped: copied too, from its CREATE.
        l.copy_again("`d`.`b`");
        assert_eq!(*l.state("`d`.`b`"), TableState::NotCreated);
        l.table_in_copy("`d`.`b`");
        assert_ne!(*l.state("`d`.`b`"), TableState::NotCreated);
    }

    #[test]
    fn statements_that_end_a_transaction() {
        for q in [
            "COMMIT",
            " commit /* x */",
            "ROLLBACK",
            "XA COMMIT 'x'",
            "xa rollback 'y',1",
        ] {
            assert!(ends_transaction(q.as_bytes()), "{q}");
        }
        for q in [
            "BEGIN",
            "ROLLBACK TO SAVEPOINT a",
            "XA END 'x'",
            "XA START 'x'",
            "",
        ] {
            assert!(!ends_transaction(q.as_bytes()), "{q}");
        }
    }

    #[test]
    fn only_transaction_control_statements_pass() {
        for ok in [
            &b"BEGIN"[..],
            b"COMMIT",
            b" rollback",
            b"XA END 'x'",
            b"FLUSH TABLES",
        ] {
            assert_eq!(check_statement(ok), Ok(()), "{ok:?}");
        }
        for bad in [
            &b"INSERT INTO t VALUES (1)"[..],
            b"ALTER TABLE t ADD c INT",
            b"",
        ] {
            let err = check_statement(bad).unwrap_err();
            assert!(
                err.to_string().contains("which a copy does not follow"),
                "{err}"
            );
        }
        let long = format!("UPDATE t SET a = '{}'", "x".repeat(300));
        let err = check_statement(long.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("xxx...'"), "{err}");
        assert!(err.len() < 500, "{err}");
    }

    #[test]
    fn chunk_rows_move_the_cursor_forward_only() {
        let mut l = Ledger::new();
        assert!(
            l.chunk_row(T, b"a").is_err(),
            "rows before the table is mapped"
        );
        l.table_in_copy(T);
        l.table_in_copy(T);
        assert_eq!(l.state(T), &TableState::Created { cursor: None });
        l.chunk_row(T, b"b").unwrap();
        l.chunk_row(T, b"c").unwrap();
        assert_eq!(l.decide(T, &ins(b"c")), Action::ApplyStrict);
        assert_eq!(l.decide(T, &ins(b"d")), Action::ApplyIdempotent);
        let err = l.chunk_row(T, b"c").unwrap_err();
        assert!(matches!(err, LedgerError::Backwards { .. }), "{err}");
        l.table_complete(T).unwrap();
        assert_eq!(l.decide(T, &ins(b"zzz")), Action::ApplyStrict);
        assert!(l.table_complete(T).is_err());
        assert!(l.chunk_row(T, b"zzzz").is_err());
    }

    #[test]
    fn non_transactional_tables_are_idempotent_but_still_move_rows_in() {
        let mut l = Ledger::new();
        l.table_in_copy(T);
        l.chunk_row(T, b"m").unwrap();
        assert_eq!(
            l.decide_for(T, TableKind::NonTransactional, &ins(b"a")),
            Action::ApplyIdempotent
        );
        assert_eq!(
            l.decide_for(T, TableKind::NonTransactional, &upd(b"z", b"a")),
            Action::MoveIn
        );
        assert_eq!(
            l.decide_for(T, TableKind::NonTransactional, &upd(b"a", b"z")),
            Action::ApplyIdempotent
        );
        assert_eq!(
            l.decide_for(T, TableKind::Keyed, &upd(b"a", b"z")),
            Action::MoveOut
        );
    }

    const T: &str = "`d`.`t`";

    /// A ledger with `T` created and copied up to `cursor`.
    fn at(cursor: Option<&[u8]>) -> Ledger {
        let mut l = Ledger::new();
        l.table_in_copy(T);
        if let Some(c) = cursor {
            l.chunk_applied(T, Some(c), false).unwrap();
        }
        l
    }

    fn ins(key: &[u8]) -> RowOp<'_> {
        RowOp::Insert { key }
    }

    fn del(key: &[u8]) -> RowOp<'_> {
        RowOp::Delete { key }
    }

    fn upd<'a>(before_key: &'a [u8], after_key: &'a [u8]) -> RowOp<'a> {
        RowOp::Update {
            before_key,
            after_key,
        }
    }

    #[test]
    fn a_table_not_created_skips_everything() {
        let l = Ledger::new();
        for op in [ins(b"a"), upd(b"a", b"b"), del(b"a")] {
            assert_eq!(l.decide(T, &op), Action::Skip);
        }
        assert_eq!(l.state(T), &TableState::NotCreated);
        // Another table's progress does not create this one.
        let l = at(Some(b"m"));
        assert_eq!(l.decide("`d`.`other`", &ins(b"a")), Action::Skip);
    }

    #[test]
    fn a_created_table_with_nothing_copied_skips_the_changes() {
        // Its first chunk holds them: a table read whole (an empty key)
        // would otherwise get an inserted row twice.
        let l = at(None);
        assert_eq!(l.state(T), &TableState::Created { cursor: None });
        assert!(l.skips_changes(T));
        assert_eq!(l.decide(T, &ins(b"")), Action::Skip);
        assert_eq!(l.decide(T, &del(b"a")), Action::Skip);
        assert_eq!(l.decide(T, &upd(b"a", b"b")), Action::Skip);
        assert!(!at(Some(b"m")).skips_changes(T));
    }

    #[test]
    fn keys_up_to_the_cursor_are_strict_and_beyond_it_idempotent() {
        let l = at(Some(b"m"));
        // Inside, including the cursor itself.
        for key in [&b"a"[..], b"m", b"l\xff"] {
            assert_eq!(l.decide(T, &ins(key)), Action::ApplyStrict, "{key:?}");
            assert_eq!(l.decide(T, &del(key)), Action::ApplyStrict, "{key:?}");
            assert_eq!(l.decide(T, &upd(key, key)), Action::ApplyStrict, "{key:?}");
        }
        // Beyond: byte order, so a longer key with the cursor as prefix is after it.
        for key in [&b"m\0"[..], b"n", b"\xff"] {
            assert_eq!(l.decide(T, &ins(key)), Action::ApplyIdempotent, "{key:?}");
            assert_eq!(l.decide(T, &del(key)), Action::ApplyIdempotent, "{key:?}");
            assert_eq!(
                l.decide(T, &upd(key, key)),
                Action::ApplyIdempotent,
                "{key:?}"
            );
        }
    }

    #[test]
    fn updates_that_move_keys_within_one_side_stay_on_that_side() {
        let l = at(Some(b"m"));
        assert_eq!(l.decide(T, &upd(b"a", b"m")), Action::ApplyStrict);
        assert_eq!(l.decide(T, &upd(b"x", b"n")), Action::ApplyIdempotent);
    }

    #[test]
    fn an_update_moving_a_row_into_the_copied_range_moves_it_in() {
        let l = at(Some(b"m"));
        assert_eq!(l.decide(T, &upd(b"x", b"c")), Action::MoveIn);
        assert_eq!(l.decide(T, &upd(b"m\0", b"m")), Action::MoveIn);
    }

    #[test]
    fn an_update_moving_a_row_out_of_the_copied_range_moves_it_out() {
        let l = at(Some(b"m"));
        assert_eq!(l.decide(T, &upd(b"c", b"x")), Action::MoveOut);
        assert_eq!(l.decide(T, &upd(b"m", b"m\0")), Action::MoveOut);
    }

    #[test]
    fn a_complete_table_is_all_strict() {
        let mut l = at(Some(b"m"));
        let range = l.chunk_applied(T, Some(b"q"), true).unwrap();
        assert_eq!(
            range,
            KeyRange {
                after: Some(b"m".to_vec()),
                through: None
            }
        );
        assert_eq!(l.state(T), &TableState::Complete);
        assert_eq!(l.decide(T, &ins(b"\xff\xff")), Action::ApplyStrict);
        assert_eq!(l.decide(T, &del(b"")), Action::ApplyStrict);
        assert_eq!(l.decide(T, &upd(b"z", b"a")), Action::ApplyStrict);
    }

    #[test]
    fn an_empty_last_chunk_completes_the_table() {
        let mut l = at(Some(b"m"));
        let range = l.chunk_applied(T, None, true).unwrap();
        assert!(range.contains(b"z") && !range.contains(b"m"));
        assert_eq!(l.state(T), &TableState::Complete);
        // A table with no key is read whole in one chunk.
        let mut l = at(None);
        let range = l.chunk_applied(T, None, true).unwrap();
        assert_eq!(
            range,
            KeyRange {
                after: None,
                through: None
            }
        );
        assert!(range.contains(b""));
    }

    #[test]
    fn chunks_advance_the_cursor_and_cover_their_range() {
        let mut l = at(None);
        let first = l.chunk_applied(T, Some(b"c"), false).unwrap();
        assert_eq!(
            first,
            KeyRange {
                after: None,
                through: Some(b"c".to_vec())
            }
        );
        assert!(first.contains(b"") && first.contains(b"c") && !first.contains(b"c\0"));
        assert_eq!(l.decide(T, &ins(b"d")), Action::ApplyIdempotent);
        let second = l.chunk_range(T, Some(b"f"), false).unwrap();
        // chunk_range only asks; the cursor moves with chunk_applied.
        assert_eq!(l.decide(T, &ins(b"d")), Action::ApplyIdempotent);
        assert_eq!(l.chunk_applied(T, Some(b"f"), false).unwrap(), second);
        assert!(!second.contains(b"c") && second.contains(b"d") && second.contains(b"f"));
        assert_eq!(
            l.state(T),
            &TableState::Created {
                cursor: Some(b"f".to_vec())
            }
        );
        assert_eq!(l.decide(T, &ins(b"d")), Action::ApplyStrict);
    }

    #[test]
    fn copy_units_out_of_order_are_errors() {
        let mut l = Ledger::new();
        assert_eq!(
            l.chunk_applied(T, Some(b"a"), false),
            Err(LedgerError::NotCreated(T.into()))
        );
        l.table_in_copy(T);
        assert_eq!(
            l.chunk_applied(T, None, false),
            Err(LedgerError::NoProgress(T.into()))
        );
        l.chunk_applied(T, Some(b"m"), false).unwrap();
        for last in [&b"m"[..], b"a"] {
            let err = l.chunk_applied(T, Some(last), false).unwrap_err();
            assert!(matches!(err, LedgerError::Backwards { .. }), "{err}");
            let err = l.chunk_applied(T, Some(last), true).unwrap_err();
            assert!(matches!(err, LedgerError::Backwards { .. }), "{err}");
        }
        // A failed report changes nothing.
        assert_eq!(
            l.state(T),
            &TableState::Created {
                cursor: Some(b"m".to_vec())
            }
        );
        l.chunk_applied(T, None, true).unwrap();
        assert_eq!(
            l.chunk_applied(T, None, true),
            Err(LedgerError::AlreadyComplete(T.into()))
        );
        assert_eq!(
            LedgerError::NoProgress(T.into()).error_code(),
            sc::ER_PROVISION_FAILED
        );
        assert_eq!(
            LedgerError::Backwards {
                table: T.into(),
                key: KeyText(b"a").to_string()
            }
            .to_string(),
            "LOAD DATA FROM MASTER: copy stream out of order: a chunk of table `d`.`t` \
             ends at key 'a', not after the rows already copied"
        );
    }

    /// Applies `op` to `rows` as the [`Action`] docs say; `after` is the
    /// after-image's value.  (`tests/filter_model.rs` checks these
    /// semantics against a master.)
    fn apply(
        rows: &mut BTreeMap<Vec<u8>, u32>,
        action: Action,
        op: &RowOp<'_>,
        after: u32,
    ) -> Result<(), Divergence> {
        let fail = |f| Err(Divergence::strict_failed(T, op, f));
        match (action, *op) {
            (Action::Skip, _) => {}
            (Action::ApplyStrict, RowOp::Insert { key }) => {
                if rows.insert(key.to_vec(), after).is_some() {
                    return fail(StrictFailure::KeyTaken);
                }
            }
            (Action::ApplyIdempotent, RowOp::Insert { key }) => {
                rows.insert(key.to_vec(), after);
            }
            (Action::ApplyStrict, RowOp::Delete { key }) => {
                if rows.remove(key).is_none() {
                    return fail(StrictFailure::RowMissing);
                }
            }
            (Action::ApplyIdempotent, RowOp::Delete { key }) => {
                rows.remove(key);
            }
            (
                action,
                RowOp::Update {
                    before_key: b,
                    after_key: a,
                },
            ) => {
                let strict_before = matches!(action, Action::ApplyStrict | Action::MoveOut);
                let strict_after = matches!(action, Action::ApplyStrict | Action::MoveIn);
                if rows.remove(b).is_none() {
                    if strict_before {
                        return fail(StrictFailure::RowMissing);
                    }
                    if action == Action::ApplyIdempotent {
                        return Ok(());
                    }
                }
                if rows.insert(a.to_vec(), after).is_some() && strict_after {
                    return fail(StrictFailure::KeyTaken);
                }
            }
            (action, op) => panic!("{action:?} for {op:?}"),
        }
        Ok(())
    }

    #[test]
    fn applying_the_actions_keeps_the_replica_right() {
        // Copied up to "m"; the replica has the master's rows there.
        let l = at(Some(b"m"));
        let mut rows = BTreeMap::from([(b"c".to_vec(), 1), (b"x".to_vec(), 2)]);
        let mut run = |op: RowOp<'_>, after| {
            let action = l.decide(T, &op);
            apply(&mut rows, action, &op, after).map(|()| action)
        };
        // A delete of a row beyond the range the replica never got: skipped.
        assert_eq!(run(del(b"y"), 0), Ok(Action::ApplyIdempotent));
        // An insert beyond the range overwrites (the chunk brings it again).
        assert_eq!(run(ins(b"x"), 3), Ok(Action::ApplyIdempotent));
        // An update of a missing row beyond the range: skipped.
        assert_eq!(run(upd(b"y", b"z"), 4), Ok(Action::ApplyIdempotent));
        // A row moving in whose before-row the replica lacks: inserted.
        assert_eq!(run(upd(b"w", b"d"), 5), Ok(Action::MoveIn));
        // A row moving in whose before-row the replica has: moved.
        assert_eq!(run(upd(b"x", b"e"), 6), Ok(Action::MoveIn));
        // A row moving out: deleted inside, written beyond.
        assert_eq!(run(upd(b"c", b"q"), 7), Ok(Action::MoveOut));
        let expected = [(&b"d"[..], 5), (b"e", 6), (b"q", 7)];
        let got: Vec<_> = rows.iter().map(|(k, v)| (k.as_slice(), *v)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn a_strict_apply_that_fails_inside_the_range_is_a_divergence() {
        let l = at(Some(b"m"));
        let mut rows = BTreeMap::from([(b"c".to_vec(), 1)]);
        let cases = [
            (del(b"a"), StrictFailure::RowMissing, &b"a"[..]),
            (ins(b"c"), StrictFailure::KeyTaken, b"c"),
            (upd(b"a", b"a"), StrictFailure::RowMissing, b"a"),
            (upd(b"w", b"c"), StrictFailure::KeyTaken, b"c"),
            (upd(b"a", b"x"), StrictFailure::RowMissing, b"a"),
        ];
        for (op, failure, key) in cases {
            let err = apply(&mut rows.clone(), l.decide(T, &op), &op, 9).unwrap_err();
            assert_eq!(err, Divergence::strict_failed(T, &op, failure), "{op:?}");
            assert_eq!(err.key, key, "{op:?}");
        }
        // The same operations beyond a shorter range pass.
        let l = at(None);
        for op in [del(b"a"), ins(b"c"), upd(b"a", b"a"), upd(b"a", b"x")] {
            assert_eq!(apply(&mut rows, l.decide(T, &op), &op, 9), Ok(()), "{op:?}");
        }
    }

    #[test]
    fn a_strict_failure_is_a_divergence_naming_table_and_key() {
        let op = ins(b"\x80\x00\x00\x07");
        let d = Divergence::strict_failed(T, &op, StrictFailure::KeyTaken);
        assert_eq!(
            d,
            Divergence {
                table: T.into(),
                key: vec![0x80, 0, 0, 7],
                what: "INSERT found the key already taken".into(),
            }
        );
        assert_eq!(d.error_code(), sc::ER_PROVISION_FAILED);
        assert_eq!(
            d.to_string(),
            "LOAD DATA FROM MASTER: the replica diverged from the master: INSERT found the \
             key already taken in table `d`.`t` at key 0x80000007; provisioning stopped. \
             Copy again: LOAD DATA FROM MASTER ... REPLACE"
        );
    }

    #[test]
    fn a_strict_failure_names_the_key_that_failed() {
        let op = upd(b"old", b"new");
        let missing = Divergence::strict_failed(T, &op, StrictFailure::RowMissing);
        assert_eq!(
            (missing.key.as_slice(), missing.what.as_str()),
            (&b"old"[..], "UPDATE found no row")
        );
        assert!(missing.to_string().contains("at key 'old';"), "{missing}");
        let taken = Divergence::strict_failed(T, &op, StrictFailure::KeyTaken);
        assert_eq!(
            (taken.key.as_slice(), taken.what.as_str()),
            (&b"new"[..], "UPDATE found the key already taken")
        );
        let gone = Divergence::strict_failed(T, &del(b"k"), StrictFailure::RowMissing);
        assert_eq!(gone.what, "DELETE found no row");
        assert_eq!(gone.key, b"k");
    }

    #[test]
    fn keys_print_as_text_only_when_printable() {
        assert_eq!(KeyText(b"abc").to_string(), "'abc'");
        assert_eq!(KeyText(b"it's").to_string(), "'it''s'");
        assert_eq!(KeyText(b"").to_string(), "''");
        assert_eq!(KeyText(b"ab\n").to_string(), "0x61620a");
        assert_eq!(KeyText(&[0, 255]).to_string(), "0x00ff");
        let long = [b'x'; 100];
        assert_eq!(
            KeyText(&long).to_string(),
            format!("'{}'... (100 bytes)", "x".repeat(64))
        );
    }
}
