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
    /// `SHOW CREATE TABLE` returned something other than a base table
    /// or sequence.
    #[error("unexpected SHOW CREATE TABLE output for {0}: expected CREATE TABLE or SEQUENCE")]
    NotATable(String),
    /// `SHOW CREATE VIEW` returned something other than a view.
    #[error("unexpected SHOW CREATE VIEW output {0}: expected CREATE ... VIEW")]
    NotAView(String),
    /// A stored object's definition is not the `CREATE` its kind expects.
    #[error("unexpected definition of {kind} {name}: expected CREATE ... {kind}, found '{text}'")]
    NotAnObject {
        /// The object's kind.
        kind: &'static str,
        /// `db`.`name`.
        name: String,
        /// The start of the text.
        text: String,
    },
    /// The server listed an object of a kind this copy does not know.
    #[error("{1} is a {0}, which LOAD DATA FROM MASTER cannot copy")]
    UnknownObject(String, String),
}

/// `db`.`name`, quoted.
pub fn ident(db: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(db), quote_ident(name))
}

/// Turns the master's definition of a routine, trigger or event (`CREATE
/// [DEFINER=...] [AGGREGATE] FUNCTION ...`, as `SHOW CREATE` shows it,
/// in its own character set) into `CREATE OR REPLACE ...`, leaving the
/// rest untouched: definer, characteristics and body stay the master's.
/// A trigger's definition is its statement as the client wrote it from
/// the keyword on: the keyword in any case, and an `IF NOT EXISTS` after
/// it, which `OR REPLACE` does not take (dropped here).
pub fn create_object(
    kind: ObjectKind,
    db: &str,
    name: &str,
    definition: &[u8],
) -> Result<Vec<u8>, DdlError> {
    let head = definition[..definition.len().min(512)].to_ascii_lowercase();
    let keyword = format!(" {}", kind.keyword().to_ascii_lowercase());
    let after_keyword = (0..head.len()).find_map(|i| {
        let end = i + keyword.len();
        (head[i..].starts_with(keyword.as_bytes())
            && head.get(end).is_some_and(u8::is_ascii_whitespace))
        .then_some(end)
    });
    match after_keyword {
        Some(_) if head.starts_with(b"create or replace ") => Ok(definition.to_vec()),
        Some(end) if definition.starts_with(b"CREATE ") => Ok(or_replace(
            &[
                &definition[7..end],
                without_if_not_exists(&definition[end..]),
            ]
            .concat(),
        )),
        _ => Err(DdlError::NotAnObject {
            kind: kind.keyword(),
            name: ident(db, name),
            text: start_of(definition),
        }),
    }
}

/// `text` (which starts with white space) without the `IF NOT EXISTS`
/// it starts with, in any case and spacing; the white space before the
/// rest is kept.
fn without_if_not_exists(text: &[u8]) -> &[u8] {
    let mut rest = text;
    for word in [b"if".as_slice(), b"not", b"exists"] {
        let start = rest
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(rest.len());
        if start == 0 {
            return text;
        }
        let after = &rest[start..];
        match after.get(word.len()) {
            Some(b)
                if b.is_ascii_whitespace() && after[..word.len()].eq_ignore_ascii_case(word) =>
            {
                rest = &after[word.len()..];
            }
            _ => return text,
        }
    }
    rest
}

use crate::scheduler::ObjectKind;

