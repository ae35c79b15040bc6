//! Weighted normal equations `Σ w x xᵀ`, `Σ w z x` over selected rows of the design: most of
//! a fit's arithmetic (blocks × columns² / 2 products per solve).
//!
//! Rows are gathered a chunk at a time into column-major buffers that stay in the L2 cache,
//! and the matrix is filled in tiles of 2 × 4 entries, each a set of dot products over the
//! chunk: six loads feed sixteen products, where a row-by-row rank-one update loads and stores
//! every entry once per row. Hinge columns are zero before their changepoint, so each column's
//! dot products start at its first non-zero row of the chunk.

use crate::kernels::dot;

/// Rows gathered per chunk: 2 × 128 rows × 50 columns × 8 bytes, about 100 kB.
const CHUNK: usize = 128;
/// Distance between columns in the buffers: 17 cache lines, not 16, so that the columns do not
/// all fall into the same few sets of the L1 cache.
const STRIDE: usize = CHUNK + 8;

/// Reusable buffers of [`add_weighted`].
#[derive(Debug, Default)]
pub struct Scratch {
    /// Column `j` of the chunk at `x[j * STRIDE..]`.
    x: Vec<f64>,
    /// The same, times the row weights.
    wx: Vec<f64>,
    /// Weight times target per row.
    wz: Vec<f64>,
    /// First non-zero row of each column.
    start: Vec<usize>,
}

/// Adds `Σ w x xᵀ` to the upper triangle of the top-left `f × f` of `a` (row-major, row stride
/// `p`; entries below the diagonal may be written too and are to be ignored) and `Σ w z x` to
/// `c[..f]`, over `(k, w)` in `sel`: `x = rows[k * f..(k + 1) * f]` and `z = z[k]`.
#[allow(clippy::too_many_arguments)]
pub fn add_weighted(
    a: &mut [f64],
    p: usize,
    c: &mut [f64],
    rows: &[f64],
    f: usize,
    z: &[f64],
    sel: &[(usize, f64)],
    s: &mut Scratch,
) {
    s.x.resize(f * STRIDE, 0.0);
    s.wx.resize(f * STRIDE, 0.0);
    s.wz.resize(CHUNK, 0.0);
    s.start.resize(f, 0);
    for chunk in sel.chunks(CHUNK) {
        let m = chunk.len();
        for (r, &(k, w)) in chunk.iter().enumerate() {
            let row = &rows[k * f..(k + 1) * f];
            let columns =
                s.x.chunks_exact_mut(STRIDE)
                    .zip(s.wx.chunks_exact_mut(STRIDE));
            for (&v, (x, wx)) in row.iter().zip(columns) {
                x[r] = v;
                wx[r] = w * v;
            }
            s.wz[r] = w * z[k];
        }
        for j in 0..f {
            let col = &s.x[j * STRIDE..j * STRIDE + m];
            s.start[j] = col.iter().position(|&v| v != 0.0).unwrap_or(m);
            c[j] += dot(&col[s.start[j]..], &s.wz[s.start[j]..m]);
        }
        add_chunk(a, p, f, m, s);
    }
}

/// The chunk's products, tile by tile over the upper triangle.
fn add_chunk(a: &mut [f64], p: usize, f: usize, m: usize, s: &Scratch) {
    let mut i = 0;
    while i + 2 <= f {
        let row_start = s.start[i].min(s.start[i + 1]);
        let mut j = i;
        while j + 4 <= f {
            let col_start = s.start[j..j + 4].iter().copied().min().unwrap_or(m);
            let from = row_start.max(col_start);
            if from < m {
                let u = [col(&s.wx, i, from, m), col(&s.wx, i + 1, from, m)];
                let v = [0, 1, 2, 3].map(|b| col(&s.x, j + b, from, m));
                let t = tile(u, v);
                for (da, row) in t.iter().enumerate() {
                    let dst = &mut a[(i + da) * p + j..(i + da) * p + j + 4];
                    dst.iter_mut().zip(row).for_each(|(d, v)| *d += v);
                }
            }
            j += 4;
        }
        for jj in j..f {
            for ii in i..i + 2 {
                let from = s.start[ii].max(s.start[jj]);
                a[ii * p + jj] += dot(col(&s.wx, ii, from, m), col(&s.x, jj, from, m));
            }
        }
        i += 2;
    }
    for jj in i..f {
        let from = s.start[i].max(s.start[jj]);
        a[i * p + jj] += dot(col(&s.wx, i, from, m), col(&s.x, jj, from, m));
    }
}

