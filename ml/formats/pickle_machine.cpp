// The bounded, non-recursive pickle machine; see pickle_machine.h.
#include "ml/formats/pickle_machine.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <unordered_map>

#include "ml/formats/safe_text.h"

namespace ganscope {
namespace {

enum class Kind : uint8_t { None, Bool, Int, BigInt, Float, Str, Tuple, List, Dict, Global, Storage, Tensor, Object };

struct Value {
    Kind kind = Kind::None;
    bool contained = false;      // placed inside another value: it must not change any more
    uint32_t depth = 0;          // 0 for scalars, 1 + the deepest item for containers
    int64_t i = 0;               // Int, Bool; Storage/Tensor: index into the result
    std::string s;               // Str, Global ("module.name")
    std::vector<uint32_t> items; // Tuple, List, Object (its arguments); Dict: key, value, key, value, ...
};

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::None: return "None";
        case Kind::Bool: return "a bool";
        case Kind::Int: case Kind::BigInt: return "an int";
        case Kind::Float: return "a float";
        case Kind::Str: return "a string";
        case Kind::Tuple: return "a tuple";
        case Kind::List: return "a list";
        case Kind::Dict: return "a dict";
        case Kind::Global: return "a global name";
        case Kind::Storage: return "a storage";
        case Kind::Tensor: return "a tensor";
        case Kind::Object: return "an object";
    }
    return "?";
}

bool is_state_dict_callable(const std::string& name) {
    return name == "collections.OrderedDict" || name == "builtins.dict" || name == "torch._utils._rebuild_tensor_v2" ||
           name == "torch._utils._rebuild_tensor" || name == "torch._utils._rebuild_parameter" ||
           name == "torch._utils._rebuild_parameter_with_state";
}

class Machine {
public:
    Machine(const char* data, size_t size, PickleMode mode, const PickleLimits& limits)
        : m_begin(data), m_p(data), m_end(data + size), m_mode(mode), m_limits(limits) {}

