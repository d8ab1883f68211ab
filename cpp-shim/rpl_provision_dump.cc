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
  Master side of LOAD DATA FROM MASTER: the binlog dump thread's hooks.

  A provisioning replica sets @slave_provision on its connection.  The dump
  thread then starts at the master's current GTID position and, at every
  event group boundary of the binlog it sends, asks the Rust scheduler for
  the next unit (CREATE DATABASE, CREATE OR REPLACE TABLE, a chunk of rows
  in the order of the copy key), reads it here through the handler API,
  lets Rust encode the event group and sends it at that position.  After
  the last unit it sends the end marker: a Gtid_list event flagged
  "provisioning done" carrying the master's GTID position at that point.

  A chunk is read at an exact cut (DESIGN I1): from an InnoDB consistent
  snapshot whose binlog position is the dump thread's, or, for other
  engines, under a table read lock taken when the binlog position is the
  dump thread's.  When the snapshot is ahead, the dump thread first sends
  the binlog up to it; when behind, it tries again.

  Everything here runs in the dump thread's THD with no binlog mutex held.
*/

#include "mariadb.h"
#include "sql_priv.h"

#ifdef HAVE_REPLICATION

#include "sql_class.h"
#include "sql_base.h"
#include "sql_db.h"
#include "sql_show.h"
#include "sql_derived.h"                // mysql_handle_single_derived
#include "sql_table.h"
#include "transaction.h"
#include "handler.h"
#include "key.h"
#include "log.h"
#include "log_event.h"
#include "sql_repl.h"
#include "semisync_master.h"
#include "set_var.h"
#include "tztime.h"                     // my_tz_OFFSET0
#include "xa.h"
#include "debug_sync.h"
#include "rpl_filter.h"                 // binlog_filter
#include "rpl_provision.h"
#include "rpl_provision_binlog.h"
#include "rpl_provision_catalog.h"
#include "rpl_provision_objects.h"
#include "rpl_provision_status.h"
#include "mariadb-provision/src/lib.rs.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>


/* log.cc: the binlog position of the THD's consistent snapshot */
void mysql_bin_log_commit_pos(THD *thd, ulonglong *out_pos,
                              const char **out_file);

/* @@provision_chunk_rows (sys_vars.cc): rows per chunk of a table */
uint opt_provision_chunk_rows;

/* One-phase commits in flight (handler.cc) */
std::atomic<uint32> rpl_provision_one_phase_commits{0};


/*
  @@provision_max_dumps (sys_vars.cc); how many run now is
  rpl_provision_dumps_running, a Provision_* status.
*/
uint opt_provision_max_dumps;
uint opt_provision_max_rows_per_second;
uint opt_provision_max_threads_running;
ulonglong opt_provision_max_bytes_per_second;


/* Counts 'thd' in *running if it runs a statement of a client. */
static my_bool count_running(THD *thd, uint32 *running)
{
  enum_server_command command= thd->get_command();
  if (command != COM_SLEEP && command != COM_BINLOG_DUMP &&
      command != COM_DAEMON && !thd->system_thread)
    (*running)++;
  return 0;
}


/*
  Client threads executing a statement, as Threads_running counts them,
  less the binlog dump threads (ours among them) and the server's own.
*/
static uint32 threads_running()
{
  uint32 running= 0;
  server_threads.iterate(count_running, &running);
  return running;
}


/**
  A provisioning dump in progress: the Rust session and its buffers.  It
  holds one of the @@provision_max_dumps slots while it exists.
*/
class Rpl_provision_dump
{
public:
  Rpl_provision_dump(THD *thd_arg, rust::Box<provision::DumpSession> &&s)
    : thd(thd_arg), session(std::move(s)), holding_snapshot(false),
      snapshot_pos(0), unit_pos(0),
      outcome("stopped: the replica disconnected or was killed"),
      sql_mode_before(thd_arg->variables.sql_mode),
      time_zone_before(thd_arg->variables.time_zone),
      quote_before(thd_arg->variables.option_bits & OPTION_QUOTE_SHOW_CREATE)
  {
    state[0]= '\0';
    /*
      Definitions are read, and their CREATEs applied, in the copy's own
      mode and time zone, not in the master's global ones that this
      session took (provision_core::dump::DEFINITIONS_SQL_MODE and
      DEFINITIONS_TIME_ZONE).
    */
    DBUG_ASSERT(provision::definitions_sql_mode() ==
                MODE_NO_ENGINE_SUBSTITUTION);
    thd->variables.sql_mode= (sql_mode_t) provision::definitions_sql_mode();
    DBUG_ASSERT(std::string(provision::definitions_time_zone()) ==
                std::string(my_tz_OFFSET0->get_name()->ptr(),
                            my_tz_OFFSET0->get_name()->length()));
    thd->variables.time_zone= my_tz_OFFSET0;
    /* Names quoted, as the core reads them (sql_quote_show_create) */
    thd->variables.option_bits|= OPTION_QUOTE_SHOW_CREATE;
  }
  ~Rpl_provision_dump()
  {
    thd->variables.sql_mode= sql_mode_before;
    thd->variables.time_zone= time_zone_before;
    thd->variables.option_bits= (thd->variables.option_bits &
                                 ~OPTION_QUOTE_SHOW_CREATE) | quote_before;
    rpl_provision_dumps_running--;
  }
  THD *thd;
  rust::Box<provision::DumpSession> session;
  /**
    A consistent snapshot for the next chunk is open in 'thd', at
    snapshot_pos of snapshot_file, ahead of the dump thread: the binlog
    is sent up to there first.
  */
  bool holding_snapshot;
  std::string snapshot_file;
  my_off_t snapshot_pos;
  /** Where the unit being sent goes (keepalive groups go there too). */
  my_off_t unit_pos;
  /** How the dump ended, for the audit line. */
  std::string outcome;
  /** The session's settings the dump changes, given back when it ends. */
  sql_mode_t sql_mode_before;
  Time_zone *time_zone_before;
  ulonglong quote_before;
  /** Scratch buffer for one packed column value. */
  String value_buf;
  /** The packet of one event: OK byte, optional semisync header, event. */
  String packet;
  /**
    The thread's processlist state while it copies a table.  A fixed
    buffer, rewritten in place: SHOW PROCESSLIST may read it any time.
  */
  char state[256];
  /**
    A table's CREATE (kept by the session, create_deferred()), read while
    the binlog was written up to 'create_pos' of 'create_file': sent
    there, after every event before it (a DDL logged before the read
    reaches the replica first).
  */
  std::string create_file;
  my_off_t create_pos= 0;
  /** The binlog file the dump thread reads (rpl_provision_dump_at()) */
  const char *log_file= "";
  /**
    open_unit() gave up a lock wait for now: the master wrote meanwhile,
    and its binlog goes first.
  */
  bool lock_wait_yielded= false;
};


static void set_error(char *errbuf, size_t errbuf_size, const std::string &msg)
{
  strmake(errbuf, msg.c_str(), errbuf_size - 1);
}


/*
  The base tables and sequences of 'db', sorted by name, and its views
  (appended to 'views' as database, name pairs).
*/
static bool list_tables_and_views(THD *thd, LEX_CSTRING *db,
                                  rust::Vec<rust::String> *tables,
                                  std::vector<std::pair<std::string,
                                                        std::string>> *views)
{
  Dynamic_array<LEX_CSTRING*> names(PSI_INSTRUMENT_MEM);
  if (rpl_provision_list_tables(thd, db, &names) != RPL_PROVISION_LIST_OK)
    return true;
  for (size_t i= 0; i < names.elements(); i++)
  {
    LEX_CSTRING *name= names.at(i);
    handlerton *hton= NULL;
    if (!ha_table_exists(thd, db, name, NULL, NULL, &hton))
      continue;
    if (hton == view_pseudo_hton)
      views->emplace_back(std::string(db->str, db->length),
                          std::string(name->str, name->length));
    else
      tables->push_back(rust::String::lossy(name->str, name->length));
  }
  return false;
}


/* What open_for_read() opens an object for. */
enum open_purpose
{
  OPEN_ROWS,          /* to read its rows */
  OPEN_ROWS_NO_WRITERS, /* to read its rows, writers held by the MDL too */
  OPEN_VIEW,          /* a view, for its definition (as SHOW CREATE VIEW) */
  OPEN_DEFINITION     /* a table, for its definition only: no table lock */
};

static bool open_for_read(THD *thd, const rust::String &db,
                          const rust::String &name, TABLE_LIST *tl,
                          LEX_CSTRING *db_name, LEX_CSTRING *table_name,
                          thr_lock_type lock_type= TL_READ,
                          open_purpose purpose= OPEN_ROWS);
static void end_table_access(THD *thd, TABLE *table);
static bool view_reads_missing(THD *thd, TABLE_LIST *tl);


/*
  After a failed open of the view 'db'.'name': when a table, column or
  function it reads is gone (ER_VIEW_INVALID, view_reads_missing()), the
  copy is refused naming it, since CREATE VIEW on the replica would refuse
  it too.  Returns whether that was the error.
*/
static bool view_invalid(THD *thd, Rpl_provision_dump *dump,
                         const rust::String &db, const rust::String &name)
{
  if (!thd->is_error() ||
      thd->get_stmt_da()->sql_errno() != ER_VIEW_INVALID)
    return false;
  dump->session->view_invalid(rust::Str(db), rust::Str(name));
  /* Its tables may be open and locked: a failed prepare leaves them so */
  thd->clear_error();
  end_table_access(thd, NULL);
  return true;
}


static bool open_by_name(THD *thd, const LEX_CSTRING &db,
                         const LEX_CSTRING &name, TABLE_LIST *tl,
                         open_purpose purpose)
{
  LEX_CSTRING db_name, table_name;
  return open_for_read(thd, rust::String(db.str, db.length),
                       rust::String(name.str, name.length), tl, &db_name,
                       &table_name, TL_READ, purpose);
}


bool rpl_provision_open_for_read(THD *thd, const LEX_CSTRING &db,
                                 const LEX_CSTRING &name, TABLE_LIST *tl)
{
  return open_by_name(thd, db, name, tl, OPEN_ROWS);
}


bool rpl_provision_open_metadata(THD *thd, const LEX_CSTRING &db,
                                 const LEX_CSTRING &name, TABLE_LIST *tl)
{
  return open_by_name(thd, db, name, tl, OPEN_DEFINITION);
}


void rpl_provision_end_access(THD *thd, TABLE *table)
{
  end_table_access(thd, table);
}


