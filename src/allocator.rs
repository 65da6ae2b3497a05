//! The global allocator of the `lockstep` binary (and of `examples/bench_one.rs`, so
//! that profiles match it): mimalloc. A run allocates its tasks, calls and model
//! state afresh, and glibc's malloc/free was a tenth of a demo/lock run's
//! instructions (issue 16). No address reaches a trace, so the allocator decides no
//! run.
//!
//! Why not `mimalloc::MiMalloc` itself: it asks for every block through
//! `mi_malloc_aligned`, whose checks cost a quarter of a small allocation here.
//! Every mimalloc block is aligned to 8 bytes at least (its block sizes are whole
//! words), so a layout aligned to 8 or less takes plain `mi_malloc`; only wider
//! alignments take the aligned calls, as `MiMalloc` does for all.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// The alignment every mimalloc block has (a machine word).
const WORD_ALIGN: usize = std::mem::size_of::<usize>();

pub struct Allocator;

// SAFETY: each call forwards to mimalloc's matching function, with the layout's size
// and, unless the alignment is one every block has, its alignment; `mi_free` frees
// blocks from either kind of call.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if layout.align() <= WORD_ALIGN {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if layout.align() <= WORD_ALIGN {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: see the impl.
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if layout.align() <= WORD_ALIGN {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks of every size and alignment come back aligned, zeroed when asked, and
    /// keep their bytes through a realloc.
    #[test]
    fn blocks_are_aligned_zeroed_and_kept() {
        let a = Allocator;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1, 7, 8, 9, 16, 24, 40, 100, 1000, 70_000] {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: a non-zero size; each block is freed once, with its layout.
                unsafe {
                    let p = a.alloc_zeroed(layout);
                    assert!(!p.is_null() && p as usize % align == 0, "{size} {align}");
                    assert!(std::slice::from_raw_parts(p, size).iter().all(|&b| b == 0));
                    std::ptr::write_bytes(p, 0xab, size);
                    let q = a.realloc(p, layout, size * 3);
                    assert!(!q.is_null() && q as usize % align == 0, "{size} {align} realloc");
                    assert!(std::slice::from_raw_parts(q, size).iter().all(|&b| b == 0xab));
                    a.dealloc(q, Layout::from_size_align(size * 3, align).unwrap());
                    let r = a.alloc(layout);
                    assert!(!r.is_null() && r as usize % align == 0, "{size} {align} alloc");
                    a.dealloc(r, layout);
                }
            }
        }
    }
}
