//! Replica-side precondition checks of `LOAD DATA FROM MASTER`.
//!
//! Invariant: a refused statement has changed nothing.  The statement shim
//! gathers [`ReplicaFacts`] under the connection's locks, asks
//! [`check_replica`], and raises the returned [`Refusal`] (a server error
//! code and its one argument) before it touches any data or thread.

use crate::copy_filter::CopyFilter;
use crate::ddl::quote_ident;
use crate::scheduler::is_system_schema;
use crate::server_consts as sc;

/// Name the server gives the statement in errors that quote a statement.
pub const STATEMENT_NAME: &str = "LOAD DATA FROM MASTER";

/// How a master connection uses GTID, as `Master_info::enum_using_gtid`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UseGtid {
    /// `MASTER_USE_GTID=no`: file/position replication.
    No,
    /// `MASTER_USE_GTID=current_pos`.
    CurrentPos,
    /// `MASTER_USE_GTID=slave_pos`.
    SlavePos,
}

impl UseGtid {
    /// Maps the server's `Master_info::enum_using_gtid` value; unknown
    /// values are treated as GTID mode off, which refuses rather than guesses.
    pub fn from_server(value: u8) -> Self {
        match value {
            1 => UseGtid::CurrentPos,
            2 => UseGtid::SlavePos,
            _ => UseGtid::No,
        }
    }
}

/// What the statement shim knows about the session and the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaFacts {
    /// The connection name after `@@default_master_connection` was applied.
    pub connection_name: String,
    /// The statement runs inside a stored program (procedure, function,
    /// trigger, event), including dynamic SQL executed from one.
    pub in_stored_program: bool,
    /// The session has an active multi-statement transaction.
    pub in_transaction: bool,
    /// A master connection of that name exists.
    pub connection_exists: bool,
    /// The connection has a master host (CHANGE MASTER ... MASTER_HOST).
    pub master_host_set: bool,
    /// The connection's IO thread is running (or starting).
    pub io_thread_running: bool,
    /// The connection's SQL thread is running (or starting).
    pub sql_thread_running: bool,
    /// The connection's `MASTER_USE_GTID`.
    pub use_gtid: UseGtid,
    /// The connection's `MASTER_DELAY`, in seconds (0: none).
    pub master_delay: u32,
    /// The connection's pending `sql_slave_skip_counter` (0: none): the
    /// events its SQL thread would skip when it starts.
    pub skip_counter: u64,
    /// XA transactions prepared on this server (`XA RECOVER`), and the
    /// XID of one of them as the server prints it.
    pub prepared_xa: u32,
    /// See `prepared_xa`.
    pub prepared_xid: String,
    /// `slave_skip_errors` (`ALL`, or a list with `ER_PROVISION_FAILED`)
    /// would let the SQL thread skip the error a copy stops with.
    pub skips_provision_errors: bool,
    /// Replicas of this server's own connected to it (`Slaves_connected`:
    /// binary log dump threads, provisioning dumps included).
    pub replicas_connected: u32,
    /// Each database of the replica with its tables.
    pub databases: Vec<(String, Vec<String>)>,
    /// The connection's replication filter: the copy takes only what it
    /// lets through, so only such tables are in the copy's way.
    pub filter: CopyFilter,
    /// `LOAD DATA FROM MASTER ... REPLACE`: the DBA allows the copy to
    /// replace the tables of the master's it finds here.
    pub replace: bool,
    /// The request this statement would send (its options and filter).
    pub request: String,
    /// The request of an unfinished copy of this connection that this
    /// server keeps (stopped by `KILL` or a connection it could not get
    /// back); empty when there is none.
    pub parked_request: String,
    /// The request of this connection's copy that stopped on an error
    /// before its end (its marker file says so: it cannot go on); empty
    /// when there is none.
    pub failed_request: String,
}

/// How a `LOAD DATA FROM MASTER` that passed the checks starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// A new copy.
    Fresh,
    /// It goes on with the connection's unfinished copy, which has the
    /// same options and filter: the copied tables are that copy's.
    Resume,
}

