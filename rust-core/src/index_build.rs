//! A table's deferred secondary indexes, built off the replica's SQL
//! thread.
//!
//! The master sends a table without its non-unique secondary indexes and,
//! after its last chunk, one `ALTER TABLE ... ADD KEY ...` copy group that
//! builds them in one sorted pass (see [`crate::ddl`]).  Run by the SQL
//! thread, that build stops everything else the replica applies, the
//! next table's rows and the master's transactions, for as long as it
//! takes.  So the replica hands it to a builder of its own (a local
//! connection) and goes on: InnoDB's online `ADD INDEX` takes the master's
//! changes to the table meanwhile through its row log.
//!
//! **The rule that keeps the replica's order the master's.**  Row changes
//! apply alongside a build: the master's to any table (a non-unique index
//! changes no row's fate), the next tables' chunks.  A *statement* outside
//! a transaction waits until every build in flight has ended
//! ([`statement_waits`]): every statement of the master but transaction
//! control (its DDL), and every copy statement but a table's CREATE and
//! its build.  So no DDL, and no DROP or RENAME the ledger follows, ever
//! runs beside a build, and each runs after the builds the stream put
//! before it, as the serial SQL thread ran them.  A statement inside a
//! transaction (a write the master logged as a statement) does not wait:
//! the build may be waiting for that transaction's locks on its table.
//! It changes rows only; if it has a table copied again, the copy's
//! CREATE of it (which waits for the build's locks) replaces the table,
//! and the build's end records nothing for it (it is no longer wanted).  At most [`MAX_IN_FLIGHT`]
//! builds run at once (the next one waits for the oldest), and the end of
//! the copy waits for every build.  The SQL thread waits for builds only
//! outside a transaction: it then holds no lock a build could wait for.
//!
//! **Prepared XA transactions.**  A prepared XA transaction holds its
//! table's locks until its `XA COMMIT`, later in the stream, and a build
//! of that table waits for them at its commit.  So while one is prepared
//! on this server, a statement of the master that names none of the
//! tables being built goes on beside them ([`statement_passes_builds`]),
//! and a build that failed on a lock wait while the SQL thread did not
//! wait for it runs again beside the SQL thread ([`runs_again_beside`]).
//!
//! **Failures.**  A build that fails otherwise (InnoDB's row log overflows
//! under heavy writes, the disk fills) is run again once with the SQL thread
//! waiting for it, as it would have run on the SQL thread itself, with no
//! change to the table meanwhile.  If that fails too, the copy stops
//! with an error that names the table; the same statement goes on with
//! it and runs the build again as it goes on.  A build that reports its first index
//! already there (`ER_DUP_KEYNAME`) was made by an earlier run of the
//! same build, before a restart: built ([`built`]).
//!
//! **The record.**  A build in flight is in the copy's record
//! (`mysql.provision_progress`) from the first group committed after its
//! hand-over: the table's row has the state [`BUILDING`], the statement
//! in its cursor and the session it runs in ([`BuildContext`]) in its
//! resume column; its end makes the row `complete` again.  After a crash,
//! the copy hands the builds its record names to builders again as it
//! goes on, beside the SQL thread, not before it starts: an XA
//! transaction the crash left prepared on the table holds locks until
//! its `XA COMMIT`, further on in the stream.  InnoDB rolled back the
//! builds the crash cut short, and a finished one reports
//! [`crate::server_consts::ER_DUP_KEYNAME`].  A build handed over after
//! the last recorded group is not there, but neither is its group: the
//! master sends it again.

use crate::ddl_during_copy::{created_table, QualifiedTable, Tokens};
use crate::protocol::table_ident;
use crate::server_consts as errors;

/// Builds one connection's copy runs at once beside its SQL thread.  One:
/// a build uses a core of its own (reading the table back, sorting), and
/// a second one beside it would compete with the SQL thread and the
/// master's load for the same cores; the next table's rows take about as
/// long as a build.
pub const MAX_IN_FLIGHT: usize = 1;

