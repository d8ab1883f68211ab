#!/usr/bin/env python3
"""A random workload of the kinds a real master runs, as SQL text for the
`mariadb` client (run with --force: deadlocks and duplicate keys are part
of it).  Used by scripts/stress-workload.sh.

    stress_workload.py schema [ROWS]        the tables, filled
    stress_workload.py session SEED STOP [DDL]  random transactions until
                                                the file STOP exists (DDL: 0,
                                                1 rare DDL, 2 more and more
                                                kinds of it)

The tables cover what a row-key ledger finds hardest: keys that move
(primary key updates across the copy's cursor), a descending composite
key, a case- and space-insensitive key, a table without any key, a
nullable UNIQUE key, a table whose only key is a nullable UNIQUE one,
indexed VIRTUAL and PERSISTENT columns, a system-versioned table,
a table that references itself (ON DELETE CASCADE), foreign-key cascades (ON DELETE CASCADE, ON UPDATE
CASCADE of a non-key column), non-transactional engines inside
transactions, partitions, large BLOBs, AUTO_INCREMENT; and transactions
with XA, savepoints, multi-table statements, INSERT ... ON DUPLICATE KEY
UPDATE and REPLACE.  With DDL, rare ALTER TABLEs (also as CREATE INDEX,
DROP INDEX, behind SET STATEMENT and in executable comments) and tables
created and dropped during the copy.
"""

import os
import random
import signal
import sys

DB = "sw"
KEY_SPACE = 4000


def schema(rows):
    out = [
        f"DROP DATABASE IF EXISTS {DB};",
        f"CREATE DATABASE {DB};",
        f"USE {DB};",
        "SET SESSION max_recursive_iterations= 1000000;",
        "CREATE TABLE t_int (id INT PRIMARY KEY, a INT, b VARCHAR(40), KEY (a)) ENGINE=InnoDB;",
        "CREATE TABLE t_ci (k VARCHAR(20) COLLATE utf8mb4_general_ci PRIMARY KEY, v INT) ENGINE=InnoDB;",
        "CREATE TABLE t_comp (g INT NOT NULL, s VARCHAR(10) NOT NULL, v INT,"
        " PRIMARY KEY (g DESC, s)) ENGINE=InnoDB;",
        "CREATE TABLE t_nokey (a INT, b VARCHAR(40)) ENGINE=InnoDB;",
        "CREATE TABLE t_uniq (id INT PRIMARY KEY, u INT, v INT, UNIQUE KEY (u)) ENGINE=InnoDB;",
        "CREATE TABLE parent (id INT PRIMARY KEY, code INT NOT NULL, v INT,"
        " UNIQUE KEY (code)) ENGINE=InnoDB;",
        "CREATE TABLE child (id INT PRIMARY KEY, pid INT, pcode INT, v INT,"
        " FOREIGN KEY (pid) REFERENCES parent (id) ON DELETE CASCADE,"
        " FOREIGN KEY (pcode) REFERENCES parent (code) ON UPDATE CASCADE ON DELETE SET NULL)"
        " ENGINE=InnoDB;",
        "CREATE TABLE t_myisam (id INT PRIMARY KEY, v INT) ENGINE=MyISAM;",
        "CREATE TABLE t_aria (id INT PRIMARY KEY, v INT) ENGINE=Aria;",
        "CREATE TABLE t_blob (id INT PRIMARY KEY, b LONGBLOB) ENGINE=InnoDB;",
        "CREATE TABLE t_ai (id INT AUTO_INCREMENT PRIMARY KEY, v INT) ENGINE=InnoDB;",
        "CREATE TABLE t_part (id INT PRIMARY KEY, v INT) ENGINE=InnoDB"
        " PARTITION BY HASH (id) PARTITIONS 4;",
        "CREATE TABLE t_dec (d DECIMAL(12,3) PRIMARY KEY, v INT) ENGINE=InnoDB;",
        "CREATE TABLE t_gen (id INT PRIMARY KEY, a INT, g INT AS (a * 3) VIRTUAL,"
        " p VARCHAR(24) AS (CONCAT('p', a)) PERSISTENT, KEY (g), KEY (p)) ENGINE=InnoDB;",
        "CREATE TABLE t_vers (id INT PRIMARY KEY, v INT) ENGINE=InnoDB WITH SYSTEM VERSIONING;",
        "CREATE TABLE t_nullkey (a INT, b INT, v INT, UNIQUE KEY (a, b)) ENGINE=InnoDB;",
        "CREATE TABLE t_tree (id INT PRIMARY KEY, parent INT, v INT,"
        " FOREIGN KEY (parent) REFERENCES t_tree (id) ON DELETE CASCADE) ENGINE=InnoDB;",
    ]
    seq = f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows})"
    out += [
        f"INSERT INTO t_int {seq} SELECT i * 2, i MOD 97, MD5(i) FROM s;",
        f"INSERT INTO t_ci {seq} SELECT CONCAT('k', i * 2), i FROM s;",
        f"INSERT INTO t_comp {seq} SELECT i MOD 50, CONCAT('s', i), i FROM s;",
        f"INSERT INTO t_nokey {seq} SELECT i MOD 300, MD5(i) FROM s;",
        f"INSERT INTO t_uniq {seq} SELECT i * 2, IF(i MOD 5 = 0, NULL, i), i FROM s;",
        f"INSERT INTO parent {seq} SELECT i * 2, i * 2 + 1, i FROM s WHERE i <= {rows // 4};",
        f"INSERT INTO child {seq} SELECT i * 2, (i MOD {rows // 4}) * 2 + 2,"
        f" (i MOD {rows // 4}) * 2 + 3, i FROM s;",
        f"INSERT INTO t_myisam {seq} SELECT i * 2, i FROM s;",
        f"INSERT INTO t_aria {seq} SELECT i * 2, i FROM s;",
        f"INSERT INTO t_blob {seq} SELECT i * 2, REPEAT(MD5(i), 1 + i MOD 64) FROM s"
        f" WHERE i <= {max(rows // 8, 1)};",
        f"INSERT INTO t_ai (v) {seq} SELECT i FROM s;",
        f"INSERT INTO t_part {seq} SELECT i * 2, i FROM s;",
        f"INSERT INTO t_dec {seq} SELECT (i - {rows // 2}) * 1.5, i FROM s;",
        f"INSERT INTO t_gen (id, a) {seq} SELECT i * 2, i MOD 500 FROM s;",
        f"INSERT INTO t_vers {seq} SELECT i * 2, i FROM s;",
        f"INSERT INTO t_nullkey {seq} SELECT IF(i MOD 7 = 0, NULL, i), i MOD 3, i FROM s;",
        # Roots every 10 rows, each with the 9 rows after it as children.
        f"INSERT INTO t_tree {seq} SELECT i * 2, IF(i MOD 10 = 1, NULL, (i - (i - 1) MOD 10) * 2),"
        f" i FROM s ORDER BY i;",
    ]
    return out