/// Why the statement is refused: the server error to raise.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Stored programs cannot provision: it must be a top-level statement.
    #[error("{STATEMENT_NAME} is not allowed in stored programs")]
    InStoredProgram,
    /// A transaction is open in the session.
    #[error("{STATEMENT_NAME} cannot run inside a transaction (connection '{0}')")]
    InTransaction(String),
    /// No master connection has that name.
    #[error("there is no master connection '{0}'")]
    UnknownConnection(String),
    /// The connection exists but was never pointed at a master.
    #[error("master connection '{0}' has no MASTER_HOST")]
    NotConfigured(String),
    /// The connection's IO or SQL thread is running.
    #[error("the replication threads of connection '{0}' are running")]
    ThreadsRunning(String),
    /// The connection replicates by file and position.
    #[error("master connection '{0}' does not use GTID")]
    GtidRequired(String),
    /// The connection has a `MASTER_DELAY`: its SQL thread would hold every
    /// event of the copy (all written now) that long.
    #[error(
        "master connection '{connection}' has MASTER_DELAY={seconds}, and its SQL thread \
         would hold every event of the copy for {seconds} s; run CHANGE MASTER{named} TO \
         MASTER_DELAY=0 for the copy and set the delay again before START SLAVE{named}; \
         nothing was changed",
        named = connection_clause(.connection)
    )]
    MasterDelay {
        /// The connection.
        connection: String,
        /// Its `MASTER_DELAY`.
        seconds: u32,
    },
    /// A pending `sql_slave_skip_counter`: the SQL thread would skip the
    /// first events of the copy (a chunk, a CREATE, a copy group's GTID),
    /// and the copy would end silently wrong.
    #[error(
        "master connection '{connection}' has sql_slave_skip_counter={events}, and its SQL \
         thread would skip events of the copy, leaving it silently wrong; clear it with \
         {set_connection}SET GLOBAL sql_slave_skip_counter=0 and run the statement again (a \
         copy needs no skip: it starts from the master's data, and a copied table's events \
         apply idempotently until the copy reaches them); nothing was changed",
        set_connection = default_connection_clause(.connection)
    )]
    SkipCounter {
        /// The connection.
        connection: String,
        /// Its pending `sql_slave_skip_counter`.
        events: u64,
    },
    /// Replicas of this server are connected to it: the copy is not
    /// written to this server's binary log (only the master's
    /// transactions are, as they apply), so they would not get it, and
    /// would go on from a stream this server's data no longer follows.
    #[error(
        "this server has {0} replica(s) of its own connected (Slaves_connected), and a copy \
         is not written to its binary log: they would not get the copied data, and would \
         silently miss what the master did before the copy started; stop them (STOP SLAVE \
         on each, or KILL their Binlog Dump threads here), and after this copy provision \
         each of them from this server with LOAD DATA FROM MASTER; nothing was changed"
    )]
    ReplicasConnected(u32),
    /// `slave_skip_errors` would skip the error with which a copy stops
    /// when the replica diverges: the copy would go on, silently wrong.
    #[error(
        "slave_skip_errors lets the SQL thread skip error {code} (ER_PROVISION_FAILED), with \
         which a copy stops when the replica diverges from the master, so a copy could end \
         silently wrong; remove ALL and {code} from slave_skip_errors in this server's \
         configuration and restart it; nothing was changed",
        code = sc::ER_PROVISION_FAILED
    )]
    SkipsProvisionErrors,
    /// The replica holds a user table, which the copy could overwrite.
    #[error("the replica is not empty: table {0} exists")]
    ReplicaNotEmpty(String),
    /// `LOAD TABLE`: the connection does not replicate a table named.
    #[error(
        "LOAD TABLE ... FROM MASTER: master connection '{connection}' does not replicate \
         {table} (its replicate_* filter leaves it out); nothing was changed"
    )]
    TableFilteredOut {
        /// The connection.
        connection: String,
        /// `db`.`table`.
        table: String,
    },
    /// XA transactions prepared here hold locks the copy's `CREATE OR
    /// REPLACE` of a table would wait for until they end.
    #[error(
        "this server has {count} prepared XA transaction(s) (XA RECOVER lists them; one is \
         {xid}), whose locks a copy that replaces tables would wait for: {advice}; nothing \
         was changed"
    )]
    PreparedXa {
        /// How many.
        count: u32,
        /// One of their XIDs.
        xid: String,
        /// What ends them in time.
        advice: &'static str,
    },
    /// The connection's copy stopped on an error before its end, and its
    /// tables are in the way of a new copy without `REPLACE`.
    #[error(
        "a copy by LOAD DATA FROM MASTER '{connection}'{options} stopped on an error before \
         its end and cannot go on; {tables}. To copy again: LOAD DATA FROM MASTER \
         '{connection}' REPLACE{options}; to keep this server's data as it is: RESET SLAVE \
         '{connection}'; nothing was changed"
    )]
    StoppedCopy {
        /// The connection.
        connection: String,
        /// The stopped copy's options, as its statement spells them.
        options: String,
        /// The tables in the way, as `name_tables` says it.
        tables: String,
    },
    /// `LOAD TABLE`: the connection has an unfinished copy of another kind.
    #[error(
        "LOAD TABLE ... FROM MASTER: master connection '{0}' has an unfinished copy; go \
         on with it with the statement that started it, or forget it with RESET SLAVE \
         '{0}' first; nothing was changed"
    )]
    UnfinishedCopy(String),
}

impl Refusal {
    /// The server error code to raise (`ER_*` from `mysqld_error.h`).
    pub fn error_code(&self) -> u32 {
        match self {
            Refusal::InStoredProgram => sc::ER_SP_BADSTATEMENT,
            Refusal::InTransaction(_) => sc::ER_PROVISION_IN_TRANSACTION,
            Refusal::UnknownConnection(_) => sc::ER_PROVISION_NO_CONNECTION,
            Refusal::NotConfigured(_) => sc::ER_PROVISION_NOT_CONFIGURED,
            Refusal::ThreadsRunning(_) => sc::ER_PROVISION_THREADS_RUNNING,
            Refusal::GtidRequired(_) => sc::ER_PROVISION_NEEDS_GTID,
            Refusal::ReplicaNotEmpty(_) => sc::ER_PROVISION_REPLICA_NOT_EMPTY,
            Refusal::TableFilteredOut { .. }
            | Refusal::UnfinishedCopy(_)
            | Refusal::StoppedCopy { .. }
            | Refusal::MasterDelay { .. }
            | Refusal::SkipCounter { .. }
            | Refusal::ReplicasConnected(_)
            | Refusal::PreparedXa { .. }
            | Refusal::SkipsProvisionErrors => sc::ER_PROVISION_FAILED,
        }
    }

