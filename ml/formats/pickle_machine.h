// A pickle reader for files made by strangers: no code runs, no recursion (values live in a flat arena, so
// neither reading nor freeing a 10^6-deep structure touches the C++ stack), every opcode checks the stack,
// nesting and size are bounded, and every tensor a pickle declares is checked against its storage. No
// libtorch: it only describes what the pickle declares. Any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ganscope {

// Thrown for a malformed or refused pickle; what() is one line with any bytes from the file escaped.
struct PickleError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class PickleMode {
    StateDict,  // torch.save'd dicts of tensors: only an allow-list of torch rebuild functions and OrderedDict
    Scan,       // libtorch's own archives (checkpoints): any name, nothing called; tensors and depth checked
};

struct PickleLimits {
    size_t max_depth = 100;        // nesting of containers (a state_dict needs 5, a checkpoint about 10)
    size_t max_values = 500000;    // values created (a few thousand in real files)
    size_t max_dims = 16;          // dimensions of a tensor
};

struct PickleStorage {
    std::string key;       // the record name (data/<key>)
    std::string type;      // "FloatStorage", ... (the storage class's name)
    int64_t numel = 0;     // elements it declares
};

struct PickleTensor {
    size_t storage = 0;    // index into PickleResult::storages
    int64_t offset = 0;    // storage offset in elements
    std::vector<int64_t> sizes, strides;
    int64_t extent = 0;    // elements of the storage it spans from offset 0 (checked <= the storage's numel)
};

// One entry of a root dict with a string key.
struct PickleEntry {
    std::string key;
    enum class Kind { Tensor, Bool, Int, Other } kind = Kind::Other;
    int64_t value = 0;     // Tensor: index into tensors; Bool/Int: the value
};

struct PickleResult {
    size_t consumed = 0;                    // bytes read, up to and including STOP
    std::vector<PickleStorage> storages;    // in order of first reference
    std::vector<PickleTensor> tensors;
    enum class Root { Dict, List, Int, Other } root = Root::Other;
    std::vector<PickleEntry> entries;       // Root::Dict: entries with string keys, in file order
    size_t non_string_keys = 0;             // Root::Dict: entries whose key is not a string
    std::vector<std::string> strings;       // Root::List (or tuple): its string items
    size_t max_depth = 0;                   // the deepest nesting seen
    size_t values = 0;                      // values created
};

// Bytes per element of a storage class ("FloatStorage" -> 4); 0 for a class not known here.
size_t storage_element_size(const std::string& type);

// Runs one pickle (up to its STOP) from data[0, size). Throws PickleError.
PickleResult read_pickle(const char* data, size_t size, PickleMode mode, const PickleLimits& limits = {});

// Elements a tensor view spans in its storage (offset + the last element + 1); throws PickleError when
// a size or stride is negative, the arithmetic overflows, or the elements overlap (a stride of 0, say),
// which weights never do and which would let a tiny storage stand for a huge tensor.
int64_t tensor_extent(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides, int64_t offset);

}  // namespace ganscope
