// optim::AdamW: Adam's kernel with decoupled weight decay (src/adam.cpp).
#include "liandan/optim/adamw.hpp"

namespace liandan::optim {

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& o)
    : AdamBase("AdamW", std::move(groups), o, /*decoupled=*/true) {}

}  // namespace liandan::optim
