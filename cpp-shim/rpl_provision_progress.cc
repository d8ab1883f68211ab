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
  mysql.provision_progress, the record of an unfinished copy
  (provision_core::saved_copy decides what it holds).  The SQL thread
  writes it in the transaction of each copy group (as record_gtid() does
  for gtid_slave_pos); the statement creates, reads and clears it through
  the server's local SQL connection (service_sql).
*/

#include "mariadb.h"
#include "sql_priv.h"
#include "rpl_provision.h"

#ifdef HAVE_REPLICATION

#include "sql_class.h"
#include "sql_base.h"
#include "key.h"
#include "rpl_rli.h"
#include "rpl_provision_progress.h"
#include "rpl_provision_local.h"
#include <mutex>

static const LEX_CSTRING progress_table_name=
  { STRING_WITH_LEN("provision_progress") };

/* The table's columns, in order (saved_copy::PROGRESS_TABLE_DDL) */
enum progress_column
{
  PC_CONNECTION, PC_OBJECT, PC_STATE, PC_CURSOR, PC_RESUME, PC_BASELINE,
  PC_MANIFEST, PC_COUNT
};


static void store(Field *field, const char *str, size_t length)
{
  field->store(str, length, &my_charset_bin);
}

static void store(Field *field, const rust::String &s)
{
  store(field, s.data(), s.size());
}


/*
  Inserts 'row' of 'connection', or updates the one with its key; deletes
  it when its state is empty.
*/
static int write_one(TABLE *table, const LEX_CSTRING &connection,
                     const provision::ProgressRow &row)
{
  Field **f= table->field;
  store(f[PC_CONNECTION], connection.str, connection.length);
  store(f[PC_OBJECT], row.object);
  store(f[PC_STATE], row.state);
  store(f[PC_CURSOR], (const char *) row.cursor.data(), row.cursor.size());
  store(f[PC_RESUME], row.resume);
  store(f[PC_BASELINE], row.baseline);
  store(f[PC_MANIFEST], row.manifest);

  uchar key[MAX_KEY_LENGTH];
  key_copy(key, table->record[0], table->key_info, 0);
  int err= table->file->ha_index_read_idx_map(table->record[1], 0, key,
                                              HA_WHOLE_KEY,
                                              HA_READ_KEY_EXACT);
  bool found= !err;
  if (err && err != HA_ERR_KEY_NOT_FOUND && err != HA_ERR_END_OF_FILE)
    return err;
  if (row.state.empty())
    return found ? table->file->ha_delete_row(table->record[1]) : 0;
  if (!found)
    return table->file->ha_write_row(table->record[0]);
  err= table->file->ha_update_row(table->record[1], table->record[0]);
  return err == HA_ERR_RECORD_IS_THE_SAME ? 0 : err;
}


bool rpl_provision_progress_write(THD *thd, const LEX_CSTRING &connection,
                                  const rust::Vec<provision::ProgressRow> &rows)
{
  if (rows.empty())
    return false;
  TABLE_LIST tlist;
  Query_tables_list lex_backup;
  ulonglong saved_options= thd->variables.option_bits;
  bool failed= true;

  thd->reset_for_next_command();
  thd->lex->reset_n_backup_query_tables_list(&lex_backup);
  tlist.init_one_table(&MYSQL_SCHEMA_NAME, &progress_table_name, NULL,
                       TL_WRITE);
  if (!open_and_lock_tables(thd, &tlist, FALSE, 0))
  {
    TABLE *table= tlist.table;
    int err= 0;
    /* Like gtid_slave_pos: this server's own state, never binlogged */
    table->file->row_logging= 0;
    thd->variables.option_bits&= ~(ulonglong) OPTION_BIN_LOG;
    if (table->s->fields != PC_COUNT || !table->s->keys)
    {
      my_error(ER_PROVISION_FAILED, MYF(0), (int) connection.length,
               connection.str, "mysql.provision_progress has not the "
               "columns this server writes: drop it (it holds no copy that "
               "this server can go on with)");
      err= -1;
    }
    else
    {
      table->use_all_columns();
      for (const provision::ProgressRow &row : rows)
        if ((err= write_one(table, connection, row)))
        {
          table->file->print_error(err, MYF(0));
          break;
        }
    }
    /* The statement's part of the copy group's transaction */
    if (err || ha_commit_trans(thd, FALSE))
      ha_rollback_trans(thd, FALSE);
    else
      failed= false;
    close_thread_tables(thd);
    thd->mdl_context.release_statement_locks();
  }
  thd->lex->restore_backup_query_tables_list(&lex_backup);
  thd->variables.option_bits= saved_options;
  return failed;
}


/* X'..': any bytes as an SQL literal */
static std::string hex_literal(const void *data, size_t length)
{
  static const char digits[]= "0123456789abcdef";
  std::string hex("X'");
  for (size_t i= 0; i < length; i++)
  {
    uchar c= ((const uchar *) data)[i];
    hex+= digits[c >> 4];
    hex+= digits[c & 15];
  }
  return hex + "'";
}

static std::string hex_literal(const rust::String &s)
{
  return hex_literal(s.data(), s.size());
}


/* ' WHERE connection_name = X'..'', for the rows of 'connection' */
static std::string where_connection(const LEX_CSTRING &connection)
{
  return " WHERE connection_name = " +
    hex_literal(connection.str, connection.length);
}


/*
  The table exists while a copy runs or is unfinished: created when one
  starts, dropped when the last one ends.  The lock orders these with the
  count of running copies.
*/
static std::mutex progress_lock;
static uint copies_running= 0;


