//! Which databases and tables a connection's copy takes: its replication
//! filter (`replicate_do_db`, `replicate_ignore_db`, `replicate_do_table`,
//! `replicate_ignore_table`, `replicate_wild_do_table`,
//! `replicate_wild_ignore_table`, `replicate_rewrite_db`, also in their
//! `connection_name.` forms), judged as the replica's SQL thread judges
//! the row events of a table, so that the copy holds exactly what
//! replication will then keep up to date.
//!
//! The replica sends its rules in the provisioning request
//! ([`CopyFilter::encode`]); the master leaves out what they reject, so
//! filtered data never travels.
//!
//! Names are judged after `replicate_rewrite_db`, as the server does:
//! database rules compare names exactly, table rules (`db.table`, and
//! the `LIKE` patterns of the wild rules) without regard to case, as
//! `Rpl_filter` does with the server's system character set.

use std::fmt::Write as _;

use crate::scheduler::is_system_schema;

/// The rules of one connection's replication filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopyFilter {
    /// `replicate_do_db`.
    pub do_db: Vec<String>,
    /// `replicate_ignore_db`.
    pub ignore_db: Vec<String>,
    /// `replicate_do_table`, as `db.table`.
    pub do_table: Vec<String>,
    /// `replicate_ignore_table`, as `db.table`.
    pub ignore_table: Vec<String>,
    /// `replicate_wild_do_table`, `LIKE` patterns over `db.table`.
    pub wild_do_table: Vec<String>,
    /// `replicate_wild_ignore_table`, `LIKE` patterns over `db.table`.
    pub wild_ignore_table: Vec<String>,
    /// `replicate_rewrite_db`: (master's name, replica's name).
    pub rewrite_db: Vec<(String, String)>,
}

/// A filter text that is not one [`CopyFilter::encode`] writes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed replication filter in the provisioning request: {0}")]
pub struct FilterError(String);

const RULES: [&str; 7] = [
    "do_db",
    "ignore_db",
    "do_table",
    "ignore_table",
    "wild_do_table",
    "wild_ignore_table",
    "rewrite_db",
];

impl CopyFilter {
    /// Whether the filter has no rule at all (the copy takes everything).
    pub fn is_empty(&self) -> bool {
        *self == CopyFilter::default()
    }

    /// Adds the rules of one of the server's comma-separated lists, as
    /// `SHOW SLAVE STATUS` prints them: `rule` is one of `do_db`,
    /// `ignore_db`, `do_table`, `ignore_table`, `wild_do_table`,
    /// `wild_ignore_table`, `rewrite_db` (whose items are `from->to`).
    pub fn add_list(&mut self, rule: &str, list: &str) -> Result<(), FilterError> {
        for item in list.split(',').filter(|i| !i.is_empty()) {
            self.add(rule, item)?;
        }
        Ok(())
    }

    fn add(&mut self, rule: &str, item: &str) -> Result<(), FilterError> {
        let list = match rule {
            "do_db" => &mut self.do_db,
            "ignore_db" => &mut self.ignore_db,
            "do_table" => &mut self.do_table,
            "ignore_table" => &mut self.ignore_table,
            "wild_do_table" => &mut self.wild_do_table,
            "wild_ignore_table" => &mut self.wild_ignore_table,
            "rewrite_db" => {
                let (from, to) = item
                    .split_once("->")
                    .ok_or_else(|| FilterError(format!("rewrite_db item '{item}'")))?;
                self.rewrite_db.push((from.to_owned(), to.to_owned()));
                return Ok(());
            }
            _ => return Err(FilterError(format!("unknown rule '{rule}'"))),
        };
        list.push(item.to_owned());
        Ok(())
    }

