"""Batch sources: resumable positions, streams of samples or batches, prefetching."""

from __future__ import annotations

import itertools

import pytest
import torch

from cloudorg.errors import ConfigError
from cloudorg.models import ShuffledBatches, StreamBatches, split_scenes
from cloudorg.models.data import as_batch_source, prefetch
from cloudorg.synthetic import synthetic_triplets


def _first(batches, n):
    return [b[0].flatten(1)[:, 0].tolist() for b in itertools.islice(batches, n)]


def test_shuffled_batches_start_anywhere_across_epochs():
    data = torch.utils.data.TensorDataset(torch.arange(10.0).reshape(10, 1))
    src = ShuffledBatches(data, batch_size=3, seed=5)  # 3 batches per epoch, 1 sample dropped
    run = _first(src.batches(), 9)
    for start in (1, 3, 4, 8):
        assert _first(src.batches(start), 9 - start) == run[start:]
    epochs = [{x for batch in run[i : i + 3] for x in batch} for i in (0, 3, 6)]
    assert all(len(e) == 9 for e in epochs)  # no sample twice within an epoch
    assert run[0:3] != run[3:6]  # each epoch has its own order


def test_validation_batches_cover_everything_once_in_order():
    data = torch.utils.data.TensorDataset(torch.arange(7.0).reshape(7, 1))
    src = as_batch_source(data, 3, training=False)
    assert _first(src.batches(), 10) == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0]]


def test_stream_groups_samples_and_repeats_passes():
    samples = [(torch.full((1, 2, 2), float(i)),) for i in range(5)]
    src = StreamBatches(samples, batch_size=2)  # 2 full batches per pass, 1 sample left over
    assert _first(src.batches(), 5) == [[0.0, 1.0], [2.0, 3.0], [0.0, 1.0], [2.0, 3.0], [0.0, 1.0]]
    assert _first(StreamBatches(iter(samples), 2).batches(), 5) == [[0.0, 1.0], [2.0, 3.0]]


def test_prefetch_keeps_order_and_raises_where_the_error_was():
    def items():
        yield from range(3)
        raise OSError("disk gone")

    got = []
    with pytest.raises(OSError, match="disk gone"):
        for item in prefetch(items(), depth=2):
            got.append(item)
    assert got == [0, 1, 2]


def test_scene_split_is_seeded_and_refuses_too_few_scenes():
    scenes = [f"s{i}" for i in range(10)]
    train, val = split_scenes(scenes * 3, 0.2, seed=1)
    assert len(val) == 2 and sorted(train + val) == sorted(scenes)
    assert split_scenes(scenes, 0.2, seed=1) == (train, val)
    assert split_scenes(scenes, 0.2, seed=2) != (train, val)
    assert split_scenes(scenes, 0.0) == (sorted(scenes), [])
    with pytest.raises(ConfigError, match="1 scene"):
        split_scenes(["only"], 0.5)


def test_synthetic_neighbours_overlap_their_anchors():
    data = synthetic_triplets(64, tile_size=32, n_scenes=3, seed=2)
    a, n, d = data.tensors
    same_scene = (a - n).abs().mean((1, 2, 3))
    other_scene = (a - d).abs().mean((1, 2, 3))
    assert same_scene.mean() < other_scene.mean()
    assert torch.equal(
        synthetic_triplets(4, seed=2).tensors[0], synthetic_triplets(4, seed=2).tensors[0]
    )
