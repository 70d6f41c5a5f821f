"""The interactive "who meets where" map of a locality.

:func:`map_payload` turns a ``locmap/1`` document into the data the browser
map (``app/web/static/map.js``, drawn with vis-network) needs: nodes, edges
and vis options, plus a legend, the filters on offer and counts.
:func:`standalone_map_html` writes it as one self-contained HTML file, and
:func:`aggregate_document` summarises a locality too big to draw node by node.

Modules: ``payload`` (the view's data), ``elements`` (nodes and edges),
``styles`` (shapes, colours, words), ``legend`` (key and filters),
``layout`` (seeded positions of big maps), ``layers`` (the layered layout),
``ego`` (a person's or a group's neighbourhood), ``measures`` (shading by
seats, hours or betweenness), ``large`` (keeping big maps readable),
``aggregate`` (summaries) and ``standalone`` (the HTML file).
"""

from app.maps.aggregate import AGGREGATIONS, aggregate_document
from app.maps.payload import LAYOUTS, VIEWS, map_choices, map_json, map_payload
from app.maps.standalone import standalone_map_html, vis_assets

__all__ = [
    "AGGREGATIONS",
    "LAYOUTS",
    "VIEWS",
    "aggregate_document",
    "map_choices",
    "map_json",
    "map_payload",
    "standalone_map_html",
    "vis_assets",
]