    /// The `%s` argument of the error's message: the statement name for
    /// `ER_SP_BADSTATEMENT`, the quoted table for a non-empty replica,
    /// the whole text for `ER_PROVISION_FAILED` (whose connection name
    /// the shim adds), the connection name for the others.
    pub fn error_arg(&self) -> String {
        match self {
            Refusal::InStoredProgram => STATEMENT_NAME.to_owned(),
            Refusal::InTransaction(name)
            | Refusal::UnknownConnection(name)
            | Refusal::NotConfigured(name)
            | Refusal::ThreadsRunning(name)
            | Refusal::GtidRequired(name)
            | Refusal::ReplicaNotEmpty(name) => name.clone(),
            Refusal::TableFilteredOut { .. }
            | Refusal::UnfinishedCopy(_)
            | Refusal::StoppedCopy { .. }
            | Refusal::MasterDelay { .. }
            | Refusal::SkipCounter { .. }
            | Refusal::ReplicasConnected(_)
            | Refusal::PreparedXa { .. }
            | Refusal::SkipsProvisionErrors => self.to_string(),
        }
    }
}

/// Decides whether `LOAD DATA FROM MASTER` may start on this replica.
///
/// Checks run from the session outwards (stored program, transaction), then
/// the connection (exists, configured, threads stopped, GTID mode), so the
/// first error names the first thing the DBA has to fix.
pub fn check_replica(facts: &ReplicaFacts) -> Result<Start, Refusal> {
    check_connection(facts)?;
    // The same statement again after a KILL: the tables in the way are
    // that copy's, and it goes on (REPLACE starts a new one instead).
    // Nothing of it left here (the DBA dropped what it copied): a new one.
    let in_the_way = tables_in_the_way(facts);
    if !facts.replace
        && !facts.parked_request.is_empty()
        && facts.parked_request == facts.request
        && !in_the_way.is_empty()
    {
        return Ok(Start::Resume);
    }
    // The copy replaces databases and tables of the master's names: never
    // let it drop a replica's data (DESIGN §1: nothing lost silently).
    // Tables the connection's filter leaves out (another connection's, or
    // the replica's own) are not in its way.
    if !in_the_way.is_empty() && !facts.replace {
        // Most likely the tables of the connection's copy that stopped on
        // an error: that is what the DBA needs to know.
        if !facts.failed_request.is_empty() {
            return Err(Refusal::StoppedCopy {
                connection: facts.connection_name.clone(),
                options: request_options(&facts.failed_request),
                tables: name_tables(&in_the_way),
            });
        }
        return Err(Refusal::ReplicaNotEmpty(name_tables(&in_the_way)));
    }
    // The tables it replaces may be locked by XA transactions the old
    // stream prepared here: their end never comes in the copy's stream,
    // which starts at the master's position, and their changes are the
    // ones the copy replaces.
    if !in_the_way.is_empty() && facts.prepared_xa > 0 {
        return Err(prepared_xa(
            facts,
            "end them first (XA ROLLBACK here: the copy replaces what they changed)",
        ));
    }
    Ok(Start::Fresh)
}

/// The refusal for the XA transactions prepared here (see
/// [`Refusal::PreparedXa`]).
fn prepared_xa(facts: &ReplicaFacts, advice: &'static str) -> Refusal {
    Refusal::PreparedXa {
        count: facts.prepared_xa,
        xid: facts.prepared_xid.clone(),
        advice,
    }
}

/// Decides whether `LOAD TABLE ... FROM MASTER` may copy `tables` (the
/// replica's names) again on this replica: the connection as for `LOAD
/// DATA FROM MASTER`, then each table replicated by it, and no other
/// unfinished copy (the same statement goes on with its own).
pub fn check_reload(facts: &ReplicaFacts, tables: &[(String, String)]) -> Result<Start, Refusal> {
    check_connection(facts)?;
    if !facts.parked_request.is_empty() {
        if facts.parked_request == facts.request {
            return Ok(Start::Resume);
        }
        return Err(Refusal::UnfinishedCopy(facts.connection_name.clone()));
    }
    if let Some((db, table)) = tables
        .iter()
        .find(|(db, t)| is_system_schema(db) || !facts.filter.table_ok(db, t))
    {
        return Err(Refusal::TableFilteredOut {
            connection: facts.connection_name.clone(),
            table: format!("{}.{}", quote_ident(db), quote_ident(table)),
        });
    }
    // Prepared by the master's stream before the replica stopped: the
    // named tables' CREATE OR REPLACE, sent at the master's position,
    // would wait for their locks, and their XA COMMIT comes after it.
    if facts.prepared_xa > 0 {
        return Err(prepared_xa(
            facts,
            "START SLAVE until the master ends them (or end them here), then run LOAD TABLE \
             again",
        ));
    }
    Ok(Start::Fresh)
}

