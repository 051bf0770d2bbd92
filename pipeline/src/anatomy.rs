//! Anatomical vocabulary: the six vertebrae C2–C7, the eleven graded
//! positions (bodies and discs, in cranio-caudal order) and the three
//! sagittal slices. Everything that iterates levels goes through these
//! tables so that order is anatomical, never the order of file names.

use std::fmt;

/// The three sagittal slices of a study; 6 is mid-sagittal.
pub const SLICES: [u8; 3] = [5, 6, 7];

/// Index of the mid-sagittal slice within [`SLICES`].
pub const MID_SLICE: usize = 1;

/// Side of every image in the official layout.
pub const IMAGE_SIZE: i32 = 224;

/// A cervical vertebra that carries a box.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vertebra {
    C2,
    C3,
    C4,
    C5,
    C6,
    C7,
}

impl Vertebra {
    /// All six, top (C2) to bottom (C7); the detector's class index is the
    /// position in this array.
    pub const ALL: [Vertebra; 6] = [Self::C2, Self::C3, Self::C4, Self::C5, Self::C6, Self::C7];

    /// Key in `bounding_box_train.json`, e.g. `"C4"`.
    pub fn key(self) -> &'static str {
        ["C2", "C3", "C4", "C5", "C6", "C7"][self.index()]
    }

    /// Class index 0..6, C2 = 0.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> Option<Self> {
        Self::ALL.get(i).copied()
    }
}

impl fmt::Display for Vertebra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A graded position: a vertebral body or the disc below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Position {
    C2,
    C2C3,
    C3,
    C3C4,
    C4,
    C4C5,
    C5,
    C5C6,
    C6,
    C6C7,
    C7,
}

impl Position {
    /// All eleven in anatomical order: the order of `zyzg` in `train.json`.
    pub const ALL: [Position; 11] = [
        Self::C2,
        Self::C2C3,
        Self::C3,
        Self::C3C4,
        Self::C4,
        Self::C4C5,
        Self::C5,
        Self::C5C6,
        Self::C6,
        Self::C6C7,
        Self::C7,
    ];

    /// The five discs in anatomical order: the order of `zjppt`.
    pub const DISCS: [Position; 5] = [Self::C2C3, Self::C3C4, Self::C4C5, Self::C5C6, Self::C6C7];

    /// Index 0..11 in [`Position::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> Option<Self> {
        Self::ALL.get(i).copied()
    }

    /// True for the five intervertebral discs.
    pub fn is_disc(self) -> bool {
        self.index() % 2 == 1
    }

    /// Index 0..5 into `zjppt` for a disc, `None` for a body.
    pub fn disc_index(self) -> Option<usize> {
        self.is_disc().then(|| self.index() / 2)
    }

    /// The vertebra of a body position, or the one above a disc.
    pub fn upper(self) -> Vertebra {
        Vertebra::ALL[self.index() / 2]
    }

    /// The vertebra below a disc; `None` for a body.
    pub fn lower(self) -> Option<Vertebra> {
        self.is_disc().then(|| Vertebra::ALL[self.index() / 2 + 1])
    }

    /// File stem of the matched axial image: `"2"`, `"2-3"`, … `"7"`.
    pub fn stem(self) -> &'static str {
        [
            "2", "2-3", "3", "3-4", "4", "4-5", "5", "5-6", "6", "6-7", "7",
        ][self.index()]
    }

    /// Inverse of [`Position::stem`].
    pub fn from_stem(stem: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.stem() == stem)
    }

    /// Human name, e.g. `"C2-C3"`.
    pub fn name(self) -> String {
        match self.lower() {
            Some(lower) => format!("{}-{}", self.upper(), lower),
            None => self.upper().to_string(),
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_alternate_body_and_disc() {
        let names: Vec<String> = Position::ALL.iter().map(|p| p.name()).collect();
        assert_eq!(names[0], "C2");
        assert_eq!(names[1], "C2-C3");
        assert_eq!(names[10], "C7");
        assert_eq!(Position::C4C5.disc_index(), Some(2));
        assert_eq!(Position::C4.disc_index(), None);
        assert_eq!(Position::C5C6.lower(), Some(Vertebra::C6));
    }

    #[test]
    fn stems_round_trip_and_sort_differently_from_anatomy() {
        for p in Position::ALL {
            assert_eq!(Position::from_stem(p.stem()), Some(p));
        }
        let mut files: Vec<String> = Position::ALL
            .iter()
            .map(|p| format!("{}.png", p.stem()))
            .collect();
        files.sort();
        assert_eq!(
            files[0], "2-3.png",
            "byte order puts a disc first ('-' < '.')"
        );
        assert_eq!(Position::from_stem("8"), None);
    }
}
