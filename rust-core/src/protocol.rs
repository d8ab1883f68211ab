//! The provisioning protocol between a replica's IO thread and the
//! master's binlog dump thread: the request, the copy domain and the end
//! marker.
//!
//! Invariant: the master sends copy events only to a replica that asked
//! with a request it fully understood, in a GTID domain its binlog does
//! not use, so copy groups can never be mistaken for (or collide with)
//! the master's own transactions.

use crate::copy_filter::CopyFilter;
use crate::gtid::GtidPos;

/// User variable the replica's IO thread sets on its master connection,
/// next to `@slave_connect_state`, to ask for a provisioning dump.
pub const REQUEST_USER_VAR: &str = "slave_provision";

/// The master's system variable whose presence tells the replica that the
/// master can provision (an unpatched master answers "unknown variable").
pub const SUPPORT_PROBE_VARIABLE: &str = "provision_chunk_rows";

/// Flag in the top bits of a Gtid_list event's count that marks it as the
/// end of the copy; its GTID list is the master's position at that point.
/// Bits 28 and 29 are the server's own (`FLAG_UNTIL_REACHED`,
/// `FLAG_IGN_GTIDS`).
pub const GTID_LIST_FLAG_PROVISION_DONE: u32 = 1 << 30;

/// What the end marker's GTID list says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyEnd {
    /// The master's position at the end: what `gtid_slave_pos` takes.
    pub master: GtidPos,
    /// The sequence number of the copy's last group (0: it sent none).
    pub last_group: u64,
}

/// Reads the end marker's list: the master's position, then a GTID in
/// `copy_domain` naming the copy's last group.  `None` when that GTID is
/// not there (the marker is not this protocol's).
pub fn copy_end(mut list: GtidPos, copy_domain: u32) -> Option<CopyEnd> {
    let last = *list.gtids().iter().find(|g| g.domain_id == copy_domain)?;
    list.remove_domain(copy_domain);
    Some(CopyEnd {
        master: list,
        last_group: last.seq_no,
    })
}

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// The database and table of a [`table_ident`].
pub fn split_table_ident(ident: &str) -> Option<(String, String)> {
    let (db, rest) = quoted_ident(ident)?;
    let (table, rest) = quoted_ident(rest.strip_prefix('.')?)?;
    rest.is_empty().then_some((db, table))
}

/// First domain id of the range copy domains are taken from.
const COPY_DOMAIN_BASE: u32 = 0xFFFF_0000;

/// Text of the Annotate_rows event in the last chunk group of a table;
/// the quoted table name follows (see [`table_done_note`]).
const TABLE_DONE_NOTE: &str = "LOAD DATA FROM MASTER: end of table ";

/// How the copy stream names a table: `` `db`.`table` ``, quoted as in SQL.
pub fn table_ident(db: &str, table: &str) -> String {
    format!(
        "{}.{}",
        crate::ddl::quote_ident(db),
        crate::ddl::quote_ident(table)
    )
}

/// The note (an Annotate_rows event, shown by `mariadb-binlog`) that tells
/// the replica a chunk group holds the last rows of `db`.`table`: from
/// then on the whole table is copied.
pub fn table_done_note(db: &str, table: &str) -> String {
    format!("{TABLE_DONE_NOTE}{}", table_ident(db, table))
}

/// The table a note of [`table_done_note`] names, if `text` is one.
pub fn parse_table_done_note(text: &[u8]) -> Option<&str> {
    std::str::from_utf8(text)
        .ok()?
        .strip_prefix(TABLE_DONE_NOTE)
}

/// Text of the line of a copy group's note that says where the copy
/// stands once the group is applied (see [`resume_note`]).
const RESUME_NOTE: &str = "LOAD DATA FROM MASTER: resume ";

/// Where a copy stands after a copy group: the replica records it with
/// the group's data, and a new dump goes on from it after the connection
/// to the master was lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResumePoint {
    /// The fingerprint of the master's plan
    /// ([`crate::scheduler::Scheduler::fingerprint`]).
    pub plan: u64,
    /// The plan's step to do next.
    pub step: u32,
    /// When that step reads a table's rows and has sent some: the key
    /// image (the master's `key_copy()` of its copy key) of the last row
    /// sent.
    pub cursor: Option<Vec<u8>>,
}

/// The line of a copy group's note that carries `point`.
pub fn resume_note(point: &ResumePoint) -> String {
    let mut text = format!("{RESUME_NOTE}plan={:016x} step={}", point.plan, point.step);
    if let Some(cursor) = &point.cursor {
        text.push_str(" cursor=");
        text.push_str(&hex_bytes(cursor));
    }
    text
}

/// The point of a line of [`resume_note`], if `line` is one.
pub fn parse_resume_note(line: &[u8]) -> Option<ResumePoint> {
    let rest = std::str::from_utf8(line).ok()?.strip_prefix(RESUME_NOTE)?;
    let mut fields = rest.split(' ');
    let plan = fields.next()?.strip_prefix("plan=")?;
    let step = fields.next()?.strip_prefix("step=")?.parse().ok()?;
    let cursor = match fields.next() {
        Some(c) => Some(unhex_bytes(c.strip_prefix("cursor=")?)?),
        None => None,
    };
    if fields.next().is_some() || plan.len() != 16 {
        return None;
    }
    Some(ResumePoint {
        plan: u64::from_str_radix(plan, 16).ok()?,
        step,
        cursor,
    })
}

/// Text of the line of the plan note's group that gives the master's
/// GTID position the copy's binlog stream starts at.
const START_NOTE: &str = "LOAD DATA FROM MASTER: starts at ";

/// The line that tells the replica where the master's binlog stream of
/// the copy starts: the replica's position in the master's domains
/// until it applies a transaction of the master.
pub fn start_note(position: &GtidPos) -> String {
    format!("{START_NOTE}{position}")
}

/// The position of a line of [`start_note`], if `line` is one.
pub fn parse_start_note(line: &[u8]) -> Option<GtidPos> {
    let rest = std::str::from_utf8(line).ok()?.strip_prefix(START_NOTE)?;
    GtidPos::parse(rest).ok()
}

