// The check a libtorch archive (a ganscope checkpoint, a history snapshot) passes before libtorch's own reader
// sees it: that reader recurses on nesting, trusts sizes and skips CRCs. No libtorch. Any thread.
#pragma once

#include <string>
#include <vector>

#include "ml/formats/pickle_machine.h"
#include "ml/formats/zip_archive.h"

namespace ganscope {

struct ArchiveCheck {
    size_t entries = 0;
    size_t pickles = 0;
    size_t tensors = 0;
    uint64_t storage_bytes = 0;   // what libtorch will allocate for tensor data, at most
    size_t max_depth = 0;
    struct Tensor {
        std::string type;  // the storage class ("FloatStorage", ...)
        size_t dims = 0;
        int64_t elements = 0;  // the storage span it views
    };
    std::vector<Tensor> tensor_list;                      // every tensor of every pickle, in file order
    PickleResult::Root root = PickleResult::Root::Other;  // of the archive's data.pkl
    std::vector<PickleEntry> root_entries;                // data.pkl's root dict entries with string keys
};

// Every entry's CRC and bounded inflation; the byte order (little only); every pickle scanned (stack, depth,
// size limits); every tensor checked against its storage record (no overlap, within its bytes); TorchScript
// code in the archive may only declare attributes (no methods: libtorch would run a __setstate__).
// Throws ArchiveError (one line, file bytes escaped; the caller names the file).
ArchiveCheck check_torch_archive(const ZipArchive& zip, const PickleLimits& limits = {});
ArchiveCheck check_torch_archive_file(const std::string& path, const PickleLimits& limits = {});

// The check above, then what each kind of file ganscope writes must hold (throws ArchiveError, one line):
// torch::save(tensor) as fixed_latents.pt: one floating tensor of at most 2 dimensions and 64 Mi elements;
ArchiveCheck check_tensor_archive(const ZipArchive& zip);
ArchiveCheck check_tensor_archive_file(const std::string& path);
// a history snapshot (and a served /api/snapshot): a dict holding format, step (an integer), config, names, tensors.
ArchiveCheck check_snapshot_archive(const ZipArchive& zip);
ArchiveCheck check_snapshot_archive_file(const std::string& path);

}  // namespace ganscope