/* Tells Rust what the view 'db'.'name' reads, for the order of views. */
static bool add_view(THD *thd, Rpl_provision_dump *dump,
                     const std::string &db, const std::string &name)
{
  TABLE_LIST tl;
  LEX_CSTRING db_name, view_name;
  rust::String rdb= rust::String(db), rname= rust::String(name);
  /* As SHOW CREATE VIEW; without it the refusal says so, and no more */
  LEX_CSTRING vdb= { db.c_str(), db.length() };
  LEX_CSTRING vname= { name.c_str(), name.length() };
  if (!rpl_provision_may(thd, *dump->session, SHOW_VIEW_ACL, "SHOW VIEW", vdb,
                         vname))
    return false;
  if (open_for_read(thd, rdb, rname, &tl, &db_name, &view_name, TL_READ,
                    OPEN_VIEW))
  {
    /*
      The view itself gone since it was listed (a table it reads that is
      gone is ER_VIEW_INVALID): its DROP comes through the binlog after
      the copy's start, and the views are read again at the copy's
      objects.
    */
    if (thd->get_stmt_da()->sql_errno() == ER_NO_SUCH_TABLE)
    {
      thd->clear_error();
      end_table_access(thd, NULL);
      return false;
    }
    return !view_invalid(thd, dump, rdb, rname);
  }
  rust::Vec<rust::String> reads_db, reads_name;
  if (tl.view)
  {
    for (TABLE_LIST *t= tl.view->query_tables; t; t= t->next_global)
    {
      reads_db.push_back(rust::String::lossy(t->db.str, t->db.length));
      reads_name.push_back(rust::String::lossy(t->table_name.str,
                                               t->table_name.length));
    }
  }
  end_table_access(thd, NULL);
  dump->session->add_view(rust::Str(db), rust::Str(name), reads_db,
                          reads_name);
  return false;
}


static bool load_catalog(THD *thd, Rpl_provision_dump *dump)
{
  Dynamic_array<LEX_CSTRING*> dbs(PSI_INSTRUMENT_MEM);
  std::vector<std::pair<std::string, std::string>> views;
  if (rpl_provision_list_databases(thd, &dbs))
    return true;
  for (size_t i= 0; i < dbs.elements(); i++)
  {
    LEX_CSTRING *db= dbs.at(i);
    rust::Vec<rust::String> tables;
    if (list_tables_and_views(thd, db, &tables, &views))
      return true;
    rust::Str rdb(db->str, db->length);
    /* As open_table_from_share() decides can_do_row_logging */
    dump->session->add_database(rdb, tables, binlog_filter->db_ok(db->str));
    for (const rust::String &table : tables)
    {
      /* The replica's filter, or a system schema, leaves it out */
      if (!dump->session->copies_table(rdb, table))
        continue;
      DBUG_EXECUTE_IF("provision_dump_catalog_listed", {
        DBUG_SET("-d,provision_dump_catalog_listed");
        DBUG_ASSERT(!debug_sync_set_action(
          thd, STRING_WITH_LEN("now SIGNAL catalog_listed "
                               "WAIT_FOR catalog_go")));
      });
      LEX_CSTRING name= { table.data(), table.size() };
      if (rpl_provision_add_table_objects(thd, *dump->session, *db, name))
        return true;
    }
  }
  for (const auto &view : views)
  {
    if (!dump->session->copies_table(rust::Str(view.first),
                                     rust::Str(view.second)))
      continue;
    if (add_view(thd, dump, view.first, view.second))
      return true;
  }
  if (rpl_provision_add_routines(thd, *dump->session) ||
      rpl_provision_add_events(thd, *dump->session))
    return true;
  /* WITH GRANTS reads the privilege tables */
  static const LEX_CSTRING mysql_db= { STRING_WITH_LEN("mysql") };
  for (const rust::String &t : dump->session->account_tables())
  {
    LEX_CSTRING name= { thd->strmake(t.data(), t.size()), t.size() };
    rpl_provision_may(thd, *dump->session, SELECT_ACL, "SELECT", mysql_db,
                      name);
  }
  dump->session->plan();
  return false;
}


/*
  The views, routines, triggers and events as the master has them now:
  DDL came through the binlog before the copy reached them (the replica
  skipped it), and the copy creates them as they are.
*/
static bool reload_objects(THD *thd, Rpl_provision_dump *dump)
{
  dump->session->reset_objects();
  /* This thread's routines as it first read them: read them anew */
  thd->sp_caches_clear();
  std::vector<std::pair<std::string, std::string>> views;
  for (const rust::String &db : dump->session->copied_databases())
  {
    LEX_CSTRING name= { thd->strmake(db.data(), db.size()), db.size() };
    rust::Vec<rust::String> tables;
    if (list_tables_and_views(thd, &name, &tables, &views))
      return true;
  }
  for (const provision::QualifiedName &t : dump->session->copied_tables())
  {
    LEX_CSTRING db= { thd->strmake(t.db.data(), t.db.size()), t.db.size() };
    LEX_CSTRING name= { thd->strmake(t.table.data(), t.table.size()),
                        t.table.size() };
    if (rpl_provision_add_table_triggers(thd, *dump->session, db, name))
      return true;
  }
  for (const auto &view : views)
  {
    if (dump->session->copies_table(rust::Str(view.first),
                                    rust::Str(view.second)) &&
        add_view(thd, dump, view.first, view.second))
      return true;
  }
  if (rpl_provision_add_routines(thd, *dump->session) ||
      rpl_provision_add_events(thd, *dump->session))
    return true;
  dump->session->replan_objects();
  /* A view the master cannot open refuses the copy (view_invalid()) */
  return !dump->session->refusal().empty();
}


/*
  Who asked for a dump: the replica's server id, host and account, and
  whether the copy went over TLS (with which cipher, as Ssl_cipher shows
  it in the dump thread's session).
*/
static std::string replica_of(THD *thd)
{
  const Security_context *sctx= thd->security_ctx;
  std::string transport= " without TLS";
#ifdef HAVE_OPENSSL
  if (thd->vio_ok() && thd->net.vio->ssl_arg)
    transport= std::string(" over TLS (") +
               SSL_get_cipher((SSL*) thd->net.vio->ssl_arg) + ")";
#endif
  return "slave server " + std::to_string(thd->variables.server_id) +
         " at " + (sctx->host_or_ip ? sctx->host_or_ip : "?") +
         " as '" + sctx->priv_user + "'@'" + sctx->priv_host + "'" +
         transport;
}


/* @@binlog_optimize_thread_scheduling, a read-only variable of log.cc */
static bool optimize_thread_scheduling(THD *thd)
{
  static const LEX_CSTRING name=
    { STRING_WITH_LEN("binlog_optimize_thread_scheduling") };
  sys_var *var= find_sys_var(thd, name.str, name.length);
  bool is_null= false;
  return !var || var->val_int(&is_null, thd, OPT_GLOBAL, &null_clex_str) != 0;
}


/*
  The threads serving a provisioning dump, for the server's shutdown
  (rpl_provision_dump_shutdown()): in from start_dump() until
  rpl_provision_dump_end().
*/
static std::mutex dump_threads_lock;
static std::set<THD*> dump_threads;


void rpl_provision_dump_shutdown(THD *thd)
{
  std::lock_guard<std::mutex> guard(dump_threads_lock);
  if (dump_threads.count(thd))
    thd->awake(KILL_SERVER_HARD);        /* shuts its socket down too */
}


/*
  How long the dump waits to write to its replica: 'locks_out_writers'
  while it holds a read lock that keeps the master's writers out
  (provision_core::dump::replica_write_timeout).
*/
static void set_write_timeout(THD *thd, bool locks_out_writers)
{
  my_net_set_write_timeout(&thd->net, provision::provision_dump_write_timeout(
                             locks_out_writers,
                             (uint32_t) thd->variables.net_write_timeout));
}


/*
  A session for the replica's 'request' (@slave_provision), its copy
  starting at 'master_pos'.
*/
static rust::Box<provision::DumpSession>
new_session(const String &request, const String &master_pos)
{
  /*
    The plans the copies' points name, kept in the data directory so that
    a restart of this server does not cost a copy whose plan DDL changed
    its start (provision_core::plan_cache).
  */
  char plans[FN_REFLEN];
  if (fn_format(plans, "provision_plans", mysql_real_data_home, "",
                MY_UNPACK_FILENAME | MY_SAFE_PATH))
    provision::plan_store_open(rpl_provision_bytes(plans, strlen(plans)));
  rust::Box<provision::DumpSession> session=
    provision::dump_session_new(
      rpl_provision_bytes(request.ptr(), request.length()),
      rust::Str(master_pos.ptr(), master_pos.length()),
      (uint32_t) global_system_variables.server_id,
      opt_provision_chunk_rows);
  /*
    Which binary log the copy's positions refer to: a resumed copy that
    began before a RESET MASTER of this process is refused.
  */
  session->binlog_history((uint32_t) global_system_variables.server_id,
                          (uint64_t) server_start_time,
                          mysql_bin_log.get_reset_master_count());
  return session;
}


/* What the session needs to know of this master and of the replica */
static void check_settings(THD *thd, provision::DumpSession &session,
                           const String &connect_gtid_state)
{
  /*
    The replica filters the master's changes by row key: FULL images.
    Reported with the privileges the plan finds missing, all at once.
  */
  static const char *row_image_names[]= { "MINIMAL", "NOBLOB", "FULL" };
  ulong row_image= global_system_variables.binlog_row_image;
  session.check_master_settings(
    row_image < array_elements(row_image_names) ?
      row_image_names[row_image] : "unknown",
    optimize_thread_scheduling(thd));
  /* LOAD TABLE ... FROM MASTER goes on from where the replica is */
  session.start_at_replica(rust::Str(connect_gtid_state.ptr(),
                                     connect_gtid_state.length()));
}


