//! What a replica being provisioned does with a DDL statement of the
//! master's that changes one table's definition or storage (`ALTER
//! TABLE`, `TRUNCATE`, `OPTIMIZE`, `REPAIR`, `ANALYZE`).
//!
//! The rule (issue 15): a table whose copy has not started needs nothing
//! from the statement, since its copy reads the new state; a table whose
//! copy is complete is a normal replica table, and the statement applies
//! as in any replication; the table whose copy is in progress is copied
//! again: the replica drops it and the master sends its new definition
//! and all its rows again, from a new exact cut (the resume protocol with
//! `recopy`).  Any other statement still stops the copy
//! ([`crate::filter::check_statement`]).

use crate::filter::TableState;
use crate::protocol::quoted_ident;

/// The statements handled here, and the tables each one names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TableDdl {
    /// `ALTER TABLE` of one table (not renaming it), or `TRUNCATE`.
    Change(QualifiedTable),
    /// `OPTIMIZE`, `REPAIR`: may rebuild the tables.
    Rebuild(Vec<QualifiedTable>),
    /// `ANALYZE`: statistics only.
    Analyze(Vec<QualifiedTable>),
}

/// A table named by a statement, its database resolved.
pub type QualifiedTable = (String, String);

/// What the replica does with the statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DdlAction {
    /// Apply it: every table it names is completely copied.
    Apply,
    /// Skip it: no table it names is copied yet (their copies will read
    /// the new state), or it only refreshes statistics.
    Skip,
    /// Copy this table again: its copy is in progress.
    Recopy(QualifiedTable),
}

/// The statement `query`, run in database `default_db`, if it is one of
/// the [`TableDdl`] statements.
pub fn parse(query: &[u8], default_db: &str) -> Option<TableDdl> {
    let text = std::str::from_utf8(query).ok()?;
    let mut t = Tokens::new(text);
    let first = t.word()?;
    match first.to_ascii_uppercase().as_str() {
        "ALTER" => {
            t.skip_words(&["ONLINE", "IGNORE"]);
            t.keyword("TABLE")?;
            t.skip_if_exists();
            let table = t.table(default_db)?;
            // A rename moves the table out of the plan: not handled here.
            let rest = t.rest().to_ascii_uppercase();
            let renames = rest
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .collect::<Vec<_>>()
                .windows(2)
                .any(|w| w[0] == "RENAME" && !matches!(w[1], "COLUMN" | "INDEX" | "KEY"))
                || rest.contains("EXCHANGE");
            (!renames).then_some(TableDdl::Change(table))
        }
        "TRUNCATE" => {
            t.skip_words(&["TABLE"]);
            let table = t.table(default_db)?;
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
            Some(if kind == "ANALYZE" {
                TableDdl::Analyze(tables)
            } else {
                TableDdl::Rebuild(tables)
            })
        }
        _ => None,
    }
}

/// The table a copy group's `CREATE [OR REPLACE] TABLE` (run in
/// `default_db`) creates: from then on the table exists on the replica,
/// and a DDL that changes it copies it again.
pub fn created_table(query: &[u8], default_db: &str) -> Option<QualifiedTable> {
    let text = std::str::from_utf8(query).ok()?;
    let mut t = Tokens::new(text);
    t.keyword("CREATE")?;
    if t.keyword("OR").is_some() {
        t.keyword("REPLACE")?;
    }
    t.keyword("TABLE")?;
    if t.peek_is("IF") {
        t.word();
        t.keyword("NOT")?;
        t.keyword("EXISTS")?;
    }
    t.table(default_db)
}

/// What to do with `ddl`, given each table's copy state (`state`).
pub fn decide(ddl: &TableDdl, state: impl Fn(&QualifiedTable) -> TableState) -> DdlAction {
    let tables = match ddl {
        TableDdl::Change(t) => std::slice::from_ref(t),
        TableDdl::Rebuild(ts) | TableDdl::Analyze(ts) => ts.as_slice(),
    };
    let states: Vec<TableState> = tables.iter().map(&state).collect();
    let all_complete = states.iter().all(|s| *s == TableState::Complete);
    if let TableDdl::Analyze(_) = ddl {
        return if all_complete {
            DdlAction::Apply
        } else {
            DdlAction::Skip
        };
    }
    if let Some(i) = states
        .iter()
        .position(|s| matches!(s, TableState::Created { .. }))
    {
        return DdlAction::Recopy(tables[i].clone());
    }
    if all_complete {
        DdlAction::Apply
    } else if states.iter().all(|s| *s == TableState::NotCreated) {
        DdlAction::Skip
    } else {
        // Some copied, some not: only maintenance names several tables,
        // and it changes no rows.
        DdlAction::Skip
    }
}

