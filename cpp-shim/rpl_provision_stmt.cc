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
  The statement hook of LOAD DATA FROM MASTER: reads the session and the
  master connection into a provision::ReplicaState, lets the Rust core
  decide, and raises the error it names.  When the replica may be
  provisioned, starts the connection's IO and SQL threads in provisioning
  mode (Master_info::provision), waits for them to stop at the master's
  end marker, and sets gtid_slave_pos to the master's position there.
*/

#include "mariadb.h"
#include "sql_priv.h"
#include "rpl_provision.h"
#include "rpl_provision_consts.h"

#ifdef HAVE_REPLICATION

#include "sql_class.h"
#include "sql_acl.h"
#include "sql_base.h"
#include "transaction.h"
#include "rpl_mi.h"
#include "rpl_filter.h"
#include "slave.h"
#include "sql_repl.h"
#include "repl_failsafe.h"
#include "sql_show.h"
#include "sql_parse.h"
#include "sql_table.h"                  // build_table_filename
#include "rpl_gtid.h"
#include "xa.h"                         // xid_cache_count_pending()
#include "log_event.h"                  // event_xid_t
#include "rpl_provision_replica.h"
#include "rpl_provision_catalog.h"
#include "rpl_provision_status.h"
#include "rpl_provision_progress.h"
#include "rpl_provision_bridge.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

/* @@provision_relay_log_space_limit (sys_vars.cc) */
ulonglong opt_provision_relay_log_space_limit;

/*
  The connection's replication filter (its own rules: the connection-
  prefixed options, or the plain ones for the default connection), one
  'rule=list' line per rule, each list as SHOW SLAVE STATUS prints it.
*/
static std::string filter_rules(Rpl_filter *filter)
{
  static const struct
  {
    const char *rule;
    void (Rpl_filter::*get)(String *);
  } lists[]=
  {
    { "do_db", &Rpl_filter::get_do_db },
    { "ignore_db", &Rpl_filter::get_ignore_db },
    { "do_table", &Rpl_filter::get_do_table },
    { "ignore_table", &Rpl_filter::get_ignore_table },
    { "wild_do_table", &Rpl_filter::get_wild_do_table },
    { "wild_ignore_table", &Rpl_filter::get_wild_ignore_table },
    { "rewrite_db", &Rpl_filter::get_rewrite_db }
  };
  std::string rules;
  char buf[256];
  String list(buf, sizeof(buf), system_charset_info);
  for (const auto &l : lists)
  {
    list.length(0);
    (filter->*l.get)(&list);
    if (list.length())
      rules+= std::string(l.rule) + "=" +
        std::string(list.ptr(), list.length()) + "\n";
  }
  return rules;
}


/*
  Fill the connection part of 'state'.  Reads the thread states under the
  IO and SQL threads' run_lock, as START SLAVE does, so that a thread
  starting concurrently is seen as running.
*/
static void read_connection_state(Master_info *mi,
                                  provision::ReplicaState *state)
{
  state->connection_exists= true;
  state->master_host_set= mi->host[0] != '\0';
  mysql_mutex_lock(&mi->run_lock);
  state->io_thread_running= mi->slave_running != MYSQL_SLAVE_NOT_RUN;
  mysql_mutex_unlock(&mi->run_lock);
  mysql_mutex_lock(&mi->rli.run_lock);
  state->sql_thread_running= mi->rli.slave_running != MYSQL_SLAVE_NOT_RUN;
  mysql_mutex_unlock(&mi->rli.run_lock);
  state->use_gtid= static_cast<uint8_t>(mi->using_gtid);
  state->master_delay= static_cast<uint32_t>(mi->rli.get_sql_delay());
  state->skip_counter= mi->rli.slave_skip_counter;
  state->filter_rules= filter_rules(mi->rpl_filter);
}


/*
  Every table of each database of this server, for the "replica is not
  empty" check: Rust decides which tables count (the connection's filter).
*/
static bool list_tables(THD *thd, rust::Vec<provision::DatabaseSummary> *out)
{
  Dynamic_array<LEX_CSTRING*> dbs(PSI_INSTRUMENT_MEM);
  if (rpl_provision_list_databases(thd, &dbs))
    return true;
  for (size_t i= 0; i < dbs.elements(); i++)
  {
    LEX_CSTRING *db= dbs.at(i);
    Dynamic_array<LEX_CSTRING*> tables(PSI_INSTRUMENT_MEM);
    switch (rpl_provision_list_tables(thd, db, &tables)) {
    case RPL_PROVISION_LIST_NO_DIR:
      continue;                                 /* dropped meanwhile */
    case RPL_PROVISION_LIST_ERROR:
      return true;
    case RPL_PROVISION_LIST_OK:
      break;
    }
    provision::DatabaseSummary summary;
    summary.name= rust::String::lossy(db->str, db->length);
    for (size_t t= 0; t < tables.elements(); t++)
      summary.tables.push_back(rust::String::lossy(tables.at(t)->str,
                                                   tables.at(t)->length));
    out->push_back(std::move(summary));
  }
  return false;
}


/*
  The marker of a copy that changed this server and has not ended:
  provision-<connection>.info in the data directory, next to the
  connection's master-<connection>.info, holding the copy's request, and
  a second line when the copy stopped on an error (it cannot go on: only
  REPLACE copies again, reading its record for the tables it took).
  START SLAVE refuses to replicate into such a copy; a copy that ends,
  and RESET SLAVE, remove it.
*/
static const char marker_failed[]= "stopped on an error";

static void marker_path(Master_info *mi, char *path)
{
  char name[FN_REFLEN];
  create_logfile_name_with_suffix(name, sizeof(name), "provision.info", 0,
                                  &mi->cmp_connection_name);
  fn_format(path, name, mysql_data_home, "", 4 + 32);
}


static void write_marker(Master_info *mi, const std::string &request,
                         bool resumable= true)
{
  char path[FN_REFLEN];
  marker_path(mi, path);
  File fd= my_create(path, 0, O_WRONLY | O_TRUNC, MYF(MY_WME));
  if (fd < 0)
    return;
  std::string text= request + "\n";
  if (!resumable)
    text+= std::string(marker_failed) + "\n";
  (void) my_write(fd, (const uchar*) text.data(), text.length(),
                  MYF(MY_WME | MY_NABP));
  (void) my_sync(fd, MYF(MY_WME));
  (void) my_close(fd, MYF(MY_WME));
}


/*
  The request of the connection's unfinished copy, and whether the same
  statement can go on with it; false if it has none.
*/
static bool read_marker(Master_info *mi, std::string *request,
                        bool *resumable= NULL)
{
  char path[FN_REFLEN];
  marker_path(mi, path);
  File fd= my_open(path, O_RDONLY, MYF(0));
  if (fd < 0)
    return false;
  char buf[4096];
  size_t n= my_read(fd, (uchar*) buf, sizeof(buf), MYF(0));
  my_close(fd, MYF(0));
  request->assign(buf, n == (size_t) -1 ? 0 : n);
  size_t end= request->find('\n');
  bool failed= end != std::string::npos &&
    request->compare(end + 1, sizeof(marker_failed) - 1, marker_failed) == 0;
  if (end != std::string::npos)
    request->resize(end);
  if (resumable)
    *resumable= !failed;
  return true;
}


/* Removes the marker; false if there was none */
static bool remove_marker(Master_info *mi)
{
  char path[FN_REFLEN];
  marker_path(mi, path);
  return !my_delete(path, MYF(0));
}


