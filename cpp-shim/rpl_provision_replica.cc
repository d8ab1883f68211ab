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

/*
  Replica side of LOAD DATA FROM MASTER: the IO and SQL thread hooks.

  The IO thread asks the master for a provisioning dump and stops after
  queueing its end marker.  The SQL thread applies copy groups (GTIDs in
  the connection's copy domain) unlogged and idempotently, keeping each
  table's copied key range; it applies the master's own row changes as
  the Rust filter decides from that range (DESIGN I2), and on the end
  marker records the master's position and stops.

  With parallel replication (slave_parallel_threads), a group that may
  change the copied ranges applies alone on the SQL driver thread, after
  every group queued before it committed; the master's transactions in
  between go to the workers (rpl_provision_applies_alone(),
  provision_core::parallel_apply).  The hooks tell a worker's group by
  rgi->is_parallel_exec.
*/

#include "mariadb.h"
#include "sql_priv.h"

#ifdef HAVE_REPLICATION

#include "sql_class.h"
#include "item_func.h"
#include "rpl_mi.h"
#include "rpl_rli.h"
#include "slave.h"
#include "log_event.h"
#include "xa.h"
#include "key.h"
#include "discover.h"
#include "sql_table.h"
#include "rpl_provision.h"
#include "rpl_provision_binlog.h"
#include "rpl_provision_catalog.h"
#include "rpl_provision_replica.h"
#include "rpl_provision_progress.h"
#include "rpl_provision_status.h"
#include "rpl_provision_bridge.h"

/* @@provision_max_recopies (sys_vars.cc) */
uint opt_provision_max_recopies;

#include <algorithm>
#include <deque>
#include <string>
#include <thread>
#include <vector>
#ifdef __linux__
#include <sched.h>
#endif

/* slave.cc: whether a client error means "reconnect" rather than "stop" */
bool is_network_error(uint errorno);


/*
  The provisioning state of the connection applying 'rgi', or NULL.
  Events applied outside a replication connection (the BINLOG statement
  that mariadb-binlog output replays) have a relay log info without a
  Master_info.
*/
static Rpl_provision_replica *provision_of(rpl_group_info *rgi)
{
  if (!rgi || !rgi->rli || !rgi->rli->mi)
    return NULL;
  return rgi->rli->mi->provision;
}


/*
  What an error log message of 'mi''s copy starts with: the server tags a
  message of a slave thread of a named connection with its name itself
  (print_buffer_to_file()), not one of parallel replication's workers,
  nor one of the default connection's.
*/
static std::string log_tag(const Master_info *mi)
{
  THD *thd= current_thd;
  if (thd && thd->connection_name.length)
    return std::string();
  return "Master '" + std::string(mi->connection_name.str,
                                  mi->connection_name.length) + "': ";
}


/* Whether 'rgi' applies a copy group (never on a worker). */
static bool in_copy_group(const Rpl_provision_replica *state,
                          const rpl_group_info *rgi)
{
  return !rgi->is_parallel_exec && state->in_copy_group;
}


typedef std::lock_guard<std::mutex> Filter_guard;


/*
  The row of a master's row event being applied, and what to do with it:
  per thread, as parallel replication's workers apply rows at once.
*/
struct Rpl_provision_row
{
  provision::RowKind kind= provision::RowKind::Insert;
  provision::RowAction action= provision::RowAction::ApplyStrict;
  std::string before_key, after_key;
  /** table->record[0] holding the before-image, for messages */
  std::vector<uchar> before_record;
  /** The before-image's copy key as key_copy() makes it, for lookups */
  std::vector<uchar> before_tuple;
  /** Where the row's images end in the event */
  const uchar *row_end= NULL;
};
static thread_local Rpl_provision_row current_row;


/*
  Report a failed query of the provisioning handshake: a network error is
  reported here and means "reconnect" (2); anything else is fatal (1), with
  the message in errbuf for the caller's report.
*/
static int query_failed(Master_info *mi, MYSQL *mysql, const char *what,
                        char *errbuf, size_t errbuf_size)
{
  uint err= mysql_errno(mysql);
  if (is_network_error(err))
  {
    mi->report(ERROR_LEVEL, err, NULL, "LOAD DATA FROM MASTER: %s failed: %s",
               what, mysql_error(mysql));
    return 2;
  }
  my_snprintf(errbuf, errbuf_size, "LOAD DATA FROM MASTER: %s failed: %s",
              what, mysql_error(mysql));
  return 1;
}


int rpl_provision_io_request(Master_info *mi, MYSQL *mysql,
                             char *errbuf, size_t errbuf_size)
{
  Rpl_provision_replica *state= mi->provision;
  /*
    A reconnect in the middle of the copy: the relay log holds a part of
    the stream, which a new dump would not continue event by event (the
    IO thread's reconnect logic would skip events of the new stream as if
    they were the old one's).  Stop instead: the statement resumes the
    copy from what the SQL thread applied, with a new relay log.
  */
  if (state->requested)
  {
    state->connection_lost= true;
    my_snprintf(errbuf, errbuf_size,
                "LOAD DATA FROM MASTER: the connection to the master was lost "
                "during the copy; it resumes from what this server applied");
    return 1;
  }
  state->requested= true;
  std::string probe= "SELECT @@GLOBAL.";
  probe+= std::string(provision::support_probe_variable());

  /*
    An unpatched master ignores @slave_provision and would stream forever:
    probe for the support first, and fail clearly instead of hanging.
  */
  if (mysql_real_query(mysql, probe.c_str(), (ulong) probe.length()))
  {
    if (is_network_error(mysql_errno(mysql)))
      return query_failed(mi, mysql, "probing the master", errbuf, errbuf_size);
    my_snprintf(errbuf, errbuf_size,
                "LOAD DATA FROM MASTER: the master does not support "
                "provisioning ('%s' failed: %s); it must run a server built "
                "with LOAD DATA FROM MASTER", probe.c_str(), mysql_error(mysql));
    return 1;
  }
  if (MYSQL_RES *res= mysql_store_result(mysql))
    mysql_free_result(res);

  /* The IO thread refuses events over slave_max_allowed_packet */
  std::string query= "SET @slave_provision='" +
    std::string(provision::request_with_max_packet(state->request,
                                                   slave_max_allowed_packet)) +
    "'";
  if (mysql_real_query(mysql, query.c_str(), (ulong) query.length()))
    return query_failed(mi, mysql, "setting @slave_provision", errbuf,
                        errbuf_size);
  return 0;
}


