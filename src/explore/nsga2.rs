//! NSGA-II (Deb et al., 2002) over discrete genomes: one value index per parameter.
//! Fast non-dominated sorting with Deb's constrained domination (a feasible point beats an
//! infeasible one; two infeasible points compare by total violation), crowding distance,
//! binary tournament selection, uniform crossover and per-gene mutation (half the time a step to
//! a neighbouring value, half the time any value, since the values of a parameter are ordered).
//! Seeded and deterministic: every tie is broken by position, and the caller evaluates a whole
//! generation at once (in parallel) and hands back the results in order.

use super::search::Rng;
use std::cmp::Ordering;

/// What the search knows of an evaluated genome: objectives (all minimised) and the total
/// constraint violation (0 = feasible; infinite for a point that could not be run).
#[derive(Debug, Clone, PartialEq)]
pub struct Fitness {
    pub objectives: Vec<f64>,
    pub violation: f64,
}

#[derive(Debug, Clone, Copy)]
pub struct Nsga2Config {
    pub population: usize,
    pub generations: usize,
    pub seed: u64,
    /// Probability that a pair of parents is crossed over.
    pub crossover_prob: f64,
    /// Per-gene mutation probability; `None` = 1 / number of genes.
    pub mutation_prob: Option<f64>,
}

/// One member of the population.
#[derive(Debug, Clone, PartialEq)]
pub struct Individual {
    pub genes: Vec<usize>,
    pub fitness: Fitness,
}

/// Constrained domination: `a` beats `b`.
pub fn dominates(a: &Fitness, b: &Fitness) -> bool {
    match (a.violation > 0.0, b.violation > 0.0) {
        (false, true) => true,
        (true, false) => false,
        (true, true) => a.violation < b.violation,
        (false, false) => {
            let mut strictly = false;
            for (x, y) in a.objectives.iter().zip(&b.objectives) {
                if x > y {
                    return false;
                }
                if x < y {
                    strictly = true;
                }
            }
            strictly
        }
    }
}

/// Fast non-dominated sort: the fronts as lists of indices, best first, each in index order.
pub fn non_dominated_sort(pop: &[Fitness]) -> Vec<Vec<usize>> {
    let n = pop.len();
    let mut dominated_by: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut count = vec![0usize; n];
    for i in 0..n {
        for j in i + 1..n {
            if dominates(&pop[i], &pop[j]) {
                dominated_by[i].push(j);
                count[j] += 1;
            } else if dominates(&pop[j], &pop[i]) {
                dominated_by[j].push(i);
                count[i] += 1;
            }
        }
    }
    let mut fronts = Vec::new();
    let mut current: Vec<usize> = (0..n).filter(|&i| count[i] == 0).collect();
    while !current.is_empty() {
        let mut next = Vec::new();
        for &i in &current {
            for &j in &dominated_by[i] {
                count[j] -= 1;
                if count[j] == 0 {
                    next.push(j);
                }
            }
        }
        next.sort_unstable();
        fronts.push(std::mem::take(&mut current));
        current = next;
    }
    fronts
}

/// Crowding distance of each member of `front` (indices into `pop`), in the order of `front`.
/// Boundary points get infinity; an objective with no spread adds nothing.
pub fn crowding_distance(pop: &[Fitness], front: &[usize]) -> Vec<f64> {
    let mut dist = vec![0.0; front.len()];
    if front.len() <= 2 {
        return vec![f64::INFINITY; front.len()];
    }
    let k = pop[front[0]].objectives.len();
    for m in 0..k {
        let mut order: Vec<usize> = (0..front.len()).collect();
        let value = |p: usize| pop[front[p]].objectives[m];
        order.sort_by(|&a, &b| value(a).total_cmp(&value(b)).then(a.cmp(&b)));
        let (lo, hi) = (value(order[0]), value(order[order.len() - 1]));
        dist[order[0]] = f64::INFINITY;
        dist[order[order.len() - 1]] = f64::INFINITY;
        let span = hi - lo;
        if !(span > 0.0 && span.is_finite()) {
            continue;
        }
        for w in 1..order.len() - 1 {
            dist[order[w]] += (value(order[w + 1]) - value(order[w - 1])) / span;
        }
    }
    dist
}