    PickleResult run();

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw PickleError(what + " (at byte " + std::to_string(m_op_at - m_begin) + ")");
    }
    void need(size_t n) const {
        if (size_t(m_end - m_p) < n) fail("the pickle is cut short");
    }
    uint8_t byte() {
        need(1);
        return uint8_t(*m_p++);
    }
    uint64_t little(size_t n) {
        need(n);
        uint64_t v = 0;
        for (size_t k = 0; k < n; ++k) v |= uint64_t(uint8_t(m_p[k])) << (8 * k);
        m_p += n;
        return v;
    }
    std::string bytes(uint64_t n) {
        if (n > uint64_t(m_end - m_p)) fail("the pickle is cut short (a string of " + std::to_string(n) + " bytes)");
        std::string s(m_p, size_t(n));
        m_p += n;
        return s;
    }
    std::string line() {
        const char* nl = static_cast<const char*>(std::memchr(m_p, '\n', size_t(m_end - m_p)));
        if (!nl) fail("the pickle is cut short (a name without its end of line)");
        if (nl - m_p > 4096) fail("a name of more than 4096 bytes");
        std::string s(m_p, nl);
        m_p = nl + 1;
        return s;
    }

    uint32_t make(Kind kind) {
        if (m_values.size() >= m_limits.max_values)
            fail("more than " + std::to_string(m_limits.max_values) + " values (weights need a few thousand)");
        m_values.emplace_back();
        m_values.back().kind = kind;
        return uint32_t(m_values.size() - 1);
    }
    Value& at(uint32_t v) { return m_values[v]; }
    void push(uint32_t v) { m_stack.push_back(v); }
    size_t frame_base() const { return m_marks.empty() ? 0 : m_marks.back(); }
    // The stack checks every opcode goes through: nothing is read below the current MARK.
    uint32_t top() {
        if (m_stack.size() <= frame_base()) fail(std::string("opcode ") + op_name() + " finds the stack empty");
        return m_stack.back();
    }
    uint32_t pop() {
        const uint32_t v = top();
        m_stack.pop_back();
        return v;
    }
    std::vector<uint32_t> pop_mark() {
        if (m_marks.empty()) fail(std::string("opcode ") + op_name() + " without a MARK");
        const size_t base = m_marks.back();
        m_marks.pop_back();
        std::vector<uint32_t> items(m_stack.begin() + std::ptrdiff_t(base), m_stack.end());
        m_stack.resize(base);
        return items;
    }
    std::string op_name() const {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0x%02x", m_op);
        return buf;
    }
    // Puts `item` inside `container`: depth grows, the item is frozen.
    void contain(uint32_t container, uint32_t item) {
        Value& c = at(container);
        Value& v = at(item);
        v.contained = true;
        c.depth = std::max<uint32_t>(c.depth, v.depth + 1);
        if (c.depth > m_limits.max_depth)
            fail("values nested more than " + std::to_string(m_limits.max_depth) + " deep (weights need about 10)");
        m_max_depth = std::max<size_t>(m_max_depth, c.depth);
    }
    uint32_t container(Kind kind, const std::vector<uint32_t>& items) {
        const uint32_t c = make(kind);
        at(c).depth = 1;
        for (uint32_t v : items) contain(c, v);
        at(c).items = items;
        return c;
    }
    // A container may only change while nothing holds it: a pickle that changes a contained value builds a
    // cycle (or a structure deeper than its depth says), which no weights file needs.
    Value& mutable_target(uint32_t v, Kind a, Kind b) {
        Value& t = at(v);
        if (t.kind != a && t.kind != b)
            fail(std::string("opcode ") + op_name() + " adds items to " + kind_name(t.kind));
        if (t.contained) fail(std::string("opcode ") + op_name() + " changes a value already inside another (a cycle)");
        return t;
    }
    void add_items(uint32_t target, const std::vector<uint32_t>& items, bool dict) {
        if (dict && items.size() % 2) fail("SETITEMS with an odd number of items");
        Value& t = mutable_target(target, dict ? Kind::Dict : Kind::List, dict ? Kind::Object : Kind::List);
        (void)t;
        for (uint32_t v : items) {
            if (v == target) fail(std::string("opcode ") + op_name() + " puts a value inside itself (a cycle)");
            contain(target, v);
        }
        auto& dst = at(target).items;
        dst.insert(dst.end(), items.begin(), items.end());
    }
    int64_t int_of(uint32_t v, const char* what) {
        if (at(v).kind != Kind::Int && at(v).kind != Kind::Bool) fail(std::string(what) + " is " + kind_name(at(v).kind) + ", not an int");
        return at(v).i;
    }
    std::vector<int64_t> int_tuple(uint32_t v, const char* what) {
        const Value& t = at(v);
        if (t.kind != Kind::Tuple && t.kind != Kind::List) fail(std::string(what) + " is " + kind_name(t.kind) + ", not a tuple");
        if (t.items.size() > m_limits.max_dims)
            fail(std::string(what) + " has " + std::to_string(t.items.size()) + " dimensions (at most " +
                 std::to_string(m_limits.max_dims) + ")");
        std::vector<int64_t> out;
        for (uint32_t x : t.items) out.push_back(int_of(x, what));
        return out;
    }

    uint32_t reduce(uint32_t callable, uint32_t args);
    uint32_t rebuild_tensor(const std::string& name, uint32_t args);
    uint32_t persistent(uint32_t pid);

    const char* m_begin;
    const char* m_p;
    const char* m_end;
    const char* m_op_at = nullptr;
    uint8_t m_op = 0;
    PickleMode m_mode;
    PickleLimits m_limits;
    std::vector<Value> m_values;
    std::vector<uint32_t> m_stack;
    std::vector<size_t> m_marks;
    std::unordered_map<uint32_t, uint32_t> m_memo;
    std::unordered_map<std::string, size_t> m_storage_by_key;
    size_t m_max_depth = 0;
    PickleResult m_result;
};

