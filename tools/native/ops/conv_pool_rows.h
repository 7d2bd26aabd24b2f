// conv_sort_pool_ops.cc's pooling in registers, for C a multiple of 8: per group of NQ adjacent
// pooling windows of one pooled row, each window's ph·pw conv pixels are computed (convPixels' sums,
// tap order k), biased, pair-sorted and squared into the window's sum in the order (dh, dw) of
// SortPoolBase::windowSums; forward, y = √(sum / (ph·pw)) · scale — the numbers of convRows followed
// by LipnetBiasPairSortL2Pool's window walk, without storing z; backward, the window's coefficient
// and dz as LipnetBiasPairSortL2PoolGrad's (z kept in a small per-row buffer for that).
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
  bool exactInverse;  // count is a power of two
};

// a[q] = the conv of pixel (dh, dw) of window q0 + q, q < NQ, channels [c0, c0 + 8·NV) (convPixels'
// sums in tap order k, for NQ pixels pw apart).
template <int NV, int NQ>
inline void windowPixels(const RowBlock& rb, const float* w, int64_t pw, int64_t c0, int64_t q0, int64_t dh,
                         int64_t dw, v8f (&a)[NQ][NV]) {
  for (int q = 0; q < NQ; ++q)
    for (int j = 0; j < NV; ++j) a[q][j] = splat8(0.0f);
  const float* x0 = rb.xpad + rb.base(dh, q0 * pw + dw);
  const int64_t step = pw * rb.cin;
  for (int64_t k = 0; k < rb.taps; ++k) {
    v8f wv[NV];
    for (int j = 0; j < NV; ++j) wv[j] = load8(w + k * rb.c + c0 + 8 * j);
    const float* xk = x0 + rb.off[k];
    for (int q = 0; q < NQ; ++q) {
      const v8f v = splat8(xk[q * step]);
      for (int j = 0; j < NV; ++j) a[q][j] += v * wv[j];
    }
  }
}

// sum[q] = Σ over window q0 + q's pixels, in the order (dh, dw), of s² (s = pair sort of z + b); z
// of each pixel is also stored at z[(dh·cols + col)·C + ·] when z is not null.
template <int NV, int NQ>
inline void windowSums(const RowBlock& rb, const float* w, const PoolWalk& pw, int64_t c0, int64_t q0,
                       v8f (&sum)[NQ][NV], float* z) {
  v8f bias[NV];
  for (int j = 0; j < NV; ++j) bias[j] = load8(pw.bias + c0 + 8 * j);
  for (int q = 0; q < NQ; ++q)
    for (int j = 0; j < NV; ++j) sum[q][j] = splat8(0.0f);
  for (int64_t dh = 0; dh < pw.ph; ++dh) {
    for (int64_t dw = 0; dw < pw.pw; ++dw) {
      v8f a[NQ][NV];
      windowPixels<NV, NQ>(rb, w, pw.pw, c0, q0, dh, dw, a);
      for (int q = 0; q < NQ; ++q)
        for (int j = 0; j < NV; ++j) {
          if (z) store8(z + (dh * rb.cols + (q0 + q) * pw.pw + dw) * rb.c + c0 + 8 * j, a[q][j]);
          const v8f s = pairSort8(a[q][j] + bias[j]);
          sum[q][j] += s * s;
        }
    }
  }
}

// sum / count; as sum · (1/count) when count is a power of two (the same number: both round sum/count).
inline v8f mean8(v8f sum, const PoolWalk& pw) {
  return pw.exactInverse ? sum * splat8(1.0f / pw.count) : sum / splat8(pw.count);
}

// r = √(sum / count), the window's root mean square.
inline v8f rms8(v8f sum, const PoolWalk& pw) {
  v8f r = mean8(sum, pw);
  for (int l = 0; l < 8; ++l) r[l] = std::sqrt(r[l]);  // vsqrtps (-fno-math-errno)
  return r;
}

