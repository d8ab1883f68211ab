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
  Master side of LOAD DATA FROM MASTER: what a dump copies besides the
  tables' rows and the views.  Each object is read once, when the dump
  loads its catalog: DDL on the master during the copy stops the copy on
  the replica, so these definitions stay the ones to send.  Rust decides
  the order and turns each definition into CREATE OR REPLACE.
*/

#include "mariadb.h"
#include "sql_priv.h"

#ifdef HAVE_REPLICATION

#include "sql_class.h"
#include "sql_base.h"
#include "sql_trigger.h"
#include "sql_acl.h"
#include "sql_parse.h"
#include "sp.h"
#include "sp_head.h"
#include "event_data_objects.h"
#include "event_db_repository.h"
#include "tztime.h"
#include "rpl_provision_catalog.h"
#include "rpl_provision_objects.h"

#include <string>
#include <vector>


/* A Query event context in a stored object's creation context. */
/* The server's referential actions, as the bridge numbers them */
static_assert((int) provision::FkOption::Cascade == FK_OPTION_CASCADE &&
              (int) provision::FkOption::SetNull == FK_OPTION_SET_NULL &&
              (int) provision::FkOption::SetDefault == FK_OPTION_SET_DEFAULT &&
              (int) provision::FkOption::Restrict == FK_OPTION_RESTRICT,
              "provision::FkOption differs from enum_fk_option");


/* Whether one of 'columns' is a part of the table's copy key. */
static bool in_copy_key(TABLE *table, List<LEX_CSTRING> &columns)
{
  uint key_nr= rpl_provision_copy_key(table);
  if (key_nr == MAX_KEY)
    return false;
  const KEY &key= table->key_info[key_nr];
  List_iterator_fast<LEX_CSTRING> it(columns);
  while (LEX_CSTRING *column= it++)
    for (uint i= 0; i < key.user_defined_key_parts; i++)
      if (!my_strcasecmp(system_charset_info,
                         key.key_part[i].field->field_name.str, column->str))
        return true;
  return false;
}


bool rpl_provision_may(THD *thd, provision::DumpSession &session,
                       privilege_t want, const char *privilege,
                       const LEX_CSTRING &db, const LEX_CSTRING &name)
{
  /* The ACL lookups read C strings: the names given need not end in NUL */
  LEX_CSTRING db_z= { thd->strmake(db.str, db.length), db.length };
  LEX_CSTRING name_z= { thd->strmake(name.str, name.length), name.length };
  bool denied;
  if (name.length)
  {
    TABLE_LIST tl;
    tl.init_one_table(&db_z, &name_z, NULL, TL_READ);
    denied= check_table_access(thd, want, &tl, false, 1, true);
  }
  else
    denied= check_access(thd, want, db_z.str, NULL, NULL, false, true);
  thd->clear_error();
  if (denied)
  {
    const Security_context *sctx= thd->security_ctx;
    std::string account= std::string("'") + sctx->priv_user + "'@'" +
                         sctx->priv_host + "'";
    session.privilege_missing(rust::Str(account), rust::Str(privilege),
                              rpl_provision_str(db), rpl_provision_str(name));
  }
  return !denied;
}


static provision::QueryContext object_context(THD *thd, sql_mode_t sql_mode,
                                              CHARSET_INFO *client,
                                              CHARSET_INFO *connection)
{
  provision::QueryContext ctx= rpl_provision_query_context(thd);
  ctx.sql_mode= (uint64_t) sql_mode;
  ctx.charset_client= (uint16_t) client->number;
  ctx.collation_connection= (uint16_t) connection->number;
  return ctx;
}


/* The triggers of 'table' (of database 'db'), in their order. */
static void add_triggers(THD *thd, provision::DumpSession &session,
                         const LEX_CSTRING &db, TABLE *table)
{
  /*
    Each list holds one event and action time in the table's trigger
    order.  The stored definitions have no FOLLOWS/PRECEDES clause, so
    creating them in list order gives the replica the same order.
  */
  if (!table->triggers)
    return;
  for (uint event= 0; event < TRG_EVENT_MAX; event++)
    for (uint time= 0; time < TRG_ACTION_MAX; time++)
      for (Trigger *trg= table->triggers->get_trigger(event, time); trg;
           trg= trg->next)
      {
        CHARSET_INFO *client=
          get_charset_by_csname(trg->client_cs_name.str, MY_CS_PRIMARY,
                                MYF(0));
        CHARSET_INFO *connection=
          get_charset_by_name(trg->connection_cl_name.str, MYF(0));
        provision::QueryContext ctx=
          object_context(thd, trg->sql_mode,
                         client ? client : system_charset_info,
                         connection ? connection : system_charset_info);
        session.add_object("TRIGGER", rpl_provision_str(db),
                           rpl_provision_str(trg->name),
                           rpl_provision_bytes(trg->definition.str,
                                               trg->definition.length), ctx);
      }
}


