// Eight floats of a contiguous channel axis as one GCC vector (lipnet_ops.h's pooling, conv_rows.h's
// convolution): loads, stores, broadcasts and the pair sort of four channel pairs.
#pragma once

#include <cstring>

namespace lipnet {

// Eight floats of the channel axis: GCC's vector extension (AVX with -march=x86-64-v3, two SSE
// registers without), for loops whose accumulators must stay in registers.
typedef float v8f __attribute__((vector_size(32)));
inline v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, v8f v) { std::memcpy(p, &v, sizeof v); }
inline v8f splat8(float s) { return v8f{s, s, s, s, s, s, s, s}; }

// The pair sort of eight channels (four pairs): lane 2i and 2i+1 swap iff u[2i] − u[2i+1] > 0 (swapped()),
// as LipnetPairSort does per pair.
typedef int v8i __attribute__((vector_size(32)));
inline v8f pairSort8(v8f u) {
  const v8f t = __builtin_shuffle(u, v8i{1, 0, 3, 2, 5, 4, 7, 6});
  const v8i s = (u - t) > 0.0f;  // in even lanes: u[2i] − u[2i+1] > 0
  return __builtin_shuffle(s, v8i{0, 0, 2, 2, 4, 4, 6, 6}) ? t : u;
}

}  // namespace lipnet