static int start_dump(THD *thd, String *connect_gtid_state,
                      Rpl_provision_dump **out, char *errbuf,
                      size_t errbuf_size)
{
  bool null_value;
  char buf[256];
  String request(buf, sizeof(buf), system_charset_info);
  const LEX_CSTRING name= { STRING_WITH_LEN("slave_provision") };
  user_var_entry *entry=
    (user_var_entry*) my_hash_search(&thd->user_vars, (uchar*) name.str,
                                     name.length);
  *out= NULL;
  if (!entry || !entry->val_str(&null_value, &request, 0) || null_value)
    return 0;                                   /* an ordinary dump */

  /* The copy starts at the master's current position, not the slave's. */
  char pos_buf[256];
  String master_pos(pos_buf, sizeof(pos_buf), system_charset_info);
  master_pos.length(0);
  if (rpl_append_gtid_state(&master_pos, true))
  {
    set_error(errbuf, errbuf_size, "out of memory reading @@gtid_binlog_pos");
    return 1;
  }

  rust::Box<provision::DumpSession> session=
    new_session(request, master_pos);
  /* A slot among @@provision_max_dumps, held by the dump object */
  rpl_provision_dumps_started++;
  session->check_dump_slots(rpl_provision_dumps_running++,
                            opt_provision_max_dumps);
  rust::String refusal= session->refusal();
  if (!refusal.empty())
  {
    rpl_provision_dumps_running--;
    set_error(errbuf, errbuf_size, std::string(refusal));
    return 1;
  }
  check_settings(thd, *session, *connect_gtid_state);

  Rpl_provision_dump *dump= new Rpl_provision_dump(thd, std::move(session));
  /*
    A table listed may be gone when it is opened: dropped or renamed since
    by the master's DDL, which comes through the binlog after the copy's
    start position.  The catalog is read again into a new session, a few
    times; a table renamed is then listed under its new name.
  */
  for (uint tries= 1; load_catalog(thd, dump); tries++)
  {
    if (tries == 5 || !thd->is_error() ||
        thd->get_stmt_da()->sql_errno() != ER_NO_SUCH_TABLE)
    {
      set_error(errbuf, errbuf_size, std::string("LOAD DATA FROM MASTER: "
                "cannot list the master's databases and tables: ") +
                (thd->is_error() ? thd->get_stmt_da()->message() :
                 "unknown"));
      thd->clear_error();
      delete dump;
      return 1;
    }
    /* The open that failed ends as a statement */
    thd->clear_error();
    end_table_access(thd, NULL);
    dump->session= new_session(request, master_pos);
    check_settings(thd, *dump->session, *connect_gtid_state);
  }
  /* What the master holds may be impossible to copy (or to order) */
  refusal= dump->session->refusal();
  if (!refusal.empty())
  {
    set_error(errbuf, errbuf_size, std::string(refusal));
    rust::String in_full= dump->session->refusal_in_full();
    if (in_full != refusal)
      sql_print_information("LOAD DATA FROM MASTER: provisioning dump for %s: "
                            "%s", replica_of(thd).c_str(),
                            std::string(in_full).c_str());
    delete dump;
    return 1;
  }

  /*
    A new copy starts at the master's position; a resumed one where the
    replica's applied state is (checked against the binlog state above,
    and the binlog reader refuses a position it no longer has).
  */
  std::string start(dump->session->start_position());
  connect_gtid_state->length(0);
  connect_gtid_state->append(start.c_str(), start.length());
  sql_print_information("LOAD DATA FROM MASTER: provisioning dump for "
                        "slave server %lu %s at GTID position '%s'",
                        (ulong) thd->variables.server_id,
                        dump->session->plan_recalled() ?
                          "resumes the copy with the plan the master's DDL "
                          "made during it" :
                        dump->session->resumed() ? "resumes the copy" :
                        dump->session->is_reload() ? "loads tables" :
                        "starts", start.c_str());
  /*
    The replica's relay log bound paces the copy: while its SQL thread is
    held up, its IO thread stops reading, and a write that gave up after
    net_write_timeout would drop the connection, and with it a copy whose
    plan changed meanwhile.
  */
  set_write_timeout(thd, false);
  {
    std::lock_guard<std::mutex> guard(dump_threads_lock);
    dump_threads.insert(thd);
  }
  *out= dump;
  return 0;
}


int rpl_provision_dump_start(THD *thd, String *connect_gtid_state,
                             Rpl_provision_dump **out,
                             char *errbuf, size_t errbuf_size)
{
  /*
    Any dump, ordinary or provisioning: this server's own copy is not in
    its binary log, so a replica of it must wait for the copy and be
    provisioned from it.
  */
  std::string copying;
  if (rpl_provision_copying_here(&copying))
  {
    *out= NULL;
    set_error(errbuf, errbuf_size, copying);
    sql_print_information("LOAD DATA FROM MASTER: binlog dump for %s "
                          "refused: %s", replica_of(thd).c_str(), errbuf);
    return 1;
  }
  int res= start_dump(thd, connect_gtid_state, out, errbuf, errbuf_size);
  if (res)
    sql_print_information("LOAD DATA FROM MASTER: provisioning dump for %s "
                          "refused: %s", replica_of(thd).c_str(), errbuf);
  return res;
}


bool rpl_provision_refuse_reset_master(THD *thd)
{
  uint32 running= rpl_provision_dumps_running.load(std::memory_order_relaxed);
  if (!running)
    return false;
  my_error(ER_PROVISION_RESET_MASTER, MYF(0), (uint) running);
  return true;
}


/* Ends the transaction of a snapshot that was not used. */
static void drop_snapshot(Rpl_provision_dump *dump)
{
  THD *thd= dump->thd;
  dump->holding_snapshot= false;
  /* Starting the snapshot registered the engines in the statement too. */
  trans_rollback_stmt(thd);
  trans_rollback(thd);
  thd->release_transactional_locks();
}


void rpl_provision_dump_end(Rpl_provision_dump *dump)
{
  if (!dump)
    return;
  {
    std::lock_guard<std::mutex> guard(dump_threads_lock);
    dump_threads.erase(dump->thd);
  }
  if (dump->holding_snapshot)
    drop_snapshot(dump);
  /* The audit line of every provisioning dump: who, what, how it ended */
  sql_print_information("%s", std::string(dump->session->audit_line(
                                replica_of(dump->thd), dump->outcome)).c_str());
  delete dump;
}


/*
  Send the events in 'events' (whole events back to back, as Rust encodes
  them), each in its own packet, and flush them: the next unit may wait
  for a table lock, and the slave should not wait for this one meanwhile.
*/
static bool send_events(THD *thd, Rpl_provision_dump *dump,
                        const rust::Vec<uint8_t> &events)
{
  const uint8_t *p= events.data(), *end= p + events.size();
  while (p < end)
  {
    uint32 len= uint4korr(p + EVENT_LEN_OFFSET);
    DBUG_ASSERT(len >= LOG_EVENT_HEADER_LEN && p + len <= end);
    String *packet= &dump->packet;
    packet->length(0);
    packet->append("\0", 1);
    if (thd->semi_sync_slave &&
        repl_semisync_master.reserve_sync_header(packet))
      return true;
    if (packet->append((const char*) p, len) ||
        my_net_write(&thd->net, (uchar*) packet->ptr(), packet->length()))
      return true;
    p+= len;
  }
  if (net_flush(&thd->net))
    return true;
  dump->session->note_sent();
  return false;
}


/*
  The dump has nothing to send for 'sleep_us' (it is throttled, or waits
  for a commit to reach the engines, or for XA transactions): the binlog
  events written to the network buffer go out now, for the replica to
  apply meanwhile, and the replica gets a keepalive group when it heard
  nothing of the copy for a while (else a long wait would look like a
  lost master after slave_net_timeout).  A replica's heartbeat would not
  do: during a copy its master_log_pos counts the copy's events too, and
  it refuses a heartbeat at the binlog's real position.
*/
static bool idle(THD *thd, Rpl_provision_dump *dump, ulong sleep_us)
{
  rust::Vec<uint8_t> keepalive=
    dump->session->encode_idle_keepalive((uint32_t) dump->unit_pos);
  if (keepalive.empty() ? net_flush(&thd->net) :
                          send_events(thd, dump, keepalive))
    return true;
  my_sleep(sleep_us);
  return false;
}


/*
  idle() as the dump's answer to the binlog dump thread: back to the
  binlog after the wait, or the error that the replica is gone.
*/
static int wait_then_binlog(THD *thd, Rpl_provision_dump *dump,
                            ulong sleep_us, char *errbuf, size_t errbuf_size)
{
  if (idle(thd, dump, sleep_us))
  {
    set_error(errbuf, errbuf_size, "cannot send to the replica");
    return RPL_PROVISION_DUMP_ERROR;
  }
  return RPL_PROVISION_DUMP_SENT;
}


/* The copy stops: 'why' is the dump thread's error and the outcome. */
static int stop_dump(Rpl_provision_dump *dump, char *errbuf,
                     size_t errbuf_size, const std::string &why)
{
  if (!why.empty())
    set_error(errbuf, errbuf_size, why);
  dump->outcome= std::string("stopped: ") + errbuf;
  return RPL_PROVISION_DUMP_ERROR;
}


/* The session context a Query event of ours carries. */
provision::QueryContext rpl_provision_query_context(THD *thd)
{
  provision::QueryContext ctx;
  ctx.thread_id= (uint32_t) thd->thread_id;
  ctx.sql_mode= (uint64_t) thd->variables.sql_mode;
  /* Tables may reference parents created later in the copy. */
  ctx.flags2= (uint32_t) (OPTION_NO_FOREIGN_KEY_CHECKS &
                          OPTIONS_WRITTEN_TO_BIN_LOG);
  ctx.charset_client= (uint16_t) system_charset_info->number;
  ctx.collation_connection= (uint16_t) system_charset_info->number;
  ctx.collation_server=
    (uint16_t) global_system_variables.collation_server->number;
  const String *zone= thd->variables.time_zone->get_name();
  ctx.time_zone= rust::String(zone->ptr(), zone->length());
  return ctx;
}


/*
  What preparing a view's SELECT left (view_reads_missing()), undone as a
  statement's end undoes it.
*/
static void end_view_prepare(THD *thd)
{
  thd->lex->unit.cleanup();
  delete_explain_query(thd->lex);
}


static void end_table_access(THD *thd, TABLE *table)
{
  if (table)
    table->file->ha_index_or_rnd_end();
  ha_commit_trans(thd, FALSE);
  trans_commit(thd);
  end_view_prepare(thd);
  close_thread_tables(thd);
  thd->release_transactional_locks();
  /* What opening a view parsed: its items and the plugins it locked */
  thd->free_items();
  lex_end(thd->lex);
}


