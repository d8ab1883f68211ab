-- The provision suite run with parallel replication workers on every
-- server (scripts/test.sh, the run provision_parallel): workers apply only
-- with mysql.gtid_slave_pos in InnoDB.
ALTER TABLE mysql.gtid_slave_pos ENGINE=InnoDB;
