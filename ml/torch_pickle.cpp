// A small pickle machine for torch.save'd state_dicts: dicts, tuples, strings, numbers, storages and the
// tensor rebuild functions; anything else is refused by name.
#include "ml/torch_pickle.h"

#include <caffe2/serialize/inline_container.h>

#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>

namespace ganscope {
namespace {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Value {
    enum class Kind { None, Bool, Int, Float, Str, Tuple, List, Dict, Global, Storage, Tensor, Mark } kind = Kind::None;
    int64_t i = 0;
    double f = 0;
    std::string s;                                       // Str, Global ("module.name"), Storage key
    std::vector<ValuePtr> items;                         // Tuple, List
    std::vector<std::pair<ValuePtr, ValuePtr>> entries;  // Dict
    torch::ScalarType dtype = torch::kFloat;             // Storage
    torch::Tensor tensor;                                // Storage once loaded
    std::shared_ptr<Value> storage;                      // Tensor: a view of this storage, made at the end
    std::vector<int64_t> sizes, strides;                 // Tensor view
};

ValuePtr make(Value::Kind k) {
    auto v = std::make_shared<Value>();
    v->kind = k;
    return v;
}

torch::ScalarType storage_dtype(const std::string& global) {
    static const std::map<std::string, torch::ScalarType> types = {
        {"FloatStorage", torch::kFloat}, {"DoubleStorage", torch::kDouble}, {"HalfStorage", torch::kHalf},
        {"BFloat16Storage", torch::kBFloat16}, {"LongStorage", torch::kLong}, {"IntStorage", torch::kInt},
        {"ShortStorage", torch::kShort}, {"CharStorage", torch::kChar}, {"ByteStorage", torch::kByte},
        {"BoolStorage", torch::kBool}};
    const std::string name = global.substr(global.rfind('.') + 1);
    auto it = types.find(name);
    if (it == types.end()) throw std::runtime_error("unsupported storage type " + global);
    return it->second;
}

class Machine {
public:
    Machine(const char* data, size_t size) : m_p(data), m_end(data + size) {}

    ValuePtr run();
    size_t consumed(const char* start) const { return size_t(m_p - start); }
    // Every storage the pickle referenced, by key.
    std::map<std::string, ValuePtr> storages;

private:
    uint8_t byte() { need(1); return uint8_t(*m_p++); }
    template <class T>
    T read() {
        need(sizeof(T));
        T v;
        std::memcpy(&v, m_p, sizeof(T));  // pickle is little-endian, as every machine libtorch runs on
        m_p += sizeof(T);
        return v;
    }
    std::string bytes(size_t n) { need(n); std::string s(m_p, n); m_p += n; return s; }
    std::string line() {
        const char* nl = static_cast<const char*>(std::memchr(m_p, '\n', size_t(m_end - m_p)));
        if (!nl) throw std::runtime_error("truncated pickle");
        std::string s(m_p, nl);
        m_p = nl + 1;
        return s;
    }
    void need(size_t n) const { if (size_t(m_end - m_p) < n) throw std::runtime_error("truncated pickle"); }
    ValuePtr pop() {
        if (m_stack.empty()) throw std::runtime_error("malformed pickle (empty stack)");
        ValuePtr v = m_stack.back();
        m_stack.pop_back();
        return v;
    }
    std::vector<ValuePtr> pop_to_mark() {
        std::vector<ValuePtr> out;
        while (!m_stack.empty() && m_stack.back()->kind != Value::Kind::Mark) out.push_back(pop());
        if (m_stack.empty()) throw std::runtime_error("malformed pickle (no mark)");
        m_stack.pop_back();
        return {out.rbegin(), out.rend()};
    }
    ValuePtr reduce(const ValuePtr& callable, const ValuePtr& args);
    ValuePtr persistent(const ValuePtr& pid);

