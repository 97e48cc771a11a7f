//! `lifeline network import`, `lifeline network check`, `lifeline scenario new`.

use anyhow::{Context, Result, bail};
use lifeline_model::network::RoadCondition;
use lifeline_model::units::Km;
use lifeline_network::geojson_in::{self, GeoJsonContent, PropertyNames};
use lifeline_network::osm::{OsmOptions, read_osm_pbf};
use lifeline_network::raw::RawNetwork;
use lifeline_network::road::RoadClass;
use lifeline_network::simplify::{SimplifyOptions, simplify};
use lifeline_network::tables::{PLACES_FILE, SEGMENTS_FILE, Tables};
use lifeline_network::template::{TemplateOptions, scenario_toml};
use lifeline_network::{check, flee};
use std::path::{Component, Path, PathBuf};

#[derive(clap::Args)]
pub struct ImportArgs {
    /// Sources: an OpenStreetMap extract (.osm.pbf), GeoJSON road lines and/or place points
    /// (.geojson), or Flee's locations.csv and routes.csv (or the folder holding them).
    #[arg(required = true)]
    pub sources: Vec<PathBuf>,
    /// Folder for places.csv, segments.csv and network.geojson.
    #[arg(long)]
    pub out: PathBuf,
    /// Road classes to import (OSM highway=* values).
    #[arg(long, default_value = "trunk,primary")]
    pub road_classes: String,
    /// How far (km) a place may be from the nearest kept road to be joined to it (0 to 500).
    #[arg(long, default_value_t = 5.0)]
    pub snap_km: f64,
    /// ISO3 country code for places whose source gives none (OSM extracts are one country).
    #[arg(long, default_value = "")]
    pub country: String,
    /// Keep every connected piece of road, not only the one with the most places.
    #[arg(long)]
    pub keep_all_components: bool,
    /// Keep dead-end roads that lead to no place.
    #[arg(long)]
    pub keep_spurs: bool,
    /// Condition class given to Flee routes (which carry none): good, fair, bad or track.
    #[arg(long, default_value = "fair")]
    pub condition: String,
    /// GeoJSON roads: property holding the road class (default: highway, class, road_class, fclass, type).
    #[arg(long)]
    pub class_property: Option<String>,
    /// GeoJSON roads: property holding the surface (default: surface, surface_type, pavement).
    #[arg(long)]
    pub surface_property: Option<String>,
    /// GeoJSON roads: property holding the road number (default: ref, route, road_number, name).
    #[arg(long)]
    pub route_property: Option<String>,
    /// GeoJSON places: property holding the name (default: name, name_en, featurename, place_name).
    #[arg(long)]
    pub name_property: Option<String>,
    /// GeoJSON places: property holding the population (default: population, pop, pop_total).
    #[arg(long)]
    pub population_property: Option<String>,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// A folder with places.csv and segments.csv.
    pub dir: PathBuf,
    /// Fail on warnings too.
    #[arg(long)]
    pub strict: bool,
}

#[derive(clap::Args)]
pub struct NewScenarioArgs {
    /// A folder with places.csv and segments.csv (e.g. written by `lifeline network import`).
    #[arg(long)]
    pub network: PathBuf,
    /// The scenario's name.
    #[arg(long)]
    pub name: String,
    /// A depot place (repeat for several); default: the largest places.
    #[arg(long = "depot")]
    pub depots: Vec<String>,
    /// An origin place (repeat for several); default: ports, else border posts.
    #[arg(long = "origin")]
    pub origins: Vec<String>,
    /// How many depots to pick when none is named.
    #[arg(long, default_value_t = 3)]
    pub depot_count: usize,
    /// The folder the scenario file will be saved in (network paths are written relative to it).
    #[arg(long, default_value = ".")]
    pub scenario_dir: PathBuf,
}

/// What one source path is.
enum Source {
    Osm(PathBuf),
    GeoJson(PathBuf),
    FleeLocations(PathBuf),
    FleeRoutes(PathBuf),
}

