// torch.save files: opening and checking them (ml/pickle_machine, ml/zip_archive), loading tensors one by one,
// and writing them (protocol-2 pickle in libtorch's zip writer).
#include "ml/run/torch_pickle.h"

#include <caffe2/serialize/inline_container.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "ml/formats/pickle_machine.h"
#include "ml/formats/safetensors_layout.h"
#include "ml/formats/torch_save_layout.h"
#include "ml/formats/safe_text.h"
#include "ml/formats/zip_archive.h"

namespace ganscope {
namespace {

torch::ScalarType storage_dtype(const std::string& type) {
    static const std::map<std::string, torch::ScalarType> types = {
        {"FloatStorage", torch::kFloat}, {"DoubleStorage", torch::kDouble}, {"HalfStorage", torch::kHalf},
        {"BFloat16Storage", torch::kBFloat16}, {"LongStorage", torch::kLong}, {"IntStorage", torch::kInt},
        {"ShortStorage", torch::kShort}, {"CharStorage", torch::kChar}, {"ByteStorage", torch::kByte},
        {"BoolStorage", torch::kBool}};
    auto it = types.find(type);
    if (it == types.end()) throw std::runtime_error("unsupported storage type " + escape_bytes(type));
    return it->second;
}

const std::map<std::string, torch::ScalarType>& safetensors_dtypes() {
    static const std::map<std::string, torch::ScalarType> types = {
        {"F32", torch::kFloat}, {"F64", torch::kDouble}, {"F16", torch::kHalf},  {"BF16", torch::kBFloat16},
        {"I64", torch::kLong},  {"I32", torch::kInt},    {"I16", torch::kShort}, {"I8", torch::kChar},
        {"U8", torch::kByte},   {"BOOL", torch::kBool}};
    return types;
}

std::string safetensors_dtype(torch::ScalarType t) {
    for (const auto& [name, type] : safetensors_dtypes())
        if (type == t) return name;
    throw std::runtime_error(std::string("cannot save tensors of type ") + c10::toString(t) + " as safetensors");
}

// Writes through `write` into path.tmp, syncs, and renames it over path: a failed write (a full disk) leaves any
// previous file and no temp file behind. Throws std::runtime_error naming the file.
void write_atomically(const std::string& path, const std::function<void(FileSink&)>& write) {
    const std::string tmp = path + ".tmp";
    bool ok = false;
    std::string why;
    try {
        FileSink sink(tmp);
        write(sink);
        ok = sink.finish();
        why = sink.error();
    } catch (const std::exception& e) {
        why = one_line(e.what());
    }
    if (!ok) {
        std::remove(tmp.c_str());
        throw std::runtime_error(path + ": write failed (" + why + "; disk full?); any previous file is kept");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw std::runtime_error(path + ": cannot replace the file; check permissions");
    }
}

}  // namespace

int64_t TensorDeclaration::numel() const {
    int64_t n = 1;
    for (int64_t s : sizes) n *= s;
    return n;
}

struct TorchSaveFile::Impl : TorchSaveLayout {
    std::vector<size_t> tensor_of;      // declaration -> pickle tensor
    std::unique_ptr<SafetensorsLayout> safetensors;  // a safetensors file: declarations in its order
};

TorchSaveFile::TorchSaveFile(const std::string& path) : m_path(path), m_impl(std::make_unique<Impl>()) {
    Impl& im = *m_impl;
    try {
        if (auto source = ByteSource::file(path); looks_like_safetensors(*source)) {
            im.safetensors = std::make_unique<SafetensorsLayout>(parse_safetensors(std::move(source)));
            for (const SafetensorsEntry& e : im.safetensors->entries)
                m_declarations.push_back({e.name, safetensors_dtypes().at(e.dtype), e.shape});
            return;
        }
    } catch (const std::exception& e) {
        throw std::runtime_error(path + ": not a readable safetensors file (" + one_line(e.what(), 300) + ")");
    }
    try {
        static_cast<TorchSaveLayout&>(im) = parse_torch_save(ByteSource::file(path));
        for (const PickleEntry& e : im.pickle.entries) {
            const PickleTensor& t = im.pickle.tensors[size_t(e.value)];
            TensorDeclaration d;
            d.name = e.key;
            d.dtype = storage_dtype(im.pickle.storages[t.storage].type);
            d.sizes = t.sizes;
            m_declarations.push_back(std::move(d));
            im.tensor_of.push_back(size_t(e.value));
        }
    } catch (const std::exception& e) {
        throw std::runtime_error(path + ": not a state_dict saved by torch.save (" + one_line(e.what(), 300) + ")");
    }
}
TorchSaveFile::~TorchSaveFile() = default;

torch::Tensor TorchSaveFile::load(size_t index) const {
    const Impl& im = *m_impl;
    if (im.safetensors) {
        const SafetensorsEntry& e = im.safetensors->entries.at(index);
        torch::Tensor t = torch::empty(e.shape, torch::TensorOptions().dtype(m_declarations[index].dtype));
        try {
            if (e.bytes > 0) im.safetensors->file->read(e.offset, t.data_ptr(), size_t(e.bytes));
        } catch (const std::exception& err) {
            throw std::runtime_error(m_path + ": cannot read tensor '" + escape_bytes(e.name) + "' (" +
                                     one_line(err.what()) + ")");
        }
        static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors bytes are little-endian");
        return t;
    }
    const PickleTensor& t = im.pickle.tensors[im.tensor_of.at(index)];
    const PickleStorage& st = im.pickle.storages[t.storage];
    const TorchSaveLayout::Location& where = im.storages[t.storage];
    const size_t element = storage_element_size(st.type);
    // Only the span the tensor views is read (tensor_extent: no overlaps, so span >= the tensor's elements
    // and a small storage can never stand for a large tensor).
    torch::Tensor base = torch::empty({t.extent}, torch::TensorOptions().dtype(m_declarations[index].dtype));
    auto* out = static_cast<char*>(base.data_ptr());
    const size_t bytes = size_t(t.extent) * element;
    try {
        if (where.entry) {
            if (where.entry->method == 0) {
                im.zip->read_stored(*where.entry, 0, out, bytes);
            } else {
                const std::string all = im.zip->read(*where.entry, uint64_t(st.numel) * element + 4096);
                std::memcpy(out, all.data(), bytes);
            }
        } else {
            im.file->read(where.offset, out, bytes);
        }
    } catch (const std::exception& e) {
        throw std::runtime_error(m_path + ": cannot read tensor '" + escape_bytes(m_declarations[index].name) + "' (" +
                                 one_line(e.what()) + ")");
    }
    if (im.big_endian && element > 1) {
        for (size_t i = 0; i < bytes; i += element) std::reverse(out + i, out + i + element);
    }
    torch::Tensor view = base.as_strided(t.sizes, t.strides, t.offset);
    return view.numel() == base.numel() && view.is_contiguous() ? view : view.clone();
}

std::vector<std::pair<std::string, torch::Tensor>> TorchSaveFile::load_all() const {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (size_t i = 0; i < m_declarations.size(); ++i) out.emplace_back(m_declarations[i].name, load(i));
    return out;
}

std::vector<std::pair<std::string, torch::Tensor>> read_torch_save(const std::string& path) {
    return TorchSaveFile(path).load_all();
}

FileSink::FileSink(const std::string& path) {
    m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (m_fd < 0) throw std::runtime_error(path + ": cannot write (" + std::strerror(errno) + "); check the folder exists and is writable");
}

FileSink::~FileSink() {
    if (m_fd >= 0) ::close(m_fd);
}

size_t FileSink::operator()(const void* data, size_t n) {
    if (m_failed) return n;  // swallowed: the caller checks failed() once the writer is done
    const char* p = static_cast<const char*>(data);
    size_t left = n;
    while (left > 0) {
        const ssize_t w = ::write(m_fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            m_failed = true;
            m_error = w < 0 ? std::strerror(errno) : "short write";
            return n;
        }
        p += w;
        left -= size_t(w);
    }
    return n;
}

bool FileSink::finish() {
    if (m_fd < 0) return !m_failed;
    if (!m_failed && ::fsync(m_fd) != 0) {
        m_failed = true;
        m_error = std::strerror(errno);
    }
    if (::close(m_fd) != 0 && !m_failed) {
        m_failed = true;
        m_error = std::strerror(errno);
    }
    m_fd = -1;
    return !m_failed;
}

namespace {

// Protocol-2 pickle pieces for write_torch_save.
struct Pickler {
    std::string out;
    void op(char c) { out.push_back(c); }
    void global(const std::string& module, const std::string& name) { out += "c" + module + "\n" + name + "\n"; }
    void str(const std::string& s) {
        op('X');
        const uint32_t n = uint32_t(s.size());
        out.append(reinterpret_cast<const char*>(&n), 4);
        out += s;
    }
    void integer(int64_t v) {
        if (v >= INT32_MIN && v <= INT32_MAX) {
            op('J');
            const int32_t x = int32_t(v);
            out.append(reinterpret_cast<const char*>(&x), 4);
        } else {
            op(char(0x8a));
            op(8);
            out.append(reinterpret_cast<const char*>(&v), 8);
        }
    }
    void int_tuple(c10::IntArrayRef values) {
        op('(');
        for (int64_t v : values) integer(v);
        op('t');
    }
    void ordered_dict() {
        global("collections", "OrderedDict");
        op(')');
        op('R');
    }
};

std::string storage_name(torch::ScalarType t) {
    switch (t) {
        case torch::kFloat: return "FloatStorage";
        case torch::kDouble: return "DoubleStorage";
        case torch::kHalf: return "HalfStorage";
        case torch::kBFloat16: return "BFloat16Storage";
        case torch::kLong: return "LongStorage";
        case torch::kInt: return "IntStorage";
        case torch::kShort: return "ShortStorage";
        case torch::kChar: return "CharStorage";
        case torch::kByte: return "ByteStorage";
        case torch::kBool: return "BoolStorage";
        default: throw std::runtime_error(std::string("cannot save tensors of type ") + c10::toString(t));
    }
}

}  // namespace

void write_torch_save(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& state) {
    // The zip layout torch.save has written since PyTorch 1.6: data.pkl (an OrderedDict whose tensors point
    // to storages by key) and data/<key> with each tensor's bytes.
    Pickler pk;
    pk.op(char(0x80));
    pk.op(2);
    pk.ordered_dict();
    pk.op('(');
    std::vector<torch::Tensor> storages;
    for (const auto& [name, tensor] : state) {
        const torch::Tensor t = tensor.detach().cpu().contiguous();
        const std::string key = std::to_string(storages.size());
        storages.push_back(t);
        pk.str(name);
        pk.global("torch._utils", "_rebuild_tensor_v2");
        pk.op('(');
        pk.op('(');
        pk.str("storage");
        pk.global("torch", storage_name(t.scalar_type()));
        pk.str(key);
        pk.str("cpu");
        pk.integer(t.numel());
        pk.op('t');
        pk.op('Q');  // BINPERSID
        pk.integer(0);
        pk.int_tuple(t.sizes());
        pk.int_tuple(t.strides());
        pk.op(char(0x89));  // requires_grad False
        pk.ordered_dict();  // backward hooks
        pk.op('t');
        pk.op('R');
    }
    pk.op('u');
    pk.op('.');

    write_atomically(path, [&](FileSink& sink) {
        caffe2::serialize::PyTorchStreamWriter writer([&sink](const void* data, size_t n) { return sink(data, n); });
        writer.writeRecord("data.pkl", pk.out.data(), pk.out.size());
        writer.writeRecord("byteorder", "little", 6);
        for (size_t i = 0; i < storages.size(); ++i)
            writer.writeRecord("data/" + std::to_string(i), storages[i].data_ptr(), storages[i].nbytes());
        writer.writeEndOfFile();
    });
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& state,
                       const std::map<std::string, std::string>& metadata) {
    // The header names each tensor's dtype, shape and span; spans follow one another in the order given.
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::vector<torch::Tensor> tensors;
    uint64_t at = 0;
    for (const auto& [name, tensor] : state) {
        if (name == "__metadata__" || header.contains(name))
            throw std::runtime_error(path + ": cannot save two tensors named '" + escape_bytes(name) + "'");
        const torch::Tensor t = tensor.detach().cpu().contiguous();
        header[name] = {{"dtype", safetensors_dtype(t.scalar_type())},
                        {"shape", t.sizes().vec()},
                        {"data_offsets", {at, at + t.nbytes()}}};
        at += t.nbytes();
        tensors.push_back(t);
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // the bytes start 8-aligned, as the Python package writes them
    write_atomically(path, [&](FileSink& sink) {
        uint8_t size[8];
        for (int i = 0; i < 8; ++i) size[i] = uint8_t(uint64_t(text.size()) >> (8 * i));
        sink(size, 8);
        sink(text.data(), text.size());
        for (const torch::Tensor& t : tensors) sink(t.data_ptr(), t.nbytes());
    });
}

}  // namespace ganscope