/// Rank (front number) and crowding distance of every member.
fn rank_and_crowd(pop: &[Fitness]) -> (Vec<usize>, Vec<f64>) {
    let mut rank = vec![0; pop.len()];
    let mut crowd = vec![0.0; pop.len()];
    for (r, front) in non_dominated_sort(pop).iter().enumerate() {
        for (i, d) in front.iter().zip(crowding_distance(pop, front)) {
            rank[*i] = r;
            crowd[*i] = d;
        }
    }
    (rank, crowd)
}

/// Runs NSGA-II over genomes with `radix[g]` values for gene `g`. `evaluate` gets one generation
/// of genomes and returns their fitness in the same order. Returns the final population (the
/// best `population` of parents and offspring), best front first.
pub fn run<E>(
    radix: &[usize],
    cfg: &Nsga2Config,
    mut evaluate: impl FnMut(&[Vec<usize>]) -> Result<Vec<Fitness>, E>,
) -> Result<Vec<Individual>, E> {
    let mut rng = Rng::new(cfg.seed);
    let size = cfg.population.max(2);
    let genes = radix.len();
    let pm = cfg.mutation_prob.unwrap_or(1.0 / genes.max(1) as f64);
    let random_genome = |rng: &mut Rng| -> Vec<usize> {
        radix
            .iter()
            .map(|&r| rng.below(r.max(1) as u64) as usize)
            .collect()
    };
    let init: Vec<Vec<usize>> = (0..size).map(|_| random_genome(&mut rng)).collect();
    let fit = evaluate(&init)?;
    let mut pop: Vec<Individual> = init
        .into_iter()
        .zip(fit)
        .map(|(genes, fitness)| Individual { genes, fitness })
        .collect();

    for _ in 0..cfg.generations {
        let fits: Vec<Fitness> = pop.iter().map(|i| i.fitness.clone()).collect();
        let (rank, crowd) = rank_and_crowd(&fits);
        let better = |a: usize, b: usize| match rank[a].cmp(&rank[b]) {
            Ordering::Less => a,
            Ordering::Greater => b,
            Ordering::Equal => {
                if crowd[b] > crowd[a] {
                    b
                } else {
                    a
                }
            }
        };
        let tournament = |rng: &mut Rng| {
            let a = rng.below(pop.len() as u64) as usize;
            let b = rng.below(pop.len() as u64) as usize;
            better(a, b)
        };
        let mut children: Vec<Vec<usize>> = Vec::with_capacity(size);
        while children.len() < size {
            let p1 = tournament(&mut rng);
            let p2 = tournament(&mut rng);
            let mut c1 = pop[p1].genes.clone();
            let mut c2 = pop[p2].genes.clone();
            if rng.unit() < cfg.crossover_prob {
                for g in 0..genes {
                    if rng.unit() < 0.5 {
                        std::mem::swap(&mut c1[g], &mut c2[g]);
                    }
                }
            }
            for c in [&mut c1, &mut c2] {
                mutate(c, radix, pm, &mut rng);
            }
            children.push(c1);
            if children.len() < size {
                children.push(c2);
            }
        }
        let fit = evaluate(&children)?;
        pop.extend(
            children
                .into_iter()
                .zip(fit)
                .map(|(genes, fitness)| Individual { genes, fitness }),
        );
        pop = select(pop, size);
    }
    let fits: Vec<Fitness> = pop.iter().map(|i| i.fitness.clone()).collect();
    let order: Vec<usize> = non_dominated_sort(&fits).concat();
    Ok(order.into_iter().map(|i| pop[i].clone()).collect())
}