/*
  Opens db.name for reading as a statement of its own would, in the dump
  thread's THD; 'view' opens a view as SHOW CREATE VIEW does (for its
  definition, not to read through it).
*/
static bool open_for_read(THD *thd, const rust::String &db,
                          const rust::String &name, TABLE_LIST *tl,
                          LEX_CSTRING *db_name, LEX_CSTRING *table_name,
                          thr_lock_type lock_type, open_purpose purpose)
{
  db_name->str= thd->strmake(db.data(), db.size());
  db_name->length= db.size();
  table_name->str= thd->strmake(name.data(), name.size());
  table_name->length= name.size();
  lex_start(thd);
  thd->reset_for_next_command();
  /*
    A plain SELECT: InnoDB makes every other statement's read a locking
    read of the newest rows, which would ignore the chunk's snapshot.
  */
  thd->lex->sql_command= SQLCOM_SELECT;
  if (purpose == OPEN_VIEW)
  {
    /* As SHOW CREATE VIEW: a missing definer is a warning, not an error */
    thd->lex->sql_command= SQLCOM_SHOW_CREATE;
    thd->lex->context_analysis_only|= CONTEXT_ANALYSIS_ONLY_VIEW;
  }
  tl->init_one_table(db_name, table_name, NULL, lock_type);
  tl->select_lex= thd->lex->first_select_lex();
  /* As LOCK TABLES ... READ: no writer gets the table's metadata lock */
  if (purpose == OPEN_ROWS_NO_WRITERS)
    tl->mdl_request.set_type(MDL_SHARED_READ_ONLY);
  if (purpose == OPEN_DEFINITION)
  {
    /*
      As INFORMATION_SCHEMA does: a high-priority shared metadata lock and
      no table lock, so a LOCK TABLES ... WRITE on the master does not
      hold up the planning of the copy (only the copy of that table).
    */
    TABLE_LIST *tables= tl;
    uint counter;
    DML_prelocking_strategy prelocking_strategy;
    return open_tables(thd, &tables, &counter,
                       MYSQL_OPEN_FORCE_SHARED_HIGH_PRIO_MDL,
                       &prelocking_strategy);
  }
  if (open_and_lock_tables(thd, tl, FALSE, 0))
    return true;
  return purpose == OPEN_VIEW && tl->view && view_reads_missing(thd, tl);
}


/*
  Notes whether an error raised says that something a view reads is gone
  (provision::view_reads_gone()); the error is raised as usual.
*/
class Missing_object_handler : public Internal_error_handler
{
public:
  bool missing= false;

  bool handle_condition(THD *, uint sql_errno, const char *,
                        Sql_condition::enum_warning_level *level,
                        const char *, Sql_condition **) override
  {
    if (*level == Sql_condition::WARN_LEVEL_ERROR &&
        provision::view_reads_gone(sql_errno))
      missing= true;
    return false;
  }
};


/*
  Prepares the SELECT of the view opened in 'tl', as SHOW CREATE VIEW
  does: opening it finds a table it reads gone, this a column or a
  function too, which CREATE VIEW on the replica would refuse.  Those are
  ER_VIEW_INVALID here (view_invalid()).  Missing rights (of a definer
  that does not exist, of an invoker) are not: the replica's SQL thread
  creates the view with a warning.
*/
static bool view_reads_missing(THD *thd, TABLE_LIST *tl)
{
  Missing_object_handler handler;
  thd->push_internal_handler(&handler);
  bool failed= mysql_handle_single_derived(thd->lex, tl, DT_INIT | DT_PREPARE);
  thd->pop_internal_handler();
  if (!failed)
    return false;
  thd->clear_error();
  if (!handler.missing)
    return false;
  my_error(ER_VIEW_INVALID, MYF(0), tl->db.str, tl->table_name.str);
  return true;
}


static bool send_create_database(THD *thd, Rpl_provision_dump *dump,
                                 const provision::UnitInfo &unit,
                                 my_off_t end_pos)
{
  Schema_specification_st info;
  std::string db(unit.db);
  info.init();
  if (load_db_opt_by_name(thd, db.c_str(), &info) < 0)
    return true;
  CHARSET_INFO *cs= info.default_table_charset ?
    info.default_table_charset : thd->variables.collation_server;
  LEX_CSTRING comment= info.schema_comment ? *info.schema_comment :
                                              empty_clex_str;
  rust::Vec<uint8_t> events= dump->session->encode_create_database(
    (uint32_t) end_pos, rust::Str(cs->cs_name.str, cs->cs_name.length),
    rust::Str(cs->coll_name.str, cs->coll_name.length),
    rpl_provision_bytes(comment.str, comment.length),
    rpl_provision_query_context(thd));
  return send_events(thd, dump, events);
}


/*
  An open_for_read() that failed opened nothing: its error is dropped and
  the statement ended, a snapshot the dump holds staying open.
*/
static void end_failed_open(THD *thd)
{
  thd->clear_error();
  close_thread_tables(thd);
  thd->mdl_context.release_statement_locks();
  thd->free_items();
  lex_end(thd->lex);
}


/* Where the binlog is written up to: the file and the end in it */
struct Binlog_end
{
  char file[FN_REFLEN];
  my_off_t pos;

  Binlog_end()
  {
    mysql_bin_log.lock_binlog_end_pos();
    pos= mysql_bin_log.get_binlog_end_pos(file);
    mysql_bin_log.unlock_binlog_end_pos();
  }

  bool in(const char *log_file) const
  {
    return !strcmp(base_name(file), base_name(log_file));
  }

  /* Whether it has events after 'log_pos' of 'log_file', not sent yet */
  bool after(const char *log_file, my_off_t log_pos) const
  {
    return !in(log_file) || pos > log_pos;
  }
};


/* Whether the binlog has events after the unit's place, not sent yet */
static bool binlog_ahead(Rpl_provision_dump *dump)
{
  return Binlog_end().after(dump->log_file, dump->unit_pos);
}


/*
  open_for_read() for the unit being sent (at dump->unit_pos).  A lock held
  on the master (LOCK TABLES, a DDL statement, a transaction that wrote a
  non-transactional table) is waited for in steps of a second.  After a
  step, when 'may_yield' and the master wrote meanwhile, it gives up for
  now (dump->lock_wait_yielded): the binlog goes on to the next
  transaction boundary, where the unit is tried again, so the master's
  transactions on other tables reach the replica (a semi-synchronous
  master waits for its acknowledgements).  Otherwise the replica gets a
  keepalive group every few seconds: it hears nothing else meanwhile, and
  would drop the connection after slave_net_timeout.  The state shows in
  SHOW PROCESSLIST as usual ("Waiting for table metadata lock").  After
  @@lock_wait_timeout in all, the refusal names the table.
*/
static bool open_unit(THD *thd, Rpl_provision_dump *dump,
                      const rust::String &db, const rust::String &name,
                      TABLE_LIST *tl, LEX_CSTRING *db_name,
                      LEX_CSTRING *table_name,
                      thr_lock_type lock_type= TL_READ,
                      open_purpose purpose= OPEN_ROWS,
                      bool may_yield= true)
{
  ulong timeout= thd->variables.lock_wait_timeout;
  thd->variables.lock_wait_timeout= 1;
  bool failed;
  for (;;)
  {
    failed= open_for_read(thd, db, name, tl, db_name, table_name, lock_type,
                          purpose);
    if (!failed || !thd->is_error() ||
        thd->get_stmt_da()->sql_errno() != ER_LOCK_WAIT_TIMEOUT)
      break;
    end_failed_open(thd);
    provision::LockWaitStep step= dump->session->lock_wait(
      db, name, timeout, may_yield && binlog_ahead(dump));
    if (!dump->session->refusal().empty())
      break;                            /* waited too long */
    if (step == provision::LockWaitStep::SendBinlog)
    {
      dump->lock_wait_yielded= true;
      break;
    }
    if (step == provision::LockWaitStep::Keepalive &&
        send_events(thd, dump,
                    dump->session->encode_keepalive((uint32_t) dump->unit_pos,
                                                    db, name)))
      break;
  }
  if (!failed)
    dump->session->lock_acquired();
  thd->variables.lock_wait_timeout= timeout;
  return failed;
}


/*
  Whether 'table' still has the definition the copy first read (DDL on the
  master during the copy would make its rows and key buffers differ from
  what the copy sent and the replica created); the refusal says so.
*/
static bool definition_unchanged(Rpl_provision_dump *dump,
                                 const provision::UnitInfo &unit,
                                 TABLE *table)
{
  const LEX_CUSTRING &version= table->s->tabledef_version;
  return dump->session->check_definition(
    unit.db, unit.table,
    rust::Slice<const uint8_t>(version.str, version.length));
}


/*
  The table's definition as the copy sends it.  A sequence as CREATE
  SEQUENCE: the table form would recreate it with the default start, cache
  and increment.  The name is unqualified, as the server logs CREATE
  TABLE: the event's database names it, which the replica's
  replicate_rewrite_db rewrites.
*/
static int show_create(THD *thd, TABLE_LIST *tl, String *ddl)
{
  return tl->table->s->table_type == TABLE_TYPE_SEQUENCE ?
    show_create_sequence(thd, tl, ddl) :
    show_create_table(thd, tl, ddl, NULL, WITHOUT_DB_NAME);
}


static bool send_create_table(THD *thd, Rpl_provision_dump *dump,
                              const provision::UnitInfo &unit,
                              my_off_t end_pos)
{
  TABLE_LIST tl;
  LEX_CSTRING db, name;
  char buf[2048];
  String ddl(buf, sizeof(buf), system_charset_info);
  ddl.length(0);
  if (open_unit(thd, dump, unit.db, unit.table, &tl, &db, &name))
    return true;
  if (!definition_unchanged(dump, unit, tl.table))
  {
    end_table_access(thd, NULL);
    return true;
  }
  int err= show_create(thd, &tl, &ddl);
  /*
    Where the binlog is, with the table's metadata lock still held: a DDL
    of the table that the definition shows is logged before it, one that
    it does not show after it.  The CREATE goes to the replica there.
  */
  DBUG_EXECUTE_IF("provision_dump_create_read", {
    DBUG_SET("-d,provision_dump_create_read");
    DBUG_ASSERT(!debug_sync_set_action(
      thd, STRING_WITH_LEN("now SIGNAL create_read WAIT_FOR create_go")));
  });
  Binlog_end written;
  end_table_access(thd, NULL);
  if (err)
    return true;
  if (written.pos <= end_pos || !written.in(dump->log_file))
    return send_events(thd, dump,
                       dump->session->encode_create_definition(
                         (uint32_t) end_pos,
                         rpl_provision_bytes(ddl.ptr(), ddl.length()),
                         rpl_provision_query_context(thd)));
  dump->session->defer_create((uint32_t) written.pos,
                              rpl_provision_bytes(ddl.ptr(), ddl.length()),
                              rpl_provision_query_context(thd));
  dump->create_file= base_name(written.file);
  dump->create_pos= written.pos;
  return false;
}


