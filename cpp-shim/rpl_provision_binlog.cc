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
  Reading this server's binary log files: see rpl_provision_binlog.h.
*/

#include "mariadb.h"
#include "sql_priv.h"
#include "rpl_provision.h"

#ifdef HAVE_REPLICATION

#include "sql_class.h"
#include "log.h"
#include "log_event.h"
#include "rpl_provision_binlog.h"


Rpl_provision_binlog_file::Rpl_provision_binlog_file(const char *file)
  : fdle(NULL)
{
  const char *errmsg;
  if ((fd= open_binlog(&cache, file, &errmsg)) < 0)
    return;
  Format_description_log_event init_fdle(BINLOG_VERSION);
  int read_error;
  Log_event *first= Log_event::read_log_event(&cache, &read_error,
                                              &init_fdle, false, false);
  if (!first || first->get_type_code() != FORMAT_DESCRIPTION_EVENT)
  {
    delete first;
    return;
  }
  Format_description_log_event *format=
    static_cast<Format_description_log_event *>(first);
  my_off_t second_at= my_b_tell(&cache);
  Log_event *second= Log_event::read_log_event(&cache, &read_error, format,
                                               false, false);
  bool encrypted= second && second->get_type_code() == START_ENCRYPTION_EVENT;
  bool failed= encrypted &&
    format->start_decryption(static_cast<Start_encryption_log_event *>(second));
  delete second;
  if (failed)
  {
    delete format;
    return;
  }
  if (!encrypted)
    my_b_seek(&cache, second_at);
  fdle= format;
}


Rpl_provision_binlog_file::~Rpl_provision_binlog_file()
{
  delete fdle;
  if (fd >= 0)
  {
    end_io_cache(&cache);
    mysql_file_close(fd, MYF(0));
  }
}


Log_event *Rpl_provision_binlog_file::next_event()
{
  int read_error;
  return fdle ? Log_event::read_log_event(&cache, &read_error, fdle, false,
                                          false) : NULL;
}


bool Rpl_provision_binlog_file::next_packet(String *packet)
{
  return fdle && !Log_event::read_log_event(&cache, packet, fdle,
                                            BINLOG_CHECKSUM_ALG_OFF);
}

#endif /* HAVE_REPLICATION */
