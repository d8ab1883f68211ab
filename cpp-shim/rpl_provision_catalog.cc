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
  without nullable parts, not WITHOUT OVERLAPS, scanned in order by the
  engine (not a MEMORY table's HASH index), and without prefix parts (a
  prefix key orders rows by the prefix only, which no key image of whole
  values can reproduce: the filter would compare in another order than
  the copy advances in).
*/
static bool is_copy_key(TABLE *table, uint k)
{
  const KEY *key= table->key_info + k;
  if ((key->flags & (HA_NOSAME | HA_NULL_PART_KEY)) != HA_NOSAME)
    return false;
  /*
    WITHOUT OVERLAPS: a row clashes with any row of the same key parts
    whose period overlaps, whatever its key image, so a chunk cannot
    overwrite by key and a range of keys does not bound what it clashes
    with.
  */
  if (key->without_overlaps)
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
  /*
    A system-versioned table is read whole at one cut: a chunk row that
    overwrote a row the replica has would be an UPDATE there, which
    versions it (a history row with the replica's own time), and deleting
    a range would add history rows too.
  */
  if (table->versioned())
    return MAX_KEY;
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



/*
  handler::calculate_checksum() for a table with generated columns: the
  same row checksums over the same stored columns, except that
  - stored generated columns are read: TABLE::use_all_stored_columns()
    leaves every generated column out of the read set, so CHECKSUM TABLE
    in 10.11 hashes whatever the TABLE instance last held in them;
  - the null bits of virtual columns, which the scan neither computes nor
    clears, count as set.
  Otherwise equal tables differ, depending on the instances' history.
*/
static int checksum_with_virtual_columns(TABLE *table, uint32 *sum)
{
  THD *thd= table->in_use;
  handler *file= table->file;
  uint null_bytes= table->s->null_bytes;
  /* The bits to set in each row's null bytes before they are hashed. */
  uchar set_bits[MAX_FIELDS / 8 + 2]= {0};
  if (null_bytes)
  {
    if (table->s->last_null_bit_pos)
      set_bits[null_bytes - 1]= (uchar) (256 - (1 << table->s->last_null_bit_pos));
    if (!(table->s->db_create_options & HA_OPTION_PACK_RECORD))
      set_bits[0]|= 1;
    for (Field **vf= table->vfield; *vf; vf++)
      if (!(*vf)->stored_in_db() && (*vf)->null_ptr)
        set_bits[(*vf)->null_ptr - table->record[0]]|= (*vf)->null_bit;
  }
  bool compat= thd->variables.old_behavior & OLD_MODE_COMPAT_5_1_CHECKSUM;

  bitmap_set_all(table->read_set);
  for (Field **vf= table->vfield; *vf; vf++)
    if (!(*vf)->stored_in_db())
      bitmap_clear_bit(table->read_set, (*vf)->field_index);
  ha_checksum total= 0;
  int error= file->ha_rnd_init(1);
  if (error)
    return error;
  while (!(error= file->ha_rnd_next(table->record[0])))
  {
    if (thd->killed)
    {
      error= HA_ERR_ABORTED_BY_USER;
      break;
    }
    ha_checksum row_crc= 0;
    if (null_bytes)
    {
      for (uint i= 0; i < null_bytes; i++)
        table->record[0][i]|= set_bits[i];
      row_crc= my_checksum(row_crc, table->record[0], null_bytes);
    }
    uchar *start= NULL;
    size_t length= 0;
    for (Field **fp= table->field; *fp; fp++)
    {
      Field *f= *fp;
      if (!f->stored_in_db())
        continue;
      bool is_null= !compat && f->is_real_null(0);
      enum_field_types type= f->type();
      bool as_string= type == MYSQL_TYPE_BLOB || type == MYSQL_TYPE_VARCHAR ||
                      type == MYSQL_TYPE_GEOMETRY || type == MYSQL_TYPE_BIT;
      if (start && (is_null || as_string || start + length != f->ptr))
      {
        row_crc= my_checksum(row_crc, start, length);
        start= NULL;
        length= 0;
      }
      if (is_null)
        continue;
      if (as_string)
      {
        String tmp;
        f->val_str(&tmp);
        row_crc= my_checksum(row_crc, (uchar*) tmp.ptr(), tmp.length());
        continue;
      }
      if (!start)
        start= f->ptr;
      length+= f->pack_length();
    }
    if (start)
      row_crc= my_checksum(row_crc, start, length);
    total+= row_crc;
  }
  file->ha_rnd_end();
  *sum= (uint32) total;
  return error == HA_ERR_END_OF_FILE ? 0 : error;
}


int rpl_provision_table_checksum(TABLE *table, uint32 *sum)
{
  if (table->vfield)
    return checksum_with_virtual_columns(table, sum);
  int err= table->file->calculate_checksum();
  *sum= (uint32) table->file->stats.checksum;
  return err;
}
