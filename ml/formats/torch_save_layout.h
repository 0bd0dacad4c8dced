// Where everything in a torch.save file is, checked, before any tensor is made: the zip format (data.pkl,
// data/<key>, byteorder) or the legacy one (five pickles, then the storages). No libtorch, so the fuzz
// targets run it as it is. Any thread; one layout per thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ml/formats/pickle_machine.h"
#include "ml/formats/zip_archive.h"

namespace ganscope {

struct TorchSaveLayout {
    struct Location {
        uint64_t offset = 0;             // legacy: where the storage's bytes start in the file
        const ZipEntry* entry = nullptr; // zip: the storage's record (its CRC already verified)
    };
    std::unique_ptr<ByteSource> file;    // legacy
    std::unique_ptr<ZipArchive> zip;     // zip format
    PickleResult pickle;                 // the state_dict pickle (PickleMode::StateDict), root a dict of tensors
    std::vector<Location> storages;      // by pickle storage index, each large enough for what it declares
    bool big_endian = false;             // byteorder record (zip) or sys_info's little_endian (legacy)
};

// Throws std::runtime_error (PickleError, ArchiveError) with one line saying what is wrong, bytes escaped.
TorchSaveLayout parse_torch_save(std::unique_ptr<ByteSource> source);

}  // namespace ganscope
