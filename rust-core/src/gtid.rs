//! GTIDs and GTID positions in the text form the server prints
//! (`@@gtid_binlog_pos`: `domain-server-seq` separated by commas).
//!
//! Invariant: [`GtidPos::parse`] accepts exactly what [`GtidPos`]'s
//! `Display` prints, plus surrounding whitespace, and rejects anything
//! else rather than guessing (a wrong handoff position loses data).

use std::fmt;

/// One MariaDB GTID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gtid {
    /// The replication domain.
    pub domain_id: u32,
    /// The server that originated the transaction.
    pub server_id: u32,
    /// The sequence number within the domain.
    pub seq_no: u64,
}

/// A text GTID position that could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed GTID position '{0}'")]
pub struct BadGtidPos(pub String);

/// A GTID position: at most one GTID per domain, ordered by domain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GtidPos(Vec<Gtid>);

impl GtidPos {
    /// Parses `@@gtid_binlog_pos`-style text; the empty string is the empty
    /// position.  Two GTIDs of one domain are an error.
    pub fn parse(text: &str) -> Result<Self, BadGtidPos> {
        let bad = || BadGtidPos(text.to_owned());
        let mut gtids = Vec::new();
        for part in text.split(',').map(str::trim) {
            if part.is_empty() {
                if text.trim().is_empty() {
                    continue;
                }
                return Err(bad());
            }
            let mut fields = part.split('-');
            let (Some(d), Some(s), Some(n), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(bad());
            };
            gtids.push(Gtid {
                domain_id: d.parse().map_err(|_| bad())?,
                server_id: s.parse().map_err(|_| bad())?,
                seq_no: n.parse().map_err(|_| bad())?,
            });
        }
        gtids.sort_by_key(|g| g.domain_id);
        if gtids.windows(2).any(|w| w[0].domain_id == w[1].domain_id) {
            return Err(bad());
        }
        Ok(GtidPos(gtids))
    }

    /// The GTIDs, one per domain, by domain.
    pub fn gtids(&self) -> &[Gtid] {
        &self.0
    }

    /// Makes `gtid` the position's GTID in its domain.
    pub fn set(&mut self, gtid: Gtid) {
        match self
            .0
            .binary_search_by_key(&gtid.domain_id, |g| g.domain_id)
        {
            Ok(i) => self.0[i] = gtid,
            Err(i) => self.0.insert(i, gtid),
        }
    }

    /// Takes `domain_id`'s GTID out of the position.
    pub fn remove_domain(&mut self, domain_id: u32) {
        self.0.retain(|g| g.domain_id != domain_id);
    }

    /// Whether the position has a GTID in `domain_id`.
    pub fn has_domain(&self, domain_id: u32) -> bool {
        self.0.iter().any(|g| g.domain_id == domain_id)
    }
}

impl fmt::Display for Gtid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.domain_id, self.server_id, self.seq_no)
    }
}

impl fmt::Display for GtidPos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, g) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{g}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_sorts_by_domain() {
        let pos = GtidPos::parse(" 2-1-10, 0-1-5 ").unwrap();
        assert_eq!(pos.to_string(), "0-1-5,2-1-10");
        assert!(pos.has_domain(2));
        assert!(!pos.has_domain(1));
        assert_eq!(GtidPos::parse(&pos.to_string()).unwrap(), pos);
    }

    #[test]
    fn empty_is_the_empty_position() {
        assert_eq!(GtidPos::parse("").unwrap().gtids(), &[]);
        assert_eq!(GtidPos::parse("  ").unwrap().to_string(), "");
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in [
            "0-1",
            "0-1-2-3",
            "a-1-2",
            "0-1-2,",
            ",0-1-2",
            "0-1-2,0-2-3",
            "-1-1-1",
        ] {
            assert!(GtidPos::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn extremes_fit() {
        let pos = GtidPos::parse("4294967295-4294967295-18446744073709551615").unwrap();
        assert_eq!(pos.gtids()[0].seq_no, u64::MAX);
    }
}