/// The checks of the session and the connection both statements make.
fn check_connection(facts: &ReplicaFacts) -> Result<(), Refusal> {
    let name = || facts.connection_name.clone();
    if facts.in_stored_program {
        return Err(Refusal::InStoredProgram);
    }
    if facts.in_transaction {
        return Err(Refusal::InTransaction(name()));
    }
    if !facts.connection_exists {
        return Err(Refusal::UnknownConnection(name()));
    }
    if !facts.master_host_set {
        return Err(Refusal::NotConfigured(name()));
    }
    if facts.io_thread_running || facts.sql_thread_running {
        return Err(Refusal::ThreadsRunning(name()));
    }
    if facts.use_gtid == UseGtid::No {
        return Err(Refusal::GtidRequired(name()));
    }
    // Every copy event is written now, so a delayed SQL thread would wait
    // MASTER_DELAY before each of them.  Applying them undelayed instead
    // would, for LOAD TABLE, also apply at once the master's transactions
    // the delay holds back: the DBA chooses, with CHANGE MASTER.
    if facts.master_delay > 0 {
        return Err(Refusal::MasterDelay {
            connection: name(),
            seconds: facts.master_delay,
        });
    }
    // The counter is the DBA's, for the stream as it was: it would skip
    // the copy's first events instead.  Refused, not reset: the DBA
    // decides what becomes of it.
    if facts.skip_counter > 0 {
        return Err(Refusal::SkipCounter {
            connection: name(),
            events: facts.skip_counter,
        });
    }
    // A divergence must stop the copy (DESIGN 5): never start one whose
    // stop the SQL thread would skip.
    if facts.skips_provision_errors {
        return Err(Refusal::SkipsProvisionErrors);
    }
    // Its own replicas follow this server's binary log, which gets the
    // master's transactions from the copy's start but never the copy:
    // they would end silently wrong (a REPLACE copy skips what the
    // master did since this server last replicated, too).
    if facts.replicas_connected > 0 {
        return Err(Refusal::ReplicasConnected(facts.replicas_connected));
    }
    Ok(())
}

/// ` 'name'` for a named connection in a statement's text, nothing for
/// the default connection.
fn connection_clause(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!(" '{name}'")
    }
}

/// `SET @@default_master_connection='name'; ` for a named connection (a
/// per-connection variable is set through it), nothing for the default
/// connection.
fn default_connection_clause(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!("SET @@default_master_connection='{name}'; ")
    }
}

/// The note a statement gets when the connection keeps an unfinished copy
/// it does not go on with (other options or filter): how to resume it.
/// Empty when there is none, or when it resumes or is replaced.
pub fn parked_copy_note(facts: &ReplicaFacts) -> String {
    if facts.parked_request.is_empty() || facts.replace || facts.parked_request == facts.request {
        return String::new();
    }
    let options = request_options(&facts.parked_request);
    format!(
        "master connection '{}' has an unfinished copy made with other options or \
         another replication filter: {STATEMENT_NAME} '{}'{options} with that filter \
         goes on with it, {STATEMENT_NAME} ... REPLACE starts a new one",
        facts.connection_name, facts.connection_name
    )
}

/// The advice to copy again in a message written where the connection is
/// not known (the master's dump, the replica's filter):
/// [`name_copy_again`] names the statement that does it for the copy.
pub const COPY_AGAIN: &str = "LOAD DATA FROM MASTER ... REPLACE";

/// `message` with its advice to copy again ([`COPY_AGAIN`]) naming the
/// statement that does it for the copy of `connection` that sent
/// `request`: `LOAD DATA FROM MASTER 'name' REPLACE` with the copy's
/// options, or for `LOAD TABLE ... FROM MASTER` the same statement again
/// (a copy that stopped on an error is not kept, so it starts afresh).
pub fn name_copy_again(message: &str, connection: &str, request: &str) -> String {
    /// The most tables of a `LOAD TABLE` the advice names.
    const NAMED_TABLES: usize = 3;
    if !message.contains(COPY_AGAIN) {
        return message.to_owned();
    }
    let tables = crate::protocol::Request::parse(request.trim())
        .map(|r| r.tables)
        .unwrap_or_default();
    let options = request_options(request);
    let statement = if tables.is_empty() {
        format!("{STATEMENT_NAME} '{connection}' REPLACE{options}")
    } else if tables.len() > NAMED_TABLES {
        format!("the same LOAD TABLE ... FROM MASTER '{connection}'{options}")
    } else {
        let names: Vec<String> = tables
            .iter()
            .map(|(db, t)| format!("{}.{}", quote_ident(db), quote_ident(t)))
            .collect();
        format!(
            "LOAD TABLE {} FROM MASTER '{connection}'{options}",
            names.join(", ")
        )
    };
    message.replace(COPY_AGAIN, &statement)
}

/// ` WITH GRANTS WITH CHECKSUM`, as a request asked for them.
pub fn request_options(request: &str) -> String {
    let Ok(r) = crate::protocol::Request::parse(request.trim()) else {
        return String::new();
    };
    let mut options = String::new();
    if r.with_grants {
        options.push_str(" WITH GRANTS");
    }
    if r.checksum {
        options.push_str(" WITH CHECKSUM");
    }
    options
}

/// The replica's tables in the copy's way: outside the system schemas,
/// let through by the connection's filter (quoted `db`.`table`).
pub fn tables_in_the_way(facts: &ReplicaFacts) -> Vec<String> {
    in_the_way(facts)
        .map(|(db, t)| format!("{}.{}", quote_ident(db), quote_ident(t)))
        .collect()
}

