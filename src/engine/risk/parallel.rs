//! Deterministic data parallelism: a slice is cut into contiguous chunks, each mapped on its
//! own scoped thread, and the results are joined back in the original order, so the output is
//! identical whatever the number of threads.

/// Threads to use: the machine's parallelism, at most eight, at least one.
pub(super) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8)
}

/// Maps `f` over `items` in parallel, keeping the order. Small inputs run on this thread.
pub(super) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_chunks(items, |chunk| chunk.iter().map(&f).collect())
}

/// Maps each contiguous chunk of `items` with `f` on its own thread and concatenates the
/// results in order.
pub(super) fn map_chunks<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> Vec<R> + Sync) -> Vec<R> {
    let threads = threads();
    if threads == 1 || items.len() < 256 {
        return f(items);
    }
    let size = items.len().div_ceil(threads);
    let f = &f;
    let parts: Vec<Vec<R>> = std::thread::scope(|scope| {
        let handles: Vec<_> = items.chunks(size).map(|chunk| scope.spawn(move || f(chunk))).collect();
        // A worker's panic is re-raised here, exactly as if the work had run on this thread.
        handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        out.extend(part);
    }
    out
}

/// Runs `f` over contiguous sub-ranges of `0..len` in parallel and concatenates the results
/// in order.
pub(super) fn map_ranges<R: Send>(len: usize, f: impl Fn(std::ops::Range<usize>) -> Vec<R> + Sync) -> Vec<R> {
    let threads = threads();
    if threads == 1 || len < 4096 {
        return f(0..len);
    }
    let size = len.div_ceil(threads);
    let f = &f;
    let parts: Vec<Vec<R>> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            (0..len).step_by(size).map(|start| scope.spawn(move || f(start..(start + size).min(len)))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        out.extend(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_kept() {
        let items: Vec<u32> = (0..10_000).collect();
        let doubled = map(&items, |x| x * 2);
        assert_eq!(doubled.len(), items.len());
        assert!(doubled.iter().enumerate().all(|(i, x)| *x == 2 * i as u32));
        let ranged = map_ranges(10_000, |range| range.map(|i| i as u32).collect());
        assert_eq!(ranged, items);
    }
}