bool rpl_provision_refuse_start(THD *thd, Master_info *mi)
{
  std::string request;
  bool resumable;
  if (mi->provision || !read_marker(mi, &request, &resumable))
    return false;
  my_error(ER_PROVISION_FAILED, MYF(0), (int) mi->connection_name.length,
           mi->connection_name.str,
           std::string(provision::unfinished_copy_message(
             rust::Str(mi->connection_name.str, mi->connection_name.length),
             request, resumable)).c_str());
  return true;
}


bool rpl_provision_unfinished_at_boot(Master_info *mi)
{
  std::string request;
  bool resumable;
  if (!read_marker(mi, &request, &resumable))
    return false;
  sql_print_warning("Master '%.*s': replication not started: %s",
                    (int) mi->connection_name.length, mi->connection_name.str,
                    std::string(provision::unfinished_copy_message(
                      rust::Str(mi->connection_name.str,
                                mi->connection_name.length),
                      request, resumable)).c_str());
  return true;
}


/* Calls 'fn' on each master connection, under LOCK_active_mi, until it
   returns true. */
template <typename Fn> static void for_each_connection(Fn fn)
{
  mysql_mutex_lock(&LOCK_active_mi);
  if (master_info_index)
  {
    HASH *hash= &master_info_index->master_info_hash;
    for (uint i= 0; i < hash->records; i++)
      if (fn((Master_info *) my_hash_element(hash, i)))
        break;
  }
  mysql_mutex_unlock(&LOCK_active_mi);
}


bool rpl_provision_copying_here(std::string *message)
{
  /* The marker is written before a copy changes anything (see marker_path()) */
  std::string request;
  for_each_connection([&](Master_info *mi) {
    if (!read_marker(mi, &request))
      return false;
    *message= std::string(provision::copying_here_message(
      rust::Str(mi->connection_name.str, mi->connection_name.length)));
    return true;
  });
  return !message->empty();
}


/*
  Held while mi->provision is cleared, and while SHOW SLAVE STATUS reads
  it (which holds LOCK_active_mi for SHOW ALL SLAVES STATUS only): the
  copy it reads is deleted after it is cleared.  Taken after
  LOCK_active_mi.
*/
static std::mutex show_lock;

bool rpl_provision_show_state(Master_info *mi, String *state)
{
  std::string text;
  std::unique_lock<std::mutex> guard(show_lock);
  if (Rpl_provision_replica *copy= mi->provision)
    text= std::string(provision::provisioning_state(copy->progress->read(),
                                                    copy->resumes.load()));
  else
  {
    std::string request;
    bool resumable;
    if (!read_marker(mi, &request, &resumable))
      return false;
    text= std::string(provision::unfinished_state(resumable));
  }
  state->copy(text.data(), text.size(), &my_charset_bin);
  return true;
}


static Rpl_provision_replica *take_parked(Master_info *mi);
static void forget_finished(Master_info *mi);

void rpl_provision_forget(Master_info *mi)
{
  forget_finished(mi);
  Rpl_provision_replica *parked= take_parked(mi);
  if (remove_marker(mi) || parked)
    rpl_provision_progress_forget(mi->cmp_connection_name);
  delete parked;
}


/* Stops whichever of the connection's threads still runs. */
static void stop_threads(THD *thd, Master_info *mi)
{
  if (mi->slave_running != MYSQL_SLAVE_NOT_RUN ||
      mi->rli.slave_running != MYSQL_SLAVE_NOT_RUN)
  {
    Diagnostics_area *da= thd->get_stmt_da();
    bool had_error= da->is_error();
    stop_slave(thd, mi, false);
    if (!had_error)
      thd->clear_error();
  }
}


/*
  The threads stopped: the index builds they left running end, and the
  ones that built their indexes are recorded.  A failed one stays, to run
  again when the copy goes on (prepare_resume()).
*/
static void finish_index_builds(Master_info *mi, Rpl_provision_replica *state)
{
  for (const Rpl_provision_builds::Ended &ended : state->builds.wait(0))
  {
    bool wanted= state->filter->index_build_wanted(ended.build.table);
    rust::Vec<provision::ProgressRow> rows=
      state->filter->index_build_ended(ended.build.table, ended.error);
    if (!wanted)
      continue;                   /* its table is copied again, or gone */
    if (!provision::index_built(ended.error))
      sql_print_warning("Master '%.*s': LOAD DATA FROM MASTER: the index "
                        "build of table %s failed (%s); it runs again when "
                        "the copy goes on", (int) mi->connection_name.length,
                        mi->connection_name.str,
                        std::string(ended.build.table).c_str(),
                        ended.message.c_str());
    else
      rpl_provision_progress_update(mi->cmp_connection_name, rows, false);
  }
}


/*
  Hands the index builds of the copy that did not end (a failed one, or,
  after a restart, those its record names) to builders again as the copy
  goes on: they run beside the SQL thread, as when it first handed them
  over, and it waits for them where it waits for any build.  Run before
  the SQL thread starts, a build of a table that an XA transaction
  prepared here holds would wait for locks whose XA COMMIT is further on
  in the stream, and stop the copy each time the statement ran.  There
  is at most one (provision::index_builds_in_flight()): a build is handed
  over only after the one before it ended and was recorded.
*/
static void resume_index_builds(const LEX_CSTRING *name,
                                Rpl_provision_replica *state)
{
  for (const provision::IndexBuild &build :
       state->filter->resume_index_builds())
  {
    sql_print_information("Master '%.*s': LOAD DATA FROM MASTER: the index "
                          "build of table %s runs beside the slave SQL "
                          "thread as the copy goes on",
                          (int) name->length, name->str,
                          std::string(build.table).c_str());
    state->builds.start(build);
  }
}


/*
  Wait until the SQL thread stops: at the end marker, or on an error of
  either thread, or when the statement is killed.  Returns with both
  threads stopped.
*/
static void wait_for_copy(THD *thd, Master_info *mi,
                          Rpl_provision_replica *state)
{
  PSI_stage_info old_stage;
  static PSI_stage_info stage_copying=
    { 0, "Provisioning from master (LOAD DATA FROM MASTER)", 0};
  thd->backup_stage(&old_stage);
  THD_STAGE_INFO(thd, stage_copying);
  /*
    Rows applied out of the master's estimate: the client's progress
    report and PROGRESS in information_schema.PROCESSLIST.
  */
  thd_progress_init(thd, 1);
  for (;;)
  {
    bool io_running= mi->slave_running != MYSQL_SLAVE_NOT_RUN;
    bool sql_running= mi->rli.slave_running != MYSQL_SLAVE_NOT_RUN;
    if (!sql_running || thd->killed ||
        (!io_running && !state->end_queued))
      break;
    provision::CopyProgress progress= state->progress->read();
    thd_progress_report(thd, progress.rows_copied, progress.rows_total);
    my_sleep(20000);
  }
  thd_progress_end(thd);
  stop_threads(thd, mi);
  finish_index_builds(mi, state);
  THD_STAGE_INFO(thd, old_stage);
}


