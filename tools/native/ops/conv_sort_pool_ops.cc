// LipnetConvBiasPairSortL2Pool: LipnetBiasPairSortL2Pool(Conv2D(x, w), b) — a
// stride-1 convolution, its bias, GroupSort(2) and scaled L2-norm pooling — in
// one pass over x, without writing the convolution's output z: per (image,
// pooled row), the ph conv rows of z are computed into a per-thread buffer
// (ph × OW × Cout floats, in L1/L2) and pooled from there with the same
// operations in the same order as LipnetBiasPairSortL2Pool (SortPoolBase).
// LipnetConvBiasPairSortL2PoolGrad: [dw, db] = [Conv2DBackpropFilter(x, dz), Σ dz]
// with dz = LipnetBiasPairSortL2PoolGrad(Conv2D(x, w), b, dy), z and dz
// recomputed per row block in local buffers. There is no dx: these ops are for
// a first layer, whose input needs no gradient.
// At demo4's first layer (x [4096,28,28,1], 3×3 'same' to 16 channels, 2×2
// pool) this saves writing and reading z (205 MB) forward and dz backward.
//
// Stride 1, dilation 1, padding "SAME" (kh − 1 rows in total, ⌊(kh − 1)/2⌋ on
// top; the same for columns) or "VALID"; kh·kw·Cin ≤ kMaxTaps. dw and db do
// not depend on the thread count: rows are split into a fixed number of blocks;
// each pooled row's sums are taken in float and added into its block's double
// partial, and the blocks are added in order.
#include "conv_pool_rows.h"
#include "conv_rows.h"
#include "lipnet_ops.h"

namespace lipnet {

// The largest kh·kw·Cin the conv ops take (e.g. 5×5×8 = 200, 3×3×16 = 144); larger kernels are refused.
constexpr int64_t kMaxTaps = 256;

// The dims of x [N,H,W,Cin], w [kh,kw,Cin,C], the conv output [N,oh,ow,C], its padding before
// (top, left), and the pooled output (pool: {N, oh, ow, C, oh/ph, ow/pw}).
struct ConvDims {
  int64_t n, h, w, cin, kh, kw, c, oh, ow, top, left;
  PoolDims pool;
  int64_t taps() const { return kh * kw * cin; }
};

class ConvSortPoolBase : public SortPoolBase {
 public:
  explicit ConvSortPoolBase(OpKernelConstruction* ctx) : SortPoolBase(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("padding", &padding_));
    OP_REQUIRES(ctx, padding_ == "SAME" || padding_ == "VALID",
                errors::InvalidArgument(name(), ": padding must be \"SAME\" or \"VALID\", got \"", padding_, "\""));
  }

