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

#ifndef RPL_PROVISION_LOCAL_INCLUDED
#define RPL_PROVISION_LOCAL_INCLUDED

/* Private to the shim: include after sql_class.h */

#include "rpl_provision_bridge.h"
#include <mysql.h>
#include <mysql/service_sql.h>
#include <string>

/*
  A connection of this server to itself (service_sql), in a THD of its own:
  the statement's THD keeps its diagnostics and its KILL state.  Its
  statements are not binlogged, and run with every privilege.
*/
class Local_connection
{
public:
  Local_connection()
  {
    THD *orig= current_thd;
    /* No current THD: mysql_real_connect_local() makes a new one */
    set_current_thd(NULL);
    mysql= mysql_init(NULL);
    if (mysql && !mysql_real_connect_local(mysql))
    {
      mysql_close(mysql);
      mysql= NULL;
    }
    /*
      The copy's own statements are no client's, and the new THD takes
      the server's global values: max_statement_time would cut an index
      build part way (and, set low, a write of the copy's record), as it
      does not cut slave threads; a global sql_mode such as ORACLE or
      NO_TABLE_OPTIONS would change what SHOW CREATE TABLE shows of a
      table recreated empty, and sql_quote_show_create=0 the quotes the
      core reads names by.  Statements run in the copy's own mode
      (provision_core::dump::DEFINITIONS_SQL_MODE), names quoted.  As for
      slave threads (set_slave_thread_options()), a COMMIT neither ends
      the connection nor chains a transaction (completion_type), and no
      client limit cuts a read or a write of the record:
      sql_select_limit would read part of it, max_join_size and
      sql_safe_updates would refuse statements the copy needs.
    */
    if (THD *thd= this->thd())
    {
      /*
        mysql_real_connect_local() gives every such THD the id 0, and the
        names of an ALTER's #sql-alter-<pid>-<id> table and of internal
        temporary tables are made of it: two index builds at once in one
        database (two connections' copies, a build handed over again)
        wrote the same files, and left both tables corrupted.
      */
      thd->thread_id= thd->variables.pseudo_thread_id= next_thread_id();
      thd->variables.max_statement_time= 0;
      thd->variables.max_statement_time_double= 0;
      thd->variables.completion_type= 0;
      thd->variables.select_limit= HA_POS_ERROR;
      thd->variables.max_join_size= HA_POS_ERROR;
      thd->variables.option_bits|= OPTION_BIG_SELECTS;
      thd->variables.option_bits&= ~OPTION_SAFE_UPDATES;
      thd->variables.sql_mode= (sql_mode_t) provision::definitions_sql_mode();
      thd->variables.option_bits|= OPTION_QUOTE_SHOW_CREATE;
    }
    set_current_thd(orig);
  }
  ~Local_connection()
  {
    if (mysql)
      mysql_close(mysql);
  }

  /*
    Runs 'query'; the rows of its result, if any, into 'rows' (the
    table's columns from 'object' on).  Returns the error number, 0 if
    none.
  */
  uint run(const std::string &query,
           rust::Vec<provision::ProgressRow> *rows= NULL,
           ulonglong *count= NULL)
  {
    if (!mysql)
      return ER_OUT_OF_RESOURCES;
    if (mysql_real_query(mysql, query.data(), (ulong) query.size()))
      return mysql->net.last_errno ? mysql->net.last_errno : ER_UNKNOWN_ERROR;
    if (!mysql->field_count)
      return 0;
    MYSQL_RES *res= mysql_store_result(mysql);
    if (!res)
      return ER_OUT_OF_RESOURCES;
    while (MYSQL_ROW r= mysql_fetch_row(res))
    {
      unsigned long *len= mysql_fetch_lengths(res);
      if (count)
        *count= strtoull(r[0], NULL, 10);
      if (!rows)
        continue;
      provision::ProgressRow row;
      row.object= rust::String::lossy(r[0], len[0]);
      row.state= rust::String::lossy(r[1], len[1]);
      for (unsigned long b= 0; b < len[2]; b++)
        row.cursor.push_back((uint8_t) r[2][b]);
      row.resume= rust::String::lossy(r[3], len[3]);
      row.baseline= rust::String::lossy(r[4], len[4]);
      row.manifest= rust::String::lossy(r[5], len[5]);
      rows->push_back(std::move(row));
    }
    mysql_free_result(res);
    return 0;
  }

  /* Runs 'query'; the value of 'column' of its first row into 'value' */
  uint run(const std::string &query, uint column, std::string *value)
  {
    if (!mysql)
      return ER_OUT_OF_RESOURCES;
    if (mysql_real_query(mysql, query.data(), (ulong) query.size()))
      return mysql->net.last_errno ? mysql->net.last_errno : ER_UNKNOWN_ERROR;
    MYSQL_RES *res= mysql_store_result(mysql);
    if (!res)
      return ER_OUT_OF_RESOURCES;
    MYSQL_ROW r= mysql_fetch_row(res);
    uint err= r && column < mysql_num_fields(res) ? 0 : ER_UNKNOWN_ERROR;
    if (!err)
      value->assign(r[column], mysql_fetch_lengths(res)[column]);
    mysql_free_result(res);
    return err;
  }

  /*
    The connection's THD: mysql->thd is its Protocol_local, a Protocol by
    single inheritance, whose thd it is.
  */
  THD *thd() const
  {
    return mysql ? static_cast<Protocol *>(mysql->thd)->thd : NULL;
  }

  /*
    The last statement's error in UTF-8: the server sent it in the
    connection's character_set_results, in which a table's name may not
    be UTF-8.
  */
  std::string error() const
  {
    if (!mysql)
      return "cannot connect to this server";
    const char *text= mysql_error(mysql);
    THD *thd= this->thd();
    return rpl_provision_utf8(text, strlen(text),
                              thd ? thd->variables.character_set_results :
                              NULL);
  }

private:
  MYSQL *mysql;
};

#endif /* RPL_PROVISION_LOCAL_INCLUDED */
