//! Pareto fronts over 1 to N objectives (2 and 3 in practice), each minimised or maximised.
//!
//! Conventions:
//! - `a` dominates `b` when `a` is at least as good in every objective and strictly better in
//!   one. Equal points do not dominate each other, so duplicates of a front point are all on
//!   the front.
//! - Rows with a NaN or infinite objective are excluded and counted, never ranked.
//! - Front order is deterministic: lexicographic in the objectives (each turned into "smaller is
//!   better"), then by input index. For two objectives this is the front from the best first
//!   objective to the best second objective, the order to connect it in a chart.
//! - The knee is the front point closest (Euclidean) to the utopia point after normalising each
//!   objective to [0, 1] over the front (0 = best value on the front). An objective with no
//!   spread on the front contributes 0. Ties go to the first point in front order.
//!
//! Batch fronts take O(n log n) for two objectives (sort + sweep) and O(n log n + n·f) otherwise
//! (f = front size: after a lexicographic sort a point can only be dominated by an earlier one,
//! and if it is dominated at all, some earlier *front* point dominates it). [`IncrementalFront`]
//! keeps only the non-dominated points seen so far, so a sweep never holds all its rows.

use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Whether an objective is better small (latency, energy, area) or large (tokens/s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Minimize,
    Maximize,
}

impl Direction {
    /// The value turned into "smaller is better".
    fn oriented(self, v: f64) -> f64 {
        // `+ 0.0` turns -0.0 into 0.0, so sorting (total order) and comparing agree.
        match self {
            Direction::Minimize => v + 0.0,
            Direction::Maximize => -v + 0.0,
        }
    }
}

/// The direction of a `RunRecord` metric: the metric table's for headline metrics
/// ([`crate::metrics::METRICS`]), else by name (rates and shares are maximised; times,
/// energies, area and bytes minimised; see [`crate::metrics::larger_is_better`]).
pub fn metric_direction(key: &str) -> Direction {
    if crate::metrics::larger_is_better(key) {
        Direction::Maximize
    } else {
        Direction::Minimize
    }
}

/// Why a front could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParetoError {
    #[error("a Pareto front needs at least one objective")]
    NoObjectives,
    #[error("point {index} has {got} objective values, expected {expected} (one per direction)")]
    WrongArity {
        index: usize,
        got: usize,
        expected: usize,
    },
    #[error("{groups} group labels for {points} points: expected one label per point")]
    GroupCount { groups: usize, points: usize },
}

/// A batch front: indices into the input, in front order, and the knee.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParetoFront {
    /// Input indices of the non-dominated points, in front order.
    pub indices: Vec<usize>,
    /// Input index of the knee point (`None` when the front is empty).
    pub knee: Option<usize>,
    /// Rows left out because an objective was NaN or infinite.
    pub excluded_non_finite: usize,
}

fn check_arity(values: &[f64], index: usize, dims: usize) -> Result<(), ParetoError> {
    if dims == 0 {
        return Err(ParetoError::NoObjectives);
    }
    if values.len() != dims {
        return Err(ParetoError::WrongArity {
            index,
            got: values.len(),
            expected: dims,
        });
    }
    Ok(())
}

fn oriented(values: &[f64], directions: &[Direction]) -> Vec<f64> {
    values
        .iter()
        .zip(directions)
        .map(|(v, d)| d.oriented(*v))
        .collect()
}

/// `a` dominates `b` (both oriented, smaller is better).
pub(crate) fn dominates(a: &[f64], b: &[f64]) -> bool {
    let mut strictly = false;
    for (x, y) in a.iter().zip(b) {
        if x > y {
            return false;
        }
        if x < y {
            strictly = true;
        }
    }
    strictly
}

/// Lexicographic order of oriented vectors (all finite), then by index.
fn lex_cmp(a: &[f64], ia: usize, b: &[f64], ib: usize) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        match x.total_cmp(y) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    ia.cmp(&ib)
}

