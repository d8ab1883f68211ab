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
  the connection's copy domain) unlogged and idempotently, and on the end
  marker records the master's position and stops.
*/

#include "mariadb.h"
#include "sql_priv.h"

#ifdef HAVE_REPLICATION

#include "sql_class.h"
#include "rpl_mi.h"
#include "rpl_rli.h"
#include "slave.h"
#include "log_event.h"
#include "rpl_provision.h"
#include "rpl_provision_replica.h"
#include "mariadb-provision/src/lib.rs.h"

#include <string>

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
    A reconnect in the middle of the copy cannot resume it: the master
    would start a new copy at a new position, while the relay log holds a
    part of the old one (and the IO thread's reconnect logic would skip
    events of the new stream as if they were the old one's).
  */
  if (state->requested)
  {
    my_snprintf(errbuf, errbuf_size,
                "LOAD DATA FROM MASTER: the connection to the master was lost "
                "during the copy, which cannot be resumed; drop the copied "
                "databases and run LOAD DATA FROM MASTER again");
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

  std::string query= "SET @slave_provision='" + state->request + "'";
  if (mysql_real_query(mysql, query.c_str(), (ulong) query.length()))
    return query_failed(mi, mysql, "setting @slave_provision", errbuf,
                        errbuf_size);
  return 0;
}


void rpl_provision_io_gtid_list(Master_info *mi, uint32 gl_flags)
{
  Rpl_provision_replica *state= mi->provision;
  if (!state || !(gl_flags & provision::end_marker_flag()))
    return;
  sql_print_information("Master '%.*s': LOAD DATA FROM MASTER: the slave I/O "
                        "thread queued the end of the copy and stops",
                        (int) mi->connection_name.length,
                        mi->connection_name.str);
  state->end_queued= true;
  mi->abort_slave= true;
}


void rpl_provision_sql_gtid(rpl_group_info *rgi, uint32 domain_id)
{
  Rpl_provision_replica *state= provision_of(rgi);
  if (!state)
    return;
  THD *thd= rgi->thd;
  state->in_copy_group= domain_id == state->copy_domain;
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
  return state && state->in_copy_group;
}


void rpl_provision_sql_gtid_list(rpl_group_info *rgi, uint32 gl_flags,
                                 const rpl_gtid *list, uint32 count)
{
  Rpl_provision_replica *state= provision_of(rgi);
  if (!state || !(gl_flags & provision::end_marker_flag()))
    return;
  std::string pos;
  for (uint32 i= 0; i < count; i++)
  {
    if (i)
      pos+= ',';
    pos+= std::to_string(list[i].domain_id) + "-" +
      std::to_string(list[i].server_id) + "-" + std::to_string(list[i].seq_no);
  }
  if (state->binlog_suppressed)
  {
    rgi->thd->variables.option_bits|= OPTION_BIN_LOG;
    state->binlog_suppressed= false;
  }
  state->in_copy_group= false;
  state->end_position= pos;
  state->done= true;
  sql_print_information("Master '%.*s': LOAD DATA FROM MASTER: the copy is "
                        "complete at the master's GTID position '%s'; the "
                        "slave SQL thread stops",
                        (int) rgi->rli->mi->connection_name.length,
                        rgi->rli->mi->connection_name.str, pos.c_str());
  const_cast<Relay_log_info*>(rgi->rli)->abort_slave= true;
}


void rpl_provision_replica_free(Rpl_provision_replica *state)
{
  delete state;
}

#endif /* HAVE_REPLICATION */