/*
  Deletes every row of db.table (a non-transactional table a rolled back
  copy group wrote to: its copy starts again); recreates it empty when its
  engine deletes no rows (ARCHIVE).  With 'non_transactional_only', leaves
  a transactional table alone and sets *emptied to whether it emptied it.
*/
static bool empty_table(THD *thd, const LEX_CSTRING *key,
                        const provision::QualifiedName &name,
                        bool non_transactional_only= false,
                        bool *emptied= NULL)
{
  LEX_CSTRING db= { thd->strmake(name.db.data(), name.db.size()),
                    name.db.size() };
  LEX_CSTRING table= { thd->strmake(name.table.data(), name.table.size()),
                       name.table.size() };
  TABLE_LIST tl;
  tl.init_one_table(&db, &table, NULL, TL_WRITE);
  bool failed= open_and_lock_tables(thd, &tl, false, 0);
  bool empty= !failed && !(non_transactional_only &&
                           tl.table->file->has_transactions_and_rollback());
  bool recreate= false;
  if (empty)
  {
    int err= tl.table->file->ha_delete_all_rows();
    if (err == HA_ERR_WRONG_COMMAND)
    {
      /*
        An engine without it: row by row.  The count the scan reads to
        (ARCHIVE's) may be from when the SQL thread opened the table.
      */
      err= tl.table->file->info(HA_STATUS_VARIABLE);
      if (!err)
        err= tl.table->file->ha_rnd_init_with_error(true);
      while (!err && !(err= tl.table->file->ha_rnd_next(tl.table->record[0])))
        err= tl.table->file->ha_delete_row(tl.table->record[0]);
      if (err == HA_ERR_END_OF_FILE)
        err= 0;
      tl.table->file->ha_rnd_end();
    }
    recreate= err == HA_ERR_WRONG_COMMAND;
    if (err && !recreate)
    {
      tl.table->file->print_error(err, MYF(0));
      failed= true;
    }
  }
  trans_commit_stmt(thd);
  trans_commit(thd);
  close_thread_tables(thd);
  thd->release_transactional_locks();
  if (recreate)
    failed= rpl_provision_recreate_table(*key, std::string(name.db),
                                         std::string(name.table));
  if (emptied)
    *emptied= empty && !failed;
  return failed;
}


/*
  What a failed repair of a crashed table left beside it: ARCHIVE writes
  its repair to <table>.ARN and renames it over the data file only when
  the repair succeeds.  DROP TABLE does not know that file, and a later
  DROP DATABASE of the table's database would fail on the directory it
  cannot remove ("Directory not empty").
*/
static void remove_repair_leftovers(const std::string &db,
                                    const std::string &table)
{
  char path[FN_REFLEN + 1];
  build_table_filename(path, sizeof(path) - 1, db.c_str(), table.c_str(),
                       ".ARN", 0);
  (void) my_delete(path, MYF(0));
}


/*
  With the connection's threads stopped (the connection to the master was
  lost, or the statement was killed): rolls the copy back to what the SQL
  thread applied, and makes the request that goes on from there.  The
  relay log starts anew when the threads start (GTID mode): the master
  sends its binlog from the replica's position and the copy from its
  resume point.
*/
static bool prepare_resume(THD *thd, const LEX_CSTRING *name,
                           const LEX_CSTRING *key,
                           Rpl_provision_replica *state, const char *why)
{
  for (const provision::QualifiedName &table :
       state->filter->group_abandoned())
    if (empty_table(thd, key, table))
      return true;
  /*
    Taken up after a restart: whichever group was applied last, a
    non-transactional table part way may hold rows of a group that did not
    commit.
  */
  if (state->recovered)
  {
    for (const provision::QualifiedName &table :
         state->filter->recopy_drops())
      if (rpl_provision_drop_table(*key, std::string(table.db),
                                   std::string(table.table)))
        return true;
    for (const provision::QualifiedName &table :
         state->filter->tables_part_way())
    {
      bool emptied;
      if (empty_table(thd, key, table, true, &emptied))
      {
        /*
          The crash cut off the engine's last write (ARCHIVE) and the
          table cannot be opened: dropped, and copied again from its
          CREATE.
        */
        if (!thd->is_error() ||
            !provision::table_crashed(thd->get_stmt_da()->sql_errno()))
          return true;
        sql_print_information("Master '%.*s': LOAD DATA FROM MASTER: table "
                              "`%s`.`%s`, part way, is unreadable after the "
                              "restart (%s); it is copied again from its "
                              "CREATE", (int) name->length, name->str,
                              std::string(table.db).c_str(),
                              std::string(table.table).c_str(),
                              thd->get_stmt_da()->message());
        thd->clear_error();
        if (rpl_provision_drop_table(*key, std::string(table.db),
                                     std::string(table.table)))
          return true;
        remove_repair_leftovers(std::string(table.db),
                                std::string(table.table));
        if (rpl_provision_progress_update(
              *key, state->filter->copy_table_again(table.db, table.table,
                                                    state->first_request)))
          return true;
        continue;
      }
      if (emptied)
        state->filter->restart_table(table.db, table.table);
    }
    state->recovered= false;
  }
  state->index_build_failed= false;
  resume_index_builds(name, state);
  std::string request(state->filter->resume_request(state->first_request));
  sql_print_information("Master '%.*s': LOAD DATA FROM MASTER: %s; the copy "
                        "resumes (%s)", (int) name->length, name->str, why,
                        request.empty() ? "from its start: nothing of it "
                        "was applied" : request.c_str());
  state->request= request.empty() ? state->first_request : request;
  state->requested= false;
  state->connection_lost= false;
  state->end_queued= false;
  state->in_copy_group= false;
  state->binlog_suppressed= false;
  state->statement_ends_group= false;
  rpl_provision_resumes++;
  state->resumes++;
  return false;
}


/*
  Unfinished copies this server keeps, by connection: a copy stopped by
  KILL, or by a connection to the master it could not get back, that
  changed this server.  The same LOAD DATA FROM MASTER again goes on with
  it; REPLACE, another copy of the connection, or RESET SLAVE drop it.
  After a restart, recover_copy() takes the copy up again from its record
  in mysql.provision_progress.
*/
static std::mutex parked_lock;
static std::map<std::string, Rpl_provision_replica*> parked_copies;

static std::string parked_key(Master_info *mi)
{
  return std::string(mi->cmp_connection_name.str,
                     mi->cmp_connection_name.length);
}

/* The first request of the connection's kept copy; empty if none. */
static std::string parked_request(Master_info *mi)
{
  std::lock_guard<std::mutex> guard(parked_lock);
  auto it= parked_copies.find(parked_key(mi));
  return it == parked_copies.end() ? std::string() : it->second->first_request;
}

/* Takes the connection's kept copy (NULL if none) out of the store. */
static Rpl_provision_replica *take_parked(Master_info *mi)
{
  std::lock_guard<std::mutex> guard(parked_lock);
  auto it= parked_copies.find(parked_key(mi));
  if (it == parked_copies.end())
    return NULL;
  Rpl_provision_replica *state= it->second;
  parked_copies.erase(it);
  return state;
}

static void park(Master_info *mi, Rpl_provision_replica *state)
{
  delete take_parked(mi);
  std::lock_guard<std::mutex> guard(parked_lock);
  parked_copies[parked_key(mi)]= state;
}


/*
  The progress of each connection's last completed copy, which
  information_schema.PROVISIONING_PROGRESS shows until the connection's
  next copy or RESET SLAVE.  Under parked_lock.
*/
static std::map<std::string, rust::Box<provision::ProgressHandle>>
  finished_copies;

static void keep_finished(Master_info *mi, Rpl_provision_replica *state)
{
  std::lock_guard<std::mutex> guard(parked_lock);
  finished_copies.erase(parked_key(mi));
  state->progress->finish();
  finished_copies.emplace(parked_key(mi), state->filter->progress_handle());
}

