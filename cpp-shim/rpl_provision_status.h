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

#ifndef RPL_PROVISION_STATUS_INCLUDED
#define RPL_PROVISION_STATUS_INCLUDED

/*
  The server-wide counters behind the Provision_* status variables.
  Private to the shim; rpl_provision_status.cc shows them.
*/

#include "my_global.h"
#include <atomic>

/* Master: provisioning dumps started (refused ones included), running */
extern std::atomic<ulonglong> rpl_provision_dumps_started;
extern std::atomic<uint32> rpl_provision_dumps_running;
/* Master: rows all provisioning dumps have sent */
extern std::atomic<ulonglong> rpl_provision_rows_sent;
/* Replica: LOAD DATA FROM MASTER statements, and the rows they applied */
extern std::atomic<ulonglong> rpl_provision_copies;
extern std::atomic<ulonglong> rpl_provision_rows_applied;
/* Replica: copies resumed after the connection to the master was lost */
extern std::atomic<ulonglong> rpl_provision_resumes;
/** The master's transactions parallel replication's workers applied
    during copies (provision_core::parallel_apply). */
extern std::atomic<ulonglong> rpl_provision_parallel_transactions;

#endif /* RPL_PROVISION_STATUS_INCLUDED */
