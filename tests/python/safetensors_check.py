"""The Python safetensors package on ganscope's files, and files for ganscope to read (tests/ml/safetensors_test.cpp).

  write OUT.safetensors TWIN.pt   tensors of every dtype ganscope reads, saved by safetensors and by torch.save
  read IN.safetensors TWIN.pt     loads IN with safetensors, compares it with TWIN exactly; prints its metadata
  load_dcgan IN LATENT SIZE WIDTH strict load of a seed-003 generator's state_dict from a .safetensors file
"""
import json
import sys

import torch
from safetensors.torch import load_file, save_file
from safetensors import safe_open


def tensors():
    g = torch.Generator().manual_seed(7)
    return {
        "f32": torch.randn(2, 3, generator=g),
        "f64": torch.randn(4, generator=g, dtype=torch.float64),
        "f16": torch.randn(3, 2, generator=g).half(),
        "bf16": torch.randn(5, generator=g).bfloat16(),
        "i64": torch.arange(-3, 3, dtype=torch.int64).reshape(2, 3),
        "i32": torch.tensor([1, -2, 2**30], dtype=torch.int32),
        "i16": torch.tensor([-7, 7], dtype=torch.int16),
        "i8": torch.tensor([-128, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 255, 3], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 4),
        "main.0.weight": torch.randn(2, 2, 1, 1, generator=g),
    }


def main():
    cmd = sys.argv[1]
    if cmd == "write":
        t = tensors()
        save_file(t, sys.argv[2], metadata={"source": "python safetensors"})
        torch.save(t, sys.argv[3])
    elif cmd == "read":
        got = load_file(sys.argv[2])
        want = torch.load(sys.argv[3])
        assert list(sorted(got)) == list(sorted(want)), (sorted(got), sorted(want))
        for k in want:
            assert got[k].dtype == want[k].dtype, (k, got[k].dtype, want[k].dtype)
            assert got[k].shape == want[k].shape, (k, got[k].shape, want[k].shape)
            assert torch.equal(got[k], want[k]), k
        with safe_open(sys.argv[2], framework="pt") as f:
            print(json.dumps(f.metadata()))
    elif cmd == "load_dcgan":
        sys.path.insert(0, __file__.rsplit("/", 1)[0])
        import interop
        latent, size, width = (int(v) for v in sys.argv[3:6])
        interop.seed003_generator(latent, size, width).load_state_dict(load_file(sys.argv[2]), strict=True)
        print("loaded")
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
