//! What a copy does with a DDL statement the master logs while it runs:
//! the replica applies, skips or rewrites it, and both ends change the
//! copy's plan the same way (the master's dump thread sees each statement
//! as it sends it, the replica's SQL thread as it applies it; a copy unit
//! is on the same side of the statement in both).
//!
//! The rule (issue 15): a table whose copy has not started needs nothing
//! from the statement, since its copy reads the new state; a table whose
//! copy is complete is a normal replica table, and the statement applies
//! as in any replication; the table whose copy is in progress is copied
//! again from its first row, with the master's new definition.  Tables
//! follow the master: a table created during the copy is copied (after
//! the others), a dropped one is not, a renamed one is copied under its
//! new name.  Statements of other kinds still stop the copy
//! ([`crate::filter::check_statement`]).

use crate::filter::TableState;
use crate::protocol::quoted_with;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The statements handled here, and the tables each one names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TableDdl {
    /// `ALTER TABLE` of one table (not renaming it), `TRUNCATE`, `ALTER
    /// SEQUENCE`.
    Change(QualifiedTable),
    /// `ALTER TABLE` of one table that adds foreign keys to the tables
    /// listed (its parents from then on).
    ChangeReferencing(QualifiedTable, Vec<QualifiedTable>),
    /// `REPAIR`: may rebuild the tables, and drop rows it cannot read.
    Rebuild(Vec<QualifiedTable>),
    /// `OPTIMIZE`, `ALTER TABLE a {OPTIMIZE|REBUILD} PARTITION ...`: may
    /// rebuild the tables (InnoDB's recreate gives them a new definition
    /// version), their rows, columns and keys as they were.
    Optimize(Vec<QualifiedTable>),
    /// `ALTER TABLE a` with table options `COMMENT` and `AUTO_INCREMENT`
    /// and nothing else: its rows, columns and keys as they were.
    Options(QualifiedTable),
    /// `ANALYZE`: statistics only.
    Analyze(Vec<QualifiedTable>),
    /// `CREATE [OR REPLACE] TABLE|SEQUENCE [IF NOT EXISTS]`, in any form
    /// (`LIKE`, `SELECT`).
    Create(QualifiedTable),
    /// `DROP TABLE|SEQUENCE [IF EXISTS]`.
    Drop(Vec<QualifiedTable>),
    /// `RENAME TABLE a TO b, ...`, pair by pair in order.
    Rename(Vec<(QualifiedTable, QualifiedTable)>),
    /// `ALTER TABLE a ... RENAME [TO|AS] b`, maybe with other changes.
    AlterRename(QualifiedTable, QualifiedTable),
    /// `ALTER TABLE a EXCHANGE PARTITION p WITH TABLE b`: rows move both
    /// ways between the two tables.
    Exchange(QualifiedTable, QualifiedTable),
    /// `ALTER TABLE a CONVERT PARTITION p TO TABLE b`: a partition of `a`
    /// becomes the new table `b`.
    PartitionOut(QualifiedTable, QualifiedTable),
    /// `ALTER TABLE a CONVERT TABLE b TO PARTITION p ...`: table `b`
    /// becomes a partition of `a`, and is gone.
    PartitionIn(QualifiedTable, QualifiedTable),
    /// `ALTER TABLE a IMPORT [PARTITION ...] TABLESPACE`: the rows come
    /// from a file on the master, which the binary log does not carry.
    Import(QualifiedTable),
    /// `CREATE` or `ALTER DATABASE|SCHEMA`.
    Database,
    /// `DROP DATABASE|SCHEMA`.
    DropDatabase(String),
    /// `CREATE` or `DROP TEMPORARY TABLE`: a session's own table.
    Temporary,
    /// `CREATE`, `ALTER` or `DROP` of a view, stored routine, trigger or
    /// event: before the copy's `Objects` unit the replica skips it (the
    /// master reads its objects again there), after it applies it.
    Object,
    /// An account statement (`GRANT`, `REVOKE`, `CREATE USER`, ...): a
    /// copy `WITH GRANTS` reads the account tables after its objects, so
    /// before them the replica skips it; otherwise it applies as in any
    /// replication.
    Account,
}

impl TableDdl {
    /// The statement with each database name it has mapped by `f` (the
    /// replica's `replicate_rewrite_db`).
    pub fn map_databases(self, f: impl Fn(&str) -> String) -> TableDdl {
        let table = |(db, t): QualifiedTable| (f(&db), t);
        let tables = |ts: Vec<QualifiedTable>| ts.into_iter().map(table).collect();
        match self {
            TableDdl::Change(t) => TableDdl::Change(table(t)),
            TableDdl::ChangeReferencing(t, parents) => {
                TableDdl::ChangeReferencing(table(t), tables(parents))
            }
            TableDdl::Import(t) => TableDdl::Import(table(t)),
            TableDdl::Rebuild(ts) => TableDdl::Rebuild(tables(ts)),
            TableDdl::Optimize(ts) => TableDdl::Optimize(tables(ts)),
            TableDdl::Options(t) => TableDdl::Options(table(t)),
            TableDdl::Analyze(ts) => TableDdl::Analyze(tables(ts)),
            TableDdl::Create(t) => TableDdl::Create(table(t)),
            TableDdl::Drop(ts) => TableDdl::Drop(tables(ts)),
            TableDdl::Rename(pairs) => TableDdl::Rename(
                pairs
                    .into_iter()
                    .map(|(from, to)| (table(from), table(to)))
                    .collect(),
            ),
            TableDdl::AlterRename(from, to) => TableDdl::AlterRename(table(from), table(to)),
            TableDdl::Exchange(a, b) => TableDdl::Exchange(table(a), table(b)),
            TableDdl::PartitionOut(a, b) => TableDdl::PartitionOut(table(a), table(b)),
            TableDdl::PartitionIn(a, b) => TableDdl::PartitionIn(table(a), table(b)),
            TableDdl::DropDatabase(db) => TableDdl::DropDatabase(f(&db)),
            other @ (TableDdl::Database
            | TableDdl::Temporary
            | TableDdl::Object
            | TableDdl::Account) => other,
        }
    }
}

/// A table named by a statement, its database resolved.
pub type QualifiedTable = (String, String);

/// What the replica runs for a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Run {
    /// The statement as logged.
    Apply,
    /// Nothing.
    Skip,
    /// This statement instead: the part of it about the tables the
    /// replica has.
    Rewrite(String),
}

/// How a statement changes the copy, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Copy the table from its first row, with its definition as it is
    /// now: the table in progress starts again; a table not in the plan
    /// joins it (after the tables planned).
    Copy(QualifiedTable),
    /// Copy the table from its first row, as [`Edit::Copy`], once the
    /// tables listed (its parents; itself: read at one cut) are complete:
    /// the table, complete, in progress or not started, goes after the
    /// tables planned.
    CopyAfter(QualifiedTable, Vec<QualifiedTable>),
    /// The table is gone: it is not copied, or no more.
    Forget(QualifiedTable),
    /// The table has a new name: its copy goes on under it.
    Rename(QualifiedTable, QualifiedTable),
    /// Every table of the database is gone.
    ForgetDatabase(String),
    /// The table in progress may have a new definition version, its rows,
    /// columns and keys as they were: its copy goes on (the master takes
    /// the new version once it sees the same definition but for the
    /// table's counter and comment, see
    /// [`crate::dump::DumpSession::check_rows_definition`]).
    Redefined(QualifiedTable),
}

/// What to do with a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// What the replica runs.
    pub run: Run,
    /// How the plan (on the master) and the ledger (on the replica)
    /// change.
    pub edits: Vec<Edit>,
}

impl Decision {
    /// Whether the edits change the copy's plan (its steps), given which
    /// tables are in progress (`in_progress`, master's or replica's
    /// names as the edits have them): every edit does but copying the
    /// table in progress again, which sends it again at the same steps.
    /// A resume point sent before such a statement is behind it (see
    /// [`crate::plan_cache`]).
    pub fn changes_plan(&self, in_progress: impl Fn(&(String, String)) -> bool) -> bool {
        self.edits.iter().any(|edit| match edit {
            Edit::Copy(table) => !in_progress(table),
            Edit::Redefined(_) => false,
            _ => true,
        })
    }
}

/// The statement `query`, run in database `default_db`, if it is one of
/// the [`TableDdl`] statements.
pub fn parse(query: &[u8], default_db: &str) -> Option<TableDdl> {
    let text = statement_text(query)?;
    let mut t = Tokens::new(&text);
    let first = t.word()?;
    let account = |t: &Tokens| ["USER", "ROLE"].iter().any(|k| t.peek_is(k));
    match first.to_ascii_uppercase().as_str() {
        "GRANT" | "REVOKE" => Some(TableDdl::Account),
        "SET" if t.peek_is("PASSWORD") || t.peek_is("DEFAULT") => Some(TableDdl::Account),
        "RENAME" if t.peek_is("USER") => Some(TableDdl::Account),
        "ALTER" | "DROP" if account(&t) => Some(TableDdl::Account),
        "DROP" if t.keyword("INDEX").is_some() => {
            t.skip_if_exists();
            index_table(&mut t, default_db).map(TableDdl::Change)
        }
        "ALTER" => {
            if is_object_ddl(&mut t.clone()) {
                return Some(TableDdl::Object);
            }
            t.skip_words(&["ONLINE", "IGNORE"]);
            if t.database_keyword() {
                return Some(TableDdl::Database);
            }
            if t.keyword("SEQUENCE").is_some() {
                t.skip_if_exists();
                return Some(TableDdl::Change(t.table(default_db)?));
            }
            t.keyword("TABLE")?;
            t.skip_if_exists();
            let table = t.table(default_db)?;
            let rest = t.rest();
            match partition_move_in(rest) {
                Some(0) => return partition_move(table, rest, default_db),
                // Along with other clauses: not a form this reads.
                Some(_) => return None,
                None => {}
            }
            if tablespace_clause_in(rest, "IMPORT").is_some() {
                return Some(TableDdl::Import(table));
            }
            if let Some(ddl) = maintenance(&table, rest) {
                return Some(ddl);
            }
            let change = |table| {
                let parents = referenced_tables(rest, default_db);
                Some(if parents.is_empty() {
                    TableDdl::Change(table)
                } else {
                    TableDdl::ChangeReferencing(table, parents)
                })
            };
            match table_rename_in(rest) {
                None => change(table),
                Some(at) => {
                    let mut r = Tokens::new(&rest[at..]);
                    r.keyword("RENAME")?;
                    if r.keyword("TO").is_none() {
                        r.keyword("AS");
                    }
                    let to = r.table(default_db)?;
                    // To its own name (the server accepts it): no rename.
                    if to == table {
                        return change(table);
                    }
                    Some(TableDdl::AlterRename(table, to))
                }
            }
        }
        "TRUNCATE" => {
            t.skip_words(&["TABLE"]);
            let table = t.table(default_db)?;
            t.skip_wait()?;
            t.at_end().then_some(TableDdl::Change(table))
        }
        kind @ ("OPTIMIZE" | "REPAIR" | "ANALYZE") => {
            let kind = kind.to_owned();
            t.skip_words(&["NO_WRITE_TO_BINLOG", "LOCAL"]);
            t.keyword("TABLE")?;
            let mut tables = vec![t.table(default_db)?];
            while t.comma() {
                tables.push(t.table(default_db)?);
            }
            Some(match kind.as_str() {
                "ANALYZE" => TableDdl::Analyze(tables),
                "OPTIMIZE" => TableDdl::Optimize(tables),
                _ => TableDdl::Rebuild(tables),
            })
        }
        "CREATE" => {
            if t.keyword("OR").is_some() {
                t.keyword("REPLACE")?;
            }
            if is_object_ddl(&mut t.clone()) {
                return Some(TableDdl::Object);
            }
            if account(&t) {
                return Some(TableDdl::Account);
            }
            if t.database_keyword() {
                return Some(TableDdl::Database);
            }
            t.skip_words(&["UNIQUE", "FULLTEXT", "SPATIAL"]);
            if t.keyword("INDEX").is_some() {
                t.skip_if_not_exists();
                return index_table(&mut t, default_db).map(TableDdl::Change);
            }
            if t.temporary_table()? {
                return Some(TableDdl::Temporary);
            }
            t.skip_if_not_exists();
            Some(TableDdl::Create(t.table(default_db)?))
        }
        "DROP" => {
            if OBJECT_KINDS.iter().any(|k| t.peek_is(k)) {
                return Some(TableDdl::Object);
            }
            if t.database_keyword() {
                t.skip_if_exists();
                let db = t.ident()?;
                return Some(TableDdl::DropDatabase(db));
            }
            if t.temporary_table()? {
                return Some(TableDdl::Temporary);
            }
            t.skip_if_exists();
            Some(TableDdl::Drop(t.table_list(default_db)?))
        }
        "RENAME" => {
            if t.keyword("TABLE").is_none() {
                t.keyword("TABLES")?;
            }
            t.skip_if_exists();
            let mut pairs = Vec::new();
            loop {
                let from = t.table(default_db)?;
                t.skip_wait()?;
                t.keyword("TO")?;
                pairs.push((from, t.table(default_db)?));
                if !t.comma() {
                    break;
                }
            }
            Some(TableDdl::Rename(pairs))
        }
        _ => None,
    }
}