uint32_t Machine::rebuild_tensor(const std::string& name, uint32_t args) {
    // (storage, storage_offset, size, stride, ...): a view of a storage, checked against it now.
    const Value& a = at(args);
    if (a.kind != Kind::Tuple || a.items.size() < 4 || at(a.items[0]).kind != Kind::Storage)
        fail(name + " with unexpected arguments");
    PickleTensor t;
    t.storage = size_t(at(a.items[0]).i);
    t.offset = int_of(a.items[1], "a storage offset");
    t.sizes = int_tuple(a.items[2], "a tensor size");
    t.strides = int_tuple(a.items[3], "a tensor stride");
    if (t.sizes.size() != t.strides.size()) fail("a tensor with " + std::to_string(t.sizes.size()) + " sizes and " +
                                                 std::to_string(t.strides.size()) + " strides");
    try {
        t.extent = tensor_extent(t.sizes, t.strides, t.offset);
    } catch (const PickleError& e) {
        fail(e.what());
    }
    const PickleStorage& st = m_result.storages[t.storage];
    if (t.extent > st.numel)
        fail("a tensor needs " + std::to_string(t.extent) + " elements of storage '" + escape_bytes(st.key) +
             "', which holds " + std::to_string(st.numel));
    const uint32_t v = make(Kind::Tensor);
    at(v).i = int64_t(m_result.tensors.size());
    at(v).depth = 1;
    m_result.tensors.push_back(std::move(t));
    return v;
}

uint32_t Machine::reduce(uint32_t callable, uint32_t args) {
    if (at(callable).kind != Kind::Global) fail(std::string("the pickle calls ") + kind_name(at(callable).kind));
    const std::string name = at(callable).s;
    if (at(args).kind != Kind::Tuple) fail("the arguments of " + escape_bytes(name) + " are not a tuple");
    if (m_mode == PickleMode::StateDict && !is_state_dict_callable(name))
        fail("it calls " + escape_bytes(name) + ", which a state_dict never does; ganscope runs nothing from weight files");
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor" ||
        name == "torch._utils._rebuild_qtensor")
        return rebuild_tensor(name, args);
    if (m_mode == PickleMode::StateDict) {
        if (name == "collections.OrderedDict" || name == "builtins.dict") {
            if (!at(args).items.empty()) fail(name + " called with arguments");
            const uint32_t d = make(Kind::Dict);
            at(d).depth = 1;
            return d;
        }
        // _rebuild_parameter(tensor, requires_grad, backward_hooks[, state])
        const Value& a = at(args);
        if (a.items.empty() || at(a.items[0]).kind != Kind::Tensor) fail(name + " without a tensor");
        return a.items[0];
    }
    // libtorch tags typed containers: restore_type_tag(value, "Dict[str, Any]") gives back the value itself.
    if (name == "torch.jit._pickle.restore_type_tag" && !at(args).items.empty()) return at(args).items[0];
    // Scan: libtorch builds this object itself; only its shape matters here.
    const uint32_t o = container(Kind::Object, {args});
    at(o).s = name;
    return o;
}

