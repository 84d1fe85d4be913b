// Everything in liandan::data: datasets, the loader, and the sources.
#pragma once

#include "liandan/data/dataset.hpp"
#include "liandan/data/hdf5.hpp"
#include "liandan/data/idx.hpp"
#include "liandan/data/loader.hpp"
#include "liandan/data/synthetic.hpp"
#include "liandan/data/text.hpp"
#include "liandan/data/tokens.hpp"
