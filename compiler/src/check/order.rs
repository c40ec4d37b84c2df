//! Dependency graphs of rules and of parameter values: topological order and cycles.
//!
//! The graph is read from the syntax (every name that resolves to a rule, through aggregates and
//! household access alike) before any type is known, with the resolver the checker uses, so it
//! is exactly the graph of the typed program. Its topological order is both the order in which
//! rules are checked (an untyped rule's type is known before any use) and [`Program::order`]:
//! among rules ready at the same time the lowest id goes first, and validation rules have the
//! lowest ids, so they come first.
//!
//! [`Program::order`]: crate::tir::Program::order

use super::decls::Decls;
use super::error::{TypeError, elsewhere, labeled, same_file};
use super::types::push_with;
use crate::diagnostic::Diagnostic;
use pol_grammar::Span;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// For each node, the nodes it uses, each once, with the first place it is used.
pub(super) type Graph = Vec<Vec<(usize, Span)>>;

/// The rule graph: `graph[r]` lists the rules rule `r` uses.
pub(super) fn rule_graph(decls: &Decls<'_>) -> Graph {
    decls
        .rules
        .iter()
        .map(|plan| {
            let refs = plan.bodies().flat_map(|body| decls.rule_refs(plan.entity, body));
            dedup(refs.map(|(id, span)| (id.0 as usize, span)))
        })
        .collect()
}

/// The parameter graph: `graph[p]` lists the parameters the values of `p` use.
pub(super) fn param_graph(decls: &Decls<'_>) -> Graph {
    decls
        .params
        .iter()
        .map(|param| {
            let refs = param
                .decl
                .values
                .iter()
                .filter_map(|value| value.value.as_ref())
                .flat_map(|value| decls.param_refs(value));
            dedup(refs.map(|(id, span)| (id.0 as usize, span)))
        })
        .collect()
}

fn dedup(refs: impl Iterator<Item = (usize, Span)>) -> Vec<(usize, Span)> {
    let mut seen: Vec<(usize, Span)> = Vec::new();
    for (node, span) in refs {
        if !seen.iter().any(|(known, _)| *known == node) {
            seen.push((node, span));
        }
    }
    seen
}