/// Quotes an identifier with backticks, doubling any backtick in it.
pub fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Quotes a string literal with single quotes, escaping `'` and `\`.
/// Bytes: the text is in whatever character set the statement is read in.
pub fn quote_string(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 2);
    out.push(b'\'');
    for &b in text {
        match b {
            b'\'' => out.extend_from_slice(b"''"),
            b'\\' => out.extend_from_slice(b"\\\\"),
            _ => out.push(b),
        }
    }
    out.push(b'\'');
    out
}

/// The statements that give the replica the master's database: create it
/// if missing (never `OR REPLACE`: that would drop the replica's routines
/// and events of that name), then set the master's character set,
/// collation and comment.
pub fn create_database(db: &str, charset: &str, collation: &str, comment: &[u8]) -> [Vec<u8>; 2] {
    let name = quote_ident(db);
    let alter =
        format!("ALTER DATABASE {name} CHARACTER SET {charset} COLLATE {collation} COMMENT ");
    [
        format!("CREATE DATABASE IF NOT EXISTS {name}").into_bytes(),
        [alter.into_bytes(), quote_string(comment)].concat(),
    ]
}

/// Turns the master's `SHOW CREATE VIEW` text (`CREATE ALGORITHM=...
/// DEFINER=... SQL SECURITY ... VIEW ...`) into `CREATE OR REPLACE ...`,
/// leaving the definition untouched: algorithm, definer, SQL SECURITY and
/// CHECK OPTION stay the master's.  The text is bytes in the view's own
/// client character set, which need not be UTF-8.
pub fn create_view(show_create: &[u8]) -> Result<Vec<u8>, DdlError> {
    match show_create.strip_prefix(b"CREATE ") {
        Some(rest) if contains(rest, b" VIEW ") => Ok(or_replace(rest)),
        _ => Err(DdlError::NotAView(start_of(show_create))),
    }
}

/// Turns the master's `SHOW CREATE TABLE` text (with the database name)
/// into `CREATE OR REPLACE TABLE` (or `SEQUENCE`: its row, the current
/// value, is copied as a table's), leaving the definition untouched.  The
/// text is bytes: a `_binary` literal in a default, a check constraint or
/// a virtual column's expression is printed as its raw bytes.
///
/// One exception: an `ARCHIVE` table loses its `AUTO_INCREMENT=` option.
/// The engine refuses a row whose `AUTO_INCREMENT` value is not above
/// the counter (`HA_ERR_FOUND_DUPP_KEY`), and the counter of a table
/// created with the option starts there: every copied row would be
/// refused.  The replica's counter then follows the rows it gets.
pub fn create_table(show_create: &[u8]) -> Result<Vec<u8>, DdlError> {
    for kind in [&b"TABLE "[..], b"SEQUENCE "] {
        if show_create
            .strip_prefix(b"CREATE ")
            .is_some_and(|rest| rest.starts_with(kind))
        {
            let sql = or_replace(&show_create[b"CREATE ".len()..]);
            return Ok(without_archive_counter(sql));
        }
    }
    Err(DdlError::NotATable(start_of(show_create)))
}

/// `create` without the ` AUTO_INCREMENT=<n>` table option when its
/// engine is `ARCHIVE` (see [`create_table`]).  The options are on the
/// line that closes the column list, `) ENGINE=...`.
fn without_archive_counter(create: Vec<u8>) -> Vec<u8> {
    let Some(line) = options_line(&create)
        .filter(|line| create[line.clone()].starts_with(b"\n) ENGINE=ARCHIVE "))
    else {
        return create;
    };
    let Some(option) = find(&create[line.clone()], COUNTER).map(|p| line.start + p) else {
        return create;
    };
    let end = option + COUNTER.len() + digits(&create[option + COUNTER.len()..line.end]);
    [&create[..option], &create[end..]].concat()
}

/// The table option that carries the `AUTO_INCREMENT` counter.
const COUNTER: &[u8] = b" AUTO_INCREMENT=";

