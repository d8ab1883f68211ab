/* Copyright (c) 2026, the LOAD DATA FROM MASTER authors.

   This program is free software; you can redistribute it and/or modify
   it under the terms of the GNU General Public License as published by
   the Free Software Foundation; version 2 of the License.

   This program is distributed in the hope that it will be useful,
   but WITHOUT ANY WARRANTY; without even the implied warranty of
   MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
   GNU General Public License for more details.

   You should have received a copy of the GNU General Public License
   along with this program; if not, write to the Free Software
   Foundation, Inc., 51 Franklin St, Fifth Floor, Boston, MA 02110-1335  USA */

#ifndef RPL_PROVISION_INCLUDED
#define RPL_PROVISION_INCLUDED

/*
  LOAD DATA FROM MASTER: provisioning a replica from a live master.

  The hooks the server calls.  Each one translates server state into plain
  values, asks the Rust core (provision/rust-core) what to do, and acts on
  the answer; the decisions themselves live in Rust.
*/

#include "my_global.h"
#include "rpl_constants.h"              // enum_binlog_checksum_alg
#include "m_string.h"                   // LEX_CSTRING
#include <atomic>
#include <string>

class THD;
class String;
class Master_info;
class Relay_log_info;
struct rpl_group_info;
struct rpl_gtid;
class Log_event;
class Gtid_log_event;
class Rows_log_event;
class Query_log_event;
class Item;
struct TABLE_LIST;
class Format_description_log_event;
typedef struct st_mysql MYSQL;

/*
  The Provision_* status variables (rpl_provision_status.cc): an array
  SHOW GLOBAL STATUS shows under the prefix "Provision".
*/
extern struct st_mysql_show_var rpl_provision_status_vars[];

/* Master side state of one provisioning dump (rpl_provision_dump.cc). */
class Rpl_provision_dump;
/* Replica side state of one connection's provisioning (Master_info::provision). */
class Rpl_provision_replica;

/**
  Execute LOAD DATA FROM MASTER ['connection_name'].

  Runs in the client's THD, with no locks held.  The connection name in
  thd->lex->mi has already had @@default_master_connection applied.

  @retval false  success; the caller sends OK
  @retval true   error, already reported with my_error()
*/
bool mysql_load_data_from_master(THD *thd);


/**
  Fills information_schema.PROVISIONING_PROGRESS: a row for each copy of
  LOAD DATA FROM MASTER that runs or is unfinished (TABLE_SCHEMA and
  TABLE_NAME NULL), then one for each of its tables.  Rows only for a
  user who may see SHOW SLAVE STATUS.
*/
#ifdef HAVE_REPLICATION
int rpl_provision_fill_progress(THD *thd, TABLE_LIST *tables, Item *cond);
#else
static inline int rpl_provision_fill_progress(THD *, TABLE_LIST *, Item *)
{ return 0; }
#endif


/**
  Called by THD::decide_logging_format() for a statement of a session
  with binlog_format=MIXED that could be logged as a statement: whether to
  log it in rows instead, as MIXED allows, because a provisioning dump is
  running (a replica being provisioned filters row events by key).
*/
#ifdef HAVE_REPLICATION
bool rpl_provision_rows_wanted();
#else
/* The embedded server (libmariadbd) replicates nothing: nothing provisions */
static inline bool rpl_provision_rows_wanted() { return false; }
#endif

/**
  Called by start_slave() (START SLAVE, START ALL SLAVES) with the
  connection's thread lock held: a copy by LOAD DATA FROM MASTER that
  stopped part way left this server with part of the master's data, and
  the connection must not replicate into it.  Reports the error.
  @retval false  the threads may start (also: the statement itself starts
                 them)
  @retval true   refused
*/
bool rpl_provision_refuse_start(THD *thd, Master_info *mi);

/**
  At server start, before the connection's threads start on their own
  (no --skip-slave-start): true, with a warning in the error log, when a
  copy of the connection is unfinished.
*/
bool rpl_provision_unfinished_at_boot(Master_info *mi);

