//! Allocations per message of vital-sign extraction, counted with a global
//! allocator that counts (docs/benchmarks.md, "Allocations per message").
//! The bounds are the measured counts plus a little slack, so a change that
//! brings allocation back onto the hot path fails here.
//!
//! `cargo test -p vitalflow-jni --test allocations -- --nocapture` prints them.
//! (Here, not in vitalflow-core: the workspace forbids `unsafe`, and a global
//! allocator needs it; this crate allows it where documented.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use vitalflow_core::vitals::{extract, extract_rows, ExtractOptions};
use vitalflow_core::Message;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to the system allocator with the caller's
// arguments unchanged; only a counter is added.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` through this allocator with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const LARGE: &[u8] = include_bytes!("../../core/benches/data/oru_large.hl7");
const SMALL: &[u8] = include_bytes!("../../core/benches/data/oru_small.hl7");

/// Allocations (and reallocations) made by `f`, the smallest of a few runs
/// (the test harness's other threads may allocate meanwhile).
fn count<R>(mut f: impl FnMut() -> R) -> usize {
    (0..5)
        .map(|_| {
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            let r = f();
            let n = ALLOCATIONS.load(Ordering::Relaxed) - before;
            drop(r);
            n
        })
        .min()
        .unwrap()
}

#[test]
fn allocations_per_message() {
    let options = ExtractOptions::default();
    let _ = extract(LARGE, &options); // code table built once
    for (name, msg, rows) in [("oru_large", LARGE, 11), ("oru_small", SMALL, 4)] {
        assert_eq!(extract(msg, &options).unwrap().len(), rows);
        let owned = count(|| extract(msg, &options).unwrap());
        let borrowed = count(|| {
            let msg = Message::parse(msg).unwrap();
            extract_rows(&msg, &options).unwrap().rows.len()
        });
        let encoded = count(|| {
            let mut out = Vec::with_capacity(4096);
            vitalflow_jni::batch::extract_batch(msg, &[msg.len() as i32], &options, &mut out)
                .unwrap();
            out
        });
        println!(
            "{name}: extract (owned rows): {owned}; extract_rows (borrowed): {borrowed}; JNI batch path (extract + encode, output buffer included): {encoded} allocations for {rows} rows"
        );
        // Measured with the borrowed rows: extract_rows 3 (large) and 2
        // (small), the JNI batch path 5 and 4; before them (owned rows on
        // every path) 187 and 75, 189 and 77. The row codec's string
        // dictionary adds two per call (its entries and its slots), not per
        // row: 7 and 6. Slack for platform differences, not for per-row
        // allocations.
        assert!(
            borrowed <= 4,
            "{name}: {borrowed} allocations in extract_rows"
        );
        assert!(
            encoded <= 8,
            "{name}: {encoded} allocations in the JNI batch path"
        );
    }
}
