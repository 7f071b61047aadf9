//! Gives memory the booth has freed back to the system at quiet moments: after a capture is processed
//! and when the live checks stop (a student leaves the Pose screen).
//!
//! Frames, captures and masks are megabyte buffers allocated and freed on several worker threads.
//! glibc keeps freed pages in each thread's malloc arena and, once a large buffer has been freed,
//! serves later ones from those arenas too, so without a trim the resident size of a booth that leaks
//! nothing still steps up and down by several frames' worth (the soak saw floors 9 MB apart).
//! `malloc_trim(0)` walks every arena and returns whole free pages; it costs about a millisecond.
//! The soak test calls it too before each reading, so it measures memory held, not the allocator's
//! cache.

/// Returns the freed pages of every malloc arena to the system (glibc only; elsewhere nothing).
#[allow(unsafe_code)] // The one FFI call of the booth: glibc's malloc_trim.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Makes every thread allocate from glibc's one main arena instead of an arena per thread. The booth's
/// megabyte buffers move between threads (the camera worker allocates a frame, the UI and the live
/// worker free it); with per-thread arenas, freed space at the top of a thread's arena stays resident
/// and `malloc_trim` cannot return it, so the resident size stepped by whole frames between visits.
/// With one arena, [`release_freed_memory`] returns all of it. Call before the workers start.
#[allow(unsafe_code)] // glibc's mallopt.
pub fn use_one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; M_ARENA_MAX takes any positive count.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Keeps freed buffers of up to 32 MiB in the allocator for the next capture instead of handing them
/// back to the system at once. Every capture allocates and frees the same megabyte buffers (the
/// models' intermediate tensors, masks, the photo); with glibc's defaults the larger ones are mapped
/// afresh and the top of the heap trimmed after each, so each capture paid for fresh zeroed pages
/// again: the segmentation of a 1350x1350 capture ended 5–9 ms later (measured with the equivalent
/// `GLIBC_TUNABLES` on the 2-core machine, 2026-11-23). 32 MiB is the largest mmap threshold glibc
/// accepts; the trim threshold leaves returning memory to [`release_freed_memory`], which the booth
/// calls at quiet moments. Call once, before the workers start.
#[allow(unsafe_code)] // glibc's mallopt.
pub fn keep_freed_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; both take any non-negative byte count.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES);
    }
}

/// Allocations from this size on are mapped on their own (glibc's maximum, `HEAP_MAX_SIZE / 2`).
const MMAP_THRESHOLD_BYTES: i32 = 32 << 20;
/// Free space at the top of the heap kept rather than trimmed automatically.
const TRIM_THRESHOLD_BYTES: i32 = 512 << 20;

/// Bytes the program holds from malloc right now (glibc's `mallinfo2`: in use in every arena plus
/// mmapped blocks), or `None` on other platforms. Unlike the resident size it does not count freed
/// memory the allocator keeps, so the soak test uses it to tell a leak from allocator caching.
#[allow(unsafe_code)] // glibc's mallinfo2.
pub fn heap_in_use_bytes() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 only reads the allocator's statistics and returns them by value.
        let info = unsafe { libc::mallinfo2() };
        Some(info.uordblks as u64 + info.hblkhd as u64)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}