/// Where the line of a `SHOW CREATE TABLE` text's table options is,
/// from the newline before its `) ` (which closes the column list; no
/// column, key or literal prints a newline) to the end of that line.
fn options_line(create: &[u8]) -> Option<std::ops::Range<usize>> {
    let start = find(create, b"\n) ")?;
    let end = create[start + 1..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(create.len(), |p| start + 1 + p);
    Some(start..end)
}

/// How many ASCII digits `text` starts with.
fn digits(text: &[u8]) -> usize {
    text.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// A table's definition as its `SHOW CREATE TABLE` text (`show_create`)
/// shows it, hashed, without its `AUTO_INCREMENT=` counter and its
/// `COMMENT=` table option: what a chunk's rows and cursor depend on
/// (columns, keys, constraints, the default character set the columns
/// take, the engine), and what no statement that keeps the rows changes
/// (the counter moves with every insert; `ALTER TABLE ... COMMENT` keeps
/// the rows).  The options are on the line that closes the column list.
pub fn definition_shape(show_create: &[u8]) -> u64 {
    let mut hash = crate::scheduler::Fnv::default();
    let Some(line) = options_line(show_create) else {
        hash.add(show_create);
        return hash.0;
    };
    hash.add(&show_create[..line.start]);
    let mut options = &show_create[line.clone()];
    while !options.is_empty() {
        if let Some(rest) = options.strip_prefix(COUNTER) {
            options = &rest[digits(rest)..];
        } else if let Some(rest) = options.strip_prefix(b" COMMENT='") {
            options = &rest[quoted_tail(rest)..];
        } else {
            hash.add(&options[..1]);
            options = &options[1..];
        }
    }
    hash.add(&show_create[line.end..]);
    hash.0
}

/// The length of the rest of a string literal `rest` is in, after its
/// opening quote `'`, its closing quote included (a quote doubled or
/// escaped with a backslash inside it); all of `rest` when not closed.
fn quoted_tail(rest: &[u8]) -> usize {
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            b'\\' => i += 2,
            b'\'' if rest.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return i + 1,
            _ => i += 1,
        }
    }
    rest.len()
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A table's `CREATE` without its plain secondary indexes, and the
/// `ALTER TABLE` that adds them back once its rows are copied: InnoDB
/// then builds each index in one sorted pass, instead of inserting every
/// row into it at random (which takes about half of the replica's time
/// applying a copy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeferredIndexes {
    /// `CREATE OR REPLACE TABLE` without the deferred indexes.
    pub create: Vec<u8>,
    /// `ALTER TABLE ... ADD KEY ..., ADD KEY ...`, in the master's order.
    pub alter: Vec<u8>,
}

/// Splits the plain secondary indexes (`KEY`) of `create` (a `CREATE OR
/// REPLACE TABLE` from [`create_table`]) off into an `ALTER TABLE` (see
/// [`DeferredIndexes`]), when that leaves the replica the same table:
/// - an InnoDB table with a `PRIMARY KEY`, so that the replica's row
///   lookups for the master's changes meanwhile never need those indexes;
/// - no `FULLTEXT` or `SPATIAL` key, whose place among the keys adding an
///   index later could change;
/// - no foreign key (`has_foreign_keys`: the table is a child or a parent;
///   either may need the index when the other is created);
/// - text in the layout `SHOW CREATE TABLE` prints: one element per line.
///
/// `None` when there is nothing to defer or any of this does not hold.
pub fn defer_secondary_indexes(create: &[u8], has_foreign_keys: bool) -> Option<DeferredIndexes> {
    if has_foreign_keys {
        return None;
    }
    let mut lines = create.split(|&b| b == b'\n');
    let head = lines.next()?;
    let name = head
        .strip_prefix(b"CREATE OR REPLACE TABLE ")?
        .strip_suffix(b" (")?;
    let mut kept: Vec<&[u8]> = Vec::new();
    let mut deferred: Vec<&[u8]> = Vec::new();
    let mut has_primary = false;
    let mut auto_increment: Option<&[u8]> = None;
    let mut tail = None;
    for line in lines.by_ref() {
        if line.starts_with(b")") {
            tail = Some(line);
            break;
        }
        let element = line.strip_prefix(b"  ")?;
        let element = element.strip_suffix(b",").unwrap_or(element);
        let foreign_key =
            element.starts_with(b"CONSTRAINT ") && contains(element, b" FOREIGN KEY ");
        if foreign_key
            || element.starts_with(b"FULLTEXT KEY ")
            || element.starts_with(b"SPATIAL KEY ")
        {
            return None;
        }
        has_primary |= element.starts_with(b"PRIMARY KEY ");
        if element.starts_with(b"`") && contains(element, b" AUTO_INCREMENT") {
            // Its column must lead some index from the start.
            auto_increment = Some(element.split(|&b| b == b' ').next().unwrap_or_default());
        }
        if element.starts_with(b"KEY `") {
            deferred.push(element);
        } else {
            kept.push(element);
        }
    }
    let tail = tail?;
    if let Some(column) = auto_increment {
        // A KEY that the AUTO_INCREMENT column leads stays in the CREATE,
        // and so does every KEY before it: the ALTER appends, and the
        // server keeps plain keys in the order they were added.
        let leads = |key: &[u8]| {
            let parts = key.splitn(2, |&b| b == b'(').nth(1).unwrap_or_default();
            parts.starts_with(column)
                && matches!(parts.get(column.len()), Some(b',' | b')' | b' ' | b'('))
        };
        if let Some(last) = deferred.iter().rposition(|k| leads(k)) {
            kept.extend(deferred.drain(..=last));
        }
    }
    let rest: Vec<&[u8]> = lines.collect();
    let innodb = contains(tail, b" ENGINE=InnoDB");
    if deferred.is_empty() || kept.is_empty() || !has_primary || !innodb {
        return None;
    }
    let mut create = head.to_vec();
    create.extend_from_slice(b"\n  ");
    create.extend_from_slice(&kept.join(&b",\n  "[..]));
    create.push(b'\n');
    create.extend_from_slice(
        &[tail]
            .into_iter()
            .chain(rest)
            .collect::<Vec<_>>()
            .join(&b'\n'),
    );
    let mut alter = b"ALTER TABLE ".to_vec();
    alter.extend_from_slice(name);
    alter.extend_from_slice(b" ADD ");
    alter.extend_from_slice(&deferred.join(&b", ADD "[..]));
    Some(DeferredIndexes { create, alter })
}

