//! Model test of the provisioning row filter (`provision_core::filter`).
//!
//! A simulated master holds one to three tables with keys `0..20` (two
//! bytes, big-endian, so byte order is numeric order) and takes random
//! transactions: inserts, deletes, value updates, key moves in both
//! directions across the copy's cursor, delete-then-reinsert of one key,
//! several rows over several tables in one transaction.  Interleaved with
//! them, the copy creates the tables in order and reads each in chunks of
//! one to five rows from the master's current state (the exact cut: the
//! state after exactly the stream prefix before the chunk); at the end it
//! copies whatever is left.  A simulated replica applies that one stream:
//! chunks as "the rows of `(after, through]` are exactly these" (delete
//! the others in the range, REPLACE these), the master's row operations as
//! `Ledger::decide` says.  The replica drives the ledger as the server's
//! SQL thread does: nothing at a CREATE, `table_in_copy` and one
//! `chunk_row` per copied row at a chunk, `table_complete` after the last.
//!
//! The judge: no strict apply may fail, after every stream item the
//! replica must keep DESIGN invariant I2 against the master at the same
//! point (inside the copied range equal; beyond it only rows equal to the
//! master's), and at the end every table is complete and equal to the
//! master's.  The negative tests break the cut or the rules and check that
//! the same harness then reports a divergence or ends unequal.

use std::collections::{BTreeMap, BTreeSet};

use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use provision_core::filter::{Action, Divergence, Ledger, RowOp, StrictFailure, TableState};

/// Keys of a table in the model.
const KEYS: u16 = 20;

/// A table's rows: key image to value.
type Rows = BTreeMap<Vec<u8>, u32>;

/// A row: key image and value.
type Row = (Vec<u8>, u32);

fn key(k: u16) -> Vec<u8> {
    k.to_be_bytes().to_vec()
}

fn name(t: usize) -> String {
    format!("`db`.`t{t}`")
}

// ---------------------------------------------------------------------------
// The stream

/// One row event of a master transaction, with its full images.
#[derive(Clone, Debug)]
enum RowEvent {
    Insert { after: Row },
    Update { before: Row, after: Row },
    Delete { before: Row },
}

impl RowEvent {
    fn op(&self) -> RowOp<'_> {
        match self {
            RowEvent::Insert { after } => RowOp::Insert { key: &after.0 },
            RowEvent::Update { before, after } => RowOp::Update {
                before_key: &before.0,
                after_key: &after.0,
            },
            RowEvent::Delete { before } => RowOp::Delete { key: &before.0 },
        }
    }
}

/// One transaction of the stream the replica applies.
#[derive(Clone, Debug)]
enum Item {
    /// A table's CREATE.
    Create(usize),
    /// A copy chunk: the table's rows after the previous chunk's last key
    /// up to `last_key` (to the end when `complete`).
    Chunk {
        table: usize,
        rows: Vec<Row>,
        last_key: Option<Vec<u8>>,
        complete: bool,
    },
    /// A master transaction: row events on tables.
    Txn(Vec<(usize, RowEvent)>),
}

// ---------------------------------------------------------------------------
// The master

/// What a generated transaction asks the master to do with one row; picks
/// choose among the table's rows when it runs (and do nothing on an empty
/// table), so every generated sequence is a valid history.
#[derive(Clone, Debug)]
enum Intent {
    /// Insert `key`, or update it in place if it exists.
    Insert { key: u16 },
    /// Delete a row.
    Delete { pick: usize },
    /// Change a row's value.
    Set { pick: usize },
    /// Change a row's key to `to` (if free).
    Move { pick: usize, to: u16 },
    /// Delete a row and insert its key again.
    Reinsert { pick: usize },
}

/// One step of a generated history.
#[derive(Clone, Debug)]
enum Step {
    /// A master transaction: (table, intent) pairs, table taken modulo the
    /// number of tables.
    Txn(Vec<(usize, Intent)>),
    /// The copy's next unit: a chunk of up to `rows` rows, after the CREATE
    /// if the table is not created yet (as a transaction of its own when
    /// `create_alone`, so master transactions can come in between).
    Copy { rows: usize, create_alone: bool },
}