/*
  Whether a connection of this server has a copy running or stopped
  unfinished (its data is not what its binary log says); if so, sets
  'message' to why a binlog dump from this server is refused.
*/
bool rpl_provision_copying_here(std::string *message);

/**
  Called by show_master_info() (SHOW SLAVE STATUS) under LOCK_active_mi:
  while the connection provisions, or when its copy is unfinished, puts
  what to show as Slave_SQL_Running_State into 'state'.
  @retval true  'state' is set
*/
bool rpl_provision_show_state(Master_info *mi, String *state);

/** Called by reset_slave(): RESET SLAVE forgets an unfinished copy. */
void rpl_provision_forget(Master_info *mi);


/* ---------------------------------------------------------------------
   Master: the binlog dump thread (sql_repl.cc)
   --------------------------------------------------------------------- */

/** @@provision_chunk_rows: rows per chunk a provisioning dump sends. */
extern uint opt_provision_chunk_rows;
/** @@provision_max_dumps: provisioning dumps a master runs at once. */
extern uint opt_provision_max_dumps;
/* @@provision_max_rows_per_second: rows/s all dumps send together; 0 none */
extern uint opt_provision_max_rows_per_second;
/* @@provision_max_bytes_per_second: row bytes/s all dumps send; 0 none */
extern ulonglong opt_provision_max_bytes_per_second;
/* @@provision_max_threads_running: dumps pause above it; 0 never */
extern uint opt_provision_max_threads_running;
/* @@provision_relay_log_space_limit: the replica's relay log bound while it
   is provisioned, when relay_log_space_limit sets none */
extern ulonglong opt_provision_relay_log_space_limit;
/* @@provision_max_recopies: how often the replica copies a table again
   (DDL during its copy) before the copy stops */
extern uint opt_provision_max_recopies;

/**
  One-phase commits in flight (ha_commit_one_phase()).  Their binlog group
  is written and finished before the engines commit, so a provisioning cut
  is not taken while there are any.
*/
extern std::atomic<uint32> rpl_provision_one_phase_commits;

/** Counts a one-phase commit (when 'counted') for as long as it is in scope. */
class Rpl_provision_one_phase_commit
{
#ifdef HAVE_REPLICATION
  const bool counted;
public:
  explicit Rpl_provision_one_phase_commit(bool counted_arg)
    : counted(counted_arg)
  {
    if (counted)
      rpl_provision_one_phase_commits++;
  }
  ~Rpl_provision_one_phase_commit()
  {
    if (counted)
      rpl_provision_one_phase_commits--;
  }
#else
public:
  /* The embedded server (libmariadbd): no provisioning dump to tell */
  explicit Rpl_provision_one_phase_commit(bool) {}
#endif
};

/**
  Called by init_binlog_sender() after it read @slave_connect_state.  If the
  slave set @slave_provision, validates the request, plans the copy and
  replaces 'connect_gtid_state' with the master's current position (the
  copy starts there).

  Runs in the dump thread; no locks held.

  @param[out] out  the dump state, or NULL for an ordinary dump
  @retval 0  ok
  @retval 1  refused; the reason is in errbuf
*/
int rpl_provision_dump_start(THD *thd, String *connect_gtid_state,
                             Rpl_provision_dump **out,
                             char *errbuf, size_t errbuf_size);

/**
  Called by reset_master() (RESET MASTER, SET GLOBAL gtid_binlog_state)
  before it starts the binary log over.  A copy from this server goes on
  from GTID positions of the old log, which the new one, numbered from
  the start again, may reach with other transactions: refused (with the
  error set) while a provisioning dump runs.  A copy not connected at
  the time is refused when it resumes (its binlog history).
*/
bool rpl_provision_refuse_reset_master(THD *thd);

/** Frees the dump state (NULL is fine).  Called when the dump ends. */
void rpl_provision_dump_end(Rpl_provision_dump *dump);

/**
  Called for every binlog dump thread when the server shuts down.  A
  provisioning dump waits to write to its replica without a time limit
  (the replica paces the copy), so that only closing its connection ends
  such a wait: it is killed with its socket shut down.  The copy resumes
  from the replica's position once the server is back.
*/
void rpl_provision_dump_shutdown(THD *thd);

