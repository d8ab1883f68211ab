//! The encoder against bytes a real MariaDB 10.11 server wrote: the events
//! of `fixtures/mariadb-10.11-bin.000001.hex` (see its header for how it
//! was produced) are rebuilt from their content and compared byte for byte,
//! CRC32 included.

use provision_core::encode::{
    ddl_group, gtid_event, gtid_list_event, table_map_event, write_rows_event, xid_event,
    CharsetIds, Column, DdlGroup, Framing, GtidEvent, GtidListEvent, LogPos, QueryEvent,
    QueryStatusVars, RowImage, TableMap, WriteRows, FL_ALLOW_PARALLEL, FL_TRANSACTIONAL,
    LOG_EVENT_SUPPRESS_USE_F, STD_CATALOG, STMT_END_F, TM_BIT_LEN_EXACT_F,
};

const FIXTURE: &str = include_str!("fixtures/mariadb-10.11-bin.000001.hex");

/// `server_id` of the server that wrote the fixture.
const SERVER_ID: u32 = 7;
/// Header timestamp of the events written at startup.
const STARTUP_TIME: u32 = 0x6B01_330F;
/// Header timestamp of the events of `CREATE DATABASE`, `CREATE TABLE`
/// and `INSERT`.
const STATEMENT_TIME: u32 = 0x6B01_331D;

/// The bytes of the fixture file.
fn binlog() -> Vec<u8> {
    FIXTURE
        .lines()
        .filter(|line| !line.starts_with('#'))
        .flat_map(str::split_whitespace)
        .map(|byte| u8::from_str_radix(byte, 16).expect("hex byte"))
        .collect()
}

/// The event of the fixture that starts at `offset` (from `SHOW BINLOG
/// EVENTS`), cut out by its header's `event_len`.
fn event_at(offset: usize) -> Vec<u8> {
    let file = binlog();
    let len_bytes = &file[offset + 9..offset + 13];
    let len = u32::from_le_bytes(len_bytes.try_into().unwrap()) as usize;
    file[offset..offset + len].to_vec()
}

fn framing(timestamp: u32) -> Framing {
    Framing {
        server_id: SERVER_ID,
        timestamp,
        checksum: true,
    }
}

#[test]
fn fixture_is_a_binlog_file_of_whole_events() {
    let file = binlog();
    assert_eq!(&file[..4], b"\xfebin");
    let mut offset = 4;
    while offset < file.len() {
        offset = event_at(offset).len() + offset;
    }
    assert_eq!(offset, 1164);
}

#[test]
fn empty_gtid_list_matches_the_server() {
    let list = GtidListEvent {
        gtids: &[],
        flags: 0,
    };
    let event = gtid_list_event(&framing(STARTUP_TIME), 285, 0, &list).unwrap();
    assert_eq!(event, event_at(256));
}

/// `CREATE DATABASE prov`: GTID 0-7-1 (standalone, DDL, parallel) and its
/// Query event, both with `LOG_EVENT_SUPPRESS_USE_F`.
#[test]
fn ddl_group_matches_the_server() {
    let query = QueryEvent {
        thread_id: 5,
        exec_time: 0,
        error_code: 0,
        status: QueryStatusVars {
            flags2: Some(0x0100_0000),
            sql_mode: Some(0x5420_0000),
            catalog: Some(STD_CATALOG.into()),
            charset: Some(CharsetIds {
                client: 33,
                connection: 33,
                server: 8,
            }),
            time_zone: None,
        },
        db: "prov".into(),
        query: b"CREATE DATABASE prov".to_vec(),
    };
    let group = DdlGroup {
        domain_id: 0,
        seq_no: 1,
        allow_parallel: true,
        query: &query,
        note: None,
    };
    let flags = LOG_EVENT_SUPPRESS_USE_F;
    let events = ddl_group(
        &framing(STATEMENT_TIME),
        LogPos::Advancing(322),
        flags,
        &group,
    );
    assert_eq!(events.unwrap(), [event_at(322), event_at(364)]);
}