uint32_t Machine::persistent(uint32_t pid) {
    // ('storage', storage type, key, location, numel[, view metadata])
    const Value& t = at(pid);
    const bool storage = t.kind == Kind::Tuple && t.items.size() >= 5 && at(t.items[0]).kind == Kind::Str &&
                         at(t.items[0]).s == "storage";
    if (!storage) {
        if (m_mode == PickleMode::StateDict) fail("an unexpected persistent id (" + std::string(kind_name(t.kind)) + ")");
        return container(Kind::Object, {pid});
    }
    const Value& type = at(t.items[1]);
    const Value& key = at(t.items[2]);
    if (type.kind != Kind::Global || key.kind != Kind::Str) fail("a storage reference of unexpected form");
    if (t.items.size() > 5 && at(t.items[5]).kind == Kind::Tuple) fail("storage views (pre-0.4 files) are not supported");
    PickleStorage st;
    st.key = key.s;
    st.type = type.s.substr(type.s.rfind('.') + 1);
    st.numel = int_of(t.items[4], "a storage size");
    if (st.numel < 0) fail("storage '" + escape_bytes(st.key) + "' has a negative size");
    size_t index;
    auto it = m_storage_by_key.find(st.key);
    if (it != m_storage_by_key.end()) {
        index = it->second;
        const PickleStorage& old = m_result.storages[index];
        if (old.numel != st.numel || old.type != st.type)
            fail("storage '" + escape_bytes(st.key) + "' is declared twice with different types or sizes");
    } else {
        index = m_result.storages.size();
        m_storage_by_key.emplace(st.key, index);
        m_result.storages.push_back(st);
    }
    const uint32_t v = make(Kind::Storage);
    at(v).i = int64_t(index);
    return v;
}

