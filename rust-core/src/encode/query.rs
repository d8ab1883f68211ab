//! The Query event (type 2), which carries the DDL of provisioning.

use super::frame::{type_code, EventBuf, Framing};
use super::wire::{name_len, put_uint};
use super::{EncodeError, NameKind};
use crate::server_consts::Log_event_type as t;

pub(crate) const QUERY_EVENT: u8 = type_code(t::QUERY_EVENT);

/// The catalog every MariaDB server writes in `Q_CATALOG_NZ_CODE`.
pub const STD_CATALOG: &str = "std";

const Q_FLAGS2_CODE: u8 = 0;
const Q_SQL_MODE_CODE: u8 = 1;
const Q_CHARSET_CODE: u8 = 4;
const Q_TIME_ZONE_CODE: u8 = 5;
const Q_CATALOG_NZ_CODE: u8 = 6;

/// Collation ids of the session the statement ran in (`Q_CHARSET_CODE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CharsetIds {
    /// `@@character_set_client`.
    pub client: u16,
    /// `@@collation_connection`.
    pub connection: u16,
    /// `@@collation_server`.
    pub server: u16,
}

/// The status variables a Query event can carry; each is written when
/// present, in the server's order (flags2, sql_mode, catalog, charset,
/// time zone).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryStatusVars {
    /// `Q_FLAGS2_CODE`: the session's `OPTION_*` bits that replicate.
    pub flags2: Option<u32>,
    /// `Q_SQL_MODE_CODE`: `@@sql_mode`.
    pub sql_mode: Option<u64>,
    /// `Q_CATALOG_NZ_CODE`: the catalog, [`STD_CATALOG`] on any server.
    pub catalog: Option<String>,
    /// `Q_CHARSET_CODE`: the session's character set and collations.
    pub charset: Option<CharsetIds>,
    /// `Q_TIME_ZONE_CODE`: `@@time_zone`, at most 255 bytes.
    pub time_zone: Option<String>,
}

/// A Query event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryEvent {
    /// Id of the thread that ran the statement.
    pub thread_id: u32,
    /// Seconds the statement took.
    pub exec_time: u32,
    /// Error code the statement ended with (0 for success).
    pub error_code: u16,
    /// Status variables.
    pub status: QueryStatusVars,
    /// The default database (empty for none), at most 255 bytes.
    pub db: String,
    /// The statement text, in the session's `character_set_client`.
    pub query: Vec<u8>,
}

/// A Query event: post-header `thread_id[4] exec_time[4] db_len[1]
/// error_code[2] status_vars_len[2]`, the status variables, `db` and a NUL,
/// then the statement with no terminator.
pub fn query_event(
    framing: &Framing,
    log_pos: u32,
    flags: u16,
    query: &QueryEvent,
) -> Result<Vec<u8>, EncodeError> {
    query_event_buf(framing, flags, query)?.finish(log_pos)
}

pub(crate) fn query_event_buf(
    framing: &Framing,
    flags: u16,
    query: &QueryEvent,
) -> Result<EventBuf, EncodeError> {
    let db_len = name_len(NameKind::Database, query.db.as_bytes())?;
    let status = status_vars(&query.status)?;
    let mut event = EventBuf::new(framing, QUERY_EVENT, flags);
    let body = event.body();
    put_uint(body, query.thread_id.into(), 4);
    put_uint(body, query.exec_time.into(), 4);
    body.push(db_len);
    put_uint(body, query.error_code.into(), 2);
    // At most 1+4 + 1+8 + 2+255 + 1+6 bytes: always fits two bytes.
    put_uint(body, status.len() as u64, 2);
    body.extend_from_slice(&status);
    body.extend_from_slice(query.db.as_bytes());
    body.push(0);
    body.extend_from_slice(&query.query);
    Ok(event)
}