/*
  CREATE OR REPLACE VIEW with the master's own SHOW CREATE VIEW text, in
  the view's creation context (its client character set and collation).
*/
static bool send_create_view(THD *thd, Rpl_provision_dump *dump,
                             const provision::UnitInfo &unit,
                             my_off_t end_pos)
{
  TABLE_LIST tl;
  LEX_CSTRING db, name;
  char buf[2048];
  String ddl(buf, sizeof(buf), system_charset_info);
  ddl.length(0);
  if (open_unit(thd, dump, unit.db, unit.table, &tl, &db, &name, TL_READ,
                    OPEN_VIEW))
  {
    view_invalid(thd, dump, unit.db, unit.table);
    return true;
  }
  if (!tl.view)
  {
    end_table_access(thd, NULL);
    my_error(ER_WRONG_OBJECT, MYF(0), db.str, name.str, "VIEW");
    return true;
  }
  provision::QueryContext ctx= rpl_provision_query_context(thd);
  ctx.charset_client= (uint16_t) tl.view_creation_ctx->get_client_cs()->number;
  ctx.collation_connection=
    (uint16_t) tl.view_creation_ctx->get_connection_cl()->number;
  ddl.set_charset(tl.view_creation_ctx->get_client_cs());
  /*
    A view that reads only its own database is printed without database
    names (as SHOW CREATE VIEW does in that database), so that the
    replica's replicate_rewrite_db applies to it through the event's
    database.  show_create_view() decides that from lex->query_tables,
    which opening the view here does not set: decide it from the view's
    own tables.
  */
  bool own_db_only= true;
  for (TABLE_LIST *t= tl.view->query_tables; t; t= t->next_global)
    own_db_only&= !cmp(&db, &t->db);
  LEX_CSTRING current_db= thd->db;
  if (own_db_only)
    thd->reset_db(&db);
  else
    thd->reset_db(&null_clex_str);
  int err= show_create_view(thd, &tl, &ddl);
  thd->reset_db(&current_db);
  end_table_access(thd, NULL);
  if (err)
    return true;
  rust::Vec<uint8_t> events= dump->session->encode_create_definition(
    (uint32_t) end_pos, rpl_provision_bytes(ddl.ptr(), ddl.length()), ctx);
  return send_events(thd, dump, events);
}


/* Describe the table's columns as its Table_map event will. */
static void describe_columns(TABLE *table, rust::Vec<provision::ColumnDesc> *out)
{
  for (Field **fp= table->field; *fp; fp++)
  {
    Binlog_type_info info= (*fp)->binlog_type_info();
    provision::ColumnDesc col;
    col.type_code= info.m_type_code;
    col.metadata= info.m_metadata;
    col.metadata_size= info.m_metadata_size;
    col.nullable= (*fp)->maybe_null();
    out->push_back(col);
  }
}


/* Hand the current row's values, as Field::pack() writes them, to Rust. */
static bool add_row(Rpl_provision_dump *dump, TABLE *table)
{
  for (Field **fp= table->field; *fp; fp++)
  {
    Field *field= *fp;
    if (field->is_null())
    {
      dump->session->add_null();
      continue;
    }
    /*
      pack() writes at most the in-record length plus, for BLOBs, the
      value itself (value_length(); data_length() is the pointer's size).
    */
    size_t need= (size_t) field->pack_length() + field->value_length() + 16;
    if (dump->value_buf.alloc(need))
      return true;
    uchar *start= (uchar*) dump->value_buf.ptr();
    uchar *end= field->pack(start, field->ptr, field->max_data_length());
    dump->session->add_value(
      rust::Slice<const uint8_t>(start, (size_t) (end - start)));
  }
  dump->session->end_row();
  rpl_provision_rows_sent.fetch_add(1, std::memory_order_relaxed);
  return false;
}


/* Whether 'cursor' is a key_copy() image of 'key' (Rust decides). */
static bool cursor_well_formed(const KEY *key,
                               const rust::Vec<uint8_t> &cursor)
{
  rust::Vec<provision::KeyPartShape> parts;
  for (uint i= 0; i < key->user_defined_key_parts; i++)
  {
    const KEY_PART_INFO *part= key->key_part + i;
    provision::KeyPartShape shape;
    shape.nullable= part->null_bit != 0;
    shape.variable= (part->key_part_flag &
                     (HA_BLOB_PART | HA_VAR_LENGTH_PART)) != 0;
    shape.length= part->length;
    parts.push_back(shape);
  }
  return cursor.size() == key->key_length &&
    provision::key_image_valid(parts,
                               rust::Slice<const uint8_t>(cursor.data(),
                                                          cursor.size()));
}


/*
  Whether the statement's table locks keep the table's writers out, as
  TL_READ_NO_INSERT asks.  An engine may grant less: ARCHIVE makes it
  TL_READ, and its writers' locks TL_WRITE_ALLOW_WRITE, so inserts run
  during the read.  Then only the metadata lock can hold them (which
  MyISAM and Aria do not need: it would wait for whole transactions, and
  a stream of overlapping writers could hold it off for good).
*/
static bool table_lock_holds_writers(THD *thd)
{
  if (!thd->lock || !thd->lock->lock_count)
    return false;
  for (uint i= 0; i < thd->lock->lock_count; i++)
    if (thd->lock->locks[i]->type != TL_READ_NO_INSERT)
      return false;
  return true;
}


/* What send_rows_at_cut() did. */
enum chunk_result
{
  CHUNK_SENT,          /* the chunk is sent */
  CHUNK_EVENTS_FIRST,  /* send the binlog up to *end_pos first */
  CHUNK_WAIT,          /* the cut is not there yet: try again shortly */
  CHUNK_STALLED,       /* DDL changed the table: stream the binlog only */
  CHUNK_DISCARDED,     /* the table has no tablespace: wait for its import */
  CHUNK_FAILED         /* error, in thd's diagnostics area or errbuf */
};


/*
  Whether the read that failed with 'err' met InnoDB's refusal of a read
  view older than the table it reads ("Table definition has changed").
  A TRUNCATE TABLE (or TRUNCATE PARTITION) makes a new table in InnoDB
  and keeps the .frm and its version, so check_rows_definition() sees
  nothing; when it committed between the snapshot of a cut and the
  dump's open of the table (the open waits for its metadata lock), the
  snapshot cannot read the table.  The statement is in the binlog by
  then (it logs before it releases the lock): the caller reads again
  from a later cut, which sees the new table, instead of failing the
  copy.  Clears the error when true.
*/
static bool snapshot_older_than_table(THD *thd, int err)
{
  if (err != HA_ERR_TABLE_DEF_CHANGED)
    return false;
  thd->clear_error();
  return true;
}


/*
  Reads the chunk 'unit' from 'table' (opened, read at the exact cut for
  'end_pos', with the definition the copy read), ends the read and sends
  the chunk.
*/
static chunk_result send_chunk(THD *thd, Rpl_provision_dump *dump,
                               const provision::UnitInfo &unit,
                               TABLE *table, my_off_t end_pos)
{
  uint key_nr= rpl_provision_copy_key(table);
  KEY *key_info= key_nr == MAX_KEY ? NULL : table->key_info + key_nr;
  uint key_length= key_info ? key_info->key_length : 0;
  uint rows= 0;
  bool exhausted= false;
  int err;

  /*
    The cursor was made with the key of the definition checked here; a
    resumed copy's first cursor comes from the replica, which can send
    anything: index_read_map() trusts its length bytes.
  */
  if (unit.has_after_key &&
      (!key_info || !cursor_well_formed(key_info, unit.after_key)))
  {
    if (!thd->is_error())
      my_printf_error(ER_UNKNOWN_ERROR, "the cursor of `%s`.`%s` is not a "
                      "key of the table", MYF(0),
                      std::string(unit.db).c_str(),
                      std::string(unit.table).c_str());
    end_table_access(thd, table);
    return CHUNK_FAILED;
  }
  uchar *key_buf= (uchar*) thd->alloc(key_length + 1);

  table->use_all_columns();
  if (!key_info)
  {
    if (!(err= table->file->ha_rnd_init_with_error(true)))
      err= table->file->ha_rnd_next(table->record[0]);
  }
  else if ((err= table->file->ha_index_init(key_nr, true)))
    ;
  else if (unit.has_after_key)
  {
    /* The cursor is a key image made by key_copy() from the last row. */
    memcpy(key_buf, unit.after_key.data(), key_length);
    err= table->file->ha_index_read_map(table->record[0], key_buf,
                                        HA_WHOLE_KEY, HA_READ_AFTER_KEY);
  }
  else
    err= table->file->ha_index_first(table->record[0]);

  /*
    Discarded to import a tablespace (InnoDB says so at the first read):
    the import comes through the binlog and copies the table again.
  */
  if (err == HA_ERR_TABLESPACE_MISSING && thd->is_error() &&
      thd->get_stmt_da()->sql_errno() == ER_TABLESPACE_DISCARDED)
  {
    end_table_access(thd, table);
    thd->clear_error();
    return CHUNK_DISCARDED;
  }
  if (snapshot_older_than_table(thd, err))
  {
    end_table_access(thd, table);
    return CHUNK_STALLED;
  }
  rust::Vec<provision::ColumnDesc> columns;
  describe_columns(table, &columns);
  dump->session->begin_chunk(columns);
  /* Rows sent as they are read: under the read lock of other engines */
  const bool locks_out_writers= !table->file->has_transactions_and_rollback();
  if (locks_out_writers)
    set_write_timeout(thd, true);

  for (;;)
  {
    if (err == HA_ERR_RECORD_DELETED)
    {
      err= table->file->ha_rnd_next(table->record[0]);
      continue;
    }
    if (err)
      break;
    if (add_row(dump, table))
    {
      err= HA_ERR_OUT_OF_MEM;
      break;
    }
    rows++;
    /*
      Bounded memory: a chunk in key order ends early, a table read whole
      at one cut sends what it holds ahead, as part of its transaction.
    */
    provision::ChunkPressure pressure=
      dump->session->chunk_pressure(key_info == NULL);
    if (pressure == provision::ChunkPressure::Stream &&
        send_events(thd, dump, dump->session->drain_chunk((uint32_t) end_pos)))
    {
      err= HA_ERR_OUT_OF_MEM;
      break;
    }
    if (key_info)
    {
      key_copy(key_buf, table->record[0], key_info, key_length);
      if (rows >= unit.max_rows || pressure == provision::ChunkPressure::Stop)
        break;
      err= table->file->ha_index_next(table->record[0]);
    }
    else
      err= table->file->ha_rnd_next(table->record[0]);
  }
  if (err == HA_ERR_END_OF_FILE || err == HA_ERR_KEY_NOT_FOUND)
  {
    exhausted= true;
    err= 0;
  }
  if (err)
    table->file->print_error(err, MYF(0));
  end_table_access(thd, table);
  if (locks_out_writers)
    set_write_timeout(thd, false);
  if (err)
    return CHUNK_FAILED;

  rust::Vec<uint8_t> events= dump->session->finish_chunk(
    (uint32_t) end_pos,
    rust::Slice<const uint8_t>(key_buf, exhausted ? 0 : key_length),
    exhausted);
  return send_events(thd, dump, events) ? CHUNK_FAILED : CHUNK_SENT;
}


