"""The grid import's checks, on plain GeoJSON (gongzhi.grid.geometry imports no Django): invalid
rings, bad codes, overlaps with their area in m², gaps in a community, measured on an equal-area
projection that agrees with the WGS84 ellipsoid's geodesic area."""
import pytest

from gongzhi.grid import geometry

COMMUNITY = "339901001001"
KNOWN = {COMMUNITY, "339901001002"}
# 0.01° x 0.01° near 30.25N, 120.1E: about 1,112 m x 961 m.
W, S, SIDE = 120.10, 30.25, 0.01


def box(w, s, e, n):
    return [[w, s], [e, s], [e, n], [w, n], [w, s]]


def feature(code, ring, name=None, **props):
    return {"type": "Feature", "properties": {"code": code, "name": name or f"网格{code[-3:]}", **props},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def halves(gap=0.0, overlap=0.0):
    """A community cut into a west and an east grid, with a gap or an overlap between them (in degrees)."""
    mid = W + SIDE / 2
    return [feature(COMMUNITY, box(W, S, W + SIDE, S + SIDE), name="柳岸社区"),
            feature(COMMUNITY + "001", box(W, S, mid + overlap / 2, S + SIDE)),
            feature(COMMUNITY + "002", box(mid + gap - overlap / 2, S, W + SIDE, S + SIDE))]


def test_two_grids_that_tile_their_community_pass_with_no_overlap_and_no_gap():
    report = geometry.validate(collection(*halves()), KNOWN)
    assert not report.refused
    assert report.as_json() == {"grids": 2, "invalid": [], "overlaps": [], "gaps": []}
    assert [c.code for c in report.communities] == [COMMUNITY]


def test_an_overlap_is_reported_with_its_area_in_square_metres_and_refuses_the_import():
    report = geometry.validate(collection(*halves(overlap=0.0002)), KNOWN)
    (o,) = report.overlaps
    assert (o["a"], o["b"]) == (COMMUNITY + "001", COMMUNITY + "002")
    # 0.0002° of longitude x 0.01° of latitude at 30.25N: about 19.2 m x 1,109 m
    assert o["area_m2"] == pytest.approx(21_300, rel=0.01)
    assert report.refused


def test_an_overlap_within_the_tolerance_is_reported_but_allowed():
    sliver = halves(overlap=0.000000005)  # about half a millimetre wide, 1.1 km long: about 0.53 m²
    report = geometry.validate(collection(*sliver), KNOWN)
    assert report.overlaps[0]["area_m2"] == pytest.approx(0.53, abs=0.02)
    assert not report.refused  # the default tolerance is 1 m²
    assert geometry.validate(collection(*sliver), KNOWN, tolerance_m2=0.5).refused


def test_a_gap_is_the_part_of_the_community_no_grid_covers_reported_in_square_metres_and_allowed():
    report = geometry.validate(collection(*halves(gap=0.001)), KNOWN)
    (g,) = report.gaps
    assert g["community"] == COMMUNITY
    assert g["area_m2"] == pytest.approx(0.1 * 1_069_000, rel=0.01)  # a tenth of the community
    assert not report.refused and report.as_json()["grids"] == 2


def test_a_community_without_a_boundary_has_no_gap_to_report():
    report = geometry.validate(collection(*halves(gap=0.001)[1:]), KNOWN)
    assert report.gaps == [] and not report.refused


def test_a_stored_boundary_counts_when_the_file_has_none():
    ring = box(W, S, W + SIDE, S + SIDE)
    report = geometry.validate(collection(*halves(gap=0.001)[1:]), KNOWN, boundaries={COMMUNITY: ring})
    assert report.gaps and report.gaps[0]["community"] == COMMUNITY


@pytest.mark.parametrize("ring, reason", [
    ([[W, S], [W + SIDE, S + SIDE], [W + SIDE, S], [W, S + SIDE], [W, S]], "Self-intersection"),  # a bow tie
    ([[W, S], [W + SIDE, S], [W + SIDE, S + SIDE], [W, S + SIDE]], "not closed"),
    ([[W, S], [W + SIDE, S], [W, S]], "at least 4 positions"),
    ([[W, S], [W + SIDE, S], [W + 2 * SIDE, S], [W, S]], "invalid ring"),  # flat: all on one line
    ([[W, S], [200, S], [W, S + SIDE], [W, S]], "outside WGS84"),
    ([[W, S], ["120.2", S], [W, S + SIDE], [W, S]], "not [longitude, latitude]"),
])
def test_an_invalid_ring_is_reported_with_the_reason_and_refuses_the_import(ring, reason):
    report = geometry.validate(collection(feature(COMMUNITY + "001", ring)), KNOWN)
    (bad,) = report.invalid
    assert bad["code"] == COMMUNITY + "001" and reason in bad["reason"]
    assert report.refused and report.grids == []


@pytest.mark.parametrize("code, extra, reason", [
    ("33990100100101", {}, "15 digits"),                          # 14 digits
    ("339901-001-001-001", {}, "15 digits"),
    ("339901001009001", {}, "no community has the code 339901001009"),
    ("339901001001001", {"community": "339901001002"}, "does not match its community"),
])
def test_a_code_that_does_not_match_its_community_is_invalid(code, extra, reason):
    report = geometry.validate(collection(feature(code, box(W, S, W + SIDE, S + SIDE), **extra)), KNOWN)
    (bad,) = report.invalid
    assert reason in bad["reason"] and report.refused


def test_a_duplicate_code_a_multipolygon_a_hole_and_a_missing_name_are_invalid():
    ring = box(W, S, W + SIDE, S + SIDE)
    multi = {"type": "Feature", "properties": {"code": COMMUNITY + "003", "name": "x"},
             "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]}}
    holed = {"type": "Feature", "properties": {"code": COMMUNITY + "004", "name": "y"},
             "geometry": {"type": "Polygon", "coordinates": [ring, box(W + .001, S + .001, W + .002, S + .002)]}}
    nameless = feature(COMMUNITY + "005", ring, name=" ")
    nameless["properties"]["name"] = ""
    report = geometry.validate(collection(feature(COMMUNITY + "001", ring), feature(COMMUNITY + "001", ring),
                                          multi, holed, nameless), KNOWN)
    reasons = {(i["code"][-3:], i["reason"].split(" (")[0]) for i in report.invalid}
    assert reasons == {("001", "the code appears more than once in the file"),
                       ("003", "geometry must be one Polygon"), ("004", "a grid has no holes"),
                       ("005", "the feature has no name")}


def test_a_grid_reaching_outside_its_community_is_invalid():
    features = halves()
    features[2] = feature(COMMUNITY + "002", box(W + SIDE / 2, S, W + SIDE * 1.5, S + SIDE))
    report = geometry.validate(collection(*features), KNOWN)
    assert any("outside its community" in i["reason"] for i in report.invalid)
    assert report.refused


def test_stored_grids_count_for_overlaps_and_a_file_grid_replaces_the_stored_one_with_its_code():
    west, east = halves()[1:]
    stored = [geometry.Feature(COMMUNITY + "001", "西", box(W, S, W + SIDE * 0.6, S + SIDE), COMMUNITY)]
    assert geometry.validate(collection(east), KNOWN, existing=stored).overlaps  # east meets the stored west
    assert not geometry.validate(collection(west, east), KNOWN, existing=stored).overlaps  # west replaces it


def test_not_a_feature_collection_is_one_error():
    with pytest.raises(geometry.GeoJSONError):
        geometry.validate({"type": "Feature"}, KNOWN)


def test_equal_area_agrees_with_the_wgs84_geodesic_area():
    pyproj = pytest.importorskip("pyproj")
    geod = pyproj.Geod(ellps="WGS84")
    for ring in (box(W, S, W + SIDE, S + SIDE), box(W, S, W + 0.12, S + 0.06),
                 [[116.3, 39.9], [116.35, 39.91], [116.33, 39.95], [116.29, 39.93], [116.3, 39.9]]):
        lons, lats = zip(*ring)
        expected, _perimeter = geod.polygon_area_perimeter(lons, lats)
        assert geometry.area_m2(ring) == pytest.approx(abs(expected), rel=0.005)


def test_the_report_as_json_has_exactly_the_documented_keys():
    report = geometry.validate(collection(*halves(gap=0.001, overlap=0)), KNOWN)
    assert set(report.as_json()) == {"grids", "invalid", "overlaps", "gaps"}
    assert report.lines()[0].startswith("grids: 2 valid, 0 invalid")