/// [`tables_in_the_way`], as (database, table).
fn in_the_way(facts: &ReplicaFacts) -> impl Iterator<Item = (&str, &str)> {
    facts
        .databases
        .iter()
        .filter(|(db, _)| !is_system_schema(db))
        .flat_map(move |(db, tables)| {
            tables
                .iter()
                .filter(move |t| facts.filter.table_ok(db, t))
                .map(move |t| (db.as_str(), t.as_str()))
        })
}

/// What `LOAD DATA FROM MASTER ... REPLACE` tells the error log before
/// it starts: the tables here the copy replaces if the master has them
/// (the others stay as they are); empty when none is in the way.
pub fn replace_notice(facts: &ReplicaFacts) -> String {
    let in_the_way = tables_in_the_way(facts);
    if !facts.replace || in_the_way.is_empty() {
        return String::new();
    }
    format!(
        "{STATEMENT_NAME} ... REPLACE: {}; the copy replaces each of them that \
         the master has, and leaves the others as they are",
        name_tables(&in_the_way)
    )
}

/// The tables (and views) a fresh copy with `REPLACE` replaces where the
/// master has them: those in its way, as (database, table); none without
/// `REPLACE`.
pub fn replaced_tables(facts: &ReplicaFacts) -> Vec<(String, String)> {
    if !facts.replace {
        return Vec::new();
    }
    in_the_way(facts)
        .map(|(db, t)| (db.to_owned(), t.to_owned()))
        .collect()
}

/// What the error log says of the tables a copy with `REPLACE` found here
/// that the master had none of (quoted `db`.`table`); empty when none.
pub fn tables_left_note(tables: &[String]) -> String {
    if tables.is_empty() {
        return String::new();
    }
    format!(
        "{STATEMENT_NAME} ... REPLACE left {} as they were: the master has no \
         table of {}; a later CREATE of such a name on the master stops replication here, \
         so drop them unless they are this server's own",
        first_named(tables),
        if tables.len() == 1 {
            "that name"
        } else {
            "those names"
        }
    )
}

/// The most tables a "not empty" refusal names; the rest are counted.
pub const TABLES_NAMED: usize = 10;

/// `table `a`.`b``, or `tables `a`.`b`, `a`.`c` and 3 more`: every table
/// in the way up to [`TABLES_NAMED`], so that one look tells the DBA what
/// to drop (or filter out).
fn name_tables(tables: &[String]) -> String {
    match tables {
        [one] => format!("table {one} exists, and the copy could replace it"),
        _ => format!(
            "tables {} exist, and the copy could replace them",
            first_named(tables)
        ),
    }
}

