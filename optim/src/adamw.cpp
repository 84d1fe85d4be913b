// optim::AdamW: Adam's kernel with decoupled weight decay (src/adam.cpp).
#include "liandan/optim/adamw.hpp"

namespace liandan::optim {

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& o)
    : Adam("AdamW", std::move(groups),
           AdamOptions{o.lr, o.beta1, o.beta2, o.eps, o.weight_decay, o.amsgrad},
           /*decoupled=*/true) {}

}  // namespace liandan::optim
