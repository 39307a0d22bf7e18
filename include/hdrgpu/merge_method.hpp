// Which merge a batch runs: the one method enum of process_batch (batch.hpp) and the batch engine
// (pipeline.hpp).
#pragma once

namespace hdrgpu {

/// Debevec and Robertson merge into radiance maps with a response curve (calibrated per stack unless one
/// is given); Mertens fuses into a display-referred image and needs none.
enum class merge_method { debevec, robertson, mertens };

}  // namespace hdrgpu