static void forget_finished(Master_info *mi)
{
  std::lock_guard<std::mutex> guard(parked_lock);
  finished_copies.erase(parked_key(mi));
}


/*
  The slave I/O thread's error in UTF-8.  The master's part of it (its
  refusal of the dump, naming tables) came in the character set of the
  I/O thread's connection, which connect_to_master() asks for as
  default_charset_info: a name such as `über` is not UTF-8 in a latin1
  one.
*/
static std::string io_error_text(const char *message)
{
  return rpl_provision_utf8(message, strlen(message), default_charset_info);
}


/*
  Raise the error that ended the copy: the statement's kill, else the IO
  thread's error (the master refused or stopped the dump: the root cause
  when both threads failed), else the SQL thread's, else that the threads
  were stopped (STOP SLAVE, or a KILL of one, which may have failed the
  SQL thread's event, or its record of a GTID, with the kill's error:
  provision::stopped_copy_message()).  Returns whether the same
  statement may go on with the copy: neither thread failed, the SQL
  thread's error is one of this server's that rolled its group back
  whole (a lock wait, a full disk: provision::server_error_advice()), or
  the master's error says the copy is kept (a lock that held it too
  long, a resumed copy refused before anything was sent).
*/
static bool report_copy_failure(THD *thd, Master_info *mi,
                                Rpl_provision_replica *state)
{
  if (thd->killed)
  {
    thd->send_kill_message();
    return false;
  }
  const char *sql_text= mi->rli.last_error().message;
  rust::Slice<const uint8_t> sql_message=
    rpl_provision_bytes(sql_text, strlen(sql_text));
  std::string msg(provision::stopped_copy_message(
    rust::Str(mi->connection_name.str, mi->connection_name.length),
    mi->last_error().number, mi->rli.last_error().number, sql_message,
    state->filter->group_changed_non_transactional()));
  bool resumable= !msg.empty();
  if (mi->last_error().number &&
      !provision::sql_error_decides(mi->rli.last_error().number))
  {
    std::string io_message= io_error_text(mi->last_error().message);
    resumable= provision::io_failure_keeps_copy(mi->last_error().number,
                                              rpl_provision_bytes(io_message));
    msg= std::string(provision::io_failure_message(
      rust::Str(mi->connection_name.str, mi->connection_name.length),
      state->request, mi->last_error().number,
      rpl_provision_bytes(io_message)));
  }
  else if (!resumable)
    msg= std::string(provision::sql_failure_message(sql_message,
                                                    state->connection_lost));
  msg= std::string(provision::name_copy_again(
    msg, rust::Str(mi->connection_name.str, mi->connection_name.length),
    state->first_request));
  my_error(ER_PROVISION_FAILED, MYF(0), (int) mi->connection_name.length,
           mi->connection_name.str, msg.c_str());
  return resumable;
}


/*
  Whether the copy goes on after its threads stopped: the connection to
  the master was lost, and the SQL thread stopped without an error of its
  own (provision::sql_error_decides()).
*/
static bool lost_connection_resumes(Master_info *mi,
                                    Rpl_provision_replica *state)
{
  return state->connection_lost &&
    !provision::sql_error_decides(mi->rli.last_error().number);
}


/*
  Starts the connection's threads for the copy, with START SLAVE's error
  when they cannot start.

  A crash after a START SLAVE with GTID, before the SQL thread moved to
  its next relay log, leaves relay-log.info naming a relay log that START
  SLAVE removed (it is written again only then, or at a stop), and the
  connection cannot start after the restart ("Failed to open the relay
  log"; ER_MASTER_INFO until RESET SLAVE, which would forget the copy).
  The connection's relay-log.info is then removed and START SLAVE tried
  once more: it begins at the first relay log there is, as for a new
  connection.  A copy replicates by GTID, from gtid_slave_pos and its own
  record, and START SLAVE with GTID removes the relay logs anyway.
  (--relay-log-recovery's way, is_relay_log_recovery, does nothing when
  relay-log.info names no binary log of the master, as after a copy that
  never moved past its first relay log.)
*/
static bool start_threads(THD *thd, Master_info *mi)
{
  if (!start_slave(thd, mi, true))
    return false;
  if (mi->inited || !mi->rli.error_on_rli_init_info ||
      mi->using_gtid == Master_info::USE_GTID_NO)
    return true;
  char name[FN_REFLEN], path[FN_REFLEN];
  create_logfile_name_with_suffix(name, sizeof(name), relay_log_info_file, 0,
                                  &mi->cmp_connection_name);
  fn_format(path, name, mysql_data_home, "", 4 + 32);
  sql_print_warning("Master '%.*s': LOAD DATA FROM MASTER: %s; the copy "
                    "replicates by GTID: it removes '%s' and begins a new "
                    "relay log",
                    (int) mi->connection_name.length, mi->connection_name.str,
                    thd->get_stmt_da()->message(), path);
  if (my_delete(path, MYF(0)) && my_errno != ENOENT)
    return true;                                // START SLAVE's error stands
  thd->clear_error();
  /*
    The failed initialisation closed what it opened; only RESET SLAVE
    clears its flag (end_relay_log_info()), which would forget the copy.
  */
  mi->rli.error_on_rli_init_info= false;
  return start_slave(thd, mi, true) != 0;
}


/*
  CHECKSUM TABLE ... EXTENDED of db.table here: the sum of every row's
  checksum (rpl_provision_table_checksum()), as the master computed it.
*/
static bool table_checksum(THD *thd, const rust::String &db,
                           const rust::String &table, uint32 *sum)
{
  LEX_CSTRING db_name= { thd->strmake(db.data(), db.size()), db.size() };
  LEX_CSTRING table_name= { thd->strmake(table.data(), table.size()),
                            table.size() };
  TABLE_LIST tl;
  tl.init_one_table(&db_name, &table_name, NULL, TL_READ);
  enum_sql_command command= thd->lex->sql_command;
  thd->lex->sql_command= SQLCOM_CHECKSUM;
  bool failed= open_and_lock_tables(thd, &tl, false, 0);
  if (!failed)
  {
    if (int err= rpl_provision_table_checksum(tl.table, sum))
    {
      tl.table->file->print_error(err, MYF(0));
      failed= true;
    }
  }
  trans_commit_stmt(thd);
  close_thread_tables(thd);
  thd->release_transactional_locks();
  thd->lex->sql_command= command;
  return failed;
}


/*
  WITH CHECKSUM: compares every table the master verified at the end of
  the copy with the same table here, which the SQL thread left exactly
  at the end marker.  Reports the first difference.
*/
static bool verify_checksums(THD *thd, Master_info *mi,
                             const LEX_CSTRING *name,
                             Rpl_provision_replica *state)
{
  rust::Vec<provision::TableChecksum> sums= state->filter->master_checksums();
  /* The IO thread leaves out some of the master's transactions */
  const bool io_filtered= mi->ignore_server_ids.elements ||
    mi->domain_id_filter.m_domain_ids[Domain_id_filter::DO_DOMAIN_IDS].elements ||
    mi->domain_id_filter.m_domain_ids[Domain_id_filter::IGNORE_DOMAIN_IDS].elements;
  for (const provision::TableChecksum &master : sums)
  {
    uint32 here= 0;
    if (table_checksum(thd, master.db, master.table, &here))
      return true;
    if (here != master.sum)
    {
      my_error(ER_PROVISION_FAILED, MYF(0), (int) name->length, name->str,
               std::string(provision::name_copy_again(
                 provision::checksum_mismatch_message(
                   master.db, master.table, master.sum, here,
                   io_filtered),
                 rust::Str(name->str, name->length),
                 state->first_request)).c_str());
      return true;
    }
  }
  sql_print_information("Master '%.*s': LOAD DATA FROM MASTER: %zu tables "
                        "have the master's checksums", (int) name->length,
                        name->str, sums.size());
  return false;
}