/// Whether builds run beside the SQL thread on a server that may run on
/// `cpus` CPUs (its affinity mask).  With one, a builder only takes
/// turns with the SQL thread on the same core: measured 9 % slower than
/// the SQL thread's own `ALTER` (docs/benchmarks.md), so the SQL thread
/// runs the build itself, as before.
pub fn beside_sql_thread(cpus: usize) -> bool {
    cpus > 1
}

/// The `state` of a complete table's row while its indexes are built.
pub const BUILDING: &str = "indexes";

/// The settings of a builder's session beside the Query event's own
/// ([`BuildContext`]), which the builder would otherwise take from the
/// server's global values: `alter_algorithm=DEFAULT`, so that a server
/// whose default is `COPY` (or `old_alter_table`) still builds in place,
/// sorted, with the SQL thread's writes to the table going on through
/// the row log (a copying `ALTER` would hold them for the whole build).
pub const BUILDER_SETTINGS: &str = "alter_algorithm=DEFAULT";

/// The session a build's statement runs in: the Query event's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BuildContext {
    /// `@@sql_mode` (the text of the keys is `SHOW CREATE TABLE`'s under
    /// it: `ANSI_QUOTES` quotes names with `"`).
    pub sql_mode: u64,
    /// `@@character_set_client`, by id.
    pub charset_client: u16,
    /// `@@collation_connection`, by id.
    pub collation_connection: u16,
}

impl BuildContext {
    /// The context as the record keeps it: three numbers.
    pub fn encode(&self) -> String {
        format!(
            "{} {} {}",
            self.sql_mode, self.charset_client, self.collation_connection
        )
    }

    /// The context [`BuildContext::encode`] wrote.
    pub fn decode(text: &str) -> Option<BuildContext> {
        let mut parts = text.split(' ');
        let context = BuildContext {
            sql_mode: parts.next()?.parse().ok()?,
            charset_client: parts.next()?.parse().ok()?,
            collation_connection: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(context)
    }
}

/// The build statement a copy group's `query` is, run in `default_db`,
/// for table `table` (the replica's quoted `db`.`table`, the copy's
/// current table), or `None`: the statement a builder runs, the same
/// `ALTER TABLE` naming its table in full (the builder has no current
/// database, and the connection's `replicate_rewrite_db` may rename it).
pub fn build_statement(
    query: &[u8],
    default_db: &str,
    table: &str,
    rewrite: impl Fn(&str) -> String,
) -> Option<Vec<u8>> {
    let ((db, name), keys) = build_target(query, default_db)?;
    (table_ident(&rewrite(&db), &name) == table)
        .then(|| format!("ALTER TABLE {table} {keys}").into_bytes())
}

/// The table of `ALTER TABLE <table> ADD ...`, the form of a copy's index
/// build, and the text from `ADD` on.
fn build_target<'a>(query: &'a [u8], default_db: &str) -> Option<(QualifiedTable, &'a str)> {
    let text = std::str::from_utf8(query).ok()?;
    let mut t = Tokens::new(text);
    t.keyword("ALTER")?;
    t.keyword("TABLE")?;
    let table = t.table(default_db)?;
    t.peek_is("ADD").then(|| (table, t.rest()))
}

/// Whether `query`, a statement of a copy group (`copy`) or of the
/// master's, in `default_db`, waits until every build in flight has
/// ended (see the module documentation): all but transaction control, and
/// the copy's CREATE of a table and its index builds; none inside a
/// transaction (`in_transaction`), whose locks a build may be waiting for
/// (a statement-logged write: it changes rows only, and a table it has
/// copied again is no longer the build's, see the module documentation).
pub fn statement_waits(query: &[u8], copy: bool, in_transaction: bool, default_db: &str) -> bool {
    if in_transaction {
        return false;
    }
    if copy {
        return created_table(query, default_db).is_none()
            && build_target(query, default_db).is_none();
    }
    let Ok(text) = std::str::from_utf8(query) else {
        return true;
    };
    let mut t = Tokens::new(text);
    !["BEGIN", "COMMIT", "ROLLBACK", "XA", "SAVEPOINT", "RELEASE"]
        .iter()
        .any(|w| t.keyword(w).is_some())
}

