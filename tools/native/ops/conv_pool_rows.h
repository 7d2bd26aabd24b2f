// The forward of conv_sort_pool_ops.cc in registers, for C a multiple of 8: per group of NQ adjacent
// pooling windows of one pooled row, each window's ph·pw conv pixels are computed (convPixels' sums,
// tap order k), biased, pair-sorted and squared into the window's sum in the order (dh, dw) of
// SortPoolBase::windowSums, then y = √(sum / (ph·pw)) · scale — the numbers of convRows followed by
// LipnetBiasPairSortL2Pool's window walk, without storing z.
#pragma once

#include <cmath>

#include "conv_rows.h"
#include "vec8.h"

namespace lipnet {

// The pooling attrs and the bias, as the window walk needs them.
struct PoolWalk {
  int64_t ph, pw;
  float count, scale;
  const float* bias;
};

// y[(q0 + q)·C + c0 + ·] for the NQ windows from pooled column q0, channels [c0, c0 + 8·NV).
template <int NV, int NQ>
inline void poolWindows(const RowBlock& rb, const float* w, const PoolWalk& pw, int64_t c0, int64_t q0, float* y) {
  v8f sum[NQ][NV], bias[NV];
  for (int j = 0; j < NV; ++j) bias[j] = load8(pw.bias + c0 + 8 * j);
  for (int q = 0; q < NQ; ++q)
    for (int j = 0; j < NV; ++j) sum[q][j] = splat8(0.0f);
  for (int64_t dh = 0; dh < pw.ph; ++dh) {
    for (int64_t dw = 0; dw < pw.pw; ++dw) {
      v8f a[NQ][NV];
      for (int q = 0; q < NQ; ++q)
        for (int j = 0; j < NV; ++j) a[q][j] = splat8(0.0f);
      const float* x0 = rb.xpad + rb.base(dh, q0 * pw.pw + dw);
      const int64_t step = pw.pw * rb.cin;  // from one window's pixel to the next window's
      for (int64_t k = 0; k < rb.taps; ++k) {
        v8f wv[NV];
        for (int j = 0; j < NV; ++j) wv[j] = load8(w + k * rb.c + c0 + 8 * j);
        const float* xk = x0 + rb.off[k];
        for (int q = 0; q < NQ; ++q) {
          const v8f v = splat8(xk[q * step]);
          for (int j = 0; j < NV; ++j) a[q][j] += v * wv[j];
        }
      }
      for (int q = 0; q < NQ; ++q)
        for (int j = 0; j < NV; ++j) {
          const v8f s = pairSort8(a[q][j] + bias[j]);
          sum[q][j] += s * s;
        }
    }
  }
  const v8f count = splat8(pw.count), scale = splat8(pw.scale);
  for (int q = 0; q < NQ; ++q)
    for (int j = 0; j < NV; ++j) {
      v8f r = sum[q][j] / count;
      for (int l = 0; l < 8; ++l) r[l] = std::sqrt(r[l]);
      store8(y + (q0 + q) * rb.c + c0 + 8 * j, r * scale);
    }
}

// The pooled row y[OW'][C] of the block (rb.cols = OW'·pw, rb.rows = ph), C a multiple of 8·NV.
template <int NV>
void poolRow(const RowBlock& rb, const float* w, const PoolWalk& pw, float* y) {
  constexpr int NQ = NV >= 2 ? 4 : 8;
  const int64_t windows = rb.cols / pw.pw;
  for (int64_t c0 = 0; c0 < rb.c; c0 += 8 * NV) {
    int64_t q0 = 0;
    for (; q0 + NQ <= windows; q0 += NQ) poolWindows<NV, NQ>(rb, w, pw, c0, q0, y);
    for (; q0 + 2 <= windows; q0 += 2) poolWindows<NV, 2>(rb, w, pw, c0, q0, y);
    for (; q0 < windows; ++q0) poolWindows<NV, 1>(rb, w, pw, c0, q0, y);
  }
}

// poolRow for C, or null when C is not a multiple of 8 (then: convRows, then SortPoolBase's window walk).
inline void (*poolRowFor(int64_t c))(const RowBlock&, const float*, const PoolWalk&, float*) {
  if (c % 16 == 0) return poolRow<2>;
  if (c % 8 == 0) return poolRow<1>;
  return nullptr;
}

}  // namespace lipnet
