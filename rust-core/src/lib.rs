//! The pure-Rust core of `LOAD DATA FROM MASTER`.
//!
//! Everything here decides; nothing here touches the server.  The C++ shim
//! in `cpp-shim/` reads server state into plain values, calls into this
//! crate through the cxx bridge of the root crate, and acts on the answer.
//! That split keeps the decisions testable with `cargo test` alone.
//!
//! Modules, one job each:
//! - [`preflight`]: the replica-side checks `LOAD DATA FROM MASTER` makes
//!   before it changes anything.
//! - [`server_consts`]: constants of the server (error codes, field and
//!   binlog event types), generated from its headers by bindgen.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod preflight;
pub mod server_consts;
