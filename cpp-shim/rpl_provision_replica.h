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

#ifndef RPL_PROVISION_REPLICA_INCLUDED
#define RPL_PROVISION_REPLICA_INCLUDED

/*
  Replica-side state of one master connection's provisioning, hung off
  Master_info::provision by LOAD DATA FROM MASTER for the duration of the
  statement.  Private to the shim.
*/

#include <atomic>
#include <mutex>
#include <string>
#include <vector>
#include "mariadb-provision/src/lib.rs.h"
#include "rpl_provision_builds.h"

class Rpl_provision_replica
{
public:
  Rpl_provision_replica(uint32 domain, std::string &&req,
                        rust::Str connection_name)
    : copy_domain(domain), first_request(req), request(std::move(req)),
      requested(false),
      connection_lost(false),
      in_copy_group(false), binlog_suppressed(false),
      filter(provision::replica_filter_new(connection_name)),
      progress(filter->progress_handle()), end_queued(false),
      done(false), recovered(false), resumes(0)
  {
    /* LOAD TABLE ... FROM MASTER copies the tables it names only */
    filter->copy_only_from(first_request);
  }

  /** GTID domain of the copy groups; never recorded anywhere. */
  const uint32 copy_domain;
  /** The statement's request: its options and the connection's filter. */
  const std::string first_request;
  /**
    The value of @slave_provision the IO thread sends: the statement's
    request, then the one that resumes the copy.  Set while the threads
    are stopped.
  */
  std::string request;

  /* IO thread only: the dump was requested once (a second request would be
     a reconnect in the middle of the copy) */
  bool requested;
  /** Set by the IO thread: it stopped to reconnect (the statement resumes) */
  std::atomic<bool> connection_lost;

  /*
    SQL (driver) thread only: the group it applies.  With parallel
    replication, the master's transactions that go to workers never are
    copy groups (see provision_core::parallel_apply).
  */
  bool in_copy_group;
  bool binlog_suppressed;
  /**
    SQL thread only: the Query event being applied ends its group, which
    counts as applied once it ran without an error.
  */
  bool statement_ends_group= false;
  /** The copied key range of every table (DESIGN I2). */
  rust::Box<provision::ReplicaFilter> filter;
  /**
    Guards 'filter' where parallel replication's workers and the SQL
    driver thread may use it at once: the workers' calls, and the driver's
    while it queues groups to them.  A group that applies alone runs with
    the workers idle.
  */
  std::mutex filter_lock;
  /** Any thread: how far the copy is (rows and tables applied). */
  rust::Box<provision::ProgressHandle> progress;

  /** Set by the IO thread when it queued the end marker. */
  std::atomic<bool> end_queued;
  /** Set by the SQL thread when it applied the end marker. */
  std::atomic<bool> done;
  /**
    The master's GTID position at the end marker; written by the SQL
    thread before it sets 'done', read by the statement after.
  */
  std::string end_position;

  /**
    Taken up from mysql.provision_progress after a restart: the statement
    restarts its non-transactional tables that were part way.
  */
  bool recovered;

  /**
    The statement running the copy while it owns the connection
    (Master_info::provision); under LOCK_active_mi.
  */
  THD *owner= NULL;

  /** Statement only: how often this copy resumed (SHOW SLAVE STATUS) */
  std::atomic<uint32> resumes;

  /**
    Deferred index builds running beside the SQL thread: started and
    waited for by the SQL thread, by the statement once it stopped.
  */
  Rpl_provision_builds builds;
  /**
    The copy stopped because an index build failed: its rows are all
    in, and the same statement goes on by running the build again.
  */
  std::atomic<bool> index_build_failed{false};
};

#endif /* RPL_PROVISION_REPLICA_INCLUDED */
