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

#ifndef RPL_PROVISION_CATALOG_INCLUDED
#define RPL_PROVISION_CATALOG_INCLUDED

/*
  What a server holds, as LOAD DATA FROM MASTER sees it: the master plans
  its copy from it, the replica checks that it is empty.  Private to the
  shim.  Names are decoded from their file names and allocated on the
  THD's mem_root; both lists are sorted.
*/

#include <string>

/** The databases of the data directory. @retval true error */
bool rpl_provision_list_databases(THD *thd, Dynamic_array<LEX_CSTRING*> *dbs);

/** Results of rpl_provision_list_tables(). */
enum rpl_provision_list_result
{
  RPL_PROVISION_LIST_OK= 0,
  RPL_PROVISION_LIST_NO_DIR,       /* the database directory is gone */
  RPL_PROVISION_LIST_ERROR         /* discovery failed */
};

/** The tables (and views, sequences) of database 'db'. */
rpl_provision_list_result
rpl_provision_list_tables(THD *thd, LEX_CSTRING *db,
                          Dynamic_array<LEX_CSTRING*> *tables);

/**
  The index a table is copied in the order of, on both sides: the primary
  key, else the first unique key without nullable or prefix parts, in
  both cases one the engine scans in order (not HASH), else MAX_KEY (the
  table is then copied whole, in one chunk).
*/
uint rpl_provision_copy_key(TABLE *table);

/**
  Appends to 'out' the copy key of the row in table->record[0] as a
  mem-comparable image (Field::sort_string() at the full weight length of
  the collation, inverted for descending parts: byte order is the index's
  order).  Nothing for a table without a copy key.
*/
void rpl_provision_key_image(TABLE *table, uint key_nr, std::string *out);

/**
  CHECKSUM TABLE ... EXTENDED of an open table (handler::calculate_checksum()),
  except for a table with generated columns, whose sum 10.11 takes partly
  from what the TABLE instance last held: there, stored generated columns
  are read and the null bits of virtual ones counted as set, so that equal
  rows have equal sums on the master and the replica.
  @return the handler's error, or 0
*/
int rpl_provision_table_checksum(TABLE *table, uint32 *sum);

#endif /* RPL_PROVISION_CATALOG_INCLUDED */
