"""The scale study (Table 1, figure 35)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from cloudorg.analysis import kmeans, nmi, pca, scale_study
from cloudorg.errors import ConfigError
from cloudorg.synthetic import example_embeddings

# larger tiles: better separated classes, as the report found
SEPARATION = {64: 0.5, 128: 2.0, 256: 4.0, 512: 8.0}


def inputs(size: int) -> tuple[xr.DataArray, xr.DataArray]:
    embeddings, labels = example_embeddings(40 if size < 512 else 10, separation=SEPARATION[size])
    labels = labels.copy()
    labels[0], labels[1] = 0, -1  # one unlabelled and one unknown tile
    return embeddings, labels


def test_table_shape_and_values():
    study = scale_study({size: inputs(size) for size in (512, 64, 256, 128)}, k=4, seed=0)
    assert study.scale.values.tolist() == [64, 128, 256, 512]
    assert study.scale.attrs["units"] == "pixel"
    assert study.n_tiles.values.tolist() == [160, 160, 160, 40]
    assert study.n_per_class.dims == ("scale", "class")
    assert study.n_per_class.sel(scale=64).values.tolist() == [38, 40, 40, 40]
    assert study.n_per_class.sel(scale=512).values.tolist() == [8, 10, 10, 10]
    assert study.explained_variance_ratio.dims == ("scale", "component")
    embeddings, _ = inputs(256)
    np.testing.assert_allclose(
        study.explained_variance_ratio.sel(scale=256),
        pca(embeddings, n_components=2).explained_variance_ratio,
    )
    assert study.k.values.tolist() == [4, 4, 4, 4]
    assert np.all(np.diff(study.nmi.values) > 0)  # better separated, higher NMI
    assert study.nmi.sel(scale=512) == pytest.approx(1.0)
    assert study.nmi.sel(scale=64) < 0.3


def test_callable_inputs_are_built_once_per_scale_and_k_by_silhouette():
    calls = []

    def per_scale(size):
        calls.append(size)
        return inputs(size)

    study = scale_study(per_scale, scales=[256, 512], k="auto", k_range=range(2, 7))
    assert calls == [256, 512]
    assert study.k.sel(scale=512) == 4
    assert study.attrs["k"] == "auto"


def test_max_tiles_subsamples_with_the_seed_and_ward_is_available():
    study = scale_study({64: inputs(64)}, max_tiles=50, method="ward", seed=3)
    again = scale_study({64: inputs(64)}, max_tiles=50, method="ward", seed=3)
    assert study.n_tiles.values.tolist() == [50]
    assert study.n_per_class.sum() <= 50
    assert study.nmi.equals(again.nmi)
    assert study.attrs["method"] == "ward"


def test_nmi_matches_a_direct_computation():
    embeddings, labels = inputs(128)
    study = scale_study({128: (embeddings, labels)}, k=5, seed=7)
    direct = nmi(labels, kmeans(embeddings, k=5, seed=7).cluster)
    assert study.nmi.item() == pytest.approx(direct)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: scale_study(lambda s: inputs(64)), "scales: required"),
        (lambda: scale_study({64: inputs(64)}, scales=[128]), r"\[128\] are not keys"),
        (lambda: scale_study([inputs(64)]), "per_scale: expected a mapping"),
        (lambda: scale_study({64: inputs(64)}, method="dbscan"), "method"),
        (lambda: scale_study({}), "at least one tile size"),
        (
            lambda: scale_study({64: (inputs(64)[0], inputs(64)[1].isel(tile=slice(3)))}),
            r"per_scale\[64\]: labels: has 3 tiles",
        ),
    ],
)
def test_errors_name_the_argument(call, message):
    with pytest.raises(ConfigError, match=message):
        call()
