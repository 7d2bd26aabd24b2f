// lipnet's fused CPU kernels for TensorFlow, loaded into the process of
// @tensorflow/tfjs-node (tools/native/setup.sh builds this file against the
// headers of the same TensorFlow wheel as the binding, as a Node addon, so
// that `require` runs the op and kernel registrations below in the process's
// TensorFlow). @lipnet/backend registers tfjs kernels of the same names that
// run these ops, and @lipnet/layers uses them when the active backend has them.
//
// Each op does in one pass over memory what tfjs' composition does in four to
// eight (GEMMs, compares, selects, squares, pools and their gradients), all
// bound by memory bandwidth at the demo4 network's sizes. The numbers are
// those of the compositions: the pair sorts are exact permutations, the
// pooling ops use the same operations in the same order per element (the sum
// over a window may round differently from TensorFlow's AvgPool).
#include "lipnet_ops.h"

namespace lipnet {

// ---------------------------------------------------------------------------
// LipnetPairSort: GroupSort(n = 2) on the last axis. Each pair (a, b) becomes
// (b, a) iff a − b > 0, else stays: (min, max) with ties kept in place.
// ---------------------------------------------------------------------------

class PairSortOp : public OpKernel {
 public:
  explicit PairSortOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    OP_REQUIRES(ctx, evenLastAxis(x),
                errors::InvalidArgument("LipnetPairSort: the last axis must have an even length, got shape ",
                                        x.shape().DebugString()));
    Tensor* y = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &y));
    const float* xp = x.flat<float>().data();
    float* yp = y->flat<float>().data();
    parallelFor(ctx, x.NumElements() / 2, 4, [xp, yp](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const float a = xp[2 * i], b = xp[2 * i + 1];
        const bool s = swapped(a, b);
        yp[2 * i] = pick(s, a, b);
        yp[2 * i + 1] = pick(s, b, a);
      }
    });
  }
};

// dx of LipnetPairSort from its input x and dy: the same permutation of dy.
class PairSortGradOp : public OpKernel {
 public:
  explicit PairSortGradOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& dy = ctx->input(1);
    OP_REQUIRES(ctx, evenLastAxis(x) && x.shape() == dy.shape(),
                errors::InvalidArgument("LipnetPairSortGrad: x and dy must have one shape with an even last axis, got ",
                                        x.shape().DebugString(), " and ", dy.shape().DebugString()));
    Tensor* dx = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &dx));
    const float* xp = x.flat<float>().data();
    const float* gp = dy.flat<float>().data();
    float* dp = dx->flat<float>().data();
    parallelFor(ctx, x.NumElements() / 2, 5, [xp, gp, dp](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const bool s = swapped(xp[2 * i], xp[2 * i + 1]);
        const float g0 = gp[2 * i], g1 = gp[2 * i + 1];
        dp[2 * i] = pick(s, g0, g1);
        dp[2 * i + 1] = pick(s, g1, g0);
      }
    });
  }
};

// ---------------------------------------------------------------------------
// LipnetBiasPairSort: LipnetPairSort(z + b), b of shape [C] on the last axis.
// Its gradient op returns dz (the permuted dy) and db = Σ dz over all but the
// last axis.
// ---------------------------------------------------------------------------

class BiasPairSortOp : public OpKernel {
 public:
  explicit BiasPairSortOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& z = ctx->input(0);
    const Tensor& b = ctx->input(1);
    OP_REQUIRES(ctx, biasMatches(z, b),
                errors::InvalidArgument("LipnetBiasPairSort: expected z with an even last axis C and a bias of shape [C], got ",
                                        z.shape().DebugString(), " and ", b.shape().DebugString()));
    Tensor* y = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, z.shape(), &y));
    const int64_t c = b.dim_size(0);
    const int64_t rows = z.NumElements() / c;
    const float* zp = z.flat<float>().data();
    const float* bp = b.flat<float>().data();
    float* yp = y->flat<float>().data();
    parallelFor(ctx, rows, 3 * c, [=](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const float* zr = zp + r * c;
        float* yr = yp + r * c;
        for (int64_t j = 0; j < c; j += 2) {
          const float a = zr[j] + bp[j], v = zr[j + 1] + bp[j + 1];
          const bool s = swapped(a, v);
          yr[j] = pick(s, a, v);
          yr[j + 1] = pick(s, v, a);
        }
      }
    });
  }
};