// y[(q0 + q)·C + c0 + ·] = √(sum / count) · scale for the NQ windows from pooled column q0.
template <int NV, int NQ>
inline void poolWindows(const RowBlock& rb, const float* w, const PoolWalk& pw, int64_t c0, int64_t q0, float* y) {
  v8f sum[NQ][NV];
  windowSums<NV, NQ>(rb, w, pw, c0, q0, sum, nullptr);
  for (int q = 0; q < NQ; ++q)
    for (int j = 0; j < NV; ++j) store8(y + (q0 + q) * rb.c + c0 + 8 * j, rms8(sum[q][j], pw) * splat8(pw.scale));
}

// dz of the NQ windows from q0 (LipnetBiasPairSortL2PoolGrad's rowGradient): g = dy·scale / (2(r + eps))
// / count per window, then per pixel dz = (g of the slot z + b was sorted into) · 2(z + b). z and dz are
// the block's [ph][cols][C] buffers; dy the pooled row's [OW'][C].
template <int NV, int NQ>
inline void gradWindows(const RowBlock& rb, const float* w, const PoolWalk& pw, float eps, const float* dy,
                        int64_t c0, int64_t q0, float* z, float* dz) {
  v8f g[NQ][NV];
  windowSums<NV, NQ>(rb, w, pw, c0, q0, g, z);
  for (int q = 0; q < NQ; ++q)
    for (int j = 0; j < NV; ++j) {
      const v8f r = rms8(g[q][j], pw);
      const v8f e = (load8(dy + (q0 + q) * rb.c + c0 + 8 * j) * splat8(pw.scale)) / (splat8(2.0f) * (r + splat8(eps)));
      g[q][j] = mean8(e, pw);
    }
  const v8i swap = {1, 0, 3, 2, 5, 4, 7, 6};
  const v8f alt = {1.0f, -1.0f, 1.0f, -1.0f, 1.0f, -1.0f, 1.0f, -1.0f};
  v8f bias[NV];
  for (int j = 0; j < NV; ++j) bias[j] = load8(pw.bias + c0 + 8 * j);
  const int64_t c = rb.c, cols = rb.cols, ph = pw.ph, width = pw.pw;
  for (int64_t dh = 0; dh < ph; ++dh) {
    for (int q = 0; q < NQ; ++q) {
      const int64_t first = (dh * cols + (q0 + q) * width) * c + c0;
      for (int64_t dw = 0; dw < width; ++dw) {
        for (int j = 0; j < NV; ++j) {
          const int64_t at = first + dw * c + 8 * j;
          const v8f u = load8(z + at) + bias[j];
          const v8f t = __builtin_shuffle(u, swap);
          const v8f gs = __builtin_shuffle(g[q][j], swap);
          store8(dz + at, ((u - t) * alt > 0.0f ? gs : g[q][j]) * (u * splat8(2.0f)));
        }
      }
    }
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

// The [ph][cols][C] z and dz of the block's pooled row (dy: its [OW'][C] gradient), C a multiple of 8·NV.
template <int NV>
void gradRow(const RowBlock& rb, const float* w, const PoolWalk& pw, float eps, const float* dy, float* z, float* dz) {
  constexpr int NQ = NV >= 2 ? 4 : 8;
  const int64_t windows = rb.cols / pw.pw;
  for (int64_t c0 = 0; c0 < rb.c; c0 += 8 * NV) {
    int64_t q0 = 0;
    for (; q0 + NQ <= windows; q0 += NQ) gradWindows<NV, NQ>(rb, w, pw, eps, dy, c0, q0, z, dz);
    for (; q0 + 2 <= windows; q0 += 2) gradWindows<NV, 2>(rb, w, pw, eps, dy, c0, q0, z, dz);
    for (; q0 < windows; ++q0) gradWindows<NV, 1>(rb, w, pw, eps, dy, c0, q0, z, dz);
  }
}

// The register kernels for C, or nulls when C is not a multiple of 8 (then: convRows and SortPoolBase's
// window walk and row gradient on the z buffer).
struct PoolKernels {
  void (*pool)(const RowBlock&, const float*, const PoolWalk&, float*);
  void (*grad)(const RowBlock&, const float*, const PoolWalk&, float, const float*, float*, float*);
};

inline PoolKernels poolKernels(int64_t c) {
  if (c % 16 == 0) return {poolRow<2>, gradRow<2>};
  if (c % 8 == 0) return {poolRow<1>, gradRow<1>};
  return {nullptr, nullptr};
}

}  // namespace lipnet
