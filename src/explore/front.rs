//! Fronts of a finished results file, read in one streaming pass (memory: the fronts, not the
//! rows): the Pareto front per model with its knee (`reports::pareto`), written as `pareto.csv`,
//! and the screening rule that picks the points worth a cycle-level run.
//!
//! Screening rule: a feasible point is a candidate when no point of its model's analytic front
//! is better than it by more than the margin `m` in every objective, i.e. there is no front
//! point `f` with `f_k * (1 + m) < p_k` for every minimised objective `k` and
//! `f_k > p_k * (1 + m)` for every maximised one. With `m = 0` that is the weakly non-dominated
//! set (the front and points tied with it in one objective); `m = 0.05` also admits every point
//! the analytic model could have misordered against the front by up to 5 % in each objective.
//!
//! Equivalently, with `b(p) = max over front points f ≠ p of (min over k of r_k(f, p)) - 1`,
//! where `r_k` is the ratio by which `f` beats `p` in objective `k` (`p_k / f_k` when
//! minimised, `f_k / p_k` when maximised), `p` is a candidate when `b(p) ≤ m` (the rule as
//! computed: ratios, which agree with the products above but for rounding in the last bit).
//!
//! Budget: only the `budget` candidates of each model closest to the front are refined, kept
//! in a heap of `budget` entries while the rows stream past. Closeness is the *gap*
//! `g(p) = min over front points f of (max over k of r_k(f, p)) - 1`: how much `p` would have to
//! improve in every objective at once to reach the front (0 on the front, never negative).
//! `b` alone cannot rank: when designs tie in one objective (DRAM-bound designs on decode time)
//! nearly every point has `b ≈ 0`, including points far worse in every other objective; the
//! gap ranks those last. Ties by id. The *effective margin* is the largest `e` such that every
//! candidate with `g ≤ e` was refined (the margin itself when the budget took every candidate).
//! A budget that covers the front refines every analytic front point, so whatever the
//! analytic model's error `ε` per objective, every skipped point is within about `2ε` in every
//! objective of a refined one (the front point that dominates it).

use super::csvio::line_id;
use super::csvio::{for_each_line, parse_line, CsvError, Layout};
use super::eval::{Evaluator, RowInfo};
use reports::pareto::{Direction, FrontMember, IncrementalFront};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::path::Path;

/// One model's front, in front order, and the knee's position in it.
pub struct ModelFront {
    pub model: usize,
    pub members: Vec<FrontMember<String>>,
    pub knee: Option<usize>,
}

/// Reads every row of `path` (sorted by id) and builds each model's front over the feasible,
/// error-free rows.
pub fn fronts(ev: &Evaluator, path: &Path) -> Result<Vec<ModelFront>, CsvError> {
    let mut per_model: Vec<IncrementalFront<String>> = Vec::new();
    for _ in &ev.spec.models {
        per_model.push(
            IncrementalFront::new(ev.directions().to_vec())
                .map_err(|e| bad(path, e.to_string()))?,
        );
    }
    for_each_row(ev, path, |info, line| {
        if info.eligible() {
            per_model[info.model]
                .insert(info.values.clone(), line.to_string())
                .map_err(|e| bad(path, e.to_string()))?;
        }
        Ok(())
    })?;
    Ok(per_model
        .into_iter()
        .enumerate()
        .map(|(model, f)| {
            let (members, knee) = f.into_sorted();
            ModelFront {
                model,
                members,
                knee,
            }
        })
        .collect())
}

/// How the screening of one model went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelScreen {
    pub model: String,
    /// Feasible points within the margin of the analytic front.
    pub candidates: u64,
    /// Of those, the ones sent to the cycle fidelity (at most the budget).
    pub refined: u64,
    /// Every candidate whose gap to the front (see the module doc) is at most this was
    /// refined; the margin when every candidate was; `None` when the budget ends inside a tie
    /// at the smallest gap.
    pub effective_margin: Option<f64>,
    /// Gap of the closest candidate not refined; `None` when every candidate was.
    pub closest_unrefined: Option<f64>,
}