static bool send_end_marker(THD *thd, Rpl_provision_dump *dump,
                            const char *log_file_name, my_off_t end_pos)
{
  char buf[256];
  String pos(buf, sizeof(buf), system_charset_info);
  pos.length(0);
  /* Exactly the position the slave has reached: everything up to end_pos. */
  if (gtid_state_from_binlog_pos(log_file_name + dirname_length(log_file_name),
                                 (uint32) end_pos, &pos))
    return true;
  rust::Vec<uint8_t> events= dump->session->encode_end(
    (uint32_t) end_pos, rust::Str(pos.ptr(), pos.length()));
  sql_print_information("LOAD DATA FROM MASTER: provisioning dump for slave "
                        "server %lu complete at GTID position '%s'",
                        (ulong) thd->variables.server_id, pos.c_ptr_safe());
  return send_events(thd, dump, events);
}


static chunk_result act_on_cut(Rpl_provision_dump *dump,
                               const provision::CutDecision &cut,
                               const char *snap_file, my_off_t *end_pos,
                               bool keep_snapshot)
{
  switch (cut.action) {
  case provision::CutAction::Exact:
    return CHUNK_SENT;
  case provision::CutAction::SendEventsTo:
    *end_pos= (my_off_t) cut.pos;
    if (keep_snapshot)
    {
      dump->holding_snapshot= true;
      dump->snapshot_file= base_name(snap_file);
      dump->snapshot_pos= (my_off_t) cut.pos;
    }
    return CHUNK_EVENTS_FIRST;
  case provision::CutAction::SendEventsFirst:
    return CHUNK_EVENTS_FIRST;
  default:
    return CHUNK_WAIT;
  }
}


/*
  The types of the events of binlog file 'file' from 'from' to 'to', for
  the core to see whether the engines' commit position is the binlog's
  end but for bookkeeping (cut::commit_through_bookkeeping).  Left empty
  when they cannot be read whole: a bounded stretch.  Called under
  LOCK_log, so that nothing is being written there.

  The events are read as the dump thread reads them, through the
  decryption that an encrypted file's Start_encryption event (its second)
  sets up: there the event types are encrypted too.
*/
static void read_commit_tail(const char *file, my_off_t from, my_off_t to,
                             rust::Vec<uint8_t> *types)
{
  if (from >= to || to - from > 4096)
    return;
  Rpl_provision_binlog_file binlog(file);
  if (!binlog.readable())
    return;
  rust::Vec<uint8_t> found;
  binlog.seek(from);
  while (binlog.tell() < to)
  {
    String packet;
    if (!binlog.next_packet(&packet) || packet.length() <= EVENT_TYPE_OFFSET)
      return;
    found.push_back((uint8_t) packet[EVENT_TYPE_OFFSET]);
  }
  if (binlog.tell() == to)
    *types= std::move(found);
}


/*
  Takes the binlog position that a read now sees (the cut), starting the
  consistent snapshot at it when 'snapshot' (else the caller holds a table
  lock that keeps writers out), and judges it (DESIGN I1, cut.rs).

  LOCK_log keeps binlog writes and rotations out.  LOCK_after_binlog_sync
  being free proves that no group commit is between writing the binlog
  and committing in the engines: its leader holds LOCK_log or
  LOCK_after_binlog_sync until it holds LOCK_commit_ordered, which the
  snapshot waits for.  It is taken with trylock: a leader may hold it
  while it waits for a semi-sync acknowledgement, which must not wait for
  this thread.  Two kinds of transactions are in the binlog before they
  are visible without any group commit in flight: XA transactions between
  XA PREPARE and the end of XA COMMIT, and one-phase commits (an engine
  without prepare took part) until their engines committed.  Both are
  counted before the snapshot starts: one that finishes after the count
  finished before the snapshot, and one not yet in the binlog comes after
  the cut.

  The engines' commit position must then be the binlog's end, or the end
  but for a binlog checkpoint (read_commit_tail()).  Right after a
  rotation it names the new file before the old file's last group is
  committed; the Rust core refuses that too.
*/
static provision::CutDecision take_cut(THD *thd, Rpl_provision_dump *dump,
                                       bool snapshot, const char *log_file,
                                       my_off_t log_pos, my_off_t end_pos,
                                       char *file, bool *failed)
{
  provision::CutFacts facts;
  event_xid_t pending_xid;
  pending_xid.null();
  facts.dump_pos= log_pos;
  facts.dump_end_pos= end_pos;
  mysql_mutex_lock(mysql_bin_log.get_log_lock());
  facts.group_commit_idle= !mysql_mutex_trylock(&LOCK_after_binlog_sync);
  facts.xa_pending= xid_cache_count_pending(thd, &pending_xid);
  facts.one_phase_commits= rpl_provision_one_phase_commits;
  *failed= false;
  if (snapshot)
  {
    thd->tx_isolation= ISO_REPEATABLE_READ;
    *failed= trans_begin(thd, MYSQL_START_TRANS_OPT_WITH_CONS_SNAPSHOT);
  }
  /* The binlog's end: under LOCK_log, what its last group wrote. */
  LOG_INFO current;
  mysql_bin_log.raw_get_current_log(&current);
  strmake(file, current.log_file_name, FN_REFLEN - 1);
  facts.cut_pos= current.pos;
  ulonglong commit_pos= 0;
  const char *commit_file= NULL;
  char buf[FN_REFLEN];
  if (snapshot)
    mysql_bin_log_commit_pos(thd, &commit_pos, &commit_file);
  else
  {
    mysql_mutex_lock(&LOCK_commit_ordered);
    strmake_buf(buf, mysql_bin_log.last_commit_pos_file);
    commit_pos= mysql_bin_log.last_commit_pos_offset;
    mysql_mutex_unlock(&LOCK_commit_ordered);
    commit_file= buf;
  }
  /* Bookkeeping written after the last commit (a binlog checkpoint) */
  if (facts.group_commit_idle && commit_file &&
      !strcmp(base_name(commit_file), base_name(file)))
    read_commit_tail(file, commit_pos, current.pos, &facts.commit_tail);
  if (facts.group_commit_idle)
    mysql_mutex_unlock(&LOCK_after_binlog_sync);
  mysql_mutex_unlock(mysql_bin_log.get_log_lock());

  facts.commit_pos= commit_pos;
  facts.has_commit= commit_file != NULL;
  const char *xid_text= facts.xa_pending ? pending_xid.serialize() : "";
  return dump->session->judge_cut(
    rust::Str(base_name(log_file)), rust::Str(base_name(file)),
    rust::Str(commit_file ? base_name(commit_file) : ""), facts,
    rust::Str(xid_text));
}


/*
  Whether the binlog position 'log_pos' of 'log_file' is an exact cut, as
  a chunk's must be (take_cut()), for a unit read without a snapshot.
  CHUNK_SENT: it is.
*/
static chunk_result cut_for_unit(THD *thd, Rpl_provision_dump *dump,
                                const char *log_file, my_off_t log_pos,
                                my_off_t *end_pos)
{
  char file[FN_REFLEN];
  bool failed;
  provision::CutDecision cut= take_cut(thd, dump, false, log_file, log_pos,
                                       *end_pos, file, &failed);
  return act_on_cut(dump, cut, base_name(file), end_pos, false);
}


/*
  Opens a consistent snapshot at the exact cut of the dump thread's
  position 'log_pos' in the active binlog file 'log_file', written up to
  *end_pos, or says what to do first.  CHUNK_SENT: the snapshot is open
  in 'thd' at exactly log_pos; read from it now.
*/
static chunk_result snapshot_at_cut(THD *thd, Rpl_provision_dump *dump,
                                    const char *log_file, my_off_t log_pos,
                                    my_off_t *end_pos)
{
  if (dump->holding_snapshot)
  {
    if (dump->snapshot_file == base_name(log_file) &&
        dump->snapshot_pos == log_pos)
    {
      /* The binlog is sent up to the snapshot: read from it. */
      dump->holding_snapshot= false;
      return CHUNK_SENT;
    }
    if (dump->snapshot_file == base_name(log_file) &&
        dump->snapshot_pos > log_pos && dump->snapshot_pos <= *end_pos)
    {
      *end_pos= dump->snapshot_pos;
      return CHUNK_EVENTS_FIRST;
    }
    drop_snapshot(dump);                        /* passed it: start over */
    return CHUNK_WAIT;
  }

  char file[FN_REFLEN];
  bool failed;
  provision::CutDecision cut= take_cut(thd, dump, true, log_file, log_pos,
                                       *end_pos, file, &failed);
  if (failed)
  {
    drop_snapshot(dump);
    return CHUNK_FAILED;
  }
  chunk_result res= act_on_cut(dump, cut, base_name(file), end_pos, true);
  if (res == CHUNK_EVENTS_FIRST && dump->holding_snapshot)
    return res;
  if (res != CHUNK_SENT)
    drop_snapshot(dump);
  return res;
}


/*
  Reads the chunk 'unit' from 'table' (opened, and read at the exact cut
  for 'end_pos'), ends the read and sends the chunk.  Sends nothing
  (CHUNK_STALLED) while DDL changed the table: the table is copied again
  once that DDL is sent (rpl_provision_dump_query()).
*/
static chunk_result send_rows(THD *thd, Rpl_provision_dump *dump,
                              const provision::UnitInfo &unit, TABLE *table,
                              my_off_t end_pos)
{
  const LEX_CUSTRING &version= table->s->tabledef_version;
  switch (dump->session->check_rows_definition(
            unit.db, unit.table,
            rust::Slice<const uint8_t>(version.str, version.length))) {
  case 0:
    break;
  case 1:
    end_table_access(thd, table);
    return CHUNK_STALLED;
  case 3:
  {
    /*
      OPTIMIZE (or another statement that keeps the rows) gave the table a
      new version: the copy takes it if the definition is the one it read
      (but for the AUTO_INCREMENT counter and the comment), and reads from
      a later cut (a snapshot taken before the rebuild cannot read the
      rebuilt table).
    */
    char buf[2048];
    String ddl(buf, sizeof(buf), system_charset_info);
    ddl.length(0);
    if (show_create(thd, table->pos_in_table_list, &ddl))
      thd->clear_error();                    /* stalled until it times out */
    else
      dump->session->take_definition(
        unit.db, unit.table,
        rust::Slice<const uint8_t>(version.str, version.length),
        rpl_provision_bytes(ddl.ptr(), ddl.length()));
    end_table_access(thd, table);
    return CHUNK_STALLED;
  }
  default:
    end_table_access(thd, table);
    return CHUNK_FAILED;
  }
  return send_chunk(thd, dump, unit, table, end_pos);
}


