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
  Listing databases and tables for LOAD DATA FROM MASTER, the way
  SHOW DATABASES and SHOW TABLES find them (sql_show.cc: find_files()).
*/

#include "mariadb.h"
#include "sql_priv.h"
#include "sql_class.h"
#include "sql_table.h"                          // build_table_filename
#include "handler.h"
#include "rpl_provision_catalog.h"


bool rpl_provision_list_databases(THD *thd, Dynamic_array<LEX_CSTRING*> *dbs)
{
  MY_DIR *dirp;
  Discovered_table_list tl(thd, dbs, &null_clex_str);
  if (!(dirp= my_dir(mysql_data_home, MYF(MY_THREAD_SPECIFIC | MY_WANT_STAT))))
    return true;
  for (size_t i= 0; i < dirp->number_of_files; i++)
  {
    FILEINFO *file= dirp->dir_entry + i;
    if (!MY_S_ISDIR(file->mystat->st_mode) ||
        db_name_is_in_ignore_db_dirs_list(file->name) ||
        file->name[0] == '.' || file->name[0] == '#')
      continue;
    if (tl.add_file(file->name))
    {
      my_dirend(dirp);
      return true;
    }
  }
  my_dirend(dirp);
  tl.sort();
  return false;
}


rpl_provision_list_result
rpl_provision_list_tables(THD *thd, LEX_CSTRING *db,
                          Dynamic_array<LEX_CSTRING*> *tables)
{
  char path[FN_REFLEN + 1];
  MY_DIR *dirp;
  Discovered_table_list tl(thd, tables, &null_clex_str);

  build_table_filename(path, sizeof(path) - 1, db->str, "", "", 0);
  if (!(dirp= my_dir(path, MYF(MY_THREAD_SPECIFIC))))
    return RPL_PROVISION_LIST_NO_DIR;
  int err= ha_discover_table_names(thd, db, dirp, &tl, false);
  my_dirend(dirp);
  if (err)
    return RPL_PROVISION_LIST_ERROR;
  tl.sort();
  return RPL_PROVISION_LIST_OK;
}


/* A key part that indexes a prefix of its column (KEY(b(10))). */
static bool is_prefix_part(const KEY_PART_INFO *part)
{
  return part->length != part->field->key_length();
}


/*
  Whether rows can be copied and filtered in the order of key 'k': unique,
  without nullable parts, scanned in order by the engine (not a MEMORY
  table's HASH index), and without prefix parts (a prefix key orders
  rows by the prefix only, which no key image of whole values can
  reproduce: the filter would compare in another order than the copy
  advances in).
*/
static bool is_copy_key(TABLE *table, uint k)
{
  const KEY *key= table->key_info + k;
  if ((key->flags & (HA_NOSAME | HA_NULL_PART_KEY)) != HA_NOSAME)
    return false;
  if (!(table->file->index_flags(k, 0, true) & HA_READ_ORDER))
    return false;
  for (uint i= 0; i < key->user_defined_key_parts; i++)
    if (is_prefix_part(key->key_part + i))
      return false;
  return true;
}


uint rpl_provision_copy_key(TABLE *table)
{
  uint pk= table->s->primary_key;
  if (pk != MAX_KEY && is_copy_key(table, pk))
    return pk;
  for (uint k= 0; k < table->s->keys; k++)
    if (is_copy_key(table, k))
      return k;
  return MAX_KEY;
}


void rpl_provision_key_image(TABLE *table, uint key_nr, std::string *out)
{
  if (key_nr == MAX_KEY)
    return;
  KEY *key= table->key_info + key_nr;
  for (uint i= 0; i < key->user_defined_key_parts; i++)
  {
    Field *field= key->key_part[i].field;
    size_t start= out->size();
    /*
      The whole weight string, as filesort sizes it: a collation with
      expansions ('ss' for 'ß' in utf8mb4_german2_ci) needs more bytes
      than the column holds, and a shorter image would make distinct
      keys equal.
    */
    uint length= field->sort_length();
    CHARSET_INFO *cs= field->sort_charset();
    if (use_strnxfrm(cs))
      length= (uint) cs->strnxfrmlen(length);
    out->resize(start + length);
    uchar *image= (uchar*) &(*out)[start];
    field->sort_string(image, length);
    /* A descending part: the index orders it the other way round. */
    if (key->key_part[i].key_part_flag & HA_REVERSE_SORT)
      for (uint b= 0; b < length; b++)
        image[b]= (uchar) ~image[b];
  }
}