/// The screening of a whole sweep: what the rule admitted and what was refined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreenSummary {
    pub margin: f64,
    /// Most points refined per model.
    pub budget_per_model: u64,
    pub candidates: u64,
    pub refined: u64,
    /// The smallest effective margin over the models (`None` if any model has none).
    pub effective_margin: Option<f64>,
    pub models: Vec<ModelScreen>,
}

impl ScreenSummary {
    /// One line for the end of a sweep or merge: what was admitted, refined, and guaranteed.
    pub fn describe(&self) -> String {
        let pct = |x: f64| format!("{:.3} %", x * 100.0);
        let mut text = format!(
            "screening: {} points within the {} margin of their analytic front, {} refined at cycle fidelity (budget {} per model); ",
            self.candidates,
            pct(self.margin),
            self.refined,
            self.budget_per_model
        );
        let closest = self
            .models
            .iter()
            .filter_map(|m| m.closest_unrefined)
            .min_by(f64::total_cmp);
        match (self.effective_margin, closest) {
            (Some(e), None) => {
                text.push_str(&format!("every point within {} was refined", pct(e)))
            }
            (Some(e), Some(c)) if e >= 0.0 => text.push_str(&format!(
                "every point within {} of the front in every objective was refined (effective margin; the closest not refined is {} away)",
                pct(e),
                pct(c)
            )),
            (Some(e), Some(_)) => text.push_str(&format!(
                "the budget does not cover the whole analytic front (effective margin {}); raise `screen_budget`",
                pct(e)
            )),
            (None, _) => text.push_str(
                "the budget ends inside a tie of points at the same distance from the front, so no margin is guaranteed; raise `screen_budget`",
            ),
        }
        text
    }
}

/// The ids to refine (increasing) and how they were chosen.
pub struct Screening {
    pub ids: Vec<u64>,
    pub summary: ScreenSummary,
}

/// A candidate in the selection heap: ordered by gap, then id (the largest on top, so it
/// is the one dropped when the heap holds more than the budget).
#[derive(Debug, Clone, Copy)]
struct Ranked {
    distance: f64,
    id: u64,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.distance
            .total_cmp(&other.distance)
            .then(self.id.cmp(&other.id))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

/// One model's selection: the `budget` smallest candidates seen so far, and the smallest one
/// dropped.
pub struct Selection {
    budget: usize,
    heap: BinaryHeap<Ranked>,
    candidates: u64,
    closest_dropped: Option<Ranked>,
}

impl Selection {
    pub fn new(budget: u64) -> Selection {
        let budget = usize::try_from(budget).unwrap_or(usize::MAX).max(1);
        Selection {
            budget,
            heap: BinaryHeap::with_capacity(budget.min(1 << 16) + 1),
            candidates: 0,
            closest_dropped: None,
        }
    }

    /// Offers candidate `id` at gap `distance` from the front.
    pub fn offer(&mut self, id: u64, distance: f64) {
        self.candidates += 1;
        self.heap.push(Ranked { distance, id });
        if self.heap.len() > self.budget {
            if let Some(dropped) = self.heap.pop() {
                if self.closest_dropped.is_none_or(|c| dropped < c) {
                    self.closest_dropped = Some(dropped);
                }
            }
        }
    }