fn classify(path: &Path) -> Result<Vec<Source>> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if path.is_dir() {
        let (locations, routes) = (path.join("locations.csv"), path.join("routes.csv"));
        if locations.is_file() && routes.is_file() {
            return Ok(vec![
                Source::FleeLocations(locations),
                Source::FleeRoutes(routes),
            ]);
        }
        bail!(
            "{}: a folder source must hold Flee's locations.csv and routes.csv",
            path.display()
        );
    }
    Ok(vec![if name.ends_with(".pbf") {
        Source::Osm(path.to_path_buf())
    } else if name.ends_with(".geojson") || name.ends_with(".json") {
        Source::GeoJson(path.to_path_buf())
    } else if name == "locations.csv" {
        Source::FleeLocations(path.to_path_buf())
    } else if name == "routes.csv" {
        Source::FleeRoutes(path.to_path_buf())
    } else {
        bail!(
            "{}: unknown kind of source; expected an OpenStreetMap extract (.osm.pbf), GeoJSON (.geojson) or Flee's locations.csv and routes.csv",
            path.display()
        )
    }])
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

pub fn import(args: ImportArgs) -> Result<()> {
    let mut sources = Vec::new();
    for path in &args.sources {
        sources.extend(classify(path)?);
    }
    let flee_files: Vec<&PathBuf> = sources
        .iter()
        .filter_map(|s| match s {
            Source::FleeLocations(p) | Source::FleeRoutes(p) => Some(p),
            _ => None,
        })
        .collect();
    let (tables, report) = if flee_files.is_empty() {
        import_roads(&args, &sources)?
    } else {
        import_flee(&args, &sources)?
    };
    if tables.segments.is_empty() {
        print!("{report}");
        bail!(
            "nothing to write: no road segment was kept (check --road-classes {} and --snap-km {})",
            args.road_classes,
            args.snap_km
        );
    }
    let written = tables
        .write_to(&args.out)
        .with_context(|| format!("writing the network to {}", args.out.display()))?;
    print!("{report}");
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    println!("wrote {}", names.join(", "));
    let checked = check::check_network(
        &tables.places_csv(),
        &args.out.join(PLACES_FILE).display().to_string(),
        &tables.segments_csv(),
        &args.out.join(SEGMENTS_FILE).display().to_string(),
    );
    print!("{checked}");
    if !checked.is_ok() {
        bail!("the imported network has errors (listed above)");
    }
    Ok(())
}

fn property_names(args: &ImportArgs) -> PropertyNames {
    let mut props = PropertyNames::default();
    let pairs = [
        (&args.class_property, &mut props.class),
        (&args.surface_property, &mut props.surface),
        (&args.route_property, &mut props.route),
        (&args.name_property, &mut props.name),
        (&args.population_property, &mut props.population),
    ];
    for (given, list) in pairs {
        if let Some(name) = given {
            *list = vec![name.clone()];
        }
    }
    props
}

/// Farthest a place may be joined to a road from: beyond it a place is not on the network, and
/// every place would join every road.
const MAX_SNAP_KM: f64 = 500.0;

fn import_roads(
    args: &ImportArgs,
    sources: &[Source],
) -> Result<(Tables, lifeline_network::report::ImportReport)> {
    let classes = RoadClass::parse_list(&args.road_classes)
        .map_err(|e| anyhow::anyhow!("--road-classes: {e}"))?;
    if !(0.0..=MAX_SNAP_KM).contains(&args.snap_km) {
        bail!(
            "--snap-km: expected a distance in km from 0 to {MAX_SNAP_KM}, found {}; a place \
             farther from every kept road is not on the network",
            lifeline_io::text::readable_number(args.snap_km)
        );
    }
    let props = property_names(args);
    let mut raw = RawNetwork::default();
    for source in sources {
        match source {
            Source::Osm(path) => {
                let options = OsmOptions {
                    classes: classes.clone(),
                    country: args.country.clone(),
                };
                raw.extend(read_osm_pbf(path, &options)?);
            }
            Source::GeoJson(path) => {
                let text = read_text(path)?;
                let file = path.display().to_string();
                match geojson_in::content_of(&text, &file)? {
                    GeoJsonContent::Lines => {
                        geojson_in::read_roads(&text, &file, &classes, &props, &mut raw)?
                    }
                    GeoJsonContent::Points => {
                        geojson_in::read_places(&text, &file, &props, &args.country, &mut raw)?
                    }
                }
            }
            Source::FleeLocations(_) | Source::FleeRoutes(_) => {}
        }
    }
    let options = SimplifyOptions {
        snap: Km(args.snap_km),
        keep_all_components: args.keep_all_components,
        keep_spurs: args.keep_spurs,
    };
    Ok(simplify(raw, &options))
}

