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

#ifndef RPL_PROVISION_PROGRESS_INCLUDED
#define RPL_PROVISION_PROGRESS_INCLUDED

/*
  mysql.provision_progress: the record of an unfinished copy, by master
  connection (its lower-case name).  Private to the shim.
*/

#include "mariadb-provision/src/lib.rs.h"
#include <string>

class THD;

/**
  Writes 'rows' in the SQL thread's current transaction (a copy group's,
  before its XID commits).  Returns true on error (raised).
*/
bool rpl_provision_progress_write(THD *thd, const LEX_CSTRING &connection,
                                  const rust::Vec<provision::ProgressRow> &rows);

/**
  A copy of 'connection' starts (a new one, 'fresh', or one that goes on):
  the table is created where missing; a new copy's old record is deleted.
  Returns true on error (raised).
*/
bool rpl_provision_progress_start(const LEX_CSTRING &connection, bool fresh);

/**
  The copy that rpl_provision_progress_start() started stopped: its record
  is deleted unless 'keep' (it is unfinished).  Errors are logged.
*/
void rpl_provision_progress_end(const LEX_CSTRING &connection, bool keep);

/** Deletes the record of 'connection' (RESET SLAVE).  Errors are logged. */
void rpl_provision_progress_forget(const LEX_CSTRING &connection);

/**
  Writes 'rows' of 'connection' (an empty state deletes the row) from the
  statement, in a transaction of their own.  Returns true on error
  (raised, or with 'report' false logged).
*/
bool rpl_provision_progress_update(const LEX_CSTRING &connection,
                                   const rust::Vec<provision::ProgressRow> &rows,
                                   bool report= true);

/**
  Drops db.table (a table the copy of 'connection' copies again), not
  binlogged.  Returns true on error (raised).
*/
bool rpl_provision_drop_table(const LEX_CSTRING &connection,
                              const std::string &db, const std::string &table);

/**
  Recreates db.table empty from its own definition (an engine that cannot
  delete its rows, ARCHIVE), not binlogged.  Returns true on error
  (raised).
*/
bool rpl_provision_recreate_table(const LEX_CSTRING &connection,
                                  const std::string &db,
                                  const std::string &table);

/** The record of 'connection'; none when the table is missing. */
bool rpl_provision_progress_read(const LEX_CSTRING &connection,
                                 rust::Vec<provision::ProgressRow> *rows);

#endif /* RPL_PROVISION_PROGRESS_INCLUDED */
