// LipnetWinogradConv2D, LipnetWinogradConv2DBackpropInput, LipnetWinogradConv2DBackpropFilter: the
// three passes of a 3×3, stride-1, 'SAME', NHWC float32 convolution by Winograd F(2×2, 3×3)
// (winograd.h), for channel counts that are multiples of 8. Cache-blocked: kTileBlock tiles at a
// time are transformed into a per-thread buffer ([16][T][C], in L2), the 16 GEMMs run on it with an
// AVX2 register-tiled micro-kernel, and the result is inverse-transformed into the output; no whole
// transformed tensor is ever written. Blocks are shared out on TensorFlow's intra-op pool.
//   forward:       y = Conv2D(x, w)               (x [N,H,W,C], w [3,3,C,K] → y [N,H,W,K])
//   input grad:    dx = Conv2DBackpropInput(w, dy) = the same convolution of dy with w rotated by
//                  180° and its channel axes swapped (exact for 'SAME' 3×3: one row/column each side)
//   filter grad:   dw = Conv2DBackpropFilter(x, dy): per fixed chunk of tile blocks a float
//                  accumulator of ∂U (each block's sums in registers, in tile order, added block by
//                  block), the chunks added in order in double, then Gᵀ ∂U G: bit-identical whatever
//                  the thread count.
#include "lipnet_ops.h"
#include "winograd.h"

namespace lipnet {

namespace {

// Tiles per block: [16][64][C] floats are 64 KB at C = 16, 128 KB at 32 (L2 is ≥ 512 KB per core).
constexpr int64_t kTileBlock = 64;
// The filter gradient's fixed number of accumulation chunks (fewer when there are fewer blocks).
constexpr int64_t kFilterChunks = 64;

// The multiple of 8 the channel axes must be, or an InvalidArgument naming the tensor and axis.
Status channelsOk(const std::string& op, const char* what, const Tensor& t, int axis) {
  const int64_t c = t.dim_size(axis);
  if (c >= 8 && c % 8 == 0) return Status();
  return errors::InvalidArgument(op, ": ", what, " (dim ", axis, " of ", t.shape().DebugString(),
                                 ") must be a positive multiple of 8, got ", c,
                                 "; use TensorFlow's own convolution for other channel counts");
}

Status rank4(const std::string& op, const char* what, const Tensor& t) {
  if (t.dims() == 4) return Status();
  return errors::InvalidArgument(op, ": ", what, " must be NHWC (rank 4), got shape ", t.shape().DebugString());
}

Status filterOk(const std::string& op, const Tensor& w) {
  if (w.dims() == 4 && w.dim_size(0) == 3 && w.dim_size(1) == 3) return Status();
  return errors::InvalidArgument(op, ": w must be a 3×3 kernel [3, 3, C, K], got shape ", w.shape().DebugString());
}

// y [grid, cout] = the 'SAME' 3×3 correlation of x [grid, cin] with the transformed kernel U [16][cin][cout].
void winogradConv(OpKernelContext* ctx, const float* x, const TileGrid& g, int64_t cin, int64_t cout,
                  const float* U, float* y) {
  const int64_t tiles = g.tiles(), blocks = (tiles + kTileBlock - 1) / kTileBlock;
  const auto gemms = cout % 16 == 0 ? blockGemms<2, 6> : blockGemms<1, 8>;
  const int64_t cost = kTileBlock * (16 * 2 * cin * cout + 24 * (cin + cout));
  const int64_t sv = planeStride(kTileBlock, cin), sm = planeStride(kTileBlock, cout);
  const bool stream = reinterpret_cast<uintptr_t>(y) % 32 == 0;
  parallelFor(ctx, blocks, cost, [&](int64_t begin, int64_t end) {
    AlignedFloats V(16 * sv), M(16 * sm), zeros(cin);
    for (int64_t b = begin; b < end; ++b) {
      const int64_t t0 = b * kTileBlock, rows = std::min(kTileBlock, tiles - t0);
      const TilePos first = tilePos(g, t0);
      TilePos p = first;
      for (int64_t i = 0; i < rows; ++i, p.next(g)) inputTile(x, g, cin, p, i, sv, zeros.data(), V.data());
      gemms(V.data(), U, cin, cout, rows, sv, sm, M.data());
      p = first;
      for (int64_t i = 0; i < rows; ++i, p.next(g)) outputTile(M.data(), g, cout, p, i, sm, stream, y);
    }
    _mm_sfence();  // the streaming stores visible before this shard is reported done
  });
}

}  // namespace

class WinogradConv2DOp : public OpKernel {
 public:
  explicit WinogradConv2DOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& w = ctx->input(1);
    OP_REQUIRES_OK(ctx, rank4(name(), "x", x));
    OP_REQUIRES_OK(ctx, filterOk(name(), w));
    OP_REQUIRES(ctx, w.dim_size(2) == x.dim_size(3),
                errors::InvalidArgument(name(), ": w's C (dim 2 of ", w.shape().DebugString(),
                                        ") must equal x's channels (dim 3 of ", x.shape().DebugString(), ")"));
    OP_REQUIRES_OK(ctx, channelsOk(name(), "x's channel count C", x, 3));
    OP_REQUIRES_OK(ctx, channelsOk(name(), "w's output channel count K", w, 3));
    const int64_t c = x.dim_size(3), k = w.dim_size(3);
    Tensor* y = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({x.dim_size(0), x.dim_size(1), x.dim_size(2), k}), &y));
    if (x.NumElements() == 0) return;
    std::vector<float> U(static_cast<size_t>(16 * c * k));
    filterTransform(w.flat<float>().data(), c, k, false, U.data());
    winogradConv(ctx, x.flat<float>().data(), tileGrid(x.dim_size(0), x.dim_size(1), x.dim_size(2)), c, k, U.data(),
                 y->flat<float>().data());
  }
};