/// Whether the master's statement `query`, which waits for the builds in
/// flight ([`statement_waits`]) of the tables `building` (the replica's
/// quoted names), goes on beside them instead while an XA transaction is
/// prepared on this server: only when its text names none of their
/// tables.  A prepared XA transaction holds its table's locks until its
/// `XA COMMIT`, which comes later in the stream; a build on that table
/// waits for them at its commit, so a statement that waited for the build
/// would wait for itself.  On the master a DDL of the table itself waits
/// for the XA transaction's metadata lock, so the statements here are
/// about other objects; one that still names the table (`CREATE TABLE
/// ... LIKE` it, a foreign key to it, a name that merely contains it)
/// waits as before.  A name with a quote in it always waits: its text is
/// quoted differently.
pub fn statement_passes_builds<'a>(
    query: &[u8],
    mut building: impl Iterator<Item = &'a str>,
) -> bool {
    let Ok(text) = std::str::from_utf8(query) else {
        return false;
    };
    let text = text.to_lowercase();
    building.all(|table| match Tokens::new(table).table("") {
        Some((_, name)) if !name.contains(['`', '"']) => !text.contains(&name.to_lowercase()),
        _ => false,
    })
}

/// Whether a build that failed with `error_code` runs again beside the
/// SQL thread rather than with the SQL thread waiting for it: it waited
/// too long for a lock (or was chosen as a deadlock's victim) while the
/// SQL thread was not waiting for it (`sql_thread_waits`).  The lock is
/// most likely a prepared XA transaction's, whose `XA COMMIT` the SQL
/// thread must go on to apply; with the SQL thread waiting, the build
/// would wait for it again.  Any other failure runs again with the SQL
/// thread waiting, with no change to its table meanwhile.
pub fn runs_again_beside(error_code: u32, sql_thread_waits: bool) -> bool {
    !sql_thread_waits && lock_wait(error_code)
}

/// Whether a build's `error_code` says it waited too long for a lock (or
/// was chosen as a deadlock's victim): another transaction holds locks on
/// its table.
pub fn lock_wait(error_code: u32) -> bool {
    matches!(
        error_code,
        errors::ER_LOCK_WAIT_TIMEOUT | errors::ER_LOCK_DEADLOCK
    )
}