/// Text of the line of the plan note's group that names the master's
/// binary log history (see [`BinlogHistory`]).
const HISTORY_NOTE: &str = "LOAD DATA FROM MASTER: binlog history ";

/// Which binary log of the master a copy's GTID positions refer to.
/// `RESET MASTER` starts the binary log over, numbering GTIDs from the
/// start again: a position of the old log may be reached again in the
/// new one by other transactions, and a copy that went on from it would
/// lack them.  The master names its history by its `server_id`, when its
/// server process started and how many times it ran `RESET MASTER` since
/// (the binlog's own `reset_master_count`), and refuses a resumed copy
/// whose history is another of the same process
/// ([`Request::check_history`]).  A master restarted since, or another
/// server (a failover), cannot tell (its count is its own); a resume then
/// goes on as before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BinlogHistory {
    /// The master's `server_id`.
    pub server_id: u32,
    /// When the master's server process started (`server_start_time`).
    pub started: u64,
    /// `RESET MASTER`s the process ran before the copy started.
    pub resets: u64,
}

impl BinlogHistory {
    /// Whether `self` and `now` are of one server process, and the binary
    /// log was started over between them.
    pub fn reset_before(&self, now: &BinlogHistory) -> bool {
        self.server_id == now.server_id && self.started == now.started && self.resets != now.resets
    }

    /// `server_id.started.resets`.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.server_id, self.started, self.resets)
    }

    /// The history [`BinlogHistory::encode`] wrote, if `text` is one.
    pub fn parse(text: &str) -> Option<Self> {
        let mut fields = text.split('.');
        let history = BinlogHistory {
            server_id: fields.next()?.parse().ok()?,
            started: fields.next()?.parse().ok()?,
            resets: fields.next()?.parse().ok()?,
        };
        fields.next().is_none().then_some(history)
    }
}

/// The line that names the master's binary log history the copy's
/// positions refer to.
pub fn history_note(history: &BinlogHistory) -> String {
    format!("{HISTORY_NOTE}{}", history.encode())
}

/// The history of a line of [`history_note`], if `line` is one.
pub fn parse_history_note(line: &[u8]) -> Option<BinlogHistory> {
    let rest = std::str::from_utf8(line).ok()?.strip_prefix(HISTORY_NOTE)?;
    BinlogHistory::parse(rest)
}

/// The note of the copy's `Objects` unit: its tables are copied, and the
/// master's DDL of views, routines, triggers and events applies on the
/// replica from here on (see [`crate::ddl_during_copy`]).
pub const OBJECTS_NOTE: &str = "LOAD DATA FROM MASTER: objects follow";

/// The line of the note of the unit after which the replica has every
/// object: the `Objects` unit when there are none, else the last that
/// creates one.  A copy stopped after its `Objects` unit and before this
/// note sends its objects again (see
/// [`crate::scheduler::Scheduler::resume`]); the replica, which stops
/// applying the master's DDL of objects until that unit again, needs
/// the note to tell.
pub const OBJECTS_DONE_NOTE: &str = "LOAD DATA FROM MASTER: objects done";

/// Text of the note right after the manifest: how many tables and about
/// how many rows the copy sends (see [`plan_note`]).
const PLAN_NOTE: &str = "LOAD DATA FROM MASTER: plan ";

/// The note that tells the replica the size of the copy: `tables` tables
/// and about `rows` rows (the master's table statistics), for its
/// progress report.
pub fn plan_note(tables: u64, rows: u64) -> String {
    format!("{PLAN_NOTE}tables={tables} rows={rows}")
}

/// `(tables, rows)` of a note of [`plan_note`], if `text` is one.
pub fn parse_plan_note(text: &[u8]) -> Option<(u64, u64)> {
    let rest = std::str::from_utf8(text).ok()?.strip_prefix(PLAN_NOTE)?;
    let (tables, rows) = rest.split_once(' ')?;
    Some((
        tables.strip_prefix("tables=")?.parse().ok()?,
        rows.strip_prefix("rows=")?.parse().ok()?,
    ))
}

/// Text of the note of one planned table's estimated rows (see
/// [`plan_table_note`]).
const PLAN_TABLE_NOTE: &str = "LOAD DATA FROM MASTER: plan rows=";

/// The note, after [`plan_note`], of the master's estimate of the rows of
/// one table it plans to copy (replica's names), for the replica's
/// per-table progress.
pub fn plan_table_note(db: &str, table: &str, rows: u64) -> String {
    format!("{PLAN_TABLE_NOTE}{rows} table={}", table_ident(db, table))
}

/// `(table ident, rows)` of a note of [`plan_table_note`], if `text` is one.
pub fn parse_plan_table_note(text: &[u8]) -> Option<(String, u64)> {
    let rest = std::str::from_utf8(text)
        .ok()?
        .strip_prefix(PLAN_TABLE_NOTE)?;
    let (rows, ident) = rest.split_once(" table=")?;
    split_table_ident(ident)?;
    Some((ident.to_owned(), rows.parse().ok()?))
}

/// Text of the note that ends a copy `WITH CHECKSUM` (see
/// [`checksums_note`]).
const CHECKSUMS_NOTE: &str = "LOAD DATA FROM MASTER: checksums ";

/// The checksum of one table at the copy's last cut, in the replica's
/// names (`CHECKSUM TABLE ... EXTENDED`: the sum of every row's CRC32, so
/// independent of the order rows are stored in).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableChecksum {
    /// The database.
    pub db: String,
    /// The table.
    pub table: String,
    /// The checksum.
    pub sum: u32,
}

/// The note that carries the checksums of every verified table.
pub fn checksums_note(sums: &[TableChecksum]) -> String {
    let items: Vec<String> = sums
        .iter()
        .map(|c| format!("{}={:08x}", table_ident(&c.db, &c.table), c.sum))
        .collect();
    format!("{CHECKSUMS_NOTE}{}", items.join(","))
}