fn import_flee(
    args: &ImportArgs,
    sources: &[Source],
) -> Result<(Tables, lifeline_network::report::ImportReport)> {
    let mut locations = None;
    let mut routes = None;
    for source in sources {
        match source {
            Source::FleeLocations(p) => locations = Some(p),
            Source::FleeRoutes(p) => routes = Some(p),
            Source::Osm(p) | Source::GeoJson(p) => bail!(
                "{}: Flee's files make a network on their own; import them without other sources",
                p.display()
            ),
        }
    }
    let (Some(locations), Some(routes)) = (locations, routes) else {
        bail!("a Flee import needs both locations.csv and routes.csv (or the folder holding them)");
    };
    let condition = RoadCondition::parse(&args.condition).with_context(|| {
        format!(
            "--condition: expected good, fair, bad or track, found `{}`",
            args.condition
        )
    })?;
    let (loc_text, route_text) = (read_text(locations)?, read_text(routes)?);
    let (loc_file, route_file) = (
        locations.display().to_string(),
        routes.display().to_string(),
    );
    Ok(flee::import_flee(
        (&loc_text, &loc_file),
        (&route_text, &route_file),
        condition,
    )?)
}

pub fn check(args: CheckArgs) -> Result<()> {
    let (places_path, segments_path) = (args.dir.join(PLACES_FILE), args.dir.join(SEGMENTS_FILE));
    let report = check::check_network(
        &read_text(&places_path)?,
        &places_path.display().to_string(),
        &read_text(&segments_path)?,
        &segments_path.display().to_string(),
    );
    print!("{report}");
    if !report.is_ok() {
        bail!(
            "{}: the network has {} error(s) (listed above); `lifeline run` would refuse it",
            args.dir.display(),
            report.errors.len()
        );
    }
    if args.strict && !report.warnings.is_empty() {
        bail!(
            "{}: {} warning(s) and --strict was given",
            args.dir.display(),
            report.warnings.len()
        );
    }
    Ok(())
}

pub fn new_scenario(args: NewScenarioArgs) -> Result<()> {
    let (places_path, segments_path) = (
        args.network.join(PLACES_FILE),
        args.network.join(SEGMENTS_FILE),
    );
    let tables = lifeline_io::network_csv::read_network(
        &read_text(&places_path)?,
        &places_path.display().to_string(),
        &read_text(&segments_path)?,
        &segments_path.display().to_string(),
    )?;
    let options = TemplateOptions {
        name: args.name.clone(),
        places_path: path_from(&args.scenario_dir, &places_path)?,
        segments_path: path_from(&args.scenario_dir, &segments_path)?,
        depots: args.depots,
        origins: args.origins,
        depot_count: args.depot_count,
    };
    print!("{}", scenario_toml(&tables, &options)?);
    Ok(())
}

/// `target` as the scenario will name it: relative to `base` (the scenario's folder), with
/// `/` separators so that the file works on every system.
fn path_from(base: &Path, target: &Path) -> Result<String> {
    let base = base
        .canonicalize()
        .with_context(|| format!("--scenario-dir {}", base.display()))?;
    let target = target
        .canonicalize()
        .with_context(|| format!("reading {}", target.display()))?;
    let (b, t): (Vec<Component>, Vec<Component>) =
        (base.components().collect(), target.components().collect());
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return Ok(target.display().to_string());
    }
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(parts.join("/"))
}