    /// The filter as text for the provisioning request: one `rule=item`
    /// per line (items hold no line breaks: they are identifiers).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let lists: [(&str, &Vec<String>); 6] = [
            (RULES[0], &self.do_db),
            (RULES[1], &self.ignore_db),
            (RULES[2], &self.do_table),
            (RULES[3], &self.ignore_table),
            (RULES[4], &self.wild_do_table),
            (RULES[5], &self.wild_ignore_table),
        ];
        for (rule, items) in lists {
            for item in items {
                let _ = writeln!(out, "{rule}={item}");
            }
        }
        for (from, to) in &self.rewrite_db {
            let _ = writeln!(out, "{}={from}->{to}", RULES[6]);
        }
        out
    }

    /// Parses the text of [`CopyFilter::encode`].
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        let mut filter = CopyFilter::default();
        for line in text.lines() {
            let (rule, item) = line
                .split_once('=')
                .ok_or_else(|| FilterError(format!("line '{line}'")))?;
            filter.add(rule, item)?;
        }
        Ok(filter)
    }

    /// The replica's name for the master's database `db`.
    pub fn rewrite<'a>(&'a self, db: &'a str) -> &'a str {
        self.rewrite_db
            .iter()
            .find(|(from, _)| from == db)
            .map_or(db, |(_, to)| to)
    }

    /// `Rpl_filter::db_ok()`: whether the database rules let `db` (the
    /// replica's name) through.
    fn db_ok(&self, db: &str) -> bool {
        if !self.do_db.is_empty() {
            return self.do_db.iter().any(|d| d == db);
        }
        !self.ignore_db.iter().any(|d| d == db)
    }

    /// Whether the copy creates the database `db` (the replica's name):
    /// as the SQL thread replicates `CREATE DATABASE`, when the database
    /// rules let it through and the wild table rules do not exclude it
    /// (`Rpl_filter::db_ok_with_wild_table()`: `db.%` matches `db`).
    pub fn database_ok(&self, db: &str) -> bool {
        if !self.db_ok(db) {
            return false;
        }
        let key = format!("{db}.");
        if self.wild_do_table.iter().any(|p| like(&key, p)) {
            return true;
        }
        if self.wild_ignore_table.iter().any(|p| like(&key, p)) {
            return false;
        }
        self.wild_do_table.is_empty()
    }

    /// Whether the copy takes `db`.`table`, named as on the replica (the
    /// database rewritten): a table of no system schema that
    /// [`CopyFilter::table_ok`] lets through.
    pub fn takes(&self, db: &str, table: &str) -> bool {
        !is_system_schema(db) && self.table_ok(db, table)
    }

    /// [`CopyFilter::takes`] for `db`.`table` named as on the master: a
    /// master's system schema is never copied, whatever it is rewritten to.
    pub fn takes_master_table(&self, db: &str, table: &str) -> bool {
        !is_system_schema(db) && self.takes(self.rewrite(db), table)
    }

    /// Whether the copy takes the table (or view) `db`.`table` (the
    /// replica's database name): as the SQL thread applies a row event of
    /// it, when the database rules and then the table rules
    /// (`Rpl_filter::tables_ok()`) let it through.
    pub fn table_ok(&self, db: &str, table: &str) -> bool {
        if !self.db_ok(db) {
            return false;
        }
        let key = format!("{db}.{table}");
        let exact = |list: &[String]| list.iter().any(|t| same_text(t, &key));
        let wild = |list: &[String]| list.iter().any(|p| like(&key, p));
        if exact(&self.do_table) {
            return true;
        }
        if exact(&self.ignore_table) {
            return false;
        }
        if wild(&self.wild_do_table) {
            return true;
        }
        if wild(&self.wild_ignore_table) {
            return false;
        }
        self.do_table.is_empty() && self.wild_do_table.is_empty()
    }

    /// Whether the rules can take some tables of a database and not others
    /// (table rules exist): then two connections may share a database,
    /// each taking its own tables.
    pub fn has_table_rules(&self) -> bool {
        !(self.do_table.is_empty()
            && self.ignore_table.is_empty()
            && self.wild_do_table.is_empty()
            && self.wild_ignore_table.is_empty())
    }
}

