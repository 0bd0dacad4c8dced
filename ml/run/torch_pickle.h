// Reads and writes files in the format of Python's torch.save holding a dict of tensors (a state_dict): the zip format
// (PyTorch >= 1.6) and the legacy format of older releases, in which the reference's published pix2pix
// models were saved. libtorch's own unpickler turns collections.OrderedDict into None, hence this reader.
// Files may come from strangers: the pickle runs in ml/pickle_machine (no code, no recursion, bounded), zip
// entries are CRC-checked and inflated within bounds, and nothing is allocated until the caller has seen
// what the file declares. Any thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace ganscope {

// What a file declares for one entry, before any of its data is read.
struct TensorDeclaration {
    std::string name;
    torch::ScalarType dtype = torch::kFloat;
    std::vector<int64_t> sizes;
    int64_t numel() const;
};

// An opened torch.save file: its pickle read and checked, storages located and CRC-checked; tensors are
// loaded one by one on request. Throws std::runtime_error "<path>: ..." (one line, file bytes escaped).
class TorchSaveFile {
public:
    explicit TorchSaveFile(const std::string& path);
    ~TorchSaveFile();
    const std::string& path() const { return m_path; }
    const std::vector<TensorDeclaration>& declarations() const { return m_declarations; }
    // Allocates exactly this tensor (plus the storage span it views) and fills it, in the machine's byte order.
    torch::Tensor load(size_t index) const;
    std::vector<std::pair<std::string, torch::Tensor>> load_all() const;

private:
    struct Impl;
    std::string m_path;
    std::vector<TensorDeclaration> m_declarations;
    std::unique_ptr<Impl> m_impl;
};

// TorchSaveFile also opens safetensors files (ml/formats/safetensors_layout.h): every reader of a state_dict
// takes both.

// Entries in file order. Throws std::runtime_error naming the file and what it found when the file is not
// a torch.save'd dict of tensors.
std::vector<std::pair<std::string, torch::Tensor>> read_torch_save(const std::string& path);

// Writes a dict of tensors as torch.save does (zip format, an OrderedDict), atomically (temp file + rename),
// so Python's torch.load (weights_only included) reads it. Throws std::runtime_error naming the file; a failed
// write (a full disk) leaves any previous file and no temp file behind.
void write_torch_save(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& state);

// Writes a dict of tensors as a safetensors file (huggingface/safetensors; `metadata` is its "__metadata__"),
// atomically as above; Python's safetensors.torch.load_file reads it. Throws std::runtime_error naming the file.
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& state,
                       const std::map<std::string, std::string>& metadata = {});

// A failing-safe writer for libtorch's archive writers: after the first short write it swallows the rest
// (libtorch's writer throws from its destructor otherwise, which ends the process), and failed() says so.
class FileSink {
public:
    explicit FileSink(const std::string& path);  // creates or truncates; throws std::runtime_error
    ~FileSink();
    size_t operator()(const void* data, size_t n);
    // Flushes to the disk (fsync) and closes; false when any write, the sync or the close failed.
    bool finish();
    bool failed() const { return m_failed; }
    const std::string& error() const { return m_error; }

private:
    int m_fd = -1;
    bool m_failed = false;
    std::string m_error;
};

}  // namespace ganscope
