// Dense symmetric positive-definite solve in double (Cholesky), small enough to keep in a header.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace hdrgpu::detail::math {

/// Solves A x = b in place for a symmetric positive-definite n x n row-major matrix `a` (only the
/// lower triangle is read; it is overwritten by the Cholesky factor) and right-hand side `b`
/// (overwritten by x). Returns false when a pivot is not positive relative to `min_pivot`.
inline bool cholesky_solve(std::vector<double>& a, std::vector<double>& b, std::size_t n, double min_pivot) {
  for (std::size_t j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (std::size_t k = 0; k < j; ++k) d -= a[j * n + k] * a[j * n + k];
    if (!(d > min_pivot)) return false;
    const double ljj = std::sqrt(d);
    a[j * n + j] = ljj;
    for (std::size_t i = j + 1; i < n; ++i) {
      double s = a[i * n + j];
      for (std::size_t k = 0; k < j; ++k) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / ljj;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {  // L y = b
    double s = b[i];
    for (std::size_t k = 0; k < i; ++k) s -= a[i * n + k] * b[k];
    b[i] = s / a[i * n + i];
  }
  for (std::size_t i = n; i-- > 0;) {  // L^T x = y
    double s = b[i];
    for (std::size_t k = i + 1; k < n; ++k) s -= a[k * n + i] * b[k];
    b[i] = s / a[i * n + i];
  }
  return true;
}

}  // namespace hdrgpu::detail::math