/// `query`, run in `default_db`, with its names as the server compares
/// them: in lower case on a server that stores them so
/// (`lower_case_table_names=1`), where a statement may name
/// `Shop`.`Orders` a table the copy knows as `shop`.`orders`.  For
/// reading the statement only: it applies, and a message quotes it, as
/// written.
pub fn names_as_compared<'a>(
    query: &'a [u8],
    default_db: &'a str,
    lower_case_table_names: u32,
) -> (Cow<'a, [u8]>, Cow<'a, str>) {
    if lower_case_table_names != 1 {
        return (Cow::Borrowed(query), Cow::Borrowed(default_db));
    }
    let query = match std::str::from_utf8(query) {
        Ok(text) => Cow::Owned(text.to_lowercase().into_bytes()),
        Err(_) => Cow::Borrowed(query),
    };
    (query, Cow::Owned(default_db.to_lowercase()))
}

/// The statement `query` as the server's parser reads it, if it is
/// UTF-8: the text of its executable comments in place (`/*!40000 ALTER
/// TABLE t DISABLE KEYS */`, `/*!50003 CREATE*/ /*!50017 DEFINER=...*/`,
/// as `mariadb-dump` writes them), and without a `SET STATEMENT ... FOR`
/// prefix, whose settings change nothing a copy follows.
pub(crate) fn statement_text(query: &[u8]) -> Option<Cow<'_, str>> {
    let text = std::str::from_utf8(query).ok()?;
    Some(match executable_comments(text) {
        Cow::Borrowed(text) => Cow::Borrowed(without_set_statement(text)),
        Cow::Owned(text) => Cow::Owned(without_set_statement(&text).to_owned()),
    })
}