    const char* m_p;
    const char* m_end;
    std::vector<ValuePtr> m_stack;
    std::map<int64_t, ValuePtr> m_memo;
};

std::vector<int64_t> int_tuple(const Value& v) {
    std::vector<int64_t> out;
    for (const auto& x : v.items) out.push_back(x->i);
    return out;
}

ValuePtr Machine::reduce(const ValuePtr& callable, const ValuePtr& args) {
    if (callable->kind != Value::Kind::Global) throw std::runtime_error("pickle calls a non-global");
    const std::string& name = callable->s;
    if (name == "collections.OrderedDict" || name == "builtins.dict") return make(Value::Kind::Dict);
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
        // (storage, storage_offset, size, stride, ...)
        // The storage's bytes may come after the pickle (legacy format), so the view is made at the end.
        const auto& a = args->items;
        if (a.size() < 4 || a[0]->kind != Value::Kind::Storage) throw std::runtime_error(name + " with unexpected arguments");
        auto t = make(Value::Kind::Tensor);
        t->storage = a[0];
        t->i = a[1]->i;
        t->sizes = int_tuple(*a[2]);
        t->strides = int_tuple(*a[3]);
        return t;
    }
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
        if (args->items.empty() || args->items[0]->kind != Value::Kind::Tensor) throw std::runtime_error(name + " without a tensor");
        return args->items[0];
    }
    throw std::runtime_error("it holds a " + name + ", which a state_dict does not");
}

ValuePtr Machine::persistent(const ValuePtr& pid) {
    // ('storage', storage type, key, location, numel[, view metadata])
    if (pid->kind != Value::Kind::Tuple || pid->items.size() < 5 || pid->items[0]->s != "storage")
        throw std::runtime_error("unexpected persistent id");
    auto st = make(Value::Kind::Storage);
    st->dtype = storage_dtype(pid->items[1]->s);
    st->s = pid->items[2]->s;
    st->i = pid->items[4]->i;  // element count
    if (pid->items.size() > 5 && pid->items[5]->kind == Value::Kind::Tuple)
        throw std::runtime_error("storage views (pre-0.4 files) are not supported");
    auto it = storages.find(st->s);
    if (it != storages.end()) return it->second;  // one storage shared by several tensors
    storages[st->s] = st;
    return st;
}

