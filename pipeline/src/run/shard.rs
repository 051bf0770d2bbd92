//! Deterministic sharding of a cohort: `--shard I/N` keeps the patients
//! whose id hashes to I modulo N, so that N machines (a Slurm job array, a
//! Kubernetes indexed Job) split a cohort without talking to each other,
//! and a patient always lands in the same shard whatever else is in the
//! folder.

use std::fmt;
use std::str::FromStr;

/// One shard of N, 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// The whole cohort.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// True when `id` belongs to this shard.
    pub fn contains(&self, id: &str) -> bool {
        fnv1a(id.trim().to_lowercase().as_bytes()) % self.count as u64 == self.index as u64
    }
}

/// 64-bit FNV-1a: stable across platforms and releases, unlike std's hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("shard {s:?} must be I/N with 0 <= I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_cohort() {
        let ids: Vec<String> = (0..200).map(|i| format!("0124{i:010}")).collect();
        let n = 4;
        let mut seen = 0;
        for index in 0..n {
            let shard = Shard { index, count: n };
            let mine = ids.iter().filter(|id| shard.contains(id)).count();
            assert!(mine > 20, "shard {shard} holds only {mine} of 200");
            seen += mine;
        }
        assert_eq!(seen, ids.len());
    }

    #[test]
    fn parses_and_refuses() {
        assert_eq!("1/3".parse::<Shard>(), Ok(Shard { index: 1, count: 3 }));
        for bad in ["3/3", "0/0", "1", "a/2", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert!(Shard::ALL.contains("anything"));
    }
}
