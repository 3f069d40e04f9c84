//! The symbolic engine: every path decided for all its starting states at once.
//!
//! `check` used to enumerate concrete starting states, whose number doubles with every
//! independent fact a catalog adds. Here each starting state is a valuation of Boolean
//! variables ([`encode`]), each attribute of each host after each step is a Boolean function
//! of them, kept as a binary decision diagram ([`sym`]), and a path's outcome is a partition of
//! the starting states into five diagrams ([`run`]). The cost follows how the rules interact,
//! not how many states there are: a hundred independent inhibitors, each cleared by its own
//! step, stay a hundred small diagrams.
//!
//! Why BDDs rather than a SAT solver: `check` needs more than one satisfying state. It needs
//! the exact number of starting states per outcome, every outcome's region intersected with
//! declared cases, articles' scopes and constraints, and a readable witness of each — counting
//! and partitioning are what BDDs do in one pass; a SAT solver would need a #SAT or all-SAT
//! loop per question. We use `biodivine-lib-bdd`: maintained, pure Rust, self-contained
//! diagrams (no global manager), exact counts, a node limit per operation.
//!
//! Exact: the outcome of every starting state over the tracked attributes, and the counts.
//! A budget: [`sym::NODE_LIMIT`] nodes per diagram; past it `check` says which step and rule
//! it was evaluating, rather than guessing.

pub mod encode;
pub mod run;
pub mod sym;

pub use run::{Run, StepInfo, Stop, TooLarge, run};

use crate::model::*;

/// Every real starting state of a path (its existing hosts' states), up to `limit` of them:
/// for tests and small catalogs, where a list is easier to read than a diagram. `None` when
/// the path's rules exceed the budget.
pub fn starting_states(cat: &Catalog, path: &MigrationPath, limit: usize) -> Option<Vec<Vec<crate::eval::HostState>>> {
    let r = run(cat, path, &[], sym::NODE_LIMIT).ok()?;
    Some(
        r.domain
            .sat_valuations()
            .take(limit)
            .map(|v| {
                let value = |b: u16| v.value(biodivine_lib_bdd::BddVariable::from_index(b as usize));
                encode::decode(cat, &r.layout, &value)
            })
            .collect(),
    )
}

/// Whether `cond` holds on some real host: valid versions, `part_of`, and (if asked) the
/// catalog's constraints. `Err` when the budget runs out.
pub fn satisfiable(cat: &Catalog, cond: &Cond, constraints: bool) -> Result<bool, TooLarge> {
    satisfiable_as(cat, cond, constraints, None)
}

/// [`satisfiable`] on a host with a role in its path.
pub fn satisfiable_as(cat: &Catalog, cond: &Cond, constraints: bool, role: Option<RoleIdx>) -> Result<bool, TooLarge> {
    let mut attrs = Vec::new();
    cond.attrs(cat, &mut attrs);
    if constraints {
        encode::close(cat, &mut attrs);
    } else {
        // Parents and the inputs of derived components only.
        let mut i = 0;
        while i < attrs.len() {
            if let Attr::Comp(c) = attrs[i] {
                let comp = &cat.components[c.idx()];
                if let Some(p) = comp.part_of {
                    if !attrs.contains(&Attr::Comp(p)) {
                        attrs.push(Attr::Comp(p));
                    }
                }
                if let Some(d) = &comp.derived {
                    d.attrs(cat, &mut attrs);
                }
            }
            i += 1;
        }
    }
    let layout = encode::Layout::single(cat, attrs, cond);
    if layout.num_vars >= u16::MAX - 2 {
        return Err(TooLarge { at: "a condition with too many components".into(), nodes: 0 });
    }
    let mut eng = sym::Engine::new(cat, layout.num_vars, sym::NODE_LIMIT);
    eng.context = "a condition".into();
    let host = eng.existing_host(&layout, 0, role);
    let which = if constraints { run::Constraints::Bearing(&layout.attrs) } else { run::Constraints::None };
    let d = run::host_domain(&mut eng, &layout.hosts[0], &host, &Cond::True, which);
    let c = eng.cond(cond, &host);
    let both = eng.and(&d, &c);
    if let Some(at) = eng.blown {
        return Err(TooLarge { at, nodes: sym::NODE_LIMIT });
    }
    Ok(!both.is_false())
}