/// A generated history.
#[derive(Clone, Debug)]
struct Case {
    /// The master's keys per table before the copy starts.
    initial: Vec<BTreeSet<u16>>,
    steps: Vec<Step>,
    /// Chunk size of the copy's rest after the last step.
    final_rows: usize,
}

#[derive(Clone, Debug)]
struct Master {
    tables: Vec<Rows>,
    next_value: u32,
}

impl Master {
    fn new(initial: &[BTreeSet<u16>]) -> Self {
        let mut next_value = 0;
        let tables = initial
            .iter()
            .map(|keys| {
                keys.iter()
                    .map(|&k| {
                        next_value += 1;
                        (key(k), next_value)
                    })
                    .collect()
            })
            .collect();
        Master { tables, next_value }
    }

    /// A value never written before, so a lost write shows.
    fn value(&mut self) -> u32 {
        self.next_value += 1;
        self.next_value
    }

    fn pick(&self, t: usize, pick: usize) -> Option<Row> {
        let rows = &self.tables[t];
        let (k, v) = rows.iter().nth(pick.checked_rem(rows.len())?)?;
        Some((k.clone(), *v))
    }

    /// Runs one transaction, returning its row events.
    fn run(&mut self, txn: &[(usize, Intent)]) -> Vec<(usize, RowEvent)> {
        let mut events = Vec::new();
        for (t, intent) in txn {
            let t = t % self.tables.len();
            let mut event = |master: &mut Master, e: RowEvent| {
                let rows = &mut master.tables[t];
                match &e {
                    RowEvent::Insert { after } => {
                        assert!(rows.insert(after.0.clone(), after.1).is_none());
                    }
                    RowEvent::Update { before, after } => {
                        assert_eq!(rows.remove(&before.0), Some(before.1));
                        assert!(rows.insert(after.0.clone(), after.1).is_none());
                    }
                    RowEvent::Delete { before } => {
                        assert_eq!(rows.remove(&before.0), Some(before.1));
                    }
                }
                events.push((t, e));
            };
            match *intent {
                Intent::Insert { key: k } => {
                    let k = key(k);
                    let after = (k.clone(), self.value());
                    let e = match self.tables[t].get(&k) {
                        Some(&v) => RowEvent::Update {
                            before: (k, v),
                            after,
                        },
                        None => RowEvent::Insert { after },
                    };
                    event(self, e);
                }
                Intent::Delete { pick } => {
                    if let Some(before) = self.pick(t, pick) {
                        event(self, RowEvent::Delete { before });
                    }
                }
                Intent::Set { pick } => {
                    if let Some(before) = self.pick(t, pick) {
                        let after = (before.0.clone(), self.value());
                        event(self, RowEvent::Update { before, after });
                    }
                }
                Intent::Move { pick, to } => {
                    let to = key(to);
                    if let Some(before) = self.pick(t, pick) {
                        if before.0 == to || !self.tables[t].contains_key(&to) {
                            let after = (to, self.value());
                            event(self, RowEvent::Update { before, after });
                        }
                    }
                }
                Intent::Reinsert { pick } => {
                    if let Some(before) = self.pick(t, pick) {
                        let after = (before.0.clone(), self.value());
                        event(self, RowEvent::Delete { before });
                        event(self, RowEvent::Insert { after });
                    }
                }
            }
        }
        events
    }
}

/// Where the copy reads a chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cut {
    /// The master's state at the chunk's place in the stream (correct).
    Exact,
    /// The master's state before the transaction just before the chunk
    /// (a broken cut: that transaction's writes in the chunk's range are
    /// lost).
    Stale,
    /// The master's state after the transaction just after the chunk (a
    /// broken cut: that transaction's writes reach the replica twice).
    Late,
}

