//! The live map on the scan and leads pages asks for the part of the world in view at a
//! zoom level. Homes that would sit within [`CLUSTER_PX`] screen pixels of each other are
//! answered as one cluster, so the answer stays small whether the view holds ten homes
//! or two hundred thousand.

use serde::{Deserialize, Serialize};

use super::geo::{AreaError, BoundingBox};

/// Web maps (Leaflet's default) draw the world 256 px wide at zoom 0, doubling per level.
const TILE_PX: f64 = 256.0;
/// The side of a clustering cell on the screen.
pub const CLUSTER_PX: f64 = 48.0;
pub const MAX_ZOOM: u8 = 19;
/// A view wider than this many cells on a side (3,072 px) is not what any screen shows at
/// that zoom.
pub const MAX_CELLS_ACROSS: f64 = 64.0;

/// The map's view: what is on the screen and how closely it is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MapView {
    pub bbox: BoundingBox,
    pub zoom: u8,
}

impl MapView {
    /// The side of one clustering cell in degrees at this zoom (longitude degrees; used
    /// for latitude too, which makes cells a little taller than wide away from the equator).
    pub fn cell_degrees(&self) -> f64 {
        CLUSTER_PX * 360.0 / (TILE_PX * 2f64.powi(i32::from(self.zoom)))
    }
}

fn number(raw: &str) -> Option<f64> {
    raw.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

/// The view from the map's query: its four edges and zoom, each error naming its field.
pub fn parse_view(south: &str, west: &str, north: &str, east: &str, zoom: &str) -> Result<MapView, AreaError> {
    let lat = |raw: &str, field| {
        number(raw).filter(|x| (-90.0..=90.0).contains(x)).ok_or(AreaError {
            field,
            message: "a latitude between -90 and 90",
        })
    };
    let lon = |raw: &str, field| {
        number(raw).filter(|x| (-180.0..=180.0).contains(x)).ok_or(AreaError {
            field,
            message: "a longitude between -180 and 180",
        })
    };
    let (min_lat, min_lon, max_lat, max_lon) = (
        lat(south, "south")?,
        lon(west, "west")?,
        lat(north, "north")?,
        lon(east, "east")?,
    );
    let zoom = zoom
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|z| *z <= MAX_ZOOM)
        .ok_or(AreaError {
            field: "zoom",
            message: "a whole zoom level from 0 to 19",
        })?;
    if min_lat >= max_lat {
        return Err(AreaError {
            field: "north",
            message: "the north edge must be above the south edge",
        });
    }
    if min_lon >= max_lon {
        return Err(AreaError {
            field: "east",
            message: "the east edge must be east of the west edge",
        });
    }
    let view = MapView {
        bbox: BoundingBox {
            min_lat,
            max_lat,
            min_lon,
            max_lon,
        },
        zoom,
    };
    let cell = view.cell_degrees();
    if (max_lat - min_lat) / cell > MAX_CELLS_ACROSS || (max_lon - min_lon) / cell > MAX_CELLS_ACROSS {
        return Err(AreaError {
            field: "zoom",
            message: "the view is too wide for its zoom level: zoom out or ask for less",
        });
    }
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_halve_with_each_zoom_level() {
        let at = |zoom| {
            MapView {
                bbox: BoundingBox {
                    min_lat: 0.0,
                    max_lat: 1.0,
                    min_lon: 0.0,
                    max_lon: 1.0,
                },
                zoom,
            }
            .cell_degrees()
        };
        // Zoom 0 shows 360 degrees in 256 px, so 48 px is 67.5 degrees.
        assert!((at(0) - 67.5).abs() < 1e-9);
        assert!((at(12) * 2.0 - at(11)).abs() < 1e-12);
        // A street-level cell is about 60 m of longitude: single homes stand alone.
        assert!(at(17) < 0.001);
    }

    #[test]
    fn a_view_is_read_from_its_query() {
        let view = parse_view("32.7", "-96.9", " 32.9", "-96.6", "12").expect("valid");
        assert_eq!(view.zoom, 12);
        assert_eq!(view.bbox.min_lat, 32.7);
        assert_eq!(view.bbox.max_lon, -96.6);
    }

    #[test]
    fn bad_views_name_their_field() {
        for (args, field) in [
            (["x", "-96.9", "32.9", "-96.6", "12"], "south"),
            (["32.7", "-200", "32.9", "-96.6", "12"], "west"),
            (["32.7", "-96.9", "NaN", "-96.6", "12"], "north"),
            (["32.7", "-96.9", "32.9", "inf", "12"], "east"),
            (["32.7", "-96.9", "32.9", "-96.6", "20"], "zoom"),
            (["32.7", "-96.9", "32.9", "-96.6", "1.5"], "zoom"),
            (["32.9", "-96.9", "32.7", "-96.6", "12"], "north"),
            (["32.7", "-96.6", "32.9", "-96.9", "12"], "east"),
            // The whole country at street level: thousands of cells a side.
            (["25", "-125", "49", "-67", "17"], "zoom"),
        ] {
            let err = parse_view(args[0], args[1], args[2], args[3], args[4]).expect_err(field);
            assert_eq!(err.field, field, "{args:?}");
        }
        // The same country at zoom 4 is a normal view.
        assert!(parse_view("25", "-125", "49", "-67", "4").is_ok());
    }
}