/// The non-dominated subset of `points` (each with one value per direction), in front order,
/// with its knee. Points with a NaN or infinite value are excluded and counted.
pub fn pareto_front<P: AsRef<[f64]>>(
    points: &[P],
    directions: &[Direction],
) -> Result<ParetoFront, ParetoError> {
    if directions.is_empty() {
        return Err(ParetoError::NoObjectives);
    }
    let mut rows: Vec<(usize, Vec<f64>)> = Vec::with_capacity(points.len());
    let mut excluded = 0;
    for (i, p) in points.iter().enumerate() {
        let p = p.as_ref();
        check_arity(p, i, directions.len())?;
        if p.iter().all(|v| v.is_finite()) {
            rows.push((i, oriented(p, directions)));
        } else {
            excluded += 1;
        }
    }
    rows.sort_by(|(ia, a), (ib, b)| lex_cmp(a, *ia, b, *ib));
    let front: Vec<(usize, Vec<f64>)> = if directions.len() == 2 {
        front_2d_sorted(rows)
    } else {
        front_nd_sorted(rows)
    };
    let knee = knee_position(&front.iter().map(|(_, v)| v.as_slice()).collect::<Vec<_>>())
        .map(|k| front[k].0);
    Ok(ParetoFront {
        indices: front.into_iter().map(|(i, _)| i).collect(),
        knee,
        excluded_non_finite: excluded,
    })
}

/// Sweep over points sorted by (x, y, index): a point is on the front when it has the smallest
/// y among the points sharing its x, and that y is strictly below every y seen at smaller x.
fn front_2d_sorted(rows: Vec<(usize, Vec<f64>)>) -> Vec<(usize, Vec<f64>)> {
    let mut front = Vec::new();
    let mut best_prev_y = f64::INFINITY;
    let mut start = 0;
    while start < rows.len() {
        let x = rows[start].1[0];
        let mut end = start;
        while end < rows.len() && rows[end].1[0] == x {
            end += 1;
        }
        // Sorted by y within equal x: the group minimum comes first.
        let group_min_y = rows[start].1[1];
        if group_min_y < best_prev_y {
            for row in &rows[start..end] {
                if row.1[1] == group_min_y {
                    front.push(row.clone());
                }
            }
            best_prev_y = group_min_y;
        }
        start = end;
    }
    front
}

/// Points sorted lexicographically: a point can only be dominated by an earlier one, and if it
/// is dominated at all then (by transitivity over a finite set) by an earlier front point.
fn front_nd_sorted(rows: Vec<(usize, Vec<f64>)>) -> Vec<(usize, Vec<f64>)> {
    let mut front: Vec<(usize, Vec<f64>)> = Vec::new();
    for row in rows {
        if !front.iter().any(|(_, f)| dominates(f, &row.1)) {
            front.push(row);
        }
    }
    front
}

/// Position (in `front`, oriented values) of the knee: closest to the utopia point after
/// normalising each objective to [0, 1] over the front.
fn knee_position(front: &[&[f64]]) -> Option<usize> {
    let first = front.first()?;
    let dims = first.len();
    let mut lo = vec![f64::INFINITY; dims];
    let mut hi = vec![f64::NEG_INFINITY; dims];
    for p in front {
        for d in 0..dims {
            lo[d] = lo[d].min(p[d]);
            hi[d] = hi[d].max(p[d]);
        }
    }
    let mut best: Option<(usize, f64)> = None;
    for (k, p) in front.iter().enumerate() {
        let dist2: f64 = (0..dims)
            .map(|d| {
                let span = hi[d] - lo[d];
                // A span that overflows (values near f64::MAX) is treated as no spread.
                let t = if span > 0.0 && span.is_finite() {
                    (p[d] - lo[d]) / span
                } else {
                    0.0
                };
                t * t
            })
            .sum();
        if best.is_none_or(|(_, b)| dist2 < b) {
            best = Some((k, dist2));
        }
    }
    best.map(|(k, _)| k)
}

/// One front per group (e.g. per model or mapping); `groups[i]` labels `points[i]`. Indices in
/// each front refer to the whole input.
pub fn pareto_fronts_by_group<K: Ord + Clone, P: AsRef<[f64]>>(
    groups: &[K],
    points: &[P],
    directions: &[Direction],
) -> Result<BTreeMap<K, ParetoFront>, ParetoError> {
    if groups.len() != points.len() {
        return Err(ParetoError::GroupCount {
            groups: groups.len(),
            points: points.len(),
        });
    }
    let mut members: BTreeMap<K, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        members.entry(g.clone()).or_default().push(i);
    }
    let mut out = BTreeMap::new();
    for (g, idx) in members {
        let subset: Vec<&[f64]> = idx.iter().map(|&i| points[i].as_ref()).collect();
        let front = pareto_front(&subset, directions).map_err(|e| match e {
            ParetoError::WrongArity {
                index,
                got,
                expected,
            } => ParetoError::WrongArity {
                index: idx[index],
                got,
                expected,
            },
            other => other,
        })?;
        out.insert(
            g,
            ParetoFront {
                indices: front.indices.iter().map(|&k| idx[k]).collect(),
                knee: front.knee.map(|k| idx[k]),
                excluded_non_finite: front.excluded_non_finite,
            },
        );
    }
    Ok(out)
}