/// The status variables block, each as `code[1] value`.
fn status_vars(vars: &QueryStatusVars) -> Result<Vec<u8>, EncodeError> {
    let mut buf = Vec::new();
    if let Some(flags2) = vars.flags2 {
        buf.push(Q_FLAGS2_CODE);
        put_uint(&mut buf, flags2.into(), 4);
    }
    if let Some(sql_mode) = vars.sql_mode {
        buf.push(Q_SQL_MODE_CODE);
        put_uint(&mut buf, sql_mode, 8);
    }
    if let Some(catalog) = &vars.catalog {
        buf.push(Q_CATALOG_NZ_CODE);
        buf.push(name_len(NameKind::Catalog, catalog.as_bytes())?);
        buf.extend_from_slice(catalog.as_bytes());
    }
    if let Some(charset) = vars.charset {
        buf.push(Q_CHARSET_CODE);
        for id in [charset.client, charset.connection, charset.server] {
            put_uint(&mut buf, id.into(), 2);
        }
    }
    if let Some(zone) = &vars.time_zone {
        buf.push(Q_TIME_ZONE_CODE);
        buf.push(name_len(NameKind::TimeZone, zone.as_bytes())?);
        buf.extend_from_slice(zone.as_bytes());
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAMING: Framing = Framing {
        server_id: 1,
        timestamp: 0,
        checksum: false,
    };

    fn query(status: QueryStatusVars) -> QueryEvent {
        QueryEvent {
            thread_id: 0x0102_0304,
            exec_time: 5,
            error_code: 0,
            status,
            db: "db".into(),
            query: b"DROP TABLE t".to_vec(),
        }
    }

    #[test]
    fn query_without_status_vars() {
        let event = query_event(&FRAMING, 9, 0, &query(QueryStatusVars::default())).unwrap();
        let mut expected = vec![0, 0, 0, 0, 2, 1, 0, 0, 0, 47, 0, 0, 0, 9, 0, 0, 0, 0, 0];
        expected.extend_from_slice(&[4, 3, 2, 1, 5, 0, 0, 0, 2, 0, 0, 0, 0]);
        expected.extend_from_slice(b"db\0DROP TABLE t");
        assert_eq!(event, expected);
    }

    #[test]
    fn status_vars_in_server_order() {
        let status = QueryStatusVars {
            flags2: Some(0x0C00_0000),
            sql_mode: Some(0x0102),
            catalog: Some(STD_CATALOG.into()),
            charset: Some(CharsetIds {
                client: 33,
                connection: 45,
                server: 8,
            }),
            time_zone: Some("+01:00".into()),
        };
        let event = query_event(&FRAMING, 0, 0, &query(status)).unwrap();
        let post_header = &event[19..32];
        assert_eq!(&post_header[11..13], &[5 + 9 + 5 + 7 + 8, 0]);
        let vars = &event[32..32 + 34];
        assert_eq!(
            vars,
            [
                0, 0, 0, 0, 0x0C, // flags2
                1, 2, 1, 0, 0, 0, 0, 0, 0, // sql_mode
                6, 3, b's', b't', b'd', // catalog
                4, 33, 0, 45, 0, 8, 0, // charset
                5, 6, b'+', b'0', b'1', b':', b'0', b'0', // time zone
            ]
        );
        assert_eq!(&event[66..], b"db\0DROP TABLE t");
    }

    #[test]
    fn empty_db_is_just_the_nul() {
        let mut q = query(QueryStatusVars::default());
        q.db.clear();
        let event = query_event(&FRAMING, 0, 0, &q).unwrap();
        assert_eq!(event[19 + 8], 0);
        assert_eq!(&event[32..], b"\0DROP TABLE t");
    }

    #[test]
    fn long_db_is_refused() {
        let mut q = query(QueryStatusVars::default());
        q.db = "d".repeat(256);
        assert_eq!(
            query_event(&FRAMING, 0, 0, &q),
            Err(EncodeError::NameTooLong {
                kind: NameKind::Database,
                len: 256
            })
        );
    }

    #[test]
    fn long_catalog_is_refused() {
        let q = query(QueryStatusVars {
            catalog: Some("c".repeat(300)),
            ..QueryStatusVars::default()
        });
        assert_eq!(
            query_event(&FRAMING, 0, 0, &q),
            Err(EncodeError::NameTooLong {
                kind: NameKind::Catalog,
                len: 300
            })
        );
    }
}
