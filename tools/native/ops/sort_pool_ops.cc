// LipnetBiasPairSortL2Pool: LipnetL2Pool(LipnetBiasPairSort(z, b)) in one pass
// over z, without writing the sorted tensor s: the L2-norm pooling after a
// convolution's bias and GroupSort(2) activation (demo4's network, twice).
// LipnetBiasPairSortL2PoolGrad: [dz, db] from z, b and the pooled dy, in one
// pass over z: ds = LipnetL2PoolGrad(s, dy) (g = dy·scale / (2(r + eps)),
// ds = (g / (ph·pw)) · 2s, r = √mean(s²) recomputed), dz = ds permuted back
// as s's pairs were, db = Σ dz. The composition reads s for the pooling's
// gradient, writes ds and reads it with z for the sort's; this reads z once.
// Per element, the same operations in the same order as LipnetL2Pool(Grad)
// on s (s is an exact permutation of z + b), so the same numbers.
#include "lipnet_ops.h"

namespace lipnet {

class BiasPairSortL2PoolOp : public SortPoolBase {
 public:
  explicit BiasPairSortL2PoolOp(OpKernelConstruction* ctx) : SortPoolBase(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& z = ctx->input(0);
    const Tensor& b = ctx->input(1);
    PoolDims d;
    if (!dims(ctx, z, b, &d)) return;
    Tensor* y = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({d.n, d.oh, d.ow, d.c}), &y));
    const float* zp = z.flat<float>().data();
    const float* bp = b.flat<float>().data();
    float* yp = y->flat<float>().data();
    const float count = static_cast<float>(ph_ * pw_);
    const float scale = scale_;
    parallelFor(ctx, d.n * d.oh, 5 * ph_ * d.w * d.c, [&, zp, bp, yp](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        float* out = yp + r * d.ow * d.c;
        windowSums(zp, bp, d, r / d.oh, r % d.oh, out);
        for (int64_t i = 0; i < d.ow * d.c; ++i) out[i] = std::sqrt(out[i] / count) * scale;
      }
    });
  }
};

class BiasPairSortL2PoolGradOp : public SortPoolBase {
 public:
  explicit BiasPairSortL2PoolGradOp(OpKernelConstruction* ctx) : SortPoolBase(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("eps", &eps_));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& z = ctx->input(0);
    const Tensor& b = ctx->input(1);
    const Tensor& dy = ctx->input(2);
    PoolDims d;
    if (!dims(ctx, z, b, &d)) return;
    OP_REQUIRES(ctx, dy.shape() == TensorShape({d.n, d.oh, d.ow, d.c}),
                errors::InvalidArgument("LipnetBiasPairSortL2PoolGrad: dy must have the pooled shape [", d.n, ",", d.oh, ",",
                                        d.ow, ",", d.c, "], got ", dy.shape().DebugString()));
    Tensor* dz = nullptr;
    Tensor* db = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, z.shape(), &dz));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, b.shape(), &db));
    float* dp = dz->flat<float>().data();
    // Rows past the last whole window get no gradient (columns: rowGradient).
    for (int64_t n = 0; d.h > d.oh * ph_ && n < d.n; ++n) {
      float* tail = dp + ((n * d.h + d.oh * ph_) * d.w) * d.c;
      std::fill(tail, tail + (d.h - d.oh * ph_) * d.w * d.c, 0.0f);
    }
    // db: a fixed number of blocks of output rows (the sum does not depend on the thread count), each
    // summed in float per output row and added into double; the blocks are added in order.
    const int64_t rows = d.n * d.oh;
    const int64_t blocks = std::max<int64_t>(1, std::min<int64_t>(64, rows));
    std::vector<double> partial(static_cast<size_t>(blocks * d.c), 0.0);
    double* pp = partial.data();
    const float* zp = z.flat<float>().data();
    const float* bp = b.flat<float>().data();
    const float* gp = dy.flat<float>().data();
    parallelFor(ctx, blocks, (rows / blocks + 1) * 10 * ph_ * d.w * d.c, [&, zp, bp, gp, dp, pp](int64_t begin, int64_t end) {
      std::vector<float> g(static_cast<size_t>(d.ow * d.c));
      std::vector<float> acc(static_cast<size_t>(d.c));
      for (int64_t k = begin; k < end; ++k) {
        for (int64_t r = rows * k / blocks; r < rows * (k + 1) / blocks; ++r) {
          coefficients(zp, bp, gp, d, r, eps_, g.data());
          std::fill(acc.begin(), acc.end(), 0.0f);
          rowGradient(zp, bp, g.data(), d, r, dp, acc.data());
          for (int64_t j = 0; j < d.c; ++j) pp[k * d.c + j] += acc[j];
        }
      }
    });
    float* dbp = db->flat<float>().data();
    for (int64_t j = 0; j < d.c; ++j) {
      double s = 0.0;
      for (int64_t k = 0; k < blocks; ++k) s += pp[k * d.c + j];
      dbp[j] = static_cast<float>(s);
    }
  }

 private:
  float eps_ = 0.0f;
};

REGISTER_OP("LipnetBiasPairSortL2Pool")
    .Input("z: float")
    .Input("b: float")
    .Output("y: float")
    .Attr("ph: int")
    .Attr("pw: int")
    .Attr("scale: float")
    .SetShapeFn(poolShape);
REGISTER_OP("LipnetBiasPairSortL2PoolGrad")
    .Input("z: float")
    .Input("b: float")
    .Input("dy: float")
    .Output("dz: float")
    .Output("db: float")
    .Attr("ph: int")
    .Attr("pw: int")
    .Attr("scale: float")
    .Attr("eps: float")
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->input(0));
      c->set_output(1, c->input(1));
      return Status();
    });

REGISTER_KERNEL_BUILDER(Name("LipnetBiasPairSortL2Pool").Device(DEVICE_CPU), BiasPairSortL2PoolOp);
REGISTER_KERNEL_BUILDER(Name("LipnetBiasPairSortL2PoolGrad").Device(DEVICE_CPU), BiasPairSortL2PoolGradOp);

}  // namespace lipnet
