//! The DDL text a provisioning dump sends for databases and tables.
//!
//! Invariant: the statements recreate the master's object exactly (the
//! table text is the master's own `SHOW CREATE TABLE`).  A table replaces
//! one of the same name on the replica, but the replica-side preflight
//! refuses a replica holding tables before any of this can run, so that
//! never drops data the DBA did not agree to lose; databases are created
//! only if missing, so nothing else in them (routines, events) is lost.

/// Why a DDL statement could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DdlError {
    /// `SHOW CREATE TABLE` returned something other than a base table.
    #[error("unexpected SHOW CREATE TABLE output for {0}: expected CREATE TABLE")]
    NotATable(String),
    /// `SHOW CREATE VIEW` returned something other than a view.
    #[error("unexpected SHOW CREATE VIEW output {0}: expected CREATE ... VIEW")]
    NotAView(String),
}

/// Quotes an identifier with backticks, doubling any backtick in it.
pub fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Quotes a string literal with single quotes, escaping `'` and `\`.
pub fn quote_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The statements that give the replica the master's database: create it
/// if missing (never `OR REPLACE`: that would drop the replica's routines
/// and events of that name), then set the master's character set,
/// collation and comment.
pub fn create_database(db: &str, charset: &str, collation: &str, comment: &str) -> [String; 2] {
    let name = quote_ident(db);
    [
        format!("CREATE DATABASE IF NOT EXISTS {name}"),
        format!(
            "ALTER DATABASE {name} CHARACTER SET {charset} COLLATE {collation} COMMENT {}",
            quote_string(comment)
        ),
    ]
}

/// Turns the master's `SHOW CREATE VIEW` text (`CREATE ALGORITHM=...
/// DEFINER=... SQL SECURITY ... VIEW ...`) into `CREATE OR REPLACE ...`,
/// leaving the definition untouched: algorithm, definer, SQL SECURITY and
/// CHECK OPTION stay the master's.
pub fn create_view(show_create: &str) -> Result<String, DdlError> {
    match show_create.strip_prefix("CREATE ") {
        Some(rest) if rest.contains(" VIEW ") => Ok(format!("CREATE OR REPLACE {rest}")),
        _ => Err(DdlError::NotAView(
            show_create.chars().take(60).collect::<String>(),
        )),
    }
}

/// Turns the master's `SHOW CREATE TABLE` text (with the database name)
/// into `CREATE OR REPLACE TABLE`, leaving the definition untouched.
pub fn create_table(show_create: &str) -> Result<String, DdlError> {
    const PREFIX: &str = "CREATE TABLE ";
    match show_create.strip_prefix(PREFIX) {
        Some(rest) => Ok(format!("CREATE OR REPLACE TABLE {rest}")),
        None => Err(DdlError::NotATable(
            show_create.chars().take(60).collect::<String>(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_keep_every_clause_of_the_master() {
        let show = "CREATE ALGORITHM=MERGE DEFINER=`app`@`%` SQL SECURITY INVOKER \
                    VIEW `d`.`v` AS select 1 AS `a` WITH CASCADED CHECK OPTION";
        let sql = create_view(show).unwrap();
        assert_eq!(sql, format!("CREATE OR REPLACE {}", &show[7..]));
        assert!(create_view("CREATE TABLE `t` (a int)").is_err());
        assert!(create_view("SELECT 1").is_err());
    }

    #[test]
    fn identifiers_and_strings_are_quoted() {
        assert_eq!(quote_ident("a`b"), "`a``b`");
        assert_eq!(quote_string(r"it's a \ test"), r"'it''s a \\ test'");
    }

    #[test]
    fn database_keeps_charset_collation_and_comment() {
        assert_eq!(
            create_database("shop", "utf8mb4", "utf8mb4_bin", ""),
            [
                "CREATE DATABASE IF NOT EXISTS `shop`",
                "ALTER DATABASE `shop` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin COMMENT ''"
            ]
        );
        assert_eq!(
            create_database("d", "latin1", "latin1_swedish_ci", "it's")[1],
            "ALTER DATABASE `d` CHARACTER SET latin1 COLLATE latin1_swedish_ci COMMENT 'it''s'"
        );
    }

    #[test]
    fn table_text_is_the_masters_own() {
        let show =
            "CREATE TABLE `d`.`t` (\n  `a` int(11) NOT NULL,\n  PRIMARY KEY (`a`)\n) ENGINE=InnoDB";
        let sql = create_table(show).unwrap();
        assert_eq!(
            sql,
            "CREATE OR REPLACE TABLE `d`.`t` (\n  `a` int(11) NOT NULL,\n  PRIMARY KEY (`a`)\n) ENGINE=InnoDB"
        );
        assert!(create_table("CREATE SEQUENCE `s`").is_err());
    }
}
