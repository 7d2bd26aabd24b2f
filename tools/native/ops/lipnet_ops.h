// What lipnet's fused TensorFlow ops share (lipnet_ops.cc, sort_pool_ops.cc,
// conv_sort_pool_ops.cc): the includes, TensorFlow's names, the thread-pool
// loop, the pair-order test and blend, the pooled shape, and the pooling after
// a bias + GroupSort(2) activation with its row gradient (SortPoolBase).
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

// The attrs (ph, pw, scale) and dims of the pooling ops (LipnetL2Pool, LipnetBiasPairSortL2Pool and
// their gradients).
class L2PoolBase : public OpKernel {
 public:
  explicit L2PoolBase(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("ph", &ph_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("pw", &pw_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("scale", &scale_));
    OP_REQUIRES(ctx, ph_ >= 1 && pw_ >= 1,
                errors::InvalidArgument(name(), ": pool sizes must be ≥ 1, got ", ph_, "×", pw_));
  }

 protected:
  // The dims of NHWC x and of its pooled output; false (with the error set) when x is not rank 4.
  bool dims(OpKernelContext* ctx, const Tensor& x, PoolDims* d) {
    if (x.dims() != 4) {
      ctx->CtxFailure(__FILE__, __LINE__,
                      errors::InvalidArgument(name(), ": x must be NHWC (rank 4), got shape ", x.shape().DebugString()));
      return false;
    }
    *d = {x.dim_size(0), x.dim_size(1), x.dim_size(2), x.dim_size(3), x.dim_size(1) / ph_, x.dim_size(2) / pw_};
    return true;
  }
  // Window sums of x² of output row (n, oh) into acc[ow·C + c], summed in the
  // order (dh, dw) as a row-major window walk.
  void windowSums(const float* xp, const PoolDims& d, int64_t n, int64_t oh, float* acc) const {
    std::fill(acc, acc + d.ow * d.c, 0.0f);
    for (int64_t dh = 0; dh < ph_; ++dh) {
      const float* row = xp + ((n * d.h + oh * ph_ + dh) * d.w) * d.c;
      for (int64_t ow = 0; ow < d.ow; ++ow) {
        float* a = acc + ow * d.c;
        for (int64_t dw = 0; dw < pw_; ++dw) {
          const float* px = row + (ow * pw_ + dw) * d.c;
          for (int64_t ch = 0; ch < d.c; ++ch) a[ch] += px[ch] * px[ch];
        }
      }
    }
  }
  int ph_ = 2, pw_ = 2;
  float scale_ = 1.0f;
};

// The pooling after a bias + GroupSort(2) activation (LipnetBiasPairSortL2Pool, its gradient, and the
// convolution ops of conv_sort_pool_ops.cc that recompute z): window sums of s² and the row gradient.
class SortPoolBase : public L2PoolBase {
 public:
  explicit SortPoolBase(OpKernelConstruction* ctx) : L2PoolBase(ctx) {}

 protected:
  // L2PoolBase::dims, and false (with the error set) unless C is even and b has shape [C].
  bool dims(OpKernelContext* ctx, const Tensor& z, const Tensor& b, PoolDims* d) {
    if (!L2PoolBase::dims(ctx, z, d)) return false;
    if (biasMatches(z, b)) return true;
    ctx->CtxFailure(__FILE__, __LINE__,
                    errors::InvalidArgument(name(), ": expected an even channel count C and a bias of shape [C], got ",
                                            z.shape().DebugString(), " and ", b.shape().DebugString()));
    return false;
  }
  // Window sums of s² (s = pair sort of z + b) of output row (n, oh) into acc[ow·C + c], in the order
  // (dh, dw) of LipnetL2Pool's window walk.
  void windowSums(const float* zp, const float* bp, const PoolDims& d, int64_t n, int64_t oh, float* acc) const {
    std::fill(acc, acc + d.ow * d.c, 0.0f);
    for (int64_t dh = 0; dh < ph_; ++dh) {
      const float* row = zp + ((n * d.h + oh * ph_ + dh) * d.w) * d.c;
      for (int64_t ow = 0; ow < d.ow; ++ow) {
        float* a = acc + ow * d.c;
        for (int64_t dw = 0; dw < pw_; ++dw) {
          const float* pz = row + (ow * pw_ + dw) * d.c;
          for (int64_t ch = 0; ch < d.c; ch += 2) {
            const float u = pz[ch] + bp[ch], v = pz[ch + 1] + bp[ch + 1];
            const bool s = swapped(u, v);
            const float lo = s ? v : u, hi = s ? u : v;  // float selects: the loop vectorises as blends
            a[ch] += lo * lo;
            a[ch + 1] += hi * hi;
          }
        }
      }
    }
  }
  // g[ow·C + c] = dy·scale / (2(r + eps)) / (ph·pw) of output row r (dy of that row at gp + r·OW·C), as
  // LipnetL2PoolGrad.
  void coefficients(const float* zp, const float* bp, const float* gp, const PoolDims& d, int64_t r, float eps,
                    float* g) const {
    windowSums(zp, bp, d, r / d.oh, r % d.oh, g);
    const float count = static_cast<float>(ph_ * pw_);
    const float* dyr = gp + r * d.ow * d.c;
    for (int64_t i = 0; i < d.ow * d.c; ++i) {
      const float rr = std::sqrt(g[i] / count);
      g[i] = (dyr[i] * scale_) / (2.0f * (rr + eps)) / count;
    }
  }
  // dz of the ph rows of output row r's windows (ds = g · 2s, permuted back; 0 past the last whole
  // window's column), and Σ dz into acc.
  void rowGradient(const float* zp, const float* bp, const float* g, const PoolDims& d, int64_t r, float* dp,
                   float* acc) const {
    const int64_t n = r / d.oh, oh = r % d.oh;
    for (int64_t dh = 0; dh < ph_; ++dh) {
      const int64_t at = ((n * d.h + oh * ph_ + dh) * d.w) * d.c;
      for (int64_t col = 0; col < d.ow * pw_; ++col) {
        const float* pz = zp + at + col * d.c;
        const float* gw = g + (col / pw_) * d.c;
        float* pd = dp + at + col * d.c;
        for (int64_t ch = 0; ch < d.c; ch += 2) {
          const float u = pz[ch] + bp[ch], v = pz[ch + 1] + bp[ch + 1];
          // u took sorted slot 1 iff swapped: its gradient is g of that slot times 2u (= ds permuted back).
          const bool s = swapped(u, v);
          const float g0 = gw[ch], g1 = gw[ch + 1];
          const float e0 = pick(s, g0, g1) * (u * 2.0f), e1 = pick(s, g1, g0) * (v * 2.0f);
          pd[ch] = e0;
          pd[ch + 1] = e1;
          acc[ch] += e0;
          acc[ch + 1] += e1;
        }
      }
      std::fill(dp + at + d.ow * pw_ * d.c, dp + at + d.w * d.c, 0.0f);  // columns past the last whole window
    }
  }
};

}  // namespace lipnet