/// The checksums of a note of [`checksums_note`], if `text` is one.
pub fn parse_checksums_note(text: &[u8]) -> Option<Vec<TableChecksum>> {
    let mut rest = std::str::from_utf8(text)
        .ok()?
        .strip_prefix(CHECKSUMS_NOTE)?;
    let mut sums = Vec::new();
    while !rest.is_empty() {
        let (db, after) = quoted_ident(rest)?;
        let (table, after) = quoted_ident(after.strip_prefix('.')?)?;
        let after = after.strip_prefix('=')?;
        let end = after
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(after.len());
        if end != 8 {
            return None;
        }
        let (hex, after) = after.split_at(end);
        let sum = u32::from_str_radix(hex, 16).ok()?;
        sums.push(TableChecksum { db, table, sum });
        rest = match after.strip_prefix(',') {
            Some(more) if !more.is_empty() => more,
            Some(_) => return None,
            None if after.is_empty() => after,
            None => return None,
        };
    }
    Some(sums)
}

/// Text of the note in the first group of a copy: what it copies (see
/// [`manifest_note`]).
const MANIFEST_NOTE: &str = "LOAD DATA FROM MASTER: copies ";

/// One thing a copy takes on the replica, in the replica's names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CopyClaim {
    /// A whole database: every table in it is the copy's.
    Database(String),
    /// One table or view (the connection's filter has table rules).
    Table(String, String),
}

impl CopyClaim {
    /// The claim's database.
    pub fn db(&self) -> &str {
        match self {
            CopyClaim::Database(db) | CopyClaim::Table(db, _) => db,
        }
    }

    /// Whether the two claims take a common table: the same database when
    /// either is whole, else the same table.
    pub fn overlaps(&self, other: &CopyClaim) -> bool {
        match (self, other) {
            (CopyClaim::Table(d1, t1), CopyClaim::Table(d2, t2)) => {
                d1 == d2 && t1.eq_ignore_ascii_case(t2)
            }
            _ => self.db() == other.db(),
        }
    }
}

impl std::fmt::Display for CopyClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CopyClaim::Database(db) => write!(f, "database {}", crate::ddl::quote_ident(db)),
            CopyClaim::Table(db, table) => write!(f, "table {}", table_ident(db, table)),
        }
    }
}

/// The note (an Annotate_rows event in the copy's first group) that tells
/// the replica everything the copy takes, before anything is changed: the
/// replica refuses a copy that overlaps another connection's.
pub fn manifest_note(claims: &[CopyClaim]) -> String {
    let items: Vec<String> = claims
        .iter()
        .map(|c| match c {
            CopyClaim::Database(db) => crate::ddl::quote_ident(db),
            CopyClaim::Table(db, table) => table_ident(db, table),
        })
        .collect();
    format!("{MANIFEST_NOTE}{}", items.join(","))
}

/// The claims of a note of [`manifest_note`], if `text` is one.
pub fn parse_manifest_note(text: &[u8]) -> Option<Vec<CopyClaim>> {
    let mut rest = std::str::from_utf8(text)
        .ok()?
        .strip_prefix(MANIFEST_NOTE)?;
    let mut claims = Vec::new();
    while !rest.is_empty() {
        let (db, after) = quoted_ident(rest)?;
        let (claim, after) = match after.strip_prefix('.') {
            Some(t) => {
                let (table, after) = quoted_ident(t)?;
                (CopyClaim::Table(db, table), after)
            }
            None => (CopyClaim::Database(db), after),
        };
        claims.push(claim);
        rest = match after.strip_prefix(',') {
            Some(r) if !r.is_empty() => r,
            None if after.is_empty() => after,
            _ => return None,
        };
    }
    Some(claims)
}

/// A back-quoted identifier at the start of `text` (a doubled back-quote
/// stands for one), and what follows it.
pub(crate) fn quoted_ident(text: &str) -> Option<(String, &str)> {
    quoted_with(text, '`')
}

/// A name quoted with `quote` at the start of `text` (the quote doubled
/// inside it stands for one), and the text after it.
pub(crate) fn quoted_with(text: &str, quote: char) -> Option<(String, &str)> {
    let body = text.strip_prefix(quote)?;
    let mut chars = body.char_indices();
    let mut name = String::new();
    while let Some((i, c)) = chars.next() {
        if c != quote {
            name.push(c);
        } else if body[i + c.len_utf8()..].starts_with(quote) {
            name.push(quote);
            chars.next();
        } else {
            return Some((name, &body[i + c.len_utf8()..]));
        }
    }
    None
}

/// The longest `@slave_provision` a master accepts.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// The most replication filter rules a request may carry.
pub const MAX_FILTER_RULES: usize = 4096;

/// Why the master refuses a provisioning request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The request text is not one this build can parse.
    #[error("malformed provisioning request '{0}'")]
    Malformed(String),
    /// The request is not UTF-8 text (any client can set any bytes).
    #[error("malformed provisioning request: not UTF-8 text")]
    NotText,
    /// The request is larger than any replica sends.
    #[error(
        "provisioning request of {0} bytes refused: at most {MAX_REQUEST_BYTES} \
         (the connection's replication filter has {MAX_FILTER_RULES} rules at most)"
    )]
    TooLarge(usize),
    /// The request's filter has more rules than a replica sends.
    #[error(
        "provisioning request with {0} replication filter rules refused: \
         at most {MAX_FILTER_RULES}"
    )]
    TooManyRules(usize),
    /// The replica speaks another protocol version.
    #[error("provisioning protocol version {0} is not supported (this master speaks {PROTOCOL_VERSION})")]
    Version(u32),
    /// A resumed copy names a position the master's binlog never reached.
    #[error(
        "a copy cannot go on from GTID position '{0}': the master's binlog never reached it \
         (is this the master the copy started from?)"
    )]
    ResumeAhead(String),
    /// The master's binary log was started over since the copy began.
    #[error(
        "the copy cannot go on from GTID position '{position}': RESET MASTER started the \
         master's binary log over since the copy began, and the new binary log may have \
         reached that position with other transactions. Copy again: LOAD DATA FROM MASTER \
         '{connection}' REPLACE"
    )]
    BinlogReset {
        /// The replica's position.
        position: String,
        /// The replica's name of the master connection.
        connection: String,
    },
    /// The copy domain is used by the master's own transactions.
    #[error("GTID domain {0} requested for the copy is used in the master's binlog")]
    DomainInUse(u32),
}

