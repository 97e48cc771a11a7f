//! Lifeline's network tools. `network import` builds the project's network tables
//! (`places.csv`, `segments.csv`, `network.geojson`) from an OpenStreetMap extract, GeoJSON
//! roads and places, or Flee's `locations.csv` + `routes.csv`; `network check` validates any
//! network; `scenario new` drafts a scenario for one. Unlike the model crates this one reads
//! files (the PBF reader maps the file and decodes it on all cores).
//!
//! Flow: a reader (`osm`, `geojson_in`) → [`raw::RawNetwork`] → [`simplify::simplify`] →
//! [`tables::Tables`] → files; `flee` goes straight to tables; `check` and `template` work on
//! tables as read back.

pub mod check;
pub mod error;
pub mod flee;
pub mod geo;
pub mod geojson_in;
pub mod osm;
pub mod raw;
pub mod report;
pub mod road;
pub mod route;
pub mod simplify;
pub mod tables;
pub mod template;

pub use error::NetworkError;
