//! Compiles the C++ half of the cxx bridge into this static library.
//!
//! The generated header (`mariadb-provision/src/lib.rs.h`) and `rust/cxx.h`
//! land under `$CARGO_TARGET_DIR/cxxbridge/`, which the patched
//! `sql/CMakeLists.txt` adds to the server's include path.

fn main() {
    cxx_build::bridge("src/lib.rs")
        .flag_if_supported("-std=c++17")
        .compile("mariadb-provision-bridge");
    println!("cargo:rerun-if-changed=src/lib.rs");
}
