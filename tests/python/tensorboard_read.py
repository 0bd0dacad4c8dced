"""Reads TensorBoard event files with TensorBoard's own EventAccumulator, for ganscope's tests.

  tensorboard_read.py PATH
      PATH: a folder (its event files in name order, as TensorBoard reads a run) or one event file. Keeps everything
      (size_guidance 0) and prints JSON: {"scalars": {tag: [[step, value], ...]},
      "images": {tag: [[step, width, height, png_as_hex], ...]}, "texts": {tag: [[step, text], ...]}}
      (texts: the tensors of TensorBoard's text plugin, as its Text tab shows them)
"""
import json
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.util import tensor_util


def main(path):
    acc = EventAccumulator(path, size_guidance={"scalars": 0, "images": 0, "tensors": 0})
    acc.Reload()
    tags = acc.Tags()
    out = {"scalars": {}, "images": {}, "texts": {}}
    for tag in tags["scalars"]:
        out["scalars"][tag] = [[e.step, e.value] for e in acc.Scalars(tag)]
    for tag in tags["images"]:
        out["images"][tag] = [[e.step, e.width, e.height, e.encoded_image_string.hex()] for e in acc.Images(tag)]
    for tag in tags["tensors"]:
        if acc.SummaryMetadata(tag).plugin_data.plugin_name != "text":
            continue
        out["texts"][tag] = [[e.step, tensor_util.make_ndarray(e.tensor_proto).item().decode("utf-8")]
                             for e in acc.Tensors(tag)]
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
