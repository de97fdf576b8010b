//! Heap proofs under a counting global allocator (one per process, hence this binary of its own):
//! the audio callback body never touches the heap (`engine`), and `render` recycles its block
//! buffers (`render`).
//!
//! The allocator keeps two counts: every heap operation made on a thread while it is `WATCHING`
//! (the callback's thread), and every allocation of any thread (`render` runs lanes on worker
//! threads). The second sees whatever else runs, so the tests here take [`alone`] first.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard};

mod engine;
mod live;
mod render;

/// Allocations, reallocations and frees made on a thread while its `WATCHING` is set.
pub static HEAP_OPS: AtomicUsize = AtomicUsize::new(0);
/// Allocations and reallocations of every thread.
pub static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    pub static WATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Held for a whole test: nothing else of this process allocates meanwhile.
pub fn alone() -> MutexGuard<'static, ()> {
    static ONE: Mutex<()> = Mutex::new(());
    ONE.lock().unwrap_or_else(|p| p.into_inner())
}

struct Counting;

fn note() {
    // `try_with`: the allocator can run while thread-locals are being torn down.
    if WATCHING.try_with(Cell::get).unwrap_or(false) {
        HEAP_OPS.fetch_add(1, Relaxed);
    }
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        ALLOCS.fetch_add(1, Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note();
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        ALLOCS.fetch_add(1, Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        ALLOCS.fetch_add(1, Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;