PickleResult Machine::run() {
    for (;;) {
        m_op_at = m_p;
        m_op = byte();
        switch (m_op) {
            case 0x80: byte(); break;        // PROTO
            case 0x95: little(8); break;     // FRAME (a length hint)
            case '.': {                      // STOP
                const uint32_t root = pop();
                if (!m_marks.empty()) fail("STOP inside an open MARK");
                m_result.consumed = size_t(m_p - m_begin);
                m_result.max_depth = m_max_depth;
                m_result.values = m_values.size();
                const Value& r = at(root);
                if (r.kind == Kind::Dict || (r.kind == Kind::Object && m_mode == PickleMode::StateDict)) {
                    m_result.root = PickleResult::Root::Dict;
                    for (size_t k = 0; k + 1 < r.items.size(); k += 2) {
                        const Value& key = at(r.items[k]);
                        const Value& val = at(r.items[k + 1]);
                        if (key.kind != Kind::Str) {
                            ++m_result.non_string_keys;
                            continue;
                        }
                        PickleEntry e;
                        e.key = key.s;
                        e.kind = val.kind == Kind::Tensor ? PickleEntry::Kind::Tensor
                                 : val.kind == Kind::Bool ? PickleEntry::Kind::Bool
                                 : val.kind == Kind::Int ? PickleEntry::Kind::Int
                                                         : PickleEntry::Kind::Other;
                        e.value = val.i;
                        m_result.entries.push_back(std::move(e));
                    }
                } else if (r.kind == Kind::List || r.kind == Kind::Tuple) {
                    m_result.root = PickleResult::Root::List;
                    for (uint32_t x : r.items)
                        if (at(x).kind == Kind::Str) m_result.strings.push_back(at(x).s);
                } else if (r.kind == Kind::Int || r.kind == Kind::BigInt) {
                    m_result.root = PickleResult::Root::Int;
                }
                return std::move(m_result);
            }
            case '(': m_marks.push_back(m_stack.size()); break;  // MARK
            case '0': pop(); break;                              // POP
            case '1': pop_mark(); break;                         // POP_MARK
            case '2': push(top()); break;                        // DUP
            case 'N': push(make(Kind::None)); break;
            case 0x88: case 0x89: {  // NEWTRUE, NEWFALSE
                const uint32_t v = make(Kind::Bool);
                at(v).i = m_op == 0x88;
                push(v);
                break;
            }
            case 'J': { const uint32_t v = make(Kind::Int); at(v).i = int32_t(uint32_t(little(4))); push(v); break; }
            case 'K': { const uint32_t v = make(Kind::Int); at(v).i = int64_t(little(1)); push(v); break; }
            case 'M': { const uint32_t v = make(Kind::Int); at(v).i = int64_t(little(2)); push(v); break; }
            case 0x8a: case 0x8b: {  // LONG1, LONG4: little-endian two's complement of n bytes
                const uint64_t n = m_op == 0x8a ? little(1) : little(4);
                const std::string b = bytes(n);
                const uint32_t v = make(n > 8 ? Kind::BigInt : Kind::Int);
                uint64_t x = 0;
                for (size_t k = std::min<size_t>(b.size(), 8); k-- > 0;) x = (x << 8) | uint8_t(b[k]);
                if (n > 0 && n < 8 && (uint8_t(b[size_t(n) - 1]) & 0x80)) x -= uint64_t(1) << (8 * n);
                at(v).i = int64_t(x);
                push(v);
                break;
            }
            case 'I': case 'L': {  // INT, LONG (text, protocol 0)
                const std::string text = line();
                const uint32_t v = make(Kind::Int);
                if (text == "01" || text == "00") {
                    at(v).kind = Kind::Bool;
                    at(v).i = text == "01";
                } else {
                    errno = 0;
                    char* end = nullptr;
                    at(v).i = std::strtoll(text.c_str(), &end, 10);
                    if (errno || end == text.c_str()) at(v).kind = Kind::BigInt;
                }
                push(v);
                break;
            }
            case 'G': {  // BINFLOAT, big-endian
                need(8);
                m_p += 8;
                push(make(Kind::Float));
                break;
            }
            case 'X': case 0x8c: case 0x8d: case 'C': case 'B': case 0x8e: case 'U': case 'T': {  // strings, bytes
                const uint64_t n = m_op == 0x8c || m_op == 'C' || m_op == 'U' ? little(1)
                                   : m_op == 0x8d || m_op == 0x8e        ? little(8)
                                                                         : little(4);
                const uint32_t v = make(Kind::Str);
                at(v).s = bytes(n);
                push(v);
                break;
            }
            case ')': { const uint32_t v = make(Kind::Tuple); at(v).depth = 1; push(v); break; }
            case ']': { const uint32_t v = make(Kind::List); at(v).depth = 1; push(v); break; }
            case '}': { const uint32_t v = make(Kind::Dict); at(v).depth = 1; push(v); break; }
            case 't': push(container(Kind::Tuple, pop_mark())); break;
            case 'l': push(container(Kind::List, pop_mark())); break;
            case 'd': {
                auto items = pop_mark();
                if (items.size() % 2) fail("DICT with an odd number of items");
                push(container(Kind::Dict, items));
                break;
            }
            case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
                std::vector<uint32_t> items(size_t(m_op - 0x84));
                for (size_t k = items.size(); k-- > 0;) items[k] = pop();
                push(container(Kind::Tuple, items));
                break;
            }
            case 'a': { const uint32_t x = pop(); add_items(top(), {x}, false); break; }
            case 'e': { auto items = pop_mark(); add_items(top(), items, false); break; }
            case 's': { const uint32_t v = pop(), k = pop(); add_items(top(), {k, v}, true); break; }
            case 'u': { auto items = pop_mark(); add_items(top(), items, true); break; }
            case 'q': m_memo[uint32_t(little(1))] = top(); break;  // BINPUT
            case 'r': m_memo[uint32_t(little(4))] = top(); break;  // LONG_BINPUT
            case 0x94: m_memo[uint32_t(m_memo.size())] = top(); break;  // MEMOIZE
            case 'h': case 'j': {  // BINGET, LONG_BINGET
                const uint32_t key = uint32_t(m_op == 'h' ? little(1) : little(4));
                auto it = m_memo.find(key);
                if (it == m_memo.end()) fail("a memo entry " + std::to_string(key) + " that was never stored");
                push(it->second);
                break;
            }
            case 'c': {  // GLOBAL
                const uint32_t v = make(Kind::Global);
                const std::string module = line();
                at(v).s = module + "." + line();
                push(v);
                break;
            }
            case 0x93: {  // STACK_GLOBAL
                const uint32_t name = pop(), module = pop();
                if (at(name).kind != Kind::Str || at(module).kind != Kind::Str) fail("STACK_GLOBAL of non-strings");
                const uint32_t v = make(Kind::Global);
                at(v).s = at(module).s + "." + at(name).s;
                push(v);
                break;
            }
            case 'R': case 0x81: {  // REDUCE, NEWOBJ
                const uint32_t args = pop(), callable = pop();
                push(reduce(callable, args));
                break;
            }
            case 'b': {  // BUILD: an object's state. Not needed here, but it changes its target.
                const uint32_t state = pop();
                const uint32_t target = top();
                if (at(target).contained) fail("BUILD changes a value already inside another (a cycle)");
                if (at(target).kind == Kind::Dict || at(target).kind == Kind::Object || at(target).kind == Kind::Tensor ||
                    m_mode == PickleMode::Scan) {
                    // Depth as if the state were inside the target (libtorch's reader walks it).
                    Value& t = at(target);
                    at(state).contained = true;
                    t.depth = std::max<uint32_t>(t.depth, at(state).depth + 1);
                    if (t.depth > m_limits.max_depth)
                        fail("values nested more than " + std::to_string(m_limits.max_depth) + " deep");
                    m_max_depth = std::max<size_t>(m_max_depth, t.depth);
                    if (m_mode == PickleMode::Scan) t.items.push_back(state);
                } else {
                    fail(std::string("BUILD on ") + kind_name(at(target).kind));
                }
                break;
            }
            case 'Q': { const uint32_t pid = pop(); push(persistent(pid)); break; }  // BINPERSID
            default: fail("unsupported pickle opcode " + op_name());
        }
    }
}

}  // namespace