void rpl_provision_io_ack_position(Master_info *mi, const uchar *event_buf)
{
  my_off_t event_end= uint4korr(event_buf + LOG_POS_OFFSET);
  if (!mi->provision || !event_end)
    return;
  mysql_mutex_lock(&mi->data_lock);
  mi->master_log_pos= event_end;
  mysql_mutex_unlock(&mi->data_lock);
}


void rpl_provision_io_gtid_list(Master_info *mi, uint32 gl_flags)
{
  Rpl_provision_replica *state= mi->provision;
  if (!state || !(gl_flags & provision::end_marker_flag()))
    return;
  sql_print_information("%sLOAD DATA FROM MASTER: the slave I/O "
                        "thread queued the end of the copy and stops",
                        log_tag(mi).c_str());
  state->end_queued= true;
  /*
    The master's groups the connection's IGNORE_SERVER_IDS, DO_DOMAIN_IDS
    or IGNORE_DOMAIN_IDS left out move gtid_slave_pos no further than the
    end's position, which the statement sets: the IO thread does not
    queue them as it stops (write_ignored_events_info_to_relay_log()),
    where the SQL thread, still applying the copy, may be in a group.
  */
  mysql_mutex_t *log_lock= mi->rli.relay_log.get_log_lock();
  mysql_mutex_lock(log_lock);
  mi->rli.ign_gtids.reset();
  mysql_mutex_unlock(log_lock);
  /*
    Nothing more to read: no wait for relay log space either (the IO
    thread would report its own stop as an abort of that wait).  The
    statement restores the limit.
  */
  mi->rli.log_space_limit= 0;
  mi->abort_slave= true;
}


bool rpl_provision_io_copy_group(const Master_info *mi)
{
  const Rpl_provision_replica *state= mi->provision;
  /* copy_lost_groups: the filters drop copy groups as they once did */
  DBUG_EXECUTE_IF("provision_io_filters_drop_copy_groups", return false;);
  /* copy_lost_groups_gap: they drop copy group 12 only */
  DBUG_EXECUTE_IF("provision_io_filters_drop_copy_group_12",
                  if (mi->last_queued_gtid.seq_no == 12) return false;);
  return state && mi->last_queued_gtid.domain_id == state->copy_domain;
}


void rpl_provision_sql_gtid(rpl_group_info *rgi, uint32 domain_id)
{
  Rpl_provision_replica *state= provision_of(rgi);
  if (!state)
    return;
  if (rgi->is_parallel_exec)
    return;                   /* the driver ended the group before it */
  THD *thd= rgi->thd;
  state->in_copy_group= domain_id == state->copy_domain;
  /* The same copy group twice in a row: the SQL thread retries it. */
  state->filter->group_start(state->in_copy_group, domain_id,
                             rgi->current_gtid.server_id,
                             rgi->current_gtid.seq_no);
  if (state->in_copy_group)
  {
    /*
      The copy domain is private to this copy: not in gtid_slave_pos, not
      in the replica's binlog.  Replicas of this replica provision on
      their own.
    */
    rgi->gtid_pending= false;
    if (thd->variables.option_bits & OPTION_BIN_LOG)
    {
      thd->variables.option_bits&= ~OPTION_BIN_LOG;
      state->binlog_suppressed= true;
    }
  }
  else if (state->binlog_suppressed)
  {
    thd->variables.option_bits|= OPTION_BIN_LOG;
    state->binlog_suppressed= false;
  }
}


bool rpl_provision_sql_copy_group(rpl_group_info *rgi)
{
  Rpl_provision_replica *state= provision_of(rgi);
  return state && in_copy_group(state, rgi);
}


bool rpl_provision_applies_alone(Relay_log_info *rli, Log_event *ev)
{
  Rpl_provision_replica *state= rli->mi->provision;
  if (!state)
    return false;
  switch (ev->get_type_code()) {
  case GTID_LIST_EVENT:
    /* The end marker: the copy's last step, after everything else */
    return (static_cast<Gtid_list_log_event *>(ev)->gl_flags &
            provision::end_marker_flag()) != 0;
  case GTID_EVENT:
  {
    const Gtid_log_event *gev= static_cast<Gtid_log_event *>(ev);
    provision::GroupKind kind;
    kind.copy_group= gev->domain_id == state->copy_domain;
    kind.transactional= gev->flags2 & Gtid_log_event::FL_TRANSACTIONAL;
    kind.standalone= gev->flags2 & Gtid_log_event::FL_STANDALONE;
    kind.ddl= gev->flags2 & Gtid_log_event::FL_DDL;
    kind.xa= gev->flags2 & (Gtid_log_event::FL_PREPARED_XA |
                            Gtid_log_event::FL_COMPLETED_XA);
    Filter_guard guard(state->filter_lock);
    return state->filter->group_queued(kind);
  }
  default:
    return false;
  }
}


bool rpl_provision_sql_stops_in_group(rpl_group_info *rgi)
{
  const Relay_log_info *rli= rgi->rli;
  const Master_info *mi= rli->mi;
  if (!rpl_provision_sql_copy_group(rgi))
    return false;
  /* KILL of the SQL thread, not STOP SLAVE */
  if (!rli->abort_slave)
    return true;
  /* The IO thread is stopped: what it queued stays as it is */
  return mi->slave_running == MYSQL_SLAVE_NOT_RUN &&
    mi->events_queued_since_last_gtid > 0 &&
    mi->last_queued_gtid == rgi->current_gtid;
}


/* Stops the SQL thread with 'msg' (from Rust) unless it is empty. */
static int report_if_refused(rpl_group_info *rgi, const rust::String &msg)
{
  if (msg.empty())
    return 0;
  rgi->rli->report(ERROR_LEVEL, ER_PROVISION_FAILED, rgi->gtid_info(), "%s",
                   std::string(msg).c_str());
  return 1;
}


