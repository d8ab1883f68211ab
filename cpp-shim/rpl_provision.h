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

#ifndef RPL_PROVISION_INCLUDED
#define RPL_PROVISION_INCLUDED

/*
  LOAD DATA FROM MASTER: provisioning a replica from a live master.

  The hooks the server calls.  Each one translates server state into plain
  values, asks the Rust core (provision/rust-core) what to do, and acts on
  the answer; the decisions themselves live in Rust.
*/

class THD;

/**
  Execute LOAD DATA FROM MASTER ['connection_name'].

  Runs in the client's THD, with no locks held.  The connection name in
  thd->lex->mi has already had @@default_master_connection applied.

  @retval false  success; the caller sends OK
  @retval true   error, already reported with my_error()
*/
bool mysql_load_data_from_master(THD *thd);

#endif /* RPL_PROVISION_INCLUDED */
