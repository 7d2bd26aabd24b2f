// LipnetSpectralBjorck and LipnetSpectralBjorckGrad: the whole normalisation
// of a reshaped kernel W [m, n] (deel-lip 1.5's
// `reshaped_kernel_orthogonalization` after the reshape: power iteration,
// W/(σ+ε), Björck, × coef) in one op, and its gradient in one op (built into
// lipnet_ops.node with lipnet_ops.cc; see there). The composition is ~40
// small ops forward and as many backward per layer; at demo4's kernel sizes
// their dispatch, not their arithmetic, is the cost.
#include "bjorck.h"

namespace lipnet {

namespace {

// x / √max(Σx², 1e-12), as tf.math.l2_normalize over all elements.
RowMat l2Normalize(const RowMat& x) { return x * (1.0f / std::sqrt(std::max(x.squaredNorm(), 1e-12f))); }

// deel-lip 1.5's power iteration from u [1, n]: u ← l2n(u·Wᵀ·W) until ‖u_t − u_{t−1}‖ < eps, at most maxIter.
RowMat powerIteration(const ConstMatMap& w, const RowMat& u, float eps, int maxIter) {
  RowMat cur = l2Normalize(u);
  RowMat old = cur.array() + 2.0f * eps;
  for (int i = 0; i < maxIter; ++i) {
    if (i > 0 && (cur - old).norm() < eps) break;
    old = cur;
    const RowMat t = cur * w.transpose();
    cur = l2Normalize(t * w);
  }
  return cur;
}

struct SpectralAttrs {
  float epsSpectral = 1e-3f;
  int maxIterSpectral = 10;
  float beta = 0.5f;
  int maxIterBjorck = 15;
  float epsBjorck = 1e-3f;
  float coef = 1.0f;
};

}  // namespace

// Outputs [y = coef·Björck(W/(σ+ε)), u (the new power-iteration vector [1, n]),
// σ = ‖u·Wᵀ‖ [1, 1], the Björck iterates [k, m, n]].
class SpectralBjorckOp : public OpKernel {
 public:
  explicit SpectralBjorckOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("epsSpectral", &a_.epsSpectral));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("maxIterSpectral", &a_.maxIterSpectral));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("beta", &a_.beta));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("maxIterBjorck", &a_.maxIterBjorck));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("epsBjorck", &a_.epsBjorck));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("coef", &a_.coef));
    OP_REQUIRES(ctx,
                a_.epsSpectral > 0.0f && a_.maxIterSpectral >= 1 && a_.beta > 0.0f && a_.beta <= 0.5f &&
                    a_.maxIterBjorck >= 0 && a_.coef > 0.0f,
                errors::InvalidArgument("LipnetSpectralBjorck: expected epsSpectral > 0, maxIterSpectral ≥ 1, beta in "
                                        "(0, 0.5], maxIterBjorck ≥ 0 and coef > 0, got ",
                                        a_.epsSpectral, ", ", a_.maxIterSpectral, ", ", a_.beta, ", ",
                                        a_.maxIterBjorck, " and ", a_.coef));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& wt = ctx->input(0);
    const Tensor& ut = ctx->input(1);
    if (!isMatrix(ctx, wt, "LipnetSpectralBjorck: w")) return;
    const int64_t m = wt.dim_size(0), n = wt.dim_size(1);
    OP_REQUIRES(ctx, ut.dims() == 2 && ut.dim_size(0) == 1 && ut.dim_size(1) == n,
                errors::InvalidArgument("LipnetSpectralBjorck: u must be [1, ", n, "], got ", ut.shape().DebugString()));
    const ConstMatMap w(wt.flat<float>().data(), m, n);
    const RowMat u = powerIteration(w, ConstMatMap(ut.flat<float>().data(), 1, n), a_.epsSpectral,
                                    a_.maxIterSpectral);
    const float sigma = (u * w.transpose()).norm();
    std::vector<RowMat> steps;
    RowMat y = bjorckIterate(w * (1.0f / (sigma + a_.epsSpectral)), a_.beta, a_.maxIterBjorck, a_.epsBjorck, steps);
    if (a_.coef != 1.0f) y *= a_.coef;
    Tensor* yt = nullptr;
    Tensor* uo = nullptr;
    Tensor* so = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, wt.shape(), &yt));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, ut.shape(), &uo));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(2, TensorShape({1, 1}), &so));
    MatMap(yt->flat<float>().data(), m, n) = y;
    MatMap(uo->flat<float>().data(), 1, n) = u;
    so->flat<float>()(0) = sigma;
    writeIterates(ctx, 3, steps, m, n);
  }

 private:
  SpectralAttrs a_;
};

