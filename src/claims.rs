//! What each connection's copy takes on this replica, so that two
//! connections provisioning at the same time never copy into the same
//! database or table.
//!
//! This is the one piece of server-wide state of the replica side: every
//! other piece belongs to one connection.  A copy registers its claims from
//! the manifest, the first group of its stream, before it changes
//! anything; they are released when its `LOAD DATA FROM MASTER` ends.

use std::sync::{Mutex, MutexGuard};

use provision_core::protocol::CopyClaim;

/// The claims of the copies running now, by connection name.
static CLAIMS: Mutex<Vec<(String, Vec<CopyClaim>)>> = Mutex::new(Vec::new());

/// The registry; a panic elsewhere while it was held leaves it usable
/// (every change to it is a single push or retain).
fn registry() -> MutexGuard<'static, Vec<(String, Vec<CopyClaim>)>> {
    CLAIMS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Registers the claims of `connection`'s copy, or returns the error
/// message that names the overlap, the other connection and the fix.
pub fn claim(connection: &str, claims: Vec<CopyClaim>) -> Result<(), String> {
    let mut all = registry();
    for (other, taken) in all.iter().filter(|(c, _)| c != connection) {
        let overlap = claims
            .iter()
            .find_map(|mine| taken.iter().find(|t| t.overlaps(mine)).map(|t| (mine, t)));
        if let Some((mine, theirs)) = overlap {
            return Err(format!(
                "LOAD DATA FROM MASTER: this copy takes {mine}, and master connection \
                 '{other}' is copying {theirs} into this replica; give each connection \
                 its own databases (replicate_do_db) or its own tables \
                 (replicate_do_table, replicate_wild_do_table) with the \
                 connection-prefixed filters, then run LOAD DATA FROM MASTER again. \
                 Nothing was changed"
            ));
        }
    }
    all.retain(|(c, _)| c != connection);
    all.push((connection.to_owned(), claims));
    Ok(())
}

/// Releases the claims of `connection`'s copy.
pub fn release(connection: &str) {
    registry().retain(|(c, _)| c != connection);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(name: &str) -> CopyClaim {
        CopyClaim::Database(name.to_owned())
    }

    fn table(db: &str, name: &str) -> CopyClaim {
        CopyClaim::Table(db.to_owned(), name.to_owned())
    }

    #[test]
    fn overlapping_copies_are_refused_until_released() {
        // Names of their own: tests run in parallel over the one registry.
        claim(
            "claims-a",
            vec![db("claims_db1"), table("claims_app", "t1")],
        )
        .unwrap();
        claim(
            "claims-b",
            vec![db("claims_db2"), table("claims_app", "t2")],
        )
        .unwrap();
        let err = claim("claims-c", vec![table("claims_db1", "x")]).unwrap_err();
        assert!(err.contains("'claims-a'"), "{err}");
        assert!(err.contains("database `claims_db1`"), "{err}");
        let err = claim("claims-c", vec![db("claims_app")]).unwrap_err();
        assert!(err.contains("table `claims_app`.`t1`"), "{err}");
        // A connection's new copy replaces its own claims.
        claim("claims-a", vec![db("claims_db1")]).unwrap();
        release("claims-a");
        claim("claims-c", vec![table("claims_db1", "x")]).unwrap();
        release("claims-b");
        release("claims-c");
        claim("claims-d", vec![db("claims_app")]).unwrap();
        release("claims-d");
    }
}
