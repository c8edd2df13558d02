//! Points, distances and the areas a contractor scans: a circle or a drawn polygon.
//!
//! Areas are a city or a metro at most, so polygons treat longitude and latitude as a flat
//! plane (the error at 50 miles is far below the accuracy of a hand-drawn outline), and
//! areas in square miles scale longitude by the cosine of the latitude.

use serde::{Deserialize, Serialize};

/// Mean Earth radius in statute miles (IUGG mean radius 6371.0 km).
pub const EARTH_RADIUS_MILES: f64 = 3958.8;
/// Miles in one degree of latitude (and of longitude at the equator).
pub const MILES_PER_DEGREE: f64 = EARTH_RADIUS_MILES * std::f64::consts::PI / 180.0;

/// Smallest and largest circle a scan may cover, in miles.
pub const MIN_RADIUS_MILES: f64 = 0.1;
pub const MAX_RADIUS_MILES: f64 = 25.0;
/// A polygon's vertex count and how far from its first vertex the others may be.
pub const MIN_POLYGON_POINTS: usize = 3;
pub const MAX_POLYGON_POINTS: usize = 50;
pub const MAX_POLYGON_SPAN_MILES: f64 = 50.0;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

impl Point {
    fn in_range(self) -> bool {
        (-90.0..=90.0).contains(&self.lat) && (-180.0..=180.0).contains(&self.lon)
    }
}

/// Great-circle distance (haversine).
pub fn distance_miles(a: Point, b: Point) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_MILES * h.sqrt().clamp(0.0, 1.0).asin()
}

/// Miles per degree of longitude at `lat`, never zero (the poles are not a roofing market).
fn miles_per_degree_lon(lat: f64) -> f64 {
    MILES_PER_DEGREE * lat.to_radians().cos().max(1e-6)
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
}

impl BoundingBox {
    pub fn contains(&self, p: Point) -> bool {
        (self.min_lat..=self.max_lat).contains(&p.lat) && (self.min_lon..=self.max_lon).contains(&p.lon)
    }

    pub fn center(&self) -> Point {
        Point {
            lat: (self.min_lat + self.max_lat) / 2.0,
            lon: (self.min_lon + self.max_lon) / 2.0,
        }
    }

    /// Width over height on the ground, so a map drawn with [`project`] keeps its shape:
    /// pick `height = width / aspect()`.
    pub fn aspect(&self) -> f64 {
        let wide = (self.max_lon - self.min_lon) * miles_per_degree_lon(self.center().lat);
        let tall = (self.max_lat - self.min_lat) * MILES_PER_DEGREE;
        if tall > 0.0 { wide / tall } else { 1.0 }
    }
}

/// The area a scan covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Circle { center: Point, radius_miles: f64 },
    Polygon(Vec<Point>),
}

impl Area {
    pub fn contains(&self, p: Point) -> bool {
        match self {
            Self::Circle { center, radius_miles } => distance_miles(*center, p) <= *radius_miles,
            // Ray casting: count the edges a ray from `p` towards +lon crosses.
            Self::Polygon(points) => {
                let mut inside = false;
                let mut j = points.len().wrapping_sub(1);
                for (i, a) in points.iter().enumerate() {
                    if let Some(b) = points.get(j)
                        && (a.lat > p.lat) != (b.lat > p.lat)
                    {
                        let cross_lon = a.lon + (p.lat - a.lat) / (b.lat - a.lat) * (b.lon - a.lon);
                        if p.lon < cross_lon {
                            inside = !inside;
                        }
                    }
                    j = i;
                }
                inside
            }
        }
    }

    pub fn bounding_box(&self) -> BoundingBox {
        match self {
            Self::Circle { center, radius_miles } => {
                let dlat = radius_miles / MILES_PER_DEGREE;
                let dlon = radius_miles / miles_per_degree_lon(center.lat);
                BoundingBox {
                    min_lat: (center.lat - dlat).max(-90.0),
                    max_lat: (center.lat + dlat).min(90.0),
                    min_lon: (center.lon - dlon).max(-180.0),
                    max_lon: (center.lon + dlon).min(180.0),
                }
            }
            Self::Polygon(points) if points.is_empty() => BoundingBox {
                min_lat: 0.0,
                max_lat: 0.0,
                min_lon: 0.0,
                max_lon: 0.0,
            },
            Self::Polygon(points) => points.iter().fold(
                BoundingBox {
                    min_lat: f64::INFINITY,
                    max_lat: f64::NEG_INFINITY,
                    min_lon: f64::INFINITY,
                    max_lon: f64::NEG_INFINITY,
                },
                |b, p| BoundingBox {
                    min_lat: b.min_lat.min(p.lat),
                    max_lat: b.max_lat.max(p.lat),
                    min_lon: b.min_lon.min(p.lon),
                    max_lon: b.max_lon.max(p.lon),
                },
            ),
        }
    }

