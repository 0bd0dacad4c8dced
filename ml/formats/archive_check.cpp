// Pre-check of libtorch archives; see archive_check.h.
#include "ml/formats/archive_check.h"

#include "ml/formats/safe_text.h"

namespace ganscope {
namespace {

constexpr uint64_t kMaxPickleBytes = 16u << 20;
constexpr uint64_t kMaxCodeBytes = 4u << 20;

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

ArchiveCheck check_torch_archive(const ZipArchive& zip, const PickleLimits& limits) {
    ArchiveCheck check;
    check.entries = zip.entries().size();
    for (const ZipEntry& e : zip.entries()) zip.verify(e);
    if (const ZipEntry* order = zip.find_suffix("byteorder")) {
        const std::string value = zip.read(*order, 16);
        if (value != "little")
            throw ArchiveError("its byteorder is '" + escape_bytes(value) + "'; ganscope reads little-endian archives");
    }
    for (const ZipEntry& e : zip.entries()) {
        if (ends_with(e.name, ".py")) {
            // ganscope's archives hold modules with attributes only; a method here is code libtorch would run.
            const std::string code = zip.read(e, kMaxCodeBytes);
            if (code.find("def ") != std::string::npos)
                throw ArchiveError("'" + escape_bytes(e.name) + "' defines TorchScript methods; a checkpoint holds data only");
            continue;
        }
        if (!ends_with(e.name, ".pkl")) continue;
        const std::string bytes = zip.read(e, kMaxPickleBytes);
        PickleResult r;
        try {
            r = read_pickle(bytes.data(), bytes.size(), PickleMode::Scan, limits);
        } catch (const PickleError& err) {
            throw ArchiveError("'" + escape_bytes(e.name) + "': " + err.what());
        }
        ++check.pickles;
        check.max_depth = std::max(check.max_depth, r.max_depth);
        check.tensors += r.tensors.size();
        for (const PickleTensor& t : r.tensors)
            check.tensor_list.push_back({r.storages[t.storage].type, t.sizes.size(), t.extent});
        if (e.name == "data.pkl" || ends_with(e.name, "/data.pkl")) {
            check.root = r.root;
            check.root_entries = r.entries;
        }
        // Storages of "<dir>/<name>.pkl" are the records "<dir>/<name>/<key>".
        const std::string folder = e.name.substr(0, e.name.size() - 4) + "/";
        for (const PickleStorage& st : r.storages) {
            const size_t element = storage_element_size(st.type);
            if (element == 0) throw ArchiveError("storage type '" + escape_bytes(st.type) + "' is not one ganscope reads");
            const ZipEntry* data = zip.find(folder + st.key);
            if (!data) throw ArchiveError("the data of storage '" + escape_bytes(st.key) + "' is missing");
            if (uint64_t(st.numel) * element > data->size)
                throw ArchiveError("storage '" + escape_bytes(st.key) + "' declares " + std::to_string(st.numel) +
                                   " elements; its record holds " + std::to_string(data->size) + " bytes");
            check.storage_bytes += data->size;
        }
    }
    return check;
}

ArchiveCheck check_torch_archive_file(const std::string& path, const PickleLimits& limits) {
    ZipArchive zip(ByteSource::file(path));
    return check_torch_archive(zip, limits);
}

ArchiveCheck check_tensor_archive(const ZipArchive& zip) {
    ArchiveCheck check = check_torch_archive(zip);
    if (check.tensor_list.size() != 1)
        throw ArchiveError("it holds " + std::to_string(check.tensor_list.size()) +
                           " tensors; a tensor file holds one");
    const ArchiveCheck::Tensor& t = check.tensor_list[0];
    if (t.type != "FloatStorage" && t.type != "DoubleStorage" && t.type != "HalfStorage" && t.type != "BFloat16Storage")
        throw ArchiveError("its tensor is of type '" + escape_bytes(t.type) + "'; expected floating point numbers");
    if (t.dims > 2) throw ArchiveError("its tensor has " + std::to_string(t.dims) + " dimensions; expected at most 2");
    if (t.elements > (int64_t(64) << 20))
        throw ArchiveError("its tensor spans " + std::to_string(t.elements) + " elements; at most 64 Mi are expected");
    return check;
}

ArchiveCheck check_tensor_archive_file(const std::string& path) {
    ZipArchive zip(ByteSource::file(path));
    return check_tensor_archive(zip);
}

ArchiveCheck check_snapshot_archive(const ZipArchive& zip) {
    ArchiveCheck check = check_torch_archive(zip);
    if (check.root != PickleResult::Root::Dict) throw ArchiveError("its data.pkl is not a dict; not a snapshot");
    for (const char* key : {"format", "step", "config", "names", "tensors"}) {
        const PickleEntry* found = nullptr;
        for (const PickleEntry& e : check.root_entries)
            if (e.key == key) found = &e;
        if (!found) throw ArchiveError(std::string("it has no '") + key + "' entry; not a snapshot");
        if (std::string(key) == "step" && found->kind != PickleEntry::Kind::Int)
            throw ArchiveError("its 'step' is not an integer; not a snapshot");
    }
    return check;
}

ArchiveCheck check_snapshot_archive_file(const std::string& path) {
    ZipArchive zip(ByteSource::file(path));
    return check_snapshot_archive(zip);
}

}  // namespace ganscope