/**
  Called by send_event_to_slave() for each Query event the dump thread
  sends ('event', 'length' bytes with the checksum of 'checksum_alg'):
  the copy's plan follows the master's DDL of tables and databases as the
  replica does when it applies it (a table created is copied, a dropped
  one no more, a renamed one under its new name, the one in progress
  again from its first row).
*/
void rpl_provision_dump_query(Rpl_provision_dump *dump, const uchar *event,
                              size_t length,
                              const Format_description_log_event *fdev,
                              enum enum_binlog_checksum_alg checksum_alg);

/*
  The binlog dump thread sent the master's event 'event' ('length'
  bytes) of type 'type' (a Log_event_type), which ends at 'log_pos': when
  it ends a group (a statement of its own, or a transaction) that changed
  the copy's plan, the replica hears where the copy stands in the new
  plan at once
  (provision_core's DumpSession::master_event_sent()).  True when it
  could not be sent.
*/
bool rpl_provision_dump_sent(Rpl_provision_dump *dump, THD *thd,
                             int type, const uchar *event, size_t length,
                             my_off_t log_pos);

/** Results of rpl_provision_dump_at(). */
enum rpl_provision_dump_result
{
  RPL_PROVISION_DUMP_ERROR= -1,   /* errbuf says why; stop the dump */
  RPL_PROVISION_DUMP_SENT= 1,     /* sent a unit (or must retry): look again */
  RPL_PROVISION_DUMP_DONE= 2,     /* sent the end marker: end the dump */
  RPL_PROVISION_DUMP_READ= 3      /* send the binlog up to *end_pos first */
};

/**
  Called by get_binlog_end_pos() when the dump thread stands at log_pos of
  the active binlog file, an event group boundary, with the file written
  up to *end_pos: sends the next unit of the copy there, or asks for the
  binlog up to a lower *end_pos first (the binlog position of the next
  chunk's snapshot).

  Runs in the dump thread with no mutex held (never inside
  wait_new_events(): committers need LOCK_binlog_end_pos).
*/
int rpl_provision_dump_at(Rpl_provision_dump *dump, THD *thd,
                          enum enum_binlog_checksum_alg checksum_alg,
                          const char *log_file_name, my_off_t log_pos,
                          my_off_t *end_pos, char *errbuf, size_t errbuf_size);


/* ---------------------------------------------------------------------
   Replica: the IO thread (slave.cc) and the SQL thread (log_event_server.cc)
   --------------------------------------------------------------------- */

/**
  Called by get_master_version_and_clock() after @slave_connect_state was
  set, when mi->provision is set: checks that the master can provision
  and asks it to (SET @slave_provision).

  Runs in the IO thread.
  @retval 0  ok
  @retval 1  fatal: the master cannot provision; message in errbuf
  @retval 2  network error, already reported with mi->report(): reconnect
*/
int rpl_provision_io_request(Master_info *mi, MYSQL *mysql,
                             char *errbuf, size_t errbuf_size);

/**
  Called by queue_event() for a Gtid_list event from the master: on the
  end marker of the copy, the IO thread stops after queueing it.
*/
void rpl_provision_io_gtid_list(Master_info *mi, uint32 gl_flags);

/**
  Called by queue_event() where it applies the connection's
  IGNORE_SERVER_IDS, DO_DOMAIN_IDS and IGNORE_DOMAIN_IDS: whether the
  group being queued (mi->last_queued_gtid) is one of the copy's own,
  which those filters must not drop.  They are the DBA's choice of the
  master's transactions; the copy's groups, in the connection's private
  copy domain with the master's server_id, are the tables themselves.
*/
bool rpl_provision_io_copy_group(const Master_info *mi);

/**
  Called by handle_slave_io() before it acknowledges an event to a
  semi-synchronous master.  During a copy mi->master_log_pos also counts
  the copy's own events, past the master's binlog; the event that asks
  for the acknowledgement is the master's own, and its log_pos is its end
  there: the IO thread's position is set back to it, so that the master
  is told what the replica has, not a position its binlog may not have
  reached (which would release commits the replica never received).
*/
void rpl_provision_io_ack_position(Master_info *mi, const uchar *event_buf);