class Session:
    """Random transactions of one client session."""

    def __init__(self, seed, ddl, master_faults=False):
        self.r = random.Random(seed)
        self.seed = seed
        self.ddl = ddl
        self.master_faults = master_faults
        self.xid = 0

    def key(self):
        return self.r.randrange(-50, KEY_SPACE)

    def ci_key(self):
        k = f"k{self.r.randrange(KEY_SPACE)}"
        return self.r.choice([k, k.upper(), k + " ", k + "  "])

    def statement(self, xa=False, nontrans=True):
        """One statement.  Not on the keyless table (nor on the one whose
        only key is a nullable UNIQUE one) in an XA transaction:
        a prepared one keeps its row locks while the master's later
        transactions apply, and a replica finds a keyless row by scanning
        the table, in an order of its own (its hidden row ids follow the
        commit order, the master's the insert order), so it can meet a
        locked row the master's scan never passed, in any replication.

        Not on MyISAM or Aria on a master that the run kills: neither
        commits with the binary log as one (a transaction that has one of
        them in it commits in one phase, the binary log first), so a kill
        between the two leaves the master without a change that its
        binary log, and every replica, has (README, "A limit of the
        master").

        Not on MyISAM or Aria with `nontrans=False` (a transaction with a
        savepoint): a transaction that changed a non-transactional table
        keeps in the binary log the row events a ROLLBACK TO SAVEPOINT
        undid, while InnoDB lets another transaction change those rows
        (an UPDATE of a key) and commit first, so that any replica stops
        on them ("Can't find record", 1032: a stock server's bug, seen
        with SEED=1901 and shown without a copy)."""
        r, k = self.r, self.key()
        v = r.randrange(1000)
        n = r.randrange(1, 40)
        choices = [
            lambda: f"INSERT INTO t_int VALUES ({k}, {v}, MD5({v})) "
            f"ON DUPLICATE KEY UPDATE a = a + 1, b = CONCAT(LEFT(b, 30), 'u');",
            lambda: f"UPDATE t_int SET a = {v} WHERE id BETWEEN {k} AND {k + n};",
            # Keys that move across any cursor, both ways.
            lambda: f"UPDATE t_int SET id = {KEY_SPACE} + {r.randrange(KEY_SPACE)} - id "
            f"WHERE id = {k};",
            lambda: f"UPDATE t_int SET id = id + {r.choice([-3000, -7, 1, 9, 2500])} "
            f"WHERE id BETWEEN {k} AND {k + 3} ORDER BY id {r.choice(['ASC', 'DESC'])};",
            lambda: f"DELETE FROM t_int WHERE id BETWEEN {k} AND {k + n // 4};",
            lambda: f"REPLACE INTO t_ci VALUES ('{self.ci_key()}', {v});",
            lambda: f"UPDATE t_ci SET k = '{self.ci_key()}' WHERE k = '{self.ci_key()}';",
            lambda: f"DELETE FROM t_ci WHERE k BETWEEN 'k{k}' AND 'k{k}5';",
            lambda: f"INSERT IGNORE INTO t_comp VALUES ({r.randrange(50)}, 's{k}', {v});",
            lambda: f"UPDATE t_comp SET g = {r.randrange(50)} WHERE g = {r.randrange(50)} "
            f"AND s < 's{k}' LIMIT 3;",
            lambda: f"DELETE FROM t_comp WHERE g = {r.randrange(50)} AND s > 's{k}' LIMIT 5;",
            lambda: f"INSERT INTO t_nokey VALUES ({r.randrange(300)}, 'n{v}'), "
            f"({r.randrange(300)}, 'n{v}');",
            lambda: f"UPDATE t_nokey SET b = 'x{v}' WHERE a = {r.randrange(300)} LIMIT 2;",
            lambda: f"DELETE FROM t_nokey WHERE a = {r.randrange(300)} LIMIT 1;",
            lambda: f"INSERT INTO t_uniq VALUES ({k}, {r.choice(['NULL', str(r.randrange(KEY_SPACE))])}, "
            f"{v}) ON DUPLICATE KEY UPDATE v = v + 1;",
            lambda: f"UPDATE t_uniq SET u = {r.choice(['NULL', str(r.randrange(KEY_SPACE))])} "
            f"WHERE id = {k};",
            lambda: f"UPDATE t_uniq SET id = {r.randrange(-50, KEY_SPACE)} WHERE u = {k};",
            lambda: f"INSERT INTO parent VALUES ({k}, {k * 7 + 100000}, {v});",
            lambda: f"UPDATE parent SET code = code + {r.choice([1, 50000, -20000])} "
            f"WHERE id BETWEEN {k} AND {k + 5};",
            lambda: f"DELETE FROM parent WHERE id = {k};",
            lambda: f"INSERT INTO child SELECT {k} + 100000, id, code, {v} FROM parent "
            f"WHERE id >= {k} LIMIT 1;",
            lambda: f"UPDATE child SET id = id + {r.choice([-100, 100, 5000])} WHERE id = {k};",
            lambda: f"UPDATE t_myisam SET v = v + 1 WHERE id BETWEEN {k} AND {k + n};",
            lambda: f"INSERT INTO t_myisam VALUES ({k}, {v}) ON DUPLICATE KEY UPDATE v = {v};",
            lambda: f"DELETE FROM t_aria WHERE id = {k};",
            lambda: f"REPLACE INTO t_aria VALUES ({k}, {v});",
            lambda: f"REPLACE INTO t_blob VALUES ({k}, REPEAT('{chr(97 + v % 26)}', "
            f"{r.choice([10, 1000, 70000, 300000])}));",
            lambda: f"UPDATE t_blob SET b = CONCAT(b, 'z') WHERE id BETWEEN {k} AND {k + 2};",
            lambda: f"INSERT INTO t_ai (v) VALUES ({v}), ({v + 1});",
            lambda: f"DELETE FROM t_ai WHERE id BETWEEN {k} AND {k + 2};",
            lambda: f"UPDATE t_part SET id = id + {r.choice([-1500, 3, 1500])} WHERE id = {k};",
            lambda: f"INSERT INTO t_part VALUES ({k}, {v}) ON DUPLICATE KEY UPDATE v = v + 1;",
            lambda: f"UPDATE t_dec SET d = -d WHERE d BETWEEN {k - 2000} AND {k - 1990};",
            lambda: f"INSERT IGNORE INTO t_dec VALUES ({k - 2000}.{v % 1000:03d}, {v});",
            # Indexed generated columns, a versioned table's history, and
            # a table whose only key is a nullable UNIQUE one (rows with
            # NULL in it are told apart by no key).
            lambda: f"UPDATE t_gen SET a = a + {r.choice([1, -7, 300])} WHERE id BETWEEN {k} AND {k + n};",
            lambda: f"INSERT INTO t_gen (id, a) VALUES ({k}, {v}) ON DUPLICATE KEY UPDATE a = {v};",
            lambda: f"DELETE FROM t_gen WHERE g BETWEEN {v * 3} AND {v * 3 + 6};",
            lambda: f"UPDATE t_vers SET v = v + 1 WHERE id BETWEEN {k} AND {k + n // 4};",
            lambda: f"UPDATE t_vers SET id = {KEY_SPACE} + {r.randrange(KEY_SPACE)} - id WHERE id = {k};",
            lambda: f"DELETE FROM t_vers WHERE id = {k};",
            lambda: f"INSERT IGNORE INTO t_vers VALUES ({k}, {v});",
            lambda: f"INSERT INTO t_nullkey VALUES ({r.choice(['NULL', str(k)])}, {r.randrange(3)}, {v});",
            lambda: f"UPDATE t_nullkey SET a = {r.choice(['NULL', str(k)])} WHERE a = {k} AND b = {r.randrange(3)};",
            lambda: f"UPDATE t_nullkey SET v = {v} WHERE a IS NULL AND b = {r.randrange(3)} LIMIT 1;",
            lambda: f"DELETE FROM t_nullkey WHERE a BETWEEN {k} AND {k + 2};",
            # A table that references itself, its deletes cascading.
            lambda: f"INSERT INTO t_tree SELECT {k} + {KEY_SPACE}, id, {v} FROM t_tree"
            f" WHERE id >= {k} AND parent IS NULL LIMIT 1;",
            lambda: f"DELETE FROM t_tree WHERE id = (SELECT id FROM (SELECT id FROM t_tree"
            f" WHERE id >= {k} AND parent IS NULL LIMIT 1) r);",
            lambda: f"UPDATE t_tree SET v = v + 1 WHERE parent BETWEEN {k} AND {k + 40};",
            # Multi-table statements.
            lambda: f"UPDATE t_int JOIN t_part ON t_part.id = t_int.id SET t_int.a = t_part.v, "
            f"t_part.v = t_part.v + 1 WHERE t_int.id BETWEEN {k} AND {k + n};",
            lambda: f"DELETE t_int, t_myisam FROM t_int JOIN t_myisam ON t_myisam.id = t_int.id "
            f"WHERE t_int.id BETWEEN {k} AND {k + 2};",
            lambda: f"INSERT INTO t_aria SELECT id + {r.choice([1, 3, 7])}, a FROM t_int "
            f"WHERE id BETWEEN {k} AND {k + 4} ON DUPLICATE KEY UPDATE v = VALUES(v);",
        ]
        pick = r.choice(choices)()
        if xa and ("t_nokey" in pick or "t_nullkey" in pick):
            return self.statement(xa, nontrans)
        if (not nontrans or self.master_faults) and ("t_myisam" in pick or "t_aria" in pick):
            return self.statement(xa, nontrans)
        return pick

    def ddl_statement(self):
        r = self.r
        t = f"t_new{r.randrange(4)}"
        return r.choice([
            f"ALTER TABLE t_int COMMENT = 'c{r.randrange(100)}'"
            f"{r.choice(['', ', LOCK=NONE', ', ALGORITHM=INPLACE, LOCK=SHARED'])};",
            "ALTER TABLE t_int FORCE, ALGORITHM=INPLACE, LOCK=NONE;",
            "OPTIMIZE TABLE t_part;",
            f"CREATE TABLE IF NOT EXISTS {t} (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;",
            f"INSERT IGNORE INTO {t} SELECT id, a FROM t_int WHERE id < {self.key()};",
            f"DROP TABLE IF EXISTS {t};",
            f"ALTER TABLE t_comp {r.choice(['ADD COLUMN w INT DEFAULT 7', 'DROP COLUMN w'])};",
            "TRUNCATE TABLE t_ai;",
            "CREATE INDEX IF NOT EXISTS ix_a ON t_int (a);",
            "DROP INDEX IF EXISTS ix_a ON t_int;",
            f"SET STATEMENT lock_wait_timeout=30 FOR ALTER TABLE t_part COMMENT = 's{r.randrange(100)}';",
            f"/*!40000 ALTER TABLE t_myisam {r.choice(['DISABLE', 'ENABLE'])} KEYS */;",
        ] + (self.more_ddl(t) if self.ddl >= 2 else []))

    def more_ddl(self, t):
        """With DDL=2, what a busy master's schema changes also do: tables
        renamed, swapped, created from a SELECT and moved between engines,
        primary keys changed, partitions added, removed, truncated and
        exchanged, and the objects copied after the tables (triggers,
        views, sequences) created, used and dropped (views over a table
        none of this renames or drops).  Statements that fail
        (a table missing, a key duplicated) fail as they would anywhere."""
        r = self.r
        u = f"t_new{r.randrange(4)}"
        k = self.key()
        return [
            f"RENAME TABLE {t} TO t_swap{self.seed}, {u} TO {t}, t_swap{self.seed} TO {u};",
            f"RENAME TABLE {t} TO {u};",
            f"ALTER TABLE {t} RENAME TO {u};",
            f"CREATE TABLE IF NOT EXISTS {t} (id INT PRIMARY KEY, v INT) ENGINE=InnoDB"
            f" SELECT id, a AS v FROM t_int WHERE id BETWEEN {k} AND {k + 300};",
            f"ALTER TABLE {t} ENGINE={r.choice(self.engines())};",
            f"ALTER TABLE {t} DROP PRIMARY KEY, ADD PRIMARY KEY"
            f" {r.choice(['(v, id)', '(id)', '(id DESC)'])};",
            f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS w VARCHAR(20) DEFAULT 'w', ADD KEY IF NOT EXISTS (w);",
            f"ALTER TABLE {t} DROP COLUMN IF EXISTS w;",
            f"UPDATE {t} SET v = v + 1 WHERE id BETWEEN {k} AND {k + 50};",
            f"DELETE FROM {t} WHERE id BETWEEN {k} AND {k + 20};",
        ] + self.partition_count_ddl() + [
            f"ALTER TABLE t_part TRUNCATE PARTITION p{r.randrange(4)};",
            f"ALTER TABLE t_part REBUILD PARTITION p{r.randrange(4)};",
            "CREATE TABLE IF NOT EXISTS t_px (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;",
            f"ALTER TABLE t_part EXCHANGE PARTITION p{r.randrange(4)} WITH TABLE t_px;",
            f"CREATE TRIGGER IF NOT EXISTS tr_{t} BEFORE INSERT ON {t} FOR EACH ROW"
            f" SET NEW.v = IFNULL(NEW.v, 0) + 1;",
            f"DROP TRIGGER IF EXISTS tr_{t};",
            # Over a table the workload never renames, drops or changes a
            # column of: a view it broke would be refused by every copy
            # until mended (tested by copy_invalid_view), and with one
            # broken every few seconds no copy reached its end.
            f"CREATE OR REPLACE VIEW v_{t} AS SELECT id, a * 2 AS v2 FROM t_int"
            f" WHERE id BETWEEN {k} AND {k + 100};",
            f"DROP VIEW IF EXISTS v_{t};",
            f"CREATE SEQUENCE IF NOT EXISTS s_{t} START WITH {k + 100} CACHE 5;",
            f"DO NEXTVAL(s_{t});",
            f"DROP SEQUENCE IF EXISTS s_{t};",
        ]

    def engines(self):
        """The engines the DDL moves a table between: InnoDB alone on a
        master that the run kills (see `statement`)."""
        return ["InnoDB"] if self.master_faults else ["InnoDB", "Aria", "MyISAM"]

    def partition_count_ddl(self):
        """Partitions added and coalesced, but not on a master that the
        run kills: MariaDB 10.11 does not binlog a HASH partition change
        that its DDL log finishes at the next start (a crash past
        write_log_final_change_partition() and before write_bin_log() in
        fast_alter_partition_table()), so the master keeps one more or one
        less partition than its binary log says, and a TRUNCATE or
        EXCHANGE of a partition afterwards changes other rows on the
        master than on any replica (reproduced on Debian's unpatched
        mariadbd: docs/design.md, "The master's own crash recovery")."""
        if self.master_faults:
            return []
        return [
            "ALTER TABLE t_part ADD PARTITION PARTITIONS 1;",
            "ALTER TABLE t_part COALESCE PARTITION 1;",
        ]

    def transaction(self):
        r = self.r
        kind = r.randrange(100)
        xa = 20 <= kind < 35
        stmts = [self.statement(xa) for _ in range(r.randrange(1, 6))]
        if self.ddl and kind < 2 * self.ddl:
            return [self.ddl_statement()]
        if kind < 20:
            return stmts  # autocommit
        if kind < 30 and not self.master_faults:
            # Not on a master that the run kills: MariaDB 10.11 writes an
            # XA COMMIT of a prepared transaction to the binary log before
            # the engines commit it, and its crash recovery leaves such a
            # transaction prepared (MDEV-33168); the XA ROLLBACK below,
            # run again after the restart, then rolls back on the master
            # what its binary log committed (docs/design.md, "The
            # master's own crash recovery").
            self.xid += 1
            x = f"'s{self.seed}x{self.xid}'"
            end = r.choice(["COMMIT", "ROLLBACK"])
            return ([f"XA START {x};"] + stmts +
                    [f"XA END {x};", f"XA PREPARE {x};", f"XA {end} {x};", f"XA ROLLBACK {x};"])
        if kind < 35 and not self.master_faults:
            # Not on a master the run kills either: InnoDB prepares a
            # one-phase XA commit under the XA's XID too, which the
            # binary log's Xid event does not carry (it is the server's
            # own), so a crash between the binary log write and the
            # engine commit leaves it prepared as a user's XA, and the
            # XA ROLLBACK of the driver's cleanup loses on the master what
            # its binary log committed (docs/design.md, "The master's own
            # crash recovery").  A plain transaction instead.
            self.xid += 1
            x = f"'s{self.seed}x{self.xid}'"
            return [f"XA START {x};"] + stmts + [f"XA END {x};", f"XA COMMIT {x} ONE PHASE;"]
        if kind < 35:
            return ["BEGIN;"] + stmts + ["COMMIT;"]
        if kind < 45:
            stmts = [self.statement(nontrans=False) for _ in stmts]
            return (["BEGIN;", stmts[0], "SAVEPOINT sp;"] + stmts[1:] +
                    ["ROLLBACK TO SAVEPOINT sp;", self.statement(nontrans=False), "COMMIT;"])
        if kind < 50:
            return ["BEGIN;"] + stmts + ["ROLLBACK;"]
        return ["BEGIN;"] + stmts + ["COMMIT;"]


def main():
    # The driver kills the client reading this when the run ends.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    what = sys.argv[1]
    if what == "schema":
        rows = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
        print("\n".join(schema(rows)))
    elif what == "session":
        seed, stop = int(sys.argv[2]), sys.argv[3]
        s = Session(seed, int(sys.argv[4]) if len(sys.argv) > 4 else 0,
                    len(sys.argv) > 5 and sys.argv[5] == "1")
        print(f"USE {DB};")
        print("SET SESSION innodb_lock_wait_timeout= 2;")
        # Whole transactions only, so that the client ends between two:
        # a session killed after XA PREPARE would leave its transaction
        # prepared, holding its locks, while the others go on.
        while not os.path.exists(stop):
            print("\n".join(s.transaction()), flush=True)
    else:
        sys.exit(f"unknown: {what}")


if __name__ == "__main__":
    main()