fn mutate(genes: &mut [usize], radix: &[usize], pm: f64, rng: &mut Rng) {
    for (g, &r) in genes.iter_mut().zip(radix) {
        if r <= 1 || rng.unit() >= pm {
            continue;
        }
        if rng.unit() < 0.5 {
            // A neighbouring value: small moves along an ordered parameter.
            *g = if *g == 0 || (*g + 1 < r && rng.unit() < 0.5) {
                *g + 1
            } else {
                *g - 1
            };
        } else {
            *g = rng.below(r as u64) as usize;
        }
    }
}

/// Environmental selection: whole fronts while they fit, then the least crowded of the next.
fn select(pop: Vec<Individual>, size: usize) -> Vec<Individual> {
    let fits: Vec<Fitness> = pop.iter().map(|i| i.fitness.clone()).collect();
    let mut keep: Vec<usize> = Vec::with_capacity(size);
    for front in non_dominated_sort(&fits) {
        if keep.len() + front.len() <= size {
            keep.extend(&front);
            continue;
        }
        let crowd = crowding_distance(&fits, &front);
        let mut order: Vec<usize> = (0..front.len()).collect();
        order.sort_by(|&a, &b| crowd[b].total_cmp(&crowd[a]).then(a.cmp(&b)));
        keep.extend(order.iter().take(size - keep.len()).map(|&p| front[p]));
        break;
    }
    keep.into_iter().map(|i| pop[i].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(o: &[f64]) -> Fitness {
        Fitness {
            objectives: o.to_vec(),
            violation: 0.0,
        }
    }

    #[test]
    fn sorting_by_hand() {
        let pop = [
            f(&[1.0, 4.0]),
            f(&[2.0, 2.0]),
            f(&[3.0, 3.0]),
            f(&[4.0, 1.0]),
            f(&[5.0, 5.0]),
        ];
        assert_eq!(
            non_dominated_sort(&pop),
            vec![vec![0, 1, 3], vec![2], vec![4]]
        );
        let infeasible = Fitness {
            objectives: vec![0.0, 0.0],
            violation: 0.5,
        };
        let worse = Fitness {
            objectives: vec![0.0, 0.0],
            violation: 2.0,
        };
        assert!(dominates(&pop[4], &infeasible));
        assert!(dominates(&infeasible, &worse));
        assert!(!dominates(&pop[0], &pop[3]));
    }

    #[test]
    fn crowding_by_hand() {
        // Front (1,4) (2,2) (4,1): spans 3 and 3; middle gets (4-1)/3 + (4-1)/3 = 2.
        let pop = [f(&[1.0, 4.0]), f(&[2.0, 2.0]), f(&[4.0, 1.0])];
        let d = crowding_distance(&pop, &[0, 1, 2]);
        assert!(d[0].is_infinite() && d[2].is_infinite());
        assert!((d[1] - 2.0).abs() < 1e-12);
    }

    /// Two objectives over a 2-gene grid: x = g0, y = 20 - g0 + g1. The front is g1 = 0.
    fn toy(genomes: &[Vec<usize>]) -> Result<Vec<Fitness>, ()> {
        Ok(genomes
            .iter()
            .map(|g| f(&[g[0] as f64, 20.0 - g[0] as f64 + g[1] as f64]))
            .collect())
    }

    #[test]
    fn deterministic_for_a_seed_and_converges() {
        let cfg = Nsga2Config {
            population: 24,
            generations: 30,
            seed: 9,
            crossover_prob: 0.9,
            mutation_prob: None,
        };
        let a = run(&[21, 21], &cfg, toy).unwrap();
        let b = run(&[21, 21], &cfg, toy).unwrap();
        assert_eq!(a, b);
        let c = run(&[21, 21], &Nsga2Config { seed: 10, ..cfg }, toy).unwrap();
        assert_ne!(a, c);
        // After 30 generations every member is on the true front (g1 = 0) and they spread.
        assert!(
            a.iter().all(|i| i.genes[1] == 0),
            "{:?}",
            a.iter().map(|i| &i.genes).collect::<Vec<_>>()
        );
        let mut xs: Vec<usize> = a.iter().map(|i| i.genes[0]).collect();
        xs.sort_unstable();
        xs.dedup();
        assert!(xs.len() >= 12, "spread {xs:?}");
    }
}
