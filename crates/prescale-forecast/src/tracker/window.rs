//! Fixed-capacity rings for last-N figures: O(1) per push, no allocation after creation.

/// The last `capacity` rows of `width` numbers, stored as `f32` to keep 100 000 series in
/// memory (the figures need far less than `f32` precision).
#[derive(Debug, Clone)]
pub(super) struct RowRing {
    rows: Box<[f32]>,
    width: usize,
    capacity: usize,
    len: usize,
    next: usize,
}

impl RowRing {
    pub(super) fn new(capacity: usize, width: usize) -> Self {
        Self {
            rows: vec![0.0; capacity * width].into_boxed_slice(),
            width,
            capacity,
            len: 0,
            next: 0,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn capacity(&self) -> usize {
        self.capacity
    }

    /// The row that the next push overwrites, when the ring is full.
    pub(super) fn oldest_if_full(&self) -> Option<&[f32]> {
        (self.len == self.capacity).then(|| self.row(self.next))
    }

    /// Claims the next slot (the oldest row once full) and returns it for writing.
    pub(super) fn push(&mut self) -> &mut [f32] {
        let at = self.next;
        self.next = (self.next + 1) % self.capacity;
        self.len = (self.len + 1).min(self.capacity);
        &mut self.rows[at * self.width..(at + 1) * self.width]
    }

    /// The most recently pushed row.
    pub(super) fn newest(&self) -> &[f32] {
        self.row((self.next + self.capacity - 1) % self.capacity)
    }

    /// The stored rows, in no particular order.
    pub(super) fn rows(&self) -> impl Iterator<Item = &[f32]> {
        self.rows.chunks_exact(self.width).take(self.len)
    }

    fn row(&self, at: usize) -> &[f32] {
        &self.rows[at * self.width..(at + 1) * self.width]
    }
}

/// The last `capacity` yes/no outcomes with their count of yes.
#[derive(Debug, Clone)]
pub(super) struct BitRing {
    words: Box<[u64]>,
    capacity: usize,
    len: usize,
    next: usize,
    ones: usize,
}

impl BitRing {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            words: vec![0; capacity.div_ceil(64)].into_boxed_slice(),
            capacity,
            len: 0,
            next: 0,
            ones: 0,
        }
    }

    pub(super) fn push(&mut self, bit: bool) {
        let (word, mask) = (self.next / 64, 1u64 << (self.next % 64));
        if self.len == self.capacity {
            self.ones -= usize::from(self.words[word] & mask != 0);
        }
        if bit {
            self.words[word] |= mask;
        } else {
            self.words[word] &= !mask;
        }
        self.ones += usize::from(bit);
        self.next = (self.next + 1) % self.capacity;
        self.len = (self.len + 1).min(self.capacity);
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn ones(&self) -> usize {
        self.ones
    }

    pub(super) fn clear(&mut self) {
        self.words.fill(0);
        (self.len, self.next, self.ones) = (0, 0, 0);
    }
}
