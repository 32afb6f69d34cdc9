//! The component's memory allocator: small blocks from one free list per size class.
//!
//! A batch allocates about six small blocks per row (each record's id and JSON as the
//! host lowers them, ids and lists of the output) and frees them all, so allocation was
//! 8 % of a row's instructions with wasi-libc's dlmalloc: a chain of four calls and a
//! general-purpose search for each `malloc`, coalescing for each `free`. Here a block
//! of up to [`LARGEST`] bytes is rounded up to a power of two; its class's list hands
//! out the block freed last, or a new one is cut from a 64 KiB chunk: a few loads and
//! stores either way. Larger blocks (request bodies, whole-batch lists) go to
//! dlmalloc, which also supplies the chunks.
//!
//! Memory is never given back to dlmalloc, but it is reused: what a class holds is at
//! most what it held at its peak (rounded up to powers of two), and hosts make a fresh
//! instance per call. WebAssembly instances here have one thread, which is what makes
//! the unsynchronised state sound.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ptr;

/// The smallest class: a free block holds the pointer to the next one.
const SMALLEST: usize = 8;
/// The largest class; anything bigger, or aligned more strictly, goes to `System`.
pub const LARGEST: usize = 2048;
const CLASSES: usize = (LARGEST / SMALLEST).trailing_zeros() as usize + 1;
/// What is taken from `System` at a time to cut blocks from.
const CHUNK: usize = 64 * 1024;

/// The component's global allocator: [`Pools`] kept in one static. Zero-sized, so
/// that the calls to it pass no address (`static`s cost a few instructions each to
/// address in the component's position-independent code). Each method is one
/// function with the pools' code inside: an allocation is one call, not a chain of
/// them (in wasmtime each call also pays an epoch check), and call sites stay small.
#[cfg(target_arch = "wasm32")]
pub struct Global;

#[cfg(target_arch = "wasm32")]
struct Shared(std::cell::UnsafeCell<Pools>);

// SAFETY: the component is built for `wasm32-wasip2` without threads: with one thread
// the pools are never used concurrently, and the allocator never reenters itself.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
unsafe impl Sync for Shared {}

#[cfg(target_arch = "wasm32")]
static POOLS: Shared = Shared(std::cell::UnsafeCell::new(Pools::new()));

// SAFETY: `Pools` hands out blocks as `GlobalAlloc` requires (see its methods), and
// `Shared` gives one thread at a time exclusive use of it.
#[cfg(target_arch = "wasm32")]
unsafe impl GlobalAlloc for Global {
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the `impl`.
        unsafe { (*POOLS.0.get()).alloc(layout) }
    }

    #[inline(never)]
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: see the `impl`; the caller's guarantees are `Pools::dealloc`'s.
        unsafe { (*POOLS.0.get()).dealloc(block, layout) }
    }

    #[inline(never)]
    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: see the `impl`; the caller's guarantees are `Pools::realloc`'s.
        unsafe { (*POOLS.0.get()).realloc(block, layout, new_size) }
    }
}

/// Size-class free lists in front of the system allocator.
pub struct Pools {
    /// The head of each class's list of free blocks (null: empty); each free block
    /// starts with the pointer to the next.
    free: [*mut u8; CLASSES],
    /// The unused rest of the current chunk.
    next: *mut u8,
    end: *mut u8,
}

impl Pools {
    pub const fn new() -> Pools {
        Pools {
            free: [ptr::null_mut(); CLASSES],
            next: ptr::null_mut(),
            end: ptr::null_mut(),
        }
    }

    /// A block of at least `layout.size()` bytes aligned to `layout.align()`, or null
    /// when out of memory. A small one is only ever handed out again after `dealloc`.
    #[inline]
    pub fn alloc(&mut self, layout: Layout) -> *mut u8 {
        let Some(class) = class(layout) else {
            // SAFETY: the layout's size is not zero: `GlobalAlloc` callers never ask
            // for zero bytes, and `class` takes every size below `LARGEST`.
            return unsafe { large::alloc(layout) };
        };
        let head = self.free[class];
        if !head.is_null() {
            // SAFETY: `head` is a free block of this class, which holds the next pointer.
            self.free[class] = unsafe { head.cast::<*mut u8>().read() };
            return head;
        }
        // A new block from the current chunk. (Each batch runs in a fresh instance,
        // so most blocks are new ones.)
        let size = SMALLEST << class;
        if (self.end as usize) - (self.next as usize) >= size {
            let block = self.next;
            self.next = block.wrapping_add(size);
            return block;
        }
        self.cut(size)
    }

    /// Frees a block.
    ///
    /// # Safety
    /// `block` came from this `Pools` with `layout` (or was last resized to it), and is
    /// not used after this.
    #[inline]
    pub unsafe fn dealloc(&mut self, block: *mut u8, layout: Layout) {
        match class(layout) {
            Some(class) => {
                // SAFETY: a block of this class is at least `SMALLEST` bytes, aligned
                // to them, and free: it can hold the next pointer.
                unsafe { block.cast::<*mut u8>().write(self.free[class]) };
                self.free[class] = block;
            }
            // SAFETY: a block of a large layout came from `System`.
            None => unsafe { large::dealloc(block, layout) },
        }
    }

