//! Two-way fork-join for the image arithmetic of one capture (vision and the standardizer): the
//! second half of a job runs on a named scoped thread (the machine has two cores, and once the
//! segmentation is done the pipeline thread is the critical path while the other core idles), the
//! first half on the calling thread. Each half owns its output, so the result is bit-identical to
//! running both halves in turn.
//!
//! Owns one process-wide count: how many threads keep the other core busy with work of their own
//! ([`OtherCoreBusy`]); while any do, both halves run on the calling thread. So do they when the
//! helper thread cannot be started.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// Name of the short-lived helper thread (visible in `top -H` and in profiles).
pub const SPLIT_THREAD_NAME: &str = "idbooth-split";

/// Work on fewer pixels than this is not split: starting a thread (tens of microseconds) would cost
/// more than the half it saves.
pub const MIN_SPLIT_PIXELS: usize = 40_000;

/// How many threads are busy with long work of their own (a capture's tile search) right now.
static OTHER_WORK: AtomicUsize = AtomicUsize::new(0);

/// While alive, says that another thread keeps the second core busy (the booth's tile search beside
/// the photo): [`join`] then runs both halves on the calling thread, since a helper would only
/// compete with that work for the same core. Changes the speed, never the result.
#[derive(Debug)]
pub struct OtherCoreBusy(());

impl OtherCoreBusy {
    pub fn mark() -> Self {
        OTHER_WORK.fetch_add(1, Ordering::Relaxed);
        Self(())
    }
}

impl Drop for OtherCoreBusy {
    fn drop(&mut self) {
        OTHER_WORK.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs `first` here and `second` on a helper thread and returns both results; both here, in turn,
/// while an [`OtherCoreBusy`] is alive. A panic in `second` is passed on to the caller, as it would
/// be if both ran on this thread.
pub fn join<A, B>(first: impl FnOnce() -> A, second: impl FnOnce() -> B + Send) -> (A, B)
where
    B: Send,
{
    join_or_run_here(OTHER_WORK.load(Ordering::Relaxed) > 0, first, second)
}

/// [`join`], or both halves here in turn when `here`.
fn join_or_run_here<A, B>(
    here: bool,
    first: impl FnOnce() -> A,
    second: impl FnOnce() -> B + Send,
) -> (A, B)
where
    B: Send,
{
    if here {
        return (first(), second());
    }
    // The helper takes `second` from the slot; if no helper starts, it is still there to run here.
    let slot = Mutex::new(Some(second));
    let take = || slot.lock().unwrap_or_else(PoisonError::into_inner).take();
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name(SPLIT_THREAD_NAME.to_owned())
            .spawn_scoped(scope, || take().map(|second| second()));
        let a = first();
        let b = match spawned.map(std::thread::ScopedJoinHandle::join) {
            Ok(Ok(Some(b))) => Some(b),
            Ok(Err(payload)) => std::panic::resume_unwind(payload),
            // No thread (the process is out of threads or memory): the work is done here.
            Ok(Ok(None)) | Err(_) => None,
        };
        let b = b.or_else(|| take().map(|second| second()));
        match b {
            Some(b) => (a, b),
            // The helper ran `second` or it is still in the slot: one of the two always holds.
            None => unreachable!("the second half neither ran nor waited"),
        }
    })
}

/// Runs `first` and `second` (independent work on disjoint buffers) on two threads when `split`,
/// else one after the other here.
pub fn both(split: bool, first: impl FnOnce(), second: impl FnOnce() + Send) {
    if split {
        join(first, second);
    } else {
        first();
        second();
    }
}

/// Runs `work` on the halves `[0, split)` and `[split, len)` of equally long mutable slices: the first
/// here, the second on a helper thread (see [`join`]). `split` is clamped to the shortest slice.
pub fn halves<T: Send, const N: usize>(
    slices: [&mut [T]; N],
    split: usize,
    work: impl Fn(usize, [&mut [T]; N]) + Sync,
) {
    let split = slices.iter().map(|s| s.len()).fold(split, usize::min);
    if slices.iter().all(|s| s.len() == split) {
        // Nothing for a helper to do.
        work(0, slices);
        return;
    }
    let mut firsts: [&mut [T]; N] = std::array::from_fn(|_| Default::default());
    let mut seconds: [&mut [T]; N] = std::array::from_fn(|_| Default::default());
    for (index, slice) in slices.into_iter().enumerate() {
        let (first, second) = slice.split_at_mut(split);
        firsts[index] = first;
        seconds[index] = second;
    }
    let work = &work;
    join(|| work(0, firsts), move || work(split, seconds));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_halves_run_and_the_second_runs_on_the_named_thread() {
        let (a, b) = join(
            || 1 + 1,
            || std::thread::current().name().map(str::to_owned),
        );
        assert_eq!(a, 2);
        assert_eq!(b.as_deref(), Some(SPLIT_THREAD_NAME));
    }

    #[test]
    fn while_the_other_core_is_busy_both_halves_run_here() {
        // (Through the inner function: the process-wide count would race with the other tests.)
        let here = std::thread::current().id();
        let ((), b) = join_or_run_here(true, || (), || std::thread::current().id());
        assert_eq!(b, here);
        let ((), b) = join_or_run_here(false, || (), || std::thread::current().id());
        assert_ne!(b, here);
    }

    #[test]
    fn halves_cover_every_element_once_with_its_offset() {
        let mut values = vec![0_usize; 11];
        let mut doubled = vec![0_usize; 11];
        halves([&mut values[..], &mut doubled[..]], 4, |start, [v, d]| {
            for (index, (v, d)) in v.iter_mut().zip(d.iter_mut()).enumerate() {
                *v = start + index;
                *d = 2 * (start + index);
            }
        });
        assert_eq!(values, (0..11).collect::<Vec<_>>());
        assert_eq!(doubled, (0..11).map(|i| 2 * i).collect::<Vec<_>>());
    }

    #[test]
    fn a_split_past_the_end_leaves_the_second_half_empty() {
        let mut values = vec![0_u8; 3];
        halves([&mut values[..]], 10, |start, [v]| {
            v.fill(1 + start as u8);
        });
        assert_eq!(values, vec![1, 1, 1]);
    }

    #[test]
    #[should_panic(expected = "boom")]
    fn a_panic_in_the_helper_reaches_the_caller() {
        let fail = std::hint::black_box(true);
        let _ = join(
            || (),
            move || {
                assert!(!fail, "boom");
                1
            },
        );
    }
}