bool rpl_provision_add_table_triggers(THD *thd,
                                      provision::DumpSession &session,
                                      const LEX_CSTRING &db,
                                      const LEX_CSTRING &name)
{
  TABLE_LIST tl;
  if (rpl_provision_open_metadata(thd, db, name, &tl))
  {
    /* Dropped since: its DROP is in the binlog after this point */
    if (thd->get_stmt_da()->sql_errno() != ER_NO_SUCH_TABLE)
      return true;
    thd->clear_error();
    rpl_provision_end_access(thd, NULL);
    return false;
  }
  add_triggers(thd, session, db, tl.table);
  rpl_provision_end_access(thd, NULL);
  return false;
}


bool rpl_provision_add_table_objects(THD *thd,
                                     provision::DumpSession &session,
                                     const LEX_CSTRING &db,
                                     const LEX_CSTRING &name)
{
  TABLE_LIST tl;
  if (rpl_provision_open_metadata(thd, db, name, &tl))
    return true;
  TABLE *table= tl.table;

  /* The copy reads its rows (and SHOW CREATE TABLE shows its triggers) */
  rpl_provision_may(thd, session, SELECT_ACL, "SELECT", db, name);

  /*
    Its engine, and its versioning: a table whose rows live elsewhere
    (MERGE), or whose history names this server's transactions, is refused
  */
  const LEX_CSTRING *engine= hton_name(table->s->db_type());
  session.add_table_engine(rpl_provision_str(db), rpl_provision_str(name),
                           rpl_provision_str(*engine),
                           table->versioned(VERS_TRX_ID));

  /* Its size as the statistics say, for the replica's progress report */
  if (!table->file->info(HA_STATUS_VARIABLE | HA_STATUS_NO_LOCK))
    session.add_row_estimate(rpl_provision_str(db), rpl_provision_str(name),
                             (uint64_t) table->file->stats.records);
  if (table->triggers)
    rpl_provision_may(thd, session, TRIGGER_ACL, "TRIGGER", db, name);

  /*
    A DEFAULT that calls NEXTVAL() names its sequence in internal_tables:
    the replica's CREATE TABLE needs the sequence, so it comes first.
  */
  for (TABLE_LIST *seq= table->internal_tables; seq; seq= seq->next_global)
    session.add_default_sequence(rpl_provision_str(db),
                                 rpl_provision_str(name),
                                 rpl_provision_str(seq->db),
                                 rpl_provision_str(seq->table_name));

  List<FOREIGN_KEY_INFO> keys;
  if (int err= table->file->get_foreign_key_list(thd, &keys))
  {
    table->file->print_error(err, MYF(0));
    rpl_provision_end_access(thd, NULL);
    return true;
  }
  List_iterator_fast<FOREIGN_KEY_INFO> it(keys);
  while (FOREIGN_KEY_INFO *fk= it++)
  {
    provision::ForeignKeyRules rules;
    rules.on_update= (provision::FkOption) fk->update_method;
    rules.on_delete= (provision::FkOption) fk->delete_method;
    rules.in_copy_key= in_copy_key(table, fk->foreign_fields);
    session.add_foreign_key(rpl_provision_str(db), rpl_provision_str(name),
                            rpl_provision_str(*fk->referenced_db),
                            rpl_provision_str(*fk->referenced_table), rules);
  }

  /* The foreign keys of any table that reference this one */
  List<FOREIGN_KEY_INFO> referencing;
  if (int err= table->file->get_parent_foreign_key_list(thd, &referencing))
  {
    table->file->print_error(err, MYF(0));
    rpl_provision_end_access(thd, NULL);
    return true;
  }
  List_iterator_fast<FOREIGN_KEY_INFO> ref_it(referencing);
  while (FOREIGN_KEY_INFO *fk= ref_it++)
    session.add_referencing_key(rpl_provision_str(*fk->foreign_db),
                                rpl_provision_str(*fk->foreign_table),
                                rpl_provision_str(db), rpl_provision_str(name));

  add_triggers(thd, session, db, table);
  rpl_provision_end_access(thd, NULL);
  return false;
}


/* (database, name, type) of each row of mysql.proc or mysql.event */
struct Object_name
{
  std::string db, name;
  longlong type;
};


