"""Plan maps that render offline: Leaflet is inlined, nothing is fetched from the network."""

from dispatch.maps.assets import OfflineMap
from dispatch.maps.plan_map import PALETTE, render_plan_map, route_colour

__all__ = ["PALETTE", "OfflineMap", "render_plan_map", "route_colour"]