/// The copy: tables in order, each created, then read in chunks.
#[derive(Debug, Default)]
struct Copier {
    table: usize,
    created: bool,
    cursor: Option<Vec<u8>>,
}

impl Copier {
    fn done(&self, tables: usize) -> bool {
        self.table >= tables
    }

    /// The next unit(s) of the copy, read from `source`.
    fn step(&mut self, source: &[Rows], rows: usize, create_alone: bool, out: &mut Vec<Item>) {
        if self.done(source.len()) {
            return;
        }
        if !self.created {
            out.push(Item::Create(self.table));
            self.created = true;
            self.cursor = None;
            if create_alone {
                return;
            }
        }
        let after = self.cursor.as_deref();
        let chunk: Vec<Row> = source[self.table]
            .iter()
            .filter(|(k, _)| after.is_none_or(|a| k.as_slice() > a))
            .take(rows)
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let last_key = chunk.last().map(|(k, _)| k.clone());
        // As the scheduler: a chunk shorter than asked ends the table.
        let complete = chunk.len() < rows;
        out.push(Item::Chunk {
            table: self.table,
            rows: chunk,
            last_key: last_key.clone(),
            complete,
        });
        if complete {
            self.table += 1;
            self.created = false;
        } else {
            self.cursor = last_key;
        }
    }
}

/// The stream of `case`, with the master's tables after each item.
fn stream(case: &Case, cut: Cut) -> (Vec<Item>, Vec<Vec<Rows>>) {
    let mut master = Master::new(&case.initial);
    let mut before_last_txn = master.tables.clone();
    let mut copier = Copier::default();
    let mut items = Vec::new();
    let mut states = Vec::new();
    let mut push = |items: &mut Vec<Item>, new: Vec<Item>, master: &Master| {
        for item in new {
            items.push(item);
            states.push(master.tables.clone());
        }
    };
    let copy_source = |master: &Master, stale: &[Rows], next: Option<&Step>| match (cut, next) {
        (Cut::Stale, _) => stale.to_vec(),
        (Cut::Late, Some(Step::Txn(txn))) => {
            let mut future = master.clone();
            future.run(txn);
            future.tables
        }
        _ => master.tables.clone(),
    };
    for (i, step) in case.steps.iter().enumerate() {
        match step {
            Step::Txn(txn) => {
                before_last_txn = master.tables.clone();
                let events = master.run(txn);
                if !events.is_empty() {
                    push(&mut items, vec![Item::Txn(events)], &master);
                }
            }
            Step::Copy { rows, create_alone } => {
                let source = copy_source(&master, &before_last_txn, case.steps.get(i + 1));
                let mut out = Vec::new();
                copier.step(&source, *rows, *create_alone, &mut out);
                push(&mut items, out, &master);
            }
        }
    }
    while !copier.done(master.tables.len()) {
        let source = copy_source(&master, &before_last_txn, None);
        let mut out = Vec::new();
        copier.step(&source, case.final_rows, false, &mut out);
        push(&mut items, out, &master);
        // Nothing is written after the last step: the rest is exact anyway.
        before_last_txn = master.tables.clone();
    }
    (items, states)
}

// ---------------------------------------------------------------------------
// The replica

/// The filter's decision function, replaceable to check the harness.
type Decide = fn(&Ledger, &str, &RowOp<'_>) -> Action;

fn decide(ledger: &Ledger, table: &str, op: &RowOp<'_>) -> Action {
    ledger.decide(table, op)
}

/// What happened, for the coverage test.
#[derive(Clone, Debug, Default)]
struct Stats {
    skip: u64,
    strict: u64,
    idempotent: u64,
    idempotent_no_row: u64,
    idempotent_overwrite: u64,
    move_in_row_missing: u64,
    move_in_row_present: u64,
    move_out: u64,
    chunks: u64,
    empty_complete_chunks: u64,
    purged: u64,
    multi_table_txns: u64,
    /// Master transactions applied while some table was partly copied.
    txns_mid_copy: u64,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.skip += o.skip;
        self.strict += o.strict;
        self.idempotent += o.idempotent;
        self.idempotent_no_row += o.idempotent_no_row;
        self.idempotent_overwrite += o.idempotent_overwrite;
        self.move_in_row_missing += o.move_in_row_missing;
        self.move_in_row_present += o.move_in_row_present;
        self.move_out += o.move_out;
        self.chunks += o.chunks;
        self.empty_complete_chunks += o.empty_complete_chunks;
        self.purged += o.purged;
        self.multi_table_txns += o.multi_table_txns;
        self.txns_mid_copy += o.txns_mid_copy;
    }
}