 protected:
  // The dims of x, w and b, or an InvalidArgument saying what is wrong with them.
  Status convDims(const Tensor& x, const Tensor& w, const Tensor& b, ConvDims* d) const {
    if (x.dims() != 4) return errors::InvalidArgument(name(), ": x must be NHWC (rank 4), got shape ", x.shape().DebugString());
    if (w.dims() != 4)
      return errors::InvalidArgument(name(), ": w must be [kh, kw, Cin, Cout] (rank 4), got shape ", w.shape().DebugString());
    if (w.dim_size(2) != x.dim_size(3))
      return errors::InvalidArgument(name(), ": w's Cin (dim 2 of ", w.shape().DebugString(), ") must equal x's channels (dim 3 of ",
                                     x.shape().DebugString(), ")");
    if (w.dim_size(0) < 1 || w.dim_size(1) < 1 || w.dim_size(2) < 1)
      return errors::InvalidArgument(name(), ": w's kh, kw and Cin must be ≥ 1, got ", w.shape().DebugString());
    if (w.dim_size(3) % 2 != 0 || w.dim_size(3) < 2)
      return errors::InvalidArgument(name(), ": Cout (dim 3 of w) must be even and ≥ 2 for GroupSort(2), got ",
                                     w.shape().DebugString());
    if (b.dims() != 1 || b.dim_size(0) != w.dim_size(3))
      return errors::InvalidArgument(name(), ": b must have shape [", w.dim_size(3), "] (Cout), got ", b.shape().DebugString());
    const int64_t taps = w.dim_size(0) * w.dim_size(1) * w.dim_size(2);
    if (taps > kMaxTaps)
      return errors::InvalidArgument(name(), ": kh·kw·Cin must be ≤ ", kMaxTaps, ", got ", taps, " (w ", w.shape().DebugString(), ")");
    ConvDims& r = *d;
    r.n = x.dim_size(0), r.h = x.dim_size(1), r.w = x.dim_size(2), r.cin = x.dim_size(3);
    r.kh = w.dim_size(0), r.kw = w.dim_size(1), r.c = w.dim_size(3);
    const bool same = padding_ == "SAME";
    r.oh = same ? r.h : r.h - r.kh + 1;
    r.ow = same ? r.w : r.w - r.kw + 1;
    r.top = same ? (r.kh - 1) / 2 : 0;
    r.left = same ? (r.kw - 1) / 2 : 0;
    if (r.oh < ph_ || r.ow < pw_)
      return errors::InvalidArgument(name(), ": the ", ph_, "×", pw_, " pool is larger than the convolution's ",
                                     std::max<int64_t>(r.oh, 0), "×", std::max<int64_t>(r.ow, 0), " output (x ",
                                     x.shape().DebugString(), ", w ", w.shape().DebugString(), ", padding ", padding_, ")");
    r.pool = {r.n, r.oh, r.ow, r.c, r.oh / ph_, r.ow / pw_};
    return Status();
  }

  // Per-thread buffers of one pooled row: the padded input rows, z (and dz) of its ph conv rows.
  struct Scratch {
    std::vector<float> xpad, z;
    std::vector<int64_t> off;
    RowBlock rb;
  };

  // The scratch of one thread; the tap offsets padded with zeros to a multiple of tapChunk.
  Scratch scratch(const ConvDims& d, int tapChunk) const {
    Scratch s;
    const int64_t cols = d.pool.ow * pw_, colsP = cols + d.kw - 1;
    s.xpad.assign(static_cast<size_t>((ph_ + d.kh - 1) * colsP * d.cin), 0.0f);
    s.z.resize(static_cast<size_t>(ph_ * cols * d.c));
    s.off.assign(static_cast<size_t>((d.taps() + tapChunk - 1) / tapChunk * tapChunk), 0);
    for (int64_t i = 0; i < d.kh; ++i)
      for (int64_t j = 0; j < d.kw; ++j)
        for (int64_t ci = 0; ci < d.cin; ++ci) s.off[(i * d.kw + j) * d.cin + ci] = (i * colsP + j) * d.cin + ci;
    s.rb = {s.xpad.data(), s.off.data(), d.taps(), ph_, cols, colsP, d.cin, d.c};
    return s;
  }

  // Copies the input rows that pooled row r (= n·OH' + oh') needs into s.xpad, zeros where padded.
  void padRows(const float* xp, const ConvDims& d, int64_t r, Scratch* s) const {
    const int64_t n = r / d.pool.oh, y0 = (r % d.pool.oh) * ph_ - d.top;
    const int64_t colsP = s->rb.colsP;
    const int64_t j0 = std::min(d.left, colsP), j1 = std::min(colsP, d.w + d.left);
    for (int64_t i = 0; i < ph_ + d.kh - 1; ++i) {
      float* dst = s->xpad.data() + i * colsP * d.cin;
      const int64_t y = y0 + i;
      if (y < 0 || y >= d.h) {
        std::fill(dst, dst + colsP * d.cin, 0.0f);
        continue;
      }
      std::fill(dst, dst + j0 * d.cin, 0.0f);
      std::memcpy(dst + j0 * d.cin, xp + ((n * d.h + y) * d.w + (j0 - d.left)) * d.cin,
                  static_cast<size_t>((j1 - j0) * d.cin) * sizeof(float));
      std::fill(dst + j1 * d.cin, dst + colsP * d.cin, 0.0f);
    }
  }

  // The pooled dims of a block of ph conv rows as SortPoolBase reads them: one image, one pooled row.
  PoolDims blockDims(const ConvDims& d) const { return {1, ph_, d.pool.ow * pw_, d.c, 1, d.pool.ow}; }

