//! The DAG's readiness bookkeeping, separate from the async runner.
//!
//! [`Ready`] knows, for each task, how many of its prerequisites are still open. Finishing a
//! task releases its dependants; failing one skips everything that depends on it, directly
//! or not, while independent branches go on. [`check`] proves a plan's edges form a DAG.

use std::collections::VecDeque;

use petgraph::algo::toposort;
use petgraph::graph::DiGraph;

use super::Task;

/// Returns an error naming a task on a cycle, or a dangling edge.
pub fn check(tasks: &[Task]) -> Result<(), String> {
    let mut graph = DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = tasks.iter().map(|t| graph.add_node(t.id)).collect();
    for task in tasks {
        for &before in &task.after {
            let Some(&from) = nodes.get(before) else {
                return Err(format!("task {} waits for unknown task {before}", task.id));
            };
            graph.add_edge(from, nodes[task.id], ());
        }
    }
    toposort(&graph, None)
        .map(drop)
        .map_err(|cycle| format!("tasks form a cycle through task {}", graph[cycle.node_id()]))
}

/// Which tasks may start now.
#[derive(Debug)]
pub struct Ready {
    waiting_on: Vec<usize>,
    dependants: Vec<Vec<usize>>,
    queue: VecDeque<usize>,
    skipped: Vec<bool>,
}

impl Ready {
    /// `after[i]` lists the tasks that must finish before task `i`.
    pub fn new(after: &[Vec<usize>]) -> Ready {
        let mut dependants = vec![Vec::new(); after.len()];
        for (task, prerequisites) in after.iter().enumerate() {
            for &p in prerequisites {
                dependants[p].push(task);
            }
        }
        let waiting_on: Vec<usize> = after.iter().map(Vec::len).collect();
        let queue = (0..after.len()).filter(|&t| waiting_on[t] == 0).collect();
        Ready {
            waiting_on,
            dependants,
            queue,
            skipped: vec![false; after.len()],
        }
    }

    /// The next task that may start.
    pub fn pop(&mut self) -> Option<usize> {
        self.queue.pop_front()
    }

    /// Marks `task` done and queues the dependants that have nothing left to wait for.
    pub fn done(&mut self, task: usize) {
        for &d in &self.dependants[task] {
            self.waiting_on[d] -= 1;
            if self.waiting_on[d] == 0 && !self.skipped[d] {
                self.queue.push_back(d);
            }
        }
    }

    /// Marks `task` failed; returns every task that now cannot run, in order.
    pub fn failed(&mut self, task: usize) -> Vec<usize> {
        let mut skipped = Vec::new();
        let mut stack = self.dependants[task].clone();
        while let Some(t) = stack.pop() {
            if std::mem::replace(&mut self.skipped[t], true) {
                continue;
            }
            skipped.push(t);
            stack.extend(self.dependants[t].iter().copied());
        }
        skipped.sort_unstable();
        skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_starts_only_after_all_its_prerequisites() {
        let mut ready = Ready::new(&[vec![], vec![], vec![0, 1]]);
        assert_eq!(
            (ready.pop(), ready.pop(), ready.pop()),
            (Some(0), Some(1), None)
        );
        ready.done(0);
        assert_eq!(ready.pop(), None);
        ready.done(1);
        assert_eq!(ready.pop(), Some(2));
    }

    #[test]
    fn failed_folder_skips_children_but_not_siblings() {
        // 0: folder a, 1: a/x, 2: a/b (folder), 3: a/b/y, 4: sibling folder c
        let mut ready = Ready::new(&[vec![], vec![0], vec![0], vec![2], vec![]]);
        assert_eq!(ready.pop(), Some(0));
        assert_eq!(ready.failed(0), vec![1, 2, 3]);
        assert_eq!(ready.pop(), Some(4));
        assert_eq!(ready.pop(), None);
    }

    #[test]
    fn a_skipped_task_is_never_released() {
        let mut ready = Ready::new(&[vec![], vec![], vec![0, 1]]);
        ready.pop();
        ready.pop();
        assert_eq!(ready.failed(0), vec![2]);
        ready.done(1);
        assert_eq!(ready.pop(), None);
    }

    #[test]
    fn cycles_are_reported() {
        let task = |id, after: Vec<usize>| Task {
            id,
            publish: 0,
            path: String::new(),
            action: super::super::Action::Delete {
                id: String::new(),
                is_folder: false,
            },
            reason: String::new(),
            after,
        };
        assert!(check(&[task(0, vec![1]), task(1, vec![0])]).is_err());
        assert!(check(&[task(0, vec![]), task(1, vec![0])]).is_ok());
    }
}
