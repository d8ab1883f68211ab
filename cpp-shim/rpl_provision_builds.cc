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
  Deferred index builds off the SQL thread: see rpl_provision_builds.h and
  provision_core::index_build.
*/

#include "mariadb.h"
#include "sql_priv.h"
#include "rpl_provision.h"

#ifdef HAVE_REPLICATION

#include "sql_class.h"
#include "rpl_provision_builds.h"
#include "rpl_provision_local.h"

/*
  The build's statement in the session of the Query event it came in: its
  keys are SHOW CREATE TABLE's text under that sql_mode (ANSI_QUOTES).
*/
Rpl_provision_builds::Ended
Rpl_provision_builds::run(const provision::IndexBuild &build)
{
  Ended ended{build, 0, std::string()};
  Local_connection local;
  std::string session= "SET SESSION sql_mode=" +
    std::to_string(build.context.sql_mode);
  if (CHARSET_INFO *cs= get_charset(build.context.charset_client, MYF(0)))
    session+= std::string(", character_set_client=") + cs->cs_name.str;
  if (CHARSET_INFO *cl= get_charset(build.context.collation_connection,
                                    MYF(0)))
    session+= std::string(", collation_connection=") + cl->coll_name.str;
  session+= std::string(", ") +
    std::string(provision::index_builder_settings());
  /*
    A THD with no client that is no system thread takes a metadata lock
    wait of more than a second for a lost client (a timeout, in
    MDL_context::acquire_lock()): the build waits as a session would.
  */
  if (THD *thd= local.thd())
    thd->system_thread= SYSTEM_THREAD_GENERIC;
  ended.error= local.run(session);
  if (!ended.error)
    ended.error= local.run(std::string((const char *) build.statement.data(),
                                       build.statement.size()));
  if (ended.error)
    ended.message= local.error();
  return ended;
}


void Rpl_provision_builds::start(const provision::IndexBuild &build)
{
  builds.push_back(std::unique_ptr<Build>(new Build));
  Build *b= builds.back().get();
  b->ended.build= build;
  b->thread= std::thread([b]() {
    my_thread_init();
    b->ended= run(b->ended.build);
    my_thread_end();
    b->done.store(true, std::memory_order_release);
  });
}


std::vector<Rpl_provision_builds::Ended> Rpl_provision_builds::wait(size_t keep)
{
  std::vector<Ended> ended;
  size_t running= builds.size();
  for (auto it= builds.begin(); it != builds.end();)
  {
    Build *b= it->get();
    if (running > keep || b->done.load(std::memory_order_acquire))
    {
      b->thread.join();
      ended.push_back(std::move(b->ended));
      it= builds.erase(it);
      running--;
    }
    else
      ++it;
  }
  return ended;
}

#endif /* HAVE_REPLICATION */