// dW of LipnetSpectralBjorck (u held constant, as deel-lip's stop_gradient):
// g₀ = Björck's VJP of coef·dy, s = σ + ε, t = u·Wᵀ,
// dW = g₀/s − (Σ g₀⊙W / s²)·(tᵀu)/σ.
class SpectralBjorckGradOp : public OpKernel {
 public:
  explicit SpectralBjorckGradOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("epsSpectral", &eps_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("beta", &beta_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("coef", &coef_));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& wt = ctx->input(0);
    const Tensor& ut = ctx->input(1);
    const Tensor& st = ctx->input(2);
    const Tensor& its = ctx->input(3);
    const Tensor& dy = ctx->input(4);
    if (!isMatrix(ctx, wt, "LipnetSpectralBjorckGrad: w")) return;
    const int64_t m = wt.dim_size(0), n = wt.dim_size(1);
    OP_REQUIRES(ctx,
                ut.dims() == 2 && ut.dim_size(0) == 1 && ut.dim_size(1) == n && st.NumElements() == 1 &&
                    its.dims() == 3 && its.dim_size(1) == m && its.dim_size(2) == n && dy.shape() == wt.shape(),
                errors::InvalidArgument("LipnetSpectralBjorckGrad: expected w and dy [", m, ", ", n, "], u [1, ", n,
                                        "], sigma [1, 1] and iterates [k, ", m, ", ", n, "], got ",
                                        ut.shape().DebugString(), ", ", st.shape().DebugString(), ", ",
                                        its.shape().DebugString(), ", ", dy.shape().DebugString()));
    const ConstMatMap w(wt.flat<float>().data(), m, n);
    const ConstMatMap u(ut.flat<float>().data(), 1, n);
    const float sigma = st.flat<float>()(0);
    const RowMat g0 = bjorckBackward(its.flat<float>().data(), its.dim_size(0), m, n,
                                     ConstMatMap(dy.flat<float>().data(), m, n) * coef_, beta_);
    const float s = sigma + eps_;
    const float dSigma = -(g0.cwiseProduct(w)).sum() / (s * s);
    const RowMat t = u * w.transpose();
    Tensor* dw = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, wt.shape(), &dw));
    MatMap(dw->flat<float>().data(), m, n) = g0 * (1.0f / s) + (dSigma / sigma) * (t.transpose() * u);
  }

 private:
  float eps_ = 1e-3f;
  float beta_ = 0.5f;
  float coef_ = 1.0f;
};

REGISTER_OP("LipnetSpectralBjorck")
    .Input("w: float")
    .Input("u: float")
    .Output("y: float")
    .Output("u_out: float")
    .Output("sigma: float")
    .Output("iterates: float")
    .Attr("epsSpectral: float")
    .Attr("maxIterSpectral: int")
    .Attr("beta: float")
    .Attr("maxIterBjorck: int")
    .Attr("epsBjorck: float")
    .Attr("coef: float")
    .SetShapeFn([](InferenceContext* c) {
      ShapeHandle w;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 2, &w));
      c->set_output(0, w);
      c->set_output(1, c->input(1));
      c->set_output(2, c->MakeShape({1, 1}));
      c->set_output(3, c->MakeShape({c->UnknownDim(), c->Dim(w, 0), c->Dim(w, 1)}));
      return Status();
    });
REGISTER_OP("LipnetSpectralBjorckGrad")
    .Input("w: float")
    .Input("u: float")
    .Input("sigma: float")
    .Input("iterates: float")
    .Input("dy: float")
    .Output("dw: float")
    .Attr("epsSpectral: float")
    .Attr("beta: float")
    .Attr("coef: float")
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->input(0));
      return Status();
    });

REGISTER_KERNEL_BUILDER(Name("LipnetSpectralBjorck").Device(DEVICE_CPU), SpectralBjorckOp);
REGISTER_KERNEL_BUILDER(Name("LipnetSpectralBjorckGrad").Device(DEVICE_CPU), SpectralBjorckGradOp);

}  // namespace lipnet