/// One member of an [`IncrementalFront`].
#[derive(Debug, Clone, PartialEq)]
pub struct FrontMember<T> {
    /// Position of the point in the insertion sequence (0-based, counting every insert).
    pub seq: u64,
    /// The objective values as given (not oriented).
    pub values: Vec<f64>,
    pub payload: T,
}

/// What [`IncrementalFront::insert`] did with a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    /// On the front; this many members it dominated were dropped.
    Added { removed: usize },
    /// Dominated by a member: not kept.
    Dominated,
    /// A NaN or infinite value: not kept, counted.
    NonFinite,
}

/// A front built one point at a time, keeping only non-dominated points (memory is the front,
/// not the rows). After inserting rows 0..n in order, [`IncrementalFront::into_sorted`] equals
/// the batch [`pareto_front`] of the same rows (same members, same order, `seq` = index).
#[derive(Debug, Clone)]
pub struct IncrementalFront<T> {
    directions: Vec<Direction>,
    members: Vec<(Vec<f64>, FrontMember<T>)>,
    next_seq: u64,
    excluded_non_finite: usize,
}

impl<T> IncrementalFront<T> {
    pub fn new(directions: Vec<Direction>) -> Result<Self, ParetoError> {
        if directions.is_empty() {
            return Err(ParetoError::NoObjectives);
        }
        Ok(IncrementalFront {
            directions,
            members: Vec::new(),
            next_seq: 0,
            excluded_non_finite: 0,
        })
    }

    pub fn directions(&self) -> &[Direction] {
        &self.directions
    }

    /// Offers a point. Its sequence number is the count of points offered before it.
    pub fn insert(&mut self, values: Vec<f64>, payload: T) -> Result<InsertOutcome, ParetoError> {
        check_arity(&values, self.next_seq as usize, self.directions.len())?;
        let seq = self.next_seq;
        self.next_seq += 1;
        if !values.iter().all(|v| v.is_finite()) {
            self.excluded_non_finite += 1;
            return Ok(InsertOutcome::NonFinite);
        }
        let o = oriented(&values, &self.directions);
        if self.members.iter().any(|(m, _)| dominates(m, &o)) {
            return Ok(InsertOutcome::Dominated);
        }
        let before = self.members.len();
        self.members.retain(|(m, _)| !dominates(&o, m));
        let removed = before - self.members.len();
        self.members.push((
            o,
            FrontMember {
                seq,
                values,
                payload,
            },
        ));
        Ok(InsertOutcome::Added { removed })
    }

    /// Points currently on the front (unordered).
    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Points offered so far, including dominated and non-finite ones.
    pub fn offered(&self) -> u64 {
        self.next_seq
    }

    pub fn excluded_non_finite(&self) -> usize {
        self.excluded_non_finite
    }

