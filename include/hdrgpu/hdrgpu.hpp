// Umbrella header: types, executors and every algorithm. Toolkit-free (no CUDA headers).
#pragma once

#include <hdrgpu/config.hpp>
#include <hdrgpu/compat.hpp>
#include <hdrgpu/error.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/exposure_stack.hpp>
#include <hdrgpu/image.hpp>
#include <hdrgpu/align.hpp>
#include <hdrgpu/calibrate.hpp>
#include <hdrgpu/merge.hpp>
#include <hdrgpu/mertens.hpp>
#include <hdrgpu/response_curve.hpp>
#include <hdrgpu/tonemap.hpp>
#include <hdrgpu/tonemap_spec.hpp>