/**
  Called by Gtid_log_event::do_apply_event() before it applies the GTID.
  Copy groups (the connection's copy domain) are applied without being
  written to the replica's binlog or recorded in gtid_slave_pos: the
  copy domain must not outlive the copy.
*/
void rpl_provision_sql_gtid(rpl_group_info *rgi, uint32 domain_id);

/**
  Called by the SQL thread (the driver, when it applies in parallel: XA
  and DDL groups apply alone) for each GTID event before it applies the
  group: whether the group is one of the master's that this server
  applied before a restart or a stop whose record missed it, which the
  SQL thread then skips as sql_slave_skip_counter does, recording its
  GTID.  Skipped rather than applied again: the replica's binary log has
  it already.  Only while a copy runs; plain replication keeps the
  server's behaviour.  Two such groups:
  - an XA PREPARE whose transaction is prepared here already, attached to
    no connection.  The server records an XA PREPARE's GTID in
    gtid_slave_pos in a transaction of its own after the prepare, so a
    crash, or a KILL of the SQL thread, between the two leaves the
    transaction prepared while the copy goes on from the group before it,
    and the master sends the group again.  The prepared transaction is
    the group's, since the master reuses an XID only after its XA COMMIT
    or XA ROLLBACK, which comes first in the stream;
  - a DDL statement, in a copy taken up from its record after a restart,
    whose GTID is the last of its domain and server in this server's
    binary log: the server records a DDL's GTID after the statement too,
    and its DDL recovery keeps a statement that reached the binary log
    (provision_core::saved_copy; one that did not reach it is decided by
    rpl_provision_sql_query()).
*/
bool rpl_provision_sql_applied_here(rpl_group_info *rgi,
                                    Gtid_log_event *gev);

/** Whether the current group is a copy group: its rows are applied as
    REPLACE (idempotent), as chunks overwrite (DESIGN I3). */
bool rpl_provision_sql_copy_group(rpl_group_info *rgi);

/** Whether the SQL thread, killed or asked to stop in a group with
    non-transactional changes, stops at once without an error: in a copy
    group it was killed in, or that can never complete (the IO thread
    stopped after queuing part of it: the connection to the master was
    lost).  The server would otherwise fail the copy ("incomplete event
    group having non-transactional changes"), or wait for the rest of the
    group; the same statement empties what the group wrote and copies it
    again (ReplicaFilter::group_abandoned()). */
bool rpl_provision_sql_stops_in_group(rpl_group_info *rgi);

/**
  Called by rpl_parallel::do_event() for each event the SQL driver thread
  queues while 'rli' provisions with parallel replication: whether the
  event starts a group that must apply alone (a copy group, DDL, XA, a
  write of a non-transactional table; the copy's end marker).  The driver
  then waits until every group queued before has committed and applies
  the group itself, as for a pre-10.0 master, so that the copied key
  ranges see each table's events in stream order; the master's other
  transactions go to the workers (provision_core::parallel_apply).
*/
bool rpl_provision_applies_alone(Relay_log_info *rli, Log_event *ev);

/**
  Called by Query_log_event::do_apply_event() when an XA COMMIT or XA
  ROLLBACK names an XID the replica does not know.  While the connection
  provisions, that is an XA transaction prepared on the master before the
  copy started: its changes reach the replica in the chunks, which the
  master reads only after it is resolved.

  @retval true  ignore the error (the event is done)
*/
bool rpl_provision_sql_xa_unknown(rpl_group_info *rgi);

/**
  Called by check_table_map(): whether the master's changes to a table are
  skipped because its copy has not started (its chunks, read later, will
  hold them).  Never in a copy group.
*/
bool rpl_provision_sql_table_skipped(rpl_group_info *rgi,
                                     const LEX_CSTRING *db,
                                     const LEX_CSTRING *table);

/* What Query_log_event::do_apply_event() does with a statement */
enum rpl_provision_query
{
  RPL_PROVISION_QUERY_APPLY= 0,
  RPL_PROVISION_QUERY_STOP= 1,    /* the SQL thread stops before it */
  RPL_PROVISION_QUERY_SKIP= 2     /* consumed, not executed */
};