/// Rows `from..m` of column `j` of a chunk buffer (`from <= m`: a start is at most the chunk's
/// length).
fn col(v: &[f64], j: usize, from: usize, m: usize) -> &[f64] {
    &v[j * STRIDE + from..j * STRIDE + m]
}

/// The 2 × 4 dot products of `u` with `v` (slices of one length), two lanes per product.
fn tile(u: [&[f64]; 2], v: [&[f64]; 4]) -> [[f64; 4]; 2] {
    let mut acc = [[[0.0f64; 2]; 4]; 2];
    let n = u[0].len();
    let pairs = u[0]
        .chunks_exact(2)
        .zip(u[1].chunks_exact(2))
        .zip(v[0].chunks_exact(2))
        .zip(v[1].chunks_exact(2))
        .zip(v[2].chunks_exact(2))
        .zip(v[3].chunks_exact(2));
    for (((((u0, u1), v0), v1), v2), v3) in pairs {
        for (a, ua) in acc.iter_mut().zip([u0, u1]) {
            for (ab, vb) in a.iter_mut().zip([v0, v1, v2, v3]) {
                ab[0] += ua[0] * vb[0];
                ab[1] += ua[1] * vb[1];
            }
        }
    }
    let mut out = [[0.0; 4]; 2];
    for (a, (o, acc)) in out.iter_mut().zip(&acc).enumerate() {
        for (b, (o, lanes)) in o.iter_mut().zip(acc).enumerate() {
            *o = lanes[0] + lanes[1];
            if n % 2 == 1 {
                *o += u[a][n - 1] * v[b][n - 1];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tiles, edges and zero-skipping add up to the plain sums, for awkward sizes.
    #[test]
    fn equals_the_plain_sums() {
        for (f, blocks) in [(7, 5), (9, 300), (13, 129), (2, 3), (1, 4)] {
            let mut rows = vec![0.0; f * blocks];
            for k in 0..blocks {
                for j in 0..f {
                    // Column 1 is zero for the first half of the rows, like a hinge.
                    let v = ((k * 31 + j * 17) % 23) as f64 / 7.0 - 1.0;
                    rows[k * f + j] = if j == 1 && k < blocks / 2 { 0.0 } else { v };
                }
            }
            let z: Vec<f64> = (0..blocks).map(|k| (k % 5) as f64 - 2.0).collect();
            let sel: Vec<(usize, f64)> = (0..blocks)
                .filter(|k| k % 3 != 1)
                .map(|k| (k, 0.5 + (k % 4) as f64))
                .collect();
            let p = f + 2;
            let (mut a, mut c) = (vec![0.0; p * p], vec![0.0; p]);
            add_weighted(
                &mut a,
                p,
                &mut c,
                &rows,
                f,
                &z,
                &sel,
                &mut Scratch::default(),
            );
            for i in 0..f {
                let want: f64 = sel.iter().map(|&(k, w)| w * z[k] * rows[k * f + i]).sum();
                assert!((c[i] - want).abs() < 1e-9, "c[{i}]: {} vs {want}", c[i]);
                for j in i..f {
                    let want: f64 = sel
                        .iter()
                        .map(|&(k, w)| w * rows[k * f + i] * rows[k * f + j])
                        .sum();
                    let got = a[i * p + j];
                    assert!(
                        (got - want).abs() < 1e-9,
                        "{f}x{blocks} ({i},{j}): {got} vs {want}"
                    );
                }
            }
        }
    }
}
