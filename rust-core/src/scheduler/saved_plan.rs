//! A plan as bytes, for [`crate::plan_cache`] to keep on disk: what
//! [`Scheduler::adopt_plan`] takes of a remembered plan (its databases,
//! tables, views, objects, steps and table count), nothing of how far a
//! dump had got.
//!
//! The form is a version tag, then fields each written as its decimal
//! length, `:`, and its bytes, so that any name fits.  Reading checks
//! every count, index and flag: bytes that are not a plan this module
//! wrote give no plan (the copy then starts again, as when the master
//! remembers nothing).

use super::{Object, ObjectKind, Progress, Scheduler, Step, Table, View};

/// The first field of a saved plan: its form's version.
const VERSION: &[u8] = b"plan-1";

/// Writes fields.
#[derive(Default)]
pub(crate) struct FieldWriter(Vec<u8>);

impl FieldWriter {
    /// One field.
    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes.len().to_string().as_bytes());
        self.0.push(b':');
        self.0.extend_from_slice(bytes);
    }

    /// A number as a field.
    pub(crate) fn num(&mut self, n: u64) {
        self.bytes(n.to_string().as_bytes());
    }

    /// A pair of names.
    fn pair(&mut self, (a, b): &(String, String)) {
        self.bytes(a.as_bytes());
        self.bytes(b.as_bytes());
    }

    /// The fields written.
    pub(crate) fn finish(self) -> Vec<u8> {
        self.0
    }
}

/// Reads fields back; `None` at anything [`FieldWriter`] did not write.
pub(crate) struct FieldReader<'a>(&'a [u8]);

impl<'a> FieldReader<'a> {
    /// Reads `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        FieldReader(bytes)
    }

    /// The next field.
    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let colon = self.0.iter().take(21).position(|&b| b == b':')?;
        let digits = &self.0[..colon];
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let len: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
        let rest = &self.0[colon + 1..];
        if rest.len() < len {
            return None;
        }
        let (field, rest) = rest.split_at(len);
        self.0 = rest;
        Some(field)
    }

    /// The next field, a number.
    pub(crate) fn num(&mut self) -> Option<u64> {
        std::str::from_utf8(self.bytes()?).ok()?.parse().ok()
    }

    /// The next field, a count of items that each take at least one
    /// field: no more than the bytes left could hold.
    fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.num()?).ok()?;
        (n <= self.0.len() / 2).then_some(n)
    }

    /// The next field, text.
    pub(crate) fn text(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }

    /// The next two fields, a pair of names.
    fn pair(&mut self) -> Option<(String, String)> {
        Some((self.text()?, self.text()?))
    }

    /// The next field, an index below `len`.
    fn index(&mut self, len: usize) -> Option<usize> {
        let i = usize::try_from(self.num()?).ok()?;
        (i < len).then_some(i)
    }

    /// The next field, a flag (0 or 1).
    fn flag(&mut self) -> Option<bool> {
        match self.num()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    /// Whether every field was read.
    pub(crate) fn at_end(&self) -> bool {
        self.0.is_empty()
    }
}

fn step_tag(step: &Step) -> (u64, Option<usize>) {
    match *step {
        Step::Objects => (0, None),
        Step::CreateDatabase(d) => (1, Some(d)),
        Step::CreateTable(t) => (2, Some(t)),
        Step::Rows(t) => (3, Some(t)),
        Step::BuildIndexes(t) => (4, Some(t)),
        Step::CreateView(v) => (5, Some(v)),
        Step::CreateObject(o) => (6, Some(o)),
        Step::Manifest => (7, None),
        Step::ReloadAccounts => (8, None),
        Step::Checksums => (9, None),
    }
}

impl Scheduler {
    /// The plan as bytes (see the module documentation).
    pub fn saved_plan(&self) -> Vec<u8> {
        let mut w = FieldWriter::default();
        w.bytes(VERSION);
        w.num(self.databases.len() as u64);
        for db in &self.databases {
            w.bytes(db.as_bytes());
        }
        w.num(self.tables.len() as u64);
        for t in &self.tables {
            w.num(t.db as u64);
            w.bytes(t.name.as_bytes());
            w.num(t.parents.len() as u64);
            for parent in &t.parents {
                w.pair(parent);
            }
            for flag in [t.single_cut, t.cascade_moves_key, t.account, t.gone] {
                w.num(u64::from(flag));
            }
        }
        w.num(self.views.len() as u64);
        for v in &self.views {
            w.bytes(v.db.as_bytes());
            w.bytes(v.name.as_bytes());
            w.num(v.reads.len() as u64);
            for read in &v.reads {
                w.pair(read);
            }
        }
        w.num(self.objects.len() as u64);
        for o in &self.objects {
            w.bytes(o.kind.keyword().as_bytes());
            w.bytes(o.db.as_bytes());
            w.bytes(o.name.as_bytes());
        }
        w.num(self.steps.len() as u64);
        for step in &self.steps {
            let (tag, index) = step_tag(step);
            w.num(tag);
            if let Some(i) = index {
                w.num(i as u64);
            }
        }
        w.num(self.progress.tables_total);
        w.num(self.progress.tables_done);
        w.finish()
    }