    /// Where to centre a map: the circle's centre, or the polygon's area centroid
    /// (the mean of its vertices when it has no area).
    pub fn center(&self) -> Point {
        match self {
            Self::Circle { center, .. } => *center,
            Self::Polygon(points) => {
                let n = points.len().max(1) as f64;
                let mean = Point {
                    lat: points.iter().map(|p| p.lat).sum::<f64>() / n,
                    lon: points.iter().map(|p| p.lon).sum::<f64>() / n,
                };
                let (mut twice_area, mut cx, mut cy) = (0.0, 0.0, 0.0);
                for (a, b) in edges(points) {
                    // Relative to the mean keeps the products small and precise.
                    let (ax, ay, bx, by) = (a.lon - mean.lon, a.lat - mean.lat, b.lon - mean.lon, b.lat - mean.lat);
                    let cross = ax * by - bx * ay;
                    twice_area += cross;
                    cx += (ax + bx) * cross;
                    cy += (ay + by) * cross;
                }
                if twice_area.abs() < 1e-15 {
                    return mean;
                }
                Point {
                    lat: mean.lat + cy / (3.0 * twice_area),
                    lon: mean.lon + cx / (3.0 * twice_area),
                }
            }
        }
    }

    /// Approximate area on the ground (shoelace formula on a plane scaled at the mean latitude).
    pub fn area_sq_miles(&self) -> f64 {
        match self {
            Self::Circle { radius_miles, .. } => std::f64::consts::PI * radius_miles * radius_miles,
            Self::Polygon(points) => {
                let center = self.bounding_box().center();
                let x_scale = miles_per_degree_lon(center.lat);
                let twice_area: f64 = edges(points)
                    .map(|(a, b)| {
                        let (ax, ay) = ((a.lon - center.lon) * x_scale, (a.lat - center.lat) * MILES_PER_DEGREE);
                        let (bx, by) = ((b.lon - center.lon) * x_scale, (b.lat - center.lat) * MILES_PER_DEGREE);
                        ax * by - bx * ay
                    })
                    .sum();
                twice_area.abs() / 2.0
            }
        }
    }
}

/// Each polygon edge, the last vertex joined back to the first.
fn edges(points: &[Point]) -> impl Iterator<Item = (Point, Point)> + '_ {
    points.iter().copied().zip(points.iter().copied().cycle().skip(1))
}

/// Why an area typed or drawn on the scan form was refused, naming its form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct AreaError {
    /// "lat", "lon", "radius_miles" or "polygon".
    pub field: &'static str,
    pub message: &'static str,
}

impl AreaError {
    fn new(field: &'static str, message: &'static str) -> Self {
        Self { field, message }
    }
}