static bool list_system_table(THD *thd, const LEX_CSTRING &table_name,
                              int type_field, std::vector<Object_name> *out)
{
  TABLE_LIST tl;
  if (rpl_provision_open_for_read(thd, MYSQL_SCHEMA_NAME, table_name, &tl))
    return true;
  TABLE *table= tl.table;
  table->use_all_columns();
  int err= table->file->ha_rnd_init_with_error(true);
  if (!err)
  {
    while (!(err= table->file->ha_rnd_next(table->record[0])) ||
           err == HA_ERR_RECORD_DELETED)
    {
      if (err)
        continue;
      StringBuffer<NAME_LEN * 3> db_buf, name_buf;
      String *db= table->field[0]->val_str(&db_buf);
      String *name= table->field[1]->val_str(&name_buf);
      out->push_back({ std::string(db->ptr(), db->length()),
                       std::string(name->ptr(), name->length()),
                       type_field < 0 ? 0 :
                         table->field[type_field]->val_int() });
    }
    if (err == HA_ERR_END_OF_FILE)
      err= 0;
  }
  if (err)
    table->file->print_error(err, MYF(0));
  rpl_provision_end_access(thd, table);
  return err != 0;
}


bool rpl_provision_add_routines(THD *thd, provision::DumpSession &session)
{
  static const LEX_CSTRING proc= { STRING_WITH_LEN("proc") };
  std::vector<Object_name> routines;
  if (list_system_table(thd, proc, MYSQL_PROC_MYSQL_TYPE, &routines))
    return true;
  for (const Object_name &r : routines)
  {
    /* Not parsed at all when the plan leaves its database out */
    if (!session.copies_database(rust::Str(r.db)))
      continue;
    /* As SHOW CREATE PROCEDURE for a routine one did not define */
    static const LEX_CSTRING mysql_db= { STRING_WITH_LEN("mysql") };
    if (!rpl_provision_may(thd, session, SELECT_ACL, "SELECT", mysql_db,
                           proc))
      return false;
    const Sp_handler *sph= Sp_handler::handler((enum_sp_type) r.type);
    if (!sph)
      continue;                                 /* not a routine type */
    LEX_CSTRING db= { r.db.c_str(), r.db.length() };
    LEX_CSTRING name= { r.name.c_str(), r.name.length() };
    Database_qualified_name qname(db, name);
    /* As SHOW CREATE: the text the server rebuilt when it loaded it */
    sp_head *sp= sph->sp_find_routine(thd, &qname, false);
    if (!sp)
    {
      if (!thd->is_error())
        my_error(ER_SP_DOES_NOT_EXIST, MYF(0), sph->type_str(), r.name.c_str());
      return true;
    }
    Stored_program_creation_ctx *cctx= sp->get_creation_ctx();
    provision::QueryContext ctx=
      object_context(thd, sp->m_sql_mode, cctx->get_client_cs(),
                     cctx->get_connection_cl());
    const LEX_CSTRING type= sph->type_lex_cstring();
    session.add_object(rpl_provision_str(type), rpl_provision_str(db),
                       rpl_provision_str(name),
                       rpl_provision_bytes(sp->m_defstr.str,
                                           sp->m_defstr.length), ctx);
  }
  return false;
}


bool rpl_provision_add_events(THD *thd, provision::DumpSession &session)
{
  static const LEX_CSTRING event= { STRING_WITH_LEN("event") };
  std::vector<Object_name> events;
  if (list_system_table(thd, event, -1, &events))
    return true;
  Event_db_repository repository;
  for (const Object_name &e : events)
  {
    if (!session.copies_database(rust::Str(e.db)))
      continue;
    LEX_CSTRING db= { e.db.c_str(), e.db.length() };
    LEX_CSTRING name= { e.name.c_str(), e.name.length() };
    /* As SHOW CREATE EVENT */
    if (!rpl_provision_may(thd, session, EVENT_ACL, "EVENT", db,
                           null_clex_str))
      return false;
    Event_timed et;
    char buf[2048];
    String text(buf, sizeof(buf), system_charset_info);
    text.length(0);
    if (repository.load_named_event(thd, &db, &name, &et))
      return true;
    if (et.get_create_event(thd, &text))
    {
      /* As SHOW CREATE EVENT, for an interval mysql.event cannot hold */
      my_error(ER_NOT_SUPPORTED_YET, MYF(0), "MICROSECOND");
      return true;
    }
    /*
      Its times are written in the event's time zone; the replica's SQL
      thread creates it DISABLE ON SLAVE, as replication of CREATE EVENT
      does.
    */
    provision::QueryContext ctx=
      object_context(thd, et.sql_mode, et.creation_ctx->get_client_cs(),
                     et.creation_ctx->get_connection_cl());
    const String *zone= et.time_zone->get_name();
    ctx.time_zone= rust::String(zone->ptr(), zone->length());
    session.add_object("EVENT", rpl_provision_str(db), rpl_provision_str(name),
                       rpl_provision_bytes(text.ptr(), text.length()), ctx);
  }
  return false;
}

#endif /* HAVE_REPLICATION */
