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

#ifndef RPL_PROVISION_BRIDGE_INCLUDED
#define RPL_PROVISION_BRIDGE_INCLUDED

/*
  The cxx bridge to the Rust core, and how the shim hands it server
  strings.  Private to the shim.
*/

#include "mariadb-provision/src/lib.rs.h"
#include <string>

/*
  A name the server has validated (a database, table or account name,
  utf8mb3): UTF-8 text.
*/
static inline rust::Str rpl_provision_str(const LEX_CSTRING &s)
{
  return rust::Str(s.str, s.length);
}

/*
  Text the server holds in any character set (a definition, a comment, a
  user variable, a key image) goes to Rust as bytes: rust::Str would
  throw on bytes that are not UTF-8, and an exception here aborts the
  server.
*/
static inline rust::Slice<const uint8_t> rpl_provision_bytes(const char *s,
                                                             size_t length)
{
  return rust::Slice<const uint8_t>((const uint8_t*) s, length);
}

static inline rust::Slice<const uint8_t>
rpl_provision_bytes(const std::string &s)
{
  return rpl_provision_bytes(s.data(), s.size());
}

/*
  Text the server made in the character set 'cs' (an error message in a
  connection's character set, naming a table) as UTF-8, which the core
  and the server's own messages use.  Bytes 'cs' cannot hold come out as
  '?'; the core still takes them as bytes.
*/
static inline std::string rpl_provision_utf8(const char *s, size_t length,
                                             CHARSET_INFO *cs)
{
  String text;
  uint errors;
  text.copy(s, (uint32) length, cs ? cs : &my_charset_bin,
            &my_charset_utf8mb4_bin, &errors);
  return std::string(text.ptr(), text.length());
}

#endif /* RPL_PROVISION_BRIDGE_INCLUDED */
