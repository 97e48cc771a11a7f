//! Unit newtypes for quantities whose mix-up would be a silent bug (km vs days vs m³).

use serde::{Deserialize, Serialize};
use std::ops::{Add, AddAssign, Sub, SubAssign};

macro_rules! unit {
    ($(#[$doc:meta])* $name:ident, $unit:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
        pub struct $name(pub f64);

        impl $name {
            pub const ZERO: Self = Self(0.0);
            /// The unit's symbol, for messages and column names.
            pub const UNIT: &'static str = $unit;

            pub fn value(self) -> f64 {
                self.0
            }
            pub fn max(self, other: Self) -> Self {
                Self(self.0.max(other.0))
            }
            pub fn min(self, other: Self) -> Self {
                Self(self.0.min(other.0))
            }
        }
        impl Add for $name {
            type Output = Self;
            fn add(self, rhs: Self) -> Self {
                Self(self.0 + rhs.0)
            }
        }
        impl Sub for $name {
            type Output = Self;
            fn sub(self, rhs: Self) -> Self {
                Self(self.0 - rhs.0)
            }
        }
        impl AddAssign for $name {
            fn add_assign(&mut self, rhs: Self) {
                self.0 += rhs.0;
            }
        }
        impl SubAssign for $name {
            fn sub_assign(&mut self, rhs: Self) {
                self.0 -= rhs.0;
            }
        }
        impl std::iter::Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                Self(iter.map(|x| x.0).sum())
            }
        }
    };
}

unit!(
    /// Road distance in kilometres.
    Km,
    "km"
);
unit!(
    /// A duration in days (fractions allowed: within-day movement).
    Days,
    "days"
);
unit!(
    /// A volume of product in the commodity's unit (m³ for fuel, tonnes for food).
    Volume,
    "m3"
);

impl Volume {
    /// Days of cover this volume gives at `daily` demand (infinite when there is no demand).
    pub fn cover_days(self, daily: Volume) -> Days {
        if daily.0 <= 0.0 {
            Days(f64::INFINITY)
        } else {
            Days(self.0 / daily.0)
        }
    }
}

impl std::ops::Mul<f64> for Volume {
    type Output = Volume;
    fn mul(self, rhs: f64) -> Volume {
        Volume(self.0 * rhs)
    }
}

/// A speed in kilometres per day of driving.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct KmPerDay(pub f64);

impl Km {
    /// Time to cover this distance at `speed`.
    pub fn at(self, speed: KmPerDay) -> Days {
        Days(self.0 / speed.0)
    }
}