/* gtid_slave_pos, as text */
static std::string slave_pos_text()
{
  StringBuffer<256> pos;
  rpl_global_gtid_slave_state->tostring(&pos, NULL, 0);
  return std::string(pos.ptr(), pos.length());
}


/*
  The engine db.table has on disk (of its partitions, when partitioned),
  or an empty name when there is no such table.
*/
static LEX_CSTRING table_engine(THD *thd, const LEX_CSTRING &db,
                                const LEX_CSTRING &table)
{
  LEX_CSTRING partition_engine= null_clex_str;
  handlerton *hton= NULL;
  if (!ha_table_exists(thd, &db, &table, NULL, &partition_engine, &hton) ||
      !hton)
    return empty_clex_str;
  return partition_engine.length ? partition_engine : *hton_name(hton);
}


static bool engine_is(const LEX_CSTRING &engine, const char *name)
{
  return engine.length && !my_strcasecmp(system_charset_info, engine.str, name);
}


/*
  Whether mysql.gtid_slave_pos commits with the data (InnoDB), by the
  engine the table has now: the server's own note of it (table_hton) stays
  as it was loaded after an ALTER TABLE mysql.gtid_slave_pos ENGINE=InnoDB.

  A mysql.gtid_slave_pos_InnoDB of gtid_pos_auto_engines is not enough: a
  transaction whose rows the copy all skips writes no InnoDB row, records
  its GTID in mysql.gtid_slave_pos, and a retry of it by parallel
  replication finds its own row there (duplicate key: the record of an
  Aria table is not rolled back).
*/
static bool gtid_pos_transactional(THD *thd)
{
  rpl_slave_state::gtid_pos_table *pos_table=
    rpl_global_gtid_slave_state->default_gtid_pos_table.load();
  return pos_table &&
    engine_is(table_engine(thd, MYSQL_SCHEMA_NAME, pos_table->table_name),
              "InnoDB");
}


/*
  Whether the rows of db.table may not have outlived the restart: MEMORY
  keeps none, and ARCHIVE buffers its writes in the server, so a crash
  loses what was copied last (and nothing here tells a crash from a
  shutdown).
*/
static bool rows_gone_at_restart(THD *thd, const provision::QualifiedName &name)
{
  LEX_CSTRING db= { thd->strmake(name.db.data(), name.db.size()),
                    name.db.size() };
  LEX_CSTRING table= { thd->strmake(name.table.data(), name.table.size()),
                       name.table.size() };
  LEX_CSTRING engine= table_engine(thd, db, table);
  return engine_is(engine, "MEMORY") || engine_is(engine, "ARCHIVE");
}


/*
  Whether the copy applies the master's transactions on parallel
  replication's workers, when the connection has them
  (provision_core::parallel_apply); the error log says why not.
*/
static bool parallel_apply(THD *thd, const Master_info *mi,
                           const LEX_CSTRING *name)
{
  rust::Str reason= provision::parallel_apply_serial_reason(
    gtid_pos_transactional(thd));
  if (reason.empty())
    return true;
  if (opt_slave_parallel_threads > 0 &&
      mi->parallel_mode > SLAVE_PARALLEL_NONE)
    sql_print_information("Master '%.*s': LOAD DATA FROM MASTER applies "
                          "serially: %.*s", (int) name->length, name->str,
                          (int) reason.size(), reason.data());
  return false;
}


/*
  The copy's record (mysql.provision_progress) is written from here on.  A
  new copy ('fresh') deletes any earlier one of the connection, and knows
  gtid_slave_pos as it starts.
*/
static bool start_record(Master_info *mi, Rpl_provision_replica *state,
                         bool fresh)
{
  if (rpl_provision_progress_start(mi->cmp_connection_name, fresh))
    return true;
  if (fresh)
    state->filter->set_baseline(slave_pos_text());
  return false;
}


/*
  After a restart, the connection's unfinished copy (its marker is here)
  as its record in mysql.provision_progress left it becomes the copy the
  connection keeps: the same statement goes on with it.
*/
static bool recover_copy(THD *thd, Master_info *mi, const LEX_CSTRING *name)
{
  std::string request;
  bool resumable;
  if (!parked_request(mi).empty() || !read_marker(mi, &request, &resumable) ||
      !resumable)
    return false;
  rust::Vec<provision::ProgressRow> rows;
  if (rpl_provision_progress_read(mi->cmp_connection_name, &rows) ||
      rpl_load_gtid_slave_state(thd))
    return true;
  if (!provision::record_started(rust::Slice<const provision::ProgressRow>(
        rows.data(), rows.size())))
    return false;                      /* the copy changed nothing yet */
  /*
    gtid_slave_pos tells of an XA PREPARE applied after the record only
    when it commits with the data (see provision_core::saved_copy).
  */
  bool pos_in_innodb= gtid_pos_transactional(thd);
  rust::Str rname(name->str, name->length);
  rust::String error;
  rust::Box<provision::ReplicaFilter> filter=
    provision::replica_filter_restore(
      rname, rust::Slice<const provision::ProgressRow>(rows.data(), rows.size()),
      pos_in_innodb ? slave_pos_text() : std::string(), error);
  if (!error.empty())
  {
    my_error(ER_PROVISION_FAILED, MYF(0), (int) name->length, name->str,
             std::string(error).c_str());
    return true;
  }
  Rpl_provision_replica *state=
    new Rpl_provision_replica(provision::replica_copy_domain(rname),
                              std::move(request), rname);
  state->filter= std::move(filter);
  state->filter->copy_only_from(state->first_request);
  state->progress= state->filter->progress_handle();
  state->recovered= true;
  sql_print_information("Master '%.*s': LOAD DATA FROM MASTER: the "
                        "unfinished copy is taken up from its record in "
                        "mysql.provision_progress (%zu rows)",
                        (int) name->length, name->str, rows.size());
  for (const provision::QualifiedName &table : state->filter->tables_complete())
    if (rows_gone_at_restart(thd, table))
    {
      sql_print_information("Master '%.*s': LOAD DATA FROM MASTER: the copied "
                            "rows of table `%s`.`%s` may not have outlived "
                            "the restart (MEMORY, ARCHIVE); it is copied "
                            "again once the copy is done",
                            (int) name->length, name->str,
                            std::string(table.db).c_str(),
                            std::string(table.table).c_str());
      state->filter->rows_lost(table.db, table.table);
    }
  park(mi, state);
  return false;
}


/*
  Sets the largest relay log file of 'mi' to 'size' bytes (0: the
  server's max_binlog_size), as max_relay_log_size does.
*/
static void set_relay_log_file_size(Master_info *mi, ulonglong size)
{
  mi->rli.max_relay_log_size= size;
  mi->rli.relay_log.set_max_size((ulong) (size ? size : max_binlog_size));
}