/// A topological order (each node after the nodes it uses; lowest id first among the ready
/// ones), and the nodes left out because they are on or behind a cycle, in id order.
pub(super) fn topological(graph: &Graph) -> (Vec<usize>, Vec<usize>) {
    let n_nodes = graph.len();
    let mut n_waiting: Vec<usize> = graph.iter().map(Vec::len).collect();
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n_nodes];
    for (node, uses) in graph.iter().enumerate() {
        for (used, _) in uses {
            if let Some(list) = users.get_mut(*used) {
                list.push(node);
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n_nodes).filter(|node| n_waiting.get(*node) == Some(&0)).map(Reverse).collect();
    let mut order = Vec::with_capacity(n_nodes);
    while let Some(Reverse(node)) = ready.pop() {
        order.push(node);
        for user in users.get(node).into_iter().flatten() {
            if let Some(count) = n_waiting.get_mut(*user) {
                *count -= 1;
                if *count == 0 {
                    ready.push(Reverse(*user));
                }
            }
        }
    }
    let mut placed = vec![false; n_nodes];
    for node in &order {
        if let Some(flag) = placed.get_mut(*node) {
            *flag = true;
        }
    }
    let left = (0..n_nodes).filter(|node| !placed.get(*node).copied().unwrap_or(true)).collect();
    (order, left)
}

/// The distinct cycles among the nodes left out of the order: from each (in id order), follow
/// the first use that is also left out until a node repeats.
///
/// Linear in the nodes and uses: each walk stops at a node an earlier walk visited (whose cycle,
/// if any, is already found), and a node's place on the current path is looked up, not searched.
pub(super) fn cycles(graph: &Graph, left: &[usize]) -> Vec<Vec<usize>> {
    let mut is_left = vec![false; graph.len()];
    mark(&mut is_left, left);
    let mut visited = vec![false; graph.len()];
    // `position_on_path[n]` is `n`'s index in the current walk's path, if it is on it.
    let mut position_on_path: Vec<Option<usize>> = vec![None; graph.len()];
    let mut found = Vec::new();
    for start in left {
        if visited.get(*start) != Some(&false) {
            continue;
        }
        let mut path: Vec<usize> = Vec::new();
        let mut current = *start;
        loop {
            if let Some(flag) = visited.get_mut(current) {
                *flag = true;
            }
            if let Some(slot) = position_on_path.get_mut(current) {
                *slot = Some(path.len());
            }
            path.push(current);
            let next =
                graph.get(current).and_then(|uses| uses.iter().find(|(node, _)| is_left.get(*node) == Some(&true)));
            let Some((next, _)) = next else { break };
            if let Some(Some(position)) = position_on_path.get(*next) {
                found.push(path.split_off(*position));
                break;
            }
            if visited.get(*next) != Some(&false) {
                break;
            }
            current = *next;
        }
        for node in path.iter().chain(found.last().into_iter().flatten()) {
            if let Some(slot) = position_on_path.get_mut(*node) {
                *slot = None;
            }
        }
    }
    found
}

fn mark(flags: &mut [bool], nodes: &[usize]) {
    for node in nodes {
        if let Some(flag) = flags.get_mut(*node) {
            *flag = true;
        }
    }
}

/// What a cycle is made of, for its error.
pub(super) enum CycleKind {
    /// Rules.
    Rule,
    /// Parameter values.
    Param,
}

/// How many steps of a cycle its error names and labels; a longer cycle is shown by its first
/// steps and the count of the others (a report with thousands of labels takes minutes to render
/// and is no help).
const MAX_SHOWN_STEPS: usize = 12;

/// Reports each cycle, naming its path and labelling each use along it (the first
/// [`MAX_SHOWN_STEPS`] of a long one).
pub(super) fn report_cycles(
    kind: CycleKind,
    graph: &Graph,
    cycles: &[Vec<usize>],
    name_of: &dyn Fn(usize) -> (String, Span),
    diags: &mut Vec<Diagnostic>,
) {
    for cycle in cycles {
        let Some(first) = cycle.iter().min() else { continue };
        let Some(rotation) = cycle.iter().position(|node| node == first) else { continue };
        let mut ordered = cycle.clone();
        ordered.rotate_left(rotation);
        let (name, span) = name_of(*first);
        let shown = ordered.get(..MAX_SHOWN_STEPS).unwrap_or(&ordered);
        let mut names: Vec<String> = shown.iter().map(|node| format!("`{}`", name_of(*node).0)).collect();
        let n_hidden = ordered.len() - shown.len();
        if n_hidden > 0 {
            let last = ordered.last().map_or_else(String::new, |node| name_of(*node).0);
            names.push(format!("… {} more …", n_hidden - 1));
            names.push(format!("`{last}`"));
        }
        names.push(format!("`{name}`"));
        let mut uses = Vec::new();
        let mut related = Vec::new();
        for (index, node) in shown.iter().enumerate() {
            let next = ordered.get(index + 1).unwrap_or(first);
            let edge = graph.get(*node).and_then(|edges| edges.iter().find(|(used, _)| used == next));
            if let Some((_, use_span)) = edge {
                let label = format!("uses `{}`", name_of(*next).0);
                match same_file(span, *use_span) {
                    Some(use_span) => uses.push(labeled(label, use_span)),
                    None => related.extend(elsewhere(span, *use_span, label)),
                }
            }
        }
        let cycle = names.join(" → ");
        let error = match kind {
            CycleKind::Rule => TypeError::RuleCycle { name, cycle, span, uses },
            CycleKind::Param => TypeError::ParamCycle { name, cycle, span, uses },
        };
        push_with(diags, span, error, related);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[&[usize]]) -> Graph {
        edges.iter().map(|uses| uses.iter().map(|node| (*node, Span::default())).collect()).collect()
    }

    #[test]
    fn orders_dependencies_first_and_ties_by_id() {
        let (order, left) = topological(&graph(&[&[], &[3], &[], &[2]]));
        assert_eq!(order, vec![0, 2, 3, 1]);
        assert!(left.is_empty());
    }

    #[test]
    fn finds_each_cycle_once() {
        // 0 → 1 → 2 → 1 (cycle 1, 2); 3 → 3; 4 uses the first cycle.
        let graph = graph(&[&[1], &[2], &[1], &[3], &[0]]);
        let (order, left) = topological(&graph);
        assert!(order.is_empty());
        assert_eq!(cycles(&graph, &left), vec![vec![1, 2], vec![3]]);
    }
}