class WinogradConv2DBackpropInputOp : public OpKernel {
 public:
  explicit WinogradConv2DBackpropInputOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& w = ctx->input(0);
    const Tensor& dy = ctx->input(1);
    OP_REQUIRES_OK(ctx, filterOk(name(), w));
    OP_REQUIRES_OK(ctx, rank4(name(), "dy", dy));
    OP_REQUIRES(ctx, w.dim_size(3) == dy.dim_size(3),
                errors::InvalidArgument(name(), ": w's K (dim 3 of ", w.shape().DebugString(),
                                        ") must equal dy's channels (dim 3 of ", dy.shape().DebugString(), ")"));
    OP_REQUIRES_OK(ctx, channelsOk(name(), "w's input channel count C", w, 2));
    OP_REQUIRES_OK(ctx, channelsOk(name(), "dy's channel count K", dy, 3));
    const int64_t c = w.dim_size(2), k = w.dim_size(3);
    Tensor* dx = nullptr;
    OP_REQUIRES_OK(ctx,
                   ctx->allocate_output(0, TensorShape({dy.dim_size(0), dy.dim_size(1), dy.dim_size(2), c}), &dx));
    if (dy.NumElements() == 0) return;
    std::vector<float> U(static_cast<size_t>(16 * k * c));
    filterTransform(w.flat<float>().data(), k, c, true, U.data());
    winogradConv(ctx, dy.flat<float>().data(), tileGrid(dy.dim_size(0), dy.dim_size(1), dy.dim_size(2)), k, c,
                 U.data(), dx->flat<float>().data());
  }
};