    /// The front in front order and the position of its knee in that list.
    pub fn into_sorted(self) -> (Vec<FrontMember<T>>, Option<usize>) {
        let mut members = self.members;
        members.sort_by(|(a, ma), (b, mb)| lex_cmp(a, ma.seq as usize, b, mb.seq as usize));
        let knee = knee_position(
            &members
                .iter()
                .map(|(o, _)| o.as_slice())
                .collect::<Vec<_>>(),
        );
        (members.into_iter().map(|(_, m)| m).collect(), knee)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::{Maximize as Max, Minimize as Min};

    #[test]
    fn two_d_front_by_hand() {
        // (latency, energy): (1,5) (2,3) (3,4) dominated by (2,3); (4,1); (2,3) duplicate.
        let pts = [
            [1.0, 5.0],
            [2.0, 3.0],
            [3.0, 4.0],
            [4.0, 1.0],
            [2.0, 3.0],
            [5.0, 1.0],
        ];
        let f = pareto_front(&pts, &[Min, Min]).unwrap();
        assert_eq!(f.indices, vec![0, 1, 4, 3]);
        assert_eq!(f.excluded_non_finite, 0);
        // Normalised over the front: x in [1,4], y in [1,5]. (2,3) -> (1/3, 1/2): d2 = 0.361;
        // (4,1) -> (1, 0): 1; (1,5) -> (0, 1): 1. Knee = first (2,3), index 1.
        assert_eq!(f.knee, Some(1));
    }

    #[test]
    fn maximised_objective_flips_the_front() {
        // (latency, tokens/s): higher tokens/s is better.
        let pts = [[1.0, 10.0], [2.0, 30.0], [3.0, 20.0]];
        let f = pareto_front(&pts, &[Min, Max]).unwrap();
        assert_eq!(f.indices, vec![0, 1]);
    }

    #[test]
    fn non_finite_rows_are_excluded_and_counted() {
        let pts = [
            [f64::NAN, 1.0],
            [1.0, 1.0],
            [0.0, f64::INFINITY],
            [0.5, 2.0],
        ];
        let f = pareto_front(&pts, &[Min, Min]).unwrap();
        assert_eq!(f.indices, vec![3, 1]);
        assert_eq!(f.excluded_non_finite, 2);
    }

    #[test]
    fn three_d_front_by_hand() {
        let pts = [
            [1.0, 1.0, 9.0],
            [1.0, 1.0, 9.0],
            [2.0, 2.0, 9.0], // dominated by the first
            [3.0, 0.5, 9.5],
            [0.5, 3.0, 1.0],
        ];
        let f = pareto_front(&pts, &[Min, Min, Min]).unwrap();
        assert_eq!(f.indices, vec![4, 0, 1, 3]);
        // Normalised over the front (x, y in [0.5, 3], z in [1, 9.5]): point 4 -> (0, 1, 0),
        // d2 = 1; point 0 -> (0.2, 0.2, 8/8.5), d2 = 0.966; point 3 -> (1, 0, 1), d2 = 2.
        // Point 0 and its duplicate 1 tie: the first in front order wins.
        assert_eq!(f.knee, Some(0));
    }

    #[test]
    fn errors_name_the_problem() {
        let pts = [vec![1.0, 2.0], vec![1.0]];
        assert_eq!(
            pareto_front(&pts, &[Min, Min]),
            Err(ParetoError::WrongArity {
                index: 1,
                got: 1,
                expected: 2
            })
        );
        assert_eq!(
            pareto_front::<[f64; 0]>(&[], &[]),
            Err(ParetoError::NoObjectives)
        );
        let g = pareto_fronts_by_group(&["a"], &[[1.0], [2.0]], &[Min]);
        assert!(matches!(g, Err(ParetoError::GroupCount { .. })));
    }

    #[test]
    fn groups_have_their_own_fronts_with_global_indices() {
        let groups = ["b", "a", "b", "a"];
        let pts = [[1.0, 1.0], [5.0, 5.0], [2.0, 2.0], [6.0, 4.0]];
        let fronts = pareto_fronts_by_group(&groups, &pts, &[Min, Min]).unwrap();
        assert_eq!(fronts["a"].indices, vec![1, 3]);
        assert_eq!(fronts["b"].indices, vec![0]);
        assert_eq!(fronts["b"].knee, Some(0));
    }

    #[test]
    fn incremental_keeps_only_the_front() {
        let mut inc = IncrementalFront::new(vec![Min, Min]).unwrap();
        assert_eq!(
            inc.insert(vec![3.0, 3.0], ()).unwrap(),
            InsertOutcome::Added { removed: 0 }
        );
        assert_eq!(
            inc.insert(vec![4.0, 4.0], ()).unwrap(),
            InsertOutcome::Dominated
        );
        assert_eq!(
            inc.insert(vec![f64::NAN, 0.0], ()).unwrap(),
            InsertOutcome::NonFinite
        );
        assert_eq!(
            inc.insert(vec![1.0, 1.0], ()).unwrap(),
            InsertOutcome::Added { removed: 1 }
        );
        assert_eq!(inc.len(), 1);
        assert_eq!(inc.offered(), 4);
        assert_eq!(inc.excluded_non_finite(), 1);
        let (members, knee) = inc.into_sorted();
        assert_eq!(members[0].seq, 3);
        assert_eq!(knee, Some(0));
    }

    #[test]
    fn metric_directions() {
        assert_eq!(metric_direction("decode_tokens_per_s"), Max);
        assert_eq!(metric_direction("e2e_tokens_per_j"), Max);
        assert_eq!(metric_direction("decode_s_per_token"), Min);
        assert_eq!(metric_direction("energy_j_per_token"), Min);
        assert_eq!(metric_direction("area_mm2"), Min);
        assert_eq!(metric_direction("energy_breakdown_j.dram"), Min);
    }
}