/// A replica's request for a provisioning dump.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Protocol version of the replica.
    pub version: u32,
    /// GTID domain of the copy groups (DDL and row chunks).
    pub copy_domain: u32,
    /// Copy the master's accounts, roles and privileges too
    /// (`LOAD DATA FROM MASTER ... WITH GRANTS`).
    pub with_grants: bool,
    /// The replica's name of the master connection (for the master's
    /// audit line; empty from replicas that do not send it).
    pub connection: String,
    /// End the copy with per-table checksums at one exact cut, which the
    /// replica compares (`LOAD DATA FROM MASTER ... WITH CHECKSUM`).
    pub checksum: bool,
    /// The connection's replication filter: the master copies only what
    /// it lets through.
    pub filter: CopyFilter,
    /// Go on with a copy whose dump stopped (the connection was lost).
    pub resume: Option<Resume>,
    /// `LOAD TABLE ... FROM MASTER`: copy only these tables (the
    /// replica's names), from the replica's own GTID position, while
    /// every other table replicates as usual; empty for `LOAD DATA FROM
    /// MASTER`.
    pub tables: Vec<(String, String)>,
    /// The replica's `slave_max_allowed_packet`: its IO thread refuses a
    /// larger event, so the master's copy events stay below it.  Added by
    /// the IO thread as it sends the request ([`Request::with_max_packet`]),
    /// never part of the request a copy is known by (a resume with another
    /// setting is the same copy).  `None`: the master's default
    /// (`dump::MAX_ROWS_EVENT_SIZE`).
    pub max_packet: Option<u32>,
}

/// The smallest `slave_max_allowed_packet` the server accepts, and so
/// the smallest `packet=` a request may carry.
pub const MIN_MAX_PACKET: u32 = 1024;

/// The most tables one `LOAD TABLE ... FROM MASTER` names.
pub const MAX_RELOAD_TABLES: usize = 1000;

/// What a replica sends to go on with a copy whose dump stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resume {
    /// The master's GTID position the replica has applied: the new dump
    /// sends the binlog from there.
    pub position: GtidPos,
    /// Where the copy stands, as the last copy group applied said.
    pub point: ResumePoint,
    /// The sequence number of that group: the new dump numbers its copy
    /// groups after it.
    pub seq_no: u64,
    /// The table of the point's `Rows` step is copied again from its
    /// CREATE (a DDL changed it during its copy; the replica dropped it).
    pub recopy: bool,
    /// The master's binary log history `position` refers to (from the
    /// copy's plan note); `None` from a copy whose master did not say.
    pub history: Option<BinlogHistory>,
    /// A statement of the master after the point's copy group changed
    /// the copy's plan (its decision had edits, see
    /// [`crate::ddl_during_copy`]), and no copy group came since: the
    /// plan the point names is not the plan at `position` (see
    /// [`crate::plan_cache`]).
    pub plan_behind: bool,
}

impl Request {
    /// The request a replica sends for the master connection `name`.
    pub fn for_connection(name: &str) -> Self {
        Request {
            version: PROTOCOL_VERSION,
            copy_domain: copy_domain_for(name),
            connection: name.to_owned(),
            with_grants: false,
            checksum: false,
            filter: CopyFilter::default(),
            resume: None,
            tables: Vec::new(),
            max_packet: None,
        }
    }

    /// `request` (an encoded request) as the IO thread sends it: with the
    /// replica's `slave_max_allowed_packet`, `max_packet` bytes.
    pub fn with_max_packet(request: &str, max_packet: u64) -> String {
        let packet = max_packet.clamp(u64::from(MIN_MAX_PACKET), u64::from(u32::MAX));
        format!("{request};packet={packet}")
    }

    /// The value of [`REQUEST_USER_VAR`].  Options are sent only when set,
    /// so a plain request reads the same to every master of this version.
    pub fn encode(&self) -> String {
        let mut text = format!("v={};domain={}", self.version, self.copy_domain);
        if self.with_grants {
            text.push_str(";grants=1");
        }
        if self.checksum {
            text.push_str(";checksum=1");
        }
        if !self.connection.is_empty() {
            text.push_str(";name=");
            text.push_str(&hex(&self.connection));
        }
        if !self.filter.is_empty() {
            // Hex: the rules may hold any character, the value is quoted
            // in a SET statement.
            text.push_str(";filter=");
            text.push_str(&hex(&self.filter.encode()));
        }
        if !self.tables.is_empty() {
            // Hex: names may hold any character.
            let list: Vec<String> = self
                .tables
                .iter()
                .map(|(db, table)| format!("{db}\t{table}"))
                .collect();
            text.push_str(";tables=");
            text.push_str(&hex(&list.join("\n")));
        }
        if let Some(packet) = self.max_packet {
            text.push_str(&format!(";packet={packet}"));
        }
        if let Some(r) = &self.resume {
            text.push_str(&format!(
                ";resume={};plan={:016x};step={};seq={}",
                r.position, r.point.plan, r.point.step, r.seq_no
            ));
            if let Some(cursor) = &r.point.cursor {
                text.push_str(";cursor=");
                text.push_str(&hex_bytes(cursor));
            }
            if r.recopy {
                text.push_str(";recopy=1");
            }
            if r.plan_behind {
                text.push_str(";behind=1");
            }
            if let Some(history) = &r.history {
                text.push_str(";history=");
                text.push_str(&history.encode());
            }
        }
        text
    }

