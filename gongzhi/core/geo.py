"""Locating a point in the grid layer (point-in-polygon with a bounding-box prefilter)."""
from __future__ import annotations

from shapely.geometry import Point, Polygon


def find_grid(lat: float | None, lon: float | None):
    from .models import Grid

    if lat is None or lon is None:
        return None
    candidates = Grid.objects.filter(min_lat__lte=lat, max_lat__gte=lat, min_lon__lte=lon, max_lon__gte=lon)
    point = Point(lon, lat)
    for grid in candidates.select_related("community"):
        if len(grid.polygon) >= 3 and Polygon(grid.polygon).covers(point):
            return grid
    return None


# WGS84 bounds, and the point real exports put where the location is unknown (the API schema publishes these).
LAT_MIN, LAT_MAX = -90, 90
LON_MIN, LON_MAX = -180, 180
PLACEHOLDER = (0, 0)


def valid_coordinates(lat, lon) -> bool:
    """Rejects the placeholders real exports are full of (0,0; 39,-77 etc. are checked by importers)."""
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return False
    return LAT_MIN <= lat <= LAT_MAX and LON_MIN <= lon <= LON_MAX and (lat, lon) != PLACEHOLDER
