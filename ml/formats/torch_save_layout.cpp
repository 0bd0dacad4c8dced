// torch.save file layouts; see torch_save_layout.h.
#include "ml/formats/torch_save_layout.h"

#include <cstring>

#include "ml/formats/safe_text.h"

namespace ganscope {
namespace {
constexpr uint64_t kMaxPickleBytes = 16u << 20;  // a state_dict's pickle is a few kilobytes
}  // namespace

TorchSaveLayout parse_torch_save(std::unique_ptr<ByteSource> source) {
    TorchSaveLayout L;
    char magic[4] = {};
    if (source->size() >= 4) source->read(0, magic, 4);
    if (std::memcmp(magic, "PK\x03\x04", 4) == 0) {
        // Zip format: <archive>/data.pkl, each storage in <archive>/data/<key>, <archive>/byteorder.
        L.zip = std::make_unique<ZipArchive>(std::move(source));
        const ZipEntry* pkl = L.zip->find_suffix("data.pkl");
        if (!pkl) throw std::runtime_error("no data.pkl inside the zip");
        const std::string prefix = pkl->name.substr(0, pkl->name.size() - 8);
        const std::string bytes = L.zip->read(*pkl, kMaxPickleBytes);
        L.pickle = read_pickle(bytes.data(), bytes.size(), PickleMode::StateDict);
        if (const ZipEntry* order = L.zip->find(prefix + "byteorder")) {
            const std::string value = L.zip->read(*order, 16);
            if (value != "little" && value != "big")
                throw std::runtime_error("byteorder says '" + escape_bytes(value) + "' (little or big expected)");
            L.big_endian = value == "big";
        }
        for (const PickleStorage& st : L.pickle.storages) {
            const ZipEntry* e = L.zip->find(prefix + "data/" + st.key);
            if (!e) throw std::runtime_error("the data of storage '" + escape_bytes(st.key) + "' is missing");
            const uint64_t bytes_needed = uint64_t(st.numel) * storage_element_size(st.type);
            if (e->size < bytes_needed)
                throw std::runtime_error("storage '" + escape_bytes(st.key) + "' holds " + std::to_string(e->size) +
                                         " bytes, " + std::to_string(bytes_needed) + " declared");
            L.zip->verify(*e);  // CRC-32: damage is refused, not loaded as wrong weights
            L.storages.push_back({0, e});
        }
    } else {
        // Legacy format: five pickles (magic number, protocol, system info, the object, the storage keys),
        // then each storage as an 8-byte element count and its bytes, in the order of the keys.
        const uint64_t head = std::min<uint64_t>(source->size(), kMaxPickleBytes);
        std::string data(size_t(head), '\0');
        source->read(0, data.data(), data.size());
        size_t at = 0;
        PickleResult keys;
        for (int k = 0; k < 5; ++k) {
            PickleResult r = read_pickle(data.data() + at, data.size() - at, PickleMode::StateDict);
            at += r.consumed;
            if (k == 0 && r.root != PickleResult::Root::Int) throw std::runtime_error("no torch.save magic number");
            if (k == 2)
                for (const auto& e : r.entries)
                    if (e.key == "little_endian" && e.kind == PickleEntry::Kind::Bool) L.big_endian = e.value == 0;
            if (k == 3) L.pickle = std::move(r);
            if (k == 4) keys = std::move(r);
        }
        if (keys.root != PickleResult::Root::List) throw std::runtime_error("no list of storage keys");
        L.storages.resize(L.pickle.storages.size());
        std::vector<bool> seen(L.storages.size(), false);
        uint64_t p = at;
        for (const std::string& key : keys.strings) {
            size_t index = L.storages.size();
            for (size_t i = 0; i < L.pickle.storages.size(); ++i)
                if (L.pickle.storages[i].key == key) index = i;
            if (index == L.storages.size())
                throw std::runtime_error("storage '" + escape_bytes(key) + "' is not used by the data");
            if (seen[index]) throw std::runtime_error("storage '" + escape_bytes(key) + "' is listed twice");
            seen[index] = true;
            const PickleStorage& st = L.pickle.storages[index];
            unsigned char count_bytes[8];
            source->read(p, count_bytes, 8);
            uint64_t count = 0;
            for (int b = 7; b >= 0; --b) count = count << 8 | count_bytes[b];
            if (L.big_endian) count = __builtin_bswap64(count);
            if (count != uint64_t(st.numel))
                throw std::runtime_error("storage '" + escape_bytes(key) + "' holds " + std::to_string(count) +
                                         " elements, " + std::to_string(st.numel) + " declared");
            p += 8;
            L.storages[index].offset = p;
            const uint64_t bytes = count * storage_element_size(st.type);
            if (bytes > source->size() - p) throw std::runtime_error("storage data is truncated");
            p += bytes;
        }
        for (size_t i = 0; i < seen.size(); ++i)
            if (!seen[i])
                throw std::runtime_error("the data of storage '" + escape_bytes(L.pickle.storages[i].key) + "' is missing");
        L.file = std::move(source);
    }
    if (L.pickle.root != PickleResult::Root::Dict) throw std::runtime_error("it does not hold a dict");
    if (L.pickle.non_string_keys > 0) throw std::runtime_error("its dict has keys that are not strings");
    for (const PickleStorage& st : L.pickle.storages)
        if (storage_element_size(st.type) == 0) throw std::runtime_error("unsupported storage type " + escape_bytes(st.type));
    for (const PickleEntry& e : L.pickle.entries)
        if (e.kind != PickleEntry::Kind::Tensor) throw std::runtime_error("entry '" + escape_bytes(e.key) + "' is not a tensor");
    return L;
}

}  // namespace ganscope
