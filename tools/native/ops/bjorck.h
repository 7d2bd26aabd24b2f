// The Björck iterations and their gradient, shared by LipnetBjorck
// (bjorck_ops.cc) and LipnetSpectralBjorck (spectral_bjorck_ops.cc).
#pragma once

#include <vector>

#include "lipnet_ops.h"

namespace lipnet {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMatMap = Eigen::Map<const RowMat>;
using MatMap = Eigen::Map<RowMat>;

// Björck–Bowie from `cur`: W ← (1+β)W − β·W·Wᵀ·W. eps ≤ 0: exactly maxIter
// iterations (deel-lip 1.2.0); eps > 0: deel-lip 1.5's rule (stop before an
// iteration when ‖W_t − W_{t−1}‖_F < eps, the first test against 10·W; at
// most maxIter). Returns the result; `steps` receives the iterates stepped from.
RowMat bjorckIterate(RowMat cur, float beta, int maxIter, float eps, std::vector<RowMat>& steps);

// dW_0 from dy = ∂L/∂W_k, back through the k iterates at `its` ([k, m, n]):
// g ← (1+β)·g − β·VJP(W·Wᵀ·W)(W_t, g), t = k−1 … 0.
RowMat bjorckBackward(const float* its, int64_t k, int64_t m, int64_t n, RowMat g, float beta);

// Copies the iterates into a [k, m, n] output of ctx at `index`; false (ctx failed) if it cannot allocate.
bool writeIterates(OpKernelContext* ctx, int index, const std::vector<RowMat>& steps, int64_t m, int64_t n);

// Whether t is a matrix; else fails ctx with what it got.
bool isMatrix(OpKernelContext* ctx, const Tensor& t, const char* what);

}  // namespace lipnet
