"""The layered layout of the groups view: strategic groups at the top, casework at the bottom.

Levels, top to bottom:

0. the local authority's strategic centre, outside the locality;
1. the locality's strategic groups;
2. upstream groups and groups facing a school (where a worry starts);
3. casework (downstream) groups.

vis-network's hierarchical layout puts each level on its own row, so links
read as flowing up to strategy or down to casework.
"""

from __future__ import annotations

from models.document import Group
from models.vocab import Focus, GroupType

#: Level of each row, and the words the key gives it.
LEVEL_WORDS = {
    0: "Strategic centre (outside the locality)",
    1: "Strategic groups",
    2: "Upstream and school-facing groups",
    3: "Casework (downstream) groups",
}


def group_level(group: Group, school_facing: bool) -> int:
    """The row of a group in the layered layout (0 at the top).

    Parameters
    ----------
    group : Group
        The group.
    school_facing : bool
        Whether it sits in or works with a school
        (:meth:`analysis.graphs.LocalityGraphs.is_school_facing`): such a
        group is where a worry starts, so it sits in the middle even when its
        work is casework.

    Returns
    -------
    int
        0 (strategic centre) to 3 (casework).
    """
    focus = group.effective_focus
    if group.external and (group.type == GroupType.strategic_centre or focus == Focus.strategic):
        return 0
    if focus == Focus.strategic:
        return 1
    if school_facing or focus in (Focus.upstream, Focus.both, None):
        return 2
    return 3


def layered_options(options: dict) -> dict:
    """vis options for the layered layout: one row per level, links drawn downwards where they can be."""
    options["layout"] = {
        "hierarchical": {
            "enabled": True,
            "direction": "UD",
            "sortMethod": "directed",
            "levelSeparation": 210,
            "nodeSpacing": 230,
            "treeSpacing": 260,
            "blockShifting": True,
            "edgeMinimization": True,
            "parentCentralization": True,
            "shakeTowards": "roots",
        },
        "improvedLayout": False,
    }
    # Rows are fixed by level; physics would only push them apart again.
    options["physics"] = {"enabled": False}
    return options