/*
  Sends the chunk 'unit' if it can be read at the exact cut of the dump
  thread's position 'log_pos' in the active binlog file 'log_file', which
  is written up to *end_pos.
*/
static chunk_result send_rows_at_cut(THD *thd, Rpl_provision_dump *dump,
                                     const provision::UnitInfo &unit,
                                     const char *log_file, my_off_t log_pos,
                                     my_off_t *end_pos)
{
  TABLE_LIST tl;
  LEX_CSTRING db, name;

  if (!dump->holding_snapshot)
  {
    /* Which engine: a transactional one is read from a snapshot. */
    if (open_unit(thd, dump, unit.db, unit.table, &tl, &db, &name))
      return CHUNK_FAILED;
    bool transactional= tl.table->file->has_transactions_and_rollback();
    end_table_access(thd, NULL);
    if (!transactional)
    {
      /*
        Other engines change rows before they log the change: hold a read
        lock that keeps writers out, and take the binlog position under
        it.
      */
      if (open_unit(thd, dump, unit.db, unit.table, &tl, &db, &name,
                    TL_READ_NO_INSERT))
        return CHUNK_FAILED;
      if (!table_lock_holds_writers(thd))
      {
        end_table_access(thd, NULL);
        if (open_unit(thd, dump, unit.db, unit.table, &tl, &db, &name,
                      TL_READ_NO_INSERT, OPEN_ROWS_NO_WRITERS))
          return CHUNK_FAILED;
      }
      char file[FN_REFLEN];
      bool failed;
      provision::CutDecision cut= take_cut(thd, dump, false, log_file,
                                           log_pos, *end_pos, file, &failed);
      chunk_result res= act_on_cut(dump, cut, base_name(file), end_pos,
                                   false);
      if (res != CHUNK_SENT)
      {
        end_table_access(thd, NULL);
        return res;
      }
      return send_rows(thd, dump, unit, tl.table, log_pos);
    }
  }

  chunk_result res= snapshot_at_cut(thd, dump, log_file, log_pos, end_pos);
  if (res != CHUNK_SENT)
    return res;
  if (unit.has_after_key)
    DBUG_EXECUTE_IF("provision_dump_chunk_snapshot", {
      DBUG_SET("-d,provision_dump_chunk_snapshot");
      DBUG_ASSERT(!debug_sync_set_action(
        thd, STRING_WITH_LEN("now SIGNAL snapshot_taken WAIT_FOR snapshot_go")));
    });
  if (open_unit(thd, dump, unit.db, unit.table, &tl, &db, &name))
  {
    drop_snapshot(dump);
    return CHUNK_FAILED;
  }
  return send_rows(thd, dump, unit, tl.table, log_pos);
}


/*
  WITH CHECKSUM: the checksum of every copied table, read from the
  snapshot open in 'thd' (one exact cut for all of them), sent in one
  note.  Tables of engines without consistent snapshots (MyISAM, Aria:
  applied idempotently, so not exact) and sequences (NEXTVAL() is not
  logged) are left out.
*/
static chunk_result send_checksums(THD *thd, Rpl_provision_dump *dump,
                                   my_off_t end_pos)
{
  rust::Vec<provision::TableChecksum> sums= dump->session->checksum_tables();
  chunk_result res= CHUNK_SENT;
  for (provision::TableChecksum &sum : sums)
  {
    TABLE_LIST tl;
    LEX_CSTRING db, name;
    /* The tables are read from one snapshot: no return to the binlog */
    if (open_unit(thd, dump, sum.db, sum.table, &tl, &db, &name, TL_READ,
                  OPEN_ROWS, false))
    {
      end_table_access(thd, NULL);
      return CHUNK_FAILED;
    }
    TABLE *table= tl.table;
    sum.verifiable= table->file->has_transactions_and_rollback() &&
                    table->s->table_type != TABLE_TYPE_SEQUENCE;
    if (sum.verifiable)
    {
      uint32 checksum= 0;
      if (int err= rpl_provision_table_checksum(table, &checksum))
      {
        if (snapshot_older_than_table(thd, err))
          res= CHUNK_STALLED;            /* all of them from a later cut */
        else
        {
          table->file->print_error(err, MYF(0));
          res= CHUNK_FAILED;
        }
      }
      sum.sum= checksum;
    }
    /* The statement ends; the snapshot's transaction goes on. */
    ha_commit_trans(thd, FALSE);
    close_thread_tables(thd);
    thd->free_items();
    lex_end(thd->lex);
    if (res != CHUNK_SENT)
      break;
  }
  trans_commit(thd);
  thd->release_transactional_locks();
  if (res != CHUNK_SENT)
    return res;
  return send_events(thd, dump,
                     dump->session->encode_checksums((uint32_t) end_pos,
                                                     sums)) ?
    CHUNK_FAILED : CHUNK_SENT;
}


static chunk_result send_checksums_at_cut(THD *thd, Rpl_provision_dump *dump,
                                          const char *log_file,
                                          my_off_t log_pos, my_off_t *end_pos)
{
  chunk_result res= snapshot_at_cut(thd, dump, log_file, log_pos, end_pos);
  if (res != CHUNK_SENT)
    return res;
  DBUG_EXECUTE_IF("provision_dump_checksum_snapshot", {
    DBUG_SET("-d,provision_dump_checksum_snapshot");
    DBUG_ASSERT(!debug_sync_set_action(
      thd, STRING_WITH_LEN("now SIGNAL snapshot_taken WAIT_FOR snapshot_go")));
  });
  return send_checksums(thd, dump, log_pos);
}


void rpl_provision_dump_query(Rpl_provision_dump *dump, const uchar *event,
                              size_t length,
                              const Format_description_log_event *fdev,
                              enum enum_binlog_checksum_alg checksum_alg)
{
  if (checksum_alg != BINLOG_CHECKSUM_ALG_OFF &&
      checksum_alg != BINLOG_CHECKSUM_ALG_UNDEF)
  {
    if (length < BINLOG_CHECKSUM_LEN)
      return;
    length-= BINLOG_CHECKSUM_LEN;
  }
  Log_event_type type= (Log_event_type) event[EVENT_TYPE_OFFSET];
  Query_log_event *query;
  if (type == QUERY_COMPRESSED_EVENT)
    query= new Query_compressed_log_event(event, (uint) length, fdev, type);
  else if (type == EXECUTE_LOAD_QUERY_EVENT)        /* a statement's LOAD DATA */
    query= new Execute_load_query_log_event(event, (uint) length, fdev);
  else
    query= new Query_log_event(event, (uint) length, fdev, type);
  /* One the replica cannot read either stops the copy there */
  if (query && query->is_valid())
  {
    bool changed= dump->session->master_statement(
      rpl_provision_bytes(query->query, query->q_len),
      rust::Str(query->db ? query->db : "", query->db ? query->db_len : 0),
      lower_case_table_names);
    /* A snapshot taken for the unit that was next may not fit the new one */
    if (changed && dump->holding_snapshot)
      drop_snapshot(dump);
  }
  delete query;
}


bool rpl_provision_dump_sent(Rpl_provision_dump *dump, THD *thd,
                             int event_type, const uchar *event,
                             size_t length, my_off_t log_pos)
{
  Log_event_type type= (Log_event_type) event_type;
  provision::MasterEvent kind= Log_event::is_part_of_group(type) ?
    provision::MasterEvent::InGroup : provision::MasterEvent::Other;
  if (type == XID_EVENT || type == XA_PREPARE_LOG_EVENT)
    kind= provision::MasterEvent::GroupEnd;
  /*
    Gtid_log_event: seq_no (8 bytes), domain_id (4), flags2.  An XA
    transaction's group is standalone too, with more statements.
  */
  if (type == GTID_EVENT)
  {
    uchar flags2= length > LOG_EVENT_HEADER_LEN + 12 ?
      event[LOG_EVENT_HEADER_LEN + 12] : 0;
    kind= (flags2 & Gtid_log_event::FL_STANDALONE) &&
      !(flags2 & (Gtid_log_event::FL_PREPARED_XA |
                  Gtid_log_event::FL_COMPLETED_XA)) ?
      provision::MasterEvent::GtidOneStatement : provision::MasterEvent::Gtid;
  }
  rust::Vec<uint8_t> moved=
    dump->session->master_event_sent(kind, (uint32_t) log_pos);
  return !moved.empty() && send_events(thd, dump, moved);
}


/*
  The table of 'unit' could not be opened because it is no longer on the
  master (a DDL dropped or renamed it): true to wait for that statement to
  come through the binlog (it changes the plan as it is sent,
  rpl_provision_dump_query()); false for any other failure, or when the
  wait took too long (the refusal says so).
*/
static bool table_vanished(THD *thd, Rpl_provision_dump *dump,
                           const provision::UnitInfo &unit)
{
  if (!thd->is_error() ||
      thd->get_stmt_da()->sql_errno() != ER_NO_SUCH_TABLE)
    return false;
  end_failed_open(thd);
  return dump->session->table_missing(unit.db, unit.table);
}


/*
  The unit cannot be read before the binlog's DDL that changed its table
  is sent (the plan then changes, or the replica copies the table again):
  the binlog goes on, up to where it is now written, the DDL with it.
*/
static int send_binlog_first(THD *thd, Rpl_provision_dump *dump,
                             const char *log_file_name, my_off_t log_pos,
                             my_off_t *end_pos, char *errbuf,
                             size_t errbuf_size,
                             const Binlog_end &written= Binlog_end())
{
  if (dump->holding_snapshot)
    drop_snapshot(dump);
  if (written.in(log_file_name) && written.pos > *end_pos)
    *end_pos= written.pos;
  if (*end_pos > log_pos)
    return RPL_PROVISION_DUMP_READ;
  /*
    Everything up to here is sent: out of the network buffer, for the
    replica to meet the DDL; then a moment.
  */
  return wait_then_binlog(thd, dump, 10000, errbuf, errbuf_size);
}


