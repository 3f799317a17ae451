"""Grid polygons checked before they are written: pure geometry (shapely), no Django.

A grid import is a GeoJSON FeatureCollection. Each feature is a Polygon with properties ``code`` and
``name``; a code of 15 digits is a grid (district 6 + subdistrict 3 + community 3 + grid 3), a code
of 12 digits a community's boundary (optional: with it, the gaps of that community are found).
`validate` reports, without writing anything:

- ``invalid``: features that cannot be stored (not a polygon, a ring not closed, too few points,
  coordinates outside WGS84, a self-intersecting or empty ring, holes, a duplicate code, a code that
  is not 15 digits or does not match its community, a grid reaching outside its community);
- ``overlaps``: pairs of grids whose areas intersect, with the shared area in m²;
- ``gaps``: for each community with a boundary, the part of it no grid covers, in m².

Areas are measured on an equal-area projection (Lambert azimuthal equal-area on the authalic
sphere, centred on the data), so a square metre is a square metre anywhere in the file: degrees
are never multiplied out. For a district-sized area the error against the WGS84 ellipsoid's
geodesic area is well under 0.5 % (tests/grid/test_geometry.py compares with pyproj).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely import make_valid
from shapely.geometry import Polygon
from shapely.ops import unary_union
from shapely.strtree import STRtree
from shapely.validation import explain_validity

GRID_CODE = re.compile(r"^\d{15}$")
COMMUNITY_CODE = re.compile(r"^\d{12}$")
AUTHALIC_RADIUS_M = 6371007.181  # the sphere with the WGS84 ellipsoid's surface area
DEFAULT_TOLERANCE_M2 = 1.0
# Shared borders of neighbouring grids meet in a line (area 0); floating point may leave a few
# square centimetres. What is below this is not reported at all.
NOISE_M2 = 0.01
DENSIFY_DEG = 0.0005  # about 50 m: the longest edge measured straight on the projection


def community_of(code: str) -> str:
    """The community code a grid code belongs to (its first 12 digits)."""
    return code[:12]


class EqualArea:
    """Lambert azimuthal equal-area projection centred on (lon0, lat0); metres."""

    def __init__(self, lon0: float, lat0: float):
        self.lon0, self.lat0 = math.radians(lon0), math.radians(lat0)
        self.sin0, self.cos0 = math.sin(self.lat0), math.cos(self.lat0)

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        lam, phi = math.radians(lon) - self.lon0, math.radians(lat)
        sin_phi, cos_phi, cos_lam = math.sin(phi), math.cos(phi), math.cos(lam)
        k = math.sqrt(2 / (1 + self.sin0 * sin_phi + self.cos0 * cos_phi * cos_lam))
        x = AUTHALIC_RADIUS_M * k * cos_phi * math.sin(lam)
        y = AUTHALIC_RADIUS_M * k * (self.cos0 * sin_phi - self.sin0 * cos_phi * cos_lam)
        return x, y

    def area(self, geom) -> float:
        """The area in m² of a shapely geometry in lon/lat degrees: its edges are cut into pieces of
        at most DENSIFY_DEG first, as a straight edge in degrees is a curve on the projection."""
        if geom.is_empty:
            return 0.0
        fine = shapely.segmentize(geom, DENSIFY_DEG)
        lam0, sin0, cos0 = self.lon0, self.sin0, self.cos0

        def project(coords):
            lam = np.radians(coords[:, 0]) - lam0
            phi = np.radians(coords[:, 1])
            sin_phi, cos_phi, cos_lam = np.sin(phi), np.cos(phi), np.cos(lam)
            k = np.sqrt(2 / (1 + sin0 * sin_phi + cos0 * cos_phi * cos_lam))
            return np.column_stack((AUTHALIC_RADIUS_M * k * cos_phi * np.sin(lam),
                                    AUTHALIC_RADIUS_M * k * (cos0 * sin_phi - sin0 * cos_phi * cos_lam)))

        return shapely.transform(fine, project).area


def area_m2(ring, projection: EqualArea | None = None) -> float:
    """The area of a [[lon, lat], ...] ring in square metres."""
    if projection is None:
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        projection = EqualArea((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)
    return projection.area(Polygon(ring))


@dataclass
class Feature:
    code: str
    name: str
    ring: list  # [[lon, lat], ...], closed
    community: str = ""  # for a grid: its community's code


@dataclass
class Report:
    grids: list[Feature] = field(default_factory=list)        # the grids that can be stored
    communities: list[Feature] = field(default_factory=list)  # the community boundaries given
    invalid: list[dict] = field(default_factory=list)         # {"code", "reason"}
    overlaps: list[dict] = field(default_factory=list)        # {"a", "b", "area_m2"}
    gaps: list[dict] = field(default_factory=list)            # {"community", "area_m2"}
    tolerance_m2: float = DEFAULT_TOLERANCE_M2

    @property
    def refused(self) -> bool:
        """Invalid features or an overlap above the tolerance refuse the whole import; gaps do not."""
        return bool(self.invalid) or any(o["area_m2"] > self.tolerance_m2 for o in self.overlaps)

    def as_json(self) -> dict:
        return {"grids": len(self.grids), "invalid": self.invalid, "overlaps": self.overlaps, "gaps": self.gaps}

    def lines(self) -> list[str]:
        """The report for people, one finding a line."""
        out = [f"grids: {len(self.grids)} valid, {len(self.invalid)} invalid; "
               f"overlaps: {len(self.overlaps)}; gaps: {len(self.gaps)} (tolerance {self.tolerance_m2:g} m²)"]
        out += [f"invalid {i['code'] or '(no code)'}: {i['reason']}" for i in self.invalid]
        out += [f"overlap {o['a']} / {o['b']}: {o['area_m2']:.2f} m²"
                + (" (above tolerance)" if o["area_m2"] > self.tolerance_m2 else "") for o in self.overlaps]
        out += [f"gap in community {g['community']}: {g['area_m2']:.2f} m² not covered by any grid" for g in self.gaps]
        return out


class GeoJSONError(ValueError):
    """The file is not a GeoJSON FeatureCollection at all (one line for the CLI)."""


def _ring_problem(ring) -> str | None:
    if not isinstance(ring, list) or len(ring) < 4:
        return "a polygon ring needs at least 4 positions"
    for p in ring:
        if (not isinstance(p, (list, tuple)) or len(p) < 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in p[:2])):
            return "a position is not [longitude, latitude]"
        if not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90):
            return f"position {p[:2]} is outside WGS84 longitude/latitude"
    if list(ring[0][:2]) != list(ring[-1][:2]):
        return "the ring is not closed (first and last positions differ)"
    return None


def _parse(feature) -> tuple[Feature | None, dict | None]:
    props = feature.get("properties") or {} if isinstance(feature, dict) else {}
    code = str(props.get("code") or "").strip()
    name = str(props.get("name") or "").strip()
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") != "Polygon":
        kind = geometry.get("type") if isinstance(geometry, dict) else "none"
        return None, {"code": code, "reason": f"geometry must be one Polygon (got {kind})"}
    rings = geometry.get("coordinates")
    if not isinstance(rings, list) or not rings:
        return None, {"code": code, "reason": "the polygon has no coordinates"}
    if len(rings) > 1:
        return None, {"code": code, "reason": "a grid has no holes (inner rings are not supported)"}
    problem = _ring_problem(rings[0])
    if problem is None:
        shape = Polygon([p[:2] for p in rings[0]])
        if not shape.is_valid:
            problem = f"invalid ring: {explain_validity(shape)}"
        elif shape.area == 0:
            problem = "the ring encloses no area"
    if problem:
        return None, {"code": code, "reason": problem}
    if not code:
        return None, {"code": "", "reason": "the feature has no code"}
    if not name:
        return None, {"code": code, "reason": "the feature has no name"}
    return Feature(code, name, [[float(p[0]), float(p[1])] for p in rings[0]],
                   str(props.get("community") or "").strip()), None


def read_collection(data) -> list:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise GeoJSONError("not a GeoJSON FeatureCollection")
    return data["features"]


def validate(data, known_communities, *, existing=(), boundaries=None,
             tolerance_m2: float = DEFAULT_TOLERANCE_M2) -> Report:
    """Check a FeatureCollection against the communities that exist.

    `known_communities`: the community codes of the region tree; `existing`: the grids already stored
    as Features (a grid in the file replaces the stored one with its code; the others count for
    overlaps and gaps); `boundaries`: stored community boundaries {code: ring} (a boundary in the file
    replaces the stored one)."""
    known = set(known_communities)
    report = Report(tolerance_m2=tolerance_m2)
    seen: set[str] = set()
    for raw in read_collection(data):
        feature, problem = _parse(raw)
        if problem:
            report.invalid.append(problem)
            continue
        if feature.code in seen:
            report.invalid.append({"code": feature.code, "reason": "the code appears more than once in the file"})
            continue
        seen.add(feature.code)
        if COMMUNITY_CODE.match(feature.code):
            if feature.code not in known:
                report.invalid.append({"code": feature.code, "reason": "no community has this code"})
            else:
                report.communities.append(feature)
            continue
        if not GRID_CODE.match(feature.code):
            report.invalid.append({"code": feature.code, "reason": "a grid code is 15 digits (district 6 + "
                                                                   "subdistrict 3 + community 3 + grid 3)"})
            continue
        prefix = community_of(feature.code)
        if feature.community and feature.community != prefix:
            report.invalid.append({"code": feature.code, "reason": f"the code does not match its community "
                                                                   f"{feature.community} (it starts with {prefix})"})
            continue
        if prefix not in known:
            report.invalid.append({"code": feature.code, "reason": f"no community has the code {prefix}"})
            continue
        feature.community = prefix
        report.grids.append(feature)

    grids = {g.code: g for g in existing}
    grids.update({g.code: g for g in report.grids})
    outlines = dict(boundaries or {})
    outlines.update({c.code: c.ring for c in report.communities})
    rings = [g.ring for g in grids.values()] + list(outlines.values())
    if not rings:
        return report
    lons = [p[0] for r in rings for p in r]
    lats = [p[1] for r in rings for p in r]
    projection = EqualArea((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)
    codes = sorted(grids)
    # Overlays in degrees (shared borders are the same coordinates, so they meet exactly); areas on
    # the equal-area projection.
    shapes = [Polygon(grids[c].ring) for c in codes]
    new_codes = {g.code for g in report.grids}

    tree = STRtree(shapes)
    for i, j in zip(*tree.query(shapes, predicate="intersects")):
        if i >= j or (codes[i] not in new_codes and codes[j] not in new_codes):
            continue  # each pair once; two stored grids are not this import's finding
        shared = projection.area(shapes[i].intersection(shapes[j]))
        if shared > NOISE_M2:
            report.overlaps.append({"a": codes[i], "b": codes[j], "area_m2": round(shared, 2)})
    report.overlaps.sort(key=lambda o: (o["a"], o["b"]))

    touched = {grids[c].community for c in new_codes} | {c.code for c in report.communities}
    for community in sorted(touched):
        ring = outlines.get(community)
        if ring is None:
            continue
        outline = Polygon(ring)
        mine = [shapes[k] for k, c in enumerate(codes) if grids[c].community == community]
        covered = unary_union(mine) if mine else Polygon()
        gap = projection.area(make_valid(outline.difference(covered)))
        if gap > tolerance_m2:
            report.gaps.append({"community": community, "area_m2": round(gap, 2)})
        for k, c in enumerate(codes):
            if c in new_codes and grids[c].community == community:
                outside = projection.area(shapes[k].difference(outline))
                if outside > tolerance_m2:
                    report.invalid.append({"code": c, "reason": f"the grid reaches {outside:.2f} m² outside "
                                                                f"its community {community}"})
    if any(i["code"] in new_codes for i in report.invalid):
        bad = {i["code"] for i in report.invalid}
        report.grids = [g for g in report.grids if g.code not in bad]
    return report
