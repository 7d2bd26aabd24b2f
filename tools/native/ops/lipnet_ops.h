// What lipnet's fused TensorFlow ops share (lipnet_ops.cc, sort_pool_ops.cc):
// the includes, TensorFlow's names, the thread-pool loop, the pair-order test
// and blend, and the pooled shape.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <vector>

#include <node_api.h>

#include "third_party/eigen3/Eigen/Core"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "tensorflow/core/util/work_sharder.h"

namespace lipnet {

using tensorflow::DEVICE_CPU;
using tensorflow::OpKernel;
using tensorflow::OpKernelConstruction;
using tensorflow::OpKernelContext;
using tensorflow::Status;
using tensorflow::Tensor;
using tensorflow::TensorShape;
using tensorflow::shape_inference::InferenceContext;
using tensorflow::shape_inference::ShapeHandle;

namespace errors = tensorflow::errors;

// Runs fn(begin, end) over [0, total) on TensorFlow's intra-op thread pool.
template <typename Fn>
void parallelFor(OpKernelContext* ctx, int64_t total, int64_t costPerUnit, Fn fn) {
  auto* workers = ctx->device()->tensorflow_cpu_worker_threads();
  tensorflow::Shard(workers->num_threads, workers->workers, total, costPerUnit,
                    [&fn](int64_t begin, int64_t end) { fn(begin, end); });
}

// Output 0 has the shape of input 0.
inline Status likeFirstInput(InferenceContext* c) {
  c->set_output(0, c->input(0));
  return Status();
}

inline bool swapped(float a, float b) { return a - b > 0.0f; }

// s ? y : x, as a bit blend: pair orders are random, so a branch would be
// mispredicted half the time (and stop the compiler from vectorising).
inline float pick(bool s, float x, float y) {
  uint32_t bx, by;
  std::memcpy(&bx, &x, sizeof bx);
  std::memcpy(&by, &y, sizeof by);
  const uint32_t m = 0u - static_cast<uint32_t>(s);
  const uint32_t r = (bx & ~m) | (by & m);
  float out;
  std::memcpy(&out, &r, sizeof out);
  return out;
}

inline bool evenLastAxis(const Tensor& x) {
  return x.dims() >= 1 && x.dim_size(x.dims() - 1) % 2 == 0;
}

inline bool biasMatches(const Tensor& z, const Tensor& b) {
  return evenLastAxis(z) && b.dims() == 1 && b.dim_size(0) == z.dim_size(z.dims() - 1);
}

// The dims of NHWC x and of its pooled output ('valid', strides = pool).
struct PoolDims {
  int64_t n, h, w, c, oh, ow;
};

inline Status poolShape(InferenceContext* c) {
  ShapeHandle x;
  TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 4, &x));
  int ph, pw;
  TF_RETURN_IF_ERROR(c->GetAttr("ph", &ph));
  TF_RETURN_IF_ERROR(c->GetAttr("pw", &pw));
  auto divide = [&](int axis, int p) {
    auto d = c->Dim(x, axis);
    return c->ValueKnown(d) ? c->MakeDim(c->Value(d) / p) : c->UnknownDim();
  };
  c->set_output(0, c->MakeShape({c->Dim(x, 0), divide(1, ph), divide(2, pw), c->Dim(x, 3)}));
  return Status();
}

}  // namespace lipnet