/// Case-insensitive equality, as the server's table rule hash compares.
fn same_text(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// SQL `LIKE` without regard to case: `%` any run, `_` one character,
/// `\` escapes the next one (the server's `wildcmp` with `\`).
fn like(text: &str, pattern: &str) -> bool {
    let text: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let pattern: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    like_at(&text, &pattern)
}

fn like_at(text: &[char], pattern: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('%', rest)) => (0..=text.len()).any(|skip| like_at(&text[skip..], rest)),
        Some(('_', rest)) => !text.is_empty() && like_at(&text[1..], rest),
        Some(('\\', rest)) if !rest.is_empty() => {
            text.first() == Some(&rest[0]) && like_at(&text[1..], &rest[1..])
        }
        Some((c, rest)) => text.first() == Some(c) && like_at(&text[1..], rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(rules: &[(&str, &str)]) -> CopyFilter {
        let mut f = CopyFilter::default();
        for (rule, list) in rules {
            f.add_list(rule, list).unwrap();
        }
        f
    }

    #[test]
    fn no_rules_take_everything() {
        let f = CopyFilter::default();
        assert!(f.is_empty());
        assert!(f.database_ok("any") && f.table_ok("any", "t"));
        assert!(!f.has_table_rules());
    }

    #[test]
    fn do_db_takes_only_its_databases_exactly() {
        let f = filter(&[("do_db", "db1,db2"), ("ignore_db", "db2")]);
        assert!(f.database_ok("db1") && f.table_ok("db1", "t"));
        assert!(f.table_ok("db2", "t"), "do_db wins over ignore_db");
        assert!(!f.database_ok("db3") && !f.table_ok("db3", "t"));
        assert!(!f.database_ok("DB1"), "database names compare exactly");
    }

    #[test]
    fn ignore_db_leaves_out_its_databases() {
        let f = filter(&[("ignore_db", "mtr")]);
        assert!(!f.database_ok("mtr") && !f.table_ok("mtr", "t"));
        assert!(f.database_ok("app") && f.table_ok("app", "t"));
    }

    #[test]
    fn table_rules_in_the_servers_order() {
        let f = filter(&[
            ("do_table", "app.a"),
            ("ignore_table", "app.a,app.b"),
            ("wild_do_table", "app.l\\_%"),
            ("wild_ignore_table", "app.%"),
        ]);
        assert!(f.table_ok("app", "A"), "do_table first, without case");
        assert!(!f.table_ok("app", "b"));
        assert!(f.table_ok("app", "l_1"));
        assert!(!f.table_ok("app", "lx1"), "\\_ is a literal underscore");
        assert!(!f.table_ok("app", "c"));
        assert!(!f.table_ok("other", "c"), "a do list rejects the rest");
        assert!(f.has_table_rules());
    }

    #[test]
    fn wild_rules_decide_databases_too() {
        let f = filter(&[("wild_ignore_table", "tmp%.%")]);
        assert!(!f.database_ok("tmp1"));
        assert!(f.database_ok("app"));
        assert!(f.table_ok("app", "tmp1"));
        let f = filter(&[("wild_do_table", "app.%")]);
        assert!(f.database_ok("app") && !f.database_ok("other"));
        assert!(f.table_ok("app", "x") && !f.table_ok("other", "x"));
        let f = filter(&[("do_table", "app.t")]);
        assert!(
            f.database_ok("other"),
            "do_table alone creates databases, as replication"
        );
        assert!(!f.table_ok("other", "t"));
    }

    #[test]
    fn system_schemas_are_never_taken_on_either_side_of_a_rewrite() {
        let f = filter(&[("rewrite_db", "mysql->app"), ("rewrite_db", "prod->sys")]);
        assert!(f.takes("app", "t") && f.takes_master_table("app", "t"));
        assert!(
            !f.takes_master_table("mysql", "user"),
            "a master's system schema"
        );
        assert!(
            !f.takes_master_table("prod", "t"),
            "rewritten into a system schema"
        );
        assert!(!f.takes("sys", "t") && !f.takes("MySQL", "user"));
        let f = filter(&[("rewrite_db", "prod->copy"), ("do_db", "copy")]);
        assert!(f.takes_master_table("prod", "t") && f.takes("copy", "t"));
        assert!(!f.takes_master_table("other", "t"), "outside do_db");
    }

    #[test]
    fn rules_see_the_rewritten_name() {
        let f = filter(&[("rewrite_db", "prod->copy"), ("do_db", "copy")]);
        assert_eq!(f.rewrite("prod"), "copy");
        assert_eq!(f.rewrite("other"), "other");
        assert!(f.table_ok(f.rewrite("prod"), "t"));
        assert!(!f.table_ok(f.rewrite("other"), "t"));
    }

    #[test]
    fn encodes_and_parses_every_rule() {
        let f = filter(&[
            ("do_db", "a,b"),
            ("ignore_db", "c"),
            ("do_table", "a.t"),
            ("ignore_table", "a.u"),
            ("wild_do_table", "a.%"),
            ("wild_ignore_table", "b.x%"),
            ("rewrite_db", "p->q,r->s"),
        ]);
        assert_eq!(CopyFilter::parse(&f.encode()), Ok(f));
        assert_eq!(CopyFilter::parse(""), Ok(CopyFilter::default()));
        assert!(CopyFilter::parse("nonsense").is_err());
        assert!(CopyFilter::parse("rewrite_db=p").is_err());
        assert!(CopyFilter::parse("do_something=p").is_err());
    }

    #[test]
    fn like_matches_as_the_server() {
        assert!(like("db.t1", "db.t_"));
        assert!(like("db.", "db.%"));
        assert!(like("DB.T", "db.%"));
        assert!(!like("db.t12", "db.t_"));
        assert!(like("a%b", "a\\%b") && !like("axb", "a\\%b"));
        assert!(like("", "%") && !like("", "_"));
    }
}
