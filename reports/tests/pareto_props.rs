//! Property tests of the Pareto front against its definition: small integer grids so ties and
//! duplicates are common, a few non-finite rows, 2 and 3 objectives in either direction.

use proptest::prelude::*;
use reports::pareto::{pareto_front, Direction, IncrementalFront};

fn oriented(p: &[f64], dirs: &[Direction]) -> Vec<f64> {
    p.iter()
        .zip(dirs)
        .map(|(v, d)| match d {
            Direction::Minimize => *v,
            Direction::Maximize => -*v,
        })
        .collect()
}

/// Definition of dominance, written independently of the library.
fn dominates(a: &[f64], b: &[f64], dirs: &[Direction]) -> bool {
    let (a, b) = (oriented(a, dirs), oriented(b, dirs));
    a.iter().zip(&b).all(|(x, y)| x <= y) && a.iter().zip(&b).any(|(x, y)| x < y)
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        20 => (0u8..6).prop_map(f64::from),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
    ]
}

fn direction() -> impl Strategy<Value = Direction> {
    prop_oneof![Just(Direction::Minimize), Just(Direction::Maximize)]
}

/// (directions, points) with 2 or 3 objectives and up to 40 points.
fn case() -> impl Strategy<Value = (Vec<Direction>, Vec<Vec<f64>>)> {
    (2usize..=3).prop_flat_map(|dims| {
        (
            prop::collection::vec(direction(), dims),
            prop::collection::vec(prop::collection::vec(value(), dims), 0..40),
        )
    })
}

fn finite(p: &[f64]) -> bool {
    p.iter().all(|v| v.is_finite())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn front_matches_the_definition((dirs, pts) in case()) {
        let f = pareto_front(&pts, &dirs).unwrap();
        let on_front: std::collections::BTreeSet<usize> = f.indices.iter().copied().collect();
        prop_assert_eq!(on_front.len(), f.indices.len(), "no index twice");
        prop_assert_eq!(f.excluded_non_finite, pts.iter().filter(|p| !finite(p)).count());
        for &i in &f.indices {
            prop_assert!(finite(&pts[i]));
            // No point on the front is dominated by any finite point.
            for q in pts.iter().filter(|q| finite(q)) {
                prop_assert!(!dominates(q, &pts[i], &dirs), "front point {} dominated", i);
            }
        }
        for (i, p) in pts.iter().enumerate() {
            if finite(p) && !on_front.contains(&i) {
                // Every finite point off the front is dominated by a point on it.
                prop_assert!(
                    f.indices.iter().any(|&j| dominates(&pts[j], p, &dirs)),
                    "point {} off the front but not dominated by it", i
                );
            }
        }
        // Knee on the front exactly when the front is non-empty.
        prop_assert_eq!(f.knee.is_some(), !f.indices.is_empty());
        if let Some(k) = f.knee {
            prop_assert!(on_front.contains(&k));
        }
        // Front order: lexicographic in oriented values, then index.
        for w in f.indices.windows(2) {
            let (a, b) = (oriented(&pts[w[0]], &dirs), oriented(&pts[w[1]], &dirs));
            prop_assert!(a < b || (a == b && w[0] < w[1]));
        }
    }

    #[test]
    fn front_of_merged_fronts_is_front_of_whole(
        (dirs, pts) in case(),
        split_at in 0usize..40,
    ) {
        let split = split_at.min(pts.len());
        let (a, b) = pts.split_at(split);
        let fa = pareto_front(a, &dirs).unwrap();
        let fb = pareto_front(b, &dirs).unwrap();
        // Union of the two fronts, remembering each point's index in the whole.
        let mut union_idx: Vec<usize> = fa.indices.clone();
        union_idx.extend(fb.indices.iter().map(|i| i + split));
        union_idx.sort_unstable();
        let union_pts: Vec<&Vec<f64>> = union_idx.iter().map(|&i| &pts[i]).collect();
        let merged = pareto_front(&union_pts, &dirs).unwrap();
        let merged_idx: Vec<usize> = merged.indices.iter().map(|&k| union_idx[k]).collect();
        let whole = pareto_front(&pts, &dirs).unwrap();
        prop_assert_eq!(&merged_idx, &whole.indices);
        prop_assert_eq!(merged.knee.map(|k| union_idx[k]), whole.knee);
    }

    #[test]
    fn incremental_equals_batch((dirs, pts) in case()) {
        let mut inc = IncrementalFront::new(dirs.clone()).unwrap();
        for (i, p) in pts.iter().enumerate() {
            inc.insert(p.clone(), i).unwrap();
            // Memory never exceeds the front so far.
            let so_far = pareto_front(&pts[..=i], &dirs).unwrap();
            prop_assert_eq!(inc.len(), so_far.indices.len());
        }
        let batch = pareto_front(&pts, &dirs).unwrap();
        prop_assert_eq!(inc.excluded_non_finite(), batch.excluded_non_finite);
        let (members, knee) = inc.into_sorted();
        let seqs: Vec<usize> = members.iter().map(|m| m.seq as usize).collect();
        prop_assert_eq!(&seqs, &batch.indices);
        for m in &members {
            prop_assert_eq!(m.payload, m.seq as usize);
            prop_assert_eq!(&m.values, &pts[m.payload]);
        }
        prop_assert_eq!(knee.map(|k| seqs[k]), batch.knee);
    }
}