struct Replica {
    ledger: Ledger,
    tables: Vec<Rows>,
    decide: Decide,
    /// Whether a chunk deletes the replica's rows in its range that it
    /// does not hold (the rule; off only to check the harness).
    purge: bool,
    stats: Stats,
}

impl Replica {
    fn new(tables: usize, decide: Decide) -> Self {
        Replica {
            ledger: Ledger::new(),
            tables: vec![Rows::new(); tables],
            decide,
            purge: true,
            stats: Stats::default(),
        }
    }

    fn apply(&mut self, item: &Item) -> Result<(), Divergence> {
        match item {
            // As the server does: a table's CREATE leaves the ledger alone;
            // the master's changes to it are skipped until its first chunk.
            Item::Create(t) => {
                assert_eq!(self.ledger.state(&name(*t)), &TableState::NotCreated);
            }
            Item::Chunk {
                table,
                rows,
                last_key,
                complete,
            } => {
                let n = name(*table);
                self.ledger.table_in_copy(&n);
                let range = self
                    .ledger
                    .chunk_range(&n, last_key.as_deref(), *complete)
                    .unwrap();
                let replica = &mut self.tables[*table];
                let chunk: BTreeMap<_, _> = rows.iter().cloned().collect();
                assert!(chunk.keys().all(|k| range.contains(k)), "{range:?}");
                if self.purge {
                    let before = replica.len();
                    replica.retain(|k, _| !range.contains(k) || chunk.contains_key(k));
                    self.stats.purged += (before - replica.len()) as u64;
                }
                replica.extend(chunk);
                // The server's calls: one per copied row, in key order, then
                // the "end of table" note once the group is over.
                for (k, _) in rows {
                    self.ledger.chunk_row(&n, k).unwrap();
                }
                if *complete {
                    self.ledger.table_complete(&n).unwrap();
                }
                // The server's cursor is the key of the last copied row (a
                // hand-written chunk may name a later last key).
                let expected = if *complete {
                    TableState::Complete
                } else {
                    TableState::Created {
                        cursor: rows.last().map(|(k, _)| k.clone()),
                    }
                };
                assert_eq!(self.ledger.state(&n), &expected);
                self.stats.chunks += 1;
                if rows.is_empty() && *complete {
                    self.stats.empty_complete_chunks += 1;
                }
            }
            Item::Txn(events) => {
                let tables: BTreeSet<_> = events.iter().map(|(t, _)| t).collect();
                if tables.len() > 1 {
                    self.stats.multi_table_txns += 1;
                }
                let mid_copy = (0..self.tables.len()).any(|t| {
                    matches!(
                        self.ledger.state(&name(t)),
                        TableState::Created { cursor: Some(_) }
                    )
                });
                if mid_copy {
                    self.stats.txns_mid_copy += 1;
                }
                for (t, event) in events {
                    self.apply_row(*t, event)?;
                }
            }
        }
        Ok(())
    }

