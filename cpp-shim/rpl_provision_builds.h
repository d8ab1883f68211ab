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

#ifndef RPL_PROVISION_BUILDS_INCLUDED
#define RPL_PROVISION_BUILDS_INCLUDED

/*
  The deferred index builds a copy runs beside its SQL thread, each on a
  local connection of its own (provision_core::index_build decides which
  statement is one, what waits for them and what the record says).
  Private to the shim.
*/

#include "mariadb-provision/src/lib.rs.h"
#include <atomic>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

class Rpl_provision_builds
{
public:
  /** How a build ended */
  struct Ended
  {
    provision::IndexBuild build;
    uint error;                         /* 0: none */
    std::string message;
  };

  Rpl_provision_builds() = default;
  Rpl_provision_builds(const Rpl_provision_builds &) = delete;
  Rpl_provision_builds &operator=(const Rpl_provision_builds &) = delete;
  /** Waits for the builds still running: their threads must end first */
  ~Rpl_provision_builds() { wait(0); }

  /** Starts 'build' on a thread and a connection of its own */
  void start(const provision::IndexBuild &build);
  /** How many builds started and not yet returned by wait() */
  size_t count() const { return builds.size(); }
  /**
    Waits until at most 'keep' builds run, the oldest first, and returns
    every build that ended, in the order they started.  Not
    interruptible: a build runs to its end, as the SQL thread's own
    ALTER TABLE would.
  */
  std::vector<Ended> wait(size_t keep);
  /** Runs 'build' in this thread, on a connection of its own */
  static Ended run(const provision::IndexBuild &build);

private:
  struct Build
  {
    Ended ended;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::list<std::unique_ptr<Build>> builds;
};

#endif /* RPL_PROVISION_BUILDS_INCLUDED */
