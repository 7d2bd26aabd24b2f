// The inner loops of conv_sort_pool_ops.cc: a stride-1 convolution of a few
// output rows from a zero-padded copy of the input rows they need, and the
// filter gradient of those rows. The channel axis (Cout) is contiguous and the
// channel block CB a compile-time constant, so GCC keeps the accumulators in
// vector registers and vectorises over channels (AVX2/FMA with
// -march=x86-64-v3); each tap is a broadcast of one input value times CB weights.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "vec8.h"

namespace lipnet {

// A block of conv output rows: `rows` rows of `cols` pixels, computed from `xpad`, the zero-padded
// input rows they need ([rows + kh − 1][colsP = cols + kw − 1][cin]). Tap k = (i·kw + j)·cin + ci of
// the kernel w[kh][kw][cin][C] reads xpad at pixel base + off[k] (off[k] = (i·colsP + j)·cin + ci).
struct RowBlock {
  const float* xpad;
  const int64_t* off;
  int64_t taps, rows, cols, colsP, cin, c;
  int64_t base(int64_t dr, int64_t col) const { return (dr * colsP + col) * cin; }
};

// z[(dr·cols + col + p)·C + c0 + ·] = Σ_k xpad[base + off[k]] · w[k·C + c0 + ·], summed in tap order
// k, for the channel block [c0, c0 + 8·NV) of NP adjacent pixels from col: NP·NV independent FMA
// chains (enough to hide the FMA latency), and each weight load serves NP pixels.
template <int NV, int NP>
inline void convPixels(const RowBlock& rb, const float* w, int64_t c0, int64_t dr, int64_t col, float* z) {
  v8f a[NP][NV];
  for (int p = 0; p < NP; ++p)
    for (int j = 0; j < NV; ++j) a[p][j] = splat8(0.0f);
  const float* x0 = rb.xpad + rb.base(dr, col);
  for (int64_t k = 0; k < rb.taps; ++k) {
    v8f wv[NV];
    for (int j = 0; j < NV; ++j) wv[j] = load8(w + k * rb.c + c0 + 8 * j);
    const float* xk = x0 + rb.off[k];
    for (int p = 0; p < NP; ++p) {
      const v8f v = splat8(xk[p * rb.cin]);
      for (int j = 0; j < NV; ++j) a[p][j] += v * wv[j];
    }
  }
  for (int p = 0; p < NP; ++p)
    for (int j = 0; j < NV; ++j) store8(z + (dr * rb.cols + col + p) * rb.c + c0 + 8 * j, a[p][j]);
}

// The convolution of the whole block into z[rows][cols][C], C a multiple of 8·NV.
template <int NV>
void convRows(const RowBlock& rb, const float* w, float* z) {
  constexpr int NP = NV >= 2 ? 4 : 8;
  for (int64_t c0 = 0; c0 < rb.c; c0 += 8 * NV) {
    for (int64_t dr = 0; dr < rb.rows; ++dr) {
      int64_t col = 0;
      for (; col + NP <= rb.cols; col += NP) convPixels<NV, NP>(rb, w, c0, dr, col, z);
      for (; col < rb.cols; ++col) convPixels<NV, 1>(rb, w, c0, dr, col, z);
    }
  }
}

// The same for any C (the fallback when C is not a multiple of 8): one pixel and channel at a time.
inline void convRowsAnyC(const RowBlock& rb, const float* w, float* z) {
  for (int64_t dr = 0; dr < rb.rows; ++dr) {
    for (int64_t col = 0; col < rb.cols; ++col) {
      const float* x0 = rb.xpad + rb.base(dr, col);
      float* out = z + (dr * rb.cols + col) * rb.c;
      std::fill(out, out + rb.c, 0.0f);
      for (int64_t k = 0; k < rb.taps; ++k) {
        const float v = x0[rb.off[k]];
        for (int64_t j = 0; j < rb.c; ++j) out[j] += v * w[k * rb.c + j];
      }
    }
  }
}

// dwRow[k·C + c] = Σ_pixels xpad[base + off[k]] · dz[pixel·C + c] (float, pixels in row-major order),
// KC taps at a time so that KC·NV accumulators stay in registers. `off` has room for the taps rounded
// up to a multiple of KC (the extra taps read offset 0 and are not stored); dwRow has rb.taps·C floats.
template <int NV, int KC>
void filterRows(const RowBlock& rb, const float* dz, float* dwRow) {
  for (int64_t c0 = 0; c0 < rb.c; c0 += 8 * NV) {
    for (int64_t k0 = 0; k0 < rb.taps; k0 += KC) {
      v8f a[KC][NV];
      for (int kk = 0; kk < KC; ++kk)
        for (int j = 0; j < NV; ++j) a[kk][j] = splat8(0.0f);
      for (int64_t dr = 0; dr < rb.rows; ++dr) {
        for (int64_t col = 0; col < rb.cols; ++col) {
          const float* xb = rb.xpad + rb.base(dr, col);
          v8f g[NV];
          for (int j = 0; j < NV; ++j) g[j] = load8(dz + (dr * rb.cols + col) * rb.c + c0 + 8 * j);
          for (int kk = 0; kk < KC; ++kk) {
            const v8f v = splat8(xb[rb.off[k0 + kk]]);
            for (int j = 0; j < NV; ++j) a[kk][j] += v * g[j];
          }
        }
      }
      for (int kk = 0; kk < KC && k0 + kk < rb.taps; ++kk)
        for (int j = 0; j < NV; ++j) store8(dwRow + (k0 + kk) * rb.c + c0 + 8 * j, a[kk][j]);
    }
  }
}

// The same for any C: one tap and channel at a time.
inline void filterRowsAnyC(const RowBlock& rb, const float* dz, float* dwRow) {
  std::fill(dwRow, dwRow + rb.taps * rb.c, 0.0f);
  for (int64_t dr = 0; dr < rb.rows; ++dr) {
    for (int64_t col = 0; col < rb.cols; ++col) {
      const float* xb = rb.xpad + rb.base(dr, col);
      const float* g = dz + (dr * rb.cols + col) * rb.c;
      for (int64_t k = 0; k < rb.taps; ++k) {
        const float v = xb[rb.off[k]];
        for (int64_t j = 0; j < rb.c; ++j) dwRow[k * rb.c + j] += v * g[j];
      }
    }
  }
}

// The kernels for a channel count: blocks of 16 channels (two AVX registers) when C is a multiple of
// 16, of 8 when of 8, else the scalar fallback.
struct ConvKernels {
  void (*conv)(const RowBlock&, const float*, float*);
  void (*filter)(const RowBlock&, const float*, float*);
  int tapChunk;  // KC of filter: the tap list is padded to a multiple of it
};

inline ConvKernels convKernels(int64_t c) {
  if (c % 16 == 0) return {convRows<2>, filterRows<2, 3>, 3};
  if (c % 8 == 0) return {convRows<1>, filterRows<1, 6>, 6};
  return {convRowsAnyC, filterRowsAnyC, 1};
}

}  // namespace lipnet