ValuePtr Machine::run() {
    for (;;) {
        const uint8_t op = byte();
        switch (op) {
            case 0x80: byte(); break;            // PROTO
            case 0x95: read<uint64_t>(); break;  // FRAME
            case '.': return pop();              // STOP
            case '(': m_stack.push_back(make(Value::Kind::Mark)); break;
            case 'N': m_stack.push_back(make(Value::Kind::None)); break;
            case 0x88: case 0x89: { auto v = make(Value::Kind::Bool); v->i = op == 0x88; m_stack.push_back(v); break; }
            case 'J': { auto v = make(Value::Kind::Int); v->i = read<int32_t>(); m_stack.push_back(v); break; }
            case 'K': { auto v = make(Value::Kind::Int); v->i = byte(); m_stack.push_back(v); break; }
            case 'M': { auto v = make(Value::Kind::Int); v->i = read<uint16_t>(); m_stack.push_back(v); break; }
            case 0x8a: {  // LONG1: little-endian two's complement of n bytes
                const int n = byte();
                const std::string b = bytes(size_t(n));
                int64_t x = 0;
                for (int k = std::min(n, 8) - 1; k >= 0; --k) x = (x << 8) | uint8_t(b[size_t(k)]);
                if (n > 0 && n < 8 && (uint8_t(b[size_t(n - 1)]) & 0x80)) x -= int64_t(1) << (8 * n);
                auto v = make(Value::Kind::Int);
                v->i = x;
                m_stack.push_back(v);
                break;
            }
            case 'G': {  // BINFLOAT, big-endian
                uint64_t bits = 0;
                for (int k = 0; k < 8; ++k) bits = (bits << 8) | byte();
                auto v = make(Value::Kind::Float);
                std::memcpy(&v->f, &bits, 8);
                m_stack.push_back(v);
                break;
            }
            case 'X': case 0x8c: case 0x8d: case 'C': case 'B': {  // strings and bytes
                const size_t n = op == 0x8c || op == 'C' ? byte() : op == 0x8d ? size_t(read<uint64_t>()) : read<uint32_t>();
                auto v = make(Value::Kind::Str);
                v->s = bytes(n);
                m_stack.push_back(v);
                break;
            }
            case ')': m_stack.push_back(make(Value::Kind::Tuple)); break;
            case ']': m_stack.push_back(make(Value::Kind::List)); break;
            case '}': m_stack.push_back(make(Value::Kind::Dict)); break;
            case 't': case 'l': case 'd': {
                auto items = pop_to_mark();
                auto v = make(op == 't' ? Value::Kind::Tuple : op == 'l' ? Value::Kind::List : Value::Kind::Dict);
                if (op == 'd')
                    for (size_t k = 0; k + 1 < items.size(); k += 2) v->entries.emplace_back(items[k], items[k + 1]);
                else
                    v->items = std::move(items);
                m_stack.push_back(v);
                break;
            }
            case 0x85: case 0x86: case 0x87: {
                const int n = op - 0x84;
                auto v = make(Value::Kind::Tuple);
                v->items.resize(size_t(n));
                for (int k = n - 1; k >= 0; --k) v->items[size_t(k)] = pop();
                m_stack.push_back(v);
                break;
            }
            case 'a': { auto x = pop(); m_stack.back()->items.push_back(x); break; }
            case 'e': { auto items = pop_to_mark(); auto& l = m_stack.back()->items; l.insert(l.end(), items.begin(), items.end()); break; }
            case 's': { auto v = pop(); auto k = pop(); m_stack.back()->entries.emplace_back(k, v); break; }
            case 'u': {
                auto items = pop_to_mark();
                if (m_stack.empty()) throw std::runtime_error("malformed pickle (SETITEMS)");
                for (size_t k = 0; k + 1 < items.size(); k += 2) m_stack.back()->entries.emplace_back(items[k], items[k + 1]);
                break;
            }
            case 'q': m_memo[byte()] = m_stack.back(); break;
            case 'r': m_memo[read<uint32_t>()] = m_stack.back(); break;
            case 0x94: m_memo[int64_t(m_memo.size())] = m_stack.back(); break;
            case 'h': case 'j': {
                const int64_t key = op == 'h' ? byte() : read<uint32_t>();
                auto it = m_memo.find(key);
                if (it == m_memo.end()) throw std::runtime_error("malformed pickle (memo)");
                m_stack.push_back(it->second);
                break;
            }
            case 'c': {
                auto v = make(Value::Kind::Global);
                const std::string module = line();
                v->s = module + "." + line();
                m_stack.push_back(v);
                break;
            }
            case 0x93: {  // STACK_GLOBAL
                auto name = pop(), module = pop();
                auto v = make(Value::Kind::Global);
                v->s = module->s + "." + name->s;
                m_stack.push_back(v);
                break;
            }
            case 'R': { auto args = pop(), callable = pop(); m_stack.push_back(reduce(callable, args)); break; }
            case 0x81: { auto args = pop(), cls = pop(); m_stack.push_back(reduce(cls, args)); break; }  // NEWOBJ
            case 'b': pop(); break;  // BUILD: object state (a state_dict's _metadata); not needed
            case 'Q': { auto pid = pop(); m_stack.push_back(persistent(pid)); break; }
            default: {
                char buf[64];
                std::snprintf(buf, sizeof buf, "unsupported pickle opcode 0x%02x", op);
                throw std::runtime_error(buf);
            }
        }
    }
}

size_t element_size(torch::ScalarType t) { return c10::elementSize(t); }

