// The check a libtorch archive (a ganscope checkpoint, a history snapshot) passes before libtorch's own reader
// sees it: that reader recurses on nesting, trusts sizes and skips CRCs. No libtorch. Any thread.
#pragma once

#include <string>

#include "ml/formats/pickle_machine.h"
#include "ml/formats/zip_archive.h"

namespace ganscope {

struct ArchiveCheck {
    size_t entries = 0;
    size_t pickles = 0;
    size_t tensors = 0;
    uint64_t storage_bytes = 0;   // what libtorch will allocate for tensor data, at most
    size_t max_depth = 0;
};

// Every entry's CRC and bounded inflation; the byte order (little only); every pickle scanned (stack, depth,
// size limits); every tensor checked against its storage record (no overlap, within its bytes); TorchScript
// code in the archive may only declare attributes (no methods: libtorch would run a __setstate__).
// Throws ArchiveError (one line, file bytes escaped; the caller names the file).
ArchiveCheck check_torch_archive(const ZipArchive& zip, const PickleLimits& limits = {});
ArchiveCheck check_torch_archive_file(const std::string& path, const PickleLimits& limits = {});

}  // namespace ganscope