int64_t tensor_extent(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides, int64_t offset) {
    if (sizes.size() != strides.size()) throw PickleError("a tensor's sizes and strides differ in count");
    if (offset < 0) throw PickleError("a negative storage offset");
    const int64_t kMax = int64_t(1) << 48;  // no storage has more elements
    if (offset > kMax) throw PickleError("a storage offset of " + std::to_string(offset));
    // Non-overlap: with the dimensions sorted by stride, each stride must step past everything the
    // dimensions inside it span. Empty tensors span nothing.
    std::vector<size_t> order;
    for (size_t d = 0; d < sizes.size(); ++d) {
        if (sizes[d] < 0 || strides[d] < 0) throw PickleError("a negative size or stride");
        if (sizes[d] > kMax || strides[d] > kMax) throw PickleError("a size or stride of more than 2^48");
        if (sizes[d] == 0) return offset;
        if (sizes[d] > 1) order.push_back(d);
    }
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return strides[a] < strides[b]; });
    int64_t span = 1;  // elements spanned by the dimensions so far (last index + 1)
    for (size_t d : order) {
        if (strides[d] < span)
            throw PickleError("a tensor whose elements overlap (stride " + std::to_string(strides[d]) +
                              "); saved weights never do");
        const __int128 next = __int128(strides[d]) * (sizes[d] - 1) + span;
        if (next > kMax) throw PickleError("a tensor of more than 2^48 elements");
        span = int64_t(next);
    }
    return offset + span;
}

size_t storage_element_size(const std::string& type) {
    static const std::pair<const char*, size_t> sizes[] = {
        {"FloatStorage", 4}, {"DoubleStorage", 8}, {"HalfStorage", 2}, {"BFloat16Storage", 2}, {"LongStorage", 8},
        {"IntStorage", 4}, {"ShortStorage", 2}, {"CharStorage", 1}, {"ByteStorage", 1}, {"BoolStorage", 1},
        {"ComplexFloatStorage", 8}, {"ComplexDoubleStorage", 16}, {"QInt8Storage", 1}, {"QUInt8Storage", 1},
        {"QInt32Storage", 4}, {"UntypedStorage", 1}};
    for (const auto& [name, size] : sizes)
        if (type == name) return size;
    return 0;
}

PickleResult read_pickle(const char* data, size_t size, PickleMode mode, const PickleLimits& limits) {
    Machine m(data, size, mode, limits);
    return m.run();
}

}  // namespace ganscope