/// A small reader of SQL words and identifiers.
struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Self {
        let mut t = Tokens { rest: text };
        t.blank();
        t
    }

    /// Skips white space and comments.
    fn blank(&mut self) {
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

    fn word(&mut self) -> Option<&'a str> {
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let word = &self.rest[..end];
        self.rest = &self.rest[end..];
        self.blank();
        Some(word)
    }

    fn peek_is(&self, keyword: &str) -> bool {
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(self.rest.len());
        self.rest[..end].eq_ignore_ascii_case(keyword)
    }

    fn keyword(&mut self, keyword: &str) -> Option<()> {
        if self.peek_is(keyword) {
            self.word().map(|_| ())
        } else {
            None
        }
    }

    fn skip_words(&mut self, words: &[&str]) {
        while words.iter().any(|w| self.peek_is(w)) {
            self.word();
        }
    }

    fn skip_if_exists(&mut self) {
        if self.peek_is("IF") {
            let saved = self.rest;
            self.word();
            if self.keyword("EXISTS").is_none() {
                self.rest = saved;
            }
        }
    }

    /// An identifier: back-quoted (a doubled back-quote stands for one) or
    /// plain.
    fn ident(&mut self) -> Option<String> {
        if self.rest.starts_with('`') {
            let (name, rest) = quoted_ident(self.rest)?;
            self.rest = rest;
            return Some(name);
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
    fn table(&mut self, default_db: &str) -> Option<QualifiedTable> {
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

    fn comma(&mut self) -> bool {
        match self.rest.strip_prefix(',') {
            Some(after) => {
                self.rest = after;
                self.blank();
                true
            }
            None => false,
        }
    }

    fn at_end(&self) -> bool {
        self.rest.trim().trim_end_matches(';').trim().is_empty()
    }

    fn rest(&self) -> &'a str {
        self.rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(db: &str, table: &str) -> QualifiedTable {
        (db.to_owned(), table.to_owned())
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
            parse(b"OPTIMIZE NO_WRITE_TO_BINLOG TABLE a, d.b", "db"),
            Some(TableDdl::Rebuild(vec![t("db", "a"), t("d", "b")]))
        );
        assert_eq!(
            parse(b"ANALYZE TABLE a PERSISTENT FOR ALL", "db"),
            Some(TableDdl::Analyze(vec![t("db", "a")]))
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
        assert_eq!(created_table(b"CREATE VIEW v AS SELECT 1", "d"), None);
        assert_eq!(created_table(b"CREATE DATABASE d", "d"), None);
    }

    #[test]
    fn other_statements_are_not() {
        for q in [
            &b"ALTER TABLE t RENAME TO u"[..],
            b"ALTER TABLE t RENAME u",
            b"ALTER TABLE t EXCHANGE PARTITION p WITH TABLE u",
            b"ALTER DATABASE d CHARACTER SET utf8mb4",
            b"ALTER VIEW v AS SELECT 1",
            b"CREATE TABLE t (a INT)",
            b"DROP TABLE t",
            b"RENAME TABLE a TO b",
            b"INSERT INTO t VALUES (1)",
            b"TRUNCATE t; DROP TABLE u",
            b"",
        ] {
            assert_eq!(parse(q, "db"), None, "{}", String::from_utf8_lossy(q));
        }
        // No default database for an unqualified name.
        assert_eq!(parse(b"TRUNCATE t", ""), None);
    }

    #[test]
    fn the_table_in_progress_is_copied_again() {
        let created = TableState::Created {
            cursor: Some(vec![1]),
        };
        let state = |s: TableState| move |_: &QualifiedTable| s.clone();
        let alter = TableDdl::Change(t("d", "a"));
        assert_eq!(
            decide(&alter, state(TableState::Complete)),
            DdlAction::Apply
        );
        assert_eq!(
            decide(&alter, state(TableState::NotCreated)),
            DdlAction::Skip
        );
        assert_eq!(
            decide(&alter, state(created.clone())),
            DdlAction::Recopy(t("d", "a"))
        );
        let analyze = TableDdl::Analyze(vec![t("d", "a")]);
        assert_eq!(decide(&analyze, state(created.clone())), DdlAction::Skip);
        assert_eq!(
            decide(&analyze, state(TableState::Complete)),
            DdlAction::Apply
        );
        let optimize = TableDdl::Rebuild(vec![t("d", "a"), t("d", "b")]);
        let mixed = |q: &QualifiedTable| {
            if q.1 == "a" {
                TableState::Complete
            } else {
                TableState::NotCreated
            }
        };
        assert_eq!(decide(&optimize, mixed), DdlAction::Skip);
        assert_eq!(
            decide(&optimize, |q: &QualifiedTable| if q.1 == "b" {
                created.clone()
            } else {
                TableState::Complete
            }),
            DdlAction::Recopy(t("d", "b"))
        );
    }
}