class WinogradConv2DBackpropFilterOp : public OpKernel {
 public:
  explicit WinogradConv2DBackpropFilterOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& dy = ctx->input(1);
    OP_REQUIRES_OK(ctx, rank4(name(), "x", x));
    OP_REQUIRES_OK(ctx, rank4(name(), "dy", dy));
    OP_REQUIRES(ctx, x.dim_size(0) == dy.dim_size(0) && x.dim_size(1) == dy.dim_size(1) && x.dim_size(2) == dy.dim_size(2),
                errors::InvalidArgument(name(), ": dy must have x's batch and spatial dims (stride 1, 'SAME'): x ",
                                        x.shape().DebugString(), ", dy ", dy.shape().DebugString()));
    OP_REQUIRES_OK(ctx, channelsOk(name(), "x's channel count C", x, 3));
    OP_REQUIRES_OK(ctx, channelsOk(name(), "dy's channel count K", dy, 3));
    const int64_t c = x.dim_size(3), k = dy.dim_size(3);
    Tensor* dw = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({3, 3, c, k}), &dw));
    const TileGrid g = tileGrid(x.dim_size(0), x.dim_size(1), x.dim_size(2));
    const int64_t blocks = (g.tiles() + kTileBlock - 1) / kTileBlock;
    const int64_t chunks = std::max<int64_t>(1, std::min(kFilterChunks, blocks)), width = 16 * c * k;
    std::vector<double> partial(static_cast<size_t>(chunks * width), 0.0);
    if (blocks > 0) accumulate(ctx, x.flat<float>().data(), dy.flat<float>().data(), g, c, k, chunks, partial.data());
    std::vector<double> D(static_cast<size_t>(width), 0.0);
    for (int64_t q = 0; q < chunks; ++q)
      for (int64_t i = 0; i < width; ++i) D[i] += partial[q * width + i];
    filterGradTransform(D.data(), c, k, dw->flat<float>().data());
  }

 private:
  // partial[q·16ck + ·] = ∂U summed over chunk q's tile blocks (blocks [B·q/chunks, B·(q+1)/chunks)).
  static void accumulate(OpKernelContext* ctx, const float* x, const float* dy, const TileGrid& g, int64_t c,
                         int64_t k, int64_t chunks, double* partial) {
    const int64_t tiles = g.tiles(), blocks = (tiles + kTileBlock - 1) / kTileBlock;
    const int64_t cost = (blocks / chunks + 1) * kTileBlock * (16 * 2 * c * k + 24 * (c + k));
    const int64_t sv = planeStride(kTileBlock, c), sw = planeStride(kTileBlock, k), width = 16 * c * k;
    const auto filterGemms = k % 16 == 0 ? blockFilterGemms<2> : blockFilterGemms<1>;
    parallelFor(ctx, chunks, cost, [&](int64_t begin, int64_t end) {
      AlignedFloats V(16 * sv), W(16 * sw), D(width), zc(c), zk(k);
      for (int64_t q = begin; q < end; ++q) {
        std::fill(D.data(), D.data() + width, 0.0f);
        for (int64_t b = blocks * q / chunks; b < blocks * (q + 1) / chunks; ++b) {
          const int64_t t0 = b * kTileBlock, rows = std::min(kTileBlock, tiles - t0);
          TilePos p = tilePos(g, t0);
          for (int64_t i = 0; i < rows; ++i, p.next(g)) {
            inputTile(x, g, c, p, i, sv, zc.data(), V.data());
            gradTile(dy, g, k, p, i, sw, zk.data(), W.data());
          }
          filterGemms(V.data(), W.data(), c, k, rows, sv, sw, D.data());
        }
        std::copy(D.data(), D.data() + width, partial + q * width);
      }
    });
  }
};

REGISTER_OP("LipnetWinogradConv2D")
    .Input("x: float")
    .Input("w: float")
    .Output("y: float")
    .SetShapeFn([](InferenceContext* c) {
      ShapeHandle x, w;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 4, &x));
      TF_RETURN_IF_ERROR(c->WithRank(c->input(1), 4, &w));
      c->set_output(0, c->MakeShape({c->Dim(x, 0), c->Dim(x, 1), c->Dim(x, 2), c->Dim(w, 3)}));
      return Status();
    });
REGISTER_OP("LipnetWinogradConv2DBackpropInput")
    .Input("w: float")
    .Input("dy: float")
    .Output("dx: float")
    .SetShapeFn([](InferenceContext* c) {
      ShapeHandle w, dy;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 4, &w));
      TF_RETURN_IF_ERROR(c->WithRank(c->input(1), 4, &dy));
      c->set_output(0, c->MakeShape({c->Dim(dy, 0), c->Dim(dy, 1), c->Dim(dy, 2), c->Dim(w, 2)}));
      return Status();
    });
REGISTER_OP("LipnetWinogradConv2DBackpropFilter")
    .Input("x: float")
    .Input("dy: float")
    .Output("dw: float")
    .SetShapeFn([](InferenceContext* c) {
      ShapeHandle x, dy;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 4, &x));
      TF_RETURN_IF_ERROR(c->WithRank(c->input(1), 4, &dy));
      c->set_output(0, c->MakeShape({3, 3, c->Dim(x, 3), c->Dim(dy, 3)}));
      return Status();
    });

REGISTER_KERNEL_BUILDER(Name("LipnetWinogradConv2D").Device(DEVICE_CPU), WinogradConv2DOp);
REGISTER_KERNEL_BUILDER(Name("LipnetWinogradConv2DBackpropInput").Device(DEVICE_CPU), WinogradConv2DBackpropInputOp);
REGISTER_KERNEL_BUILDER(Name("LipnetWinogradConv2DBackpropFilter").Device(DEVICE_CPU), WinogradConv2DBackpropFilterOp);

}  // namespace lipnet