    /// Applies one row event as the [`Action`] docs say.
    fn apply_row(&mut self, t: usize, event: &RowEvent) -> Result<(), Divergence> {
        let n = name(t);
        let op = event.op();
        let action = (self.decide)(&self.ledger, &n, &op);
        let rows = &mut self.tables[t];
        let s = &mut self.stats;
        let fail = |f| Err(Divergence::strict_failed(&n, &op, f));
        match action {
            Action::Skip => s.skip += 1,
            Action::ApplyStrict => s.strict += 1,
            Action::ApplyIdempotent => s.idempotent += 1,
            Action::MoveIn => {}
            Action::MoveOut => s.move_out += 1,
        }
        match (action, event) {
            (Action::Skip, _) => {}
            (Action::ApplyStrict, RowEvent::Insert { after }) => {
                if rows.contains_key(&after.0) {
                    return fail(StrictFailure::KeyTaken);
                }
                rows.insert(after.0.clone(), after.1);
            }
            (Action::ApplyIdempotent, RowEvent::Insert { after }) => {
                if rows.insert(after.0.clone(), after.1).is_some() {
                    s.idempotent_overwrite += 1;
                }
            }
            (Action::ApplyStrict, RowEvent::Delete { before }) => {
                if rows.remove(&before.0).is_none() {
                    return fail(StrictFailure::RowMissing);
                }
            }
            (Action::ApplyIdempotent, RowEvent::Delete { before }) => {
                if rows.remove(&before.0).is_none() {
                    s.idempotent_no_row += 1;
                }
            }
            (Action::ApplyStrict, RowEvent::Update { before, after }) => {
                if !rows.contains_key(&before.0) {
                    return fail(StrictFailure::RowMissing);
                }
                if after.0 != before.0 && rows.contains_key(&after.0) {
                    return fail(StrictFailure::KeyTaken);
                }
                rows.remove(&before.0);
                rows.insert(after.0.clone(), after.1);
            }
            (Action::ApplyIdempotent, RowEvent::Update { before, after }) => {
                if rows.remove(&before.0).is_none() {
                    s.idempotent_no_row += 1;
                } else if rows.insert(after.0.clone(), after.1).is_some() {
                    s.idempotent_overwrite += 1;
                }
            }
            (Action::MoveIn, RowEvent::Update { before, after }) => {
                if rows.remove(&before.0).is_some() {
                    s.move_in_row_present += 1;
                } else {
                    s.move_in_row_missing += 1;
                }
                if rows.contains_key(&after.0) {
                    return fail(StrictFailure::KeyTaken);
                }
                rows.insert(after.0.clone(), after.1);
            }
            (Action::MoveOut, RowEvent::Update { before, after }) => {
                if rows.remove(&before.0).is_none() {
                    return fail(StrictFailure::RowMissing);
                }
                rows.insert(after.0.clone(), after.1);
            }
            (action, event) => panic!("{action:?} for {event:?}"),
        }
        Ok(())
    }
}

/// Checks DESIGN invariant I2 of the replica against the master at the
/// same point of the stream.
fn check_i2(replica: &Replica, master: &[Rows]) -> Result<(), String> {
    for (t, (mine, theirs)) in replica.tables.iter().zip(master).enumerate() {
        let state = replica.ledger.state(&name(t));
        let keys: BTreeSet<_> = mine.keys().chain(theirs.keys()).collect();
        for k in keys {
            let (m, r) = (theirs.get(k), mine.get(k));
            let ok = if state.covers(k) {
                m == r
            } else {
                r.is_none() || r == m
            };
            if !ok {
                return Err(format!(
                    "table {t} ({state:?}), key {k:?}: replica {r:?}, master {m:?}"
                ));
            }
        }
    }
    Ok(())
}

/// How a replayed stream ended.
#[derive(Debug)]
enum Outcome {
    /// Every table complete and equal to the master's.
    Equal,
    /// A strict apply failed.
    Diverged(Divergence),
    /// The stream ended with the replica not equal to the master.
    Unequal {
        table: usize,
        replica: Rows,
        master: Rows,
    },
}

