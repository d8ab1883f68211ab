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


#ifndef RPL_PROVISION_BINLOG_INCLUDED
#define RPL_PROVISION_BINLOG_INCLUDED

/*
  A binary log file of this server, opened to read its events as the dump
  thread reads them.  Private to the shim: include after log_event.h.
*/
class Rpl_provision_binlog_file
{
public:
  /*
    Opens 'file' and reads its header: its Format_description event, and
    in an encrypted file the Start_encryption event that follows it,
    which sets up the decryption of the rest (there the event types are
    encrypted too).  The file is then read from right after the header,
    or from where a caller seeks to.
  */
  explicit Rpl_provision_binlog_file(const char *file);
  ~Rpl_provision_binlog_file();
  /* Whether the header was read: the events can be read */
  bool readable() const { return fdle != NULL; }
  /* Where the next event is read */
  my_off_t tell() { return my_b_tell(&cache); }
  void seek(my_off_t pos) { my_b_seek(&cache, pos); }
  /* The next event, NULL at the end or on an error; the caller deletes it */
  Log_event *next_event();
  /* The next event's bytes, checksum off: false at the end or on an error */
  bool next_packet(String *packet);

private:
  Rpl_provision_binlog_file(const Rpl_provision_binlog_file &);
  void operator=(const Rpl_provision_binlog_file &);
  IO_CACHE cache;
  File fd;
  Format_description_log_event *fdle;
};

#endif
