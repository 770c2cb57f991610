//! Where an overlay goes on the output image: Cantaloupe's positions and their names.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Position {
    TopLeft,
    TopCenter,
    TopRight,
    LeftCenter,
    Center,
    RightCenter,
    BottomLeft,
    BottomCenter,
    BottomRight,
    /// Tiled over the whole image from a tile centred on it (image overlays; a string is drawn
    /// bottom right, as Cantaloupe draws it).
    Repeat,
    /// Scaled to fit inside the image less its inset, centred (image overlays; a string is
    /// drawn bottom right).
    Scaled,
}

impl Position {
    pub const ALL: [Position; 11] = [
        Position::TopLeft,
        Position::TopCenter,
        Position::TopRight,
        Position::LeftCenter,
        Position::Center,
        Position::RightCenter,
        Position::BottomLeft,
        Position::BottomCenter,
        Position::BottomRight,
        Position::Repeat,
        Position::Scaled,
    ];

    /// The name configuration uses, e.g. "top left".
    pub fn name(self) -> &'static str {
        match self {
            Position::TopLeft => "top left",
            Position::TopCenter => "top center",
            Position::TopRight => "top right",
            Position::LeftCenter => "left center",
            Position::Center => "center",
            Position::RightCenter => "right center",
            Position::BottomLeft => "bottom left",
            Position::BottomCenter => "bottom center",
            Position::BottomRight => "bottom right",
            Position::Repeat => "repeat",
            Position::Scaled => "scaled",
        }
    }

    /// A position by Cantaloupe's rule: its name in any case, with spaces or underscores; else
    /// the first (in the order above) whose name holds every word given ("center right" is
    /// right center, "top" top left).
    pub fn parse(text: &str) -> Option<Position> {
        let normal = text.trim().to_lowercase().replace('_', " ");
        let words: Vec<&str> = normal.split_whitespace().collect();
        if words.is_empty() {
            return None;
        }
        let joined = words.join(" ");
        Position::ALL
            .into_iter()
            .find(|p| p.name() == joined)
            .or_else(|| Position::ALL.into_iter().find(|p| words.iter().all(|w| p.name().contains(w))))
    }

    /// Where the left edge of a `width`-wide box goes across a `canvas`-wide image, `inset`
    /// from the edge it keeps to (Repeat and Scaled are placed as BottomRight).
    pub fn x(self, canvas: u32, width: u32, inset: u32) -> i64 {
        let (canvas, width, inset) = (i64::from(canvas), i64::from(width), i64::from(inset));
        match self {
            Position::TopLeft | Position::LeftCenter | Position::BottomLeft => inset,
            Position::TopCenter | Position::Center | Position::BottomCenter => (canvas - width) / 2,
            _ => canvas - width - inset,
        }
    }

    /// Where the top edge of a `height`-tall box goes down a `canvas`-tall image.
    pub fn y(self, canvas: u32, height: u32, inset: u32) -> i64 {
        let (canvas, height, inset) = (i64::from(canvas), i64::from(height), i64::from(inset));
        match self {
            Position::TopLeft | Position::TopCenter | Position::TopRight => inset,
            Position::LeftCenter | Position::Center | Position::RightCenter => (canvas - height) / 2,
            _ => canvas - height - inset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Position;

    #[test]
    fn names_parse_in_any_order_and_case() {
        for p in Position::ALL {
            assert_eq!(Position::parse(p.name()), Some(p));
        }
        assert_eq!(Position::parse("Center Right"), Some(Position::RightCenter));
        assert_eq!(Position::parse("BOTTOM_LEFT"), Some(Position::BottomLeft));
        assert_eq!(Position::parse("center"), Some(Position::Center));
        assert_eq!(Position::parse("top"), Some(Position::TopLeft));
        assert_eq!(Position::parse("middle"), None);
        assert_eq!(Position::parse(""), None);
    }

    #[test]
    fn boxes_keep_their_inset_from_the_edge_they_keep_to() {
        assert_eq!((Position::TopLeft.x(100, 20, 5), Position::TopLeft.y(80, 10, 5)), (5, 5));
        assert_eq!((Position::BottomRight.x(100, 20, 5), Position::BottomRight.y(80, 10, 5)), (75, 65));
        assert_eq!((Position::Center.x(100, 20, 5), Position::Center.y(80, 10, 5)), (40, 35));
        assert_eq!((Position::Repeat.x(100, 20, 5), Position::Scaled.y(80, 10, 5)), (75, 65));
    }
}