fn number(raw: &str) -> Option<f64> {
    raw.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

/// A circle from the form's three text fields.
pub fn parse_circle(lat: &str, lon: &str, radius_miles: &str) -> Result<Area, AreaError> {
    let lat = number(lat)
        .filter(|x| (-90.0..=90.0).contains(x))
        .ok_or(AreaError::new(
            "lat",
            "enter a latitude between -90 and 90, like 32.7767",
        ))?;
    let lon = number(lon)
        .filter(|x| (-180.0..=180.0).contains(x))
        .ok_or(AreaError::new(
            "lon",
            "enter a longitude between -180 and 180, like -96.7970",
        ))?;
    let radius_miles = number(radius_miles)
        .filter(|x| (MIN_RADIUS_MILES..=MAX_RADIUS_MILES).contains(x))
        .ok_or(AreaError::new(
            "radius_miles",
            "enter a radius between 0.1 and 25 miles",
        ))?;
    Ok(Area::Circle {
        center: Point { lat, lon },
        radius_miles,
    })
}

/// A polygon from "lat,lon;lat,lon;...". A closing point equal to the first is dropped.
pub fn parse_polygon(points: &str) -> Result<Area, AreaError> {
    let bad = |message| AreaError::new("polygon", message);
    let mut vertices = Vec::new();
    for pair in points.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        if vertices.len() > MAX_POLYGON_POINTS {
            return Err(bad("draw the area with at most 50 points"));
        }
        let mut parts = pair.split(',');
        let (Some(lat), Some(lon), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("write each point as lat,lon and separate points with ;"));
        };
        let p = match (number(lat), number(lon)) {
            (Some(lat), Some(lon)) => Point { lat, lon },
            _ => return Err(bad("write each point as lat,lon and separate points with ;")),
        };
        if !p.in_range() {
            return Err(bad("a point is off the map: latitude -90..90, longitude -180..180"));
        }
        vertices.push(p);
    }
    if vertices.len() > 1 && vertices.first() == vertices.last() {
        vertices.pop();
    }
    if vertices.len() < MIN_POLYGON_POINTS {
        return Err(bad("draw the area with at least 3 points"));
    }
    if vertices.len() > MAX_POLYGON_POINTS {
        return Err(bad("draw the area with at most 50 points"));
    }
    let first = vertices[0];
    if vertices
        .iter()
        .any(|&p| distance_miles(first, p) > MAX_POLYGON_SPAN_MILES)
    {
        return Err(bad(
            "the area is too large: keep every point within 50 miles of the first",
        ));
    }
    let area = Area::Polygon(vertices);
    // About 30 square metres: points on a line, or all in one spot.
    if area.area_sq_miles() < 1e-5 {
        return Err(bad("the points enclose no area"));
    }
    Ok(area)
}

/// Equirectangular projection of `p` into a `width` x `height` box showing `bbox`,
/// x to the right and y down (SVG coordinates).
pub fn project(p: Point, bbox: &BoundingBox, width: f64, height: f64) -> (f64, f64) {
    let (lon_span, lat_span) = spans(bbox);
    let x = (p.lon - bbox.min_lon) / lon_span * width;
    let y = (bbox.max_lat - p.lat) / lat_span * height;
    (x, y)
}

