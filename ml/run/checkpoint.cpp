// Atomic checkpoint writing and checked reading.
#include "ml/run/checkpoint.h"

#include <cstdio>
#include <filesystem>

#include "ml/formats/archive_check.h"
#include "ml/formats/safetensors_layout.h"
#include "ml/formats/safe_text.h"
#include "ml/run/checked_archive.h"
#include "ml/run/torch_pickle.h"

namespace ganscope {
namespace {

constexpr const char* kFormat = "ganscope-checkpoint-1";
// Every tensor is read onto the CPU, whatever device wrote it (a GPU run's file opens on a machine without one); the
// task's load moves each to where it is used.
const torch::Device kCheckpointMapLocation(torch::kCPU);

// A file that is not a ganscope archive may be a plain torch.save(state_dict): say what it is and what opens it
// (the phrase "not a ganscope checkpoint" lets the readers of other formats take it from there).
void refuse_state_dict(const std::string& path) {
    std::vector<TensorDeclaration> tensors;
    try {
        tensors = TorchSaveFile(path).declarations();
    } catch (const std::exception&) {
        return;  // not a state_dict either: damaged
    }
    if (tensors.empty()) return;
    throw CheckpointError(path + ": not a ganscope checkpoint but a PyTorch state_dict (" +
                          std::to_string(tensors.size()) + " tensors, the first '" +
                          one_line(tensors.front().name, 60) + "'); explore a DCGAN generator with `ganscope --open " +
                          path + "`, translate with a pix2pix one with `ganscope translate --checkpoint " + path + "`");
}

torch::serialize::InputArchive open_archive(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw CheckpointError(path + ": no such checkpoint; check the path (a run keeps it at runs/NAME/checkpoint.pt)");
    // libtorch's reader recurses on nesting, trusts declared sizes and skips CRCs: the archive is checked first.
    try {
        check_torch_archive_file(path);
    } catch (const std::exception& e) {
        // A safetensors file is no zip at all; a torch.save zip that fails the check (its byteorder, say) is
        // refused for what the check found.
        try {
            if (looks_like_safetensors(*ByteSource::file(path))) refuse_state_dict(path);
        } catch (const ArchiveError&) {
            // unreadable: said below
        }
        throw CheckpointError(path + ": not a readable checkpoint (truncated or corrupt: " + one_line(e.what(), 300) +
                              "); use an earlier copy or start a new run");
    }
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(path, kCheckpointMapLocation);
    } catch (const std::exception&) {
        refuse_state_dict(path);
        throw CheckpointError(path + ": not a readable checkpoint (truncated or corrupt); use an earlier copy or start a new run");
    }
    c10::IValue format;
    if (!archive.try_read("format", format) || !format.isString() || format.toStringRef() != kFormat)
        throw CheckpointError(path + ": not a ganscope checkpoint (no '" + kFormat + "' marker)");
    return archive;
}

CheckpointMeta read_meta(torch::serialize::InputArchive& archive, const std::string& path) {
    CheckpointMeta meta;
    c10::IValue config, step, epoch, batch;
    if (!archive.try_read("config", config) || !archive.try_read("step", step) ||
        !archive.try_read("loader_epoch", epoch) || !archive.try_read("loader_batch", batch))
        throw CheckpointError(path + ": checkpoint is missing its metadata; it is damaged");
    try {
        meta.config = TrainConfig::from_json(nlohmann::json::parse(config.toStringRef()));
    } catch (const std::exception& e) {
        throw CheckpointError(path + ": checkpoint config is unreadable (" + e.what() + ")");
    }
    meta.step = step.toInt();
    meta.position = {epoch.toInt(), batch.toInt()};
    torch::Tensor streams;  // distributed runs only
    if (archive.try_read("rank_streams", streams)) meta.rank_streams = streams;
    return meta;
}

}  // namespace

void save_archive_safely(torch::serialize::OutputArchive& archive, const std::string& temp, const std::string& path,
                         const std::string& what) {
    // libtorch's file writer throws from its destructor when the disk fills (the process aborts): write through
    // a sink that records the failure instead, then sync, and only then let the caller rename.
    std::string why;
    bool ok = false;
    try {
        FileSink sink(temp);
        archive.save_to([&sink](const void* data, size_t n) { return sink(data, n); });
        ok = sink.finish();
        why = sink.error();
    } catch (const std::exception& e) {
        why = one_line(e.what());
    }
    if (!ok) {
        std::remove(temp.c_str());
        throw CheckpointError(path + ": cannot write the " + what + " (" + why +
                              "; is the disk full or the folder read-only?); the previous " + what + " is kept");
    }
}

void write_tensor_file(const std::string& path, const torch::Tensor& tensor) {
    torch::serialize::OutputArchive archive;
    archive.write("0", tensor);  // as torch::save(tensor, path) writes it
    const std::string temp = path + ".partial";
    save_archive_safely(archive, temp, path, "file");
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::remove(temp.c_str());
        throw CheckpointError(path + ": cannot replace it (" + ec.message() + ")");
    }
}

void write_checkpoint(const std::string& path, GanTask& task, const CheckpointMeta& meta) {
    torch::serialize::OutputArchive archive;
    archive.write("format", c10::IValue(std::string(kFormat)));
    archive.write("config", c10::IValue(meta.config.to_json().dump()));
    archive.write("step", c10::IValue(meta.step));
    archive.write("loader_epoch", c10::IValue(meta.position.epoch));
    archive.write("loader_batch", c10::IValue(meta.position.batch));
    task.save(archive);
    if (meta.rank_streams.defined()) archive.write("rank_streams", meta.rank_streams);
    const std::string temp = path + ".partial";
    save_archive_safely(archive, temp, path, "checkpoint");
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::remove(temp.c_str());
        throw CheckpointError(path + ": cannot replace checkpoint (" + ec.message() + "); the previous checkpoint is kept");
    }
}

CheckpointMeta read_checkpoint_meta(const std::string& path) {
    auto archive = open_archive(path);
    return read_meta(archive, path);
}

namespace {

CheckpointMeta load_task(torch::serialize::InputArchive& archive, const std::string& path, GanTask& task) {
    CheckpointMeta meta = read_meta(archive, path);
    try {
        task.load(archive);
    } catch (const CheckpointError& e) {
        throw CheckpointError(path + ": " + e.what());
    } catch (const c10::Error& e) {
        throw CheckpointError(path + ": checkpoint does not fit this model (" + e.what_without_backtrace() + ")");
    }
    return meta;
}

}  // namespace

CheckpointMeta load_checkpoint(const std::string& path, GanTask& task) {
    auto archive = open_archive(path);
    return load_task(archive, path, task);
}

namespace {

torch::serialize::InputArchive open_bytes(const std::string& bytes, const std::string& name) {
    return open_checked_archive_bytes(bytes, name, "checkpoint received from rank 0; resume again");
}

}  // namespace

CheckpointMeta read_checkpoint_meta_bytes(const std::string& bytes, const std::string& name) {
    auto archive = open_bytes(bytes, name);
    return read_meta(archive, name);
}

CheckpointMeta load_checkpoint_bytes(const std::string& bytes, const std::string& name, GanTask& task) {
    auto archive = open_bytes(bytes, name);
    return load_task(archive, name, task);
}

}  // namespace ganscope