    /// The plan `bytes` saved ([`Scheduler::saved_plan`]), for
    /// [`Scheduler::adopt_plan`]; `None` if they are not one.
    pub fn from_saved_plan(bytes: &[u8]) -> Option<Scheduler> {
        let mut r = FieldReader::new(bytes);
        if r.bytes()? != VERSION {
            return None;
        }
        let mut s = Scheduler::new(0);
        for _ in 0..r.count()? {
            s.databases.push(r.text()?);
        }
        for _ in 0..r.count()? {
            let db = r.index(s.databases.len())?;
            let name = r.text()?;
            let parents = (0..r.count()?)
                .map(|_| r.pair())
                .collect::<Option<Vec<_>>>()?;
            s.tables.push(Table {
                db,
                name,
                cursor: None,
                rows_copied: 0,
                parents,
                single_cut: r.flag()?,
                cascade_moves_key: r.flag()?,
                account: r.flag()?,
                gone: r.flag()?,
            });
        }
        for _ in 0..r.count()? {
            let (db, name) = r.pair()?;
            let reads = (0..r.count()?)
                .map(|_| r.pair())
                .collect::<Option<Vec<_>>>()?;
            s.views.push(View { db, name, reads });
        }
        for _ in 0..r.count()? {
            let kind = ObjectKind::from_name(&r.text()?)?;
            let (db, name) = r.pair()?;
            s.objects.push(Object { kind, db, name });
        }
        for _ in 0..r.count()? {
            let step = match r.num()? {
                0 => Step::Objects,
                1 => Step::CreateDatabase(r.index(s.databases.len())?),
                2 => Step::CreateTable(r.index(s.tables.len())?),
                3 => Step::Rows(r.index(s.tables.len())?),
                4 => Step::BuildIndexes(r.index(s.tables.len())?),
                5 => Step::CreateView(r.index(s.views.len())?),
                6 => Step::CreateObject(r.index(s.objects.len())?),
                7 => Step::Manifest,
                8 => Step::ReloadAccounts,
                9 => Step::Checksums,
                _ => return None,
            };
            s.steps.push(step);
        }
        s.progress = Progress {
            tables_total: r.num()?,
            tables_done: r.num()?,
            rows_copied: 0,
        };
        r.at_end().then_some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{FkRule, ForeignKeyMoves};
    use super::*;

    /// A plan with every kind of step, a foreign key and a view.
    fn a_plan() -> Scheduler {
        let mut s = Scheduler::new(100);
        s.add_database("d", &["child", "parent", "t:with odd\nname"]);
        s.add_database("e", &["x"]);
        s.add_foreign_key(
            "d",
            "child",
            "d",
            "parent",
            ForeignKeyMoves {
                on_update: FkRule::Cascade,
                on_delete: FkRule::Keep,
                in_copy_key: true,
            },
        );
        s.add_accounts();
        s.add_object(ObjectKind::Trigger, "d", "tr");
        s.add_checksums();
        s.plan(vec![View {
            db: "d".into(),
            name: "v".into(),
            reads: vec![("d".into(), "parent".into())],
        }])
        .unwrap();
        s
    }

    #[test]
    fn a_saved_plan_reads_back_as_the_same_plan() {
        let s = a_plan();
        let back = Scheduler::from_saved_plan(&s.saved_plan()).expect("a plan");
        assert_eq!(back.fingerprint(), s.fingerprint());
        let mut adopted = Scheduler::new(100);
        adopted.adopt_plan(back);
        let mut remembered = Scheduler::new(100);
        remembered.adopt_plan(s.clone());
        assert_eq!(format!("{adopted:?}"), format!("{remembered:?}"));
    }

    #[test]
    fn bytes_that_are_not_a_saved_plan_give_none() {
        let bytes = a_plan().saved_plan();
        for cut in [0, 1, 7, bytes.len() / 2, bytes.len() - 1] {
            assert!(Scheduler::from_saved_plan(&bytes[..cut]).is_none(), "{cut}");
        }
        let mut more = bytes.clone();
        more.extend_from_slice(b"1:x");
        assert!(Scheduler::from_saved_plan(&more).is_none());
        assert!(Scheduler::from_saved_plan(b"6:plan-99:").is_none());
        // A step naming a table that is not there.
        let mut w = FieldWriter::default();
        w.bytes(VERSION);
        for count in [0, 0, 0, 0, 1] {
            w.num(count);
        }
        w.num(2);
        w.num(0);
        w.num(0);
        w.num(0);
        assert!(Scheduler::from_saved_plan(&w.finish()).is_none());
    }
}