/// Whether a build that ended with `error_code` (0: none) built the
/// indexes: it did, or an earlier run of it did (see the module
/// documentation).
pub fn built(error_code: u32) -> bool {
    error_code == 0 || error_code == errors::ER_DUP_KEYNAME
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(db: &str) -> String {
        db.to_owned()
    }

    #[test]
    fn a_statement_passes_builds_only_when_it_names_none_of_their_tables() {
        let building = ["`ib`.`t1`", "`ib`.`Orders`"];
        let passes = |q: &str| statement_passes_builds(q.as_bytes(), building.iter().copied());
        assert!(passes("CREATE TABLE ib.t9 (a INT)"));
        assert!(passes("DROP VIEW `other`.`v`"));
        assert!(!passes("CREATE TABLE ib.t9 LIKE ib.t1"));
        assert!(!passes(
            "ALTER TABLE t2 ADD FOREIGN KEY (a) REFERENCES `T1` (a)"
        ));
        assert!(!passes("RENAME TABLE ib.orders TO ib.old"));
        // a name that contains the table's waits too
        assert!(!passes("CREATE TABLE ib.t10 (a INT)"));
        let quoted = ["`ib`.`a``b`"];
        assert!(!statement_passes_builds(
            b"CREATE TABLE ib.t9 (a INT)",
            quoted.iter().copied()
        ));
        assert!(!statement_passes_builds(
            &[0xff, 0xfe],
            building.iter().copied()
        ));
    }

    #[test]
    fn only_a_lock_wait_the_sql_thread_is_not_in_runs_again_beside() {
        assert!(runs_again_beside(errors::ER_LOCK_WAIT_TIMEOUT, false));
        assert!(runs_again_beside(errors::ER_LOCK_DEADLOCK, false));
        assert!(!runs_again_beside(errors::ER_LOCK_WAIT_TIMEOUT, true));
        assert!(!runs_again_beside(1021, false)); // the disk is full
    }

    #[test]
    fn the_build_of_the_current_table_names_it_in_full() {
        let q = b"ALTER TABLE `sbtest1` ADD KEY `k_1` (`k`)";
        assert_eq!(
            build_statement(q, "sbtest", "`sbtest`.`sbtest1`", same).as_deref(),
            Some(&b"ALTER TABLE `sbtest`.`sbtest1` ADD KEY `k_1` (`k`)"[..])
        );
        // ANSI_QUOTES names, a rewritten database, odd names
        let q = b"ALTER TABLE \"t\" ADD KEY \"k\" (\"a\")";
        let rewrite = |db: &str| if db == "m" { "r".to_owned() } else { same(db) };
        assert_eq!(
            build_statement(q, "m", "`r`.`t`", rewrite).as_deref(),
            Some(&b"ALTER TABLE `r`.`t` ADD KEY \"k\" (\"a\")"[..])
        );
        let q = b"ALTER TABLE `a``b` ADD KEY `k` (`x`)";
        assert!(build_statement(q, "d.e", "`d.e`.`a``b`", same).is_some());
    }

    #[test]
    fn other_statements_and_other_tables_are_no_build() {
        let current = "`d`.`t`";
        for q in [
            &b"ALTER TABLE `u` ADD KEY `k` (`a`)"[..],
            b"ALTER TABLE `t` DROP KEY `k`",
            b"ALTER DATABASE `d` CHARACTER SET latin1",
            b"CREATE OR REPLACE TABLE `t` (a INT)",
            b"ALTER TABLE `t` ADD KEY \xff",
        ] {
            assert_eq!(build_statement(q, "d", current, same), None, "{q:?}");
        }
    }

    #[test]
    fn statements_wait_for_builds_but_transaction_control_and_creates() {
        for q in [
            "BEGIN",
            "COMMIT",
            "ROLLBACK",
            "XA START X'01'",
            "xa commit X'01'",
            "SAVEPOINT a",
        ] {
            assert!(!statement_waits(q.as_bytes(), false, false, "d"), "{q}");
        }
        for q in [
            "ALTER TABLE t DROP KEY k",
            "DROP TABLE t",
            "RENAME TABLE t TO u",
            "INSERT INTO t SELECT * FROM u",
            "TRUNCATE t",
            "CREATE TABLE t2 (a INT)",
        ] {
            assert!(statement_waits(q.as_bytes(), false, false, "d"), "{q}");
            assert!(!statement_waits(q.as_bytes(), false, true, "d"), "{q}");
        }
        assert!(!statement_waits(
            b"CREATE OR REPLACE TABLE `t` (a INT)",
            true,
            false,
            "d"
        ));
        assert!(statement_waits(
            b"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET @a=1",
            true,
            false,
            "d"
        ));
        assert!(statement_waits(
            b"CREATE VIEW v AS SELECT 1",
            true,
            false,
            "d"
        ));
    }

    #[test]
    fn a_context_reads_back() {
        let c = BuildContext {
            sql_mode: 1 << 40 | 4,
            charset_client: 33,
            collation_connection: 224,
        };
        assert_eq!(BuildContext::decode(&c.encode()), Some(c));
        assert_eq!(BuildContext::decode("1 2"), None);
        assert_eq!(BuildContext::decode("1 2 3 4"), None);
        assert_eq!(BuildContext::decode("x 2 3"), None);
    }

    #[test]
    fn one_cpu_builds_on_the_sql_thread() {
        assert!(!beside_sql_thread(1));
        assert!(beside_sql_thread(2));
    }

    #[test]
    fn a_key_already_there_counts_as_built() {
        assert!(built(0));
        assert!(built(errors::ER_DUP_KEYNAME));
        assert!(!built(errors::ER_NO_SUCH_TABLE));
    }
}