bool rpl_provision_sql_table_skipped(rpl_group_info *rgi,
                                     const LEX_CSTRING *db,
                                     const LEX_CSTRING *table)
{
  Rpl_provision_replica *state= provision_of(rgi);
  if (!state || in_copy_group(state, rgi))
    return false;
  bool skipped, building;
  {
    Filter_guard guard(state->filter_lock);
    skipped= state->filter->table_skipped(rpl_provision_str(*db),
                                          rpl_provision_str(*table));
    building= !skipped && rgi->is_parallel_exec &&
      state->filter->index_build_running(rpl_provision_str(*db),
                                         rpl_provision_str(*table));
  }
  /*
    A worker opens a table being built only after the groups before it
    committed (ReplicaFilter::index_build_running()).  If one of them
    failed, or this group is killed for a retry, the wait's error comes
    again at the group's commit (wait_for_commit keeps it, and the kill).
  */
  if (building && rgi->thd->wait_for_prior_commit())
    rgi->thd->clear_error();
  return skipped;
}


static PSI_stage_info stage_index_builds=
  { 0, "Waiting for an index build of LOAD DATA FROM MASTER", 0 };

/*
  Waits until at most 'keep' index builds run beside the SQL thread, and
  records the ones that ended: at once, since a statement that waited for
  one may drop its indexes next.  A build that failed runs again at once,
  the SQL thread waiting for it, with no change to its table meanwhile,
  as it would have run on the SQL thread itself; a second failure stops
  the copy.
*/
static int index_builds_ended(rpl_group_info *rgi,
                              Rpl_provision_replica *state, size_t keep)
{
  THD *thd= rgi->thd;
  Master_info *mi= rgi->rli->mi;
  PSI_stage_info old_stage;
  bool waits= state->builds.count() > keep;
  if (waits)
  {
    thd->backup_stage(&old_stage);
    THD_STAGE_INFO(thd, stage_index_builds);
  }
  int error= 0;
  for (Rpl_provision_builds::Ended &ended : state->builds.wait(keep))
  {
    const std::string table(ended.build.table);
    if (!provision::index_built(ended.error))
    {
      if (!state->filter->index_build_wanted(table))
        continue;                 /* its table is copied again, or gone */
      if (provision::index_build_runs_again_beside(ended.error, waits))
      {
        /* Most likely a prepared XA transaction's: its XA COMMIT is ahead */
        sql_print_warning("%sLOAD DATA FROM MASTER: the index "
                          "build of table %s waited too long for a lock "
                          "(%s); it runs again beside the slave SQL thread",
                          log_tag(mi).c_str(), table.c_str(),
                          ended.message.c_str());
        state->builds.start(ended.build);
        continue;
      }
      sql_print_warning("%sLOAD DATA FROM MASTER: the index "
                        "build of table %s failed (%s); it runs again, the "
                        "slave SQL thread waiting for it",
                        log_tag(mi).c_str(), table.c_str(),
                        ended.message.c_str());
      ended= Rpl_provision_builds::run(ended.build);
    }
    rust::Vec<provision::ProgressRow> rows=
      state->filter->index_build_ended(table, ended.error);
    if (!provision::index_built(ended.error))
    {
      state->index_build_failed= true;
      error= report_if_refused(rgi, provision::index_build_failed_message(
                                      table, ended.error,
                                      rpl_provision_bytes(ended.message)));
    }
    else if (rpl_provision_progress_update(mi->cmp_connection_name, rows))
    {
      rgi->rli->report(ERROR_LEVEL, ER_PROVISION_FAILED, rgi->gtid_info(),
                       "LOAD DATA FROM MASTER: cannot record the copy's "
                       "progress in mysql.provision_progress");
      error= 1;
    }
    if (error)
      break;
  }
  if (waits)
    THD_STAGE_INFO(thd, old_stage);
  return error;
}


/* The CPUs this server may run on: its affinity mask (taskset, cpusets) */
static size_t server_cpus()
{
#ifdef __linux__
  cpu_set_t set;
  if (!sched_getaffinity(0, sizeof(set), &set))
    return (size_t) CPU_COUNT(&set);
#endif
  return std::thread::hardware_concurrency();
}


/* The session 'ev' runs its statement in, for an index build */
static provision::IndexBuildContext build_context(THD *thd,
                                                  const Query_log_event *ev)
{
  provision::IndexBuildContext ctx;
  ctx.sql_mode= ev->sql_mode_inited ? (uint64_t) ev->sql_mode :
    (uint64_t) thd->variables.sql_mode;
  ctx.charset_client= ev->charset_inited ? uint2korr(ev->charset) :
    (uint16_t) thd->variables.character_set_client->number;
  ctx.collation_connection= ev->charset_inited ? uint2korr(ev->charset + 2) :
    (uint16_t) thd->variables.collation_connection->number;
  return ctx;
}


/*
  A worker's group is about to commit: it records the copy when a
  statement of it made a table be copied again (that statement waited for
  the groups before it, and the next such statement waits for this one).
*/
static int worker_before_commit(rpl_group_info *rgi,
                                Rpl_provision_replica *state)
{
  rust::Vec<provision::ProgressRow> rows;
  {
    Filter_guard guard(state->filter_lock);
    rows= state->filter->worker_progress_rows(state->first_request);
  }
  return rows.empty() ? 0 :
    rpl_provision_progress_write(rgi->thd, rgi->rli->mi->cmp_connection_name,
                                 std::move(rows));
}


/*
  A worker applies a group that ends with a statement (a transaction of
  an engine without two-phase commit ends with COMMIT): the group counts
  as committed once that statement ran without an error, as on the
  driver thread (Rpl_provision_replica::statement_ends_group).  A worker
  applies one group at a time, and the statement's end runs on its
  thread right after the statement, so the flag is the thread's.
*/
static thread_local bool worker_statement_ends_group= false;


/* A worker's group committed: the copy's position has its GTID. */
static void worker_committed(rpl_group_info *rgi, Rpl_provision_replica *state)
{
  rpl_provision_parallel_transactions++;
  Filter_guard guard(state->filter_lock);
  state->filter->worker_group_committed(rgi->current_gtid.domain_id,
                                        rgi->current_gtid.server_id,
                                        rgi->current_gtid.seq_no,
                                        rgi->gtid_sub_id);
}


