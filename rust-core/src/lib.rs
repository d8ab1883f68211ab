//! The pure-Rust core of `LOAD DATA FROM MASTER`.
//!
//! Everything here decides; nothing here touches the server.  The C++ shim
//! in `cpp-shim/` reads server state into plain values, calls into this
//! crate through the cxx bridge of the root crate, and acts on the answer.
//! That split keeps the decisions testable with `cargo test` alone.
//!
//! Modules, one job each:
//! - [`encode`]: the binlog events the master's dump thread sends to a
//!   provisioning replica.
//! - [`preflight`]: the replica-side checks `LOAD DATA FROM MASTER` makes
//!   before it changes anything.
//! - [`chunk_size`]: how many rows the next chunk of a table reads.
//! - [`copy_filter`]: which databases and tables a connection's copy
//!   takes: its replication filter, judged as the SQL thread judges it.
//! - [`cut`]: where a chunk of rows sits in the binlog stream (exact cut).
//! - [`ddl`]: the CREATE statements a dump sends.
//! - [`ddl_during_copy`]: what a replica being provisioned does with a
//!   master's `ALTER TABLE`, `TRUNCATE`, `OPTIMIZE`, ... during the copy.
//! - [`dump`]: one provisioning dump on the master (plan + encoding).
//! - [`filter`]: what a provisioning replica's SQL thread does with the
//!   master's row operations, given the key ranges copied so far.
//! - [`gtid`]: GTIDs and positions in the server's text form.
//! - [`key_image`]: checks of the key images a replica sends back.
//! - [`parallel_apply`]: which event groups a replica applies alone
//!   during a copy, the others going to parallel replication's workers.
//! - [`plan_cache`]: the plans of the copies a master sends, for a copy
//!   whose plan its DDL changed to go on after a lost connection.
//! - [`progress`]: how far a copy is, as the replica applies it.
//! - [`protocol`]: the request, copy domain and end marker between replica
//!   and master.
//! - [`saved_copy`]: the replica's record of an unfinished copy, and how
//!   a copy goes on from it after a restart.
//! - [`scheduler`]: what the master's dump thread sends next.
//! - [`server_consts`]: constants of the server (error codes, field and
//!   binlog event types), generated from its headers by bindgen.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod chunk_size;
pub mod copy_filter;
pub mod cut;
pub mod ddl;
pub mod ddl_during_copy;
pub mod dump;
pub mod encode;
pub mod filter;
pub mod gtid;
pub mod index_build;
pub mod key_image;
pub mod parallel_apply;
pub mod plan_cache;
pub mod preflight;
pub mod progress;
pub mod protocol;
pub mod saved_copy;
pub mod scheduler;
pub mod server_consts;
pub mod statement_write;