/**
  Called by Query_log_event::do_apply_event() of 'ev' with the statement
  and its default database 'db': while the connection provisions, the
  master's DDL of tables and databases applies, is skipped, or is
  replaced by the part of it about the tables this server has (*query and
  *length then point to that statement, in the THD's memory); any other
  statement but transaction control stops provisioning (reported with
  rli->report()).  A copy's index build is skipped here: it runs beside
  the SQL thread.
*/
int rpl_provision_sql_query(rpl_group_info *rgi, const Query_log_event *ev,
                            const char **query, uint32 *length,
                            const char *db, size_t db_length);

/**
  Called at the end of Query_log_event::do_apply_event(), 'failed' when
  the statement failed: a statement that ends its group (DDL, COMMIT,
  XA COMMIT) makes the group count as applied only when it did not fail,
  so that a KILL failing it leaves the group to be sent again.
*/
void rpl_provision_sql_query_end(rpl_group_info *rgi, bool failed);

/**
  Called by Xid_apply_log_event::do_apply_event() before the group
  commits: a copy group records the copy in mysql.provision_progress in
  its transaction, so that a crash leaves the record and the rows agreeing.
  @retval 0  ok
  @retval 1  error (raised)
*/
int rpl_provision_sql_before_commit(rpl_group_info *rgi);

/**
  Called by Query_log_event::do_apply_event() when a statement failed with
  'error': whether it is a copy statement that the server applied before
  it stopped, and the copy, taken up again, sent again (its object is
  already there).
  @retval true  ignore the error (the statement is done)
*/
bool rpl_provision_sql_redone(rpl_group_info *rgi, int error);

/**
  Called by Xid_apply_log_event::do_apply_event() once the group (or the
  XA PREPARE) is committed: what it applied is the copy's for good, and
  a resumed copy goes on after it.
*/
void rpl_provision_sql_committed(rpl_group_info *rgi);

/**
  Called by Annotate_rows_log_event::do_apply_event(), after it freed the
  annotate event before it (a refused note is kept as the group's
  annotate event, and there may be only one): in a copy group, its note
  (where the copy stands, a table it completes, ...).
  @retval 0  ok
  @retval 1  the note refuses the copy (an out-of-order stream, copy
             groups lost on the way, ...), reported with rli->report()
*/
int rpl_provision_sql_annotate(rpl_group_info *rgi, const char *text,
                               uint32 length);

/**
  Called by Rows_log_event::do_apply_event(): whether the row hooks below
  run for its rows (the connection is provisioning).
*/
bool rpl_provision_sql_rows(rpl_group_info *rgi);

/**
  Before a row of a Rows event is executed: decides, from the table's
  copied key range, how a row change of the master's is applied and sets
  the event's execution mode for it (DESIGN I2).  Sets *skip when the row
  is done with (a missing row beyond the copied range, or a row moved in
  from there, inserted here): the event then goes on after it.
  @return 0, or a handler error with the message raised
*/
int rpl_provision_sql_row_start(rpl_group_info *rgi, Rows_log_event *ev,
                                bool *skip);

/**
  After a row of a Rows event was executed with result 'error': in a copy
  group, extends the table's copied range to the row; otherwise turns a
  failure inside the range into a divergence error naming the table and
  key.
  @return the row's result
*/
int rpl_provision_sql_row_end(rpl_group_info *rgi, Rows_log_event *ev,
                              int error);

/**
  Called by Gtid_list_log_event::do_apply_event().  On the end marker:
  records the master position it carries and stops the SQL thread; or,
  when the marker names a copy group the SQL thread never saw (lost on
  the way), reports that and returns 1: the copy is not complete.
*/
int rpl_provision_sql_gtid_list(rpl_group_info *rgi, uint32 gl_flags,
                                const rpl_gtid *list, uint32 count);

/** Frees a connection's provisioning state (Master_info destructor). */
void rpl_provision_replica_free(Rpl_provision_replica *state);

#endif /* RPL_PROVISION_INCLUDED */