/*
  The last GTID of 'domain_id' and 'server_id' in this server's binary log
  as text ('d-s-n'), empty without one: whether a group of the master's
  was applied here before a restart (provision_core::saved_copy).
*/
static std::string binlog_last(uint32 domain_id, uint32 server_id)
{
  rpl_gtid last;
  char text[64]= "";
  if (mysql_bin_log.is_open() &&
      mysql_bin_log.find_in_binlog_state(domain_id, server_id, &last))
    my_snprintf(text, sizeof(text), "%u-%u-%llu", last.domain_id,
                last.server_id, (ulonglong) last.seq_no);
  return text;
}


/*
  Reads binlog file 'file' up to 'end' for the Query event of group
  'gtid' (its first event after the Gtid event): true, with its statement
  in *text, when found.  Any error or an encrypted file that cannot be
  read: not found.
*/
static bool statement_in_file(const char *file, const rpl_gtid &gtid,
                              my_off_t end, std::string *text)
{
  Rpl_provision_binlog_file binlog(file);
  if (!binlog.readable())
    return false;
  while (binlog.tell() < end)
  {
    Log_event *ev= binlog.next_event();
    if (!ev)
      return false;
    Log_event_type type= ev->get_type_code();
    bool found= false;
    if (type == GTID_EVENT)
    {
      const Gtid_log_event *g= static_cast<Gtid_log_event *>(ev);
      found= g->domain_id == gtid.domain_id &&
        g->server_id == gtid.server_id && g->seq_no == gtid.seq_no;
    }
    delete ev;
    if (found)
    {
      /* The group's first event only */
      ev= binlog.tell() < end ? binlog.next_event() : NULL;
      found= ev && ev->get_type_code() == QUERY_EVENT;
      if (found)
      {
        const Query_log_event *q= static_cast<Query_log_event *>(ev);
        text->assign(q->query, q->q_len);
      }
      delete ev;
      return found;
    }
  }
  return false;
}


/*
  The statement of group 'gtid' (its Query event) in this server's binary
  log, empty when not found.  Only the start of the last few binlog files
  is read: a server start opens a new file, and its DDL recovery logs the
  statements it finished there first (ddl_log.cc).  Read for a resumed
  copy's DDL group of the master's that may be one of them
  (ReplicaFilter::ddl_recovery_gtid()), so rarely.
*/
static std::string binlog_statement(const rpl_gtid &gtid)
{
  const size_t files_read= 8;
  const my_off_t bytes_read= 65536;
  std::deque<std::string> files;
  LOG_INFO linfo;
  if (!mysql_bin_log.is_open() ||
      mysql_bin_log.find_log_pos(&linfo, NullS, true))
    return "";
  do
  {
    files.push_back(linfo.log_file_name);
    if (files.size() > files_read)
      files.pop_front();
  } while (!mysql_bin_log.find_next_log(&linfo, true));
  char active[FN_REFLEN];
  mysql_bin_log.lock_binlog_end_pos();
  my_off_t active_end= mysql_bin_log.get_binlog_end_pos(active);
  mysql_bin_log.unlock_binlog_end_pos();
  std::string text;
  for (auto file= files.rbegin(); file != files.rend(); ++file)
  {
    /* The active file only as far as it is written whole */
    my_off_t end= strcmp(base_name(active), base_name(file->c_str())) ?
      bytes_read : std::min(bytes_read, active_end);
    if (statement_in_file(file->c_str(), gtid, end, &text))
      break;
  }
  return text;
}


/*
  The definition (.frm) of table db.table on this server, empty when it
  has none.  Read for the master's statements that change a table's
  partitions in place (ReplicaFilter::partitions_changed_table()), so
  rarely: no lock is needed, the SQL thread alone changes the copy's
  tables.
*/
static std::string table_definition(const std::string &db,
                                    const std::string &table)
{
  char path[FN_REFLEN + 1];
  build_table_filename(path, sizeof(path) - 1, db.c_str(), table.c_str(),
                       "", 0);
  const uchar *data;
  size_t length;
  if (readfrm(path, &data, &length))
    return "";
  std::string definition((const char *) data, length);
  my_free(const_cast<uchar *>(data));
  return definition;
}


