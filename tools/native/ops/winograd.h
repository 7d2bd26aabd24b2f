// Winograd F(2×2, 3×3) for winograd_ops.cc: the tile transforms and the
// AVX2 micro-kernels of the 16 small GEMMs, on one block of tiles at a time.
//
// A 2×2 output tile of a 3×3 'SAME' stride-1 correlation reads a 4×4 input
// tile d (origin (2ty − 1, 2tx − 1), zeros outside the image):
//   Y = Aᵀ [ Σ_c (G g Gᵀ)[c][k] ⊙ (Bᵀ d B)[c] ] A
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//   Aᵀ = [1 1 1 0; 0 1 −1 −1]  (Lavin & Gray 2016).
// Per frequency ξ = 4a + b the channel sum is a GEMM: M_ξ[t][k] = Σ_c V_ξ[t][c] U_ξ[c][k].
// The filter gradient of the same formula: ∂U_ξ[c][k] = Σ_t V_ξ[t][c] (A dY Aᵀ)_ξ[t][k],
// ∂g = Gᵀ ∂U G (the tiles' sum, the third GEMM form).
// A block's transformed tiles are laid out [ξ][t][channel] (channel contiguous), T tiles a block, the
// ξ planes S = planeStride(T, channels) floats apart: T·channels plus one cache line, so that the 16
// planes a tile transform touches do not all fall in the same L1 set (T·C·4 bytes is often 4 KB·m).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include <immintrin.h>

#include "vec8.h"

namespace lipnet {

// NHWC x [n, h, w, c] cut into th × tw tiles of 2×2 outputs per image (the last row/column of tiles
// partial when h or w is odd); tile t = (n·th + ty)·tw + tx.
struct TileGrid {
  int64_t n, h, w, th, tw;
  int64_t tiles() const { return n * th * tw; }
};

inline TileGrid tileGrid(int64_t n, int64_t h, int64_t w) { return {n, h, w, (h + 1) / 2, (w + 1) / 2}; }

// A tile's image and tile row/column; `next` steps to tile t + 1 without a division.
struct TilePos {
  int64_t n, ty, tx;
  void next(const TileGrid& g) {
    if (++tx < g.tw) return;
    tx = 0;
    if (++ty < g.th) return;
    ty = 0;
    ++n;
  }
};

inline TilePos tilePos(const TileGrid& g, int64_t t) {
  const int64_t r = t % (g.th * g.tw);
  return {t / (g.th * g.tw), r / g.tw, r % g.tw};
}

// The distance of a block's ξ planes (floats): T tiles of `channels`, plus 16 floats.
inline int64_t planeStride(int64_t T, int64_t channels) { return T * channels + 16; }

// A zero-filled float buffer aligned to a cache line (so that 32-byte vector accesses at multiples of
// 8 floats never straddle two lines; std::vector's 16-byte alignment makes every other one do so).
class AlignedFloats {
 public:
  explicit AlignedFloats(int64_t n) : p_(new (std::align_val_t(64)) float[static_cast<size_t>(n)]()) {}
  float* data() const { return p_.get(); }

