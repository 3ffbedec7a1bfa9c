//! The handle table: Java holds a `long` id for each native object (an MLLP
//! server, a site's extraction options, a Data API client); the object lives in
//! the table until it is released. A stale, foreign or made-up id is a lookup
//! miss, never a dangling pointer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

/// Objects by id. Ids start at 1 and are never reused within a process, so a
/// closed id cannot name a later object.
pub struct HandleTable<T> {
    next: AtomicI64,
    map: OnceLock<RwLock<HashMap<i64, Arc<T>>>>,
}

impl<T> HandleTable<T> {
    /// An empty table, usable as a `static`.
    pub const fn new() -> Self {
        HandleTable {
            next: AtomicI64::new(1),
            map: OnceLock::new(),
        }
    }

    fn map(&self) -> &RwLock<HashMap<i64, Arc<T>>> {
        self.map.get_or_init(|| RwLock::new(HashMap::new()))
    }

    /// Stores `value`; returns its id (positive).
    pub fn insert(&self, value: T) -> i64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.map()
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, Arc::new(value));
        id
    }

    /// The object `id` names, while it is open.
    pub fn get(&self, id: i64) -> Option<Arc<T>> {
        self.map()
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
    }

    /// Takes `id` out of the table (calls still running keep their `Arc`).
    pub fn remove(&self, id: i64) -> Option<Arc<T>> {
        self.map()
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id)
    }

    /// How many objects are open.
    pub fn len(&self) -> usize {
        self.map().read().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Default for HandleTable<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_unique_and_never_reused() {
        let t: HandleTable<&str> = HandleTable::new();
        let a = t.insert("a");
        let b = t.insert("b");
        assert!(a > 0 && b > a);
        assert_eq!(*t.get(a).unwrap(), "a");
        assert_eq!(t.len(), 2);
        assert_eq!(*t.remove(a).unwrap(), "a");
        assert!(t.get(a).is_none());
        assert!(t.remove(a).is_none());
        let c = t.insert("c");
        assert!(c > b, "a closed id is never handed out again");
        assert!(t.get(0).is_none() && t.get(-1).is_none());
    }
}
