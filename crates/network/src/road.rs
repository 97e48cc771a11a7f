//! Road classes and surfaces, and the condition class (`good`, `fair`, `bad`, `track`) that the
//! scenario's speed table uses. The table is an ASSUMPTION of the project, written into every
//! imported segment's `condition_source` so that an analyst can see and change it.

use lifeline_model::network::RoadCondition;

/// A road's functional class, as OpenStreetMap's `highway=*` values name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RoadClass {
    Motorway,
    Trunk,
    Primary,
    Secondary,
    Tertiary,
    Unclassified,
    Track,
}

impl RoadClass {
    pub const ALL: [RoadClass; 7] = [
        RoadClass::Motorway,
        RoadClass::Trunk,
        RoadClass::Primary,
        RoadClass::Secondary,
        RoadClass::Tertiary,
        RoadClass::Unclassified,
        RoadClass::Track,
    ];

    /// The classes imported when none are chosen: the long-distance network trucks use.
    pub const DEFAULT: [RoadClass; 3] = [RoadClass::Motorway, RoadClass::Trunk, RoadClass::Primary];

    pub fn as_str(self) -> &'static str {
        match self {
            RoadClass::Motorway => "motorway",
            RoadClass::Trunk => "trunk",
            RoadClass::Primary => "primary",
            RoadClass::Secondary => "secondary",
            RoadClass::Tertiary => "tertiary",
            RoadClass::Unclassified => "unclassified",
            RoadClass::Track => "track",
        }
    }

    /// Parses a class name, case-insensitively; link roads (`primary_link`) take their road's
    /// class, since they join it at interchanges.
    pub fn parse(text: &str) -> Option<RoadClass> {
        let lower = text.trim().to_ascii_lowercase();
        let base = lower.strip_suffix("_link").unwrap_or(&lower);
        RoadClass::ALL.into_iter().find(|c| c.as_str() == base)
    }

    /// Parses a comma-separated list such as `trunk,primary,secondary`.
    pub fn parse_list(text: &str) -> Result<Vec<RoadClass>, String> {
        let mut classes = Vec::new();
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let class = RoadClass::parse(word).ok_or_else(|| {
                let known: Vec<&str> = RoadClass::ALL.iter().map(|c| c.as_str()).collect();
                format!(
                    "unknown road class `{word}`; expected some of {}",
                    known.join(", ")
                )
            })?;
            if !classes.contains(&class) {
                classes.push(class);
            }
        }
        if classes.is_empty() {
            return Err("no road class given; e.g. --road-classes trunk,primary".to_string());
        }
        Ok(classes)
    }
}

/// Whether a road is paved, from OpenStreetMap's `surface=*` values (and the plain words that
/// national road datasets use).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    Paved,
    Unpaved,
    Unknown,
}

impl Surface {
    pub fn parse(text: &str) -> Surface {
        let lower = text.trim().to_ascii_lowercase();
        let base = lower.split(':').next().unwrap_or("");
        match base {
            "paved" | "asphalt" | "concrete" | "paving_stones" | "sett" | "chipseal" | "metal"
            | "bitumen" | "tarmac" | "bituminous" => Surface::Paved,
            "unpaved" | "gravel" | "fine_gravel" | "compacted" | "dirt" | "earth" | "ground"
            | "sand" | "mud" | "laterite" | "grass" | "pebblestone" | "rock" | "soil" => {
                Surface::Unpaved
            }
            _ => Surface::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Surface::Paved => "paved",
            Surface::Unpaved => "unpaved",
            Surface::Unknown => "unknown",
        }
    }
}

/// The condition class of a road of `class` and `surface`. Paved trunk roads are `good`;
/// national roads whose surface is unknown are taken as `fair` (most are paved in the Sahel
/// but worn); unpaved main roads are `bad`; minor unpaved roads and tracks are `track`.
pub fn condition_for(class: RoadClass, surface: Surface) -> RoadCondition {
    use RoadClass as C;
    use RoadCondition as R;
    use Surface as S;
    match (class, surface) {
        (C::Motorway | C::Trunk, S::Paved) => R::Good,
        (C::Motorway | C::Trunk | C::Primary, S::Unknown) => R::Fair,
        (C::Primary | C::Secondary, S::Paved) => R::Fair,
        (C::Motorway | C::Trunk | C::Primary, S::Unpaved) => R::Bad,
        (C::Secondary, S::Unknown) => R::Bad,
        (C::Tertiary | C::Unclassified, S::Paved | S::Unknown) => R::Bad,
        (C::Secondary | C::Tertiary | C::Unclassified, S::Unpaved) => R::Track,
        (C::Track, _) => R::Track,
    }
}

/// The `condition_source` text of an imported segment: the rule, marked as an assumption.
pub fn condition_source(origin: &str, class: RoadClass, surface_tag: &str) -> String {
    let surface = Surface::parse(surface_tag);
    let shown = if surface_tag.is_empty() {
        "not given".to_string()
    } else {
        surface_tag.replace(',', ";")
    };
    format!(
        "ASSUMPTION: {origin} class {} surface {shown} ({}) → {} (lifeline network class table)",
        class.as_str(),
        surface.as_str(),
        condition_for(class, surface).as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_parse_with_links_and_lists() {
        assert_eq!(RoadClass::parse("Primary_link"), Some(RoadClass::Primary));
        assert_eq!(RoadClass::parse("residential"), None);
        assert_eq!(
            RoadClass::parse_list("trunk, primary,trunk"),
            Ok(vec![RoadClass::Trunk, RoadClass::Primary])
        );
        let err = RoadClass::parse_list("trunk,highway").expect_err("unknown");
        assert!(
            err.contains("`highway`") && err.contains("secondary"),
            "{err}"
        );
    }

    #[test]
    fn surface_and_class_give_the_condition() {
        assert_eq!(Surface::parse("asphalt"), Surface::Paved);
        assert_eq!(Surface::parse("Unpaved"), Surface::Unpaved);
        assert_eq!(Surface::parse("concrete:plates"), Surface::Paved);
        assert_eq!(Surface::parse(""), Surface::Unknown);
        assert_eq!(
            condition_for(RoadClass::Trunk, Surface::Paved),
            RoadCondition::Good
        );
        assert_eq!(
            condition_for(RoadClass::Primary, Surface::Unknown),
            RoadCondition::Fair
        );
        assert_eq!(
            condition_for(RoadClass::Primary, Surface::Unpaved),
            RoadCondition::Bad
        );
        assert_eq!(
            condition_for(RoadClass::Secondary, Surface::Unpaved),
            RoadCondition::Track
        );
        let source = condition_source("OSM", RoadClass::Primary, "gravel");
        assert!(
            source.starts_with("ASSUMPTION")
                && source.ends_with("→ bad (lifeline network class table)"),
            "{source}"
        );
    }
}