    /// Resizes a block, in place when it stays in its class.
    ///
    /// # Safety
    /// As for `dealloc`; `new_size` rounded up to the alignment fits in an `isize`.
    pub unsafe fn realloc(&mut self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees the size.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class(layout), class(new_layout)) {
            (Some(old), Some(new)) if old == new => block,
            // SAFETY: both layouts are large, so the block is `System`'s.
            (None, None) => unsafe { System.realloc(block, layout, new_size) },
            _ => {
                let moved = self.alloc(new_layout);
                if !moved.is_null() {
                    // SAFETY: two distinct blocks, each at least as long as the copy;
                    // the old one is the caller's to free.
                    unsafe {
                        ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                }
                moved
            }
        }
    }

    /// A new block of `size` (a multiple of `SMALLEST` up to `LARGEST`) from a new
    /// chunk; the old chunk's rest, less than `LARGEST` bytes of 64 KiB, is left unused.
    #[cold]
    fn cut(&mut self, size: usize) -> *mut u8 {
        // SAFETY: the layout's size is not zero.
        let chunk = unsafe { System.alloc(Layout::from_size_align(CHUNK, SMALLEST).unwrap()) };
        if chunk.is_null() {
            return chunk;
        }
        self.next = chunk.wrapping_add(size);
        self.end = chunk.wrapping_add(CHUNK);
        chunk
    }
}

impl Default for Pools {
    fn default() -> Pools {
        Pools::new()
    }
}

/// Blocks too large for a class, from `System`, out of line: inlined, its aligned
/// path's stack slot gave every small allocation a stack frame.
mod large {
    use std::alloc::{GlobalAlloc, Layout, System};

    /// # Safety
    /// As `System.alloc`.
    #[inline(never)]
    pub(super) unsafe fn alloc(layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    /// # Safety
    /// As `System.dealloc`.
    #[inline(never)]
    pub(super) unsafe fn dealloc(block: *mut u8, layout: Layout) {
        // SAFETY: the caller's guarantees.
        unsafe { System.dealloc(block, layout) }
    }
}

/// The class of blocks `layout` needs, if it is small: `SMALLEST << class` is its size
/// rounded up to a power of two. Blocks are aligned to `SMALLEST` (chunks are, and
/// every size is a multiple), so a stricter alignment goes to `System`.
#[inline]
fn class(layout: Layout) -> Option<usize> {
    let size = layout.size();
    if size > LARGEST || layout.align() > SMALLEST {
        return None;
    }
    // The bits of `size - 1` are those of the power of two at or above `size`.
    let bits = usize::BITS - size.saturating_sub(1).leading_zeros();
    Some((bits as usize).saturating_sub(SMALLEST.trailing_zeros() as usize))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn sizes_round_up_to_their_class() {
        let classes: Vec<_> = [1, 8, 9, 16, 17, 100, 1024, 1025, 2048, 2049]
            .map(|size| class(layout(size, 1)))
            .into();
        assert_eq!(
            classes,
            [
                Some(0),
                Some(0),
                Some(1),
                Some(1),
                Some(2),
                Some(4),
                Some(7),
                Some(8),
                Some(8),
                None
            ]
        );
        assert_eq!(class(layout(24, 8)), Some(2));
        assert_eq!(class(layout(24, 16)), None);
    }

    #[test]
    fn a_freed_block_is_the_next_one_of_its_class() {
        let mut pools = Pools::new();
        unsafe {
            let a = pools.alloc(layout(20, 4));
            let b = pools.alloc(layout(30, 8));
            assert_eq!(b as usize - a as usize, 32, "cut one after the other");
            pools.dealloc(a, layout(20, 4));
            assert_eq!(pools.alloc(layout(17, 1)), a);
            assert_ne!(pools.alloc(layout(32, 1)), a);
        }
    }

    #[test]
    fn realloc_keeps_the_block_within_its_class_and_moves_the_contents_across() {
        let mut pools = Pools::new();
        unsafe {
            let block = pools.alloc(layout(5, 1));
            block.copy_from_nonoverlapping(b"hello".as_ptr(), 5);
            assert_eq!(pools.realloc(block, layout(5, 1), 8), block);
            let mut grown = block;
            let mut size = 8;
            for new_size in [100, 5000, 70_000, 3] {
                grown = pools.realloc(grown, layout(size, 1), new_size);
                size = new_size;
                assert_eq!(std::slice::from_raw_parts(grown, 3), b"hel");
            }
            pools.dealloc(grown, layout(size, 1));
        }
    }

    proptest! {
        /// Random allocations and frees: every live block is aligned, keeps what was
        /// written into it, and overlaps no other.
        #[test]
        fn live_blocks_are_aligned_and_disjoint(
            steps in prop::collection::vec((1usize..5000, 0u32..7, any::<bool>()), 1..400)
        ) {
            let mut pools = Pools::new();
            let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
            for (i, (size, align_shift, free)) in steps.into_iter().enumerate() {
                if free && !live.is_empty() {
                    let (block, layout, _) = live.swap_remove(i % live.len());
                    unsafe { pools.dealloc(block, layout) };
                    continue;
                }
                let layout = layout(size, 1 << align_shift);
                let block = pools.alloc(layout);
                prop_assert!(!block.is_null());
                prop_assert_eq!(block as usize % layout.align(), 0);
                let mark = i as u8;
                unsafe { block.write_bytes(mark, size) };
                live.push((block, layout, mark));
                for &(block, layout, mark) in &live {
                    let bytes = unsafe { std::slice::from_raw_parts(block, layout.size()) };
                    prop_assert!(bytes.iter().all(|&b| b == mark));
                }
            }
            for (block, layout, _) in live {
                unsafe { pools.dealloc(block, layout) };
            }
        }
    }
}