int rpl_provision_sql_query(rpl_group_info *rgi, const Query_log_event *ev,
                            const char **query, uint32 *length,
                            const char *db, size_t db_length)
{
  Rpl_provision_replica *state= provision_of(rgi);
  if (!state)
    return RPL_PROVISION_QUERY_APPLY;
  rust::Slice<const uint8_t> text= rpl_provision_bytes(*query, *length);
  rust::Str default_db(db ? db : "", db ? db_length : 0);
  int action= RPL_PROVISION_QUERY_APPLY;
  /*
    Tests: the master's DDL statement crashes at the server's own crash
    points (debug_crash_here(), e.g. ddl_log_alter_after_log, where DDL
    recovery finishes it at the next start), which count down in the
    session's @debug_crash_counter.
  */
  DBUG_EXECUTE_IF("provision_crash_counter_in_master_ddl", {
    LEX_CSTRING name= {STRING_WITH_LEN("debug_crash_counter")};
    longlong one= 1;
    if ((rgi->gtid_ev_flags2 & Gtid_log_event::FL_DDL))
      if (user_var_entry *entry= get_variable(&rgi->thd->user_vars, &name,
                                              true))
        update_hash(entry, false, &one, sizeof(one), &type_handler_slonglong,
                    &my_charset_bin);
  });
  /*
    Index builds beside the SQL thread: the ones that ended are recorded;
    a statement outside a transaction, other than transaction control,
    waits for all of them, but while an XA transaction is prepared here
    one that names none of their tables (provision_core::index_build).
  */
  if (!rgi->is_parallel_exec && state->builds.count() &&
      index_builds_ended(rgi, state,
                         state->filter->waits_for_index_builds(
                           text, in_copy_group(state, rgi),
                           (rgi->thd->variables.option_bits & OPTION_BEGIN) != 0,
                           default_db,
                           xid_cache_count_pending(rgi->thd, NULL) > 0) ?
                         0 : SIZE_MAX))
    return RPL_PROVISION_QUERY_STOP;
  if (in_copy_group(state, rgi))
  {
    provision::IndexBuild build;
    if (provision::index_builds_beside(server_cpus()))
      build= state->filter->index_build(
        text, default_db, state->first_request, build_context(rgi->thd, ev));
    state->filter->copy_statement(              /* the copy changes this server */
      text, default_db, state->first_request);
    if (!build.table.empty())
    {
      if (index_builds_ended(rgi, state,
                             provision::index_builds_in_flight() - 1))
        return RPL_PROVISION_QUERY_STOP;
      state->builds.start(build);
      action= RPL_PROVISION_QUERY_SKIP;
    }
  }
  else
  {
    provision::QueryVerdict verdict;
    /*
      On a worker, a statement that may change the ledger waits for the
      groups before it to commit: they decided by the ledger before it
      (provision_core::parallel_apply).
    */
    if (rgi->is_parallel_exec && provision::query_may_change_ledger(text) &&
        rgi->thd->wait_for_prior_commit())
      return RPL_PROVISION_QUERY_STOP;
    /*
      After a restart: a DDL statement whose changes to the copy the
      record took before it ran, and which did not run (see
      rpl_provision_sql_applied_here()), runs as recorded.
    */
    bool redone= false;
    bool ddl= (rgi->gtid_ev_flags2 & Gtid_log_event::FL_DDL) != 0;
    /*
      After a restart: a DDL statement that this server's DDL recovery
      finished, and logged under this server's id, is not applied again.
    */
    provision::GtidParts logged{};
    bool candidate= false;
    /*
      A statement that changes a table's partitions in place: the DDL log
      finishes it after a crash without logging it or recording its GTID.
      The record keeps the table's definition from before it runs, and a
      restart tells by the definition whether it ran
      (provision_core::saved_copy::partitions_changed_before_restart()).
    */
    bool partitions= false;
    std::string definition;
    if (ddl)
    {
      rust::String table_db, table;
      {
        Filter_guard guard(state->filter_lock);
        candidate= state->filter->ddl_recovery_gtid(
          (uint32) global_system_variables.server_id, logged);
        partitions= state->filter->partitions_changed_table(
          text, default_db, state->first_request, lower_case_table_names,
          table_db, table);
      }
      if (partitions)
        definition= table_definition(std::string(table_db), std::string(table));
    }
    rust::Slice<const uint8_t> defined=
      rpl_provision_bytes(definition.data(), definition.size());
    if (candidate)
    {
      /* The files are read outside the lock */
      std::string statement=
        binlog_statement({logged.domain_id, logged.server_id, logged.seq_no});
      Filter_guard guard(state->filter_lock);
      redone= state->filter->ddl_recovered_verdict(
        text, default_db, logged,
        rpl_provision_bytes(statement.data(), statement.size()), verdict);
    }
    if (!redone && partitions)
    {
      Filter_guard guard(state->filter_lock);
      redone= state->filter->partitions_changed_verdict(text, defined,
                                                        verdict);
    }
    if (!redone)
    {
      Filter_guard guard(state->filter_lock);
      redone= ddl &&
        state->filter->ddl_redo_verdict(
          text, binlog_last(rgi->current_gtid.domain_id,
                            rgi->current_gtid.server_id),
          /* Every group applied here is in the binary log */
          mysql_bin_log.is_open() && opt_log_slave_updates &&
          !binlog_filter->is_on(), verdict);
      if (!redone)
        verdict= state->filter->query_verdict(
          text, default_db, state->first_request, opt_provision_max_recopies,
          lower_case_table_names);
      if (partitions)
        state->filter->partitions_ahead(defined, verdict);
    }
    if (redone && verdict.action != provision::QueryAction::Refuse)
      sql_print_information("%s%s", log_tag(rgi->rli->mi).c_str(),
                            std::string(verdict.message).c_str());
    if (verdict.action == provision::QueryAction::Refuse)
    {
      report_if_refused(rgi, verdict.message);
      return RPL_PROVISION_QUERY_STOP;
    }
    /*
      A table is copied again (the master sends its CREATE and all its
      rows after this statement), dropped or renamed.  The record says so
      first, so that a crash from here goes on with that: at once for a
      standalone statement (DDL, which parallel replication runs alone),
      with the commit of a transaction (ReplicaFilter::progress_rows()).
    */
    if (!verdict.record.empty())
    {
      if (!verdict.message.empty())
        sql_print_information("%s%s",
                              log_tag(rgi->rli->mi).c_str(),
                              std::string(verdict.message).c_str());
      if (rgi->gtid_ev_flags2 & Gtid_log_event::FL_STANDALONE)
      {
        if (rpl_provision_progress_update(rgi->rli->mi->cmp_connection_name,
                                          verdict.record))
        {
          rgi->rli->report(ERROR_LEVEL, ER_PROVISION_FAILED, rgi->gtid_info(),
                           "LOAD DATA FROM MASTER: cannot record the copy's "
                           "progress in mysql.provision_progress");
          return RPL_PROVISION_QUERY_STOP;
        }
        /* A crash before the statement runs */
        DBUG_EXECUTE_IF("provision_crash_before_master_ddl",
                        DBUG_SUICIDE(););
      }
    }
    switch (verdict.action) {
    case provision::QueryAction::Skip:
      action= RPL_PROVISION_QUERY_SKIP;
      break;
    case provision::QueryAction::Rewrite:
      /* The part of the statement about tables this server has */
      if (!(*query= rgi->thd->strmake(verdict.query.data(),
                                      verdict.query.size())))
        return RPL_PROVISION_QUERY_STOP;
      *length= (uint32) verdict.query.size();
      break;
    default:
      break;
    }
  }
  /*
    The statement that ends its group: the group counts as applied once
    it ran without an error (rpl_provision_sql_query_end()).  A KILL that
    fails it (a CREATE of the copy, an index build's ALTER, a COMMIT or
    XA COMMIT of the master's) leaves the group to be sent again.
  */
  if (provision::query_ends_group(
        (rgi->gtid_ev_flags2 & Gtid_log_event::FL_STANDALONE) != 0, text))
  {
    if (!rgi->is_parallel_exec)
      state->statement_ends_group= true;
    else if (worker_before_commit(rgi, state))
      return RPL_PROVISION_QUERY_STOP;
    else
      worker_statement_ends_group= true;
  }
  return action;
}