/// `text` with the markers of its executable comments (`/*!`, `/*M!`, a
/// version of five or six digits, the closing `*/`) made blanks.  The
/// master's parser turns each one it does not run (one for a later
/// version) into a plain comment before the statement is logged, so each
/// one still in a logged statement ran.  Quoted strings and names, and
/// plain comments, are left as they are.
fn executable_comments(text: &str) -> Cow<'_, str> {
    if !text.contains("/*!") && !text.contains("/*M!") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut open = false;
    while let Some(c) = rest.chars().next() {
        let blank = |n: usize, out: &mut String| out.extend(std::iter::repeat_n(' ', n));
        if matches!(c, '\'' | '"' | '`') {
            let len = quoted_len(rest);
            out.push_str(&rest[..len]);
            rest = &rest[len..];
        } else if let Some(after) = rest.strip_prefix("/*") {
            let marker = if after.starts_with('!') {
                1
            } else if after.starts_with("M!") {
                2
            } else {
                // A plain comment, kept (also one inside an executable one).
                let len = after.find("*/").map_or(rest.len(), |end| end + 4);
                out.push_str(&rest[..len]);
                rest = &rest[len..];
                continue;
            };
            let digits = after[marker..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            let version = if digits >= 5 { digits.min(6) } else { 0 };
            let len = 2 + marker + version;
            blank(len, &mut out);
            rest = &rest[len..];
            open = true;
        } else if open && rest.starts_with("*/") {
            blank(2, &mut out);
            rest = &rest[2..];
            open = false;
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Cow::Owned(out)
}

/// The length of the quoted string or identifier `text` starts with, its
/// quotes included (its quote doubled inside it, or escaped with a
/// backslash in a string); all of `text` when it is not closed.
fn quoted_len(text: &str) -> usize {
    let mut chars = text.char_indices();
    let Some((_, quote)) = chars.next() else {
        return 0;
    };
    let mut escaped = false;
    let mut prev_quote = false;
    for (i, c) in chars {
        if prev_quote {
            if c == quote {
                prev_quote = false;
                continue;
            }
            return i;
        }
        if escaped {
            escaped = false;
        } else if c == '\\' && quote != '`' {
            escaped = true;
        } else if c == quote {
            prev_quote = true;
        }
    }
    text.len()
}

/// `text` after a `SET STATEMENT var = value [, ...] FOR` prefix, or all
/// of it.
fn without_set_statement(text: &str) -> &str {
    let mut t = Tokens::new(text);
    if t.keyword("SET").is_none() || t.keyword("STATEMENT").is_none() {
        return text;
    }
    let mut depth = 0usize;
    while let Some(c) = t.rest.chars().next() {
        if matches!(c, '\'' | '"' | '`') {
            t.skip_quoted();
            continue;
        }
        if let Some(word) = t.word() {
            if depth == 0 && word.eq_ignore_ascii_case("FOR") {
                return t.rest;
            }
            continue;
        }
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        t.rest = &t.rest[c.len_utf8()..];
        t.blank();
    }
    text
}

/// The table of `CREATE INDEX` or `DROP INDEX`, read from what follows
/// `INDEX [IF [NOT] EXISTS]`: the index's name, its type (`USING BTREE`),
/// then `ON [db.]table`.  The statement changes that table as an `ALTER
/// TABLE ... ADD|DROP INDEX` does.
fn index_table(t: &mut Tokens, default_db: &str) -> Option<QualifiedTable> {
    t.ident()?;
    t.blank();
    if t.keyword("USING").is_some() || t.keyword("TYPE").is_some() {
        t.word()?;
    }
    t.keyword("ON")?;
    t.table(default_db)
}

/// The kinds of object a statement of [`TableDdl::Object`] names.
const OBJECT_KINDS: [&str; 6] = [
    "VIEW",
    "FUNCTION",
    "PROCEDURE",
    "TRIGGER",
    "EVENT",
    "PACKAGE",
];

/// Whether what follows `CREATE [OR REPLACE]` or `ALTER` names a view,
/// routine, trigger or event, after its `DEFINER`, `SQL SECURITY`,
/// `ALGORITHM` and `AGGREGATE` clauses.  A loadable function (`CREATE
/// FUNCTION ... SONAME`) is not one: the copy does not take those.
fn is_object_ddl(t: &mut Tokens) -> bool {
    // A user or host name of a DEFINER clause comes next.
    let mut account = false;
    loop {
        if t.rest.starts_with('`') || t.rest.starts_with('\'') || t.rest.starts_with('"') {
            t.skip_quoted();
            account = false;
            continue;
        }
        if let Some(after) = t.rest.strip_prefix(['=', '@', '(', ')']) {
            account = matches!(t.rest.as_bytes()[0], b'=' | b'@');
            t.rest = after;
            t.blank();
            continue;
        }
        let Some(word) = t.word() else {
            return false;
        };
        if std::mem::take(&mut account) {
            continue;
        }
        let word = word.to_ascii_uppercase();
        if OBJECT_KINDS.contains(&word.as_str()) {
            return !t.rest.to_ascii_uppercase().contains("SONAME");
        }
        if !matches!(
            word.as_str(),
            "DEFINER"
                | "CURRENT_USER"
                | "SQL"
                | "SECURITY"
                | "INVOKER"
                | "ALGORITHM"
                | "UNDEFINED"
                | "MERGE"
                | "TEMPTABLE"
                | "AGGREGATE"
                | "NONAGGREGATE"
        ) {
            return false;
        }
    }
}

/// The tables `ALTER TABLE`'s clauses (`rest`) reference in foreign
/// keys they add (`REFERENCES [db.]table`, a reserved word elsewhere).
fn referenced_tables(rest: &str, default_db: &str) -> Vec<QualifiedTable> {
    let mut t = Tokens::new(rest);
    let mut parents: Vec<QualifiedTable> = Vec::new();
    while let Some(c) = t.rest.chars().next() {
        if matches!(c, '\'' | '"' | '`') {
            t.skip_quoted();
        } else if let Some(word) = t.word() {
            if word.eq_ignore_ascii_case("REFERENCES") {
                if let Some(parent) = t.table(default_db) {
                    if !parents.contains(&parent) {
                        parents.push(parent);
                    }
                }
            }
        } else {
            t.rest = &t.rest[c.len_utf8()..];
            t.blank();
        }
    }
    parents
}

/// Where `ALTER TABLE`'s clauses (`rest`) rename the table itself (not a
/// column, index or key), if they do.
fn table_rename_in(rest: &str) -> Option<usize> {
    clause_in(rest, |word, next| {
        word.eq_ignore_ascii_case("RENAME")
            && !["COLUMN", "INDEX", "KEY"].iter().any(|k| next.peek_is(k))
    })
}

/// Where `ALTER TABLE`'s clauses (`rest`) move rows between tables
/// (`EXCHANGE PARTITION`, `CONVERT PARTITION|TABLE`), if they do.
fn partition_move_in(rest: &str) -> Option<usize> {
    clause_in(rest, |word, next| {
        (word.eq_ignore_ascii_case("EXCHANGE") && next.peek_is("PARTITION"))
            || (word.eq_ignore_ascii_case("CONVERT")
                && (next.peek_is("PARTITION") || next.peek_is("TABLE")))
    })
}

/// Where `ALTER TABLE`'s clauses (`rest`) import or discard (`verb`) a
/// tablespace (`IMPORT TABLESPACE`, `DISCARD PARTITION p TABLESPACE`),
/// if they do.
fn tablespace_clause_in(rest: &str, verb: &str) -> Option<usize> {
    clause_in(rest, |word, next| {
        word.eq_ignore_ascii_case(verb) && (next.peek_is("TABLESPACE") || next.peek_is("PARTITION"))
    })
}

/// Where in `rest` the first word outside quotes for which `starts`
/// (given the words after it) holds begins.
fn clause_in(rest: &str, starts: impl Fn(&str, &Tokens) -> bool) -> Option<usize> {
    let mut t = Tokens { rest };
    while !t.rest.is_empty() {
        let at = rest.len() - t.rest.len();
        if t.rest.starts_with('`') || t.rest.starts_with('\'') || t.rest.starts_with('"') {
            t.skip_quoted();
            continue;
        }
        match t.word() {
            Some(w) if starts(w, &t) => return Some(at),
            Some(_) => {}
            None => {
                t.rest = t.rest.get(1..).unwrap_or("");
                t.blank();
            }
        }
    }
    None
}

/// The clauses of an `ALTER TABLE` that say how it runs, not what it
/// changes, with the values each takes.
const HOW_CLAUSES: [(&str, &[&str]); 2] = [
    (
        "ALGORITHM",
        &["DEFAULT", "INPLACE", "COPY", "NOCOPY", "INSTANT"],
    ),
    ("LOCK", &["DEFAULT", "NONE", "SHARED", "EXCLUSIVE"]),
];

/// The clauses of `ALTER TABLE table` (`clauses`) when they only do
/// maintenance that leaves its rows, columns and keys as they were, after
/// `[WAIT n|NOWAIT]`: the table options `COMMENT [=] 'text'` and
/// `AUTO_INCREMENT [=] n` ([`TableDdl::Options`]), `FORCE` (a rebuild),
/// either with `ALGORITHM [=] a` and `LOCK [=] l` clauses (how, not what:
/// online DDL is written so), or `{OPTIMIZE|REBUILD|ANALYZE} PARTITION {p
/// [, p ...]|ALL}`.  Anything more, or another form: `None`.
fn maintenance(table: &QualifiedTable, clauses: &str) -> Option<TableDdl> {
    let mut t = Tokens::new(clauses);
    t.skip_wait()?;
    let (mut options, mut force, mut how) = (false, false, false);
    while !t.at_end() {
        let Some(clause) = t.peek_word() else {
            break;
        };
        let takes_value = HOW_CLAUSES.iter().map(|(name, _)| name);
        if takes_value
            .chain(&["COMMENT", "AUTO_INCREMENT"])
            .any(|w| clause.eq_ignore_ascii_case(w))
        {
            t.word();
            if let Some(after) = t.rest.strip_prefix('=') {
                t.rest = after;
                t.blank();
            }
        }
        if let Some((_, values)) = HOW_CLAUSES
            .iter()
            .find(|(name, _)| clause.eq_ignore_ascii_case(name))
        {
            let value = t.word()?;
            if !values.iter().any(|v| value.eq_ignore_ascii_case(v)) {
                return None;
            }
            how = true;
        } else if clause.eq_ignore_ascii_case("COMMENT") {
            if !(t.rest.starts_with('\'') || t.rest.starts_with('"')) {
                return None;
            }
            t.skip_quoted();
            options = true;
        } else if clause.eq_ignore_ascii_case("AUTO_INCREMENT") {
            t.word().filter(|n| n.bytes().all(|b| b.is_ascii_digit()))?;
            options = true;
        } else if clause.eq_ignore_ascii_case("FORCE") && !force {
            t.word();
            force = true;
        } else {
            break;
        }
        t.comma();
    }
    if t.at_end() && (options || force || how) {
        return match (options, force) {
            (true, false) => Some(TableDdl::Options(table.clone())),
            // A rebuild that also sets options is told as a change: a
            // table in progress would skip it, and lose the options.
            (true, true) => None,
            // ALGORITHM or LOCK alone: nothing, or a rebuild.
            (false, _) => Some(TableDdl::Optimize(vec![table.clone()])),
        };
    }
    if options || force || how {
        return None;
    }
    let verb = t.word()?.to_ascii_uppercase();
    if !matches!(verb.as_str(), "OPTIMIZE" | "REBUILD" | "ANALYZE") {
        return None;
    }
    t.keyword("PARTITION")?;
    if t.keyword("ALL").is_none() {
        t.ident()?;
        t.blank();
        while t.comma() {
            t.ident()?;
            t.blank();
        }
    }
    let tables = vec![table.clone()];
    t.at_end().then_some(if verb == "ANALYZE" {
        TableDdl::Analyze(tables)
    } else {
        TableDdl::Optimize(tables)
    })
}

/// `EXCHANGE PARTITION p WITH TABLE b [WITH|WITHOUT VALIDATION]`,
/// `CONVERT PARTITION p TO TABLE b` or `CONVERT TABLE b TO PARTITION p
/// ...` (`clauses`) of `ALTER TABLE table`.
fn partition_move(table: QualifiedTable, clauses: &str, default_db: &str) -> Option<TableDdl> {
    let mut t = Tokens::new(clauses);
    if t.keyword("EXCHANGE").is_some() {
        t.keyword("PARTITION")?;
        t.ident()?;
        t.blank();
        t.keyword("WITH")?;
        t.keyword("TABLE")?;
        let other = t.table(default_db)?;
        if t.keyword("WITH").is_some() || t.keyword("WITHOUT").is_some() {
            t.keyword("VALIDATION")?;
        }
        return t.at_end().then_some(TableDdl::Exchange(table, other));
    }
    t.keyword("CONVERT")?;
    if t.keyword("PARTITION").is_some() {
        t.ident()?;
        t.blank();
        t.keyword("TO")?;
        t.keyword("TABLE")?;
        let other = t.table(default_db)?;
        return t.at_end().then_some(TableDdl::PartitionOut(table, other));
    }
    t.keyword("TABLE")?;
    let other = t.table(default_db)?;
    t.keyword("TO")?;
    t.keyword("PARTITION")?;
    Some(TableDdl::PartitionIn(table, other))
}

/// The table `query` (run in `default_db`) takes the tablespace from, if
/// it is an `ALTER TABLE ... DISCARD [PARTITION ...] TABLESPACE` (a
/// [`TableDdl::Change`] of the table, to the plan).
pub fn discarded_table(query: &[u8], default_db: &str) -> Option<QualifiedTable> {
    let Some(TableDdl::Change(table)) = parse(query, default_db) else {
        return None;
    };
    let text = statement_text(query)?;
    tablespace_clause_in(&text, "DISCARD").map(|_| table)
}

/// The table of `query` (run in `default_db`) if it is an `ALTER TABLE`
/// that changes the table's partitions in place: `{ADD|DROP|COALESCE|
/// REORGANIZE|CONVERT} PARTITION` or `CONVERT TABLE ... TO PARTITION`.
/// The server runs these through its DDL log (`fast_alter_partition_
/// table()`), and a crash past their last logged step leaves them to the
/// next start, which finishes them without writing them to the binary log
/// or recording their GTID: applied again, they would change the
/// partitions twice (a second `COALESCE`, and rows then in other
/// partitions than the master's).
pub fn partitions_changed_in_place(query: &[u8], default_db: &str) -> Option<QualifiedTable> {
    let (TableDdl::Change(table)
    | TableDdl::PartitionOut(table, _)
    | TableDdl::PartitionIn(table, _)) = parse(query, default_db)?
    else {
        return None;
    };
    let text = statement_text(query)?;
    clause_in(&text, |word, after| {
        match word.to_ascii_uppercase().as_str() {
            "ADD" | "DROP" | "COALESCE" | "REORGANIZE" => after.peek_is("PARTITION"),
            "CONVERT" => after.peek_is("PARTITION") || after.peek_is("TABLE"),
            _ => false,
        }
    })
    .map(|_| table)
}

/// The table of a trigger, from its `CREATE ... TRIGGER name ... ON
/// table` text (run in `default_db`).
pub fn trigger_table(definition: &[u8], default_db: &str) -> Option<QualifiedTable> {
    let text = statement_text(definition)?;
    let mut t = Tokens::new(&text);
    let mut seen_trigger = false;
    while !t.rest.is_empty() {
        if t.rest.starts_with('`') || t.rest.starts_with('\'') || t.rest.starts_with('"') {
            t.skip_quoted();
            continue;
        }
        match t.word() {
            Some(w) if w.eq_ignore_ascii_case("TRIGGER") => seen_trigger = true,
            Some(w) if seen_trigger && w.eq_ignore_ascii_case("ON") => {
                return t.table(default_db);
            }
            Some(_) => {}
            None => {
                let c = t.rest.chars().next()?;
                t.rest = &t.rest[c.len_utf8()..];
                t.blank();
            }
        }
    }
    None
}

/// What a `DROP VIEW|PROCEDURE|FUNCTION|PACKAGE [BODY]|EVENT|TRIGGER`
/// drops (see [`dropped_objects`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DroppedObjects {
    /// Views (named as tables are), else routines, events or triggers.
    pub views: bool,
    /// Each one's database (`default_db` if unnamed) and name.
    pub names: Vec<QualifiedTable>,
    /// The statement as `DROP ... IF EXISTS`.
    pub if_exists: String,
}

/// What the master's `DROP VIEW|PROCEDURE|FUNCTION|PACKAGE [BODY]|EVENT|
/// TRIGGER` (run in `default_db`) drops, with the statement as `... IF
/// EXISTS`; `None` for any other statement.  The copy's objects are read
/// when its tables are done, so such a DROP before then has nothing of the
/// copy's to drop: skipped, an object of that name this server had before
/// the copy (one `REPLACE` would have replaced) stayed, and the master's
/// next `CREATE` of the name stopped replication after the copy.  It runs
/// here instead, and finds the object or not.
pub fn dropped_objects(query: &[u8], default_db: &str) -> Option<DroppedObjects> {
    let text = statement_text(query)?;
    let text = text.as_ref();
    let mut t = Tokens::new(text);
    t.keyword("DROP")?;
    let views = t.keyword("VIEW").is_some();
    if !views {
        if t.keyword("PACKAGE").is_some() {
            t.keyword("BODY");
        } else if !["PROCEDURE", "FUNCTION", "EVENT", "TRIGGER"]
            .iter()
            .any(|kind| t.keyword(kind).is_some())
        {
            return None;
        }
    }
    let at = text.len() - t.rest().len();
    let mut names = t.clone();
    names.skip_if_exists();
    let if_exists = if names.rest().len() != t.rest().len() {
        text.to_owned()
    } else {
        format!("{} IF EXISTS {}", text[..at].trim_end(), t.rest())
    };
    Some(DroppedObjects {
        views,
        names: names.table_list(default_db)?,
        if_exists,
    })
}

/// The view a copy group's `CREATE OR REPLACE ... VIEW` (run in
/// `default_db`) makes ([`crate::ddl::create_view`]'s form: the clauses
/// between the two have no blank-delimited `VIEW`).
pub fn created_view(query: &[u8], default_db: &str) -> Option<QualifiedTable> {
    let text = statement_text(query)?;
    let mut t = Tokens::new(&text);
    t.keyword("CREATE")?;
    t.keyword("OR")?;
    t.keyword("REPLACE")?;
    if t.keyword("VIEW").is_some() {
        return t.table(default_db);
    }
    let at = t.rest().find(" VIEW ")?;
    Tokens::new(&t.rest()[at + " VIEW ".len()..]).table(default_db)
}

/// The table a copy group's `CREATE [OR REPLACE] TABLE|SEQUENCE` (run
/// in `default_db`) creates: from then on the table exists on the
/// replica, and a DDL that changes it copies it again.  A sequence is a
/// table of the copy too: its row comes in a group of its own after its
/// CREATE, and a `DROP SEQUENCE` in between must find it on the replica
/// as the master's plan has it (created), or the replica keeps a sequence
/// the master dropped (found by `scripts/stress-workload.sh`).
pub fn created_table(query: &[u8], default_db: &str) -> Option<QualifiedTable> {
    let text = std::str::from_utf8(query).ok()?;
    let mut t = Tokens::new(text);
    t.keyword("CREATE")?;
    if t.keyword("OR").is_some() {
        t.keyword("REPLACE")?;
    }
    if t.keyword("SEQUENCE").is_none() {
        t.keyword("TABLE")?;
    }
    t.skip_if_not_exists();
    t.table(default_db)
}

/// What to do with `ddl`, given each table's copy state (`state`): the
/// same answer on the master (its plan's view of the state) and on the
/// replica (its ledger's), for the same place in the stream.
///
/// `stale` says which tables the replica has though their copy is to
/// start again (a statement changed them after their copy): the master
/// sends them anew, but a DROP or RENAME of them runs on the replica too.
/// The master has none.
///
/// `taken` says which names the copy's filter takes (the connection's
/// replication filter, as the request carries it to both ends): a table
/// renamed from a name it leaves out to one it takes is new to the copy,
/// and copied as a table created during it.
pub fn decide(
    ddl: &TableDdl,
    state: impl Fn(&QualifiedTable) -> TableState,
    stale: impl Fn(&QualifiedTable) -> bool,
    taken: impl Fn(&QualifiedTable) -> bool,
) -> Decision {
    let exists = |s: &TableState| !matches!(s, TableState::NotCreated);
    let in_progress = |s: &TableState| matches!(s, TableState::Created { .. });
    let decision = |run, edits| Decision { run, edits };
    match ddl {
        TableDdl::Database | TableDdl::Temporary | TableDdl::Object | TableDdl::Account => {
            decision(Run::Apply, vec![])
        }
        TableDdl::DropDatabase(db) => decision(Run::Apply, vec![Edit::ForgetDatabase(db.clone())]),
        TableDdl::Analyze(tables) => {
            let all_complete = tables.iter().all(|t| state(t) == TableState::Complete);
            decision(if all_complete { Run::Apply } else { Run::Skip }, vec![])
        }
        TableDdl::Optimize(tables) => {
            // Rows, columns and keys as they were: a copy in progress goes
            // on (the replica's table gets the rows either way, and needs
            // no rebuild of its own).
            let states: Vec<TableState> = tables.iter().map(&state).collect();
            if states.iter().all(|s| *s == TableState::Complete) {
                return decision(Run::Apply, vec![]);
            }
            let edits = tables
                .iter()
                .zip(&states)
                .filter(|(_, s)| in_progress(s))
                .map(|(t, _)| Edit::Redefined(t.clone()))
                .collect();
            decision(Run::Skip, edits)
        }
        TableDdl::Options(table) => {
            // The replica's table, complete or in progress, takes the
            // options; a table not created yet is read with them.
            let s = state(table);
            if s == TableState::Complete {
                decision(Run::Apply, vec![])
            } else if in_progress(&s) {
                decision(Run::Apply, vec![Edit::Redefined(table.clone())])
            } else {
                decision(Run::Skip, vec![])
            }
        }
        TableDdl::ChangeReferencing(table, parents) => {
            // I5: a child's copy starts once its parents are complete, and
            // one that references itself is read at one cut.  A key to a
            // parent not complete here (or to itself, before its copy is
            // complete) makes the table a child the copy did not plan as
            // one: it is copied again after its parents.
            let complete = |t: &QualifiedTable| state(t) == TableState::Complete;
            let waits = parents.iter().any(|p| {
                if p == table {
                    !complete(table)
                } else {
                    taken(p) && !complete(p)
                }
            });
            if waits {
                return decision(
                    Run::Skip,
                    vec![Edit::CopyAfter(table.clone(), parents.clone())],
                );
            }
            decide(&TableDdl::Change(table.clone()), state, stale, taken)
        }
        TableDdl::Change(_) | TableDdl::Rebuild(_) | TableDdl::Create(_) => {
            let tables = match ddl {
                TableDdl::Change(t) | TableDdl::Create(t) => std::slice::from_ref(t),
                TableDdl::Rebuild(ts) => ts.as_slice(),
                _ => unreachable!(),
            };
            let states: Vec<TableState> = tables.iter().map(&state).collect();
            if let Some(i) = states.iter().position(in_progress) {
                return decision(Run::Skip, vec![Edit::Copy(tables[i].clone())]);
            }
            if states.iter().all(|s| *s == TableState::Complete) {
                return decision(Run::Apply, vec![]);
            }
            // A table created during the copy, or one whose copy has not
            // started: the copy reads it as it is when it gets there.
            let edits = match ddl {
                TableDdl::Create(t) => vec![Edit::Copy(t.clone())],
                _ => vec![],
            };
            decision(Run::Skip, edits)
        }
        TableDdl::Drop(tables) => {
            let present: Vec<&QualifiedTable> = tables
                .iter()
                .filter(|t| exists(&state(t)) || stale(t))
                .collect();
            let run = if present.len() == tables.len() {
                Run::Apply
            } else if present.is_empty() {
                Run::Skip
            } else {
                let list: Vec<String> = present.iter().map(|t| qualified(t)).collect();
                Run::Rewrite(format!("DROP TABLE IF EXISTS {}", list.join(", ")))
            };
            decision(run, tables.iter().cloned().map(Edit::Forget).collect())
        }
        TableDdl::Rename(pairs) => {
            // The state of each name as the pairs before changed it.
            // (state, whether the replica has it)
            let mut moved: BTreeMap<QualifiedTable, (TableState, bool)> = BTreeMap::new();
            let mut run = Vec::new();
            let mut edits = Vec::new();
            for (from, to) in pairs {
                if !taken(from) {
                    // Not the copy's: the replica has nothing to rename.
                    moved.remove(from);
                    if taken(to) {
                        edits.push(Edit::Copy(to.clone()));
                    }
                    moved.insert(to.clone(), (TableState::NotCreated, false));
                    continue;
                }
                let (s, has) = moved.remove(from).unwrap_or_else(|| {
                    let s = state(from);
                    let has = exists(&s) || stale(from);
                    (s, has)
                });
                moved.insert(from.clone(), (TableState::NotCreated, false));
                edits.push(Edit::Rename(from.clone(), to.clone()));
                if has {
                    run.push(format!("{} TO {}", qualified(from), qualified(to)));
                }
                if in_progress(&s) {
                    edits.push(Edit::Copy(to.clone()));
                }
                moved.insert(to.clone(), (s, has));
            }
            let run = if run.len() == pairs.len() {
                Run::Apply
            } else if run.is_empty() {
                Run::Skip
            } else {
                Run::Rewrite(format!("RENAME TABLE {}", run.join(", ")))
            };
            decision(run, edits)
        }
        TableDdl::AlterRename(from, to) if !taken(from) => {
            let edits = if taken(to) {
                vec![Edit::Copy(to.clone())]
            } else {
                vec![]
            };
            decision(Run::Skip, edits)
        }
        TableDdl::AlterRename(from, to) => {
            let s = state(from);
            let mut edits = vec![Edit::Rename(from.clone(), to.clone())];
            let rename = || {
                Run::Rewrite(format!(
                    "RENAME TABLE {} TO {}",
                    qualified(from),
                    qualified(to)
                ))
            };
            let run = match s {
                TableState::NotCreated if stale(from) => rename(),
                TableState::NotCreated => Run::Skip,
                TableState::Complete => Run::Apply,
                TableState::Created { .. } => {
                    // The part copied only changes its name: the copy
                    // starts again with the new definition.
                    edits.push(Edit::Copy(to.clone()));
                    rename()
                }
            };
            decision(run, edits)
        }
        TableDdl::Import(t) => {
            // The rows came from a file the replica does not have: the
            // statement would fail there (or import nothing).  A table
            // the replica holds is read again as it is now; one whose
            // copy has not started is read so when its turn comes.
            match state(t) {
                TableState::NotCreated => decision(Run::Skip, vec![]),
                _ => decision(Run::Skip, vec![Edit::Copy(t.clone())]),
            }
        }
        TableDdl::Exchange(a, b) => {
            if state(a) == TableState::Complete && state(b) == TableState::Complete {
                return decision(Run::Apply, vec![]);
            }
            // The replica lacks the rows of one side: the master sends
            // both tables again as they are now (a table whose copy has
            // not started needs nothing).
            decision(
                Run::Skip,
                vec![Edit::Copy(a.clone()), Edit::Copy(b.clone())],
            )
        }
        TableDdl::PartitionOut(a, b) => {
            // The new table is copied, as one CREATE'd during the copy;
            // where `a` is complete, the statement makes it here first,
            // with the same rows.  (A complete `b` is one LOAD TABLE does
            // not copy: the statement alone makes it.)
            let edits = vec![Edit::Copy(a.clone()), Edit::Copy(b.clone())];
            match state(a) {
                TableState::Complete if state(b) == TableState::Complete => {
                    decision(Run::Apply, vec![])
                }
                TableState::Complete => decision(Run::Apply, vec![Edit::Copy(b.clone())]),
                TableState::Created { .. } => decision(Run::Skip, edits),
                TableState::NotCreated => decision(Run::Skip, vec![Edit::Copy(b.clone())]),
            }
        }
        TableDdl::PartitionIn(a, b) => {
            let (sa, sb) = (state(a), state(b));
            if sa == TableState::Complete && sb == TableState::Complete {
                return decision(Run::Apply, vec![Edit::Forget(b.clone())]);
            }
            // `b` is gone, its rows are in `a`: `a` is copied again (or
            // later, as it is now) and the replica drops its `b`.
            let run = if exists(&sb) || stale(b) {
                Run::Rewrite(format!("DROP TABLE IF EXISTS {}", qualified(b)))
            } else {
                Run::Skip
            };
            decision(run, vec![Edit::Forget(b.clone()), Edit::Copy(a.clone())])
        }
    }
}

/// `db`.`table`, back-quoted.
fn qualified((db, table): &QualifiedTable) -> String {
    crate::protocol::table_ident(db, table)
}

/// A small reader of SQL words and identifiers.
#[derive(Clone)]
pub(crate) struct Tokens<'a> {
    pub(crate) rest: &'a str,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut t = Tokens { rest: text };
        t.blank();
        t
    }

    /// Skips white space and comments.
    pub(crate) fn blank(&mut self) {
        loop {
            let trimmed = self.rest.trim_start();
            if let Some(after) = trimmed.strip_prefix("/*") {
                match after.find("*/") {
                    Some(end) => self.rest = &after[end + 2..],
                    None => {
                        self.rest = "";
                        return;
                    }
                }
            } else if trimmed.starts_with('#') || trimmed.starts_with("-- ") {
                self.rest = trimmed.find('\n').map_or("", |i| &trimmed[i + 1..]);
            } else {
                self.rest = trimmed;
                return;
            }
        }
    }

    /// The next word, left in place.
    pub(crate) fn peek_word(&self) -> Option<&'a str> {
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(self.rest.len());
        (end > 0).then(|| &self.rest[..end])
    }

    pub(crate) fn word(&mut self) -> Option<&'a str> {
        let word = self.peek_word()?;
        self.rest = &self.rest[word.len()..];
        self.blank();
        Some(word)
    }

    pub(crate) fn peek_is(&self, keyword: &str) -> bool {
        self.peek_word()
            .is_some_and(|w| w.eq_ignore_ascii_case(keyword))
    }

    pub(crate) fn keyword(&mut self, keyword: &str) -> Option<()> {
        if self.peek_is(keyword) {
            self.word().map(|_| ())
        } else {
            None
        }
    }

    pub(crate) fn skip_words(&mut self, words: &[&str]) {
        while words.iter().any(|w| self.peek_is(w)) {
            self.word();
        }
    }

    pub(crate) fn skip_if_exists(&mut self) {
        if self.peek_is("IF") {
            let saved = self.rest;
            self.word();
            if self.keyword("EXISTS").is_none() {
                self.rest = saved;
            }
        }
    }

    /// `DATABASE` or `SCHEMA`.
    pub(crate) fn database_keyword(&mut self) -> bool {
        self.keyword("DATABASE").is_some() || self.keyword("SCHEMA").is_some()
    }

    /// `TEMPORARY TABLE` (true), `TABLE` or `SEQUENCE` (false), or
    /// neither (`None`).
    pub(crate) fn temporary_table(&mut self) -> Option<bool> {
        if self.keyword("TEMPORARY").is_some() {
            self.keyword("TABLE")?;
            return Some(true);
        }
        if self.keyword("TABLE").is_none() {
            self.keyword("SEQUENCE")?;
        }
        Some(false)
    }

    pub(crate) fn skip_if_not_exists(&mut self) {
        if self.peek_is("IF") {
            let saved = self.rest;
            self.word();
            if self.keyword("NOT").is_none() || self.keyword("EXISTS").is_none() {
                self.rest = saved;
            }
        }
    }

    /// Skips a quoted string or identifier (its quote doubled inside it,
    /// or escaped with a backslash in a string).
    pub(crate) fn skip_quoted(&mut self) {
        self.rest = &self.rest[quoted_len(self.rest)..];
        self.blank();
    }

    /// A lock wait clause, `WAIT n` or `NOWAIT`, if there is one; `None`
    /// for a `WAIT` without its seconds.
    pub(crate) fn skip_wait(&mut self) -> Option<()> {
        if self.keyword("NOWAIT").is_none() && self.keyword("WAIT").is_some() {
            self.word()?;
        }
        Some(())
    }

    /// `table [, table ...]`, then the end (or `WAIT n`, `NOWAIT`,
    /// `RESTRICT`, `CASCADE`, a comment).
    pub(crate) fn table_list(&mut self, default_db: &str) -> Option<Vec<QualifiedTable>> {
        let mut tables = vec![self.table(default_db)?];
        while self.comma() {
            tables.push(self.table(default_db)?);
        }
        self.skip_wait()?;
        self.skip_words(&["RESTRICT", "CASCADE"]);
        self.at_end().then_some(tables)
    }

    /// An identifier: back-quoted (a doubled back-quote stands for one),
    /// double-quoted (a session with `ANSI_QUOTES`; without it a string,
    /// which no statement has where a name is read), or plain.
    pub(crate) fn ident(&mut self) -> Option<String> {
        for quote in ['`', '"'] {
            if self.rest.starts_with(quote) {
                let (name, rest) = quoted_with(self.rest, quote)?;
                self.rest = rest;
                return Some(name);
            }
        }
        let end = self
            .rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(self.rest.len());
        if end == 0 || self.rest[..end].chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let name = self.rest[..end].to_owned();
        self.rest = &self.rest[end..];
        Some(name)
    }

    /// `[db.]table`, the database defaulting to `default_db`.
    pub(crate) fn table(&mut self, default_db: &str) -> Option<QualifiedTable> {
        let first = self.ident()?;
        let table = if let Some(after) = self.rest.strip_prefix('.') {
            self.rest = after;
            (first, self.ident()?)
        } else {
            if default_db.is_empty() {
                return None;
            }
            (default_db.to_owned(), first)
        };
        self.blank();
        Some(table)
    }

    pub(crate) fn comma(&mut self) -> bool {
        match self.rest.strip_prefix(',') {
            Some(after) => {
                self.rest = after;
                self.blank();
                true
            }
            None => false,
        }
    }

    pub(crate) fn at_end(&self) -> bool {
        self.rest.trim().trim_end_matches(';').trim().is_empty()
    }

    pub(crate) fn rest(&self) -> &'a str {
        self.rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide_tables(ddl: &TableDdl, state: impl Fn(&QualifiedTable) -> TableState) -> Decision {
        decide(ddl, state, |_| false, |_| true)
    }

    fn t(db: &str, table: &str) -> QualifiedTable {
        (db.to_owned(), table.to_owned())
    }

    /// `b` in progress, every other table complete.
    fn b_in_progress(q: &QualifiedTable) -> TableState {
        if q.1 == "b" {
            TableState::Created {
                cursor: Some(vec![1]),
            }
        } else {
            TableState::Complete
        }
    }

    #[test]
    fn an_imported_tablespace_is_read_again() {
        let import = |q: &[u8]| parse(q, "db");
        for q in [
            &b"ALTER TABLE t IMPORT TABLESPACE"[..],
            b"alter table `db`.t import partition p0, p1 tablespace",
            b"ALTER TABLE t IMPORT PARTITION ALL TABLESPACE",
        ] {
            assert_eq!(import(q), Some(TableDdl::Import(t("db", "t"))), "{q:?}");
        }
        // Discarding is an ALTER of the table: the replica discards too
        // where it holds the table complete.
        assert_eq!(
            import(b"ALTER TABLE t DISCARD TABLESPACE"),
            Some(TableDdl::Change(t("db", "t")))
        );
        assert_eq!(
            discarded_table(b"alter table discard discard partition p tablespace", "db"),
            Some(t("db", "discard"))
        );
        for q in [
            &b"ALTER TABLE t IMPORT TABLESPACE"[..],
            b"ALTER TABLE discard ADD COLUMN c INT",
            b"ALTER TABLE t COMMENT 'discard tablespace'",
            b"DROP TABLE t",
        ] {
            assert_eq!(discarded_table(q, "db"), None, "{q:?}");
        }
        // A column named import is no import.
        assert_eq!(
            import(b"ALTER TABLE t ADD COLUMN `import` INT"),
            Some(TableDdl::Change(t("db", "t")))
        );
        let ddl = TableDdl::Import(t("db", "t"));
        for state in [
            TableState::Complete,
            TableState::Created {
                cursor: Some(vec![1]),
            },
        ] {
            let d = decide_tables(&ddl, |_| state.clone());
            assert_eq!(
                (d.run, d.edits),
                (Run::Skip, vec![Edit::Copy(t("db", "t"))])
            );
        }
        let d = decide_tables(&ddl, |_| TableState::NotCreated);
        assert_eq!((d.run, d.edits), (Run::Skip, vec![]));
    }

    #[test]
    fn table_ddl_is_recognised() {
        assert_eq!(
            parse(b"ALTER TABLE t1 ADD COLUMN c INT", "db"),
            Some(TableDdl::Change(t("db", "t1")))
        );
        assert_eq!(
            parse(
                b"/* x */ alter online ignore table `my``db`.`a b` engine=InnoDB",
                "db"
            ),
            Some(TableDdl::Change(t("my`db", "a b")))
        );
        assert_eq!(
            parse(b"ALTER TABLE IF EXISTS d.p DROP PARTITION p0", ""),
            Some(TableDdl::Change(t("d", "p")))
        );
        assert_eq!(
            parse(b"ALTER TABLE t RENAME COLUMN a TO b", "db"),
            Some(TableDdl::Change(t("db", "t")))
        );
        assert_eq!(
            parse(b"TRUNCATE TABLE staging", "db"),
            Some(TableDdl::Change(t("db", "staging")))
        );
        assert_eq!(
            parse(b"truncate d.s", ""),
            Some(TableDdl::Change(t("d", "s")))
        );
        assert_eq!(
            parse(b"TRUNCATE TABLE d.s WAIT 5", ""),
            Some(TableDdl::Change(t("d", "s")))
        );
        assert_eq!(
            parse(b"DROP TABLE IF EXISTS a, d.b NOWAIT", "db"),
            Some(TableDdl::Drop(vec![t("db", "a"), t("d", "b")]))
        );
        assert_eq!(
            parse(b"DROP TABLE a WAIT 10 RESTRICT", "db"),
            Some(TableDdl::Drop(vec![t("db", "a")]))
        );
        assert_eq!(
            parse(b"OPTIMIZE NO_WRITE_TO_BINLOG TABLE a, d.b", "db"),
            Some(TableDdl::Optimize(vec![t("db", "a"), t("d", "b")]))
        );
        assert_eq!(
            parse(b"REPAIR TABLE a, d.b", "db"),
            Some(TableDdl::Rebuild(vec![t("db", "a"), t("d", "b")]))
        );
        assert_eq!(
            parse(b"ANALYZE TABLE a PERSISTENT FOR ALL", "db"),
            Some(TableDdl::Analyze(vec![t("db", "a")]))
        );
    }

    #[test]
    fn executable_comments_and_set_statement_are_read_through() {
        // As mariadb-dump writes them.
        assert_eq!(
            parse(b"/*!40000 ALTER TABLE `t` DISABLE KEYS */", "db"),
            Some(TableDdl::Change(t("db", "t")))
        );
        assert_eq!(
            parse(
                b"/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ \
                  /*!50003 TRIGGER `d`.`trg` BEFORE INSERT ON `t` FOR EACH ROW \
                  SET NEW.v = '*/' /* a */ */",
                "db"
            ),
            Some(TableDdl::Object)
        );
        assert_eq!(
            trigger_table(
                b"/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ \
                  /*!50003 TRIGGER trg BEFORE INSERT ON `t` FOR EACH ROW SET NEW.v = 1 */",
                "db"
            ),
            Some(t("db", "t"))
        );
        // An executable comment right after a quoted name.
        assert_eq!(
            parse(
                b"ALTER TABLE `c` /*!50100 ADD FOREIGN KEY (a) REFERENCES `p` (id) */",
                "db"
            ),
            Some(TableDdl::ChangeReferencing(
                t("db", "c"),
                vec![t("db", "p")]
            ))
        );
        assert_eq!(
            parse(b"/*M!100101 DROP TABLE IF EXISTS `a` */", "db"),
            Some(TableDdl::Drop(vec![t("db", "a")]))
        );
        assert_eq!(
            parse(b"/*! ALTER TABLE t ADD c INT */ ", "db"),
            Some(TableDdl::Change(t("db", "t")))
        );
        // A comment the master did not run is a plain one when logged.
        assert_eq!(parse(b"/* 50700 ALTER TABLE t ENGINE=x */", "db"), None);
        assert_eq!(
            parse(
                b"SET STATEMENT lock_wait_timeout=5, sql_mode='a,b' FOR ALTER TABLE t FORCE",
                "db"
            ),
            Some(TableDdl::Optimize(vec![t("db", "t")]))
        );
        assert_eq!(
            parse(
                b"set statement max_statement_time=(1 + 2) for /*!40000 truncate d.s */",
                "db"
            ),
            Some(TableDdl::Change(t("d", "s")))
        );
        assert_eq!(
            discarded_table(
                b"SET STATEMENT lock_wait_timeout=1 FOR ALTER TABLE t DISCARD TABLESPACE",
                "db"
            ),
            Some(t("db", "t"))
        );
        assert_eq!(parse(b"SET STATEMENT x=1", "db"), None);
        assert_eq!(parse(b"SET @a = 1", "db"), None);
    }

    #[test]
    fn names_compare_in_lower_case_where_the_server_stores_them_so() {
        let q = b"ALTER TABLE Shop.`Orders` ADD c INT DEFAULT 'X'";
        let (query, db) = names_as_compared(q, "Shop", 0);
        assert_eq!(
            parse(&query, &db),
            Some(TableDdl::Change(t("Shop", "Orders")))
        );
        let (query, db) = names_as_compared(q, "Shop", 1);
        assert_eq!(
            parse(&query, &db),
            Some(TableDdl::Change(t("shop", "orders")))
        );
        let (query, db) = names_as_compared(b"RENAME TABLE A TO b.B", "Shop", 1);
        assert_eq!(
            parse(&query, &db),
            Some(TableDdl::Rename(vec![(t("shop", "a"), t("b", "b"))]))
        );
    }

    #[test]
    fn statements_as_tools_write_them_are_recognised() {
        for (q, ddl) in [
            (
                &b"create /* gh-ost */ table `d`.`_t_gho` like `d`.`t`"[..],
                TableDdl::Create(t("d", "_t_gho")),
            ),
            (
                b"alter /* gh-ost */ table `d`.`_t_gho` add column c int",
                TableDdl::Change(t("d", "_t_gho")),
            ),
            (
                b"rename /* gh-ost */ table `d`.`t` to `d`.`_t_del`, `d`.`_t_gho` to `d`.`t`",
                TableDdl::Rename(vec![
                    (t("d", "t"), t("d", "_t_del")),
                    (t("d", "_t_gho"), t("d", "t")),
                ]),
            ),
            (
                b"CREATE DATABASE IF NOT EXISTS `x` /*!40100 DEFAULT CHARACTER SET utf8mb4 */",
                TableDdl::Database,
            ),
            (
                b"/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50013 DEFINER=`root`@`localhost` \
                  SQL SECURITY DEFINER */ /*!50001 VIEW `v` AS select 1 AS `a` */",
                TableDdl::Object,
            ),
            (b"/*!50001 DROP VIEW IF EXISTS `v`*/", TableDdl::Object),
            (
                b"/*!50106 CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ /*!50106 EVENT `e` \
                  ON SCHEDULE EVERY 1 DAY DO SELECT 1 */",
                TableDdl::Object,
            ),
            (
                b"ALTER TABLE `t` ADD CONSTRAINT `f` FOREIGN KEY (`x`) REFERENCES `p` (`id`)",
                TableDdl::ChangeReferencing(t("db", "t"), vec![t("db", "p")]),
            ),
            (
                b"ALTER TABLE t ALGORITHM=INPLACE, LOCK=NONE, ADD INDEX i (c)",
                TableDdl::Change(t("db", "t")),
            ),
            (b"DROP INDEX `PRIMARY` ON t", TableDdl::Change(t("db", "t"))),
            (
                b"ALTER TABLE t RENAME INDEX a TO b",
                TableDdl::Change(t("db", "t")),
            ),
        ] {
            assert_eq!(parse(q, "db"), Some(ddl), "{}", String::from_utf8_lossy(q));
        }
    }

    #[test]
    fn index_statements_change_their_table() {
        for (q, table) in [
            (&b"CREATE INDEX ix ON t1 (a)"[..], t("db", "t1")),
            (
                b"create unique index `i x` on `d`.`t` (a(10) DESC)",
                t("d", "t"),
            ),
            (
                b"CREATE OR REPLACE FULLTEXT INDEX IF NOT EXISTS f ON d.t (body)",
                t("d", "t"),
            ),
            (
                b"CREATE SPATIAL INDEX g ON t (p) ALGORITHM=INPLACE",
                t("db", "t"),
            ),
            (
                b"CREATE INDEX h USING BTREE ON t (a) LOCK=NONE",
                t("db", "t"),
            ),
            (b"/* c */ DROP INDEX ix ON t1", t("db", "t1")),
            (b"DROP INDEX IF EXISTS `ix` ON `d`.`t` NOWAIT", t("d", "t")),
        ] {
            assert_eq!(
                parse(q, "db"),
                Some(TableDdl::Change(table)),
                "{}",
                String::from_utf8_lossy(q)
            );
        }
        assert_eq!(parse(b"CREATE INDEX ix ON t1 (a)", ""), None);
        assert_eq!(parse(b"DROP INDEX ix", "db"), None);
    }

    #[test]
    fn a_drop_of_an_object_runs_if_it_exists() {
        for (query, expected, views, names) in [
            (
                "DROP VIEW v",
                "DROP VIEW IF EXISTS v",
                true,
                vec![t("d", "v")],
            ),
            (
                "drop  view `e`.`v`, w CASCADE",
                "drop  view IF EXISTS `e`.`v`, w CASCADE",
                true,
                vec![t("e", "v"), t("d", "w")],
            ),
            (
                "DROP VIEW IF EXISTS v",
                "DROP VIEW IF EXISTS v",
                true,
                vec![t("d", "v")],
            ),
            (
                "DROP PROCEDURE e.p",
                "DROP PROCEDURE IF EXISTS e.p",
                false,
                vec![t("e", "p")],
            ),
            (
                "DROP FUNCTION f",
                "DROP FUNCTION IF EXISTS f",
                false,
                vec![t("d", "f")],
            ),
            (
                "DROP PACKAGE BODY pk",
                "DROP PACKAGE BODY IF EXISTS pk",
                false,
                vec![t("d", "pk")],
            ),
            (
                "DROP PACKAGE pk",
                "DROP PACKAGE IF EXISTS pk",
                false,
                vec![t("d", "pk")],
            ),
            (
                "DROP EVENT IF EXISTS ev",
                "DROP EVENT IF EXISTS ev",
                false,
                vec![t("d", "ev")],
            ),
            (
                "/* x */ DROP TRIGGER e.tr",
                "/* x */ DROP TRIGGER IF EXISTS e.tr",
                false,
                vec![t("e", "tr")],
            ),
        ] {
            let expected = DroppedObjects {
                views,
                names,
                if_exists: expected.into(),
            };
            assert_eq!(
                dropped_objects(query.as_bytes(), "d"),
                Some(expected),
                "{query}"
            );
        }
        for other in [
            "DROP TABLE t",
            "DROP DATABASE d",
            "CREATE VIEW v AS SELECT 1",
        ] {
            assert_eq!(dropped_objects(other.as_bytes(), "d"), None, "{other}");
        }
    }

    #[test]
    fn a_copy_view_names_its_view() {
        let show = "CREATE ALGORITHM=MERGE DEFINER=`app`@`%` SQL SECURITY INVOKER \
                    VIEW `d`.`v` AS select 1 AS `a` WITH CASCADED CHECK OPTION";
        let sql = crate::ddl::create_view(show.as_bytes()).unwrap();
        assert_eq!(created_view(&sql, "x"), Some(t("d", "v")));
        assert_eq!(
            created_view(b"CREATE OR REPLACE VIEW w AS SELECT 1", "x"),
            Some(t("x", "w"))
        );
        assert_eq!(
            created_view(b"CREATE OR REPLACE TABLE w (i INT)", "x"),
            None
        );
    }

    #[test]
    fn a_copy_create_names_its_table() {
        assert_eq!(
            created_table(b"CREATE OR REPLACE TABLE `a` (\n  `id` int(11)", "d"),
            Some(t("d", "a"))
        );
        assert_eq!(
            created_table(b"CREATE TABLE IF NOT EXISTS x.`b` (id INT)", "d"),
            Some(t("x", "b"))
        );
        assert_eq!(
            created_table(
                b"CREATE OR REPLACE SEQUENCE `s` start with 1 increment by 1",
                "d"
            ),
            Some(t("d", "s"))
        );
        assert_eq!(created_table(b"CREATE VIEW v AS SELECT 1", "d"), None);
        assert_eq!(created_table(b"CREATE DATABASE d", "d"), None);
    }

    #[test]
    fn names_in_double_quotes_are_read_as_names() {
        // A session with sql_mode=ANSI_QUOTES; a doubled quote stands for one.
        assert_eq!(
            parse(br#"RENAME TABLE "d"."a" TO "d"."b""c""#, "x"),
            Some(TableDdl::Rename(vec![(t("d", "a"), t("d", "b\"c"))]))
        );
        assert_eq!(
            parse(br#"CREATE TABLE "n" ("id" INT PRIMARY KEY)"#, "x"),
            Some(TableDdl::Create(t("x", "n")))
        );
        assert_eq!(
            parse(br#"ALTER TABLE "d"."t" ADD COLUMN "rename" INT"#, "x"),
            Some(TableDdl::Change(t("d", "t")))
        );
        assert_eq!(
            parse(br#"DROP TABLE "d"."t", `d`.`u`"#, "x"),
            Some(TableDdl::Drop(vec![t("d", "t"), t("d", "u")]))
        );
        let w = crate::statement_write::parse(br#"UPDATE "d"."t" SET "v" = 1"#, "x");
        assert_eq!(w.unwrap().written, vec![t("d", "t")]);
    }

    #[test]
    fn tables_created_dropped_and_renamed_are_recognised() {
        assert_eq!(
            parse(b"CREATE TABLE IF NOT EXISTS d.n LIKE d.t", "x"),
            Some(TableDdl::Create(t("d", "n")))
        );
        assert_eq!(
            parse(b"CREATE OR REPLACE SEQUENCE s START WITH 5", "x"),
            Some(TableDdl::Create(t("x", "s")))
        );
        assert_eq!(
            parse(b"CREATE TEMPORARY TABLE tmp (a INT)", "x"),
            Some(TableDdl::Temporary)
        );
        assert_eq!(
            parse(
                b"DROP TABLE IF EXISTS `a`,d.`b` /* generated by server */",
                "x"
            ),
            Some(TableDdl::Drop(vec![t("x", "a"), t("d", "b")]))
        );
        assert_eq!(
            parse(b"DROP TEMPORARY TABLE IF EXISTS `t`", "x"),
            Some(TableDdl::Temporary)
        );
        assert_eq!(
            parse(b"RENAME TABLE t TO _t_old, d._t_new WAIT 5 TO t", "x"),
            Some(TableDdl::Rename(vec![
                (t("x", "t"), t("x", "_t_old")),
                (t("d", "_t_new"), t("x", "t"))
            ]))
        );
        assert_eq!(
            parse(b"ALTER TABLE t ADD c INT, RENAME TO d.u", "x"),
            Some(TableDdl::AlterRename(t("x", "t"), t("d", "u")))
        );
        assert_eq!(
            parse(b"ALTER TABLE t RENAME u", "x"),
            Some(TableDdl::AlterRename(t("x", "t"), t("x", "u")))
        );
        // To its own name (the server accepts it, and logs it): an ALTER
        // of the table, not a rename (rewritten as `RENAME TABLE t TO t`
        // for a table part way, it failed on the replica: "Table 't'
        // already exists", seen by the soak).
        assert_eq!(
            parse(b"ALTER TABLE t_new0 RENAME TO t_new0", "x"),
            Some(TableDdl::Change(t("x", "t_new0")))
        );
        assert_eq!(
            parse(b"ALTER TABLE t ADD c INT, RENAME TO x.t", "x"),
            Some(TableDdl::Change(t("x", "t")))
        );
        assert_eq!(
            parse(
                b"ALTER TABLE t COMMENT 'RENAME TO x', RENAME INDEX a TO b",
                "x"
            ),
            Some(TableDdl::Change(t("x", "t")))
        );
        assert_eq!(
            parse(b"DROP DATABASE IF EXISTS `old`", "x"),
            Some(TableDdl::DropDatabase("old".to_owned()))
        );
        assert_eq!(
            parse(b"CREATE DATABASE new_one", "x"),
            Some(TableDdl::Database)
        );
        assert_eq!(
            parse(b"ALTER SCHEMA d CHARACTER SET utf8mb4", "x"),
            Some(TableDdl::Database)
        );
    }

    #[test]
    fn views_routines_triggers_and_events_are_recognised() {
        for q in [
            &b"CREATE VIEW v AS SELECT 1"[..],
            b"ALTER ALGORITHM=MERGE DEFINER=`root`@`localhost` SQL SECURITY INVOKER VIEW v AS SELECT 2",
            b"CREATE OR REPLACE DEFINER=root@localhost PROCEDURE p() BEGIN END",
            b"CREATE DEFINER=`root`@`%` TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET @a=1",
            b"CREATE DEFINER=CURRENT_USER() AGGREGATE FUNCTION f(x INT) RETURNS INT RETURN 1",
            b"DROP TRIGGER IF EXISTS d.trg",
            b"DROP VIEW v1, v2",
            b"ALTER EVENT e RENAME TO e2",
            b"CREATE PACKAGE BODY pk AS END",
        ] {
            assert_eq!(
                parse(q, "db"),
                Some(TableDdl::Object),
                "{}",
                String::from_utf8_lossy(q)
            );
        }
        assert_eq!(
            parse(b"CREATE FUNCTION udf RETURNS INTEGER SONAME 'udf.so'", "db"),
            None
        );
        for q in [
            &b"GRANT SELECT ON d.* TO 'u'@'%'"[..],
            b"REVOKE ALL ON *.* FROM u",
            b"CREATE USER IF NOT EXISTS u@localhost",
            b"CREATE OR REPLACE ROLE r",
            b"DROP USER u",
            b"ALTER USER u ACCOUNT LOCK",
            b"RENAME USER a TO b",
            b"SET PASSWORD FOR u = PASSWORD('x')",
            b"SET DEFAULT ROLE r FOR u",
        ] {
            assert_eq!(
                parse(q, "db"),
                Some(TableDdl::Account),
                "{}",
                String::from_utf8_lossy(q)
            );
        }
    }

    #[test]
    fn partition_moves_name_both_tables() {
        let (p, dp, u, du) = (t("x", "p"), t("d", "p"), t("x", "u"), t("d", "u"));
        for (q, expected) in [
            (
                &b"ALTER TABLE p EXCHANGE PARTITION `p 0` WITH TABLE d.u WITHOUT VALIDATION"[..],
                TableDdl::Exchange(p.clone(), du.clone()),
            ),
            (
                b"alter table d.p exchange partition p0 with table u",
                TableDdl::Exchange(dp, u.clone()),
            ),
            (
                b"ALTER TABLE p CONVERT PARTITION p0 TO TABLE u",
                TableDdl::PartitionOut(p.clone(), u),
            ),
            (
                b"ALTER TABLE p CONVERT TABLE d.u TO PARTITION p9 VALUES LESS THAN (90)",
                TableDdl::PartitionIn(p.clone(), du),
            ),
            // A comment, a column or a character set conversion is not one.
            (
                b"ALTER TABLE p COMMENT 'exchange partition'",
                TableDdl::Options(p.clone()),
            ),
            (
                b"ALTER TABLE p ADD COLUMN exchange INT",
                TableDdl::Change(p.clone()),
            ),
            (
                b"ALTER TABLE p CONVERT TO CHARACTER SET utf8mb4",
                TableDdl::Change(p),
            ),
        ] {
            assert_eq!(
                parse(q, "x"),
                Some(expected),
                "{}",
                String::from_utf8_lossy(q)
            );
        }
    }

    #[test]
    fn partition_moves_apply_to_complete_tables_and_copy_the_others() {
        const DONE: TableState = TableState::Complete;
        const BUSY: TableState = TableState::Created { cursor: None };
        let (p, u) = (t("d", "p"), t("d", "u"));
        let run = |ddl: &TableDdl, list: &[(&str, TableState)]| {
            let d = decide_tables(ddl, |q: &QualifiedTable| {
                list.iter()
                    .find(|(n, _)| *n == q.1)
                    .map_or(TableState::NotCreated, |(_, s)| s.clone())
            });
            (d.run, d.edits)
        };

        let exchange = TableDdl::Exchange(p.clone(), u.clone());
        assert_eq!(
            run(&exchange, &[("p", DONE), ("u", DONE)]),
            (Run::Apply, vec![])
        );
        let both = vec![Edit::Copy(p.clone()), Edit::Copy(u.clone())];
        for list in [
            &[("p", DONE)][..],
            &[("u", DONE)],
            &[("p", DONE), ("u", BUSY)],
            &[],
        ] {
            assert_eq!(run(&exchange, list), (Run::Skip, both.clone()));
        }

        let out = TableDdl::PartitionOut(p.clone(), u.clone());
        let copy_u = vec![Edit::Copy(u.clone())];
        assert_eq!(run(&out, &[("p", DONE)]), (Run::Apply, copy_u.clone()));
        // LOAD TABLE: tables it does not copy are complete.
        assert_eq!(run(&out, &[("p", DONE), ("u", DONE)]), (Run::Apply, vec![]));
        assert_eq!(run(&out, &[("p", BUSY)]), (Run::Skip, both));
        assert_eq!(run(&out, &[]), (Run::Skip, copy_u));

        let into = TableDdl::PartitionIn(p.clone(), u.clone());
        assert_eq!(
            run(&into, &[("p", DONE), ("u", DONE)]),
            (Run::Apply, vec![Edit::Forget(u.clone())])
        );
        let again = vec![Edit::Forget(u.clone()), Edit::Copy(p.clone())];
        let drop_u = Run::Rewrite("DROP TABLE IF EXISTS `d`.`u`".to_owned());
        assert_eq!(run(&into, &[("p", DONE)]), (Run::Skip, again.clone()));
        assert_eq!(run(&into, &[("u", DONE)]), (drop_u.clone(), again.clone()));
        assert_eq!(run(&into, &[("p", BUSY), ("u", DONE)]), (drop_u, again));
    }

    #[test]
    fn other_statements_are_not() {
        for q in [
            &b"ALTER TABLE t ADD c INT, EXCHANGE PARTITION p WITH TABLE u"[..],
            b"ALTER TABLE t EXCHANGE PARTITION p WITH TABLE u, ADD c INT",
            b"ALTER TABLE t CONVERT PARTITION p TO TABLE u ENGINE=Aria",
            b"CREATE FUNCTION udf RETURNS STRING SONAME 'x.so'",
            b"INSERT INTO t VALUES (1)",
            b"TRUNCATE t; DROP TABLE u",
            b"DROP TABLE a; DROP TABLE b",
            b"",
        ] {
            assert_eq!(parse(q, "db"), None, "{}", String::from_utf8_lossy(q));
        }
        // No default database for an unqualified name.
        assert_eq!(parse(b"TRUNCATE t", ""), None);
    }

    fn states(
        list: &'static [(&'static str, TableState)],
    ) -> impl Fn(&QualifiedTable) -> TableState {
        move |q: &QualifiedTable| {
            list.iter()
                .find(|(n, _)| *n == q.1)
                .map_or(TableState::NotCreated, |(_, s)| s.clone())
        }
    }

    #[test]
    fn a_foreign_key_to_a_parent_not_complete_copies_the_child_after_it() {
        let q = b"ALTER TABLE c ADD CONSTRAINT f FOREIGN KEY (pid) REFERENCES `p` (id) \
                  ON DELETE CASCADE, ADD KEY k (v)";
        let ddl = parse(q, "d").unwrap();
        assert_eq!(
            ddl,
            TableDdl::ChangeReferencing(t("d", "c"), vec![t("d", "p")])
        );
        assert_eq!(
            parse(b"ALTER TABLE c DROP FOREIGN KEY f", "d"),
            Some(TableDdl::Change(t("d", "c")))
        );
        let complete = TableState::Complete;
        let in_progress = TableState::Created { cursor: None };
        let after = vec![Edit::CopyAfter(t("d", "c"), vec![t("d", "p")])];
        // The parent complete: as any ALTER TABLE.
        let d = decide_tables(
            &ddl,
            states(&[("c", TableState::Complete), ("p", TableState::Complete)]),
        );
        assert_eq!((d.run, d.edits), (Run::Apply, vec![]));
        // The parent in progress or not started: the child, complete or
        // not, is copied after it.
        for child in [
            complete.clone(),
            in_progress.clone(),
            TableState::NotCreated,
        ] {
            for parent in [in_progress.clone(), TableState::NotCreated] {
                let list: &'static [(&'static str, TableState)] =
                    Box::leak(Box::new([("c", child.clone()), ("p", parent)]));
                let d = decide_tables(&ddl, states(list));
                assert_eq!((d.run, d.edits), (Run::Skip, after.clone()));
            }
        }
        // A parent the copy does not take: as any ALTER TABLE.
        let d = decide(
            &ddl,
            states(&[("c", TableState::Complete)]),
            |_| false,
            |q| q.1 == "c",
        );
        assert_eq!((d.run, d.edits), (Run::Apply, vec![]));
        // A key to itself: read at one cut unless it is complete.
        let own = parse(
            b"ALTER TABLE c ADD FOREIGN KEY (pid) REFERENCES d.c (id)",
            "d",
        )
        .unwrap();
        let d = decide_tables(&own, states(&[("c", TableState::Complete)]));
        assert_eq!((d.run, d.edits), (Run::Apply, vec![]));
        let d = decide_tables(&own, states(&[("c", TableState::Created { cursor: None })]));
        assert_eq!(
            (d.run, d.edits),
            (
                Run::Skip,
                vec![Edit::CopyAfter(t("d", "c"), vec![t("d", "c")])]
            )
        );
    }

    #[test]
    fn a_created_table_is_copied_unless_it_is_complete() {
        let create = TableDdl::Create(t("d", "n"));
        let d = decide_tables(&create, states(&[]));
        assert_eq!(d.run, Run::Skip);
        assert_eq!(d.edits, vec![Edit::Copy(t("d", "n"))]);
        let d = decide_tables(&create, states(&[("n", TableState::Complete)]));
        assert_eq!(d.run, Run::Apply);
        assert!(d.edits.is_empty());
        let d = decide_tables(
            &create,
            states(&[("n", TableState::Created { cursor: None })]),
        );
        assert_eq!(
            d,
            Decision {
                run: Run::Skip,
                edits: vec![Edit::Copy(t("d", "n"))]
            }
        );
    }

    #[test]
    fn a_drop_runs_for_the_tables_the_replica_has() {
        let drop = TableDdl::Drop(vec![t("d", "a"), t("d", "b"), t("d", "c")]);
        let d = decide_tables(
            &drop,
            states(&[
                ("a", TableState::Complete),
                ("c", TableState::Created { cursor: None }),
            ]),
        );
        assert_eq!(
            d.run,
            Run::Rewrite("DROP TABLE IF EXISTS `d`.`a`, `d`.`c`".to_owned())
        );
        assert_eq!(
            d.edits,
            vec![
                Edit::Forget(t("d", "a")),
                Edit::Forget(t("d", "b")),
                Edit::Forget(t("d", "c"))
            ]
        );
        assert_eq!(decide_tables(&drop, states(&[])).run, Run::Skip);
    }

    #[test]
    fn a_table_renamed_into_the_filter_is_copied_as_created() {
        // The filter takes database `in` only.
        let taken = |q: &QualifiedTable| q.0 == "in";
        let done = states(&[("a", TableState::Complete)]);
        let rename = TableDdl::Rename(vec![
            (t("out", "x"), t("in", "x")),
            (t("in", "a"), t("in", "b")),
            (t("out", "y"), t("out", "z")),
        ]);
        let d = decide(&rename, &done, |_| false, taken);
        assert_eq!(
            d.run,
            Run::Rewrite("RENAME TABLE `in`.`a` TO `in`.`b`".into())
        );
        assert_eq!(
            d.edits,
            vec![
                Edit::Copy(t("in", "x")),
                Edit::Rename(t("in", "a"), t("in", "b")),
            ]
        );
        let d = decide(
            &TableDdl::Rename(vec![(t("out", "x"), t("in", "x"))]),
            &done,
            |_| false,
            taken,
        );
        assert_eq!(
            (d.run, d.edits),
            (Run::Skip, vec![Edit::Copy(t("in", "x"))])
        );
        let alter = TableDdl::AlterRename(t("out", "x"), t("in", "x"));
        let d = decide(&alter, &done, |_| false, taken);
        assert_eq!(
            (d.run, d.edits),
            (Run::Skip, vec![Edit::Copy(t("in", "x"))])
        );
        let alter = TableDdl::AlterRename(t("out", "x"), t("out", "y"));
        let d = decide(&alter, &done, |_| false, taken);
        assert_eq!((d.run, d.edits), (Run::Skip, vec![]));
    }

    #[test]
    fn a_swap_by_rename_follows_each_table() {
        // pt-online-schema-change and gh-ost: the table not copied yet, its
        // shadow complete (created during the copy, and copied since).
        let swap = TableDdl::Rename(vec![
            (t("d", "t"), t("d", "_t_old")),
            (t("d", "_t_new"), t("d", "t")),
        ]);
        let d = decide_tables(&swap, states(&[("_t_new", TableState::Complete)]));
        assert_eq!(
            d.run,
            Run::Rewrite("RENAME TABLE `d`.`_t_new` TO `d`.`t`".to_owned())
        );
        assert_eq!(
            d.edits,
            vec![
                Edit::Rename(t("d", "t"), t("d", "_t_old")),
                Edit::Rename(t("d", "_t_new"), t("d", "t"))
            ]
        );
        // A rotation through a third name sees each name as moved.
        let rotate = TableDdl::Rename(vec![
            (t("d", "a"), t("d", "tmp")),
            (t("d", "b"), t("d", "a")),
            (t("d", "tmp"), t("d", "b")),
        ]);
        let d = decide_tables(&rotate, states(&[("b", TableState::Complete)]));
        assert_eq!(
            d.run,
            Run::Rewrite("RENAME TABLE `d`.`b` TO `d`.`a`".to_owned())
        );
        // The table in progress keeps its name's rows, and is copied again.
        let d = decide_tables(
            &TableDdl::Rename(vec![(t("d", "a"), t("d", "z"))]),
            states(&[("a", TableState::Created { cursor: None })]),
        );
        assert_eq!(d.run, Run::Apply);
        assert_eq!(
            d.edits,
            vec![
                Edit::Rename(t("d", "a"), t("d", "z")),
                Edit::Copy(t("d", "z"))
            ]
        );
        let d = decide_tables(
            &TableDdl::AlterRename(t("d", "a"), t("d", "z")),
            states(&[("a", TableState::Created { cursor: None })]),
        );
        assert_eq!(
            d.run,
            Run::Rewrite("RENAME TABLE `d`.`a` TO `d`.`z`".to_owned())
        );
    }

    #[test]
    fn the_table_in_progress_is_copied_again() {
        let created = TableState::Created {
            cursor: Some(vec![1]),
        };
        let state = |s: TableState| move |_: &QualifiedTable| s.clone();
        let run = |ddl: &TableDdl, s: TableState| decide_tables(ddl, state(s));
        let alter = TableDdl::Change(t("d", "a"));
        assert_eq!(run(&alter, TableState::Complete).run, Run::Apply);
        assert_eq!(run(&alter, TableState::NotCreated).run, Run::Skip);
        assert_eq!(
            run(&alter, created.clone()),
            Decision {
                run: Run::Skip,
                edits: vec![Edit::Copy(t("d", "a"))]
            }
        );
        let analyze = TableDdl::Analyze(vec![t("d", "a")]);
        assert_eq!(run(&analyze, created.clone()).run, Run::Skip);
        assert_eq!(run(&analyze, TableState::Complete).run, Run::Apply);
        let repair = TableDdl::Rebuild(vec![t("d", "a"), t("d", "b")]);
        let mixed = |q: &QualifiedTable| {
            if q.1 == "a" {
                TableState::Complete
            } else {
                TableState::NotCreated
            }
        };
        assert_eq!(decide_tables(&repair, mixed).run, Run::Skip);
        assert_eq!(
            decide_tables(&repair, b_in_progress).edits,
            vec![Edit::Copy(t("d", "b"))]
        );
    }

    #[test]
    fn maintenance_leaves_the_copy_in_progress_going_on() {
        let created = TableState::Created {
            cursor: Some(vec![1]),
        };
        let state = |s: TableState| move |_: &QualifiedTable| s.clone();
        let optimize = TableDdl::Optimize(vec![t("d", "a"), t("d", "b")]);
        // The replica's table in progress needs no rebuild: its rows come
        // from the copy either way.
        assert_eq!(
            decide_tables(&optimize, b_in_progress),
            Decision {
                run: Run::Skip,
                edits: vec![Edit::Redefined(t("d", "b"))]
            }
        );
        assert_eq!(
            decide_tables(&optimize, state(TableState::Complete)).run,
            Run::Apply
        );
        assert_eq!(
            decide_tables(&optimize, state(TableState::NotCreated)),
            Decision {
                run: Run::Skip,
                edits: vec![]
            }
        );
        // A comment goes to the replica's table, complete or not.
        let comment = TableDdl::Options(t("d", "a"));
        assert_eq!(
            decide_tables(&comment, state(created.clone())),
            Decision {
                run: Run::Apply,
                edits: vec![Edit::Redefined(t("d", "a"))]
            }
        );
        assert_eq!(
            decide_tables(&comment, state(TableState::Complete)).run,
            Run::Apply
        );
        assert_eq!(
            decide_tables(&comment, state(TableState::NotCreated)).run,
            Run::Skip
        );
        // The plan's steps are the same.
        let d = decide_tables(&optimize, b_in_progress);
        assert!(!d.changes_plan(|_| false));
    }

    #[test]
    fn partition_changes_in_place_are_told_from_other_alters() {
        let changed = |q: &str| partitions_changed_in_place(q.as_bytes(), "db");
        for (q, table) in [
            ("ALTER TABLE t_part COALESCE PARTITION 1", t("db", "t_part")),
            ("alter table d.t add partition partitions 2", t("d", "t")),
            (
                "ALTER TABLE t ADD PARTITION (PARTITION p9 VALUES LESS THAN (90))",
                t("db", "t"),
            ),
            (
                "ALTER TABLE IF EXISTS `t` WAIT 3 DROP PARTITION IF EXISTS p1, p2",
                t("db", "t"),
            ),
            (
                "ALTER ONLINE TABLE t REORGANIZE PARTITION p0 INTO \
                 (PARTITION a VALUES LESS THAN (5), PARTITION b VALUES LESS THAN (10))",
                t("db", "t"),
            ),
            (
                "ALTER TABLE t CONVERT PARTITION p1 TO TABLE t_out",
                t("db", "t"),
            ),
            (
                "ALTER TABLE t CONVERT TABLE t_in TO PARTITION p3 VALUES LESS THAN (40)",
                t("db", "t"),
            ),
            (
                "SET STATEMENT lock_wait_timeout=30 FOR ALTER TABLE t COALESCE PARTITION 1",
                t("db", "t"),
            ),
        ] {
            assert_eq!(changed(q), Some(table), "{q}");
        }
        // Partition maintenance that keeps the definition, other changes,
        // the exchange (its own log), partitioning the table anew (a copy
        // of the table, which recovery logs).
        for q in [
            "ALTER TABLE t TRUNCATE PARTITION p1",
            "ALTER TABLE t REBUILD PARTITION p2",
            "ALTER TABLE t OPTIMIZE PARTITION ALL",
            "ALTER TABLE t EXCHANGE PARTITION p1 WITH TABLE t_px",
            "ALTER TABLE t PARTITION BY HASH (id) PARTITIONS 3",
            "ALTER TABLE t REMOVE PARTITIONING",
            "ALTER TABLE t ADD COLUMN partition INT",
            "ALTER TABLE t DROP COLUMN p",
            "CREATE TABLE t (id INT) PARTITION BY HASH (id)",
        ] {
            assert_eq!(changed(q), None, "{q}");
        }
    }

    #[test]
    fn maintenance_alter_forms_are_told_from_changes() {
        let parse = |q: &str| parse(q.as_bytes(), "db");
        assert_eq!(
            parse("ALTER TABLE t COMMENT = 'it''s = a, b'"),
            Some(TableDdl::Options(t("db", "t")))
        );
        assert_eq!(
            parse("alter online table d.t wait 5 comment \"x\";"),
            Some(TableDdl::Options(t("d", "t")))
        );
        assert_eq!(
            parse("SET STATEMENT lock_wait_timeout=30 FOR ALTER TABLE t COMMENT='s1'"),
            Some(TableDdl::Options(t("db", "t")))
        );
        assert_eq!(
            parse("ALTER TABLE t OPTIMIZE PARTITION p0, `p 1`"),
            Some(TableDdl::Optimize(vec![t("db", "t")]))
        );
        assert_eq!(
            parse("ALTER TABLE t REBUILD PARTITION ALL"),
            Some(TableDdl::Optimize(vec![t("db", "t")]))
        );
        assert_eq!(
            parse("ALTER TABLE t ANALYZE PARTITION p1"),
            Some(TableDdl::Analyze(vec![t("db", "t")]))
        );
        assert_eq!(
            parse("ALTER TABLE t AUTO_INCREMENT = 1000, COMMENT 'x' AUTO_INCREMENT 5"),
            Some(TableDdl::Options(t("db", "t")))
        );
        assert_eq!(
            parse("ALTER TABLE t FORCE"),
            Some(TableDdl::Optimize(vec![t("db", "t")]))
        );
        // How it runs is not what it changes.
        let options = || TableDdl::Options(t("db", "t"));
        let rebuild = || TableDdl::Optimize(vec![t("db", "t")]);
        for (q, ddl) in [
            ("ALTER TABLE t COMMENT = 'my', LOCK=SHARED", options()),
            (
                "ALTER TABLE t ALGORITHM = INPLACE, LOCK NONE, COMMENT 'x', AUTO_INCREMENT=9",
                options(),
            ),
            (
                "ALTER TABLE t FORCE, ALGORITHM=INPLACE, LOCK=NONE",
                rebuild(),
            ),
            ("ALTER TABLE t LOCK=EXCLUSIVE, FORCE", rebuild()),
            ("ALTER TABLE t ALGORITHM=COPY", rebuild()),
        ] {
            assert_eq!(parse(q), Some(ddl), "{q}");
        }
        // Anything more is a change.
        for q in [
            "ALTER TABLE t FORCE, ADD c INT",
            "ALTER TABLE t ENGINE=InnoDB",
            "ALTER TABLE t AUTO_INCREMENT = x",
            "ALTER TABLE t AUTO_INCREMENT = 5, DEFAULT CHARSET latin1",
            "ALTER TABLE t COMMENT 'x', ADD c INT",
            "ALTER TABLE t COMMENT 'x' ENGINE=MyISAM",
            "ALTER TABLE t ADD c INT COMMENT 'x'",
            "ALTER TABLE t MODIFY c INT COMMENT 'x'",
            "ALTER TABLE t REBUILD PARTITION p0, ADD c INT",
            "ALTER TABLE t REPAIR PARTITION p0",
            "ALTER TABLE t TRUNCATE PARTITION p0",
            "ALTER TABLE t COMMENT x",
            "ALTER TABLE t COMMENT 'x', LOCK=SHARED, ADD c INT",
            "ALTER TABLE t ALGORITHM=INPLACE, ADD KEY (c)",
            "ALTER TABLE t LOCK=NONE, DROP COLUMN c",
            "ALTER TABLE t ALGORITHM=SOMETIMES, COMMENT 'x'",
            "ALTER TABLE t LOCK 'x', COMMENT 'x'",
            "ALTER TABLE t FORCE, COMMENT 'x'",
            "ALTER TABLE t FORCE, FORCE",
            "ALTER TABLE t LOCK=NONE, REBUILD PARTITION p0",
        ] {
            assert_eq!(parse(q), Some(TableDdl::Change(t("db", "t"))), "{q}");
        }
    }
}
