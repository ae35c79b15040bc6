//! A small dense solver for symmetric positive definite systems (Cholesky), enough for the
//! ~50 columns of the Prophet regression. Written here rather than taking nalgebra or faer for
//! one small solve per pass: 40 lines, no dependency, and the matrix is always tiny.

use crate::kernels::dot;

/// Solves `a · x = b` for a symmetric positive definite `a` (row-major `n × n`, both triangles
/// filled). `a` is overwritten by its Cholesky factor; returns `None` when `a` is not positive
/// definite (then `a` is garbage).
pub fn cholesky_solve(a: &mut [f64], b: &[f64], n: usize) -> Option<Vec<f64>> {
    factor(a, n)?;
    // Forward substitution: L y = b.
    let mut x = b.to_vec();
    for i in 0..n {
        let s = dot(&a[i * n..i * n + i], &x[..i]);
        x[i] = (x[i] - s) / a[i * n + i];
    }
    // Back substitution: Lᵀ x = y.
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| a[k * n + i] * x[k]).sum();
        x[i] = (x[i] - s) / a[i * n + i];
    }
    Some(x)
}

/// In-place Cholesky–Banachiewicz: the lower triangle of `a` becomes `L` with `a = L Lᵀ`.
fn factor(a: &mut [f64], n: usize) -> Option<()> {
    for i in 0..n {
        for j in 0..=i {
            let (row_i, row_j) = (i * n, j * n);
            let v = a[row_i + j] - dot(&a[row_i..row_i + j], &a[row_j..row_j + j]);
            if i == j {
                if !(v > 0.0 && v.is_finite()) {
                    return None;
                }
                a[row_i + i] = v.sqrt();
            } else {
                a[row_i + j] = v / a[row_j + j];
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_small_system_and_refuses_an_indefinite_one() {
        // A = [[4, 2], [2, 3]], b = A · [1, 2].
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        let x = cholesky_solve(&mut a, &[8.0, 8.0], 2).unwrap();
        assert!(
            (x[0] - 1.0).abs() < 1e-12 && (x[1] - 2.0).abs() < 1e-12,
            "{x:?}"
        );
        let mut bad = vec![1.0, 2.0, 2.0, 1.0];
        assert!(cholesky_solve(&mut bad, &[1.0, 1.0], 2).is_none());
    }
}
