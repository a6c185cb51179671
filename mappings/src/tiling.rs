//! Cutting a weight matrix into macro-sized tiles. A tile is `macro.rows` inputs (the dot-product
//! length) by `macro.cols / weight_bits` outputs; edge tiles hold what is left. Tiles are ordered
//! column block by column block, and within a column block along the input dimension, so the
//! partial sums of one output block finish together.
//!
//! Everything here is O(1) per query: the weights held by any run of consecutive tiles come from
//! a prefix formula, so a batch of thousands of tiles costs the same to describe as one tile.

use crate::MappingError;
use sim::config::MacroConfig;

/// The shape one macro holds: `rows` inputs by `cols` outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileShape {
    pub rows: u64,
    pub cols: u64,
}

impl TileShape {
    /// The tile of `m` at `weight_bits` per weight. A macro whose bit columns cannot hold one
    /// weight (or that has no rows) cannot hold a tile at all.
    pub fn of_macro(m: &MacroConfig, weight_bits: u32) -> Result<TileShape, MappingError> {
        if weight_bits == 0 {
            return Err(MappingError::NoTile {
                reason: "weight precision is 0 bits".to_string(),
            });
        }
        let cols = u64::from(m.cols) / u64::from(weight_bits);
        if m.rows == 0 || cols == 0 {
            return Err(MappingError::NoTile {
                reason: format!(
                    "a macro of {} rows x {} bit-columns cannot hold one {}-bit weight column \
                     (macro.cols must be >= the weight bits and macro.rows >= 1)",
                    m.rows, m.cols, weight_bits
                ),
            });
        }
        Ok(TileShape {
            rows: u64::from(m.rows),
            cols,
        })
    }

    /// Weights in a full tile.
    pub fn weights(&self) -> u64 {
        self.rows * self.cols
    }
}

/// The tiling of one `in_features` x `out_features` matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatrixTiling {
    pub in_features: u64,
    pub out_features: u64,
    pub tile: TileShape,
    /// Tiles along the input (dot-product) dimension.
    pub row_blocks: u64,
    /// Tiles along the output dimension.
    pub col_blocks: u64,
}

impl MatrixTiling {
    pub fn new(in_features: u64, out_features: u64, tile: TileShape) -> MatrixTiling {
        MatrixTiling {
            in_features,
            out_features,
            tile,
            row_blocks: in_features.div_ceil(tile.rows),
            col_blocks: out_features.div_ceil(tile.cols),
        }
    }

    /// Number of tiles, edge tiles included.
    pub fn tiles(&self) -> u64 {
        self.row_blocks * self.col_blocks
    }

    /// Weights of the whole matrix.
    pub fn weights(&self) -> u64 {
        self.in_features * self.out_features
    }

    /// Weights held by tiles `0..t` (in tile order). `t` is clamped to the tile count.
    pub fn weights_before(&self, t: u64) -> u64 {
        if self.row_blocks == 0 || self.col_blocks == 0 {
            return 0;
        }
        let t = t.min(self.tiles());
        let full_col_blocks = t / self.row_blocks;
        let rest = t % self.row_blocks;
        let cols_done = (full_col_blocks * self.tile.cols).min(self.out_features);
        let cols_next = (self.out_features - cols_done).min(self.tile.cols);
        let rows_done = (rest * self.tile.rows).min(self.in_features);
        cols_done * self.in_features + cols_next * rows_done
    }

    /// Weights held by tiles `start..end`.
    pub fn weights_in(&self, start: u64, end: u64) -> u64 {
        self.weights_before(end) - self.weights_before(start.min(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(rows: u64, cols: u64) -> TileShape {
        TileShape { rows, cols }
    }

    #[test]
    fn exact_fit_counts_by_hand() {
        // 1024 x 2048 on 256 x 64 tiles: 4 row blocks x 32 column blocks = 128 full tiles.
        let t = MatrixTiling::new(1024, 2048, shape(256, 64));
        assert_eq!((t.row_blocks, t.col_blocks, t.tiles()), (4, 32, 128));
        assert_eq!(t.weights_in(0, 1), 256 * 64);
        assert_eq!(t.weights_before(128), 1024 * 2048);
    }

    #[test]
    fn edge_tiles_hold_the_remainder() {
        // 576 x 1536 (SmolLM2-135M q_proj is 576 x 576; take a wider one): 576 = 2 x 256 + 64,
        // so 3 row blocks; 1536 / 64 = 24 column blocks; 72 tiles.
        let t = MatrixTiling::new(576, 1536, shape(256, 64));
        assert_eq!(t.tiles(), 72);
        // First column block: 256x64, 256x64, 64x64.
        assert_eq!(t.weights_in(0, 1), 256 * 64);
        assert_eq!(t.weights_in(2, 3), 64 * 64);
        assert_eq!(t.weights_in(0, 3), 576 * 64);
        // Last column block, last tile.
        assert_eq!(t.weights_in(71, 72), 64 * 64);
        // 100 x 70 on 256 x 64: one row block, two column blocks of 64 and 6 outputs.
        let small = MatrixTiling::new(100, 70, shape(256, 64));
        assert_eq!(small.tiles(), 2);
        assert_eq!(small.weights_in(0, 1), 100 * 64);
        assert_eq!(small.weights_in(1, 2), 100 * 6);
    }

    #[test]
    fn prefix_sums_agree_with_tile_by_tile_sums() {
        for (k, n, r, c) in [(576, 1536, 256, 64), (300, 130, 128, 32), (7, 5, 2, 3)] {
            let t = MatrixTiling::new(k, n, shape(r, c));
            let mut acc = 0;
            for cb in 0..t.col_blocks {
                for rb in 0..t.row_blocks {
                    let rows = (k - rb * r).min(r);
                    let cols = (n - cb * c).min(c);
                    acc += rows * cols;
                    assert_eq!(t.weights_before(cb * t.row_blocks + rb + 1), acc);
                }
            }
            assert_eq!(acc, k * n);
        }
    }

    #[test]
    fn a_macro_too_narrow_for_one_weight_is_an_error() {
        let m = MacroConfig {
            kind: Default::default(),
            rows: 256,
            cols: 4,
            weight_bits: 8,
            input_bits_per_cycle: 1,
            pipeline_depth_cycles: 3,
            energy_pj_per_mac: 0.1,
            write_bits_per_cycle: 256,
            write_energy_pj_per_bit: 0.5,
            ping_pong: false,
            leakage_nw_per_bit: 30.5,
            area_um2_per_bit: 6.87,
            adc: None,
        };
        let err = TileShape::of_macro(&m, 8).unwrap_err().to_string();
        assert!(err.contains("cannot hold one 8-bit weight"), "{err}");
        assert_eq!(TileShape::of_macro(&m, 4).map(|s| s.cols).ok(), Some(1));
    }
}