  std::string padding_;
};

class ConvBiasPairSortL2PoolOp : public ConvSortPoolBase {
 public:
  explicit ConvBiasPairSortL2PoolOp(OpKernelConstruction* ctx) : ConvSortPoolBase(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& w = ctx->input(1);
    const Tensor& b = ctx->input(2);
    ConvDims d;
    OP_REQUIRES_OK(ctx, convDims(x, w, b, &d));
    Tensor* y = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({d.n, d.pool.oh, d.pool.ow, d.c}), &y));
    const float* xp = x.flat<float>().data();
    const float* wp = w.flat<float>().data();
    const float* bp = b.flat<float>().data();
    float* yp = y->flat<float>().data();
    const ConvKernels kernels = convKernels(d.c);
    const PoolDims local = blockDims(d);
    const float count = static_cast<float>(ph_ * pw_);
    const float scale = scale_;
    const int64_t cost = ph_ * d.pool.ow * pw_ * d.c * (2 * d.taps() + 5);
    const auto pooled = poolRowFor(d.c);  // in registers; else through z's rows in s.z
    const PoolWalk walk = {ph_, pw_, count, scale, bp};
    parallelFor(ctx, d.n * d.pool.oh, cost, [&, xp, wp, bp, yp](int64_t begin, int64_t end) {
      Scratch s = scratch(d, kernels.tapChunk);
      for (int64_t r = begin; r < end; ++r) {
        padRows(xp, d, r, &s);
        float* out = yp + r * d.pool.ow * d.c;
        if (pooled) {
          pooled(s.rb, wp, walk, out);
          continue;
        }
        kernels.conv(s.rb, wp, s.z.data());
        windowSums(s.z.data(), bp, local, 0, 0, out);
        for (int64_t i = 0; i < d.pool.ow * d.c; ++i) out[i] = std::sqrt(out[i] / count) * scale;
      }
    });
  }
};

class ConvBiasPairSortL2PoolGradOp : public ConvSortPoolBase {
 public:
  explicit ConvBiasPairSortL2PoolGradOp(OpKernelConstruction* ctx) : ConvSortPoolBase(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("eps", &eps_));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& w = ctx->input(1);
    const Tensor& b = ctx->input(2);
    const Tensor& dy = ctx->input(3);
    ConvDims d;
    OP_REQUIRES_OK(ctx, convDims(x, w, b, &d));
    OP_REQUIRES(ctx, dy.shape() == TensorShape({d.n, d.pool.oh, d.pool.ow, d.c}),
                errors::InvalidArgument(name(), ": dy must have the pooled shape [", d.n, ",", d.pool.oh, ",", d.pool.ow,
                                        ",", d.c, "], got ", dy.shape().DebugString()));
    Tensor* dw = nullptr;
    Tensor* db = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, w.shape(), &dw));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, b.shape(), &db));
    // A fixed partition of the pooled rows into blocks; per block, double partials of dw (taps·C) then db (C).
    const int64_t rows = d.n * d.pool.oh, width = (d.taps() + 1) * d.c;
    const int64_t blocks = std::max<int64_t>(1, std::min<int64_t>(64, rows));
    std::vector<double> partial(static_cast<size_t>(blocks * width), 0.0);
    accumulate(ctx, x, w, b, dy, d, blocks, partial.data());
    float* dwp = dw->flat<float>().data();
    float* dbp = db->flat<float>().data();
    for (int64_t i = 0; i < width; ++i) {
      double s = 0.0;
      for (int64_t k = 0; k < blocks; ++k) s += partial[k * width + i];
      (i < d.taps() * d.c ? dwp[i] : dbp[i - d.taps() * d.c]) = static_cast<float>(s);
    }
  }

 private:
  // Per block k of pooled rows: partial[k·width + ·] = Σ over its rows of (dw, db) of each row, each row's
  // sums in float.
  void accumulate(OpKernelContext* ctx, const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& dy,
                  const ConvDims& d, int64_t blocks, double* partial) const {
    const float* xp = x.flat<float>().data();
    const float* wp = w.flat<float>().data();
    const float* bp = b.flat<float>().data();
    const float* gp = dy.flat<float>().data();
    const ConvKernels kernels = convKernels(d.c);
    const PoolDims local = blockDims(d);
    const int64_t rows = d.n * d.pool.oh, width = (d.taps() + 1) * d.c, dwSize = d.taps() * d.c;
    const int64_t cost = (rows / blocks + 1) * ph_ * d.pool.ow * pw_ * d.c * (4 * d.taps() + 12);
    parallelFor(ctx, blocks, cost, [&, xp, wp, bp, gp, partial](int64_t begin, int64_t end) {
      Scratch s = scratch(d, kernels.tapChunk);
      std::vector<float> g(static_cast<size_t>(d.pool.ow * d.c)), dz(s.z.size()), sums(static_cast<size_t>(width));
      for (int64_t k = begin; k < end; ++k) {
        double* pk = partial + k * width;
        for (int64_t r = rows * k / blocks; r < rows * (k + 1) / blocks; ++r) {
          padRows(xp, d, r, &s);
          kernels.conv(s.rb, wp, s.z.data());
          coefficients(s.z.data(), bp, gp + r * d.pool.ow * d.c, local, 0, eps_, g.data());
          std::fill(sums.begin() + dwSize, sums.end(), 0.0f);
          rowGradient(s.z.data(), bp, g.data(), local, 0, dz.data(), sums.data() + dwSize);
          kernels.filter(s.rb, dz.data(), sums.data());
          for (int64_t i = 0; i < width; ++i) pk[i] += sums[i];
        }
      }
    });
  }
  float eps_ = 0.0f;
};