/// `a, b, c`, or `a, ..., j and 3 more`: up to [`TABLES_NAMED`] of
/// `tables`, the rest counted.
fn first_named(tables: &[String]) -> String {
    let named = tables[..tables.len().min(TABLES_NAMED)].join(", ");
    match tables.len().saturating_sub(TABLES_NAMED) {
        0 => named,
        more => format!("{named} and {more} more"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_to_copy_again_names_the_statement() {
        let divergence = "the replica diverged; Copy again: LOAD DATA FROM MASTER ... REPLACE";
        let mut request = crate::protocol::Request::for_connection("m1");
        request.with_grants = true;
        request.checksum = true;
        assert_eq!(
            name_copy_again(divergence, "m1", &request.encode()),
            "the replica diverged; Copy again: LOAD DATA FROM MASTER 'm1' REPLACE WITH GRANTS \
             WITH CHECKSUM"
        );
        let mut reload = crate::protocol::Request::for_connection("");
        reload.tables = vec![("d".to_owned(), "t`1".to_owned())];
        assert_eq!(
            name_copy_again(divergence, "", &reload.encode()),
            "the replica diverged; Copy again: LOAD TABLE `d`.`t``1` FROM MASTER ''"
        );
        reload.tables = (0..4).map(|i| ("d".to_owned(), format!("t{i}"))).collect();
        assert!(name_copy_again(divergence, "", &reload.encode())
            .ends_with("Copy again: the same LOAD TABLE ... FROM MASTER ''"));
        // A message without the advice, or a request that does not parse.
        assert_eq!(name_copy_again("lock wait", "m1", ""), "lock wait");
        assert!(name_copy_again(divergence, "m1", "garbage")
            .ends_with("LOAD DATA FROM MASTER 'm1' REPLACE"));
    }

    #[test]
    fn load_table_needs_the_connection_ready_and_the_tables_replicated() {
        let mut facts = ready();
        facts.databases = vec![("d".to_owned(), vec!["t".to_owned()])];
        let t = |db: &str, table: &str| (db.to_owned(), table.to_owned());
        // A replica that has the tables is what LOAD TABLE is for.
        assert_eq!(check_reload(&facts, &[t("d", "t")]), Ok(Start::Fresh));
        facts.filter = CopyFilter::parse("ignore_table=d.t").unwrap();
        let err = check_reload(&facts, &[t("d", "u"), t("d", "t")]).unwrap_err();
        assert_eq!(err.error_code(), sc::ER_PROVISION_FAILED);
        assert!(
            err.error_arg().contains("does not replicate `d`.`t`"),
            "{err}"
        );
        assert!(check_reload(&facts, &[t("mysql", "user")]).is_err());
        facts.filter = CopyFilter::default();
        facts.request = "v=1;domain=7;tables=00".to_owned();
        facts.parked_request = "v=1;domain=7".to_owned();
        let err = check_reload(&facts, &[t("d", "t")]).unwrap_err();
        assert!(matches!(err, Refusal::UnfinishedCopy(_)), "{err}");
        facts.parked_request = facts.request.clone();
        assert_eq!(check_reload(&facts, &[t("d", "t")]), Ok(Start::Resume));
        facts.io_thread_running = true;
        assert!(matches!(
            check_reload(&facts, &[t("d", "t")]),
            Err(Refusal::ThreadsRunning(_))
        ));
    }

    fn ready() -> ReplicaFacts {
        ReplicaFacts {
            connection_name: "east".into(),
            in_stored_program: false,
            in_transaction: false,
            connection_exists: true,
            master_host_set: true,
            io_thread_running: false,
            sql_thread_running: false,
            use_gtid: UseGtid::SlavePos,
            master_delay: 0,
            skip_counter: 0,
            prepared_xa: 0,
            prepared_xid: String::new(),
            skips_provision_errors: false,
            replicas_connected: 0,
            databases: vec![("test".into(), Vec::new())],
            filter: CopyFilter::default(),
            replace: false,
            request: "v=1;domain=5".into(),
            parked_request: String::new(),
            failed_request: String::new(),
        }
    }

    #[test]
    fn ready_replica_passes() {
        assert_eq!(check_replica(&ready()), Ok(Start::Fresh));
        let current = ReplicaFacts {
            use_gtid: UseGtid::CurrentPos,
            ..ready()
        };
        assert_eq!(check_replica(&current), Ok(Start::Fresh));
    }

    #[test]
    fn each_fact_refuses_with_its_error() {
        type Breaker = fn(&mut ReplicaFacts);
        let cases: [(Breaker, u32); 11] = [
            (|f| f.in_stored_program = true, sc::ER_SP_BADSTATEMENT),
            (|f| f.in_transaction = true, sc::ER_PROVISION_IN_TRANSACTION),
            (
                |f| f.connection_exists = false,
                sc::ER_PROVISION_NO_CONNECTION,
            ),
            (
                |f| f.master_host_set = false,
                sc::ER_PROVISION_NOT_CONFIGURED,
            ),
            (
                |f| f.io_thread_running = true,
                sc::ER_PROVISION_THREADS_RUNNING,
            ),
            (
                |f| f.sql_thread_running = true,
                sc::ER_PROVISION_THREADS_RUNNING,
            ),
            (|f| f.use_gtid = UseGtid::No, sc::ER_PROVISION_NEEDS_GTID),
            (|f| f.master_delay = 1, sc::ER_PROVISION_FAILED),
            (|f| f.skip_counter = 1, sc::ER_PROVISION_FAILED),
            (|f| f.skips_provision_errors = true, sc::ER_PROVISION_FAILED),
            (|f| f.replicas_connected = 1, sc::ER_PROVISION_FAILED),
        ];
        for (break_it, code) in cases {
            let mut facts = ready();
            break_it(&mut facts);
            let refusal = check_replica(&facts).unwrap_err();
            assert_eq!(refusal.error_code(), code, "{refusal}");
        }
    }

    #[test]
    fn errors_name_the_connection_or_the_statement() {
        let mut facts = ready();
        facts.sql_thread_running = true;
        assert_eq!(check_replica(&facts).unwrap_err().error_arg(), "east");
        facts.in_stored_program = true;
        assert_eq!(
            check_replica(&facts).unwrap_err().error_arg(),
            STATEMENT_NAME
        );
    }

    /// A connection's refusal for both statements: `LOAD DATA FROM
    /// MASTER`'s text on connection 'east', `LOAD TABLE`'s refusal, and
    /// the text on the default connection.
    fn connection_refusals(facts: ReplicaFacts) -> (String, Refusal, String) {
        let named = check_replica(&facts).unwrap_err().error_arg();
        let reload = check_reload(&facts, &[("d".to_owned(), "t".to_owned())]).unwrap_err();
        let unnamed = ReplicaFacts {
            connection_name: String::new(),
            ..facts
        };
        (
            named,
            reload,
            check_replica(&unnamed).unwrap_err().error_arg(),
        )
    }

    #[test]
    fn a_delayed_connection_is_refused_with_the_statement_that_fixes_it() {
        let (text, reload, unnamed) = connection_refusals(ReplicaFacts {
            master_delay: 3600,
            ..ready()
        });
        assert!(text.contains("MASTER_DELAY=3600"), "{text}");
        assert!(
            text.contains("CHANGE MASTER 'east' TO MASTER_DELAY=0"),
            "{text}"
        );
        assert!(text.contains("START SLAVE 'east'"), "{text}");
        assert!(matches!(reload, Refusal::MasterDelay { seconds: 3600, .. }));
        assert!(
            unnamed.contains("CHANGE MASTER TO MASTER_DELAY=0"),
            "{unnamed}"
        );
    }

    #[test]
    fn a_pending_skip_counter_is_refused_with_the_statement_that_clears_it() {
        let (text, reload, unnamed) = connection_refusals(ReplicaFacts {
            skip_counter: 2,
            ..ready()
        });
        assert!(text.contains("sql_slave_skip_counter=2"), "{text}");
        assert!(
            text.contains(
                "SET @@default_master_connection='east'; SET GLOBAL sql_slave_skip_counter=0"
            ),
            "{text}"
        );
        assert!(matches!(reload, Refusal::SkipCounter { events: 2, .. }));
        assert!(
            unnamed.contains("with SET GLOBAL sql_slave_skip_counter=0"),
            "{unnamed}"
        );
    }

    #[test]
    fn skipping_the_copy_error_is_refused_for_both_statements() {
        let facts = ReplicaFacts {
            skips_provision_errors: true,
            ..ready()
        };
        let text = check_replica(&facts).unwrap_err().error_arg();
        assert!(text.contains("slave_skip_errors"), "{text}");
        assert!(
            text.contains(&sc::ER_PROVISION_FAILED.to_string()),
            "{text}"
        );
        assert_eq!(
            check_reload(&facts, &[("d".to_owned(), "t".to_owned())]),
            Err(Refusal::SkipsProvisionErrors)
        );
    }

    #[test]
    fn connected_replicas_of_this_server_are_refused_for_both_statements() {
        let facts = ReplicaFacts {
            replicas_connected: 2,
            // A copy that would go on is refused the same way.
            parked_request: "v=1;domain=5".into(),
            ..ready()
        };
        let text = check_replica(&facts).unwrap_err().error_arg();
        assert!(text.contains("2 replica(s)"), "{text}");
        assert!(text.contains("Slaves_connected"), "{text}");
        assert!(text.contains("nothing was changed"), "{text}");
        assert_eq!(
            check_reload(&facts, &[("d".to_owned(), "t".to_owned())]),
            Err(Refusal::ReplicasConnected(2))
        );
    }

    #[test]
    fn xa_transactions_prepared_here_refuse_a_copy_that_replaces_tables() {
        let with_xa = |facts: ReplicaFacts| ReplicaFacts {
            prepared_xa: 1,
            prepared_xid: "X'7831',X'',1".into(),
            ..facts
        };
        let table = [("d".to_owned(), "t".to_owned())];
        let text = check_reload(&with_xa(ready()), &table)
            .unwrap_err()
            .error_arg();
        assert!(
            text.contains("X'7831'") && text.contains("START SLAVE until the master ends them"),
            "{text}"
        );
        // REPLACE over tables in the way: refused; nothing in the way, or
        // no REPLACE (refused for the tables anyway): not for the XA.
        let in_the_way = ReplicaFacts {
            databases: vec![("test".into(), vec!["t".into()])],
            ..ready()
        };
        let replace = ReplicaFacts {
            replace: true,
            ..in_the_way.clone()
        };
        let text = check_replica(&with_xa(replace)).unwrap_err().error_arg();
        assert!(text.contains("XA ROLLBACK here"), "{text}");
        assert_eq!(check_replica(&with_xa(ready())), Ok(Start::Fresh));
        assert!(matches!(
            check_replica(&with_xa(in_the_way)),
            Err(Refusal::ReplicaNotEmpty(_))
        ));
        // The same statement going on with its own copy: not refused.
        let resume = ReplicaFacts {
            parked_request: ready().request,
            ..ready()
        };
        assert_eq!(check_reload(&with_xa(resume), &table), Ok(Start::Resume));
    }

    #[test]
    fn session_problems_come_before_connection_problems() {
        let facts = ReplicaFacts {
            in_transaction: true,
            connection_exists: false,
            ..ready()
        };
        assert!(matches!(
            check_replica(&facts),
            Err(Refusal::InTransaction(_))
        ));
    }

    #[test]
    fn the_tables_of_a_copy_that_stopped_on_an_error_name_it() {
        let facts = ReplicaFacts {
            connection_name: "east".into(),
            databases: vec![("shop".into(), vec!["items".into()])],
            failed_request: "v=1;domain=5;grants=1".into(),
            ..ready()
        };
        let refusal = check_replica(&facts).unwrap_err();
        assert_eq!(refusal.error_code(), sc::ER_PROVISION_FAILED);
        let text = refusal.error_arg();
        assert!(
            text.starts_with(
                "a copy by LOAD DATA FROM MASTER 'east' WITH GRANTS stopped on an error before \
                 its end and cannot go on; table `shop`.`items` exists"
            ),
            "{text}"
        );
        assert!(
            text.contains("To copy again: LOAD DATA FROM MASTER 'east' REPLACE WITH GRANTS;"),
            "{text}"
        );
        // REPLACE copies again; nothing in the way: a new copy.
        let replace = ReplicaFacts {
            replace: true,
            ..facts.clone()
        };
        assert_eq!(check_replica(&replace), Ok(Start::Fresh));
        let empty = ReplicaFacts {
            databases: Vec::new(),
            ..facts
        };
        assert_eq!(check_replica(&empty), Ok(Start::Fresh));
    }

    #[test]
    fn a_replica_with_user_tables_is_refused() {
        let mut facts = ready();
        facts.databases = vec![
            ("mysql".into(), vec!["user".into()]),
            ("test".into(), Vec::new()),
            ("shop".into(), vec!["it`ems".into()]),
        ];
        let refusal = check_replica(&facts).unwrap_err();
        assert_eq!(refusal.error_code(), sc::ER_PROVISION_REPLICA_NOT_EMPTY);
        assert_eq!(
            refusal.error_arg(),
            "table `shop`.`it``ems` exists, and the copy could replace it"
        );
        facts.databases.pop();
        assert_eq!(check_replica(&facts), Ok(Start::Fresh));
    }

    #[test]
    fn tables_the_filter_leaves_out_are_not_in_the_way() {
        let mut facts = ready();
        facts.databases = vec![
            ("east_db".into(), vec!["a".into()]),
            ("app".into(), vec!["other_conn".into(), "mine".into()]),
        ];
        facts.filter.add_list("ignore_db", "east_db").unwrap();
        facts.filter.add_list("wild_do_table", "app.m%").unwrap();
        let refusal = check_replica(&facts).unwrap_err();
        assert_eq!(
            refusal.error_arg(),
            "table `app`.`mine` exists, and the copy could replace it"
        );
        facts.databases[1].1.pop();
        assert_eq!(check_replica(&facts), Ok(Start::Fresh));
    }

    #[test]
    fn with_replace_tables_in_the_way_are_named_not_refused() {
        let mut facts = ready();
        facts.databases = vec![("app".into(), vec!["t".into()])];
        assert!(replace_notice(&facts).is_empty(), "no REPLACE: refused");
        assert!(check_replica(&facts).is_err());
        assert!(replaced_tables(&facts).is_empty());
        facts.replace = true;
        assert_eq!(check_replica(&facts), Ok(Start::Fresh));
        // Known to the copy as here until it replaces them.
        assert_eq!(replaced_tables(&facts), [("app".into(), "t".into())]);
        let notice = replace_notice(&facts);
        assert!(
            notice.contains("REPLACE: table `app`.`t` exists"),
            "{notice}"
        );
        facts.databases.clear();
        assert!(replace_notice(&facts).is_empty());
    }

    #[test]
    fn the_tables_a_replace_left_are_named_with_what_to_do() {
        assert!(tables_left_note(&[]).is_empty());
        let one = tables_left_note(&["`a`.`t`".to_owned()]);
        assert!(one.contains("REPLACE left `a`.`t` as they were"), "{one}");
        assert!(one.contains("no table of that name"), "{one}");
        assert!(one.contains("drop them unless"), "{one}");
        let many: Vec<String> = (0..12).map(|i| format!("`a`.`t{i}`")).collect();
        let note = tables_left_note(&many);
        assert!(note.contains("`a`.`t9` and 2 more as they were"), "{note}");
        assert!(note.contains("those names"), "{note}");
    }

    #[test]
    fn the_same_statement_after_a_kill_goes_on_with_its_copy() {
        let mut facts = ready();
        facts.databases = vec![("app".into(), vec!["t".into()])];
        facts.parked_request = facts.request.clone();
        assert_eq!(check_replica(&facts), Ok(Start::Resume));
        assert!(parked_copy_note(&facts).is_empty());
        // Other options: a new copy, refused by the tables in its way,
        // with a note on how to resume.
        facts.parked_request = "v=1;domain=5;grants=1".into();
        assert!(check_replica(&facts).is_err());
        let note = parked_copy_note(&facts);
        assert!(
            note.contains("LOAD DATA FROM MASTER 'east' WITH GRANTS"),
            "{note}"
        );
        // REPLACE starts anew.
        facts.replace = true;
        assert_eq!(check_replica(&facts), Ok(Start::Fresh));
        assert!(parked_copy_note(&facts).is_empty());
        // Its tables dropped: a new copy.
        facts.replace = false;
        facts.parked_request = facts.request.clone();
        facts.databases.clear();
        assert_eq!(check_replica(&facts), Ok(Start::Fresh));
        // A refusal of the session comes first.
        facts.databases = vec![("app".into(), vec!["t".into()])];
        facts.parked_request = facts.request.clone();
        facts.in_transaction = true;
        assert!(check_replica(&facts).is_err());
    }

    #[test]
    fn every_table_in_the_way_is_named_up_to_a_bound() {
        let mut facts = ready();
        facts.databases = vec![
            ("a".into(), vec!["t1".into(), "t2".into()]),
            ("b".into(), vec!["t3".into()]),
        ];
        let refusal = check_replica(&facts).unwrap_err();
        assert_eq!(
            refusal.error_arg(),
            "tables `a`.`t1`, `a`.`t2`, `b`.`t3` exist, and the copy could replace them"
        );
        facts.databases = vec![("big".into(), (0..25).map(|i| format!("t{i}")).collect())];
        let arg = check_replica(&facts).unwrap_err().error_arg().to_owned();
        assert!(arg.starts_with("tables `big`.`t0`, `big`.`t1`,"), "{arg}");
        assert!(arg.contains("`big`.`t9` and 15 more exist"), "{arg}");
        assert!(arg.len() < 400, "the message's %-.400s keeps it whole");
    }

    #[test]
    fn unknown_gtid_mode_values_refuse() {
        assert_eq!(UseGtid::from_server(0), UseGtid::No);
        assert_eq!(UseGtid::from_server(1), UseGtid::CurrentPos);
        assert_eq!(UseGtid::from_server(2), UseGtid::SlavePos);
        assert_eq!(UseGtid::from_server(9), UseGtid::No);
    }
}