void rpl_provision_sql_query_end(rpl_group_info *rgi, bool failed)
{
  Rpl_provision_replica *state= provision_of(rgi);
  /* A crash after a master's DDL, before its GTID is recorded */
  DBUG_EXECUTE_IF("provision_crash_after_master_ddl",
                  if (state && !failed && !in_copy_group(state, rgi) &&
                      (rgi->gtid_ev_flags2 & Gtid_log_event::FL_DDL))
                    DBUG_SUICIDE(););
  if (rgi->is_parallel_exec)
  {
    bool ends_group= worker_statement_ends_group;
    worker_statement_ends_group= false;
    if (state && ends_group && !failed)
      worker_committed(rgi, state);
    return;
  }
  if (!state || !state->statement_ends_group)
    return;
  state->statement_ends_group= false;
  if (!failed)
    state->filter->group_committed();
}


int rpl_provision_sql_before_commit(rpl_group_info *rgi)
{
  Rpl_provision_replica *state= provision_of(rgi);
  /*
    Not in an XA PREPARE: the prepared transaction would hold the record's
    row until its XA COMMIT, further in the stream.  gtid_slave_pos has its
    GTID (see provision_core::saved_copy).
  */
  if (!state || rgi->thd->transaction->xid_state.is_explicit_XA())
    return 0;
  if (rgi->is_parallel_exec)
    return worker_before_commit(rgi, state);
  return rpl_provision_progress_write(
           rgi->thd, rgi->rli->mi->cmp_connection_name,
           state->filter->progress_rows(state->first_request));
}


void rpl_provision_sql_committed(rpl_group_info *rgi)
{
  Rpl_provision_replica *state= provision_of(rgi);
  if (!state)
    return;
  if (rgi->is_parallel_exec)
    worker_committed(rgi, state);
  else
    state->filter->xid_committed();
}


bool rpl_provision_sql_redone(rpl_group_info *rgi, int error)
{
  Rpl_provision_replica *state= provision_of(rgi);
  if (!state || !in_copy_group(state, rgi) || error <= 0 ||
      !state->filter->statement_redone((uint32) error))
    return false;
  sql_print_information("%sLOAD DATA FROM MASTER: a copy "
                        "statement applied before the restart is there "
                        "(error %d ignored): %s",
                        log_tag(rgi->rli->mi).c_str(), error,
                        rgi->thd->get_stmt_da()->message());
  return true;
}


int rpl_provision_sql_annotate(rpl_group_info *rgi, const char *text,
                               uint32 length)
{
  Rpl_provision_replica *state= provision_of(rgi);
  if (!state || !in_copy_group(state, rgi))
    return 0;
  return report_if_refused(rgi, state->filter->copy_note(
                                  rpl_provision_bytes(text, length)));
}


bool rpl_provision_sql_xa_unknown(rpl_group_info *rgi)
{
  /* Any unknown XID while the connection provisions, as for row events */
  return rpl_provision_sql_rows(rgi);
}


bool rpl_provision_sql_applied_here(rpl_group_info *rgi,
                                    Gtid_log_event *gev)
{
  Rpl_provision_replica *state= provision_of(rgi);
  if (!state || state->done || gev->domain_id == state->copy_domain)
    return false;
  const Master_info *mi= rgi->rli->mi;
  if (gev->flags2 & Gtid_log_event::FL_DDL)
  {
    if (!state->filter->ddl_applied_here(gev->domain_id, gev->server_id,
                                         gev->seq_no,
                                         binlog_last(gev->domain_id,
                                                     gev->server_id)))
      return false;
    sql_print_information("%sLOAD DATA FROM MASTER: the master's DDL group "
                          "%u-%u-%llu was applied here before the restart "
                          "(this server's binary log has it), and its GTID "
                          "was not recorded; it is not applied again, and "
                          "the GTID is recorded",
                          log_tag(mi).c_str(), gev->domain_id,
                          gev->server_id, (ulonglong) gev->seq_no);
    return true;
  }
  if (!(gev->flags2 & Gtid_log_event::FL_PREPARED_XA) ||
      !xid_cache_is_detached(rgi->thd, &gev->xid))
    return false;
  sql_print_information("%sLOAD DATA FROM MASTER: XA transaction "
                        "%s is prepared here already, from before a restart "
                        "or a stop that came before its GTID %u-%u-%llu was "
                        "recorded; its XA PREPARE is not applied again, and "
                        "the GTID is recorded",
                        log_tag(mi).c_str(), gev->xid.serialize(),
                        gev->domain_id, gev->server_id,
                        (ulonglong) gev->seq_no);
  return true;
}


bool rpl_provision_sql_rows(rpl_group_info *rgi)
{
  Rpl_provision_replica *state= provision_of(rgi);
  return state && !state->done;
}


/*
  The parts of a Rows_log_event the filter reads (it is a friend of the
  class): the current row's images, unpacked without moving the event's
  cursor, and its execution mode.
*/
class Rpl_provision_rows
{
public:
  static TABLE *table(Rows_log_event *ev) { return ev->m_table; }

  static provision::RowKind kind(Rows_log_event *ev)
  {
    switch (ev->get_general_type_code()) {
    case UPDATE_ROWS_EVENT: return provision::RowKind::Update;
    case DELETE_ROWS_EVENT: return provision::RowKind::Delete;
    default:                return provision::RowKind::Insert;
    }
  }

  /* Whether the event carries every column in each of its images. */
  static bool full_images(Rows_log_event *ev)
  {
    return bitmap_is_set_all(&ev->m_cols) &&
      (ev->get_general_type_code() != UPDATE_ROWS_EVENT ||
       bitmap_is_set_all(&ev->m_cols_ai));
  }

  static void set_exec_mode(Rows_log_event *ev, ulong mode)
  {
    ev->slave_exec_mode= mode;
  }