// [N, OH/ph, OW/pw, Cout] from x's and w's shapes (OH = H for SAME, H − kh + 1 for VALID; the same for W).
Status convPoolShape(InferenceContext* c) {
  ShapeHandle x, w;
  TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 4, &x));
  TF_RETURN_IF_ERROR(c->WithRank(c->input(1), 4, &w));
  int ph, pw;
  std::string padding;
  TF_RETURN_IF_ERROR(c->GetAttr("ph", &ph));
  TF_RETURN_IF_ERROR(c->GetAttr("pw", &pw));
  TF_RETURN_IF_ERROR(c->GetAttr("padding", &padding));
  auto pooled = [&](int axis, int p) {
    auto in = c->Dim(x, axis), k = c->Dim(w, axis - 1);
    if (!c->ValueKnown(in) || (padding != "SAME" && !c->ValueKnown(k)) || p < 1) return c->UnknownDim();
    const int64_t out = padding == "SAME" ? c->Value(in) : c->Value(in) - c->Value(k) + 1;
    return c->MakeDim(std::max<int64_t>(out, 0) / p);
  };
  c->set_output(0, c->MakeShape({c->Dim(x, 0), pooled(1, ph), pooled(2, pw), c->Dim(w, 3)}));
  return Status();
}

REGISTER_OP("LipnetConvBiasPairSortL2Pool")
    .Input("x: float")
    .Input("w: float")
    .Input("b: float")
    .Output("y: float")
    .Attr("ph: int")
    .Attr("pw: int")
    .Attr("scale: float")
    .Attr("padding: string")
    .SetShapeFn(convPoolShape);
REGISTER_OP("LipnetConvBiasPairSortL2PoolGrad")
    .Input("x: float")
    .Input("w: float")
    .Input("b: float")
    .Input("dy: float")
    .Output("dw: float")
    .Output("db: float")
    .Attr("ph: int")
    .Attr("pw: int")
    .Attr("scale: float")
    .Attr("eps: float")
    .Attr("padding: string")
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->input(1));
      c->set_output(1, c->input(2));
      return Status();
    });

REGISTER_KERNEL_BUILDER(Name("LipnetConvBiasPairSortL2Pool").Device(DEVICE_CPU), ConvBiasPairSortL2PoolOp);
REGISTER_KERNEL_BUILDER(Name("LipnetConvBiasPairSortL2PoolGrad").Device(DEVICE_CPU), ConvBiasPairSortL2PoolGradOp);

}  // namespace lipnet
