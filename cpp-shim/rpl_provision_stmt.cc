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
  decide, and raises the error it names.
*/

#include "mariadb.h"
#include "sql_priv.h"
#include "rpl_provision.h"
#include "rpl_provision_consts.h"

#ifdef HAVE_REPLICATION

#include "sql_class.h"
#include "sql_acl.h"
#include "rpl_mi.h"
#include "slave.h"
#include "mariadb-provision/src/lib.rs.h"

#include <string>

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
}


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

  /* WARN_LEVEL_NOTE: an unknown name is the core's error to raise. */
  Master_info *mi= get_master_info(name, Sql_condition::WARN_LEVEL_NOTE);
  if (mi)
  {
    read_connection_state(mi, &state);
    mi->release();
  }

  provision::Verdict verdict= provision::check_load_from_master(state);
  if (verdict.error_code)
  {
    std::string arg(verdict.error_arg);
    my_error(verdict.error_code, MYF(0), arg.c_str());
    DBUG_RETURN(true);
  }
  DBUG_RETURN(false);
}

#else /* HAVE_REPLICATION */

bool mysql_load_data_from_master(THD *thd)
{
  my_error(ER_NOT_SUPPORTED_YET, MYF(0), "LOAD DATA FROM MASTER");
  return true;
}

#endif /* HAVE_REPLICATION */