  /* Key images of the current row (both images of an UPDATE). */
  static int read_keys(Rows_log_event *ev, rpl_group_info *rgi, uint key_nr,
                       Rpl_provision_row *row)
  {
    TABLE *table= ev->m_table;
    const uchar *start= ev->m_curr_row, *end= ev->m_curr_row_end;
    row->before_key.clear();
    row->after_key.clear();
    row->before_tuple.clear();
    int err= ev->unpack_current_row(rgi, &ev->m_cols);
    if (!err)
    {
      rpl_provision_key_image(table, key_nr, &row->before_key);
      row->before_record.assign(table->record[0],
                                table->record[0] + table->s->reclength);
      if (key_nr != MAX_KEY)
      {
        KEY *key= table->key_info + key_nr;
        row->before_tuple.resize(key->key_length);
        key_copy(row->before_tuple.data(), table->record[0], key,
                 key->key_length);
      }
      if (ev->get_general_type_code() == UPDATE_ROWS_EVENT)
      {
        ev->m_curr_row= ev->m_curr_row_end;
        if (!(err= ev->unpack_current_row(rgi, &ev->m_cols_ai)))
          rpl_provision_key_image(table, key_nr, &row->after_key);
      }
    }
    row->row_end= ev->m_curr_row_end;
    ev->m_curr_row= start;
    ev->m_curr_row_end= end;
    return err;
  }

  /* Skips the current row: the event goes on after its images. */
  static void skip_row(Rows_log_event *ev, Rpl_provision_row *row)
  {
    ev->m_curr_row_end= row->row_end;
  }
};


/* The copy key of the row in 'record', as the server prints keys. */
static std::string key_text(TABLE *table, uint key_nr, const uchar *record)
{
  if (key_nr == MAX_KEY)
    return "(a table without a unique key: the whole row)";
  char buf[MAX_KEY_LENGTH];
  String text(buf, sizeof(buf), system_charset_info);
  text.length(0);
  std::vector<uchar> saved(table->record[0],
                           table->record[0] + table->s->reclength);
  memcpy(table->record[0], record, table->s->reclength);
  key_unpack(&text, table, table->key_info + key_nr);
  memcpy(table->record[0], saved.data(), table->s->reclength);
  return std::string(text.ptr(), text.length());
}


static int provision_error(const std::string &msg, int error)
{
  my_printf_error(ER_PROVISION_FAILED, "%s", MYF(0), msg.c_str());
  return error ? error : HA_ERR_GENERIC;
}


/*
  Whether the replica has the row whose copy key read_keys() saved.
  @return 0 and *found, or a handler error
*/
static int has_before_row(TABLE *table, uint key_nr,
                          Rpl_provision_row *row, bool *found)
{
  table->file->ha_index_or_rnd_end();
  int err= table->file->ha_index_read_idx_map(table->record[1], key_nr,
                                              row->before_tuple.data(),
                                              HA_WHOLE_KEY, HA_READ_KEY_EXACT);
  *found= !err;
  return err == HA_ERR_KEY_NOT_FOUND || err == HA_ERR_END_OF_FILE ? 0 : err;
}


/* Raises the divergence error of a strict change that failed. */
static int divergence(rpl_group_info *rgi, TABLE *table, uint key_nr,
                      Rpl_provision_row *row, bool missing, int error)
{
  const TABLE_SHARE *s= table->s;
  std::string text= missing ?
    key_text(table, key_nr, row->before_record.data()) :
    key_text(table, key_nr, table->record[0]);
  rust::String msg= provision::divergence_message(
    rpl_provision_str(s->db), rpl_provision_str(s->table_name), row->kind,
    missing ? provision::RowFailure::RowMissing :
              provision::RowFailure::KeyTaken,
    rpl_provision_bytes(text));
  rgi->thd->clear_error();
  return provision_error(std::string(msg), error);
}


int rpl_provision_sql_row_start(rpl_group_info *rgi, Rows_log_event *ev,
                                bool *skip)
{
  Rpl_provision_replica *state= provision_of(rgi);
  Rpl_provision_row *row= &current_row;
  *skip= false;
  if (in_copy_group(state, rgi))
    return 0;
  TABLE *table= Rpl_provision_rows::table(ev);
  const TABLE_SHARE *s= table->s;
  /*
    A MyISAM or Aria row in a group that runs beside an earlier one not
    committed yet (provision::parallel_apply_waits_before_row()).  Not a
    wait here: the statement holds the table's lock, which the earlier
    group may need.  A deadlock error rolls the group back before it
    changes the row and has parallel replication retry it, which it does
    once every group before it committed (retry_event_group()).
  */
  const wait_for_commit *waits= rgi->thd->wait_for_commit_ptr;
  if (provision::parallel_apply_waits_before_row(
        rgi->is_parallel_exec && waits &&
        waits->waitee.load(std::memory_order_acquire),
        table->file->has_transactions_and_rollback()))
    return HA_ERR_LOCK_DEADLOCK;
  if (!Rpl_provision_rows::full_images(ev))
    return provision_error(std::string(provision::partial_row_image_message(
                             rpl_provision_str(s->db),
                             rpl_provision_str(s->table_name))), 0);
  uint key_nr= rpl_provision_copy_key(table);
  if (int err= Rpl_provision_rows::read_keys(ev, rgi, key_nr, row))
    return err;
  row->kind= Rpl_provision_rows::kind(ev);
  {
    Filter_guard guard(state->filter_lock);
    row->action= state->filter->decide_row(
      rpl_provision_str(s->db), rpl_provision_str(s->table_name),
      table->file->has_transactions_and_rollback(), row->kind,
      rpl_provision_bytes(row->before_key),
      rpl_provision_bytes(row->after_key));
  }

  /*
    An UPDATE or DELETE of a row the replica may lack: look first, so that
    a missing row is skipped (or moved in) without an error in the log.
  */
  bool found= true;
  if (row->kind != provision::RowKind::Insert && key_nr != MAX_KEY &&
      (row->action == provision::RowAction::ApplyIdempotent ||
       row->action == provision::RowAction::MoveIn))
  {
    if (int err= has_before_row(table, key_nr, row, &found))
      return err;
  }

  switch (row->action) {
  case provision::RowAction::ApplyIdempotent:
    if (!found)
      Rpl_provision_rows::skip_row(ev, row);
    *skip= !found;
    Rpl_provision_rows::set_exec_mode(ev, SLAVE_EXEC_MODE_IDEMPOTENT);
    return 0;
  case provision::RowAction::MoveIn:
    if (!found)
    {
      /*
        The row moves into the copied range from beyond it, where the
        replica never had it: insert the after-image, which read_keys()
        left in record[0].
      */
      Rpl_provision_rows::skip_row(ev, row);
      *skip= true;
      bitmap_set_all(table->write_set);
      if (table->vfield)
        table->update_virtual_fields(table->file, VCOL_UPDATE_FOR_WRITE);
      if (int err= table->file->ha_write_row(table->record[0]))
      {
        if (err != HA_ERR_FOUND_DUPP_KEY && err != HA_ERR_FOUND_DUPP_UNIQUE)
        {
          table->file->print_error(err, MYF(0));
          return err;
        }
        return divergence(rgi, table, key_nr, row, false, err);
      }
      return 0;
    }
    Rpl_provision_rows::set_exec_mode(ev, SLAVE_EXEC_MODE_STRICT);
    return 0;
  case provision::RowAction::Skip:
    /* Tables not copied yet are skipped at their Table_map. */
    return provision_error("LOAD DATA FROM MASTER: internal error: a row "
                           "change of a table whose copy has not started", 0);
  default:
    Rpl_provision_rows::set_exec_mode(ev, SLAVE_EXEC_MODE_STRICT);
    return 0;
  }
}