/*
  Whether the binlog rotated away from 'log_file_name'.  A rotation writes
  the old file's Rotate event and makes it readable before it opens the
  new file, all under LOCK_log; waiting for LOCK_log waits the rotation
  out.
*/
static bool binlog_rotated_away(const char *log_file_name)
{
  LOG_INFO current;
  mysql_mutex_lock(mysql_bin_log.get_log_lock());
  mysql_bin_log.raw_get_current_log(&current);
  mysql_mutex_unlock(mysql_bin_log.get_log_lock());
  return strcmp(base_name(current.log_file_name),
                base_name(log_file_name)) != 0;
}


int rpl_provision_dump_at(Rpl_provision_dump *dump, THD *thd,
                          enum enum_binlog_checksum_alg checksum_alg,
                          const char *log_file_name, my_off_t log_pos,
                          my_off_t *end_pos, char *errbuf, size_t errbuf_size)
{
  bool failed= false;
  errbuf[0]= '\0';
  /* A statement sent stopped the copy (rpl_provision_dump_query()) */
  rust::String refused= dump->session->refusal();
  if (!refused.empty())
    return stop_dump(dump, errbuf, errbuf_size, std::string(refused));
  /*
    At the end of the file the last event sent may be its Rotate: the
    replica takes the event after a Rotate for the next file's
    Format_description (process_io_rotate()), so nothing of the copy may
    go there.  Back to the binlog, which moves on to the next file.
  */
  if (log_pos == *end_pos && binlog_rotated_away(log_file_name))
    return RPL_PROVISION_DUMP_SENT;
  dump->session->set_checksum(checksum_alg == BINLOG_CHECKSUM_ALG_CRC32);
  dump->unit_pos= log_pos;
  dump->log_file= log_file_name;
  /* A CREATE read ahead of the binlog goes out at its place */
  if (dump->session->create_deferred())
  {
    if (dump->create_file == base_name(log_file_name) &&
        log_pos < dump->create_pos)
    {
      *end_pos= dump->create_pos;
      return RPL_PROVISION_DUMP_READ;
    }
    if (send_events(thd, dump, dump->session->encode_deferred_create()))
    {
      set_error(errbuf, errbuf_size, "cannot send a CREATE of the copy");
      return RPL_PROVISION_DUMP_ERROR;
    }
    return RPL_PROVISION_DUMP_SENT;
  }
  /*
    A master's statement just sent changed the copy's plan: the replica
    hears where the copy stands now, before the copy waits for anything.
  */
  rust::Vec<uint8_t> moved= dump->session->encode_moved_point(
    (uint32_t) log_pos);
  if (!moved.empty())
  {
    if (send_events(thd, dump, moved))
    {
      set_error(errbuf, errbuf_size, "cannot send to the replica");
      return RPL_PROVISION_DUMP_ERROR;
    }
    return RPL_PROVISION_DUMP_SENT;
  }
  /*
    @@provision_max_rows_per_second, shared by the running dumps: the wait
    before the next chunk (it also caps the chunk's size, next_unit()).
    A held snapshot is used at once.
  */
  uint32 dumps= std::max<uint32>(rpl_provision_dumps_running, 1);
  uint64 rate= opt_provision_max_rows_per_second ?
    std::max<uint64>(opt_provision_max_rows_per_second / dumps, 1) : 0;
  uint64 byte_rate= opt_provision_max_bytes_per_second ?
    std::max<uint64>(opt_provision_max_bytes_per_second / dumps, 1) : 0;
  uint32 throttle_ms= dump->session->throttle(rate, byte_rate);
  /* The master is busy: the copy waits, its binary log goes on */
  if (opt_provision_max_threads_running)
    throttle_ms= std::max(throttle_ms, dump->session->backoff(
                            threads_running(),
                            opt_provision_max_threads_running));
  provision::UnitInfo unit= dump->session->next_unit();
  if (unit.kind == provision::UnitKind::Rows)
  {
    /* SHOW PROCESSLIST: which table, how far, throttled or not */
    bool throttled= throttle_ms && !dump->holding_snapshot;
    strmake_buf(dump->state,
                std::string(dump->session->state_text(unit.db, unit.table,
                                                      throttled)).c_str());
    thd_proc_info(thd, dump->state);
    if (throttled)
    {
      /* Back to the binlog: the master's transactions keep flowing */
      Binlog_end written;
      if (written.after(dump->log_file, dump->unit_pos))
        return send_binlog_first(thd, dump, log_file_name, log_pos, end_pos,
                                 errbuf, errbuf_size, written);
      return wait_then_binlog(thd, dump, throttle_ms * 1000UL, errbuf,
                              errbuf_size);
    }
  }
  /*
    The copy's other units go at an exact cut too (provision_core's
    unit_at_cut() says which and why): no XA transaction prepared on the
    master, whose locks an index build on the slave would wait for.
  */
  if (provision::unit_at_cut(unit.kind))
  {
    switch (cut_for_unit(thd, dump, log_file_name, log_pos, end_pos)) {
    case CHUNK_SENT:
      break;
    case CHUNK_EVENTS_FIRST:
      return RPL_PROVISION_DUMP_READ;
    default:
      if (dump->session->refusal().empty())
        return wait_then_binlog(thd, dump, 1000, errbuf, errbuf_size);
      /* Waited too long: the refusal says why */
      return stop_dump(dump, errbuf, errbuf_size,
                       std::string(dump->session->refusal()));
    }
  }
  switch (unit.kind) {
  case provision::UnitKind::CreateDatabase:
    failed= send_create_database(thd, dump, unit, log_pos);
    break;
  case provision::UnitKind::CreateTable:
    failed= send_create_table(thd, dump, unit, log_pos);
    if (failed && table_vanished(thd, dump, unit))
      return send_binlog_first(thd, dump, log_file_name, log_pos, end_pos,
                               errbuf, errbuf_size);
    break;
  case provision::UnitKind::CreateView:
    failed= send_create_view(thd, dump, unit, log_pos);
    break;
  case provision::UnitKind::CreateObject:
    failed= send_events(thd, dump,
                        dump->session->encode_create_object(
                          (uint32_t) log_pos));
    break;
  case provision::UnitKind::BuildIndexes:
    failed= send_events(thd, dump,
                        dump->session->encode_build_indexes(
                          (uint32_t) log_pos));
    break;
  case provision::UnitKind::Manifest:
    failed= send_events(thd, dump,
                        dump->session->encode_manifest((uint32_t) log_pos));
    break;
  case provision::UnitKind::Objects:
    failed= (dump->session->objects_stale() && reload_objects(thd, dump)) ||
      send_events(thd, dump,
                  dump->session->encode_objects_marker((uint32_t) log_pos));
    break;
  case provision::UnitKind::ReloadAccounts:
    failed= send_events(thd, dump,
                        dump->session->encode_reload_accounts(
                          (uint32_t) log_pos,
                          rpl_provision_query_context(thd)));
    break;
  case provision::UnitKind::Rows:
  case provision::UnitKind::Checksums:
    switch (unit.kind == provision::UnitKind::Rows ?
            send_rows_at_cut(thd, dump, unit, log_file_name, log_pos,
                             end_pos) :
            send_checksums_at_cut(thd, dump, log_file_name, log_pos,
                                  end_pos)) {
    case CHUNK_SENT:
      /*
        The end goes at the checksums' cut, with nothing between: the
        slave compares them once it has applied everything up to the end.
      */
      if (unit.kind == provision::UnitKind::Checksums &&
          dump->session->next_unit().kind == provision::UnitKind::End)
      {
        if (send_end_marker(thd, dump, log_file_name, log_pos))
        {
          failed= true;
          break;
        }
        dump->outcome= "complete";
        return RPL_PROVISION_DUMP_DONE;
      }
      break;
    case CHUNK_EVENTS_FIRST:
      return RPL_PROVISION_DUMP_READ;
    case CHUNK_STALLED:
      if (!dump->session->refusal().empty())
        break;
      return send_binlog_first(thd, dump, log_file_name, log_pos, end_pos,
                               errbuf, errbuf_size);
    case CHUNK_DISCARDED:
    {
      /* SHOW PROCESSLIST says what the copy waits for */
      strmake_buf(dump->state,
                  std::string(dump->session->tablespace_discarded(
                    unit.db, unit.table,
                    thd->variables.lock_wait_timeout)).c_str());
      thd_proc_info(thd, dump->state);
      if (!dump->session->refusal().empty())
        break;                      /* waited too long: the refusal says why */
      if (dump->holding_snapshot)
        drop_snapshot(dump);
      Binlog_end written;
      if (written.after(dump->log_file, dump->unit_pos))
        return send_binlog_first(thd, dump, log_file_name, log_pos, end_pos,
                                 errbuf, errbuf_size, written);
      return wait_then_binlog(thd, dump, 100000, errbuf, errbuf_size);
    }
    case CHUNK_WAIT:
      /* A commit is between the binlog and the engine: a moment. */
      if (!dump->session->refusal().empty())
        break;                      /* waited too long: the refusal says why */
      return wait_then_binlog(thd, dump, 1000, errbuf, errbuf_size);
    case CHUNK_FAILED:
      if (table_vanished(thd, dump, unit))
        return send_binlog_first(thd, dump, log_file_name, log_pos, end_pos,
                                 errbuf, errbuf_size);
      failed= true;
      break;
    }
    break;
  case provision::UnitKind::End:
    if (send_end_marker(thd, dump, log_file_name, log_pos))
      failed= true;
    else
    {
      dump->outcome= "complete";
      return RPL_PROVISION_DUMP_DONE;
    }
    break;
  default:
    return RPL_PROVISION_DUMP_DONE;
  }
  if (dump->lock_wait_yielded)
  {
    /* A lock holds the unit: the master's binlog goes on (open_unit()) */
    dump->lock_wait_yielded= false;
    thd->clear_error();
    return send_binlog_first(thd, dump, log_file_name, log_pos, end_pos,
                             errbuf, errbuf_size);
  }
  rust::String refusal= dump->session->refusal();
  if (!refusal.empty())
  {
    thd->clear_error();
    return stop_dump(dump, errbuf, errbuf_size, std::string(refusal));
  }
  if (failed)
  {
    std::string why;
    if (!errbuf[0])
      why= std::string("LOAD DATA FROM MASTER: copying `") +
        std::string(unit.db) + "`.`" + std::string(unit.table) +
        "` failed: " + (thd->is_error() ? thd->get_stmt_da()->message() :
                        "network error");
    thd->clear_error();
    return stop_dump(dump, errbuf, errbuf_size, why);
  }
  return RPL_PROVISION_DUMP_SENT;
}

#endif /* HAVE_REPLICATION */