/// Replays `items` on `replica` and compares the result with `master`;
/// with `states` (the master after each item), checks I2 after each item.
fn replay(
    replica: &mut Replica,
    items: &[Item],
    states: Option<&[Vec<Rows>]>,
    master: &[Rows],
) -> Outcome {
    for (i, item) in items.iter().enumerate() {
        if let Err(d) = replica.apply(item) {
            return Outcome::Diverged(d);
        }
        if let Some(states) = states {
            if let Err(e) = check_i2(replica, &states[i]) {
                panic!("I2 broken after item {i} {item:?}: {e}");
            }
        }
    }
    for (t, (mine, theirs)) in replica.tables.iter().zip(master).enumerate() {
        if mine != theirs {
            return Outcome::Unequal {
                table: t,
                replica: mine.clone(),
                master: theirs.clone(),
            };
        }
    }
    for t in 0..master.len() {
        assert_eq!(replica.ledger.state(&name(t)), &TableState::Complete);
    }
    Outcome::Equal
}

/// The filter's rules under test.
#[derive(Clone, Copy)]
enum Rules {
    /// `Ledger::decide` and the chunk-range deletion; with exact cuts, I2
    /// is checked after every item.
    Real,
    /// Broken rules, to check that the harness notices.
    Mutant { decide: Decide, purge: bool },
}

/// Generates the stream of `case` with `cut` and replays it under `rules`.
fn run(case: &Case, cut: Cut, rules: Rules) -> (Outcome, Stats) {
    let (items, states) = stream(case, cut);
    let master = Master::new(&case.initial).tables;
    let master = states.last().unwrap_or(&master);
    let (decide, purge, check) = match (rules, cut) {
        (Rules::Real, Cut::Exact) => (decide as Decide, true, Some(states.as_slice())),
        (Rules::Real, Cut::Stale | Cut::Late) => (decide as Decide, true, None),
        (Rules::Mutant { decide, purge }, _) => (decide, purge, None),
    };
    let mut replica = Replica::new(case.initial.len(), decide);
    replica.purge = purge;
    let outcome = replay(&mut replica, &items, check, master);
    (outcome, replica.stats)
}

// ---------------------------------------------------------------------------
// Generators