    /// Parses the value of [`REQUEST_USER_VAR`] on the master.  Any
    /// client can set it: whatever the text, this returns (no panic) and
    /// holds it to [`MAX_REQUEST_BYTES`] and [`MAX_FILTER_RULES`].  It
    /// takes bytes: a user variable holds any, UTF-8 or not.
    pub fn parse(text: impl AsRef<[u8]>) -> Result<Self, RequestError> {
        let text = text.as_ref();
        if text.len() > MAX_REQUEST_BYTES {
            return Err(RequestError::TooLarge(text.len()));
        }
        let text = std::str::from_utf8(text).map_err(|_| RequestError::NotText)?;
        // Quoted back in the error (escaped: it goes to the error log): a
        // prefix is enough to recognise it.
        let shown: String = text.chars().take(80).flat_map(char::escape_debug).collect();
        let malformed = || RequestError::Malformed(shown.clone());
        let (mut version, mut domain, mut grants, mut checksum, mut filter) =
            (None, None, None, None, None);
        let mut recopy = None;
        let mut behind = None;
        let mut packet = None;
        let mut connection = None;
        let mut tables: Option<Vec<(String, String)>> = None;
        let (mut position, mut plan, mut step, mut seq_no, mut cursor) =
            (None, None, None, None, None);
        let mut history = None;
        for item in text.split(';') {
            let (key, value) = item.split_once('=').ok_or_else(malformed)?;
            let resume_field = match key {
                "resume" => set_once(&mut position, GtidPos::parse(value).ok()),
                "plan" if value.len() == 16 => {
                    set_once(&mut plan, u64::from_str_radix(value, 16).ok())
                }
                "step" => set_once(&mut step, value.parse().ok()),
                "seq" => set_once(&mut seq_no, value.parse().ok()),
                "cursor" => set_once(
                    &mut cursor,
                    unhex_bytes(value).filter(|c| !c.is_empty() && c.len() <= MAX_CURSOR_BYTES),
                ),
                "history" => set_once(&mut history, BinlogHistory::parse(value)),
                _ => true,
            };
            if !resume_field {
                return Err(malformed());
            }
            if matches!(
                key,
                "resume" | "plan" | "step" | "seq" | "cursor" | "history"
            ) {
                continue;
            }
            if key == "name" {
                let name = unhex(value).ok_or_else(malformed)?;
                if name.chars().count() > 64 || connection.replace(name).is_some() {
                    return Err(malformed());
                }
                continue;
            }
            if key == "tables" {
                let text = unhex(value).ok_or_else(malformed)?;
                let list: Option<Vec<(String, String)>> = text
                    .split('\n')
                    .map(|line| {
                        let (db, table) = line.split_once('\t')?;
                        (!db.is_empty() && !table.is_empty() && !table.contains('\t'))
                            .then(|| (db.to_owned(), table.to_owned()))
                    })
                    .collect();
                let list = list.ok_or_else(malformed)?;
                if list.len() > MAX_RELOAD_TABLES || tables.replace(list).is_some() {
                    return Err(malformed());
                }
                continue;
            }
            if key == "filter" {
                let text = unhex(value).ok_or_else(malformed)?;
                let rules = text.lines().count();
                if rules > MAX_FILTER_RULES {
                    return Err(RequestError::TooManyRules(rules));
                }
                let parsed = CopyFilter::parse(&text).map_err(|_| malformed())?;
                if filter.replace(parsed).is_some() {
                    return Err(malformed());
                }
                continue;
            }
            let value: u32 = value.parse().map_err(|_| malformed())?;
            let slot = match key {
                "v" => &mut version,
                "domain" => &mut domain,
                "grants" if value <= 1 => &mut grants,
                "checksum" if value <= 1 => &mut checksum,
                "recopy" if value == 1 => &mut recopy,
                "behind" if value == 1 => &mut behind,
                "packet" if value >= MIN_MAX_PACKET => &mut packet,
                _ => return Err(malformed()),
            };
            if slot.replace(value).is_some() {
                return Err(malformed());
            }
        }
        let version = version.ok_or_else(malformed)?;
        if version != PROTOCOL_VERSION {
            return Err(RequestError::Version(version));
        }
        let resume = match (position, plan, step, seq_no, cursor) {
            (None, None, None, None, None)
                if recopy.is_none() && behind.is_none() && history.is_none() =>
            {
                None
            }
            (Some(position), Some(plan), Some(step), Some(seq_no), cursor) => Some(Resume {
                position,
                point: ResumePoint { plan, step, cursor },
                seq_no,
                recopy: recopy.is_some(),
                history,
                plan_behind: behind.is_some(),
            }),
            _ => return Err(malformed()),
        };
        Ok(Request {
            resume,
            version,
            copy_domain: domain.ok_or_else(malformed)?,
            with_grants: grants == Some(1),
            checksum: checksum == Some(1),
            connection: connection.unwrap_or_default(),
            filter: filter.unwrap_or_default(),
            tables: tables.unwrap_or_default(),
            max_packet: packet,
        })
    }

    /// Checks the request against the master's `@@gtid_binlog_state`: the
    /// copy domain is not the master's, and a resumed copy's position is
    /// one the master's binlog reached (a replica cannot be ahead of the
    /// master it copies from).
    pub fn check_against(&self, master_binlog_state: &GtidPos) -> Result<(), RequestError> {
        if master_binlog_state.has_domain(self.copy_domain) {
            return Err(RequestError::DomainInUse(self.copy_domain));
        }
        if let Some(r) = &self.resume {
            check_reached(&r.position, master_binlog_state)?;
        }
        Ok(())
    }

    /// Refuses a resumed copy whose positions refer to a binary log the
    /// master started over since ([`Resume::check_history`]).
    pub fn check_history(&self, master: &BinlogHistory) -> Result<(), RequestError> {
        self.resume
            .as_ref()
            .map_or(Ok(()), |r| r.check_history(&self.connection, master))
    }
}

impl Resume {
    /// Refuses to go on from a position that refers to a binary log the
    /// master started over since (`RESET MASTER`, see [`BinlogHistory`]):
    /// the new log may have reached the position with other transactions,
    /// which the replica would never see.  `connection` is the replica's
    /// name of the master connection, for the error's advice.
    pub fn check_history(
        &self,
        connection: &str,
        master: &BinlogHistory,
    ) -> Result<(), RequestError> {
        match &self.history {
            Some(h) if h.reset_before(master) => Err(RequestError::BinlogReset {
                position: self.position.to_string(),
                connection: connection.to_owned(),
            }),
            _ => Ok(()),
        }
    }
}

