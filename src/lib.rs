//! The cxx bridge between `mariadbd` and the Rust core of
//! `LOAD DATA FROM MASTER`.
//!
//! Kept short and boring on purpose: plain shared structs in, status values
//! out (never a `Result`, which cxx would turn into a C++ exception inside
//! server code), and no decisions here: each function converts and calls
//! into `provision_core`.

use provision_core::preflight::{self, Refusal, ReplicaFacts, UseGtid};

#[cxx::bridge(namespace = "provision")]
mod ffi {
    /// Session and connection state read by the statement shim
    /// (`cpp-shim/rpl_provision_stmt.cc`) under the connection's locks.
    struct ReplicaState {
        connection_name: String,
        in_stored_program: bool,
        in_transaction: bool,
        connection_exists: bool,
        master_host_set: bool,
        io_thread_running: bool,
        sql_thread_running: bool,
        /// `Master_info::enum_using_gtid`.
        use_gtid: u8,
    }

    /// A decision the shim acts on: `error_code == 0` means go ahead,
    /// anything else is raised with `my_error(error_code, MYF(0), error_arg)`.
    struct Verdict {
        error_code: u32,
        error_arg: String,
    }

    extern "Rust" {
        /// Decides whether `LOAD DATA FROM MASTER` may start.
        fn check_load_from_master(state: &ReplicaState) -> Verdict;
        /// The core's version, for the server's startup log.
        fn core_version() -> &'static str;
    }
}

impl From<&ffi::ReplicaState> for ReplicaFacts {
    fn from(s: &ffi::ReplicaState) -> Self {
        ReplicaFacts {
            connection_name: s.connection_name.clone(),
            in_stored_program: s.in_stored_program,
            in_transaction: s.in_transaction,
            connection_exists: s.connection_exists,
            master_host_set: s.master_host_set,
            io_thread_running: s.io_thread_running,
            sql_thread_running: s.sql_thread_running,
            use_gtid: UseGtid::from_server(s.use_gtid),
        }
    }
}

impl From<Result<(), Refusal>> for ffi::Verdict {
    fn from(r: Result<(), Refusal>) -> Self {
        match r {
            Ok(()) => ffi::Verdict {
                error_code: 0,
                error_arg: String::new(),
            },
            Err(refusal) => ffi::Verdict {
                error_code: refusal.error_code(),
                error_arg: refusal.error_arg().to_owned(),
            },
        }
    }
}

fn check_load_from_master(state: &ffi::ReplicaState) -> ffi::Verdict {
    preflight::admit(&ReplicaFacts::from(state)).into()
}

fn core_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(name: &str) -> ffi::ReplicaState {
        ffi::ReplicaState {
            connection_name: name.into(),
            in_stored_program: false,
            in_transaction: false,
            connection_exists: false,
            master_host_set: false,
            io_thread_running: false,
            sql_thread_running: false,
            use_gtid: 2,
        }
    }

    #[test]
    fn unknown_connection_reaches_the_shim_as_an_error_code() {
        let v = check_load_from_master(&state("nope"));
        assert_eq!(
            v.error_code,
            provision_core::server_consts::ER_PROVISION_NO_CONNECTION
        );
        assert_eq!(v.error_arg, "nope");
    }
}
