//! Typed indices. Each id is an index into one vector of the model; mixing them is a type error.

use serde::{Deserialize, Serialize};

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub struct $name(pub u32);

        impl $name {
            /// The position of this id in its owning vector.
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The id of the element at `index` of its owning vector.
            pub fn from_index(index: usize) -> Self {
                Self(u32::try_from(index).expect("invariant: fewer than 2^32 elements"))
            }
        }
    };
}

typed_id!(
    /// A place of the network (port, town, border post, depot, camp…).
    PlaceId
);
typed_id!(
    /// A road segment between two places.
    SegmentId
);
typed_id!(
    /// A supply corridor: an origin, a destination depot and the route between them.
    CorridorId
);
typed_id!(
    /// A commodity moved by the supply chain (fuel, food…).
    CommodityId
);
typed_id!(
    /// A demand point: one place's stock of one commodity.
    DepotId
);