    /// The chosen ids (increasing) and the model's figures.
    pub fn finish(self, model: &str, margin: f64) -> (Vec<u64>, ModelScreen) {
        let kept: Vec<Ranked> = self.heap.into_vec();
        let effective_margin = match self.closest_dropped {
            None => Some(margin),
            Some(c) => kept
                .iter()
                .map(|r| r.distance)
                .filter(|d| *d < c.distance)
                .max_by(f64::total_cmp),
        };
        let mut ids: Vec<u64> = kept.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let screen = ModelScreen {
            model: model.to_string(),
            candidates: self.candidates,
            refined: ids.len() as u64,
            effective_margin,
            closest_unrefined: self.closest_dropped.map(|c| c.distance),
        };
        (ids, screen)
    }
}

/// The points of `path` that the screening rule sends to the cycle fidelity: per model, the
/// `budget` candidates within `margin` with the smallest gap to the analytic front (ties by id).
pub fn screen_candidates(
    ev: &Evaluator,
    path: &Path,
    fronts: &[ModelFront],
    margin: f64,
    budget: u64,
) -> Result<Screening, CsvError> {
    let front_points: Vec<Vec<(u64, &[f64])>> = fronts
        .iter()
        .map(|f| {
            f.members
                .iter()
                .map(|m| (line_id(&m.payload).unwrap_or(u64::MAX), m.values.as_slice()))
                .collect()
        })
        .collect();
    let mut selections: Vec<Selection> = ev
        .spec
        .models
        .iter()
        .map(|_| Selection::new(budget))
        .collect();
    for_each_row(ev, path, |info, _| {
        if info.eligible() {
            let d = front_distance(
                info.id,
                &info.values,
                &front_points[info.model],
                ev.directions(),
            );
            if d <= margin {
                let gap = front_gap(&info.values, &front_points[info.model], ev.directions());
                selections[info.model].offer(info.id, gap);
            }
        }
        Ok(())
    })?;
    let mut ids = Vec::new();
    let mut models = Vec::new();
    for (sel, name) in selections.into_iter().zip(&ev.spec.models) {
        let (chosen, screen) = sel.finish(name, margin);
        ids.extend(chosen);
        models.push(screen);
    }
    ids.sort_unstable();
    let effective_margin = models
        .iter()
        .map(|m| m.effective_margin)
        .try_fold(margin, |acc, e| e.map(|e| acc.min(e)));
    Ok(Screening {
        ids,
        summary: ScreenSummary {
            margin,
            budget_per_model: budget,
            candidates: models.iter().map(|m| m.candidates).sum(),
            refined: models.iter().map(|m| m.refined).sum(),
            effective_margin,
            models,
        },
    })
}

/// `b(p)` of the module doc: how far the front points other than `id` beat `values` in their
/// worst objective, at least -1 (no other front point, or none comes near).
pub fn front_distance(
    id: u64,
    values: &[f64],
    front: &[(u64, &[f64])],
    directions: &[Direction],
) -> f64 {
    front
        .iter()
        .filter(|(fid, _)| *fid != id)
        .map(|(_, f)| beat_ratios(f, values, directions).fold(f64::INFINITY, f64::min) - 1.0)
        .fold(-1.0, f64::max)
}

/// `g(p)` of the module doc: the least factor, minus 1, by which `values` would have to improve
/// in every objective at once to reach a front point; 0 on the front, never below 0.
pub fn front_gap(values: &[f64], front: &[(u64, &[f64])], directions: &[Direction]) -> f64 {
    front
        .iter()
        .map(|(_, f)| beat_ratios(f, values, directions).fold(f64::NEG_INFINITY, f64::max) - 1.0)
        .fold(f64::INFINITY, f64::min)
        .max(0.0)
}

/// Per objective, the ratio by which front point `f` beats `values` (see [`beat_ratio`]).
fn beat_ratios<'a>(
    f: &'a [f64],
    values: &'a [f64],
    directions: &'a [Direction],
) -> impl Iterator<Item = f64> + 'a {
    f.iter()
        .zip(values)
        .zip(directions)
        .map(|((fv, pv), d)| match d {
            Direction::Minimize => beat_ratio(*pv, *fv),
            Direction::Maximize => beat_ratio(*fv, *pv),
        })
}

/// `num / den`, the ratio by which a front point beats a point in one objective (> 1: it is
/// better). Where `den` is 0 or less and no ratio says it: infinite when `num > den` (better by
/// any margin, as `f * (1 + m) < p` says for a minimised objective), else 1.
fn beat_ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 {
        num / den
    } else if num > den {
        f64::INFINITY
    } else {
        1.0
    }
}