#[test]
fn gtid_of_the_insert_matches_the_server() {
    let gtid = GtidEvent {
        domain_id: 0,
        seq_no: 3,
        flags2: FL_TRANSACTIONAL | FL_ALLOW_PARALLEL,
        commit_id: None,
    };
    let flags = LOG_EVENT_SUPPRESS_USE_F;
    let event = gtid_event(&framing(STATEMENT_TIME), 814, flags, &gtid).unwrap();
    assert_eq!(event, event_at(772));
}

/// `prov.t1` as `Field::binlog_type_info()` describes its columns.
fn t1() -> TableMap {
    let column = |type_code, metadata: &[u8], nullable| Column {
        type_code,
        metadata: metadata.to_vec(),
        nullable,
    };
    TableMap {
        table_id: 18,
        flags: TM_BIT_LEN_EXACT_F,
        db: "prov".into(),
        table: "t1".into(),
        columns: vec![
            column(3, &[], false),       // id INT NOT NULL
            column(3, &[], true),        // u INT UNSIGNED NULL
            column(15, &[80, 0], true),  // name VARCHAR(20) utf8mb4: 80 bytes max
            column(246, &[10, 2], true), // price DECIMAL(10,2): precision, scale
            column(18, &[3], true),      // ts DATETIME(3): DATETIME2, 3 decimals
            column(252, &[2], true),     // data BLOB: 2-byte length
        ],
    }
}

#[test]
fn table_map_matches_the_server() {
    let event = table_map_event(&framing(STATEMENT_TIME), 1034, 0, &t1()).unwrap();
    assert_eq!(event, event_at(978));
}

/// The values of the two rows, as `Field::pack()` wrote them (cut out of
/// the server's Write_rows event).
fn rows() -> Vec<RowImage> {
    let first: [Option<&[u8]>; 6] = [
        Some(&[0x01, 0x00, 0x00, 0x00]),                   // 1
        Some(&[0x00, 0x28, 0x6B, 0xEE]),                   // 4000000000
        Some(b"\x06h\xC3\xA9llo"),                         // 'héllo', 1-byte length
        Some(&[0x80, 0x00, 0x30, 0x39, 0x43]),             // 12345.67
        Some(&[0x99, 0xB2, 0xBA, 0xD3, 0x8F, 0x1A, 0x7C]), // 2024-02-29 13:14:15.678
        Some(&[0x03, 0x00, 0x00, 0xFF, 0x10]),             // x'00ff10', 2-byte length
    ];
    let second: [Option<&[u8]>; 6] = [
        Some(&[0xFE, 0xFF, 0xFF, 0xFF]),       // -2
        None,                                  //
        None,                                  //
        Some(&[0x7F, 0xFF, 0xFF, 0xFF, 0xFA]), // -0.05
        None,
        None,
    ];
    vec![RowImage::new(&first), RowImage::new(&second)]
}

#[test]
fn write_rows_matches_the_server() {
    let rows = rows();
    let write = WriteRows {
        table_id: 18,
        flags: STMT_END_F,
        present: &[true; 6],
        rows: &rows,
    };
    let event = write_rows_event(&framing(STATEMENT_TIME), 1110, 0, &write).unwrap();
    assert_eq!(event, event_at(1034));
}

#[test]
fn row_images_match_the_server_null_bitmaps() {
    let rows = rows();
    // All six present, none NULL: bits 0-5 clear, unused bits 6-7 set.
    assert_eq!(rows[0].as_bytes()[0], 0xC0);
    // u, name, ts, data NULL (bits 1, 2, 4, 5) and bits 6-7 set.
    assert_eq!(rows[1].as_bytes()[0], 0xF6);
}

#[test]
fn xid_matches_the_server() {
    let event = xid_event(&framing(STATEMENT_TIME), 1141, 0, 5).unwrap();
    assert_eq!(event, event_at(1110));
}