/*
  Provision through 'mi', whose checks passed, sending 'request' (the
  statement's options and the connection's filter), with the tables'
  checksums compared at the end when 'checksum'; 'resumed' is the
  connection's kept copy when the statement goes on with it, 'replaced'
  the tables and views here a new copy with REPLACE replaces
  (provision::replaced_tables()).
  mi is held (users) by the caller.
*/
static bool provision_connection(THD *thd, Master_info *mi,
                                 const LEX_CSTRING *name, bool checksum,
                                 const std::string &request,
                                 Rpl_provision_replica *resumed,
                                 const rust::Vec<provision::QualifiedName> &
                                   replaced,
                                 rust::Vec<provision::QualifiedName> *lost)
{
  rust::Str rname(name->str, name->length);
  Rpl_provision_replica *state= resumed ? resumed :
    new Rpl_provision_replica(provision::replica_copy_domain(rname),
                              std::string(request), rname);
  bool failed= true;
  /*
    The dump reads much faster than this server applies: bound the relay
    log for the copy (the IO thread waits; the SQL thread frees space as
    it goes), unless relay_log_space_limit already does.
  */
  const ulonglong space_limit= mi->rli.log_space_limit;
  const ulonglong file_size= mi->rli.max_relay_log_size;
  ulonglong copy_file_size= file_size;
  uint64 rows_before= 0;
  bool recording= false;
  bool threads_started= false;          /* the SQL thread's error is ours */
  bool start_failed= false;             /* the copy is as it was */
  bool may_go_on= false;                /* report_copy_failure() */
  rust::Vec<provision::ProgressRow> earlier;

  /*
    Two LOAD DATA FROM MASTER on one connection: both may pass the checks
    before either starts the threads; only one may own the connection.
  */
  mysql_mutex_lock(&LOCK_active_mi);
  if (mi->provision)
  {
    mysql_mutex_unlock(&LOCK_active_mi);
    my_error(ER_PROVISION_THREADS_RUNNING, MYF(0),
             std::string(name->str, name->length).c_str());
    if (resumed)
      park(mi, state);                /* still the connection's to go on with */
    else
      delete state;
    return true;
  }
  mi->provision= state;
  state->owner= thd;
  mysql_mutex_unlock(&LOCK_active_mi);
  forget_finished(mi);

  /* The record of the copy this one replaces, which start_record() ends */
  if (!replaced.empty() &&
      rpl_provision_progress_read(mi->cmp_connection_name, &earlier))
    goto end;
  if (rpl_load_gtid_slave_state(thd) ||
      (resumed && prepare_resume(thd, name, &mi->cmp_connection_name, state,
                                 "the statement goes on with its copy")) ||
      start_record(mi, state, !resumed))
    goto end;
  recording= true;
  /* Before the copy's first event: the master's DROP of one runs here */
  {
    rust::Vec<provision::ProgressRow> rows= state->filter->replaces(
      rust::Slice<const provision::QualifiedName>(replaced.data(),
                                                  replaced.size()),
      rust::Slice<const provision::ProgressRow>(earlier.data(),
                                                earlier.size()));
    if (!rows.empty() &&
        rpl_provision_progress_update(mi->cmp_connection_name, rows, true))
      goto end;
  }
  mi->provision_parallel= parallel_apply(thd, mi, name);
  mi->rli.log_space_limit= provision::provision_relay_log_space_limit(
    space_limit, opt_provision_relay_log_space_limit);
  /*
    The SQL thread frees relay log space a file at a time: files larger
    than the bound would make the IO thread, and the master's binary log
    with it, wait until the SQL thread applied all of it.
  */
  {
    ulonglong own= file_size ? file_size : (ulonglong) max_binlog_size;
    ulonglong size= provision::provision_relay_log_file_size(
      mi->rli.log_space_limit, own);
    if (size != own)
      set_relay_log_file_size(mi, (copy_file_size= size));
  }
  sql_print_information("Master '%.*s': LOAD DATA FROM MASTER starts",
                        (int) name->length, name->str);
  /* From here on the copy may change this server (see marker_path()) */
  write_marker(mi, state->first_request);
  /* A kept copy counted its rows when it stopped */
  rows_before= state->progress->read().rows_copied;
  if (start_threads(thd, mi))
  {
    start_failed= true;
    goto end;
  }
  threads_started= true;
  for (ulong resumes= 0;; resumes++)
  {
    wait_for_copy(thd, mi, state);
    /* Resumes are bounded as the IO thread's reconnects (--master-retry-count) */
    if (state->done || thd->killed || !lost_connection_resumes(mi, state) ||
        (master_retry_count && resumes >= master_retry_count))
      break;
    if (prepare_resume(thd, name, &mi->cmp_connection_name, state,
                       "the connection to the master was lost"))
      break;
    if (start_threads(thd, mi))
    {
      start_failed= true;
      break;
    }
  }
  rpl_provision_copies++;
  rpl_provision_rows_applied+= state->progress->read().rows_copied - rows_before;
  if (!state->done)
  {
    if (!start_failed)
      may_go_on= report_copy_failure(thd, mi, state);
    goto end;
  }
  /* Before gtid_slave_pos: START SLAVE must not go on from a bad copy. */
  if (checksum && verify_checksums(thd, mi, name, state))
    goto end;
  /* Only the domains the master has: other connections keep theirs. */
  if (rpl_global_gtid_slave_state->load(thd, state->end_position.c_str(),
                                        state->end_position.length(),
                                        false, true))
  {
    my_error(ER_FAILED_GTID_STATE_INIT, MYF(0));
    goto end;
  }
  sql_print_information("Master '%.*s': LOAD DATA FROM MASTER done at "
                        "GTID position '%s'", (int) name->length, name->str,
                        state->end_position.c_str());
  {
    std::string left(state->filter->tables_left_note());
    if (!left.empty())
      sql_print_information("Master '%.*s': %s", (int) name->length,
                            name->str, left.c_str());
  }
  /* What an earlier copy took from the master, which has it no more */
  for (const provision::QualifiedName &table :
       state->filter->copied_before_left())
  {
    std::string db(table.db), t(table.table);
    if (rpl_provision_drop_table(mi->cmp_connection_name, db, t))
    {
      /* The copy is done: the error log says what is left to drop */
      sql_print_warning("Master '%.*s': LOAD DATA FROM MASTER ... REPLACE "
                        "could not drop table `%s`.`%s`, which an earlier "
                        "copy took from the master and the master has no "
                        "more: %s; drop it", (int) name->length, name->str,
                        db.c_str(), t.c_str(),
                        thd->get_stmt_da()->message());
      thd->clear_error();
      continue;
    }
    sql_print_information("Master '%.*s': LOAD DATA FROM MASTER ... REPLACE "
                          "dropped table `%s`.`%s`: an earlier copy took it "
                          "from the master, which has no table of that "
                          "name now", (int) name->length, name->str,
                          db.c_str(), t.c_str());
  }
  failed= false;
  *lost= state->filter->tables_lost();

end:
  /*
    Builds handed over again as the copy went on end here when the
    threads did not start (wait_for_copy() waits for them otherwise): the
    next statement hands them over again.
  */
  finish_index_builds(mi, state);
  /* Gone when the copy ended, or when it stopped before changing anything */
  bool unfinished= failed && state->filter->copy_changed_replica();
  if (!unfinished)
    remove_marker(mi);
  /*
    Stopped by KILL, STOP SLAVE or the network, not by an error of the
    copy, by an error of this server's that rolled the SQL thread's group
    back whole, by an index build that failed (the copy is sound; the
    build runs again as it goes on), by an error of the master's that
    keeps the copy (both report_copy_failure()), or its threads could not
    start: the same statement may go on with it, now or after a restart.
  */
  const char *sql_text= mi->rli.last_error().message;
  rust::Slice<const uint8_t> sql_message=
    rpl_provision_bytes(sql_text, strlen(sql_text));
  bool group_non_trans= state->filter->group_changed_non_transactional();
  bool killed_kept= thd->killed &&
    (!threads_started ||
     provision::sql_stop_keeps_copy(mi->rli.last_error().number,
                                    sql_message, group_non_trans));
  bool resumable= unfinished &&
    (start_failed || killed_kept || lost_connection_resumes(mi, state) ||
     may_go_on || state->index_build_failed);
  /*
    Killed while the SQL thread waited for the rest of a group of the
    master's that changed a non-transactional table (provision::
    sql_stop_keeps_copy()): the statement says it was killed, the log why
    the copy is not kept.
  */
  if (unfinished && thd->killed && !resumable)
    sql_print_warning("Master '%.*s': LOAD DATA FROM MASTER was killed; %s",
                      (int) name->length, name->str,
                      std::string(provision::name_copy_again(
                        provision::sql_failure_message(sql_message, false),
                        rust::Str(name->str, name->length),
                        state->first_request)).c_str());
  if (unfinished && !resumable)
    write_marker(mi, state->first_request, false);
  /*
    Kept for a copy that cannot go on too: the REPLACE that copies again
    reads which tables it took from the master (ReplicaFilter::replaces).
  */
  if (recording)
    rpl_provision_progress_end(mi->cmp_connection_name, unfinished);
  mi->rli.log_space_limit= space_limit;
  /* Unless SET GLOBAL max_relay_log_size changed it meanwhile */
  if (mi->rli.max_relay_log_size == copy_file_size &&
      copy_file_size != file_size)
    set_relay_log_file_size(mi, file_size);
  mysql_mutex_lock(&LOCK_active_mi);
  {
    std::lock_guard<std::mutex> guard(show_lock);
    mi->provision= NULL;
    mi->provision_parallel= false;
  }
  state->owner= NULL;
  mysql_mutex_unlock(&LOCK_active_mi);
  if (resumable)
  {
    sql_print_information("Master '%.*s': LOAD DATA FROM MASTER stopped; the "
                          "same statement without REPLACE goes on with the "
                          "copy",
                          (int) name->length, name->str);
    park(mi, state);
  }
  else
  {
    if (!failed)
      keep_finished(mi, state);
    delete state;
  }
  return failed;
}


