//! Writes a `binlog_format=STATEMENT` session logs as statements during a
//! copy (issue 15).  A replica being provisioned filters the master's
//! changes by row key; a statement has none, and what it does depends on
//! the rows it reads and on the triggers and stored functions it runs,
//! which the replica has only once the copy has created them.  So:
//!
//! - after the copy's `Objects` unit every table is copied and every
//!   trigger and routine is there: the statement applies as in any
//!   replication;
//! - before it, the statement is not applied: each table it writes whose
//!   copy has started is copied again from the master (which then reads
//!   the statement's result; the replica's copy is replaced), one not
//!   started needs nothing;
//! - a statement before the `Objects` unit that writes a table with
//!   triggers, or calls a stored function, may change tables it does not
//!   name: the master stops the copy, saying so.
//!
//! `MIXED` sessions are logged in rows while a copy runs, and need none
//! of this.

use crate::ddl_during_copy::{statement_text, Decision, Edit, QualifiedTable, Run, Tokens};

/// A statement-logged write: the tables it may write (every table a
/// multi-table statement names, to be safe), and the names it calls as
/// functions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementWrite {
    /// The tables it may write.
    pub written: Vec<QualifiedTable>,
    /// Words followed by `(` (stored functions among them).
    pub calls: Vec<String>,
}

/// The write `query` (run in `default_db`), if it is an `INSERT`,
/// `REPLACE`, `UPDATE`, `DELETE` or `LOAD DATA` (`LOAD XML`).
pub fn parse(query: &[u8], default_db: &str) -> Option<StatementWrite> {
    let text = statement_text(query)?;
    let mut t = Tokens::new(&text);
    let first = t.word()?.to_ascii_uppercase();
    let mut written = Vec::new();
    match first.as_str() {
        "INSERT" | "REPLACE" => {
            t.skip_words(&["LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE", "INTO"]);
            written.push(t.table(default_db)?);
        }
        "LOAD" => {
            // LOAD DATA|XML [LOW_PRIORITY|CONCURRENT] [LOCAL] INFILE 'file'
            // [REPLACE|IGNORE] INTO TABLE t: the replica's SQL thread runs
            // it on the file the master sent before it.
            if t.keyword("DATA").is_none() {
                t.keyword("XML")?;
            }
            t.skip_words(&["LOW_PRIORITY", "CONCURRENT", "LOCAL"]);
            t.keyword("INFILE")?;
            if !(t.rest.starts_with('\'') || t.rest.starts_with('"')) {
                return None;
            }
            t.skip_quoted();
            t.skip_words(&["REPLACE", "IGNORE"]);
            t.keyword("INTO")?;
            t.keyword("TABLE")?;
            written.push(t.table(default_db)?);
        }
        "UPDATE" => {
            t.skip_words(&["LOW_PRIORITY", "IGNORE"]);
            written = table_refs(&mut t, default_db, &["SET"])?;
        }
        "DELETE" => {
            t.skip_words(&["LOW_PRIORITY", "QUICK", "IGNORE"]);
            if t.keyword("FROM").is_some() {
                written = table_refs(&mut t, default_db, &["WHERE", "USING", "ORDER", "LIMIT"])?;
                if t.keyword("USING").is_some() {
                    written.extend(table_refs(&mut t, default_db, &["WHERE"])?);
                }
            } else {
                // DELETE t1, t2 FROM t1 JOIN t2 ...: every table named.
                written = table_refs(&mut t, default_db, &["FROM"])?;
                t.keyword("FROM")?;
                written.extend(table_refs(&mut t, default_db, &["WHERE"])?);
            }
        }
        _ => return None,
    }
    let mut unique: Vec<QualifiedTable> = Vec::new();
    for table in written {
        if !unique.contains(&table) {
            unique.push(table);
        }
    }
    Some(StatementWrite {
        written: unique,
        calls: calls(&text),
    })
}

/// The tables of a table reference list (`a`, `a AS x JOIN b ON ...`,
/// `a, b`), up to one of `until` at its top level or the end.
fn table_refs(t: &mut Tokens, default_db: &str, until: &[&str]) -> Option<Vec<QualifiedTable>> {
    let mut tables = vec![t.table(default_db)?];
    let mut depth = 0usize;
    let mut expect_table = false;
    while !t.rest.is_empty() {
        if depth == 0 && until.iter().any(|k| t.peek_is(k)) {
            break;
        }
        if std::mem::take(&mut expect_table) && !t.rest.starts_with('(') {
            if let Some(table) = t.table(default_db) {
                tables.push(table);
                continue;
            }
        }
        if t.rest.starts_with('`') || t.rest.starts_with('\'') || t.rest.starts_with('"') {
            t.skip_quoted();
            continue;
        }
        if let Some(word) = t.word() {
            expect_table = word.to_ascii_uppercase().ends_with("JOIN");
            continue;
        }
        let c = t.rest.chars().next()?;
        t.rest = &t.rest[c.len_utf8()..];
        t.blank();
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => expect_table = true,
            _ => {}
        }
    }
    Some(tables)
}

