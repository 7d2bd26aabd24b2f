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
};

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
          coefficients(zp, bp, gp, d, r, g.data());
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
  // g[ow·C + c] = dy·scale / (2(r + eps)) / (ph·pw) of output row r, as LipnetL2PoolGrad.
  void coefficients(const float* zp, const float* bp, const float* gp, const PoolDims& d, int64_t r, float* g) const {
    windowSums(zp, bp, d, r / d.oh, r % d.oh, g);
    const float count = static_cast<float>(ph_ * pw_);
    const float* dyr = gp + r * d.ow * d.c;
    for (int64_t i = 0; i < d.ow * d.c; ++i) {
      const float rr = std::sqrt(g[i] / count);
      g[i] = (dyr[i] * scale_) / (2.0f * (rr + eps_)) / count;
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