/*
  A LOAD DATA FROM MASTER killed a moment ago may still be stopping the
  connection's threads and keeping its copy: the same statement run again
  right after the KILL waits for it, rather than be refused as if someone
  else ran the threads.  Returns true when this statement was killed
  while it waited (the error is raised).
*/
static bool wait_for_killed_copy(THD *thd, Master_info *mi)
{
  static PSI_stage_info stage_waiting=
    { 0, "Waiting for the killed LOAD DATA FROM MASTER to stop", 0 };
  PSI_stage_info old_stage;
  bool waiting= false;
  while (!thd->killed)
  {
    mysql_mutex_lock(&LOCK_active_mi);
    bool stopping= mi->provision && mi->provision->owner &&
      mi->provision->owner->killed;
    mysql_mutex_unlock(&LOCK_active_mi);
    if (!stopping)
      break;
    if (!waiting)
    {
      thd->backup_stage(&old_stage);
      THD_STAGE_INFO(thd, stage_waiting);
      waiting= true;
    }
    my_sleep(50000);
  }
  if (waiting)
    THD_STAGE_INFO(thd, old_stage);
  if (!thd->killed)
    return false;
  thd->send_kill_message();
  return true;
}


/*
  read_only does not stop a copy, as it does not stop START SLAVE: a
  replica is usually read-only, and the statement writes only what
  replication writes (the copied tables, gtid_slave_pos, the copy's
  record), with START SLAVE's privilege, checked before.  The threads
  are exempt as slave threads; this exempts the statement's own writes
  (gtid_slave_pos at the end, tables emptied for a resume) while it
  runs.
*/
class Replication_writes
{
public:
  explicit Replication_writes(THD *thd)
    : sctx(thd->security_ctx), saved(thd->security_ctx->master_access)
  {
    sctx->master_access|= PRIV_IGNORE_READ_ONLY;
  }
  ~Replication_writes() { sctx->master_access= saved; }

private:
  Security_context *sctx;
  privilege_t saved;
};


bool mysql_load_data_from_master(THD *thd)
{
  const LEX_CSTRING *name= &thd->lex->mi.connection_name;
  DBUG_ENTER("mysql_load_data_from_master");

  /* Same privilege as START SLAVE: it starts the connection's threads. */
  if (check_global_access(thd, PRIV_STMT_START_SLAVE))
    DBUG_RETURN(true);

  provision::ReplicaState state;
  state.connection_name= rust::String::lossy(name->str, name->length);
  state.in_stored_program= thd->spcont != NULL || thd->in_sub_stmt;
  state.in_transaction= thd->in_active_multi_stmt_transaction();
  state.connection_exists= false;
  state.master_host_set= false;
  state.io_thread_running= false;
  state.sql_thread_running= false;
  state.use_gtid= 0;
  state.master_delay= 0;
  state.skip_counter= 0;
  /* XA transactions prepared here, whose locks a replacing copy waits for */
  event_xid_t prepared;
  prepared.null();
  state.prepared_xa= xid_cache_count_pending(thd, &prepared);
  if (state.prepared_xa)
    state.prepared_xid= rust::String::lossy(prepared.serialize());
  /* Server-wide (--slave-skip-errors), so known without a connection */
  state.skips_provision_errors= use_slave_mask &&
    bitmap_is_set(&slave_error_mask, ER_PROVISION_FAILED);
  /* This server's own replicas, which the copy would not reach */
  state.replicas_connected= binlog_dump_thread_count;
  state.replace= thd->lex->provision_replace;

  /* LOAD TABLE ... FROM MASTER: the tables it names, nothing else */
  const bool reload= thd->lex->provision_reload;
  rust::Vec<provision::QualifiedName> reload_tables;
  if (reload)
  {
    for (TABLE_LIST *t= thd->lex->query_tables; t; t= t->next_global)
    {
      provision::QualifiedName q;
      q.db= rust::String::lossy(t->db.str, t->db.length);
      q.table= rust::String::lossy(t->table_name.str, t->table_name.length);
      reload_tables.push_back(std::move(q));
    }
  }
  else if (list_tables(thd, &state.databases))
    DBUG_RETURN(true);

  /* WARN_LEVEL_NOTE: an unknown name is the core's error to raise. */
  Master_info *mi= get_master_info(name, Sql_condition::WARN_LEVEL_NOTE);
  if (mi)
  {
    if (wait_for_killed_copy(thd, mi) || recover_copy(thd, mi, name))
    {
      mi->release();
      DBUG_RETURN(true);
    }
    read_connection_state(mi, &state);
    state.parked_request= parked_request(mi);
    /* A copy that stopped on an error: its tables are in the way */
    std::string marked;
    bool resumable;
    if (read_marker(mi, &marked, &resumable) && !resumable)
      state.failed_request= rust::String::lossy(marked.data(), marked.size());
  }
  rust::Str rname(name->str, name->length);
  std::string request(provision::replica_request(
    rname, thd->lex->provision_with_grants, thd->lex->provision_with_checksum,
    state.filter_rules));
  if (reload)
    request= std::string(provision::reload_request(request, reload_tables));
  state.request= request;

  provision::Verdict verdict= reload ?
    provision::check_load_tables(state, reload_tables) :
    provision::check_load_from_master(state);
  rust::String note= reload ? rust::String() :
    provision::parked_copy_note(state);
  if (!note.empty())
    push_warning(thd, Sql_condition::WARN_LEVEL_NOTE, ER_PROVISION_FAILED,
                 std::string(note).c_str());
  if (verdict.error_code)
  {
    std::string arg(verdict.error_arg);
    if (verdict.error_code == ER_PROVISION_FAILED)
      my_error(ER_PROVISION_FAILED, MYF(0), (int) name->length, name->str,
               arg.c_str());
    else
      my_error(verdict.error_code, MYF(0), arg.c_str());
    if (mi)
      mi->release();
    DBUG_RETURN(true);
  }
  /* A new copy replaces a kept one; the same statement goes on with it */
  Rpl_provision_replica *resumed= take_parked(mi);
  if (resumed && !verdict.resume)
  {
    delete resumed;
    resumed= NULL;
  }
  rust::String notice= provision::replace_notice(state);
  if (!notice.empty())
    sql_print_information("Master '%.*s': %s", (int) name->length, name->str,
                          std::string(notice).c_str());
  bool failed;
  {
    Replication_writes exempt(thd);
    rust::Vec<provision::QualifiedName> lost;
    failed= provision_connection(thd, mi, name,
                                 thd->lex->provision_with_checksum,
                                 request, resumed,
                                 resumed ? rust::Vec<provision::QualifiedName>()
                                 : provision::replaced_tables(state), &lost);
    /* Copied tables whose rows a restart took (MEMORY, ARCHIVE): LOAD TABLE */
    if (!failed && !lost.empty())
      failed= provision_connection(thd, mi, name,
                                   thd->lex->provision_with_checksum,
                                   std::string(provision::reload_request(
                                     request, lost)),
                                   NULL, rust::Vec<provision::QualifiedName>(),
                                   &lost);
  }
  mi->release();
  DBUG_RETURN(failed);
}