/// The box's spans in degrees, never zero (a box around a single point still projects).
fn spans(bbox: &BoundingBox) -> (f64, f64) {
    let nonzero = |v: f64| if v > 1e-12 { v } else { 1e-12 };
    (
        nonzero(bbox.max_lon - bbox.min_lon),
        nonzero(bbox.max_lat - bbox.min_lat),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DALLAS: Point = Point {
        lat: 32.7767,
        lon: -96.7970,
    };
    const FORT_WORTH: Point = Point {
        lat: 32.7555,
        lon: -97.3308,
    };

    #[test]
    fn dallas_to_fort_worth_is_about_31_miles() {
        let d = distance_miles(DALLAS, FORT_WORTH);
        assert!((30.0..=32.0).contains(&d), "{d}");
        assert_eq!(distance_miles(DALLAS, DALLAS), 0.0);
        assert!((distance_miles(DALLAS, FORT_WORTH) - distance_miles(FORT_WORTH, DALLAS)).abs() < 1e-9);
    }

    #[test]
    fn a_circle_contains_its_centre_but_not_a_point_two_radii_away() {
        let circle = Area::Circle {
            center: DALLAS,
            radius_miles: 5.0,
        };
        assert!(circle.contains(DALLAS));
        let east = Point {
            lat: DALLAS.lat,
            lon: DALLAS.lon + 10.0 / miles_per_degree_lon(DALLAS.lat),
        };
        assert!((distance_miles(DALLAS, east) - 10.0).abs() < 0.05);
        assert!(!circle.contains(east));
        assert_eq!(circle.center(), DALLAS);
        assert!((circle.area_sq_miles() - 78.54).abs() < 0.01);
    }

    #[test]
    fn the_bounding_box_holds_the_whole_circle() {
        let circle = Area::Circle {
            center: DALLAS,
            radius_miles: 10.0,
        };
        let bbox = circle.bounding_box();
        for step in 0..360 {
            let bearing = f64::from(step).to_radians();
            // Just inside the edge of the circle.
            let p = Point {
                lat: DALLAS.lat + 9.99 * bearing.cos() / MILES_PER_DEGREE,
                lon: DALLAS.lon + 9.99 * bearing.sin() / miles_per_degree_lon(DALLAS.lat),
            };
            assert!(circle.contains(p), "{step}");
            assert!(bbox.contains(p), "{step}");
        }
        assert!((bbox.aspect() - 1.0).abs() < 0.01);
    }

    #[test]
    fn a_polygon_contains_what_is_inside_and_excludes_the_rest() {
        // An L shape: the notch at the top right is outside.
        let l = Area::Polygon(vec![
            Point {
                lat: 32.70,
                lon: -96.90,
            },
            Point {
                lat: 32.70,
                lon: -96.70,
            },
            Point {
                lat: 32.80,
                lon: -96.70,
            },
            Point {
                lat: 32.80,
                lon: -96.80,
            },
            Point {
                lat: 32.90,
                lon: -96.80,
            },
            Point {
                lat: 32.90,
                lon: -96.90,
            },
        ]);
        assert!(l.contains(Point {
            lat: 32.75,
            lon: -96.75
        }));
        assert!(l.contains(Point {
            lat: 32.85,
            lon: -96.85
        }));
        assert!(
            !l.contains(Point {
                lat: 32.85,
                lon: -96.75
            }),
            "the notch"
        );
        assert!(!l.contains(Point {
            lat: 32.75,
            lon: -96.60
        }));
        assert!(!l.contains(Point {
            lat: 33.00,
            lon: -96.85
        }));
        assert!(!Area::Polygon(vec![]).contains(DALLAS));
        let bbox = l.bounding_box();
        assert_eq!(
            (bbox.min_lat, bbox.max_lat, bbox.min_lon, bbox.max_lon),
            (32.70, 32.90, -96.90, -96.70)
        );
        // 0.03 square degrees, scaled by cos(lat).
        let want = 0.03 * MILES_PER_DEGREE * miles_per_degree_lon(32.8);
        assert!((l.area_sq_miles() - want).abs() / want < 0.01);
        let c = l.center();
        assert!(l.contains(c) || bbox.contains(c));
    }

    #[test]
    fn a_square_is_centred_on_its_middle() {
        let square = Area::Polygon(vec![
            Point { lat: 32.0, lon: -97.0 },
            Point { lat: 32.0, lon: -96.0 },
            Point { lat: 33.0, lon: -96.0 },
            Point { lat: 33.0, lon: -97.0 },
        ]);
        let c = square.center();
        assert!((c.lat - 32.5).abs() < 1e-9 && (c.lon + 96.5).abs() < 1e-9);
    }

    #[test]
    fn project_maps_the_box_corners_to_the_plot_corners() {
        let bbox = Area::Circle {
            center: DALLAS,
            radius_miles: 12.0,
        }
        .bounding_box();
        let (w, h) = (800.0, 600.0);
        let (x, y) = project(
            Point {
                lat: bbox.max_lat,
                lon: bbox.min_lon,
            },
            &bbox,
            w,
            h,
        );
        assert!(x.abs() < 1e-9 && y.abs() < 1e-9, "top left");
        let (x, y) = project(
            Point {
                lat: bbox.min_lat,
                lon: bbox.max_lon,
            },
            &bbox,
            w,
            h,
        );
        assert!((x - w).abs() < 1e-9 && (y - h).abs() < 1e-9, "bottom right");
    }

    #[test]
    fn circles_parse_and_errors_name_their_field() {
        let area = parse_circle(" 32.7767 ", "-96.797", "5").expect("valid");
        assert_eq!(
            area,
            Area::Circle {
                center: Point {
                    lat: 32.7767,
                    lon: -96.797
                },
                radius_miles: 5.0
            }
        );
        assert!(parse_circle("32.7", "-96.8", "0.1").is_ok());
        assert!(parse_circle("32.7", "-96.8", "25").is_ok());
        let cases = [
            (("", "-96.8", "5"), "lat"),
            (("91", "-96.8", "5"), "lat"),
            (("NaN", "-96.8", "5"), "lat"),
            (("32.7", "-181", "5"), "lon"),
            (("32.7", "west", "5"), "lon"),
            (("32.7", "-96.8", "0.05"), "radius_miles"),
            (("32.7", "-96.8", "25.1"), "radius_miles"),
            (("32.7", "-96.8", "inf"), "radius_miles"),
        ];
        for ((lat, lon, r), field) in cases {
            let err = parse_circle(lat, lon, r).expect_err(field);
            assert_eq!(err.field, field, "{lat} {lon} {r}");
            assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn polygons_parse_and_errors_name_their_field() {
        let area = parse_polygon("32.70,-96.90; 32.70,-96.70; 32.90,-96.80;32.70,-96.90;").expect("valid");
        let Area::Polygon(points) = &area else {
            panic!("a polygon");
        };
        assert_eq!(points.len(), 3, "the closing point is dropped");
        let far = "32.7,-96.9;32.7,-96.8;33.5,-96.8";
        let too_many: String = (0..51)
            .map(|i| {
                let a = f64::from(i) / 51.0 * std::f64::consts::TAU;
                format!("{},{}", 32.8 + 0.1 * a.sin(), -96.8 + 0.1 * a.cos())
            })
            .collect::<Vec<_>>()
            .join(";");
        for raw in [
            "",
            "32.7,-96.9;32.7,-96.8",
            "32.7,-96.9;32.7,-96.8;32.7,-96.7",
            "32.7,-96.9;32.7,-96.9;32.7,-96.9",
            "32.7 -96.9;32.7,-96.8;32.8,-96.8",
            "32.7,-96.9,1;32.7,-96.8;32.8,-96.8",
            "32.7,-96.9;95,-96.8;32.8,-96.8",
            far,
            &too_many,
        ] {
            let err = parse_polygon(raw).expect_err(raw);
            assert_eq!(err.field, "polygon", "{raw}");
        }
    }
}

/// One web-map tile (the usual `{z}/{x}/{y}` scheme) and the ground it covers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tile {
    pub z: u8,
    pub x: u32,
    pub y: u32,
    pub bounds: BoundingBox,
}

/// The tiles that cover `bbox`, at the zoom where about `across` tiles span its width.
pub fn tiles_covering(bbox: &BoundingBox, across: f64) -> Vec<Tile> {
    let span = (bbox.max_lon - bbox.min_lon).max(1e-6);
    let z = (360.0 * across / span).log2().floor().clamp(1.0, 17.0) as u8;
    let n = f64::from(1u32 << z);
    let column = |lon: f64| ((lon + 180.0) / 360.0 * n).floor().clamp(0.0, n - 1.0) as u32;
    let row = |lat: f64| {
        let lat = lat.clamp(-85.05, 85.05).to_radians();
        ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n)
            .floor()
            .clamp(0.0, n - 1.0) as u32
    };
    let lon_of = |x: u32| f64::from(x) / n * 360.0 - 180.0;
    let lat_of = |y: u32| {
        (std::f64::consts::PI * (1.0 - 2.0 * f64::from(y) / n))
            .sinh()
            .atan()
            .to_degrees()
    };
    let mut tiles = Vec::new();
    for y in row(bbox.max_lat)..=row(bbox.min_lat) {
        for x in column(bbox.min_lon)..=column(bbox.max_lon) {
            tiles.push(Tile {
                z,
                x,
                y,
                bounds: BoundingBox {
                    min_lat: lat_of(y + 1),
                    max_lat: lat_of(y),
                    min_lon: lon_of(x),
                    max_lon: lon_of(x + 1),
                },
            });
        }
    }
    tiles
}

#[cfg(test)]
mod tile_tests {
    use super::*;

    #[test]
    fn a_few_tiles_cover_the_area_and_each_holds_its_corner() {
        let bbox = BoundingBox {
            min_lat: 32.5,
            max_lat: 33.1,
            min_lon: -97.2,
            max_lon: -96.4,
        };
        let tiles = tiles_covering(&bbox, 3.0);
        assert!((4..=20).contains(&tiles.len()), "{}", tiles.len());
        let covered = |p: Point| tiles.iter().any(|t| t.bounds.contains(p));
        for corner in [
            Point {
                lat: bbox.min_lat,
                lon: bbox.min_lon,
            },
            Point {
                lat: bbox.max_lat,
                lon: bbox.max_lon,
            },
            Point { lat: 32.78, lon: -96.8 },
        ] {
            assert!(covered(corner), "{corner:?}");
        }
        let dallas = tiles_covering(
            &BoundingBox {
                min_lat: 32.78,
                max_lat: 32.78,
                min_lon: -96.8,
                max_lon: -96.8,
            },
            0.0,
        );
        assert!(
            dallas
                .iter()
                .all(|t| t.bounds.contains(Point { lat: 32.78, lon: -96.8 }))
        );
    }
}