std::vector<std::pair<std::string, torch::Tensor>> to_state(const ValuePtr& root) {
    if (root->kind != Value::Kind::Dict) throw std::runtime_error("it does not hold a dict");
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& [k, v] : root->entries) {
        if (k->kind != Value::Kind::Str) continue;
        if (v->kind != Value::Kind::Tensor) throw std::runtime_error("entry '" + k->s + "' is not a tensor");
        const torch::Tensor& storage = v->storage->tensor;
        if (!storage.defined()) throw std::runtime_error("the data of storage " + v->storage->s + " is missing");
        out.emplace_back(k->s, storage.as_strided(v->sizes, v->strides, v->i).clone());
    }
    return out;
}

}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> read_torch_save(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot open; check the path");
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
        if (data.size() >= 4 && data.compare(0, 4, "PK\x03\x04") == 0) {
            // Zip format: <archive>/data.pkl, each storage in <archive>/data/<key>.
            caffe2::serialize::PyTorchStreamReader reader(path);
            auto [pkl, size] = reader.getRecord("data.pkl");
            Machine m(static_cast<const char*>(pkl.get()), size);
            const ValuePtr root = m.run();
            for (auto& [key, st] : m.storages) {
                auto [ptr, n] = reader.getRecord("data/" + key);
                const size_t bytes = size_t(st->i) * element_size(st->dtype);
                if (n < bytes) throw std::runtime_error("storage " + key + " is truncated");
                st->tensor = torch::empty({st->i}, torch::TensorOptions().dtype(st->dtype));
                std::memcpy(st->tensor.data_ptr(), ptr.get(), bytes);
            }
            return to_state(root);
        }
        // Legacy format: five pickles (magic number, protocol, system info, the object, the storage keys),
        // then each storage as an 8-byte element count and its bytes, in the order of the keys.
        const char* p = data.data();
        const char* end = p + data.size();
        ValuePtr root;
        std::map<std::string, ValuePtr> storages;
        for (int k = 0; k < 4; ++k) {
            Machine m(p, size_t(end - p));
            ValuePtr v = m.run();
            p += m.consumed(p);
            if (k == 3) {
                root = v;
                storages = m.storages;
            }
        }
        Machine key_machine(p, size_t(end - p));
        const ValuePtr keys = key_machine.run();
        p += key_machine.consumed(p);
        for (const auto& key : keys->items) {
            auto it = storages.find(key->s);
            if (it == storages.end()) throw std::runtime_error("storage " + key->s + " is not used by the data");
            Value& st = *it->second;
            if (size_t(end - p) < 8) throw std::runtime_error("storage data is truncated");
            int64_t n;
            std::memcpy(&n, p, 8);
            p += 8;
            const size_t bytes = size_t(n) * element_size(st.dtype);
            if (size_t(end - p) < bytes) throw std::runtime_error("storage data is truncated");
            st.tensor = torch::empty({n}, torch::TensorOptions().dtype(st.dtype));
            std::memcpy(st.tensor.data_ptr(), p, bytes);
            p += bytes;
        }
        return to_state(root);
    } catch (const c10::Error& e) {
        throw std::runtime_error(path + ": not a torch.save file (" + std::string(e.what_without_backtrace()).substr(0, 160) + ")");
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(path + ": not a state_dict saved by torch.save (" + e.what() + ")");
    }
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

    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error(tmp + ": cannot write; check the folder exists and is writable");
        caffe2::serialize::PyTorchStreamWriter writer([&out](const void* data, size_t n) {
            out.write(static_cast<const char*>(data), std::streamsize(n));
            return out ? n : size_t(0);
        });
        writer.writeRecord("data.pkl", pk.out.data(), pk.out.size());
        writer.writeRecord("byteorder", "little", 6);
        for (size_t i = 0; i < storages.size(); ++i)
            writer.writeRecord("data/" + std::to_string(i), storages[i].data_ptr(), storages[i].nbytes());
        writer.writeEndOfFile();
        out.flush();
        if (!out) throw std::runtime_error(tmp + ": write failed (disk full?)");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw std::runtime_error(path + ": cannot replace the file; check permissions");
    }
}

}  // namespace ganscope
