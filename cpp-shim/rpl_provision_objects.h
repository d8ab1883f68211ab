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

#ifndef RPL_PROVISION_OBJECTS_INCLUDED
#define RPL_PROVISION_OBJECTS_INCLUDED

/*
  The master's objects besides tables and views, as a provisioning dump
  plans them: foreign keys (for the order of tables), triggers, stored
  routines and events (their SHOW CREATE text and creation context).
  Private to the shim; everything runs in the dump thread's THD while it
  loads its catalog, before the first unit is sent.
*/

#include "rpl_provision_bridge.h"

/*
  Shared with rpl_provision_dump.cc: opening an object for reading as a
  statement of its own would, ending that access, and the session context
  of a Query event of ours.
*/
bool rpl_provision_open_for_read(THD *thd, const LEX_CSTRING &db,
                                 const LEX_CSTRING &name, TABLE_LIST *tl);
/* Opens a table for its definition only, without a table lock. */
bool rpl_provision_open_metadata(THD *thd, const LEX_CSTRING &db,
                                 const LEX_CSTRING &name, TABLE_LIST *tl);
void rpl_provision_end_access(THD *thd, TABLE *table);
provision::QueryContext rpl_provision_query_context(THD *thd);

/**
  Whether the dump's account (the replica's, on this master) has 'want'
  (named 'privilege' in errors) on db.name, or on the database db when
  'name' is empty.  When it has not, the session is refused naming the
  account, the privilege and the object: a copy sends only what its
  account may read.
*/
bool rpl_provision_may(THD *thd, provision::DumpSession &session,
                       privilege_t want, const char *privilege,
                       const LEX_CSTRING &db, const LEX_CSTRING &name);

/**
  Tells the dump the foreign keys and the triggers of 'db'.'name'.
  @retval true error, in thd's diagnostics area
*/
bool rpl_provision_add_table_objects(THD *thd,
                                     provision::DumpSession &session,
                                     const LEX_CSTRING &db,
                                     const LEX_CSTRING &name);

/**
  Tells the dump every stored routine (mysql.proc) and every event
  (mysql.event) of the master.
  @retval true error, in thd's diagnostics area
*/
/**
  Adds the triggers of the table 'db'.'name' (none when it is gone), as
  rpl_provision_add_table_objects() does, to read them again.
*/
bool rpl_provision_add_table_triggers(THD *thd,
                                      provision::DumpSession &session,
                                      const LEX_CSTRING &db,
                                      const LEX_CSTRING &name);
bool rpl_provision_add_routines(THD *thd, provision::DumpSession &session);
bool rpl_provision_add_events(THD *thd, provision::DumpSession &session);

#endif /* RPL_PROVISION_OBJECTS_INCLUDED */
