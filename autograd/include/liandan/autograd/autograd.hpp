// Everything of the tape: liandan::Tensor, its ops, grad mode, the engine and gradcheck.
#pragma once

#include "liandan/autograd/anomaly_mode.hpp"
#include "liandan/autograd/attention.hpp"
#include "liandan/autograd/engine.hpp"
#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/gradcheck.hpp"
#include "liandan/autograd/named_parameters.hpp"
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/autograd/tensor.hpp"
