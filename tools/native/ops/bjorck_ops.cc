// LipnetBjorck and LipnetBjorckGrad: all Björck iterations of a matrix, and
// their gradient, in one op each (built into lipnet_ops.node with
// lipnet_ops.cc; see there).
#include "bjorck.h"

namespace lipnet {

// ---------------------------------------------------------------------------
// LipnetBjorck: Björck–Bowie orthonormalisation W ← (1+β)W − β·W·Wᵀ·W of a
// matrix [m, n] (deel-lip `bjorck_normalization`), all iterations in one op.
// eps ≤ 0: exactly maxIter iterations (deel-lip 1.2.0); eps > 0: deel-lip
// 1.5's rule — stop before an iteration when ‖W_t − W_{t−1}‖_F < eps (the
// first test compares W with 10·W), at most maxIter. Outputs the result and
// the iterates W_0 … W_{k−1} it stepped from ([k, m, n]), which
// LipnetBjorckGrad differentiates back through (the gradient of the loop
// actually run, as TensorFlow's while_loop gradient). W·Wᵀ·W is evaluated
// with the smaller Gram matrix, as deel-lip's `_wwtw`.
// ---------------------------------------------------------------------------

// W·Wᵀ·W with the smaller Gram matrix.
RowMat wwtw(const RowMat& w) {
  if (w.rows() > w.cols()) {
    const RowMat gram = w.transpose() * w;
    return w * gram;
  }
  const RowMat gram = w * w.transpose();
  return gram * w;
}

// The vector-Jacobian product of P(W) = W·Wᵀ·W at W with cotangent g:
// g·(WᵀW) + W·(M + Mᵀ), M = Wᵀg (tall W), or (WWᵀ)·g + (N + Nᵀ)·W, N = g·Wᵀ (wide W).
RowMat wwtwVjp(const RowMat& w, const RowMat& g) {
  if (w.rows() > w.cols()) {
    const RowMat gram = w.transpose() * w;
    const RowMat m = w.transpose() * g;
    const RowMat sym = m + m.transpose();
    return g * gram + w * sym;
  }
  const RowMat gram = w * w.transpose();
  const RowMat nn = g * w.transpose();
  const RowMat sym = nn + nn.transpose();
  return gram * g + sym * w;
}

bool isMatrix(OpKernelContext* ctx, const Tensor& t, const char* what) {
  if (t.dims() == 2) return true;
  ctx->CtxFailure(__FILE__, __LINE__,
                  errors::InvalidArgument(what, " must be a matrix (rank 2), got shape ", t.shape().DebugString()));
  return false;
}

RowMat bjorckIterate(RowMat cur, float beta, int maxIter, float eps, std::vector<RowMat>& steps) {
  const float a = 1.0f + beta;
  for (int i = 0; i < maxIter; ++i) {
    if (eps > 0.0f) {
      const float change = steps.empty() ? (cur - 10.0f * cur).norm() : (cur - steps.back()).norm();
      if (change < eps) break;
    }
    steps.push_back(cur);
    cur = a * steps.back() - beta * wwtw(steps.back());
  }
  return cur;
}

RowMat bjorckBackward(const float* its, int64_t k, int64_t m, int64_t n, RowMat g, float beta) {
  const float a = 1.0f + beta;
  for (int64_t t = k - 1; t >= 0; --t) g = a * g - beta * wwtwVjp(ConstMatMap(its + t * m * n, m, n), g);
  return g;
}

bool writeIterates(OpKernelContext* ctx, int index, const std::vector<RowMat>& steps, int64_t m, int64_t n) {
  Tensor* its = nullptr;
  const Status s = ctx->allocate_output(index, TensorShape({static_cast<int64_t>(steps.size()), m, n}), &its);
  if (!s.ok()) {
    ctx->CtxFailure(__FILE__, __LINE__, s);
    return false;
  }
  float* ip = its->flat<float>().data();
  for (size_t k = 0; k < steps.size(); ++k) MatMap(ip + k * m * n, m, n) = steps[k];
  return true;
}

class BjorckOp : public OpKernel {
 public:
  explicit BjorckOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("beta", &beta_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("maxIter", &maxIter_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("eps", &eps_));
    OP_REQUIRES(ctx, beta_ > 0.0f && beta_ <= 0.5f && maxIter_ >= 0,
                errors::InvalidArgument("LipnetBjorck: expected beta in (0, 0.5] and maxIter ≥ 0, got ", beta_, " and ", maxIter_));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& w = ctx->input(0);
    if (!isMatrix(ctx, w, "LipnetBjorck: w")) return;
    const int64_t m = w.dim_size(0), n = w.dim_size(1);
    std::vector<RowMat> steps;
    const RowMat out = bjorckIterate(ConstMatMap(w.flat<float>().data(), m, n), beta_, maxIter_, eps_, steps);
    Tensor* y = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, w.shape(), &y));
    MatMap(y->flat<float>().data(), m, n) = out;
    writeIterates(ctx, 1, steps, m, n);
  }

 private:
  float beta_ = 0.5f;
  int maxIter_ = 15;
  float eps_ = 0.0f;
};

// dW of LipnetBjorck from its iterates and dy: back through each step,
// g ← (1+β)·g − β·VJP(W·Wᵀ·W)(W_t, g), t = k−1 … 0.
class BjorckGradOp : public OpKernel {
 public:
  explicit BjorckGradOp(OpKernelConstruction* ctx) : OpKernel(ctx) { OP_REQUIRES_OK(ctx, ctx->GetAttr("beta", &beta_)); }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& its = ctx->input(0);
    const Tensor& dy = ctx->input(1);
    if (!isMatrix(ctx, dy, "LipnetBjorckGrad: dy")) return;
    const int64_t m = dy.dim_size(0), n = dy.dim_size(1);
    OP_REQUIRES(ctx, its.dims() == 3 && its.dim_size(1) == m && its.dim_size(2) == n,
                errors::InvalidArgument("LipnetBjorckGrad: iterates must be [k, ", m, ", ", n, "], got ", its.shape().DebugString()));
    const RowMat g = bjorckBackward(its.flat<float>().data(), its.dim_size(0), m, n,
                                    ConstMatMap(dy.flat<float>().data(), m, n), beta_);
    Tensor* dw = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, dy.shape(), &dw));
    MatMap(dw->flat<float>().data(), m, n) = g;
  }

 private:
  float beta_ = 0.5f;
};

REGISTER_OP("LipnetBjorck")
    .Input("w: float")
    .Output("y: float")
    .Output("iterates: float")
    .Attr("beta: float")
    .Attr("maxIter: int")
    .Attr("eps: float")
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->input(0));
      ShapeHandle w;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(0), 2, &w));
      c->set_output(1, c->MakeShape({c->UnknownDim(), c->Dim(w, 0), c->Dim(w, 1)}));
      return Status();
    });
REGISTER_OP("LipnetBjorckGrad")
    .Input("iterates: float")
    .Input("dy: float")
    .Output("dw: float")
    .Attr("beta: float")
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->input(1));
      return Status();
    });

REGISTER_KERNEL_BUILDER(Name("LipnetBjorck").Device(DEVICE_CPU), BjorckOp);
REGISTER_KERNEL_BUILDER(Name("LipnetBjorckGrad").Device(DEVICE_CPU), BjorckGradOp);

}  // namespace lipnet