/// `CREATE OR REPLACE ` followed by `rest`.
fn or_replace(rest: &[u8]) -> Vec<u8> {
    [b"CREATE OR REPLACE ".as_slice(), rest].concat()
}

/// Whether `needle` occurs in `haystack`.
pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

/// The start of a statement, for an error message.
fn start_of(text: &[u8]) -> String {
    String::from_utf8_lossy(&text[..text.len().min(240)])
        .chars()
        .take(60)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_definition_shape_leaves_out_the_counter_and_the_comment() {
        let create = |options: &str, column: &str| {
            format!(
                "CREATE TABLE `t` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  \
                 `v` {column} DEFAULT ')\\n) x' COMMENT 'c',\n  PRIMARY KEY (`id`)\n) \
                 ENGINE=InnoDB {options}\n PARTITION BY HASH (`id`)\nPARTITIONS 2"
            )
        };
        let shape =
            |options: &str, column: &str| definition_shape(create(options, column).as_bytes());
        let before = shape("AUTO_INCREMENT=5 DEFAULT CHARSET=latin1", "varchar(9)");
        assert_eq!(
            before,
            shape(
                "AUTO_INCREMENT=91 DEFAULT CHARSET=latin1 COMMENT='it''s \\' x'",
                "varchar(9)"
            )
        );
        assert_eq!(before, shape("DEFAULT CHARSET=latin1", "varchar(9)"));
        // The columns' character set, the engine, a column: not the same.
        assert_ne!(before, shape("DEFAULT CHARSET=utf8mb4", "varchar(9)"));
        assert_ne!(
            before,
            shape("ENGINE=MyISAM DEFAULT CHARSET=latin1", "varchar(9)")
        );
        assert_ne!(before, shape("DEFAULT CHARSET=latin1", "varchar(8)"));
        assert_ne!(
            before,
            definition_shape(
                create("DEFAULT CHARSET=latin1", "varchar(9)")
                    .replace("PARTITIONS 2", "PARTITIONS 3")
                    .as_bytes()
            )
        );
    }

    #[test]
    fn views_keep_every_clause_of_the_master() {
        let show = "CREATE ALGORITHM=MERGE DEFINER=`app`@`%` SQL SECURITY INVOKER \
                    VIEW `d`.`v` AS select 1 AS `a` WITH CASCADED CHECK OPTION";
        let sql = create_view(show.as_bytes()).unwrap();
        assert_eq!(
            sql,
            format!("CREATE OR REPLACE {}", &show[7..]).into_bytes()
        );
        assert!(create_view(b"CREATE TABLE `t` (a int)").is_err());
        assert!(create_view(b"SELECT 1").is_err());
        // A latin1 view: its bytes pass through untouched.
        let latin1 = b"CREATE ALGORITHM=UNDEFINED DEFINER=`a`@`%` SQL SECURITY DEFINER \
                       VIEW `v` AS select '\xe9t\xe9' AS `c`";
        assert!(create_view(latin1)
            .unwrap()
            .ends_with(b"'\xe9t\xe9' AS `c`"));
    }

    #[test]
    fn objects_keep_every_clause_of_the_master() {
        let show = b"CREATE DEFINER=`app`@`%` FUNCTION `f`(x INT) RETURNS int(11)\n    \
                     DETERMINISTIC\nRETURN x + 1";
        let sql = create_object(ObjectKind::Function, "d", "f", show).unwrap();
        assert_eq!(sql, [b"CREATE OR REPLACE ".as_slice(), &show[7..]].concat());
        // Bytes in the object's own character set pass through untouched.
        let latin1 = b"CREATE DEFINER=`a`@`%` PROCEDURE `p`()\nSELECT '\xe9t\xe9'";
        let sql = create_object(ObjectKind::Procedure, "d", "p", latin1).unwrap();
        assert!(sql.ends_with(b"'\xe9t\xe9'"));
        let trigger =
            b"CREATE DEFINER=`a`@`%` TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET @x=1";
        assert!(create_object(ObjectKind::Trigger, "d", "t_bi", trigger).is_ok());
        let err = create_object(ObjectKind::Event, "d", "e", trigger).unwrap_err();
        assert!(err.to_string().contains("EVENT `d`.`e`"), "{err}");
        assert!(create_object(ObjectKind::Event, "d", "e", b"").is_err());
    }

    #[test]
    fn a_trigger_keeps_its_clients_text_without_if_not_exists() {
        // As the client wrote it: lower case, any spacing.
        let lower = b"CREATE DEFINER=`a`@`%` trigger t_bi before insert on t for each row set @x=1";
        assert_eq!(
            create_object(ObjectKind::Trigger, "d", "t_bi", lower).unwrap(),
            [b"CREATE OR REPLACE ".as_slice(), &lower[7..]].concat()
        );
        let if_not_exists = b"CREATE DEFINER=`a`@`%` trigger   If  NOT\n exists d.t_bi \
                              after insert on d.t for each row set @x = 1";
        assert_eq!(
            create_object(ObjectKind::Trigger, "d", "t_bi", if_not_exists).unwrap(),
            b"CREATE OR REPLACE DEFINER=`a`@`%` trigger d.t_bi \
              after insert on d.t for each row set @x = 1"
                .to_vec()
        );
        // A trigger named like the words is not cut.
        let named_if = b"CREATE TRIGGER if_not BEFORE INSERT ON t FOR EACH ROW SET @x=1";
        assert_eq!(
            create_object(ObjectKind::Trigger, "d", "if_not", named_if).unwrap(),
            [b"CREATE OR REPLACE ".as_slice(), &named_if[7..]].concat()
        );
        let not_exists = b"CREATE TRIGGER if not_exists BEFORE INSERT ON t FOR EACH ROW SET @x=1";
        assert_eq!(
            create_object(ObjectKind::Trigger, "d", "x", not_exists).unwrap(),
            [b"CREATE OR REPLACE ".as_slice(), &not_exists[7..]].concat()
        );
        // A procedure's name that holds the keyword is not the keyword.
        let p = b"CREATE DEFINER=`a`@`%` PROCEDURE `trigger `()\nSELECT 1";
        assert!(create_object(ObjectKind::Procedure, "d", "trigger ", p).is_ok());
    }

    const SBTEST: &[u8] = b"CREATE OR REPLACE TABLE `sbtest1` (\n  \
        `id` int(11) NOT NULL AUTO_INCREMENT,\n  \
        `k` int(11) NOT NULL DEFAULT 0,\n  \
        `c` char(120) NOT NULL DEFAULT '',\n  \
        PRIMARY KEY (`id`),\n  \
        UNIQUE KEY `c` (`c`),\n  \
        KEY `k_1` (`k`),\n  \
        KEY `kc` (`k`,`c`(10)) COMMENT 'a, b'\n\
        ) ENGINE=InnoDB AUTO_INCREMENT=11 DEFAULT CHARSET=latin1\n \
        PARTITION BY HASH (`id`)\nPARTITIONS 2";

    #[test]
    fn plain_secondary_indexes_are_added_after_the_rows() {
        let d = defer_secondary_indexes(SBTEST, false).unwrap();
        assert_eq!(
            String::from_utf8(d.create).unwrap(),
            "CREATE OR REPLACE TABLE `sbtest1` (\n  \
             `id` int(11) NOT NULL AUTO_INCREMENT,\n  \
             `k` int(11) NOT NULL DEFAULT 0,\n  \
             `c` char(120) NOT NULL DEFAULT '',\n  \
             PRIMARY KEY (`id`),\n  \
             UNIQUE KEY `c` (`c`)\n\
             ) ENGINE=InnoDB AUTO_INCREMENT=11 DEFAULT CHARSET=latin1\n \
             PARTITION BY HASH (`id`)\nPARTITIONS 2"
        );
        assert_eq!(
            String::from_utf8(d.alter).unwrap(),
            "ALTER TABLE `sbtest1` ADD KEY `k_1` (`k`), ADD KEY `kc` (`k`,`c`(10)) COMMENT 'a, b'"
        );
    }

    #[test]
    fn an_archive_table_is_created_without_its_counter() {
        let show = b"CREATE TABLE `d`.`ar` (\n  \
            `id` int(11) NOT NULL AUTO_INCREMENT,\n  \
            `v` varchar(40) DEFAULT 'AUTO_INCREMENT=5',\n  \
            PRIMARY KEY (`id`)\n\
            ) ENGINE=ARCHIVE AUTO_INCREMENT=497 DEFAULT CHARSET=latin1 COMMENT='x'";
        let sql = create_table(show).unwrap();
        assert_eq!(
            String::from_utf8(sql).unwrap(),
            "CREATE OR REPLACE TABLE `d`.`ar` (\n  \
             `id` int(11) NOT NULL AUTO_INCREMENT,\n  \
             `v` varchar(40) DEFAULT 'AUTO_INCREMENT=5',\n  \
             PRIMARY KEY (`id`)\n\
             ) ENGINE=ARCHIVE DEFAULT CHARSET=latin1 COMMENT='x'"
        );
        let innodb = b"CREATE TABLE `t` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  \
            PRIMARY KEY (`id`)\n) ENGINE=InnoDB AUTO_INCREMENT=9 DEFAULT CHARSET=latin1";
        assert!(contains(
            &create_table(innodb).unwrap(),
            b" AUTO_INCREMENT=9 "
        ));
    }

    #[test]
    fn a_key_an_auto_increment_column_leads_stays() {
        let create = b"CREATE OR REPLACE TABLE `t` (\n  \
            `a` int(11) NOT NULL,\n  \
            `n` int(11) NOT NULL AUTO_INCREMENT,\n  \
            PRIMARY KEY (`a`),\n  \
            KEY `an` (`a`,`n`),\n  \
            KEY `na` (`n`,`a`),\n  \
            KEY `nn` (`nx`)\n\
            ) ENGINE=InnoDB";
        let d = defer_secondary_indexes(create, false).unwrap();
        let create = String::from_utf8(d.create).unwrap();
        // `an` comes before `na`, which must stay: both stay, in order.
        assert!(
            create.contains("PRIMARY KEY (`a`),\n  KEY `an` (`a`,`n`),\n  KEY `na` (`n`,`a`)\n)"),
            "{create}"
        );
        assert_eq!(
            String::from_utf8(d.alter).unwrap(),
            "ALTER TABLE `t` ADD KEY `nn` (`nx`)"
        );
    }

    #[test]
    fn indexes_stay_where_deferring_could_change_the_table() {
        let text = std::str::from_utf8(SBTEST).unwrap();
        let cases = [
            // Foreign keys: the index may serve one.
            (text.to_owned(), true),
            (
                text.replace(
                    "UNIQUE KEY `c` (`c`)",
                    "CONSTRAINT `f` FOREIGN KEY (`k`) REFERENCES `p` (`id`)",
                ),
                false,
            ),
            // No primary key: the replica's lookups may use the index.
            (text.replace("  PRIMARY KEY (`id`),\n", ""), false),
            // Another engine.
            (text.replace("ENGINE=InnoDB", "ENGINE=Aria"), false),
            // FULLTEXT and SPATIAL keys keep their place among the keys.
            (text.replace("UNIQUE KEY `c`", "FULLTEXT KEY `c`"), false),
            // Nothing to defer.
            (
                text.replace(
                    "  KEY `k_1` (`k`),\n  KEY `kc` (`k`,`c`(10)) COMMENT 'a, b'\n",
                    "",
                ),
                false,
            ),
            // Not the layout of SHOW CREATE TABLE.
            (
                text.replace(",\n  `k`", ", `k`").replace("\n  ", "\n"),
                false,
            ),
            (text.replace(") ENGINE", " ENGINE"), false),
        ];
        for (create, fks) in cases {
            assert_eq!(
                defer_secondary_indexes(create.as_bytes(), fks),
                None,
                "{create}"
            );
        }
    }

    #[test]
    fn identifiers_and_strings_are_quoted() {
        assert_eq!(quote_ident("a`b"), "`a``b`");
        assert_eq!(quote_string(br"it's a \ test"), br"'it''s a \\ test'");
        assert_eq!(quote_string(b"\xff"), b"'\xff'");
    }

    #[test]
    fn database_keeps_charset_collation_and_comment() {
        assert_eq!(
            create_database("shop", "utf8mb4", "utf8mb4_bin", b""),
            [
                b"CREATE DATABASE IF NOT EXISTS `shop`".to_vec(),
                b"ALTER DATABASE `shop` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin COMMENT ''"
                    .to_vec()
            ]
        );
        assert_eq!(
            create_database("d", "latin1", "latin1_swedish_ci", b"it's")[1],
            b"ALTER DATABASE `d` CHARACTER SET latin1 COLLATE latin1_swedish_ci COMMENT 'it''s'"
        );
    }

    #[test]
    fn table_text_is_the_masters_own() {
        let show =
            "CREATE TABLE `d`.`t` (\n  `a` int(11) NOT NULL,\n  PRIMARY KEY (`a`)\n) ENGINE=InnoDB";
        let sql = create_table(show.as_bytes()).unwrap();
        assert_eq!(
            sql,
            b"CREATE OR REPLACE TABLE `d`.`t` (\n  `a` int(11) NOT NULL,\n  PRIMARY KEY (`a`)\n) ENGINE=InnoDB"
        );
        assert_eq!(
            create_table(b"CREATE SEQUENCE `d`.`s` start with 1 increment by 1").unwrap(),
            b"CREATE OR REPLACE SEQUENCE `d`.`s` start with 1 increment by 1"
        );
        assert!(create_table(b"CREATE VIEW `v` AS select 1").is_err());
        assert!(create_table(b"CREATE TABLEX").is_err());
        // A binary literal in a check constraint is printed as raw bytes.
        let binary = b"CREATE TABLE `b` (\n  `c` varbinary(4) CHECK (`c` <> _binary '\xff')\n)";
        assert!(create_table(binary)
            .unwrap()
            .ends_with(b"_binary '\xff')\n)"));
    }
}