/// Writes `pareto.csv`: the results columns plus `knee`, each model's front in front order.
pub fn write_pareto(
    layout: &Layout,
    fronts: &[ModelFront],
    path: &Path,
) -> Result<usize, CsvError> {
    let mut text = layout.header_line().trim_end_matches('\n').to_string();
    text.push_str(",knee\n");
    let mut rows = 0;
    for f in fronts {
        for (pos, m) in f.members.iter().enumerate() {
            text.push_str(&m.payload);
            text.push(',');
            text.push_str(if f.knee == Some(pos) { "true" } else { "false" });
            text.push('\n');
            rows += 1;
        }
    }
    crate::explore::write_atomic(path, text.as_bytes()).map_err(|source| CsvError::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(rows)
}

/// Calls `f` for each row of a results file with the row read back and its line.
pub fn for_each_row(
    ev: &Evaluator,
    path: &Path,
    mut f: impl FnMut(&RowInfo, &str) -> Result<(), CsvError>,
) -> Result<(), CsvError> {
    for_each_line(path, |line| {
        // Rows without quotes (all but some error rows) split at commas without a copy.
        let info = if line.contains(['"', '\r', '\n']) {
            ev.read_row(&parse_line(line).unwrap_or_default())
        } else {
            ev.read_row(&line.split(',').collect::<Vec<&str>>())
        };
        let info = info.ok_or_else(|| {
            bad(
                path,
                format!(
                    "a row that does not fit this sweep's columns: `{}`",
                    line.chars().take(80).collect::<String>()
                ),
            )
        })?;
        f(&info, line)
    })
}

fn bad(path: &Path, message: String) -> CsvError {
    CsvError::Bad {
        path: path.display().to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The front by definition: the points no other point dominates (equal points all stay).
    fn brute_front(points: &[Vec<f64>]) -> Vec<usize> {
        (0..points.len())
            .filter(|&i| {
                !points.iter().any(|q| {
                    q.iter().zip(&points[i]).all(|(a, b)| a <= b)
                        && q.iter().zip(&points[i]).any(|(a, b)| a < b)
                })
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// The selection is exactly the `budget` candidates with the smallest (gap, id), the
        /// candidates are the margin rule's, and the effective margin holds.
        #[test]
        fn budget_keeps_the_candidates_closest_to_the_front(
            raw in proptest::collection::vec((1u32..12, 1u32..12), 1..60),
            budget in 1u64..12,
            margin_tenths in 0u32..8,
            rotate in 0usize..60,
        ) {
            let margin = f64::from(margin_tenths) / 10.0;
            let points: Vec<Vec<f64>> =
                raw.iter().map(|(a, b)| vec![f64::from(*a), f64::from(*b)]).collect();
            let front_ids = brute_front(&points);
            let front: Vec<(u64, &[f64])> =
                front_ids.iter().map(|&i| (i as u64, points[i].as_slice())).collect();
            let dirs = [Direction::Minimize, Direction::Minimize];
            // b(p) written out: the largest over the other front points of the smallest ratio
            // p_k / f_k, minus 1, at least -1.
            let reference = |i: usize| -> f64 {
                let mut b = -1.0f64;
                for &j in &front_ids {
                    if j != i {
                        let r = (points[i][0] / points[j][0]).min(points[i][1] / points[j][1]);
                        b = b.max(r - 1.0);
                    }
                }
                b
            };
            // g(p) written out: the smallest over the front points of the largest ratio.
            let gap = |i: usize| -> f64 {
                front_ids
                    .iter()
                    .map(|&j| (points[i][0] / points[j][0]).max(points[i][1] / points[j][1]) - 1.0)
                    .fold(f64::INFINITY, f64::min)
            };
            let mut candidates: Vec<(f64, u64)> = Vec::new();
            let mut sel = Selection::new(budget);
            // Offer in a rotated order: the result must not depend on it.
            let n = points.len();
            for k in 0..n {
                let i = (k + rotate) % n;
                let d = front_distance(i as u64, &points[i], &front, &dirs);
                prop_assert_eq!(d, reference(i));
                let g = front_gap(&points[i], &front, &dirs);
                prop_assert_eq!(g, gap(i));
                prop_assert!(g >= 0.0);
                prop_assert_eq!(g == 0.0, front_ids.contains(&i) || front.iter().any(|(_, f)| *f == points[i].as_slice()));
                // The margin rule as products (no front point beats p by more than the margin
                // in every objective) admits the same points, but for rounding at the margin
                // (8 / 5 - 1 > 0.6 while 5 * 1.6 = 8).
                let beaten = front.iter().any(|(fid, f)| {
                    *fid != i as u64 && f.iter().zip(&points[i]).all(|(fv, pv)| fv * (1.0 + margin) < *pv)
                });
                if (d - margin).abs() > 1e-9 {
                    prop_assert_eq!(d <= margin, !beaten, "point {} at {}", i, d);
                }
                if d <= margin {
                    candidates.push((g, i as u64));
                    sel.offer(i as u64, g);
                }
            }
            for &i in &front_ids {
                prop_assert!(reference(i) <= 0.0);
            }
            candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut expected: Vec<u64> =
                candidates.iter().take(budget as usize).map(|c| c.1).collect();
            expected.sort_unstable();
            let (ids, screen) = sel.finish("m", margin);
            prop_assert_eq!(&ids, &expected);
            prop_assert_eq!(screen.candidates, candidates.len() as u64);
            prop_assert_eq!(screen.refined, expected.len() as u64);
            match screen.effective_margin {
                Some(e) => {
                    // Every candidate within e was refined, and e is reached by one of them.
                    for (d, id) in &candidates {
                        if *d <= e {
                            prop_assert!(ids.contains(id), "{} at {} <= {}", id, d, e);
                        }
                    }
                    prop_assert!(e == margin || candidates.iter().any(|(d, id)| *d == e && ids.contains(id)));
                }
                None => {
                    // Only when the budget ends inside a tie at the smallest gap.
                    prop_assert!(candidates.len() > budget as usize);
                    prop_assert_eq!(candidates[0].0, candidates[budget as usize].0);
                }
            }
            let dropped = candidates.get(budget as usize).map(|c| c.0);
            prop_assert_eq!(screen.closest_unrefined, dropped);
        }
    }

    #[test]
    fn distance_handles_maximised_and_zero_objectives() {
        let front: Vec<(u64, &[f64])> = vec![(0, &[2.0, 10.0]), (1, &[4.0, 20.0])];
        let dirs = [Direction::Minimize, Direction::Maximize];
        // Point 2 = (3, 5): point 0 beats it by 3/2 and 10/5 → min 1.5; point 1 by 0.75 and 4.
        let d = front_distance(2, &[3.0, 5.0], &front, &dirs);
        assert!((d - 0.5).abs() < 1e-12, "{d}");
        // A front point's distance comes from the others only: point 0 against point 1.
        let d0 = front_distance(0, &[2.0, 10.0], &front, &dirs);
        assert!((d0 - (0.5f64.min(2.0) - 1.0)).abs() < 1e-12, "{d0}");
        // A lone front point is at -1.
        assert_eq!(front_distance(0, &[2.0, 10.0], &front[..1], &dirs), -1.0);
        // A zero minimised value beats any positive one by any margin; an equal zero ties.
        let zero: Vec<(u64, &[f64])> = vec![(0, &[0.0, 10.0])];
        assert_eq!(front_distance(1, &[1.0, 5.0], &zero, &dirs), 1.0);
        assert_eq!(front_distance(1, &[0.0, 5.0], &zero, &dirs), 0.0);
    }
}
