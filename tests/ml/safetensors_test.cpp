// safetensors: files from Python's safetensors package read exactly and ganscope's read by it, a DCGAN exported
// and opened through one, and damaged or hostile headers refused in one line naming the file.
#include <doctest/doctest.h>

#include <fstream>
#include <map>

#include "ml/models/dcgan.h"
#include "ml/run/checkpoint.h"
#include "ml/run/reference_weights.h"
#include "ml/run/weights_exchange.h"
#include "tests/ml/python_util.h"
#include "tests/ml/test_util.h"

using namespace ganscope;

namespace {

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// A safetensors file from its header text and data bytes, the length prefix written little-endian.
void write_raw(const std::string& path, const std::string& header, const std::string& data, uint64_t declared = 0) {
    const uint64_t n = declared ? declared : header.size();
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[size_t(i)] = char(uint8_t(n >> (8 * i)));
    std::ofstream(path, std::ios::binary) << bytes << header << data;
}

}  // namespace

TEST_CASE("safetensors: the Python package's files read exactly, and it reads ganscope's") {
    const std::string dir = test::scratch_dir("safetensors_python");
    REQUIRE(test::run_python("safetensors_check.py",
                             "write " + quoted(dir + "/py.safetensors") + " " + quoted(dir + "/twin.pt")) == 0);
    const StateDict ours = read_state_dict(dir + "/py.safetensors");
    const StateDict twin = read_state_dict(dir + "/twin.pt");
    REQUIRE(ours.size() == 13);
    REQUIRE(twin.size() == ours.size());
    std::map<std::string, torch::Tensor> by_name(ours.begin(), ours.end());
    for (const auto& [name, want] : twin) {
        INFO(name);
        REQUIRE(by_name.count(name) == 1);
        const torch::Tensor& got = by_name[name];
        CHECK(bool(got.scalar_type() == want.scalar_type()));
        CHECK(got.sizes().vec() == want.sizes().vec());
        CHECK(torch::equal(got, want));
    }
    write_state_dict(dir + "/ours.safetensors", ours);
    std::string out;
    REQUIRE(test::run_python("safetensors_check.py",
                             "read " + quoted(dir + "/ours.safetensors") + " " + quoted(dir + "/twin.pt"), &out) == 0);
    CHECK(out.find("\"format\": \"pt\"") != std::string::npos);
}

TEST_CASE("safetensors: a DCGAN generator exported as .safetensors loads strictly in Python and opens in ganscope") {
    const std::string dir = test::scratch_dir("safetensors_dcgan");
    TrainConfig c;
    c.device = "cpu";
    c.image_size = 16;
    c.latent_dim = 8;
    c.g_width = c.d_width = 4;
    c.grid_count = 4;
    DcganTask task(c, torch::kCPU);
    write_checkpoint(dir + "/checkpoint.pt", task, {c, 0, {}});
    const StateDict g = export_state_dict(dir + "/checkpoint.pt", ExportPart::Generator);
    write_state_dict(dir + "/G.safetensors", g);
    std::string out;
    REQUIRE(test::run_python("safetensors_check.py", "load_dcgan " + quoted(dir + "/G.safetensors") + " 8 16 4",
                             &out) == 0);
    CHECK(out.find("loaded") != std::string::npos);
    const std::optional<WeightsSnapshot> opened = read_plain_generator(dir + "/G.safetensors");
    REQUIRE(opened);
    CHECK(opened->config.latent_dim == 8);
    CHECK(opened->config.image_size == 16);
    // Given where a checkpoint belongs, it says what it is.
    CHECK_THROWS_WITH_AS(export_state_dict(dir + "/G.safetensors", ExportPart::Generator),
                         doctest::Contains("G.safetensors: not a ganscope checkpoint but a PyTorch state_dict"),
                         CheckpointError);
}

TEST_CASE("safetensors: damaged and hostile files are refused with one line naming the file") {
    const std::string dir = test::scratch_dir("safetensors_hostile");
    const std::string four_floats(16, '\0');
    const std::string ok = R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
    write_raw(dir + "/ok.safetensors", ok, four_floats);
    CHECK(read_state_dict(dir + "/ok.safetensors").at(0).second.sizes() == torch::IntArrayRef({2, 2}));

    struct Case {
        const char* name;
        std::string header, data;
        uint64_t declared;
        const char* says;
    };
    const Case cases[] = {
        {"truncated", ok, four_floats.substr(0, 13), 0, "(truncated file?)"},
        {"header_past_end", ok, four_floats, 1u << 20, "after its length (truncated file?)"},
        {"header_absurd", ok, four_floats, uint64_t(1) << 40, "at most 100 MB"},
        {"not_json", R"({"w": nope})", "", 0, "not JSON"},
        {"deep", R"({"w":{"shape":[[[[[[1]]]]]]}})", "", 0, "nests deeper"},
        {"bytes_for_shape", R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})", four_floats.substr(0, 12),
         0, "12 bytes for 4 F32 elements"},
        {"overlap",
         R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
         four_floats.substr(0, 12), 0, "overlaps another"},
        {"gap", R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", four_floats, 0, "leaves a gap"},
        {"trailing", R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", four_floats, 0,
         "8 bytes after the last tensor"},
        {"fp8", R"({"a":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}})", four_floats.substr(0, 4), 0,
         "F8_E4M3, which ganscope does not read"},
        {"absurd_shape", R"({"a":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,4]}})",
         four_floats.substr(0, 4), 0, "absurd shape"},
        {"metadata", R"({"__metadata__":{"n":1},"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})",
         four_floats.substr(0, 4), 0, "is not a string"},
    };
    for (const Case& k : cases) {
        INFO(k.name);
        const std::string path = dir + "/" + k.name + ".safetensors";
        write_raw(path, k.header, k.data, k.declared);
        try {
            read_state_dict(path);
            FAIL("accepted");
        } catch (const CheckpointError& e) {
            const std::string what = e.what();
            CHECK(what.find(path + ": not a readable safetensors file") != std::string::npos);
            CHECK(what.find(k.says) != std::string::npos);
            CHECK(what.find('\n') == std::string::npos);
            MESSAGE(what);
        }
    }
}
