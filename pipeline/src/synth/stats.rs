//! Fitted constants of the phantom model. Every number here was measured
//! with a throwaway script on the 400 public CervAI training records
//! (`bounding_box_train.json` and `train.json`); the files themselves are
//! not part of this repository. Lengths are pixels of the 224×224 sagittal
//! image; "mid" means slice 6.

/// Mean box centre x per vertebra C2..C7 on the mid slice.
pub const CENTER_X: [f32; 6] = [100.52, 101.17, 101.83, 102.87, 104.34, 107.27];
/// Mean box centre y per vertebra C2..C7 on the mid slice.
pub const CENTER_Y: [f32; 6] = [80.56, 99.86, 113.39, 126.43, 139.27, 152.98];
/// Patient-to-patient standard deviation of the mean centre x of the column.
pub const COLUMN_X_SD: f32 = 4.18;
/// Patient-to-patient standard deviation of the mean centre y of the column.
pub const COLUMN_Y_SD: f32 = 7.48;
/// Relative standard deviation of the C2–C7 centre span (72.4 px mean).
pub const SPAN_REL_SD: f32 = 0.077;
/// Slope dx/dy of the C2–C7 chord: mean and standard deviation.
pub const TILT_MEAN: f32 = 0.09;
pub const TILT_SD: f32 = 0.08;
/// Standard deviation of one inter-centre gap beyond the common span scale.
pub const GAP_SD: f32 = 0.7;

/// Mean x offset of each centre from the C2–C7 chord, per curvature class
/// (0 lordosis, 1 straight, 2 kyphotic); negative is anterior.
pub const PROFILE_BY_QD: [[f32; 6]; 3] = [
    [0.0, -3.17, -4.84, -5.04, -3.53, 0.0],
    [0.0, -1.12, -1.70, -1.81, -1.53, 0.0],
    [0.0, 0.61, 0.87, 0.44, -0.41, 0.0],
];
/// Spread of the mid-column offset (C4/C5 against the chord) per class.
pub const BOW_SD_BY_QD: [f32; 3] = [1.89, 1.48, 1.54];
/// Shape of a lordotic bow along C2..C7 (mean lordotic profile, normalised).
pub const BOW_SHAPE: [f32; 6] = [0.0, 0.63, 0.96, 1.0, 0.70, 0.0];

/// Mean box width / height per vertebra on the mid slice (3 px padding
/// included on each side). C2's height includes the dens.
pub const BOX_W: [f32; 6] = [17.89, 18.40, 18.49, 18.68, 19.19, 19.95];
pub const BOX_H: [f32; 6] = [28.36, 17.18, 16.66, 16.52, 17.11, 18.61];
/// Per-level standard deviation of box width and height.
pub const BOX_W_SD: f32 = 1.6;
pub const BOX_H_SD: [f32; 6] = [3.83, 1.54, 1.5, 1.56, 1.62, 1.64];
/// Correlation of box sizes between levels of one patient (width, height).
pub const BOX_W_LEVEL_CORR: f32 = 0.78;
pub const BOX_H_LEVEL_CORR: f32 = 0.64;
/// Padding of the official boxes around the true extents.
pub const BOX_PAD: f32 = 3.0;

/// Lateral slices 5 and 7 against the mid slice, per vertebra: mean and
/// standard deviation of the change of box centre y and box height (C2
/// loses its dens laterally), and spread of centre x and width.
pub const LATERAL_DY_MEAN: [f32; 6] = [0.83, -0.24, -0.25, -0.15, -0.09, -0.07];
pub const LATERAL_DY_SD: [f32; 6] = [2.15, 0.67, 0.83, 0.54, 0.5, 0.88];
pub const LATERAL_DH_MEAN: [f32; 6] = [-2.4, 0.07, 0.16, 0.18, 0.17, 0.25];
pub const LATERAL_DH_SD: [f32; 6] = [4.9, 0.95, 1.45, 1.02, 0.96, 1.69];
pub const LATERAL_DX_SD: f32 = 0.55;
pub const LATERAL_DW_MEAN: f32 = -0.25;
pub const LATERAL_DW_SD: f32 = 1.1;

/// Curvature class counts (lordosis, straight, kyphotic) of 400 patients.
pub const QD_COUNTS: [u32; 3] = [63, 269, 68];
/// Alignment: 22 poor of 400, as the upper-tail quantile of a standard
/// normal latent (Φ⁻¹(22/400) = −1.598).
pub const SL_POOR_Z: f32 = -1.5982;

/// Thresholds on a standard-normal latent per disc (C2-C3..C6-C7) that give
/// the observed disc grade frequencies: Φ⁻¹ of the cumulative frequencies.
/// 4.5 stands for a class never seen at that position.
pub const DISC_CUTS: [[f32; 3]; 5] = [
    [0.5172, 0.5244, 4.5],
    [-1.1264, -0.8327, 1.7805],
    [-1.3408, -1.0152, 2.0537],
    [-1.2816, -0.9741, 2.1084],
    [-0.7388, -0.5172, 2.807],
];
/// Same for the canal grade at the eleven positions C2..C7.
pub const CANAL_CUTS: [[f32; 3]; 11] = [
    [1.9189, 2.5758, 4.5],
    [0.4888, 1.7507, 4.5],
    [0.9945, 1.7805, 2.807],
    [-1.1031, 0.5828, 1.4758],
    [0.7471, 1.5141, 2.5758],
    [-1.2399, 0.2924, 1.3885],
    [0.6983, 1.5761, 2.4324],
    [-1.2399, 0.0376, 1.2536],
    [0.8064, 1.7224, 4.5],
    [-0.6903, 0.8239, 2.0047],
    [1.6696, 2.3263, 4.5],
];

/// Observed label dependencies the latent model reproduces: ordinal
/// correlation of neighbouring discs ≈ 0.3–0.6, of neighbouring canal
/// positions ≈ 0.45–0.5 (0.2–0.3 at the ends); disc grade 0 goes with
/// canal grade 0 at that disc in 96 % of cases, grade 1 with canal 1 in
/// 90 %; poor alignment comes with more degeneration (mean disc grade 1.72
/// against 1.45). The latent weights below were tuned to match these.
pub const DISC_PATIENT_WEIGHT: f32 = 0.72;
pub const DISC_CANAL_CORR: f32 = 0.975;
pub const BODY_CANAL_CORR: f32 = 0.72;
pub const SL_DEGENERATION_WEIGHT: f32 = 0.3;
/// Shift of the patient degeneration factor per curvature class (straight
/// necks carry slightly more degeneration in the labels).
pub const QD_DEGENERATION_SHIFT: [f32; 3] = [-0.12, 0.06, -0.08];
