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
  SHOW GLOBAL STATUS LIKE 'Provision%': totals of the provisioning dumps
  this server ran as a master and of the copies it applied as a replica.
*/

#include "mariadb.h"
#include "sql_priv.h"
#include "sql_class.h"
#include "rpl_provision.h"
#include "rpl_provision_status.h"

std::atomic<ulonglong> rpl_provision_dumps_started{0};
std::atomic<uint32> rpl_provision_dumps_running{0};
std::atomic<ulonglong> rpl_provision_rows_sent{0};
std::atomic<ulonglong> rpl_provision_copies{0};
std::atomic<ulonglong> rpl_provision_rows_applied{0};
std::atomic<ulonglong> rpl_provision_resumes{0};
std::atomic<ulonglong> rpl_provision_parallel_transactions{0};


template <typename T, std::atomic<T> &counter>
static int show_counter(THD *, SHOW_VAR *var, void *buff,
                        system_status_var *, enum_var_type)
{
  var->type= SHOW_LONGLONG;
  var->value= buff;
  *(ulonglong *) buff= (ulonglong) counter.load(std::memory_order_relaxed);
  return 0;
}


SHOW_VAR rpl_provision_status_vars[]=
{
  {"copies", (char*) &show_counter<ulonglong, rpl_provision_copies>,
   SHOW_SIMPLE_FUNC},
  {"dumps", (char*) &show_counter<ulonglong, rpl_provision_dumps_started>,
   SHOW_SIMPLE_FUNC},
  {"dumps_running",
   (char*) &show_counter<uint32, rpl_provision_dumps_running>,
   SHOW_SIMPLE_FUNC},
  {"parallel_transactions",
   (char*) &show_counter<ulonglong, rpl_provision_parallel_transactions>,
   SHOW_SIMPLE_FUNC},
  {"resumes", (char*) &show_counter<ulonglong, rpl_provision_resumes>,
   SHOW_SIMPLE_FUNC},
  {"rows_applied",
   (char*) &show_counter<ulonglong, rpl_provision_rows_applied>,
   SHOW_SIMPLE_FUNC},
  {"rows_sent", (char*) &show_counter<ulonglong, rpl_provision_rows_sent>,
   SHOW_SIMPLE_FUNC},
  {NullS, NullS, SHOW_LONG}
};


bool rpl_provision_rows_wanted()
{
  return rpl_provision_dumps_running.load(std::memory_order_relaxed) > 0;
}