 private:
  struct Free {
    void operator()(float* p) const { ::operator delete[](p, std::align_val_t(64)); }
  };
  std::unique_ptr<float[], Free> p_;
};

// V[ξ·S + i·c + ·] = (Bᵀ d B)_ξ of tile t (block row i) of x [.., c channels], c a multiple of 8; `zeros`:
// c zeros, read for the pixels outside the image (the 'SAME' padding).
inline void inputTile(const float* x, const TileGrid& g, int64_t c, const TilePos& t, int64_t i, int64_t S, const float* zeros,
                      float* V) {
  const int64_t n = t.n, y0 = 2 * t.ty - 1, x0 = 2 * t.tx - 1;
  const float* px[16];
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 4; ++b) {
      const int64_t y = y0 + a, xx = x0 + b;
      px[4 * a + b] = (y >= 0 && y < g.h && xx >= 0 && xx < g.w) ? x + ((n * g.h + y) * g.w + xx) * c : zeros;
    }
  // The input rows stream from memory at 2 pixels per tile: fetch each row's bytes 16 tiles ahead (the
  // hardware prefetcher alone leaves this loop waiting on DRAM, ~2.5× slower than from cache).
  for (int a = 0; a < 4; ++a)
    for (int64_t l = 0; l < c; l += 8) __builtin_prefetch(px[4 * a + 3] + 32 * c + 2 * l);
  const int64_t stride = S;
  float* out = V + i * c;
  for (int64_t c0 = 0; c0 < c; c0 += 8) {
    v8f d[16];
    for (int k = 0; k < 16; ++k) d[k] = load8(px[k] + c0);
    v8f e[16];
    for (int b = 0; b < 4; ++b) {  // Bᵀ d: rows
      e[0 + b] = d[0 + b] - d[8 + b];
      e[4 + b] = d[4 + b] + d[8 + b];
      e[8 + b] = d[8 + b] - d[4 + b];
      e[12 + b] = d[4 + b] - d[12 + b];
    }
    for (int a = 0; a < 4; ++a) {  // (Bᵀ d) B: columns
      const v8f* q = e + 4 * a;
      store8(out + (4 * a + 0) * stride + c0, q[0] - q[2]);
      store8(out + (4 * a + 1) * stride + c0, q[1] + q[2]);
      store8(out + (4 * a + 2) * stride + c0, q[2] - q[1]);
      store8(out + (4 * a + 3) * stride + c0, q[1] - q[3]);
    }
  }
}

// W[ξ·S + i·k + ·] = (A dY Aᵀ)_ξ of the 2×2 tile t of dy [.., k channels] (`zeros`, k of them, outside
// the image).
inline void gradTile(const float* dy, const TileGrid& g, int64_t k, const TilePos& t, int64_t i, int64_t S, const float* zeros,
                     float* W) {
  const int64_t n = t.n, y0 = 2 * t.ty, x0 = 2 * t.tx;
  const float* px[4];
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 2; ++b) {
      const int64_t y = y0 + a, xx = x0 + b;
      px[2 * a + b] = (y < g.h && xx < g.w) ? dy + ((n * g.h + y) * g.w + xx) * k : zeros;
    }
  for (int a = 0; a < 2; ++a)  // as inputTile: each dY row's bytes 16 tiles ahead
    for (int64_t l = 0; l < k; l += 8) __builtin_prefetch(px[2 * a] + 32 * k + 2 * l);
  const int64_t stride = S;
  float* out = W + i * k;
  for (int64_t k0 = 0; k0 < k; k0 += 8) {
    v8f d[4];
    for (int j = 0; j < 4; ++j) d[j] = load8(px[j] + k0);
    // A dY: rows (d0, d0 + d1, d0 − d1, −d1) of each column.
    const v8f e[8] = {d[0], d[1], d[0] + d[2], d[1] + d[3], d[0] - d[2], d[1] - d[3], -d[2], -d[3]};
    for (int a = 0; a < 4; ++a) {  // (A dY) Aᵀ: the same on columns
      const v8f p = e[2 * a], q = e[2 * a + 1];
      store8(out + (4 * a + 0) * stride + k0, p);
      store8(out + (4 * a + 1) * stride + k0, p + q);
      store8(out + (4 * a + 2) * stride + k0, p - q);
      store8(out + (4 * a + 3) * stride + k0, -q);
    }
  }
}

// An unaligned store of v at p that leaves v in its register (store8's memcpy of an array element
// makes GCC spill a micro-kernel's accumulators to the stack and reload them).
typedef float v8fu __attribute__((vector_size(32), aligned(4)));
inline void storeAcc(float* p, v8f v) { *reinterpret_cast<v8fu*>(p) = v; }

// Stores v at p: a non-temporal store when `stream` (p 32-byte aligned; the output is far larger than
// the caches, and this skips reading its lines before writing them), else a plain one.
inline void put8(float* p, v8f v, bool stream) {
  if (!stream) {
    store8(p, v);
    return;
  }
#ifdef __AVX__
  _mm256_stream_ps(p, reinterpret_cast<__m256>(v));
#else  // the portable build (LIPNET_OPS_MARCH=x86-64): two SSE streaming stores
  __m128 lo, hi;
  std::memcpy(&lo, &v, sizeof lo);
  std::memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof lo, sizeof hi);
  _mm_stream_ps(p, lo);
  _mm_stream_ps(p + 4, hi);
#endif
}