class BiasPairSortGradOp : public OpKernel {
 public:
  explicit BiasPairSortGradOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& z = ctx->input(0);
    const Tensor& b = ctx->input(1);
    const Tensor& dy = ctx->input(2);
    OP_REQUIRES(ctx, biasMatches(z, b) && z.shape() == dy.shape(),
                errors::InvalidArgument("LipnetBiasPairSortGrad: expected z and dy of one shape with an even last axis C and a bias of shape [C], got ",
                                        z.shape().DebugString(), ", ", b.shape().DebugString(), " and ", dy.shape().DebugString()));
    Tensor* dz = nullptr;
    Tensor* db = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, z.shape(), &dz));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, b.shape(), &db));
    const int64_t c = b.dim_size(0);
    const int64_t rows = z.NumElements() / c;
    const float* zp = z.flat<float>().data();
    const float* bp = b.flat<float>().data();
    const float* gp = dy.flat<float>().data();
    float* dp = dz->flat<float>().data();
    // db: a fixed number of blocks of rows (so the sum does not depend on the
    // thread count); each block sums runs of 256 rows in float, adds each run
    // into double, and the blocks are added in order.
    const int64_t blocks = std::max<int64_t>(1, std::min<int64_t>(64, rows));
    std::vector<double> partial(static_cast<size_t>(blocks * c), 0.0);
    double* pp = partial.data();
    parallelFor(ctx, blocks, (rows / blocks + 1) * 4 * c, [=](int64_t begin, int64_t end) {
      std::vector<float> run(static_cast<size_t>(c));
      float* __restrict acc = run.data();
      for (int64_t k = begin; k < end; ++k) {
        const int64_t r0 = rows * k / blocks, r1 = rows * (k + 1) / blocks;
        for (int64_t q0 = r0; q0 < r1; q0 += 256) {
          std::fill(acc, acc + c, 0.0f);
          const int64_t q1 = std::min(r1, q0 + 256);
          for (int64_t r = q0; r < q1; ++r) {
            const float* __restrict zr = zp + r * c;
            const float* __restrict gr = gp + r * c;
            float* __restrict dr = dp + r * c;
            for (int64_t j = 0; j < c; j += 2) {
              const bool s = swapped(zr[j] + bp[j], zr[j + 1] + bp[j + 1]);
              const float g0 = gr[j], g1 = gr[j + 1];
              const float d0 = pick(s, g0, g1), d1 = pick(s, g1, g0);
              dr[j] = d0;
              dr[j + 1] = d1;
              acc[j] += d0;
              acc[j + 1] += d1;
            }
          }
          for (int64_t j = 0; j < c; ++j) pp[k * c + j] += acc[j];
        }
      }
    });
    float* dbp = db->flat<float>().data();
    for (int64_t j = 0; j < c; ++j) {
      double s = 0.0;
      for (int64_t k = 0; k < blocks; ++k) s += pp[k * c + j];
      dbp[j] = static_cast<float>(s);
    }
  }
};

// ---------------------------------------------------------------------------
// LipnetL2Pool: scale · √(mean of x² over each ph×pw window), NHWC, windows
// not overlapping ('valid', strides = pool size): ScaledL2NormPooling2D.
// LipnetL2PoolGrad: dx = (g / (ph·pw)) · 2x with g = dy·scale / (2(r + eps)),
// r = √mean(x²) recomputed from x: deel-lip's `_sqrt(eps_grad_sqrt)` rule.
// ---------------------------------------------------------------------------

class L2PoolOp : public L2PoolBase {
 public:
  explicit L2PoolOp(OpKernelConstruction* ctx) : L2PoolBase(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    PoolDims d;
    if (!dims(ctx, x, &d)) return;
    Tensor* y = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({d.n, d.oh, d.ow, d.c}), &y));
    const float* xp = x.flat<float>().data();
    float* yp = y->flat<float>().data();
    const float count = static_cast<float>(ph_ * pw_);
    const float scale = scale_;
    parallelFor(ctx, d.n * d.oh, 3 * ph_ * d.w * d.c, [&, xp, yp](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        float* out = yp + r * d.ow * d.c;
        windowSums(xp, d, r / d.oh, r % d.oh, out);
        for (int64_t i = 0; i < d.ow * d.c; ++i) out[i] = std::sqrt(out[i] / count) * scale;
      }
    });
  }
};