/*
  Whether the SQL thread passes 'error' by in IDEMPOTENT mode, with a
  warning: the handler errors of idempotent_error_code() in
  log_event_server.cc, which is not visible here.
*/
static bool idempotent_error(int error)
{
  switch (error) {
  case HA_ERR_RECORD_CHANGED:
  case HA_ERR_KEY_NOT_FOUND:
  case HA_ERR_END_OF_FILE:
  case HA_ERR_FOUND_DUPP_KEY:
  case HA_ERR_FOUND_DUPP_UNIQUE:
  case HA_ERR_FOREIGN_DUPLICATE_KEY:
  case HA_ERR_NO_REFERENCED_ROW:
  case HA_ERR_ROW_IS_REFERENCED:
    return true;
  default:
    return false;
  }
}


int rpl_provision_sql_row_end(rpl_group_info *rgi, Rows_log_event *ev,
                              int error)
{
  Rpl_provision_replica *state= provision_of(rgi);
  Rpl_provision_row *row= &current_row;
  TABLE *table= Rpl_provision_rows::table(ev);
  const TABLE_SHARE *s= table->s;
  uint key_nr= rpl_provision_copy_key(table);

  if (in_copy_group(state, rgi))
  {
    /*
      A chunk row: the copied range now ends at its key.  It was written
      overwriting, in IDEMPOTENT mode, which would pass an engine's
      refusal by with a warning: the row would be lost.  Other errors
      (a lock wait timeout the SQL thread retries) stay as they are.
    */
    if (error)
    {
      THD *thd= rgi->thd;
      if (!idempotent_error(error) ||
          (thd->is_error() &&
           thd->get_stmt_da()->sql_errno() == ER_PROVISION_FAILED))
        return error;
      if (!thd->is_error())
        table->file->print_error(error, MYF(0));
      std::string engine_error(thd->get_stmt_da()->message());
      thd->clear_error();
      return provision_error(std::string(provision::copy_row_refused_message(
        rpl_provision_str(s->db), rpl_provision_str(s->table_name),
        rpl_provision_bytes(engine_error))), 0);
    }
    std::string key;
    rpl_provision_key_image(table, key_nr, &key);
    rust::String msg= state->filter->copy_row(
      rpl_provision_str(s->db), rpl_provision_str(s->table_name),
      table->file->has_transactions_and_rollback(), rpl_provision_bytes(key));
    return msg.empty() ? 0 : provision_error(std::string(msg), 0);
  }

  if (!error || row->action == provision::RowAction::ApplyIdempotent ||
      (rgi->thd->is_error() &&
       rgi->thd->get_stmt_da()->sql_errno() == ER_PROVISION_FAILED))
    return error;
  bool missing= error == HA_ERR_KEY_NOT_FOUND || error == HA_ERR_END_OF_FILE ||
    error == HA_ERR_RECORD_CHANGED;
  bool taken= error == HA_ERR_FOUND_DUPP_KEY || error == HA_ERR_FOUND_DUPP_UNIQUE;
  if (!missing && !taken)
    return error;                       /* not a divergence: handled as usual */
  return divergence(rgi, table, key_nr, row, missing, error);
}


int rpl_provision_sql_gtid_list(rpl_group_info *rgi, uint32 gl_flags,
                                const rpl_gtid *list, uint32 count)
{
  Rpl_provision_replica *state= provision_of(rgi);
  if (!state || !(gl_flags & provision::end_marker_flag()))
    return 0;
  /* The copy is done once its index builds are */
  if (index_builds_ended(rgi, state, 0))
  {
    const_cast<Relay_log_info*>(rgi->rli)->abort_slave= true;
    return 0;
  }
  std::string text;
  for (uint32 i= 0; i < count; i++)
  {
    if (i)
      text+= ',';
    text+= std::to_string(list[i].domain_id) + "-" +
      std::to_string(list[i].server_id) + "-" + std::to_string(list[i].seq_no);
  }
  provision::CopyEndVerdict end;
  {
    Filter_guard guard(state->filter_lock);
    end= state->filter->copy_end(text, state->copy_domain);
  }
  if (report_if_refused(rgi, end.refusal))
    return 1;
  if (state->binlog_suppressed)
  {
    rgi->thd->variables.option_bits|= OPTION_BIN_LOG;
    state->binlog_suppressed= false;
  }
  state->in_copy_group= false;
  state->end_position= std::string(end.position);
  state->done= true;
  sql_print_information("%sLOAD DATA FROM MASTER: the copy is "
                        "complete at the master's GTID position '%s'; the "
                        "slave SQL thread stops",
                        log_tag(rgi->rli->mi).c_str(),
                        state->end_position.c_str());
  const_cast<Relay_log_info*>(rgi->rli)->abort_slave= true;
  return 0;
}


void rpl_provision_replica_free(Rpl_provision_replica *state)
{
  delete state;
}

#endif /* HAVE_REPLICATION */
