"""The report's methods: the equations the analysis computes and the papers it follows.

Every equation is written out in HTML (entities, sub- and superscripts, no script), so the
page stays one self-contained file.
"""

from __future__ import annotations

from cloudorg.report._html import equation, escape, markup, paragraph

REFERENCES = (
    (
        "Denby 2020",
        "Denby, L. (2020). Discovering the importance of mesoscale cloud organization "
        "through unsupervised classification. Geophysical Research Letters, 47, "
        "e2019GL085190.",
    ),
    (
        "Jean et al. 2019",
        "Jean, N., Wang, S., Samar, A., Azzari, G., Lobell, D. and Ermon, S. (2019). "
        "Tile2Vec: unsupervised representation learning for spatially distributed data. "
        "Proceedings of the AAAI Conference on Artificial Intelligence, 33, 3967-3974.",
    ),
    (
        "Rasp et al. 2020",
        "Rasp, S., Schulz, H., Bony, S. and Stevens, B. (2020). Combining crowdsourcing and "
        "deep learning to explore the mesoscale organization of shallow convection. "
        "Bulletin of the American Meteorological Society, 101, E1980-E1995.",
    ),
    (
        "Janssens et al. 2021",
        "Janssens, M., Vilà-Guerau de Arellano, J., Scheffer, M., Antonissen, C., Siebesma, "
        "A. P. and Glassmeier, F. (2021). Cloud patterns in the trades have four "
        "interpretable dimensions. Geophysical Research Letters, 48, e2020GL091001.",
    ),
    (
        "Stevens et al. 2020",
        "Stevens, B. et al. (2020). Sugar, gravel, fish and flowers: mesoscale cloud "
        "patterns in the trade winds. Quarterly Journal of the Royal Meteorological "
        "Society, 146, 141-152.",
    ),
    (
        "Strehl and Ghosh 2002",
        "Strehl, A. and Ghosh, J. (2002). Cluster ensembles: a knowledge reuse framework "
        "for combining multiple partitions. Journal of Machine Learning Research, 3, "
        "583-617.",
    ),
    (
        "Rousseeuw 1987",
        "Rousseeuw, P. J. (1987). Silhouettes: a graphical aid to the interpretation and "
        "validation of cluster analysis. Journal of Computational and Applied Mathematics, "
        "20, 53-65.",
    ),
    (
        "Hubert and Arabie 1985",
        "Hubert, L. and Arabie, P. (1985). Comparing partitions. Journal of "
        "Classification, 2, 193-218.",
    ),
)
"""Short name and full reference of every paper the report cites."""


def methods_section(label_source: str, min_coverage: float, n_bootstrap: int,
                    n_permutations: int) -> list[str]:  # fmt: skip
    """The methods: labels, embeddings, metrics, clusters, scores, diagnostics; references."""
    labels = escape(label_source or "none")
    return [
        "<h3>Labels</h3>",
        paragraph(
            "The four patterns Sugar, Gravel, Fish and Flower are those of Stevens et al. "
            "2020, labelled by people on satellite images in Rasp et al. 2020. Each tile "
            "takes the class covering most of its pixels when that class covers at least "
            f"{100 * min_coverage:.0f} % of the tile; other tiles are not scored. Labels of this "
            "analysis:"
        ),
        f"<p><code>{labels}</code></p>",
        "<h3>Embeddings</h3>",
        paragraph(
            "Following Denby 2020, a convolutional network f maps each tile to a vector and "
            "is trained on triplets of an anchor tile a, a neighbouring tile n and a distant "
            "tile d (another scene) with the triplet loss of Jean et al. 2019, margin m:"
        ),
        equation(
            "L(a, n, d) = max(0, &#8214;f(a) &minus; f(n)&#8214;<sub>2</sub> &minus; "
            "&#8214;f(a) &minus; f(d)&#8214;<sub>2</sub> + m)"
        ),
        "<h3>Cloud metrics</h3>",
        markup(
            "Metrics of each tile's cloud mask describe its organisation as in Janssens et "
            "al. 2021: each is standardised, x' = (x &minus; mean) / standard deviation, "
            "before the PCA and the clustering. Metrics undefined on some tiles follow the "
            "rule listed in the section on cloud metrics."
        ),
        "<h3>Clusters and the choice of K</h3>",
        paragraph(
            "k-means groups the tiles of each feature set into K clusters. For every K, the "
            "mean silhouette (Rousseeuw 1987) of tile i, with a(i) its mean distance to its "
            "own cluster and b(i) to the nearest other cluster, is"
        ),
        equation("s(i) = (b(i) &minus; a(i)) / max(a(i), b(i))"),
        paragraph(
            "and the stability is the adjusted Rand index (Hubert and Arabie 1985) between "
            "the clusters of all tiles and those of k-means fitted on bootstrap resamples of "
            "the scenes: 1 when every resample finds the same partition, 0 by chance. The "
            "dendrogram is Ward's hierarchical clustering of a random sample of the tiles, "
            "cut into K clusters, with an example tile under each leaf (as in Denby 2020)."
        ),
        "<h3>Agreement of clusters and labels</h3>",
        paragraph(
            "With n(y, c) tiles of class y in cluster c among N scored tiles, p(y, c) = "
            "n(y, c) / N and its marginals p(y) and p(c), the normalised mutual information "
            "(Strehl and Ghosh 2002, with the arithmetic mean of the entropies) is"
        ),
        equation(
            "I(Y; C) = &sum;<sub>y,c</sub> p(y, c) ln[p(y, c) / (p(y) p(c))], &nbsp; "
            "H(Y) = &minus;&sum;<sub>y</sub> p(y) ln p(y), &nbsp; "
            "NMI(Y, C) = 2 I(Y; C) / [H(Y) + H(C)]"
        ),
        paragraph(
            "Tiles of one scene share its weather and overlap, so they are not independent "
            f"samples. The 95 % interval of the NMI is a percentile bootstrap over scenes "
            f"({n_bootstrap} resamples of the scenes with replacement, the clusters as "
            "fitted); the chance level is the NMI of the same clusters after the labels are "
            f"permuted among the tiles of each scene ({n_permutations} permutations; each "
            "scene keeps its mix of classes), and the p-value the share of permutations "
            "reaching the observed NMI."
        ),
        "<h3>Diagnostics of the feature space</h3>",
        markup(
            "The effective dimension is the participation ratio of the variances "
            "&lambda;<sub>i</sub> along the principal axes (1 when all variance lies along "
            "one axis). On triplets drawn from the tiles (a neighbour in the same scene "
            "within one tile edge, a tile of another scene), the distance ratio is the mean "
            "anchor-neighbour over the mean anchor-distant distance: below 1 when the space "
            "keeps neighbours close, as the loss of Jean et al. 2019 asks. The "
            "nearest-neighbour agreement is the share of tiles whose nearest tile of another "
            "scene has the same class, against &sum;<sub>c</sub> p(c)<sup>2</sup> for a "
            "random tile."
        ),
        equation(
            "PR = (&sum;<sub>i</sub> &lambda;<sub>i</sub>)<sup>2</sup> / "
            "&sum;<sub>i</sub> &lambda;<sub>i</sub><sup>2</sup>"
        ),
        "<h3>References</h3>",
        "<ul>" + "".join(f"<li>{escape(text)}</li>" for _, text in REFERENCES) + "</ul>",
    ]