/*
  information_schema.PROVISIONING_PROGRESS: what one connection's copy
  shows, read under the locks that keep it alive (show_lock for the
  running one, parked_lock for a stopped one), stored after they are
  released.
*/
struct Copy_progress_view
{
  const char *state= NULL;
  bool counted= false;           /* the copy's state is in memory */
  provision::CopyProgress totals{};
  rust::Vec<provision::TableProgressRow> tables;
  ulonglong relay_log_space= 0;
  std::string last_error;
};


/* Reads the connection's copy, if it has one running or unfinished. */
static bool read_copy_progress(Master_info *mi, Copy_progress_view *view)
{
  {
    std::lock_guard<std::mutex> guard(show_lock);
    if (Rpl_provision_replica *copy= mi->provision)
    {
      view->state= "copying";
      view->totals= copy->progress->read();
      view->tables= copy->progress->tables();
      view->counted= true;
    }
  }
  if (!view->counted)
  {
    std::lock_guard<std::mutex> guard(parked_lock);
    auto it= parked_copies.find(parked_key(mi));
    if (it != parked_copies.end())
    {
      view->state= "stopped";
      view->totals= it->second->progress->read();
      view->tables= it->second->progress->tables();
      view->counted= true;
    }
    else
    {
      auto done= finished_copies.find(parked_key(mi));
      if (done != finished_copies.end())
      {
        view->state= "done";
        view->totals= done->second->read();
        view->tables= done->second->tables();
        view->counted= true;
      }
    }
  }
  std::string request;
  if (!view->counted)
  {
    /* After a restart: only the record says that a copy is unfinished */
    if (!read_marker(mi, &request))
      return false;
    view->state= "unfinished";
  }
  mysql_mutex_lock(&mi->rli.log_space_lock);
  view->relay_log_space= mi->rli.log_space_total;
  mysql_mutex_unlock(&mi->rli.log_space_lock);
  if (!strcmp(view->state, "stopped") || !strcmp(view->state, "unfinished"))
  {
    /* Why it stopped, if one of the threads said so */
    mysql_mutex_lock(&mi->err_lock);
    mysql_mutex_lock(&mi->rli.err_lock);
    if (mi->last_error().number)
      view->last_error= mi->last_error().message;
    else if (mi->rli.last_error().number)
      view->last_error= mi->rli.last_error().message;
    mysql_mutex_unlock(&mi->rli.err_lock);
    mysql_mutex_unlock(&mi->err_lock);
  }
  return true;
}


/* Stores 'value' in a nullable column, or leaves it NULL if negative. */
static void store_known(Field *field, double value)
{
  if (value < 0)
    return;
  field->set_notnull();
  field->store(value);
}


static void store_count(Field *field, ulonglong value)
{
  field->set_notnull();
  field->store((longlong) value, true);
}


static void store_text(Field *field, const char *str, size_t length)
{
  field->set_notnull();
  field->store(str, length, system_charset_info);
}


int rpl_provision_fill_progress(THD *thd, TABLE_LIST *tables, Item *)
{
  if (check_global_access(thd, PRIV_STMT_SHOW_SLAVE_STATUS, true))
    return 0;
  std::vector<std::pair<std::string, Copy_progress_view>> copies;
  for_each_connection([&](Master_info *mi) {
    Copy_progress_view view;
    if (read_copy_progress(mi, &view))
      copies.emplace_back(std::string(mi->connection_name.str,
                                      mi->connection_name.length),
                          std::move(view));
    return false;
  });

  TABLE *table= tables->table;
  Field **f= table->field;
  for (const auto &named : copies)
  {
    const std::string &connection= named.first;
    const Copy_progress_view &view= named.second;
    restore_record(table, s->default_values);
    store_text(f[0], connection.data(), connection.size());
    store_text(f[3], view.state, strlen(view.state));
    if (view.counted)
    {
      store_count(f[4], view.totals.rows_copied);
      store_count(f[5], view.totals.rows_total);
      store_known(f[8], view.totals.elapsed);
      store_known(f[9], view.totals.rate);
      store_known(f[10], view.totals.left);
    }
    store_count(f[11], view.relay_log_space);
    if (!view.last_error.empty())
      store_text(f[12], view.last_error.data(), view.last_error.size());
    if (schema_table_store_record(thd, table))
      return 1;
    for (const provision::TableProgressRow &row : view.tables)
    {
      restore_record(table, s->default_values);
      store_text(f[0], connection.data(), connection.size());
      store_text(f[1], row.db.data(), row.db.size());
      store_text(f[2], row.table.data(), row.table.size());
      store_text(f[3], row.state.data(), row.state.size());
      store_count(f[4], row.rows_copied);
      if (row.rows_estimated)
        store_count(f[5], row.rows_estimated);
      store_count(f[6], row.chunks);
      store_count(f[7], row.recopies);
      store_known(f[8], row.elapsed);
      store_known(f[9], row.rate);
      store_known(f[10], row.left);
      if (schema_table_store_record(thd, table))
        return 1;
    }
  }
  return 0;
}

#else /* HAVE_REPLICATION */

bool mysql_load_data_from_master(THD *thd)
{
  my_error(ER_NOT_SUPPORTED_YET, MYF(0), "LOAD DATA FROM MASTER");
  return true;
}

#endif /* HAVE_REPLICATION */