// y's 2×2 outputs of tile t (block row i) from M[ξ·S + i·k + ·] = Aᵀ M A, the partial tile cropped;
// `stream`: y is 32-byte aligned, store it non-temporally (then _mm_sfence before y is read).
inline void outputTile(const float* M, const TileGrid& g, int64_t k, const TilePos& t, int64_t i, int64_t S, bool stream,
                       float* y) {
  const int64_t n = t.n, y0 = 2 * t.ty, x0 = 2 * t.tx;
  const bool down = y0 + 1 < g.h, right = x0 + 1 < g.w;
  float* p00 = y + ((n * g.h + y0) * g.w + x0) * k;
  float* p10 = p00 + g.w * k;
  const int64_t stride = S;
  const float* in = M + i * k;
  for (int64_t k0 = 0; k0 < k; k0 += 8) {
    v8f m[16];
    for (int j = 0; j < 16; ++j) m[j] = load8(in + j * stride + k0);
    v8f s[8];
    for (int b = 0; b < 4; ++b) {  // Aᵀ M: rows
      s[b] = m[b] + m[4 + b] + m[8 + b];
      s[4 + b] = m[4 + b] - m[8 + b] - m[12 + b];
    }
    for (int a = 0; a < 2; ++a) {  // (Aᵀ M) A: columns
      const v8f* q = s + 4 * a;
      float* row = a == 0 ? p00 : p10;
      if (a == 1 && !down) break;
      put8(row + k0, q[0] + q[1] + q[2], stream);
      if (right) put8(row + k + k0, q[1] - q[2] - q[3], stream);
    }
  }
}

// M_ξ[i][·] = Σ_c V_ξ[i][c] U_ξ[c][·] for NP block rows from i and the columns [k0, k0 + 8·NV):
// NP·NV accumulators in registers, each U load serving NP rows.
template <int NV, int NP>
inline void gemmRows(const float* V, const float* U, int64_t c, int64_t k, int64_t i, int64_t k0, float* M) {
  v8f acc[NP][NV];
  for (int p = 0; p < NP; ++p)
    for (int j = 0; j < NV; ++j) acc[p][j] = splat8(0.0f);
  const float* v = V + i * c;
  for (int64_t ci = 0; ci < c; ++ci) {
    v8f u[NV];
    for (int j = 0; j < NV; ++j) u[j] = load8(U + ci * k + k0 + 8 * j);
    for (int p = 0; p < NP; ++p) {
      const v8f s = splat8(v[p * c + ci]);
      for (int j = 0; j < NV; ++j) acc[p][j] += s * u[j];
    }
  }
  for (int p = 0; p < NP; ++p)
    for (int j = 0; j < NV; ++j) storeAcc(M + (i + p) * k + k0 + 8 * j, acc[p][j]);
}

// The 16 GEMMs of a block of `rows` tiles: M[ξ] = V[ξ] · U[ξ] (V: [16][T][c], U: [16][c][k], M: [16][T][k]).
template <int NV, int NP>
void blockGemms(const float* V, const float* U, int64_t c, int64_t k, int64_t rows, int64_t SV, int64_t SM, float* M) {
  for (int xi = 0; xi < 16; ++xi) {
    const float* Vx = V + xi * SV;
    const float* Ux = U + xi * c * k;
    float* Mx = M + xi * SM;
    for (int64_t k0 = 0; k0 < k; k0 += 8 * NV) {
      int64_t i = 0;
      for (; i + NP <= rows; i += NP) gemmRows<NV, NP>(Vx, Ux, c, k, i, k0, Mx);
      for (; i < rows; ++i) gemmRows<NV, 1>(Vx, Ux, c, k, i, k0, Mx);
    }
  }
}

// D_ξ[c0 + ·][k0 + ·] += Σ_i V_ξ[i][c0 + p] W_ξ[i][k0 + 8j + ·] over `rows` tiles for NC channels p and
// NV vectors j: NC·NV accumulators summed in tile order in registers, then added to D (float).
template <int NC, int NV>
inline void filterTile(const float* Vx, const float* Wx, int64_t c, int64_t k, int64_t rows, int64_t c0, int64_t k0,
                       float* Dx) {
  v8f acc[NC][NV];
  for (int p = 0; p < NC; ++p)
    for (int j = 0; j < NV; ++j) acc[p][j] = splat8(0.0f);
  for (int64_t i = 0; i < rows; ++i) {
    v8f w[NV];
    for (int j = 0; j < NV; ++j) w[j] = load8(Wx + i * k + k0 + 8 * j);
    const float* v = Vx + i * c + c0;
    for (int p = 0; p < NC; ++p) {
      const v8f s = splat8(v[p]);
      for (int j = 0; j < NV; ++j) acc[p][j] += s * w[j];
    }
  }
  for (int p = 0; p < NC; ++p)
    for (int j = 0; j < NV; ++j) {
      float* d = Dx + (c0 + p) * k + k0 + 8 * j;
      storeAcc(d, *reinterpret_cast<const v8fu*>(d) + acc[p][j]);
    }
}

