# LOAD DATA FROM MASTER: builds the Rust core with cargo and hands the
# server build what it needs.  Included from sql/CMakeLists.txt; the
# project's files are in ${CMAKE_SOURCE_DIR}/provision (a copy of the
# project repository made by scripts/prepare-source.sh).
#
# Sets:
#   PROVISION_SOURCES  the C++ shim, compiled into the `sql` library
#   PROVISION_LIBS     the Rust static library and the system libraries
#                      the Rust standard library needs
# and defines the target provision_rs, which `sql` must depend on so that
# the cxx-generated header exists before the shim compiles.

SET(PROVISION_DIR ${CMAKE_SOURCE_DIR}/provision)
SET(PROVISION_TARGET_DIR ${CMAKE_BINARY_DIR}/provision-target)
SET(PROVISION_LIB ${PROVISION_TARGET_DIR}/release/libmariadb_provision.a)
SET(PROVISION_BRIDGE_H
    ${PROVISION_TARGET_DIR}/cxxbridge/mariadb-provision/src/lib.rs.h)

FIND_PROGRAM(CARGO_EXECUTABLE cargo
             HINTS $ENV{CARGO_HOME}/bin $ENV{HOME}/.cargo/bin)
IF(NOT CARGO_EXECUTABLE)
  MESSAGE(FATAL_ERROR "LOAD DATA FROM MASTER needs cargo (Rust 1.82 or "
          "newer) to build its Rust core; install rustup or Debian's cargo")
ENDIF()

# Offline builds (distro packages): crates come from provision/vendor,
# made with `cargo vendor` by scripts/vendor-crates.sh.
SET(PROVISION_CARGO_FLAGS --release --locked)
IF(EXISTS ${PROVISION_DIR}/vendor)
  LIST(APPEND PROVISION_CARGO_FLAGS --offline
       --config "source.crates-io.replace-with=\"vendored-sources\""
       --config "source.vendored-sources.directory=\"${PROVISION_DIR}/vendor\"")
ENDIF()

# Cargo does its own dependency tracking; ninja only needs to know when to
# ask it, so every file it reads is listed here.
FILE(GLOB_RECURSE PROVISION_RUST_SOURCES CONFIGURE_DEPENDS
     ${PROVISION_DIR}/src/*.rs ${PROVISION_DIR}/rust-core/src/*.rs)
ADD_CUSTOM_COMMAND(
  OUTPUT ${PROVISION_LIB} ${PROVISION_BRIDGE_H}
  COMMAND ${CMAKE_COMMAND} -E env CARGO_TARGET_DIR=${PROVISION_TARGET_DIR}
          ${CARGO_EXECUTABLE} build ${PROVISION_CARGO_FLAGS}
          --manifest-path ${PROVISION_DIR}/Cargo.toml -p mariadb-provision
  COMMAND ${CMAKE_COMMAND} -E touch ${PROVISION_LIB} ${PROVISION_BRIDGE_H}
  DEPENDS ${PROVISION_RUST_SOURCES}
          ${PROVISION_DIR}/Cargo.toml ${PROVISION_DIR}/Cargo.lock
          ${PROVISION_DIR}/build.rs ${PROVISION_DIR}/rust-core/Cargo.toml
  WORKING_DIRECTORY ${PROVISION_DIR}
  COMMENT "Building the Rust core of LOAD DATA FROM MASTER (cargo)"
  USES_TERMINAL
  VERBATIM)
ADD_CUSTOM_TARGET(provision_rs DEPENDS ${PROVISION_LIB} ${PROVISION_BRIDGE_H})

INCLUDE_DIRECTORIES(${PROVISION_DIR}/cpp-shim
                    ${PROVISION_TARGET_DIR}/cxxbridge)
FILE(GLOB PROVISION_SOURCES CONFIGURE_DEPENDS ${PROVISION_DIR}/cpp-shim/*.cc)
# What `rustc --print native-static-libs` lists for a staticlib on Linux.
SET(PROVISION_LIBS ${PROVISION_LIB} ${CMAKE_DL_LIBS} ${CMAKE_THREAD_LIBS_INIT} m)