/// The words of `text` followed by `(`, outside strings and quoted names.
fn calls(text: &str) -> Vec<String> {
    let mut t = Tokens { rest: text };
    let mut out = Vec::new();
    while !t.rest.is_empty() {
        if t.rest.starts_with('`') || t.rest.starts_with('\'') || t.rest.starts_with('"') {
            t.skip_quoted();
            continue;
        }
        if let Some(word) = t.word() {
            if t.rest.starts_with('(') {
                out.push(word.to_ascii_lowercase());
            }
            continue;
        }
        let Some(c) = t.rest.chars().next() else {
            break;
        };
        t.rest = &t.rest[c.len_utf8()..];
        t.blank();
    }
    out
}

/// What to do with `write`: applied once the copy's objects have begun;
/// before, skipped, and each table it writes copied (again) from the
/// master, which reads its result (see the module's notes).
pub fn decide(write: &StatementWrite, objects_begun: bool) -> Decision {
    if objects_begun {
        return Decision {
            run: Run::Apply,
            edits: Vec::new(),
        };
    }
    Decision {
        run: Run::Skip,
        edits: write.written.iter().cloned().map(Edit::Copy).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(db: &str, table: &str) -> QualifiedTable {
        (db.to_owned(), table.to_owned())
    }

    #[test]
    fn the_tables_a_write_names_are_found() {
        let w = parse(b"INSERT IGNORE INTO d.a (x) SELECT f(y) FROM b", "x").unwrap();
        assert_eq!(w.written, vec![t("d", "a")]);
        assert!(w.calls.contains(&"f".to_owned()));
        let w = parse(b"UPDATE a JOIN `d`.`b` ON a.id = b.id, c SET a.v = 1", "x").unwrap();
        assert_eq!(w.written, vec![t("x", "a"), t("d", "b"), t("x", "c")]);
        let w = parse(b"DELETE FROM a WHERE id IN (SELECT id FROM b)", "x").unwrap();
        assert_eq!(w.written, vec![t("x", "a")]);
        // A dump's executable comments, a SET STATEMENT prefix.
        let w = parse(
            b"SET STATEMENT sql_mode='' FOR /*!40000 INSERT INTO d.a VALUES (g(1)) */",
            "x",
        )
        .unwrap();
        assert_eq!(w.written, vec![t("d", "a")]);
        assert!(w.calls.contains(&"g".to_owned()));
        let w = parse(
            b"DELETE a FROM a JOIN b ON a.id = b.id WHERE b.v = 'x'",
            "x",
        )
        .unwrap();
        assert_eq!(w.written, vec![t("x", "a"), t("x", "b")]);
        let w = parse(
            "UPDATE é LEFT JOIN b USING (id) SET é.v = 'ü'".as_bytes(),
            "x",
        )
        .unwrap();
        assert_eq!(w.written, vec![t("x", "é"), t("x", "b")]);
        assert_eq!(parse(b"SELECT 1", "x"), None);
    }

    #[test]
    fn a_load_data_writes_its_table() {
        for (query, table) in [
            // As the master logs it, and as the replica's SQL thread runs it
            (
                "LOAD DATA LOCAL INFILE '/tmp/a b.txt' INTO TABLE d.a",
                t("d", "a"),
            ),
            (
                "LOAD DATA INFILE '../../tmp/SQL_LOAD-2-1-1.data' REPLACE INTO  TABLE `d`.`a` \
                 FIELDS TERMINATED BY '\\t' (id, @v) SET v = f(@v)",
                t("d", "a"),
            ),
            (
                "LOAD DATA CONCURRENT INFILE 'it''s' IGNORE INTO TABLE a PARTITION (p0)",
                t("x", "a"),
            ),
            (
                "load xml low_priority infile \"f.xml\" into table a",
                t("x", "a"),
            ),
        ] {
            let w = parse(query.as_bytes(), "x").unwrap_or_else(|| panic!("{query}"));
            assert_eq!(w.written, vec![table], "{query}");
        }
        let w = parse(
            b"LOAD DATA INFILE 'f' INTO TABLE a (id, @v) SET v = f(@v)",
            "x",
        );
        assert!(w.unwrap().calls.contains(&"f".to_owned()));
        for not_a_write in [
            "LOAD INDEX INTO CACHE a",
            "LOAD DATA FROM MASTER",
            "LOAD DATA INFILE f INTO TABLE a",
        ] {
            assert_eq!(parse(not_a_write.as_bytes(), "x"), None, "{not_a_write}");
        }
    }

    #[test]
    fn a_write_applies_after_the_objects_and_copies_again_before() {
        let w = parse(b"UPDATE a, b SET a.v = b.v", "d").unwrap();
        assert_eq!(decide(&w, true).run, Run::Apply);
        let d = decide(&w, false);
        assert_eq!(d.run, Run::Skip);
        assert_eq!(
            d.edits,
            vec![Edit::Copy(t("d", "a")), Edit::Copy(t("d", "b"))]
        );
    }
}