class L2PoolGradOp : public L2PoolBase {
 public:
  explicit L2PoolGradOp(OpKernelConstruction* ctx) : L2PoolBase(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("eps", &eps_));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& dy = ctx->input(1);
    PoolDims d;
    if (!dims(ctx, x, &d)) return;
    OP_REQUIRES(ctx, dy.shape() == TensorShape({d.n, d.oh, d.ow, d.c}),
                errors::InvalidArgument("LipnetL2PoolGrad: dy must have the pooled shape [", d.n, ",", d.oh, ",", d.ow, ",", d.c,
                                        "], got ", dy.shape().DebugString()));
    Tensor* dx = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &dx));
    const float* xp = x.flat<float>().data();
    const float* gp = dy.flat<float>().data();
    float* dp = dx->flat<float>().data();
    const float count = static_cast<float>(ph_ * pw_);
    const float scale = scale_, eps = eps_;
    const int64_t span = ph_ * d.w * d.c;  // x values of one output row's windows
    parallelFor(ctx, d.n * d.oh, 6 * span, [&, xp, gp, dp](int64_t begin, int64_t end) {
      std::vector<float> g(static_cast<size_t>(d.ow * d.c));
      for (int64_t r = begin; r < end; ++r) {
        const int64_t n = r / d.oh, oh = r % d.oh;
        windowSums(xp, d, n, oh, g.data());
        const float* dyr = gp + r * d.ow * d.c;
        for (int64_t i = 0; i < d.ow * d.c; ++i) {
          const float rr = std::sqrt(g[i] / count);
          g[i] = (dyr[i] * scale) / (2.0f * (rr + eps)) / count;
        }
        for (int64_t dh = 0; dh < ph_; ++dh) {
          const int64_t h = oh * ph_ + dh;
          const float* xr = xp + ((n * d.h + h) * d.w) * d.c;
          float* dr = dp + ((n * d.h + h) * d.w) * d.c;
          for (int64_t wcol = 0; wcol < d.w; ++wcol) {
            const int64_t ow = wcol / pw_;
            float* dpx = dr + wcol * d.c;
            const float* px = xr + wcol * d.c;
            if (ow >= d.ow) {
              std::fill(dpx, dpx + d.c, 0.0f);  // columns past the last whole window
              continue;
            }
            const float* gw = g.data() + ow * d.c;
            for (int64_t ch = 0; ch < d.c; ++ch) dpx[ch] = gw[ch] * (px[ch] * 2.0f);
          }
        }
      }
    });
    // Rows past the last whole window get no gradient.
    if (d.h > d.oh * ph_) {
      for (int64_t n = 0; n < d.n; ++n) {
        float* tail = dp + ((n * d.h + d.oh * ph_) * d.w) * d.c;
        std::fill(tail, tail + (d.h - d.oh * ph_) * d.w * d.c, 0.0f);
      }
    }
  }

 private:
  float eps_ = 0.0f;
};

REGISTER_OP("LipnetPairSort").Input("x: float").Output("y: float").SetShapeFn(likeFirstInput);
REGISTER_OP("LipnetPairSortGrad").Input("x: float").Input("dy: float").Output("dx: float").SetShapeFn(likeFirstInput);
REGISTER_OP("LipnetBiasPairSort").Input("z: float").Input("b: float").Output("y: float").SetShapeFn(likeFirstInput);
REGISTER_OP("LipnetBiasPairSortGrad")
    .Input("z: float")
    .Input("b: float")
    .Input("dy: float")
    .Output("dz: float")
    .Output("db: float")
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->input(0));
      c->set_output(1, c->input(1));
      return Status();
    });
REGISTER_OP("LipnetL2Pool").Input("x: float").Output("y: float").Attr("ph: int").Attr("pw: int").Attr("scale: float").SetShapeFn(poolShape);
REGISTER_OP("LipnetL2PoolGrad")
    .Input("x: float")
    .Input("dy: float")
    .Output("dx: float")
    .Attr("ph: int")
    .Attr("pw: int")
    .Attr("scale: float")
    .Attr("eps: float")
    .SetShapeFn(likeFirstInput);

REGISTER_KERNEL_BUILDER(Name("LipnetPairSort").Device(DEVICE_CPU), PairSortOp);
REGISTER_KERNEL_BUILDER(Name("LipnetPairSortGrad").Device(DEVICE_CPU), PairSortGradOp);
REGISTER_KERNEL_BUILDER(Name("LipnetBiasPairSort").Device(DEVICE_CPU), BiasPairSortOp);
REGISTER_KERNEL_BUILDER(Name("LipnetBiasPairSortGrad").Device(DEVICE_CPU), BiasPairSortGradOp);
REGISTER_KERNEL_BUILDER(Name("LipnetL2Pool").Device(DEVICE_CPU), L2PoolOp);
REGISTER_KERNEL_BUILDER(Name("LipnetL2PoolGrad").Device(DEVICE_CPU), L2PoolGradOp);

}  // namespace lipnet

// A Node addon, so that `require` loads this library (and its registrations
// above) into the process. It exports the op names and the TensorFlow version
// it was built against.
#ifndef LIPNET_TF_VERSION
#define LIPNET_TF_VERSION "unknown"
#endif

NAPI_MODULE_INIT() {
  static const char* const kOps[] = {"LipnetPairSort", "LipnetPairSortGrad", "LipnetBiasPairSort",
                                     "LipnetBiasPairSortGrad", "LipnetL2Pool", "LipnetL2PoolGrad",
                                     "LipnetBiasPairSortL2Pool", "LipnetBiasPairSortL2PoolGrad",
                                     "LipnetBjorck",   "LipnetBjorckGrad", "LipnetConvBiasPairSortL2Pool",
                                     "LipnetConvBiasPairSortL2PoolGrad", "LipnetSpectralBjorck",
                                     "LipnetSpectralBjorckGrad", "LipnetWinogradConv2D",
                                     "LipnetWinogradConv2DBackpropInput", "LipnetWinogradConv2DBackpropFilter"};
  napi_value ops;
  napi_create_array_with_length(env, std::size(kOps), &ops);
  for (uint32_t i = 0; i < std::size(kOps); ++i) {
    napi_value s;
    napi_create_string_utf8(env, kOps[i], NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, ops, i, s);
  }
  napi_value version;
  napi_create_string_utf8(env, LIPNET_TF_VERSION, NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "ops", ops);
  napi_set_named_property(env, exports, "tensorflowVersion", version);
  return exports;
}
