/**
 * Ordinary least squares through the origin with a few predictors, and the variance of a
 * predicted sum (internal). Used to extrapolate tail tokens from a sample.
 *
 * Model: y_i = β·z_i + e_i, independent errors. Fit on n sampled rows: β̂ = (ZᵀZ)⁻¹ Zᵀy,
 * σ̂² = RSS / (n − p). For a set U of unsampled rows with summed predictors z_U, the error of the
 * predicted sum β̂·z_U has variance |U| σ̂² + z_Uᵀ V z_U: the rows' own deviations plus the error of
 * β̂. V is the heteroscedasticity-consistent ("sandwich", HC1) covariance
 * (ZᵀZ)⁻¹ (Σ e_i² z_i z_iᵀ) (ZᵀZ)⁻¹ · n / (n − p): long tails deviate more than short ones, and for
 * a large job the error of β̂ dominates. References: Royall (1970), Biometrika 57(2) (prediction
 * of a finite-population total under a linear model); White (1980), Econometrica 48(4), and
 * MacKinnon & White (1985), J. Econometrics 29 (HC1).
 */

/** A fitted model. Dropped (all-zero or collinear) predictors have coefficient 0. */
export interface Fit {
  /** Whether each predictor was kept in the fit. */
  kept: boolean[];
  /** Coefficients, one per predictor. */
  beta: number[];
  /** Covariance of the coefficients (HC1), zero rows and columns for dropped predictors. */
  covariance: number[][];
  /** Residual variance σ̂². */
  s2: number;
  /** Rows fitted. */
  n: number;
}

/** Inverts a small symmetric positive matrix (Gauss-Jordan); `undefined` when near-singular. */
function invert(matrix: number[][]): number[][] | undefined {
  const k = matrix.length;
  const a = matrix.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++)
      if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    const scale = Math.max(...matrix.map((row) => Math.abs(row[col]!)));
    if (Math.abs(a[pivot]![col]!) <= 1e-9 * scale || scale === 0) return undefined;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const p = a[col]![col]!;
    for (let j = 0; j < 2 * k; j++) a[col]![j]! /= p;
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const f = a[r]![col]!;
      if (f === 0) continue;
      for (let j = 0; j < 2 * k; j++) a[r]![j]! -= f * a[col]![j]!;
    }
  }
  return a.map((row) => row.slice(k));
}

/**
 * Fits y on the predictors of `rows` (each row one request's predictors). Tries every predictor
 * with a nonzero sum; when the system is singular or has too few rows, drops the last one and
 * tries again. `undefined` when nothing can be fitted.
 */
export function fitLinear(rows: readonly number[][], y: readonly number[]): Fit | undefined {
  const width = rows[0]?.length ?? 0;
  let keep = [...Array(width).keys()].filter((j) => rows.some((row) => row[j] !== 0));
  while (keep.length > 0) {
    const p = keep.length;
    if (rows.length > p) {
      const gram = keep.map((a) => keep.map((b) => rows.reduce((s, r) => s + r[a]! * r[b]!, 0)));
      const inv = invert(gram);
      if (inv) {
        const zy = keep.map((a) => rows.reduce((s, r, i) => s + r[a]! * y[i]!, 0));
        const coef = inv.map((row) => row.reduce((s, v, j) => s + v * zy[j]!, 0));
        const beta = new Array<number>(width).fill(0);
        keep.forEach((a, i) => {
          beta[a] = coef[i]!;
        });
        const residuals = rows.map((r, i) => y[i]! - predict(beta, r));
        const rss = residuals.reduce((s, e) => s + e * e, 0);
        // Sandwich: inv · (Σ e² z zᵀ) · inv, scaled by n / (n − p).
        const meat = keep.map((a) =>
          keep.map((b) => rows.reduce((s, r, i) => s + residuals[i]! ** 2 * r[a]! * r[b]!, 0)),
        );
        const half = inv.map((row) =>
          keep.map((_, j) => row.reduce((s, v, k) => s + v * meat[k]![j]!, 0)),
        );
        const scale = rows.length / (rows.length - p);
        const covariance = Array.from({ length: width }, () => new Array<number>(width).fill(0));
        keep.forEach((a, i) => {
          keep.forEach((b, j) => {
            covariance[a]![b] = scale * half[i]!.reduce((s, v, k) => s + v * inv[k]![j]!, 0);
          });
        });
        const kept = [...Array(width).keys()].map((j) => keep.includes(j));
        return { kept, beta, covariance, s2: rss / (rows.length - p), n: rows.length };
      }
    }
    keep = keep.slice(0, -1);
  }
  return undefined;
}

/** β·z. */
export function predict(beta: readonly number[], z: readonly number[]): number {
  return beta.reduce((s, b, j) => s + b * z[j]!, 0);
}

/** Variance of the predicted sum over `count` unsampled rows whose predictors sum to `zSum`. */
export function sumVariance(model: Fit, count: number, zSum: readonly number[]): number {
  if (count === 0) return 0;
  let quad = 0;
  for (let a = 0; a < zSum.length; a++)
    for (let b = 0; b < zSum.length; b++) quad += zSum[a]! * model.covariance[a]![b]! * zSum[b]!;
  return model.s2 * count + quad;
}
