#!/usr/bin/perl
# The workload of copy_nextval_default, as plain statements from a client:
# inserts through the DEFAULT NEXTVAL() of test.n, inserts with an explicit
# NEXTVAL(), updates, until the lock 'copy_running' is free (or 100,000
# rounds).  Not a stored procedure: MariaDB 10.11 can crash when a stored
# routine or a trigger inserts through such a DEFAULT while other
# connections use the table (see the test).
#
# Usage: nextval_workload.pl <port> <user>
use strict;
use warnings;
use DBI;

my ($port, $user)= @ARGV;
die "usage: nextval_workload.pl <port> <user>\n" unless $user;
my $dbh= DBI->connect("DBI:MariaDB:host=127.0.0.1;port=$port;database=test",
                      $user, '', { RaiseError => 1, PrintError => 0,
                                   mariadb_ssl => 0 });
for (my $i= 0; $i < 100000; $i++)
{
  my ($held)= $dbh->selectrow_array("SELECT IS_USED_LOCK('copy_running')");
  last unless defined $held;
  $dbh->do("INSERT INTO test.n (v) VALUES ($i)");
  $dbh->do("INSERT INTO test.n (id, v, note) VALUES (NEXTVAL(test.z_seq), $i, 'explicit')");
  $dbh->do("UPDATE test.n SET v= v + 1 WHERE id = FLOOR(1 + RAND() * 300)");
}
$dbh->disconnect;