/* Reports the error of 'local': the statement's when 'report', else logged */
static bool failed(const LEX_CSTRING &connection, Local_connection &local,
                   bool report)
{
  if (report)
    my_printf_error(ER_PROVISION_FAILED, "Master '%.*s': LOAD DATA FROM "
                    "MASTER: mysql.provision_progress: %s", MYF(0),
                    (int) connection.length, connection.str,
                    local.error().c_str());
  else
    sql_print_warning("Master '%.*s': LOAD DATA FROM MASTER: "
                      "mysql.provision_progress: %s",
                      (int) connection.length, connection.str,
                      local.error().c_str());
  return true;
}


/* Deletes the rows of 'connection'; drops the table once no copy needs it */
static bool forget_locked(const LEX_CSTRING &connection, Local_connection &local)
{
  ulonglong left= 0;
  uint err= local.run("DELETE FROM mysql.provision_progress" +
                      where_connection(connection));
  if (err == ER_NO_SUCH_TABLE)
    return false;
  if (err || local.run("COMMIT") ||
      local.run("SELECT COUNT(*) FROM mysql.provision_progress", NULL, &left))
    return true;
  return !copies_running && !left &&
    local.run("DROP TABLE IF EXISTS mysql.provision_progress");
}


bool rpl_provision_progress_start(const LEX_CSTRING &connection, bool fresh)
{
  Local_connection local;
  std::lock_guard<std::mutex> guard(progress_lock);
  if (local.run(std::string(provision::progress_table_ddl())) ||
      (fresh && (local.run("DELETE FROM mysql.provision_progress" +
                           where_connection(connection)) ||
                 local.run("COMMIT"))))
    return failed(connection, local, true);
  copies_running++;
  return false;
}


void rpl_provision_progress_end(const LEX_CSTRING &connection, bool keep)
{
  Local_connection local;
  std::lock_guard<std::mutex> guard(progress_lock);
  copies_running--;
  if (!keep && forget_locked(connection, local))
    failed(connection, local, false);
}


void rpl_provision_progress_forget(const LEX_CSTRING &connection)
{
  Local_connection local;
  std::lock_guard<std::mutex> guard(progress_lock);
  if (forget_locked(connection, local))
    failed(connection, local, false);
}


bool rpl_provision_progress_update(const LEX_CSTRING &connection,
                                   const rust::Vec<provision::ProgressRow> &rows,
                                   bool report)
{
  Local_connection local;
  std::lock_guard<std::mutex> guard(progress_lock);
  for (const provision::ProgressRow &row : rows)
  {
    std::string key= where_connection(connection) + " AND object = " +
      hex_literal(row.object);
    uint err= row.state.empty() ?
      local.run("DELETE FROM mysql.provision_progress" + key) :
      local.run("REPLACE INTO mysql.provision_progress VALUES (" +
                hex_literal(connection.str, connection.length) + ", " +
                hex_literal(row.object) + ", " + hex_literal(row.state) +
                ", " + hex_literal(row.cursor.data(), row.cursor.size()) +
                ", " + hex_literal(row.resume) + ", " +
                hex_literal(row.baseline) + ", " +
                hex_literal(row.manifest) + ")");
    if (err)
      return failed(connection, local, report);
  }
  return local.run("COMMIT") ? failed(connection, local, report) : false;
}


static std::string quoted(const std::string &name)
{
  std::string q("`");
  for (char c : name)
    q+= c == '`' ? std::string("``") : std::string(1, c);
  return q + "`";
}


bool rpl_provision_drop_table(const LEX_CSTRING &connection,
                              const std::string &db, const std::string &table)
{
  Local_connection local;
  if (local.run("DROP TABLE IF EXISTS " + quoted(db) + "." + quoted(table)))
    return failed(connection, local, true);
  return false;
}


/*
  Recreates db.table empty from its own definition, as TRUNCATE TABLE does
  for the engines that let it: ARCHIVE neither deletes rows nor truncates.
  The table is one whose copy starts again (no trigger is copied yet).
*/
bool rpl_provision_recreate_table(const LEX_CSTRING &connection,
                                  const std::string &db,
                                  const std::string &table)
{
  Local_connection local;
  std::string create;
  bool failed= local.run("USE " + quoted(db)) ||
    local.run("SHOW CREATE TABLE " + quoted(table), 1, &create);
  if (!failed)
  {
    rust::Vec<uint8_t> sql=
      provision::recreate_empty_table(rust::Slice<const uint8_t>(
        (const uint8_t *) create.data(), create.size()));
    failed= sql.empty() ||
      local.run(std::string((const char *) sql.data(), sql.size()));
  }
  if (failed)
    my_printf_error(ER_PROVISION_FAILED, "Master '%.*s': LOAD DATA FROM "
                    "MASTER: table %s.%s, whose copy starts again, could not "
                    "be emptied: %s. The copy stays unfinished; LOAD DATA "
                    "FROM MASTER ... REPLACE starts it anew", MYF(0),
                    (int) connection.length, connection.str,
                    quoted(db).c_str(), quoted(table).c_str(),
                    local.error().c_str());
  return failed;
}


bool rpl_provision_progress_read(const LEX_CSTRING &connection,
                                 rust::Vec<provision::ProgressRow> *rows)
{
  Local_connection local;
  std::lock_guard<std::mutex> guard(progress_lock);
  uint err= local.run("SELECT object, state, key_cursor, resume, baseline, "
                      "manifest FROM mysql.provision_progress" +
                      where_connection(connection) + " ORDER BY object",
                      rows);
  if (err && err != ER_NO_SUCH_TABLE)
    return failed(connection, local, true);
  return local.run("COMMIT") ? failed(connection, local, true) : false;
}

#endif /* HAVE_REPLICATION */
