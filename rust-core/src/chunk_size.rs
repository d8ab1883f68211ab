//! How many rows the next chunk of a table reads.
//!
//! `@@provision_chunk_rows` either fixes the number (tests use small ones
//! to interleave chunks with the master's writes at known points), or is
//! 0, the default: each chunk is sized from the read rate of the chunks
//! before it so that its read takes about [`TARGET`], up to [`MAX_ROWS`].
//! A chunk is one read at one cut on the master (a consistent snapshot
//! held, or for an engine without one, a table lock that blocks the
//! table's writers) and one transaction on the replica.  Fixed rows make
//! that read as long as the master is slow: a cold buffer pool, a busy
//! disk or wide rows stretch it.  The time target keeps every read short.
//!
//! It does not make chunks larger than [`MAX_ROWS`] on a fast master:
//! measured side by side (docs/benchmarks.md), chunks of about 40 000
//! sysbench rows made an idle copy 7 % slower than 10 000, and a copy
//! under load 3 % faster, near noise.  Fewer commits on the replica do not
//! pay for larger transactions there.
//!
//! Memory stays bounded apart from this: a chunk also ends once it holds
//! `CHUNK_BUFFER_BYTES` of rows (see [`crate::dump`]).

use std::time::Duration;

/// How long an adaptive chunk's read on the master should take.
pub const TARGET: Duration = Duration::from_millis(100);

/// An adaptive chunk's read ends early once it has taken this long
/// (twice [`TARGET`]): the rate the size was made from no longer holds
/// (another table, a cold cache, a busy master).
pub const OVERRUN: Duration = Duration::from_millis(200);

/// The first adaptive chunk's rows: the fixed default of earlier builds.
pub const FIRST_ROWS: u32 = 10_000;

/// The fewest rows an adaptive chunk reads, however slow the master.
pub const MIN_ROWS: u32 = 100;

/// The most rows an adaptive chunk reads: as many as the first (see the
/// module's documentation for why not more).
pub const MAX_ROWS: u32 = FIRST_ROWS;

/// How much one chunk's size may differ from the one before it, as a
/// factor either way: one odd read (a stall, a table that ended early)
/// does not swing the size by more.
const STEP: u32 = 4;

/// A chunk smaller than this tells too little about the read rate to
/// size the next one from it (a table's last, short chunk).
const MIN_SAMPLE_ROWS: u64 = 64;

/// The size of the next chunk: fixed, or adapted toward [`TARGET`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkSize {
    /// `@@provision_chunk_rows` rows a chunk, whatever the time.
    Fixed(u32),
    /// Sized from the last chunks' read rate; the rows of the next one.
    Adaptive(u32),
}

impl ChunkSize {
    /// The sizing `@@provision_chunk_rows` asks for: 0 adapts.
    pub fn new(chunk_rows: u32) -> Self {
        match chunk_rows {
            0 => ChunkSize::Adaptive(FIRST_ROWS),
            n => ChunkSize::Fixed(n),
        }
    }

    /// The rows the next chunk reads at most.
    pub fn rows(self) -> u32 {
        match self {
            ChunkSize::Fixed(n) | ChunkSize::Adaptive(n) => n,
        }
    }

    /// Whether a chunk that has been reading for `elapsed` ends now, with
    /// the rows it has: only an adaptive chunk does, at [`OVERRUN`].
    pub fn overran(self, elapsed: Duration) -> bool {
        matches!(self, ChunkSize::Adaptive(_)) && elapsed >= OVERRUN
    }

    /// Learns from a chunk that read `rows` rows in `elapsed`: the next
    /// one reads what that rate gives in [`TARGET`], within [`STEP`] of
    /// this one and between [`MIN_ROWS`] and [`MAX_ROWS`].  Only the rows
    /// count here; the chunk's bytes are bounded where they are held.
    pub fn chunk_read(&mut self, rows: u64, elapsed: Duration) {
        let ChunkSize::Adaptive(current) = *self else {
            return;
        };
        if rows < MIN_SAMPLE_ROWS {
            return;
        }
        // Below a millisecond the clock says little; count it as one.
        let micros = elapsed.as_micros().max(1000);
        let ideal = u128::from(rows) * TARGET.as_micros() / micros;
        let low = (current / STEP).max(MIN_ROWS);
        let high = current.saturating_mul(STEP).min(MAX_ROWS);
        let next = u32::try_from(ideal).unwrap_or(u32::MAX).clamp(low, high);
        *self = ChunkSize::Adaptive(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_fixed_size_never_changes_and_never_overruns() {
        let mut size = ChunkSize::new(20);
        assert_eq!(size, ChunkSize::Fixed(20));
        size.chunk_read(20, ms(5000));
        size.chunk_read(20, ms(0));
        assert_eq!(size.rows(), 20);
        assert!(!size.overran(ms(60_000)));
    }

    #[test]
    fn zero_adapts_from_the_first_size() {
        let size = ChunkSize::new(0);
        assert_eq!(size.rows(), FIRST_ROWS);
        assert!(!size.overran(ms(199)));
        assert!(size.overran(OVERRUN));
    }

    #[test]
    fn the_size_moves_toward_the_time_target() {
        // 10 000 rows in 200 ms: 5 000 rows take the target's 100 ms.
        let mut size = ChunkSize::new(0);
        size.chunk_read(10_000, ms(200));
        assert_eq!(size.rows(), 5_000);
        // At that rate it stays.
        size.chunk_read(5_000, ms(100));
        assert_eq!(size.rows(), 5_000);
        // A master twice as fast again: back to the first size, no more.
        size.chunk_read(5_000, ms(50));
        assert_eq!(size.rows(), FIRST_ROWS);
        size.chunk_read(10_000, ms(10));
        assert_eq!(size.rows(), FIRST_ROWS);
    }

    #[test]
    fn one_odd_chunk_moves_the_size_one_step_at_most() {
        let mut size = ChunkSize::new(0);
        size.chunk_read(10_000, ms(60_000));
        assert_eq!(size.rows(), FIRST_ROWS / STEP);
        size.chunk_read(2_500, ms(1));
        assert_eq!(size.rows(), FIRST_ROWS);
    }

    #[test]
    fn the_size_stays_within_its_bounds() {
        let mut size = ChunkSize::new(0);
        for _ in 0..20 {
            size.chunk_read(u64::from(size.rows()), Duration::ZERO);
        }
        assert_eq!(size.rows(), MAX_ROWS);
        for _ in 0..20 {
            size.chunk_read(u64::from(size.rows()), ms(10_000));
        }
        assert_eq!(size.rows(), MIN_ROWS);
    }

    #[test]
    fn a_short_last_chunk_teaches_nothing() {
        let mut size = ChunkSize::new(0);
        size.chunk_read(MIN_SAMPLE_ROWS - 1, ms(100));
        assert_eq!(size.rows(), FIRST_ROWS);
        size.chunk_read(MIN_SAMPLE_ROWS, ms(100));
        assert_eq!(size.rows(), FIRST_ROWS / STEP);
    }
}