/// Refuses a replica's `position` that the master's `@@gtid_binlog_state`
/// has not reached in each of its domains (a replica cannot be ahead of
/// the master it copies from).
pub fn check_reached(
    position: &GtidPos,
    master_binlog_state: &GtidPos,
) -> Result<(), RequestError> {
    for g in position.gtids() {
        let reached = master_binlog_state
            .gtids()
            .iter()
            .any(|m| m.domain_id == g.domain_id && m.seq_no >= g.seq_no);
        if !reached {
            return Err(RequestError::ResumeAhead(position.to_string()));
        }
    }
    Ok(())
}

/// The longest cursor a resume request may carry: a key image is at most
/// a few kilobytes (`MAX_KEY_LENGTH` with length bytes).
pub const MAX_CURSOR_BYTES: usize = 8192;

/// Fills `slot` with `value`: false when there is none or the slot was
/// filled already (a field given twice).
fn set_once<T>(slot: &mut Option<T>, value: Option<T>) -> bool {
    match value {
        Some(v) => slot.replace(v).is_none(),
        None => false,
    }
}

fn hex_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex_bytes(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The UTF-8 text of a hex string, if it is one.
fn hex(text: &str) -> String {
    hex_bytes(text.as_bytes())
}

fn unhex(hex: &str) -> Option<String> {
    String::from_utf8(unhex_bytes(hex)?).ok()
}

/// The copy domain of a master connection: a fixed function of its name,
/// in a range far from the small domain ids deployments use, so that two
/// connections of one replica normally get different domains.
pub fn copy_domain_for(connection_name: &str) -> u32 {
    // FNV-1a, folded to 16 bits: stable across builds and platforms.
    let hash = connection_name.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    COPY_DOMAIN_BASE | ((hash >> 16) ^ (hash & 0xFFFF))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_marker_names_the_masters_position_and_the_copys_last_group() {
        let domain = copy_domain_for("m");
        let list = GtidPos::parse(&format!("0-1-10,{domain}-1-42,7-2-3")).unwrap();
        let end = copy_end(list, domain).unwrap();
        assert_eq!(end.master.to_string(), "0-1-10,7-2-3");
        assert_eq!(end.last_group, 42);
        // A marker without it is not this protocol's
        assert_eq!(copy_end(GtidPos::parse("0-1-10").unwrap(), domain), None);
    }

    #[test]
    fn a_resume_after_reset_master_of_the_same_process_is_refused() {
        let history = |started, resets| BinlogHistory {
            server_id: 1,
            started,
            resets,
        };
        let mut request = Request::for_connection("m1");
        request.resume = Some(Resume {
            position: GtidPos::parse("0-1-39").unwrap(),
            point: ResumePoint {
                plan: 1,
                step: 2,
                cursor: None,
            },
            seq_no: 3,
            recopy: false,
            history: Some(history(100, 0)),
            plan_behind: false,
        });
        let text = request.encode();
        assert!(text.ends_with(";history=1.100.0"), "{text}");
        assert_eq!(Request::parse(&text).unwrap(), request);
        // A point behind the plan at the position says so, and only once.
        if let Some(r) = request.resume.as_mut() {
            r.plan_behind = true;
        }
        let behind = request.encode();
        assert!(behind.contains(";behind=1"), "{behind}");
        assert_eq!(Request::parse(&behind).unwrap(), request);
        assert!(Request::parse(format!("{behind};behind=1")).is_err());
        assert!(Request::parse(behind.replace("behind=1", "behind=2")).is_err());
        // The same process, no RESET MASTER since: goes on.
        assert_eq!(request.check_history(&history(100, 0)), Ok(()));
        // A RESET MASTER since: refused, naming the position and the fix.
        let refused = request.check_history(&history(100, 1)).unwrap_err();
        let text = refused.to_string();
        assert!(text.contains("'0-1-39'"), "{text}");
        assert!(
            text.contains("LOAD DATA FROM MASTER 'm1' REPLACE"),
            "{text}"
        );
        // The master restarted since, or another server took over: it
        // cannot tell, the resume goes on.
        assert_eq!(request.check_history(&history(200, 0)), Ok(()));
        let other = BinlogHistory {
            server_id: 2,
            ..history(100, 1)
        };
        assert_eq!(request.check_history(&other), Ok(()));
        // A copy whose master named no history, and a new copy.
        request.resume.as_mut().unwrap().history = None;
        assert_eq!(request.check_history(&history(100, 1)), Ok(()));
        assert_eq!(
            Request::for_connection("").check_history(&history(100, 1)),
            Ok(())
        );
        // A history alone is no resume; a malformed one is refused.
        assert!(Request::parse("v=1;domain=9;history=1.1.2").is_err());
        for bad in ["1", "1.2", "x.1.1", "1.2.3.4", ""] {
            let text = format!(
                "v=1;domain=9;resume=0-1-1;plan=0000000000000001;step=1;seq=1;history={bad}"
            );
            assert!(Request::parse(&text).is_err(), "{bad}");
        }
        assert_eq!(
            parse_history_note(history_note(&history(7, 8)).as_bytes()),
            Some(history(7, 8))
        );
    }

    #[test]
    fn table_idents_split_back() {
        for (db, table) in [("d", "t"), ("a`b", "c.d"), ("", "x")] {
            let ident = table_ident(db, table);
            assert_eq!(
                split_table_ident(&ident),
                Some((db.to_owned(), table.to_owned()))
            );
        }
        assert_eq!(split_table_ident("`d`.`t`x"), None);
        assert_eq!(split_table_ident("`d`"), None);
    }

    /// 20,000 cases a run; `PROPTEST_CASES` sets more for a long fuzz run.
    fn cases() -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(20_000)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(cases()))]

        /// Whatever a client sets, parsing returns: a panic here would
        /// abort the master.
        #[test]
        fn any_request_text_is_parsed_or_refused_without_panic(text in ".{0,300}") {
            let _ = Request::parse(&text);
            let _ = parse_checksums_note(text.as_bytes());
            let _ = parse_manifest_note(text.as_bytes());
        }

        /// Nor any bytes: a user variable holds any, UTF-8 or not.
        #[test]
        fn any_request_bytes_are_parsed_or_refused_without_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
        ) {
            let _ = Request::parse(&bytes);
            let _ = parse_checksums_note(&bytes);
            let _ = parse_manifest_note(&bytes);
            let _ = parse_plan_note(&bytes);
        }

        #[test]
        fn any_request_shaped_text_is_parsed_or_refused_without_panic(
            items in proptest::collection::vec(
                ("(v|domain|grants|checksum|filter|x)", "[0-9a-fA-F=;>\\-]{0,40}"), 0..8),
        ) {
            let text: Vec<String> = items.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = Request::parse(text.join(";"));
        }

        #[test]
        fn a_well_formed_request_round_trips(
            domain in proptest::prelude::any::<u32>(),
            grants in proptest::prelude::any::<bool>(),
            checksum in proptest::prelude::any::<bool>(),
            db in "[a-z_`]{1,12}",
        ) {
            let mut r = Request::for_connection("");
            r.copy_domain = domain;
            r.with_grants = grants;
            r.checksum = checksum;
            r.filter.add_list("do_db", &db).unwrap();
            proptest::prop_assert_eq!(Request::parse(r.encode()), Ok(r));
        }
    }

    #[test]
    fn oversized_requests_are_refused() {
        let huge = "v=1;domain=1;filter=".to_owned() + &"61".repeat(MAX_REQUEST_BYTES);
        assert_eq!(
            Request::parse(&huge),
            Err(RequestError::TooLarge(huge.len()))
        );
        let rules = "do_db=a\n".repeat(MAX_FILTER_RULES + 1);
        let hex: String = rules.bytes().map(|b| format!("{b:02x}")).collect();
        let many = format!("v=1;domain=1;filter={hex}");
        assert_eq!(
            Request::parse(&many),
            Err(RequestError::TooManyRules(MAX_FILTER_RULES + 1))
        );
        let err = Request::parse("z".repeat(1000)).unwrap_err().to_string();
        assert!(err.len() < 200, "{err}");
    }

    #[test]
    fn checksums_travel_in_a_note() {
        let sums = vec![
            TableChecksum {
                db: "shop".into(),
                table: "odd`name".into(),
                sum: 0xdead_beef,
            },
            TableChecksum {
                db: "db".into(),
                table: "t".into(),
                sum: 7,
            },
        ];
        let note = checksums_note(&sums);
        assert_eq!(
            note,
            "LOAD DATA FROM MASTER: checksums `shop`.`odd``name`=deadbeef,`db`.`t`=00000007"
        );
        assert_eq!(parse_checksums_note(note.as_bytes()), Some(sums));
        assert_eq!(
            parse_checksums_note(b"LOAD DATA FROM MASTER: checksums "),
            Some(vec![])
        );
        for bad in [
            &b"LOAD DATA FROM MASTER: checksums `a`.`b`=123"[..],
            b"LOAD DATA FROM MASTER: checksums `a`.`b`=0000000g",
            b"LOAD DATA FROM MASTER: checksums `a`.`b`=00000000,",
            "LOAD DATA FROM MASTER: checksums `a`.`b`=\u{e9}0000000".as_bytes(),
            b"LOAD DATA FROM MASTER: copies `a`",
        ] {
            assert_eq!(parse_checksums_note(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_checksum_request_round_trips() {
        let mut r = Request::for_connection("east");
        r.checksum = true;
        let text = r.encode();
        assert!(text.contains(";checksum=1"), "{text}");
        assert_eq!(Request::parse(&text).unwrap(), r);
    }

    #[test]
    fn table_done_notes_round_trip_with_quoting() {
        let note = table_done_note("d`b", "t.1");
        assert_eq!(note, "LOAD DATA FROM MASTER: end of table `d``b`.`t.1`");
        assert_eq!(parse_table_done_note(note.as_bytes()), Some("`d``b`.`t.1`"));
        assert_eq!(parse_table_done_note(b"INSERT INTO t VALUES (1)"), None);
        assert_eq!(parse_table_done_note(b"\xff\xfe"), None);
    }

    #[test]
    fn manifests_round_trip_and_claims_overlap_by_database_or_table() {
        let claims = vec![
            CopyClaim::Database("d`b,1".into()),
            CopyClaim::Table("app".into(), "t.x".into()),
            CopyClaim::Table("app".into(), "u".into()),
        ];
        let note = manifest_note(&claims);
        assert_eq!(parse_manifest_note(note.as_bytes()), Some(claims.clone()));
        assert_eq!(
            parse_manifest_note(manifest_note(&[]).as_bytes()),
            Some(vec![])
        );
        for bad in [
            "LOAD DATA FROM MASTER: copies `a",
            "LOAD DATA FROM MASTER: copies `a`,",
            "x",
        ] {
            assert_eq!(parse_manifest_note(bad.as_bytes()), None, "{bad}");
        }
        let whole = CopyClaim::Database("app".into());
        assert!(whole.overlaps(&claims[1]) && claims[1].overlaps(&whole));
        assert!(!claims[1].overlaps(&claims[2]));
        assert!(claims[2].overlaps(&CopyClaim::Table("app".into(), "U".into())));
        assert!(!whole.overlaps(&claims[0]));
        assert_eq!(claims[1].to_string(), "table `app`.`t.x`");
    }

    #[test]
    fn request_round_trips() {
        let mut r = Request::for_connection("east");
        assert_eq!(Request::parse(r.encode()), Ok(r.clone()));
        assert!(!r.encode().contains("grants"), "{}", r.encode());
        r.with_grants = true;
        assert_eq!(Request::parse(r.encode()), Ok(r.clone()));
        r.filter.add_list("do_db", "d'b,x;y").unwrap();
        r.filter.add_list("rewrite_db", "a->b").unwrap();
        let text = r.encode();
        assert!(
            text.chars()
                .all(|c| c.is_ascii_alphanumeric() || "=;".contains(c)),
            "{text}"
        );
        assert_eq!(Request::parse(&text), Ok(r));
    }

    #[test]
    fn the_io_thread_adds_the_replicas_packet_limit() {
        let r = Request::for_connection("east");
        let sent = Request::with_max_packet(&r.encode(), 1 << 20);
        let parsed = Request::parse(&sent).unwrap();
        assert_eq!(parsed.max_packet, Some(1 << 20));
        assert_eq!(
            Request {
                max_packet: None,
                ..parsed.clone()
            },
            r
        );
        assert_eq!(Request::parse(parsed.encode()), Ok(parsed));
        // Held to what the server allows, whatever the variable said.
        let low = Request::with_max_packet(&r.encode(), 10);
        assert_eq!(
            Request::parse(low).unwrap().max_packet,
            Some(MIN_MAX_PACKET)
        );
        let high = Request::with_max_packet(&r.encode(), u64::MAX);
        assert_eq!(Request::parse(high).unwrap().max_packet, Some(u32::MAX));
        for bad in ["packet=1023", "packet=x", "packet=2048;packet=2048"] {
            let text = format!("v=1;domain=7;{bad}");
            assert!(Request::parse(&text).is_err(), "{text}");
        }
    }

    #[test]
    fn copy_domains_are_stable_high_and_distinct() {
        assert_eq!(copy_domain_for("east"), copy_domain_for("east"));
        assert!(copy_domain_for("") >= COPY_DOMAIN_BASE);
        assert_ne!(copy_domain_for("east"), copy_domain_for("west"));
        assert_ne!(copy_domain_for(""), copy_domain_for("m2"));
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        for bad in [
            "",
            "v=1",
            "domain=5",
            "v=1;domain=x",
            "v=1;domain=5;v=1",
            "v=1;domain=5;filter=x",
            "v=1;domain=5;grants=2",
            "v=1;domain=5;grants=1;grants=1",
            "v=1;domain=5;filter=6",
            "v=1;domain=5;filter=zz",
            "v=1;domain=5;filter=78",
        ] {
            assert!(
                matches!(Request::parse(bad), Err(RequestError::Malformed(_))),
                "{bad}"
            );
        }
        assert_eq!(
            Request::parse("v=2;domain=5"),
            Err(RequestError::Version(2))
        );
        assert_eq!(
            Request::parse(b"v=1;domain=5\xff"),
            Err(RequestError::NotText)
        );
        let err = Request::parse("v=1;\n\u{1b}").unwrap_err().to_string();
        assert!(
            err.contains(r"v=1;\n\u{1b}"),
            "control characters are escaped: {err}"
        );
    }

    #[test]
    fn load_table_requests_round_trip_and_bad_lists_are_refused() {
        let mut r = Request::for_connection("m1");
        r.tables = vec![
            ("d b".to_owned(), "t;1".to_owned()),
            ("x".to_owned(), "y".to_owned()),
        ];
        let text = r.encode();
        assert_eq!(Request::parse(&text).unwrap(), r);
        for bad in ["tables=", "tables=7a", "tables=610962090a"] {
            let text = format!("v=1;domain=7;{bad}");
            assert!(Request::parse(&text).is_err(), "{text}");
        }
        let many: Vec<String> = (0..=MAX_RELOAD_TABLES)
            .map(|i| format!("d\tt{i}"))
            .collect();
        let text = format!("v=1;domain=7;tables={}", hex(&many.join("\n")));
        assert!(Request::parse(&text).is_err());
    }

    #[test]
    fn plan_notes_round_trip() {
        assert_eq!(
            parse_plan_note(plan_note(8, 4_000_000).as_bytes()),
            Some((8, 4_000_000))
        );
        assert_eq!(
            parse_plan_note(b"LOAD DATA FROM MASTER: plan tables=1"),
            None
        );
        assert_eq!(
            parse_plan_note(b"LOAD DATA FROM MASTER: plan tables=x rows=1"),
            None
        );
        assert_eq!(parse_plan_note(table_done_note("d", "t").as_bytes()), None);
        let note = plan_table_note("d b", "t`1", 42);
        assert_eq!(parse_plan_note(note.as_bytes()), None);
        assert_eq!(
            parse_plan_table_note(note.as_bytes()),
            Some(("`d b`.`t``1`".to_owned(), 42))
        );
        assert_eq!(
            parse_plan_table_note(b"LOAD DATA FROM MASTER: plan rows=1 table=t"),
            None
        );
        assert_eq!(parse_plan_table_note(plan_note(1, 2).as_bytes()), None);
    }

    #[test]
    fn refuses_a_domain_the_master_uses() {
        let r = Request::parse("v=1;domain=7").unwrap();
        let state = GtidPos::parse("0-1-100,7-1-3").unwrap();
        assert_eq!(r.check_against(&state), Err(RequestError::DomainInUse(7)));
        assert_eq!(r.check_against(&GtidPos::parse("0-1-100").unwrap()), Ok(()));
    }

    #[test]
    fn refuses_a_resume_the_master_has_not_reached() {
        let r =
            Request::parse("v=1;domain=7;resume=0-1-14,1-2-5;plan=00000000000000ab;step=3;seq=4")
                .unwrap();
        // Reached in every domain, or beyond: goes on.
        for state in ["0-1-14,1-2-5", "0-2-20,1-2-9"] {
            assert_eq!(r.check_against(&GtidPos::parse(state).unwrap()), Ok(()));
        }
        // A standby one transaction behind, or without a domain.
        for state in ["0-1-13,1-2-5", "0-1-14"] {
            let err = r
                .check_against(&GtidPos::parse(state).unwrap())
                .unwrap_err();
            assert_eq!(err, RequestError::ResumeAhead("0-1-14,1-2-5".to_owned()));
        }
    }
}
