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
//! The plans are kept on disk too, in one file of the master's data
//! directory (`provision_plans`, [`keep_in`]), rewritten whole (a new
//! file renamed over the old one) each time a plan is remembered, which
//! is when a dump starts and when the master's DDL changes a plan: a
//! master restarted during a copy takes them up again, so the copy goes
//! on rather than starting again.  Nothing else changes across the
//! restart: the recalled plan names steps, and the new dump sends the
//! binary log from the replica's position, as after a lost connection.
//! A file that is not there or cannot be read gives no plans (such a
//! copy must start again, as before this file existed); a write that
//! fails leaves the previous file.
//!
//! They are kept per copy (the replica's request without its resume
//! point, so only the same connection with the same filter finds them), and
//! bounded in number and bytes: the oldest of the copy that remembers one
//! more go first, then the oldest of all (a copy under a storm of DDL, a
//! plan a statement, does not cost another copy its plan).  They are not
//! dropped when the dump sends the copy's end: its replica may lose the
//! connection before it applied the end (a relay log's worth of the copy
//! behind), and goes on from a point of one of them.

use crate::scheduler::saved_plan::{FieldReader, FieldWriter};
use crate::scheduler::Scheduler;
use std::io::Write;
use std::path::{Path, PathBuf};
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

/// The plans, oldest first, and the file that keeps them.
struct Registry {
    plans: Vec<Entry>,
    file: Option<PathBuf>,
}

static PLANS: Mutex<Registry> = Mutex::new(Registry {
    plans: Vec::new(),
    file: None,
});

/// The registry; a panic elsewhere while it was held leaves it usable
/// (each change to it is a push, a remove or a retain).
fn registry() -> MutexGuard<'static, Registry> {
    PLANS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The first field of the file: its form's version.
const FILE_VERSION: &[u8] = b"provision-plans-1";

/// The file's bytes for `plans`: each plan's copy, fingerprint and steps
/// ([`Scheduler::saved_plan`]).
fn file_bytes(plans: &[Entry]) -> Vec<u8> {
    let mut w = FieldWriter::default();
    w.bytes(FILE_VERSION);
    w.num(plans.len() as u64);
    for e in plans {
        w.bytes(e.copy.as_bytes());
        w.num(e.plan);
        w.bytes(&e.scheduler.saved_plan());
    }
    w.finish()
}

/// The plans of the file's `bytes` ([`file_bytes`]); `None` unless all
/// of them read back.
fn read_plans(bytes: &[u8]) -> Option<Vec<Entry>> {
    let mut r = FieldReader::new(bytes);
    if r.bytes()? != FILE_VERSION {
        return None;
    }
    let n = r.num()?;
    let mut plans = Vec::new();
    for _ in 0..n {
        let copy = r.text()?;
        let plan = r.num()?;
        let scheduler = Scheduler::from_saved_plan(r.bytes()?)?;
        let bytes = scheduler.approx_bytes() + copy.len();
        plans.push(Entry {
            copy,
            plan,
            bytes,
            scheduler,
        });
    }
    r.at_end().then_some(plans)
}

impl Registry {
    /// Drops the oldest plans past the bounds, those of `copy` first
    /// (never the newest).
    fn bound(&mut self, copy: &str) {
        let plans = &mut self.plans;
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

    /// Writes the plans to the file, if there is one: a new file, synced,
    /// then renamed over the old one, so that a crash leaves one or the
    /// other whole.  A failure leaves the old one.
    fn save(&self) {
        let Some(file) = &self.file else {
            return;
        };
        let new = file.with_extension("new");
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&new)?;
            f.write_all(&file_bytes(&self.plans))?;
            f.sync_all()?;
            std::fs::rename(&new, file)
        };
        if write().is_err() {
            let _ = std::fs::remove_file(&new);
        }
    }
}

/// Keeps the plans in `file` from now on, and takes up the ones it
/// holds (a previous process of this server's), older than any this
/// process remembers already.  Only the first call does anything.
pub fn keep_in(file: &Path) {
    let mut registry = registry();
    if registry.file.is_some() {
        return;
    }
    registry.file = Some(file.to_owned());
    if let Ok(bytes) = std::fs::read(file) {
        let mut plans = read_plans(&bytes).unwrap_or_default();
        plans.retain(|e| {
            !registry
                .plans
                .iter()
                .any(|r| r.plan == e.plan && r.copy == e.copy)
        });
        plans.append(&mut registry.plans);
        registry.plans = plans;
        if let Some(newest) = registry.plans.last().map(|e| e.copy.clone()) {
            registry.bound(&newest);
        }
    }
}

/// Remembers `scheduler`, whose fingerprint is `plan`, as a plan of the
/// copy `copy` (the newest of that fingerprint replaces an older one).
pub fn remember(copy: &str, plan: u64, scheduler: &Scheduler) {
    let bytes = scheduler.approx_bytes() + copy.len();
    if bytes > MAX_BYTES {
        return;
    }
    let mut registry = registry();
    registry
        .plans
        .retain(|e| !(e.plan == plan && e.copy == copy));
    registry.plans.push(Entry {
        copy: copy.to_owned(),
        plan,
        bytes,
        scheduler: scheduler.clone(),
    });
    registry.bound(copy);
    registry.save();
}

/// The plan of the copy `copy` whose fingerprint is `plan`, if this
/// process remembers it.
pub fn recall(copy: &str, plan: u64) -> Option<Scheduler> {
    registry()
        .plans
        .iter()
        .find(|e| e.plan == plan && e.copy == copy)
        .map(|e| e.scheduler.clone())
}

/// Forgets every plan of the copy `copy`.
pub fn forget(copy: &str) {
    let mut registry = registry();
    let before = registry.plans.len();
    registry.plans.retain(|e| e.copy != copy);
    if registry.plans.len() != before {
        registry.save();
    }
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
    fn a_restarted_master_recalls_the_plans_its_file_kept() {
        let _serial = test_serial();
        let dir = std::env::temp_dir().join(format!("plan-cache-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("provision_plans");
        let _ = std::fs::remove_file(&file);
        let earlier = registry().file.replace(file.clone());
        let s = plan_of(&["a", "b"]);
        let fp = s.fingerprint();
        remember("copy-kept", fp, &s);
        remember("copy-kept", fp ^ 1, &plan_of(&["c"]));
        assert!(file.exists());
        // The master restarts: nothing in memory, the file read again.
        let in_memory = std::mem::take(&mut registry().plans);
        registry().file = None;
        assert!(recall("copy-kept", fp).is_none());
        keep_in(&file);
        let back = recall("copy-kept", fp).expect("kept in the file");
        assert_eq!(back.fingerprint(), fp);
        assert!(recall("copy-kept", fp ^ 1).is_some());
        assert!(recall("another-copy", fp).is_none());
        // Forgotten in the file too.
        forget("copy-kept");
        registry().file = None;
        keep_in(&file);
        assert!(recall("copy-kept", fp).is_none());
        // A damaged file gives no plans, and does not stop anything.
        std::fs::write(&file, b"17:provision-plans-11:").unwrap();
        registry().file = None;
        keep_in(&file);
        assert!(recall("copy-kept", fp).is_none());
        let mut registry = registry();
        registry.file = earlier;
        registry
            .plans
            .extend(in_memory.into_iter().filter(|e| e.copy != "copy-kept"));
        drop(registry);
        std::fs::remove_dir_all(&dir).unwrap();
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
        assert!(registry().plans.len() <= MAX_PLANS);
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
        assert!(registry().plans.len() <= MAX_PLANS);
        forget("copy-quiet");
        forget("copy-stormy");
    }
}