fn intent() -> impl Strategy<Value = Intent> {
    prop_oneof![
        2 => (0..KEYS).prop_map(|key| Intent::Insert { key }),
        1 => any::<usize>().prop_map(|pick| Intent::Delete { pick }),
        1 => any::<usize>().prop_map(|pick| Intent::Set { pick }),
        3 => (any::<usize>(), 0..KEYS).prop_map(|(pick, to)| Intent::Move { pick, to }),
        1 => any::<usize>().prop_map(|pick| Intent::Reinsert { pick }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => vec((0..3usize, intent()), 1..=4).prop_map(Step::Txn),
        1 => (1..=5usize, any::<bool>())
            .prop_map(|(rows, create_alone)| Step::Copy { rows, create_alone }),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (1..=3usize)
        .prop_flat_map(|tables| {
            (
                vec(btree_set(0..KEYS, 0..14), tables),
                vec(step(), 0..80),
                1..=5usize,
            )
        })
        .prop_map(|(initial, steps, final_rows)| Case {
            initial,
            steps,
            final_rows,
        })
}

/// Runs `f` on `n` histories generated from a fixed seed.
fn sweep<T>(n: u32, mut f: impl FnMut(&Case) -> T) -> Vec<T> {
    let config = Config {
        cases: n,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let strategy = case();
    (0..n)
        .map(|_| f(&strategy.new_tree(&mut runner).unwrap().current()))
        .collect()
}

// ---------------------------------------------------------------------------
// The property

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// With exact cuts the replica never diverges, keeps I2 after every
    /// item, and ends equal to the master; the chunk-range deletion never
    /// finds anything to delete (I2 makes it a no-op).
    #[test]
    fn the_replica_ends_equal_to_the_master(case in case()) {
        let (outcome, stats) = run(&case, Cut::Exact, Rules::Real);
        prop_assert!(matches!(outcome, Outcome::Equal), "{:?}", outcome);
        prop_assert_eq!(stats.purged, 0);
    }
}

/// The generated histories exercise every rule, many times.
#[test]
fn the_model_covers_every_rule() {
    let mut total = Stats::default();
    for (outcome, stats) in sweep(300, |case| run(case, Cut::Exact, Rules::Real)) {
        assert!(matches!(outcome, Outcome::Equal), "{outcome:?}");
        total.add(&stats);
    }
    println!("{total:#?}");
    let counts = [
        ("skip", total.skip),
        ("strict", total.strict),
        ("idempotent", total.idempotent),
        ("idempotent_no_row", total.idempotent_no_row),
        ("move_in_row_missing", total.move_in_row_missing),
        ("move_in_row_present", total.move_in_row_present),
        ("move_out", total.move_out),
        ("empty_complete_chunks", total.empty_complete_chunks),
        ("multi_table_txns", total.multi_table_txns),
    ];
    for (what, n) in counts {
        assert!(n >= 20, "{what}: only {n} in 300 histories");
    }
    assert!(total.txns_mid_copy >= 1000, "{total:?}");
    // I2 at work: beyond the range the replica holds only the master's
    // rows, and the master inserts (or moves a row) only into a free key,
    // so an idempotent write never finds a row to overwrite.
    assert_eq!(total.idempotent_overwrite, 0);
}

// ---------------------------------------------------------------------------
// The harness can fail

fn chunk(table: usize, rows: &[(u16, u32)], last: Option<u16>, complete: bool) -> Item {
    Item::Chunk {
        table,
        rows: rows.iter().map(|&(k, v)| (key(k), v)).collect(),
        last_key: last.map(key),
        complete,
    }
}

fn rows(rows: &[(u16, u32)]) -> Rows {
    rows.iter().map(|&(k, v)| (key(k), v)).collect()
}

/// The master holds rows 1 and 7; the copy has copied up to key 5 when the
/// master updates row 7; the chunk `(5, end]` that follows must show the
/// update.  Read before the update (a cut earlier than its place in the
/// stream), it loses the update and the replica ends unequal.
#[test]
fn a_chunk_read_before_an_update_it_follows_loses_the_update() {
    let master = [rows(&[(1, 10), (7, 71)])];
    let update = Item::Txn(vec![(
        0,
        RowEvent::Update {
            before: (key(7), 70),
            after: (key(7), 71),
        },
    )]);
    let run = |last_chunk: Item| {
        let mut r = Replica::new(1, decide);
        let items = [
            Item::Create(0),
            chunk(0, &[(1, 10)], Some(5), false),
            update.clone(),
            last_chunk,
        ];
        let out = replay(&mut r, &items, None, &master);
        (out, r.tables[0].clone())
    };
    let (exact, _) = run(chunk(0, &[(7, 71)], Some(7), true));
    assert!(matches!(exact, Outcome::Equal), "{exact:?}");
    let (stale, _) = run(chunk(0, &[(7, 70)], Some(7), true));
    let Outcome::Unequal {
        table,
        replica,
        master,
    } = stale
    else {
        panic!("a lost update went unnoticed: {stale:?}");
    };
    assert_eq!(table, 0);
    assert_eq!(replica, rows(&[(1, 10), (7, 70)]));
    assert_eq!(master, rows(&[(1, 10), (7, 71)]));
}

/// A chunk read after an insert that follows it in the stream brings the
/// row twice: the strict insert finds it and provisioning stops.
#[test]
fn a_chunk_read_after_an_insert_it_precedes_is_a_divergence() {
    let mut r = Replica::new(1, decide);
    let items = [
        Item::Create(0),
        chunk(0, &[(1, 10), (3, 30)], Some(3), false),
        Item::Txn(vec![(
            0,
            RowEvent::Insert {
                after: (key(3), 30),
            },
        )]),
    ];
    let master = [rows(&[(1, 10), (3, 30)])];
    let Outcome::Diverged(d) = replay(&mut r, &items, None, &master) else {
        panic!("the doubled row went unnoticed");
    };
    assert_eq!(d.table, name(0));
    assert_eq!(d.key, key(3));
    assert_eq!(
        d.to_string(),
        "LOAD DATA FROM MASTER: the replica diverged from the master: INSERT found the key \
         already taken in table `db`.`t0` at key 0x0003; provisioning stopped. Copy again: \
         LOAD DATA FROM MASTER ... REPLACE"
    );
}

/// Histories each negative test generates.
const NEGATIVE_CASES: u32 = 200;

/// How many of [`NEGATIVE_CASES`] generated histories end badly (diverge
/// or unequal).
fn failures(cut: Cut, rules: Rules) -> usize {
    sweep(NEGATIVE_CASES, |case| run(case, cut, rules).0)
        .into_iter()
        .filter(|o| !matches!(o, Outcome::Equal))
        .count()
}

/// Chunks read one transaction early: the random histories catch it.
#[test]
fn stale_cuts_are_caught() {
    let n = failures(Cut::Stale, Rules::Real);
    println!("stale cut: {n} of {NEGATIVE_CASES} histories diverge or end unequal");
    assert!(n >= 10, "only {n} of {NEGATIVE_CASES}");
}

/// Mutant rules: `decide` with `from` replaced by `to`.
macro_rules! mutant {
    ($from:ident => $to:ident, purge: $purge:expr) => {{
        fn mutated(l: &Ledger, t: &str, op: &RowOp<'_>) -> Action {
            match l.decide(t, op) {
                Action::$from => Action::$to,
                a => a,
            }
        }
        Rules::Mutant {
            decide: mutated,
            purge: $purge,
        }
    }};
}

/// Without the move-in rule (a row moving into the copied range applied
/// as an idempotent update, which skips it when the replica lacks the
/// before-row), rows are lost: the random histories catch it.
#[test]
fn dropping_the_move_in_rule_is_caught() {
    let n = failures(Cut::Exact, mutant!(MoveIn => ApplyIdempotent, purge: true));
    println!("move-in as idempotent update: {n} of {NEGATIVE_CASES} histories fail");
    assert!(n >= 10, "only {n} of {NEGATIVE_CASES}");
}

/// A row moving out of the copied range left in place (the move skipped)
/// stays inside the range, where the master no longer has it.
#[test]
fn skipping_moves_out_is_caught() {
    let n = failures(Cut::Exact, mutant!(MoveOut => Skip, purge: true));
    println!("move-out skipped: {n} of {NEGATIVE_CASES} histories fail");
    assert!(n >= 10, "only {n} of {NEGATIVE_CASES}");
}

/// Chunks read one transaction late: the strict applies inside the copied
/// range catch it (the transaction's insert finds the row the chunk already
/// brought, its delete or move misses the row the chunk no longer had).
/// Applied idempotently inside the range as well, most of those late cuts
/// pass silently: strictness is what detects them.
#[test]
fn late_cuts_are_caught_by_strictness() {
    let n = failures(Cut::Late, Rules::Real);
    let lax = mutant!(ApplyStrict => ApplyIdempotent, purge: true);
    let silent = failures(Cut::Late, lax);
    println!("late cut: {n} of {NEGATIVE_CASES} histories fail, {silent} without strictness");
    assert!(n >= 10, "only {n} of {NEGATIVE_CASES}");
    assert!(silent < n / 2, "{silent} of {n} without strictness");
}

/// Beyond the copied range, skipping the master's operations instead of
/// applying them idempotently is repaired by the chunk-range deletion (a
/// chunk is the truth for its range whatever the replica holds there), and
/// caught without it.
#[test]
fn the_chunk_range_deletion_repairs_what_is_beyond_the_range() {
    let n = failures(Cut::Exact, mutant!(ApplyIdempotent => Skip, purge: true));
    assert_eq!(n, 0, "skipping beyond the range, with the deletion");
    let n = failures(Cut::Exact, mutant!(ApplyIdempotent => Skip, purge: false));
    println!("beyond skipped, no chunk-range deletion: {n} of {NEGATIVE_CASES} histories fail");
    assert!(n >= 10, "only {n} of {NEGATIVE_CASES}");
}
