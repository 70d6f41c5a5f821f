"""Realistic synthetic localities at three scales, for demonstrations and benchmarks.

``synth(scale, seed)`` makes the localities of a scale, ``write(scale, seed,
path)`` writes them, and ``synth_locality`` makes one locality of a chosen
size.  The same scale and seed always give byte-identical files; everything
random comes from :class:`random.Random` instances seeded from text, never
from global state.

Scales
------
============  ==========  ======  =======  ===========  ===========
scale         localities  groups  people   memberships  authorities
============  ==========  ======  =======  ===========  ===========
``locality``  1           120     800      3,200        1
``county``    18          2,000   10,000   40,000       1 (shared)
``national``  180         20,000  100,000  400,000      15 (12 each)
============  ==========  ======  =======  ===========  ===========

Totals are summed over the locality files, so a person who sits in three
localities counts three times (``index.json`` also gives unique people).

What a locality looks like
--------------------------
Modelled on the six Oxfordshire samples (Glenny 2005, Appendix ONE):

* agencies: primary, secondary and special schools (``school: true``), the
  authority's services shared by all its localities (local authority,
  educational psychology, education social work, social care, health trust,
  CAMHS, police, youth service, youth offending team), and local ones
  (children's centres, GP practices, voluntary and community organisations,
  district housing, schools' cluster partnerships);
* people named by post, never by personal name ("SENCO, Primary school 12
  (loc-007)"), with ids ``p-NNNNNN`` unique across a scale; most have
  ``hours_per_week`` (37, or part time 15-30);
* groups: one key group (an open network or forum with a steering group, or
  an inclusive steering group), school consultation teams for about 60% of
  schools (termly, ``school`` set), cluster panels (monthly) and secondary
  school inclusion panels, a MAST (weekly) in about half the localities, the
  heads' partnership and cluster heads' groups, an HSCLW steering group, a
  hub in some, themed networks and forums (SENCOs, safeguarding, early
  years, emotional wellbeing, ...), children's centre advisory boards, a
  parent forum and young people's group, working groups, team-around-the-
  family meetings, and the authority's strategic centre (``external: true``,
  the same id in every file of an authority);
* links: SCTs feed issues to the key group and refer cases to (or
  commission) their panel or the MAST; panels and the MAST report to the
  steering group, which oversees them and the working groups and reports to
  the centre;
* heavy tails: seats per person follow a truncated power law (most people
  sit on 1-3 groups, specialists on 8 or more, up to about 50 across a
  county); group sizes run from 4-15 for SCTs, panels and team-around-the-
  family meetings (two thirds of groups) to 30-160 for open networks and
  forums, which is where the targets' 27 seats a group on average put them;
* cross-locality people: authority officers, senior EPs, CAMHS consultants
  and area managers (ids such as ``la-officer-12``, ``local: false``) sit in
  two or three neighbouring localities and appear, with the same id, in each
  of those files; the authority's director and head of service sit on the
  centre in every file.

Planted defects
---------------
About 40% of localities (at the ``locality`` scale, the one locality) carry
two to four of these defects, dealt from a shuffled deck so that every
defect appears at each scale.  Each planted locality says which in its
``locality.note`` (``Planted defects: CODE: subject, ...; ...``, parsed by
:func:`planted`), the planted items carry a ``note``, and ``index.json``
lists them per locality under ``defects``.

=====================  ===========================  =========================================================
defect                 audit code                   what is planted
=====================  ===========================  =========================================================
``isolated_group``     ``ISOLATED_GROUP``           a community group with no link whose members sit nowhere else
``isolated_agency``    ``ISOLATED_AGENCY``          a housing association whose two officers sit on no group
``unreferred_panel``   ``MISSING_UPSTREAM_PATH``    an anti-social behaviour panel nobody refers to, no school on it
``no_systems_minder``  ``NO_SYSTEMS_MINDER``        nobody is marked ``systems_minder``
``single_point``       ``SINGLE_POINT_OF_FAILURE``  two unlinked project groups joined to the rest only by the co-ordinator
``overlapping``        ``OVERLAPPING_GROUPS``       a "task and finish group" copying a working group's membership
``meeting_load``       ``MEETING_LOAD``             a part-time EP in more than half their working time in meetings
``no_link_to_centre``  ``NO_LINK_TO_CENTRE``        no local group links to the centre, nobody local sits on it
``label_mismatch``     ``LABEL_MISMATCH``           a themed "network" with fixed membership
``cross_boundary``     ``CROSS_BOUNDARY_GROUP``     a partnership whose ``area`` lists neighbouring localities
=====================  ===========================  =========================================================

A planted isolated group also shows as a ``SYSTEMS_MINDER_GAP`` (no minder
can reach it), and a planted overloaded EP may raise a second finding of the
same code elsewhere; nothing else follows from planting.

Unplanted localities are built to pass those checks: every group is linked,
every agency sits on a group, casework groups have school members or
referrals, the key group reaches the centre, meeting loads stay under 40%.
"""

from app.synth.builder import Authority
from app.synth.defects import DEFECTS
from app.synth.locality import planted, synth_locality
from app.synth.scales import PLANTED_SHARE, SCALES, Scale, iter_synth, synth
from app.synth.writer import write

__all__ = [
    "DEFECTS",
    "PLANTED_SHARE",
    "SCALES",
    "Authority",
    "Scale",
    "iter_synth",
    "planted",
    "synth",
    "synth_locality",
    "write",
]
