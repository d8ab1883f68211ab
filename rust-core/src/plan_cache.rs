//! The plans of the copies this master sends, as their replicas last
//! heard of them, so that a copy whose plan the master's DDL changed can
//! go on after a lost connection.
//!
//! A replica's resume point names its step in a plan by the plan's
//! fingerprint ([`Scheduler::fingerprint`]), and a new dump plans a
//! resumed copy from the master's catalog as it is now.  DDL during the
//! copy changes the plan at both ends (a table created is copied after
//! the others, one dropped is not, one renamed goes on under its new
//! name: [`crate::ddl_during_copy`]), so the catalog's plan is then
//! another one, and the copy could only start again (`REPLACE`).  Each
//! dump therefore remembers here every plan a resume point of it named;
//! a resumed dump whose catalog makes another plan takes the replica's
//! from here ([`crate::dump::DumpSession::plan`]).
//!
//! Why that is exact: the plan recalled is the one the replica's point
//! refers to, step for step, and the new dump sends the binary log from
//! the replica's position, so the master's DDL after that point comes
//! through again and changes the plan as it did the first time, at both
//! ends.  The rest of the dump's state (the tables it copies, their
//! definitions and keys) is read from the catalog as it is now, as for any
//! resumed copy.  Only a point before the copy's objects is taken up this
//! way: the views, routines, triggers and events are read again at the
//! `Objects` unit, where the plan's and the dump's lists must agree.
//!
//! The plans live in this server process only: after a restart of the
//! master, a copy whose plan changed must start again, as before.  They
//! are kept per copy (the replica's request without its resume point, so
//! only the same connection with the same filter finds them), and
//! bounded in number and bytes: the oldest of the copy that remembers one
//! more go first, then the oldest of all (a copy under a storm of DDL, a
//! plan a statement, does not cost another copy its plan).  They are not
//! dropped when the dump sends the copy's end: its replica may lose the
//! connection before it applied the end (a relay log's worth of the copy
//! behind), and goes on from a point of one of them.

use crate::scheduler::Scheduler;
use std::sync::{Mutex, MutexGuard};

/// The most plans kept.
const MAX_PLANS: usize = 64;

/// The most bytes of plans kept (see [`Scheduler::approx_bytes`]).
const MAX_BYTES: usize = 64 << 20;

struct Entry {
    copy: String,
    plan: u64,
    bytes: usize,
    scheduler: Scheduler,
}

static PLANS: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// The registry; a panic elsewhere while it was held leaves it usable
/// (each change to it is a push, a remove or a retain).
fn plans() -> MutexGuard<'static, Vec<Entry>> {
    PLANS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Remembers `scheduler`, whose fingerprint is `plan`, as a plan of the
/// copy `copy` (the newest of that fingerprint replaces an older one).
pub fn remember(copy: &str, plan: u64, scheduler: &Scheduler) {
    let bytes = scheduler.approx_bytes() + copy.len();
    if bytes > MAX_BYTES {
        return;
    }
    let mut plans = plans();
    plans.retain(|e| !(e.plan == plan && e.copy == copy));
    plans.push(Entry {
        copy: copy.to_owned(),
        plan,
        bytes,
        scheduler: scheduler.clone(),
    });
    let mut total: usize = plans.iter().map(|e| e.bytes).sum();
    while plans.len() > MAX_PLANS || total > MAX_BYTES {
        let newest = plans.len() - 1;
        let oldest = plans[..newest]
            .iter()
            .position(|e| e.copy == copy)
            .unwrap_or(0);
        total -= plans.remove(oldest).bytes;
    }
}

/// The plan of the copy `copy` whose fingerprint is `plan`, if this
/// process remembers it.
pub fn recall(copy: &str, plan: u64) -> Option<Scheduler> {
    plans()
        .iter()
        .find(|e| e.plan == plan && e.copy == copy)
        .map(|e| e.scheduler.clone())
}

/// Forgets every plan of the copy `copy`.
pub fn forget(copy: &str) {
    plans().retain(|e| e.copy != copy);
}

/// Held by the tests that depend on what the registry holds (it is one
/// for the whole test binary).
#[cfg(test)]
static TEST_LOCK: Mutex<()> = Mutex::new(());

/// Takes [`TEST_LOCK`] for a test.
#[cfg(test)]
pub(crate) fn test_serial() -> MutexGuard<'static, ()> {
    TEST_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(tables: &[&str]) -> Scheduler {
        let mut s = Scheduler::new(100);
        s.add_database("d", tables);
        s.plan(Vec::new()).unwrap();
        s
    }

    #[test]
    fn a_plan_is_recalled_by_its_copy_and_fingerprint() {
        let _serial = test_serial();
        let s = plan_of(&["a", "b"]);
        let fp = s.fingerprint();
        remember("copy-recalled", fp, &s);
        let back = recall("copy-recalled", fp).expect("remembered");
        assert_eq!(back.fingerprint(), fp);
        assert!(
            recall("another-copy", fp).is_none(),
            "only its own copy finds it"
        );
        assert!(recall("copy-recalled", fp ^ 1).is_none());
        forget("copy-recalled");
        assert!(recall("copy-recalled", fp).is_none());
    }

    #[test]
    fn the_oldest_plans_go_first() {
        let _serial = test_serial();
        let s = plan_of(&["a"]);
        for i in 0..=MAX_PLANS as u64 {
            remember("copy-bounded", i, &s);
        }
        assert!(recall("copy-bounded", 0).is_none(), "the oldest went");
        assert!(recall("copy-bounded", MAX_PLANS as u64).is_some());
        assert!(plans().len() <= MAX_PLANS);
        forget("copy-bounded");
    }

    #[test]
    fn a_copy_with_many_plans_gives_up_its_own_first() {
        let _serial = test_serial();
        let s = plan_of(&["a"]);
        remember("copy-quiet", 7, &s);
        for i in 0..2 * MAX_PLANS as u64 {
            remember("copy-stormy", i, &s);
        }
        assert!(recall("copy-quiet", 7).is_some(), "kept");
        assert!(recall("copy-stormy", 0).is_none());
        assert!(recall("copy-stormy", 2 * MAX_PLANS as u64 - 1).is_some());
        assert!(plans().len() <= MAX_PLANS);
        forget("copy-quiet");
        forget("copy-stormy");
    }
}