// D_ξ[c][k] += Σ_i V_ξ[i][c] W_ξ[i][k] over the block's `rows` tiles, for all 16 ξ (D: [16][c][k] floats,
// c a multiple of 2, k of 8·NV): register tiles of 6 channels (then 4 or 2 for the rest) × 8·NV columns.
template <int NV>
void blockFilterGemms(const float* V, const float* W, int64_t c, int64_t k, int64_t rows, int64_t SV, int64_t SW,
                      float* D) {
  for (int xi = 0; xi < 16; ++xi) {
    const float* Vx = V + xi * SV;
    const float* Wx = W + xi * SW;
    float* Dx = D + xi * c * k;
    for (int64_t k0 = 0; k0 < k; k0 += 8 * NV) {
      int64_t c0 = 0;
      for (; c0 + 6 <= c; c0 += 6) filterTile<6, NV>(Vx, Wx, c, k, rows, c0, k0, Dx);
      if (c - c0 == 4) filterTile<4, NV>(Vx, Wx, c, k, rows, c0, k0, Dx);
      if (c - c0 == 2) filterTile<2, NV>(Vx, Wx, c, k, rows, c0, k0, Dx);
    }
  }
}

// U[ξ][ci][co] = (G g Gᵀ)_ξ of g[i][j] = w[((i·3 + j)·cin + ci)·cout + co] (w [3,3,cin,cout]); with
// `flip`, of the rotated, transposed kernel g[i][j] = w[2 − i][2 − j][co][ci] (w [3,3,cout,cin]): the
// kernel whose 'SAME' correlation with dY is Conv2DBackpropInput.
inline void filterTransform(const float* w, int64_t cin, int64_t cout, bool flip, float* U) {
  for (int64_t ci = 0; ci < cin; ++ci)
    for (int64_t co = 0; co < cout; ++co) {
      float g[3][3], e[4][3];
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
          g[i][j] = flip ? w[(((2 - i) * 3 + (2 - j)) * cout + co) * cin + ci] : w[((i * 3 + j) * cin + ci) * cout + co];
      for (int j = 0; j < 3; ++j) {  // G g
        e[0][j] = g[0][j];
        e[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
        e[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
        e[3][j] = g[2][j];
      }
      for (int a = 0; a < 4; ++a) {  // (G g) Gᵀ
        const float u[4] = {e[a][0], 0.5f * (e[a][0] + e[a][1] + e[a][2]), 0.5f * (e[a][0] - e[a][1] + e[a][2]), e[a][2]};
        for (int b = 0; b < 4; ++b) U[((4 * a + b) * cin + ci) * cout + co] = u[b];
      }
    }
}

// dw[i][j][ci][co] = (Gᵀ D G)[i][j] of D[ξ][ci][co] (double), rounded once to float.
inline void filterGradTransform(const double* D, int64_t cin, int64_t cout, float* dw) {
  static const double GT[3][4] = {{1, 0.5, 0.5, 0}, {0, 0.5, -0.5, 0}, {0, 0.5, 0.5, 1}};
  const int64_t cc = cin * cout;
  for (int64_t q = 0; q < cc; ++q) {
    double e[3][4];
    for (int i = 0; i < 3; ++i)
      for (int b = 0; b < 4; ++b) {
        double s = 0.0;
        for (int a = 0; a < 4; ++a) s += GT[i][a] * D[(4 * a + b) * cc + q];
        e[i][b] = s;
      }
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        double s = 0.0;
        for (int b = 0; b < 4; ++b) s += e[i][b] * GT[j][b];
        dw[(i * 3 + j) * cc + q] = static_cast<float>(s);
      }
  }
}

}  // namespace lipnet
